/*
 * Tokenizer throughput of the C core alone (not run by `make ctest`):
 * segmentation, classification and utf8proc mapping with the default
 * options (case folding, NFKC, words and numbers), no Python objects.
 * Build with the core sources:
 *
 *   cc -std=c99 -O2 -D_GNU_SOURCE -Icsrc/core -o /tmp/bench_tokenize
 *      csrc/tests/bench_tokenize.c csrc/core/[a-z]*.c -lutf8proc -lz -lpthread
 *   /tmp/bench_tokenize FILE...
 *
 * Each line of a file is one document, tokenized with one scratch kept
 * across documents (as Tokenizer and the counting workers do), so the
 * figure is comparable with the Python benchmarks' per-document loops.
 * To measure the benchmark corpus, write it out one document per line:
 *
 *   python -c "import sys; sys.path.insert(0, 'benchmarks'); import corpus;
 *     print('\n'.join(d.replace('\n', ' ') for d in corpus.documents(10)))" > /tmp/c.txt
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tk_tokenize.h"
#include "bench_util.h"

static int count_token(void *ctx, const uint8_t *tok, size_t tok_len, const tk_span *span)
{
    (void)tok;
    (void)tok_len;
    (void)span;
    ++*(size_t *)ctx;
    return TK_OK;
}

static void bench(const char *path)
{
    tk_tokenizer_opts opts = {TK_CASE_FOLD, TK_NORM_NFKC, TK_STRIP_NONE,
                              TK_KIND_WORD | TK_KIND_NUMBER, 1};
    tk_scratch scratch;
    size_t len, tokens = 0;
    double best = 1e30;
    int round;
    uint8_t *text = bench_read_utf8(path, &len);
    if (!text) {
        fprintf(stderr, "%s: cannot read as UTF-8, skipped\n", path);
        return;
    }
    memset(&scratch, 0, sizeof scratch);
    for (round = 0; round < 5; round++) {
        size_t start = 0, i;
        double t0 = bench_now(), dt;
        tokens = 0;
        for (i = 0; i <= len; i++) {
            if (i < len && text[i] != '\n')
                continue;
            if (tk_tokenize(&opts, NULL, text + start, i - start, &scratch, count_token,
                            &tokens) != TK_OK) {
                fprintf(stderr, "%s: tokenize failed\n", path);
                goto cleanup;
            }
            start = i + 1;
        }
        dt = bench_now() - t0;
        if (dt < best)
            best = dt;
    }
    printf("%-40s %8.1f MB %10zu tokens %8.1f MB/s\n", path, len / 1e6, tokens,
           len / 1e6 / best);
cleanup:
    tk_scratch_free(&scratch);
    free(text);
}

int main(int argc, char **argv)
{
    int i;
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE...\n", argv[0]);
        return 2;
    }
    for (i = 1; i < argc; i++)
        bench(argv[i]);
    return 0;
}
