#include <string.h>

#include "tk_tokenize.h"
#include "tk_vocab.h"

void tk_vocab_init(tk_vocab *v) { memset(v, 0, sizeof *v); }

static inline void term_head(uint8_t head[TK_TERM_HEAD], const uint8_t *term, size_t len)
{
    memset(head, 0, TK_TERM_HEAD);
    if (len)
        memcpy(head, term, len < TK_TERM_HEAD ? len : TK_TERM_HEAD);
}

/* head is term_head(term, len): equal lengths and heads leave only the
 * bytes past the head to compare. */
static inline int term_equal(const tk_vocab *v, const tk_term *t, const uint8_t *head,
                             const uint8_t *term, size_t len)
{
    if (t->len != len || memcmp(t->head, head, TK_TERM_HEAD) != 0)
        return 0;
    return len <= TK_TERM_HEAD
           || tk_bytes_equal(v->arena + t->off + TK_TERM_HEAD, term + TK_TERM_HEAD,
                             len - TK_TERM_HEAD);
}

static void set_term(tk_term *t, size_t off, const uint8_t *term, size_t len, uint64_t hash,
                     int64_t count)
{
    t->off = off;
    t->len = (uint32_t)len;
    t->count = count;
    t->hash = hash;
    t->mark = 0;
    t->aux = 0;
    term_head(t->head, term, len);
}

void tk_vocab_free(tk_vocab *v)
{
    tk_free(v->arena);
    tk_free(v->terms);
    tk_free(v->slots);
    memset(v, 0, sizeof *v);
}

void tk_vocab_clear(tk_vocab *v)
{
    if (v->slots)
        memset(v->slots, 0, (v->mask + 1) * sizeof *v->slots);
    v->arena_len = 0;
    v->n = 0;
    v->total = 0;
}

static int rehash(tk_vocab *v, size_t n_slots)
{
    tk_vocab_slot *slots = tk_calloc(n_slots, sizeof *slots);
    size_t mask = n_slots - 1, i;
    if (!slots)
        return TK_ENOMEM;
    for (i = 0; i < v->n; i++) {
        uint64_t h = v->terms[i].hash;
        size_t s = (size_t)h & mask;
        while (slots[s].id1)
            s = (s + 1) & mask;
        slots[s].id1 = (uint32_t)(i + 1);
        slots[s].tag = (uint32_t)(h >> 32);
    }
    tk_free(v->slots);
    v->slots = slots;
    v->mask = mask;
    return TK_OK;
}

long long tk_vocab_find_hashed(const tk_vocab *v, const uint8_t *term, size_t len,
                               uint64_t hash)
{
    size_t s;
    uint32_t tag = (uint32_t)(hash >> 32);
    uint8_t head[TK_TERM_HEAD];
    if (!v->slots)
        return -1;
    term_head(head, term, len);
    for (s = (size_t)hash & v->mask; v->slots[s].id1; s = (s + 1) & v->mask) {
        if (v->slots[s].tag == tag) {
            const tk_term *t = &v->terms[v->slots[s].id1 - 1];
            if (term_equal(v, t, head, term, len))
                return (long long)(v->slots[s].id1 - 1);
        }
    }
    return -1;
}

long long tk_vocab_find(const tk_vocab *v, const uint8_t *term, size_t len)
{
    return tk_vocab_find_hashed(v, term, len, tk_hash_bytes(term, len));
}

/* term_head of a term followed by TK_VOCAB_PAD readable bytes: two word
 * loads and masks that a compiler turns into conditional moves. */
static inline void padded_head(uint8_t head[TK_TERM_HEAD], const uint8_t *term, size_t len)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ \
    && TK_TERM_HEAD > 8 && TK_TERM_HEAD <= 16 && TK_VOCAB_PAD >= 16
    uint64_t lo, hi;
    size_t hi_len = len < 8 ? 0 : len - 8;
    memcpy(&lo, term, 8);
    memcpy(&hi, term + 8, 8);
    /* The first n bytes of a little-endian word are its n low bytes. */
    lo &= len >= 8 ? UINT64_MAX : ((uint64_t)1 << (8 * len)) - 1;
    hi &= hi_len >= 8 ? UINT64_MAX : ((uint64_t)1 << (8 * hi_len)) - 1;
    memcpy(head, &lo, 8);
    memcpy(head + 8, &hi, TK_TERM_HEAD - 8);
#else
    term_head(head, term, len);
#endif
}

/* tk_vocab_add_hashed, or tk_vocab_add_padded when padded (a constant in
 * each caller, so that each gets its own copy without the test). */
