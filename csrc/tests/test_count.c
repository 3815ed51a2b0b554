/* Unit tests for counting documents into chunks (tk_count.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tk_count.h"
#include "tk_test.h"

static tk_tokenizer_opts word_opts(void)
{
    return tk_test_unnormalized(TK_CASE_LOWER);
}

static tk_count_opts count_opts(int mode, const tk_tokenizer_opts *tok, size_t lo, size_t hi)
{
    tk_count_opts o;
    memset(&o, 0, sizeof o);
    o.mode = mode;
    o.ng.analyzer = TK_ANALYZER_WORD;
    o.ng.lo = lo;
    o.ng.hi = hi;
    o.tok = tok;
    return o;
}

static int count_str(const tk_count_opts *o, tk_count_scratch *ws, tk_count_chunk *chunk,
                     size_t stamp, uint32_t mark, const char *text)
{
    tk_count_doc doc;
    doc.stamp = stamp;
    doc.mark = mark;
    return tk_count_text(o, ws, chunk, doc, (const uint8_t *)text, strlen(text));
}

static long long id_of(const tk_vocab *v, const char *term)
{
    return tk_vocab_find(v, (const uint8_t *)term, strlen(term));
}

static void test_terms_mode(void)
{
    tk_tokenizer_opts tok = word_opts();
    tk_count_opts o = count_opts(TK_COUNT_TERMS, &tok, 1, 2);
    tk_count_scratch ws;
    tk_count_chunk c;
    memset(&ws, 0, sizeof ws);
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(count_str(&o, &ws, &c, 1, 1, "The cat, the CAT."), TK_OK);
    CHECK_EQ_INT(count_str(&o, &ws, &c, 2, 2, ""), TK_OK);
    /* ids in order of first appearance; all 1-grams come before 2-grams */
    CHECK_EQ_INT(id_of(&c.vocab, "the"), 0);
    CHECK_EQ_INT(id_of(&c.vocab, "cat"), 1);
    CHECK_EQ_INT(id_of(&c.vocab, "the cat"), 2);
    CHECK_EQ_INT(id_of(&c.vocab, "cat the"), 3);
    CHECK_EQ_INT(c.vocab.n, 4);
    CHECK_EQ_INT(c.vocab.terms[0].count, 2);
    CHECK_EQ_INT(c.vocab.terms[2].count, 2);
    CHECK_EQ_INT(c.n_entries, 0);   /* totals only */
    tk_count_chunk_free(&c);
    tk_count_scratch_free(&ws);
}

static void test_rows_mode(void)
{
    tk_tokenizer_opts tok = word_opts();
    tk_count_opts o = count_opts(TK_COUNT_ROWS, &tok, 1, 1);
    tk_count_scratch ws;
    tk_count_chunk c;
    memset(&ws, 0, sizeof ws);
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(count_str(&o, &ws, &c, 1, 1, "a b a c a"), TK_OK);
    CHECK_EQ_INT(c.n_entries, 3);
    CHECK(c.entries[0] == TK_ENTRY(0, 3) && c.entries[1] == TK_ENTRY(1, 1)
          && c.entries[2] == TK_ENTRY(2, 1));
    /* The next document's row starts fresh, even for known terms. */
    CHECK_EQ_INT(count_str(&o, &ws, &c, 2, 2, "c d c"), TK_OK);
    CHECK_EQ_INT(c.n_entries, 5);
    CHECK(c.entries[3] == TK_ENTRY(2, 2) && c.entries[4] == TK_ENTRY(3, 1));
    CHECK_EQ_INT(c.vocab.terms[2].count, 3);
    tk_count_chunk_free(&c);
    tk_count_scratch_free(&ws);
}

