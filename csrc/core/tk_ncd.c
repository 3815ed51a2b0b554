/* Compression sizes and NCD/CDM over zlib; see tk_ncd.h. */
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "tk_ncd.h"

#define TK_NCD_WBITS 15          /* what zlib.compress and gzip.compress use */
#define TK_NCD_MEMLEVEL 8        /* zlib's DEF_MEM_LEVEL; changing it changes sizes */
#define TK_NCD_OUT_CAP 32768     /* scratch for output we only count, never keep */
/* Input handed to one deflate call: between two calls a Ctrl-C can stop
 * a long text (one 158 MB text took 30 s at level 9).  deflate's output
 * does not depend on how Z_NO_FLUSH input is split. */
#define TK_NCD_FEED_MAX (1u << 20)
/* deflateCopy allocates window + prev + head + pending (4 x 64 KiB at the
 * settings above) plus the state struct; the arena holds one copy. */
#define TK_NCD_ARENA_CAP (320u * 1024u)
#define TK_NCD_LOCKS 64
/* A tile of one row should not exceed about this much input, so that the
 * caller's Ctrl-C poll between tiles answers quickly. */
#define TK_NCD_TILE_BYTES ((size_t)1 << 20)
#define TK_NCD_TILE_MAX 256

/* ------------------------------------------------------------ zlib memory */
/*
 * deflateCopy allocates about 256 KiB per call through the source stream's
 * allocator.  While `active`, allocations come from a bump arena that is
 * rewound after each copy ends, so a copy costs a memcpy and no malloc.
 */
typedef struct zarena {
    uint8_t *base;
    size_t cap;
    size_t used;
    int active;
} zarena;

static voidpf arena_alloc(voidpf opaque, uInt items, uInt size)
{
    zarena *a = opaque;
    size_t n;
    if (size && items > SIZE_MAX / size)
        return Z_NULL;
    n = (size_t)items * size;
    if (a->active && a->base) {
        size_t aligned = (n + 63u) & ~(size_t)63u;
        if (aligned >= n && a->cap - a->used >= aligned) {
            void *p = a->base + a->used;
            a->used += aligned;
            return p;
        }
    }
    return tk_malloc(n);
}

static void arena_free(voidpf opaque, voidpf ptr)
{
    zarena *a = opaque;
    uint8_t *p = ptr;
    if (a->base && p >= a->base && p < a->base + a->cap)
        return;
    tk_free(ptr);
}

/* ------------------------------------------------------------ compressor */
/*
 * Streams by window size.  While the whole input (x + sep + y) is at most
 * 2**w - 262 bytes (MIN_LOOKAHEAD), deflate never slides its window, so
 * every match it can find is the same with windowBits w as with 15, and
 * the raw output is byte-identical.  A smaller window makes deflateCopy
 * move less (window and prev shrink; the 64 KiB hash head and pending
 * buffer do not), which is most of a prefix copy's cost.
 */
#define TK_NCD_MIN_WBITS 9
#define TK_NCD_N_WINDOWS (TK_NCD_WBITS - TK_NCD_MIN_WBITS + 1)
#define TK_NCD_MIN_LOOKAHEAD 262

struct tk_compressor {
    z_stream main[TK_NCD_N_WINDOWS];    /* direct measurements, reset per use */
    z_stream prefix[TK_NCD_N_WINDOWS];  /* hold a fed prefix for deflateCopy */
    z_stream copy;                      /* the per-suffix copy of a prefix */
    zarena arena;
    uint8_t *out;
    int level;
    unsigned char main_ready[TK_NCD_N_WINDOWS];   /* deflateInit2 done */
    unsigned char main_dirty[TK_NCD_N_WINDOWS];   /* needs deflateReset */
    unsigned char prefix_ready[TK_NCD_N_WINDOWS];
    unsigned char prefix_dirty[TK_NCD_N_WINDOWS];
    int prefix_set;          /* a prefix stream holds a fed prefix */
    int prefix_window;       /* its index */
    size_t prefix_len;
    size_t prefix_limit;     /* most bytes prefix + suffix may total */
    size_t prefix_out;       /* bytes the prefix already emitted */
    uint8_t *joined;         /* level 0: the concatenated input */
    size_t joined_cap;
    uint8_t *block;          /* level 0: output block of CPython's size */
    size_t block_cap;
    size_t head;             /* level 0: header bytes the format puts in the first block */
    const int *cancel;       /* nonzero stops a measurement (TK_ECANCELLED); may be NULL */
};

