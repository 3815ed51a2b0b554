/*
 * Fuzz harness: UTF-8 validation/cleaning, the UAX #29 segmenter and the
 * tokenizer on arbitrary bytes, under every option combination.
 *
 * Input layout (options first, so mutations of the text keep them):
 *   byte 0  case mode (%3), normalization (/3 %3), strip_accents (bit 7;
 *           bits 5-6 %3 then pick marks, ASCII or scikit-learn's unicode)
 *   byte 1  kinds (low 4 bits), errors mode (bits 4-5 %3),
 *           str input (bit 6), reuse scratch across calls (bit 7)
 *   byte 2  min_len (%6)
 *   byte 3  number of stopwords (%4); each is a length byte (%16) + bytes
 *   [byte   with str input: 1, 2 or 4 bytes per unit (%3)]
 *   rest    the text: UTF-8 bytes, or with str input the code units of a
 *           CPython str of that width, lone surrogates included, which
 *           tk_utf8_from_ucs encodes as the binding does (surrogates
 *           counted as units under the errors mode)
 * Invariants: segments tile the text exactly at code point boundaries with
 * consistent code point offsets; tokens are non-empty valid UTF-8, come in
 * text order from in-range spans, respect min_len and the stopwords; the
 * memoizing scratch changes nothing; with no mapping a token is its segment;
 * under ASCII folding every token byte is ASCII.
 */
#include "fuzz_common.h"
#include "tk_segment.h"
#include "tk_tokenize.h"

typedef struct check_ctx {
    const uint8_t *text;
    size_t len;
    size_t last_end;
    size_t n_cps;
    const tk_tokenizer_opts *opts;
    const tk_stopwords *stopwords;
    int identity;            /* no case/normalization/accent mapping */
    tk_toklist *list;
} check_ctx;

static int check_token(void *arg, const uint8_t *tok, size_t tok_len, const tk_span *span)
{
    check_ctx *ctx = arg;
    unsigned kind;

    FUZZ_CHECK(tok_len > 0);
    FUZZ_CHECK(fuzz_is_valid_utf8(tok, tok_len));
    FUZZ_CHECK(fuzz_count_cps(tok, tok_len) >= ctx->opts->min_len);
    FUZZ_CHECK(span->start >= ctx->last_end);
    FUZZ_CHECK(span->start < span->end && span->end <= ctx->len);
    FUZZ_CHECK(span->cp_start < span->cp_end && span->cp_end <= ctx->n_cps);
    FUZZ_CHECK(span->cp_end - span->cp_start
               == fuzz_count_cps(ctx->text + span->start, span->end - span->start));
    kind = tk_segment_kind(ctx->text + span->start, span->end - span->start);
    FUZZ_CHECK(kind & ctx->opts->kinds);
    if (ctx->stopwords)
        FUZZ_CHECK(!tk_stopwords_contains(ctx->stopwords, tok, tok_len));
    if (ctx->opts->strip_accents == TK_STRIP_ASCII) {
        size_t i;
        for (i = 0; i < tok_len; i++)
            FUZZ_CHECK(tok[i] < 0x80);
    }
    if (ctx->identity)
        FUZZ_CHECK(tok_len == span->end - span->start
                   && memcmp(tok, ctx->text + span->start, tok_len) == 0);
    ctx->last_end = span->end;
    return tk_toklist_sink(ctx->list, tok, tok_len, span);
}

static void check_segments(const uint8_t *text, size_t len)
{
    tk_wordseg it;
    tk_span span;
    size_t end = 0, cp_end = 0, n = 0;

    tk_wordseg_init(&it, text, len);
    while (tk_wordseg_next(&it, &span)) {
        FUZZ_CHECK(span.start == end && span.cp_start == cp_end);
        FUZZ_CHECK(span.end > span.start && span.end <= len);
        /* A boundary never falls inside a code point. */
        FUZZ_CHECK(span.end == len || (text[span.end] & 0xC0) != 0x80);
        FUZZ_CHECK(span.cp_end - span.cp_start
                   == fuzz_count_cps(text + span.start, span.end - span.start));
        end = span.end;
        cp_end = span.cp_end;
        FUZZ_CHECK(++n <= len);
    }
    FUZZ_CHECK(end == len);
    FUZZ_CHECK(cp_end == fuzz_count_cps(text, len));
    /* An exhausted iterator stays exhausted. */
    FUZZ_CHECK(tk_wordseg_next(&it, &span) == 0);
}