/* A fit chunk packs into a sorted run; its rows then hold run positions. */
static void test_chunk_pack(void)
{
    tk_tokenizer_opts tok = word_opts();
    tk_count_opts o = count_opts(TK_COUNT_ROWS, &tok, 1, 1);
    tk_count_scratch ws;
    tk_count_chunk c;
    tk_term_run run;
    memset(&ws, 0, sizeof ws);
    memset(&c, 0, sizeof c);
    CHECK_EQ_INT(count_str(&o, &ws, &c, 1, 1, "pear apple pear"), TK_OK);
    CHECK_EQ_INT(count_str(&o, &ws, &c, 2, 2, "fig apple"), TK_OK);
    CHECK_EQ_INT(tk_count_chunk_pack(&c, 1, &run), TK_OK);
    /* apple < fig < pear */
    CHECK_EQ_INT(run.n, 3);
    CHECK(run.lens[0] == 5 && memcmp(run.bytes, "apple", 5) == 0);
    CHECK(c.entries[0] == TK_ENTRY(2, 2) && c.entries[1] == TK_ENTRY(0, 1));
    CHECK(c.entries[2] == TK_ENTRY(1, 1) && c.entries[3] == TK_ENTRY(0, 1));
    CHECK(run.counts[0] == 2 && run.counts[1] == 1 && run.counts[2] == 2);
    CHECK(run.df[0] == 2 && run.df[1] == 1 && run.df[2] == 1);
    CHECK_EQ_INT(c.vocab.n, 0);     /* emptied, its buffers kept for the next chunk */
    CHECK(c.vocab.slots != NULL && c.vocab.slots[0].id1 == 0);
    /* An emptied vocabulary counts a new chunk from scratch. */
    {
        tk_count_chunk next;
        tk_term_run run2;
        memset(&next, 0, sizeof next);
        next.vocab = c.vocab;
        tk_vocab_init(&c.vocab);
        CHECK_EQ_INT(count_str(&o, &ws, &next, 1, 1, "fig kiwi"), TK_OK);
        CHECK_EQ_INT(tk_count_chunk_pack(&next, 1, &run2), TK_OK);
        CHECK_EQ_INT(run2.n, 2);
        CHECK(run2.lens[0] == 3 && memcmp(run2.bytes, "fig", 3) == 0);
        CHECK(run2.counts[0] == 1 && run2.counts[1] == 1);
        CHECK(next.entries[0] == TK_ENTRY(0, 1) && next.entries[1] == TK_ENTRY(1, 1));
        tk_term_run_free(&run2);
        tk_count_chunk_free(&next);
    }
    tk_term_run_free(&run);
    tk_count_chunk_free(&c);
    /* Without stats, no frequency arrays. */
    CHECK_EQ_INT(count_str(&o, &ws, &c, 3, 1, "kiwi"), TK_OK);
    CHECK_EQ_INT(tk_count_chunk_pack(&c, 0, &run), TK_OK);
    CHECK(run.counts == NULL && run.df == NULL && run.n == 1);
    tk_term_run_free(&run);
    tk_count_chunk_free(&c);
    tk_count_scratch_free(&ws);
}

static void test_fixed_mode(void)
{
    tk_tokenizer_opts tok = word_opts();
    tk_count_opts o = count_opts(TK_COUNT_FIXED, &tok, 1, 1);
    tk_count_scratch ws;
    tk_count_chunk c;
    tk_vocab fixed;
    memset(&ws, 0, sizeof ws);
    memset(&c, 0, sizeof c);
    tk_vocab_init(&fixed);
    CHECK_EQ_INT(tk_vocab_add(&fixed, (const uint8_t *)"zebra", 5, 0, NULL), TK_OK);
    CHECK_EQ_INT(tk_vocab_add(&fixed, (const uint8_t *)"dog", 3, 0, NULL), TK_OK);
    CHECK_EQ_INT(tk_vocab_add(&fixed, (const uint8_t *)"cat", 3, 0, NULL), TK_OK);
    o.fixed = &fixed;
    /* Regression: an empty first row used to sort at NULL + 0 (UB). */
    CHECK_EQ_INT(count_str(&o, &ws, &c, 99, 99, "bird bird"), TK_OK);
    CHECK_EQ_INT(c.n_entries, 0);
    /* Unknown terms are skipped; the row is sorted by column. */
    CHECK_EQ_INT(count_str(&o, &ws, &c, 1, 1, "cat bird dog zebra cat"), TK_OK);
    CHECK_EQ_INT(c.n_entries, 3);
    CHECK(c.entries[0] == TK_ENTRY(0, 1) && c.entries[1] == TK_ENTRY(1, 1)
          && c.entries[2] == TK_ENTRY(2, 2));
    CHECK_EQ_INT(count_str(&o, &ws, &c, 2, 2, "dog dog"), TK_OK);
    CHECK_EQ_INT(c.n_entries, 4);
    CHECK(c.entries[3] == TK_ENTRY(1, 2));
    CHECK_EQ_INT(c.vocab.n, 0);     /* the fixed vocabulary is never written */
    tk_vocab_free(&fixed);
    tk_count_chunk_free(&c);
    tk_count_scratch_free(&ws);
}

