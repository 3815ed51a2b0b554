/*
 * Fuzz harness: n-gram generation (word, char, char_wb, grapheme) and the
 * vocabulary that counts them.
 *
 * Input layout:
 *   byte 0  analyzer (%4), case mode (/4 %3), normalization (/12 %3),
 *           strip_accents (bit 7 of byte 1)
 *   byte 1  lo = 1 + (b & 3), hi = lo + ((b >> 2) & 3), or a huge hi
 *           (bit 4) when the text is short (all n-grams of every length
 *           is cubic in the text length)
 *   byte 2  kinds (low 4 bits), min_len (bits 4-5), one stopword (bit 6),
 *           repeat the text past 64 KiB (bit 7: documents that long are
 *           prepared in pieces cut at ASCII whitespace)
 *   rest    text, cleaned with errors="replace" (what reaches the core)
 * Invariants: tk_ngram_count equals the number emitted; every gram is a
 * non-empty valid UTF-8 substring of the prepared buffer; n grows through
 * lo..hi in order; char grams have exactly n code points, char_wb grams
 * at most n; word n-grams over a token list equal those over the text;
 * the vocabulary's total, ids, lookups, sort order and merge agree.
 */
#include "fuzz_common.h"
#include "tk_ngram.h"
#include "tk_vocab.h"

uint64_t tk_hash_bytes(const uint8_t *data, size_t len);

/* The one place that knows the vocabulary's record layout. */
#define VOCAB_COUNT(v, i) ((v)->terms[i].count)

typedef struct gram_ctx {
    const tk_ngram_opts *ng;
    const tk_ngram_buf *buf;
    tk_vocab *vocab;
    size_t emitted;
    size_t max_cps;
    size_t last_cps;
    uint64_t fingerprint;    /* order-sensitive digest of the grams */
} gram_ctx;

static int on_gram(void *arg, const uint8_t *gram, size_t len)
{
    gram_ctx *ctx = arg;
    size_t cps;

    FUZZ_CHECK(len > 0);
    FUZZ_CHECK(gram >= ctx->buf->text && gram + len <= ctx->buf->text + ctx->buf->text_len);
    FUZZ_CHECK(fuzz_is_valid_utf8(gram, len));
    cps = fuzz_count_cps(gram, len);
    switch (ctx->ng->analyzer) {
    case TK_ANALYZER_CHAR:
        /* All lo-grams, then (lo+1)-grams, ...: lengths never decrease. */
        FUZZ_CHECK(cps >= ctx->ng->lo && cps <= ctx->ng->hi);
        FUZZ_CHECK(cps >= ctx->last_cps);
        break;
    case TK_ANALYZER_CHAR_WB:
        FUZZ_CHECK(cps >= 1 && cps <= ctx->ng->hi);
        break;
    case TK_ANALYZER_GRAPHEME:
        FUZZ_CHECK(cps >= ctx->ng->lo);
        break;
    default:
        break;
    }
    ctx->last_cps = cps;
    ctx->emitted++;
    ctx->fingerprint = ctx->fingerprint * 1000003u ^ tk_hash_bytes(gram, len);
    if (ctx->vocab) {
        uint32_t id;
        int rc = tk_vocab_add(ctx->vocab, gram, len, 1, &id);
        if (rc < 0)
            return rc;
        FUZZ_CHECK(tk_vocab_find(ctx->vocab, gram, len) == (long long)id);
    }
    return TK_OK;
}

