/*
 * Encoding CPython str storage to UTF-8 (tk_utf8_from_ucs), in the C core
 * alone (not run by `make ctest`).  Every non-ASCII str document a counting
 * or tokenizing call gets is encoded this way first.  Each line of FILE
 * (one document) is decoded into the narrowest storage CPython would give
 * it (1, 2 or 4 bytes per character; ASCII lines as 1), and the documents
 * are then encoded again and again into one reused buffer, best of ROUNDS.
 * For comparison the same is timed with a unit-at-a-time encoder written
 * the obvious way.  Build with the core sources:
 *
 *   cc -std=c99 -O2 -D_GNU_SOURCE -Icsrc/core -o /tmp/bench_utf8
 *      csrc/tests/bench_utf8.c csrc/core/[a-z]*.c -lutf8proc -lz -lpthread
 *   /tmp/bench_utf8 FILE
 *
 * bench_tokenize.c's header shows how to write the benchmark corpus out
 * one document per line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

#define ROUNDS 20

typedef struct ucs_doc {
    void *units;
    int kind;
    size_t n;
} ucs_doc;

/* One unit at a time, the obvious way (no surrogates in decoded text). */
static size_t encode_plainly(const void *units, int kind, size_t n, uint8_t *out)
{
    size_t i, at = 0;
    for (i = 0; i < n; i++) {
        uint32_t cp = kind == 1   ? ((const uint8_t *)units)[i]
                      : kind == 2 ? ((const uint16_t *)units)[i]
                                  : ((const uint32_t *)units)[i];
        at += tk_utf8_encode(cp, out + at);
    }
    return at;
}

/* Order-dependent digest of the output, so both encoders can be compared
 * and the work cannot be optimized away. */
static uint64_t digest(uint64_t h, const uint8_t *p, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++)
        h = (h ^ p[i]) * UINT64_C(1099511628211);
    return h ^ len;
}

int main(int argc, char **argv)
{
    uint8_t *text, *out = NULL;
    ucs_doc *docs = NULL;
    size_t len, pos = 0, n_docs = 0, docs_cap = 0, widest = 0, i;
    size_t by_kind[5] = {0};
    double best_ours = 1e9, best_plain = 1e9;
    uint64_t digest_ours = 0, digest_plain = 0;
    int round, status = 1;

    if (argc != 2 || !(text = bench_read_utf8(argv[1], &len))) {
        fprintf(stderr, "usage: %s FILE (non-empty UTF-8, one document per line)\n", argv[0]);
        return 2;
    }
    while (pos < len) {
        const uint8_t *nl = memchr(text + pos, '\n', len - pos);
        size_t line = nl ? (size_t)(nl - (text + pos)) : len - pos, n_cps;
        int kind = tk_utf8_ucs_kind(text + pos, line, &n_cps);
        if (kind == 0)
            kind = 1;
        if (n_docs == docs_cap) {
            ucs_doc *grown = realloc(docs, (docs_cap = docs_cap ? 2 * docs_cap : 1024) * sizeof *docs);
            if (!grown)
                goto cleanup;
            docs = grown;
        }
        docs[n_docs].units = malloc(n_cps * (size_t)kind + 1);
        if (!docs[n_docs].units)
            goto cleanup;
        docs[n_docs].kind = kind;
        docs[n_docs].n = n_cps;
        tk_utf8_to_ucs(text + pos, line, kind, docs[n_docs].units);
        by_kind[kind] += line;
        if (TK_UCS_UTF8_MAX(kind, n_cps) > widest)
            widest = TK_UCS_UTF8_MAX(kind, n_cps);
        n_docs++;
        pos += line + 1;
    }
    if (!(out = malloc(widest + 1)))
        goto cleanup;
    for (round = 0; round < ROUNDS; round++) {
        double t = bench_now();
        uint64_t h = 0;
        for (i = 0; i < n_docs; i++) {
            size_t out_len;
            int rc = tk_utf8_from_ucs(docs[i].units, docs[i].kind, docs[i].n, TK_UTF8_STRICT,
                                      out, &out_len);
            if (rc != TK_OK) {
                fprintf(stderr, "document %zu: %s\n", i, tk_strerror(rc));
                goto cleanup;
            }
            h = h * 31 + out[out_len / 2] + out_len;
        }
        t = bench_now() - t;
        best_ours = t < best_ours ? t : best_ours;
        t = bench_now();
        for (i = 0; i < n_docs; i++) {
            size_t out_len = encode_plainly(docs[i].units, docs[i].kind, docs[i].n, out);
            h = h * 31 + out[out_len / 2] + out_len;
        }
        t = bench_now() - t;
        best_plain = t < best_plain ? t : best_plain;
        if (h == 42)   /* keeps h (and the work) alive */
            printf(" ");
    }
    /* Outside the timing: both give the same bytes. */
    for (i = 0; i < n_docs; i++) {
        size_t out_len;
        tk_utf8_from_ucs(docs[i].units, docs[i].kind, docs[i].n, TK_UTF8_STRICT, out, &out_len);
        digest_ours = digest(digest_ours, out, out_len);
        digest_plain = digest(digest_plain, out, encode_plainly(docs[i].units, docs[i].kind,
                                                                docs[i].n, out));
    }
    printf("%s: %zu documents, %.1f MB of UTF-8 (%.1f MB from 1-byte, %.1f MB from 2-byte, "
           "%.1f MB from 4-byte storage)\n", argv[1], n_docs, len / 1e6, by_kind[1] / 1e6,
           by_kind[2] / 1e6, by_kind[4] / 1e6);
    printf("tk_utf8_from_ucs   %7.2f ms  %7.0f MB/s\n", best_ours * 1e3, len / 1e6 / best_ours);
    printf("one unit at a time %7.2f ms  %7.0f MB/s\n", best_plain * 1e3, len / 1e6 / best_plain);
    printf("speed-up %.2fx; same bytes: %s (best of %d)\n", best_plain / best_ours,
           digest_ours == digest_plain ? "yes" : "NO", ROUNDS);
    status = digest_ours == digest_plain ? 0 : 1;
cleanup:
    if (status && !out)
        fprintf(stderr, "out of memory\n");
    for (i = 0; i < n_docs; i++)
        free(docs[i].units);
    free(docs);
    free(out);
    free(text);
    return status;
}
