/*
 * compressed_size(), ncd(), ncd_matrix(), nearest() and two private
 * benchmark hooks.  Options arrive already defaulted by textkern/_similarity.py
 * but are validated here too, so _core cannot be driven into a bad state.
 * Results go into numpy arrays allocated by the caller (passed as writable
 * buffers), so this file needs no numpy headers.
 */
#include "binding.h"

#include "../core/tk_ncd.h"

/* --------------------------------------------------------------- options */
static int parse_level(int level, int *out)
{
    if (tk_ncd_resolve_level(level) < 0) {
        PyErr_Format(PyExc_ValueError, "level must be between -1 and 9, not %d", level);
        return -1;
    }
    *out = level;
    return 0;
}

static int parse_choice(PyObject *obj, const char *what, const char *const *names, int n,
                        int *out)
{
    int i;
    if (PyUnicode_Check(obj))
        for (i = 0; i < n; i++)
            if (PyUnicode_CompareWithASCIIString(obj, names[i]) == 0) {
                *out = i;
                return 0;
            }
    if (n == 3)
        PyErr_Format(PyExc_ValueError, "%s must be '%s', '%s' or '%s', not %R", what, names[0],
                     names[1], names[2], obj);
    else
        PyErr_Format(PyExc_ValueError, "%s must be '%s' or '%s', not %R", what, names[0],
                     names[1], obj);
    return -1;
}

static const char *const FORMAT_NAMES[] = {"zlib", "gzip", "deflate"};
static const char *const METRIC_NAMES[] = {"ncd", "cdm"};

/* Kind of a text object: 1 str, 2 bytes-like, 0 neither. */
static int text_kind(PyObject *obj)
{
    if (PyUnicode_Check(obj))
        return 1;
    if (PyObject_CheckBuffer(obj))
        return 2;
    return 0;
}

static const char *kind_name(int kind) { return kind == 1 ? "str" : "bytes"; }

/*
 * str -> UTF-8 (a lone surrogate is a ValueError); bytes-like objects are
 * compressed as they are, since compression needs no valid UTF-8.  Bytes
 * are immutable and borrowed; other buffers are copied so that nobody can
 * change them while threads read them without the GIL.
 */
static int text_from_object(PyObject *obj, Py_ssize_t index, tkpy_text *out)
{
    Py_buffer view;
    if (PyUnicode_Check(obj))
        /* The compression functions have no errors= option, but they
         * compress any bytes. */
        return tkpy_text_from_object_advising(
            obj, TK_UTF8_STRICT, index,
            "encode the texts to bytes yourself (for example "
            "text.encode('utf-8', 'surrogatepass')) to compress them as they are",
            out);
    memset(out, 0, sizeof *out);
    if (tkpy_get_text_buffer(obj, index, &view) < 0)
        return -1;
    out->is_bytes = 1;
    out->len = (size_t)view.len;
    if (PyBytes_CheckExact(obj)) {
        Py_INCREF(obj);
        out->keep = obj;
        out->data = view.buf;
    } else {
        out->owned = tk_malloc(out->len);
        if (!out->owned) {
            PyBuffer_Release(&view);
            PyErr_NoMemory();
            return -1;
        }
        memcpy(out->owned, view.buf, out->len);
        out->data = out->owned;
    }
    PyBuffer_Release(&view);
    return 0;
}

/* Put the argument's name (and the item's index if >= 0) before the
 * message of the TypeError or ValueError being raised, so that a bad text
 * says which argument it was. */
static void prefix_error(const char *what, Py_ssize_t index)
{
    PyObject *type, *value, *tb;
    if (!PyErr_ExceptionMatches(PyExc_TypeError) && !PyErr_ExceptionMatches(PyExc_ValueError))
        return;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (index >= 0)
        PyErr_Format(type, "%s item %zd: %S", what, index, value);
    else
        PyErr_Format(type, "%s: %S", what, value);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
}