/* Index of the smallest window that keeps output identical for total bytes. */
static int window_index(int level, size_t total)
{
    int w;
    if (level == 0)   /* stored blocks are sized by the window */
        return TK_NCD_N_WINDOWS - 1;
    for (w = TK_NCD_MIN_WBITS; w < TK_NCD_WBITS; w++)
        if (total <= ((size_t)1 << w) - TK_NCD_MIN_LOOKAHEAD)
            return w - TK_NCD_MIN_WBITS;
    return TK_NCD_N_WINDOWS - 1;
}

int tk_ncd_format_overhead(int format)
{
    switch (format) {
    case TK_NCD_ZLIB: return 6;      /* 2-byte header + Adler-32 */
    case TK_NCD_GZIP: return 18;     /* 10-byte header + CRC-32 + ISIZE */
    case TK_NCD_DEFLATE: return 0;
    default: return -1;
    }
}

/* The header that the format writes before the deflate body: at level 0
 * it takes room in the first output block, which moves every stored
 * block boundary (zlib.compress(x, 0) of 360,417 bytes is 360,458 bytes;
 * a raw stream plus 6 is 360,453). */
static size_t format_head(int format)
{
    return format == TK_NCD_ZLIB ? 2 : format == TK_NCD_GZIP ? 10 : 0;
}

void tk_compressor_set_cancel(tk_compressor *c, const int *cancel)
{
    c->cancel = cancel;
}

int tk_compressor_set_format(tk_compressor *c, int format)
{
    if (tk_ncd_format_overhead(format) < 0)
        return TK_EINVAL;
    c->head = format_head(format);
    return TK_OK;
}

int tk_ncd_resolve_level(int level)
{
    if (level == -1)
        return 6;
    if (level < 0 || level > 9)
        return -1;
    return level;
}

static int init_stream(z_stream *s, zarena *arena, int level, int window)
{
    int zrc;
    memset(s, 0, sizeof *s);
    s->zalloc = arena_alloc;
    s->zfree = arena_free;
    s->opaque = arena;
    zrc = deflateInit2(s, level, Z_DEFLATED, -(TK_NCD_MIN_WBITS + window), TK_NCD_MEMLEVEL,
                       Z_DEFAULT_STRATEGY);
    if (zrc == Z_MEM_ERROR)
        return TK_ENOMEM;
    return zrc == Z_OK ? TK_OK : TK_EZLIB;
}

int tk_compressor_new(int level, tk_compressor **out)
{
    tk_compressor *c = NULL;
    int rc;

    *out = NULL;
    level = tk_ncd_resolve_level(level);
    if (level < 0)
        return TK_EINVAL;
    c = tk_calloc(1, sizeof *c);
    if (!c)
        return TK_ENOMEM;
    c->level = level;
    c->out = tk_malloc(TK_NCD_OUT_CAP);
    if (!c->out) {
        rc = TK_ENOMEM;
        goto cleanup;
    }
    *out = c;
    return TK_OK;
cleanup:
    tk_compressor_free(c);
    return rc;
}

void tk_compressor_free(tk_compressor *c)
{
    int w;
    if (!c)
        return;
    for (w = 0; w < TK_NCD_N_WINDOWS; w++) {
        if (c->main_ready[w])
            deflateEnd(&c->main[w]);
        if (c->prefix_ready[w])
            deflateEnd(&c->prefix[w]);
    }
    tk_free(c->arena.base);
    tk_free(c->joined);
    tk_free(c->block);
    tk_free(c->out);
    tk_free(c);
}

/* Feed parts under Z_NO_FLUSH, then finish; adds output bytes to *produced.
 * Stops with TK_ECANCELLED once *cancel (if not NULL) is set. */
static int deflate_parts(z_stream *s, uint8_t *out, const uint8_t *const *parts,
                         const size_t *lens, size_t n_parts, int finish, const int *cancel,
                         size_t *produced)
{
    size_t p, total = 0;
    int zrc;

    for (p = 0; p < n_parts; p++) {
        const uint8_t *data = parts[p];
        size_t left = lens[p];
        /* An empty Z_NO_FLUSH call would be a (harmless) Z_BUF_ERROR. */
        while (left > 0) {
            uInt feed = left > TK_NCD_FEED_MAX ? TK_NCD_FEED_MAX : (uInt)left;
            if (cancel && __atomic_load_n(cancel, __ATOMIC_RELAXED))
                return TK_ECANCELLED;
            s->next_in = (Bytef *)(uintptr_t)data;
            s->avail_in = feed;
            do {
                s->next_out = out;
                s->avail_out = TK_NCD_OUT_CAP;
                zrc = deflate(s, Z_NO_FLUSH);
                if (zrc != Z_OK)
                    return TK_EZLIB;
                total += TK_NCD_OUT_CAP - s->avail_out;
            } while (s->avail_in > 0);
            data += feed;
            left -= feed;
        }
    }
    if (finish) {
        do {
            s->next_out = out;
            s->avail_out = TK_NCD_OUT_CAP;
            zrc = deflate(s, Z_FINISH);
            if (zrc != Z_OK && zrc != Z_STREAM_END)
                return TK_EZLIB;
            total += TK_NCD_OUT_CAP - s->avail_out;
        } while (zrc != Z_STREAM_END);
    }
    *produced += total;
    return TK_OK;
}

