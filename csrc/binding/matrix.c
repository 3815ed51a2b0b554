/*
 * The vectorizer kernels: fit_matrix, transform_matrix and hash_matrix
 * return CSR arrays built in C from an accum (batch.c); fit merges the
 * chunks' sorted vocabularies into one sorted Vocabulary.
 */
#include "counting.h"

/* ============================================================ matrices */
typedef struct csr_out {
    PyObject *data;        /* bytearray of int64 */
    PyObject *indices;     /* bytearray of int32 or int64 */
    PyObject *indptr;
    int index_size;
} csr_out;

static void csr_out_clear(csr_out *c)
{
    Py_CLEAR(c->data);
    Py_CLEAR(c->indices);
    Py_CLEAR(c->indptr);
}

static int csr_alloc(csr_out *c, size_t nnz, size_t n_rows, size_t n_cols)
{
    c->index_size = (nnz > (size_t)INT32_MAX || n_cols > (size_t)INT32_MAX) ? 8 : 4;
    if (nnz > (size_t)PY_SSIZE_T_MAX / 8 || n_rows >= (size_t)PY_SSIZE_T_MAX / 8) {
        PyErr_NoMemory();
        return -1;
    }
    c->data = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)(nnz * 8));
    c->indices = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)(nnz * c->index_size));
    c->indptr = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)((n_rows + 1) * c->index_size));
    if (!c->data || !c->indices || !c->indptr) {
        csr_out_clear(c);
        return -1;
    }
    return 0;
}

static inline void put_index(void *base, int size, size_t i, uint64_t value)
{
    if (size == 4)
        ((int32_t *)base)[i] = (int32_t)value;
    else
        ((int64_t *)base)[i] = (int64_t)value;
}

/*
 * Build the CSR arrays from the accumulated segments, on n_threads C
 * threads.  FIT rows hold run positions: seg->map turns them into sorted
 * global indices, newcol (when pruning dropped terms; else NULL) into
 * columns or UINT32_MAX to drop the entry, and the rows are then sorted by
 * column.  Other rows (no seg->map) hold columns and are already sorted.
 * binary sets every value to 1; signed_values reads values as int32
 * (hashing).  Segments are freed at the end.
 */
/*
 * Sort a long row of entries by column (the high 32 bits) with an LSD
 * radix sort on 11-bit digits; only the digits that n_cols needs are
 * visited.  tmp has room for n entries.  Columns are distinct, so the
 * result equals tkpy_sort_u64's.
 */
static void radix_sort_row(uint64_t *a, uint64_t *tmp, size_t n, size_t n_cols)
{
    size_t counts[2048];
    uint64_t *from = a, *to = tmp;
    int shift;
    for (shift = 32; shift < 64 && ((uint64_t)(n_cols > 0 ? n_cols - 1 : 0) >> (shift - 32)) != 0;
         shift += 11) {
        size_t i, sum = 0;
        memset(counts, 0, sizeof counts);
        for (i = 0; i < n; i++)
            counts[(from[i] >> shift) & 2047]++;
        for (i = 0; i < 2048; i++) {
            size_t c = counts[i];
            counts[i] = sum;
            sum += c;
        }
        for (i = 0; i < n; i++)
            to[counts[(from[i] >> shift) & 2047]++] = from[i];
        {
            uint64_t *t = from;
            from = to;
            to = t;
        }
    }
    if (from != a)
        memcpy(a, from, n * sizeof *a);
}

typedef struct csr_job {
    const uint32_t *newcol;
    int binary, signed_values, index_size;
    const uint64_t **row_src;      /* first source entry of each row */
    const uint32_t **row_map;      /* FIT: the row's segment map */
    size_t *row_n;                 /* source entries of each row */
    size_t *row_kept;              /* pass 1 output */
    int64_t *data;
    char *indices;
    const char *indptr;
    uint64_t **bufs;               /* per worker row buffer (and radix scratch) */
    int remap;                     /* FIT: rows go through row_map (and newcol) */
    segment *segs;                 /* pass 2 frees each one once its rows are out */
    uint32_t *row_seg;             /* segment of each row */
    size_t *seg_rows_left;         /* per segment, atomic */
    size_t max_row;
    size_t n_cols;
    int pass;
} csr_job;

static inline uint64_t get_index(const void *base, int size, size_t i)
{
    return size == 4 ? (uint64_t)((const int32_t *)base)[i] : (uint64_t)((const int64_t *)base)[i];
}

