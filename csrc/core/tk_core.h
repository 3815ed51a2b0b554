/*
 * textkern core: plain C99, no Python.h.
 *
 * Every function that can fail returns a negative TK_E* code (or a
 * non-negative result); tk_strerror() turns a code into a message.  The
 * binding layer (csrc/binding/) is the only place that maps codes to
 * Python exceptions.
 */
#ifndef TK_CORE_H
#define TK_CORE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- errors */
enum tk_error {
    TK_OK = 0,
    TK_ENOMEM = -1,          /* allocation failed */
    TK_EUTF8 = -2,           /* invalid UTF-8 (offset reported separately) */
    TK_ESURROGATE = -3,      /* lone surrogate code point */
    TK_EINVAL = -4,          /* invalid argument / option */
    TK_EOVERFLOW = -5,       /* a size does not fit */
    TK_EZLIB = -6,           /* zlib reported an error */
    TK_ECANCELLED = -7,      /* stopped by the caller (e.g. Ctrl-C) */
    TK_ETHREAD = -8,         /* could not start a thread */
    TK_ECORRUPT = -9,        /* serialized state failed validation */
    TK_EUTF8PROC = -10,      /* utf8proc reported an error */
    TK_EFORKED = -11         /* the process forked during a threaded job */
};

/* A static, never-NULL message for any code (unknown codes included). */
const char *tk_strerror(int code);

/* ------------------------------------------------------------ allocation */
/*
 * All core allocations go through these so that a test build
 * (-DTK_ALLOC_FAULTS) can make the n-th allocation fail.  They are plain
 * malloc/free otherwise and are safe to call without the GIL.
 */
void *tk_malloc(size_t size);
void *tk_calloc(size_t count, size_t size);
void *tk_realloc(void *ptr, size_t size);
void tk_free(void *ptr);
/* Ask for transparent huge pages on a buffer of size bytes that has not
 * been written yet (tk_malloc and tk_grow do this for large buffers; for
 * memory allocated elsewhere, such as a Python bytearray).  A no-op below
 * 4 MB and off Linux. */
void tk_advise_huge(void *p, size_t size);
/* Grow *buf (capacity *cap elements of elem_size) to hold at least need. */
int tk_grow(void **buf, size_t *cap, size_t need, size_t elem_size);
/* tk_grow with its "already big enough" test inlined, for per-item paths
 * (one call per token, gram or term) where the buffer rarely grows. */
static inline int tk_reserve(void **buf, size_t *cap, size_t need, size_t elem_size)
{
    if (need <= *cap && *buf)
        return TK_OK;
    return tk_grow(buf, cap, need, elem_size);
}
/*
 * tk_grow for a buffer that is only appended to and read in order (rows
 * of counts, token lists): it grows through realloc, which moves a large
 * block's pages instead of copying them, and advises only the new tail.
 * tk_grow copies a large buffer into a fresh one so that a randomly read
 * table gets huge pages throughout; for the rows of a char n-gram fit
 * (160 MB) that copying and the zeroing of every fresh block took a
 * tenth of the fit.
 */
int tk_grow_append(void **buf, size_t *cap, size_t need, size_t elem_size);
static inline int tk_reserve_append(void **buf, size_t *cap, size_t need, size_t elem_size)
{
    if (need <= *cap && *buf)
        return TK_OK;
    return tk_grow_append(buf, cap, need, elem_size);
}
/*
 * Nonzero makes tk_free keep its blocks (a leak, on purpose).  A child
 * forked while worker threads were moving blocks between structures
 * (tk_parallel_run's TK_EFORKED) cannot tell which of them its copy of
 * those structures still owns: freeing them was a double free.  So it
 * frees nothing until it next starts a threaded job, which clears this.
 */
void tk_alloc_keep_freed(int keep);
#ifdef TK_ALLOC_FAULTS
/* Fail the n-th allocation from now (1 = next); n <= 0 disables. */
void tk_alloc_fail_after(long n);
#endif

/* A static function the compiler must inline: a loop written once for a
 * parameter that its callers pass as a constant becomes one loop per
 * value. */
#if defined(__GNUC__) || defined(__clang__)
#define TK_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define TK_ALWAYS_INLINE static inline
#endif
/* For a branch taken rarely, so the compiler lays out the usual way
 * straight and may use conditional moves around it. */
#if defined(__GNUC__) || defined(__clang__)
#define TK_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define TK_UNLIKELY(x) (x)
#endif
/* For prefetch helpers: GCC judges a function whose only effect is
 * __builtin_prefetch to be pure, and deletes calls to it that it did not
 * inline.  Forced inlining keeps the prefetch in the caller. */
#define TK_PREFETCH_HELPER TK_ALWAYS_INLINE

