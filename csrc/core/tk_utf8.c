#include <string.h>

#include "tk_core.h"

size_t tk_utf8_encode(uint32_t cp, uint8_t *out)
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/*
 * Length of the well-formed sequence at s[0..len), or -(length of the
 * maximal ill-formed subpart) -- the unit that Python's decoder replaces
 * with one U+FFFD (Unicode 15, section 3.9, "maximal subpart").
 */
static long sequence_length(const uint8_t *s, size_t len)
{
    uint8_t b0 = s[0], lo = 0x80, hi = 0xBF;
    size_t need, i;

    if (b0 < 0x80)
        return 1;
    if (b0 >= 0xC2 && b0 <= 0xDF)
        need = 2;
    else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 3;
        if (b0 == 0xE0) lo = 0xA0;
        if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 4;
        if (b0 == 0xF0) lo = 0x90;
        if (b0 == 0xF4) hi = 0x8F;
    } else
        return -1;
    for (i = 1; i < need; i++) {
        if (i >= len)
            return -(long)i;
        if (s[i] < lo || s[i] > hi)
            return -(long)i;
        lo = 0x80;
        hi = 0xBF;
    }
    return (long)need;
}

int tk_utf8_validate(const uint8_t *s, size_t len, size_t *bad_offset)
{
    size_t pos = 0;
    while (pos < len) {
        long n;
        /* Fast path: 8 ASCII bytes at a time. */
        while (pos + 8 <= len) {
            uint64_t word;
            memcpy(&word, s + pos, 8);
            if (word & UINT64_C(0x8080808080808080))
                break;
            pos += 8;
        }
        if (pos >= len)
            break;
        n = sequence_length(s + pos, len - pos);
        if (n < 0) {
            if (bad_offset)
                *bad_offset = pos;
            return TK_EUTF8;
        }
        pos += (size_t)n;
    }
    return TK_OK;
}

static int is_encoded_surrogate(const uint8_t *s, size_t len)
{
    return len >= 3 && s[0] == 0xED && s[1] >= 0xA0 && s[1] <= 0xBF
        && s[2] >= 0x80 && s[2] <= 0xBF;
}

int tk_utf8_clean(const uint8_t *s, size_t len, int mode, int surrogates_are_units,
                  uint8_t **out, size_t *out_len)
{
    static const uint8_t replacement[3] = {0xEF, 0xBF, 0xBD};
    uint8_t *buf = NULL;
    size_t pos = 0, used = 0, cap;
    int rc = TK_OK;

    *out = NULL;
    *out_len = 0;
    if (mode != TK_UTF8_REPLACE && mode != TK_UTF8_IGNORE)
        return TK_EINVAL;
    /* Worst case: every byte becomes a 3-byte U+FFFD. */
    if (len > (SIZE_MAX - 1) / 3) {
        rc = TK_EOVERFLOW;
        goto cleanup;
    }
    cap = len * 3 + 1;
    buf = tk_malloc(cap);
    if (!buf) {
        rc = TK_ENOMEM;
        goto cleanup;
    }
    while (pos < len) {
        long n = sequence_length(s + pos, len - pos);
        size_t skip;
        if (n > 0) {
            memcpy(buf + used, s + pos, (size_t)n);
            used += (size_t)n;
            pos += (size_t)n;
            continue;
        }
        skip = (size_t)(-n);
        if (surrogates_are_units && is_encoded_surrogate(s + pos, len - pos))
            skip = 3;
        if (mode == TK_UTF8_REPLACE) {
            memcpy(buf + used, replacement, 3);
            used += 3;
        }
        pos += skip;
    }
    *out = buf;
    *out_len = used;
    buf = NULL;
cleanup:
    tk_free(buf);
    return rc;
}

TK_ALWAYS_INLINE uint32_t unit_at(const void *units, int kind, size_t i)
{
    if (kind == 1)
        return ((const uint8_t *)units)[i];
    if (kind == 2)
        return ((const uint16_t *)units)[i];
    return ((const uint32_t *)units)[i];
}

/*
 * The ASCII run at the start of n units of the given kind, copied to out.
 * Most characters of most texts are ASCII, even in non-ASCII strings
 * (spaces, digits, markup), so whole words of ASCII units are copied
 * before falling back to one unit at a time.
 */