/*
 * Level 0 writes stored blocks whose boundaries follow the space left in
 * the output buffer, so the size depends on how the caller hands out
 * output space.  Reproduce CPython's zlib.compress (3.10 and later): all
 * input at once with Z_FINISH (in UINT_MAX pieces), output in blocks of
 * the sizes below, each filled before the next is given; the format's
 * header (c->head bytes) fills the start of the first.
 */
static size_t cpython_block_size(size_t index)
{
    static const size_t kib = 1024, mib = 1024 * 1024;
    static const size_t sizes[] = {32 * kib, 64 * kib, 256 * kib, 1 * mib, 4 * mib, 8 * mib,
                                   16 * mib, 16 * mib, 32 * mib, 32 * mib, 32 * mib, 32 * mib,
                                   64 * mib, 64 * mib, 128 * mib, 128 * mib, 256 * mib};
    size_t n = sizeof sizes / sizeof sizes[0];
    return sizes[index < n ? index : n - 1];
}

static int stored_size(tk_compressor *c, z_stream *s, const uint8_t *const *parts,
                       const size_t *lens, size_t n_parts, size_t *size)
{
    size_t p, total_in = 0, at = 0, left, produced = 0, block_index = 0, block_size;
    int zrc = Z_OK, flush = Z_NO_FLUSH, rc;

    for (p = 0; p < n_parts; p++) {
        if (lens[p] > SIZE_MAX - total_in)
            return TK_EOVERFLOW;
        total_in += lens[p];
    }
    rc = tk_grow((void **)&c->joined, &c->joined_cap, total_in ? total_in : 1, 1);
    if (rc < 0)
        return rc;
    for (p = 0; p < n_parts; p++) {
        if (lens[p])
            memcpy(c->joined + at, parts[p], lens[p]);
        at += lens[p];
    }
    block_size = cpython_block_size(block_index) - c->head;
    rc = tk_grow((void **)&c->block, &c->block_cap, block_size, 1);
    if (rc < 0)
        return rc;
    s->next_out = c->block;
    s->avail_out = (uInt)block_size;
    s->next_in = c->joined;
    left = total_in;
    do {
        uInt feed = left > UINT_MAX ? UINT_MAX : (uInt)left;
        s->avail_in = feed;
        left -= feed;
        flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
        do {
            if (s->avail_out == 0) {
                produced += block_size;
                block_size = cpython_block_size(++block_index);
                rc = tk_grow((void **)&c->block, &c->block_cap, block_size, 1);
                if (rc < 0)
                    return rc;
                s->next_out = c->block;
                s->avail_out = (uInt)block_size;
            }
            zrc = deflate(s, flush);
            if (zrc == Z_STREAM_ERROR)
                return TK_EZLIB;
        } while (s->avail_out == 0);
    } while (flush != Z_FINISH);
    if (zrc != Z_STREAM_END)
        return TK_EZLIB;
    *size = produced + (block_size - s->avail_out);
    return TK_OK;
}

/* Initialise stream w on first use, reset it on later ones. */
static int ready_stream(tk_compressor *c, z_stream *streams, unsigned char *ready,
                        unsigned char *dirty, int w)
{
    if (!ready[w]) {
        int rc = init_stream(&streams[w], &c->arena, c->level, w);
        if (rc < 0)
            return rc;
        ready[w] = 1;
    } else if (dirty[w] && deflateReset(&streams[w]) != Z_OK) {
        return TK_EZLIB;
    }
    dirty[w] = 1;
    return TK_OK;
}

int tk_compressor_size(tk_compressor *c, const uint8_t *const *parts, const size_t *lens,
                       size_t n_parts, size_t *size)
{
    size_t produced = 0, total = 0, p;
    int rc, w;
    for (p = 0; p < n_parts; p++)
        total = lens[p] > SIZE_MAX - total ? SIZE_MAX : total + lens[p];
    w = window_index(c->level, total);
    rc = ready_stream(c, c->main, c->main_ready, c->main_dirty, w);
    if (rc < 0)
        return rc;
    if (c->level == 0)
        return stored_size(c, &c->main[w], parts, lens, n_parts, size);
    rc = deflate_parts(&c->main[w], c->out, parts, lens, n_parts, 1, c->cancel, &produced);
    if (rc < 0)
        return rc;
    *size = produced;
    return TK_OK;
}

