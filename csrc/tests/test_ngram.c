/* Unit tests for n-gram generation (word, char, char_wb, grapheme). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tk_ngram.h"
#include "tk_test.h"
#include "tk_vocab.h"

#include <utf8proc.h>

typedef struct collected {
    char out[4096];
    size_t len;
    size_t n;
} collected;

/* Joins n-grams with '|' so that expected outputs read naturally. */
static int collect(void *ctx, const uint8_t *g, size_t len)
{
    collected *c = ctx;
    if (c->len + len + 2 >= sizeof c->out)
        return TK_EOVERFLOW;
    if (c->n)
        c->out[c->len++] = '|';
    memcpy(c->out + c->len, g, len);
    c->len += len;
    c->out[c->len] = '\0';
    c->n++;
    return TK_OK;
}

static void expect(int analyzer, size_t lo, size_t hi, int case_mode, const char *text,
                   const char *want)
{
    tk_ngram_opts ng = {analyzer, lo, hi};
    tk_tokenizer_opts opts = tk_test_unnormalized(case_mode);
    tk_ngram_buf buf;
    collected c;
    int rc;
    memset(&buf, 0, sizeof buf);
    memset(&c, 0, sizeof c);
    rc = tk_ngrams(&ng, &opts, NULL, (const uint8_t *)text, strlen(text), &buf, collect, &c);
    CHECK_EQ_INT(rc, TK_OK);
    CHECK_EQ_INT(tk_ngram_count(&ng, &buf), c.n);
    /* Counting reads every gram as padded (tk_vocab_add_padded). */
    CHECK(buf.n_units == 0 || buf.text_cap >= buf.text_len + TK_VOCAB_PAD);
    if (strcmp(c.out, want) != 0) {
        fprintf(stderr, "analyzer %d (%zu,%zu) on \"%s\":\n  got  \"%s\"\n  want \"%s\"\n",
                analyzer, lo, hi, text, c.out, want);
        tk_test_failures++;
    }
    tk_ngram_buf_free(&buf);
}

/*
 * tk_ngram_map_text maps a whole text: short texts in one call of
 * tk_map_segment, long ones (over 64 KiB) in pieces that must join to the
 * same bytes as the char analyzer's collapsed text, and a set *cancel stops
 * it.
 */
static void test_map_text(void)
{
    /* "Stra<U+00DF>e <capital sigma> <circled 1>\n" folds to "strasse σ 1\n". */
    static const char unit[] = "Stra\xC3\x9F" "e \xCE\xA3 \xE2\x91\xA0\n";
    static const char want_unit[] = "strasse \xCF\x83 1\n";
    const size_t unit_len = sizeof unit - 1, want_len = sizeof want_unit - 1;
    const size_t repeats = 20000;     /* 280 KB: several pieces */
    tk_tokenizer_opts opts;
    tk_ngram_buf buf;
    const uint8_t *out = NULL;
    size_t out_len = 0, out_cps = 0, i;
    char *text = malloc(unit_len * repeats);
    int cancel = 1, ok = 1;

    memset(&opts, 0, sizeof opts);
    memset(&buf, 0, sizeof buf);
    opts.case_mode = TK_CASE_FOLD;
    opts.norm = TK_NORM_NFKC;
    CHECK(text != NULL);
    if (!text)
        return;
    for (i = 0; i < repeats; i++)
        memcpy(text + i * unit_len, unit, unit_len);
    CHECK_EQ_INT(tk_ngram_map_text(&opts, (const uint8_t *)text, unit_len, &buf, &out, &out_len,
                                   &out_cps, NULL), TK_OK);
    CHECK(out_len == want_len && memcmp(out, want_unit, want_len) == 0);
    CHECK_EQ_INT(out_cps, 12);
    CHECK_EQ_INT(tk_ngram_map_text(&opts, (const uint8_t *)text, unit_len * repeats, &buf, &out,
                                   &out_len, &out_cps, NULL), TK_OK);
    CHECK_EQ_INT(out_len, want_len * repeats);
    CHECK_EQ_INT(out_cps, 12 * repeats);
    for (i = 0; ok && i < repeats && out_len == want_len * repeats; i++)
        ok = memcmp(out + i * want_len, want_unit, want_len) == 0;
    CHECK(ok);
    CHECK_EQ_INT(tk_ngram_map_text(&opts, (const uint8_t *)text, unit_len * repeats, &buf, &out,
                                   &out_len, &out_cps, &cancel), TK_ECANCELLED);
    CHECK_EQ_INT(tk_ngram_map_text(&opts, (const uint8_t *)"", 0, &buf, &out, &out_len, &out_cps,
                                   NULL), TK_OK);
    CHECK_EQ_INT(out_len, 0);
    tk_ngram_buf_free(&buf);
    free(text);
}

