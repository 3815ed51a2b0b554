/*
 * The sort-and-merge phases of a vectorizer fit, in the C core alone (not
 * run by `make ctest`): the documents are cut into chunks of equal document
 * counts, as a 2-thread fit cuts them (12), each chunk's n-grams are counted
 * into its own vocabulary, and then, on one thread, each vocabulary is
 * packed into a sorted run (tk_term_run_pack) and the runs are merged
 * (tk_run_merge_*).  Build with the core sources:
 *
 *   cc -std=c99 -O2 -D_GNU_SOURCE -Icsrc/core -o /tmp/bench_termrun
 *      csrc/tests/bench_termrun.c csrc/core/[a-z]*.c -lutf8proc -lz -lpthread
 *   /tmp/bench_termrun FILE [word|char] [CHUNKS]
 *
 * word counts (1, 2)-grams of the default tokens, char (3, 5)-grams of
 * the lowercased text (the benchmark's two larger fits).  FILE holds one
 * document per line; bench_tokenize.c's header shows how to write the
 * benchmark corpus out that way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tk_ngram.h"
#include "tk_termrun.h"
#include "bench_util.h"

#define MAX_CHUNKS 64
#define ROUNDS 5

static int add_gram(void *ctx, const uint8_t *gram, size_t len)
{
    return tk_vocab_add(ctx, gram, len, 1, NULL);
}

/* Count the n-grams of lines [first, last) of text into v. */
static int count_lines(const tk_ngram_opts *ng, const tk_tokenizer_opts *opts,
                       const uint8_t *text, const size_t *line_starts, size_t first,
                       size_t last, tk_ngram_buf *buf, tk_vocab *v)
{
    size_t i;
    for (i = first; i < last; i++) {
        size_t start = line_starts[i], end = line_starts[i + 1] - 1;
        int rc = tk_ngrams(ng, opts, NULL, text + start, end - start, buf, add_gram, v);
        if (rc < 0)
            return rc;
    }
    return TK_OK;
}

int main(int argc, char **argv)
{
    tk_tokenizer_opts opts = {TK_CASE_FOLD, TK_NORM_NFKC, TK_STRIP_NONE,
                              TK_KIND_WORD | TK_KIND_NUMBER, 1};
    tk_ngram_opts ng = {TK_ANALYZER_WORD, 1, 2};
    tk_vocab vocabs[MAX_CHUNKS];
    tk_term_run runs[MAX_CHUNKS], *run_ptrs[MAX_CHUNKS];
    uint32_t *maps[MAX_CHUNKS], *rank = NULL;
    tk_ngram_buf buf;
    size_t len, n_lines = 0, *line_starts = NULL, i, c, n_chunks = 12, total = 0, merged = 0;
    double best_pack = 1e30, best_merge = 1e30;
    int round, status = 1;
    uint8_t *text;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [word|char] [CHUNKS]\n", argv[0]);
        return 2;
    }
    if (argc > 2 && strcmp(argv[2], "char") == 0) {
        ng.analyzer = TK_ANALYZER_CHAR;
        ng.lo = 3;
        ng.hi = 5;
        opts.case_mode = TK_CASE_LOWER;
        opts.norm = TK_NORM_NONE;
    }
    if (argc > 3)
        n_chunks = (size_t)strtoul(argv[3], NULL, 10);
    if (n_chunks < 1 || n_chunks > MAX_CHUNKS) {
        fprintf(stderr, "CHUNKS must be 1..%d\n", MAX_CHUNKS);
        return 2;
    }
    text = bench_read_utf8(argv[1], &len);
    if (!text) {
        fprintf(stderr, "%s: cannot read as UTF-8\n", argv[1]);
        return 1;
    }
    memset(&buf, 0, sizeof buf);
    memset(maps, 0, sizeof maps);
    memset(runs, 0, sizeof runs);
    for (c = 0; c < MAX_CHUNKS; c++)
        tk_vocab_init(&vocabs[c]);
    /* line i is text[line_starts[i], line_starts[i + 1] - 1) */
    line_starts = malloc((len + 2) * sizeof *line_starts);
    if (!line_starts)
        goto cleanup;
    line_starts[0] = 0;
    for (i = 0; i < len; i++)
        if (text[i] == '\n')
            line_starts[++n_lines] = i + 1;
    if (len && text[len - 1] != '\n')
        line_starts[++n_lines] = len + 1;
    if (n_chunks > n_lines)
        n_chunks = n_lines ? n_lines : 1;
    for (c = 0; c < n_chunks; c++) {
        if (count_lines(&ng, &opts, text, line_starts, n_lines * c / n_chunks,
                        n_lines * (c + 1) / n_chunks, &buf, &vocabs[c]) < 0) {
            fprintf(stderr, "counting failed\n");
            goto cleanup;
        }
        total += vocabs[c].n;
        maps[c] = malloc((vocabs[c].n + 1) * sizeof *maps[c]);
        if (!maps[c])
            goto cleanup;
        run_ptrs[c] = &runs[c];
    }
    rank = malloc((total + 1) * sizeof *rank);
    if (!rank)
        goto cleanup;
    for (round = 0; round < ROUNDS; round++) {
        tk_run_merge m;
        size_t r;
        double t0 = bench_now(), t1;
        for (c = 0; c < n_chunks; c++)
            if (tk_term_run_pack(&vocabs[c], 0, &runs[c], rank) < 0)
                goto cleanup;
        t1 = bench_now();
        if (tk_run_merge_init(&m, run_ptrs, maps, n_chunks, 32, 0) < 0)
            goto cleanup;
        for (r = 0; r < m.n_ranges; r++)
            if (tk_run_merge_range(&m, r) < 0) {
                tk_run_merge_free(&m);
                goto cleanup;
            }
        merged = tk_run_merge_finish(&m);
        for (r = 0; r < m.n_ranges; r++)
            tk_run_merge_globalize(&m, r);
        if (bench_now() - t1 < best_merge)
            best_merge = bench_now() - t1;
        if (t1 - t0 < best_pack)
            best_pack = t1 - t0;
        tk_run_merge_free(&m);
        for (c = 0; c < n_chunks; c++)
            tk_term_run_free(&runs[c]);
    }
    printf("%s %s: %zu chunks, %zu run terms, %zu merged; pack %.1f ms, merge %.1f ms "
           "(best of %d, one thread)\n",
           argv[1], ng.analyzer == TK_ANALYZER_CHAR ? "char (3, 5)" : "word (1, 2)",
           n_chunks, total, merged, best_pack * 1e3, best_merge * 1e3, ROUNDS);
    status = 0;
cleanup:
    for (c = 0; c < MAX_CHUNKS; c++) {
        free(maps[c]);
        tk_term_run_free(&runs[c]);
        tk_vocab_free(&vocabs[c]);
    }
    tk_ngram_buf_free(&buf);
    free(rank);
    free(line_starts);
    free(text);
    return status;
}
