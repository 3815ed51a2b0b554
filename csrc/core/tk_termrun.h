/*
 * Term runs: a finished vocabulary packed in sorted order, and the k-way
 * merge of many runs into one sorted list of distinct terms.
 *
 * A vectorizer fit counts each chunk of documents into its own tk_vocab,
 * packs it into a run (about a third of the hash table's memory, read
 * sequentially afterwards), and merges all runs once at the end.  Since
 * the result is sorted, the order of the runs does not matter, and the
 * merge can run in parallel over ranges of the term space.
 */
#ifndef TK_TERMRUN_H
#define TK_TERMRUN_H

#include "tk_vocab.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every TK_RUN_SAMPLE-th term's byte offset is kept, for binary search. */
#define TK_RUN_SAMPLE 64

/* A run's bytes are followed by this many readable bytes, so that the
 * merge reads and copies a term's first 16 bytes in fixed-size moves. */
#define TK_RUN_PAD 16

typedef struct tk_term_run {
    uint8_t *bytes;          /* the terms, sorted, back to back (+ TK_RUN_PAD) */
    uint32_t *lens;
    uint32_t *counts;        /* term frequencies; NULL without stats */
    uint32_t *df;            /* document frequencies, filled by the caller; NULL without stats */
    size_t *samples;         /* byte offset of term k * TK_RUN_SAMPLE */
    size_t n;
} tk_term_run;

/*
 * Pack v's terms into run in byte order.  rank (v->n entries) receives
 * each id's position in the run.  With want_stats, counts are copied
 * (TK_EOVERFLOW above UINT32_MAX) and df is zeroed for the caller.  On
 * error run is left empty.
 */
int tk_term_run_pack(const tk_vocab *v, int want_stats, tk_term_run *run, uint32_t *rank);
void tk_term_run_free(tk_term_run *run);

/* The distinct terms of one range of the merge, in order. */
typedef struct tk_merged_terms {
    uint8_t *bytes;
    size_t bytes_len;
    size_t *ends;            /* term g ends at ends[g] */
    int64_t *tf, *df;        /* sums over the runs; NULL without stats */
    size_t n;
} tk_merged_terms;

typedef struct tk_run_merge {
    tk_term_run **runs;      /* [n_runs], borrowed */
    uint32_t **maps;         /* [n_runs]: run position -> merged index, written by the merge */
    size_t n_runs;
    int want_stats;
    size_t n_ranges;
    size_t *pos;             /* [(n_ranges + 1) * n_runs]: first run position of each range */
    size_t *off;             /* byte offsets of those positions */
    tk_merged_terms *parts;  /* [n_ranges] */
} tk_run_merge;

/*
 * Plan the merge of n_runs runs in n_ranges ranges (at least 1; pivots are
 * terms of the largest run).  maps[s] must have room for runs[s]->n
 * entries.  Then call tk_run_merge_range for every range, from any
 * threads; once all are done, tk_run_merge_globalize for every range,
 * again from any threads.
 */
int tk_run_merge_init(tk_run_merge *m, tk_term_run *const *runs, uint32_t *const *maps,
                      size_t n_runs, size_t n_ranges, int want_stats);
int tk_run_merge_range(tk_run_merge *m, size_t r);
/* The number of distinct terms, once every range is merged. */
size_t tk_run_merge_finish(const tk_run_merge *m);
/* Turn range r's entries of maps from indices within the range into
 * merged ones (a walk over the range's run positions: on the threads, it
 * is no serial step between the merge and the matrix). */
void tk_run_merge_globalize(const tk_run_merge *m, size_t r);
void tk_run_merge_free(tk_run_merge *m);

/*
 * Lay the merged terms out back to back, part by part, from any threads.
 * keep[g] (g the merged index) is UINT32_MAX for a dropped term; NULL
 * keeps every term.  tk_run_merge_kept sizes part r's kept terms;
 * tk_run_merge_copy writes them at bytes + byte0 with their ends (counted
 * from bytes) at ends + term0, where byte0 and term0 are the sizes of the
 * parts before r.
 */
void tk_run_merge_kept(const tk_run_merge *m, size_t r, const uint32_t *keep,
                       size_t *n_terms, size_t *n_bytes);
void tk_run_merge_copy(const tk_run_merge *m, size_t r, const uint32_t *keep, uint8_t *bytes,
                       size_t byte0, size_t *ends, size_t term0);


#ifdef __cplusplus
}
#endif

#endif