TK_ALWAYS_INLINE int add_term(tk_vocab *v, const uint8_t *term, size_t len, uint64_t hash,
                              int64_t count, uint32_t *id, int padded)
{
    size_t s, new_id;
    uint32_t tag = (uint32_t)(hash >> 32);
    uint8_t head[TK_TERM_HEAD];
    int rc;

    if (!v->slots && v->n && (rc = tk_vocab_index(v)) < 0)
        return rc;
    if (padded)
        padded_head(head, term, len);
    else
        term_head(head, term, len);
    if (v->slots) {
        for (s = (size_t)hash & v->mask; v->slots[s].id1; s = (s + 1) & v->mask) {
            if (v->slots[s].tag == tag) {
                size_t found = v->slots[s].id1 - 1;
                tk_term *t = &v->terms[found];
                if (term_equal(v, t, head, term, len)) {
                    /* counts are >= 0: only an overflow upwards is possible */
                    if (count > INT64_MAX - t->count || count > INT64_MAX - v->total)
                        return TK_EOVERFLOW;
                    t->count += count;
                    v->total += count;
                    if (id)
                        *id = (uint32_t)found;
                    return TK_OK;
                }
            }
        }
    }
    if (v->n >= TK_VOCAB_MAX_TERMS || len > UINT32_MAX || len > SIZE_MAX - v->arena_len
        || count > INT64_MAX - v->total)
        return TK_EOVERFLOW;
    /* Grow everything first so that a failure leaves v unchanged. */
    if ((rc = tk_reserve((void **)&v->arena, &v->arena_cap, v->arena_len + len, 1)) < 0
        || (rc = tk_reserve((void **)&v->terms, &v->terms_cap, v->n + 1, sizeof *v->terms)) < 0)
        return rc;
    if (!v->slots || (v->n + 1) * 2 > v->mask + 1) {
        size_t n_slots = v->slots ? (v->mask + 1) * 2 : 64;
        if ((rc = rehash(v, n_slots)) < 0)
            return rc;
    }
    new_id = v->n;
    if (len)   /* the arena may still be NULL for an empty first term */
        memcpy(v->arena + v->arena_len, term, len);
    set_term(&v->terms[new_id], v->arena_len, term, len, hash, count);
    v->arena_len += len;
    v->total += count;
    v->n++;
    for (s = (size_t)hash & v->mask; v->slots[s].id1; s = (s + 1) & v->mask)
        ;
    v->slots[s].id1 = (uint32_t)(new_id + 1);
    v->slots[s].tag = tag;
    if (id)
        *id = (uint32_t)new_id;
    return TK_OK;
}

int tk_vocab_add_hashed(tk_vocab *v, const uint8_t *term, size_t len, uint64_t hash,
                        int64_t count, uint32_t *id)
{
    return add_term(v, term, len, hash, count, id, 0);
}

int tk_vocab_add_padded(tk_vocab *v, const uint8_t *term, size_t len, uint64_t hash,
                        int64_t count, uint32_t *id)
{
    return add_term(v, term, len, hash, count, id, 1);
}

int tk_vocab_add(tk_vocab *v, const uint8_t *term, size_t len, int64_t count, uint32_t *id)
{
    return tk_vocab_add_hashed(v, term, len, tk_hash_bytes(term, len), count, id);
}

/* How far ahead a merge prefetches dst's slot, and then the term record
 * that the slot names, for terms whose hashes it already knows. */
#define MERGE_AHEAD 16

int tk_vocab_merge(tk_vocab *dst, const tk_vocab *src, uint32_t *map)
{
    size_t i;
    for (i = 0; i < src->n; i++) {
        size_t len;
        /* dst is usually far larger than the caches: hide the misses. */
        if (i + MERGE_AHEAD < src->n)
            tk_vocab_prefetch(dst, src->terms[i + MERGE_AHEAD].hash);
        if (i + MERGE_AHEAD / 2 < src->n)
            tk_vocab_prefetch_term(dst, src->terms[i + MERGE_AHEAD / 2].hash);
        const uint8_t *t = tk_vocab_term(src, i, &len);
        uint32_t id;
        int rc = tk_vocab_add_hashed(dst, t, len, src->terms[i].hash, src->terms[i].count, &id);
        if (rc < 0)
            return rc;
        if (map)
            map[i] = id;
    }
    return TK_OK;
}

int tk_bytes_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;   /* empty terms may have NULL bytes */
    if (c)
        return c;
    return alen < blen ? -1 : alen > blen;
}