/* The separator may be str (UTF-8) or bytes-like whatever the texts are. */
static int parse_sep(PyObject *obj, tkpy_text *sep)
{
    if (!obj || obj == Py_None) {
        memset(sep, 0, sizeof *sep);
        sep->data = (const uint8_t *)"";
        return 0;
    }
    if (!text_kind(obj)) {
        PyErr_Format(PyExc_TypeError, "sep must be str or bytes, not %.100s",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    if (text_from_object(obj, -1, sep) < 0) {
        prefix_error("sep", -1);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ text lists */
typedef struct text_list {
    PyObject *seq;           /* PySequence_Fast result */
    Py_ssize_t n;
    tkpy_text *texts;
    tk_bytes *bytes;
    size_t max_len;
} text_list;

static void text_list_release(text_list *l)
{
    Py_ssize_t i;
    if (l->texts)
        for (i = 0; i < l->n; i++)
            tkpy_text_release(&l->texts[i]);
    tk_free(l->texts);
    tk_free(l->bytes);
    Py_XDECREF(l->seq);
    memset(l, 0, sizeof *l);
}

/*
 * Convert every item; all must share one kind (*kind, 0 = not yet known).
 * A wrong item raises TypeError naming `what` and its index.
 */
static int text_list_from_object(PyObject *obj, const char *what, int *kind, text_list *l)
{
    Py_ssize_t i;
    memset(l, 0, sizeof *l);
    if (PyUnicode_Check(obj) || PyBytes_Check(obj) || PyByteArray_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be a sequence of texts, not a single %.100s",
                     what, Py_TYPE(obj)->tp_name);
        return -1;
    }
    if (!tkpy_can_iterate(obj)) {
        PyErr_Format(PyExc_TypeError, "%s must be a sequence of str or bytes, not %.100s", what,
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    /* A snapshot: reading an item's buffer can run Python code (a
     * __buffer__ method, from Python 3.12 on) that shrinks the caller's
     * list under the loop below. */
    l->seq = tkpy_sequence_snapshot(obj, "expected a sequence of str or bytes");
    if (!l->seq)
        return -1;
    l->n = PySequence_Fast_GET_SIZE(l->seq);
    l->texts = tk_calloc((size_t)l->n, sizeof *l->texts);
    l->bytes = tk_calloc((size_t)l->n, sizeof *l->bytes);
    if (!l->texts || !l->bytes) {
        PyErr_NoMemory();
        goto fail;
    }
    for (i = 0; i < l->n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(l->seq, i);
        int k = text_kind(item);
        if (!k) {
            PyErr_Format(PyExc_TypeError, "%s item %zd: expected str or bytes, not %.100s%s",
                         what, i, Py_TYPE(item)->tp_name, tkpy_missing_value_hint(item));
            goto fail;
        }
        if (*kind && k != *kind) {
            PyErr_Format(PyExc_TypeError,
                         "%s item %zd: expected %s like the other texts, not %.100s; do not "
                         "mix str and bytes",
                         what, i, kind_name(*kind), Py_TYPE(item)->tp_name);
            goto fail;
        }
        *kind = k;
        if (text_from_object(item, -1, &l->texts[i]) < 0) {
            prefix_error(what, i);
            goto fail;
        }
        l->bytes[i].data = l->texts[i].data;
        l->bytes[i].len = l->texts[i].len;
        if (l->texts[i].len > l->max_len)
            l->max_len = l->texts[i].len;
    }
    return 0;
fail:
    text_list_release(l);
    return -1;
}

static int get_out_buffer(PyObject *obj, Py_buffer *view, size_t count, const char *codes,
                          const char *what)
{
    char code;
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE | PyBUF_FORMAT) < 0)
        return -1;
    code = view->format ? view->format[strlen(view->format) ? strlen(view->format) - 1 : 0] : 'B';
    if (view->itemsize != 8 || !strchr(codes, code) || (size_t)view->len != count * 8) {
        PyErr_Format(PyExc_ValueError, "%s must be a C-contiguous 8-byte buffer of %zu items",
                     what, count);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* -------------------------------------------------------- single values */
static int measure(int level, int format, const tkpy_text *const *texts, size_t n,
                   const int *cancel, size_t *size)
{
    tk_compressor *c = NULL;
    const uint8_t *parts[3];
    size_t lens[3], i;
    int rc;
    for (i = 0; i < n; i++) {
        parts[i] = texts[i]->data;
        lens[i] = texts[i]->len;
    }
    rc = tk_compressor_new(level, &c);
    if (rc == TK_OK)
        rc = tk_compressor_set_format(c, format);
    if (rc == TK_OK) {
        tk_compressor_set_cancel(c, cancel);
        rc = tk_compressor_size(c, parts, lens, n, size);
    }
    tk_compressor_free(c);
    return rc;
}

/* tkpy_job_opts.work_bytes counts bytes at the tokenizer's pace, and
 * deflate takes about four times as long per byte. */
#define DEFLATE_WORK_PER_BYTE 4

/* The sizes of the concatenations a single value needs, with the GIL
 * released (on a thread that a Ctrl-C can stop, for long texts). */
typedef struct measure_ctx {
    int level, format;
    const tkpy_text *const *texts;   /* x, sep, y: concatenations are texts[lo..hi) */
    size_t n_sizes;
    size_t ranges[3][2];
    size_t sizes[3];
    int cancel;
} measure_ctx;

static int measure_run(void *arg)
{
    measure_ctx *m = arg;
    size_t i;
    int rc = TK_OK;
    for (i = 0; i < m->n_sizes && rc == TK_OK; i++)
        rc = measure(m->level, m->format, m->texts + m->ranges[i][0],
                     m->ranges[i][1] - m->ranges[i][0], &m->cancel, &m->sizes[i]);
    return rc;
}

static size_t texts_len(const tkpy_text *const *texts, size_t n)
{
    size_t i, sum = 0;
    for (i = 0; i < n; i++)
        sum += texts[i]->len;
    return sum;
}

static PyObject *compressed_size_impl(PyObject *data, int level, int format)
{
    tkpy_text t;
    const tkpy_text *one = &t;
    measure_ctx m;
    int rc;
    if (!text_kind(data)) {
        PyErr_Format(PyExc_TypeError, "data must be str or bytes, not %.100s",
                     Py_TYPE(data)->tp_name);
        return NULL;
    }
    if (text_from_object(data, -1, &t) < 0) {
        prefix_error("data", -1);
        return NULL;
    }
    memset(&m, 0, sizeof m);
    m.level = level;
    m.format = format;
    m.texts = &one;
    m.n_sizes = 1;
    m.ranges[0][1] = 1;
    rc = tkpy_run_unlocked(measure_run, &m, t.len * DEFLATE_WORK_PER_BYTE, &m.cancel);
    tkpy_text_release(&t);
    if (rc < 0)
        return NULL;
    return PyLong_FromSize_t(m.sizes[0] + (size_t)tk_ncd_format_overhead(format));
}

static PyObject *py_compressed_size(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"data", "level", "format", NULL};
    PyObject *data, *format_obj = NULL;
    int level = 6, format = TK_NCD_ZLIB;
    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|iO:compressed_size", kwlist, &data, &level,
                                     &format_obj))
        return NULL;
    if (parse_level(level, &level) < 0
        || (format_obj && parse_choice(format_obj, "format", FORMAT_NAMES, 3, &format) < 0))
        return NULL;
    return compressed_size_impl(data, level, format);
}

static PyObject *ncd_impl(PyObject *x, PyObject *y, int level, int format, PyObject *sep_obj,
                          int metric)
{
    tkpy_text tx, ty, ts;
    const tkpy_text *pxy[3] = {&tx, &ts, &ty};
    measure_ctx m;
    size_t over = (size_t)tk_ncd_format_overhead(format);
    int kx = text_kind(x), ky = text_kind(y), rc;

    if (!kx || !ky) {
        PyErr_Format(PyExc_TypeError, "%s must be str or bytes, not %.100s", kx ? "y" : "x",
                     Py_TYPE(kx ? y : x)->tp_name);
        return NULL;
    }
    if (kx != ky) {
        PyErr_Format(PyExc_TypeError,
                     "x and y must both be str or both be bytes, not %.100s and %.100s",
                     Py_TYPE(x)->tp_name, Py_TYPE(y)->tp_name);
        return NULL;
    }
    if (parse_sep(sep_obj, &ts) < 0)
        return NULL;
    if (text_from_object(x, -1, &tx) < 0) {
        prefix_error("x", -1);
        tkpy_text_release(&ts);
        return NULL;
    }
    if (text_from_object(y, -1, &ty) < 0) {
        prefix_error("y", -1);
        tkpy_text_release(&tx);
        tkpy_text_release(&ts);
        return NULL;
    }
    /* x alone, y alone, then x + sep + y */
    memset(&m, 0, sizeof m);
    m.level = level;
    m.format = format;
    m.texts = pxy;
    m.n_sizes = 3;
    m.ranges[0][0] = 0;
    m.ranges[0][1] = 1;
    m.ranges[1][0] = 2;
    m.ranges[1][1] = 3;
    m.ranges[2][0] = 0;
    m.ranges[2][1] = 3;
    rc = tkpy_run_unlocked(measure_run, &m, 2 * texts_len(pxy, 3) * DEFLATE_WORK_PER_BYTE,
                           &m.cancel);
    tkpy_text_release(&tx);
    tkpy_text_release(&ty);
    tkpy_text_release(&ts);
    if (rc < 0)
        return NULL;
    return PyFloat_FromDouble(tk_ncd_from_sizes(metric, m.sizes[0] + over, m.sizes[1] + over,
                                                m.sizes[2] + over));
}

static PyObject *py_ncd(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"x", "y", "level", "format", "sep", "metric", NULL};
    PyObject *x, *y, *format_obj = NULL, *sep = NULL, *metric_obj = NULL;
    int level = 6, format = TK_NCD_ZLIB, metric = TK_NCD_NCD;
    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|iOOO:ncd", kwlist, &x, &y, &level,
                                     &format_obj, &sep, &metric_obj))
        return NULL;
    if (parse_level(level, &level) < 0
        || (format_obj && parse_choice(format_obj, "format", FORMAT_NAMES, 3, &format) < 0)
        || (metric_obj && parse_choice(metric_obj, "metric", METRIC_NAMES, 2, &metric) < 0))
        return NULL;
    return ncd_impl(x, y, level, format, sep, metric);
}

