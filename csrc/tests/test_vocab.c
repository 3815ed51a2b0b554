/* Unit tests for the term vocabulary (arena + open addressing). */
#include <stdio.h>
#include <string.h>

#include "tk_test.h"
#include "tk_tokenize.h"
#include "tk_vocab.h"

/* ids (from tk_vocab_sorted_ids) list v's terms in strictly increasing order. */
static void check_strictly_sorted(const tk_vocab *v, const uint32_t *ids)
{
    size_t i;
    for (i = 1; i < v->n; i++) {
        size_t la, lb;
        const uint8_t *a = tk_vocab_term(v, ids[i - 1], &la);
        const uint8_t *b = tk_vocab_term(v, ids[i], &lb);
        CHECK(tk_bytes_cmp(a, la, b, lb) < 0);
    }
}

/* tk_vocab_sorted_terms gives the order of ids, and with each term its
 * length and first 8 bytes (after the tie sorts, which key by others). */
static void check_sorted_terms(const tk_vocab *v, const uint32_t *ids)
{
    tk_sorted_term *sorted = NULL;
    size_t i;
    CHECK_EQ_INT(tk_vocab_sorted_terms(v, &sorted), TK_OK);
    for (i = 0; sorted && i < v->n; i++) {
        size_t len;
        const uint8_t *t = tk_vocab_term(v, ids[i], &len);
        CHECK_EQ_INT(sorted[i].id, ids[i]);
        CHECK_EQ_INT(sorted[i].len, len);
        CHECK(sorted[i].key == tk_term_prefix(t, len));
    }
    tk_free(sorted);
}

static void test_basic(void)
{
    tk_vocab v;
    uint32_t id = 99;
    size_t len;
    const uint8_t *t;
    tk_vocab_init(&v);
    CHECK_EQ_INT(tk_vocab_find(&v, (const uint8_t *)"a", 1), -1);
    CHECK_EQ_INT(tk_vocab_add(&v, (const uint8_t *)"b", 1, 2, &id), TK_OK);
    CHECK_EQ_INT(id, 0);
    CHECK_EQ_INT(tk_vocab_add(&v, (const uint8_t *)"a", 1, 1, &id), TK_OK);
    CHECK_EQ_INT(id, 1);
    CHECK_EQ_INT(tk_vocab_add(&v, (const uint8_t *)"b", 1, 3, &id), TK_OK);
    CHECK_EQ_INT(id, 0);
    /* The empty string is a term like any other. */
    CHECK_EQ_INT(tk_vocab_add(&v, (const uint8_t *)"", 0, 1, &id), TK_OK);
    CHECK_EQ_INT(id, 2);
    CHECK_EQ_INT(v.n, 3);
    CHECK_EQ_INT(v.terms[0].count, 5);
    CHECK_EQ_INT(v.total, 7);
    CHECK_EQ_INT(tk_vocab_find(&v, (const uint8_t *)"", 0), 2);
    t = tk_vocab_term(&v, 1, &len);
    CHECK(len == 1 && t[0] == 'a');
    tk_vocab_clear(&v);
    CHECK_EQ_INT(v.n, 0);
    CHECK_EQ_INT(tk_vocab_find(&v, (const uint8_t *)"b", 1), -1);
    tk_vocab_free(&v);
}

/* An empty first term: the arena is still NULL (UBSan checks the copy). */
static void test_empty_first_term(void)
{
    tk_vocab v;
    uint32_t id = 7, *ids = NULL;
    tk_vocab_init(&v);
    CHECK_EQ_INT(tk_vocab_add(&v, (const uint8_t *)"", 0, 2, &id), TK_OK);
    CHECK_EQ_INT(id, 0);
    CHECK_EQ_INT(tk_vocab_find(&v, (const uint8_t *)"", 0), 0);
    CHECK_EQ_INT(tk_vocab_sorted_ids(&v, &ids), TK_OK);
    tk_free(ids);
    tk_vocab_free(&v);
    tk_vocab_init(&v);
    CHECK_EQ_INT(tk_vocab_append_unindexed(&v, (const uint8_t *)"", 0,
                                           tk_hash_bytes((const uint8_t *)"", 0), 1), TK_OK);
    CHECK_EQ_INT(tk_vocab_index(&v), TK_OK);
    CHECK_EQ_INT(tk_vocab_find(&v, (const uint8_t *)"", 0), 0);
    tk_vocab_free(&v);
}

