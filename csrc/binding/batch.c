/*
 * The engine behind count() and the vectorizer kernels: Python input in,
 * documents out to C threads.  The counting itself is the core's
 * (tk_count.h, and tk_termrun.h for a fit's merge).
 *
 * Documents are consumed from any iterable in batches.  Each batch runs
 * on C threads with the GIL released: a chunk of documents counts into
 * its own vocabulary, and chunks are merged into the global vocabulary
 * strictly in chunk order (by whichever worker finishes the next chunk
 * in line), so ids - first appearance - and matrices do not depend on
 * the number of threads or on chunk boundaries.
 */
#include "counting.h"

#include <pthread.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/* Batches bound the memory held for documents of a generator. */
#define BATCH_MAX_DOCS 65536
#define BATCH_MAX_BYTES ((size_t)64 << 20)

typedef struct chunk_out {
    tk_count_chunk counts;  /* the chunk's vocabulary (COUNT / FIT) and rows */
    size_t *row_nnz;       /* entries per document */
    tk_term_run run;       /* FIT: filled when the chunk is done */
    int done;
} chunk_out;

typedef struct worker_state {
    tk_count_scratch scratch;
    /* FIT: the emptied vocabulary of this worker's last chunk, whose
     * buffers the next chunk counts into.  A fresh hash table per chunk
     * cost a page fault per page, and handing each one back to the system
     * (malloc_trim) stalled the other worker's arena: 10-15% of a 2-thread
     * fit. */
    tk_vocab spare;
    uint8_t *utf8;         /* the current document's UTF-8, if it was a deferred str */
    size_t utf8_cap;
} worker_state;

typedef struct batch_job {
    accum *acc;
    doc_in *docs;
    const size_t *ends;            /* pre-analyzed input: term ends */
    size_t n_docs;
    size_t doc_base;               /* global index of docs[0] */
    size_t *bounds;                /* chunk c is docs [bounds[c], bounds[c + 1]) */
    chunk_out *chunks;
    size_t n_chunks;
    pthread_mutex_t lock;
    size_t next_merge;
    int merging;
    int cancel;                    /* set (atomically) when Ctrl-C arrives */
    tk_count_opts opts;            /* how every chunk counts (opts.cancel = &cancel) */
    size_t docs_done;              /* for progress: documents finished */
    size_t chunks_started;         /* atomic */
} batch_job;

static void worker_state_free(worker_state *ws)
{
    tk_count_scratch_free(&ws->scratch);
    tk_vocab_free(&ws->spare);
    tk_free(ws->utf8);
    memset(ws, 0, sizeof *ws);
}

void tkpy_segment_free(segment *s)
{
    tk_free(s->entries);
    tk_free(s->row_nnz);
    tk_term_run_free(&s->run);
    tk_free(s->map);
    memset(s, 0, sizeof *s);
}

void tkpy_accum_free(accum *acc)
{
    size_t i;
    tk_vocab_free(&acc->global);
    for (i = 0; i < acc->n_segs; i++)
        tkpy_segment_free(&acc->segs[i]);
    tk_free(acc->segs);
    for (i = 0; i < acc->n_workers; i++)
        worker_state_free(&acc->workers[i]);
    tk_free(acc->workers);
    memset(acc, 0, sizeof *acc);
}

/* Document i, the (i - first)-th of its chunk. */
static int process_doc(batch_job *job, chunk_out *out, worker_state *ws, size_t i, size_t first)
{
    accum *acc = job->acc;
    const doc_in *doc = &job->docs[i];
    tk_count_chunk *counts = &out->counts;
    size_t start = counts->n_entries;
    tk_count_doc where;
    int rc;

    where.stamp = job->doc_base + i + 1;
    where.mark = (uint32_t)(i - first + 1);
    if (acc->input == INPUT_TEXT) {
        const uint8_t *data;
        size_t len;
        rc = tkpy_text_encode(doc->text, acc->conf->errors, &ws->utf8, &ws->utf8_cap, &data,
                              &len, &job->cancel);
        if (rc == TK_ESURROGATE)
            __atomic_store_n(&acc->surrogate_error, 1, __ATOMIC_RELAXED);
        if (rc == TK_OK)
            rc = tk_count_text(&job->opts, &ws->scratch, counts, where, data, len);
    } else {
        /* ends are relative to this document's data */
        rc = tk_count_terms(&job->opts, &ws->scratch, counts, where, doc->data,
                            job->ends + doc->first_end, doc->n_terms,
                            acc->input == INPUT_TOKENS);
    }
    if (rc < 0)
        return rc;
    if (acc->mode != TK_COUNT_TERMS)
        out->row_nnz[i - first] = counts->n_entries - start;
    return TK_OK;
}

