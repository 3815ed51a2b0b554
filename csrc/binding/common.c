/* Helpers shared by every binding area: text input, errors, thread jobs. */
#include "binding.h"

#include <time.h>

tkpy_state *tkpy_state_from_type(PyTypeObject *type)
{
    PyObject *module = PyType_GetModuleByDef(type, &tkpy_module_def);
    if (!module)
        return NULL;
    return tkpy_get_state(module);
}

PyObject *tkpy_str_from_valid_utf8(const uint8_t *bytes, size_t len)
{
    size_t n_cps;
    int kind = tk_utf8_ucs_kind(bytes, len, &n_cps);
    PyObject *str;
    if (n_cps > (size_t)PY_SSIZE_T_MAX)
        return PyErr_NoMemory();
    if (n_cps == 1 && kind <= 1) {
        /* CPython keeps one str per Latin-1 character: no allocation. */
        uint32_t cp;
        tk_utf8_decode_valid(bytes, len, &cp);
        return PyUnicode_FromOrdinal((int)cp);
    }
    str = PyUnicode_New((Py_ssize_t)n_cps, kind == 0   ? 0x7F
                                           : kind == 1 ? 0xFF
                                           : kind == 2 ? 0xFFFF
                                                       : 0x10FFFF);
    if (!str)
        return NULL;
    if (kind == 0)
        memcpy(PyUnicode_1BYTE_DATA(str), bytes, len);
    else
        tk_utf8_to_ucs(bytes, len, kind, PyUnicode_DATA(str));
    return str;
}

PyObject *tkpy_str_from_utf8_hashed(tkpy_state *st, const uint8_t *bytes, size_t len,
                                    uint64_t hash)
{
    tkpy_str_cache_entry *e;
    PyObject *str;

    if (!st || !st->str_cache || len > TKPY_STR_CACHE_MAX_LEN)
        return tkpy_str_from_valid_utf8(bytes, len);
    e = &st->str_cache[hash & (TKPY_STR_CACHE_SIZE - 1)];
    if (e->str && e->hash == hash && e->len == len && memcmp(e->bytes, bytes, len) == 0)
        return Py_NewRef(e->str);
    str = tkpy_str_from_valid_utf8(bytes, len);
    if (!str)
        return NULL;
    Py_XSETREF(e->str, Py_NewRef(str));
    e->hash = hash;
    e->len = (uint32_t)len;
    memcpy(e->bytes, bytes, len);
    return str;
}

void tkpy_str_cache_clear(tkpy_state *st)
{
    size_t i;
    if (!st->str_cache)
        return;
    for (i = 0; i < TKPY_STR_CACHE_SIZE; i++)
        Py_CLEAR(st->str_cache[i].str);
}

PyObject *tkpy_raise(int code)
{
    if (PyErr_Occurred())
        return NULL;
    switch (code) {
    case TK_ENOMEM:
        return PyErr_NoMemory();
    case TK_EOVERFLOW:
        PyErr_SetString(PyExc_OverflowError, "textkern: input or result too large");
        break;
    case TK_EINVAL:
    case TK_EUTF8:
    case TK_ESURROGATE:
    case TK_ECORRUPT:
        PyErr_Format(PyExc_ValueError, "textkern: %s", tk_strerror(code));
        break;
    case TK_ECANCELLED:
        PyErr_SetNone(PyExc_KeyboardInterrupt);
        break;
    case TK_EFORKED:
        PyErr_SetString(PyExc_RuntimeError,
                        "textkern: this process was forked (from a progress callback or a "
                        "signal handler) while a threaded textkern call was running, and the "
                        "child cannot finish that call; fork before or after the call, or use "
                        "multiprocessing's 'spawn' or 'forkserver' start method");
        break;
    default:
        PyErr_Format(PyExc_RuntimeError, "textkern: %s (code %d)", tk_strerror(code), code);
        break;
    }
    return NULL;
}

