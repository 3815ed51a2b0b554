/*
 * Fuzz harness: compression sizes and NCD/CDM batches.
 *
 * Input layout:
 *   byte 0  level (%11 - 1, so -1..9), format (/11 %3)
 *   byte 1  metric (bit 0), prefix mode (bits 1-2 %3), threads (bit 3:
 *           1 or 2), k for nearest (bits 4-7)
 *   byte 2  separator length (%4), then the separator bytes
 *   rest    texts separated by 0xFF bytes (at most 5)
 * Reference: every size is checked against zlib called directly with the
 * wrapper's own windowBits, so the header/trailer arithmetic is checked
 * too; prefix (deflateCopy) sizes equal whole-input sizes; every batch
 * (matrix, symmetric, nearest, both thread counts and prefix modes) equals
 * the distances computed from the reference sizes.
 */
#include <math.h>
#include <zlib.h>

#include "fuzz_common.h"
#include "tk_ncd.h"

#define MAX_TEXTS 5

/* Size of zlib.compress / gzip.compress / raw deflate of the parts, with
 * all input and a large enough output buffer in one deflate call. */
static size_t reference_size(int level, int format, const uint8_t *const *parts,
                             const size_t *lens, size_t n_parts)
{
    z_stream s;
    size_t total = 0, i, at = 0, size;
    uint8_t *joined, *out;
    uLong bound;
    int wbits = format == TK_NCD_ZLIB ? 15 : format == TK_NCD_GZIP ? 31 : -15;

    for (i = 0; i < n_parts; i++)
        total += lens[i];
    joined = malloc(total ? total : 1);
    FUZZ_CHECK(joined != NULL);
    for (i = 0; i < n_parts; i++) {
        if (lens[i])
            memcpy(joined + at, parts[i], lens[i]);
        at += lens[i];
    }
    memset(&s, 0, sizeof s);
    FUZZ_CHECK(deflateInit2(&s, level, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    bound = deflateBound(&s, (uLong)total) + 64;
    out = malloc(bound);
    FUZZ_CHECK(out != NULL);
    s.next_in = joined;
    s.avail_in = (uInt)total;
    s.next_out = out;
    s.avail_out = (uInt)bound;
    FUZZ_CHECK(deflate(&s, Z_FINISH) == Z_STREAM_END);
    size = (size_t)s.total_out;
    deflateEnd(&s);
    free(out);
    free(joined);
    return size;
}

static double distance(int metric, size_t cx, size_t cy, size_t cxy)
{
    if (metric == TK_NCD_CDM)
        return (double)cxy / (double)(cx + cy);
    {
        double lo = (double)(cx < cy ? cx : cy), hi = (double)(cx < cy ? cy : cx);
        return ((double)cxy - lo) / hi;
    }
}

/* Raw deflate size through the core, checked against the reference. */
static size_t core_size(tk_compressor *c, int level, int format, const uint8_t *const *parts,
                        const size_t *lens, size_t n_parts)
{
    size_t raw = 0, ref, total = 0, i;
    FUZZ_CHECK(tk_compressor_size(c, parts, lens, n_parts, &raw) == TK_OK);
    for (i = 0; i < n_parts; i++)
        total += lens[i];
    /* Level 0 cuts stored blocks where the caller's output buffer ends; the
     * core follows CPython's buffer schedule (32 KiB first), the reference
     * here uses one buffer, so they agree only below 32 KiB of output.
     * tests/test_ncd.py compares larger ones with zlib.compress itself. */
    if (level == 0 && total > 32000)
        return raw;
    ref = reference_size(level, format, parts, lens, n_parts);
    FUZZ_CHECK(raw + (size_t)tk_ncd_format_overhead(format) == ref);
    return raw;
}

/*
 * A prefix promised a bound picks the smallest window that keeps output
 * identical: every pair within the bound must still size exactly, and a
 * pair past the bound must be refused, never mis-sized.
 */
static void check_bounded_prefix(tk_compressor *c, const tk_bytes *texts, size_t n, size_t i,
                                 const tk_ncd_options *o, const size_t *row, size_t overhead)
{
    size_t j, longest = 0;
    for (j = 0; j < n; j++)
        if (texts[j].len > longest)
            longest = texts[j].len;
    FUZZ_CHECK(tk_compressor_set_prefix_bounded(c, texts[i].data, texts[i].len,
                                                texts[i].len + o->sep_len + longest) == TK_OK);
    for (j = 0; j < n; j++) {
        const uint8_t *parts[2] = {o->sep, texts[j].data};
        size_t lens[2] = {o->sep_len, texts[j].len}, after = 0;
        FUZZ_CHECK(tk_compressor_size_after_prefix(c, parts, lens, 2, &after) == TK_OK);
        FUZZ_CHECK(after + overhead == row[j]);
    }
    /* The tightest bound for one pair, then one byte more than promised. */
    for (j = 0; j < n; j++) {
        const uint8_t *parts[2] = {o->sep, texts[j].data};
        size_t lens[2] = {o->sep_len, texts[j].len}, after = 0;
        size_t total = texts[i].len + o->sep_len + texts[j].len;
        FUZZ_CHECK(tk_compressor_set_prefix_bounded(c, texts[i].data, texts[i].len, total)
                   == TK_OK);
        FUZZ_CHECK(tk_compressor_size_after_prefix(c, parts, lens, 2, &after) == TK_OK);
        FUZZ_CHECK(after + overhead == row[j]);
        if (total > texts[i].len) {
            FUZZ_CHECK(tk_compressor_set_prefix_bounded(c, texts[i].data, texts[i].len,
                                                        total - 1) == TK_OK);
            FUZZ_CHECK(tk_compressor_size_after_prefix(c, parts, lens, 2, &after) == TK_EINVAL);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, size}, sep;
    tk_bytes texts[MAX_TEXTS];
    size_t n = 0, i, j, k, cx[MAX_TEXTS], pair[MAX_TEXTS][MAX_TEXTS];
    tk_compressor *c = NULL;
    tk_ncd_options o;
    double matrix[MAX_TEXTS * MAX_TEXTS], sym[MAX_TEXTS * MAX_TEXTS];
    double near_d[MAX_TEXTS * MAX_TEXTS];
    int64_t near_i[MAX_TEXTS * MAX_TEXTS];
    unsigned b0, b1;
    int level, format, threads, rc;

    b0 = fuzz_byte(&in);
    b1 = fuzz_byte(&in);
    level = (int)(b0 % 11) - 1;
    format = (int)((b0 / 11) % 3);
    memset(&o, 0, sizeof o);
    o.level = level;
    o.format = format;
    o.metric = b1 & 1;
    o.prefix = (int)(((b1 >> 1) & 3) % 3);
    threads = (b1 & 8) ? 2 : 1;
    sep = fuzz_take(&in, fuzz_byte(&in) % 4);
    o.sep = sep.data;
    o.sep_len = sep.size;

    /* Split the rest at 0xFF (never in UTF-8, so text stays text). */
    while (n < MAX_TEXTS) {
        const uint8_t *cut = memchr(in.data, 0xFF, in.size);
        size_t len = cut ? (size_t)(cut - in.data) : in.size;
        texts[n].data = in.data;
        texts[n].len = len;
        n++;
        if (!cut)
            break;
        fuzz_take(&in, len + 1);
    }
    level = tk_ncd_resolve_level(level);
    FUZZ_CHECK(level >= 0 && level <= 9);

    FUZZ_CHECK(tk_compressor_new(o.level, &c) == TK_OK);
    for (i = 0; i < n; i++)
        cx[i] = core_size(c, level, format, &texts[i].data, &texts[i].len, 1)
              + (size_t)tk_ncd_format_overhead(format);
    for (i = 0; i < n; i++) {
        if (level > 0)
            FUZZ_CHECK(tk_compressor_set_prefix(c, texts[i].data, texts[i].len) == TK_OK);
        else
            FUZZ_CHECK(tk_compressor_set_prefix(c, texts[i].data, texts[i].len) == TK_EINVAL);
        for (j = 0; j < n; j++) {
            const uint8_t *parts[3] = {texts[i].data, o.sep, texts[j].data};
            size_t lens[3] = {texts[i].len, o.sep_len, texts[j].len};
            pair[i][j] = core_size(c, level, format, parts, lens, 3);
            if (level > 0) {
                size_t after = 0;
                FUZZ_CHECK(tk_compressor_size_after_prefix(c, parts + 1, lens + 1, 2, &after)
                           == TK_OK);
                FUZZ_CHECK(after == pair[i][j]);
            }
            pair[i][j] += (size_t)tk_ncd_format_overhead(format);
        }
        if (level > 0)
            check_bounded_prefix(c, texts, n, i, &o, pair[i], (size_t)tk_ncd_format_overhead(format));
    }
    /* Size with no parts at all: an empty stream. */
    {
        size_t raw = 0;
        FUZZ_CHECK(tk_compressor_size(c, NULL, NULL, 0, &raw) == TK_OK);
        FUZZ_CHECK(raw + (size_t)tk_ncd_format_overhead(format)
                   == reference_size(level, format, NULL, NULL, 0));
    }
    tk_compressor_free(c);
    c = NULL;

    /* Batches against the reference sizes. */
    {
        tk_ncd_batch *b = NULL;
        FUZZ_CHECK(tk_ncd_batch_new(&o, TK_NCD_TASK_MATRIX, texts, n, texts, n, 0, matrix, NULL,
                                    threads, &b) == TK_OK);
        rc = tk_ncd_batch_run(b, threads);
        FUZZ_CHECK(rc == TK_OK);
        tk_ncd_batch_free(b);
        for (i = 0; i < n; i++)
            for (j = 0; j < n; j++) {
                double want = distance(o.metric, cx[i], cx[j], pair[i][j]);
                FUZZ_CHECK(matrix[i * n + j] == want
                           || (isnan(want) && isnan(matrix[i * n + j])));
            }

        FUZZ_CHECK(tk_ncd_batch_new(&o, TK_NCD_TASK_SYMMETRIC, texts, n, texts, n, 0, sym, NULL,
                                    threads, &b) == TK_OK);
        FUZZ_CHECK(tk_ncd_batch_run(b, threads) == TK_OK);
        tk_ncd_batch_free(b);
        for (i = 0; i < n; i++)
            for (j = 0; j < n; j++) {
                size_t both = pair[i][j] < pair[j][i] ? pair[i][j] : pair[j][i];
                double want = distance(o.metric, cx[i], cx[j], both);
                FUZZ_CHECK(sym[i * n + j] == want && sym[j * n + i] == want);
            }

        k = 1 + ((b1 >> 4) % n);
        FUZZ_CHECK(tk_ncd_batch_new(&o, TK_NCD_TASK_NEAREST, texts, n, texts, n, k, near_d,
                                    near_i, threads, &b) == TK_OK);
        FUZZ_CHECK(tk_ncd_batch_run(b, threads) == TK_OK);
        tk_ncd_batch_free(b);
        for (i = 0; i < n; i++) {
            for (j = 0; j < k; j++) {
                int64_t idx = near_i[i * k + j];
                size_t rank = 0, q;
                FUZZ_CHECK(idx >= 0 && (size_t)idx < n);
                FUZZ_CHECK(near_d[i * k + j] == matrix[i * n + (size_t)idx]);
                /* Exactly j entries of the row come before it in
                 * (distance, index) order. */
                for (q = 0; q < n; q++) {
                    double dq = matrix[i * n + q], dj = near_d[i * k + j];
                    if (dq < dj || (dq == dj && (int64_t)q < idx))
                        rank++;
                }
                FUZZ_CHECK(rank == j);
            }
        }

        /* Two different lists (the first texts against the rest). */
        if (n >= 2) {
            size_t split = 1 + (b1 >> 4) % (n - 1), n_y = n - split;
            FUZZ_CHECK(tk_ncd_batch_new(&o, TK_NCD_TASK_MATRIX, texts, split, texts + split, n_y,
                                        0, sym, NULL, threads, &b) == TK_OK);
            FUZZ_CHECK(tk_ncd_batch_run(b, threads) == TK_OK);
            tk_ncd_batch_free(b);
            for (i = 0; i < split; i++)
                for (j = 0; j < n_y; j++)
                    FUZZ_CHECK(sym[i * n_y + j] == matrix[i * n + split + j]);
        }

        /* BARE only compresses the concatenations: their raw sizes sum up. */
        {
            uint64_t want = 0;
            for (i = 0; i < n; i++)
                for (j = 0; j < n; j++)
                    want += pair[i][j] - (size_t)tk_ncd_format_overhead(format);
            FUZZ_CHECK(tk_ncd_batch_new(&o, TK_NCD_TASK_BARE, texts, n, texts, n, 0, NULL, NULL,
                                        threads, &b) == TK_OK);
            FUZZ_CHECK(tk_ncd_batch_run(b, threads) == TK_OK);
            FUZZ_CHECK(tk_ncd_batch_checksum(b) == want);
            tk_ncd_batch_free(b);
        }

        /* k out of range and a symmetric task on two lists are refused. */
        FUZZ_CHECK(tk_ncd_batch_new(&o, TK_NCD_TASK_NEAREST, texts, n, texts, n, n + 1, near_d,
                                    near_i, threads, &b) == TK_EINVAL && b == NULL);
        FUZZ_CHECK(tk_ncd_batch_new(&o, TK_NCD_TASK_SYMMETRIC, texts, n, texts + 1, n - 1, 0,
                                    sym, NULL, threads, &b) == TK_EINVAL && b == NULL);
    }
    /* Distances from sizes: in range for NCD of real sizes. */
    for (i = 0; i < n; i++)
        FUZZ_CHECK(!isnan(tk_ncd_from_sizes(o.metric, cx[i], cx[i], pair[i][i])));
    return 0;
}