static int csr_rows(void *ctx, size_t begin, size_t end, int worker)
{
    csr_job *J = ctx;
    size_t r, k;
    if (J->pass == 1) {
        for (r = begin; r < end; r++) {
            size_t kept = 0;
            for (k = 0; k < J->row_n[r]; k++)
                if (J->newcol[J->row_map[r][ENTRY_ID(J->row_src[r][k])]] != UINT32_MAX)
                    kept++;
            J->row_kept[r] = kept;
        }
        return TK_OK;
    }
    if (J->remap && !J->bufs[worker]) {
        J->bufs[worker] = tk_malloc((J->max_row ? 2 * J->max_row : 1) * sizeof(uint64_t));
        if (!J->bufs[worker])
            return TK_ENOMEM;
    }
    for (r = begin; r < end; r++) {
        const uint64_t *src = J->row_src[r];
        const uint64_t *row = src;
        size_t n = J->row_n[r], at = (size_t)get_index(J->indptr, J->index_size, r);
        if (J->remap) {
            uint64_t *buf = J->bufs[worker];
            size_t m = 0;
            for (k = 0; k < n; k++) {
                uint32_t col = J->row_map[r][ENTRY_ID(src[k])];
                if (J->newcol)
                    col = J->newcol[col];
                if (col != UINT32_MAX)
                    buf[m++] = ENTRY(col, ENTRY_VALUE(src[k]));
            }
            if (m > 1024)
                radix_sort_row(buf, buf + J->max_row, m, J->n_cols);
            else
                tkpy_sort_u64(buf, m);
            row = buf;
            n = m;
        }
        for (k = 0; k < n; k++, at++) {
            uint32_t v = ENTRY_VALUE(row[k]);
            put_index(J->indices, J->index_size, at, ENTRY_ID(row[k]));
            J->data[at] = J->binary ? 1 : J->signed_values ? (int64_t)(int32_t)v : (int64_t)v;
        }
        /* The matrix fills as the rows are written; freeing each segment
         * as soon as its last row is out keeps the two from adding up
         * (the peak of a fit). */
        if (__atomic_sub_fetch(&J->seg_rows_left[J->row_seg[r]], 1, __ATOMIC_ACQ_REL) == 0) {
            segment *seg = &J->segs[J->row_seg[r]];
            tk_free(seg->entries);
            tk_free(seg->map);
            seg->entries = NULL;
            seg->map = NULL;
            tkpy_release_free_memory();
        }
    }
    return TK_OK;
}

static int build_csr(accum *acc, const uint32_t *newcol, size_t n_cols, int binary,
                     int signed_values, int n_threads, csr_out *out)
{
    size_t s, r, row = 0, nnz = 0, n_rows = acc->n_docs;
    csr_job J;
    tk_job tj;
    int rc = -1, threads, i;

    memset(&J, 0, sizeof J);
    J.newcol = newcol;
    J.n_cols = n_cols;
    J.binary = binary;
    J.signed_values = signed_values;
    J.row_src = tk_malloc((n_rows ? n_rows : 1) * sizeof *J.row_src);
    J.row_map = tk_malloc((n_rows ? n_rows : 1) * sizeof *J.row_map);
    J.row_n = tk_malloc((n_rows ? n_rows : 1) * sizeof *J.row_n);
    J.row_kept = newcol ? tk_malloc((n_rows ? n_rows : 1) * sizeof *J.row_kept) : NULL;
    J.row_seg = tk_malloc((n_rows ? n_rows : 1) * sizeof *J.row_seg);
    J.seg_rows_left = tk_calloc(acc->n_segs ? acc->n_segs : 1, sizeof *J.seg_rows_left);
    J.segs = acc->segs;
    threads = tk_resolve_threads(n_threads, n_rows ? n_rows : 1);
    J.bufs = tk_calloc((size_t)threads, sizeof *J.bufs);
    if (!J.row_src || !J.row_map || !J.row_n || (newcol && !J.row_kept) || !J.row_seg
        || !J.seg_rows_left || !J.bufs) {
        PyErr_NoMemory();
        goto cleanup;
    }
    for (s = 0; s < acc->n_segs; s++) {
        const segment *seg = &acc->segs[s];
        const uint64_t *e = seg->entries;
        for (r = 0; r < seg->n_docs; r++, row++) {
            J.row_src[row] = e;
            J.row_map[row] = seg->map;
            J.remap |= seg->map != NULL;
            J.row_seg[row] = (uint32_t)s;
            J.seg_rows_left[s]++;
            J.row_n[row] = seg->row_nnz[r];
            if (seg->row_nnz[r] > J.max_row)
                J.max_row = seg->row_nnz[r];
            e += seg->row_nnz[r];
        }
    }
    memset(&tj, 0, sizeof tj);
    tj.n_items = n_rows;
    tj.run = csr_rows;
    tj.ctx = &J;
    if (newcol) {
        J.pass = 1;
        if (n_rows && tkpy_run_job(&tj, threads, NULL) < 0)
            goto cleanup;
        for (r = 0; r < n_rows; r++)
            nnz += J.row_kept[r];
    } else {
        for (r = 0; r < n_rows; r++)
            nnz += J.row_n[r];
    }
    if (csr_alloc(out, nnz, n_rows, n_cols) < 0)
        goto cleanup;
    J.index_size = out->index_size;
    J.data = (int64_t *)PyByteArray_AS_STRING(out->data);
    J.indices = PyByteArray_AS_STRING(out->indices);
    J.indptr = PyByteArray_AS_STRING(out->indptr);
    {
        char *indptr = PyByteArray_AS_STRING(out->indptr);
        size_t at = 0;
        put_index(indptr, out->index_size, 0, 0);
        for (r = 0; r < n_rows; r++) {
            at += newcol ? J.row_kept[r] : J.row_n[r];
            put_index(indptr, out->index_size, r + 1, at);
        }
    }
    J.pass = 2;
    if (n_rows && tkpy_run_job(&tj, threads, NULL) < 0) {
        csr_out_clear(out);
        goto cleanup;
    }
    rc = 0;
cleanup:
    for (s = 0; s < acc->n_segs; s++)
        tkpy_segment_free(&acc->segs[s]);
    acc->n_segs = 0;
    if (J.bufs)
        for (i = 0; i < threads; i++)
            tk_free(J.bufs[i]);
    tk_free(J.bufs);
    tk_free((void *)J.row_src);
    tk_free((void *)J.row_map);
    tk_free(J.row_n);
    tk_free(J.row_kept);
    tk_free(J.row_seg);
    tk_free(J.seg_rows_left);
    return rc;
}