/* Sort items carry the first 8 bytes big-endian, so that most
 * comparisons are one integer compare without touching the arena (while
 * tied terms are sorted, key is whatever the current pass orders by). */
typedef tk_sorted_term sort_item;

static inline int item_less(const tk_vocab *v, const sort_item *a, const sort_item *b)
{
    size_t la, lb;
    const uint8_t *ta, *tb;
    if (a->key != b->key)
        return a->key < b->key;
    ta = tk_vocab_term(v, (size_t)a->id, &la);
    tb = tk_vocab_term(v, (size_t)b->id, &lb);
    return tk_bytes_cmp(ta, la, tb, lb) < 0;
}

/* Bottom-up merge sort: no recursion, no qsort_r portability issues. */
static void merge_sort_items(const tk_vocab *v, sort_item *items, sort_item *tmp, size_t n)
{
    size_t width, i;
    sort_item *from = items, *to = tmp;
    const size_t run = 16;
    for (i = 0; i < n; i += run) {
        size_t end = i + run < n ? i + run : n, j;
        for (j = i + 1; j < end; j++) {
            sort_item x = items[j];
            size_t k = j;
            while (k > i && item_less(v, &x, &items[k - 1])) {
                items[k] = items[k - 1];
                k--;
            }
            items[k] = x;
        }
    }
    for (width = run; width < n; width *= 2) {
        for (i = 0; i < n; i += 2 * width) {
            size_t mid = i + width < n ? i + width : n;
            size_t end = i + 2 * width < n ? i + 2 * width : n;
            size_t a = i, b = mid, k = i;
            while (a < mid && b < end)
                to[k++] = item_less(v, &from[b], &from[a]) ? from[b++] : from[a++];
            while (a < mid)
                to[k++] = from[a++];
            while (b < end)
                to[k++] = from[b++];
        }
        {
            sort_item *swap = from;
            from = to;
            to = swap;
        }
    }
    if (from != items)
        memcpy(items, from, n * sizeof *items);
}

/* LSD radix sort of items by key on digits of `bits` bits (constant digits
 * skipped), with counts room for 2^bits buckets per digit.  One pass
 * counts every digit; each digit that varies then costs one scatter pass. */
static void radix_passes(sort_item *items, sort_item *tmp, size_t n, unsigned bits,
                         size_t *counts)
{
    const unsigned n_digits = (64 + bits - 1) / bits;
    const size_t n_buckets = (size_t)1 << bits, mask = n_buckets - 1;
    sort_item *from = items, *to = tmp;
    size_t i;
    unsigned d;
    memset(counts, 0, n_digits * n_buckets * sizeof *counts);
    for (i = 0; i < n; i++) {
        uint64_t k = items[i].key;
        for (d = 0; d < n_digits; d++)
            counts[d * n_buckets + ((k >> (bits * d)) & mask)]++;
    }
    for (d = 0; d < n_digits; d++) {
        size_t sum = 0, *c = counts + d * n_buckets;
        const unsigned shift = bits * d;
        if (c[(items[0].key >> shift) & mask] == n)
            continue;   /* every key has the same digit here */
        for (i = 0; i < n_buckets; i++) {
            size_t here = c[i];
            c[i] = sum;
            sum += here;
        }
        for (i = 0; i < n; i++)
            to[c[(from[i].key >> shift) & mask]++] = from[i];
        {
            sort_item *swap = from;
            from = to;
            to = swap;
        }
    }
    if (from != items)
        memcpy(items, from, n * sizeof *items);
}

/* From this many items, 11-bit digits: six passes over a 64-bit key
 * instead of eight (bench_termrun.c: packing a char (3, 5)-gram fit's 12
 * chunks 147 -> 134 ms).  Below it, clearing and summing 2048 buckets
 * per digit costs more than the two passes save. */
#define RADIX_WIDE_MIN 4096
#define RADIX_WIDE_BITS 11
/* counts for every digit of a 64-bit key, digits of `bits` bits */
#define RADIX_COUNTS(bits) (((64 + (bits) - 1) / (bits)) << (bits))

static void radix_sort_items(sort_item *items, sort_item *tmp, size_t n)
{
    size_t narrow[RADIX_COUNTS(8)], *wide;
    if (n >= RADIX_WIDE_MIN
        && (wide = tk_malloc(RADIX_COUNTS(RADIX_WIDE_BITS) * sizeof *wide)) != NULL) {
        radix_passes(items, tmp, n, RADIX_WIDE_BITS, wide);
        tk_free(wide);
        return;
    }
    /* (also when the counts cannot be allocated: this needs no memory) */
    radix_passes(items, tmp, n, 8, narrow);
}