/* ---------------------------------------------------------------- batches */
typedef struct batch_args {
    int level, format, metric, prefix, n_threads;
    PyObject *sep;
    PyObject *progress;
} batch_args;


static size_t total_len(const text_list *t)
{
    size_t i, sum = 0;
    for (i = 0; i < (size_t)t->n; i++)
        sum += t->bytes[i].len;
    return sum;
}

/* Both phases, GIL released; returns 0 or -1 with an exception set.  A
 * small batch runs on the calling thread (tkpy_job_opts.work_bytes). */
static int run_batch(tk_ncd_batch *b, const text_list *xs, const text_list *ys,
                     int n_threads, PyObject *progress)
{
    tk_job job;
    tkpy_job_opts opts;
    size_t sum_x = total_len(xs), sum_y = ys ? total_len(ys) : sum_x;
    size_t n_x = (size_t)xs->n, n_y = ys ? (size_t)ys->n : n_x;
    double pairs = ((double)n_y * (double)sum_x + (double)n_x * (double)sum_y)
                   * DEFLATE_WORK_PER_BYTE;
    tk_ncd_batch_sizes_job(b, &job);
    if (tkpy_run_sized_job(&job, n_threads,
                           tkpy_auto_work(n_threads, (sum_x + sum_y) * DEFLATE_WORK_PER_BYTE))
        < 0)
        return -1;
    tk_ncd_batch_pairs_job(b, &job);
    memset(&opts, 0, sizeof opts);
    opts.progress = progress;
    opts.total = -1;
    opts.work_bytes = tkpy_auto_work(n_threads, pairs < (double)SIZE_MAX / 2 ? (size_t)pairs
                                                                            : SIZE_MAX);
    return tkpy_run_job_ex(&job, n_threads, &opts);
}