static PyObject *csr_tuple(csr_out *c, size_t n_rows, size_t n_cols)
{
    PyObject *t = Py_BuildValue("(OOOnni)", c->data, c->indices, c->indptr,
                                (Py_ssize_t)n_rows, (Py_ssize_t)n_cols, c->index_size);
    csr_out_clear(c);
    return t;
}

/* ------------------------------------------- merging chunk vocabularies */
typedef struct merge_head {
    uint64_t key;          /* first 8 bytes of the current term, big-endian */
    uint32_t seg;
} merge_head;

typedef struct run_cursor {
    size_t pos;            /* current term */
    size_t off;            /* its byte offset */
} run_cursor;

static int head_cmp(const segment *segs, const run_cursor *cur, const merge_head *a,
                    const merge_head *b)
{
    const term_run *ra, *rb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    ra = &segs[a->seg].run;
    rb = &segs[b->seg].run;
    return tk_bytes_cmp(ra->bytes + cur[a->seg].off, ra->lens[cur[a->seg].pos],
                        rb->bytes + cur[b->seg].off, rb->lens[cur[b->seg].pos]);
}

static void sift_down(merge_head *heap, size_t n, size_t i, const segment *segs,
                      const run_cursor *cur)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        merge_head t;
        if (l < n && head_cmp(segs, cur, &heap[l], &heap[m]) < 0)
            m = l;
        if (r < n && head_cmp(segs, cur, &heap[r], &heap[m]) < 0)
            m = r;
        if (m == i)
            return;
        t = heap[i];
        heap[i] = heap[m];
        heap[m] = t;
        i = m;
    }
}

/* The distinct terms of all chunks in term order, with tf and df. */
typedef struct merged_terms {
    uint8_t *bytes;
    size_t bytes_len, bytes_cap;
    size_t *ends;          /* term g ends at ends[g] */
    int64_t *tf, *df;
    size_t n, cap;
} merged_terms;

static void merged_terms_free(merged_terms *m)
{
    tk_free(m->bytes);
    tk_free(m->ends);
    tk_free(m->tf);
    tk_free(m->df);
    memset(m, 0, sizeof *m);
}

/*
 * The merge runs in parallel over ranges of the term space: pivot terms
 * cut every run at the same place, each range is merged on its own, and
 * the ranges' global indices are offset afterwards.
 */
