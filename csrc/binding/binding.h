/*
 * Shared declarations for the CPython binding (textkern._core).
 *
 * One file per Python-facing area:
 *   module.c    module definition, multi-phase init, module state
 *   common.c    text conversion, error mapping, GIL-released thread jobs
 *   tokenize.c  segment(), tokenize(), Tokenizer
 *   batch.c     documents, in batches, to the core's counting engine on C threads
 *   counts.c    ngrams(), count(), Counts
 *   vocabulary.c the Vocabulary type (a fitted vocabulary)
 *   matrix.c    fit_matrix(), transform_matrix(), hash_matrix() for the vectorizers
 *   (counting.h declares what these four share)
 *   ncd.c       compressed_size(), ncd(), ncd_matrix(), nearest()
 */
#ifndef TKPY_BINDING_H
#define TKPY_BINDING_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "../core/tk_core.h"
#include "../core/tk_tokenize.h"

/*
 * Process-wide (per module) cache from short token bytes to the str
 * object made for them.  Natural-language vocabularies are Zipfian, so
 * across documents most tokens hit; this removes most str allocations
 * from tokenize(), batch() and Counts -> Python conversions.  Only used
 * with the GIL held.
 */
#define TKPY_STR_CACHE_SIZE 65536
#define TKPY_STR_CACHE_MAX_LEN 24
typedef struct tkpy_str_cache_entry {
    uint64_t hash;
    uint32_t len;
    uint8_t bytes[TKPY_STR_CACHE_MAX_LEN];
    PyObject *str;            /* strong reference, or NULL */
} tkpy_str_cache_entry;

typedef struct tkpy_state {
    PyTypeObject *tokenizer_type;
    PyTypeObject *counts_type;
    PyTypeObject *ngram_table_type;   /* reserved for vectorizer state */
    /* Default tokenizer options, created once. */
    PyObject *default_case;
    PyObject *default_normalize;
    PyObject *default_kinds;
    PyObject *default_min_len;
    tkpy_str_cache_entry *str_cache;   /* TKPY_STR_CACHE_SIZE entries */
} tkpy_state;

extern PyModuleDef tkpy_module_def;

static inline tkpy_state *tkpy_get_state(PyObject *module)
{
    return (tkpy_state *)PyModule_GetState(module);
}

/* State of the module that defined `type` (works for our heap types). */
tkpy_state *tkpy_state_from_type(PyTypeObject *type);

/* ------------------------------------------------------------ text input */
typedef struct tkpy_text {
    const uint8_t *data;     /* valid UTF-8, len bytes */
    size_t len;
    uint8_t *owned;          /* tk_malloc'd copy backing data, or NULL */
    PyObject *keep;          /* strong ref keeping data alive, or NULL */
    int is_bytes;            /* input was bytes-like (offsets are bytes) */
    /* Deferred: a non-ASCII str (held by keep) whose UTF-8 a worker makes
     * with tkpy_text_encode; data is NULL until then. */
    const void *ucs;         /* PyUnicode_DATA: immutable while keep lives */
    size_t n_chars;
    int ucs_kind;            /* 1, 2 or 4 bytes per character; 0: not deferred */
} tkpy_text;

/*
 * Convert str or a bytes-like object to valid UTF-8 under `errors`
 * (enum tk_utf8_errors).  index >= 0 names the item's position in a
 * corpus for error messages.  Returns 0, or -1 with an exception set.
 */
int tkpy_text_from_object(PyObject *obj, int errors, Py_ssize_t index, tkpy_text *out);
/* PyObject_GetBuffer(PyBUF_SIMPLE) of a bytes-like text; a buffer that is
 * not one contiguous run is a TypeError naming item index (if >= 0). */
int tkpy_get_text_buffer(PyObject *obj, Py_ssize_t index, Py_buffer *view);
/* The same, for a caller without an errors= option to suggest: remedy is
 * the advice that ends an invalid-text ValueError. */
/* A hint to end "expected str or bytes" with when obj is None or NaN,
 * else "". */
const char *tkpy_missing_value_hint(PyObject *obj);
int tkpy_text_from_object_advising(PyObject *obj, int errors, Py_ssize_t index,
                                   const char *remedy, tkpy_text *out);
void tkpy_text_release(tkpy_text *t);
/*
 * Like tkpy_text_from_object, but a non-ASCII str is not encoded yet: a C
 * thread encodes it with tkpy_text_encode when it gets to it, so that a
 * corpus is never held as UTF-8 all at once.
 */
int tkpy_text_from_object_deferred(PyObject *obj, int errors, Py_ssize_t index,
                                   tkpy_text *out);
/*
 * Without the GIL: the UTF-8 of t under `errors`, in *buf (grown as
 * needed) for a deferred text, else t's own data.  A lone surrogate is one
 * unit, as in tkpy_text_from_object: U+FFFD under "replace", dropped
 * under "ignore", TK_ESURROGATE under "strict" (tkpy_text_from_object on
 * the str then gives the message).  A huge str is encoded a slice at a
 * time, and TK_ECANCELLED returned once *cancel (if not NULL) is set.
 */