static int same_tokens(const tk_toklist *a, const tk_toklist *b)
{
    size_t i;
    if (a->n != b->n || a->bytes_len != b->bytes_len)
        return 0;
    if (a->bytes_len && memcmp(a->bytes, b->bytes, a->bytes_len) != 0)
        return 0;
    for (i = 0; i < a->n; i++)
        if (a->ends[i] != b->ends[i] || a->spans[i].start != b->spans[i].start
            || a->spans[i].end != b->spans[i].end)
            return 0;
    return 1;
}

/*
 * The tokens by the plain pipeline, from the public pieces: every segment,
 * tk_segment_kind, utf8proc's mapping (tk_map_segment_utf8proc), then the
 * length and stopword filters.  tk_tokenize's shortcuts (the inline ASCII
 * path, the memo, the per-code-point mapping cache) must give exactly
 * these.
 */
static void reference_tokens(const tk_tokenizer_opts *opts, const tk_stopwords *stopwords,
                             const uint8_t *text, size_t len, tk_toklist *out)
{
    tk_wordseg it;
    tk_span span;
    tk_scratch plain;
    memset(&plain, 0, sizeof plain);
    tk_wordseg_init(&it, text, len);
    while (tk_wordseg_next(&it, &span)) {
        const uint8_t *seg = text + span.start, *tok;
        size_t seg_len = span.end - span.start, tok_len, tok_cps;
        if (!(tk_segment_kind(seg, seg_len) & opts->kinds))
            continue;
        FUZZ_CHECK(tk_map_segment_utf8proc(opts, seg, seg_len, &plain, &tok, &tok_len,
                                           &tok_cps) == TK_OK);
        if (tok_len == 0 || tok_cps < opts->min_len)
            continue;
        if (stopwords && tk_stopwords_contains(stopwords, tok, tok_len))
            continue;
        FUZZ_CHECK(tk_toklist_sink(out, tok, tok_len, &span) == TK_OK);
    }
    tk_scratch_free(&plain);
}

/* The UTF-8 of one code unit, as a reference for tk_utf8_from_ucs, whose
 * vector path encodes 8 units at a time: a surrogate is U+FFFD under
 * "replace", nothing under "ignore"; anything else is the plain one-code-
 * point encoder's output (and must be valid UTF-8, checked below). */
static size_t reference_unit(uint32_t cp, int errors, uint8_t *out)
{
    if (cp >= 0xD800 && cp <= 0xDFFF) {
        if (errors == TK_UTF8_IGNORE)
            return 0;
        cp = 0xFFFD;
    }
    return tk_utf8_encode(cp, out);
}

/*
 * The rest of the input as the code units of a str of 1, 2 or 4 bytes per
 * unit, encoded by tk_utf8_from_ucs into *owned (the vector path takes 8
 * units at a time, so lengths around multiples of 8 matter), checked
 * against a unit-at-a-time reference.  -1 when strict mode refuses a
 * surrogate, which the binding turns into a ValueError.
 */