/* ------------------------------------------------- long texts in pieces */
/* Grams as a byte stream: length (4 bytes) then the gram, one after another. */
typedef struct gram_stream {
    uint8_t *bytes;
    size_t len, cap, n;
} gram_stream;

static int stream_sink(void *ctx, const uint8_t *g, size_t len)
{
    gram_stream *s = ctx;
    uint32_t l = (uint32_t)len;
    int rc = tk_grow((void **)&s->bytes, &s->cap, s->len + 4 + len, 1);
    if (rc < 0)
        return rc;
    memcpy(s->bytes + s->len, &l, 4);
    memcpy(s->bytes + s->len + 4, g, len);
    s->len += 4 + len;
    s->n++;
    return TK_OK;
}

/*
 * The char analyzers as they were before they mapped in pieces and
 * dropped their offset arrays: the whole text mapped in one call, unit
 * starts in an array.  The reference that long texts are checked against.
 */
static int reference_grams(const tk_ngram_opts *ng, const tk_tokenizer_opts *opts,
                           const uint8_t *text, size_t len, gram_stream *out)
{
    tk_scratch scratch;
    const uint8_t *mapped;
    size_t mapped_len, mapped_cps, i = 0, n_units = 0, t_len = 0, n, k;
    uint8_t *t = NULL;
    size_t *st = NULL, *pads = NULL, n_pads = 0;
    int rc;
    memset(&scratch, 0, sizeof scratch);
    if ((rc = tk_map_segment(opts, text, len, &scratch, &mapped, &mapped_len, &mapped_cps)) < 0)
        goto cleanup;
    t = malloc(mapped_len + 2);
    st = malloc((mapped_len + 3) * sizeof *st);
    pads = malloc((mapped_len + 3) * sizeof *pads);
    if (!t || !st || !pads) {
        rc = TK_ENOMEM;
        goto cleanup;
    }
    while (i < mapped_len) {
        uint32_t cp;
        size_t m = tk_utf8_decode_valid(mapped + i, mapped_len - i, &cp);
        if (!tk_is_py_space(cp)) {
            if (ng->analyzer == TK_ANALYZER_CHAR_WB && (n_units == 0 || t[t_len - 1] == ' '
                                                        ? n_pads == 0 : 0)) {
                pads[n_pads++] = n_units;
                st[n_units++] = t_len;
                t[t_len++] = ' ';
            }
            st[n_units++] = t_len;
            memcpy(t + t_len, mapped + i, m);
            t_len += m;
            i += m;
            continue;
        }
        if (ng->analyzer == TK_ANALYZER_CHAR_WB) {
            if (n_units && t[t_len - 1] != ' ') {
                pads[n_pads++] = n_units;
                st[n_units++] = t_len;
                t[t_len++] = ' ';
            }
            i += m;
            continue;
        }
        {
            size_t j = i + m, run = 1;
            uint32_t cp2;
            while (j < mapped_len) {
                size_t m2 = tk_utf8_decode_valid(mapped + j, mapped_len - j, &cp2);
                if (!tk_is_py_space(cp2))
                    break;
                j += m2;
                run++;
            }
            st[n_units++] = t_len;
            if (run >= 2) {
                t[t_len++] = ' ';
            } else {
                memcpy(t + t_len, mapped + i, m);
                t_len += m;
            }
            i = j;
        }
    }
    if (ng->analyzer == TK_ANALYZER_CHAR_WB && n_units && t[t_len - 1] != ' ') {
        pads[n_pads++] = n_units;
        st[n_units++] = t_len;
        t[t_len++] = ' ';
    }
    st[n_units] = t_len;
    if (ng->analyzer == TK_ANALYZER_GRAPHEME) {
        int32_t state = 0;
        utf8proc_int32_t prev = -1;
        size_t kept = 0;
        for (i = 0; i < n_units; i++) {
            uint32_t cp;
            tk_utf8_decode_valid(t + st[i], t_len - st[i], &cp);
            if (i == 0 || utf8proc_grapheme_break_stateful(prev, (utf8proc_int32_t)cp, &state))
                st[kept++] = st[i];
            prev = (utf8proc_int32_t)cp;
        }
        n_units = kept;
        st[kept] = t_len;
    }
    if (ng->analyzer != TK_ANALYZER_CHAR_WB) {
        for (n = ng->lo; n <= ng->hi && n <= n_units; n++)
            for (i = 0; i + n <= n_units; i++)
                if ((rc = stream_sink(out, t + st[i], st[i + n] - st[i])) < 0)
                    goto cleanup;
    } else {
        for (k = 0; k + 1 < n_pads; k++) {
            size_t first = pads[k], w_len = pads[k + 1] - first + 1;
            for (n = ng->lo; n <= ng->hi; n++) {
                size_t off, stop = n < w_len ? n : w_len;
                if ((rc = stream_sink(out, t + st[first], st[first + stop] - st[first])) < 0)
                    goto cleanup;
                if (n >= w_len)
                    break;
                for (off = 1; off + n <= w_len; off++)
                    if ((rc = stream_sink(out, t + st[first + off],
                                          st[first + off + n] - st[first + off])) < 0)
                        goto cleanup;
            }
        }
    }
    rc = TK_OK;
cleanup:
    free(t);
    free(st);
    free(pads);
    tk_scratch_free(&scratch);
    return rc;
}

