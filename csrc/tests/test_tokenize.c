/*
 * Unit tests for the tokenizer pipeline (tk_tokenize): its shortcuts for
 * ASCII segments, its memo of mapped segments and its per-code-point
 * mapping cache must give exactly what the plain pipeline gives --
 * segment, tk_segment_kind, utf8proc mapping (tk_map_segment_utf8proc),
 * length filter -- for every option set.  tk_map_segment, which uses the
 * cache too, is checked against utf8proc on every code point and on
 * random text built to stress normalization.
 */
#include <stdint.h>

#include "tk_test.h"
#include "tk_tokenize.h"

#define MAX_OUT 65536

typedef struct collected {
    char bytes[MAX_OUT];
    size_t len;          /* tokens joined by '|' */
    size_t n;
} collected;

static int append(collected *c, const uint8_t *tok, size_t len)
{
    if (c->len + len + 1 > MAX_OUT)
        return TK_EOVERFLOW;
    memcpy(c->bytes + c->len, tok, len);
    c->len += len;
    c->bytes[c->len++] = '|';
    c->n++;
    return TK_OK;
}

/* A token and where it came from, byte and code point offsets. */
static int append_token(collected *c, const uint8_t *tok, size_t len, const tk_span *span)
{
    char where[96];
    int n = snprintf(where, sizeof where, "@%zu-%zu/%zu-%zu", span->start, span->end,
                     span->cp_start, span->cp_end);
    int rc = append(c, tok, len);
    return rc < 0 ? rc : append(c, (const uint8_t *)where, (size_t)n);
}

static int collect_sink(void *ctx, const uint8_t *tok, size_t len, const tk_span *span)
{
    return append_token(ctx, tok, len, span);
}

static int collect_text_sink(void *ctx, const uint8_t *tok, size_t len, const tk_span *span)
{
    (void)span;
    return append(ctx, tok, len);
}

/* The pipeline without shortcuts, from the public pieces. */
static int reference_tokens(const tk_tokenizer_opts *opts, const uint8_t *text, size_t len,
                            tk_scratch *scratch, collected *out)
{
    tk_wordseg it;
    tk_span span;
    tk_wordseg_init(&it, text, len);
    while (tk_wordseg_next(&it, &span)) {
        const uint8_t *seg = text + span.start, *tok;
        size_t seg_len = span.end - span.start, tok_len, tok_cps;
        int rc;
        if (!(tk_segment_kind(seg, seg_len) & opts->kinds))
            continue;
        if ((rc = tk_map_segment_utf8proc(opts, seg, seg_len, scratch, &tok, &tok_len,
                                          &tok_cps)) < 0)
            return rc;
        if (tok_len == 0 || tok_cps < opts->min_len)
            continue;
        if ((rc = append_token(out, tok, tok_len, &span)) < 0)
            return rc;
    }
    return TK_OK;
}

