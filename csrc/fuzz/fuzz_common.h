/*
 * Shared helpers for the libFuzzer harnesses in this directory.
 *
 * The harnesses are plain C99 over the core (no Python) and build two
 * ways: with clang -fsanitize=fuzzer for fuzzing, and with any compiler
 * plus replay_main.c to replay a corpus (make fuzz-replay).
 */
#ifndef TK_FUZZ_COMMON_H
#define TK_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tk_core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A bug found by fuzzing and not fixed yet gets a guard here, so that the
 * harness steers around it and a run can find the next one:
 *     #ifndef FUZZ_HIT_KNOWN_BUGS
 *     #define FUZZ_AVOID_<BUG> 1
 *     #endif
 * and its input goes to regressions/NAME/.  make fuzz-replay
 * FUZZ_DEFS=-DFUZZ_HIT_KNOWN_BUGS checks a fix; then the guard goes.
 * Fixed so far: memcpy through a NULL arena in tk_stopwords_add and
 * tk_vocab_add_hashed; NULL + 0 in tk_vocab_find_hashed / tk_vocab_term
 * for an all-empty vocabulary (tk_grow now always leaves a buffer).
 */

/* A failed invariant must stop the fuzzer with a readable reason: abort()
 * is what libFuzzer records as a crash and keeps the input for. */
#define FUZZ_CHECK(cond) do { if (!(cond)) { \
    fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
    abort(); } } while (0)

/* Options are drawn from the front of the input, the text is what is left,
 * so that mutating the text keeps the options and vice versa. */
typedef struct fuzz_input {
    const uint8_t *data;
    size_t size;
} fuzz_input;

static inline unsigned fuzz_byte(fuzz_input *in)
{
    unsigned b;
    if (in->size == 0)
        return 0;
    b = in->data[0];
    in->data++;
    in->size--;
    return b;
}

/* Take up to n bytes as a slice. */
static inline fuzz_input fuzz_take(fuzz_input *in, size_t n)
{
    fuzz_input part;
    if (n > in->size)
        n = in->size;
    part.data = in->data;
    part.size = n;
    in->data += n;
    in->size -= n;
    return part;
}

static inline size_t fuzz_count_cps(const uint8_t *s, size_t len)
{
    size_t i, n = 0;
    for (i = 0; i < len; i++)
        n += (s[i] & 0xC0) != 0x80;
    return n;
}

static inline int fuzz_is_valid_utf8(const uint8_t *s, size_t len)
{
    size_t bad = 0;
    return tk_utf8_validate(s, len, &bad) == TK_OK;
}

/*
 * Turn arbitrary bytes into valid UTF-8 the ways the binding does:
 * strict (reject invalid input), replace or ignore.  Checks the
 * cleaner's contract on the way.  Returns 0 with *out (tk_malloc'd, may be
 * NULL when the input was already valid and is used as is) or -1 when
 * strict mode rejected the input.
 */
static inline int fuzz_make_text(const uint8_t *s, size_t len, int mode, uint8_t **owned,
                                 const uint8_t **text, size_t *text_len)
{
    size_t bad = len + 1;
    int rc = tk_utf8_validate(s, len, &bad);
    uint8_t *clean = NULL;
    size_t clean_len = 0;

    *owned = NULL;
    if (rc == TK_OK) {
        /* Cleaning valid text is the identity, whatever the mode. */
        if (tk_utf8_clean(s, len, TK_UTF8_REPLACE, &clean, &clean_len) == TK_OK) {
            FUZZ_CHECK(clean_len == len && memcmp(clean, s, len) == 0);
            tk_free(clean);
        }
        *text = s;
        *text_len = len;
        return 0;
    }
    FUZZ_CHECK(rc == TK_EUTF8);
    FUZZ_CHECK(bad < len);
    /* Everything before the reported offset is well-formed. */
    FUZZ_CHECK(tk_utf8_validate(s, bad, NULL) == TK_OK);
    if (mode == TK_UTF8_STRICT)
        return -1;
    rc = tk_utf8_clean(s, len, mode, &clean, &clean_len);
    if (rc == TK_ENOMEM)
        return -1;
    FUZZ_CHECK(rc == TK_OK);
    FUZZ_CHECK(fuzz_is_valid_utf8(clean, clean_len));
    /* The well-formed prefix survives unchanged. */
    FUZZ_CHECK(clean_len >= bad && memcmp(clean, s, bad) == 0);
    if (mode == TK_UTF8_IGNORE)
        FUZZ_CHECK(clean_len < len);
    else
        FUZZ_CHECK(clean_len <= 3 * len);
    *owned = clean;
    *text = clean;
    *text_len = clean_len;
    return 0;
}

#endif