static void test_hashed_mode(void)
{
    tk_tokenizer_opts tok = word_opts();
    tk_count_opts o = count_opts(TK_COUNT_HASHED, &tok, 1, 1);
    tk_count_scratch ws;
    tk_count_chunk c;
    const char *words[] = {"alpha", "beta", "gamma", "delta", "alpha"};
    int64_t want[8] = {0};
    size_t i, at = 0;
    int col;
    memset(&ws, 0, sizeof ws);
    memset(&c, 0, sizeof c);
    o.n_features = 8;
    o.alternate_sign = 1;
    for (i = 0; i < 5; i++) {
        uint64_t h = tk_hash_bytes((const uint8_t *)words[i], strlen(words[i]));
        want[(h & UINT64_C(0x7fffffffffffffff)) % 8] += (h >> 63) ? -1 : 1;
    }
    CHECK_EQ_INT(count_str(&o, &ws, &c, 1, 1, "alpha beta gamma delta alpha"), TK_OK);
    /* summed per column, sorted, zero sums dropped */
    for (col = 0; col < 8; col++) {
        if (want[col] == 0)
            continue;
        CHECK(at < c.n_entries);
        if (at >= c.n_entries)
            break;
        CHECK_EQ_INT(TK_ENTRY_ID(c.entries[at]), col);
        CHECK_EQ_INT((int32_t)TK_ENTRY_VALUE(c.entries[at]), want[col]);
        at++;
    }
    CHECK_EQ_INT(at, c.n_entries);
    tk_count_chunk_free(&c);
    tk_count_scratch_free(&ws);
}

/* Reference for test_hashed_long: sum every gram's signed count by column. */
typedef struct dense_sums {
    int64_t *sums;
    uint64_t n_features;
    int alternate_sign;
} dense_sums;

static int dense_sink(void *ctx, const uint8_t *g, size_t len)
{
    dense_sums *d = ctx;
    uint64_t h = tk_hash_bytes(g, len);
    d->sums[(h & UINT64_C(0x7fffffffffffffff)) % d->n_features]
        += (d->alternate_sign && (h >> 63)) ? -1 : 1;
    return TK_OK;
}

/* Check the row at c->entries[from, c->n_entries) against dense sums. */
static void check_hashed_row(const tk_count_chunk *c, size_t from, const int64_t *want,
                             uint64_t n_features)
{
    size_t at = from;
    uint64_t col;
    for (col = 0; col < n_features; col++) {
        if (want[col] == 0)
            continue;
        CHECK(at < c->n_entries);
        if (at >= c->n_entries)
            return;
        CHECK_EQ_INT(TK_ENTRY_ID(c->entries[at]), col);
        CHECK_EQ_INT((int32_t)TK_ENTRY_VALUE(c->entries[at]), want[col]);
        if (TK_ENTRY_ID(c->entries[at]) != col)
            return;
        at++;
    }
    CHECK_EQ_INT(at, c->n_entries);
}

/*
 * A document with more grams than TK_HASHED_PENDING_MAX folds them into
 * sums as it goes: the row must equal summing every gram, with few columns
 * (every column hit often, zero sums dropped) or many, and the next
 * document must start from nothing.
 */
