#include <stdlib.h>
#include <string.h>

#include "tk_core.h"

#ifdef TK_ALLOC_FAULTS
/* Test builds only: a countdown shared by all threads, so tests that use
 * it run single-threaded. */
static long fail_countdown = 0;

void tk_alloc_fail_after(long n) { fail_countdown = n > 0 ? n : 0; }

static int should_fail(void)
{
    if (fail_countdown <= 0)
        return 0;
    return --fail_countdown == 0;
}
#else
#define should_fail() 0
#endif

void *tk_malloc(size_t size)
{
    if (should_fail())
        return NULL;
    return malloc(size ? size : 1);
}

void *tk_calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    if (count == 0 || size == 0)
        return calloc(1, 1);
    return calloc(count, size);
}

void *tk_realloc(void *ptr, size_t size)
{
    if (should_fail())
        return NULL;
    return realloc(ptr, size ? size : 1);
}

void tk_free(void *ptr) { free(ptr); }

int tk_grow(void **buf, size_t *cap, size_t need, size_t elem_size)
{
    size_t new_cap;
    void *grown;

    /* A buffer always exists after a successful call, even for need == 0,
     * so that callers never form NULL + offset (undefined behaviour). */
    if (need <= *cap && *buf)
        return TK_OK;
    new_cap = *cap ? *cap : 16;
    while (new_cap < need) {
        if (new_cap > SIZE_MAX / 2)
            return TK_EOVERFLOW;
        new_cap *= 2;
    }
    if (elem_size && new_cap > SIZE_MAX / elem_size)
        return TK_EOVERFLOW;
    grown = tk_realloc(*buf, new_cap * elem_size);
    if (!grown)
        return TK_ENOMEM;
    *buf = grown;
    *cap = new_cap;
    return TK_OK;
}