int tkpy_parse_errors(PyObject *obj, int *errors)
{
    if (obj == NULL || obj == Py_None) {
        *errors = TK_UTF8_STRICT;
        return 0;
    }
    if (PyUnicode_Check(obj)) {
        if (PyUnicode_CompareWithASCIIString(obj, "strict") == 0) {
            *errors = TK_UTF8_STRICT;
            return 0;
        }
        if (PyUnicode_CompareWithASCIIString(obj, "replace") == 0) {
            *errors = TK_UTF8_REPLACE;
            return 0;
        }
        if (PyUnicode_CompareWithASCIIString(obj, "ignore") == 0) {
            *errors = TK_UTF8_IGNORE;
            return 0;
        }
    }
    PyErr_Format(PyExc_ValueError,
                 "errors must be 'strict', 'replace' or 'ignore', not %R", obj);
    return -1;
}

int tkpy_parse_threads(PyObject *obj, int *n_threads)
{
    long n;
    if (obj == NULL || obj == Py_None) {
        *n_threads = 0;
        return 0;
    }
    /* Any integer but a bool: numpy's too, which grid searches over
     * np.arange pass (scikit-learn's n_jobs takes them). */
    if (PyBool_Check(obj) || !PyIndex_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "n_threads must be None or an int, not %.100s",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    {
        int overflow = 0;
        PyObject *as_int = PyNumber_Index(obj);
        if (!as_int)
            return -1;
        n = PyLong_AsLongAndOverflow(as_int, &overflow);
        if (overflow || n < 1 || n > TK_MAX_THREADS) {
            PyErr_Format(PyExc_ValueError, "n_threads must be None or between 1 and %d, not %S",
                         TK_MAX_THREADS, as_int);
            Py_DECREF(as_int);
            return -1;
        }
        Py_DECREF(as_int);
    }
    *n_threads = (int)n;
    return 0;
}

static void format_item(char *buf, size_t size, Py_ssize_t index)
{
    if (index >= 0)
        PyOS_snprintf(buf, size, "item %zd: ", index);
    else
        buf[0] = '\0';
}

static Py_ssize_t first_surrogate_index(PyObject *str)
{
    Py_ssize_t i, n = PyUnicode_GET_LENGTH(str);
    int kind = PyUnicode_KIND(str);
    const void *data = PyUnicode_DATA(str);
    for (i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch >= 0xD800 && ch <= 0xDFFF)
            return i;
    }
    return -1;
}

static int text_from_str(PyObject *obj, int errors, Py_ssize_t index, const char *remedy,
                         tkpy_text *out)
{
    size_t n_chars = (size_t)PyUnicode_GET_LENGTH(obj);
    int kind = PyUnicode_KIND(obj), rc;
    char where[48];

    if (PyUnicode_IS_ASCII(obj)) {
        /* ASCII str data already is UTF-8: no copy, nothing cached. */
        Py_INCREF(obj);
        out->keep = obj;
        out->data = PyUnicode_1BYTE_DATA(obj);
        out->len = n_chars;
        return 0;
    }
    /* Our own encoder into a scratch copy: about twice as fast as
     * PyUnicode_AsUTF8String (csrc/core/tk_utf8.c), and it applies the
     * error mode to each lone surrogate itself, as worker threads do for
     * a batch.  (PyUnicode_AsUTF8AndSize would attach a UTF-8 copy to the
     * caller's str for its lifetime.) */
    if (n_chars > SIZE_MAX / 4) {
        PyErr_NoMemory();
        return -1;
    }
    out->owned = tk_malloc(TK_UCS_UTF8_MAX(kind, n_chars));
    if (!out->owned) {
        PyErr_NoMemory();
        return -1;
    }
    rc = tk_utf8_from_ucs(PyUnicode_DATA(obj), kind, n_chars, errors, out->owned, &out->len);
    if (rc == TK_ESURROGATE) {
        Py_ssize_t at = first_surrogate_index(obj);
        char cp[16];
        tkpy_text_release(out);
        format_item(where, sizeof where, index);
        PyOS_snprintf(cp, sizeof cp, "U+%04X", at >= 0 ? (unsigned)PyUnicode_READ_CHAR(obj, at) : 0u);
        PyErr_Format(PyExc_ValueError,
                     "%slone surrogate %s at index %zd cannot be encoded as UTF-8; %s",
                     where, cp, at, remedy);
        return -1;
    }
    if (rc < 0) {
        tkpy_text_release(out);
        tkpy_raise(rc);
        return -1;
    }
    out->data = out->owned;
    return 0;
}