static void test_hashed_long(void)
{
    static const uint64_t feature_counts[] = {7, 1000, (uint64_t)1 << 20};
    tk_tokenizer_opts tok;
    size_t len = 3 * TK_HASHED_PENDING_MAX / 4 + 12345, i, f;
    uint8_t *text = malloc(len);
    uint64_t state = 12345;
    int saw_nomem;
    CHECK(text != NULL);
    if (!text)
        return;
    memset(&tok, 0, sizeof tok);
    tok.case_mode = TK_CASE_FOLD;
    tok.norm = TK_NORM_NFKC;
    for (i = 0; i < len; i++) {
        state = state * 6364136223846793005u + 1442695040888963407u;
        text[i] = (uint8_t)("abcdefghij  \xCE\xA3"[(state >> 33) % 14]);
    }
    /* no cut UTF-8: make the last byte ASCII and every 0xCE byte a pair */
    for (i = 0; i + 1 < len; i++)
        if (text[i] == 0xCE || text[i] == 0xA3) {
            text[i] = 0xCE;
            text[i + 1] = 0xA3;
            i++;
        }
    text[len - 1] = 'z';
    for (f = 0; f < sizeof feature_counts / sizeof *feature_counts; f++) {
        int sign;
        for (sign = 0; sign <= 1; sign++) {
            tk_count_opts o = count_opts(TK_COUNT_HASHED, &tok, 1, 3);
            tk_count_scratch ws;
            tk_count_chunk c;
            tk_ngram_buf buf;
            dense_sums d;
            tk_count_doc doc = {1, 1};
            size_t from;
            memset(&ws, 0, sizeof ws);
            memset(&c, 0, sizeof c);
            memset(&buf, 0, sizeof buf);
            o.ng.analyzer = TK_ANALYZER_CHAR;
            o.n_features = feature_counts[f];
            o.alternate_sign = sign;
            d.n_features = o.n_features;
            d.alternate_sign = sign;
            d.sums = calloc(o.n_features, sizeof *d.sums);
            CHECK(d.sums != NULL);
            if (!d.sums)
                break;
            CHECK_EQ_INT(tk_ngrams(&o.ng, &tok, NULL, text, len, &buf, dense_sink, &d), TK_OK);
            CHECK(tk_ngram_count(&o.ng, &buf) > TK_HASHED_PENDING_MAX);
            CHECK_EQ_INT(tk_count_text(&o, &ws, &c, doc, text, len), TK_OK);
            check_hashed_row(&c, 0, d.sums, o.n_features);
            /* the next document, short, after the long one */
            memset(d.sums, 0, o.n_features * sizeof *d.sums);
            CHECK_EQ_INT(tk_ngrams(&o.ng, &tok, NULL, text, 100, &buf, dense_sink, &d), TK_OK);
            from = c.n_entries;
            doc.stamp = 2;
            doc.mark = 2;
            CHECK_EQ_INT(tk_count_text(&o, &ws, &c, doc, text, 100), TK_OK);
            check_hashed_row(&c, from, d.sums, o.n_features);
            free(d.sums);
            tk_ngram_buf_free(&buf);
            tk_count_chunk_free(&c);
            tk_count_scratch_free(&ws);
        }
    }
    /* allocation failures inside the folding: an error, never a crash */
    saw_nomem = 0;
    for (i = 1; i < 12; i++) {
        tk_count_opts o = count_opts(TK_COUNT_HASHED, &tok, 1, 3);
        tk_count_scratch ws;
        tk_count_chunk c;
        tk_count_doc doc = {1, 1};
        int rc;
        memset(&ws, 0, sizeof ws);
        memset(&c, 0, sizeof c);
        o.ng.analyzer = TK_ANALYZER_CHAR;
        o.n_features = 1000;
        tk_alloc_fail_after((long)i);
        rc = tk_count_text(&o, &ws, &c, doc, text, len);
        tk_alloc_fail_after(0);
        CHECK(rc == TK_OK || rc == TK_ENOMEM);
        saw_nomem |= rc == TK_ENOMEM;
        tk_count_chunk_free(&c);
        tk_count_scratch_free(&ws);
    }
    CHECK(saw_nomem);
    free(text);
}

