/*
 * ngrams(), count(), the Counts and Vocabulary types, and the kernels
 * behind CountVectorizer / TfidfVectorizer / HashingVectorizer.
 *
 * Documents are consumed from any iterable in batches.  Each batch runs
 * on C threads with the GIL released: a chunk of documents counts into
 * its own vocabulary, and chunks are merged into the global vocabulary
 * strictly in chunk order (by whichever worker finishes the next chunk
 * in line), so ids - first appearance - and matrices do not depend on
 * the number of threads or on chunk boundaries.
 */
#include "binding.h"

#include <pthread.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "../core/tk_ngram.h"
#include "../core/tk_vocab.h"

/* Batches bound the memory held for documents of a generator. */
#define BATCH_MAX_DOCS 65536
#define BATCH_MAX_BYTES ((size_t)64 << 20)

enum job_mode { MODE_COUNT = 0, MODE_FIT = 1, MODE_TRANSFORM = 2, MODE_HASH = 3 };
/* What an input item is: raw text, or an already analyzed list of str. */
enum input_kind { INPUT_TEXT = 0, INPUT_FEATURES = 1, INPUT_TOKENS = 2 };

#define ENTRY(id, count) (((uint64_t)(id) << 32) | (uint64_t)(uint32_t)(count))
#define ENTRY_ID(e) ((uint32_t)((e) >> 32))
#define ENTRY_VALUE(e) ((uint32_t)(e))

static void release_free_memory(void);

/* ------------------------------------------------------------ objects */
typedef struct CountsObject {
    PyObject_HEAD
    tk_vocab v;
} CountsObject;

/*
 * A fitted vocabulary: terms in column order, back to back.  The hash
 * index that transform() needs is built on first lookup only, so
 * fit_transform never pays for it.
 */
typedef struct VocabularyObject {
    PyObject_HEAD
    uint8_t *bytes;
    size_t *ends;          /* term i is bytes[ends[i-1] .. ends[i]) */
    size_t n;
    tk_vocab index;        /* id = column, once indexed */
    int indexed;
} VocabularyObject;

static const uint8_t *vocabulary_term(const VocabularyObject *self, size_t i, size_t *len)
{
    size_t start = i ? self->ends[i - 1] : 0;
    *len = self->ends[i] - start;
    return self->bytes + start;
}

/* Build the lookup index; a duplicate term yields its column in *dup. */
static int vocabulary_index(VocabularyObject *self, long long *dup)
{
    size_t i;
    int rc;
    *dup = -1;
    if (self->indexed)
        return TK_OK;
    tk_vocab_free(&self->index);
    rc = tk_vocab_reserve(&self->index, self->n, self->n ? self->ends[self->n - 1] : 0);
    for (i = 0; i < self->n && rc == TK_OK; i++) {
        size_t len;
        const uint8_t *t = vocabulary_term(self, i, &len);
        uint32_t id;
        rc = tk_vocab_add(&self->index, t, len, 0, &id);
        if (rc == TK_OK && id != i) {
            *dup = (long long)i;
            rc = TK_EINVAL;
        }
    }
    if (rc < 0) {
        tk_vocab_free(&self->index);
        return rc;
    }
    self->indexed = 1;
    return TK_OK;
}

/* Index, raising ValueError for a duplicate term. */
static int vocabulary_ready(VocabularyObject *self)
{
    long long dup;
    int rc = vocabulary_index(self, &dup);
    if (rc == TK_OK)
        return 0;
    if (dup >= 0) {
        size_t len;
        const uint8_t *t = vocabulary_term(self, (size_t)dup, &len);
        PyObject *term = PyUnicode_DecodeUTF8((const char *)t, (Py_ssize_t)len, "replace");
        if (term) {
            PyErr_Format(PyExc_ValueError, "Duplicate term in vocabulary: %R", term);
            Py_DECREF(term);
        }
        return -1;
    }
    tkpy_raise(rc);
    return -1;
}

static PyObject *new_counts(PyTypeObject *type)
{
    CountsObject *self = (CountsObject *)type->tp_alloc(type, 0);
    if (self)
        tk_vocab_init(&self->v);
    return (PyObject *)self;
}

static PyObject *term_to_str(const tk_vocab *v, size_t id)
{
    size_t len;
    const uint8_t *t = tk_vocab_term(v, id, &len);
    return PyUnicode_DecodeUTF8((const char *)t, (Py_ssize_t)len, "strict");
}

/* UTF-8 of a str key; NULL with no exception set when key is not a str. */
static const uint8_t *key_utf8(PyObject *key, size_t *len)
{
    Py_ssize_t n;
    const char *s;
    if (!PyUnicode_Check(key))
        return NULL;
    s = PyUnicode_AsUTF8AndSize(key, &n);
    if (!s) {
        PyErr_Clear();   /* lone surrogates: cannot be a stored term */
        return NULL;
    }
    *len = (size_t)n;
    return (const uint8_t *)s;
}

/* ================================================================ jobs */
typedef struct doc_in {
    const uint8_t *data;
    size_t len;
    const tkpy_text *text;  /* raw text input: encoded by the worker (deferred str) */
    size_t first_end;      /* index into the batch's ends array (pre-analyzed input) */
    size_t n_terms;
} doc_in;

/*
 * A chunk's vocabulary once counting is over: terms in sorted order,
 * packed back to back, with their counts and document frequencies.  It
 * takes about a third of the memory of the hash table it replaces and is
 * read sequentially by the final merge.
 */
#define RUN_SAMPLE 64
typedef struct term_run {
    uint8_t *bytes;
    uint32_t *lens;
    uint32_t *counts;      /* halves the runs; > 2^32 - 1 in a chunk (4 GiB of text) is EOVERFLOW */
    uint32_t *df;          /* counts and df: NULL when nothing is pruned */
    size_t *samples;       /* byte offset of every RUN_SAMPLE-th term */
    size_t n;
} term_run;

static void term_run_free(term_run *r)
{
    tk_free(r->bytes);
    tk_free(r->lens);
    tk_free(r->counts);
    tk_free(r->df);
    tk_free(r->samples);
    memset(r, 0, sizeof *r);
}

typedef struct chunk_out {
    tk_vocab vocab;        /* COUNT / FIT: the chunk's own terms */
    uint64_t *entries;     /* FIT / TRANSFORM / HASH: ENTRY(id, value), row by row */
    size_t n_entries, entries_cap;
    size_t *row_nnz;       /* entries per document */
    term_run run;          /* FIT: filled when the chunk is done */
    int done;
} chunk_out;

/*
 * Finished rows, in document order, kept until the matrix is built.  For
 * FIT a segment keeps its chunk's own vocabulary: there is no global hash
 * merge; the sorted chunk vocabularies are merged once at the end (their
 * order does not matter since columns are sorted by term).
 */
typedef struct segment {
    uint64_t *entries;
    size_t n_entries;
    size_t *row_nnz;
    size_t n_docs;
    term_run run;          /* FIT: the chunk's terms, sorted and packed */
    uint32_t *map;         /* FIT: run position -> global (sorted) index */
} segment;

typedef struct worker_state {
    tk_ngram_buf buf;
    size_t *stamp;         /* last document (+1) in which an id was seen */
    uint32_t *pos;         /* its position in that document's row */
    size_t stamp_cap;      /* initialized length of stamp/pos */
    uint64_t *tmp;         /* HASH: raw (column, sign) pairs of a document */
    size_t tmp_len, tmp_cap;
    uint8_t *utf8;         /* the current document's UTF-8, if it was a deferred str */
    size_t utf8_cap;
} worker_state;

typedef struct accum {
    int mode;
    int input;
    tk_ngram_opts ng;
    const tkpy_tokconf *conf;      /* NULL for pre-analyzed input */
    const tk_vocab *fixed;         /* TRANSFORM */
    uint64_t n_features;           /* HASH */
    int alternate_sign;            /* HASH */
    tk_vocab global;               /* COUNT / FIT */
    segment *segs;
    size_t n_segs, segs_cap;
    size_t n_docs;                 /* documents consumed so far */
    worker_state *workers;
    size_t n_workers;
    PyObject *progress;            /* callable(done_docs, total_docs) or NULL */
    int want_stats;                /* FIT: keep term and document frequencies (pruning) */
    int surrogate_error;           /* a worker met a lone surrogate under "strict" */
    Py_ssize_t progress_total;     /* documents expected; 0 = unknown */
} accum;

typedef struct batch_job {
    accum *acc;
    doc_in *docs;
    const size_t *ends;            /* pre-analyzed input: term ends */
    size_t n_docs;
    size_t doc_base;               /* global index of docs[0] */
    size_t chunk;
    chunk_out *chunks;
    size_t n_chunks;
    pthread_mutex_t lock;
    size_t next_merge;
    int merging;
    int cancel;                    /* set (atomically) when Ctrl-C arrives */
    size_t docs_done;              /* for progress: documents finished */
} batch_job;

/* Grams wait in a short FIFO after their hash table slot is prefetched,
 * hiding most cache misses of large vocabularies; order is unchanged. */
#define PIPE_LEN 16
typedef struct pending_gram {
    const uint8_t *gram;
    size_t len;
    uint64_t hash;
} pending_gram;

typedef struct doc_sink {
    batch_job *job;
    chunk_out *out;
    worker_state *ws;
    size_t stamp;                  /* global document index + 1 */
    size_t row_start;              /* first entry of the current row */
    size_t since_check;            /* grams since the last look at job->cancel */
    uint32_t mark;                 /* FIT: position of the document in its chunk + 1 */
    pending_gram pipe[PIPE_LEN];
    size_t pipe_head, pipe_len;
} doc_sink;

static void worker_state_free(worker_state *ws)
{
    tk_ngram_buf_free(&ws->buf);
    tk_free(ws->stamp);
    tk_free(ws->pos);
    tk_free(ws->tmp);
    tk_free(ws->utf8);
    memset(ws, 0, sizeof *ws);
}

static void segment_free(segment *s)
{
    tk_free(s->entries);
    tk_free(s->row_nnz);
    term_run_free(&s->run);
    tk_free(s->map);
    memset(s, 0, sizeof *s);
}

static void accum_free(accum *acc)
{
    size_t i;
    tk_vocab_free(&acc->global);
    for (i = 0; i < acc->n_segs; i++)
        segment_free(&acc->segs[i]);
    tk_free(acc->segs);
    for (i = 0; i < acc->n_workers; i++)
        worker_state_free(&acc->workers[i]);
    tk_free(acc->workers);
    memset(acc, 0, sizeof *acc);
}

static int ensure_stamps(worker_state *ws, size_t need)
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
static int row_bump(doc_sink *d, uint32_t id, int seen, uint32_t *pos)
{
    chunk_out *out = d->out;
    int rc;
    if (seen) {
        uint64_t *e = &out->entries[d->row_start + *pos];
        if (ENTRY_VALUE(*e) == UINT32_MAX)
            return TK_EOVERFLOW;
        (*e)++;
        return TK_OK;
    }
    if ((rc = tk_grow((void **)&out->entries, &out->entries_cap, out->n_entries + 1,
                      sizeof *out->entries)) < 0)
        return rc;
    *pos = (uint32_t)(out->n_entries - d->row_start);
    out->entries[out->n_entries++] = ENTRY(id, 1);
    return TK_OK;
}

/* TRANSFORM: "seen" is a per-worker stamp array indexed by column. */
static int row_add(doc_sink *d, uint32_t id)
{
    worker_state *ws = d->ws;
    int rc;
    if (id >= ws->stamp_cap && (rc = ensure_stamps(ws, (size_t)id + 1)) < 0)
        return rc;
    rc = row_bump(d, id, ws->stamp[id] == d->stamp, &ws->pos[id]);
    if (rc == TK_OK)
        ws->stamp[id] = d->stamp;
    return rc;
}

/*
 * FIT: "seen" is kept in the chunk's own term record (just brought into
 * cache by the lookup) instead of a separate array.  mark is the
 * document's position in its chunk + 1.
 */
static int row_add_local(doc_sink *d, uint32_t id)
{
    tk_term *t = &d->out->vocab.terms[id];
    int rc = row_bump(d, id, t->mark == d->mark, &t->aux);
    if (rc == TK_OK)
        t->mark = d->mark;
    return rc;
}

static int count_gram(doc_sink *d, const uint8_t *g, size_t len, uint64_t h)
{
    accum *acc = d->job->acc;
    uint32_t id;
    int rc;
    switch (acc->mode) {
    case MODE_COUNT:
        return tk_vocab_add_hashed(&d->out->vocab, g, len, h, 1, NULL);
    case MODE_FIT:
        if ((rc = tk_vocab_add_hashed(&d->out->vocab, g, len, h, 1, &id)) < 0)
            return rc;
        return row_add_local(d, id);
    case MODE_TRANSFORM: {
        long long found = tk_vocab_find_hashed(acc->fixed, g, len, h);
        if (found < 0)
            return TK_OK;
        return row_add(d, (uint32_t)found);
    }
    default:
        return TK_EINVAL;
    }
}

static int flush_pipe(doc_sink *d)
{
    while (d->pipe_len) {
        pending_gram *p = &d->pipe[d->pipe_head];
        int rc = count_gram(d, p->gram, p->len, p->hash);
        if (rc < 0)
            return rc;
        d->pipe_head = (d->pipe_head + 1) % PIPE_LEN;
        d->pipe_len--;
    }
    return TK_OK;
}

/* Grams stay valid until the document's emission ends (they point into
 * the prepared buffer), so they can wait in the pipe until flush_pipe. */