typedef struct merge_plan {
    accum *acc;
    size_t n_ranges;
    size_t *pos;           /* [(n_ranges + 1) * n_segs]: first run position of each range */
    size_t *off;           /* byte offsets of those positions */
    merged_terms *parts;   /* [n_ranges] */
} merge_plan;

/* First position in run whose term is >= (p, plen), and its byte offset. */
static void run_lower_bound(const term_run *run, const uint8_t *p, size_t plen, size_t *pos,
                            size_t *off)
{
    size_t lo = 0, hi = (run->n + RUN_SAMPLE - 1) / RUN_SAMPLE, i, at;
    /* binary search over the sampled terms, then a short scan */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        size_t k = mid * RUN_SAMPLE;
        if (tk_bytes_cmp(run->bytes + run->samples[mid], run->lens[k], p, plen) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0) {
        *pos = 0;
        *off = 0;
        return;
    }
    i = (lo - 1) * RUN_SAMPLE;
    at = run->samples[lo - 1];
    while (i < run->n && tk_bytes_cmp(run->bytes + at, run->lens[i], p, plen) < 0) {
        at += run->lens[i];
        i++;
    }
    *pos = i;
    *off = at;
}

static int merge_range(merge_plan *plan, size_t r)
{
    accum *acc = plan->acc;
    size_t ns = acc->n_segs, hn = 0, s, g = 0, bound_n = 0, bound_bytes = 0;
    const size_t *p0 = plan->pos + r * ns, *p1 = plan->pos + (r + 1) * ns;
    const size_t *o0 = plan->off + r * ns, *o1 = plan->off + (r + 1) * ns;
    merged_terms *out = &plan->parts[r];
    merge_head *heap = tk_malloc((ns ? ns : 1) * sizeof *heap);
    run_cursor *cur = tk_calloc(ns ? ns : 1, sizeof *cur);
    int rc = TK_OK;

    if (!heap || !cur) {
        rc = TK_ENOMEM;
        goto cleanup;
    }
    for (s = 0; s < ns; s++) {
        bound_n += p1[s] - p0[s];
        bound_bytes += o1[s] - o0[s];
    }
    /* Upper bounds: untouched pages of these blocks cost no memory. */
    out->ends = tk_malloc((bound_n ? bound_n : 1) * sizeof *out->ends);
    if (acc->want_stats) {
        out->tf = tk_malloc((bound_n ? bound_n : 1) * sizeof *out->tf);
        out->df = tk_malloc((bound_n ? bound_n : 1) * sizeof *out->df);
    }
    out->bytes = tk_malloc(bound_bytes ? bound_bytes : 1);
    if (!out->ends || !out->bytes || (acc->want_stats && (!out->tf || !out->df))) {
        rc = TK_ENOMEM;
        goto cleanup;
    }
    for (s = 0; s < ns; s++) {
        const term_run *run = &acc->segs[s].run;
        cur[s].pos = p0[s];
        cur[s].off = o0[s];
        if (p0[s] < p1[s]) {
            heap[hn].key = tk_term_prefix(run->bytes + o0[s], run->lens[p0[s]]);
            heap[hn].seg = (uint32_t)s;
            hn++;
        }
    }
    for (s = hn; s-- > 0;)
        sift_down(heap, hn, s, acc->segs, cur);
    while (hn) {
        const term_run *first = &acc->segs[heap[0].seg].run;
        const uint8_t *t = first->bytes + cur[heap[0].seg].off;
        size_t tlen = first->lens[cur[heap[0].seg].pos];
        uint64_t tkey = heap[0].key;
        if (tlen)
            memcpy(out->bytes + out->bytes_len, t, tlen);
        out->bytes_len += tlen;
        out->ends[g] = out->bytes_len;
        if (out->tf) {
            out->tf[g] = 0;
            out->df[g] = 0;
        }
        t = out->bytes + out->bytes_len - tlen;   /* stable copy to compare with */
        while (hn && heap[0].key == tkey) {
            size_t sidx = heap[0].seg;
            segment *seg = &acc->segs[sidx];
            run_cursor *c = &cur[sidx];
            size_t len = seg->run.lens[c->pos];
            if (len != tlen || memcmp(seg->run.bytes + c->off, t, len) != 0)
                break;
            seg->map[c->pos] = (uint32_t)g;
            if (out->tf) {
                out->tf[g] += seg->run.counts[c->pos];
                out->df[g] += seg->run.df[c->pos];
            }
            c->off += len;
            if (++c->pos < p1[sidx])
                heap[0].key = tk_term_prefix(seg->run.bytes + c->off, seg->run.lens[c->pos]);
            else
                heap[0] = heap[--hn];
            if (hn)
                sift_down(heap, hn, 0, acc->segs, cur);
        }
        g++;
    }
    out->n = g;
cleanup:
    tk_free(heap);
    tk_free(cur);
    return rc;
}