int tkpy_get_text_buffer(PyObject *obj, Py_ssize_t index, Py_buffer *view)
{
    PyObject *type, *value, *traceback;
    Py_buffer strided;
    char where[48], item_format[16];

    /* PyBUF_ND, not PyBUF_SIMPLE: memoryview refuses a format request
     * without a shape.  Both ask for one contiguous run. */
    if (PyObject_GetBuffer(obj, view, PyBUF_ND | PyBUF_FORMAT) == 0) {
        /* Only a buffer of bytes is a text.  numpy arrays of str, objects
         * or numbers (a row of a 2-D array of documents, a numpy scalar)
         * export their memory too, and reading it as text gave features
         * made of UCS-4 bytes or of heap pointers.  A 0-dimensional one is
         * a scalar: np.uint8(65), an item of a label array, is a number,
         * not the text "A". */
        const char *format = view->format;
        if (format && (*format == '@' || *format == '=' || *format == '<' || *format == '>'
                       || *format == '!'))
            format++;
        if (view->itemsize == 1 && view->ndim != 0
            && (!format || strcmp(format, "B") == 0 || strcmp(format, "b") == 0
                || strcmp(format, "c") == 0))
            return 0;
        PyOS_snprintf(item_format, sizeof item_format, "%s", view->format ? view->format : "B");
        format_item(where, sizeof where, index);
        if (view->ndim == 0)
            PyErr_Format(PyExc_TypeError, "%sexpected str or bytes, not %.100s (a scalar)",
                         where, Py_TYPE(obj)->tp_name);
        else
            PyErr_Format(PyExc_TypeError,
                         "%sexpected str or bytes, not %.100s (a buffer of items of format "
                         "'%s', not of bytes); pass each document as one str", where,
                         Py_TYPE(obj)->tp_name, item_format);
        PyBuffer_Release(view);
        return -1;
    }
    /* memoryview(b)[::2] refuses with BufferError, a strided numpy array
     * with ValueError: if the object does export strided data, the text is
     * just not one contiguous run.  Other failures (a released view) keep
     * their own error. */
    if (!PyErr_ExceptionMatches(PyExc_BufferError) && !PyErr_ExceptionMatches(PyExc_ValueError))
        return -1;
    PyErr_Fetch(&type, &value, &traceback);
    if (PyObject_GetBuffer(obj, &strided, PyBUF_FULL_RO) < 0) {
        PyErr_Clear();
        PyErr_Restore(type, value, traceback);
        return -1;
    }
    PyBuffer_Release(&strided);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(traceback);
    format_item(where, sizeof where, index);
    PyErr_Format(PyExc_TypeError,
                 "%sexpected str or a contiguous bytes-like object; %.100s is not "
                 "contiguous (copy it with bytes(...))", where, Py_TYPE(obj)->tp_name);
    return -1;
}

