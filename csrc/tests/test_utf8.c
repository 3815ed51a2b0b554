/* Unit tests for tk_utf8_from_ucs: CPython's fixed-width str layouts to UTF-8. */
#include <stdint.h>

#include "tk_core.h"
#include "tk_test.h"

/* Small deterministic generator, so that failures reproduce. */
static uint32_t rng_state = 12345;
static uint32_t next_random(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

/* A unit for a string of the given kind: mostly ASCII (runs long enough
 * for the word-at-a-time copies), sometimes the widest values the kind
 * holds, surrogates among them. */
static uint32_t random_unit(int kind)
{
    uint32_t r = next_random() % 100;
    if (r < 80)
        return 0x20 + next_random() % 0x5F;
    if (r < 83)
        return next_random() % 0x80;   /* NUL and controls too */
    if (kind == 1)
        return 0x80 + next_random() % 0x80;
    if (r < 88)
        return 0xD800 + next_random() % 0x800;
    if (kind == 2 || r < 94)
        return 0x80 + next_random() % 0xFF80;
    return 0x10000 + next_random() % 0x100000;
}

/* One unit at a time, the obvious way. */
static int reference_encode(const uint32_t *cps, size_t n, int errors, uint8_t *out,
                            size_t *out_len)
{
    size_t i, at = 0;
    for (i = 0; i < n; i++) {
        uint32_t cp = cps[i];
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            if (errors == TK_UTF8_STRICT)
                return TK_ESURROGATE;
            if (errors == TK_UTF8_REPLACE)
                at += tk_utf8_encode(0xFFFD, out + at);
            continue;
        }
        at += tk_utf8_encode(cp, out + at);
    }
    *out_len = at;
    return TK_OK;
}

static void check_kind(int kind, size_t n, int errors)
{
    uint32_t cps[64];
    uint8_t u1[64];
    uint16_t u2[64];
    uint8_t got[256 + 1], want[256 + 1];
    size_t i, got_len = 99, want_len = 0;
    const void *units = kind == 1 ? (const void *)u1 : kind == 2 ? (const void *)u2
                                                                 : (const void *)cps;
    int rc_got, rc_want;
    for (i = 0; i < n; i++) {
        cps[i] = random_unit(kind);
        u1[i] = (uint8_t)cps[i];
        u2[i] = (uint16_t)cps[i];
    }
    memset(got, 0xAA, sizeof got);
    rc_want = reference_encode(cps, n, errors, want, &want_len);
    rc_got = tk_utf8_from_ucs(units, kind, n, errors, got, &got_len);
    CHECK_EQ_INT(rc_got, rc_want);
    if (rc_got == TK_OK && rc_want == TK_OK) {
        CHECK_EQ_INT(got_len, want_len);
        CHECK(memcmp(got, want, want_len) == 0);
        CHECK(got_len <= TK_UCS_UTF8_MAX(kind, n));
        /* nothing written past the promised room */
        CHECK(got[TK_UCS_UTF8_MAX(kind, n)] == 0xAA);
    }
}

static void test_random_strings(void)
{
    static const int kinds[] = {1, 2, 4};
    int k, errors, round;
    size_t n;
    for (round = 0; round < 40; round++)
        for (k = 0; k < 3; k++)
            for (errors = TK_UTF8_STRICT; errors <= TK_UTF8_IGNORE; errors++)
                for (n = 0; n <= 64; n++)
                    check_kind(kinds[k], n, errors);
}

static void test_fixed_cases(void)
{
    static const uint16_t mixed[] = {'a', 'b', 'c', 0xE9, 'd', 0xD800, 'e', 0xAC00};
    static const uint32_t wide[] = {'x', 0x1F600, 0xDFFF, 0x10FFFF};
    uint8_t out[64];
    size_t len = 0;
    CHECK_EQ_INT(tk_utf8_from_ucs(mixed, 2, 8, TK_UTF8_REPLACE, out, &len), TK_OK);
    CHECK_EQ_INT(len, 3 + 2 + 1 + 3 + 1 + 3);
    CHECK(memcmp(out, "abc\xc3\xa9" "d\xef\xbf\xbd" "e\xea\xb0\x80", len) == 0);
    CHECK_EQ_INT(tk_utf8_from_ucs(mixed, 2, 8, TK_UTF8_IGNORE, out, &len), TK_OK);
    CHECK(len == 10 && memcmp(out, "abc\xc3\xa9" "de\xea\xb0\x80", len) == 0);
    CHECK_EQ_INT(tk_utf8_from_ucs(mixed, 2, 8, TK_UTF8_STRICT, out, &len), TK_ESURROGATE);
    CHECK_EQ_INT(tk_utf8_from_ucs(wide, 4, 4, TK_UTF8_IGNORE, out, &len), TK_OK);
    CHECK(len == 9 && memcmp(out, "x\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf", len) == 0);
    CHECK_EQ_INT(tk_utf8_from_ucs(wide, 3, 4, TK_UTF8_IGNORE, out, &len), TK_EINVAL);
    CHECK_EQ_INT(tk_utf8_from_ucs(NULL, 1, 0, TK_UTF8_STRICT, out, &len), TK_OK);
    CHECK_EQ_INT(len, 0);
}

int main(void)
{
    test_fixed_cases();
    test_random_strings();
    TEST_MAIN_END();
}