static int run_merge_range(void *ctx, size_t begin, size_t end, int worker)
{
    size_t r;
    (void)worker;
    for (r = begin; r < end; r++) {
        int rc = merge_range(ctx, r);
        if (rc < 0)
            return rc;
    }
    return TK_OK;
}

static void merge_plan_free(merge_plan *plan)
{
    size_t r;
    if (plan->parts)
        for (r = 0; r < plan->n_ranges; r++)
            merged_terms_free(&plan->parts[r]);
    tk_free(plan->parts);
    tk_free(plan->pos);
    tk_free(plan->off);
    memset(plan, 0, sizeof *plan);
}

/*
 * Merge the segments' term runs on n_threads threads (GIL held on entry).
 * Afterwards seg->map holds global indices, plan->parts the distinct terms
 * in order, and the runs are freed.  Returns the number of distinct terms
 * or -1 with an exception set.
 */
static long long merge_vocabularies(accum *acc, merge_plan *plan, int n_threads)
{
    size_t ns = acc->n_segs, s, r, largest = 0, total = 0, base;
    int threads = tk_resolve_threads(n_threads, 1 << 20);
    tk_job tj;

    memset(plan, 0, sizeof *plan);
    plan->acc = acc;
    for (s = 0; s < ns; s++) {
        total += acc->segs[s].run.n;
        if (acc->segs[s].run.n > acc->segs[largest].run.n)
            largest = s;
    }
    /* Several ranges per thread balance the uneven density of terms. */
    plan->n_ranges = (threads > 1 && total > 4096) ? (size_t)threads * 4 : 1;
    plan->pos = tk_malloc((plan->n_ranges + 1) * (ns ? ns : 1) * sizeof *plan->pos);
    plan->off = tk_malloc((plan->n_ranges + 1) * (ns ? ns : 1) * sizeof *plan->off);
    plan->parts = tk_calloc(plan->n_ranges, sizeof *plan->parts);
    if (!plan->pos || !plan->off || !plan->parts) {
        PyErr_NoMemory();
        return -1;
    }
    for (s = 0; s < ns; s++) {
        term_run *run = &acc->segs[s].run;
        size_t bytes = 0, k;
        acc->segs[s].map = tk_malloc((run->n ? run->n : 1) * sizeof *acc->segs[s].map);
        if (!acc->segs[s].map) {
            PyErr_NoMemory();
            return -1;
        }
        for (k = 0; k < run->n; k++)
            bytes += run->lens[k];
        plan->pos[s] = 0;
        plan->off[s] = 0;
        plan->pos[plan->n_ranges * ns + s] = run->n;
        plan->off[plan->n_ranges * ns + s] = bytes;
    }
    for (r = 1; r < plan->n_ranges; r++) {
        /* pivot: a term of the largest run, so pivots are distinct and sorted */
        const term_run *big = &acc->segs[largest].run;
        size_t pivot_pos = big->n * r / plan->n_ranges;
        size_t k = pivot_pos / RUN_SAMPLE * RUN_SAMPLE, poff = big->samples[k / RUN_SAMPLE];
        for (; k < pivot_pos; k++)
            poff += big->lens[k];
        for (s = 0; s < ns; s++)
            run_lower_bound(&acc->segs[s].run, big->bytes + poff, big->lens[pivot_pos],
                            &plan->pos[r * ns + s], &plan->off[r * ns + s]);
    }
    memset(&tj, 0, sizeof tj);
    tj.n_items = plan->n_ranges;
    tj.chunk = 1;
    tj.run = run_merge_range;
    tj.ctx = plan;
    if (tkpy_run_job(&tj, threads, NULL) < 0)
        return -1;
    /* Offset each range's indices by the terms of the ranges before it. */
    Py_BEGIN_ALLOW_THREADS
    base = 0;
    for (r = 0; r < plan->n_ranges; r++) {
        if (base)
            for (s = 0; s < ns; s++) {
                size_t k;
                uint32_t *map = acc->segs[s].map;
                for (k = plan->pos[r * ns + s]; k < plan->pos[(r + 1) * ns + s]; k++)
                    map[k] += (uint32_t)base;
            }
        base += plan->parts[r].n;
    }
    for (s = 0; s < ns; s++)
        tkpy_term_run_free(&acc->segs[s].run);
    Py_END_ALLOW_THREADS
    if (base > TK_VOCAB_MAX_TERMS) {
        tkpy_raise(TK_EOVERFLOW);
        return -1;
    }
    return (long long)base;
}