static int sink_gram(void *ctx, const uint8_t *g, size_t len)
{
    doc_sink *d = ctx;
    accum *acc = d->job->acc;
    uint64_t h = tk_hash_bytes(g, len);
    int rc;

    /* One huge document is one work item: look for Ctrl-C inside it too. */
    if ((++d->since_check & 0xFFFF) == 0 && __atomic_load_n(&d->job->cancel, __ATOMIC_RELAXED))
        return TK_ECANCELLED;

    if (acc->mode == MODE_HASH) {
        uint64_t col = (h & UINT64_C(0x7fffffffffffffff)) % acc->n_features;
        uint64_t neg = acc->alternate_sign ? h >> 63 : 0;
        worker_state *ws = d->ws;
        if ((rc = tk_grow((void **)&ws->tmp, &ws->tmp_cap, ws->tmp_len + 1,
                          sizeof *ws->tmp)) < 0)
            return rc;
        ws->tmp[ws->tmp_len++] = (col << 1) | neg;
        return TK_OK;
    }
    tk_vocab_prefetch(acc->mode == MODE_TRANSFORM ? acc->fixed : &d->out->vocab, h);
    if (d->pipe_len == PIPE_LEN) {
        pending_gram *p = &d->pipe[d->pipe_head];
        if ((rc = count_gram(d, p->gram, p->len, p->hash)) < 0)
            return rc;
        d->pipe_head = (d->pipe_head + 1) % PIPE_LEN;
        d->pipe_len--;
    }
    {
        pending_gram *q = &d->pipe[(d->pipe_head + d->pipe_len) % PIPE_LEN];
        q->gram = g;
        q->len = len;
        q->hash = h;
        d->pipe_len++;
    }
    if (d->pipe_len > PIPE_LEN / 2) {
        /* halfway down the pipe the slot is cached: fetch the term record */
        const pending_gram *mid = &d->pipe[(d->pipe_head + d->pipe_len - 1 - PIPE_LEN / 2)
                                           % PIPE_LEN];
        tk_vocab_prefetch_term(acc->mode == MODE_TRANSFORM ? acc->fixed : &d->out->vocab,
                               mid->hash);
    }
    return TK_OK;
}