/*
 * task MATRIX/SYMMETRIC fill out_dist (n_x * n_y); NEAREST fills out_index
 * and out_dist (n_x * k); BARE returns the summed sizes.  Returns the
 * longest text of each side so that Python can warn about the window.
 */
static PyObject *batch_impl(int task, PyObject *xs_obj, PyObject *ys_obj, const char *x_name,
                            const char *y_name, PyObject *out_dist_obj, PyObject *out_index_obj,
                            Py_ssize_t k, const batch_args *a)
{
    text_list xs, ys;
    tkpy_text sep;
    Py_buffer dist_view, index_view;
    int have_dist = 0, have_index = 0, kind = 0, same = ys_obj == Py_None, rc;
    tk_ncd_options opts;
    tk_ncd_batch *b = NULL;
    PyObject *result = NULL;
    size_t n_x, n_y;

    memset(&xs, 0, sizeof xs);
    memset(&ys, 0, sizeof ys);
    if (parse_sep(a->sep, &sep) < 0)
        return NULL;
    if (text_list_from_object(xs_obj, x_name, &kind, &xs) < 0)
        goto cleanup;
    if (!same && text_list_from_object(ys_obj, y_name, &kind, &ys) < 0)
        goto cleanup;
    n_x = (size_t)xs.n;
    n_y = same ? n_x : (size_t)ys.n;
    if (task == TK_NCD_TASK_NEAREST && (k < 1 || (size_t)k > n_y)) {
        PyErr_Format(PyExc_ValueError, "k must be between 1 and len(%s) = %zu, not %zd", y_name,
                     n_y, k);
        goto cleanup;
    }
    if (task == TK_NCD_TASK_MATRIX || task == TK_NCD_TASK_SYMMETRIC) {
        if (n_y && n_x > SIZE_MAX / 8 / n_y) {
            PyErr_SetString(PyExc_OverflowError, "the distance matrix is too large");
            goto cleanup;
        }
        if (get_out_buffer(out_dist_obj, &dist_view, n_x * n_y, "d", "out") < 0)
            goto cleanup;
        have_dist = 1;
    } else if (task == TK_NCD_TASK_NEAREST) {
        if (get_out_buffer(out_dist_obj, &dist_view, n_x * (size_t)k, "d", "out_dist") < 0)
            goto cleanup;
        have_dist = 1;
        if (get_out_buffer(out_index_obj, &index_view, n_x * (size_t)k, "lq", "out_index") < 0)
            goto cleanup;
        have_index = 1;
    }

    opts.level = a->level;
    opts.format = a->format;
    opts.metric = a->metric;
    opts.prefix = a->prefix;
    opts.sep = sep.data;
    opts.sep_len = sep.len;
    rc = tk_ncd_batch_new(&opts, task, xs.bytes, n_x, same ? xs.bytes : ys.bytes, n_y,
                          (size_t)k, have_dist ? dist_view.buf : NULL,
                          have_index ? index_view.buf : NULL, a->n_threads, &b);
    if (rc < 0) {
        tkpy_raise(rc);
        goto cleanup;
    }
    if (run_batch(b, &xs, same ? NULL : &ys, a->n_threads, a->progress) < 0)
        goto cleanup;
    if (task == TK_NCD_TASK_BARE)
        result = PyLong_FromUnsignedLongLong((unsigned long long)tk_ncd_batch_checksum(b));
    else
        result = Py_BuildValue("nn", (Py_ssize_t)xs.max_len,
                               (Py_ssize_t)(same ? xs.max_len : ys.max_len));
cleanup:
    tk_ncd_batch_free(b);
    if (have_dist)
        PyBuffer_Release(&dist_view);
    if (have_index)
        PyBuffer_Release(&index_view);
    text_list_release(&xs);
    text_list_release(&ys);
    tkpy_text_release(&sep);
    return result;
}