int tk_compressor_set_prefix(tk_compressor *c, const uint8_t *prefix, size_t len)
{
    return tk_compressor_set_prefix_bounded(c, prefix, len, SIZE_MAX);
}

int tk_compressor_set_prefix_bounded(tk_compressor *c, const uint8_t *prefix, size_t len,
                                     size_t max_total)
{
    size_t produced = 0;
    int rc, w;

    c->prefix_set = 0;
    if (c->level == 0)
        return TK_EINVAL;     /* stored sizes depend on the split */
    if (max_total < len)
        max_total = len;
    if (!c->arena.base) {
        c->arena.base = tk_malloc(TK_NCD_ARENA_CAP);
        if (!c->arena.base)
            return TK_ENOMEM;
        c->arena.cap = TK_NCD_ARENA_CAP;
        c->arena.used = 0;
    }
    w = window_index(c->level, max_total);
    rc = ready_stream(c, c->prefix, c->prefix_ready, c->prefix_dirty, w);
    if (rc < 0)
        return rc;
    rc = deflate_parts(&c->prefix[w], c->out, &prefix, &len, 1, 0, c->cancel, &produced);
    if (rc < 0)
        return rc;
    c->prefix_window = w;
    c->prefix_len = len;
    c->prefix_limit = max_total;
    c->prefix_out = produced;
    c->prefix_set = 1;
    return TK_OK;
}

int tk_compressor_size_after_prefix(tk_compressor *c, const uint8_t *const *parts,
                                    const size_t *lens, size_t n_parts, size_t *size)
{
    size_t produced = 0, total, p;
    int zrc, rc;

    if (!c->prefix_set)
        return TK_EINVAL;
    total = c->prefix_len;
    for (p = 0; p < n_parts; p++)
        total = lens[p] > SIZE_MAX - total ? SIZE_MAX : total + lens[p];
    if (total > c->prefix_limit)
        return TK_EINVAL;     /* the prefix's window was chosen for less */
    c->arena.active = 1;
    zrc = deflateCopy(&c->copy, &c->prefix[c->prefix_window]);
    c->arena.active = 0;
    if (zrc != Z_OK) {
        c->arena.used = 0;
        return zrc == Z_MEM_ERROR ? TK_ENOMEM : TK_EZLIB;
    }
    /* Bytes still pending in the prefix state travel with the copy and are
     * counted here; those already emitted are in prefix_out. */
    rc = deflate_parts(&c->copy, c->out, parts, lens, n_parts, 1, c->cancel, &produced);
    deflateEnd(&c->copy);
    c->arena.used = 0;
    if (rc < 0)
        return rc;
    *size = c->prefix_out + produced;
    return TK_OK;
}

double tk_ncd_from_sizes(int metric, size_t cx, size_t cy, size_t cxy)
{
    /* Sizes stay far below 2**53, where Python's int / int converts both
     * operands to double and divides: the same single rounding as here. */
    if (metric == TK_NCD_CDM)
        return (double)cxy / (double)(cx + cy);
    {
        size_t lo = cx < cy ? cx : cy, hi = cx < cy ? cy : cx;
        double num = cxy >= lo ? (double)(cxy - lo) : -(double)(lo - cxy);
        return num / (double)hi;
    }
}

/*
 * Smallest first-text length (bytes) at which compressing the row's x once
 * and deflateCopy-ing its state for each column beats compressing x again
 * for every pair, by level 0..9.  A copy moves ~256 KiB whatever the input
 * size, so short texts lose; slow (high) levels win sooner.  Measured with
 * tk_ncd_calibrate on English prose (benchmarks/results_ncd.md).
 */
static const size_t prefix_crossover[10] = {
    SIZE_MAX, 1600, 1600, 1400, 900, 800, 700, 600, 600, 600,
};

int tk_ncd_prefix_pays(int level, size_t x_len, size_t n_cols)
{
    level = tk_ncd_resolve_level(level);
    if (level < 0 || n_cols < 2)
        return 0;
    return x_len >= prefix_crossover[level];
}