/* Rows are short: insertion sort below 24, else an inlined quicksort. */
static void sort_u64(uint64_t *a, size_t n)
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
            sort_u64(a, j + 1);
            a += j + 1;
            n -= j + 1;
        } else {
            sort_u64(a + j + 1, n - j - 1);
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

/*
 * Sort a long row of entries by column (the high 32 bits) with an LSD
 * radix sort on 11-bit digits; only the digits that n_cols needs are
 * visited.  tmp has room for n entries.  Columns are distinct, so the
 * result equals sort_u64's.
 */
static void radix_sort_row(uint64_t *a, uint64_t *tmp, size_t n, size_t n_cols)
{
    size_t counts[2048];
    uint64_t *from = a, *to = tmp;
    int shift;
    for (shift = 32; shift < 64 && ((uint64_t)(n_cols > 0 ? n_cols - 1 : 0) >> (shift - 32)) != 0;
         shift += 11) {
        size_t i, sum = 0;
        memset(counts, 0, sizeof counts);
        for (i = 0; i < n; i++)
            counts[(from[i] >> shift) & 2047]++;
        for (i = 0; i < 2048; i++) {
            size_t c = counts[i];
            counts[i] = sum;
            sum += c;
        }
        for (i = 0; i < n; i++)
            to[counts[(from[i] >> shift) & 2047]++] = from[i];
        {
            uint64_t *t = from;
            from = to;
            to = t;
        }
    }
    if (from != a)
        memcpy(a, from, n * sizeof *a);
}

/* HASH: turn a document's (column, sign) pairs into summed, sorted entries. */
static int flush_hashed_row(doc_sink *d)
{
    worker_state *ws = d->ws;
    chunk_out *out = d->out;
    size_t i = 0;
    int rc;
    sort_u64(ws->tmp, ws->tmp_len);
    while (i < ws->tmp_len) {
        uint64_t col = ws->tmp[i] >> 1;
        int64_t sum = 0;
        for (; i < ws->tmp_len && ws->tmp[i] >> 1 == col; i++)
            sum += (ws->tmp[i] & 1) ? -1 : 1;
        if (sum == 0)
            continue;
        if (sum > INT32_MAX || sum < INT32_MIN)
            return TK_EOVERFLOW;
        if ((rc = tk_grow((void **)&out->entries, &out->entries_cap, out->n_entries + 1,
                          sizeof *out->entries)) < 0)
            return rc;
        out->entries[out->n_entries++] = ENTRY(col, (int32_t)sum);
    }
    ws->tmp_len = 0;
    return TK_OK;
}

static int process_doc(batch_job *job, chunk_out *out, worker_state *ws, size_t i)
{
    accum *acc = job->acc;
    const doc_in *doc = &job->docs[i];
    doc_sink d;
    size_t start = out->n_entries;
    int rc = TK_OK;

    d.job = job;
    d.out = out;
    d.ws = ws;
    d.stamp = job->doc_base + i + 1;
    d.row_start = start;
    d.pipe_head = 0;
    d.pipe_len = 0;
    d.since_check = 0;
    d.mark = (uint32_t)(i % job->chunk + 1);
    ws->tmp_len = 0;
    if (acc->input == INPUT_TEXT) {
        const uint8_t *data;
        size_t len;
        rc = tkpy_text_encode(doc->text, acc->conf->errors, &ws->utf8, &ws->utf8_cap, &data,
                              &len);
        if (rc == TK_ESURROGATE)
            __atomic_store_n(&acc->surrogate_error, 1, __ATOMIC_RELAXED);
        if (rc == TK_OK)
            rc = tk_ngram_prepare_cancellable(&acc->ng, &acc->conf->opts, acc->conf->stopwords,
                                              data, len, &ws->buf, &job->cancel);
        if (rc == TK_OK)
            rc = tk_ngram_emit(&acc->ng, &ws->buf, sink_gram, &d);
    } else if (acc->input == INPUT_TOKENS) {
        /* ends are relative to this document's data */
        rc = tk_ngram_prepare_tokens(&ws->buf, doc->data, job->ends + doc->first_end,
                                     doc->n_terms);
        if (rc == TK_OK)
            rc = tk_ngram_emit(&acc->ng, &ws->buf, sink_gram, &d);
    } else {
        size_t k, prev = 0;
        const size_t *ends = job->ends + doc->first_end;
        for (k = 0; k < doc->n_terms && rc == TK_OK; k++) {
            rc = sink_gram(&d, doc->data + prev, ends[k] - prev);
            prev = ends[k];
        }
    }
    if (rc == TK_OK)
        rc = flush_pipe(&d);
    if (rc < 0)
        return rc;
    if (acc->mode == MODE_HASH && (rc = flush_hashed_row(&d)) < 0)
        return rc;
    if (acc->mode == MODE_TRANSFORM)   /* columns are final: sort here, in parallel */
        sort_u64(out->entries + start, out->n_entries - start);
    if (acc->mode != MODE_COUNT)
        out->row_nnz[i % job->chunk] = out->n_entries - start;
    return TK_OK;
}

static int merge_chunk(batch_job *job, size_t c)
{
    accum *acc = job->acc;
    chunk_out *out = &job->chunks[c];
    size_t n_docs = (c + 1) * job->chunk <= job->n_docs ? job->chunk
                                                         : job->n_docs - c * job->chunk;
    segment *seg;
    int rc = TK_OK;

    if (acc->mode == MODE_COUNT && acc->global.n == 0) {
        /* The first chunk's vocabulary becomes the global one: ids stay. */
        tk_vocab_free(&acc->global);
        acc->global = out->vocab;
        tk_vocab_init(&out->vocab);
        return TK_OK;
    } else if (acc->mode == MODE_COUNT) {
        rc = tk_vocab_merge(&acc->global, &out->vocab, NULL);
        tk_vocab_free(&out->vocab);
        return rc;
    }
    rc = tk_grow((void **)&acc->segs, &acc->segs_cap, acc->n_segs + 1, sizeof *acc->segs);
    if (rc < 0)
        return rc;
    seg = &acc->segs[acc->n_segs++];
    memset(seg, 0, sizeof *seg);
    seg->entries = out->entries;
    seg->n_entries = out->n_entries;
    seg->row_nnz = out->row_nnz;
    seg->n_docs = n_docs;
    seg->run = out->run;
    memset(&out->run, 0, sizeof out->run);
    out->entries = NULL;
    out->row_nnz = NULL;
    return TK_OK;
}

/*
 * FIT, in the worker: sort the chunk's terms, pack them into a term run
 * with counts and document frequencies, renumber the row entries by run
 * position, and free the hash table.
 */
static int finish_fit_chunk(chunk_out *out, int want_stats)
{
    tk_vocab *v = &out->vocab;
    term_run *run = &out->run;
    uint32_t *sorted = NULL, *rank = NULL;
    size_t i, at = 0, n = v->n ? v->n : 1;
    int rc;

    if ((rc = tk_vocab_sorted_ids(v, &sorted)) < 0)
        return rc;
    rank = tk_malloc(n * sizeof *rank);
    run->bytes = tk_malloc(v->arena_len ? v->arena_len : 1);
    run->lens = tk_malloc(n * sizeof *run->lens);
    /* Without pruning nobody reads the frequencies: at 8 bytes per term
     * of every chunk they were a large part of the peak. */
    if (want_stats) {
        run->counts = tk_malloc(n * sizeof *run->counts);
        run->df = tk_calloc(n, sizeof *run->df);
    }
    run->samples = tk_malloc((n / RUN_SAMPLE + 1) * sizeof *run->samples);
    if (!rank || !run->bytes || !run->lens || !run->samples
        || (want_stats && (!run->counts || !run->df))) {
        rc = TK_ENOMEM;
        goto cleanup;
    }
    for (i = 0; i < v->n; i++) {
        size_t len;
        const uint8_t *t = tk_vocab_term(v, sorted[i], &len);
        if (len > UINT32_MAX) {
            rc = TK_EOVERFLOW;
            goto cleanup;
        }
        if (i % RUN_SAMPLE == 0)
            run->samples[i / RUN_SAMPLE] = at;
        if (len)
            memcpy(run->bytes + at, t, len);
        at += len;
        run->lens[i] = (uint32_t)len;
        if (run->counts) {
            if (v->terms[sorted[i]].count > UINT32_MAX) {
                rc = TK_EOVERFLOW;
                goto cleanup;
            }
            run->counts[i] = (uint32_t)v->terms[sorted[i]].count;
        }
        rank[sorted[i]] = (uint32_t)i;
    }
    run->n = v->n;
    for (i = 0; i < out->n_entries; i++) {
        uint32_t pos = rank[ENTRY_ID(out->entries[i])];
        if (run->df)
            run->df[pos]++;
        out->entries[i] = ENTRY(pos, ENTRY_VALUE(out->entries[i]));
    }
    tk_vocab_free(v);
    rc = TK_OK;
cleanup:
    tk_free(sorted);
    tk_free(rank);
    /* The chunk's hash table is gone; without this its pages stay in this
     * thread's malloc arena until the end of the whole fit, raising the
     * peak by a chunk vocabulary or two (measured 9 MB of 94 on the
     * benchmark's (1, 2)-gram fit). */
    release_free_memory();
    return rc;
}

/* Mark chunk c done and merge every finished chunk that is next in line. */
static int finish_chunk(batch_job *job, size_t c)
{
    int rc = TK_OK;
    pthread_mutex_lock(&job->lock);
    job->chunks[c].done = 1;
    if (!job->merging) {
        job->merging = 1;
        while (job->next_merge < job->n_chunks && job->chunks[job->next_merge].done) {
            size_t m = job->next_merge;
            pthread_mutex_unlock(&job->lock);
            rc = merge_chunk(job, m);
            pthread_mutex_lock(&job->lock);
            if (rc < 0)
                break;
            job->next_merge++;
        }
        job->merging = 0;
    }
    pthread_mutex_unlock(&job->lock);
    return rc;
}

static int run_chunk(void *ctx, size_t begin, size_t end, int worker)
{
    batch_job *job = ctx;
    accum *acc = job->acc;
    size_t c = begin / job->chunk, i;
    chunk_out *out = &job->chunks[c];
    worker_state *ws = &acc->workers[worker];
    int rc;

    if (acc->mode != MODE_COUNT) {
        out->row_nnz = tk_calloc(end - begin, sizeof *out->row_nnz);
        if (!out->row_nnz)
            return TK_ENOMEM;
    }
    for (i = begin; i < end; i++) {
        if ((rc = process_doc(job, out, ws, i)) < 0)
            return rc;
        /* Per document, so that a single-threaded batch (one chunk) still
         * moves the bar; skipped when nobody watches. */
        if (acc->progress)
            __atomic_fetch_add(&job->docs_done, 1, __ATOMIC_RELAXED);
    }
    if (acc->mode == MODE_FIT && (rc = finish_fit_chunk(out, acc->want_stats)) < 0)
        return rc;
    return finish_chunk(job, c);
}

static void batch_chunks_free(batch_job *job)
{
    size_t i;
    for (i = 0; i < job->n_chunks; i++) {
        tk_vocab_free(&job->chunks[i].vocab);
        tk_free(job->chunks[i].entries);
        tk_free(job->chunks[i].row_nnz);
        term_run_free(&job->chunks[i].run);
    }
    tk_free(job->chunks);
    job->chunks = NULL;
}

/* Run one batch (GIL held on entry and exit). */
static int run_batch(accum *acc, doc_in *docs, const size_t *ends, size_t n_docs,
                     int n_threads)
{
    batch_job job;
    tk_job tj;
    int threads = tk_resolve_threads(n_threads, n_docs), rc;
    size_t i;

    if (n_docs == 0)
        return 0;
    if ((size_t)threads > acc->n_workers) {
        worker_state *w = tk_realloc(acc->workers, (size_t)threads * sizeof *w);
        if (!w) {
            PyErr_NoMemory();
            return -1;
        }
        memset(w + acc->n_workers, 0, ((size_t)threads - acc->n_workers) * sizeof *w);
        acc->workers = w;
        acc->n_workers = (size_t)threads;
    }
    memset(&job, 0, sizeof job);
    job.acc = acc;
    job.docs = docs;
    job.ends = ends;
    job.n_docs = n_docs;
    job.doc_base = acc->n_docs;
    /* A few chunks per thread: enough to balance uneven documents, few
     * enough that chunk vocabularies repeat few terms (they are merged, and
     * for fit they are all kept until the end).  For fit, six gave the
     * lowest peak (the live chunk hash tables shrink faster than the packed
     * runs repeat terms: +72 MB with four, +64 with six or eight on the
     * (1, 2)-gram benchmark) at the same speed; count merges every chunk
     * into the global vocabulary serially, so it takes fewer, larger
     * chunks. */
    {
        size_t per_thread = acc->mode == MODE_COUNT ? 2 : 6;
        job.chunk = threads > 1 ? (n_docs + (size_t)threads * per_thread - 1)
                                      / ((size_t)threads * per_thread)
                                : n_docs;
    }
    if (job.chunk == 0)
        job.chunk = 1;
    job.n_chunks = (n_docs + job.chunk - 1) / job.chunk;
    job.chunks = tk_calloc(job.n_chunks, sizeof *job.chunks);
    if (!job.chunks) {
        PyErr_NoMemory();
        return -1;
    }
    for (i = 0; i < job.n_chunks; i++)
        tk_vocab_init(&job.chunks[i].vocab);
    pthread_mutex_init(&job.lock, NULL);
    memset(&tj, 0, sizeof tj);
    tj.n_items = n_docs;
    tj.chunk = job.chunk;
    tj.run = run_chunk;
    tj.ctx = &job;
    /* A Ctrl-C raises job.cancel, which the n-gram sink reads, so that
     * one huge document stops early as well. */
    tj.cancel = &job.cancel;
    if (acc->progress)
        tj.items_done = &job.docs_done;
    {
        tkpy_job_opts opts;
        memset(&opts, 0, sizeof opts);
        opts.progress = acc->progress;
        opts.done_before = acc->n_docs;
        opts.total = acc->progress_total;
        rc = tkpy_run_job_ex(&tj, threads, &opts);
    }
    pthread_mutex_destroy(&job.lock);
    if (rc == 0 && job.next_merge != job.n_chunks) {
        PyErr_SetString(PyExc_RuntimeError, "textkern: internal error: unmerged chunks");
        rc = -1;
    }
    batch_chunks_free(&job);
    if (rc < 0)
        return -1;
    acc->n_docs += n_docs;
    return 0;
}

/*
 * Hand memory freed by finished phases back to the system.  Worker
 * threads allocate from their own malloc arenas, which the calling thread
 * cannot reuse, so without this the peak of one phase adds to the next.
 */
static void release_free_memory(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

/* ------------------------------------------------------- batch input */
typedef struct batch_in {
    tkpy_text *texts;
    size_t texts_cap;
    doc_in *docs;
    size_t n, cap;
    uint8_t *bytes;        /* pre-analyzed input: terms back to back */
    size_t bytes_len, bytes_cap;
    size_t *ends;
    size_t n_ends, ends_cap;
    size_t total_bytes;
} batch_in;

static void batch_in_clear(batch_in *b)
{
    size_t i;
    for (i = 0; i < b->n; i++)
        if (b->texts)
            tkpy_text_release(&b->texts[i]);
    b->n = 0;
    b->bytes_len = 0;
    b->n_ends = 0;
    b->total_bytes = 0;
}

static void batch_in_free(batch_in *b)
{
    batch_in_clear(b);
    tk_free(b->texts);
    tk_free(b->docs);
    tk_free(b->bytes);
    tk_free(b->ends);
    memset(b, 0, sizeof *b);
}

/* Append the str items of a list-like feature/token sequence. */
static int batch_add_terms(batch_in *b, PyObject *item, Py_ssize_t index, doc_in *doc)
{
    PyObject *seq = PySequence_Fast(item, "");
    Py_ssize_t k, n;
    size_t start = b->bytes_len;
    int rc;
    if (!seq) {
        PyErr_Format(PyExc_TypeError,
                     "item %zd: the analyzer must return a list of str, not %.100s", index,
                     Py_TYPE(item)->tp_name);
        return -1;
    }
    n = PySequence_Fast_GET_SIZE(seq);
    for (k = 0; k < n; k++) {
        PyObject *t = PySequence_Fast_GET_ITEM(seq, k);
        Py_ssize_t len;
        const char *s;
        if (!PyUnicode_Check(t)) {
            PyErr_Format(PyExc_TypeError,
                         "item %zd: analyzer output must contain only str, found %.100s",
                         index, Py_TYPE(t)->tp_name);
            goto fail;
        }
        s = PyUnicode_AsUTF8AndSize(t, &len);
        if (!s)
            goto fail;
        if ((rc = tk_grow((void **)&b->bytes, &b->bytes_cap, b->bytes_len + (size_t)len, 1)) < 0
            || (rc = tk_grow((void **)&b->ends, &b->ends_cap, b->n_ends + 1,
                             sizeof *b->ends)) < 0) {
            tkpy_raise(rc);
            goto fail;
        }
        if (len)
            memcpy(b->bytes + b->bytes_len, s, (size_t)len);
        b->bytes_len += (size_t)len;
        b->ends[b->n_ends++] = b->bytes_len - start;
    }
    Py_DECREF(seq);
    doc->data = NULL;               /* set once bytes stop moving */
    doc->len = start;               /* offset into bytes for now */
    doc->first_end = b->n_ends - (size_t)n;
    doc->n_terms = (size_t)n;
    b->total_bytes += b->bytes_len - start;
    return 0;
fail:
    Py_DECREF(seq);
    return -1;
}

static int batch_add(batch_in *b, PyObject *item, Py_ssize_t index, int input, int errors)
{
    int rc;
    if ((rc = tk_grow((void **)&b->docs, &b->cap, b->n + 1, sizeof *b->docs)) < 0) {
        tkpy_raise(rc);
        return -1;
    }
    if (input == INPUT_TEXT) {
        if ((rc = tk_grow((void **)&b->texts, &b->texts_cap, b->n + 1, sizeof *b->texts)) < 0) {
            tkpy_raise(rc);
            return -1;
        }
        /* A non-ASCII str stays a str until a worker encodes it, so that
         * the batch is never held as UTF-8 all at once (9 MB of the
         * benchmark's 10 MB corpus), and encoding runs on the workers. */
        if (tkpy_text_from_object_deferred(item, errors, index, &b->texts[b->n]) < 0)
            return -1;
        b->docs[b->n].data = NULL;      /* through .text, set once texts stop moving */
        b->docs[b->n].len = 0;
        b->docs[b->n].first_end = 0;
        b->docs[b->n].n_terms = 0;
        b->total_bytes += tkpy_text_size(&b->texts[b->n]);
    } else if (batch_add_terms(b, item, index, &b->docs[b->n]) < 0) {
        return -1;
    }
    b->n++;
    return 0;
}

/*
 * A worker met a lone surrogate: raise the error that converting the first
 * such text in order gives (naming the item and the str index), whichever
 * thread met one first.  first_index is the corpus index of b's first
 * document, or -1 for a single text.
 */
static void raise_first_surrogate(const batch_in *b, Py_ssize_t first_index, int errors)
{
    size_t i;
    PyErr_Clear();
    for (i = 0; i < b->n; i++) {
        tkpy_text again;
        if (!b->texts[i].ucs_kind)
            continue;
        if (tkpy_text_from_object(b->texts[i].keep, errors,
                                  first_index < 0 ? -1 : first_index + (Py_ssize_t)i,
                                  &again) < 0)
            return;
        tkpy_text_release(&again);
    }
    tkpy_raise(TK_ESURROGATE);
}

static int batch_run(accum *acc, batch_in *b, int n_threads, Py_ssize_t first_index)
{
    size_t i;
    int rc;
    if (acc->input != INPUT_TEXT)
        for (i = 0; i < b->n; i++) {
            size_t off = b->docs[i].len;
            b->docs[i].data = b->bytes ? b->bytes + off : (const uint8_t *)"";
            b->docs[i].len = 0;
            b->docs[i].text = NULL;
        }
    else
        for (i = 0; i < b->n; i++)
            b->docs[i].text = &b->texts[i];
    acc->surrogate_error = 0;
    rc = run_batch(acc, b->docs, b->ends, b->n, n_threads);
    if (rc < 0 && acc->surrogate_error)
        raise_first_surrogate(b, first_index, acc->conf->errors);
    batch_in_clear(b);
    return rc;
}

/*
 * Feed every document of obj (one str/bytes, or an iterable) to acc,
 * reporting documents to progress (callable(done, total) or None/NULL).
 */
static int accum_feed(accum *acc, PyObject *obj, int n_threads, PyObject *progress)
{
    batch_in b;
    PyObject *iter = NULL, *item;
    Py_ssize_t index = 0;
    int errors = acc->conf ? acc->conf->errors : TK_UTF8_STRICT, rc = -1;

    memset(&b, 0, sizeof b);
    if (progress && progress != Py_None) {
        if (!PyCallable_Check(progress)) {
            PyErr_SetString(PyExc_TypeError, "progress must be None or a callable(done, total)");
            goto cleanup;
        }
        acc->progress = progress;
    }
    /* str and the bytes-like types are one document; anything else that
     * is iterable (lists, generators, arrays of str...) is a corpus. */
    if (acc->input == INPUT_TEXT && (PyUnicode_Check(obj) || PyBytes_Check(obj)
                                     || PyByteArray_Check(obj) || PyMemoryView_Check(obj))) {
        acc->progress_total = 1;
        if (batch_add(&b, obj, -1, acc->input, errors) < 0)
            goto cleanup;
        rc = batch_run(acc, &b, n_threads, -1);
        goto cleanup;
    }
    if (acc->progress) {
        /* A generator has no length: the bar then counts without a total. */
        acc->progress_total = PyObject_LengthHint(obj, 0);
        if (acc->progress_total < 0)
            goto cleanup;
    }
    iter = PyObject_GetIter(obj);
    if (!iter) {
        PyErr_Format(PyExc_TypeError,
                     "expected str, bytes or an iterable of them, not %.100s",
                     Py_TYPE(obj)->tp_name);
        goto cleanup;
    }
    while ((item = PyIter_Next(iter))) {
        int r = batch_add(&b, item, index, acc->input, errors);
        Py_DECREF(item);
        if (r < 0)
            goto cleanup;
        index++;
        if ((b.n >= BATCH_MAX_DOCS || b.total_bytes >= BATCH_MAX_BYTES)
            && batch_run(acc, &b, n_threads, index - (Py_ssize_t)b.n) < 0)
            goto cleanup;
    }
    if (PyErr_Occurred())
        goto cleanup;
    rc = batch_run(acc, &b, n_threads, index - (Py_ssize_t)b.n);
cleanup:
    Py_XDECREF(iter);
    batch_in_free(&b);
    return rc;
}

/* ------------------------------------------------------------ options */
static int parse_analyzer(PyObject *obj, int *out)
{
    static const char *const names[] = {"word", "char", "char_wb", "grapheme"};
    int i;
    if (PyUnicode_Check(obj))
        for (i = 0; i < 4; i++)
            if (PyUnicode_CompareWithASCIIString(obj, names[i]) == 0) {
                *out = i;
                return 0;
            }
    PyErr_Format(PyExc_ValueError,
                 "analyzer must be 'word', 'char', 'char_wb' or 'grapheme', not %R", obj);
    return -1;
}

static int parse_range(Py_ssize_t lo, Py_ssize_t hi, tk_ngram_opts *ng)
{
    if (lo < 1 || hi < lo) {
        PyErr_Format(PyExc_ValueError,
                     "invalid n-gram range (%zd, %zd): need 1 <= lo <= hi", lo, hi);
        return -1;
    }
    ng->lo = (size_t)lo;
    ng->hi = (size_t)hi;
    return 0;
}

/* Common setup: analyzer, range, tokenizer, input kind. */
static int accum_setup(accum *acc, int mode, PyObject *tokenizer, PyObject *analyzer,
                       Py_ssize_t lo, Py_ssize_t hi, int input)
{
    memset(acc, 0, sizeof *acc);
    tk_vocab_init(&acc->global);
    acc->mode = mode;
    if (input < INPUT_TEXT || input > INPUT_TOKENS) {
        PyErr_SetString(PyExc_ValueError, "invalid input kind");
        return -1;
    }
    acc->input = input;
    if (parse_analyzer(analyzer, &acc->ng.analyzer) < 0 || parse_range(lo, hi, &acc->ng) < 0)
        return -1;
    if (input == INPUT_TOKENS)
        acc->ng.analyzer = TK_ANALYZER_WORD;
    if (tokenizer != Py_None) {
        acc->conf = tkpy_tokenizer_conf(tokenizer);
        if (!acc->conf)
            return -1;
    } else if (input == INPUT_TEXT) {
        PyErr_SetString(PyExc_TypeError, "a Tokenizer is required for text input");
        return -1;
    }
    return 0;
}

/* ============================================================= ngrams() */
typedef struct list_sink {
    PyObject *list;
} list_sink;

static int sink_list(void *ctx, const uint8_t *g, size_t len)
{
    list_sink *ls = ctx;
    PyObject *s = PyUnicode_DecodeUTF8((const char *)g, (Py_ssize_t)len, "strict");
    int rc;
    if (!s)
        return TK_ECANCELLED;
    rc = PyList_Append(ls->list, s);
    Py_DECREF(s);
    return rc < 0 ? TK_ECANCELLED : TK_OK;
}

static PyObject *ngrams_impl(PyObject *text, PyObject *tokenizer, PyObject *analyzer,
                             Py_ssize_t lo, Py_ssize_t hi)
{
    accum acc;
    tkpy_text t;
    tk_ngram_buf buf;
    list_sink ls;
    int rc;

    memset(&buf, 0, sizeof buf);
    if (accum_setup(&acc, MODE_COUNT, tokenizer, analyzer, lo, hi, INPUT_TEXT) < 0)
        return NULL;
    if (tkpy_text_from_object(text, acc.conf->errors, -1, &t) < 0)
        return NULL;
    ls.list = NULL;
    rc = tk_ngram_prepare(&acc.ng, &acc.conf->opts, acc.conf->stopwords, t.data, t.len, &buf);
    if (rc == TK_OK) {
        ls.list = PyList_New(0);
        if (!ls.list)
            rc = TK_ENOMEM;
        else
            rc = tk_ngram_emit(&acc.ng, &buf, sink_list, &ls);
    }
    tk_ngram_buf_free(&buf);
    tkpy_text_release(&t);
    if (rc < 0) {
        Py_XDECREF(ls.list);
        return tkpy_raise(rc);
    }
    return ls.list;
}

static PyObject *py_ngrams(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"text", "tokenizer", "analyzer", "lo", "hi", NULL};
    PyObject *text, *tokenizer, *analyzer;
    Py_ssize_t lo, hi;
    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOnn:ngrams", kwlist, &text, &tokenizer,
                                     &analyzer, &lo, &hi))
        return NULL;
    return ngrams_impl(text, tokenizer, analyzer, lo, hi);
}