static void test_pre_analyzed_terms(void)
{
    tk_count_opts o = count_opts(TK_COUNT_ROWS, NULL, 1, 2);
    tk_count_scratch ws;
    tk_count_chunk c;
    const uint8_t data[] = "xyx";
    const size_t ends[] = {1, 2, 3};
    tk_count_doc doc = {1, 1};
    memset(&ws, 0, sizeof ws);
    memset(&c, 0, sizeof c);
    /* as features: each term once, no n-grams */
    CHECK_EQ_INT(tk_count_terms(&o, &ws, &c, doc, data, ends, 3, 0), TK_OK);
    CHECK_EQ_INT(c.vocab.n, 2);
    CHECK_EQ_INT(c.n_entries, 2);
    CHECK(c.entries[0] == TK_ENTRY(0, 2) && c.entries[1] == TK_ENTRY(1, 1));
    /* as tokens: 1- and 2-grams of them */
    doc.stamp = 2;
    doc.mark = 2;
    CHECK_EQ_INT(tk_count_terms(&o, &ws, &c, doc, data, ends, 3, 1), TK_OK);
    CHECK_EQ_INT(id_of(&c.vocab, "x y"), 2);
    CHECK_EQ_INT(id_of(&c.vocab, "y x"), 3);
    CHECK_EQ_INT(c.n_entries, 6);
    tk_count_chunk_free(&c);
    tk_count_scratch_free(&ws);
}

static void test_cancel(void)
{
    tk_tokenizer_opts tok = word_opts();
    tk_count_opts o = count_opts(TK_COUNT_TERMS, &tok, 1, 1);
    tk_count_scratch ws;
    tk_count_chunk c;
    int cancel = 1;
    size_t n = 200000, i;
    char *text = malloc(2 * n + 1);
    memset(&ws, 0, sizeof ws);
    memset(&c, 0, sizeof c);
    for (i = 0; i < n; i++) {
        text[2 * i] = 'a';
        text[2 * i + 1] = ' ';
    }
    text[2 * n] = '\0';
    o.cancel = &cancel;
    CHECK_EQ_INT(count_str(&o, &ws, &c, 1, 1, text), TK_ECANCELLED);
    cancel = 0;
    CHECK_EQ_INT(count_str(&o, &ws, &c, 2, 2, text), TK_OK);
    CHECK_EQ_INT(c.vocab.n, 1);
    free(text);
    tk_count_chunk_free(&c);
    tk_count_scratch_free(&ws);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_sort(void)
{
    uint64_t state = 88172645463325252u;
    size_t n, i;
    for (n = 0; n < 3000; n = n * 2 + 1) {
        uint64_t *a = malloc((n + 1) * sizeof *a), *b = malloc((n + 1) * sizeof *b);
        for (i = 0; i < n; i++) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            a[i] = b[i] = (n % 3 == 0) ? state % 5 : state;   /* many ties, or none */
        }
        tk_sort_u64(a, n);
        qsort(b, n, sizeof *b, cmp_u64);
        CHECK(n == 0 || memcmp(a, b, n * sizeof *a) == 0);
        free(a);
        free(b);
    }
}

/*
 * tk_sort_row on both sides of its thresholds: rows of distinct columns
 * (entries, key at bit 32) must come out exactly as tk_sort_u64 sorts
 * them; rows of repeated columns (hashing, key at bit 1, sign in bit 0)
 * must keep their values and bring equal columns together in order.
 */