static int merge_chunk(batch_job *job, size_t c)
{
    accum *acc = job->acc;
    chunk_out *out = &job->chunks[c];
    size_t n_docs = job->bounds[c + 1] - job->bounds[c];
    segment *seg;
    int rc = TK_OK;

    if (acc->mode == TK_COUNT_TERMS && acc->global.n == 0) {
        /* The first chunk's vocabulary becomes the global one: ids stay. */
        tk_vocab_free(&acc->global);
        acc->global = out->counts.vocab;
        tk_vocab_init(&out->counts.vocab);
        return TK_OK;
    } else if (acc->mode == TK_COUNT_TERMS) {
        rc = tk_vocab_merge(&acc->global, &out->counts.vocab, NULL);
        tk_vocab_free(&out->counts.vocab);
        return rc;
    }
    rc = tk_grow((void **)&acc->segs, &acc->segs_cap, acc->n_segs + 1, sizeof *acc->segs);
    if (rc < 0)
        return rc;
    seg = &acc->segs[acc->n_segs++];
    memset(seg, 0, sizeof *seg);
    seg->entries = out->counts.entries;
    seg->n_entries = out->counts.n_entries;
    seg->row_nnz = out->row_nnz;
    seg->n_docs = n_docs;
    seg->run = out->run;
    memset(&out->run, 0, sizeof out->run);
    out->counts.entries = NULL;
    out->row_nnz = NULL;
    return TK_OK;
}

/* FIT, in the worker: the chunk's terms become a sorted run (tk_count.h),
 * and its emptied vocabulary goes back to the worker for the next chunk,
 * if any chunk is left to start.  Else it is freed at once: a worker done
 * early kept 10-25 MB of idle hash table while the other packed the last
 * chunk, when the fit's memory peaks. */