static int parse_batch_options(PyObject *format_obj, PyObject *metric_obj, PyObject *threads_obj,
                               batch_args *a)
{
    a->format = TK_NCD_ZLIB;
    a->metric = TK_NCD_NCD;
    if (parse_level(a->level, &a->level) < 0
        || (format_obj && parse_choice(format_obj, "format", FORMAT_NAMES, 3, &a->format) < 0)
        || (metric_obj && parse_choice(metric_obj, "metric", METRIC_NAMES, 2, &a->metric) < 0)
        || tkpy_parse_threads(threads_obj, &a->n_threads) < 0)
        return -1;
    if (a->prefix < TK_NCD_PREFIX_AUTO || a->prefix > TK_NCD_PREFIX_ALWAYS) {
        PyErr_Format(PyExc_ValueError, "prefix must be 0 (auto), 1 (never) or 2 (always)");
        return -1;
    }
    if (a->progress == Py_None)
        a->progress = NULL;
    if (a->progress && !PyCallable_Check(a->progress)) {
        PyErr_SetString(PyExc_TypeError, "progress must be None or a callable(done, total)");
        return -1;
    }
    return 0;
}

static PyObject *py_ncd_matrix(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"xs", "ys", "out", "level", "format", "sep", "metric",
                             "symmetric", "n_threads", "progress", "prefix", NULL};
    PyObject *xs, *ys, *out, *format_obj = NULL, *metric_obj = NULL, *threads_obj = NULL;
    int symmetric = 0;
    batch_args a = {6, 0, 0, 0, 0, NULL, NULL};
    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO|iOOOpOOi:ncd_matrix", kwlist, &xs, &ys,
                                     &out, &a.level, &format_obj, &a.sep, &metric_obj,
                                     &symmetric, &threads_obj, &a.progress, &a.prefix))
        return NULL;
    if (parse_batch_options(format_obj, metric_obj, threads_obj, &a) < 0)
        return NULL;
    if (symmetric && ys != Py_None) {
        PyErr_SetString(PyExc_ValueError, "symmetric=True needs ys=None (one list of texts)");
        return NULL;
    }
    return batch_impl(symmetric ? TK_NCD_TASK_SYMMETRIC : TK_NCD_TASK_MATRIX, xs, ys, "xs",
                      "ys", out, NULL, 0, &a);
}