/* ============================================================== count() */
static PyObject *count_impl(PyObject *module, PyObject *docs, PyObject *tokenizer,
                            PyObject *analyzer, Py_ssize_t lo, Py_ssize_t hi, int n_threads,
                            int input, PyObject *progress)
{
    tkpy_state *st = tkpy_get_state(module);
    accum acc;
    CountsObject *result;

    if (accum_setup(&acc, MODE_COUNT, tokenizer, analyzer, lo, hi, input) < 0
        || accum_feed(&acc, docs, n_threads, progress) < 0) {
        accum_free(&acc);
        return NULL;
    }
    result = (CountsObject *)new_counts(st->counts_type);
    if (!result) {
        accum_free(&acc);
        return NULL;
    }
    /* Hand the vocabulary over without copying. */
    result->v = acc.global;
    tk_vocab_init(&acc.global);
    accum_free(&acc);
    return (PyObject *)result;
}

static PyObject *py_count(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"docs", "tokenizer", "analyzer", "lo", "hi", "n_threads",
                             "input", "progress", NULL};
    PyObject *docs, *tokenizer, *analyzer, *threads = Py_None, *progress = Py_None;
    Py_ssize_t lo, hi;
    int n_threads, input = INPUT_TEXT;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOnn|OiO:count", kwlist, &docs, &tokenizer,
                                     &analyzer, &lo, &hi, &threads, &input, &progress))
        return NULL;
    if (tkpy_parse_threads(threads, &n_threads) < 0)
        return NULL;
    return count_impl(module, docs, tokenizer, analyzer, lo, hi, n_threads, input, progress);
}

/* ============================================================ matrices */
typedef struct csr_out {
    PyObject *data;        /* bytearray of int64 */
    PyObject *indices;     /* bytearray of int32 or int64 */
    PyObject *indptr;
    int index_size;
} csr_out;

static void csr_out_clear(csr_out *c)
{
    Py_CLEAR(c->data);
    Py_CLEAR(c->indices);
    Py_CLEAR(c->indptr);
}

static int csr_alloc(csr_out *c, size_t nnz, size_t n_rows, size_t n_cols)
{
    c->index_size = (nnz > (size_t)INT32_MAX || n_cols > (size_t)INT32_MAX) ? 8 : 4;
    if (nnz > (size_t)PY_SSIZE_T_MAX / 8 || n_rows >= (size_t)PY_SSIZE_T_MAX / 8) {
        PyErr_NoMemory();
        return -1;
    }
    c->data = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)(nnz * 8));
    c->indices = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)(nnz * c->index_size));
    c->indptr = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)((n_rows + 1) * c->index_size));
    if (!c->data || !c->indices || !c->indptr) {
        csr_out_clear(c);
        return -1;
    }
    return 0;
}

static inline void put_index(void *base, int size, size_t i, uint64_t value)
{
    if (size == 4)
        ((int32_t *)base)[i] = (int32_t)value;
    else
        ((int64_t *)base)[i] = (int64_t)value;
}

/*
 * Build the CSR arrays from the accumulated segments, on n_threads C
 * threads.  FIT rows hold run positions: seg->map turns them into sorted
 * global indices, newcol (when pruning dropped terms; else NULL) into
 * columns or UINT32_MAX to drop the entry, and the rows are then sorted by
 * column.  Other rows (no seg->map) hold columns and are already sorted.
 * binary sets every value to 1; signed_values reads values as int32
 * (hashing).  Segments are freed at the end.
 */
typedef struct csr_job {
    const uint32_t *newcol;
    int binary, signed_values, index_size;
    const uint64_t **row_src;      /* first source entry of each row */
    const uint32_t **row_map;      /* FIT: the row's segment map */
    size_t *row_n;                 /* source entries of each row */
    size_t *row_kept;              /* pass 1 output */
    int64_t *data;
    char *indices;
    const char *indptr;
    uint64_t **bufs;               /* per worker row buffer (and radix scratch) */
    int remap;                     /* FIT: rows go through row_map (and newcol) */
    segment *segs;                 /* pass 2 frees each one once its rows are out */
    uint32_t *row_seg;             /* segment of each row */
    size_t *seg_rows_left;         /* per segment, atomic */
    size_t max_row;
    size_t n_cols;
    int pass;
} csr_job;

static inline uint64_t get_index(const void *base, int size, size_t i)
{
    return size == 4 ? (uint64_t)((const int32_t *)base)[i] : (uint64_t)((const int64_t *)base)[i];
}

static int csr_rows(void *ctx, size_t begin, size_t end, int worker)
{
    csr_job *J = ctx;
    size_t r, k;
    if (J->pass == 1) {
        for (r = begin; r < end; r++) {
            size_t kept = 0;
            for (k = 0; k < J->row_n[r]; k++)
                if (J->newcol[J->row_map[r][ENTRY_ID(J->row_src[r][k])]] != UINT32_MAX)
                    kept++;
            J->row_kept[r] = kept;
        }
        return TK_OK;
    }
    if (J->remap && !J->bufs[worker]) {
        J->bufs[worker] = tk_malloc((J->max_row ? 2 * J->max_row : 1) * sizeof(uint64_t));
        if (!J->bufs[worker])
            return TK_ENOMEM;
    }
    for (r = begin; r < end; r++) {
        const uint64_t *src = J->row_src[r];
        const uint64_t *row = src;
        size_t n = J->row_n[r], at = (size_t)get_index(J->indptr, J->index_size, r);
        if (J->remap) {
            uint64_t *buf = J->bufs[worker];
            size_t m = 0;
            for (k = 0; k < n; k++) {
                uint32_t col = J->row_map[r][ENTRY_ID(src[k])];
                if (J->newcol)
                    col = J->newcol[col];
                if (col != UINT32_MAX)
                    buf[m++] = ENTRY(col, ENTRY_VALUE(src[k]));
            }
            if (m > 1024)
                radix_sort_row(buf, buf + J->max_row, m, J->n_cols);
            else
                sort_u64(buf, m);
            row = buf;
            n = m;
        }
        for (k = 0; k < n; k++, at++) {
            uint32_t v = ENTRY_VALUE(row[k]);
            put_index(J->indices, J->index_size, at, ENTRY_ID(row[k]));
            J->data[at] = J->binary ? 1 : J->signed_values ? (int64_t)(int32_t)v : (int64_t)v;
        }
        /* The matrix fills as the rows are written; freeing each segment
         * as soon as its last row is out keeps the two from adding up
         * (the peak of a fit). */
        if (__atomic_sub_fetch(&J->seg_rows_left[J->row_seg[r]], 1, __ATOMIC_ACQ_REL) == 0) {
            segment *seg = &J->segs[J->row_seg[r]];
            tk_free(seg->entries);
            tk_free(seg->map);
            seg->entries = NULL;
            seg->map = NULL;
            release_free_memory();
        }
    }
    return TK_OK;
}

static int build_csr(accum *acc, const uint32_t *newcol, size_t n_cols, int binary,
                     int signed_values, int n_threads, csr_out *out)
{
    size_t s, r, row = 0, nnz = 0, n_rows = acc->n_docs;
    csr_job J;
    tk_job tj;
    int rc = -1, threads, i;

    memset(&J, 0, sizeof J);
    J.newcol = newcol;
    J.n_cols = n_cols;
    J.binary = binary;
    J.signed_values = signed_values;
    J.row_src = tk_malloc((n_rows ? n_rows : 1) * sizeof *J.row_src);
    J.row_map = tk_malloc((n_rows ? n_rows : 1) * sizeof *J.row_map);
    J.row_n = tk_malloc((n_rows ? n_rows : 1) * sizeof *J.row_n);
    J.row_kept = newcol ? tk_malloc((n_rows ? n_rows : 1) * sizeof *J.row_kept) : NULL;
    J.row_seg = tk_malloc((n_rows ? n_rows : 1) * sizeof *J.row_seg);
    J.seg_rows_left = tk_calloc(acc->n_segs ? acc->n_segs : 1, sizeof *J.seg_rows_left);
    J.segs = acc->segs;
    threads = tk_resolve_threads(n_threads, n_rows ? n_rows : 1);
    J.bufs = tk_calloc((size_t)threads, sizeof *J.bufs);
    if (!J.row_src || !J.row_map || !J.row_n || (newcol && !J.row_kept) || !J.row_seg
        || !J.seg_rows_left || !J.bufs) {
        PyErr_NoMemory();
        goto cleanup;
    }
    for (s = 0; s < acc->n_segs; s++) {
        const segment *seg = &acc->segs[s];
        const uint64_t *e = seg->entries;
        for (r = 0; r < seg->n_docs; r++, row++) {
            J.row_src[row] = e;
            J.row_map[row] = seg->map;
            J.remap |= seg->map != NULL;
            J.row_seg[row] = (uint32_t)s;
            J.seg_rows_left[s]++;
            J.row_n[row] = seg->row_nnz[r];
            if (seg->row_nnz[r] > J.max_row)
                J.max_row = seg->row_nnz[r];
            e += seg->row_nnz[r];
        }
    }
    memset(&tj, 0, sizeof tj);
    tj.n_items = n_rows;
    tj.run = csr_rows;
    tj.ctx = &J;
    if (newcol) {
        J.pass = 1;
        if (n_rows && tkpy_run_job(&tj, threads, NULL) < 0)
            goto cleanup;
        for (r = 0; r < n_rows; r++)
            nnz += J.row_kept[r];
    } else {
        for (r = 0; r < n_rows; r++)
            nnz += J.row_n[r];
    }
    if (csr_alloc(out, nnz, n_rows, n_cols) < 0)
        goto cleanup;
    J.index_size = out->index_size;
    J.data = (int64_t *)PyByteArray_AS_STRING(out->data);
    J.indices = PyByteArray_AS_STRING(out->indices);
    J.indptr = PyByteArray_AS_STRING(out->indptr);
    {
        char *indptr = PyByteArray_AS_STRING(out->indptr);
        size_t at = 0;
        put_index(indptr, out->index_size, 0, 0);
        for (r = 0; r < n_rows; r++) {
            at += newcol ? J.row_kept[r] : J.row_n[r];
            put_index(indptr, out->index_size, r + 1, at);
        }
    }
    J.pass = 2;
    if (n_rows && tkpy_run_job(&tj, threads, NULL) < 0) {
        csr_out_clear(out);
        goto cleanup;
    }
    rc = 0;
cleanup:
    for (s = 0; s < acc->n_segs; s++)
        segment_free(&acc->segs[s]);
    acc->n_segs = 0;
    if (J.bufs)
        for (i = 0; i < threads; i++)
            tk_free(J.bufs[i]);
    tk_free(J.bufs);
    tk_free((void *)J.row_src);
    tk_free((void *)J.row_map);
    tk_free(J.row_n);
    tk_free(J.row_kept);
    tk_free(J.row_seg);
    tk_free(J.seg_rows_left);
    return rc;
}

static PyObject *csr_tuple(csr_out *c, size_t n_rows, size_t n_cols)
{
    PyObject *t = Py_BuildValue("(OOOnni)", c->data, c->indices, c->indptr,
                                (Py_ssize_t)n_rows, (Py_ssize_t)n_cols, c->index_size);
    csr_out_clear(c);
    return t;
}

/* ------------------------------------------------------- Vocabulary */
static PyObject *new_vocabulary(PyTypeObject *type)
{
    VocabularyObject *self = (VocabularyObject *)type->tp_alloc(type, 0);
    if (self) {
        self->bytes = NULL;
        self->ends = NULL;
        self->n = 0;
        self->indexed = 0;
        tk_vocab_init(&self->index);
    }
    return (PyObject *)self;
}

/* ------------------------------------------- merging chunk vocabularies */
typedef struct merge_head {
    uint64_t key;          /* first 8 bytes of the current term, big-endian */
    uint32_t seg;
} merge_head;

typedef struct run_cursor {
    size_t pos;            /* current term */
    size_t off;            /* its byte offset */
} run_cursor;

static uint64_t term_prefix(const uint8_t *t, size_t len)
{
    uint64_t k = 0;
    size_t i;
    for (i = 0; i < 8; i++)
        k = (k << 8) | (i < len ? t[i] : 0);
    return k;
}

static int head_cmp(const segment *segs, const run_cursor *cur, const merge_head *a,
                    const merge_head *b)
{
    const term_run *ra, *rb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    ra = &segs[a->seg].run;
    rb = &segs[b->seg].run;
    return tk_bytes_cmp(ra->bytes + cur[a->seg].off, ra->lens[cur[a->seg].pos],
                        rb->bytes + cur[b->seg].off, rb->lens[cur[b->seg].pos]);
}

static void sift_down(merge_head *heap, size_t n, size_t i, const segment *segs,
                      const run_cursor *cur)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        merge_head t;
        if (l < n && head_cmp(segs, cur, &heap[l], &heap[m]) < 0)
            m = l;
        if (r < n && head_cmp(segs, cur, &heap[r], &heap[m]) < 0)
            m = r;
        if (m == i)
            return;
        t = heap[i];
        heap[i] = heap[m];
        heap[m] = t;
        i = m;
    }
}

