/*
 * Tokenizer: UAX #29 segments -> kind filter -> utf8proc mapping ->
 * length / stopword filter -> sink.
 *
 * Pure-ASCII segments (most of many corpora) take a fast path: NFC/NFKC
 * are the identity on ASCII and both case folding and lowercasing reduce
 * to A-Z -> a-z.  Other segments map character by character from a
 * process-wide cache of utf8proc's results, and the runs that cannot be
 * mapped that way go through utf8proc_decompose_custom +
 * utf8proc_reencode, memoized per thread.  Everything writes into
 * per-thread scratch buffers, so there is no allocation per token once
 * the buffers have grown.
 */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "tk_tokenize.h"

/* ------------------------------------------------------------- hashing */
/* Most tokens are short, so up to 16 bytes take two (overlapping) loads
 * and one multiply; longer inputs fold 16-byte blocks. */
uint64_t tk_hash_bytes(const uint8_t *data, size_t len)
{
    const uint64_t k1 = TK_HASH_K1;
    uint64_t seed = TK_HASH_K0 ^ (uint64_t)len, a, b;

    if (len <= 16) {
        if (len >= 8) {
            memcpy(&a, data, 8);
            memcpy(&b, data + len - 8, 8);
        } else if (len >= 4) {
            uint32_t lo, hi;
            memcpy(&lo, data, 4);
            memcpy(&hi, data + len - 4, 4);
            a = lo;
            b = hi;
        } else if (len > 0) {
            a = ((uint64_t)data[0] << 16) | ((uint64_t)data[len / 2] << 8) | data[len - 1];
            b = 0;
        } else {
            a = b = 0;
        }
    } else {
        size_t i = 0;
        for (; i + 16 < len; i += 16) {
            memcpy(&a, data + i, 8);
            memcpy(&b, data + i + 8, 8);
            seed = tk_hash_fold(a ^ k1, b ^ seed);
        }
        memcpy(&a, data + len - 16, 8);
        memcpy(&b, data + len - 8, 8);
    }
    return tk_hash_finish(a, b, seed, len);
}

/* ------------------------------------------------------- classification */
enum { CLS_SPACE = 0, CLS_LETTER = 1, CLS_DIGIT = 2, CLS_EMOJI = 3, CLS_PUNCT = 4,
       CLS_MARK = 5, CLS_CONTROL = 6 };

static int classify_cp(uint32_t cp)
{
    int wb;
    if (cp < 0x80) {
        if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')
            return CLS_LETTER;
        if (cp >= '0' && cp <= '9')
            return CLS_DIGIT;
        if (cp == ' ')
            return CLS_SPACE;
        if (cp < 0x20 || cp == 0x7F)
            return CLS_CONTROL;
        return CLS_PUNCT;
    }
    wb = tk_wordbreak_property(cp);
    if (wb == TK_WB_ALETTER || wb == TK_WB_HEBREW_LETTER || wb == TK_WB_KATAKANA)
        return CLS_LETTER;
    if (wb == TK_WB_NUMERIC)
        return CLS_DIGIT;
    if (wb == TK_WB_REGIONAL_INDICATOR || tk_is_extended_pictographic(cp))
        return CLS_EMOJI;
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
        return CLS_LETTER;     /* Han, Hiragana, Thai ... are Word_Break=Other */
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
        return CLS_DIGIT;
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
        return CLS_MARK;
    case UTF8PROC_CATEGORY_ZS: case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP:
        return CLS_SPACE;
    case UTF8PROC_CATEGORY_CC: case UTF8PROC_CATEGORY_CF: case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO: case UTF8PROC_CATEGORY_CN:
        return CLS_CONTROL;
    default:
        return CLS_PUNCT;     /* P* and S* */
    }
}

/* The segment kind from the set of character classes it contains. */
static unsigned kind_of_classes(unsigned seen)
{
    if (seen & (1u << CLS_LETTER))
        return TK_KIND_WORD;         /* a letter decides: "19일", "don't" */
    if (seen & (1u << CLS_DIGIT))
        return TK_KIND_NUMBER;
    if (seen & (1u << CLS_EMOJI))
        return TK_KIND_EMOJI;
    if (seen & (1u << CLS_PUNCT))
        return TK_KIND_PUNCT;
    return 0;   /* spaces, controls, lone marks */
}

unsigned tk_segment_kind(const uint8_t *seg, size_t len)
{
    unsigned seen = 0;
    size_t pos = 0;
    while (pos < len) {
        uint32_t cp;
        pos += tk_utf8_decode_valid(seg + pos, len - pos, &cp);
        seen |= 1u << classify_cp(cp);
        if (seen & (1u << CLS_LETTER))
            break;
    }
    return kind_of_classes(seen);
}

/* -------------------------------------------------------------- mapping */
void tk_scratch_free(tk_scratch *s)
{
    tk_free(s->cps);
    tk_free(s->bytes);
    tk_free(s->memo);
    tk_free(s->memo_bytes);
    tk_free(s->special);
    tk_free(s->unstripped);
    memset(s, 0, sizeof *s);
}

/* --------------------------------------- Python's special lowercasings */
static int in_ranges(const uint32_t (*ranges)[2], size_t n, uint32_t cp)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < ranges[mid][0])
            hi = mid;
        else if (cp > ranges[mid][1])
            lo = mid + 1;
        else
            return 1;
    }
    return 0;
}

int tk_is_cased(uint32_t cp)
{
    return in_ranges(tk_cased_ranges, tk_cased_count, cp);
}

int tk_is_case_ignorable(uint32_t cp)
{
    return in_ranges(tk_case_ignorable_ranges, tk_case_ignorable_count, cp);
}

/* Are the 8 bytes at p ASCII?  *block gets them (one load, no branch per
 * byte). */
static inline int ascii8(const uint8_t *p, uint64_t *block)
{
    memcpy(block, p, 8);
    return !(*block & UINT64_C(0x8080808080808080));
}

/* Is cp a capital sigma once normalized with opts?  NFKC also makes one
 * of U+03F9 and the mathematical capital sigmas (the tests check this
 * list against Python's unicodedata). */
static int sigma_source(const tk_tokenizer_opts *opts, uint32_t cp)
{
    if (cp == 0x3A3)
        return 1;
    return opts->norm == TK_NORM_NFKC
        && (cp == 0x3F9 || cp == 0x1D6BA || cp == 0x1D6F4 || cp == 0x1D72E || cp == 0x1D768
            || cp == 0x1D7A2);
}

/* Does s (valid UTF-8) contain U+0130 (C4 B0) or a sigma_source?  Lead
 * bytes never occur inside a character, so most need a byte pair only. */
static int has_special_lower(const tk_tokenizer_opts *opts, const uint8_t *s, size_t len)
{
    size_t i;
    for (i = 0; i + 1 < len; i++) {
        uint64_t block;
        /* No lead byte of interest in 8 ASCII bytes: step over them. */
        if (len - i >= 8 && ascii8(s + i, &block)) {
            i += 7;
            continue;
        }
        if ((s[i] == 0xC4 && s[i + 1] == 0xB0) || (s[i] == 0xCE && s[i + 1] == 0xA3))
            return 1;
        if (opts->norm == TK_NORM_NFKC && (s[i] == 0xCF || s[i] == 0xF0)) {
            uint32_t cp;
            tk_utf8_decode_valid(s + i, len - i, &cp);
            if (sigma_source(opts, cp))
                return 1;
        }
    }
    return 0;
}

/* Is the U+03A3 at byte at of s in the Final_Sigma context?  Each scan
 * stops at the first character that is not case-ignorable, so a text is
 * scanned about twice at most whatever its sigmas and marks. */