static int text_from_buffer(PyObject *obj, int errors, Py_ssize_t index, const char *remedy,
                            tkpy_text *out)
{
    Py_buffer view;
    const uint8_t *src;
    uint8_t *copy = NULL;
    size_t len, bad = 0;
    int rc, result = -1;
    char where[48];

    if (tkpy_get_text_buffer(obj, index, &view) < 0)
        return -1;
    out->is_bytes = 1;
    len = (size_t)view.len;
    if (PyBytes_CheckExact(obj)) {
        /* Immutable: safe to read without the GIL. */
        src = view.buf;
    } else {
        /* Anything else is copied before it is checked: other code may
         * write the memory without the GIL (numpy, an mmap), and the core
         * relies on the text it reads being the text that was checked. */
        copy = tk_malloc(len);
        if (!copy) {
            PyErr_NoMemory();
            goto cleanup;
        }
        memcpy(copy, view.buf, len);
        src = copy;
    }
    rc = tk_utf8_validate(src, len, &bad);
    if (rc == TK_OK) {
        if (copy) {
            out->owned = copy;
            copy = NULL;
            out->data = out->owned;
        } else {
            Py_INCREF(obj);
            out->keep = obj;
            out->data = src;
        }
        out->len = len;
        result = 0;
    } else if (errors == TK_UTF8_STRICT) {
        char byte[8];
        format_item(where, sizeof where, index);
        PyOS_snprintf(byte, sizeof byte, "0x%02X", (unsigned)src[bad]);
        PyErr_Format(PyExc_ValueError,
                     "%sinvalid UTF-8 at byte offset %zu (byte %s); %s",
                     where, bad, byte, remedy);
    } else if ((rc = tk_utf8_clean(src, len, errors, &out->owned, &out->len)) < 0) {
        tkpy_raise(rc);
    } else {
        out->data = out->owned;
        result = 0;
    }
cleanup:
    tk_free(copy);
    PyBuffer_Release(&view);
    return result;
}

const char *tkpy_missing_value_hint(PyObject *obj)
{
    /* pandas reads an empty cell as NaN (or None): the commonest non-text */
    if (obj == Py_None || (PyFloat_Check(obj) && Py_IS_NAN(PyFloat_AS_DOUBLE(obj))))
        return " (a missing value: drop it, or fill it with '', as in Series.fillna(''))";
    return "";
}

int tkpy_text_from_object_advising(PyObject *obj, int errors, Py_ssize_t index,
                                   const char *remedy, tkpy_text *out)
{
    char where[48];
    memset(out, 0, sizeof *out);
    if (PyUnicode_Check(obj))
        return text_from_str(obj, errors, index, remedy, out);
    if (PyObject_CheckBuffer(obj))
        return text_from_buffer(obj, errors, index, remedy, out);
    format_item(where, sizeof where, index);
    PyErr_Format(PyExc_TypeError, "%sexpected str or bytes, not %.100s%s", where,
                 Py_TYPE(obj)->tp_name, tkpy_missing_value_hint(obj));
    return -1;
}

int tkpy_text_from_object(PyObject *obj, int errors, Py_ssize_t index, tkpy_text *out)
{
    return tkpy_text_from_object_advising(obj, errors, index,
                                          "pass errors='replace' or errors='ignore'", out);
}

int tkpy_text_from_object_deferred(PyObject *obj, int errors, Py_ssize_t index,
                                   tkpy_text *out)
{
#if PY_VERSION_HEX < 0x030C0000
    /* A str made through the legacy C API may not have its data yet. */
    if (PyUnicode_Check(obj) && PyUnicode_READY(obj) < 0)
        return -1;
#endif
    if (!PyUnicode_Check(obj) || PyUnicode_IS_ASCII(obj))
        return tkpy_text_from_object(obj, errors, index, out);
    memset(out, 0, sizeof *out);
    out->keep = Py_NewRef(obj);
    out->ucs = PyUnicode_DATA(obj);
    out->n_chars = (size_t)PyUnicode_GET_LENGTH(obj);
    out->ucs_kind = PyUnicode_KIND(obj);
    return 0;
}

/* Code units encoded between two looks at the cancel flag: encoding a
 * 375 MB str (and faulting in its buffer) took 1.4 s, which a Ctrl-C had
 * to wait out.  Units are independent, so slices encode like the whole. */
#define ENCODE_SLICE_UNITS ((size_t)1 << 22)