static void test_many_and_sort(void)
{
    tk_vocab v, w;
    char buf[32];
    size_t i;
    uint32_t *ids = NULL, *map;
    tk_vocab_init(&v);
    tk_vocab_init(&w);
    for (i = 0; i < 100000; i++) {
        int n = snprintf(buf, sizeof buf, "t%zu", (i * 7919) % 50000);
        CHECK_EQ_INT(tk_vocab_add(&v, (const uint8_t *)buf, (size_t)n, 1, NULL), TK_OK);
    }
    CHECK_EQ_INT(v.n, 50000);
    CHECK_EQ_INT(v.total, 100000);
    for (i = 0; i < 50000; i++) {
        int n = snprintf(buf, sizeof buf, "t%zu", i);
        long long id = tk_vocab_find(&v, (const uint8_t *)buf, (size_t)n);
        CHECK(id >= 0);
        if (id >= 0)
            CHECK_EQ_INT(v.terms[id].count, 2);
    }
    CHECK_EQ_INT(tk_vocab_sorted_ids(&v, &ids), TK_OK);
    check_strictly_sorted(&v, ids);
    check_sorted_terms(&v, ids);
    tk_free(ids);
    /* Merge keeps dst's ids and appends src's new terms in src order. */
    tk_vocab_add(&w, (const uint8_t *)"zz", 2, 1, NULL);
    tk_vocab_add(&w, (const uint8_t *)"t0", 2, 1, NULL);
    map = tk_malloc(v.n * sizeof *map);
    CHECK_EQ_INT(tk_vocab_merge(&w, &v, map), TK_OK);
    CHECK_EQ_INT(w.n, 50001);
    CHECK_EQ_INT(map[0], 1);   /* v's first term is "t0" */
    CHECK_EQ_INT(map[1], 2);
    CHECK_EQ_INT(w.terms[1].count, 3);
    tk_free(map);
    tk_vocab_free(&v);
    tk_vocab_free(&w);
}

/* Terms sharing their first 8 bytes exercise the full-compare tie-break
 * after the radix pass; a NUL byte must sort before any other byte. */
static void test_sort_long_prefixes(void)
{
    static const char *const terms[] = {"international", "internationally", "internat",
                                        "internal", "interna", "intern", "internationalize",
                                        "zeta", "", "internationa"};
    const size_t n_terms = sizeof terms / sizeof terms[0];
    tk_vocab v;
    uint32_t *ids = NULL;
    size_t i;
    const uint8_t with_nul[] = {'i', 'n', 't', 'e', 'r', 'n', 'a', 't', 0};
    tk_vocab_init(&v);
    for (i = 0; i < n_terms; i++)
        CHECK_EQ_INT(tk_vocab_add(&v, (const uint8_t *)terms[i], strlen(terms[i]), 1, NULL),
                     TK_OK);
    CHECK_EQ_INT(tk_vocab_add(&v, with_nul, sizeof with_nul, 1, NULL), TK_OK);
    CHECK_EQ_INT(tk_vocab_sorted_ids(&v, &ids), TK_OK);
    check_strictly_sorted(&v, ids);
    CHECK_EQ_INT(ids[0], 8);                 /* "" first */
    CHECK_EQ_INT(ids[v.n - 1], 7);           /* "zeta" last */
    check_sorted_terms(&v, ids);
    tk_free(ids);
    tk_vocab_free(&v);
}

/* Many terms from a two-letter alphabet plus NUL, most behind one long
 * shared prefix: tie groups of every size (insertion sort and radix
 * paths), terms ending at every depth, NUL tails, and ties deeper than
 * the byte-wise levels go (whole-term compares). */