static int is_final_sigma(const uint8_t *s, size_t len, size_t at)
{
    size_t p = at, n;
    uint32_t cp = 0;
    int found = 0;
    while (p > 0) {
        size_t q = p - 1;
        while (q > 0 && (s[q] & 0xC0) == 0x80)
            q--;
        tk_utf8_decode_valid(s + q, p - q, &cp);
        p = q;
        if (!tk_is_case_ignorable(cp)) {
            found = 1;
            break;
        }
    }
    if (!found || !tk_is_cased(cp))
        return 0;
    for (p = at + 2; p < len; p += n) {
        n = tk_utf8_decode_valid(s + p, len - p, &cp);
        if (!tk_is_case_ignorable(cp))
            return !tk_is_cased(cp);
    }
    return 1;
}

/* Rewrite s (valid UTF-8) into out with U+0130 -> "i" U+0307 and U+03A3
 * -> U+03C2 or U+03C3 (see tk_tokenize.h), which utf8proc's lowercase
 * leaves alone; returns the length, at most n + n / 2. */
static size_t rewrite_special_lower(const uint8_t *s, size_t n, uint8_t *out)
{
    size_t i = 0, o = 0;
    while (i < n) {
        if (i + 1 < n && s[i] == 0xC4 && s[i + 1] == 0xB0) {
            out[o++] = 'i';
            out[o++] = 0xCC;
            out[o++] = 0x87;
            i += 2;
        } else if (i + 1 < n && s[i] == 0xCE && s[i + 1] == 0xA3) {
            out[o++] = 0xCF;
            out[o++] = is_final_sigma(s, n, i) ? 0x82 : 0x83;
            i += 2;
        } else {
            out[o++] = s[i++];
        }
    }
    return o;
}

static int map_utf8proc(const tk_tokenizer_opts *opts, const uint8_t *seg, size_t len,
                        tk_scratch *scratch, const uint8_t **out, size_t *out_len,
                        size_t *out_cps);

/* For case "lower", point *text and *len at the rewritten text in
 * scratch->special; other options and texts are left as they are.  With
 * a normalization the text is normalized first, so that, as in Python's
 * str.lower() of normalized text, a sigma's context is what normalizing
 * made of its neighbours (a spacing diaeresis, case-ignorable, becomes a
 * space and a mark) and U+03F9 counts as a sigma under NFKC.  Mapping the
 * result again with opts normalizes nothing more. */
static int special_lower(const tk_tokenizer_opts *opts, const uint8_t **text, size_t *len,
                         tk_scratch *scratch)
{
    int rc;
    size_t ignored_cps;
    if (opts->case_mode != TK_CASE_LOWER || !has_special_lower(opts, *text, *len))
        return TK_OK;
    if (opts->norm != TK_NORM_NONE) {
        tk_tokenizer_opts normalize_only;
        memset(&normalize_only, 0, sizeof normalize_only);
        normalize_only.norm = opts->norm;
        if ((rc = map_utf8proc(&normalize_only, *text, *len, scratch, text, len,
                               &ignored_cps)) < 0)
            return rc;
    }
    /* A 2-byte U+0130 becomes 3 bytes; nothing else grows. */
    if (*len > SIZE_MAX / 2 - 1)
        return TK_EOVERFLOW;
    if ((rc = tk_grow((void **)&scratch->special, &scratch->special_cap, *len + *len / 2 + 1,
                      1)) < 0)
        return rc;
    *len = rewrite_special_lower(*text, *len, scratch->special);
    *text = scratch->special;
    return TK_OK;
}

/* ----------------------------------------------------------------- memo */
#define TK_MEMO_SLOTS 32768         /* direct-mapped */
#define TK_MEMO_MAX_RAW 64          /* longer runs are rare: not memoized */
#define TK_MEMO_MAX_BYTES (1u << 22) /* arena size; the memo restarts when full */

static void memo_reset(tk_scratch *s)
{
    if (s->memo)
        memset(s->memo, 0, TK_MEMO_SLOTS * sizeof *s->memo);
    s->memo_len = 0;
}

/*
 * The memo keeps utf8proc's mapping of the runs that the per-code-point
 * cache (below) cannot map: words with combining marks, viramas, jamo.
 * It is an optimization only: any failure just leaves it off.
 */
static tk_memo_entry *memo_slot(tk_scratch *s, const tk_tokenizer_opts *opts,
                                const uint8_t *raw, size_t raw_len, uint64_t *hash)
{
    if (raw_len > TK_MEMO_MAX_RAW)
        return NULL;
    if (!s->memo) {
        s->memo = tk_calloc(TK_MEMO_SLOTS, sizeof *s->memo);
        if (!s->memo)
            return NULL;
        s->memo_opts = *opts;
    } else if (memcmp(&s->memo_opts, opts, sizeof *opts) != 0) {
        memo_reset(s);
        s->memo_opts = *opts;
    }
    *hash = tk_hash_bytes(raw, raw_len);
    return &s->memo[*hash & (TK_MEMO_SLOTS - 1)];
}

static int memo_matches(const tk_scratch *s, const tk_memo_entry *e, const uint8_t *raw,
                        size_t raw_len, uint64_t hash)
{
    return e->used && e->hash == hash && e->raw_len == raw_len
        && tk_bytes_equal(s->memo_bytes + e->offset, raw, raw_len);
}

static void memo_store(tk_scratch *s, tk_memo_entry *e, uint64_t hash, const uint8_t *raw,
                       size_t raw_len, const uint8_t *out, size_t out_len, size_t out_cps)
{
    size_t need = raw_len + out_len;
    if (out_len > TK_MEMO_MAX_BYTES / 4)
        return;
    if (s->memo_len + need > TK_MEMO_MAX_BYTES) {
        memo_reset(s);
        e->used = 0;
    }
    if (tk_grow((void **)&s->memo_bytes, &s->memo_cap, s->memo_len + need, 1) < 0)
        return;
    memcpy(s->memo_bytes + s->memo_len, raw, raw_len);
    if (out_len)
        memcpy(s->memo_bytes + s->memo_len + raw_len, out, out_len);
    e->hash = hash;
    e->raw_len = (uint32_t)raw_len;
    e->out_len = (uint32_t)out_len;
    e->out_cps = (uint32_t)out_cps;
    e->offset = (uint32_t)s->memo_len;
    e->used = 1;
    s->memo_len += need;
}

static int is_ascii(const uint8_t *s, size_t len)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t block;
        if (!ascii8(s + i, &block))
            return 0;
    }
    for (; i < len; i++)
        if (s[i] & 0x80)
            return 0;
    return 1;
}

/*
 * case "lower" maps the decomposed text: after normalization, as the
 * options promise (lowercasing each input character first left capitals
 * that a compatibility decomposition makes, such as U+03D2 -> U+03A5).
 * Case folding needs no such step: utf8proc folds the decomposition too.
 */
static void lower_decomposed(utf8proc_int32_t *cps, utf8proc_ssize_t n)
{
    utf8proc_ssize_t i;
    for (i = 0; i < n; i++)
        cps[i] = utf8proc_tolower(cps[i]);
}

/*
 * A mapping is one utf8proc pass: decomposition (with case folding),
 * lowercasing, re-encoding (which composes where COMPOSE is set).  Accent
 * stripping is a second pass over its result, as the options order them
 * (utf8proc folds the parts of a compatibility decomposition, which would
 * fold U+037A's U+0345 before "unicode" could drop it): decompose, drop
 * code points (strip_drops), re-encode.
 */
static utf8proc_option_t case_map_options(const tk_tokenizer_opts *opts)
{
    utf8proc_option_t o = 0;
    if (opts->norm == TK_NORM_NFC)
        o |= UTF8PROC_COMPOSE;
    else if (opts->norm == TK_NORM_NFKC)
        o |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
    if (opts->case_mode == TK_CASE_FOLD)
        o |= UTF8PROC_CASEFOLD;
    /* Without STABLE utf8proc also composes into the characters that
     * Unicode excludes from composition after their version (U+2ADC
     * FORKING, musical notes U+1D15E..): NFC and NFKC must leave those
     * decomposed. */
    if (o & UTF8PROC_COMPOSE)
        o |= UTF8PROC_STABLE;
    return o;
}

