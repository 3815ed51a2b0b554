#include <string.h>

#include "tk_count.h"

void tk_count_chunk_free(tk_count_chunk *chunk)
{
    tk_vocab_free(&chunk->vocab);
    tk_free(chunk->entries);
    memset(chunk, 0, sizeof *chunk);
}

void tk_count_scratch_free(tk_count_scratch *scratch)
{
    tk_ngram_buf_free(&scratch->buf);
    tk_free(scratch->stamp);
    tk_free(scratch->pos);
    tk_free(scratch->tmp);
    tk_free(scratch->sums);
    tk_free(scratch->sort_tmp);
    tk_free(scratch->prefix_ids);
    tk_free(scratch->new_tops);
    memset(scratch, 0, sizeof *scratch);
}

/* sink_gram hashes grams of the n-gram buffer with tk_hash_padded. */
typedef char tk_vocab_pad_covers_hash_pad[TK_VOCAB_PAD >= TK_HASH_PAD ? 1 : -1];

/* Grams wait in a short FIFO after their hash table slot is prefetched,
 * hiding most cache misses of large vocabularies; order is unchanged. */
#define PIPE_STAGE 8
#define PIPE_LEN 32
/* Below this many hash slots (64 KB of slots, about 100 KB of records at
 * most half full), counting skips the pipe. */
#define PIPE_MIN_SLOTS 8192
/* What counting a gram does (ROWS; other modes count every gram PLAIN). */
enum gram_kind {
    GRAM_PLAIN = 0,   /* once more, in the table and the row */
    GRAM_TOP = 1,     /* the same, and a new term gets its prefixes looked up */
    GRAM_PREFIX = 2   /* in the table only, count 0: its id goes to prefix_ids[dest] */
};
#define GRAM_KIND_BITS 2
#define GRAM_TAG(kind, dest) (((uint64_t)(dest) << GRAM_KIND_BITS) | (uint64_t)(kind))

typedef struct pending_gram {
    const uint8_t *gram;
    size_t len;
    uint64_t hash;
    uint64_t tag;                  /* GRAM_TAG */
} pending_gram;

/* One document being counted. */
typedef struct doc_sink {
    const tk_count_opts *opts;
    tk_count_scratch *ws;
    tk_count_chunk *out;
    tk_count_doc doc;
    size_t row_start;              /* first entry of the document's row */
    int padded;                    /* grams are in the n-gram buffer (TK_VOCAB_PAD) */
    size_t n_prefixes;             /* nested: hi - lo prefixes per hi-gram, else 0 */
    size_t since_check;            /* grams since the last look at opts->cancel */
    pending_gram pipe[PIPE_LEN];
    size_t pipe_head, pipe_len;
} doc_sink;

static int ensure_stamps(tk_count_scratch *ws, size_t need)
{
    size_t cap = ws->stamp_cap, cap2;
    int rc;
    if (need <= cap)
        return TK_OK;
    cap2 = cap;
    if ((rc = tk_grow((void **)&ws->stamp, &cap, need, sizeof *ws->stamp)) < 0)
        return rc;
    if ((rc = tk_grow((void **)&ws->pos, &cap2, cap, sizeof *ws->pos)) < 0)
        return rc;
    memset(ws->stamp + ws->stamp_cap, 0, (cap - ws->stamp_cap) * sizeof *ws->stamp);
    ws->stamp_cap = cap;
    return TK_OK;
}

/*
 * Count id once more in the current document's row: bump its entry at
 * *pos when the row already has it (seen), else append one and record its
 * position in *pos.  The callers keep "seen" in different places.
 */
static int row_bump(doc_sink *d, uint32_t id, int seen, uint32_t *pos, uint32_t add)
{
    tk_count_chunk *out = d->out;
    int rc;
    if (seen) {
        uint64_t *e = &out->entries[d->row_start + *pos];
        if (TK_ENTRY_VALUE(*e) > UINT32_MAX - add)
            return TK_EOVERFLOW;
        *e += add;
        return TK_OK;
    }
    if ((rc = tk_reserve_append((void **)&out->entries, &out->entries_cap, out->n_entries + 1,
                                sizeof *out->entries)) < 0)
        return rc;
    *pos = (uint32_t)(out->n_entries - d->row_start);
    out->entries[out->n_entries++] = TK_ENTRY(id, add);
    return TK_OK;
}