/* The distinct terms of all chunks in term order, with tf and df. */
typedef struct merged_terms {
    uint8_t *bytes;
    size_t bytes_len, bytes_cap;
    size_t *ends;          /* term g ends at ends[g] */
    int64_t *tf, *df;
    size_t n, cap;
} merged_terms;

static void merged_terms_free(merged_terms *m)
{
    tk_free(m->bytes);
    tk_free(m->ends);
    tk_free(m->tf);
    tk_free(m->df);
    memset(m, 0, sizeof *m);
}

/*
 * The merge runs in parallel over ranges of the term space: pivot terms
 * cut every run at the same place, each range is merged on its own, and
 * the ranges' global indices are offset afterwards.
 */
typedef struct merge_plan {
    accum *acc;
    size_t n_ranges;
    size_t *pos;           /* [(n_ranges + 1) * n_segs]: first run position of each range */
    size_t *off;           /* byte offsets of those positions */
    merged_terms *parts;   /* [n_ranges] */
} merge_plan;

/* First position in run whose term is >= (p, plen), and its byte offset. */
static void run_lower_bound(const term_run *run, const uint8_t *p, size_t plen, size_t *pos,
                            size_t *off)
{
    size_t lo = 0, hi = (run->n + RUN_SAMPLE - 1) / RUN_SAMPLE, i, at;
    /* binary search over the sampled terms, then a short scan */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        size_t k = mid * RUN_SAMPLE;
        if (tk_bytes_cmp(run->bytes + run->samples[mid], run->lens[k], p, plen) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0) {
        *pos = 0;
        *off = 0;
        return;
    }
    i = (lo - 1) * RUN_SAMPLE;
    at = run->samples[lo - 1];
    while (i < run->n && tk_bytes_cmp(run->bytes + at, run->lens[i], p, plen) < 0) {
        at += run->lens[i];
        i++;
    }
    *pos = i;
    *off = at;
}

static int merge_range(merge_plan *plan, size_t r)
{
    accum *acc = plan->acc;
    size_t ns = acc->n_segs, hn = 0, s, g = 0, bound_n = 0, bound_bytes = 0;
    const size_t *p0 = plan->pos + r * ns, *p1 = plan->pos + (r + 1) * ns;
    const size_t *o0 = plan->off + r * ns, *o1 = plan->off + (r + 1) * ns;
    merged_terms *out = &plan->parts[r];
    merge_head *heap = tk_malloc((ns ? ns : 1) * sizeof *heap);
    run_cursor *cur = tk_calloc(ns ? ns : 1, sizeof *cur);
    int rc = TK_OK;

    if (!heap || !cur) {
        rc = TK_ENOMEM;
        goto cleanup;
    }
    for (s = 0; s < ns; s++) {
        bound_n += p1[s] - p0[s];
        bound_bytes += o1[s] - o0[s];
    }
    /* Upper bounds: untouched pages of these blocks cost no memory. */
    out->ends = tk_malloc((bound_n ? bound_n : 1) * sizeof *out->ends);
    if (acc->want_stats) {
        out->tf = tk_malloc((bound_n ? bound_n : 1) * sizeof *out->tf);
        out->df = tk_malloc((bound_n ? bound_n : 1) * sizeof *out->df);
    }
    out->bytes = tk_malloc(bound_bytes ? bound_bytes : 1);
    if (!out->ends || !out->bytes || (acc->want_stats && (!out->tf || !out->df))) {
        rc = TK_ENOMEM;
        goto cleanup;
    }
    for (s = 0; s < ns; s++) {
        const term_run *run = &acc->segs[s].run;
        cur[s].pos = p0[s];
        cur[s].off = o0[s];
        if (p0[s] < p1[s]) {
            heap[hn].key = term_prefix(run->bytes + o0[s], run->lens[p0[s]]);
            heap[hn].seg = (uint32_t)s;
            hn++;
        }
    }
    for (s = hn; s-- > 0;)
        sift_down(heap, hn, s, acc->segs, cur);
    while (hn) {
        const term_run *first = &acc->segs[heap[0].seg].run;
        const uint8_t *t = first->bytes + cur[heap[0].seg].off;
        size_t tlen = first->lens[cur[heap[0].seg].pos];
        uint64_t tkey = heap[0].key;
        if (tlen)
            memcpy(out->bytes + out->bytes_len, t, tlen);
        out->bytes_len += tlen;
        out->ends[g] = out->bytes_len;
        if (out->tf) {
            out->tf[g] = 0;
            out->df[g] = 0;
        }
        t = out->bytes + out->bytes_len - tlen;   /* stable copy to compare with */
        while (hn && heap[0].key == tkey) {
            size_t sidx = heap[0].seg;
            segment *seg = &acc->segs[sidx];
            run_cursor *c = &cur[sidx];
            size_t len = seg->run.lens[c->pos];
            if (len != tlen || memcmp(seg->run.bytes + c->off, t, len) != 0)
                break;
            seg->map[c->pos] = (uint32_t)g;
            if (out->tf) {
                out->tf[g] += seg->run.counts[c->pos];
                out->df[g] += seg->run.df[c->pos];
            }
            c->off += len;
            if (++c->pos < p1[sidx])
                heap[0].key = term_prefix(seg->run.bytes + c->off, seg->run.lens[c->pos]);
            else
                heap[0] = heap[--hn];
            if (hn)
                sift_down(heap, hn, 0, acc->segs, cur);
        }
        g++;
    }
    out->n = g;
cleanup:
    tk_free(heap);
    tk_free(cur);
    return rc;
}

static int run_merge_range(void *ctx, size_t begin, size_t end, int worker)
{
    size_t r;
    (void)worker;
    for (r = begin; r < end; r++) {
        int rc = merge_range(ctx, r);
        if (rc < 0)
            return rc;
    }
    return TK_OK;
}

static void merge_plan_free(merge_plan *plan)
{
    size_t r;
    if (plan->parts)
        for (r = 0; r < plan->n_ranges; r++)
            merged_terms_free(&plan->parts[r]);
    tk_free(plan->parts);
    tk_free(plan->pos);
    tk_free(plan->off);
    memset(plan, 0, sizeof *plan);
}

/*
 * Merge the segments' term runs on n_threads threads (GIL held on entry).
 * Afterwards seg->map holds global indices, plan->parts the distinct terms
 * in order, and the runs are freed.  Returns the number of distinct terms
 * or -1 with an exception set.
 */
static long long merge_vocabularies(accum *acc, merge_plan *plan, int n_threads)
{
    size_t ns = acc->n_segs, s, r, largest = 0, total = 0, base;
    int threads = tk_resolve_threads(n_threads, 1 << 20);
    tk_job tj;

    memset(plan, 0, sizeof *plan);
    plan->acc = acc;
    for (s = 0; s < ns; s++) {
        total += acc->segs[s].run.n;
        if (acc->segs[s].run.n > acc->segs[largest].run.n)
            largest = s;
    }
    /* Several ranges per thread balance the uneven density of terms. */
    plan->n_ranges = (threads > 1 && total > 4096) ? (size_t)threads * 4 : 1;
    plan->pos = tk_malloc((plan->n_ranges + 1) * (ns ? ns : 1) * sizeof *plan->pos);
    plan->off = tk_malloc((plan->n_ranges + 1) * (ns ? ns : 1) * sizeof *plan->off);
    plan->parts = tk_calloc(plan->n_ranges, sizeof *plan->parts);
    if (!plan->pos || !plan->off || !plan->parts) {
        PyErr_NoMemory();
        return -1;
    }
    for (s = 0; s < ns; s++) {
        term_run *run = &acc->segs[s].run;
        size_t bytes = 0, k;
        acc->segs[s].map = tk_malloc((run->n ? run->n : 1) * sizeof *acc->segs[s].map);
        if (!acc->segs[s].map) {
            PyErr_NoMemory();
            return -1;
        }
        for (k = 0; k < run->n; k++)
            bytes += run->lens[k];
        plan->pos[s] = 0;
        plan->off[s] = 0;
        plan->pos[plan->n_ranges * ns + s] = run->n;
        plan->off[plan->n_ranges * ns + s] = bytes;
    }
    for (r = 1; r < plan->n_ranges; r++) {
        /* pivot: a term of the largest run, so pivots are distinct and sorted */
        const term_run *big = &acc->segs[largest].run;
        size_t pivot_pos = big->n * r / plan->n_ranges;
        size_t k = pivot_pos / RUN_SAMPLE * RUN_SAMPLE, poff = big->samples[k / RUN_SAMPLE];
        for (; k < pivot_pos; k++)
            poff += big->lens[k];
        for (s = 0; s < ns; s++)
            run_lower_bound(&acc->segs[s].run, big->bytes + poff, big->lens[pivot_pos],
                            &plan->pos[r * ns + s], &plan->off[r * ns + s]);
    }
    memset(&tj, 0, sizeof tj);
    tj.n_items = plan->n_ranges;
    tj.chunk = 1;
    tj.run = run_merge_range;
    tj.ctx = plan;
    if (tkpy_run_job(&tj, threads, NULL) < 0)
        return -1;
    /* Offset each range's indices by the terms of the ranges before it. */
    Py_BEGIN_ALLOW_THREADS
    base = 0;
    for (r = 0; r < plan->n_ranges; r++) {
        if (base)
            for (s = 0; s < ns; s++) {
                size_t k;
                uint32_t *map = acc->segs[s].map;
                for (k = plan->pos[r * ns + s]; k < plan->pos[(r + 1) * ns + s]; k++)
                    map[k] += (uint32_t)base;
            }
        base += plan->parts[r].n;
    }
    for (s = 0; s < ns; s++)
        term_run_free(&acc->segs[s].run);
    Py_END_ALLOW_THREADS
    if (base > TK_VOCAB_MAX_TERMS) {
        tkpy_raise(TK_EOVERFLOW);
        return -1;
    }
    return (long long)base;
}

/* The term with global index g, walking the parts in order. */
typedef struct part_walker {
    const merge_plan *plan;
    size_t part, local;
} part_walker;

static const uint8_t *walker_next(part_walker *w, size_t *len, int64_t *tf)
{
    const merged_terms *m;
    size_t start;
    while (w->part < w->plan->n_ranges && w->local >= w->plan->parts[w->part].n) {
        w->part++;
        w->local = 0;
    }
    if (w->part >= w->plan->n_ranges)
        return NULL;
    m = &w->plan->parts[w->part];
    start = w->local ? m->ends[w->local - 1] : 0;
    *len = m->ends[w->local] - start;
    *tf = m->tf ? m->tf[w->local] : 0;
    w->local++;
    return m->bytes + start;
}

/*
 * fit_matrix(docs, tokenizer, analyzer, lo, hi, n_threads, input, prune, binary)
 *   prune(df: bytes, tf: bytes, n_docs) -> bytes mask or None; df and tf are
 *   int64 arrays in sorted-term order (tf = df when binary, as scikit-learn
 *   ranks max_features on the binarized matrix).  Returns (Vocabulary,
 *   (data, indices, indptr, n_rows, n_cols, index_size)).
 */
static PyObject *fit_matrix_impl(PyObject *module, PyObject *docs, PyObject *tokenizer,
                                 PyObject *analyzer, Py_ssize_t lo, Py_ssize_t hi,
                                 int n_threads, int input, PyObject *prune, int binary,
                                 PyObject *progress)
{
    tkpy_state *st = tkpy_get_state(module);
    accum acc;
    merge_plan plan;
    uint32_t *newcol = NULL;
    PyObject *df_bytes = NULL, *tf_bytes = NULL, *mask = NULL, *result = NULL;
    VocabularyObject *vocab = NULL;
    csr_out csr;
    size_t i, r, n = 0, kept = 0, kept_bytes = 0;
    long long merged;

    memset(&csr, 0, sizeof csr);
    memset(&plan, 0, sizeof plan);
    if (accum_setup(&acc, MODE_FIT, tokenizer, analyzer, lo, hi, input) < 0)
        goto cleanup;
    acc.want_stats = prune != Py_None;
    if (accum_feed(&acc, docs, n_threads, progress) < 0)
        goto cleanup;
    release_free_memory();
    merged = merge_vocabularies(&acc, &plan, n_threads);
    if (merged < 0)
        goto cleanup;
    release_free_memory();
    n = (size_t)merged;
    if (n == 0) {
        PyErr_SetString(PyExc_ValueError,
                        "empty vocabulary; perhaps the documents only contain stop words");
        goto cleanup;
    }
    if (prune != Py_None) {
        char *dfp, *tfp;
        df_bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n * 8));
        tf_bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n * 8));
        if (!df_bytes || !tf_bytes)
            goto cleanup;
        dfp = PyBytes_AS_STRING(df_bytes);
        tfp = PyBytes_AS_STRING(tf_bytes);
        for (r = 0; r < plan.n_ranges; r++) {
            const merged_terms *m = &plan.parts[r];
            memcpy(dfp, m->df, m->n * 8);
            memcpy(tfp, binary ? m->df : m->tf, m->n * 8);
            dfp += m->n * 8;
            tfp += m->n * 8;
        }
        mask = PyObject_CallFunction(prune, "OOn", df_bytes, tf_bytes, (Py_ssize_t)acc.n_docs);
        if (!mask)
            goto cleanup;
    }
    Py_CLEAR(df_bytes);
    Py_CLEAR(tf_bytes);
    if (mask && mask != Py_None) {
        Py_buffer view;
        const uint8_t *mk;
        if (PyObject_GetBuffer(mask, &view, PyBUF_SIMPLE) < 0)
            goto cleanup;
        if ((size_t)view.len != n) {
            PyBuffer_Release(&view);
            PyErr_SetString(PyExc_ValueError, "prune mask has the wrong length");
            goto cleanup;
        }
        mk = view.buf;
        newcol = tk_malloc(n * sizeof *newcol);
        if (!newcol) {
            PyBuffer_Release(&view);
            PyErr_NoMemory();
            goto cleanup;
        }
        for (i = 0; i < n; i++)
            newcol[i] = mk[i] ? (uint32_t)kept++ : UINT32_MAX;
        PyBuffer_Release(&view);
    } else {
        kept = n;   /* every term is a column, in order: no newcol */
    }
    Py_CLEAR(mask);
    if (kept == 0) {
        PyErr_SetString(PyExc_ValueError,
                        "After pruning, no terms remain. Try a lower min_df or a higher max_df.");
        goto cleanup;
    }
    vocab = (VocabularyObject *)new_vocabulary(st->ngram_table_type);
    if (!vocab)
        goto cleanup;
    {
        /* Kept strings, in column order, into exactly sized buffers. */
        part_walker w;
        size_t len, at = 0, k = 0;
        int64_t tf;
        const uint8_t *t;
        memset(&w, 0, sizeof w);
        w.plan = &plan;
        for (i = 0; (t = walker_next(&w, &len, &tf)) != NULL; i++)
            if (!newcol || newcol[i] != UINT32_MAX)
                kept_bytes += len;
        vocab->bytes = tk_malloc(kept_bytes ? kept_bytes : 1);
        vocab->ends = tk_malloc(kept * sizeof *vocab->ends);
        if (!vocab->bytes || !vocab->ends) {
            PyErr_NoMemory();
            goto cleanup;
        }
        memset(&w, 0, sizeof w);
        w.plan = &plan;
        for (i = 0; (t = walker_next(&w, &len, &tf)) != NULL; i++)
            if (!newcol || newcol[i] != UINT32_MAX) {
                if (len)
                    memcpy(vocab->bytes + at, t, len);
                at += len;
                vocab->ends[k++] = at;
            }
        vocab->n = kept;
    }
    for (r = 0; r < plan.n_ranges; r++)
        merged_terms_free(&plan.parts[r]);
    release_free_memory();
    if (build_csr(&acc, newcol, kept, binary, 0, n_threads, &csr) < 0)
        goto cleanup;
    {
        PyObject *mat = csr_tuple(&csr, acc.n_docs, kept);
        if (!mat)
            goto cleanup;
        result = PyTuple_Pack(2, (PyObject *)vocab, mat);
        Py_DECREF(mat);
    }