/* False when every option is off and a segment maps to itself. */
static int mapping_changes_text(const tk_tokenizer_opts *opts)
{
    return case_map_options(opts) != 0 || opts->case_mode == TK_CASE_LOWER
        || opts->strip_accents != TK_STRIP_NONE;
}

/* The second pass: TK_STRIP_MARKS recomposes (canonically without a
 * requested normalization); scikit-learn's two functions decompose with
 * NFKD and leave their result decomposed unless a form is asked for. */
static utf8proc_option_t strip_options(const tk_tokenizer_opts *opts)
{
    if (opts->strip_accents == TK_STRIP_MARKS)
        return UTF8PROC_COMPOSE | UTF8PROC_STABLE
               | (opts->norm == TK_NORM_NFKC ? UTF8PROC_COMPAT : 0);
    if (opts->strip_accents == TK_STRIP_UNICODE || opts->strip_accents == TK_STRIP_ASCII)
        return UTF8PROC_COMPAT
               | (opts->norm != TK_NORM_NONE ? UTF8PROC_COMPOSE | UTF8PROC_STABLE
                                             : UTF8PROC_DECOMPOSE);
    return 0;
}

/* Does the accent stripping of opts drop cp (of decomposed text)? */
static int strip_drops(const tk_tokenizer_opts *opts, utf8proc_int32_t cp)
{
    switch (opts->strip_accents) {
    case TK_STRIP_MARKS:
        return utf8proc_category(cp) == UTF8PROC_CATEGORY_MN;
    case TK_STRIP_UNICODE:
        return utf8proc_get_property(cp)->combining_class != 0;
    case TK_STRIP_ASCII:
        return cp >= 0x80;
    default:
        return 0;
    }
}

static size_t count_cps(const uint8_t *s, size_t len)
{
    size_t i, n = 0;
    for (i = 0; i < len; i++)
        n += (s[i] & 0xC0) != 0x80;
    return n;
}

/* A-Z -> a-z, the case mapping of every case mode on ASCII. */
static inline uint8_t ascii_lower(uint8_t c)
{
    return (uint8_t)(c + (((uint8_t)(c - 'A') < 26) << 5));
}

/* ascii_lower of 8 ASCII bytes at once (no byte has its top bit set, so
 * no sum below carries into the next byte). */
static inline uint64_t ascii_lower8(uint64_t w)
{
    const uint64_t ones = UINT64_C(0x0101010101010101);
    uint64_t from_a = w + ones * (0x80 - 'A');      /* top bit: byte >= 'A' */
    uint64_t past_z = w + ones * (0x80 - 'Z' - 1);  /* top bit: byte > 'Z' */
    return w | ((from_a & ~past_z & ones * 0x80) >> 2);
}

/* tk_map_segment for an ASCII segment: every normalization is the
 * identity there and both case mappings are A-Z -> a-z. */
static int map_ascii(const tk_tokenizer_opts *opts, const uint8_t *seg, size_t len,
                     tk_scratch *scratch, const uint8_t **out)
{
    size_t i;
    int rc;
    if (opts->case_mode == TK_CASE_NONE) {
        *out = seg;
        return TK_OK;
    }
    /* tk_grow leaves a buffer even for len 0, so *out is never NULL. */
    if ((len > scratch->bytes_cap || !scratch->bytes)
        && (rc = tk_grow((void **)&scratch->bytes, &scratch->bytes_cap, len, 1)) < 0)
        return rc;
    for (i = 0; i < len; i++)
        scratch->bytes[i] = ascii_lower(seg[i]);
    *out = scratch->bytes;
    return TK_OK;
}

/* Stable sort of each run of marks (combining class > 0) by class, as
 * canonical ordering does.  Decomposition ordered the marks, but stripping
 * can drop a class-0 nonspacing mark that stood between two of them (a
 * musical augmentation dot, a Devanagari vowel sign, a Sharada virama):
 * the two then meet out of order, and composition does not reorder. */
static void canonical_reorder(utf8proc_int32_t *cps, utf8proc_ssize_t n)
{
    utf8proc_ssize_t i, k;
    for (i = 1; i < n; i++) {
        utf8proc_int32_t cp = cps[i];
        int cls = utf8proc_get_property(cp)->combining_class;
        if (cls == 0)
            continue;
        /* a starter (class 0) before it stops the move */
        for (k = i; k > 0 && utf8proc_get_property(cps[k - 1])->combining_class > cls; k--)
            cps[k] = cps[k - 1];
        cps[k] = cp;
    }
}

/* One utf8proc pass over seg (non-ASCII, valid UTF-8) into scratch->cps:
 * decompose with options, lowercase if lower, drop what strip drops (if
 * not NULL), re-encode. */
static int utf8proc_pass(const uint8_t *seg, size_t len, utf8proc_option_t options, int lower,
                         const tk_tokenizer_opts *strip, tk_scratch *scratch,
                         const uint8_t **out, size_t *out_len)
{
    utf8proc_ssize_t n;
    int rc;

    if (len > (size_t)PTRDIFF_MAX / 8)
        return TK_EOVERFLOW;
    /* A guess that fits most text; utf8proc reports the size it needs. */
    rc = tk_grow((void **)&scratch->cps, &scratch->cps_cap, len + 16, sizeof(int32_t));
    if (rc < 0)
        return rc;
    for (;;) {
        n = utf8proc_decompose_custom(seg, (utf8proc_ssize_t)len, scratch->cps,
                                      (utf8proc_ssize_t)scratch->cps_cap, options, NULL, NULL);
        if (n < 0)
            return n == UTF8PROC_ERROR_NOMEM ? TK_ENOMEM : TK_EUTF8PROC;
        if ((size_t)n <= scratch->cps_cap)
            break;
        rc = tk_grow((void **)&scratch->cps, &scratch->cps_cap, (size_t)n, sizeof(int32_t));
        if (rc < 0)
            return rc;
    }
    if (lower)
        lower_decomposed(scratch->cps, n);
    if (strip) {
        utf8proc_ssize_t i, kept = 0;
        for (i = 0; i < n; i++)
            if (!strip_drops(strip, scratch->cps[i]))
                scratch->cps[kept++] = scratch->cps[i];
        if (kept < n)
            canonical_reorder(scratch->cps, kept);
        n = kept;
    }
    /* reencode normalizes (composition) and writes UTF-8 over the same
     * buffer; UTF-8 never needs more than 4 bytes per code point. */
    n = utf8proc_reencode(scratch->cps, n, options);
    if (n < 0)
        return n == UTF8PROC_ERROR_NOMEM ? TK_ENOMEM : TK_EUTF8PROC;
    *out = (const uint8_t *)scratch->cps;
    *out_len = (size_t)n;
    return TK_OK;
}

/* Might the text hold U+0345 COMBINING GREEK YPOGEGRAMMENI once
 * decomposed?  It is U+0345 itself (CD 85), U+037A (CD BA) or one of the
 * Greek letters with an iota subscript in U+1F80..U+1FFC (E1 BE xx and
 * E1 BF xx).  A superset is safe: it only costs an extra pass. */
static int may_hold_ypogegrammeni(const uint8_t *s, size_t len)
{
    size_t i;
    for (i = 0; i + 1 < len; i++) {
        if ((s[i] == 0xCD && (s[i + 1] == 0x85 || s[i + 1] == 0xBA))
            || (s[i] == 0xE1 && (s[i + 1] == 0xBE || s[i + 1] == 0xBF)))
            return 1;
    }
    return 0;
}

/*
 * Case folding with a normalization is Python's N(casefold(N(text))).
 * utf8proc folds each character as it decomposes it, before canonical
 * reordering, which is the same for every character but one: U+0345
 * (combining class 240) folds to U+03B9, a starter.  Normalizing first
 * moves a mark of lower class ahead of U+0345, where it composes with
 * the base ("\u1FB3\u0301" is "\u03AC\u03B9" in Python); folding
 * first leaves the mark on the iota.  So a text that may hold U+0345 is
 * normalized on its own first, into scratch->special (which only case
 * "lower" uses otherwise), and *text points there.
 */