static int str_to_utf8(fuzz_input *in, int errors, uint8_t **owned, size_t *len)
{
    static const int widths[] = {1, 2, 4};
    int kind = widths[fuzz_byte(in) % 3], has_surrogate = 0, rc;
    size_t n = in->size / (size_t)kind, i, want_len = 0;
    void *units = tk_malloc(n * (size_t)kind + 1);
    uint8_t *want = tk_malloc(TK_UCS_UTF8_MAX(kind, n) + 1);
    *owned = tk_malloc(TK_UCS_UTF8_MAX(kind, n) + 1);
    if (!units || !want || !*owned) {
        rc = -1;
        goto done;
    }
    for (i = 0; i < n; i++) {
        uint32_t cp;
        if (kind == 1) {
            cp = in->data[i];
            ((uint8_t *)units)[i] = (uint8_t)cp;
        } else if (kind == 2) {
            cp = (uint32_t)in->data[2 * i] | (uint32_t)in->data[2 * i + 1] << 8;
            ((uint16_t *)units)[i] = (uint16_t)cp;
        } else {
            memcpy(&cp, in->data + 4 * i, 4);
            cp %= 0x110000;      /* a str holds nothing above U+10FFFF */
            ((uint32_t *)units)[i] = cp;
        }
        has_surrogate |= cp >= 0xD800 && cp <= 0xDFFF;
        want_len += reference_unit(cp, errors, want + want_len);
    }
    rc = tk_utf8_from_ucs(units, kind, n, errors, *owned, len);
    if (rc == TK_ESURROGATE) {
        FUZZ_CHECK(errors == TK_UTF8_STRICT && has_surrogate);
        rc = -1;
        goto done;
    }
    FUZZ_CHECK(rc == TK_OK);
    FUZZ_CHECK(*len == want_len && memcmp(*owned, want, want_len) == 0);
    FUZZ_CHECK(fuzz_is_valid_utf8(*owned, *len));
    rc = 0;
done:
    tk_free(units);
    tk_free(want);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size};
    tk_tokenizer_opts opts;
    tk_stopwords *stopwords = NULL;
    tk_scratch scratch, fresh;
    tk_toklist first, second;
    check_ctx ctx;
    uint8_t *owned = NULL;
    const uint8_t *text;
    size_t text_len;
    unsigned b0, b1, n_stop, i;
    int errors, from_str, reuse, rc;

    memset(&scratch, 0, sizeof scratch);
    memset(&fresh, 0, sizeof fresh);
    memset(&first, 0, sizeof first);
    memset(&second, 0, sizeof second);
    first.want_spans = second.want_spans = 1;

    b0 = fuzz_byte(&in);
    b1 = fuzz_byte(&in);
    opts.case_mode = (int)(b0 % 3);
    opts.norm = (int)((b0 / 3) % 3);
    {
        static const int strips[] = {TK_STRIP_MARKS, TK_STRIP_ASCII, TK_STRIP_UNICODE};
        opts.strip_accents = !((b0 >> 7) & 1) ? TK_STRIP_NONE : strips[((b0 >> 5) & 3) % 3];
    }
    opts.kinds = b1 & 0xF;
    opts.min_len = fuzz_byte(&in) % 6;
    errors = (int)(((b1 >> 4) & 3) % 3);
    from_str = (b1 >> 6) & 1;
    reuse = (b1 >> 7) & 1;

    /* Usually a few stopwords; with the top bit, enough to grow the set. */
    n_stop = fuzz_byte(&in);
    n_stop = (n_stop & 0x80) ? 32 + (n_stop & 31) : n_stop % 4;
    if (n_stop) {
        FUZZ_CHECK(tk_stopwords_new(&opts, &stopwords) == TK_OK);
        for (i = 0; i < n_stop; i++) {
            fuzz_input word = fuzz_take(&in, fuzz_byte(&in) % 16);
            uint8_t *word_owned;
            const uint8_t *w;
            size_t w_len;
            /* Stopwords reach the core already valid (the binding checks). */
            if (fuzz_make_text(word.data, word.size, TK_UTF8_REPLACE, &word_owned, &w, &w_len)
                == 0) {
                FUZZ_CHECK(tk_stopwords_add(stopwords, &opts, w, w_len, &scratch) == TK_OK);
                tk_free(word_owned);
            }
        }
    }

    if (from_str) {
        if (str_to_utf8(&in, errors, &owned, &text_len) < 0)
            goto cleanup;
        text = owned;
    } else if (fuzz_make_text(in.data, in.size, errors, &owned, &text, &text_len) < 0) {
        goto cleanup;
    }

    check_segments(text, text_len);

    ctx.text = text;
    ctx.len = text_len;
    ctx.n_cps = fuzz_count_cps(text, text_len);
    ctx.opts = &opts;
    ctx.stopwords = stopwords;
    ctx.identity = opts.case_mode == TK_CASE_NONE && opts.norm == TK_NORM_NONE
                   && !opts.strip_accents;

    ctx.last_end = 0;
    ctx.list = &first;
    rc = tk_tokenize(&opts, stopwords, text, text_len, &scratch, check_token, &ctx);
    FUZZ_CHECK(rc == TK_OK);

    /* Again with the memo now warm (or with a fresh scratch): the memo is
     * an optimization and must never change a token. */
    ctx.last_end = 0;
    ctx.list = &second;
    rc = tk_tokenize(&opts, stopwords, text, text_len, reuse ? &scratch : &fresh, check_token,
                     &ctx);
    FUZZ_CHECK(rc == TK_OK);
    FUZZ_CHECK(same_tokens(&first, &second));
    {
        tk_toklist plain;
        memset(&plain, 0, sizeof plain);
        plain.want_spans = 1;
        reference_tokens(&opts, stopwords, text, text_len, &plain);
        FUZZ_CHECK(same_tokens(&first, &plain));
        tk_toklist_free(&plain);
    }

    /* A warm scratch used under other options must forget its memo. */
    {
        tk_tokenizer_opts other = opts;
        tk_toklist warm, cold;
        tk_scratch clean;
        memset(&warm, 0, sizeof warm);
        memset(&cold, 0, sizeof cold);
        memset(&clean, 0, sizeof clean);
        warm.want_spans = cold.want_spans = 1;
        other.case_mode = (opts.case_mode + 1) % 3;
        other.norm = (opts.norm + 2) % 3;
        other.strip_accents = (opts.strip_accents + 1) % 4;   /* memo must notice */
        other.kinds = opts.kinds | TK_KIND_WORD;
        FUZZ_CHECK(tk_tokenize(&other, NULL, text, text_len, &scratch, tk_toklist_sink, &warm)
                   == TK_OK);
        FUZZ_CHECK(tk_tokenize(&other, NULL, text, text_len, &clean, tk_toklist_sink, &cold)
                   == TK_OK);
        FUZZ_CHECK(same_tokens(&warm, &cold));
        tk_toklist_clear(&warm);
        /* ... and back: the first options again give the first tokens. */
        FUZZ_CHECK(tk_tokenize(&opts, stopwords, text, text_len, &scratch, tk_toklist_sink,
                               &warm) == TK_OK);
        FUZZ_CHECK(same_tokens(&warm, &first));
        tk_toklist_free(&warm);
        tk_toklist_free(&cold);
        tk_scratch_free(&clean);
    }

    /* The cached mapping of the whole text (as the char analyzers map a
     * document) equals utf8proc's. */
    {
        const uint8_t *cached, *direct;
        size_t cached_len, cached_cps, direct_len, direct_cps;
        FUZZ_CHECK(tk_map_segment(&opts, text, text_len, &scratch, &cached, &cached_len,
                                  &cached_cps) == TK_OK);
        FUZZ_CHECK(tk_map_segment_utf8proc(&opts, text, text_len, &fresh, &direct, &direct_len,
                                           &direct_cps) == TK_OK);
        FUZZ_CHECK(cached_len == direct_len && cached_cps == direct_cps
                   && memcmp(cached, direct, cached_len) == 0);
    }

    /* Mapping a token again is stable for the idempotent mappings. */
    if (opts.case_mode == TK_CASE_FOLD && opts.norm == TK_NORM_NFKC && !opts.strip_accents) {
        size_t start = 0;
        for (i = 0; i < first.n; i++) {
            const uint8_t *again;
            size_t again_len, again_cps;
            tk_tokenizer_opts plain = opts;
            plain.min_len = 0;
            rc = tk_map_segment(&plain, first.bytes + start, first.ends[i] - start, &fresh,
                                &again, &again_len, &again_cps);
            FUZZ_CHECK(rc == TK_OK);
            FUZZ_CHECK(fuzz_is_valid_utf8(again, again_len));
            start = first.ends[i];
        }
    }

cleanup:
    tk_free(owned);
    tk_toklist_free(&first);
    tk_toklist_free(&second);
    tk_scratch_free(&scratch);
    tk_scratch_free(&fresh);
    tk_stopwords_free(stopwords);
    return 0;
}