static PyObject *py_nearest(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"queries", "corpus", "k", "out_index", "out_dist", "level",
                             "format", "sep", "metric", "n_threads", "progress", "prefix",
                             NULL};
    PyObject *queries, *corpus, *out_index, *out_dist, *format_obj = NULL, *metric_obj = NULL,
        *threads_obj = NULL;
    Py_ssize_t k;
    batch_args a = {6, 0, 0, 0, 0, NULL, NULL};
    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOnOO|iOOOOOi:nearest", kwlist, &queries,
                                     &corpus, &k, &out_index, &out_dist, &a.level, &format_obj,
                                     &a.sep, &metric_obj, &threads_obj, &a.progress, &a.prefix))
        return NULL;
    if (parse_batch_options(format_obj, metric_obj, threads_obj, &a) < 0)
        return NULL;
    if (corpus == Py_None) {
        PyErr_SetString(PyExc_TypeError, "corpus must be a sequence of texts, not None");
        return NULL;
    }
    return batch_impl(TK_NCD_TASK_NEAREST, queries, corpus, "queries", "corpus", out_dist,
                      out_index, k, &a);
}

static PyObject *py_ncd_bare(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"xs", "ys", "level", "sep", "n_threads", NULL};
    PyObject *xs, *ys, *threads_obj = NULL;
    batch_args a = {6, 0, 0, 0, 0, NULL, NULL};
    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|iOO:_ncd_bare", kwlist, &xs, &ys, &a.level,
                                     &a.sep, &threads_obj))
        return NULL;
    if (parse_batch_options(NULL, NULL, threads_obj, &a) < 0)
        return NULL;
    return batch_impl(TK_NCD_TASK_BARE, xs, ys, "xs", "ys", NULL, NULL, 0, &a);
}

