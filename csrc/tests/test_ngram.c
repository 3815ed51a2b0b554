/* Unit tests for n-gram generation (word, char, char_wb, grapheme). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tk_ngram.h"
#include "tk_test.h"
#include "tk_vocab.h"

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
    tk_ngram_opts ng;
    tk_tokenizer_opts opts;
    tk_ngram_buf buf;
    collected c;
    int rc;
    memset(&buf, 0, sizeof buf);
    memset(&c, 0, sizeof c);
    memset(&opts, 0, sizeof opts);
    opts.case_mode = case_mode;
    opts.norm = TK_NORM_NONE;
    opts.kinds = TK_KIND_WORD | TK_KIND_NUMBER;
    opts.min_len = 1;
    ng.analyzer = analyzer;
    ng.lo = lo;
    ng.hi = hi;
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

int main(void)
{
    test_map_text();
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
            tk_ngram_buf_free(&buf);
        }
    }
    TEST_MAIN_END();
}
