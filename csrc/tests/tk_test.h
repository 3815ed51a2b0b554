/* Minimal assertion helpers for the core's C unit tests (no Python). */
#ifndef TK_TEST_H
#define TK_TEST_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tk_test_failures = 0;

#define CHECK(cond) do { if (!(cond)) { \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    tk_test_failures++; } } while (0)
#define CHECK_EQ_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
    if (a_ != b_) { fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", \
    __FILE__, __LINE__, #a, a_, b_); tk_test_failures++; } } while (0)
#define TEST_MAIN_END() do { if (tk_test_failures) { \
    fprintf(stderr, "%d check(s) failed\n", tk_test_failures); return 1; } \
    printf("ok\n"); return 0; } while (0)

#include "tk_tokenize.h"

/* Words and numbers, no normalization: expected tokens and grams stay
 * readable in the tests. */
static inline tk_tokenizer_opts tk_test_unnormalized(int case_mode)
{
    tk_tokenizer_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.case_mode = case_mode;
    opts.norm = TK_NORM_NONE;
    opts.kinds = TK_KIND_WORD | TK_KIND_NUMBER;
    opts.min_len = 1;
    return opts;
}
#endif
