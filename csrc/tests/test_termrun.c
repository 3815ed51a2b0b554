/* Unit tests for term runs and their k-way merge (tk_termrun.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tk_test.h"
#include "tk_termrun.h"

#define N_RUNS 13         /* at most; run 0 stays empty */
#define MAX_LEN 20

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint32_t next_random(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

/* Terms that stress the merge: shared prefixes longer than the 8-byte
 * integer keys, terms that differ only in their last byte (of 9: equal
 * keys and lengths), bytes 0x00 and >= 0x80, and the empty term. */
static size_t random_term(uint8_t *out)
{
    static const uint8_t alphabet[] = {'a', 'b', 0x00, 0x80, 0xC3, 0xFF};
    size_t len = next_random() % (MAX_LEN + 1), i, shared;
    switch (next_random() % 4) {
    case 0:
    case 1: shared = 0; break;
    case 2: shared = len < 10 ? len : 10; break;
    default: shared = len ? len - 1 : 0; break;
    }
    for (i = 0; i < len; i++)
        out[i] = i < shared ? (uint8_t)'p' : alphabet[next_random() % sizeof alphabet];
    return len;
}

typedef struct ref_term {
    uint8_t bytes[MAX_LEN];
    size_t len;
    int64_t tf, df;
} ref_term;

static int ref_cmp(const void *a, const void *b)
{
    const ref_term *x = a, *y = b;
    return tk_bytes_cmp(x->bytes, x->len, y->bytes, y->len);
}

/* The index of (t, len) in the sorted, distinct reference, or -1. */
static long find_ref(const ref_term *ref, size_t n, const uint8_t *t, size_t len)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = tk_bytes_cmp(ref[mid].bytes, ref[mid].len, t, len);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* n_runs runs (any count: the merge's tournament tree is uneven unless it
 * is a power of two), of which run 0 is empty unless it is the only one
 * (a merge of one run is a copy, with its own code). */
static void test_pack_and_merge(size_t terms_per_run, size_t n_runs)
{
    tk_vocab vocabs[N_RUNS];
    tk_term_run runs[N_RUNS], *run_ptrs[N_RUNS];
    uint32_t *maps[N_RUNS];
    ref_term *ref = malloc((n_runs * terms_per_run + 1) * sizeof *ref);
    size_t n_ref = 0, s, i, ranges;

    for (s = 0; s < n_runs; s++) {
        uint32_t *rank;
        tk_vocab_init(&vocabs[s]);
        for (i = 0; (s > 0 || n_runs == 1) && i < terms_per_run; i++) {
            uint8_t t[MAX_LEN];
            size_t len = random_term(t);
            CHECK_EQ_INT(tk_vocab_add(&vocabs[s], t, len, 1 + next_random() % 5, NULL), TK_OK);
        }
        rank = malloc((vocabs[s].n + 1) * sizeof *rank);
        CHECK_EQ_INT(tk_term_run_pack(&vocabs[s], 1, &runs[s], rank), TK_OK);
        CHECK_EQ_INT(runs[s].n, vocabs[s].n);
        /* The caller fills df; any values will do to check the sums. */
        for (i = 0; i < vocabs[s].n; i++) {
            size_t len;
            const uint8_t *t = tk_vocab_term(&vocabs[s], i, &len);
            CHECK_EQ_INT(runs[s].counts[rank[i]], vocabs[s].terms[i].count);
            runs[s].df[rank[i]] = (uint32_t)(i % 3 + 1);
            memcpy(ref[n_ref].bytes, t, len);
            ref[n_ref].len = len;
            ref[n_ref].tf = vocabs[s].terms[i].count;
            ref[n_ref].df = (int64_t)(i % 3 + 1);
            n_ref++;
        }
        /* A run is sorted, and its samples point at the right terms. */
        {
            size_t at = 0;
            for (i = 0; i < runs[s].n; i++) {
                if (i % TK_RUN_SAMPLE == 0)
                    CHECK_EQ_INT(runs[s].samples[i / TK_RUN_SAMPLE], at);
                if (i)
                    CHECK(tk_bytes_cmp(runs[s].bytes + at - runs[s].lens[i - 1],
                                       runs[s].lens[i - 1], runs[s].bytes + at,
                                       runs[s].lens[i]) < 0);
                at += runs[s].lens[i];
            }
        }
        free(rank);
        run_ptrs[s] = &runs[s];
        maps[s] = malloc((runs[s].n + 1) * sizeof *maps[s]);
    }
    /* The reference: distinct terms in order, with summed tf and df. */
    qsort(ref, n_ref, sizeof *ref, ref_cmp);
    {
        size_t out = 0;
        for (i = 0; i < n_ref; i++) {
            if (out && ref_cmp(&ref[out - 1], &ref[i]) == 0) {
                ref[out - 1].tf += ref[i].tf;
                ref[out - 1].df += ref[i].df;
            } else {
                ref[out++] = ref[i];
            }
        }
        n_ref = out;
    }

    /* Any number of ranges gives the same merge. */
    for (ranges = 1; ranges <= 40; ranges = ranges * 3 + 1) {
        tk_run_merge m;
        size_t r, g = 0, keep_every;
        CHECK_EQ_INT(tk_run_merge_init(&m, run_ptrs, maps, n_runs, ranges, 1), TK_OK);
        for (r = 0; r < m.n_ranges; r++)
            CHECK_EQ_INT(tk_run_merge_range(&m, r), TK_OK);
        CHECK_EQ_INT(tk_run_merge_finish(&m), n_ref);
        for (r = 0; r < m.n_ranges; r++)
            tk_run_merge_globalize(&m, r);
        for (r = 0; r < m.n_ranges; r++) {
            size_t k;
            for (k = 0; k < m.parts[r].n && g + k < n_ref; k++) {
                CHECK_EQ_INT(m.parts[r].df[k], ref[g + k].df);
                CHECK_EQ_INT(m.parts[r].tf[k], ref[g + k].tf);
            }
            g += m.parts[r].n;
        }
        CHECK_EQ_INT(g, n_ref);
        /* Laid out back to back, part by part: every term, or every third. */
        for (keep_every = 1; keep_every <= 3; keep_every += 2) {
            uint32_t *keep = NULL;
            size_t n_keep = 0, n_bytes = 0, term0 = 0, byte0 = 0, k = 0, prev = 0;
            uint8_t *bytes;
            size_t *ends;
            if (keep_every > 1) {
                keep = malloc((n_ref + 1) * sizeof *keep);
                for (g = 0; g < n_ref; g++)
                    keep[g] = g % keep_every == 0 ? (uint32_t)n_keep++ : UINT32_MAX;
            } else {
                n_keep = n_ref;
            }
            for (g = 0; g < n_ref; g++)
                if (!keep || keep[g] != UINT32_MAX)
                    n_bytes += ref[g].len;
            bytes = malloc(n_bytes + 1);
            ends = malloc((n_keep + 1) * sizeof *ends);
            for (r = 0; r < m.n_ranges; r++) {
                size_t part_terms, part_bytes;
                tk_run_merge_kept(&m, r, keep, &part_terms, &part_bytes);
                tk_run_merge_copy(&m, r, keep, bytes, byte0, ends, term0);
                term0 += part_terms;
                byte0 += part_bytes;
            }
            CHECK_EQ_INT(term0, n_keep);
            CHECK_EQ_INT(byte0, n_bytes);
            for (g = 0; g < n_ref && k < term0; g++)
                if (!keep || keep[g] != UINT32_MAX) {
                    CHECK_EQ_INT(tk_bytes_cmp(bytes + prev, ends[k] - prev, ref[g].bytes,
                                              ref[g].len), 0);
                    prev = ends[k++];
                }
            CHECK_EQ_INT(k, n_keep);
            free(keep);
            free(bytes);
            free(ends);
        }
        /* Every run position maps to its term's merged index. */
        for (s = 0; s < n_runs; s++) {
            size_t at = 0;
            for (i = 0; i < runs[s].n; i++) {
                long want = find_ref(ref, n_ref, runs[s].bytes + at, runs[s].lens[i]);
                CHECK_EQ_INT(maps[s][i], want);
                at += runs[s].lens[i];
            }
        }
        tk_run_merge_free(&m);
    }
    for (s = 0; s < n_runs; s++) {
        tk_term_run_free(&runs[s]);
        tk_vocab_free(&vocabs[s]);
        free(maps[s]);
    }
    free(ref);
}

static void test_without_stats(void)
{
    tk_vocab v;
    tk_term_run run, *runs[1];
    uint32_t rank[3], map[3], *maps[1];
    tk_run_merge m;
    tk_vocab_init(&v);
    CHECK_EQ_INT(tk_vocab_add(&v, (const uint8_t *)"b", 1, 1, NULL), TK_OK);
    CHECK_EQ_INT(tk_vocab_add(&v, (const uint8_t *)"", 0, 1, NULL), TK_OK);
    CHECK_EQ_INT(tk_vocab_add(&v, (const uint8_t *)"a", 1, 1, NULL), TK_OK);
    CHECK_EQ_INT(tk_term_run_pack(&v, 0, &run, rank), TK_OK);
    CHECK(run.counts == NULL && run.df == NULL);
    CHECK_EQ_INT(rank[0], 2);   /* "" < "a" < "b" */
    CHECK_EQ_INT(rank[1], 0);
    CHECK_EQ_INT(rank[2], 1);
    runs[0] = &run;
    maps[0] = map;
    CHECK_EQ_INT(tk_run_merge_init(&m, runs, maps, 1, 1, 0), TK_OK);
    CHECK_EQ_INT(tk_run_merge_range(&m, 0), TK_OK);
    CHECK_EQ_INT(tk_run_merge_finish(&m), 3);
    tk_run_merge_globalize(&m, 0);
    CHECK(m.parts[0].tf == NULL && m.parts[0].df == NULL);
    CHECK_EQ_INT(map[0], 0);
    CHECK_EQ_INT(map[2], 2);
    tk_run_merge_free(&m);
    tk_term_run_free(&run);
    tk_vocab_free(&v);
}

/*
 * Terms whose first 8 bytes are all 0xFF have the largest possible key,
 * the key a used-up run compares with, and must still come out, in
 * order, whatever the used-up run's other fields hold: an empty run
 * (used up from the start) and runs that end at different times.
 */
static void test_largest_keys(void)
{
    static const char *const run_terms[4][4] = {
        {NULL},
        {"\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", "\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF" "a",
         "\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", NULL},
        {"\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF" "a",
         "\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF",
         "\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", NULL},
        {"a", "\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", NULL},
    };
    /* the distinct terms in byte order, as lengths: 1 ("a"), then 0xFF x 8,
     * 0xFF x 8 + "a", 0xFF x 9, 0xFF x 16, 0xFF x 17 */
    static const size_t want_len[] = {1, 8, 9, 9, 16, 17};
    tk_vocab v[4];
    tk_term_run runs_store[4], *runs[4];
    uint32_t rank[4][4], map[4][4], *maps[4];
    tk_run_merge m;
    size_t s, i, n_ranges;
    for (n_ranges = 1; n_ranges <= 3; n_ranges++) {
        size_t start = 0, g = 0, r;
        for (s = 0; s < 4; s++) {
            tk_vocab_init(&v[s]);
            for (i = 0; run_terms[s][i]; i++)
                CHECK_EQ_INT(tk_vocab_add(&v[s], (const uint8_t *)run_terms[s][i],
                                          strlen(run_terms[s][i]), 1, NULL),
                             TK_OK);
            CHECK_EQ_INT(tk_term_run_pack(&v[s], 0, &runs_store[s], rank[s]), TK_OK);
            runs[s] = &runs_store[s];
            maps[s] = map[s];
        }
        CHECK_EQ_INT(tk_run_merge_init(&m, runs, maps, 4, n_ranges, 0), TK_OK);
        for (r = 0; r < n_ranges; r++)
            CHECK_EQ_INT(tk_run_merge_range(&m, r), TK_OK);
        CHECK_EQ_INT(tk_run_merge_finish(&m), 6);
        for (r = 0; r < n_ranges; r++) {
            tk_run_merge_globalize(&m, r);
            for (i = 0; i < m.parts[r].n; i++, g++) {
                size_t end = m.parts[r].ends[i];
                CHECK_EQ_INT(end - start, want_len[g]);
                CHECK(end - start == 0 || m.parts[r].bytes[start] == (g == 0 ? 'a' : 0xFF));
                if (g == 2)   /* 0xFF x 8 + "a" before 0xFF x 9 */
                    CHECK(m.parts[r].bytes[end - 1] == 'a');
                start = end;
            }
            start = 0;
        }
        CHECK_EQ_INT(g, 6);
        /* each run's terms map to their place among the six */
        for (s = 1; s < 4; s++)
            for (i = 0; run_terms[s][i]; i++) {
                size_t len = strlen(run_terms[s][i]), want;
                uint32_t got = map[s][rank[s][i]];
                want = len == 1 ? 0 : len == 8 ? 1 : len == 16 ? 4 : len == 17 ? 5
                     : run_terms[s][i][8] == 'a' ? 2 : 3;
                CHECK_EQ_INT(got, want);
            }
        tk_run_merge_free(&m);
        for (s = 0; s < 4; s++) {
            tk_term_run_free(&runs_store[s]);
            tk_vocab_free(&v[s]);
        }
    }
}

/* Every allocation failure is TK_ENOMEM, leaves nothing behind (valgrind
 * checks the leaks in `make valgrind`) and frees cleanly. */
static void test_alloc_failures(void)
{
    long n;
    int saw_nomem = 0, saw_ok = 0;
    /* Up to the first run without a failure: every allocation of the pack
     * and the merge has failed once by then (39 runs had not got there). */
    for (n = 1; n < 1000 && !saw_ok; n++) {
        tk_vocab v[2];
        tk_term_run runs[2], *run_ptrs[2] = {&runs[0], &runs[1]};
        uint32_t rank[300], map0[300], map1[300], *maps[2] = {map0, map1};
        tk_run_merge m;
        size_t s, i, r;
        int rc = TK_OK;
        memset(runs, 0, sizeof runs);
        memset(&m, 0, sizeof m);
        for (s = 0; s < 2; s++) {
            tk_vocab_init(&v[s]);
            for (i = 0; i < 150; i++) {
                char buf[16];
                int k = snprintf(buf, sizeof buf, "t%zu", i * (s + 1));
                CHECK_EQ_INT(tk_vocab_add(&v[s], (const uint8_t *)buf, (size_t)k, 1, NULL),
                             TK_OK);
            }
        }
        tk_alloc_fail_after(n);
        for (s = 0; s < 2 && rc == TK_OK; s++)
            rc = tk_term_run_pack(&v[s], 1, &runs[s], rank);
        if (rc == TK_OK)
            rc = tk_run_merge_init(&m, run_ptrs, maps, 2, 3, 1);
        for (r = 0; rc == TK_OK && r < m.n_ranges; r++)
            rc = tk_run_merge_range(&m, r);
        tk_alloc_fail_after(0);
        CHECK(rc == TK_OK || rc == TK_ENOMEM);
        saw_nomem |= rc == TK_ENOMEM;
        saw_ok |= rc == TK_OK;
        if (rc == TK_OK)
            CHECK_EQ_INT(tk_run_merge_finish(&m), 225);   /* t0..t149, then t150..t298 even */
        tk_run_merge_free(&m);
        for (s = 0; s < 2; s++) {
            tk_term_run_free(&runs[s]);
            tk_vocab_free(&v[s]);
        }
    }
    /* The injected failures were met, and the loop went past them all. */
    CHECK(saw_nomem && saw_ok);
}

int main(void)
{
    test_pack_and_merge(0, 6);
    test_pack_and_merge(1, 6);
    test_pack_and_merge(50, 6);
    test_pack_and_merge(3000, 6);
    test_pack_and_merge(200, 1);
    test_pack_and_merge(200, 2);
    test_pack_and_merge(300, 3);
    test_pack_and_merge(500, 7);
    test_pack_and_merge(400, 13);
    test_without_stats();
    test_largest_keys();
    test_alloc_failures();
    TEST_MAIN_END();
}