/*
 * memcpy for the short strings of the hot paths (a token, a gram), inline:
 * from 4 to 16 bytes two possibly overlapping word copies, which read and
 * write only [src, src + len) and [dst, dst + len); longer ones call
 * memcpy.  A libc call per token was 3-4% of counting.
 */
TK_ALWAYS_INLINE void tk_copy_short(uint8_t *dst, const uint8_t *src, size_t len)
{
    if (len >= 8 && len <= 16) {
        uint64_t head, tail;
        memcpy(&head, src, 8);
        memcpy(&tail, src + len - 8, 8);
        memcpy(dst, &head, 8);
        memcpy(dst + len - 8, &tail, 8);
    } else if (len >= 4 && len < 8) {
        uint32_t head, tail;
        memcpy(&head, src, 4);
        memcpy(&tail, src + len - 4, 4);
        memcpy(dst, &head, 4);
        memcpy(dst + len - 4, &tail, 4);
    } else if (len > 0 && len < 4) {
        /* 1, 2 or 3 bytes: first, middle and last cover them all. */
        uint8_t first = src[0], middle = src[len / 2], last = src[len - 1];
        dst[0] = first;
        dst[len / 2] = middle;
        dst[len - 1] = last;
    } else if (len > 16) {
        memcpy(dst, src, len);
    }
}

/* A hint that p will be read soon (no effect on results). */
TK_PREFETCH_HELPER void tk_prefetch(const void *p)
{
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p);
#else
    (void)p;
#endif
}

/* A hint that the byte `offset` bytes past p will be read soon, where
 * that may lie beyond the end of p's block: the address is computed as an
 * integer, since a pointer out of its block would be undefined behaviour,
 * and a prefetch of any address is harmless. */
TK_PREFETCH_HELPER void tk_prefetch_ahead(const void *p, size_t offset)
{
    tk_prefetch((const void *)((uintptr_t)p + offset));
}

/* Terms and segments are short: an inlined word-wise compare beats a
 * memcmp call. */
static inline int tk_bytes_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    while (n >= 8) {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y)
            return 0;
        a += 8;
        b += 8;
        n -= 8;
    }
    while (n--)
        if (*a++ != *b++)
            return 0;
    return 1;
}

/* ------------------------------------------------------------------ UTF-8 */
/*
 * Decode one code point from valid UTF-8 at s (len > 0 bytes left).
 * Returns the number of bytes consumed.  Only for text already validated.
 * Inline: the segmenter and the classifier call it once per code point.
 */