static int finish_fit_chunk(batch_job *job, chunk_out *out, worker_state *ws, int want_stats)
{
    int rc = tk_count_chunk_pack(&out->counts, want_stats, &out->run);
    if (rc == TK_OK) {
        tk_vocab_free(&ws->spare);
        if (__atomic_load_n(&job->chunks_started, __ATOMIC_ACQUIRE) < job->n_chunks)
            ws->spare = out->counts.vocab;
        else
            tk_vocab_free(&out->counts.vocab);
        tk_vocab_init(&out->counts.vocab);
    }
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

/* The chunk that starts at document begin. */
static size_t chunk_at(const batch_job *job, size_t begin)
{
    size_t lo = 0, hi = job->n_chunks - 1;
    while (lo < hi) {
        size_t mid = (lo + hi + 1) / 2;
        if (job->bounds[mid] <= begin)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

static int run_chunk(void *ctx, size_t begin, size_t end, int worker)
{
    batch_job *job = ctx;
    accum *acc = job->acc;
    size_t c = chunk_at(job, begin), i;
    chunk_out *out = &job->chunks[c];
    worker_state *ws = &acc->workers[worker];
    int rc;

    __atomic_fetch_add(&job->chunks_started, 1, __ATOMIC_ACQ_REL);
    if (acc->mode != TK_COUNT_TERMS) {
        out->row_nnz = tk_calloc(end - begin, sizeof *out->row_nnz);
        if (!out->row_nnz)
            return TK_ENOMEM;
    }
    if (acc->mode == TK_COUNT_ROWS) {
        tk_vocab_free(&out->counts.vocab);
        out->counts.vocab = ws->spare;
        tk_vocab_init(&ws->spare);
    }
    for (i = begin; i < end; i++) {
        if ((rc = process_doc(job, out, ws, i, begin)) < 0)
            return rc;
        /* Per document, so that a single-threaded batch (one chunk) still
         * moves the bar; skipped when nobody watches. */
        if (acc->progress)
            __atomic_fetch_add(&job->docs_done, 1, __ATOMIC_RELAXED);
    }
    if (acc->mode == TK_COUNT_ROWS
        && (rc = finish_fit_chunk(job, out, ws, acc->want_stats)) < 0)
        return rc;
    return finish_chunk(job, c);
}

static void batch_chunks_free(batch_job *job)
{
    size_t i;
    for (i = 0; i < job->n_chunks; i++) {
        tk_count_chunk_free(&job->chunks[i].counts);
        tk_free(job->chunks[i].row_nnz);
        tk_term_run_free(&job->chunks[i].run);
    }
    tk_free(job->chunks);
    tk_free(job->bounds);
    job->chunks = NULL;
    job->bounds = NULL;
}

/* What a document costs to count, roughly: its size as stored. */
static size_t doc_weight(const doc_in *doc, int input)
{
    return 1 + (input == INPUT_TEXT ? tkpy_text_size(doc->text) : doc->n_terms);
}

/*
 * Cut job's documents into up to `wanted` chunks (job->bounds,
 * job->n_chunks), by weight rather than by count: chunks of equal document
 * counts of the benchmark corpus took 20 to 45 ms each to count, so one
 * thread often ran the last chunk alone.  With taper, chunk c gets a share
 * that falls as wanted - c: count() merges each chunk into the global
 * vocabulary in order, and a small last chunk ends the call soon after
 * the other threads' work, with a short merge (2-thread count() of the
 * corpus: the two threads finished 3-7 ms apart instead of 8-25).  A
 * document is never split, so one that outweighs a chunk makes the chunks
 * fewer.  Results do not depend on the cut.
 */
static int plan_chunks(batch_job *job, int input, size_t wanted, int taper)
{
    size_t i, k = 0, n = job->n_docs, crossed = 0;
    double total = 0, so_far = 0, all;
    if (wanted > n)
        wanted = n;
    if (wanted == 0)
        wanted = 1;
    job->bounds = tk_malloc((wanted + 1) * sizeof *job->bounds);
    if (!job->bounds)
        return -1;
    job->bounds[0] = 0;
    if (wanted > 1)
        for (i = 0; i < n; i++)
            total += (double)doc_weight(&job->docs[i], input);
    /* the shares' sum: wanted + (wanted - 1) + ... + 1, or wanted ones */
    all = taper ? (double)wanted * (double)(wanted + 1) / 2 : (double)wanted;
    for (i = 0; wanted > 1 && i + 1 < n; i++) {
        so_far += (double)doc_weight(&job->docs[i], input);
        /* Chunk crossed + 1 starts once the first crossed + 1 shares are
         * used up; the share of chunk c is wanted - c (or 1). */
        for (;;) {
            double c1 = (double)(crossed + 1);
            double shares = taper ? c1 * (double)wanted - c1 * (c1 - 1) / 2 : c1;
            if (crossed + 1 >= wanted || so_far < total * shares / all)
                break;
            crossed++;
            if (job->bounds[k] != i + 1)
                job->bounds[++k] = i + 1;
        }
    }
    job->bounds[++k] = n;
    job->n_chunks = k;
    return 0;
}

/* Run one batch of about n_bytes bytes (GIL held on entry and exit). */
static int run_batch(accum *acc, doc_in *docs, const size_t *ends, size_t n_docs,
                     size_t n_bytes, int n_threads)
{
    batch_job job;
    tk_job tj;
    int threads = tk_resolve_threads(n_threads, n_docs), rc;
    size_t i, work_bytes = tkpy_auto_work(n_threads, n_bytes);

    if (n_docs == 0)
        return 0;
    /* A batch small enough to run inline (tkpy_job_opts) is one chunk. */
    if (tkpy_small_job(work_bytes, acc->progress))
        threads = 1;
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
    job.opts.mode = acc->mode;
    job.opts.ng = acc->ng;
    job.opts.tok = acc->conf ? &acc->conf->opts : NULL;
    job.opts.stopwords = acc->conf ? acc->conf->stopwords : NULL;
    job.opts.fixed = acc->fixed;
    job.opts.n_features = acc->n_features;
    job.opts.alternate_sign = acc->alternate_sign;
    job.opts.cancel = &job.cancel;
    /* A few chunks per thread: enough to balance uneven documents, few
     * enough that chunk vocabularies repeat few terms (they are merged, and
     * for fit they are all kept until the end).  For fit, six gave the
     * lowest peak (the live chunk hash tables shrink faster than the packed
     * runs repeat terms: +72 MB with four, +64 with six or eight on the
     * (1, 2)-gram benchmark) at the same speed; count merges every chunk
     * into the global vocabulary serially, so it takes fewer, larger
     * chunks. */
    {
        size_t per_thread = acc->mode == TK_COUNT_TERMS ? 2 : 6;
        if (plan_chunks(&job, acc->input, threads > 1 ? (size_t)threads * per_thread : 1,
                        acc->mode == TK_COUNT_TERMS)
            < 0) {
            PyErr_NoMemory();
            return -1;
        }
    }
    job.chunks = tk_calloc(job.n_chunks, sizeof *job.chunks);
    if (!job.chunks) {
        tk_free(job.bounds);
        PyErr_NoMemory();
        return -1;
    }
    for (i = 0; i < job.n_chunks; i++)
        tk_vocab_init(&job.chunks[i].counts.vocab);
    if ((rc = tk_mutex_init(&job.lock)) < 0) {
        batch_chunks_free(&job);
        tkpy_raise(rc);
        return -1;
    }
    memset(&tj, 0, sizeof tj);
    tj.n_items = n_docs;
    tj.bounds = job.bounds;
    tj.n_chunks = job.n_chunks;
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
        opts.work_bytes = work_bytes;
        rc = tkpy_run_job_ex(&tj, threads, &opts);
    }
    pthread_mutex_destroy(&job.lock);
    /* The spare vocabularies must not outlive the counting: the phases
     * after it have their own peak. */
    for (i = 0; i < acc->n_workers; i++)
        tk_vocab_free(&acc->workers[i].spare);
    if (rc == 0 && job.next_merge != job.n_chunks) {
        PyErr_SetString(PyExc_RuntimeError, "textkern: internal error: unmerged chunks");
        rc = -1;
    }
    batch_chunks_free(&job);
    if (rc < 0)
        return -1;
    acc->n_docs += n_docs;
    acc->n_bytes += n_bytes;
    return 0;
}

/*
 * Hand memory freed by finished phases back to the system.  Worker
 * threads allocate from their own malloc arenas, which the calling thread
 * cannot reuse, so without this the peak of one phase adds to the next.
 */
void tkpy_release_free_memory(size_t acc_bytes)
{
#ifdef __GLIBC__
    if (acc_bytes >= TKPY_TRIM_MIN_BYTES)
        malloc_trim(0);
#else
    (void)acc_bytes;
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
    PyObject *seq;
    Py_ssize_t k, n;
    size_t start = b->bytes_len;
    int rc;
    /* Only a result that cannot be iterated gets this message: iterating
     * one (a generator) runs the user's code, whose own exceptions, a
     * KeyboardInterrupt among them, must pass unchanged. */
    if (!tkpy_can_iterate(item)) {
        PyErr_Format(PyExc_TypeError,
                     "item %zd: the analyzer must return a list of str, not %.100s", index,
                     Py_TYPE(item)->tp_name);
        return -1;
    }
    seq = PySequence_Fast(item, "");
    if (!seq)
        return -1;
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
    rc = run_batch(acc, b->docs, b->ends, b->n, b->total_bytes, n_threads);
    if (rc < 0 && acc->surrogate_error)
        tkpy_raise_first_surrogate(b->texts, b->n, first_index, acc->conf->errors);
    batch_in_clear(b);
    return rc;
}

/*
 * Feed every document of obj (one str/bytes, or an iterable) to acc,
 * reporting documents to progress (callable(done, total) or None/NULL).
 */
int tkpy_accum_feed(accum *acc, PyObject *obj, int n_threads, PyObject *progress)
{
    batch_in b;
    PyObject *iter = NULL, *item;
    Py_ssize_t index = 0;
    int errors = acc->conf ? acc->conf->errors : TK_UTF8_STRICT, rc = -1, read_failed = 0;

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
        if (r < 0) {
            read_failed = 1;
            goto cleanup;
        }
        index++;
        if ((b.n >= BATCH_MAX_DOCS || b.total_bytes >= BATCH_MAX_BYTES)
            && batch_run(acc, &b, n_threads, index - (Py_ssize_t)b.n) < 0)
            goto cleanup;
    }
    if (PyErr_Occurred()) {
        read_failed = 1;
        goto cleanup;
    }
    rc = batch_run(acc, &b, n_threads, index - (Py_ssize_t)b.n);
cleanup:
    /* The documents read before the failure come first, as one by one. */
    if (read_failed && b.texts)
        tkpy_prefer_earlier_surrogate(b.texts, b.n, index - (Py_ssize_t)b.n, errors);
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
int tkpy_accum_setup(accum *acc, int mode, PyObject *tokenizer, PyObject *analyzer,
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