static void sort_by_key(sort_item *items, sort_item *tmp, size_t n)
{
    size_t i;
    if (n >= 32) {
        radix_sort_items(items, tmp, n);
        return;
    }
    for (i = 1; i < n; i++) {
        sort_item x = items[i];
        size_t k = i;
        while (k > 0 && x.key < items[k - 1].key) {
            items[k] = items[k - 1];
            k--;
        }
        items[k] = x;
    }
}

/* Deeper than this, tied terms are ordered by whole-term compares, so
 * that the recursion below stays shallow whatever the terms are. */
#define TIE_MAX_DEPTH 64

/*
 * items[0..n) agree on their first depth bytes (zero-padded, as
 * tk_term_prefix pads).  Order them by what follows, 8 bytes at a time:
 * each term's next 8 bytes are read from the arena once per level, where
 * a comparison sort read both terms of every comparison (word bigrams
 * share long prefixes: 3% of a (1, 2)-gram fit went to those reads).
 */
/* A tied term's bytes 8..15, by id (see tk_vocab_sorted_terms). */
typedef struct tie_entry {
    uint64_t next8;
} tie_entry;
/* The entries live in the radix sort's scratch array, one per id. */
typedef char tie_entry_fits_sort_item[sizeof(tie_entry) <= sizeof(sort_item) ? 1 : -1];

/* End of the run of items from i on that share items[i]'s key. */
static size_t tie_group_end(const sort_item *items, size_t i, size_t n)
{
    size_t j = i + 1;
    while (j < n && items[j].key == items[i].key)
        j++;
    return j;
}

static void sort_tied(const tk_vocab *v, const tie_entry *ties, sort_item *items,
                      sort_item *tmp, size_t n, size_t depth)
{
    size_t i, j, n_ended = 0;
    if (depth > TIE_MAX_DEPTH) {
        merge_sort_items(v, items, tmp, n);   /* keys are all equal here */
        return;
    }
    /* A term that ends within depth bytes differs from the others of its
     * group only by trailing NULs: it is a prefix of the longer ones, and
     * shorter is smaller.  Those go first, keyed by length. */
    for (i = 0; i < n; i++) {
        size_t len = items[i].len, id = items[i].id;
        uint64_t key;
        if (depth == 8) {
            key = ties[id].next8;
        } else {
            const uint8_t *t = tk_vocab_term(v, id, &len);
            key = len > depth ? tk_term_prefix(t + depth, len - depth) : 0;
        }
        if (len <= depth) {
            sort_item ended = items[i];
            ended.key = len;
            items[i] = items[n_ended];
            items[n_ended++] = ended;
        } else {
            items[i].key = key;
        }
    }
    sort_by_key(items, tmp, n_ended);
    sort_by_key(items + n_ended, tmp, n - n_ended);
    for (i = n_ended; i < n; i = j) {
        j = tie_group_end(items, i, n);
        if (j - i > 1)
            sort_tied(v, ties, items + i, tmp, j - i, depth + 8);
    }
}

