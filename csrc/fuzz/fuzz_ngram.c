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
 * the vocabulary's total, ids, lookups, sort order and merge agree;
 * counting the text with tk_count_text (totals, rows, char rows counted
 * nested, a fixed vocabulary, hashed columns) agrees with that vocabulary, and two packed runs of it
 * merge back to its terms in sorted order with summed frequencies.
 */
#include "fuzz_common.h"
#include "tk_count.h"
#include "tk_ngram.h"
#include "tk_termrun.h"
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
    /* The same order with each term's length and first 8 bytes. */
    {
        tk_sorted_term *sorted = NULL;
        FUZZ_CHECK(tk_vocab_sorted_terms(v, &sorted) == TK_OK);
        for (i = 0; i < v->n; i++) {
            const uint8_t *term = tk_vocab_term(v, ids[i], &len);
            FUZZ_CHECK(sorted[i].id == ids[i] && sorted[i].len == len);
            FUZZ_CHECK(sorted[i].key == tk_term_prefix(term, len));
        }
        tk_free(sorted);
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

/* got holds v's terms with v's counts, in v's id order. */
static void check_same_vocab(const tk_vocab *got, const tk_vocab *v)
{
    size_t i, la, lb;
    FUZZ_CHECK(got->n == v->n && got->total == v->total);
    for (i = 0; i < v->n; i++) {
        const uint8_t *a = tk_vocab_term(v, i, &la), *b = tk_vocab_term(got, i, &lb);
        FUZZ_CHECK(tk_bytes_cmp(a, la, b, lb) == 0);
        FUZZ_CHECK(VOCAB_COUNT(got, i) == VOCAB_COUNT(v, i));
        FUZZ_CHECK(tk_vocab_find(got, a, la) == (long long)i);
    }
}

/* Nested char counting (short grams derived from the longest at each
 * document's end) gives every document the same terms and counts as v,
 * in some order, and the chunk twice v's counts. */
static void check_nested_rows(const tk_count_opts *co, tk_count_scratch *ws, const uint8_t *text,
                              size_t len, const tk_vocab *v)
{
    tk_count_chunk nested;
    tk_count_doc docs[2] = {{1, 1}, {2, 2}};
    size_t d, i, tl;
    memset(&nested, 0, sizeof nested);
    for (d = 0; d < 2; d++) {
        size_t start = nested.n_entries;
        FUZZ_CHECK(tk_count_text(co, ws, &nested, docs[d], text, len) == TK_OK);
        FUZZ_CHECK(nested.n_entries - start == v->n);
        for (i = start; i < nested.n_entries; i++) {
            const uint8_t *t = tk_vocab_term(&nested.vocab, TK_ENTRY_ID(nested.entries[i]), &tl);
            long long id = tk_vocab_find(v, t, tl);
            FUZZ_CHECK(id >= 0);
            FUZZ_CHECK((int64_t)TK_ENTRY_VALUE(nested.entries[i]) == VOCAB_COUNT(v, id));
        }
    }
    FUZZ_CHECK(nested.vocab.n == v->n && nested.vocab.total == 2 * v->total);
    for (i = 0; i < nested.vocab.n; i++) {
        const uint8_t *t = tk_vocab_term(&nested.vocab, i, &tl);
        long long id = tk_vocab_find(v, t, tl);
        FUZZ_CHECK(id >= 0 && VOCAB_COUNT(&nested.vocab, i) == 2 * VOCAB_COUNT(v, id));
    }
    tk_count_chunk_free(&nested);
}

/* The core's counting loop and term runs agree with the vocabulary v the
 * emitted grams built (one document counted twice, as documents 1 and 2). */
static void check_counting(const tk_ngram_opts *ng, const tk_tokenizer_opts *opts,
                           const tk_stopwords *stopwords, const uint8_t *text, size_t len,
                           const tk_vocab *v)
{
    tk_count_opts co;
    tk_count_scratch ws;
    tk_count_chunk terms, rows, fixed, hashed;
    tk_count_doc first = {1, 1}, second = {2, 2};
    tk_term_run run;
    tk_term_run *runs[2];
    tk_run_merge merge;
    tk_vocab index;
    uint32_t *rank, *map_a, *map_b, *maps[2];
    size_t i, n = v->n ? v->n : 1, len_i;
    int64_t sum = 0;

    memset(&co, 0, sizeof co);
    memset(&ws, 0, sizeof ws);
    memset(&terms, 0, sizeof terms);
    memset(&rows, 0, sizeof rows);
    memset(&fixed, 0, sizeof fixed);
    memset(&hashed, 0, sizeof hashed);
    co.ng = *ng;
    co.tok = opts;
    co.stopwords = stopwords;

    co.mode = TK_COUNT_TERMS;
    FUZZ_CHECK(tk_count_text(&co, &ws, &terms, first, text, len) == TK_OK);
    FUZZ_CHECK(terms.n_entries == 0);
    check_same_vocab(&terms.vocab, v);
    /* An emptied vocabulary keeps its buffers (a fit's worker counts its
     * next chunk into them) and counts afresh. */
    tk_vocab_clear(&terms.vocab);
    FUZZ_CHECK(tk_count_text(&co, &ws, &terms, first, text, len) == TK_OK);
    check_same_vocab(&terms.vocab, v);

    /* Rows: one entry per distinct term and document, ids in first-seen
     * order (plain counting; nested below). */
    co.mode = TK_COUNT_ROWS;
    co.plain = 1;
    FUZZ_CHECK(tk_count_text(&co, &ws, &rows, first, text, len) == TK_OK);
    FUZZ_CHECK(rows.n_entries == v->n);
    FUZZ_CHECK(tk_count_text(&co, &ws, &rows, second, text, len) == TK_OK);
    FUZZ_CHECK(rows.n_entries == 2 * v->n);
    for (i = 0; i < rows.n_entries; i++) {
        uint32_t id = TK_ENTRY_ID(rows.entries[i]);
        FUZZ_CHECK(id == i % (v->n ? v->n : 1));
        FUZZ_CHECK((int64_t)TK_ENTRY_VALUE(rows.entries[i]) == VOCAB_COUNT(v, id));
    }
    co.plain = 0;
    if (tk_ngram_nests(ng))
        check_nested_rows(&co, &ws, text, len, v);

    /* Two runs of the same terms merge to them, sorted, with summed tf and df. */
    rank = tk_malloc(n * sizeof *rank);
    map_a = tk_malloc(n * sizeof *map_a);
    map_b = tk_malloc(n * sizeof *map_b);
    FUZZ_CHECK(rank && map_a && map_b);
    FUZZ_CHECK(tk_term_run_pack(&rows.vocab, 1, &run, rank) == TK_OK);
    FUZZ_CHECK(run.n == v->n);
    for (i = 0; i < rows.n_entries; i++)
        run.df[rank[TK_ENTRY_ID(rows.entries[i])]]++;
    runs[0] = runs[1] = &run;
    maps[0] = map_a;
    maps[1] = map_b;
    FUZZ_CHECK(tk_run_merge_init(&merge, runs, maps, 2, 1 + len % 5, 1) == TK_OK);
    for (i = 0; i < merge.n_ranges; i++)
        FUZZ_CHECK(tk_run_merge_range(&merge, i) == TK_OK);
    FUZZ_CHECK(tk_run_merge_finish(&merge) == v->n);
    for (i = 0; i < merge.n_ranges; i++)
        tk_run_merge_globalize(&merge, i);
    for (i = 0; i < v->n; i++)
        FUZZ_CHECK(map_a[i] == i && map_b[i] == i);
    {
        /* Laid out back to back: sorted, each term once, with its stats. */
        size_t n_bytes = 0, term0 = 0, byte0 = 0, part, local, g = 0, start = 0,
               prev_start = 0;
        uint8_t *bytes;
        size_t *ends;
        for (part = 0; part < merge.n_ranges; part++)
            n_bytes += merge.parts[part].bytes_len;
        bytes = tk_malloc(n_bytes + 1);
        ends = tk_malloc((v->n + 1) * sizeof *ends);
        FUZZ_CHECK(bytes && ends);
        for (part = 0; part < merge.n_ranges; part++) {
            size_t part_terms, part_bytes;
            tk_run_merge_kept(&merge, part, NULL, &part_terms, &part_bytes);
            tk_run_merge_copy(&merge, part, NULL, bytes, byte0, ends, term0);
            term0 += part_terms;
            byte0 += part_bytes;
        }
        FUZZ_CHECK(term0 == v->n && byte0 == n_bytes);
        for (part = 0; part < merge.n_ranges; part++)
            for (local = 0; local < merge.parts[part].n; local++, g++) {
                const uint8_t *t = bytes + start;
                size_t tl = ends[g] - start;
                long long id = tk_vocab_find(v, t, tl);
                FUZZ_CHECK(id >= 0 && rank[id] == g);
                /* 2 documents x 2 runs */
                FUZZ_CHECK(merge.parts[part].tf[local] == 4 * VOCAB_COUNT(v, id));
                FUZZ_CHECK(merge.parts[part].df[local] == 4);
                if (g)
                    FUZZ_CHECK(tk_bytes_cmp(bytes + prev_start, start - prev_start, t, tl) < 0);
                prev_start = start;
                start = ends[g];
            }
        FUZZ_CHECK(g == v->n);
        tk_free(bytes);
        tk_free(ends);
    }
    tk_run_merge_free(&merge);
    tk_term_run_free(&run);

    /* A fixed vocabulary: columns are ids, the row is sorted. */
    tk_vocab_init(&index);
    for (i = 0; i < v->n; i++) {
        const uint8_t *t = tk_vocab_term(v, i, &len_i);
        FUZZ_CHECK(tk_vocab_add(&index, t, len_i, 0, NULL) == TK_OK);
    }
    co.mode = TK_COUNT_FIXED;
    co.fixed = &index;
    FUZZ_CHECK(tk_count_text(&co, &ws, &fixed, first, text, len) == TK_OK);
    FUZZ_CHECK(fixed.n_entries == v->n);
    for (i = 0; i < fixed.n_entries; i++) {
        FUZZ_CHECK(TK_ENTRY_ID(fixed.entries[i]) == i);
        FUZZ_CHECK((int64_t)TK_ENTRY_VALUE(fixed.entries[i]) == VOCAB_COUNT(v, i));
    }

    /* Hashed columns: strictly increasing, in range, nonzero, bounded. */
    co.mode = TK_COUNT_HASHED;
    co.n_features = 1 + len % 97;
    co.alternate_sign = (int)(len & 1);
    FUZZ_CHECK(tk_count_text(&co, &ws, &hashed, first, text, len) == TK_OK);
    for (i = 0; i < hashed.n_entries; i++) {
        int32_t value = (int32_t)TK_ENTRY_VALUE(hashed.entries[i]);
        FUZZ_CHECK(TK_ENTRY_ID(hashed.entries[i]) < co.n_features && value != 0);
        if (i)
            FUZZ_CHECK(TK_ENTRY_ID(hashed.entries[i - 1]) < TK_ENTRY_ID(hashed.entries[i]));
        sum += value < 0 ? -(int64_t)value : value;
    }
    FUZZ_CHECK(sum <= v->total);

    tk_free(rank);
    tk_free(map_a);
    tk_free(map_b);
    tk_vocab_free(&index);
    tk_count_chunk_free(&terms);
    tk_count_chunk_free(&rows);
    tk_count_chunk_free(&fixed);
    tk_count_chunk_free(&hashed);
    tk_count_scratch_free(&ws);
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
    if (fuzz_make_text(in.data, in.size, TK_UTF8_REPLACE, &owned, &text, &text_len) < 0)
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
    check_counting(&ng, &opts, stopwords, text, text_len, &vocab);

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
