/* Shared by the stand-alone C benchmarks (bench_*.c): a clock and a reader. */
#ifndef TK_BENCH_UTIL_H
#define TK_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tk_core.h"

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The whole file, if it is non-empty valid UTF-8 (malloc'd; caller frees). */
static uint8_t *bench_read_utf8(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *text;
    size_t bad;
    long size;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = size > 0 ? malloc((size_t)size) : NULL;
    *len = text ? fread(text, 1, (size_t)size, f) : 0;
    fclose(f);
    if (!text || *len == 0 || tk_utf8_validate(text, *len, &bad) != TK_OK) {
        free(text);
        return NULL;
    }
    return text;
}

#endif /* TK_BENCH_UTIL_H */