/* ------------------------------------------------------------- batch jobs */
struct tk_ncd_batch {
    tk_ncd_options opts;
    int level;
    int overhead;
    int task;
    const tk_bytes *xs, *ys;
    size_t n_x, n_y;
    int same;                 /* ys == xs: sizes shared */
    size_t *cx, *cy;          /* C(x) with the format's overhead */
    uint64_t *cx_ns;          /* measured time to compress each row text */
    size_t k;
    double *out_dist;
    int64_t *out_index;
    size_t tile;              /* columns per tile */
    size_t tiles_per_row;
    size_t n_tiles;
    int n_workers;
    tk_compressor **workers;  /* created lazily by the worker that uses it */
    double **scratch_dist;    /* NEAREST: k entries per worker */
    int64_t **scratch_index;
    uint64_t *checksums;      /* BARE: per worker */
    uint64_t *copy_ns;        /* per worker and window: measured deflateCopy + finish */
    int locks_ready;               /* how many of locks are initialized */
    int cancel;                    /* set by tk_parallel_run when the job stops */
    pthread_mutex_t locks[TK_NCD_LOCKS];
};

static int worker_compressor(tk_ncd_batch *b, int worker, tk_compressor **out)
{
    int rc;
    if (worker < 0 || worker >= b->n_workers)
        return TK_EINVAL;
    if (!b->workers[worker]) {
        rc = tk_compressor_new(b->level, &b->workers[worker]);
        if (rc == TK_OK)
            rc = tk_compressor_set_format(b->workers[worker], b->opts.format);
        if (rc < 0)
            return rc;
        /* A Ctrl-C stops the pair being compressed, not only the next. */
        tk_compressor_set_cancel(b->workers[worker], &b->cancel);
    }
    *out = b->workers[worker];
    return TK_OK;
}

int tk_ncd_batch_new(const tk_ncd_options *opts, int task, const tk_bytes *xs, size_t n_x,
                     const tk_bytes *ys, size_t n_y, size_t k, double *out_dist,
                     int64_t *out_index, int n_threads, tk_ncd_batch **out)
{
    tk_ncd_batch *b = NULL;
    size_t i, bytes_x = 0, bytes_y = 0, pair_bytes, n_cols;
    int rc = TK_OK, w;

    *out = NULL;
    if (tk_ncd_resolve_level(opts->level) < 0 || tk_ncd_format_overhead(opts->format) < 0
        || (opts->metric != TK_NCD_NCD && opts->metric != TK_NCD_CDM)
        || task < TK_NCD_TASK_MATRIX || task > TK_NCD_TASK_BARE
        || (task == TK_NCD_TASK_SYMMETRIC && ys != xs)
        || (task == TK_NCD_TASK_NEAREST && (k == 0 || k > n_y || !out_index))
        || ((task == TK_NCD_TASK_MATRIX || task == TK_NCD_TASK_SYMMETRIC
             || task == TK_NCD_TASK_NEAREST) && !out_dist && n_x && n_y))
        return TK_EINVAL;
    if (task != TK_NCD_TASK_NEAREST && n_y && n_x > SIZE_MAX / n_y)
        return TK_EOVERFLOW;

    b = tk_calloc(1, sizeof *b);
    if (!b)
        return TK_ENOMEM;
    b->opts = *opts;
    b->level = tk_ncd_resolve_level(opts->level);
    b->overhead = tk_ncd_format_overhead(opts->format);
    b->task = task;
    b->xs = xs;
    b->ys = ys;
    b->n_x = n_x;
    b->n_y = n_y;
    b->same = xs == ys;
    b->k = k;
    b->out_dist = out_dist;
    b->out_index = out_index;
    b->n_workers = tk_resolve_threads(n_threads, SIZE_MAX);

    b->cx = tk_calloc(n_x ? n_x : 1, sizeof *b->cx);
    if (!b->cx) {
        rc = TK_ENOMEM;
        goto cleanup;
    }
    if (b->same) {
        b->cy = b->cx;
    } else {
        b->cy = tk_calloc(n_y ? n_y : 1, sizeof *b->cy);
        if (!b->cy) {
            rc = TK_ENOMEM;
            goto cleanup;
        }
    }
    b->workers = tk_calloc((size_t)b->n_workers, sizeof *b->workers);
    b->checksums = tk_calloc((size_t)b->n_workers, sizeof *b->checksums);
    b->copy_ns = tk_calloc((size_t)b->n_workers * TK_NCD_N_WINDOWS, sizeof *b->copy_ns);
    b->cx_ns = tk_calloc(n_x ? n_x : 1, sizeof *b->cx_ns);
    if (!b->workers || !b->checksums || !b->copy_ns || !b->cx_ns) {
        rc = TK_ENOMEM;
        goto cleanup;
    }
    if (task == TK_NCD_TASK_NEAREST) {
        b->scratch_dist = tk_calloc((size_t)b->n_workers, sizeof *b->scratch_dist);
        b->scratch_index = tk_calloc((size_t)b->n_workers, sizeof *b->scratch_index);
        if (!b->scratch_dist || !b->scratch_index) {
            rc = TK_ENOMEM;
            goto cleanup;
        }
        for (w = 0; w < b->n_workers; w++) {
            b->scratch_dist[w] = tk_malloc(k * sizeof(double));
            b->scratch_index[w] = tk_malloc(k * sizeof(int64_t));
            if (!b->scratch_dist[w] || !b->scratch_index[w]) {
                rc = TK_ENOMEM;
                goto cleanup;
            }
        }
        for (b->locks_ready = 0; b->locks_ready < TK_NCD_LOCKS; b->locks_ready++)
            if ((rc = tk_mutex_init(&b->locks[b->locks_ready])) < 0)
                goto cleanup;
        for (i = 0; i < n_x * k; i++) {
            out_dist[i] = INFINITY;
            out_index[i] = -1;
        }
    }

    for (i = 0; i < n_x; i++)
        bytes_x += xs[i].len;
    for (i = 0; i < n_y; i++)
        bytes_y += ys[i].len;
    pair_bytes = (n_x ? bytes_x / n_x : 0) + opts->sep_len + (n_y ? bytes_y / n_y : 0) + 1;
    if (task == TK_NCD_TASK_SYMMETRIC)
        pair_bytes *= 2;      /* both orders per cell */
    b->tile = TK_NCD_TILE_BYTES / pair_bytes;
    if (b->tile < 1)
        b->tile = 1;
    if (b->tile > TK_NCD_TILE_MAX)
        b->tile = TK_NCD_TILE_MAX;
    n_cols = n_y;
    if (n_cols && b->tile > n_cols)
        b->tile = n_cols;
    b->tiles_per_row = n_cols ? (n_cols + b->tile - 1) / b->tile : 0;
    if (n_x && b->tiles_per_row > SIZE_MAX / n_x) {
        rc = TK_EOVERFLOW;
        goto cleanup;
    }
    b->n_tiles = n_x * b->tiles_per_row;
    *out = b;
    return TK_OK;
cleanup:
    tk_ncd_batch_free(b);
    return rc;
}