/* Characters that test the cuts: whitespace runs, final sigma and its
 * case-ignorable neighbours, combining marks, characters whose mapping is
 * long (U+FDFA) or composes (Hangul jamo), clusters, ASCII cut points. */
static const char *const pieces[] = {
    "a", "Z", "q", " ", "  ", "\t", "\n", "\xE3\x80\x80", "\xC2\x85", "\xCE\xA3", "\xCE\xA3",
    "\xC4\xB0", "\xCC\x81", "\xCC\xA3", "\xEF\xB7\xBA", "\xEF\xB7\xBA", "\xEA\xB0\x80",
    "\xE1\x84\x80", "\xE1\x85\xA1", "\xE4\xB8\xAD", "'", ".", "1", "-", "\xC3\x9F",
    "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9", "\xCD\x85", "\xE2\x91\xA0",
    "\xEF\xAC\x81", "e\xCC\x81", "\xE3\x8E\x92", "\xC3\x85", "\xE2\x84\xAB", "\xD7\x90",
    "\xCF\x82", "\xC2\xAD",
};

static void check_long(const tk_ngram_opts *ng, const tk_tokenizer_opts *opts,
                       const uint8_t *text, size_t len, const char *what)
{
    gram_stream want, got;
    tk_ngram_buf buf;
    int rc;
    memset(&want, 0, sizeof want);
    memset(&got, 0, sizeof got);
    memset(&buf, 0, sizeof buf);
    CHECK_EQ_INT(reference_grams(ng, opts, text, len, &want), TK_OK);
    rc = tk_ngrams(ng, opts, NULL, text, len, &buf, stream_sink, &got);
    CHECK_EQ_INT(rc, TK_OK);
    CHECK_EQ_INT(tk_ngram_count(ng, &buf), got.n);
    if (got.n != want.n || got.len != want.len
        || (got.len && memcmp(got.bytes, want.bytes, got.len) != 0)) {
        fprintf(stderr, "%s: analyzer %d (%zu,%zu) case %d norm %d strip %d: %zu grams, "
                "want %zu\n", what, ng->analyzer, ng->lo, ng->hi, opts->case_mode, opts->norm,
                opts->strip_accents, got.n, want.n);
        tk_test_failures++;
    }
    free(want.bytes);
    free(got.bytes);
    tk_ngram_buf_free(&buf);
}