int tkpy_text_encode(const tkpy_text *t, int errors, uint8_t **buf, size_t *cap,
                     const uint8_t **data, size_t *len, const int *cancel)
{
    size_t done = 0, out = 0;
    int rc;

    if (!t->ucs_kind) {
        *data = t->data;
        *len = t->len;
        return TK_OK;
    }
    if (t->n_chars > SIZE_MAX / 4)
        return TK_EOVERFLOW;
    rc = tk_grow((void **)buf, cap, TK_UCS_UTF8_MAX(t->ucs_kind, t->n_chars), 1);
    if (rc < 0)
        return rc;
    while (done < t->n_chars) {
        size_t units = t->n_chars - done < ENCODE_SLICE_UNITS ? t->n_chars - done
                                                               : ENCODE_SLICE_UNITS;
        size_t slice_len;
        if (done && cancel && __atomic_load_n(cancel, __ATOMIC_RELAXED))
            return TK_ECANCELLED;
        rc = tk_utf8_from_ucs((const char *)t->ucs + done * (size_t)t->ucs_kind, t->ucs_kind,
                              units, errors, *buf + out, &slice_len);
        if (rc < 0)
            return rc;
        done += units;
        out += slice_len;
    }
    *len = out;
    *data = *buf;
    return TK_OK;
}

void tkpy_raise_first_surrogate(const tkpy_text *texts, size_t n, Py_ssize_t first_index,
                                int errors)
{
    size_t i;
    PyErr_Clear();
    for (i = 0; i < n; i++) {
        tkpy_text again;
        if (!texts[i].ucs_kind)
            continue;
        if (tkpy_text_from_object(texts[i].keep, errors,
                                  first_index < 0 ? -1 : first_index + (Py_ssize_t)i,
                                  &again) < 0)
            return;
        tkpy_text_release(&again);
    }
    tkpy_raise(TK_ESURROGATE);
}

void tkpy_prefer_earlier_surrogate(const tkpy_text *texts, size_t n, Py_ssize_t first_index,
                                   int errors)
{
    size_t i;
    if (errors != TK_UTF8_STRICT)
        return;
    for (i = 0; i < n; i++)
        /* Latin-1 data cannot hold a surrogate. */
        if (texts[i].ucs_kind > 1 && first_surrogate_index(texts[i].keep) >= 0) {
            tkpy_raise_first_surrogate(&texts[i], 1,
                                       first_index < 0 ? -1 : first_index + (Py_ssize_t)i,
                                       errors);
            return;
        }
}

PyObject *tkpy_list_to_fill(Py_ssize_t n)
{
    PyObject *list = PyList_New(n);
    if (list)
        PyObject_GC_UnTrack(list);
    return list;
}

PyObject *tkpy_list_filled(PyObject *list)
{
    if (list && !PyObject_GC_IsTracked(list))
        PyObject_GC_Track(list);
    return list;
}

int tkpy_can_iterate(PyObject *obj)
{
    return Py_TYPE(obj)->tp_iter != NULL || PySequence_Check(obj);
}

PyObject *tkpy_sequence_snapshot(PyObject *obj, const char *not_iterable)
{
    PyObject *seq = PySequence_Fast(obj, not_iterable);
    /* PySequence_Fast hands back the caller's own list (or tuple, which
     * cannot change); anything else it has already copied. */
    if (seq && seq == obj && PyList_Check(seq))
        Py_SETREF(seq, PyList_GetSlice(seq, 0, PY_SSIZE_T_MAX));
    /* A list of our own stays out of the cyclic GC, and so out of
     * gc.get_objects(), through which a callback could still empty it.
     * Nothing refers to it, so it is in no cycle. */
    if (seq && seq != obj)
        PyObject_GC_UnTrack(seq);
    return seq;
}

void tkpy_text_release(tkpy_text *t)
{
    tk_free(t->owned);
    Py_XDECREF(t->keep);
    memset(t, 0, sizeof *t);
}

typedef struct gil_poll_ctx {
    PyThreadState *saved;
    tkpy_job_opts *opts;
    int failed;
} gil_poll_ctx;

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int tkpy_progress_report(PyObject *progress, Py_ssize_t done, Py_ssize_t total, int last,
                         double *next_report)
{
    double now = monotonic_seconds();
    PyObject *r;
    if (!last && now < *next_report)
        return 0;
    *next_report = now + 0.09;
    r = PyObject_CallFunction(progress, "nn", done, total);
    if (!r)
        return -1;
    Py_DECREF(r);
    return 0;
}