static uint32_t rng_state = 2024;
static uint32_t next_random(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

/* Mostly ASCII of every class (letters of both cases, digits, the
 * punctuation UAX #29 joins on, controls, DEL), some non-ASCII words. */
static size_t random_text(uint8_t *out, size_t max_pieces)
{
    static const char *const pieces[] = {
        "a", "Z", "q", "9", "0", "_", ".", ",", "'", ":", "-", " ", "  ", "\n", "\r\n", "\t",
        "\x01", "\x7f", "!", "\"", "#", "~", "don't", "3.14", "1,000", "HeLLo", "x_y",
        "Stra\xc3\x9f" "e", "\xc3\xa9t\xc3\xa9", "\xec\x84\x9c\xec\x9a\xb8", "\xe6\x9d\xb1",
        "\xef\xac\x81", "\xe2\x91\xa0", "\xf0\x9f\x98\x80", "\xcc\x81",
        /* Hangul L and V jamo (compose into a syllable), T jamo after a
         * syllable, a Balinese vowel sign that composes (ccc 0), a
         * fullwidth letter, Greek capital with tonos. */
        "\xe1\x84\x80", "\xe1\x85\xa1", "\xe1\x86\xa8", "\xea\xb0\x80",
        "\xe1\xac\x85\xe1\xac\xb5", "\xef\xbc\xa1", "\xce\x86",
        /* Around the tokenizer's one-pass path for non-ASCII words and
         * lone characters: a Cyrillic word, a Hebrew letter, katakana,
         * hiragana, a Thai letter and vowel sign, a Devanagari letter with
         * a vowel sign, an Arabic-Indic digit, a regional indicator, a
         * skin tone; then what may follow a word: soft hyphen and word
         * joiner (Format), ZWJ, middle dot (MidLetter), right single
         * quote (MidNumLet), undertie (ExtendNumLet), ideographic space
         * and full stop. */
        "\xd0\x9f\xd1\x80\xd0\xb8", "\xd7\x90", "\xe3\x82\xab", "\xe3\x81\x82",
        "\xe0\xb8\x81", "\xe0\xb8\xb4", "\xe0\xa4\x95\xe0\xa4\xbf", "\xd9\xa1",
        "\xf0\x9f\x87\xaf", "\xf0\x9f\x8f\xbb", "\xc2\xad", "\xe2\x81\xa0",
        "\xe2\x80\x8d", "\xc2\xb7", "\xe2\x80\x99", "\xe2\x80\xbf", "\xe3\x80\x80",
        "\xe3\x80\x82",
    };
    const size_t n_pieces = sizeof pieces / sizeof pieces[0];
    size_t len = 0, i, k = next_random() % (max_pieces + 1);
    for (i = 0; i < k; i++) {
        const char *p = pieces[next_random() % n_pieces];
        size_t plen = strlen(p);
        memcpy(out + len, p, plen);
        len += plen;
    }
    return len;
}

static void test_matches_reference_pipeline(void)
{
    static const int cases[] = {TK_CASE_FOLD, TK_CASE_LOWER, TK_CASE_NONE};
    static const int norms[] = {TK_NORM_NFKC, TK_NORM_NFC, TK_NORM_NONE};
    static const int strips[] = {TK_STRIP_NONE, TK_STRIP_MARKS, TK_STRIP_ASCII,
                                 TK_STRIP_UNICODE};
    static const unsigned kinds[] = {TK_KIND_WORD | TK_KIND_NUMBER, TK_KIND_WORD,
                                     TK_KIND_NUMBER | TK_KIND_PUNCT,
                                     TK_KIND_WORD | TK_KIND_NUMBER | TK_KIND_EMOJI
                                         | TK_KIND_PUNCT};
    tk_scratch scratch, ref_scratch;
    uint8_t text[64 * 8];
    int c, nm, st, kd, round;
    memset(&scratch, 0, sizeof scratch);
    memset(&ref_scratch, 0, sizeof ref_scratch);
    for (round = 0; round < 60; round++)
        for (c = 0; c < 3; c++)
            for (nm = 0; nm < 3; nm++)
                for (st = 0; st < 4; st++)
                    for (kd = 0; kd < 4; kd++) {
                        tk_tokenizer_opts opts;
                        static collected got, want;
                        size_t len = random_text(text, 60);
                        memset(&opts, 0, sizeof opts);
                        opts.case_mode = cases[c];
                        opts.norm = norms[nm];
                        opts.strip_accents = strips[st];
                        opts.kinds = kinds[kd];
                        opts.min_len = 1 + (size_t)(round % 3);
                        got.len = got.n = want.len = want.n = 0;
                        /* The same text twice: the second pass is served
                         * from the memo. */
                        CHECK_EQ_INT(tk_tokenize(&opts, NULL, text, len, &scratch,
                                                 collect_sink, &got), TK_OK);
                        CHECK_EQ_INT(tk_tokenize(&opts, NULL, text, len, &scratch,
                                                 collect_sink, &got), TK_OK);
                        CHECK_EQ_INT(reference_tokens(&opts, text, len, &ref_scratch, &want),
                                     TK_OK);
                        CHECK_EQ_INT(reference_tokens(&opts, text, len, &ref_scratch, &want),
                                     TK_OK);
                        CHECK_EQ_INT(got.n, want.n);
                        CHECK(got.len == want.len && memcmp(got.bytes, want.bytes, got.len) == 0);
                    }
    tk_scratch_free(&scratch);
    tk_scratch_free(&ref_scratch);
}

static const int all_cases[] = {TK_CASE_FOLD, TK_CASE_LOWER, TK_CASE_NONE};
static const int all_norms[] = {TK_NORM_NFKC, TK_NORM_NFC, TK_NORM_NONE};
static const int all_strips[] = {TK_STRIP_NONE, TK_STRIP_MARKS, TK_STRIP_ASCII,
                                 TK_STRIP_UNICODE};
#define N_OPTION_SETS 36

/* Option set i (mod N_OPTION_SETS) of all case, normalization and accent
 * stripping combinations, for words. */
static tk_tokenizer_opts option_set(int i)
{
    tk_tokenizer_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.case_mode = all_cases[i % 3];
    opts.norm = all_norms[(i / 3) % 3];
    opts.strip_accents = all_strips[(i / 9) % 4];
    opts.kinds = TK_KIND_WORD;
    return opts;
}

/* tk_map_segment (cache) and tk_map_segment_utf8proc agree on text. */
static void check_map_matches(const tk_tokenizer_opts *opts, const uint8_t *text, size_t len,
                              tk_scratch *scratch, tk_scratch *ref_scratch)
{
    const uint8_t *got, *want;
    size_t got_len, got_cps, want_len, want_cps;
    CHECK_EQ_INT(tk_map_segment(opts, text, len, scratch, &got, &got_len, &got_cps), TK_OK);
    CHECK_EQ_INT(tk_map_segment_utf8proc(opts, text, len, ref_scratch, &want, &want_len,
                                         &want_cps), TK_OK);
    CHECK_EQ_INT(got_cps, want_cps);
    CHECK(got_len == want_len && memcmp(got, want, got_len) == 0);
}

/* Every code point alone, and between a letter and a syllable it could
 * compose with, under NFKC with each case mode and under lowercase + NFC
 * (no accent stripping); every 13th code point under the other 32 option
 * sets. */
static void test_map_every_code_point(void)
{
    tk_scratch scratch, ref_scratch;
    int set;
    memset(&scratch, 0, sizeof scratch);
    memset(&ref_scratch, 0, sizeof ref_scratch);
    for (set = 0; set < N_OPTION_SETS; set++) {
        tk_tokenizer_opts opts = option_set(set);
        uint32_t cp, stride;
        /* A character whose mapping starts with a code point that
         * stripping drops is no boundary: Tamil vowel sign II (Mn,
         * combining class 0) between E and AA, which compose once it is
         * gone. */
        static const char tamil[] = "\xe0\xaf\x86\xe0\xaf\x80\xe0\xae\xbe";
        check_map_matches(&opts, (const uint8_t *)tamil, sizeof tamil - 1, &scratch,
                          &ref_scratch);
        stride = opts.strip_accents == TK_STRIP_NONE
                         && (opts.norm == TK_NORM_NFKC
                             || (opts.case_mode == TK_CASE_LOWER && opts.norm == TK_NORM_NFC))
                     ? 1 : 13;
        for (cp = 0x80; cp < 0x110000; cp += stride) {
            uint8_t text[12];
            size_t n;
            if (cp >= 0xD800 && cp < 0xE000)
                continue;
            n = tk_utf8_encode(cp, text);
            check_map_matches(&opts, text, n, &scratch, &ref_scratch);
            /* "e" + cp + Hangul syllable GA */
            text[0] = 'e';
            n = 1 + tk_utf8_encode(cp, text + 1);
            memcpy(text + n, "\xea\xb0\x80", 3);
            check_map_matches(&opts, text, n + 3, &scratch, &ref_scratch);
            if (tk_test_failures)
                goto done;
        }
    }
done:
    tk_scratch_free(&scratch);
    tk_scratch_free(&ref_scratch);
}

/* Random text from characters where normalization is at work:
 * compositions with starters and non-starters, jamo, reordering,
 * compatibility and case-folding expansions, exclusions. */
static void test_map_random_text(void)
{
    static const uint32_t pool[] = {
        'a', 'e', 'E', 'o', 'n', 'A', '1', ' ', '.', 0xE9, 0xC5, 0xDF, 0x130, 0x149, 0x1E9E,
        0x300, 0x301, 0x308, 0x323, 0x327, 0x345, 0x344, 0x34F, 0x5B0, 0x591, 0x386, 0x3B1,
        0x3C9, 0x1F00, 0x1FB3, 0x1100, 0x1112, 0x1161, 0x1175, 0x11A8, 0x11C2, 0xAC00, 0xAC01,
        0xD7A3, 0x3131, 0x1B05, 0x1B35, 0x1B3A, 0x0B47, 0x0B3E, 0x0B57, 0x0BC6, 0x0BBE, 0x0958,
        0x0915, 0x093C, 0x0F73, 0x0F71, 0x0F72, 0x0F80, 0x2126, 0x212B, 0xFB01, 0xFF21, 0x2460,
        0x1D15E, 0x1D165, 0x2F800, 0xF900, 0x4E00, 0x3099, 0x304B, 0x30AB, 0xFF76, 0xFF9E,
        0x200D, 0x1F600, 0x1F3FB, 0xFE0F, 0x0627, 0x0653, 0x0654, 0x0655, 0x1E0C, 0x0307,
        0x0342, 0x03A9, 0x1FFC, 0x24B6, 0x10400, 0x0CC6, 0x0CC2, 0x0CD5, 0x0DD9, 0x0DCF,
        /* the final sigma and its context: case-ignorable, cased or both,
         * and NFKC's other sigmas */
        0x03A3, 0x03A3, 0x03A3, 0x03C2, 0x27, 0x3A, 0xAD, 0x02B0, 0x5E, 0xA8, 0x03F9, 0x1D6BA,
        /* Tamil vowel sign E + II (Mn, combining class 0, dropped by
         * TK_STRIP_MARKS) + AA: with II gone, E and AA compose */
        0x0BC6, 0x0BC0, 0x0BBE, 0x0BC6, 0x0BC0, 0x0BBE,
    };
    tk_scratch scratch, ref_scratch;
    int round;
    memset(&scratch, 0, sizeof scratch);
    memset(&ref_scratch, 0, sizeof ref_scratch);
    /* ASCII around A-Z, for runs long enough that whole texts take them
     * 8 bytes at a time (map_cached). */
    static const char ascii[] = "AZaz@[`{09 .Eoe";
    for (round = 0; round < 1600 && !tk_test_failures; round++) {
        tk_tokenizer_opts opts = option_set(round);
        uint8_t text[40 * 16];
        size_t len = 0, k = next_random() % 41, i;
        for (i = 0; i < k; i++) {
            if (round >= 800 && next_random() % 2) {
                size_t run = 1 + next_random() % 16, j;
                for (j = 0; j < run; j++)
                    text[len++] = (uint8_t)ascii[next_random() % (sizeof ascii - 1)];
            } else {
                len += tk_utf8_encode(pool[next_random() % (sizeof pool / sizeof pool[0])],
                                      text + len);
            }
        }
        check_map_matches(&opts, text, len, &scratch, &ref_scratch);
        /* The tokenizer classifies segments while it maps them. */
        {
            static collected got, want;
            opts.kinds = TK_KIND_WORD | TK_KIND_NUMBER | TK_KIND_EMOJI | TK_KIND_PUNCT;
            opts.kinds &= ~(unsigned)(round & 7) | TK_KIND_WORD;
            opts.min_len = 1;
            got.len = got.n = want.len = want.n = 0;
            CHECK_EQ_INT(tk_tokenize(&opts, NULL, text, len, &scratch, collect_sink, &got),
                         TK_OK);
            CHECK_EQ_INT(reference_tokens(&opts, text, len, &ref_scratch, &want), TK_OK);
            CHECK_EQ_INT(got.n, want.n);
            CHECK(got.len == want.len && memcmp(got.bytes, want.bytes, got.len) == 0);
        }
    }
    tk_scratch_free(&scratch);
    tk_scratch_free(&ref_scratch);
}

/* The default options, with punctuation kept. */
static tk_tokenizer_opts default_opts_with_punct(void)
{
    tk_tokenizer_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.case_mode = TK_CASE_FOLD;
    opts.norm = TK_NORM_NFKC;
    opts.kinds = TK_KIND_WORD | TK_KIND_NUMBER | TK_KIND_PUNCT;
    opts.min_len = 1;
    return opts;
}

static void test_hand_cases(void)
{
    static const char text[] = "Don't STOP: 3.14, 1,000 _x_ Stra\xc3\x9f" "e \x01 !";
    tk_tokenizer_opts opts = default_opts_with_punct();
    tk_scratch scratch;
    static collected got;
    memset(&scratch, 0, sizeof scratch);
    got.len = got.n = 0;
    CHECK_EQ_INT(tk_tokenize(&opts, NULL, (const uint8_t *)text, sizeof text - 1, &scratch,
                             collect_text_sink, &got), TK_OK);
    /* "_x_" is a word (ExtendNumLet joins it), ":" "," "!" punctuation,
     * the control character no kind at all. */
    CHECK(got.len == 40
          && memcmp(got.bytes, "don't|stop|:|3.14|,|1,000|_x_|strasse|!|", 40) == 0);
    tk_scratch_free(&scratch);
}

/* case "lower" is Python's str.lower() (of the normalized text): U+0130
 * and the final sigma. */
static void check_mapped(int case_mode, int norm, const char *text, const char *want)
{
    tk_tokenizer_opts opts;
    tk_scratch scratch;
    const uint8_t *out;
    size_t out_len, out_cps;
    memset(&opts, 0, sizeof opts);
    memset(&scratch, 0, sizeof scratch);
    opts.case_mode = case_mode;
    opts.norm = norm;
    CHECK_EQ_INT(tk_map_segment(&opts, (const uint8_t *)text, strlen(text), &scratch, &out,
                                &out_len, &out_cps), TK_OK);
    if (out_len != strlen(want) || memcmp(out, want, out_len) != 0) {
        fprintf(stderr, "map(\"%s\", case %d, norm %d) = \"%.*s\", want \"%s\"\n", text,
                case_mode, norm, (int)out_len, (const char *)out, want);
        CHECK(0);
    }
    CHECK_EQ_INT(tk_map_segment_utf8proc(&opts, (const uint8_t *)text, strlen(text), &scratch,
                                         &out, &out_len, &out_cps), TK_OK);
    CHECK(out_len == strlen(want) && memcmp(out, want, out_len) == 0);
    tk_scratch_free(&scratch);
}

static void check_lower_normalized(int norm, const char *text, const char *want)
{
    check_mapped(TK_CASE_LOWER, norm, text, want);
}

static void check_lower(const char *text, const char *want)
{
    check_lower_normalized(TK_NORM_NONE, text, want);
}

/* Folding with a normalization is Python's N(casefold(N(text))): U+0345
 * (class 240) folds to iota, a starter, only after canonical ordering has
 * moved lower-class marks ahead of it, where they compose with the base.
 * Both the cached path and utf8proc's (check_mapped runs both) once folded
 * it first and left the mark on the iota. */
static void test_fold_after_normalizing(void)
{
#define YPOGEGRAMMENI "\xcd\x85"
#define IOTA "\xce\xb9"
    int norm;
    for (norm = TK_NORM_NFC; norm <= TK_NORM_NFKC; norm++) {
        /* U+1FB3 alpha with ypogegrammeni, acute -> U+03AC alpha with tonos, iota */
        check_mapped(TK_CASE_FOLD, norm, "\xe1\xbe\xb3\xcc\x81", "\xce\xac" IOTA);
        /* a, ypogegrammeni, dot above -> U+0227, iota */
        check_mapped(TK_CASE_FOLD, norm, "a" YPOGEGRAMMENI "\xcc\x87", "\xc8\xa7" IOTA);
        check_mapped(TK_CASE_FOLD, norm, "xa" YPOGEGRAMMENI "\xcc\x87", "x\xc8\xa7" IOTA);
        check_mapped(TK_CASE_FOLD, norm, YPOGEGRAMMENI, IOTA);
        /* no mark to move: folding as before */
        check_mapped(TK_CASE_FOLD, norm, "\xe1\xbe\xb3", "\xce\xb1" IOTA);
    }
    /* U+037A is a space and U+0345 under NFKC: caron below (220) moves ahead */
    check_mapped(TK_CASE_FOLD, TK_NORM_NFKC, "\xcd\xba\xcc\xac", " \xcc\xac" IOTA);
    /* Without a normalization nothing is reordered, as in str.casefold(). */
    check_mapped(TK_CASE_FOLD, TK_NORM_NONE, "a" YPOGEGRAMMENI "\xcc\x87", "a" IOTA "\xcc\x87");
#undef YPOGEGRAMMENI
#undef IOTA
}

static void test_python_special_lowercasing(void)
{
#define SIGMA "\xce\xa3"
#define FINAL "\xcf\x82"
#define SMALL "\xcf\x83"
#define ALPHA "\xce\x91"
#define ALPHA_LOWER "\xce\xb1"
    check_lower(ALPHA SIGMA, ALPHA_LOWER FINAL);
    check_lower(SIGMA, SMALL);                          /* nothing cased before */
    check_lower(SIGMA ALPHA, SMALL ALPHA_LOWER);
    check_lower(ALPHA SIGMA ALPHA, ALPHA_LOWER SMALL ALPHA_LOWER);
    check_lower(ALPHA SIGMA SIGMA, ALPHA_LOWER SMALL FINAL);
    check_lower(ALPHA SIGMA " x", ALPHA_LOWER FINAL " x");
    check_lower(ALPHA SIGMA "'" ALPHA, ALPHA_LOWER SMALL "'" ALPHA_LOWER);   /* ' ignorable */
    check_lower(ALPHA SIGMA "'.", ALPHA_LOWER FINAL "'.");
    check_lower(ALPHA "\xcc\x81" SIGMA, ALPHA_LOWER "\xcc\x81" FINAL);     /* mark before */
    check_lower("1" SIGMA, "1" SMALL);                  /* a digit is not cased */
    check_lower("\xc4\xb0stanbul", "i\xcc\x87stanbul");
    check_lower("I\xc4\xb0" SIGMA, "ii\xcc\x87" FINAL);
    /* NFKC first: U+03F9 becomes a sigma, and a spacing diaeresis (case-
     * ignorable) a space and a mark, which ends the word before it. */
    check_lower_normalized(TK_NORM_NFKC, ALPHA "\xcf\xb9", ALPHA_LOWER FINAL);
    check_lower_normalized(TK_NORM_NFC, ALPHA "\xcf\xb9", ALPHA_LOWER "\xcf\xb2");
    check_lower_normalized(TK_NORM_NFKC, ALPHA SIGMA "\xc2\xa8" ALPHA,
                           ALPHA_LOWER FINAL " \xcc\x88" ALPHA_LOWER);
    check_lower(ALPHA SIGMA "\xc2\xa8" ALPHA, ALPHA_LOWER SMALL "\xc2\xa8" ALPHA_LOWER);
    check_lower_normalized(TK_NORM_NFKC, "\xc4\xb0", "i\xcc\x87");
    CHECK(tk_is_cased('A') && tk_is_cased(0x3A3) && tk_is_cased(0x2B0) && !tk_is_cased('1'));
    CHECK(tk_is_case_ignorable('\'') && tk_is_case_ignorable(0x301) && tk_is_case_ignorable(0xAD)
          && tk_is_case_ignorable(0x2B0) && !tk_is_case_ignorable('a') && !tk_is_case_ignorable(' '));
    CHECK(!tk_is_cased(0x10FFFF) && !tk_is_case_ignorable(0) && tk_is_case_ignorable(0xE0001));
    /* Both generated tables come from the same Unicode version. */
    CHECK(strcmp(tk_casing_unicode_version, tk_wb_unicode_version) == 0);
#undef SIGMA
#undef FINAL
#undef SMALL
#undef ALPHA
#undef ALPHA_LOWER
}

/* Must run first: nothing in this process has mapped non-ASCII text yet. */
static void test_ascii_text_skips_the_mapping_cache(void)
{
    static const char text[] = "Don't STOP: 3.14, 1,000 x_y \"quoted\" end.\n";
    tk_tokenizer_opts opts = default_opts_with_punct();
    tk_scratch scratch;
    static collected got;
    memset(&scratch, 0, sizeof scratch);
    CHECK(!tk_mapping_cache_started());
    CHECK_EQ_INT(tk_tokenize(&opts, NULL, (const uint8_t *)text, sizeof text - 1, &scratch,
                             collect_text_sink, &got), TK_OK);
    CHECK(got.n > 5);
    CHECK(!tk_mapping_cache_started());
    CHECK_EQ_INT(tk_tokenize(&opts, NULL, (const uint8_t *)"caf\xc3\xa9", 5, &scratch,
                             collect_text_sink, &got), TK_OK);
    CHECK(tk_mapping_cache_started());
    tk_scratch_free(&scratch);
}

/*
 * Long texts of ASCII words, spaces and punctuation with some non-ASCII
 * pieces, as news text is: the tokenizer takes most of their words a
 * 64-byte window at a time, and must give exactly the plain pipeline's
 * tokens and spans around every way a window ends.
 */
static void test_long_ascii_text_matches_reference(void)
{
    static const char *const words[] = {"the", "Quick", "BROWN", "fox", "x", "2024", "7",
                                        "a1b2", "Jumps", "over", "lazy", "DOG", "zz9"};
    static const unsigned kinds[] = {TK_KIND_WORD | TK_KIND_NUMBER, TK_KIND_WORD,
                                     TK_KIND_NUMBER, TK_KIND_WORD | TK_KIND_PUNCT};
    const size_t n_words = sizeof words / sizeof words[0];
    tk_scratch scratch, ref_scratch;
    static uint8_t text[4096];
    int round;
    memset(&scratch, 0, sizeof scratch);
    memset(&ref_scratch, 0, sizeof ref_scratch);
    for (round = 0; round < 3000; round++) {
        static collected got, want;
        tk_tokenizer_opts opts;
        size_t len = 0, limit = 60 + next_random() % 1500;
        while (len < limit) {
            uint32_t r = next_random();
            const char *w = words[r % n_words];
            memcpy(text + len, w, strlen(w));
            len += strlen(w);
            /* Mostly a space; sometimes whatever random_text draws. */
            if ((r >> 8) % 8 == 0)
                len += random_text(text + len, 3);
            else
                text[len++] = (r >> 12) % 16 == 0 ? '\n' : ' ';
        }
        memset(&opts, 0, sizeof opts);
        opts.case_mode = all_cases[round % 3];
        opts.norm = all_norms[(round / 3) % 3];
        opts.strip_accents = TK_STRIP_NONE;
        opts.kinds = kinds[(round / 9) % 4];
        opts.min_len = 1 + (size_t)(round / 36) % 3;
        got.len = got.n = want.len = want.n = 0;
        CHECK_EQ_INT(tk_tokenize(&opts, NULL, text, len, &scratch, collect_sink, &got), TK_OK);
        CHECK_EQ_INT(reference_tokens(&opts, text, len, &ref_scratch, &want), TK_OK);
        CHECK_EQ_INT(got.n, want.n);
        CHECK(got.len == want.len && memcmp(got.bytes, want.bytes, got.len) == 0);
    }
    tk_scratch_free(&scratch);
    tk_scratch_free(&ref_scratch);
}

int main(void)
{
    test_ascii_text_skips_the_mapping_cache();
    test_hand_cases();
    test_python_special_lowercasing();
    test_fold_after_normalizing();
    test_map_every_code_point();
    test_map_random_text();
    test_matches_reference_pipeline();
    test_long_ascii_text_matches_reference();
    TEST_MAIN_END();
}