/* FIXED: "seen" is a per-thread stamp array indexed by column. */
static int row_add(doc_sink *d, uint32_t id)
{
    tk_count_scratch *ws = d->ws;
    int rc;
    if (id >= ws->stamp_cap && (rc = ensure_stamps(ws, (size_t)id + 1)) < 0)
        return rc;
    rc = row_bump(d, id, ws->stamp[id] == d->doc.stamp, &ws->pos[id], 1);
    if (rc == TK_OK)
        ws->stamp[id] = d->doc.stamp;
    return rc;
}

/*
 * ROWS: "seen" is kept in the chunk's own term record (just brought into
 * cache by the lookup) instead of a separate array.
 */
static int row_add_local(doc_sink *d, uint32_t id, uint32_t add)
{
    tk_term *t = &d->out->vocab.terms[id];
    int rc = row_bump(d, id, t->mark == d->doc.mark, &t->aux, add);
    if (rc == TK_OK)
        t->mark = d->doc.mark;
    return rc;
}

/* Nested ROWS: a term new to the chunk gets its prefix_ids entry. */
static int note_new_term(doc_sink *d, uint32_t id, const uint8_t *g, size_t kind)
{
    tk_count_scratch *ws = d->ws;
    int rc;
    if ((rc = tk_reserve_append((void **)&ws->prefix_ids, &ws->prefix_cap,
                                ((size_t)id + 1) * d->n_prefixes, sizeof *ws->prefix_ids)) < 0)
        return rc;
    ws->prefix_ids[(size_t)id * d->n_prefixes] = TK_NOT_TOP;
    if (kind != GRAM_TOP)
        return TK_OK;
    if ((rc = tk_reserve_append((void **)&ws->new_tops, &ws->new_tops_cap, ws->n_new_tops + 1,
                                sizeof *ws->new_tops)) < 0)
        return rc;
    ws->new_tops[ws->n_new_tops].gram = g;
    ws->new_tops[ws->n_new_tops++].id = id;
    d->out->nested_new++;
    return TK_OK;
}

static int count_gram(doc_sink *d, const uint8_t *g, size_t len, uint64_t h, uint64_t tag)
{
    const size_t kind = (size_t)(tag & ((1u << GRAM_KIND_BITS) - 1));
    tk_vocab *v = &d->out->vocab;
    const size_t n_before = v->n;
    uint32_t id;
    int rc;
    switch (d->opts->mode) {
    case TK_COUNT_TERMS:
        return d->padded ? tk_vocab_add_padded(v, g, len, h, 1, NULL)
                         : tk_vocab_add_hashed(v, g, len, h, 1, NULL);
    case TK_COUNT_ROWS:
        rc = d->padded ? tk_vocab_add_padded(v, g, len, h, kind != GRAM_PREFIX, &id)
                       : tk_vocab_add_hashed(v, g, len, h, kind != GRAM_PREFIX, &id);
        if (rc < 0)
            return rc;
        if (d->n_prefixes && v->n != n_before && (rc = note_new_term(d, id, g, kind)) < 0)
            return rc;
        if (kind == GRAM_PREFIX) {
            d->ws->prefix_ids[(size_t)(tag >> GRAM_KIND_BITS)] = id;
            return TK_OK;
        }
        return row_add_local(d, id, 1);
    case TK_COUNT_FIXED: {
        long long found = tk_vocab_find_hashed(d->opts->fixed, g, len, h);
        if (found < 0)
            return TK_OK;
        return row_add(d, (uint32_t)found);
    }
    default:
        return TK_EINVAL;
    }
}