/* The term with global index g, walking the parts in order. */
typedef struct part_walker {
    const merge_plan *plan;
    size_t part, local;
} part_walker;

static const uint8_t *walker_next(part_walker *w, size_t *len, int64_t *tf)
{
    const merged_terms *m;
    size_t start;
    while (w->part < w->plan->n_ranges && w->local >= w->plan->parts[w->part].n) {
        w->part++;
        w->local = 0;
    }
    if (w->part >= w->plan->n_ranges)
        return NULL;
    m = &w->plan->parts[w->part];
    start = w->local ? m->ends[w->local - 1] : 0;
    *len = m->ends[w->local] - start;
    *tf = m->tf ? m->tf[w->local] : 0;
    w->local++;
    return m->bytes + start;
}

/*
 * fit_matrix(docs, tokenizer, analyzer, lo, hi, n_threads, input, prune, binary)
 *   prune(df: bytes, tf: bytes, n_docs) -> bytes mask or None; df and tf are
 *   int64 arrays in sorted-term order (tf = df when binary, as scikit-learn
 *   ranks max_features on the binarized matrix).  Returns (Vocabulary,
 *   (data, indices, indptr, n_rows, n_cols, index_size)).
 */
static PyObject *fit_matrix_impl(PyObject *module, PyObject *docs, PyObject *tokenizer,
                                 PyObject *analyzer, Py_ssize_t lo, Py_ssize_t hi,
                                 int n_threads, int input, PyObject *prune, int binary,
                                 PyObject *progress)
{
    tkpy_state *st = tkpy_get_state(module);
    accum acc;
    merge_plan plan;
    uint32_t *newcol = NULL;
    PyObject *df_bytes = NULL, *tf_bytes = NULL, *mask = NULL, *result = NULL;
    VocabularyObject *vocab = NULL;
    csr_out csr;
    size_t i, r, n = 0, kept = 0, kept_bytes = 0;
    long long merged;

    memset(&csr, 0, sizeof csr);
    memset(&plan, 0, sizeof plan);
    if (tkpy_accum_setup(&acc, MODE_FIT, tokenizer, analyzer, lo, hi, input) < 0)
        goto cleanup;
    acc.want_stats = prune != Py_None;
    if (tkpy_accum_feed(&acc, docs, n_threads, progress) < 0)
        goto cleanup;
    tkpy_release_free_memory();
    merged = merge_vocabularies(&acc, &plan, n_threads);
    if (merged < 0)
        goto cleanup;
    tkpy_release_free_memory();
    n = (size_t)merged;
    if (n == 0) {
        PyErr_SetString(PyExc_ValueError,
                        "empty vocabulary; perhaps the documents only contain stop words");
        goto cleanup;
    }
    if (prune != Py_None) {
        char *dfp, *tfp;
        df_bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n * 8));
        tf_bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(n * 8));
        if (!df_bytes || !tf_bytes)
            goto cleanup;
        dfp = PyBytes_AS_STRING(df_bytes);
        tfp = PyBytes_AS_STRING(tf_bytes);
        for (r = 0; r < plan.n_ranges; r++) {
            const merged_terms *m = &plan.parts[r];
            memcpy(dfp, m->df, m->n * 8);
            memcpy(tfp, binary ? m->df : m->tf, m->n * 8);
            dfp += m->n * 8;
            tfp += m->n * 8;
        }
        mask = PyObject_CallFunction(prune, "OOn", df_bytes, tf_bytes, (Py_ssize_t)acc.n_docs);
        if (!mask)
            goto cleanup;
    }
    Py_CLEAR(df_bytes);
    Py_CLEAR(tf_bytes);
    if (mask && mask != Py_None) {
        Py_buffer view;
        const uint8_t *mk;
        if (PyObject_GetBuffer(mask, &view, PyBUF_SIMPLE) < 0)
            goto cleanup;
        if ((size_t)view.len != n) {
            PyBuffer_Release(&view);
            PyErr_SetString(PyExc_ValueError, "prune mask has the wrong length");
            goto cleanup;
        }
        mk = view.buf;
        newcol = tk_malloc(n * sizeof *newcol);
        if (!newcol) {
            PyBuffer_Release(&view);
            PyErr_NoMemory();
            goto cleanup;
        }
        for (i = 0; i < n; i++)
            newcol[i] = mk[i] ? (uint32_t)kept++ : UINT32_MAX;
        PyBuffer_Release(&view);
    } else {
        kept = n;   /* every term is a column, in order: no newcol */
    }
    Py_CLEAR(mask);
    if (kept == 0) {
        PyErr_SetString(PyExc_ValueError,
                        "After pruning, no terms remain. Try a lower min_df or a higher max_df.");
        goto cleanup;
    }
    vocab = (VocabularyObject *)tkpy_vocabulary_new(st->ngram_table_type);
    if (!vocab)
        goto cleanup;
    {
        /* Kept strings, in column order, into exactly sized buffers. */
        part_walker w;
        size_t len, at = 0, k = 0;
        int64_t tf;
        const uint8_t *t;
        memset(&w, 0, sizeof w);
        w.plan = &plan;
        for (i = 0; (t = walker_next(&w, &len, &tf)) != NULL; i++)
            if (!newcol || newcol[i] != UINT32_MAX)
                kept_bytes += len;
        vocab->bytes = tk_malloc(kept_bytes ? kept_bytes : 1);
        vocab->ends = tk_malloc(kept * sizeof *vocab->ends);
        if (!vocab->bytes || !vocab->ends) {
            PyErr_NoMemory();
            goto cleanup;
        }
        memset(&w, 0, sizeof w);
        w.plan = &plan;
        for (i = 0; (t = walker_next(&w, &len, &tf)) != NULL; i++)
            if (!newcol || newcol[i] != UINT32_MAX) {
                if (len)
                    memcpy(vocab->bytes + at, t, len);
                at += len;
                vocab->ends[k++] = at;
            }
        vocab->n = kept;
    }
    for (r = 0; r < plan.n_ranges; r++)
        merged_terms_free(&plan.parts[r]);
    tkpy_release_free_memory();
    if (build_csr(&acc, newcol, kept, binary, 0, n_threads, &csr) < 0)
        goto cleanup;
    {
        PyObject *mat = csr_tuple(&csr, acc.n_docs, kept);
        if (!mat)
            goto cleanup;
        result = PyTuple_Pack(2, (PyObject *)vocab, mat);
        Py_DECREF(mat);
    }