/*
 * Texts over 64 KiB are mapped in pieces; grams must be those of the whole
 * text mapped at once, with runs, words and clusters that straddle a cut.
 */
static void test_long_texts(void)
{
    static const int analyzers[] = {TK_ANALYZER_CHAR, TK_ANALYZER_CHAR_WB,
                                    TK_ANALYZER_GRAPHEME};
    static const int option_sets[][3] = {
        {TK_CASE_FOLD, TK_NORM_NFKC, TK_STRIP_NONE}, {TK_CASE_LOWER, TK_NORM_NFC, TK_STRIP_NONE},
        {TK_CASE_LOWER, TK_NORM_NFKC, TK_STRIP_MARKS}, {TK_CASE_NONE, TK_NORM_NONE, TK_STRIP_NONE},
        {TK_CASE_FOLD, TK_NORM_NONE, TK_STRIP_ASCII},
    };
    const size_t n_pieces = sizeof pieces / sizeof *pieces;
    size_t cap = 300000, len, seed, a, o;
    uint8_t *text = malloc(cap + 64);
    CHECK(text != NULL);
    if (!text)
        return;
    for (seed = 0; seed < 4; seed++) {
        uint64_t state = seed * 7919 + 1;
        for (len = 0; len < cap;) {
            const char *p;
            state = state * 6364136223846793005u + 1442695040888963407u;
            /* mostly letters, so that cuts are sometimes far apart */
            p = (state >> 60) < 6 ? "b" : pieces[(state >> 33) % n_pieces];
            memcpy(text + len, p, strlen(p));
            len += strlen(p);
        }
        for (a = 0; a < sizeof analyzers / sizeof *analyzers; a++)
            for (o = 0; o < sizeof option_sets / sizeof *option_sets; o++) {
                tk_ngram_opts ng;
                tk_tokenizer_opts opts;
                memset(&opts, 0, sizeof opts);
                opts.case_mode = option_sets[o][0];
                opts.norm = option_sets[o][1];
                opts.strip_accents = option_sets[o][2];
                ng.analyzer = analyzers[a];
                ng.lo = 1 + seed % 2;
                ng.hi = ng.lo + 2;
                check_long(&ng, &opts, text, len, "random");
            }
    }
    /* U+FDFA only (NFKC makes 18 code points of it): cut between them, so
     * the mapping scratch stays small. */
    {
        tk_ngram_opts ng = {TK_ANALYZER_CHAR, 3, 5};
        tk_tokenizer_opts opts;
        tk_ngram_buf buf;
        size_t i, n = 100000;
        memset(&opts, 0, sizeof opts);
        memset(&buf, 0, sizeof buf);
        opts.case_mode = TK_CASE_FOLD;
        opts.norm = TK_NORM_NFKC;
        for (i = 0; i < n; i++)
            memcpy(text + 3 * i, "\xEF\xB7\xBA", 3);
        check_long(&ng, &opts, text, 3 * n, "U+FDFA");
        CHECK_EQ_INT(tk_ngram_prepare(&ng, &opts, NULL, text, 3 * n, &buf), TK_OK);
        CHECK_EQ_INT(buf.n_units, 18 * n);
        /* (mapped whole, 3.3 MB would have needed 4 bytes per input byte) */
        CHECK(buf.scratch.bytes_cap <= ((size_t)1 << 20));
        CHECK(buf.scratch.cps_cap <= ((size_t)1 << 16));
        tk_ngram_buf_free(&buf);
    }
    /* a whitespace run and a word that straddle the first cut */
    {
        static const char *const tails[] = {"  \t x", "\xE3\x80\x80 y", "1b2\xCC\x81", ".1 ",
                                            " \xCE\xA3'\xCC\x81" "a"};
        size_t t, at;
        for (t = 0; t < sizeof tails / sizeof *tails; t++)
            for (at = 65534; at <= 65538; at++) {
                size_t k;
                tk_tokenizer_opts opts;
                memset(&opts, 0, sizeof opts);
                opts.case_mode = TK_CASE_LOWER;
                opts.norm = TK_NORM_NFKC;
                memset(text, 'a', at);
                text[0] = 0xCE;     /* a capital sigma up front */
                text[1] = 0xA3;
                memcpy(text + at, tails[t], strlen(tails[t]));
                len = at + strlen(tails[t]);
                for (k = 0; k < sizeof analyzers / sizeof *analyzers; k++) {
                    tk_ngram_opts ng;
                    ng.analyzer = analyzers[k];
                    ng.lo = 1;
                    ng.hi = 3;
                    check_long(&ng, &opts, text, len, "straddle");
                }
            }
    }
    free(text);
}