static void test_sort_random_tied(void)
{
    static const uint8_t alphabet[] = {'a', 'b', 0};
    uint32_t state = 7, *ids = NULL;
    uint8_t term[128];
    tk_vocab v;
    size_t i, k;
    char *seen;
    tk_vocab_init(&v);
    for (i = 0; i < 4000; i++) {
        size_t len, shared;
        state = state * 1103515245u + 12345u;
        shared = (state >> 8) % 4 == 0 ? 0 : (state >> 12) % 96;   /* a prefix of "aaa..." */
        state = state * 1103515245u + 12345u;
        len = shared + (state >> 8) % 24;
        for (k = 0; k < len; k++) {
            state = state * 1103515245u + 12345u;
            term[k] = k < shared ? 'a' : alphabet[(state >> 8) % 3];
        }
        CHECK(tk_vocab_add(&v, term, len, 1, NULL) == TK_OK);
    }
    CHECK_EQ_INT(tk_vocab_sorted_ids(&v, &ids), TK_OK);
    check_strictly_sorted(&v, ids);
    seen = calloc(v.n, 1);
    for (i = 0; seen && i < v.n; i++) {
        CHECK(ids[i] < v.n && !seen[ids[i]]);
        seen[ids[i]] = 1;
    }
    free(seen);
    check_sorted_terms(&v, ids);
    tk_free(ids);
    tk_vocab_free(&v);
}

/* Enough terms of random bytes (all 256 values, lengths 0..20) for the
 * wide-digit radix sort, whose top digit is only 9 bits wide. */
static void test_sort_random_bytes(void)
{
    uint32_t state = 11, *ids = NULL;
    uint8_t term[20];
    tk_vocab v;
    size_t i, k;
    tk_vocab_init(&v);
    for (i = 0; i < 20000; i++) {
        size_t len;
        state = state * 1103515245u + 12345u;
        len = (state >> 8) % 21;
        for (k = 0; k < len; k++) {
            state = state * 1103515245u + 12345u;
            term[k] = (uint8_t)(state >> 16);
        }
        CHECK(tk_vocab_add(&v, term, len, 1, NULL) == TK_OK);
    }
    CHECK(v.n > 4096);
    CHECK_EQ_INT(tk_vocab_sorted_ids(&v, &ids), TK_OK);
    check_strictly_sorted(&v, ids);
    check_sorted_terms(&v, ids);
    tk_free(ids);
    tk_vocab_free(&v);
}

static void test_cmp(void)
{
    /* UTF-8 byte order is code point order, as Python sorts str. */
    const uint8_t e_acute[] = {0xC3, 0xA9}, z[] = {'z'}, emoji[] = {0xF0, 0x9F, 0x98, 0x80};
    const uint8_t ab[] = {'a', 'b'};
    CHECK(tk_bytes_cmp(z, 1, e_acute, 2) < 0);
    CHECK(tk_bytes_cmp(e_acute, 2, emoji, 4) < 0);
    CHECK(tk_bytes_cmp(ab, 1, ab, 2) < 0);
    CHECK(tk_bytes_cmp(ab, 2, ab, 2) == 0);
}

static void test_alloc_failures(void)
{
    long n;
    for (n = 1; n < 60; n++) {
        tk_vocab v;
        char buf[16];
        size_t i;
        int rc = TK_OK;
        tk_vocab_init(&v);
        tk_alloc_fail_after(n);
        for (i = 0; i < 200 && rc == TK_OK; i++) {
            int k = snprintf(buf, sizeof buf, "w%zu", i);
            rc = tk_vocab_add(&v, (const uint8_t *)buf, (size_t)k, 1, NULL);
        }
        tk_alloc_fail_after(0);
        if (rc != TK_OK) {
            CHECK_EQ_INT(rc, TK_ENOMEM);
            /* Everything added before the failure is still intact. */
            for (i = 0; i < v.n; i++) {
                int k = snprintf(buf, sizeof buf, "w%zu", i);
                CHECK_EQ_INT(tk_vocab_find(&v, (const uint8_t *)buf, (size_t)k), (long long)i);
            }
        }
        tk_vocab_free(&v);
    }
}