static void check_vocab(const tk_vocab *v, size_t emitted)
{
    tk_vocab merged, twice;
    uint32_t *ids = NULL, *map = NULL;
    size_t i, len, prev_len = 0;
    int64_t total = 0;
    const uint8_t *prev = NULL;

    FUZZ_CHECK(v->total == (int64_t)emitted);
    FUZZ_CHECK(v->n <= emitted);
    for (i = 0; i < v->n; i++) {
        const uint8_t *term = tk_vocab_term(v, i, &len);
        FUZZ_CHECK(VOCAB_COUNT(v, i) >= 1);
        total += VOCAB_COUNT(v, i);
        FUZZ_CHECK(tk_vocab_find(v, term, len) == (long long)i);
    }
    FUZZ_CHECK(total == v->total);

    FUZZ_CHECK(tk_vocab_sorted_ids(v, &ids) == TK_OK);
    for (i = 0; i < v->n; i++) {
        const uint8_t *term;
        FUZZ_CHECK(ids[i] < v->n);
        term = tk_vocab_term(v, ids[i], &len);
        /* Strictly increasing: terms are distinct. */
        if (prev)
            FUZZ_CHECK(tk_bytes_cmp(prev, prev_len, term, len) < 0);
        prev = term;
        prev_len = len;
    }

    /* Merging into an empty vocabulary keeps ids; merging twice doubles. */
    tk_vocab_init(&merged);
    tk_vocab_init(&twice);
    map = tk_malloc((v->n ? v->n : 1) * sizeof *map);
    FUZZ_CHECK(map != NULL);
    FUZZ_CHECK(tk_vocab_merge(&merged, v, map) == TK_OK);
    FUZZ_CHECK(merged.n == v->n && merged.total == v->total);
    for (i = 0; i < v->n; i++)
        FUZZ_CHECK(map[i] == i && VOCAB_COUNT(&merged, i) == VOCAB_COUNT(v, i));
    FUZZ_CHECK(tk_vocab_merge(&twice, v, NULL) == TK_OK);
    FUZZ_CHECK(tk_vocab_merge(&twice, &merged, NULL) == TK_OK);
    FUZZ_CHECK(twice.n == v->n && twice.total == 2 * v->total);
    tk_vocab_clear(&twice);
    FUZZ_CHECK(twice.n == 0 && twice.total == 0);
    FUZZ_CHECK(tk_vocab_merge(&twice, v, NULL) == TK_OK);
    FUZZ_CHECK(twice.n == v->n && twice.total == v->total);

    /* The empty term is a term like any other (Counts({"": 1}) makes one). */
    {
        tk_vocab with_empty;
        uint32_t id = 1;
        tk_vocab_init(&with_empty);
        FUZZ_CHECK(tk_vocab_add(&with_empty, (const uint8_t *)"", 0, 1, &id) == TK_OK && id == 0);
        FUZZ_CHECK(tk_vocab_merge(&with_empty, v, NULL) == TK_OK);
        FUZZ_CHECK(with_empty.total == v->total + 1 && tk_vocab_find(&with_empty, (const uint8_t *)"", 0) == 0);
        tk_vocab_free(&with_empty);
    }

    /* Build-once path: append without an index, index, then look up. */
    tk_vocab_clear(&twice);
    tk_vocab_free(&twice);
    tk_vocab_init(&twice);
    for (i = 0; i < v->n; i++) {
        const uint8_t *term = tk_vocab_term(v, i, &len);
        FUZZ_CHECK(tk_vocab_append_unindexed(&twice, term, len, tk_hash_bytes(term, len),
                                             VOCAB_COUNT(v, i)) == TK_OK);
    }
    FUZZ_CHECK(tk_vocab_index(&twice) == TK_OK);
    FUZZ_CHECK(twice.n == v->n && twice.total == v->total);
    for (i = 0; i < v->n; i++) {
        const uint8_t *term = tk_vocab_term(v, i, &len);
        FUZZ_CHECK(tk_vocab_find(&twice, term, len) == (long long)i);
    }
    tk_vocab_drop_index(&twice);
    if (v->n) {
        const uint8_t *term = tk_vocab_term(v, 0, &len);
        FUZZ_CHECK(tk_vocab_find(&twice, term, len) == -1);
    }

    tk_free(map);
    tk_free(ids);
    tk_vocab_free(&merged);
    tk_vocab_free(&twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    tk_tokenizer_opts opts;
    tk_ngram_opts ng;
    tk_ngram_buf buf, tokbuf;
    tk_stopwords *stopwords = NULL;
    tk_toklist list;
    tk_vocab vocab;
    gram_ctx ctx, again;
    uint8_t *owned = NULL;
    const uint8_t *text;
    size_t text_len, expected;
    unsigned b0, b1, b2;
    int rc;

    memset(&buf, 0, sizeof buf);
    memset(&tokbuf, 0, sizeof tokbuf);
    memset(&list, 0, sizeof list);
    tk_vocab_init(&vocab);

    b0 = fuzz_byte(&in);
    b1 = fuzz_byte(&in);
    b2 = fuzz_byte(&in);
    ng.analyzer = (int)(b0 % 4);
    opts.case_mode = (int)((b0 / 4) % 3);
    opts.norm = (int)((b0 / 12) % 3);
    opts.strip_accents = (b1 >> 7) & 1;
    ng.lo = 1 + (b1 & 3);
    ng.hi = (b1 & 0x10) ? (size_t)1 << 40 : ng.lo + ((b1 >> 2) & 3);
    opts.kinds = b2 & 0xF;
    opts.min_len = (b2 >> 4) & 3;
    FUZZ_CHECK(tk_ngram_check(&ng) == TK_OK);
    if (b2 & 0x40) {
        static const uint8_t the[] = "the";
        FUZZ_CHECK(tk_stopwords_new(&opts, &stopwords) == TK_OK);
        FUZZ_CHECK(tk_stopwords_add(stopwords, &opts, the, 3, &buf.scratch) == TK_OK);
    }
    if (fuzz_make_text(in.data, in.size, TK_UTF8_REPLACE, 0, &owned, &text, &text_len) < 0)
        goto cleanup;
    if ((b2 & 0x80) && text_len > 0) {
        /* Pieces must change nothing: the word analyzer is compared with
         * one tk_tokenize over the whole text below. */
        size_t copies = 70000 / text_len + 1, k;
        uint8_t *big = tk_malloc(copies * text_len);
        FUZZ_CHECK(big != NULL);
        for (k = 0; k < copies; k++)
            memcpy(big + k * text_len, text, text_len);
        tk_free(owned);
        owned = big;
        text = big;
        text_len *= copies;
        ng.hi = ng.lo + (ng.hi > ng.lo);
    }
    if (text_len > 64 && ng.hi > ng.lo + 3)
        ng.hi = ng.lo + 3;

    rc = tk_ngram_prepare(&ng, &opts, stopwords, text, text_len, &buf);
    FUZZ_CHECK(rc == TK_OK);
    expected = tk_ngram_count(&ng, &buf);
    memset(&ctx, 0, sizeof ctx);
    ctx.ng = &ng;
    ctx.buf = &buf;
    ctx.vocab = &vocab;
    rc = tk_ngram_emit(&ng, &buf, on_gram, &ctx);
    FUZZ_CHECK(rc == TK_OK);
    FUZZ_CHECK(ctx.emitted == expected);
    check_vocab(&vocab, ctx.emitted);

    /* prepare + emit in one call, on the reused buffer, gives the same. */
    memset(&again, 0, sizeof again);
    again.ng = &ng;
    again.buf = &buf;
    rc = tk_ngrams(&ng, &opts, stopwords, text, text_len, &buf, on_gram, &again);
    FUZZ_CHECK(rc == TK_OK);
    FUZZ_CHECK(again.emitted == ctx.emitted && again.fingerprint == ctx.fingerprint);

    /* Word n-grams from a token list equal those from the text. */
    if (ng.analyzer == TK_ANALYZER_WORD) {
        tk_scratch scratch;
        memset(&scratch, 0, sizeof scratch);
        rc = tk_tokenize(&opts, stopwords, text, text_len, &scratch, tk_toklist_sink, &list);
        tk_scratch_free(&scratch);
        FUZZ_CHECK(rc == TK_OK);
        FUZZ_CHECK(list.n == buf.n_units);
        rc = tk_ngram_prepare_tokens(&tokbuf, list.bytes, list.ends, list.n);
        FUZZ_CHECK(rc == TK_OK);
        FUZZ_CHECK(tokbuf.text_len == buf.text_len
                   && (buf.text_len == 0 || memcmp(tokbuf.text, buf.text, buf.text_len) == 0));
        memset(&again, 0, sizeof again);
        again.ng = &ng;
        again.buf = &tokbuf;
        FUZZ_CHECK(tk_ngram_emit(&ng, &tokbuf, on_gram, &again) == TK_OK);
        FUZZ_CHECK(again.emitted == ctx.emitted && again.fingerprint == ctx.fingerprint);
    }

cleanup:
    tk_free(owned);
    tk_toklist_free(&list);
    tk_ngram_buf_free(&buf);
    tk_ngram_buf_free(&tokbuf);
    tk_vocab_free(&vocab);
    tk_stopwords_free(stopwords);
    return 0;
}