/* The ASCII shortcut of the char analyzers' cuts agrees with the rule. */
static void test_cut_rule(void)
{
    tk_tokenizer_opts opts;
    tk_scratch scratch;
    uint32_t c;
    memset(&opts, 0, sizeof opts);
    memset(&scratch, 0, sizeof scratch);
    opts.case_mode = TK_CASE_LOWER;
    opts.norm = TK_NORM_NFKC;
    for (c = 0; c < 0x80; c++) {
        int letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        int want = !letter && c != '\'' && c != '.' && c != ':' && c != '^' && c != '`';
        CHECK_EQ_INT(tk_map_can_cut_before(&opts, c, &scratch), want);
    }
    CHECK(tk_map_can_cut_before(&opts, 0xFDFA, &scratch));     /* long mapping */
    CHECK(tk_map_can_cut_before(&opts, 0x4E2D, &scratch));     /* CJK */
    CHECK(!tk_map_can_cut_before(&opts, 0x3A3, &scratch));     /* cased */
    CHECK(!tk_map_can_cut_before(&opts, 0x301, &scratch));     /* a mark */
    CHECK(!tk_map_can_cut_before(&opts, 0x1161, &scratch));    /* composes with what precedes */
    CHECK(!tk_map_can_cut_before(&opts, 0xAD, &scratch));      /* case-ignorable */
    tk_scratch_free(&scratch);
}

/* tk_copy_short copies exactly len bytes for every length, at every
 * offset, and touches nothing around them. */
static void test_copy_short(void)
{
    uint8_t src[64], dst[64];
    size_t len, off, i;
    for (i = 0; i < sizeof src; i++)
        src[i] = (uint8_t)(i * 37 + 11);
    for (len = 0; len <= 40; len++)
        for (off = 0; off < 8; off++) {
            memset(dst, 0xEE, sizeof dst);
            tk_copy_short(dst + off, src + 3, len);
            for (i = 0; i < sizeof dst; i++) {
                int inside = i >= off && i < off + len;
                CHECK_EQ_INT(dst[i], inside ? src[3 + i - off] : 0xEE);
            }
        }
}

/* Nested emission: the hi-grams, then the grams too near the end to be
 * a hi-gram's prefix (test_count.c checks counting with it against plain
 * counting on random text). */