static void test_sort_row(void)
{
    static const size_t sizes[] = {0, 1, 2, 40, 41, 100, 1023, 1024, 1025, 3000};
    static const unsigned key_bits[] = {12, 17, 20, 31};
    uint64_t state = 0x9E3779B97F4A7C15u;
    size_t si, ki, i;
    for (ki = 0; ki < sizeof key_bits / sizeof key_bits[0]; ki++)
        for (si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
            size_t n = sizes[si];
            const unsigned bits = key_bits[ki];
            const uint64_t n_cols = (uint64_t)1 << bits;
            uint64_t *a = malloc((n + 1) * sizeof *a), *b = malloc((n + 1) * sizeof *b);
            uint64_t *tmp = malloc((n + 1) * sizeof *tmp);
            size_t disorder = 0;
            if (n > n_cols)
                n = (size_t)n_cols;
            CHECK_EQ_INT(tk_column_bits(n_cols), bits);
            for (i = 0; i < n; i++) {
                /* an odd multiplier permutes the columns: all distinct */
                uint64_t col = (i * UINT64_C(0x9E3779B1)) & (n_cols - 1);
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                a[i] = b[i] = (col << 32) | (uint32_t)state;
            }
            tk_sort_row(a, tmp, n, 32, bits);
            tk_sort_u64(b, n);
            CHECK(n == 0 || memcmp(a, b, n * sizeof *a) == 0);
            for (i = 0; i < n; i++) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                a[i] = b[i] = ((state % (n / 3 + 1)) << 1) | (state >> 63);
            }
            tk_sort_row(a, tmp, n, 1, tk_column_bits(n / 3 + 1));
            for (i = 1; i < n; i++)
                disorder += (a[i - 1] >> 1) > (a[i] >> 1);
            CHECK_EQ_INT(disorder, 0);
            qsort(a, n, sizeof *a, cmp_u64);
            qsort(b, n, sizeof *b, cmp_u64);
            CHECK(n == 0 || memcmp(a, b, n * sizeof *a) == 0);
            free(a);
            free(b);
            free(tmp);
        }
    CHECK_EQ_INT(tk_column_bits(0), 0);
    CHECK_EQ_INT(tk_column_bits(1), 0);
    CHECK_EQ_INT(tk_column_bits(2), 1);
    CHECK_EQ_INT(tk_column_bits(3), 2);
}

/* Every allocation failure is an error code, never a crash or a leak
 * (valgrind checks leaks in `make valgrind`). */
/* A document's row and the chunk's counts as text, terms sorted, for
 * comparing two countings whose ids differ. */
typedef struct row_text {
    char *s;
    size_t len, cap;
} row_text;

static void text_append(row_text *t, const char *bytes, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->s = realloc(t->s, t->cap);
        if (!t->s)
            abort();
    }
    memcpy(t->s + t->len, bytes, n);
    t->len += n;
    t->s[t->len] = '\0';
}

typedef struct term_line {
    const uint8_t *bytes;
    size_t len;
    long long value;
} term_line;

static int line_cmp(const void *a, const void *b)
{
    const term_line *x = a, *y = b;
    return tk_bytes_cmp(x->bytes, x->len, y->bytes, y->len);
}

/* "term=value;" for each (term, value) pair, in term order. */
static void describe_lines(row_text *t, term_line *lines, size_t n)
{
    size_t i;
    char num[32];
    qsort(lines, n, sizeof *lines, line_cmp);
    for (i = 0; i < n; i++) {
        text_append(t, (const char *)lines[i].bytes, lines[i].len);
        snprintf(num, sizeof num, "=%lld;", lines[i].value);
        text_append(t, num, strlen(num));
    }
    text_append(t, "\n", 1);
}

/* Count docs into one chunk (ROWS, char grams lo..hi), nested or plain, and
 * describe every row and the chunk's term counts. */