static PyObject *py_ncd_calibrate(PyObject *module, PyObject *args)
{
    int level, rc;
    Py_buffer view;
    Py_ssize_t reps;
    double copy_s = 0, compress_s = 0;
    (void)module;
    if (!PyArg_ParseTuple(args, "iy*n:_ncd_calibrate", &level, &view, &reps))
        return NULL;
    if (parse_level(level, &level) < 0 || reps < 1) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "reps must be >= 1");
        PyBuffer_Release(&view);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    rc = tk_ncd_calibrate(level, view.buf, (size_t)view.len, (size_t)reps, &copy_s, &compress_s);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    if (rc < 0)
        return tkpy_raise(rc);
    return Py_BuildValue("dd", copy_s, compress_s);
}

static PyObject *py_ncd_prefix_pays(PyObject *module, PyObject *args)
{
    int level;
    Py_ssize_t x_len, n_cols;
    (void)module;
    if (!PyArg_ParseTuple(args, "inn:_ncd_prefix_pays", &level, &x_len, &n_cols))
        return NULL;
    if (x_len < 0 || n_cols < 0) {
        PyErr_SetString(PyExc_ValueError, "lengths must be >= 0");
        return NULL;
    }
    return PyBool_FromLong(tk_ncd_prefix_pays(level, (size_t)x_len, (size_t)n_cols));
}

static PyMethodDef ncd_methods[] = {
    {"compressed_size", (PyCFunction)(void (*)(void))py_compressed_size,
     METH_VARARGS | METH_KEYWORDS,
     "compressed_size(data, level=6, format='zlib') -> int: exact compressed length."},
    {"ncd", (PyCFunction)(void (*)(void))py_ncd, METH_VARARGS | METH_KEYWORDS,
     "ncd(x, y, level=6, format='zlib', sep='', metric='ncd') -> float."},
    {"ncd_matrix", (PyCFunction)(void (*)(void))py_ncd_matrix, METH_VARARGS | METH_KEYWORDS,
     "ncd_matrix(xs, ys, out, level, format, sep, metric, symmetric, n_threads, progress, "
     "prefix) -> (longest x, longest y) in bytes; fills out (float64, len(xs) * len(ys))."},
    {"nearest", (PyCFunction)(void (*)(void))py_nearest, METH_VARARGS | METH_KEYWORDS,
     "nearest(queries, corpus, k, out_index, out_dist, level, format, sep, metric, n_threads, "
     "progress, prefix) -> (longest query, longest corpus text); fills the k nearest per "
     "query, sorted by (distance, index)."},
    {"_ncd_bare", (PyCFunction)(void (*)(void))py_ncd_bare, METH_VARARGS | METH_KEYWORDS,
     "Benchmark bound: compress every xs[i] + sep + ys[j] once; returns the summed raw sizes."},
    {"_ncd_calibrate", py_ncd_calibrate, METH_VARARGS,
     "_ncd_calibrate(level, data, reps) -> (seconds for reps deflateCopy, seconds for reps "
     "compressions of data)."},
    {"_ncd_prefix_pays", py_ncd_prefix_pays, METH_VARARGS,
     "_ncd_prefix_pays(level, x_len, n_cols) -> whether ncd_matrix uses deflateCopy for a row."},
    {NULL, NULL, 0, NULL},
};

int tkpy_exec_ncd(PyObject *module)
{
    if (PyModule_AddFunctions(module, ncd_methods) < 0)
        return -1;
    return PyModule_AddIntConstant(module, "NCD_WINDOW", 32768);
}