TK_ALWAYS_INLINE size_t ascii_prefix(const void *units, int kind, size_t n, uint8_t *out)
{
    size_t i = 0;
    if (kind == 1) {
        const uint8_t *u = units;
        for (; i + 8 <= n; i += 8) {
            uint64_t w;
            memcpy(&w, u + i, 8);
            if (w & UINT64_C(0x8080808080808080))
                break;
            memcpy(out + i, u + i, 8);
        }
    } else if (kind == 2) {
        const uint16_t *u = units;
        for (; i + 4 <= n; i += 4) {
            uint64_t w;
            memcpy(&w, u + i, 8);
            if (w & UINT64_C(0xFF80FF80FF80FF80))
                break;
            out[i] = (uint8_t)u[i];
            out[i + 1] = (uint8_t)u[i + 1];
            out[i + 2] = (uint8_t)u[i + 2];
            out[i + 3] = (uint8_t)u[i + 3];
        }
    }
    for (; i < n && unit_at(units, kind, i) < 0x80; i++)
        out[i] = (uint8_t)unit_at(units, kind, i);
    return i;
}

/*
 * The loop for one kind, forced inline so that each call below, with a
 * constant kind, becomes its own loop without a per-unit dispatch.  Runs
 * of ASCII are copied a word at a time; other units (most of a CJK or
 * Cyrillic text) are encoded inline, one at a time.
 */
TK_ALWAYS_INLINE int encode_units(const void *units, const int kind, size_t n, int errors,
                                  uint8_t *out, size_t *out_len)
{
    size_t i = 0, at = 0;
    while (i < n) {
        uint32_t cp = unit_at(units, kind, i);
        if (cp < 0x80) {
            size_t run = ascii_prefix((const uint8_t *)units + i * (size_t)kind, kind, n - i,
                                      out + at);
            i += run;
            at += run;
            continue;
        }
        i++;
        if (cp < 0x800) {
            out[at] = (uint8_t)(0xC0 | (cp >> 6));
            out[at + 1] = (uint8_t)(0x80 | (cp & 0x3F));
            at += 2;
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            if (errors == TK_UTF8_STRICT)
                return TK_ESURROGATE;
            if (errors == TK_UTF8_REPLACE)
                at += tk_utf8_encode(0xFFFD, out + at);
        } else {
            at += tk_utf8_encode(cp, out + at);
        }
    }
    *out_len = at;
    return TK_OK;
}

int tk_utf8_from_ucs(const void *units, int kind, size_t n, int errors, uint8_t *out,
                     size_t *out_len)
{
    *out_len = 0;
    switch (kind) {
    case 1:
        return encode_units(units, 1, n, errors, out, out_len);
    case 2:
        return encode_units(units, 2, n, errors, out, out_len);
    case 4:
        return encode_units(units, 4, n, errors, out, out_len);
    default:
        return TK_EINVAL;
    }
}

int tk_utf8_ucs_kind(const uint8_t *s, size_t len, size_t *n_cps)
{
    size_t i, n = 0;
    uint8_t top = 0;
    /* Continuation bytes (80..BF) sort below every lead byte of a
     * non-ASCII code point (C2..F4), so the largest byte is the largest
     * lead: C2 and C3 start U+0080..U+00FF, C4..EF the rest of the BMP,
     * F0..F4 the supplementary planes. */
    for (i = 0; i < len; i++) {
        n += (s[i] & 0xC0) != 0x80;
        top = s[i] > top ? s[i] : top;
    }
    *n_cps = n;
    return top < 0x80 ? 0 : top < 0xC4 ? 1 : top < 0xF0 ? 2 : 4;
}

/* One loop per kind, with the kind a constant after inlining. */
TK_ALWAYS_INLINE void decode_units(const uint8_t *s, size_t len, const int kind, void *out)
{
    size_t pos = 0, i = 0;
    while (pos < len) {
        uint32_t cp;
        pos += tk_utf8_decode_valid(s + pos, len - pos, &cp);
        if (kind == 1)
            ((uint8_t *)out)[i++] = (uint8_t)cp;
        else if (kind == 2)
            ((uint16_t *)out)[i++] = (uint16_t)cp;
        else
            ((uint32_t *)out)[i++] = cp;
    }
}

void tk_utf8_to_ucs(const uint8_t *s, size_t len, int kind, void *out)
{
    if (kind == 2)
        decode_units(s, len, 2, out);
    else if (kind == 4)
        decode_units(s, len, 4, out);
    else
        decode_units(s, len, 1, out);
}