static void count_described(const char *const *docs, size_t n_docs, size_t lo, size_t hi,
                            int plain, row_text *out, int *nesting_off)
{
    tk_tokenizer_opts tok = word_opts();
    tk_count_opts o = count_opts(TK_COUNT_ROWS, &tok, lo, hi);
    tk_count_scratch ws;
    tk_count_chunk c;
    term_line *lines = NULL;
    size_t d, k, start;
    memset(&ws, 0, sizeof ws);
    memset(&c, 0, sizeof c);
    o.ng.analyzer = TK_ANALYZER_CHAR;
    o.plain = plain;
    for (d = 0; d < n_docs; d++) {
        start = c.n_entries;
        CHECK_EQ_INT(count_str(&o, &ws, &c, d + 1, (uint32_t)d + 1, docs[d]), TK_OK);
        lines = realloc(lines, (c.n_entries - start + 1) * sizeof *lines);
        for (k = start; k < c.n_entries; k++) {
            term_line *l = &lines[k - start];
            l->bytes = tk_vocab_term(&c.vocab, TK_ENTRY_ID(c.entries[k]), &l->len);
            l->value = TK_ENTRY_VALUE(c.entries[k]);
        }
        describe_lines(out, lines, c.n_entries - start);
    }
    lines = realloc(lines, (c.vocab.n + 1) * sizeof *lines);
    for (k = 0; k < c.vocab.n; k++) {
        lines[k].bytes = tk_vocab_term(&c.vocab, k, &lines[k].len);
        lines[k].value = c.vocab.terms[k].count;
    }
    describe_lines(out, lines, c.vocab.n);
    *nesting_off = c.nesting_off;
    {
        char total[48];
        snprintf(total, sizeof total, "total=%lld\n", (long long)c.vocab.total);
        text_append(out, total, strlen(total));
    }
    free(lines);
    tk_count_chunk_free(&c);
    tk_count_scratch_free(&ws);
}

/*
 * A fit's char grams are counted nested: each document's longest grams in
 * the table, the shorter ones derived from them when the document ends.
 * Every row (its terms and counts) and the chunk's term counts must equal
 * plain counting's, for documents shorter than hi, grams that repeat
 * inside a document, end grams that equal a prefix of an earlier gram,
 * multi-byte characters, and a table large enough for the pipe.
 */
static void test_nested_rows(void)
{
    static const char *const pieces[] = {"a", "b", "ab", " ", "\xC3\xA9", "\xE4\xB8\xAD",
                                         "\xF0\x9F\x99\x82", "aaa", "\n"};
    static const char *const fixed_docs[] = {"", "a", "ab", "abc", "aaaaaaa", "abcabcab",
                                             "\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x99\x82x", "ab ab"};
    static char random_docs[40][200];
    static char big[40000];
    const char *docs[64];
    size_t lo, hi, d, k, n_docs = 0;
    unsigned seed = 12345;
    for (d = 0; d < sizeof fixed_docs / sizeof *fixed_docs; d++)
        docs[n_docs++] = fixed_docs[d];
    for (d = 0; d < 40; d++) {
        size_t len = 0, want;
        seed = seed * 1103515245u + 12345u;
        want = (seed >> 16) % 40;
        random_docs[d][0] = '\0';
        for (k = 0; k < want; k++) {
            const char *piece;
            seed = seed * 1103515245u + 12345u;
            piece = pieces[(seed >> 16) % (sizeof pieces / sizeof *pieces)];
            memcpy(random_docs[d] + len, piece, strlen(piece) + 1);
            len += strlen(piece);
        }
        docs[n_docs++] = random_docs[d];
    }
    /* over 8192 hash slots of distinct grams: counted through the pipe */
    for (k = 0; k + 1 < sizeof big; k++) {
        seed = seed * 1103515245u + 12345u;
        big[k] = (char)('a' + (seed >> 16) % 26);
    }
    big[sizeof big - 1] = '\0';
    /* From hi = 4 on its hi-grams are nearly all new: the chunk's later
     * documents count plain, and must count the same. */
    docs[n_docs++] = big;
    docs[n_docs++] = fixed_docs[4];
    for (d = 0; d < 10; d++)
        docs[n_docs++] = random_docs[d];
    for (lo = 1; lo <= 4; lo++)
        for (hi = lo + 1; hi <= lo + 3; hi++) {
            row_text nested, plain;
            int nested_off, plain_off;
            memset(&nested, 0, sizeof nested);
            memset(&plain, 0, sizeof plain);
            count_described(docs, n_docs, lo, hi, 0, &nested, &nested_off);
            count_described(docs, n_docs, lo, hi, 1, &plain, &plain_off);
            /* 26^hi possible: below hi = 4 the letters repeat (676, 17,576) */
            CHECK(nested_off == (hi >= 4) && plain_off == 0);
            CHECK(nested.len > 0 && nested.len == plain.len
                  && memcmp(nested.s, plain.s, nested.len) == 0);
            if (nested.len != plain.len || memcmp(nested.s, plain.s, nested.len) != 0)
                fprintf(stderr, "nested counting differs for (%zu, %zu)\n", lo, hi);
            free(nested.s);
            free(plain.s);
        }
    /* Natural text repeats its hi-grams: the chunk keeps counting nested. */
    {
        static char repetitive[2100];
        const char *copies[20];
        row_text nested, plain;
        int nested_off, plain_off;
        for (k = 0; k + 1 < sizeof repetitive; k++)
            repetitive[k] = "the cat sat on the mat, and the dog sat on the log. "[k % 52];
        for (d = 0; d < 20; d++)
            copies[d] = repetitive;
        memset(&nested, 0, sizeof nested);
        memset(&plain, 0, sizeof plain);
        count_described(copies, 20, 3, 5, 0, &nested, &nested_off);
        count_described(copies, 20, 3, 5, 1, &plain, &plain_off);
        CHECK(nested_off == 0);
        CHECK(nested.len == plain.len && memcmp(nested.s, plain.s, nested.len) == 0);
        free(nested.s);
        free(plain.s);
    }
}

