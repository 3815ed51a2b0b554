/*
 * Shared by the counting files of the binding: batch.c runs documents
 * through C threads into an accum; counts.c (count(), Counts),
 * matrix.c (the vectorizer kernels) and vocabulary.c (Vocabulary) read it.
 */
#ifndef TKPY_COUNTING_H
#define TKPY_COUNTING_H

#include "binding.h"

#include "../core/tk_count.h"
#include "../core/tk_csr.h"
#include "../core/tk_termrun.h"

/* The job modes are the core's enum tk_count_mode (count() is
 * TK_COUNT_TERMS, fit TK_COUNT_ROWS, transform TK_COUNT_FIXED, the
 * hashing vectorizer TK_COUNT_HASHED). */

/* What an input item is: raw text, or an already analyzed list of str. */
enum input_kind { INPUT_TEXT = 0, INPUT_FEATURES = 1, INPUT_TOKENS = 2 };

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

typedef struct doc_in {
    const uint8_t *data;
    size_t len;
    const tkpy_text *text;  /* raw text input: encoded by the worker (deferred str) */
    size_t first_end;      /* index into the batch's ends array (pre-analyzed input) */
    size_t n_terms;
} doc_in;

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
    tk_term_run run;          /* FIT: the chunk's terms, sorted and packed */
    uint32_t *map;         /* FIT: run position -> global (sorted) index */
} segment;

struct worker_state;

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
    size_t n_bytes;                /* their size (tkpy_text_size) */
    struct worker_state *workers;  /* private to batch.c */
    size_t n_workers;
    PyObject *progress;            /* callable(done_docs, total_docs) or NULL */
    int want_stats;                /* FIT: keep term and document frequencies (pruning) */
    int surrogate_error;           /* a worker met a lone surrogate under "strict" */
    Py_ssize_t progress_total;     /* documents expected; 0 = unknown */
} accum;


/* Pickled states store lengths and counts as little-endian 64-bit. */
static inline void tkpy_put_le64(uint8_t *p, uint64_t x)
{
    int i;
    for (i = 0; i < 8; i++)
        p[i] = (uint8_t)(x >> (8 * i));
}

static inline uint64_t tkpy_get_le64(const uint8_t *p)
{
    uint64_t x = 0;
    int i;
    for (i = 7; i >= 0; i--)
        x = (x << 8) | p[i];
    return x;
}


/* batch.c: set up an accum for one call, feed it every document of obj
 * (one text or an iterable), and free it. */
int tkpy_accum_setup(accum *acc, int mode, PyObject *tokenizer, PyObject *analyzer,
                     Py_ssize_t lo, Py_ssize_t hi, int input);
int tkpy_accum_feed(accum *acc, PyObject *obj, int n_threads, PyObject *progress);
void tkpy_accum_free(accum *acc);
void tkpy_segment_free(segment *s);
/* Give memory freed by worker threads back to the system, for a call that
 * has read acc_bytes of input: a large call's phases then do not add up in
 * the peak.  Below TKPY_TRIM_MIN_BYTES it does nothing, since trimming cost
 * about 0.1 ms (a third of a 10-article fit, more once the next call
 * faults the pages back in) to save a few MB. */
void tkpy_release_free_memory(size_t acc_bytes);
#define TKPY_TRIM_MIN_BYTES ((size_t)4 << 20)

/* counts.c: the UTF-8 of a str key; NULL with no exception set when key is
 * not a str (or cannot be a stored term). */
const uint8_t *tkpy_key_utf8(PyObject *key, size_t *len);

/* vocabulary.c */
PyObject *tkpy_vocabulary_new(PyTypeObject *type);
const uint8_t *tkpy_vocabulary_term(const VocabularyObject *self, size_t i, size_t *len);
/* Build the lookup index, raising ValueError for a duplicate term. */
int tkpy_vocabulary_ready(VocabularyObject *self);

#endif