/*
 * Terms that share one hash reach the byte compare: the part kept in the
 * term record (TK_TERM_HEAD bytes) and the rest in the arena must both
 * decide, including NUL bytes, which the zero padding of the head must
 * not confuse with a shorter term.
 */
static void test_same_hash_terms(void)
{
    static const char *const terms[] = {
        "", "\0", "\0\0", "a", "a\0",
        "abcdefghijk", "abcdefghijk\0", "abcdefghijkl", "abcdefghijklm",
        "abcdefghijklX", "abcdefghijklmnopqrstuvwxyz0123", "abcdefghijklmnopqrstuvwxyz0124",
        "Xbcdefghijklmnopqrstuvwxyz0123",
    };
    static const size_t lens[] = {0, 1, 2, 1, 2, 11, 12, 12, 13, 13, 30, 30, 30};
    const uint64_t same_hash = UINT64_C(0x1234567812345678);
    const size_t n = sizeof lens / sizeof lens[0];
    tk_vocab v;
    size_t i;
    uint32_t id;
    tk_vocab_init(&v);
    for (i = 0; i < n; i++) {
        CHECK_EQ_INT(tk_vocab_add_hashed(&v, (const uint8_t *)terms[i], lens[i], same_hash,
                                         (int64_t)i + 1, &id), TK_OK);
        CHECK_EQ_INT(id, i);
    }
    CHECK_EQ_INT(v.n, n);
    for (i = 0; i < n; i++) {
        CHECK_EQ_INT(tk_vocab_find_hashed(&v, (const uint8_t *)terms[i], lens[i], same_hash),
                     i);
        CHECK_EQ_INT(tk_vocab_add_hashed(&v, (const uint8_t *)terms[i], lens[i], same_hash,
                                         100, &id), TK_OK);
        CHECK_EQ_INT(id, i);
        CHECK_EQ_INT(v.terms[i].count, (int64_t)i + 101);
    }
    CHECK_EQ_INT(tk_vocab_find_hashed(&v, (const uint8_t *)"abcdefghijklY", 13, same_hash), -1);
    CHECK_EQ_INT(tk_vocab_find_hashed(&v, (const uint8_t *)"abcdefghijkl\0", 13, same_hash),
                 -1);
    CHECK_EQ_INT(tk_vocab_find_hashed(&v, (const uint8_t *)"\0\0\0", 3, same_hash), -1);
    tk_vocab_free(&v);
}

/*
 * tk_grow copies a buffer itself once it reaches 4 MB (so that the new
 * block can be advised for huge pages before it is written), and
 * tk_grow_append lets realloc move it: with either, the contents must
 * survive every growth across and beyond that size, and a failed growth
 * must leave the old buffer and capacity as they were.
 */
static void check_grow_large(int append)
{
    uint32_t *buf = NULL;
    size_t cap = 0, n, i, bad = 0;
    const size_t total = (size_t)3 << 20;    /* 12 MB of uint32 */
    for (n = 0; n < total; n++) {
        if ((append ? tk_reserve_append((void **)&buf, &cap, n + 1, sizeof *buf)
                    : tk_reserve((void **)&buf, &cap, n + 1, sizeof *buf)) != TK_OK)
            break;
        buf[n] = (uint32_t)(n * 2654435761u);
    }
    CHECK_EQ_INT(n, total);
    for (i = 0; i < n; i++)
        bad += buf[i] != (uint32_t)(i * 2654435761u);
    CHECK_EQ_INT(bad, 0);
    {
        size_t old_cap = cap;
        uint32_t *old = buf;
        tk_alloc_fail_after(1);
        CHECK_EQ_INT(append ? tk_grow_append((void **)&buf, &cap, cap + 1, sizeof *buf)
                            : tk_grow((void **)&buf, &cap, cap + 1, sizeof *buf),
                     TK_ENOMEM);
        tk_alloc_fail_after(0);
        CHECK(buf == old);
        CHECK_EQ_INT(cap, old_cap);
        CHECK_EQ_INT(buf[n - 1], (uint32_t)((n - 1) * 2654435761u));
        /* A size that cannot be represented fails before allocating. */
        CHECK_EQ_INT(append ? tk_grow_append((void **)&buf, &cap, SIZE_MAX / 2, sizeof *buf)
                            : tk_grow((void **)&buf, &cap, SIZE_MAX / 2, sizeof *buf),
                     TK_EOVERFLOW);
        CHECK(buf == old);
        CHECK_EQ_INT(cap, old_cap);
    }
    /* The advice is a hint for any pointer and size, aligned or not. */
    tk_advise_huge(NULL, (size_t)64 << 20);
    tk_advise_huge(buf, 10);
    tk_advise_huge((char *)buf + 3, cap * sizeof *buf - 3);
    CHECK_EQ_INT(buf[1], 2654435761u);
    tk_free(buf);
}