typedef struct two_collected {
    collected top, rest;
} two_collected;

static int collect_top(void *ctx, const uint8_t *g, size_t len)
{
    return collect(&((two_collected *)ctx)->top, g, len);
}

static int collect_rest(void *ctx, const uint8_t *g, size_t len)
{
    return collect(&((two_collected *)ctx)->rest, g, len);
}

static void expect_nested(size_t lo, size_t hi, const char *text, const char *want_top,
                          const char *want_rest)
{
    tk_ngram_opts ng = {TK_ANALYZER_CHAR, lo, hi};
    tk_tokenizer_opts opts = tk_test_unnormalized(TK_CASE_NONE);
    tk_ngram_buf buf;
    two_collected c;
    memset(&buf, 0, sizeof buf);
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(tk_ngram_prepare(&ng, &opts, NULL, (const uint8_t *)text, strlen(text), &buf),
                 TK_OK);
    CHECK_EQ_INT(tk_ngram_emit_nested(&ng, &buf, collect_top, collect_rest, &c), TK_OK);
    if (strcmp(c.top.out, want_top) != 0 || strcmp(c.rest.out, want_rest) != 0) {
        fprintf(stderr, "nested (%zu,%zu) on \"%s\": got \"%s\" + \"%s\"\n", lo, hi, text,
                c.top.out, c.rest.out);
        tk_test_failures++;
    }
    tk_ngram_buf_free(&buf);
}

static void test_nested(void)
{
    tk_ngram_opts ng = {TK_ANALYZER_CHAR, 2, 2};
    tk_ngram_buf buf;
    two_collected c;
    expect_nested(2, 3, "abcd", "abc|bcd", "cd");
    expect_nested(1, 3, "abcd", "abc|bcd", "c|cd|d");
    /* shorter than hi: every gram is a rest gram */
    expect_nested(2, 4, "ab\xC3\xA9", "", "ab|ab\xC3\xA9|b\xC3\xA9");
    expect_nested(3, 5, "ab", "", "");
    expect_nested(2, 3, "", "", "");
    expect_nested(1, 2, "\xE4\xB8\xAD\xF0\x9F\x99\x82", "\xE4\xB8\xAD\xF0\x9F\x99\x82",
                  "\xF0\x9F\x99\x82");
    CHECK_EQ_INT(tk_ngram_prefix_len((const uint8_t *)"\xC3\xA9" "a\xF0\x9F\x99\x82", 3), 7);
    /* only char grams with hi > lo nest */
    memset(&buf, 0, sizeof buf);
    memset(&c, 0, sizeof c);
    CHECK(!tk_ngram_nests(&ng));
    CHECK_EQ_INT(tk_ngram_emit_nested(&ng, &buf, collect_top, collect_rest, &c), TK_EINVAL);
    ng.hi = 3;
    CHECK(tk_ngram_nests(&ng));
    ng.analyzer = TK_ANALYZER_CHAR_WB;
    CHECK(!tk_ngram_nests(&ng));
    ng.analyzer = TK_ANALYZER_WORD;
    CHECK(!tk_ngram_nests(&ng));
    ng.analyzer = TK_ANALYZER_GRAPHEME;
    CHECK(!tk_ngram_nests(&ng));
}

