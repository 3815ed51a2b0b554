#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

int tk_utf8_clean(const uint8_t *s, size_t len, int mode, uint8_t **out, size_t *out_len)
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

#if defined(__SSE2__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define TK_UTF8_BLOCKS 1
/*
 * Blocks of 8 units (of kind 1 or 2, widened to 16-bit lanes) with SSE2,
 * which every x86-64 CPU has.  Text that mixes a script with ASCII spaces
 * and digits changes byte length every few characters, which a
 * unit-at-a-time loop mispredicts.  So a block either is all ASCII (packed
 * to 8 bytes at once) or has each unit's UTF-8 bytes computed in the
 * vector unit and written as one 4-byte word that the next unit's word
 * overwrites past its length.  The caller keeps surrogates out.
 */
TK_ALWAYS_INLINE size_t encode_block(__m128i v, uint8_t *out)
{
    const __m128i zero = _mm_setzero_si128(), one = _mm_set1_epi16(1),
                  low6 = _mm_set1_epi16(0x3F), cont = _mm_set1_epi16(0x80);
    __m128i ascii = _mm_cmpeq_epi16(_mm_and_si128(v, _mm_set1_epi16((short)0xFF80)), zero);
    __m128i two = _mm_cmpeq_epi16(_mm_and_si128(v, _mm_set1_epi16((short)0xF800)), zero);
    __m128i lead, mid, last, len;
    uint16_t lo[8], hi[8], n_bytes[8];
    size_t o = 0;
    int j;
    if (_mm_movemask_epi8(ascii) == 0xFFFF) {
        _mm_storel_epi64((__m128i *)(void *)out, _mm_packus_epi16(v, v));
        return 8;
    }
    /* Lanes where `two` holds are below U+0800 (ASCII included). */
    lead = _mm_or_si128(
        _mm_and_si128(two, _mm_or_si128(_mm_set1_epi16(0xC0), _mm_srli_epi16(v, 6))),
        _mm_andnot_si128(two, _mm_or_si128(_mm_set1_epi16(0xE0), _mm_srli_epi16(v, 12))));
    lead = _mm_or_si128(_mm_and_si128(ascii, v), _mm_andnot_si128(ascii, lead));
    last = _mm_or_si128(cont, _mm_and_si128(v, low6));
    mid = _mm_or_si128(
        _mm_and_si128(two, last),
        _mm_andnot_si128(two, _mm_or_si128(cont, _mm_and_si128(_mm_srli_epi16(v, 6), low6))));
    /* 1, plus 1 unless ASCII, plus 1 unless below U+0800 */
    len = _mm_add_epi16(_mm_add_epi16(one, _mm_andnot_si128(ascii, one)),
                        _mm_andnot_si128(two, one));
    _mm_storeu_si128((__m128i *)(void *)lo, _mm_or_si128(lead, _mm_slli_epi16(mid, 8)));
    _mm_storeu_si128((__m128i *)(void *)hi, last);
    _mm_storeu_si128((__m128i *)(void *)n_bytes, len);
    for (j = 0; j < 8; j++) {
        uint32_t word = (uint32_t)lo[j] | ((uint32_t)hi[j] << 16);
        memcpy(out + o, &word, 4);
        o += n_bytes[j];
    }
    return o;
}

/*
 * The blocks at the start of n units of kind 1 or 2.  A word reaches at
 * most 3 bytes past its unit's start, which stays inside TK_UCS_UTF8_MAX
 * for every unit but the last, so blocks stop short of it.  A block with a
 * surrogate ends them: the caller's loop applies the error mode.  Returns
 * the units done; *at advances by the bytes written.
 */
TK_ALWAYS_INLINE size_t encode_blocks(const void *units, const int kind, size_t n,
                                      uint8_t *out, size_t *at)
{
    const __m128i surrogate_bits = _mm_set1_epi16((short)0xF800),
                  surrogate = _mm_set1_epi16((short)0xD800);
    size_t i = 0, o = *at;
    for (; i + 8 < n; i += 8) {
        __m128i v;
        if (kind == 1) {
            v = _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(const void *)
                                                  ((const uint8_t *)units + i)),
                                  _mm_setzero_si128());
        } else {
            v = _mm_loadu_si128((const __m128i *)(const void *)((const uint16_t *)units + i));
            if (_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(v, surrogate_bits), surrogate)))
                break;
        }
        o += encode_block(v, out + o);
    }
    *at = o;
    return i;
}
#endif

/*
 * The loop for one kind, forced inline so that each call below, with a
 * constant kind, becomes its own loop without a per-unit dispatch.  Where
 * SSE2 is available, blocks of 8 units go first (encode_blocks); the loop
 * below takes the rest: runs of ASCII a word at a time, other units (and
 * everything from a block with a surrogate on) one at a time.
 */
TK_ALWAYS_INLINE int encode_units(const void *units, const int kind, size_t n, int errors,
                                  uint8_t *out, size_t *out_len)
{
    size_t i = 0, at = 0;
#ifdef TK_UTF8_BLOCKS
    if (kind != 4)
        i = encode_blocks(units, kind, n, out, &at);
#endif
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
