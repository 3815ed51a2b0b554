/* Unit tests for tk_ncd: sizes against zlib, prefix mode, batches, faults. */
#include <math.h>
#include <zlib.h>

#include "tk_core.h"
#include "tk_ncd.h"
#include "tk_test.h"

static const char *KOREAN_GERMAN =
    "Der schnelle braune Fuchs springt \xc3\xbc" "ber den faulen Hund. "
    "\xeb\x8b\xa4\xeb\x9e\x8c\xec\xa5\x90 \xed\x97\x8c \xec\xb3\x87\xeb\xb0\x94"
    "\xed\x80\xb4\xec\x97\x90 \xed\x83\x80\xea\xb3\xa0\xed\x8c\x8c";

/* Raw deflate length straight from zlib, one shot, as Python does it. */
static size_t zlib_raw_size(const uint8_t *data, size_t len, int level)
{
    z_stream s;
    uLong bound;
    uint8_t *out;
    size_t size;
    memset(&s, 0, sizeof s);
    if (deflateInit2(&s, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    bound = deflateBound(&s, (uLong)len);
    out = malloc(bound);
    s.next_in = (Bytef *)(uintptr_t)data;
    s.avail_in = (uInt)len;
    s.next_out = out;
    s.avail_out = (uInt)bound;
    if (deflate(&s, Z_FINISH) != Z_STREAM_END)
        size = 0;
    else
        size = (size_t)s.total_out;
    deflateEnd(&s);
    free(out);
    return size;
}

/* Deterministic text-like bytes: words from a small vocabulary. */
static uint8_t *make_text(size_t len, unsigned seed)
{
    static const char *words[] = {"the", "compression", "of", "similar", "text",
                                  "is", "shorter", "than", "random", "bytes", "window"};
    uint8_t *buf = malloc(len + 1);
    size_t n = 0;
    unsigned x = seed * 2654435761u + 1u;
    while (n < len) {
        const char *w;
        size_t wl;
        x = x * 1103515245u + 12345u;
        w = words[(x >> 16) % 11];
        wl = strlen(w);
        while (*w && n < len)
            buf[n++] = (uint8_t)*w++;
        if (n < len)
            buf[n++] = ' ';
        (void)wl;
    }
    return buf;
}

static size_t core_size(int level, const uint8_t *data, size_t len)
{
    tk_compressor *c = NULL;
    size_t size = 0;
    if (tk_compressor_new(level, &c) < 0)
        return 0;
    if (tk_compressor_size(c, &data, &len, 1, &size) < 0)
        size = 0;
    tk_compressor_free(c);
    return size;
}

static void test_known_sizes(void)
{
    const uint8_t *kg = (const uint8_t *)KOREAN_GERMAN;
    int levels[] = {1, 6, 9};
    size_t i;
    /* Values printed by Python: len(zlib.compress(x, level, wbits=-15)). */
    CHECK_EQ_INT(core_size(6, (const uint8_t *)"", 0), 2);
    CHECK_EQ_INT(core_size(9, (const uint8_t *)"a", 1), 3);
    CHECK_EQ_INT(core_size(1, (const uint8_t *)"hello hello hello hello", 23), 10);
    CHECK_EQ_INT(strlen(KOREAN_GERMAN), 93);
    CHECK_EQ_INT(core_size(6, kg, 93), 94);
    CHECK_EQ_INT(core_size(-1, kg, 93), 94);
    CHECK_EQ_INT(tk_ncd_format_overhead(TK_NCD_ZLIB), 6);
    CHECK_EQ_INT(tk_ncd_format_overhead(TK_NCD_GZIP), 18);
    CHECK_EQ_INT(tk_ncd_format_overhead(TK_NCD_DEFLATE), 0);
    CHECK_EQ_INT(tk_ncd_format_overhead(7), -1);
    CHECK_EQ_INT(tk_ncd_resolve_level(-1), 6);
    CHECK_EQ_INT(tk_ncd_resolve_level(10), -1);
    CHECK_EQ_INT(tk_ncd_resolve_level(-2), -1);

    /* Level 0 follows CPython's output blocks: values printed by Python
     * 3.11 for len(zlib.compress(bytes(range(256)) * n, 0, wbits=-15)). */
    {
        size_t n = 256 * 800 * 20, q;
        uint8_t *t = malloc(n);
        for (q = 0; q < n; q++)
            t[q] = (uint8_t)q;
        CHECK_EQ_INT(core_size(0, t, 256 * 800), 204820);
        CHECK_EQ_INT(core_size(0, t, n), 4096320);
        free(t);
    }

    /* Against zlib one-shot, over sizes that cross the output scratch and
     * the 32 KiB window. */
    for (i = 0; i < 3; i++) {
        size_t lens[] = {0, 1, 100, 4000, 40000, 140000};
        size_t q;
        for (q = 0; q < sizeof lens / sizeof lens[0]; q++) {
            uint8_t *t = make_text(lens[q], (unsigned)q + 1);
            CHECK_EQ_INT(core_size(levels[i], t, lens[q]), zlib_raw_size(t, lens[q], levels[i]));
            free(t);
        }
    }
}

static void test_parts_and_prefix(void)
{
    int levels[] = {1, 6, 9};
    size_t i;
    for (i = 0; i < 3; i++) {
        size_t lx[] = {0, 10, 700, 3000, 33000};
        size_t q;
        tk_compressor *c = NULL;
        CHECK_EQ_INT(tk_compressor_new(levels[i], &c), TK_OK);
        for (q = 0; q < 5; q++) {
            uint8_t *x = make_text(lx[q], 7u + (unsigned)q);
            uint8_t *y = make_text(2500, 99u + (unsigned)q);
            uint8_t *xy = malloc(lx[q] + 1 + 2500);
            const uint8_t *parts[3] = {x, (const uint8_t *)" ", y};
            size_t lens[3] = {lx[q], 1, 2500}, split = 0, after = 0;
            memcpy(xy, x, lx[q]);
            xy[lx[q]] = ' ';
            memcpy(xy + lx[q] + 1, y, 2500);
            CHECK_EQ_INT(tk_compressor_size(c, parts, lens, 3, &split), TK_OK);
            CHECK_EQ_INT(split, zlib_raw_size(xy, lx[q] + 2501, levels[i]));
            CHECK_EQ_INT(tk_compressor_set_prefix_bounded(c, x, lx[q], lx[q] + 2501), TK_OK);
            CHECK_EQ_INT(tk_compressor_size_after_prefix(c, parts + 1, lens + 1, 2, &after),
                         TK_OK);
            CHECK_EQ_INT(after, split);
            /* The prefix survives: a second suffix still matches. */
            CHECK_EQ_INT(tk_compressor_size_after_prefix(c, parts + 1, lens + 1, 2, &after),
                         TK_OK);
            CHECK_EQ_INT(after, split);
            free(x);
            free(y);
            free(xy);
        }
        tk_compressor_free(c);
    }
    {
        tk_compressor *c = NULL;
        size_t s;
        const uint8_t *p = (const uint8_t *)"x";
        size_t l = 1;
        CHECK_EQ_INT(tk_compressor_new(10, &c), TK_EINVAL);
        CHECK(c == NULL);
        CHECK_EQ_INT(tk_compressor_new(6, &c), TK_OK);
        CHECK_EQ_INT(tk_compressor_size_after_prefix(c, &p, &l, 1, &s), TK_EINVAL);
        tk_compressor_free(c);
        tk_compressor_free(NULL);
    }
}

/* Around each window's limit (2**w - 262 bytes) sizes must not move.  The
 * text is random except that its last 32 bytes repeat its first 32, a
 * match that only a window reaching back the whole text can find. */
static void test_window_edges(void)
{
    int levels[] = {1, 4, 6, 9};
    long offsets[] = {-300, -263, -262, -261, -258, -200, -100, -1, 0};
    size_t li, w, q, n = 70000;
    uint8_t *text = malloc(n);
    unsigned x = 12345u;
    for (q = 0; q < n; q++) {
        x = x * 1103515245u + 12345u;
        text[q] = (uint8_t)(x >> 23);
    }
    for (li = 0; li < 4; li++) {
        tk_compressor *c = NULL;
        CHECK_EQ_INT(tk_compressor_new(levels[li], &c), TK_OK);
        for (w = 9; w <= 16; w++) {
            for (q = 0; q < sizeof offsets / sizeof offsets[0]; q++) {
                size_t total = (size_t)((long)((size_t)1 << w) + offsets[q]), split = total / 3;
                uint8_t *buf = malloc(total);
                const uint8_t *rest = buf + split;
                const uint8_t *whole = buf;
                size_t rest_len = total - split, direct = 0, after = 0, expect;
                memcpy(buf, text, total);
                memcpy(buf + total - 32, buf, 32);
                expect = zlib_raw_size(buf, total, levels[li]);
                CHECK_EQ_INT(tk_compressor_size(c, &whole, &total, 1, &direct), TK_OK);
                CHECK_EQ_INT(direct, expect);
                CHECK_EQ_INT(tk_compressor_set_prefix_bounded(c, buf, split, total), TK_OK);
                CHECK_EQ_INT(tk_compressor_size_after_prefix(c, &rest, &rest_len, 1, &after),
                             TK_OK);
                CHECK_EQ_INT(after, expect);
                /* A suffix longer than announced is refused, not mis-sized. */
                rest_len++;
                CHECK_EQ_INT(tk_compressor_size_after_prefix(c, &rest, &rest_len, 1, &after),
                             TK_EINVAL);
                free(buf);
            }
        }
        tk_compressor_free(c);
    }
    free(text);
}

static void test_formula(void)
{
    /* (cxy - min) / max in double, as Python's int / int. */
    CHECK(tk_ncd_from_sizes(TK_NCD_NCD, 30, 40, 50) == (50.0 - 30.0) / 40.0);
    CHECK(tk_ncd_from_sizes(TK_NCD_NCD, 40, 30, 50) == 0.5);
    CHECK(tk_ncd_from_sizes(TK_NCD_NCD, 40, 30, 20) == -0.25);
    CHECK(tk_ncd_from_sizes(TK_NCD_CDM, 40, 30, 49) == 0.7);
    CHECK(tk_ncd_from_sizes(TK_NCD_NCD, 7, 7, 8) == 1.0 / 7.0);
}

#define NDOC 9

static void make_corpus(tk_bytes *docs, uint8_t **bufs)
{
    size_t i;
    for (i = 0; i < NDOC; i++) {
        size_t len = i == 0 ? 0 : 200 + 450 * i;
        bufs[i] = make_text(len, 31u * (unsigned)i + 5u);
        docs[i].data = bufs[i];
        docs[i].len = len;
    }
}

static double direct_ncd(const tk_bytes *x, const tk_bytes *y, int level, int format,
                         int metric, const uint8_t *sep, size_t sep_len)
{
    size_t over = (size_t)tk_ncd_format_overhead(format);
    size_t cx = zlib_raw_size(x->data, x->len, level) + over;
    size_t cy = zlib_raw_size(y->data, y->len, level) + over;
    uint8_t *xy = malloc(x->len + sep_len + y->len + 1);
    size_t cxy;
    memcpy(xy, x->data, x->len);
    memcpy(xy + x->len, sep, sep_len);
    memcpy(xy + x->len + sep_len, y->data, y->len);
    cxy = zlib_raw_size(xy, x->len + sep_len + y->len, level) + over;
    free(xy);
    return tk_ncd_from_sizes(metric, cx, cy, cxy);
}

static void test_batches(void)
{
    tk_bytes docs[NDOC];
    uint8_t *bufs[NDOC];
    double full[NDOC * NDOC], sym[NDOC * NDOC], other[NDOC * NDOC];
    double nd[NDOC * 3];
    int64_t ni[NDOC * 3];
    tk_ncd_options o = {9, TK_NCD_GZIP, TK_NCD_NCD, TK_NCD_PREFIX_AUTO,
                        (const uint8_t *)" ", 1};
    tk_ncd_batch *b = NULL;
    size_t i, j, q;
    int prefix_modes[] = {TK_NCD_PREFIX_AUTO, TK_NCD_PREFIX_NEVER, TK_NCD_PREFIX_ALWAYS};

    make_corpus(docs, bufs);
    CHECK_EQ_INT(tk_ncd_batch_new(&o, TK_NCD_TASK_MATRIX, docs, NDOC, docs, NDOC, 0, full, NULL,
                                  1, &b), TK_OK);
    CHECK_EQ_INT(tk_ncd_batch_run(b, 1), TK_OK);
    tk_ncd_batch_free(b);
    for (i = 0; i < NDOC; i++)
        for (j = 0; j < NDOC; j++)
            CHECK(full[i * NDOC + j] == direct_ncd(&docs[i], &docs[j], 9, TK_NCD_GZIP,
                                                   TK_NCD_NCD, (const uint8_t *)" ", 1));

    /* Prefix modes and thread counts do not change a single bit. */
    for (q = 0; q < 3; q++) {
        int threads;
        for (threads = 1; threads <= 3; threads += 2) {
            o.prefix = prefix_modes[q];
            CHECK_EQ_INT(tk_ncd_batch_new(&o, TK_NCD_TASK_MATRIX, docs, NDOC, docs, NDOC, 0,
                                          other, NULL, threads, &b), TK_OK);
            CHECK_EQ_INT(tk_ncd_batch_run(b, threads), TK_OK);
            tk_ncd_batch_free(b);
            CHECK(memcmp(full, other, sizeof full) == 0);
        }
    }
    o.prefix = TK_NCD_PREFIX_AUTO;

    /* Symmetric: min over both orders, mirrored. */
    CHECK_EQ_INT(tk_ncd_batch_new(&o, TK_NCD_TASK_SYMMETRIC, docs, NDOC, docs, NDOC, 0, sym,
                                  NULL, 2, &b), TK_OK);
    CHECK_EQ_INT(tk_ncd_batch_run(b, 2), TK_OK);
    tk_ncd_batch_free(b);
    for (i = 0; i < NDOC; i++)
        for (j = 0; j < NDOC; j++) {
            double a = full[i * NDOC + j], r = full[j * NDOC + i];
            CHECK(sym[i * NDOC + j] == (a < r ? a : r));
        }
    CHECK_EQ_INT(tk_ncd_batch_new(&o, TK_NCD_TASK_SYMMETRIC, docs, NDOC, docs + 1, NDOC - 1, 0,
                                  sym, NULL, 1, &b), TK_EINVAL);

    /* Nearest: the k smallest of each row, ties to the lower index. */
    CHECK_EQ_INT(tk_ncd_batch_new(&o, TK_NCD_TASK_NEAREST, docs, NDOC, docs, NDOC, 3, nd, ni,
                                  2, &b), TK_OK);
    CHECK_EQ_INT(tk_ncd_batch_run(b, 2), TK_OK);
    tk_ncd_batch_free(b);
    for (i = 0; i < NDOC; i++) {
        for (q = 0; q < 3; q++) {
            int64_t best = -1;
            for (j = 0; j < NDOC; j++) {
                size_t p, taken = 0;
                for (p = 0; p < q; p++)
                    taken |= ni[i * 3 + p] == (int64_t)j;
                if (taken)
                    continue;
                if (best < 0 || full[i * NDOC + j] < full[i * NDOC + (size_t)best])
                    best = (int64_t)j;
            }
            CHECK_EQ_INT(ni[i * 3 + q], best);
            CHECK(nd[i * 3 + q] == full[i * NDOC + (size_t)best]);
        }
    }
    CHECK_EQ_INT(tk_ncd_batch_new(&o, TK_NCD_TASK_NEAREST, docs, NDOC, docs, NDOC, NDOC + 1, nd,
                                  ni, 1, &b), TK_EINVAL);

    /* Bare bound: the sum of all concatenation sizes, whatever the threads. */
    {
        uint64_t sums[2];
        int t;
        for (t = 0; t < 2; t++) {
            CHECK_EQ_INT(tk_ncd_batch_new(&o, TK_NCD_TASK_BARE, docs, NDOC, docs, NDOC, 0, NULL,
                                          NULL, 1 + t, &b), TK_OK);
            CHECK_EQ_INT(tk_ncd_batch_run(b, 1 + t), TK_OK);
            sums[t] = tk_ncd_batch_checksum(b);
            tk_ncd_batch_free(b);
        }
        CHECK(sums[0] == sums[1]);
        CHECK(sums[0] > 0);
    }

    /* Empty inputs are fine. */
    CHECK_EQ_INT(tk_ncd_batch_new(&o, TK_NCD_TASK_MATRIX, docs, 0, docs, 0, 0, NULL, NULL, 1, &b),
                 TK_OK);
    CHECK_EQ_INT(tk_ncd_batch_run(b, 1), TK_OK);
    tk_ncd_batch_free(b);
    o.level = 11;
    CHECK_EQ_INT(tk_ncd_batch_new(&o, TK_NCD_TASK_MATRIX, docs, 1, docs, 1, 0, full, NULL, 1, &b),
                 TK_EINVAL);
    o.level = 9;
    o.format = 5;
    CHECK_EQ_INT(tk_ncd_batch_new(&o, TK_NCD_TASK_MATRIX, docs, 1, docs, 1, 0, full, NULL, 1, &b),
                 TK_EINVAL);
    for (i = 0; i < NDOC; i++)
        free(bufs[i]);
}

static void test_alloc_faults(void)
{
    tk_bytes docs[NDOC];
    uint8_t *bufs[NDOC];
    double out[NDOC * NDOC], nd[NDOC * 2];
    int64_t ni[NDOC * 2];
    tk_ncd_options o = {6, TK_NCD_ZLIB, TK_NCD_CDM, TK_NCD_PREFIX_ALWAYS,
                        (const uint8_t *)"", 0};
    int task;
    size_t i;

    make_corpus(docs, bufs);
    for (task = TK_NCD_TASK_MATRIX; task <= TK_NCD_TASK_NEAREST; task++) {
        long n;
        int saw_ok = 0, saw_nomem = 0;
        for (n = 1; n < 200 && !saw_ok; n++) {
            tk_ncd_batch *b = NULL;
            int rc;
            tk_alloc_fail_after(n);
            rc = tk_ncd_batch_new(&o, task, docs, NDOC, docs, NDOC, 2,
                                  task == TK_NCD_TASK_NEAREST ? nd : out, ni, 1, &b);
            if (rc == TK_OK) {
                rc = tk_ncd_batch_run(b, 1);
                tk_ncd_batch_free(b);
            } else {
                CHECK(b == NULL);
            }
            tk_alloc_fail_after(0);
            CHECK(rc == TK_OK || rc == TK_ENOMEM);
            saw_ok |= rc == TK_OK;
            saw_nomem |= rc == TK_ENOMEM;
        }
        CHECK(saw_ok);
        CHECK(saw_nomem);
    }
    {
        long n;
        for (n = 1; n < 20; n++) {
            tk_compressor *c = NULL;
            const uint8_t *p = bufs[3];
            size_t l = docs[3].len, s;
            int rc;
            tk_alloc_fail_after(n);
            rc = tk_compressor_new(9, &c);
            if (rc == TK_OK) {
                rc = tk_compressor_set_prefix(c, p, l);
                if (rc == TK_OK)
                    rc = tk_compressor_size_after_prefix(c, &p, &l, 1, &s);
                tk_compressor_free(c);
            }
            tk_alloc_fail_after(0);
            CHECK(rc == TK_OK || rc == TK_ENOMEM);
        }
    }
    for (i = 0; i < NDOC; i++)
        free(bufs[i]);
}

/* Each of nearest()'s row locks that cannot be made fails the batch with
 * TK_ETHREAD, and the ones made before it are undone (valgrind and ASan
 * runs check that nothing leaks). */
static void test_lock_init_faults(void)
{
    tk_bytes docs[NDOC];
    uint8_t *bufs[NDOC];
    double nd[NDOC * 2];
    int64_t ni[NDOC * 2];
    tk_ncd_options o = {6, TK_NCD_ZLIB, TK_NCD_NCD, TK_NCD_PREFIX_ALWAYS,
                        (const uint8_t *)"", 0};
    int n;
    size_t i;

    make_corpus(docs, bufs);
    for (n = 0; n <= 64; n += 7) {
        tk_ncd_batch *b = NULL;
        int rc;
        tk_lock_init_fail_after(n);
        rc = tk_ncd_batch_new(&o, TK_NCD_TASK_NEAREST, docs, NDOC, docs, NDOC, 2, nd, ni, 1,
                              &b);
        tk_lock_init_fail_after(-1);
        CHECK_EQ_INT(rc, TK_ETHREAD);
        CHECK(b == NULL);
    }
    for (i = 0; i < NDOC; i++)
        free(bufs[i]);
}

/* Level 0: the format's header takes room in CPython's first output
 * block, which moves the stored blocks (sizes from Python's zlib). */
static void test_level0_format_header(void)
{
    size_t len = 360417, size = 0;
    uint8_t *x = malloc(len);
    const uint8_t *parts[1];
    tk_compressor *c = NULL;
    CHECK(x != NULL);
    if (!x)
        return;
    memset(x, 'x', len);
    parts[0] = x;
    CHECK_EQ_INT(tk_compressor_new(0, &c), TK_OK);
    CHECK_EQ_INT(tk_compressor_size(c, parts, &len, 1, &size), TK_OK);
    CHECK_EQ_INT(size, 360447);          /* len(zlib.compress(x, 0, wbits=-15)) */
    CHECK_EQ_INT(tk_compressor_set_format(c, TK_NCD_ZLIB), TK_OK);
    CHECK_EQ_INT(tk_compressor_size(c, parts, &len, 1, &size), TK_OK);
    CHECK_EQ_INT(size, 360452);          /* len(zlib.compress(x, 0)) - 6 */
    CHECK_EQ_INT(tk_compressor_set_format(c, TK_NCD_GZIP), TK_OK);
    CHECK_EQ_INT(tk_compressor_size(c, parts, &len, 1, &size), TK_OK);
    CHECK_EQ_INT(size, 360452);          /* len(zlib.compress(x, 0, wbits=31)) - 18 */
    CHECK_EQ_INT(tk_compressor_set_format(c, 99), TK_EINVAL);
    tk_compressor_free(c);
    free(x);
}

static void test_calibrate(void)
{
    uint8_t *t = make_text(1000, 3);
    double a = -1, b = -1;
    CHECK_EQ_INT(tk_ncd_calibrate(6, t, 1000, 3, &a, &b), TK_OK);
    CHECK(a >= 0 && b >= 0);
    CHECK(tk_ncd_prefix_pays(9, 100000, 10));
    CHECK(!tk_ncd_prefix_pays(9, 100000, 1));
    CHECK(!tk_ncd_prefix_pays(9, 10, 10));
    free(t);
}

int main(void)
{
    test_known_sizes();
    test_parts_and_prefix();
    test_window_edges();
    test_formula();
    test_batches();
    test_alloc_faults();
    test_lock_init_faults();
    test_level0_format_header();
    test_calibrate();
    TEST_MAIN_END();
}