int main(void)
{
    test_nested();
    test_copy_short();
    test_map_text();
    test_cut_rule();
    test_long_texts();
    /* char: only runs of 2+ whitespace collapse; a lone newline stays. */
    expect(TK_ANALYZER_CHAR, 2, 3, TK_CASE_NONE, "ab\ncd  e",
           "ab|b\n|\nc|cd|d | e|ab\n|b\nc|\ncd|cd |d e");
    expect(TK_ANALYZER_CHAR, 1, 1, TK_CASE_LOWER, "AB", "a|b");
    expect(TK_ANALYZER_CHAR, 3, 4, TK_CASE_NONE, "ab", "");
    /* char_wb: padded words; a short padded word is emitted once. */
    expect(TK_ANALYZER_CHAR_WB, 2, 3, TK_CASE_NONE, "ab  c",
           " a|ab|b | ab|ab | c|c | c ");
    expect(TK_ANALYZER_CHAR_WB, 4, 5, TK_CASE_NONE, "ab", " ab ");
    expect(TK_ANALYZER_CHAR_WB, 1, 1, TK_CASE_NONE, "ab", " |a|b| ");
    expect(TK_ANALYZER_CHAR_WB, 1, 2, TK_CASE_NONE, " \t ", "");
    /* word: all unigrams, then bigrams, joined by one space. */
    expect(TK_ANALYZER_WORD, 1, 2, TK_CASE_LOWER, "The cat, the hat.",
           "the|cat|the|hat|the cat|cat the|the hat");
    expect(TK_ANALYZER_WORD, 3, 3, TK_CASE_NONE, "a b", "");
    /* grapheme: e + combining acute is one unit; a ZWJ family is one unit. */
    expect(TK_ANALYZER_GRAPHEME, 1, 1, TK_CASE_NONE, "e\xCC\x81x",
           "e\xCC\x81|x");
    expect(TK_ANALYZER_GRAPHEME, 2, 2, TK_CASE_NONE,
           "a\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9" "b",
           "a\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9|"
           "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9" "b");
    {
        const size_t ends[] = {1, 3, 4};
        tk_ngram_opts ng = {TK_ANALYZER_WORD, 2, 3};
        tk_ngram_buf buf;
        collected c;
        memset(&buf, 0, sizeof buf);
        memset(&c, 0, sizeof c);
        CHECK_EQ_INT(tk_ngram_prepare_tokens(&buf, (const uint8_t *)"abcd", ends, 3), TK_OK);
        CHECK_EQ_INT(tk_ngram_emit(&ng, &buf, collect, &c), TK_OK);
        CHECK(strcmp(c.out, "a bc|bc d|a bc d") == 0);
        CHECK(buf.text_cap >= buf.text_len + TK_VOCAB_PAD);
        tk_ngram_buf_free(&buf);
    }
    {
        tk_ngram_opts bad = {TK_ANALYZER_WORD, 0, 1}, bad2 = {TK_ANALYZER_CHAR, 3, 2};
        CHECK_EQ_INT(tk_ngram_check(&bad), TK_EINVAL);
        CHECK_EQ_INT(tk_ngram_check(&bad2), TK_EINVAL);
    }
    CHECK(tk_is_py_space(0x1F) && tk_is_py_space(0x3000) && !tk_is_py_space(0x200B));
    /* Allocation failures are reported, never crash or leak. */
    {
        long n;
        int saw_nomem = 0, saw_ok = 0;
        for (n = 1; n < 40; n++) {
            tk_ngram_opts ng = {TK_ANALYZER_CHAR_WB, 1, 3};
            tk_tokenizer_opts opts;
            tk_ngram_buf buf;
            collected c;
            int rc;
            memset(&opts, 0, sizeof opts);
            opts.case_mode = TK_CASE_FOLD;
            opts.norm = TK_NORM_NFKC;
            memset(&buf, 0, sizeof buf);
            memset(&c, 0, sizeof c);
            tk_alloc_fail_after(n);
            rc = tk_ngrams(&ng, &opts, NULL, (const uint8_t *)"Stra\xC3\x9F" "e  x", 9, &buf,
                           collect, &c);
            tk_alloc_fail_after(0);
            CHECK(rc == TK_OK || rc == TK_ENOMEM);
            saw_nomem |= rc == TK_ENOMEM;
            saw_ok |= rc == TK_OK;
            tk_ngram_buf_free(&buf);
        }
        /* The injected failures were met, and the loop went past them all. */
        CHECK(saw_nomem && saw_ok);
    }
    TEST_MAIN_END();
}
