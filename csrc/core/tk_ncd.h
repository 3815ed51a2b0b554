/*
 * Compression sizes and compression distances (NCD, CDM) on zlib.
 *
 * Sizes are byte-exact with Python's zlib.compress(data, level),
 * gzip.compress(data, level, mtime=0) and raw deflate (wbits -15): all three
 * carry the same deflate body (window 15, memLevel 8, default strategy), so
 * the core only measures the raw deflate length and adds the wrapper's fixed
 * overhead (zlib: 2-byte header + 4-byte Adler-32; gzip: 10-byte header +
 * 8-byte CRC-32/length trailer).
 *
 * A tk_compressor owns its deflate streams (one per window size in use, see
 * tk_ncd.c) and reuses them with deflateReset, so a loop over pairs never
 * calls deflateInit.  A compressor is not thread-safe: keep one per thread.
 */
#ifndef TK_NCD_H
#define TK_NCD_H

#include <stddef.h>
#include <stdint.h>

#include "tk_core.h"

#ifdef __cplusplus
extern "C" {
#endif

enum tk_ncd_format { TK_NCD_ZLIB = 0, TK_NCD_GZIP = 1, TK_NCD_DEFLATE = 2 };
enum tk_ncd_metric { TK_NCD_NCD = 0, TK_NCD_CDM = 1 };
/* How ncd_matrix rows use a compressed prefix (deflateCopy). */
enum tk_ncd_prefix { TK_NCD_PREFIX_AUTO = 0, TK_NCD_PREFIX_NEVER = 1, TK_NCD_PREFIX_ALWAYS = 2 };

/* Bytes that the format adds to the raw deflate body; -1 if unknown. */
int tk_ncd_format_overhead(int format);
/* Level -1 (zlib's default) resolves to 6; returns -1 for levels outside -1..9. */
int tk_ncd_resolve_level(int level);

typedef struct tk_compressor tk_compressor;

int tk_compressor_new(int level, tk_compressor **out);
void tk_compressor_free(tk_compressor *c);
/* The format (enum tk_ncd_format) whose size is wanted; raw deflate until
 * set.  Sizes stay raw (add tk_ncd_format_overhead), but level 0's stored
 * blocks depend on the format's header.  TK_EINVAL for an unknown one. */
int tk_compressor_set_format(tk_compressor *c, int format);
/* Measurements check *cancel (when not NULL) between pieces of input and
 * return TK_ECANCELLED once it is nonzero. */
void tk_compressor_set_cancel(tk_compressor *c, const int *cancel);

/*
 * Raw deflate size of the concatenation of n_parts byte strings (the
 * concatenation is never built).  Returns TK_OK and sets *size.
 */
int tk_compressor_size(tk_compressor *c, const uint8_t *const *parts, const size_t *lens,
                       size_t n_parts, size_t *size);

/*
 * Prefix mode: feed `prefix` once, then measure the raw deflate size of
 * prefix + suffix parts for many suffixes.  Each measurement works on a
 * deflateCopy of the prefix state, which gives the same bytes as
 * compressing the whole concatenation because deflate output under
 * Z_NO_FLUSH does not depend on how the input is split.  Not available at
 * level 0 (TK_EINVAL): stored block boundaries follow the split.
 */
int tk_compressor_set_prefix(tk_compressor *c, const uint8_t *prefix, size_t len);
/*
 * The same, promising that prefix + suffix will total at most max_total
 * bytes: a pair that fits a smaller window is then compressed with it
 * (identical output, cheaper copies).  A longer suffix is refused with
 * TK_EINVAL rather than mis-sized.
 */
int tk_compressor_set_prefix_bounded(tk_compressor *c, const uint8_t *prefix, size_t len,
                                     size_t max_total);
int tk_compressor_size_after_prefix(tk_compressor *c, const uint8_t *const *parts,
                                    const size_t *lens, size_t n_parts, size_t *size);

/*
 * The distance from sizes, computed in double exactly as Python evaluates
 * (cxy - min(cx, cy)) / max(cx, cy)  or  cxy / (cx + cy)  on ints.
 */
double tk_ncd_from_sizes(int metric, size_t cx, size_t cy, size_t cxy);

/* Would prefix mode pay off for a row whose first text has x_len bytes? */
int tk_ncd_prefix_pays(int level, size_t x_len, size_t n_cols);

/* ------------------------------------------------------------- batch jobs */
typedef struct tk_bytes {
    const uint8_t *data;
    size_t len;
} tk_bytes;

typedef struct tk_ncd_options {
    int level;        /* -1..9 */
    int format;       /* enum tk_ncd_format */
    int metric;       /* enum tk_ncd_metric */
    int prefix;       /* enum tk_ncd_prefix */
    const uint8_t *sep;
    size_t sep_len;
} tk_ncd_options;

/*
 * Shared state of one batch computation.  The caller (C test or binding)
 * creates it, runs the jobs it hands out with tk_parallel_run (or the
 * binding's GIL-releasing wrapper), then frees it.
 *
 * Phase 1, sizes: one item per distinct text, fills C(x) and C(y).
 * Phase 2, pairs: items are tiles of one row and a run of columns, so that
 * a Ctrl-C check never waits for more than about a megabyte of input.
 */
typedef struct tk_ncd_batch tk_ncd_batch;

enum tk_ncd_task {
    TK_NCD_TASK_MATRIX = 0,     /* out[i * n_y + j] = d(x_i, y_j) */
    TK_NCD_TASK_SYMMETRIC = 1,  /* x only; min over both orders, mirrored */
    TK_NCD_TASK_NEAREST = 2,    /* per row, the k smallest (distance, index) */
    TK_NCD_TASK_BARE = 3        /* compress each x_i + sep + y_j only (benchmark bound) */
};

/*
 * xs/ys must stay valid and unchanged until tk_ncd_batch_free.  ys may
 * equal xs (then each C(x) is computed once).  For NEAREST, out_index and
 * out_dist have n_x * k entries (k <= n_y); for MATRIX and SYMMETRIC,
 * out_dist has n_x * n_y entries; BARE writes nothing but a checksum.
 */
int tk_ncd_batch_new(const tk_ncd_options *opts, int task, const tk_bytes *xs, size_t n_x,
                     const tk_bytes *ys, size_t n_y, size_t k, double *out_dist,
                     int64_t *out_index, int n_threads, tk_ncd_batch **out);
void tk_ncd_batch_free(tk_ncd_batch *b);
/* The two phases as jobs (poll fields left NULL for the caller to fill). */
void tk_ncd_batch_sizes_job(tk_ncd_batch *b, tk_job *job);
void tk_ncd_batch_pairs_job(tk_ncd_batch *b, tk_job *job);
/* After both jobs: raw deflate sizes summed over all BARE pairs. */
uint64_t tk_ncd_batch_checksum(const tk_ncd_batch *b);

/* Convenience: both phases with tk_parallel_run and no polling. */
int tk_ncd_batch_run(tk_ncd_batch *b, int n_threads);

/* Time (seconds) for `reps` deflateCopy calls and for `reps` compressions
 * of `len` bytes of data at `level`: used to measure the crossover. */
int tk_ncd_calibrate(int level, const uint8_t *data, size_t len, size_t reps,
                     double *copy_seconds, double *compress_seconds);

#ifdef __cplusplus
}
#endif
#endif /* TK_NCD_H */
