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
    /* Written once, in order: huge pages cut the page faults 512-fold. */
    tk_advise_huge(PyByteArray_AS_STRING(c->data), nnz * 8);
    tk_advise_huge(PyByteArray_AS_STRING(c->indices), nnz * (size_t)c->index_size);
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
    size_t input_bytes;            /* of the whole call, for tkpy_release_free_memory */
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
                if (J->newcol[J->row_map[r][TK_ENTRY_ID(J->row_src[r][k])]] != UINT32_MAX)
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
                uint32_t col = J->row_map[r][TK_ENTRY_ID(src[k])];
                if (J->newcol)
                    col = J->newcol[col];
                if (col != UINT32_MAX)
                    buf[m++] = TK_ENTRY(col, TK_ENTRY_VALUE(src[k]));
            }
            tk_sort_row(buf, buf + J->max_row, m, 32, tk_column_bits(J->n_cols));
            row = buf;
            n = m;
        }
        for (k = 0; k < n; k++, at++) {
            uint32_t v = TK_ENTRY_VALUE(row[k]);
            put_index(J->indices, J->index_size, at, TK_ENTRY_ID(row[k]));
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
            tkpy_release_free_memory(J->input_bytes);
        }
    }
    return TK_OK;
}

static int build_csr(accum *acc, const uint32_t *newcol, size_t n_cols, int binary,
                     int signed_values, int n_threads, csr_out *out)
{
    size_t s, r, row = 0, nnz = 0, n_rows = acc->n_docs, entries = 0, work_bytes;
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
    J.input_bytes = acc->n_bytes;
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
            entries += seg->row_nnz[r];
            if (seg->row_nnz[r] > J.max_row)
                J.max_row = seg->row_nnz[r];
            e += seg->row_nnz[r];
        }
    }
    work_bytes = tkpy_auto_work(n_threads, entries * sizeof(uint64_t));
    memset(&tj, 0, sizeof tj);
    tj.n_items = n_rows;
    tj.run = csr_rows;
    tj.ctx = &J;
    if (newcol) {
        J.pass = 1;
        if (n_rows && tkpy_run_sized_job(&tj, threads, work_bytes) < 0)
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
    if (n_rows && tkpy_run_sized_job(&tj, threads, work_bytes) < 0) {
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
static int run_merge_range(void *ctx, size_t begin, size_t end, int worker)
{
    size_t r;
    (void)worker;
    for (r = begin; r < end; r++) {
        int rc = tk_run_merge_range(ctx, r);
        if (rc < 0)
            return rc;
    }
    return TK_OK;
}

/*
 * Merge the segments' term runs (tk_termrun.h) on n_threads threads (GIL
 * held on entry).  Afterwards seg->map holds indices within each range of
 * the merge (fill_vocabulary makes them global), merge the distinct terms
 * in order, and the runs are freed.  Returns the number of distinct terms
 * or -1 with an exception set.
 */
static long long merge_vocabularies(accum *acc, tk_run_merge *merge, int n_threads)
{
    size_t ns = acc->n_segs, s, total = 0, n_ranges, merged = 0;
    int threads = tk_resolve_threads(n_threads, 1 << 20), rc;
    tk_term_run **runs = tk_malloc((ns ? ns : 1) * sizeof *runs);
    uint32_t **maps = tk_malloc((ns ? ns : 1) * sizeof *maps);
    tk_job tj;
    long long result = -1;

    memset(merge, 0, sizeof *merge);
    if (!runs || !maps) {
        PyErr_NoMemory();
        goto cleanup;
    }
    for (s = 0; s < ns; s++) {
        segment *seg = &acc->segs[s];
        total += seg->run.n;
        seg->map = tk_malloc((seg->run.n ? seg->run.n : 1) * sizeof *seg->map);
        if (!seg->map) {
            PyErr_NoMemory();
            goto cleanup;
        }
        runs[s] = &seg->run;
        maps[s] = seg->map;
    }
    /* Many ranges per thread balance the uneven density of terms: with
     * four, the last range of a 2-thread (1, 2)-gram fit ran alone for
     * 4 ms of the merge's 25; with sixteen, 3 ms. */
    n_ranges = (threads > 1 && total > 4096) ? (size_t)threads * 16 : 1;
    if ((rc = tk_run_merge_init(merge, runs, maps, ns, n_ranges, acc->want_stats)) < 0) {
        tkpy_raise(rc);
        goto cleanup;
    }
    memset(&tj, 0, sizeof tj);
    tj.n_items = merge->n_ranges;
    tj.chunk = 1;
    tj.run = run_merge_range;
    tj.ctx = merge;
    /* about a length and 8 bytes of text per term */
    if (tkpy_run_sized_job(&tj, threads, tkpy_auto_work(n_threads, total * 16)) < 0)
        goto cleanup;
    Py_BEGIN_ALLOW_THREADS
    merged = tk_run_merge_finish(merge);
    for (s = 0; s < ns; s++)
        tk_term_run_free(&acc->segs[s].run);
    Py_END_ALLOW_THREADS
    if (merged > TK_VOCAB_MAX_TERMS) {
        tkpy_raise(TK_EOVERFLOW);
        goto cleanup;
    }
    result = (long long)merged;
cleanup:
    tk_free(runs);
    tk_free(maps);
    return result;
}

typedef struct copy_job {
    const tk_run_merge *merge;
    const uint32_t *keep;
    const size_t *term0, *byte0;   /* where each part's kept terms go */
    VocabularyObject *vocab;
} copy_job;

static int copy_part_terms(void *ctx, size_t begin, size_t end, int worker)
{
    copy_job *J = ctx;
    size_t r;
    (void)worker;
    for (r = begin; r < end; r++) {
        tk_run_merge_copy(J->merge, r, J->keep, J->vocab->bytes, J->byte0[r], J->vocab->ends,
                          J->term0[r]);
        tk_run_merge_globalize(J->merge, r);   /* for build_csr */
    }
    return TK_OK;
}

/*
 * The kept terms of a finished merge (keep as for tk_run_merge_copy),
 * into vocab's exactly sized buffers in column order, each part of the
 * merge on its own thread: a walk term by term with the GIL held was 5%
 * of a 2-thread (1, 2)-gram fit.  The same threads make the segments'
 * maps global.  GIL held on entry; 0 or -1 with an exception set.
 */
static int fill_vocabulary(VocabularyObject *vocab, const tk_run_merge *merge,
                           const uint32_t *keep, size_t kept, int n_threads)
{
    size_t nr = merge->n_ranges, r;
    size_t *term0 = tk_malloc(2 * (nr + 1) * sizeof *term0), *byte0;
    copy_job J;
    tk_job tj;
    int rc = -1;

    if (!term0) {
        PyErr_NoMemory();
        return -1;
    }
    byte0 = term0 + nr + 1;
    term0[0] = byte0[0] = 0;
    Py_BEGIN_ALLOW_THREADS
    for (r = 0; r < nr; r++) {
        size_t part_terms, part_bytes;
        tk_run_merge_kept(merge, r, keep, &part_terms, &part_bytes);
        term0[r + 1] = term0[r] + part_terms;
        byte0[r + 1] = byte0[r] + part_bytes;
    }
    Py_END_ALLOW_THREADS
    if (term0[nr] != kept) {
        PyErr_SetString(PyExc_SystemError, "textkern: merged term count mismatch");
        goto cleanup;
    }
    vocab->bytes = tk_malloc(byte0[nr] ? byte0[nr] : 1);
    vocab->ends = tk_malloc((kept ? kept : 1) * sizeof *vocab->ends);
    if (!vocab->bytes || !vocab->ends) {
        PyErr_NoMemory();
        goto cleanup;
    }
    J.merge = merge;
    J.keep = keep;
    J.term0 = term0;
    J.byte0 = byte0;
    J.vocab = vocab;
    memset(&tj, 0, sizeof tj);
    tj.n_items = nr;
    tj.chunk = 1;
    tj.run = copy_part_terms;
    tj.ctx = &J;
    if (tkpy_run_sized_job(&tj, tk_resolve_threads(n_threads, nr),
                           tkpy_auto_work(n_threads, byte0[nr] + kept * sizeof(size_t)))
        < 0)
        goto cleanup;
    vocab->n = kept;
    rc = 0;
cleanup:
    tk_free(term0);
    return rc;
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
    tk_run_merge plan;
    uint32_t *newcol = NULL;
    PyObject *df_bytes = NULL, *tf_bytes = NULL, *mask = NULL, *result = NULL;
    VocabularyObject *vocab = NULL;
    csr_out csr;
    size_t i, r, n = 0, kept = 0;
    long long merged;

    memset(&csr, 0, sizeof csr);
    memset(&plan, 0, sizeof plan);
    if (tkpy_accum_setup(&acc, TK_COUNT_ROWS, tokenizer, analyzer, lo, hi, input) < 0)
        goto cleanup;
    acc.want_stats = prune != Py_None;
    if (tkpy_accum_feed(&acc, docs, n_threads, progress) < 0)
        goto cleanup;
    tkpy_release_free_memory(acc.n_bytes);
    merged = merge_vocabularies(&acc, &plan, n_threads);
    if (merged < 0)
        goto cleanup;
    tkpy_release_free_memory(acc.n_bytes);
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
            const tk_merged_terms *m = &plan.parts[r];
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
    if (fill_vocabulary(vocab, &plan, newcol, kept, n_threads) < 0)
        goto cleanup;
    tk_run_merge_free(&plan);   /* the Vocabulary has the terms now */
    tkpy_release_free_memory(acc.n_bytes);
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
    tk_run_merge_free(&plan);
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
    if (tkpy_accum_setup(&acc, TK_COUNT_FIXED, tokenizer, analyzer, lo, hi, input) < 0)
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

static PyObject *hash_matrix_impl(PyObject *docs, PyObject *tokenizer, PyObject *analyzer,
                                  Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t n_features,
                                  int alternate, int n_threads, int input, int binary,
                                  PyObject *progress)
{
    PyObject *result = NULL;
    accum acc;
    csr_out csr;

    if (n_features < 1 || (uint64_t)n_features > (uint64_t)INT32_MAX) {
        PyErr_Format(PyExc_ValueError, "n_features must be between 1 and 2**31 - 1, not %zd",
                     n_features);
        return NULL;
    }
    memset(&csr, 0, sizeof csr);
    if (tkpy_accum_setup(&acc, TK_COUNT_HASHED, tokenizer, analyzer, lo, hi, input) < 0)
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

static PyObject *py_hash_matrix(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"docs", "tokenizer", "analyzer", "lo", "hi", "n_features",
                             "alternate_sign", "n_threads", "input", "binary", "progress",
                             NULL};
    PyObject *docs, *tokenizer, *analyzer, *threads = Py_None, *progress = Py_None;
    Py_ssize_t lo, hi, n_features;
    int n_threads, input = INPUT_TEXT, binary = 0, alternate = 1;
    (void)module;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOnnnp|OipO:hash_matrix", kwlist, &docs,
                                     &tokenizer, &analyzer, &lo, &hi, &n_features, &alternate,
                                     &threads, &input, &binary, &progress))
        return NULL;
    if (tkpy_parse_threads(threads, &n_threads) < 0)
        return NULL;
    return hash_matrix_impl(docs, tokenizer, analyzer, lo, hi, n_features, alternate,
                            n_threads, input, binary, progress);
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

/* ==================================================== normalization */
/* The last format character of a buffer ('<d' and 'd' alike). */
static char buffer_code(const Py_buffer *view)
{
    size_t n = view->format ? strlen(view->format) : 0;
    return n ? view->format[n - 1] : 'B';
}

static PyObject *normalize_rows_impl(Py_buffer *data, Py_buffer *indptr, int norm)
{
    char code = buffer_code(data), ptr_code = buffer_code(indptr);
    int single = code == 'f', not_finite = 0, rc;
    size_t n_rows;
    if (!((single && data->itemsize == 4) || (code == 'd' && data->itemsize == 8))) {
        PyErr_SetString(PyExc_TypeError, "normalize_rows: data must hold float32 or float64");
        return NULL;
    }
    if (indptr->itemsize != 8 || !strchr("qlQL", ptr_code) || indptr->len < 8) {
        PyErr_SetString(PyExc_TypeError, "normalize_rows: indptr must hold int64, one or more");
        return NULL;
    }
    n_rows = (size_t)indptr->len / 8 - 1;
    Py_BEGIN_ALLOW_THREADS
    rc = tk_csr_normalize(data->buf, single, (size_t)data->len / (size_t)data->itemsize,
                          indptr->buf, n_rows, norm, &not_finite);
    Py_END_ALLOW_THREADS
    if (rc < 0) {
        PyErr_SetString(PyExc_ValueError, "normalize_rows: indptr does not describe rows of data");
        return NULL;
    }
    return PyBool_FromLong(!not_finite);
}

static PyObject *py_normalize_rows(PyObject *module, PyObject *args)
{
    PyObject *data_obj, *indptr_obj, *result = NULL;
    Py_buffer data = {0}, indptr = {0};
    int l2;
    (void)module;
    if (!PyArg_ParseTuple(args, "OOp:normalize_rows", &data_obj, &indptr_obj, &l2))
        return NULL;
    if (PyObject_GetBuffer(data_obj, &data, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE | PyBUF_FORMAT)
        < 0)
        goto cleanup;
    if (PyObject_GetBuffer(indptr_obj, &indptr, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        goto cleanup;
    result = normalize_rows_impl(&data, &indptr, l2 ? TK_ROW_L2 : TK_ROW_L1);
cleanup:
    if (data.obj)
        PyBuffer_Release(&data);
    if (indptr.obj)
        PyBuffer_Release(&indptr);
    return result;
}

/* ============================================================== module */
static PyMethodDef matrix_functions[] = {
    {"fit_matrix", (PyCFunction)(void (*)(void))py_fit_matrix, METH_VARARGS | METH_KEYWORDS,
     "Vectorizer kernel: vocabulary + CSR arrays."},
    {"transform_matrix", (PyCFunction)(void (*)(void))py_transform_matrix,
     METH_VARARGS | METH_KEYWORDS, "Vectorizer kernel: CSR arrays for a fixed vocabulary."},
    {"hash_matrix", (PyCFunction)(void (*)(void))py_hash_matrix, METH_VARARGS | METH_KEYWORDS,
     "Vectorizer kernel: hashed CSR arrays."},
    {"normalize_rows", py_normalize_rows, METH_VARARGS,
     "normalize_rows(data, indptr, l2, /)\n--\n\nScale CSR rows in place to unit l2 (or l1) norm "
     "with scikit-learn's arithmetic; False (nothing changed) if a value is not finite."},
    {"hash_term", py_hash_terms, METH_O, "The 64-bit hash of a term (tk_hash_bytes of UTF-8)."},
    {NULL, NULL, 0, NULL},
};

int tkpy_exec_matrix(PyObject *module)
{
    return PyModule_AddFunctions(module, matrix_functions);
}