cleanup:
    Py_XDECREF(vocab);
    Py_XDECREF(df_bytes);
    Py_XDECREF(tf_bytes);
    Py_XDECREF(mask);
    tk_free(newcol);
    merge_plan_free(&plan);
    csr_out_clear(&csr);
    accum_free(&acc);
    return result;
}

static PyObject *py_fit_matrix(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"docs", "tokenizer", "analyzer", "lo", "hi", "n_threads",
                             "input", "prune", "binary", "progress", NULL};
    PyObject *docs, *tokenizer, *analyzer, *threads = Py_None, *prune = Py_None;
    PyObject *progress = Py_None;
    Py_ssize_t lo, hi;
    int n_threads, input = INPUT_TEXT, binary = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOnn|OiOpO:fit_matrix", kwlist, &docs,
                                     &tokenizer, &analyzer, &lo, &hi, &threads, &input, &prune,
                                     &binary, &progress))
        return NULL;
    if (tkpy_parse_threads(threads, &n_threads) < 0)
        return NULL;
    return fit_matrix_impl(module, docs, tokenizer, analyzer, lo, hi, n_threads, input, prune,
                           binary, progress);
}

static PyObject *transform_matrix_impl(PyObject *module, PyObject *docs, PyObject *vocab,
                                       PyObject *tokenizer, PyObject *analyzer, Py_ssize_t lo,
                                       Py_ssize_t hi, int n_threads, int input, int binary,
                                       PyObject *progress)
{
    tkpy_state *st = tkpy_get_state(module);
    accum acc;
    csr_out csr;
    PyObject *result = NULL;

    memset(&csr, 0, sizeof csr);
    if (!PyObject_TypeCheck(vocab, st->ngram_table_type)) {
        PyErr_SetString(PyExc_TypeError, "vocab must be a textkern Vocabulary");
        return NULL;
    }
    if (accum_setup(&acc, MODE_TRANSFORM, tokenizer, analyzer, lo, hi, input) < 0)
        goto cleanup;
    if (vocabulary_ready((VocabularyObject *)vocab) < 0)
        goto cleanup;
    acc.fixed = &((VocabularyObject *)vocab)->index;
    Py_INCREF(vocab);   /* the fixed vocabulary is read without the GIL */
    if (accum_feed(&acc, docs, n_threads, progress) < 0) {
        Py_DECREF(vocab);
        goto cleanup;
    }
    if (build_csr(&acc, NULL, acc.fixed->n, binary, 0, n_threads, &csr) == 0)
        result = csr_tuple(&csr, acc.n_docs, acc.fixed->n);
    Py_DECREF(vocab);
cleanup:
    csr_out_clear(&csr);
    accum_free(&acc);
    return result;
}

static PyObject *py_transform_matrix(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"docs", "vocab", "tokenizer", "analyzer", "lo", "hi",
                             "n_threads", "input", "binary", "progress", NULL};
    PyObject *docs, *vocab, *tokenizer, *analyzer, *threads = Py_None, *progress = Py_None;
    Py_ssize_t lo, hi;
    int n_threads, input = INPUT_TEXT, binary = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOOnn|OipO:transform_matrix", kwlist,
                                     &docs, &vocab, &tokenizer, &analyzer, &lo, &hi, &threads,
                                     &input, &binary, &progress))
        return NULL;
    if (tkpy_parse_threads(threads, &n_threads) < 0)
        return NULL;
    return transform_matrix_impl(module, docs, vocab, tokenizer, analyzer, lo, hi, n_threads,
                                 input, binary, progress);
}

static PyObject *py_hash_matrix(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"docs", "tokenizer", "analyzer", "lo", "hi", "n_features",
                             "alternate_sign", "n_threads", "input", "binary", "progress",
                             NULL};
    PyObject *docs, *tokenizer, *analyzer, *threads = Py_None, *result = NULL;
    PyObject *progress = Py_None;
    Py_ssize_t lo, hi, n_features;
    int n_threads, input = INPUT_TEXT, binary = 0, alternate = 1;
    accum acc;
    csr_out csr;
    (void)module;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOnnnp|OipO:hash_matrix", kwlist, &docs,
                                     &tokenizer, &analyzer, &lo, &hi, &n_features, &alternate,
                                     &threads, &input, &binary, &progress))
        return NULL;
    if (tkpy_parse_threads(threads, &n_threads) < 0)
        return NULL;
    if (n_features < 1 || (uint64_t)n_features > (uint64_t)INT32_MAX) {
        PyErr_Format(PyExc_ValueError, "n_features must be between 1 and 2**31 - 1, not %zd",
                     n_features);
        return NULL;
    }
    memset(&csr, 0, sizeof csr);
    if (accum_setup(&acc, MODE_HASH, tokenizer, analyzer, lo, hi, input) < 0)
        goto cleanup;
    acc.n_features = (uint64_t)n_features;
    acc.alternate_sign = alternate;
    if (accum_feed(&acc, docs, n_threads, progress) < 0)
        goto cleanup;
    if (build_csr(&acc, NULL, (size_t)n_features, binary, 1, n_threads, &csr) == 0)
        result = csr_tuple(&csr, acc.n_docs, (size_t)n_features);
cleanup:
    csr_out_clear(&csr);
    accum_free(&acc);
    return result;
}

static PyObject *py_hash_terms(PyObject *module, PyObject *arg)
{
    /* The 64-bit hash HashingVectorizer uses, for documentation and tests. */
    size_t len;
    const uint8_t *s = key_utf8(arg, &len);
    (void)module;
    if (!s) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "expected str");
        return NULL;
    }
    return PyLong_FromUnsignedLongLong(tk_hash_bytes(s, len));
}

/* ====================================================== Counts methods */
static void Counts_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    tk_vocab_free(&((CountsObject *)self)->v);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static int counts_add_pair(CountsObject *self, PyObject *key, PyObject *value)
{
    size_t len;
    const uint8_t *s;
    long long c;
    int rc;
    if (!PyUnicode_Check(key)) {
        PyErr_Format(PyExc_TypeError, "Counts keys must be str, not %.100s",
                     Py_TYPE(key)->tp_name);
        return -1;
    }
    s = key_utf8(key, &len);
    if (!s) {
        PyErr_SetString(PyExc_ValueError, "Counts keys cannot contain lone surrogates");
        return -1;
    }
    if (!PyLong_Check(value) || PyBool_Check(value)) {
        PyErr_Format(PyExc_TypeError, "Counts values must be int, not %.100s",
                     Py_TYPE(value)->tp_name);
        return -1;
    }
    c = PyLong_AsLongLong(value);
    if (c == -1 && PyErr_Occurred())
        return -1;
    if (c < 0) {
        PyErr_Format(PyExc_ValueError, "Counts values must be >= 0, not %lld", c);
        return -1;
    }
    rc = tk_vocab_add(&self->v, s, len, (int64_t)c, NULL);
    if (rc < 0) {
        tkpy_raise(rc);
        return -1;
    }
    return 0;
}

/* Add other (Counts, Mapping[str, int] or iterable of str) to self. */
static int counts_update_from(CountsObject *self, PyObject *other, PyTypeObject *counts_type)
{
    PyObject *iter, *item;
    if (PyObject_TypeCheck(other, counts_type)) {
        int rc = tk_vocab_merge(&self->v, &((CountsObject *)other)->v, NULL);
        if (rc < 0) {
            tkpy_raise(rc);
            return -1;
        }
        return 0;
    }
    if (PyDict_Check(other)) {
        PyObject *k, *v;
        Py_ssize_t pos = 0;
        while (PyDict_Next(other, &pos, &k, &v))
            if (counts_add_pair(self, k, v) < 0)
                return -1;
        return 0;
    }
    if (PyMapping_Check(other) && PyObject_HasAttrString(other, "items")
        && !PyUnicode_Check(other)) {
        PyObject *items = PyMapping_Items(other);
        Py_ssize_t i, n;
        if (!items)
            return -1;
        n = PyList_GET_SIZE(items);
        for (i = 0; i < n; i++) {
            PyObject *pair = PyList_GET_ITEM(items, i);
            if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2
                || counts_add_pair(self, PyTuple_GET_ITEM(pair, 0),
                                   PyTuple_GET_ITEM(pair, 1)) < 0) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_TypeError, "items() must yield pairs");
                Py_DECREF(items);
                return -1;
            }
        }
        Py_DECREF(items);
        return 0;
    }
    if (PyUnicode_Check(other)) {
        PyErr_SetString(PyExc_TypeError,
                        "Counts.update() takes a mapping or an iterable of terms, not one str");
        return -1;
    }
    iter = PyObject_GetIter(other);
    if (!iter)
        return -1;
    while ((item = PyIter_Next(iter))) {
        PyObject *one = PyLong_FromLong(1);
        int rc = one ? counts_add_pair(self, item, one) : -1;
        Py_XDECREF(one);
        Py_DECREF(item);
        if (rc < 0) {
            Py_DECREF(iter);
            return -1;
        }
    }
    Py_DECREF(iter);
    return PyErr_Occurred() ? -1 : 0;
}

static PyObject *Counts_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    PyObject *init = NULL;
    CountsObject *self;
    static char *kwlist[] = {"counts", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:Counts", kwlist, &init))
        return NULL;
    self = (CountsObject *)new_counts(type);
    if (!self)
        return NULL;
    if (init && init != Py_None && counts_update_from(self, init, type) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static Py_ssize_t Counts_len(PyObject *self) { return (Py_ssize_t)((CountsObject *)self)->v.n; }

static long long counts_lookup(CountsObject *self, PyObject *key)
{
    size_t len;
    const uint8_t *s = key_utf8(key, &len);
    if (!s)
        return -1;
    return tk_vocab_find(&self->v, s, len);
}

static PyObject *Counts_getitem(PyObject *self, PyObject *key)
{
    long long id = counts_lookup((CountsObject *)self, key);
    if (id < 0) {
        PyErr_SetObject(PyExc_KeyError, key);
        return NULL;
    }
    return PyLong_FromLongLong(((CountsObject *)self)->v.terms[id].count);
}

static int Counts_contains(PyObject *self, PyObject *key)
{
    return counts_lookup((CountsObject *)self, key) >= 0;
}

static PyObject *counts_keys_list(const tk_vocab *v)
{
    PyObject *list = PyList_New((Py_ssize_t)v->n);
    size_t i;
    if (!list)
        return NULL;
    for (i = 0; i < v->n; i++) {
        PyObject *s = term_to_str(v, i);
        if (!s) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, s);
    }
    return list;
}

static PyObject *Counts_iter(PyObject *self)
{
    PyObject *keys = counts_keys_list(&((CountsObject *)self)->v), *it;
    if (!keys)
        return NULL;
    it = PyObject_GetIter(keys);
    Py_DECREF(keys);
    return it;
}

static PyObject *Counts_keys_list(PyObject *self, PyObject *unused)
{
    (void)unused;
    return counts_keys_list(&((CountsObject *)self)->v);
}

static PyObject *Counts_values_list(PyObject *self, PyObject *unused)
{
    const tk_vocab *v = &((CountsObject *)self)->v;
    PyObject *list = PyList_New((Py_ssize_t)v->n);
    size_t i;
    (void)unused;
    if (!list)
        return NULL;
    for (i = 0; i < v->n; i++) {
        PyObject *c = PyLong_FromLongLong(v->terms[i].count);
        if (!c) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, c);
    }
    return list;
}

static PyObject *pair_at(const tk_vocab *v, size_t id)
{
    PyObject *s = term_to_str(v, id), *c, *t;
    if (!s)
        return NULL;
    c = PyLong_FromLongLong(v->terms[id].count);
    if (!c) {
        Py_DECREF(s);
        return NULL;
    }
    t = PyTuple_Pack(2, s, c);
    Py_DECREF(s);
    Py_DECREF(c);
    return t;
}