/* The gram i places behind the oldest one in the pipe. */
TK_ALWAYS_INLINE pending_gram *pipe_at(doc_sink *d, size_t i)
{
    return &d->pipe[(d->pipe_head + i) % PIPE_LEN];
}

/* Count the gram that has waited longest in the pipe and drop it. */
TK_ALWAYS_INLINE int count_oldest(doc_sink *d)
{
    pending_gram *p = &d->pipe[d->pipe_head];
    int rc = count_gram(d, p->gram, p->len, p->hash, p->tag);
    if (rc < 0)
        return rc;
    d->pipe_head = (d->pipe_head + 1) % PIPE_LEN;
    d->pipe_len--;
    return TK_OK;
}

static int flush_pipe(doc_sink *d)
{
    int rc = TK_OK;
    while (d->pipe_len && rc == TK_OK)
        rc = count_oldest(d);
    return rc;
}

static int fold_pending(tk_count_scratch *ws, uint64_t n_features);

/* Count a gram of the given tag, now or through the pipe. */
TK_ALWAYS_INLINE int enqueue_gram(doc_sink *d, const uint8_t *g, size_t len, uint64_t h,
                                  uint64_t tag)
{
    const tk_count_opts *o = d->opts;
    const tk_vocab *table = o->mode == TK_COUNT_FIXED ? o->fixed : &d->out->vocab;
    int rc;
    /* A table this small stays in cache: the pipe would only add work.
     * (Grams already waiting go first, so the order is kept.) */
    if (table->mask < PIPE_MIN_SLOTS && d->pipe_len == 0)
        return count_gram(d, g, len, h, tag);
    tk_vocab_prefetch(table, h);
    if (d->pipe_len == PIPE_LEN && (rc = count_oldest(d)) < 0)
        return rc;
    {
        pending_gram *q = pipe_at(d, d->pipe_len);
        q->gram = g;
        q->len = len;
        q->hash = h;
        q->tag = tag;
        d->pipe_len++;
    }
    /* PIPE_STAGE grams later the slot is cached: fetch the term record;
     * PIPE_STAGE grams after that, a long term's bytes in the arena. */
    if (d->pipe_len > PIPE_STAGE)
        tk_vocab_prefetch_term(table, pipe_at(d, d->pipe_len - 1 - PIPE_STAGE)->hash);
    if (d->pipe_len > 2 * PIPE_STAGE) {
        const pending_gram *p = pipe_at(d, d->pipe_len - 1 - 2 * PIPE_STAGE);
        if (p->len > TK_TERM_HEAD)
            tk_vocab_prefetch_tail(table, p->hash);
    }
    return TK_OK;
}

/* Grams stay valid until the document's emission ends (they point into
 * the prepared buffer), so they can wait in the pipe until flush_pipe. */
TK_ALWAYS_INLINE int sink_kind(void *ctx, const uint8_t *g, size_t len, size_t kind)
{
    doc_sink *d = ctx;
    const tk_count_opts *o = d->opts;
    uint64_t h = d->padded ? tk_hash_padded(g, len) : tk_hash_bytes(g, len);
    int rc;

    /* One huge document is one work item: look for Ctrl-C inside it too. */
    if ((++d->since_check & 0xFFFF) == 0 && o->cancel
        && __atomic_load_n(o->cancel, __ATOMIC_RELAXED))
        return TK_ECANCELLED;

    if (o->mode == TK_COUNT_HASHED) {
        uint64_t col = (h & UINT64_C(0x7fffffffffffffff)) % o->n_features;
        uint64_t neg = o->alternate_sign ? h >> 63 : 0;
        tk_count_scratch *ws = d->ws;
        if ((rc = tk_reserve_append((void **)&ws->tmp, &ws->tmp_cap, ws->tmp_len + 1,
                                    sizeof *ws->tmp)) < 0)
            return rc;
        ws->tmp[ws->tmp_len++] = (col << 1) | neg;
        if (ws->tmp_len >= TK_HASHED_PENDING_MAX)
            return fold_pending(ws, o->n_features);
        return TK_OK;
    }
    return enqueue_gram(d, g, len, h, GRAM_TAG(kind, 0));
}