cleanup:
    Py_XDECREF(vocab);
    Py_XDECREF(df_bytes);
    Py_XDECREF(tf_bytes);
    Py_XDECREF(mask);
    tk_free(newcol);
    merge_plan_free(&plan);
    csr_out_clear(&csr);
    tkpy_accum_free(&acc);
    return result;
}

static PyObject *py_fit_matrix(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"docs", "tokenizer", "analyzer", "lo", "hi", "n_threads",
                             "input", "prune", "binary", "progress", NULL};
    PyObject *docs, *tokenizer, *analyzer, *threads = Py_None, *prune = Py_None;
    PyObject *progress = Py_None;
    Py_ssize_t lo, hi;
    int n_threads, input = INPUT_TEXT, binary = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOnn|OiOpO:fit_matrix", kwlist, &docs,
                                     &tokenizer, &analyzer, &lo, &hi, &threads, &input, &prune,
                                     &binary, &progress))
        return NULL;
    if (tkpy_parse_threads(threads, &n_threads) < 0)
        return NULL;
    return fit_matrix_impl(module, docs, tokenizer, analyzer, lo, hi, n_threads, input, prune,
                           binary, progress);
}

static PyObject *transform_matrix_impl(PyObject *module, PyObject *docs, PyObject *vocab,
                                       PyObject *tokenizer, PyObject *analyzer, Py_ssize_t lo,
                                       Py_ssize_t hi, int n_threads, int input, int binary,
                                       PyObject *progress)
{
    tkpy_state *st = tkpy_get_state(module);
    accum acc;
    csr_out csr;
    PyObject *result = NULL;

    memset(&csr, 0, sizeof csr);
    if (!PyObject_TypeCheck(vocab, st->ngram_table_type)) {
        PyErr_SetString(PyExc_TypeError, "vocab must be a textkern Vocabulary");
        return NULL;
    }
    if (tkpy_accum_setup(&acc, MODE_TRANSFORM, tokenizer, analyzer, lo, hi, input) < 0)
        goto cleanup;
    if (tkpy_vocabulary_ready((VocabularyObject *)vocab) < 0)
        goto cleanup;
    acc.fixed = &((VocabularyObject *)vocab)->index;
    Py_INCREF(vocab);   /* the fixed vocabulary is read without the GIL */
    if (tkpy_accum_feed(&acc, docs, n_threads, progress) < 0) {
        Py_DECREF(vocab);
        goto cleanup;
    }
    if (build_csr(&acc, NULL, acc.fixed->n, binary, 0, n_threads, &csr) == 0)
        result = csr_tuple(&csr, acc.n_docs, acc.fixed->n);
    Py_DECREF(vocab);
cleanup:
    csr_out_clear(&csr);
    tkpy_accum_free(&acc);
    return result;
}