/* Runs on the calling thread while workers run: briefly retake the GIL. */
static int poll_with_gil(void *arg, size_t done, size_t total)
{
    gil_poll_ctx *ctx = arg;
    tkpy_job_opts *opts = ctx->opts;
    if (ctx->failed)
        return 1;
    PyEval_RestoreThread(ctx->saved);
    if (PyErr_CheckSignals() < 0)
        ctx->failed = 1;
    else if (opts->with_gil && opts->with_gil(opts->with_gil_ctx) < 0)
        ctx->failed = 1;
    else if (opts->progress && opts->progress != Py_None) {
        /* The end of the whole call always reports (the end of one part
         * of it, e.g. a block of a serial batch, only in its turn). */
        size_t overall = opts->done_before + done;
        Py_ssize_t shown_total = opts->total >= 0 ? opts->total : (Py_ssize_t)total;
        int last = shown_total > 0 ? overall >= (size_t)shown_total : done >= total;
        if (tkpy_progress_report(opts->progress, (Py_ssize_t)overall, shown_total, last,
                                 &opts->next_report) < 0)
            ctx->failed = 1;
    }
    ctx->saved = PyEval_SaveThread();
    return ctx->failed;
}

int tkpy_run_job(tk_job *job, int n_threads, PyObject *progress)
{
    tkpy_job_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.progress = progress;
    opts.total = -1;
    return tkpy_run_job_ex(job, n_threads, &opts);
}

int tkpy_run_sized_job(tk_job *job, int n_threads, size_t work_bytes)
{
    tkpy_job_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.total = -1;
    opts.work_bytes = work_bytes;
    return tkpy_run_job_ex(job, n_threads, &opts);
}

/* tkpy_run_unlocked's one-item job: the item is the whole call. */
typedef struct unlocked_call {
    tkpy_unlocked_fn work;
    void *ctx;
} unlocked_call;

static int run_unlocked_item(void *arg, size_t begin, size_t end, int worker)
{
    unlocked_call *call = arg;
    (void)begin;
    (void)end;
    (void)worker;
    return call->work(call->ctx);
}

int tkpy_run_unlocked(tkpy_unlocked_fn work, void *ctx, size_t text_bytes, int *cancel)
{
    int rc;
    if (text_bytes >= TKPY_INTERRUPTIBLE_BYTES) {
        unlocked_call call = {work, ctx};
        tk_job job;
        memset(&job, 0, sizeof job);
        job.n_items = 1;
        job.run = run_unlocked_item;
        job.ctx = &call;
        job.cancel = cancel;
        return tkpy_run_job(&job, 1, NULL);
    }
    Py_BEGIN_ALLOW_THREADS
    rc = work(ctx);
    Py_END_ALLOW_THREADS
    if (rc < 0) {
        tkpy_raise(rc);
        return -1;
    }
    return 0;
}

int tkpy_run_job_ex(tk_job *job, int n_threads, tkpy_job_opts *opts)
{
    gil_poll_ctx ctx;
    int rc;

    ctx.opts = opts;
    ctx.failed = 0;
    if (tkpy_small_job(opts->work_bytes, opts->progress) && !opts->with_gil) {
        /* tk_parallel_run runs a 1-thread job without a poll inline. */
        job->poll = NULL;
        job->poll_ctx = NULL;
        n_threads = 1;
    } else {
        job->poll = poll_with_gil;
        job->poll_ctx = &ctx;
    }
    ctx.saved = PyEval_SaveThread();
    rc = tk_parallel_run(job, n_threads);
    PyEval_RestoreThread(ctx.saved);
    if (ctx.failed || rc == TK_ECANCELLED) {
        if (!PyErr_Occurred())
            PyErr_SetNone(PyExc_KeyboardInterrupt);
        return -1;
    }
    if (rc < 0) {
        tkpy_raise(rc);
        return -1;
    }
    return 0;
}