static int sink_gram(void *ctx, const uint8_t *g, size_t len)
{
    return sink_kind(ctx, g, len, GRAM_PLAIN);
}

static int sink_top(void *ctx, const uint8_t *g, size_t len)
{
    ((doc_sink *)ctx)->out->nested_tops++;
    return sink_kind(ctx, g, len, GRAM_TOP);
}

/* Rows are short: insertion sort below 24, else an inlined quicksort. */
void tk_sort_u64(uint64_t *a, size_t n)
{
    while (n > 24) {
        uint64_t x = a[0], y = a[n / 2], z = a[n - 1], pivot, t;
        size_t i = 0, j = n - 1;
        pivot = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        for (;;) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i >= j)
                break;
            t = a[i];
            a[i] = a[j];
            a[j] = t;
            i++;
            j--;
        }
        /* recurse into the smaller part, loop on the larger */
        if (j + 1 < n - j - 1) {
            tk_sort_u64(a, j + 1);
            a += j + 1;
            n -= j + 1;
        } else {
            tk_sort_u64(a + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    {
        size_t i;
        for (i = 1; i < n; i++) {
            uint64_t x = a[i];
            size_t k = i;
            while (k > 0 && a[k - 1] > x) {
                a[k] = a[k - 1];
                k--;
            }
            a[k] = x;
        }
    }
}

unsigned tk_column_bits(uint64_t n_cols)
{
    uint64_t max = n_cols > 0 ? n_cols - 1 : 0;
    unsigned bits = 0;
    while (max >> bits)
        bits++;
    return bits;
}

/*
 * LSD radix sort on the key: 8-bit digits below 1024 values (fewer
 * buckets to clear and sum), 11-bit above (fewer passes).  On random rows
 * of 118k and 720k columns (the benchmark's unigram and (1, 2)-gram
 * vocabularies), tk_sort_u64 took 12, 19 and 22 ns per value for rows of
 * 32, 128 and 256 values; this sort 11-12, 5-6 and 4.5-5.7.
 */
void tk_sort_row(uint64_t *a, uint64_t *tmp, size_t n, unsigned lo_bit, unsigned key_bits)
{
    size_t counts[2048];
    uint64_t *from = a, *to = tmp;
    const unsigned digit_bits = n < 1024 ? 8 : 11;
    const size_t n_buckets = (size_t)1 << digit_bits, mask = n_buckets - 1;
    unsigned done;
    if (n <= TK_ROW_RADIX_MIN) {
        tk_sort_u64(a, n);
        return;
    }
    for (done = 0; done < key_bits; done += digit_bits) {
        const unsigned shift = lo_bit + done;
        size_t i, sum = 0;
        memset(counts, 0, n_buckets * sizeof *counts);
        for (i = 0; i < n; i++)
            counts[(from[i] >> shift) & mask]++;
        for (i = 0; i < n_buckets; i++) {
            size_t c = counts[i];
            counts[i] = sum;
            sum += c;
        }
        for (i = 0; i < n; i++)
            to[counts[(from[i] >> shift) & mask]++] = from[i];
        {
            uint64_t *t = from;
            from = to;
            to = t;
        }
    }
    if (from != a)
        memcpy(a, from, n * sizeof *a);
}

/* tk_sort_row with the scratch's buffer. */
static int sort_row_scratch(tk_count_scratch *ws, uint64_t *a, size_t n, unsigned lo_bit,
                            unsigned key_bits)
{
    int rc;
    if (n > TK_ROW_RADIX_MIN
        && (rc = tk_reserve((void **)&ws->sort_tmp, &ws->sort_tmp_cap, n, sizeof *a)) < 0)
        return rc;
    tk_sort_row(a, ws->sort_tmp, n, lo_bit, key_bits);
    return TK_OK;
}

/*
 * HASHED: sort and sum the pending (column, sign) pairs into ws->sums,
 * merging from the back in place; columns whose sum is 0 so far are
 * dropped (a later pair brings them back, and a column that ends at 0
 * gets no entry either way).
 */
static int fold_pending(tk_count_scratch *ws, uint64_t n_features)
{
    const uint64_t *a = ws->tmp;
    size_t j = ws->tmp_len, distinct = 0, i, w, k;
    int rc;
    if ((rc = sort_row_scratch(ws, ws->tmp, ws->tmp_len, 1, tk_column_bits(n_features))) < 0)
        return rc;
    for (k = 0; k < j; k++)
        distinct += k == 0 || a[k] >> 1 != a[k - 1] >> 1;
    if ((rc = tk_reserve_append((void **)&ws->sums, &ws->sums_cap, ws->n_sums + distinct,
                                sizeof *ws->sums)) < 0)
        return rc;
    /* Slot w - 1 is written only after every sum below i has been read:
     * w >= i + (distinct columns still to place). */
    i = ws->n_sums;
    w = ws->n_sums + distinct;
    while (j > 0) {
        uint64_t col = a[j - 1] >> 1;
        int64_t sum = 0;
        for (; j > 0 && a[j - 1] >> 1 == col; j--)
            sum += (a[j - 1] & 1) ? -1 : 1;
        while (i > 0 && ws->sums[i - 1].col > col)
            ws->sums[--w] = ws->sums[--i];
        if (i > 0 && ws->sums[i - 1].col == col)
            sum += ws->sums[--i].sum;
        if (sum != 0) {
            ws->sums[--w].col = col;
            ws->sums[w].sum = sum;
        }
    }
    /* sums[0, i) stay; sums[w, end) follow them. */
    k = ws->n_sums + distinct - w;
    if (w > i && k)
        memmove(ws->sums + i, ws->sums + w, k * sizeof *ws->sums);
    ws->n_sums = i + k;
    ws->tmp_len = 0;
    return TK_OK;
}

/* HASHED: append one summed column to the document's row (none if 0). */
static int put_hashed(tk_count_chunk *out, uint64_t col, int64_t sum)
{
    int rc;
    if (sum == 0)
        return TK_OK;
    if (sum > INT32_MAX || sum < INT32_MIN)
        return TK_EOVERFLOW;
    if ((rc = tk_reserve_append((void **)&out->entries, &out->entries_cap, out->n_entries + 1,
                                sizeof *out->entries)) < 0)
        return rc;
    out->entries[out->n_entries++] = TK_ENTRY(col, (int32_t)sum);
    return TK_OK;
}

/* HASHED: turn a document's (column, sign) pairs into summed, sorted entries. */
static int flush_hashed_row(doc_sink *d)
{
    tk_count_scratch *ws = d->ws;
    tk_count_chunk *out = d->out;
    size_t i = 0;
    int rc;
    if (ws->n_sums) {
        /* A long document: fold in the last pairs, then copy the sums. */
        rc = fold_pending(ws, d->opts->n_features);
        for (i = 0; rc == TK_OK && i < ws->n_sums; i++)
            rc = put_hashed(out, ws->sums[i].col, ws->sums[i].sum);
        ws->n_sums = 0;
        return rc;
    }
    /* The sign is bit 0: equal columns only need to end up together. */
    if ((rc = sort_row_scratch(ws, ws->tmp, ws->tmp_len, 1,
                               tk_column_bits(d->opts->n_features))) < 0)
        return rc;
    while (i < ws->tmp_len) {
        uint64_t col = ws->tmp[i] >> 1;
        int64_t sum = 0;
        for (; i < ws->tmp_len && ws->tmp[i] >> 1 == col; i++)
            sum += (ws->tmp[i] & 1) ? -1 : 1;
        if ((rc = put_hashed(out, col, sum)) < 0)
            return rc;
    }
    ws->tmp_len = 0;
    return TK_OK;
}

static void sink_init(doc_sink *d, const tk_count_opts *opts, tk_count_scratch *ws,
                      tk_count_chunk *out, tk_count_doc doc, int padded, int nested)
{
    d->opts = opts;
    d->padded = padded;
    d->n_prefixes = nested ? opts->ng.hi - opts->ng.lo : 0;
    ws->n_new_tops = 0;
    d->ws = ws;
    d->out = out;
    d->doc = doc;
    d->row_start = out->n_entries;
    d->since_check = 0;
    d->pipe_head = 0;
    d->pipe_len = 0;
    ws->tmp_len = 0;
    ws->n_sums = 0;
}

/* Nested ROWS, once the document's grams are counted: look up the
 * prefixes of its new hi-grams, through the pipe like any gram. */
static int find_new_prefixes(doc_sink *d)
{
    tk_count_scratch *ws = d->ws;
    const size_t lo = d->opts->ng.lo;
    size_t i, k;
    int rc;
    for (i = 0; i < ws->n_new_tops; i++) {
        const tk_new_top top = ws->new_tops[i];
        size_t len = tk_ngram_prefix_len(top.gram, lo);
        for (k = 0; k < d->n_prefixes; k++) {
            rc = enqueue_gram(d, top.gram, len, tk_hash_padded(top.gram, len),
                              GRAM_TAG(GRAM_PREFIX, (size_t)top.id * d->n_prefixes + k));
            if (rc < 0)
                return rc;
            len += tk_ngram_prefix_len(top.gram + len, 1);
        }
    }
    ws->n_new_tops = 0;
    return flush_pipe(d);
}

/* How far ahead expand_row fetches an entry's prefix ids, and then the
 * term records they name. */
#define EXPAND_AHEAD 16

/* Nested ROWS: each hi-gram of the row stands for its prefixes as often
 * as it occurs; count them in the table and the row. */
static int expand_row(doc_sink *d)
{
    tk_count_chunk *out = d->out;
    tk_vocab *v = &out->vocab;
    const uint32_t *prefix_ids = d->ws->prefix_ids;
    const size_t w = d->n_prefixes, end = out->n_entries;
    size_t i, k;
    int rc;
    for (i = d->row_start; i < end; i++) {
        const uint32_t *ids = prefix_ids + (size_t)TK_ENTRY_ID(out->entries[i]) * w;
        const uint32_t add = TK_ENTRY_VALUE(out->entries[i]);
        if (i + 2 * EXPAND_AHEAD < end)
            tk_prefetch(prefix_ids + (size_t)TK_ENTRY_ID(out->entries[i + 2 * EXPAND_AHEAD]) * w);
        if (i + EXPAND_AHEAD < end) {
            const uint32_t *ahead = prefix_ids + (size_t)TK_ENTRY_ID(out->entries[i + EXPAND_AHEAD]) * w;
            if (ahead[0] != TK_NOT_TOP)
                for (k = 0; k < w; k++)
                    tk_prefetch(&v->terms[ahead[k]]);
        }
        if (ids[0] == TK_NOT_TOP)
            continue;
        for (k = 0; k < w; k++) {
            tk_term *t = &v->terms[ids[k]];
            if ((int64_t)add > INT64_MAX - t->count || (int64_t)add > INT64_MAX - v->total)
                return TK_EOVERFLOW;
            t->count += add;
            v->total += add;
            if ((rc = row_add_local(d, ids[k], add)) < 0)
                return rc;
        }
    }
    return TK_OK;
}

/* After the grams (rc from emitting them): drain the pipe, finish the row. */
static int sink_finish(doc_sink *d, int rc)
{
    if (rc == TK_OK)
        rc = flush_pipe(d);
    if (rc == TK_OK && d->n_prefixes)
        rc = find_new_prefixes(d);
    if (rc == TK_OK && d->n_prefixes)
        rc = expand_row(d);
    if (rc == TK_OK && d->opts->mode == TK_COUNT_HASHED)
        rc = flush_hashed_row(d);
    /* Columns are final: sort here, on the counting thread.  (An empty
     * first row has no entries array yet: NULL + 0 is undefined.) */
    if (rc == TK_OK && d->opts->mode == TK_COUNT_FIXED && d->out->n_entries > d->row_start)
        rc = sort_row_scratch(d->ws, d->out->entries + d->row_start,
                              d->out->n_entries - d->row_start, 32,
                              tk_column_bits(d->opts->fixed->n));
    return rc;
}

int tk_count_text(const tk_count_opts *opts, tk_count_scratch *scratch, tk_count_chunk *chunk,
                  tk_count_doc doc, const uint8_t *text, size_t len)
{
    /* A fit's char grams are counted nested (tk_ngram_emit_nested): the
     * table is looked up once per position instead of once per gram, and
     * the shorter grams are counted once per document from the longest. */
    const int nested = opts->mode == TK_COUNT_ROWS && !opts->plain && !chunk->nesting_off
                       && tk_ngram_nests(&opts->ng)
                       && opts->ng.hi - opts->ng.lo <= TK_NEST_MAX_PREFIXES;
    doc_sink d;
    int rc;
    sink_init(&d, opts, scratch, chunk, doc, 1, nested);
    rc = tk_ngram_prepare_cancellable(&opts->ng, opts->tok, opts->stopwords, text, len,
                                      &scratch->buf, opts->cancel);
    if (rc == TK_OK && nested)
        rc = tk_ngram_emit_nested(&opts->ng, &scratch->buf, sink_top, sink_gram, &d);
    else if (rc == TK_OK)
        rc = tk_ngram_emit(&opts->ng, &scratch->buf, sink_gram, &d);
    rc = sink_finish(&d, rc);
    /* Only ever from nested to plain: a term first counted plain has no
     * prefix ids, so no later document may count it nested. */
    if (nested && chunk->nested_tops >= TK_NEST_CHECK_AFTER
        && chunk->nested_new * 100 > chunk->nested_tops * TK_NEST_MAX_NEW_PERCENT)
        chunk->nesting_off = 1;
    return rc;
}

int tk_count_terms(const tk_count_opts *opts, tk_count_scratch *scratch, tk_count_chunk *chunk,
                   tk_count_doc doc, const uint8_t *data, const size_t *ends, size_t n_terms,
                   int make_grams)
{
    doc_sink d;
    int rc = TK_OK;
    /* Terms given as they are live in the caller's buffer, unpadded. */
    sink_init(&d, opts, scratch, chunk, doc, make_grams, 0);
    if (make_grams) {
        rc = tk_ngram_prepare_tokens(&scratch->buf, data, ends, n_terms);
        if (rc == TK_OK)
            rc = tk_ngram_emit(&opts->ng, &scratch->buf, sink_gram, &d);
    } else {
        size_t k, prev = 0;
        for (k = 0; k < n_terms && rc == TK_OK; k++) {
            rc = sink_gram(&d, data + prev, ends[k] - prev);
            prev = ends[k];
        }
    }
    return sink_finish(&d, rc);
}

int tk_count_chunk_pack(tk_count_chunk *chunk, int want_stats, tk_term_run *run)
{
    tk_vocab *v = &chunk->vocab;
    uint32_t *rank = tk_malloc((v->n ? v->n : 1) * sizeof *rank);
    size_t i;
    int rc;

    memset(run, 0, sizeof *run);
    if (!rank) {
        rc = TK_ENOMEM;
        goto cleanup;
    }
    if ((rc = tk_term_run_pack(v, want_stats, run, rank)) < 0)
        goto cleanup;
    for (i = 0; i < chunk->n_entries; i++) {
        uint32_t pos = rank[TK_ENTRY_ID(chunk->entries[i])];
        if (run->df)
            run->df[pos]++;
        chunk->entries[i] = TK_ENTRY(pos, TK_ENTRY_VALUE(chunk->entries[i]));
    }
    tk_vocab_clear(v);
cleanup:
    tk_free(rank);
    return rc;
}