static int normalize_before_fold(const tk_tokenizer_opts *opts, const uint8_t **text,
                                 size_t *len, tk_scratch *scratch)
{
    tk_tokenizer_opts normalize_only;
    const uint8_t *normalized;
    size_t normalized_len, ignored_cps;
    int rc;

    if (opts->case_mode != TK_CASE_FOLD || opts->norm == TK_NORM_NONE
        || !may_hold_ypogegrammeni(*text, *len))
        return TK_OK;
    memset(&normalize_only, 0, sizeof normalize_only);
    normalize_only.norm = opts->norm;
    if ((rc = map_utf8proc(&normalize_only, *text, *len, scratch, &normalized, &normalized_len,
                           &ignored_cps)) < 0)
        return rc;
    /* The fold pass decomposes into scratch->cps, where this result is. */
    if ((rc = tk_grow((void **)&scratch->special, &scratch->special_cap, normalized_len + 1, 1))
        < 0)
        return rc;
    memcpy(scratch->special, normalized, normalized_len);
    *text = scratch->special;
    *len = normalized_len;
    return TK_OK;
}

/* tk_map_segment_utf8proc for a text that special_lower has seen to. */
static int map_utf8proc(const tk_tokenizer_opts *opts, const uint8_t *seg, size_t len,
                        tk_scratch *scratch, const uint8_t **out, size_t *out_len,
                        size_t *out_cps)
{
    utf8proc_option_t options = case_map_options(opts);
    int lower = opts->case_mode == TK_CASE_LOWER, rc;

    if (!mapping_changes_text(opts)) {
        *out = seg;
        *out_len = len;
        *out_cps = count_cps(seg, len);
        return TK_OK;
    }
    if (is_ascii(seg, len)) {
        /* (stripping leaves ASCII alone too) */
        *out_len = len;
        *out_cps = len;
        return map_ascii(opts, seg, len, scratch, out);
    }
    if ((rc = normalize_before_fold(opts, &seg, &len, scratch)) < 0)
        return rc;
    *out = seg;
    *out_len = len;
    if (options != 0 || lower) {
        if ((rc = utf8proc_pass(seg, len, options, lower, NULL, scratch, out, out_len)) < 0)
            return rc;
        if (opts->strip_accents) {
            /* The second pass decomposes into scratch->cps: move the
             * first one's result out of the way. */
            if ((rc = tk_grow((void **)&scratch->unstripped, &scratch->unstripped_cap,
                              *out_len + 1, 1)) < 0)
                return rc;
            memcpy(scratch->unstripped, *out, *out_len);
            *out = scratch->unstripped;
        }
    }
    if (opts->strip_accents
        && (rc = utf8proc_pass(*out, *out_len, strip_options(opts), 0, opts, scratch, out,
                               out_len)) < 0)
        return rc;
    *out_cps = count_cps(*out, *out_len);
    return TK_OK;
}

int tk_map_segment_utf8proc(const tk_tokenizer_opts *opts, const uint8_t *seg, size_t len,
                            tk_scratch *scratch, const uint8_t **out, size_t *out_len,
                            size_t *out_cps)
{
    int rc = special_lower(opts, &seg, &len, scratch);
    if (rc < 0)
        return rc;
    return map_utf8proc(opts, seg, len, scratch, out, out_len, out_cps);
}

/* ---------------------------------------------- per-code-point mapping */
/*
 * utf8proc maps a segment in several passes (decompose, reorder, compose,
 * re-encode) and costs well over 100 ns even for a short word.  Most
 * characters map on their own, though.  Call a character a boundary when
 * its decomposition starts with a starter (combining class 0) that no
 * character composes with: canonical reordering never moves a mark past a
 * starter, and composition never joins it to what precedes, so mapping a
 * text equals mapping its pieces between boundaries and concatenating.
 *
 * The cache keeps, per option set and code point, the character's class,
 * whether it is a boundary, and its own mapping when that fits in 4 bytes.
 * A segment made of such characters maps by table lookups; a run of other
 * characters goes to utf8proc from the last boundary before it to the next
 * boundary after it.  The result is byte-identical to mapping the whole
 * segment with utf8proc (csrc/tests/test_tokenize.c checks every code
 * point, and random text, against tk_map_segment_utf8proc).
 *
 * The cache is process-wide and filled lazily.  An entry is a pure
 * function of the code point, the options and the linked utf8proc, so
 * threads that race to fill one store the same value; it uses plain
 * malloc, stays allocated until exit, and is simply not used where an
 * allocation fails.
 */
#define CM_FILLED    (UINT64_C(1) << 63)
#define CM_BOUNDARY  (UINT64_C(1) << 41)
#define CM_FAST      (UINT64_C(1) << 42)     /* a boundary whose mapping is stored */
#define CM_LEN(e)    ((size_t)((e) >> 32) & 7u)
#define CM_CPS(e)    ((size_t)((e) >> 35) & 7u)
#define CM_CLASS(e)  ((unsigned)((e) >> 38) & 7u)
#define CM_WB_SHIFT  43                      /* the Word_Break value, TK_WB_MASK */
#define CM_WB(e)     ((unsigned)((e) >> CM_WB_SHIFT) & TK_WB_MASK)
#define CM_BLOCK_BITS 8
#define CM_BLOCKS (0x110000u >> CM_BLOCK_BITS)
#define CM_OPTION_SETS 36                    /* 3 case modes x 3 forms x 4 strip modes */

static uint64_t **cm_tables[CM_OPTION_SETS];   /* CM_BLOCKS block pointers each */
static uint8_t *cm_second;                      /* bit set over all code points */

/* Store fresh into *slot unless another thread got there first; returns
 * whichever pointer is in *slot afterwards. */