static PyObject *py_transform_matrix(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"docs", "vocab", "tokenizer", "analyzer", "lo", "hi",
                             "n_threads", "input", "binary", "progress", NULL};
    PyObject *docs, *vocab, *tokenizer, *analyzer, *threads = Py_None, *progress = Py_None;
    Py_ssize_t lo, hi;
    int n_threads, input = INPUT_TEXT, binary = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOOnn|OipO:transform_matrix", kwlist,
                                     &docs, &vocab, &tokenizer, &analyzer, &lo, &hi, &threads,
                                     &input, &binary, &progress))
        return NULL;
    if (tkpy_parse_threads(threads, &n_threads) < 0)
        return NULL;
    return transform_matrix_impl(module, docs, vocab, tokenizer, analyzer, lo, hi, n_threads,
                                 input, binary, progress);
}

static PyObject *py_hash_matrix(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"docs", "tokenizer", "analyzer", "lo", "hi", "n_features",
                             "alternate_sign", "n_threads", "input", "binary", "progress",
                             NULL};
    PyObject *docs, *tokenizer, *analyzer, *threads = Py_None, *result = NULL;
    PyObject *progress = Py_None;
    Py_ssize_t lo, hi, n_features;
    int n_threads, input = INPUT_TEXT, binary = 0, alternate = 1;
    accum acc;
    csr_out csr;
    (void)module;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOnnnp|OipO:hash_matrix", kwlist, &docs,
                                     &tokenizer, &analyzer, &lo, &hi, &n_features, &alternate,
                                     &threads, &input, &binary, &progress))
        return NULL;
    if (tkpy_parse_threads(threads, &n_threads) < 0)
        return NULL;
    if (n_features < 1 || (uint64_t)n_features > (uint64_t)INT32_MAX) {
        PyErr_Format(PyExc_ValueError, "n_features must be between 1 and 2**31 - 1, not %zd",
                     n_features);
        return NULL;
    }
    memset(&csr, 0, sizeof csr);
    if (tkpy_accum_setup(&acc, MODE_HASH, tokenizer, analyzer, lo, hi, input) < 0)
        goto cleanup;
    acc.n_features = (uint64_t)n_features;
    acc.alternate_sign = alternate;
    if (tkpy_accum_feed(&acc, docs, n_threads, progress) < 0)
        goto cleanup;
    if (build_csr(&acc, NULL, (size_t)n_features, binary, 1, n_threads, &csr) == 0)
        result = csr_tuple(&csr, acc.n_docs, (size_t)n_features);
cleanup:
    csr_out_clear(&csr);
    tkpy_accum_free(&acc);
    return result;
}

static PyObject *py_hash_terms(PyObject *module, PyObject *arg)
{
    /* The 64-bit hash HashingVectorizer uses, for documentation and tests. */
    size_t len;
    const uint8_t *s = tkpy_key_utf8(arg, &len);
    (void)module;
    if (!s) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "expected str");
        return NULL;
    }
    return PyLong_FromUnsignedLongLong(tk_hash_bytes(s, len));
}

/* ============================================================== module */
static PyMethodDef matrix_functions[] = {
    {"fit_matrix", (PyCFunction)(void (*)(void))py_fit_matrix, METH_VARARGS | METH_KEYWORDS,
     "Vectorizer kernel: vocabulary + CSR arrays."},
    {"transform_matrix", (PyCFunction)(void (*)(void))py_transform_matrix,
     METH_VARARGS | METH_KEYWORDS, "Vectorizer kernel: CSR arrays for a fixed vocabulary."},
    {"hash_matrix", (PyCFunction)(void (*)(void))py_hash_matrix, METH_VARARGS | METH_KEYWORDS,
     "Vectorizer kernel: hashed CSR arrays."},
    {"hash_term", py_hash_terms, METH_O, "The 64-bit hash of a term (tk_hash_bytes of UTF-8)."},
    {NULL, NULL, 0, NULL},
};

int tkpy_exec_matrix(PyObject *module)
{
    return PyModule_AddFunctions(module, matrix_functions);
}
