/*
 * Word-segmentation throughput of the C core (not run by `make ctest`).
 * Build with the core sources:
 *
 *   cc -std=c99 -O2 -D_GNU_SOURCE -Icsrc/core -o /tmp/bench_segment
 *      csrc/tests/bench_segment.c csrc/core/[a-z]*.c -lutf8proc -lz -lpthread
 *   /tmp/bench_segment [FILE...]
 *
 * Each file is repeated to about 64 MB so the timing is not cache-bound on
 * tiny inputs; default files come from Debian packages (vim tutor in English
 * and in Korean, which mixes Hangul prose with English commands).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tk_segment.h"
#include "bench_util.h"

#define TARGET_BYTES ((size_t)64 << 20)

static uint8_t *load_repeated(const char *path, size_t *len)
{
    size_t n, reps, i;
    uint8_t *all, *one = bench_read_utf8(path, &n);
    if (!one)
        return NULL;
    reps = TARGET_BYTES / n + 1;
    all = malloc(n * reps);
    if (!all) {
        free(one);
        return NULL;
    }
    for (i = 0; i < reps; i++)
        memcpy(all + i * n, one, n);
    free(one);
    *len = n * reps;
    return all;
}

static void bench(const char *path)
{
    size_t len, segments = 0, words = 0;
    double best = 1e30;
    int round;
    uint8_t *text = load_repeated(path, &len);
    if (!text) {
        fprintf(stderr, "%s: cannot read as UTF-8, skipped\n", path);
        return;
    }
    for (round = 0; round < 5; round++) {
        tk_wordseg it;
        tk_span span;
        double t0 = bench_now(), dt;
        segments = words = 0;
        tk_wordseg_init(&it, text, len);
        while (tk_wordseg_next(&it, &span)) {
            segments++;
            words += span.end - span.start > 1;
        }
        dt = bench_now() - t0;
        if (dt < best)
            best = dt;
    }
    printf("%-48s %7.1f MB  %9zu segments  %8.1f MB/s\n", path, len / 1e6, segments,
           len / 1e6 / best);
    (void)words;
    free(text);
}

int main(int argc, char **argv)
{
    int i;
    if (argc > 1) {
        for (i = 1; i < argc; i++)
            bench(argv[i]);
    } else {
        bench("/usr/share/vim/vim90/tutor/tutor");
        bench("/usr/share/common-licenses/GPL-3");
        bench("/usr/share/vim/vim90/tutor/tutor.ko.utf-8");
    }
    return 0;
}