static void *cm_publish(void **slot, void *fresh)
{
    void *current = NULL;
    if (!fresh)
        return __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (__atomic_compare_exchange_n(slot, &current, fresh, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
        return fresh;
    free(fresh);
    return current;
}

/* Characters that can be the second of a canonical composition: every
 * character after the first in some full canonical decomposition (Hangul
 * included, which utf8proc decomposes algorithmically).  A superset is
 * safe; it only sends more characters to utf8proc. */
static const uint8_t *cm_second_set(void)
{
    uint8_t *set = __atomic_load_n(&cm_second, __ATOMIC_ACQUIRE);
    utf8proc_int32_t cp, parts[32];
    if (set)
        return set;
    set = calloc(0x110000 / 8, 1);
    if (!set)
        return NULL;
    for (cp = 0x80; cp < 0x110000; cp++) {
        int boundclass = 0;
        utf8proc_ssize_t i, n;
        if (cp == 0xD800)
            cp = 0xE000;     /* surrogates are not characters */
        n = utf8proc_decompose_char(cp, parts, 32, UTF8PROC_DECOMPOSE, &boundclass);
        for (i = 1; i < n && i < 32; i++)
            set[parts[i] >> 3] |= (uint8_t)(1u << (parts[i] & 7));
    }
    return cm_publish((void **)&cm_second, set);
}

int tk_mapping_cache_started(void)
{
    return __atomic_load_n(&cm_second, __ATOMIC_ACQUIRE) != NULL;
}

/* The block table for opts, or NULL if there is none (yet no memory). */
static uint64_t **cm_table(const tk_tokenizer_opts *opts)
{
    unsigned index;
    uint64_t **table;
    if (opts->case_mode < 0 || opts->case_mode > 2 || opts->norm < 0 || opts->norm > 2
        || opts->strip_accents < 0 || opts->strip_accents > 3 || !cm_second_set())
        return NULL;
    index = (unsigned)(opts->case_mode * 12 + opts->norm * 4 + opts->strip_accents);
    table = __atomic_load_n(&cm_tables[index], __ATOMIC_ACQUIRE);
    if (table)
        return table;
    return cm_publish((void **)&cm_tables[index], calloc(CM_BLOCKS, sizeof *table));
}

/* Does a pass with options (lowercasing if lower, stripping what strip
 * drops) map cp to text whose first code point is a starter that survives
 * and composes with nothing before it?  Then reordering and composition
 * never reach across the start of cp's mapping. */
static int starts_clean(utf8proc_int32_t cp, utf8proc_option_t options, int lower,
                        const tk_tokenizer_opts *strip)
{
    /* 32 holds every decomposition (the longest, U+FDFA's, has 18). */
    utf8proc_int32_t parts[32];
    utf8proc_int32_t first;
    int boundclass = 0;
    utf8proc_ssize_t n = utf8proc_decompose_char(cp, parts, 32, options, &boundclass);
    if (n <= 0 || n > 32)
        return 0;
    first = lower ? utf8proc_tolower(parts[0]) : parts[0];
    if (strip && strip_drops(strip, first))
        return 0;
    return utf8proc_get_property(first)->combining_class == 0
        && !(cm_second_set()[first >> 3] & (1u << (first & 7)));
}

/* Work out the entry of one non-ASCII code point, once cm_table has made
 * the set of seconds; uses scratch->cps.  Returns 0 (neither a boundary
 * nor fast, and not stored) if utf8proc fails. */
static uint64_t cm_compute(const tk_tokenizer_opts *opts, uint32_t cp, tk_scratch *scratch)
{
    utf8proc_option_t options = case_map_options(opts), stripping = strip_options(opts);
    int lower = opts->case_mode == TK_CASE_LOWER;
    uint8_t utf8[4];
    size_t n = tk_utf8_encode(cp, utf8), out_len, out_cps, i;
    const uint8_t *out;
    uint64_t entry = CM_FILLED | ((uint64_t)classify_cp(cp) << 38)
                     | ((uint64_t)(tk_wb_byte(cp) & TK_WB_MASK) << CM_WB_SHIFT);
    /* Each pass that composes must start cleanly at cp: the first on cp
     * itself, the stripping one on the first code point of what the first
     * made of cp.  A pass that only decomposes maps each character on its
     * own, but for canonical reordering, which only moves marks that
     * stripping drops. */
    int clean = !(options & UTF8PROC_COMPOSE)
                || (starts_clean((utf8proc_int32_t)cp, options, lower, NULL)
                    /* Folding comes after a normalization of its own
                     * (normalize_before_fold): U+0345 folds to a starter
                     * but is reordered as the mark it is. */
                    && (!(options & UTF8PROC_CASEFOLD)
                        || starts_clean((utf8proc_int32_t)cp, options & ~UTF8PROC_CASEFOLD,
                                        lower, NULL)));
    if (clean && (stripping & UTF8PROC_COMPOSE)) {
        uint32_t first = cp;
        if (options != 0 || lower) {
            if (utf8proc_pass(utf8, n, options, lower, NULL, scratch, &out, &out_len) < 0)
                return 0;
            clean = out_len > 0;
            if (clean)
                tk_utf8_decode_valid(out, out_len, &first);
        }
        clean = clean && starts_clean((utf8proc_int32_t)first, stripping, 0, opts);
    }
    if (clean)
        entry |= CM_BOUNDARY;
    if (!(entry & CM_BOUNDARY))
        return entry;
    {
        /* special_lower, but not into scratch->special, which may hold the
         * text being mapped */
        uint8_t rewritten[8];
        const uint8_t *text = utf8;
        size_t text_len = n;
        if (opts->case_mode == TK_CASE_LOWER && has_special_lower(opts, utf8, n)) {
            text_len = rewrite_special_lower(utf8, n, rewritten);
            text = rewritten;
        }
        if (map_utf8proc(opts, text, text_len, scratch, &out, &out_len, &out_cps) < 0)
            return 0;
    }
    /* A capital sigma's lowercase depends on its neighbours: segments
     * with one go the general way, through special_lower. */
    if (out_len <= 4 && !(opts->case_mode == TK_CASE_LOWER && sigma_source(opts, cp))) {
        for (i = 0; i < out_len; i++)
            entry |= (uint64_t)out[i] << (8 * i);
        entry |= CM_FAST | ((uint64_t)out_len << 32) | ((uint64_t)out_cps << 35);
    }
    return entry;
}

static inline uint64_t cm_entry(const tk_tokenizer_opts *opts, uint64_t **table, uint32_t cp,
                                tk_scratch *scratch)
{
    uint64_t **slot = &table[cp >> CM_BLOCK_BITS];
    uint64_t *block = __atomic_load_n(slot, __ATOMIC_ACQUIRE), entry;
    if (block) {
        entry = __atomic_load_n(&block[cp & ((1u << CM_BLOCK_BITS) - 1)], __ATOMIC_RELAXED);
        if (entry)
            return entry;
    } else {
        block = cm_publish((void **)slot, calloc(1u << CM_BLOCK_BITS, sizeof *block));
    }
    entry = cm_compute(opts, cp, scratch);
    if (block && entry)
        __atomic_store_n(&block[cp & ((1u << CM_BLOCK_BITS) - 1)], entry, __ATOMIC_RELAXED);
    return entry;
}

/* Is the character at s (valid UTF-8, n bytes left) a boundary? */
static inline int cm_is_boundary(const tk_tokenizer_opts *opts, uint64_t **table,
                                 const uint8_t *s, size_t avail, size_t *n, unsigned *seen,
                                 tk_scratch *scratch)
{
    uint32_t cp;
    uint64_t entry;
    *n = tk_utf8_decode_valid(s, avail, &cp);
    if (cp < 0x80) {
        *seen |= 1u << classify_cp(cp);
        return 1;
    }
    entry = cm_entry(opts, table, cp, scratch);
    *seen |= 1u << CM_CLASS(entry);
    return (entry & CM_BOUNDARY) != 0;
}

/* utf8proc's mapping of one run between boundaries, from the memo when
 * the run was seen before.  *out stays valid until the next call. */
static int map_run(const tk_tokenizer_opts *opts, const uint8_t *run, size_t len,
                   tk_scratch *scratch, const uint8_t **out, size_t *out_len, size_t *out_cps)
{
    uint64_t hash = 0;
    tk_memo_entry *memo = memo_slot(scratch, opts, run, len, &hash);
    int rc;
    if (memo && memo_matches(scratch, memo, run, len, hash)) {
        *out = scratch->memo_bytes + memo->offset + memo->raw_len;
        *out_len = memo->out_len;
        *out_cps = memo->out_cps;
        return TK_OK;
    }
    rc = map_utf8proc(opts, run, len, scratch, out, out_len, out_cps);
    if (rc == TK_OK && memo)
        memo_store(scratch, memo, hash, run, len, *out, *out_len, *out_cps);
    return rc;
}

/*
 * Map seg (non-ASCII, valid UTF-8) piece by piece into scratch->bytes, as
 * described above; *kind (if not NULL) receives tk_segment_kind(seg).
 */
static int map_cached(const tk_tokenizer_opts *opts, uint64_t **table, const uint8_t *seg,
                      size_t len, tk_scratch *scratch, unsigned *kind, const uint8_t **out,
                      size_t *out_len, size_t *out_cps)
{
    size_t pos = 0, o = 0, cps = 0, n;
    size_t mark_in = 0, mark_out = 0, mark_cps = 0;    /* the last boundary */
    unsigned seen = 0;
    int lower = opts->case_mode != TK_CASE_NONE, rc;

    /* Every fast character writes at most 4 bytes; slow runs grow below. */
    if (len > SIZE_MAX / 4)
        return TK_EOVERFLOW;
    if ((rc = tk_grow((void **)&scratch->bytes, &scratch->bytes_cap, 4 * len, 1)) < 0)
        return rc;
    while (pos < len) {
        uint8_t c = seg[pos];
        uint32_t cp;
        uint64_t entry;
        const uint8_t *piece;
        size_t end, piece_len, piece_cps;

        if (c < 0x80) {
            /* Whole texts (no kind wanted) take ASCII 8 bytes at a time:
             * the last of them is the last boundary. */
            uint64_t block;
            if (!kind && len - pos >= 8 && ascii8(seg + pos, &block)) {
                if (lower)
                    block = ascii_lower8(block);
                memcpy(scratch->bytes + o, &block, 8);
                mark_in = pos + 7;
                mark_out = o + 7;
                mark_cps = cps + 7;
                o += 8;
                cps += 8;
                pos += 8;
                continue;
            }
            /* ASCII: a boundary, mapped as map_ascii maps it. */
            seen |= 1u << classify_cp(c);
            mark_in = pos;
            mark_out = o;
            mark_cps = cps;
            scratch->bytes[o++] = lower ? ascii_lower(c) : c;
            cps++;
            pos++;
            continue;
        }
        n = tk_utf8_decode_valid(seg + pos, len - pos, &cp);
        entry = cm_entry(opts, table, cp, scratch);
        seen |= 1u << CM_CLASS(entry);
        if (entry & CM_BOUNDARY) {
            mark_in = pos;
            mark_out = o;
            mark_cps = cps;
        }
        if (entry & CM_FAST) {
            uint8_t *dst = scratch->bytes + o;
            dst[0] = (uint8_t)entry;
            dst[1] = (uint8_t)(entry >> 8);
            dst[2] = (uint8_t)(entry >> 16);
            dst[3] = (uint8_t)(entry >> 24);
            o += CM_LEN(entry);
            cps += CM_CPS(entry);
            pos += n;
            continue;
        }
        /* A slow run: from the last boundary to the next one. */
        for (end = pos + n; end < len; end += n)
            if (cm_is_boundary(opts, table, seg + end, len - end, &n, &seen, scratch))
                break;
        rc = map_run(opts, seg + mark_in, end - mark_in, scratch, &piece, &piece_len,
                     &piece_cps);
        if (rc < 0)
            return rc;
        o = mark_out;
        cps = mark_cps;
        /* Room for the piece and 4 bytes per character still to come
         * (4 * len fits in a size_t, checked above). */
        if (piece_len > SIZE_MAX / 4 || o > SIZE_MAX / 4)
            return TK_EOVERFLOW;
        if ((rc = tk_grow((void **)&scratch->bytes, &scratch->bytes_cap,
                          o + piece_len + 4 * (len - end), 1)) < 0)
            return rc;
        memcpy(scratch->bytes + o, piece, piece_len);
        o += piece_len;
        cps += piece_cps;
        pos = mark_in = end;
        mark_out = o;
        mark_cps = cps;
    }
    if (kind)
        *kind = kind_of_classes(seen);
    *out = scratch->bytes;
    *out_len = o;
    *out_cps = cps;
    return TK_OK;
}

int tk_map_can_cut_before(const tk_tokenizer_opts *opts, uint32_t cp, tk_scratch *scratch)
{
    uint64_t **table;
    /* Python's final sigma looks past case-ignorable characters to the
     * next cased one, both ways: a cut must stop both scans as the whole
     * text would. */
    if (tk_is_cased(cp) || tk_is_case_ignorable(cp))
        return 0;
    if (cp < 0x80 || !mapping_changes_text(opts))
        return 1;
    if (!(table = cm_table(opts)))
        return 0;
    return (cm_entry(opts, table, cp, scratch) & CM_BOUNDARY) != 0;
}

int tk_map_segment(const tk_tokenizer_opts *opts, const uint8_t *seg, size_t len,
                   tk_scratch *scratch, const uint8_t **out, size_t *out_len,
                   size_t *out_cps)
{
    uint64_t **table;
    int rc = special_lower(opts, &seg, &len, scratch);
    if (rc < 0)
        return rc;
    if (!mapping_changes_text(opts) || is_ascii(seg, len) || !(table = cm_table(opts)))
        return map_utf8proc(opts, seg, len, scratch, out, out_len, out_cps);
    return map_cached(opts, table, seg, len, scratch, NULL, out, out_len, out_cps);
}

/* ------------------------------------------------------------ stopwords */
struct tk_stopwords {
    uint8_t *arena; size_t arena_len, arena_cap;
    size_t *slots;  /* 0 = empty, else 1 + index into entries */
    size_t n_slots;
    struct { size_t off, len; uint64_t hash; } *entries;
    size_t n_entries, entries_cap;
};

int tk_stopwords_new(const tk_tokenizer_opts *opts, tk_stopwords **out)
{
    tk_stopwords *sw;
    (void)opts;
    *out = NULL;
    sw = tk_calloc(1, sizeof *sw);
    if (!sw)
        return TK_ENOMEM;
    sw->n_slots = 64;
    sw->slots = tk_calloc(sw->n_slots, sizeof(size_t));
    if (!sw->slots) {
        tk_free(sw);
        return TK_ENOMEM;
    }
    *out = sw;
    return TK_OK;
}

static size_t find_slot(const tk_stopwords *sw, const uint8_t *w, size_t len, uint64_t h)
{
    size_t mask = sw->n_slots - 1, i = (size_t)h & mask;
    for (;;) {
        size_t s = sw->slots[i];
        if (s == 0)
            return i;
        s--;
        if (sw->entries[s].hash == h && sw->entries[s].len == len
            && tk_bytes_equal(sw->arena + sw->entries[s].off, w, len))
            return i;
        i = (i + 1) & mask;
    }
}

static int rehash(tk_stopwords *sw)
{
    size_t new_n = sw->n_slots * 2, i;
    size_t *old = sw->slots, old_n = sw->n_slots;
    size_t *slots = tk_calloc(new_n, sizeof(size_t));
    if (!slots)
        return TK_ENOMEM;
    sw->slots = slots;
    sw->n_slots = new_n;
    for (i = 0; i < old_n; i++) {
        if (old[i]) {
            size_t e = old[i] - 1;
            size_t j = (size_t)sw->entries[e].hash & (new_n - 1);
            while (slots[j])
                j = (j + 1) & (new_n - 1);
            slots[j] = old[i];
        }
    }
    tk_free(old);
    return TK_OK;
}

int tk_stopwords_add(tk_stopwords *sw, const tk_tokenizer_opts *opts,
                     const uint8_t *word, size_t len, tk_scratch *scratch)
{
    const uint8_t *mapped;
    size_t mlen, mcps, slot;
    uint64_t h;
    int rc;

    rc = tk_map_segment(opts, word, len, scratch, &mapped, &mlen, &mcps);
    if (rc < 0)
        return rc;
    if (mlen == 0)
        return TK_OK;   /* tokens that map to nothing are dropped anyway */
    h = tk_hash_bytes(mapped, mlen);
    slot = find_slot(sw, mapped, mlen, h);
    if (sw->slots[slot])
        return TK_OK;
    rc = tk_grow((void **)&sw->arena, &sw->arena_cap, sw->arena_len + mlen, 1);
    if (rc < 0)
        return rc;
    rc = tk_grow((void **)&sw->entries, &sw->entries_cap, sw->n_entries + 1,
                 sizeof *sw->entries);
    if (rc < 0)
        return rc;
    memcpy(sw->arena + sw->arena_len, mapped, mlen);
    sw->entries[sw->n_entries].off = sw->arena_len;
    sw->entries[sw->n_entries].len = mlen;
    sw->entries[sw->n_entries].hash = h;
    sw->arena_len += mlen;
    sw->slots[slot] = ++sw->n_entries;
    if (sw->n_entries * 2 > sw->n_slots)
        return rehash(sw);
    return TK_OK;
}

int tk_stopwords_contains(const tk_stopwords *sw, const uint8_t *word, size_t len)
{
    uint64_t h = tk_hash_bytes(word, len);
    return sw->slots[find_slot(sw, word, len, h)] != 0;
}

void tk_stopwords_free(tk_stopwords *sw)
{
    if (!sw)
        return;
    tk_free(sw->arena);
    tk_free(sw->slots);
    tk_free(sw->entries);
    tk_free(sw);
}

/* ------------------------------------------------------------ tokenizer */
/* tk_segment_kind for an ASCII segment, without decoding or utf8proc. */
static unsigned ascii_segment_kind(const uint8_t *seg, size_t len)
{
    int digit = 0, punct = 0;
    size_t i;
    for (i = 0; i < len; i++) {
        uint8_t c = seg[i];
        if ((uint8_t)((c | 0x20) - 'a') < 26)
            return TK_KIND_WORD;
        if ((uint8_t)(c - '0') < 10)
            digit = 1;
        else if (c > ' ' && c != 0x7F)
            punct = 1;
    }
    return digit ? TK_KIND_NUMBER : punct ? TK_KIND_PUNCT : 0;
}

/*
 * The two commonest shapes of non-ASCII segment, segmented and mapped in
 * one pass (the general path decodes every character twice, once in the
 * segmenter and once in map_cached):
 *  - a run of letters and digits (Hangul, Cyrillic, Greek, accented Latin,
 *    possibly after ASCII ones), with Extend and Format characters attached
 *    (WB4), that ends at the end of the text or before a character that no
 *    rule joins to a letter or digit (WB5-WB13b need a MidLetter, MidNum,
 *    MidNumLet, quote or ExtendNumLet there; ZWJ is left to the general
 *    path for WB3c), or before ASCII joining punctuation that nothing
 *    word-like follows (tk_wb_ascii_ends_word: "слово.", "단어,");
 *  - a character of Word_Break Other (an ideograph, a kana, an emoji, CJK
 *    punctuation) with no Extend, Format or ZWJ after it: only WB4 joins
 *    anything to such a character.
 * Every character must map on its own (CM_FAST), so that the segment's
 * mapping is the concatenation of theirs, as in map_cached.  Returns the
 * segment's length and fills *span, *kind and scratch->bytes (*out_len
 * bytes, *out_cps code points); 0 leaves the iterator alone for the
 * general path.  scratch->bytes must already have some room: a segment
 * that outgrows it also goes the general way.
 */
#define FAST_RUN_WORD (1u << TK_WB_ALETTER | 1u << TK_WB_HEBREW_LETTER | 1u << TK_WB_NUMERIC)
#define FAST_RUN_ATTACHED (1u << TK_WB_EXTEND | 1u << TK_WB_FORMAT)
#define FAST_RUN_END (TK_WB_ASCII_RUN_END | 1u << TK_WB_KATAKANA \
                      | 1u << TK_WB_REGIONAL_INDICATOR)
#define FAST_SEGMENT_ROOM 256

static size_t fast_segment(const tk_tokenizer_opts *opts, uint64_t **table, tk_wordseg *it,
                           tk_span *span, tk_scratch *scratch, unsigned *kind,
                           size_t *out_len, size_t *out_cps)
{
    const uint8_t *s = it->text;
    const size_t start = it->pos, len = it->len, room = scratch->bytes_cap;
    size_t pos = start, o = 0, cps = 0, n_cp = 0;
    uint8_t *out = scratch->bytes;
    unsigned seen = 0, last_letter_wb = TK_WB_OTHER;
    int lower = opts->case_mode != TK_CASE_NONE;

    while (pos < len) {
        uint8_t c = s[pos];
        uint32_t cp;
        unsigned wb;
        size_t n;
        uint64_t entry;

        if (o + 4 > room)
            return 0;
        if (c < 0x80) {
            wb = tk_wb_ascii[c];
            if ((1u << wb) & TK_WB_ASCII_RUN) {
                seen |= 1u << (wb == TK_WB_ALETTER ? CLS_LETTER : CLS_DIGIT);
                last_letter_wb = wb;
                out[o++] = lower ? ascii_lower(c) : c;
                cps++;
                n_cp++;
                pos++;
                continue;
            }
            /* Words end before "." or "," as often as before a space. */
            if (n_cp && tk_wb_ascii_ends_word(s, pos, len)
                && !(last_letter_wb == TK_WB_HEBREW_LETTER && wb == TK_WB_SINGLE_QUOTE))
                break;
            return 0;
        }
        n = tk_utf8_decode_valid(s + pos, len - pos, &cp);
        /* The entry holds the Word_Break value too: one lookup for both.
         * (A cache miss maps the character in scratch->cps, not here.) */
        entry = cm_entry(opts, table, cp, scratch);
        if (!entry)
            return 0;
        wb = CM_WB(entry);
        if (n_cp == 0 && wb == TK_WB_OTHER) {
            /* A lone character, unless something attaches to it. */
            if (pos + n < len && s[pos + n] >= 0x80) {
                uint32_t next;
                uint64_t next_entry;
                tk_utf8_decode_valid(s + pos + n, len - pos - n, &next);
                next_entry = cm_entry(opts, table, next, scratch);
                if (!next_entry
                    || ((1u << CM_WB(next_entry)) & (FAST_RUN_ATTACHED | 1u << TK_WB_ZWJ)))
                    return 0;
            }
        } else if (!(((1u << wb) & FAST_RUN_WORD)
                     || (n_cp && ((1u << wb) & FAST_RUN_ATTACHED)))) {
            if (n_cp && ((1u << wb) & FAST_RUN_END))
                break;
            return 0;
        }
        if (!(entry & CM_FAST))
            return 0;
        if ((1u << wb) & FAST_RUN_WORD)
            last_letter_wb = wb;
        out[o] = (uint8_t)entry;
        out[o + 1] = (uint8_t)(entry >> 8);
        out[o + 2] = (uint8_t)(entry >> 16);
        out[o + 3] = (uint8_t)(entry >> 24);
        o += CM_LEN(entry);
        cps += CM_CPS(entry);
        seen |= 1u << CM_CLASS(entry);
        n_cp++;
        pos += n;
        if (wb == TK_WB_OTHER)
            break;
    }
    *kind = kind_of_classes(seen);
    *out_len = o;
    *out_cps = cps;
    span->start = start;
    span->end = pos;
    span->cp_start = it->cp_pos;
    span->cp_end = it->cp_pos + n_cp;
    it->pos = pos;
    it->cp_pos = span->cp_end;
    return pos - start;
}

/*
 * The mapping cache for opts, or NULL where mapping is the identity; looked
 * up at the first non-ASCII segment, so that ASCII text never pays for
 * building the cache's tables (about 3 ms, once per process).
 */
static int find_table(const tk_tokenizer_opts *opts, tk_scratch *scratch, uint64_t ***table,
                      int *table_known)
{
    *table_known = 1;
    *table = mapping_changes_text(opts) ? cm_table(opts) : NULL;
    /* fast_segment writes into what is there (and NULL + 0 is undefined). */
    if (*table)
        return tk_grow((void **)&scratch->bytes, &scratch->bytes_cap, FAST_SEGMENT_ROOM, 1);
    return TK_OK;
}

/* Emit an ASCII segment that is a whole run of letters and digits; tok is
 * the run mapped, or NULL to map it here. */
TK_ALWAYS_INLINE int emit_ascii_run(const tk_tokenizer_opts *opts,
                                    const tk_stopwords *stopwords, const tk_span *span,
                                    const uint8_t *run, const uint8_t *tok, int has_letter,
                                    tk_scratch *scratch, tk_token_sink sink, void *sink_ctx)
{
    size_t run_len = span->end - span->start;
    int rc;
    if (!((has_letter ? TK_KIND_WORD : TK_KIND_NUMBER) & opts->kinds) || run_len < opts->min_len)
        return TK_OK;
    if (!tok && (rc = map_ascii(opts, run, run_len, scratch, &tok)) < 0)
        return rc;
    if (stopwords && tk_stopwords_contains(stopwords, tok, run_len))
        return TK_OK;
    return sink(sink_ctx, tok, run_len, span);
}

#ifdef TK_HAVE_ASCII_WINDOW
/*
 * The words and numbers among the segments of the 64 bytes at it->pos, for
 * options whose kinds are words and numbers only, found a window at a time
 * (tk_ascii_window_runs) instead of one byte and one mispredicted branch at
 * a time.  Advances past the last run taken and returns how many runs were
 * taken; 0 leaves the next segment to the general loop.
 */
static int ascii_window(const tk_tokenizer_opts *opts, const tk_stopwords *stopwords,
                        tk_wordseg *it, tk_scratch *scratch, tk_token_sink sink,
                        void *sink_ctx)
{
    const uint8_t *window = it->text + it->pos, *mapped = window;
    uint8_t lowered[64];
    tk_ascii_window masks;
    uint64_t runs, run_ends;
    size_t consumed = 0;
    int taken = 0, rc;

    tk_ascii_window_masks(window, &masks);
    tk_ascii_window_runs(&masks, &runs, &run_ends);
    /* Mapping ASCII is lowercasing; a whole window costs about what a
     * byte loop over one word does. */
    if (runs && opts->case_mode != TK_CASE_NONE) {
        tk_ascii_window_lower(window, lowered);
        mapped = lowered;
    }
    while (runs) {
        unsigned first = (unsigned)__builtin_ctzll(runs);
        unsigned last = (unsigned)__builtin_ctzll(run_ends);
        uint64_t run_bits = (UINT64_C(2) << last) - (UINT64_C(1) << first);
        tk_span span;
        span.start = it->pos + first;
        span.end = it->pos + last + 1;
        span.cp_start = it->cp_pos + first;
        span.cp_end = it->cp_pos + last + 1;
        rc = emit_ascii_run(opts, stopwords, &span, window + first, mapped + first,
                            (masks.letter & run_bits) != 0, scratch, sink, sink_ctx);
        if (rc < 0)
            return rc;
        consumed = last + 1;
        taken++;
        runs &= runs - 1;
        run_ends &= run_ends - 1;
    }
    it->pos += consumed;
    it->cp_pos += consumed;
    return taken;
}
#endif

int tk_tokenize(const tk_tokenizer_opts *opts, const tk_stopwords *stopwords,
                const uint8_t *text, size_t len, tk_scratch *scratch,
                tk_token_sink sink, void *sink_ctx)
{
    tk_wordseg it;
    tk_span span;
    unsigned since_check = 0;
    uint64_t **table = NULL;
    int rc, table_known = 0;   /* find_table has run */
#ifdef TK_HAVE_ASCII_WINDOW
    /* Only segments of ASCII punctuation lie between the window's runs. */
    const int windows = !(opts->kinds & ~(unsigned)(TK_KIND_WORD | TK_KIND_NUMBER));
    uint64_t head;
#endif

    tk_wordseg_init(&it, text, len);
    for (;;) {
        const uint8_t *seg, *tok = NULL;
        size_t seg_len, tok_len = 0, tok_cps = 0;
        unsigned kind;
        int has_letter, before_non_ascii;

        if (++since_check >= 4096) {
            since_check = 0;
            if (scratch->cancel && __atomic_load_n(scratch->cancel, __ATOMIC_RELAXED))
                return TK_ECANCELLED;
        }
#ifdef TK_HAVE_ASCII_WINDOW
        /* (Text that is not ASCII for the next 8 bytes would rarely fill
         * a window with runs: it goes on one segment at a time.) */
        if (windows && len - it.pos >= 64 && ascii8(text + it.pos, &head)) {
            if ((rc = ascii_window(opts, stopwords, &it, scratch, sink, sink_ctx)) < 0)
                return rc;
            if (rc > 0) {
                since_check += (unsigned)rc;
                continue;
            }
        }
#endif
        /* Spaces are never tokens: most are stepped over without a call. */
        tk_wordseg_skip_space(&it);
#ifdef TK_HAVE_ASCII_WINDOW
        /* Nor is ASCII punctuation, which is where windows stop most. */
        if (windows && tk_wordseg_skip_ascii_punct(&it))
            continue;
#endif
        /* Most tokens are runs of ASCII letters and digits: those are
         * found, classified and mapped without the general segmenter. */
        if ((seg_len = tk_wordseg_ascii_run(&it, &span, &has_letter, &before_non_ascii)) != 0) {
            if ((rc = emit_ascii_run(opts, stopwords, &span, text + span.start, NULL,
                                     has_letter, scratch, sink, sink_ctx)) < 0)
                return rc;
            continue;
        }
        /* Not after an ASCII run that stopped at joining punctuation
         * ("don't", "3.14"): that would scan it a third time for nothing. */
        if ((it.pos < len && text[it.pos] >= 0x80) || before_non_ascii) {
            if (!table_known && (rc = find_table(opts, scratch, &table, &table_known)) < 0)
                return rc;
            if (table && (seg_len = fast_segment(opts, table, &it, &span, scratch, &kind,
                                                 &tok_len, &tok_cps)) != 0) {
                if (!(kind & opts->kinds))
                    continue;
                tok = scratch->bytes;
                goto emit;
            }
        }
        if (!tk_wordseg_next(&it, &span))
            break;
        seg = text + span.start;
        seg_len = span.end - span.start;
        /* Single ASCII characters are the bulk of non-word segments. */
        if (seg_len == 1 && (seg[0] == ' ' || seg[0] == '\n'))
            continue;
        /* A segment is ASCII when each of its characters is one byte. */
        if (seg_len == span.cp_end - span.cp_start) {
            kind = ascii_segment_kind(seg, seg_len);
            if (!(kind & opts->kinds))
                continue;
            if ((rc = map_ascii(opts, seg, seg_len, scratch, &tok)) < 0)
                return rc;
            tok_len = tok_cps = seg_len;
        } else {
            if (!table_known && (rc = find_table(opts, scratch, &table, &table_known)) < 0)
                return rc;
            if ((rc = special_lower(opts, &seg, &seg_len, scratch)) < 0)
                return rc;
            if (table) {
                /* Classifies while it maps: a segment of an unrequested
                 * kind costs little more than classifying it. */
                rc = map_cached(opts, table, seg, seg_len, scratch, &kind, &tok, &tok_len,
                                &tok_cps);
                if (rc < 0)
                    return rc;
                if (!(kind & opts->kinds))
                    continue;
            } else {
                kind = tk_segment_kind(seg, seg_len);
                if (!(kind & opts->kinds))
                    continue;
                rc = map_utf8proc(opts, seg, seg_len, scratch, &tok, &tok_len, &tok_cps);
                if (rc < 0)
                    return rc;
            }
        }
    emit:
        if (tok_len == 0 || tok_cps < opts->min_len)
            continue;
        if (stopwords && tk_stopwords_contains(stopwords, tok, tok_len))
            continue;
        rc = sink(sink_ctx, tok, tok_len, &span);
        if (rc < 0)
            return rc;
    }
    return TK_OK;
}

/* ------------------------------------------------------------ token list */
int tk_toklist_sink(void *ctx, const uint8_t *tok, size_t tok_len, const tk_span *span)
{
    tk_toklist *list = ctx;
    int rc;
    if (tok_len > SIZE_MAX - list->bytes_len)
        return TK_EOVERFLOW;
    if ((rc = tk_reserve_append((void **)&list->bytes, &list->bytes_cap,
                                list->bytes_len + tok_len, 1)) < 0
        || (rc = tk_reserve_append((void **)&list->ends, &list->ends_cap, list->n + 1,
                                   sizeof(size_t))) < 0)
        return rc;
    if (list->want_spans) {
        rc = tk_reserve_append((void **)&list->spans, &list->spans_cap, list->n + 1,
                               sizeof(tk_span));
        if (rc < 0)
            return rc;
        list->spans[list->n] = *span;
    }
    tk_copy_short(list->bytes + list->bytes_len, tok, tok_len);
    list->bytes_len += tok_len;
    list->ends[list->n++] = list->bytes_len;
    return TK_OK;
}

void tk_toklist_clear(tk_toklist *list)
{
    list->bytes_len = 0;
    list->n = 0;
}

void tk_toklist_free(tk_toklist *list)
{
    tk_free(list->bytes);
    tk_free(list->ends);
    tk_free(list->spans);
    list->bytes = NULL;
    list->ends = NULL;
    list->spans = NULL;
    list->bytes_len = list->bytes_cap = list->n = list->ends_cap = list->spans_cap = 0;
}