void tk_ncd_batch_free(tk_ncd_batch *b)
{
    int w;
    if (!b)
        return;
    if (b->workers)
        for (w = 0; w < b->n_workers; w++)
            tk_compressor_free(b->workers[w]);
    if (b->scratch_dist)
        for (w = 0; w < b->n_workers; w++)
            tk_free(b->scratch_dist[w]);
    if (b->scratch_index)
        for (w = 0; w < b->n_workers; w++)
            tk_free(b->scratch_index[w]);
    for (w = 0; w < b->locks_ready; w++)
        pthread_mutex_destroy(&b->locks[w]);
    tk_free(b->scratch_dist);
    tk_free(b->scratch_index);
    tk_free(b->checksums);
    tk_free(b->copy_ns);
    tk_free(b->cx_ns);
    tk_free(b->workers);
    if (b->cy != b->cx)
        tk_free(b->cy);
    tk_free(b->cx);
    tk_free(b);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int run_sizes(void *ctx, size_t begin, size_t end, int worker)
{
    tk_ncd_batch *b = ctx;
    tk_compressor *c;
    size_t it, raw;
    int rc = worker_compressor(b, worker, &c);
    if (rc < 0)
        return rc;
    for (it = begin; it < end; it++) {
        const tk_bytes *t = it < b->n_x ? &b->xs[it] : &b->ys[it - b->n_x];
        size_t *dst = it < b->n_x ? &b->cx[it] : &b->cy[it - b->n_x];
        uint64_t t0 = now_ns();
        rc = tk_compressor_size(c, &t->data, &t->len, 1, &raw);
        if (rc < 0)
            return rc;
        /* What a row saves per pair by not compressing x again. */
        if (it < b->n_x)
            b->cx_ns[it] = now_ns() - t0;
        *dst = raw + (size_t)b->overhead;
    }
    return TK_OK;
}

void tk_ncd_batch_sizes_job(tk_ncd_batch *b, tk_job *job)
{
    memset(job, 0, sizeof *job);
    /* BARE measures concatenations only. */
    job->n_items = b->task == TK_NCD_TASK_BARE ? 0 : b->n_x + (b->same ? 0 : b->n_y);
    job->chunk = 1;
    job->run = run_sizes;
    job->ctx = b;
    job->max_threads = b->n_workers;
    job->cancel = &b->cancel;
}

/* Raw size of a + sep + c, directly or after the prefix a (already set). */
static int pair_size(tk_ncd_batch *b, tk_compressor *c, const tk_bytes *a, const tk_bytes *y,
                     int use_prefix, size_t *size)
{
    const uint8_t *parts[3];
    size_t lens[3];
    if (use_prefix) {
        parts[0] = b->opts.sep;
        lens[0] = b->opts.sep_len;
        parts[1] = y->data;
        lens[1] = y->len;
        return tk_compressor_size_after_prefix(c, parts, lens, 2, size);
    }
    parts[0] = a->data;
    lens[0] = a->len;
    parts[1] = b->opts.sep;
    lens[1] = b->opts.sep_len;
    parts[2] = y->data;
    lens[2] = y->len;
    return tk_compressor_size(c, parts, lens, 3, size);
}

/* Insert (d, j) into a list sorted by (distance, index) holding *n <= k. */
static void topk_insert(double *dist, int64_t *index, size_t *n, size_t k, double d, int64_t j)
{
    size_t pos = *n;
    if (pos == k) {
        if (d > dist[k - 1] || (d == dist[k - 1] && j > index[k - 1]))
            return;
        pos = k - 1;
    } else {
        (*n)++;
    }
    while (pos > 0 && (dist[pos - 1] > d || (dist[pos - 1] == d && index[pos - 1] > j))) {
        dist[pos] = dist[pos - 1];
        index[pos] = index[pos - 1];
        pos--;
    }
    dist[pos] = d;
    index[pos] = j;
}

/*
 * The per-row choice.  A copy costs about the same whatever the text (it
 * moves ~256 KiB), while compressing x again costs what phase 1 measured
 * for that very text, which depends on length, level and content (level 9
 * on repetitive text can be ten times slower per byte).  So each worker
 * times a few copies once, and a row uses the prefix when its text took
 * longer to compress than a copy.  Timing noise can only cost speed: both
 * paths give the same bytes.
 */
static int prefix_pays_here(tk_ncd_batch *b, tk_compressor *c, int worker, size_t row,
                            size_t n_cols, size_t max_total, int *use)
{
    uint64_t *copy_ns;
    *use = 0;
    if (n_cols < 2 || b->level == 0)
        return TK_OK;
    copy_ns = &b->copy_ns[(size_t)worker * TK_NCD_N_WINDOWS + (size_t)window_index(b->level,
                                                                                max_total)];
    if (!*copy_ns) {
        static const uint8_t probe[] = "calibration text for one deflateCopy";
        const uint8_t *none = probe;
        size_t zero = 0, size, i;
        uint64_t best = UINT64_MAX;
        int rc = tk_compressor_set_prefix_bounded(c, probe, sizeof probe - 1, max_total);
        for (i = 0; rc == TK_OK && i < 5; i++) {
            uint64_t t0 = now_ns(), spent;
            rc = tk_compressor_size_after_prefix(c, &none, &zero, 1, &size);
            spent = now_ns() - t0;
            if (spent < best)
                best = spent;
        }
        if (rc < 0)
            return rc;
        *copy_ns = best ? best : 1;
    }
    if (b->cx_ns[row])
        *use = b->cx_ns[row] > *copy_ns;
    else  /* no clock reading: fall back to the measured length crossover */
        *use = tk_ncd_prefix_pays(b->level, b->xs[row].len, n_cols);
    return TK_OK;
}

static int run_tiles(void *ctx, size_t begin, size_t end, int worker)
{
    tk_ncd_batch *b = ctx;
    tk_compressor *c;
    size_t t;
    int rc = worker_compressor(b, worker, &c);
    if (rc < 0)
        return rc;
    for (t = begin; t < end; t++) {
        size_t row = t / b->tiles_per_row;
        size_t col0 = (t % b->tiles_per_row) * b->tile;
        size_t col1 = col0 + b->tile, j, kept = 0, longest_y = 0, max_total = 0;
        const tk_bytes *x = &b->xs[row];
        int use_prefix = 0;

        if (b->task == TK_NCD_TASK_SYMMETRIC) {
            /* Tile c of row i covers columns i + c*tile on. */
            col0 += row;
            col1 += row;
        }
        if (col1 > b->n_y)
            col1 = b->n_y;
        if (col0 >= col1)
            continue;
        if (b->task != TK_NCD_TASK_BARE) {
            for (j = col0; j < col1; j++)
                if (b->ys[j].len > longest_y)
                    longest_y = b->ys[j].len;
            max_total = x->len + b->opts.sep_len + longest_y;
            if (b->opts.prefix == TK_NCD_PREFIX_ALWAYS)
                use_prefix = b->level > 0;
            else if (b->opts.prefix == TK_NCD_PREFIX_AUTO)
                rc = prefix_pays_here(b, c, worker, row, col1 - col0, max_total, &use_prefix);
            if (rc < 0)
                return rc;
        }
        if (use_prefix) {
            rc = tk_compressor_set_prefix_bounded(c, x->data, x->len, max_total);
            if (rc < 0)
                return rc;
        }
        for (j = col0; j < col1; j++) {
            size_t raw, cxy;
            double d;
            rc = pair_size(b, c, x, &b->ys[j], use_prefix, &raw);
            if (rc < 0)
                return rc;
            if (b->task == TK_NCD_TASK_BARE) {
                b->checksums[worker] += raw;
                continue;
            }
            cxy = raw + (size_t)b->overhead;
            if (b->task == TK_NCD_TASK_SYMMETRIC && j != row) {
                /* The other order, x_j first, for the minimum. */
                size_t raw_rev;
                rc = pair_size(b, c, &b->ys[j], x, 0, &raw_rev);
                if (rc < 0)
                    return rc;
                if (raw_rev < raw)
                    cxy = raw_rev + (size_t)b->overhead;
            }
            d = tk_ncd_from_sizes(b->opts.metric, b->cx[row], b->cy[j], cxy);
            if (b->task == TK_NCD_TASK_MATRIX) {
                b->out_dist[row * b->n_y + j] = d;
            } else if (b->task == TK_NCD_TASK_SYMMETRIC) {
                b->out_dist[row * b->n_y + j] = d;
                b->out_dist[j * b->n_y + row] = d;
            } else {
                topk_insert(b->scratch_dist[worker], b->scratch_index[worker], &kept, b->k, d,
                            (int64_t)j);
            }
        }
        if (b->task == TK_NCD_TASK_NEAREST) {
            /* Merging under the row's lock in any order gives one answer:
             * (distance, index) is a total order. */
            pthread_mutex_t *lock = &b->locks[row % TK_NCD_LOCKS];
            double *row_dist = b->out_dist + row * b->k;
            int64_t *row_index = b->out_index + row * b->k;
            size_t have, q;
            pthread_mutex_lock(lock);
            for (have = 0; have < b->k && row_index[have] >= 0; have++)
                ;
            for (q = 0; q < kept; q++)
                topk_insert(row_dist, row_index, &have, b->k, b->scratch_dist[worker][q],
                            b->scratch_index[worker][q]);
            pthread_mutex_unlock(lock);
        }
    }
    return TK_OK;
}

void tk_ncd_batch_pairs_job(tk_ncd_batch *b, tk_job *job)
{
    memset(job, 0, sizeof *job);
    job->n_items = b->n_tiles;
    job->chunk = 1;
    job->run = run_tiles;
    job->ctx = b;
    job->max_threads = b->n_workers;
    job->cancel = &b->cancel;
}

uint64_t tk_ncd_batch_checksum(const tk_ncd_batch *b)
{
    uint64_t sum = 0;
    int w;
    for (w = 0; w < b->n_workers; w++)
        sum += b->checksums[w];
    return sum;
}

int tk_ncd_batch_run(tk_ncd_batch *b, int n_threads)
{
    tk_job job;
    int rc;
    tk_ncd_batch_sizes_job(b, &job);
    rc = tk_parallel_run(&job, n_threads);
    if (rc < 0)
        return rc;
    tk_ncd_batch_pairs_job(b, &job);
    return tk_parallel_run(&job, n_threads);
}

/* ------------------------------------------------------------ calibration */
static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int tk_ncd_calibrate(int level, const uint8_t *data, size_t len, size_t reps,
                     double *copy_seconds, double *compress_seconds)
{
    tk_compressor *c = NULL;
    const uint8_t *none = (const uint8_t *)"";
    size_t i, size, zero = 0;
    double t0;
    int rc;

    rc = tk_compressor_new(level, &c);
    if (rc < 0)
        return rc;
    rc = tk_compressor_set_prefix_bounded(c, data, len, len);
    if (rc < 0)
        goto cleanup;
    /* Copy + finish with nothing appended: the fixed price of prefix mode. */
    t0 = now_seconds();
    for (i = 0; i < reps; i++) {
        rc = tk_compressor_size_after_prefix(c, &none, &zero, 1, &size);
        if (rc < 0)
            goto cleanup;
    }
    *copy_seconds = now_seconds() - t0;
    /* Reset + compress len bytes: what prefix mode saves per pair. */
    t0 = now_seconds();
    for (i = 0; i < reps; i++) {
        rc = tk_compressor_size(c, &data, &len, 1, &size);
        if (rc < 0)
            goto cleanup;
    }
    *compress_seconds = now_seconds() - t0;
cleanup:
    tk_compressor_free(c);
    return rc;
}