static inline size_t tk_utf8_decode_valid(const uint8_t *s, size_t len, uint32_t *cp)
{
    uint8_t b0 = s[0];
    (void)len;
    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    }
    if (b0 < 0xE0) {
        *cp = ((uint32_t)(b0 & 0x1F) << 6) | (s[1] & 0x3F);
        return 2;
    }
    if (b0 < 0xF0) {
        *cp = ((uint32_t)(b0 & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        return 3;
    }
    *cp = ((uint32_t)(b0 & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12)
        | ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    return 4;
}
/* Encode cp (<= 0x10FFFF) into out (4 bytes room); returns byte length. */
size_t tk_utf8_encode(uint32_t cp, uint8_t *out);

/*
 * Check that s is well-formed UTF-8.  Returns TK_OK, or TK_EUTF8 with the
 * byte offset of the first ill-formed sequence in *bad_offset.  Encoded
 * surrogates (ED A0..BF xx) are ill-formed, as in Python's decoder.
 */
int tk_utf8_validate(const uint8_t *s, size_t len, size_t *bad_offset);

enum tk_utf8_errors { TK_UTF8_STRICT = 0, TK_UTF8_REPLACE = 1, TK_UTF8_IGNORE = 2 };
/*
 * Produce well-formed UTF-8 from s, replacing each maximal ill-formed
 * subpart with U+FFFD (REPLACE) or dropping it (IGNORE); the same
 * substitution rule as bytes.decode("utf-8", errors).  *out is allocated
 * with tk_malloc; caller frees.  (A str's lone surrogates never get here:
 * tk_utf8_from_ucs applies the error mode to each one.)
 */
int tk_utf8_clean(const uint8_t *s, size_t len, int mode, uint8_t **out, size_t *out_len);

/*
 * Encode n code units of a fixed-width string (kind 1: Latin-1 bytes,
 * 2: UCS-2, 4: UCS-4 -- the layouts of CPython's str) as UTF-8 into out,
 * which has room for TK_UCS_UTF8_MAX(kind, n) bytes; *out_len receives
 * the length.  A surrogate unit (D800..DFFF) is TK_ESURROGATE under
 * TK_UTF8_STRICT, U+FFFD under REPLACE and dropped under IGNORE.
 */
#define TK_UCS_UTF8_MAX(kind, n) ((n) * ((kind) == 4 ? 4u : (size_t)(kind) + 1u))
int tk_utf8_from_ucs(const void *units, int kind, size_t n, int errors, uint8_t *out,
                     size_t *out_len);

/*
 * The other direction, for building a str in one allocation of the right
 * layout (CPython's own decoder starts from an ASCII guess and widens,
 * allocating and copying two or three times for a non-ASCII token).
 * s must be well-formed UTF-8.  tk_utf8_ucs_kind returns the narrowest
 * kind that holds every code point of s (0 when all are ASCII, else 1, 2
 * or 4; exactly CPython's choice, which equality of str relies on) and
 * sets *n_cps to their number.  tk_utf8_to_ucs writes the n_cps code
 * points as units of that kind (1, 2 or 4) to out.
 */
int tk_utf8_ucs_kind(const uint8_t *s, size_t len, size_t *n_cps);
void tk_utf8_to_ucs(const uint8_t *s, size_t len, int kind, void *out);

/* -------------------------------------------------------- thread helper */
/*
 * Run job->run over [0, n_items) in chunks on n_threads worker threads.
 * The calling thread waits and calls job->poll about every poll_ms
 * milliseconds (Ctrl-C checks, progress bars, work that needs the caller
 * such as building Python objects).  A nonzero return from poll cancels
 * the job (TK_ECANCELLED).  With n_threads <= 1 and no poll, chunks run
 * inline on the calling thread.  The first negative code returned by run
 * stops the job and is returned.
 *
 * If the system refuses to start some of the threads, the job runs on
 * those that did start (on the calling thread if none did): results do not
 * depend on the thread count.  If poll forks the process (fork() from a
 * callback), the child, which has none of the workers, stops waiting for
 * them and gets TK_EFORKED; the parent carries on.
 */
typedef int (*tk_run_fn)(void *ctx, size_t begin, size_t end, int worker);
typedef int (*tk_poll_fn)(void *poll_ctx, size_t items_done, size_t n_items);
/* The most threads one job runs on; larger requests are clamped. */
#define TK_MAX_THREADS 1024
typedef struct tk_job {
    size_t n_items;
    size_t chunk;            /* items per grab; 0 = choose */
    tk_run_fn run;
    void *ctx;
    tk_poll_fn poll;         /* may be NULL */
    void *poll_ctx;
    unsigned poll_ms;        /* 0 = 100 */
    /* Optional: nonzero makes the calling thread run the next chunk
     * itself after each poll instead of waiting, while chunks remain, as
     * worker number n_threads (after the clamping of tk_resolve_threads):
     * run() must accept worker numbers up to n_threads.  For jobs whose
     * poll has real work that would leave the caller idle in between. */
    int caller_helps;
    /* Optional: set to 1 (atomically) as soon as the job is cancelled or a
     * chunk fails, so that a run() busy with one long item can stop early
     * (read it with __atomic_load_n). */
    int *cancel;
    /* Optional: a finer count of finished items that run() advances itself
     * (with __atomic_fetch_add) while inside a chunk; poll then reports it
     * instead of whole chunks, so one long chunk still moves a bar. */
    size_t *items_done;
    /* Optional: chunks of chosen sizes instead of `chunk` items each.
     * Chunk k is items [bounds[k], bounds[k + 1]) for k < n_chunks;
     * bounds[0] is 0, bounds[n_chunks] is n_items, and bounds rise.
     * Chunks are handed out in order, like fixed ones. */
    const size_t *bounds;
    size_t n_chunks;
    /* Optional: nonzero caps the threads (and so the worker numbers run()
     * sees: below max_threads, or up to it with caller_helps) for a job
     * whose per-worker state was sized in advance, which a later
     * tk_resolve_threads of "all CPUs" must not outgrow. */
    int max_threads;
} tk_job;
int tk_parallel_run(const tk_job *job, int n_threads);
/* Number of online CPUs (>= 1). */
int tk_cpu_count(void);
/* Threads tk_parallel_run has started in this process so far: lets tests
 * check that a job ran on the calling thread. */
size_t tk_threads_started(void);
/* Clamp a requested thread count: <= 0 means all CPUs; never more than
 * items, nor than TK_MAX_THREADS. */
int tk_resolve_threads(int requested, size_t n_items);
/* A mutex or condition variable with default attributes: TK_OK, or
 * TK_ETHREAD when the system lacks the resources for one. */
int tk_mutex_init(pthread_mutex_t *mutex);
int tk_cond_init(pthread_cond_t *cond);
#ifdef TK_ALLOC_FAULTS
/* Test builds only: thread starts after the first n of each job fail, as
 * when the system runs out of threads or memory; n < 0 disables. */
void tk_thread_fail_after(int n);
/* Test builds only: after n more tk_mutex_init / tk_cond_init calls
 * succeed, every later one fails until this is called again; n < 0
 * disables. */
void tk_lock_init_fail_after(int n);
#endif

#ifdef __cplusplus
}
#endif
#endif /* TK_CORE_H */