static PyObject *Counts_items_list(PyObject *self, PyObject *unused)
{
    const tk_vocab *v = &((CountsObject *)self)->v;
    PyObject *list = PyList_New((Py_ssize_t)v->n);
    size_t i;
    (void)unused;
    if (!list)
        return NULL;
    for (i = 0; i < v->n; i++) {
        PyObject *t = pair_at(v, i);
        if (!t) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, t);
    }
    return list;
}

static PyObject *Counts_get(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    long long id;
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "get() takes 1 or 2 arguments");
        return NULL;
    }
    id = counts_lookup((CountsObject *)self, args[0]);
    if (id >= 0)
        return PyLong_FromLongLong(((CountsObject *)self)->v.terms[id].count);
    if (nargs == 2) {
        Py_INCREF(args[1]);
        return args[1];
    }
    Py_RETURN_NONE;
}

static PyObject *Counts_total(PyObject *self, PyObject *unused)
{
    (void)unused;
    return PyLong_FromLongLong(((CountsObject *)self)->v.total);
}

typedef struct rank_item {
    int64_t count;
    uint32_t id;
} rank_item;

static int cmp_rank(const void *a, const void *b)
{
    const rank_item *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static PyObject *Counts_most_common(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"k", NULL};
    const tk_vocab *v = &((CountsObject *)self)->v;
    PyObject *karg = Py_None, *list = NULL;
    Py_ssize_t k;
    rank_item *items;
    size_t i;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:most_common", kwlist, &karg))
        return NULL;
    if (karg == Py_None) {
        k = (Py_ssize_t)v->n;
    } else {
        k = PyNumber_AsSsize_t(karg, PyExc_OverflowError);
        if (k == -1 && PyErr_Occurred())
            return NULL;
        if (k < 0)
            k = 0;
        if ((size_t)k > v->n)
            k = (Py_ssize_t)v->n;
    }
    items = tk_malloc((v->n ? v->n : 1) * sizeof *items);
    if (!items)
        return PyErr_NoMemory();
    for (i = 0; i < v->n; i++) {
        items[i].count = v->terms[i].count;
        items[i].id = (uint32_t)i;
    }
    qsort(items, v->n, sizeof *items, cmp_rank);
    list = PyList_New(k);
    for (i = 0; list && i < (size_t)k; i++) {
        PyObject *t = pair_at(v, items[i].id);
        if (!t) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, t);
    }
    tk_free(items);
    return list;
}

static PyObject *Counts_to_dict(PyObject *self, PyObject *unused)
{
    const tk_vocab *v = &((CountsObject *)self)->v;
    PyObject *d = PyDict_New();
    size_t i;
    (void)unused;
    for (i = 0; d && i < v->n; i++) {
        PyObject *s = term_to_str(v, i), *c = s ? PyLong_FromLongLong(v->terms[i].count) : NULL;
        if (!c || PyDict_SetItem(d, s, c) < 0)
            Py_CLEAR(d);
        Py_XDECREF(s);
        Py_XDECREF(c);
    }
    return d;
}

static PyObject *Counts_copy(PyObject *self, PyObject *unused)
{
    CountsObject *out = (CountsObject *)new_counts(Py_TYPE(self));
    int rc;
    (void)unused;
    if (!out)
        return NULL;
    rc = tk_vocab_merge(&out->v, &((CountsObject *)self)->v, NULL);
    if (rc < 0) {
        Py_DECREF(out);
        return tkpy_raise(rc);
    }
    return (PyObject *)out;
}

static PyObject *Counts_update(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t i;
    for (i = 0; i < nargs; i++)
        if (counts_update_from((CountsObject *)self, args[i], Py_TYPE(self)) < 0)
            return NULL;
    Py_RETURN_NONE;
}

static PyObject *Counts_add(PyObject *a, PyObject *b)
{
    PyObject *out;
    int rc;
    if (Py_TYPE(a)->tp_dealloc != Counts_dealloc || Py_TYPE(b)->tp_dealloc != Counts_dealloc)
        Py_RETURN_NOTIMPLEMENTED;
    out = Counts_copy(a, NULL);
    if (!out)
        return NULL;
    rc = tk_vocab_merge(&((CountsObject *)out)->v, &((CountsObject *)b)->v, NULL);
    if (rc < 0) {
        Py_DECREF(out);
        return tkpy_raise(rc);
    }
    return out;
}

static PyObject *Counts_richcompare(PyObject *self, PyObject *other, int op)
{
    const tk_vocab *v = &((CountsObject *)self)->v;
    int equal;
    if (op != Py_EQ && op != Py_NE)
        Py_RETURN_NOTIMPLEMENTED;
    if (Py_TYPE(other)->tp_dealloc == Counts_dealloc) {
        const tk_vocab *w = &((CountsObject *)other)->v;
        size_t i;
        equal = v->n == w->n && v->total == w->total;
        for (i = 0; equal && i < v->n; i++) {
            size_t len;
            const uint8_t *t = tk_vocab_term(v, i, &len);
            long long j = tk_vocab_find_hashed(w, t, len, v->terms[i].hash);
            equal = j >= 0 && w->terms[j].count == v->terms[i].count;
        }
    } else if (PyDict_Check(other)) {
        PyObject *d = Counts_to_dict(self, NULL);
        if (!d)
            return NULL;
        equal = PyObject_RichCompareBool(d, other, Py_EQ);
        Py_DECREF(d);
        if (equal < 0)
            return NULL;
    } else {
        Py_RETURN_NOTIMPLEMENTED;
    }
    if (op == Py_NE)
        equal = !equal;
    return PyBool_FromLong(equal);
}

static PyObject *call_helper(const char *name, PyObject *self, PyObject *arg)
{
    PyObject *mod = PyImport_ImportModule("textkern._counting"), *r;
    if (!mod)
        return NULL;
    r = PyObject_CallMethod(mod, name, arg ? "OO" : "O", self, arg);
    Py_DECREF(mod);
    return r;
}

/* A METH_NOARGS method that hands self to a helper in textkern._counting.
 * The views are collections.abc views that iterate through the *_list
 * methods above, so a view costs nothing until used. */
#define COUNTS_HELPER_METHOD(name, helper)                  \
    static PyObject *name(PyObject *self, PyObject *unused) \
    {                                                       \
        (void)unused;                                       \
        return call_helper(helper, self, NULL);             \
    }

COUNTS_HELPER_METHOD(Counts_keys, "_CountsKeysView")
COUNTS_HELPER_METHOD(Counts_values, "_CountsValuesView")
COUNTS_HELPER_METHOD(Counts_items, "_CountsItemsView")
COUNTS_HELPER_METHOD(Counts_to_pandas, "_counts_to_pandas")
COUNTS_HELPER_METHOD(Counts_repr_html, "_counts_repr_html")

static PyObject *Counts_repr(PyObject *self)
{
    const tk_vocab *v = &((CountsObject *)self)->v;
    PyObject *top, *parts = NULL, *inner = NULL, *sep = NULL, *r = NULL;
    PyObject *args = PyTuple_New(0), *kw = Py_BuildValue("{s:i}", "k", 5);
    Py_ssize_t i, n;
    if (!args || !kw) {
        Py_XDECREF(args);
        Py_XDECREF(kw);
        return NULL;
    }
    top = Counts_most_common(self, args, kw);
    Py_DECREF(args);
    Py_DECREF(kw);
    if (!top)
        return NULL;
    n = PyList_GET_SIZE(top);
    parts = PyList_New(0);
    for (i = 0; parts && i < n; i++) {
        PyObject *pair = PyList_GET_ITEM(top, i);
        PyObject *s = PyUnicode_FromFormat("%R: %S", PyTuple_GET_ITEM(pair, 0),
                                           PyTuple_GET_ITEM(pair, 1));
        if (!s || PyList_Append(parts, s) < 0)
            Py_CLEAR(parts);
        Py_XDECREF(s);
    }
    if (parts && (size_t)n < v->n) {
        PyObject *more = PyUnicode_FromString("...");
        if (!more || PyList_Append(parts, more) < 0)
            Py_CLEAR(parts);
        Py_XDECREF(more);
    }
    if (parts && (sep = PyUnicode_FromString(", ")) && (inner = PyUnicode_Join(sep, parts)))
        r = PyUnicode_FromFormat("Counts({%U}, n_terms=%zu, total=%lld)", inner, v->n,
                                 (long long)v->total);
    Py_XDECREF(sep);
    Py_XDECREF(inner);
    Py_XDECREF(parts);
    Py_DECREF(top);
    return r;
}

/* State: (1, terms: bytes, lengths: bytes of little-endian u64, counts: bytes of LE i64). */
static void put_le64(uint8_t *p, uint64_t x)
{
    int i;
    for (i = 0; i < 8; i++)
        p[i] = (uint8_t)(x >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p)
{
    uint64_t x = 0;
    int i;
    for (i = 7; i >= 0; i--)
        x = (x << 8) | p[i];
    return x;
}

static PyObject *vocab_state(const tk_vocab *v, int with_counts)
{
    PyObject *terms, *lens, *counts = NULL, *state = NULL;
    size_t i;
    terms = PyBytes_FromStringAndSize((const char *)v->arena, (Py_ssize_t)v->arena_len);
    lens = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(v->n * 8));
    if (with_counts)
        counts = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(v->n * 8));
    if (terms && lens && (counts || !with_counts)) {
        uint8_t *l = (uint8_t *)PyBytes_AS_STRING(lens);
        for (i = 0; i < v->n; i++)
            put_le64(l + 8 * i, v->terms[i].len);
        if (counts) {
            uint8_t *c = (uint8_t *)PyBytes_AS_STRING(counts);
            for (i = 0; i < v->n; i++)
                put_le64(c + 8 * i, (uint64_t)v->terms[i].count);
            state = Py_BuildValue("(iOOO)", 1, terms, lens, counts);
        } else {
            state = Py_BuildValue("(iOO)", 1, terms, lens);
        }
    }
    Py_XDECREF(terms);
    Py_XDECREF(lens);
    Py_XDECREF(counts);
    return state;
}

/* Rebuild a vocabulary from a state tuple, validating everything. */
static int vocab_from_state(tk_vocab *v, PyObject *state, int with_counts)
{
    PyObject *terms, *lens, *counts = NULL;
    const uint8_t *t, *l, *c = NULL;
    Py_ssize_t tlen, llen;
    size_t n, i, off = 0, bad;
    int rc;
    Py_ssize_t want = with_counts ? 4 : 3;

    if (!PyTuple_Check(state) || PyTuple_GET_SIZE(state) != want
        || !PyLong_Check(PyTuple_GET_ITEM(state, 0))
        || PyLong_AsLong(PyTuple_GET_ITEM(state, 0)) != 1)
        goto corrupt;
    terms = PyTuple_GET_ITEM(state, 1);
    lens = PyTuple_GET_ITEM(state, 2);
    if (with_counts)
        counts = PyTuple_GET_ITEM(state, 3);
    if (!PyBytes_Check(terms) || !PyBytes_Check(lens) || (with_counts && !PyBytes_Check(counts)))
        goto corrupt;
    t = (const uint8_t *)PyBytes_AS_STRING(terms);
    tlen = PyBytes_GET_SIZE(terms);
    l = (const uint8_t *)PyBytes_AS_STRING(lens);
    llen = PyBytes_GET_SIZE(lens);
    if (llen % 8)
        goto corrupt;
    n = (size_t)llen / 8;
    if (with_counts) {
        if (PyBytes_GET_SIZE(counts) != llen)
            goto corrupt;
        c = (const uint8_t *)PyBytes_AS_STRING(counts);
    }
    for (i = 0; i < n; i++) {
        uint64_t len = get_le64(l + 8 * i);
        if (len > (uint64_t)tlen - off)
            goto corrupt;
        off += (size_t)len;
    }
    if (off != (size_t)tlen || tk_utf8_validate(t, (size_t)tlen, &bad) != TK_OK)
        goto corrupt;
    off = 0;
    for (i = 0; i < n; i++) {
        size_t len = (size_t)get_le64(l + 8 * i);
        int64_t count = c ? (int64_t)get_le64(c + 8 * i) : 0;
        size_t before = v->n;
        if (count < 0)
            goto corrupt;
        /* A term split inside a code point would be invalid UTF-8. */
        if (tk_utf8_validate(t + off, len, &bad) != TK_OK)
            goto corrupt;
        rc = tk_vocab_add(v, t + off, len, count, NULL);
        if (rc < 0) {
            tkpy_raise(rc);
            return -1;
        }
        if (v->n == before)   /* duplicate term */
            goto corrupt;
        off += len;
    }
    return 0;
corrupt:
    if (!PyErr_Occurred())
        PyErr_SetString(PyExc_ValueError, "textkern: malformed pickled state");
    return -1;
}

static PyObject *Counts_reduce(PyObject *self, PyObject *unused)
{
    PyObject *mod, *fn, *state, *r;
    (void)unused;
    mod = PyType_GetModuleByDef(Py_TYPE(self), &tkpy_module_def);
    if (!mod)
        return NULL;
    fn = PyObject_GetAttrString(mod, "_counts_from_state");
    if (!fn)
        return NULL;
    state = vocab_state(&((CountsObject *)self)->v, 1);
    if (!state) {
        Py_DECREF(fn);
        return NULL;
    }
    r = Py_BuildValue("(O(O))", fn, state);
    Py_DECREF(fn);
    Py_DECREF(state);
    return r;
}

