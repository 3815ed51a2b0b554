/*
 * Unit tests for the tokenizer pipeline (tk_tokenize): its shortcuts for
 * ASCII segments and its memo of mapped segments must give exactly what
 * the plain pipeline gives -- segment, tk_segment_kind, tk_map_segment,
 * length filter -- for every option set.
 */
#include <stdint.h>

#include "tk_test.h"
#include "tk_tokenize.h"

#define MAX_OUT 8192

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

static int collect_sink(void *ctx, const uint8_t *tok, size_t len, const tk_span *span)
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
        if ((rc = tk_map_segment(opts, seg, seg_len, scratch, &tok, &tok_len, &tok_cps)) < 0)
            return rc;
        if (tok_len == 0 || tok_cps < opts->min_len)
            continue;
        if ((rc = append(out, tok, tok_len)) < 0)
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
    static const int strips[] = {TK_STRIP_NONE, TK_STRIP_MARKS, TK_STRIP_ASCII};
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
                for (st = 0; st < 3; st++)
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

static void test_hand_cases(void)
{
    static const char text[] = "Don't STOP: 3.14, 1,000 _x_ Stra\xc3\x9f" "e \x01 !";
    tk_tokenizer_opts opts;
    tk_scratch scratch;
    static collected got;
    memset(&scratch, 0, sizeof scratch);
    memset(&opts, 0, sizeof opts);
    opts.case_mode = TK_CASE_FOLD;
    opts.norm = TK_NORM_NFKC;
    opts.kinds = TK_KIND_WORD | TK_KIND_NUMBER | TK_KIND_PUNCT;
    opts.min_len = 1;
    got.len = got.n = 0;
    CHECK_EQ_INT(tk_tokenize(&opts, NULL, (const uint8_t *)text, sizeof text - 1, &scratch,
                             collect_sink, &got), TK_OK);
    /* "_x_" is a word (ExtendNumLet joins it), ":" "," "!" punctuation,
     * the control character no kind at all. */
    CHECK(got.len == 40
          && memcmp(got.bytes, "don't|stop|:|3.14|,|1,000|_x_|strasse|!|", 40) == 0);
    tk_scratch_free(&scratch);
}

int main(void)
{
    test_hand_cases();
    test_matches_reference_pipeline();
    TEST_MAIN_END();
}
