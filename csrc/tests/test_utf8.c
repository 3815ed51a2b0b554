/* Unit tests for tk_utf8_from_ucs and tk_utf8_to_ucs: between CPython's fixed-width
 * str layouts and UTF-8. */
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

/* A unit for a string of the given kind: ASCII with the given chance in
 * percent (runs long enough for the block and word copies), else the
 * values at each UTF-8 length's edges, two- and three-byte values, the
 * widest values the kind holds, and surrogates. */
static const uint32_t edge_units[] = {0x7F, 0x80, 0xFF, 0x100, 0x7FF, 0x800, 0xD7FF, 0xE000,
                                      0xFFFF};
static uint32_t random_unit(int kind, uint32_t ascii_percent)
{
    uint32_t r = next_random() % 100, limit = kind == 1 ? 0x100 : 0x10000, cp;
    if (r < ascii_percent)
        return 0x20 + next_random() % 0x5F;
    r = next_random() % 100;
    if (r < 5)
        return next_random() % 0x80;   /* NUL and controls too */
    if (r < 20) {
        cp = edge_units[next_random() % (sizeof edge_units / sizeof *edge_units)];
        return cp < limit ? cp : 0x80;
    }
    if (kind == 1)
        return 0x80 + next_random() % 0x80;
    if (r < 24)
        return 0xD800 + next_random() % 0x800;
    if (r < 60)
        return 0x80 + next_random() % 0x780;   /* two bytes */
    if (kind == 2 || r < 85)
        return 0x800 + next_random() % 0xF800;   /* three bytes, or a surrogate */
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

static void check_kind(int kind, size_t n, int errors, uint32_t ascii_percent)
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
        cps[i] = random_unit(kind, ascii_percent);
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
                    /* Mostly ASCII, as most text is; then mostly not, so
                     * that whole blocks hold no ASCII. */
                    check_kind(kinds[k], n, errors, round % 2 ? 80 : 15);
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

/* The kind CPython gives a str with this largest code point. */
static int narrowest_kind(uint32_t max_cp, size_t n)
{
    if (n == 0 || max_cp < 0x80)
        return 0;
    return max_cp <= 0xFF ? 1 : max_cp <= 0xFFFF ? 2 : 4;
}

/* Decoding gives back the units that were encoded, in the narrowest kind,
 * for strings whose largest code point sits on either side of each kind's
 * limit. */
static void test_to_ucs_round_trip(void)
{
    static const uint32_t largest[] = {0x7F, 0x80, 0xFF, 0x100, 0x7FF, 0x800, 0xD7FF,
                                       0xE000, 0xFFFF, 0x10000, 0x10FFFF};
    int round;
    size_t li;
    for (round = 0; round < 200; round++)
        for (li = 0; li < sizeof largest / sizeof *largest; li++) {
            uint32_t cps[40], back4[40], max_cp = 0;
            uint16_t back2[40];
            uint8_t utf8[160 + 1], back1[40];
            size_t n = (size_t)(next_random() % 40), i, len = 0, n_cps = 99;
            int kind;
            for (i = 0; i < n; i++) {
                /* Below the limit, with the limit itself now and then. */
                uint32_t cp = next_random() % 4 == 0 ? largest[li]
                                                     : next_random() % (largest[li] + 1);
                if (cp >= 0xD800 && cp <= 0xDFFF)
                    cp = 'a';
                cps[i] = cp;
                max_cp = cp > max_cp ? cp : max_cp;
                len += tk_utf8_encode(cp, utf8 + len);
            }
            kind = tk_utf8_ucs_kind(utf8, len, &n_cps);
            CHECK_EQ_INT(kind, narrowest_kind(max_cp, n));
            CHECK_EQ_INT(n_cps, n);
            memset(back1, 0xAA, sizeof back1);
            memset(back2, 0xAA, sizeof back2);
            memset(back4, 0xAA, sizeof back4);
            if (kind <= 1) {
                tk_utf8_to_ucs(utf8, len, 1, back1);
                for (i = 0; i < n; i++)
                    CHECK_EQ_INT(back1[i], cps[i]);
                CHECK(n == 40 || back1[n] == 0xAA);   /* nothing past the end */
            } else if (kind == 2) {
                tk_utf8_to_ucs(utf8, len, 2, back2);
                for (i = 0; i < n; i++)
                    CHECK_EQ_INT(back2[i], cps[i]);
                CHECK(n == 40 || back2[n] == 0xAAAA);
            } else {
                tk_utf8_to_ucs(utf8, len, 4, back4);
                for (i = 0; i < n; i++)
                    CHECK_EQ_INT(back4[i], cps[i]);
                CHECK(n == 40 || back4[n] == 0xAAAAAAAAu);
            }
        }
}

int main(void)
{
    test_fixed_cases();
    test_random_strings();
    test_to_ucs_round_trip();
    TEST_MAIN_END();
}