static PyObject *py_counts_from_state(PyObject *module, PyObject *state)
{
    tkpy_state *st = tkpy_get_state(module);
    CountsObject *self = (CountsObject *)new_counts(st->counts_type);
    if (!self)
        return NULL;
    if (vocab_from_state(&self->v, state, 1) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static PyMethodDef Counts_methods[] = {
    {"keys", Counts_keys, METH_NOARGS,
     "A set-like view of the terms, in order of first appearance (like dict.keys())."},
    {"values", Counts_values, METH_NOARGS, "A view of the counts, in key order."},
    {"items", Counts_items, METH_NOARGS,
     "A set-like view of (term, count) pairs, in key order (like dict.items())."},
    {"_keys_list", Counts_keys_list, METH_NOARGS, "The terms as a new list (built in C)."},
    {"_values_list", Counts_values_list, METH_NOARGS, "The counts as a new list."},
    {"_items_list", Counts_items_list, METH_NOARGS, "The (term, count) pairs as a new list."},
    {"get", (PyCFunction)(void (*)(void))Counts_get, METH_FASTCALL,
     "get(term, default=None): the count of term, or default."},
    {"total", Counts_total, METH_NOARGS, "Sum of all counts."},
    {"most_common", (PyCFunction)(void (*)(void))Counts_most_common,
     METH_VARARGS | METH_KEYWORDS,
     "most_common(k=None): the k most frequent (term, count) pairs; ties are broken "
     "by first appearance."},
    {"to_dict", Counts_to_dict, METH_NOARGS, "A dict {term: count} in first-appearance order."},
    {"to_pandas", Counts_to_pandas, METH_NOARGS,
     "A pandas Series of counts indexed by term, most frequent first (needs pandas)."},
    {"_repr_html_", Counts_repr_html, METH_NOARGS, NULL},
    {"copy", Counts_copy, METH_NOARGS, "A copy of these counts."},
    {"update", (PyCFunction)(void (*)(void))Counts_update, METH_FASTCALL,
     "update(*others): add the counts of Counts, mappings or iterables of terms in place."},
    {"__reduce__", Counts_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot Counts_slots[] = {
    {Py_tp_doc, "Counts(counts=None)\n--\n\n"
                "Term counts stored in C: a read-only Mapping[str, int] in order of first "
                "appearance.\n\nMade by textkern.count(); can also be built from a mapping "
                "or an iterable of terms.  Supports most_common(), total(), +, update(), ==, "
                "pickling, to_dict() and to_pandas()."},
    {Py_tp_new, Counts_new},
    {Py_tp_dealloc, Counts_dealloc},
    {Py_tp_repr, Counts_repr},
    {Py_tp_iter, Counts_iter},
    {Py_tp_richcompare, Counts_richcompare},
    {Py_tp_hash, PyObject_HashNotImplemented},
    {Py_tp_methods, Counts_methods},
    {Py_mp_length, Counts_len},
    {Py_mp_subscript, Counts_getitem},
    {Py_sq_length, Counts_len},
    {Py_sq_contains, Counts_contains},
    {Py_nb_add, Counts_add},
    {0, NULL},
};

static PyType_Spec Counts_spec = {
    .name = "textkern.Counts",
    .basicsize = sizeof(CountsObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Counts_slots,
};

/* ================================================== Vocabulary methods */
static void Vocabulary_dealloc(PyObject *self)
{
    VocabularyObject *v = (VocabularyObject *)self;
    PyTypeObject *tp = Py_TYPE(self);
    tk_free(v->bytes);
    tk_free(v->ends);
    tk_vocab_free(&v->index);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyObject *Vocabulary_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"terms", NULL};
    PyObject *terms, *iter, *item;
    VocabularyObject *self;
    size_t bytes_len = 0, bytes_cap = 0, ends_cap = 0;
    int rc;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:Vocabulary", kwlist, &terms))
        return NULL;
    self = (VocabularyObject *)new_vocabulary(type);
    if (!self)
        return NULL;
    iter = PyObject_GetIter(terms);
    if (!iter) {
        Py_DECREF(self);
        return NULL;
    }
    while ((item = PyIter_Next(iter))) {
        size_t len;
        const uint8_t *s = key_utf8(item, &len);
        if (!s) {
            PyErr_Format(PyExc_TypeError, "vocabulary terms must be str without lone "
                         "surrogates, not %R", item);
            goto fail;
        }
        if ((rc = tk_grow((void **)&self->bytes, &bytes_cap, bytes_len + len, 1)) < 0
            || (rc = tk_grow((void **)&self->ends, &ends_cap, self->n + 1,
                             sizeof *self->ends)) < 0) {
            tkpy_raise(rc);
            goto fail;
        }
        if (len)
            memcpy(self->bytes + bytes_len, s, len);
        bytes_len += len;
        self->ends[self->n++] = bytes_len;
        Py_DECREF(item);
    }
    Py_DECREF(iter);
    if (PyErr_Occurred() || vocabulary_ready(self) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
fail:
    Py_DECREF(item);
    Py_DECREF(iter);
    Py_DECREF(self);
    return NULL;
}

static Py_ssize_t Vocabulary_len(PyObject *self)
{
    return (Py_ssize_t)((VocabularyObject *)self)->n;
}

static long long vocabulary_lookup(VocabularyObject *self, PyObject *key, int *error)
{
    size_t len;
    const uint8_t *s;
    *error = 0;
    if (vocabulary_ready(self) < 0) {
        *error = 1;
        return -1;
    }
    s = key_utf8(key, &len);
    return s ? tk_vocab_find(&self->index, s, len) : -1;
}

static PyObject *Vocabulary_getitem(PyObject *self, PyObject *key)
{
    int error;
    long long id = vocabulary_lookup((VocabularyObject *)self, key, &error);
    if (error)
        return NULL;
    if (id < 0) {
        PyErr_SetObject(PyExc_KeyError, key);
        return NULL;
    }
    return PyLong_FromLongLong(id);
}

static int Vocabulary_contains(PyObject *self, PyObject *key)
{
    int error;
    long long id = vocabulary_lookup((VocabularyObject *)self, key, &error);
    return error ? -1 : id >= 0;
}

static PyObject *vocabulary_str(const VocabularyObject *v, size_t i)
{
    size_t len;
    const uint8_t *t = vocabulary_term(v, i, &len);
    return PyUnicode_DecodeUTF8((const char *)t, (Py_ssize_t)len, "strict");
}

static PyObject *Vocabulary_terms(PyObject *self, PyObject *unused)
{
    const VocabularyObject *v = (VocabularyObject *)self;
    PyObject *list = PyList_New((Py_ssize_t)v->n);
    size_t i;
    (void)unused;
    for (i = 0; list && i < v->n; i++) {
        PyObject *s = vocabulary_str(v, i);
        if (!s) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, s);
    }
    return list;
}

static PyObject *Vocabulary_iter(PyObject *self)
{
    PyObject *keys = Vocabulary_terms(self, NULL), *it;
    if (!keys)
        return NULL;
    it = PyObject_GetIter(keys);
    Py_DECREF(keys);
    return it;
}

static PyObject *Vocabulary_to_dict(PyObject *self, PyObject *unused)
{
    const VocabularyObject *v = (VocabularyObject *)self;
    PyObject *d = PyDict_New();
    size_t i;
    (void)unused;
    for (i = 0; d && i < v->n; i++) {
        PyObject *s = vocabulary_str(v, i), *c = s ? PyLong_FromSize_t(i) : NULL;
        if (!c || PyDict_SetItem(d, s, c) < 0)
            Py_CLEAR(d);
        Py_XDECREF(s);
        Py_XDECREF(c);
    }
    return d;
}

/* State: (1, terms: bytes, lengths: bytes of little-endian u64). */
static PyObject *Vocabulary_reduce(PyObject *self, PyObject *unused)
{
    const VocabularyObject *v = (VocabularyObject *)self;
    PyObject *mod, *fn, *terms, *lens, *r = NULL;
    size_t i;
    (void)unused;
    mod = PyType_GetModuleByDef(Py_TYPE(self), &tkpy_module_def);
    if (!mod)
        return NULL;
    fn = PyObject_GetAttrString(mod, "_vocabulary_from_state");
    terms = PyBytes_FromStringAndSize((const char *)v->bytes,
                                      (Py_ssize_t)(v->n ? v->ends[v->n - 1] : 0));
    lens = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(v->n * 8));
    if (fn && terms && lens) {
        uint8_t *l = (uint8_t *)PyBytes_AS_STRING(lens);
        for (i = 0; i < v->n; i++)
            put_le64(l + 8 * i, v->ends[i] - (i ? v->ends[i - 1] : 0));
        r = Py_BuildValue("(O((iOO)))", fn, 1, terms, lens);
    }
    Py_XDECREF(fn);
    Py_XDECREF(terms);
    Py_XDECREF(lens);
    return r;
}

static PyObject *py_vocabulary_from_state(PyObject *module, PyObject *state)
{
    tkpy_state *st = tkpy_get_state(module);
    VocabularyObject *self;
    const uint8_t *t, *l;
    Py_ssize_t tlen, llen;
    size_t n, i, off = 0, bad;

    if (!PyTuple_Check(state) || PyTuple_GET_SIZE(state) != 3
        || !PyLong_Check(PyTuple_GET_ITEM(state, 0))
        || PyLong_AsLong(PyTuple_GET_ITEM(state, 0)) != 1
        || !PyBytes_Check(PyTuple_GET_ITEM(state, 1))
        || !PyBytes_Check(PyTuple_GET_ITEM(state, 2)))
        goto corrupt;
    t = (const uint8_t *)PyBytes_AS_STRING(PyTuple_GET_ITEM(state, 1));
    tlen = PyBytes_GET_SIZE(PyTuple_GET_ITEM(state, 1));
    l = (const uint8_t *)PyBytes_AS_STRING(PyTuple_GET_ITEM(state, 2));
    llen = PyBytes_GET_SIZE(PyTuple_GET_ITEM(state, 2));
    if (llen % 8)
        goto corrupt;
    n = (size_t)llen / 8;
    for (i = 0; i < n; i++) {
        uint64_t len = get_le64(l + 8 * i);
        if (len > (uint64_t)tlen - off)
            goto corrupt;
        if (tk_utf8_validate(t + off, (size_t)len, &bad) != TK_OK)
            goto corrupt;
        off += (size_t)len;
    }
    if (off != (size_t)tlen)
        goto corrupt;
    self = (VocabularyObject *)new_vocabulary(st->ngram_table_type);
    if (!self)
        return NULL;
    self->bytes = tk_malloc(tlen ? (size_t)tlen : 1);
    self->ends = tk_malloc((n ? n : 1) * sizeof *self->ends);
    if (!self->bytes || !self->ends) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    memcpy(self->bytes, t, (size_t)tlen);
    for (i = 0, off = 0; i < n; i++) {
        off += (size_t)get_le64(l + 8 * i);
        self->ends[i] = off;
    }
    self->n = n;
    if (vocabulary_ready(self) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
corrupt:
    if (!PyErr_Occurred())
        PyErr_SetString(PyExc_ValueError, "textkern: malformed pickled vocabulary state");
    return NULL;
}

static PyObject *Vocabulary_repr(PyObject *self)
{
    return PyUnicode_FromFormat("Vocabulary(n_terms=%zu)", ((VocabularyObject *)self)->n);
}

static PyMethodDef Vocabulary_methods[] = {
    {"terms", Vocabulary_terms, METH_NOARGS, "Terms in column order."},
    {"to_dict", Vocabulary_to_dict, METH_NOARGS, "A dict {term: column}."},
    {"__reduce__", Vocabulary_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot Vocabulary_slots[] = {
    {Py_tp_doc, "Vocabulary(terms)\n--\n\nA fitted vocabulary stored in C: term -> column."},
    {Py_tp_new, Vocabulary_new},
    {Py_tp_dealloc, Vocabulary_dealloc},
    {Py_tp_repr, Vocabulary_repr},
    {Py_tp_iter, Vocabulary_iter},
    {Py_tp_methods, Vocabulary_methods},
    {Py_mp_length, Vocabulary_len},
    {Py_mp_subscript, Vocabulary_getitem},
    {Py_sq_length, Vocabulary_len},
    {Py_sq_contains, Vocabulary_contains},
    {0, NULL},
};

static PyType_Spec Vocabulary_spec = {
    .name = "textkern._core.Vocabulary",
    .basicsize = sizeof(VocabularyObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Vocabulary_slots,
};

/* ============================================================== module */
static PyMethodDef counts_functions[] = {
    {"ngrams", (PyCFunction)(void (*)(void))py_ngrams, METH_VARARGS | METH_KEYWORDS,
     "ngrams(text, tokenizer, analyzer, lo, hi) -> list[str] (use textkern.ngrams)."},
    {"count", (PyCFunction)(void (*)(void))py_count, METH_VARARGS | METH_KEYWORDS,
     "count(docs, tokenizer, analyzer, lo, hi, n_threads=None, input=0) -> Counts "
     "(use textkern.count)."},
    {"fit_matrix", (PyCFunction)(void (*)(void))py_fit_matrix, METH_VARARGS | METH_KEYWORDS,
     "Vectorizer kernel: vocabulary + CSR arrays."},
    {"transform_matrix", (PyCFunction)(void (*)(void))py_transform_matrix,
     METH_VARARGS | METH_KEYWORDS, "Vectorizer kernel: CSR arrays for a fixed vocabulary."},
    {"hash_matrix", (PyCFunction)(void (*)(void))py_hash_matrix, METH_VARARGS | METH_KEYWORDS,
     "Vectorizer kernel: hashed CSR arrays."},
    {"hash_term", py_hash_terms, METH_O, "The 64-bit hash of a term (tk_hash_bytes of UTF-8)."},
    {"_counts_from_state", py_counts_from_state, METH_O, NULL},
    {"_vocabulary_from_state", py_vocabulary_from_state, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

int tkpy_exec_counts(PyObject *module)
{
    tkpy_state *st = tkpy_get_state(module);
    st->counts_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &Counts_spec, NULL);
    if (!st->counts_type)
        return -1;
    st->ngram_table_type =
        (PyTypeObject *)PyType_FromModuleAndSpec(module, &Vocabulary_spec, NULL);
    if (!st->ngram_table_type)
        return -1;
    Py_INCREF(st->counts_type);
    if (PyModule_AddObject(module, "Counts", (PyObject *)st->counts_type) < 0) {
        Py_DECREF(st->counts_type);
        return -1;
    }
    Py_INCREF(st->ngram_table_type);
    if (PyModule_AddObject(module, "Vocabulary", (PyObject *)st->ngram_table_type) < 0) {
        Py_DECREF(st->ngram_table_type);
        return -1;
    }
    return PyModule_AddFunctions(module, counts_functions);
}