int tkpy_text_encode(const tkpy_text *t, int errors, uint8_t **buf, size_t *cap,
                     const uint8_t **data, size_t *len, const int *cancel);

/*
 * A worker met a lone surrogate while encoding one of texts[0..n): raise
 * the error that converting the first such text in order gives (naming
 * the item, first_index + i, and the str index), whichever thread met one
 * first.  first_index is -1 for a single text.
 */
void tkpy_raise_first_surrogate(const tkpy_text *texts, size_t n, Py_ssize_t first_index,
                                int errors);
/*
 * The items of obj (any iterable) as a list or tuple that no other code
 * holds, so that Python code run while reading them (a progress callback,
 * an item's __buffer__, another thread) cannot change their number.  A
 * new reference, or NULL with an exception: not_iterable is the TypeError
 * message for an object that cannot be iterated, and exceptions raised by
 * the iteration itself pass unchanged.
 */
PyObject *tkpy_sequence_snapshot(PyObject *obj, const char *not_iterable);

/*
 * A list of n empty slots for the caller to fill with PyList_SET_ITEM,
 * kept out of the cyclic GC (and so out of gc.get_objects()) until
 * tkpy_list_filled: Python code that runs while it fills (a collection's
 * finalizers or callbacks, a signal handler, a progress callback) must
 * not find its empty slots.  Either may be given NULL (after a failure)
 * and pass it on; a list dropped half-filled is freed as usual.
 */
PyObject *tkpy_list_to_fill(Py_ssize_t n);
PyObject *tkpy_list_filled(PyObject *list);

/*
 * Whether obj can be iterated at all (iter() would not refuse it), without
 * running any of its code: a caller can then name the type in its own
 * TypeError and let the exceptions of an actual iteration pass unchanged.
 */
int tkpy_can_iterate(PyObject *obj);

/*
 * Reading a batch stopped with an exception at the item after texts[0..n):
 * if one of those texts, read but not yet encoded, holds a lone surrogate
 * under "strict", that is the error a one-by-one run meets first, so it
 * replaces the pending exception (the same error for every thread count).
 */
void tkpy_prefer_earlier_surrogate(const tkpy_text *texts, size_t n, Py_ssize_t first_index,
                                   int errors);

/* Bytes a text occupies now (its UTF-8, or a deferred str's storage), for
 * sizing batches. */
static inline size_t tkpy_text_size(const tkpy_text *t)
{
    return t->ucs_kind ? t->n_chars * (size_t)t->ucs_kind : t->len;
}
/* Parse "strict"/"replace"/"ignore"; -1 with ValueError on anything else. */
int tkpy_parse_errors(PyObject *obj, int *errors);

/*
 * A new str from bytes that are well-formed UTF-8: text the core produced
 * from validated input, or terms checked when a pickle was loaded.  One
 * allocation of the final layout; never use it on unchecked bytes.
 */
PyObject *tkpy_str_from_valid_utf8(const uint8_t *bytes, size_t len);
/*
 * The same, from the str cache when possible, where hash is
 * tk_hash_bytes(bytes, len).  st may be NULL (no cache).
 */
PyObject *tkpy_str_from_utf8_hashed(tkpy_state *st, const uint8_t *bytes, size_t len,
                                    uint64_t hash);
void tkpy_str_cache_clear(tkpy_state *st);

/* Hint that the cache entry for hash is about to be looked up. */
TK_PREFETCH_HELPER void tkpy_str_cache_prefetch(tkpy_state *st, uint64_t hash)
{
    if (st && st->str_cache)
        tk_prefetch(&st->str_cache[hash & (TKPY_STR_CACHE_SIZE - 1)]);
}

/* Second step, once the entry is cached: fetch the header of the str it
 * holds, whose reference count the lookup changes (a hit increments it;
 * a miss replaces the entry and decrements it). */
TK_PREFETCH_HELPER void tkpy_str_cache_prefetch_str(tkpy_state *st, uint64_t hash)
{
    if (st && st->str_cache) {
        PyObject *str = st->str_cache[hash & (TKPY_STR_CACHE_SIZE - 1)].str;
        if (str)
            tk_prefetch(str);
    }
}

/* Set a Python exception for a negative core code; returns NULL. */
PyObject *tkpy_raise(int code);

/*
 * Run a core job with the GIL released on n_threads C threads, checking
 * for Ctrl-C (and calling progress(done, total) when given) about every
 * 100 ms.  Returns 0, or -1 with an exception set.
 */
int tkpy_run_job(tk_job *job, int n_threads, PyObject *progress);
/* tkpy_run_job with no progress and opts.work_bytes = work_bytes. */
int tkpy_run_sized_job(tk_job *job, int n_threads, size_t work_bytes);