int tk_vocab_sorted_terms(const tk_vocab *v, tk_sorted_term **out)
{
    sort_item *items = NULL, *tmp = NULL, *group_tmp = NULL;
    uint8_t *tied = NULL;
    size_t i, j, n = v->n ? v->n : 1, largest_group = 0;
    int rc = TK_OK;

    *out = NULL;
    items = tk_malloc(n * sizeof *items);
    tmp = tk_malloc(n * sizeof *tmp);
    tied = tk_calloc(n, 1);
    if (!items || !tmp || !tied) {
        rc = TK_ENOMEM;
        goto cleanup;
    }
    for (i = 0; i < v->n; i++) {
        /* from the record, read in order, not the arena (the head holds
         * at least 8 bytes: see tk_term_head_holds_prefix) */
        items[i].key = tk_term_prefix8(v->terms[i].head);
        items[i].id = (uint32_t)i;
        items[i].len = v->terms[i].len;
    }
    if (v->n > 1)
        radix_sort_items(items, tmp, v->n);
    /*
     * Terms that share their first 8 bytes are ordered by the rest.  Word
     * bigrams tie there often, and reading their next bytes in sorted
     * order, which is random in memory (the record, then the arena), was
     * 7% of a (1, 2)-gram fit.  So the tied terms are marked first, and
     * their next 8 bytes read in id order, the order of the records and
     * the arena, into tmp (free once the radix sort is done).
     */
    for (i = 0; i < v->n; i = j) {
        j = tie_group_end(items, i, v->n);
        if (j - i > 1) {
            size_t k;
            for (k = i; k < j; k++)
                tied[items[k].id] = 1;
            if (j - i > largest_group)
                largest_group = j - i;
        }
    }
    if (largest_group) {
        tie_entry *ties = (tie_entry *)tmp;
        for (i = 0; i < v->n; i++)
            if (tied[i]) {
                size_t len;
                const uint8_t *t = tk_vocab_term(v, i, &len);
                ties[i].next8 = len > 8 ? tk_term_prefix(t + 8, len - 8) : 0;
            }
        group_tmp = tk_malloc(largest_group * sizeof *group_tmp);
        if (!group_tmp) {
            rc = TK_ENOMEM;
            goto cleanup;
        }
        for (i = 0; i < v->n; i = j) {
            j = tie_group_end(items, i, v->n);
            if (j - i > 1) {
                /* sort_tied keys the group by what follows; the caller
                 * gets the shared first 8 bytes back */
                uint64_t key = items[i].key;
                size_t k;
                sort_tied(v, ties, items + i, group_tmp, j - i, 8);
                for (k = i; k < j; k++)
                    items[k].key = key;
            }
        }
    }
    *out = items;
    items = NULL;
cleanup:
    tk_free(items);
    tk_free(tmp);
    tk_free(group_tmp);
    tk_free(tied);
    return rc;
}

int tk_vocab_sorted_ids(const tk_vocab *v, uint32_t **ids_out)
{
    tk_sorted_term *sorted = NULL;
    uint32_t *ids;
    size_t i;
    int rc;

    *ids_out = NULL;
    if ((rc = tk_vocab_sorted_terms(v, &sorted)) < 0)
        return rc;
    ids = tk_malloc((v->n ? v->n : 1) * sizeof *ids);
    if (!ids) {
        rc = TK_ENOMEM;
        goto cleanup;
    }
    for (i = 0; i < v->n; i++)
        ids[i] = sorted[i].id;
    *ids_out = ids;
cleanup:
    tk_free(sorted);
    return rc;
}

int tk_vocab_append_unindexed(tk_vocab *v, const uint8_t *term, size_t len, uint64_t hash,
                              int64_t count)
{
    int rc;
    if (v->slots)
        return TK_EINVAL;
    if (v->n >= TK_VOCAB_MAX_TERMS || len > UINT32_MAX || len > SIZE_MAX - v->arena_len)
        return TK_EOVERFLOW;
    if ((rc = tk_reserve((void **)&v->arena, &v->arena_cap, v->arena_len + len, 1)) < 0
        || (rc = tk_reserve((void **)&v->terms, &v->terms_cap, v->n + 1, sizeof *v->terms)) < 0)
        return rc;
    if (len)   /* the arena may still be NULL for an empty first term */
        memcpy(v->arena + v->arena_len, term, len);
    set_term(&v->terms[v->n], v->arena_len, term, len, hash, count);
    v->arena_len += len;
    v->total += count;
    v->n++;
    return TK_OK;
}

int tk_vocab_index(tk_vocab *v)
{
    size_t n_slots = 64;
    if (v->slots)
        return TK_OK;
    while (n_slots < v->n * 2 + 2) {
        if (n_slots > SIZE_MAX / 4)
            return TK_EOVERFLOW;
        n_slots *= 2;
    }
    /* Duplicates are not checked: callers append distinct terms only. */
    return rehash(v, n_slots);
}

void tk_vocab_drop_index(tk_vocab *v)
{
    tk_free(v->slots);
    v->slots = NULL;
    v->mask = 0;
}

int tk_vocab_reserve(tk_vocab *v, size_t n_terms, size_t n_bytes)
{
    int rc;
    /* Exact sizes: a vocabulary built once should not carry slack. */
    if (n_bytes > v->arena_cap) {
        uint8_t *a = tk_realloc(v->arena, n_bytes ? n_bytes : 1);
        if (!a)
            return TK_ENOMEM;
        v->arena = a;
        v->arena_cap = n_bytes;
    }
    if (n_terms > v->terms_cap) {
        tk_term *t = tk_realloc(v->terms, (n_terms ? n_terms : 1) * sizeof *t);
        if (!t)
            return TK_ENOMEM;
        v->terms = t;
        v->terms_cap = n_terms;
    }
    rc = TK_OK;
    return rc;
}