static void test_grow_large(void)
{
    check_grow_large(0);
    check_grow_large(1);
}

static void test_padded_add(void)
{
    uint8_t buf[64 + TK_VOCAB_PAD];
    uint32_t state = 99;
    tk_vocab plain, padded;
    size_t len, round, i;
    tk_vocab_init(&plain);
    tk_vocab_init(&padded);
    for (round = 0; round < 6; round++)
        for (len = 0; len <= 40; len++) {
            uint32_t want, got;
            for (i = 0; i < sizeof buf; i++) {
                state = state * 1103515245u + 12345u;
                buf[i] = (uint8_t)(state >> 16);
            }
            /* The term: a few values only, so that rounds repeat it; NULs
             * and 0xFF inside, where a wrong mask would show. */
            for (i = 0; i < len; i++)
                buf[i] = (uint8_t)("a\0\xff"[(i * 7 + len + round / 2) % 3]);
            CHECK_EQ_INT(tk_vocab_add(&plain, buf, len, 1, &want), TK_OK);
            if (round % 2)
                CHECK_EQ_INT(tk_vocab_add_padded(&padded, buf, len, tk_hash_bytes(buf, len), 1,
                                                 &got), TK_OK);
            else
                CHECK_EQ_INT(tk_vocab_add(&padded, buf, len, 1, &got), TK_OK);
            CHECK_EQ_INT(got, want);
            CHECK_EQ_INT(tk_vocab_find(&padded, buf, len), (long long)want);
        }
    CHECK_EQ_INT(padded.n, plain.n);
    /* Each distinct term was added twice (rounds 2k and 2k + 1). */
    for (i = 0; i < padded.n; i++)
        CHECK_EQ_INT(padded.terms[i].count, plain.terms[i].count);
    CHECK_EQ_INT(plain.n, 40 * 3 + 1);   /* one empty term */
    tk_vocab_free(&plain);
    tk_vocab_free(&padded);
}

/* tk_hash_padded gives tk_hash_bytes's value for every length, reading
 * only the term and its padding: each term sits in a block of exactly
 * len + TK_HASH_PAD bytes, so that valgrind and ASan (which CI runs)
 * see a read before or past it. */
static void test_hash_padded(void)
{
    uint32_t state = 7;
    size_t len, round, i;
    for (round = 0; round < 50; round++)
        for (len = 0; len <= 40; len++) {
            uint8_t *block = tk_malloc(len + TK_HASH_PAD);
            CHECK(block != NULL);
            if (!block)
                return;
            for (i = 0; i < len + TK_HASH_PAD; i++) {
                state = state * 1103515245u + 12345u;
                /* NUL and 0xFF often, where a wrong mask or shift shows */
                block[i] = round % 3 == 0 ? (uint8_t)(state >> 16)
                                          : (uint8_t)("\0\xff" "a"[(state >> 16) % 3]);
            }
            CHECK(tk_hash_padded(block, len) == tk_hash_bytes(block, len));
            tk_free(block);
        }
}

int main(void)
{
    test_basic();
    test_padded_add();
    test_hash_padded();
    test_grow_large();
    test_same_hash_terms();
    test_empty_first_term();
    test_many_and_sort();
    test_cmp();
    test_sort_long_prefixes();
    test_sort_random_tied();
    test_sort_random_bytes();
    test_alloc_failures();
    TEST_MAIN_END();
}
