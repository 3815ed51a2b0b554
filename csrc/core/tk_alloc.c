#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "tk_core.h"

#ifdef TK_ALLOC_FAULTS
/* Test builds only: a countdown shared by all threads.  Atomic, because a
 * "one-thread" job can still allocate on two (a polled job's worker and
 * its calling thread, which helps): ThreadSanitizer saw the plain counter
 * race there, which could fail two allocations or none. */
static long fail_countdown = 0;

void tk_alloc_fail_after(long n)
{
    __atomic_store_n(&fail_countdown, n > 0 ? n : 0, __ATOMIC_RELAXED);
}

static int should_fail(void)
{
    long left = __atomic_load_n(&fail_countdown, __ATOMIC_RELAXED);
    /* Exactly one allocation takes the count from 1 to 0, and fails. */
    while (left > 0)
        if (__atomic_compare_exchange_n(&fail_countdown, &left, left - 1, 1, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED))
            return left == 1;
    return 0;
}
#else
#define should_fail() 0
#endif

/*
 * Large hash tables and arenas are read at random: with 4 KB pages nearly
 * every lookup in a 100 MB vocabulary also misses the TLB, and a software
 * prefetch that misses it waits for the page walk.  So buffers from 4 MB up
 * ask Linux for transparent huge pages, which its default "madvise" mode
 * grants only on request.  Only the 2 MB-aligned interior is advised, and
 * the advice must come before the pages are first touched to take effect.
 */
#define HUGE_PAGE_BYTES ((size_t)2 << 20)
#define HUGE_ADVISE_MIN ((size_t)4 << 20)

void tk_advise_huge(void *p, size_t size)
{
#ifdef MADV_HUGEPAGE
    uintptr_t start, end;
    if (!p || size < HUGE_ADVISE_MIN)
        return;
    start = ((uintptr_t)p + HUGE_PAGE_BYTES - 1) & ~(uintptr_t)(HUGE_PAGE_BYTES - 1);
    end = ((uintptr_t)p + size) & ~(uintptr_t)(HUGE_PAGE_BYTES - 1);
    if (end > start)
        (void)madvise((void *)start, end - start, MADV_HUGEPAGE);   /* a hint: errors ignored */
#else
    (void)p;
    (void)size;
#endif
}

void *tk_malloc(size_t size)
{
    void *p;
    if (should_fail())
        return NULL;
    p = malloc(size ? size : 1);
    tk_advise_huge(p, size);
    return p;
}

void *tk_calloc(size_t count, size_t size)
{
    void *p;
    if (should_fail())
        return NULL;
    if (count == 0 || size == 0)
        return calloc(1, 1);
    /* glibc leaves a fresh mapping untouched (it is zero already), so the
     * advice still comes in time for a large table. */
    p = calloc(count, size);
    if (p && count <= SIZE_MAX / size)
        tk_advise_huge(p, count * size);
    return p;
}

void *tk_realloc(void *ptr, size_t size)
{
    if (should_fail())
        return NULL;
    return realloc(ptr, size ? size : 1);
}

/* Set in a forked child whose threaded job the fork cut short: see
 * tk_alloc_keep_freed. */
static int keep_freed;

void tk_alloc_keep_freed(int keep) { __atomic_store_n(&keep_freed, keep, __ATOMIC_RELAXED); }

void tk_free(void *ptr)
{
    if (__atomic_load_n(&keep_freed, __ATOMIC_RELAXED))
        return;
    free(ptr);
}

/* The doubled capacity for need elements, or 0 if its size overflows. */
static size_t grown_capacity(size_t cap, size_t need, size_t elem_size)
{
    size_t new_cap = cap ? cap : 16;
    while (new_cap < need) {
        if (new_cap > SIZE_MAX / 2)
            return 0;
        new_cap *= 2;
    }
    if (elem_size && new_cap > SIZE_MAX / elem_size)
        return 0;
    return new_cap;
}

/*
 * Grow *buf to hold need elements (doubling).  A buffer always exists
 * after a successful call, even for need == 0, so that callers never form
 * NULL + offset (undefined behaviour).  A block of HUGE_ADVISE_MIN or more
 * is either copied into a fresh block advised before the copy (random_reads:
 * realloc would copy the old contents in before the advice could take
 * effect), or realloc'd with only its new tail advised (append-only
 * buffers, whose pages realloc moves instead of copying).
 */
static int grow(void **buf, size_t *cap, size_t need, size_t elem_size, int random_reads)
{
    size_t new_cap;
    uint8_t *grown;

    if (need <= *cap && *buf)
        return TK_OK;
    if (!(new_cap = grown_capacity(*cap, need, elem_size)))
        return TK_EOVERFLOW;
    if (random_reads && new_cap * elem_size >= HUGE_ADVISE_MIN) {
        grown = tk_malloc(new_cap * elem_size);
        if (!grown)
            return TK_ENOMEM;
        if (*buf) {
            memcpy(grown, *buf, *cap * elem_size);
            tk_free(*buf);
        }
    } else {
        grown = tk_realloc(*buf, new_cap * elem_size);
        if (!grown)
            return TK_ENOMEM;
        /* The part past the old contents is untouched yet. */
        if (!random_reads)
            tk_advise_huge(grown + *cap * elem_size, (new_cap - *cap) * elem_size);
    }
    *buf = grown;
    *cap = new_cap;
    return TK_OK;
}

int tk_grow(void **buf, size_t *cap, size_t need, size_t elem_size)
{
    return grow(buf, cap, need, elem_size, 1);
}

int tk_grow_append(void **buf, size_t *cap, size_t need, size_t elem_size)
{
    return grow(buf, cap, need, elem_size, 0);
}