/*
 * Call progress(done, total) unless the previous call was under 0.09 s
 * ago (*next_report, 0 at first, keeps that time across calls); a last
 * report always goes out.  So a bar moves about ten times a second, also
 * when polls come 0.1 s apart.  Returns 0, or -1 with an exception set.
 */
int tkpy_progress_report(PyObject *progress, Py_ssize_t done, Py_ssize_t total, int last,
                         double *next_report);

/* What tkpy_run_job_ex reports to and runs while the workers work. */
typedef struct tkpy_job_opts {
    PyObject *progress;        /* callable(done, total), or NULL/None */
    size_t done_before;        /* units finished by earlier jobs of one call */
    Py_ssize_t total;          /* reported total; < 0: the job's n_items; 0: unknown */
    /* Called with the GIL held on every poll (job->poll_ms apart), e.g. to
     * turn finished results into Python objects while the workers go on.
     * Returns 0, or -1 with an exception set, which cancels the job. */
    int (*with_gil)(void *ctx);
    void *with_gil_ctx;
    /* Kept across the jobs of one call so that progress stays ~10/s: the
     * monotonic time before which progress is not called again (0 at first). */
    double next_report;
    /* About how many bytes the job reads, or 0 (unknown, or the user
     * chose n_threads: see tkpy_auto_work).  Below TKPY_INLINE_JOB_BYTES,
     * with no progress or with_gil to serve, the job runs on the calling
     * thread (GIL released) instead of on started threads: starting and
     * joining them cost more than such a job (count() of one short text
     * took 50 us, 18x Counter(re.findall)), and it ends too soon for a
     * Ctrl-C check to matter. */
    size_t work_bytes;
} tkpy_job_opts;

#define TKPY_INLINE_JOB_BYTES ((size_t)32 << 10)

/* The work_bytes of a job whose thread count the user gave as requested:
 * only n_threads=None (0) lets a small job stay on the calling thread; an
 * explicit count is honoured, however small the job. */
static inline size_t tkpy_auto_work(int requested, size_t work_bytes)
{
    return requested <= 0 ? (work_bytes ? work_bytes : 1) : 0;
}

/* Whether a job of work_bytes (as in tkpy_job_opts) with this progress
 * argument runs on the calling thread; callers that size their work for
 * a thread count ask first. */
static inline int tkpy_small_job(size_t work_bytes, PyObject *progress)
{
    return work_bytes && work_bytes < TKPY_INLINE_JOB_BYTES
           && !(progress && progress != Py_None);
}

/* tkpy_run_job with every option; progress is called at most ~10 times a
 * second and once at the end. */
int tkpy_run_job_ex(tk_job *job, int n_threads, tkpy_job_opts *opts);

/* From this size up, one text's C work runs as a job, so that Ctrl-C can
 * stop it; below it, starting a thread would cost more than waiting. */
#define TKPY_INTERRUPTIBLE_BYTES ((size_t)1 << 20)

/*
 * Run work(ctx), which touches C buffers only, on a text of text_bytes with
 * the GIL released.  A text of TKPY_INTERRUPTIBLE_BYTES or more runs as a
 * one-item job whose calling thread watches for Ctrl-C and then sets
 * *cancel, which work() must read (through a scratch's cancel pointer, say).
 * Returns 0, or -1 with an exception set.
 */
typedef int (*tkpy_unlocked_fn)(void *ctx);
int tkpy_run_unlocked(tkpy_unlocked_fn work, void *ctx, size_t text_bytes, int *cancel);

/* Parse n_threads=None|int into an int (0 = all cores). */
int tkpy_parse_threads(PyObject *obj, int *n_threads);

/* ------------------------------------------------------- tokenizer config */
#include "../core/tk_tokenize.h"

/* Tokenizer options, parsed once (tokenize.c) and shared with the counting engine, batch.c. */
typedef struct tkpy_tokconf {
    tk_tokenizer_opts opts;
    tk_stopwords *stopwords;   /* NULL when no stopwords */
    int errors;                /* enum tk_utf8_errors */
} tkpy_tokconf;

/*
 * Borrow the configuration of a textkern.Tokenizer instance.  Returns
 * NULL with TypeError set if obj is not a Tokenizer.  The pointer stays
 * valid while obj is alive (hold a reference across GIL releases).
 */
const tkpy_tokconf *tkpy_tokenizer_conf(PyObject *obj);

/* Area initializers called from the module's exec slot. */
int tkpy_exec_tokenize(PyObject *module);
int tkpy_exec_counts(PyObject *module);
int tkpy_exec_vocabulary(PyObject *module);
int tkpy_exec_matrix(PyObject *module);
int tkpy_exec_ncd(PyObject *module);
/* Test-only hooks (testing.c); adds nothing unless built with TK_ALLOC_FAULTS. */
int tkpy_exec_testing(PyObject *module);

#endif