static void test_alloc_failures(void)
{
    tk_tokenizer_opts tok = word_opts();
    long n;
    int mode;
    for (mode = TK_COUNT_TERMS; mode <= TK_COUNT_HASHED + 1; mode++) {
        int saw_nomem = 0, saw_ok = 0;
        for (n = 1; n < 60; n++) {
            tk_count_opts o = count_opts(mode, &tok, 1, 2);
            /* ROWS twice: word grams, then char grams counted nested */
            if (mode == TK_COUNT_HASHED + 1) {
                o = count_opts(TK_COUNT_ROWS, &tok, 2, 4);
                o.ng.analyzer = TK_ANALYZER_CHAR;
            }
            tk_count_scratch ws;
            tk_count_chunk c;
            tk_vocab fixed;
            int rc;
            memset(&ws, 0, sizeof ws);
            memset(&c, 0, sizeof c);
            tk_vocab_init(&fixed);
            CHECK_EQ_INT(tk_vocab_add(&fixed, (const uint8_t *)"b", 1, 0, NULL), TK_OK);
            o.fixed = &fixed;
            o.n_features = 16;
            tk_alloc_fail_after(n);
            rc = count_str(&o, &ws, &c, 1, 1, "a b c d e f a b c d e f g h");
            if (rc == TK_OK)
                rc = count_str(&o, &ws, &c, 2, 2, "b b b \xc3\xa9t\xc3\xa9 b");
            if (rc == TK_OK && o.mode == TK_COUNT_ROWS) {
                tk_term_run run;
                rc = tk_count_chunk_pack(&c, 1, &run);
                tk_term_run_free(&run);
            }
            tk_alloc_fail_after(0);
            CHECK(rc == TK_OK || rc == TK_ENOMEM);
            saw_nomem |= rc == TK_ENOMEM;
            saw_ok |= rc == TK_OK;
            tk_vocab_free(&fixed);
            tk_count_chunk_free(&c);
            tk_count_scratch_free(&ws);
        }
        /* The injected failures were met, and the loop went past them all. */
        CHECK(saw_nomem && saw_ok);
    }
}

int main(void)
{
    test_terms_mode();
    test_rows_mode();
    test_nested_rows();
    test_chunk_pack();
    test_fixed_mode();
    test_hashed_mode();
    test_hashed_long();
    test_pre_analyzed_terms();
    test_cancel();
    test_sort();
    test_sort_row();
    test_alloc_failures();
    TEST_MAIN_END();
}
