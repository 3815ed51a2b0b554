/* ngrams(), count() and the Counts type (a Mapping kept in C; only update() changes it). */
#include "counting.h"

static PyObject *new_counts(PyTypeObject *type)
{
    CountsObject *self = (CountsObject *)type->tp_alloc(type, 0);
    if (self)
        tk_vocab_init(&self->v);
    return (PyObject *)self;
}

static PyObject *term_to_str(const tk_vocab *v, size_t id)
{
    size_t len;
    const uint8_t *t = tk_vocab_term(v, id, &len);
    return tkpy_str_from_valid_utf8(t, len);
}

/* UTF-8 of a str key; NULL with no exception set when key is not a str. */
const uint8_t *tkpy_key_utf8(PyObject *key, size_t *len)
{
    Py_ssize_t n;
    const char *s;
    if (!PyUnicode_Check(key))
        return NULL;
    s = PyUnicode_AsUTF8AndSize(key, &n);
    if (!s) {
        PyErr_Clear();   /* lone surrogates: cannot be a stored term */
        return NULL;
    }
    *len = (size_t)n;
    return (const uint8_t *)s;
}


/* ============================================================= ngrams() */
typedef struct list_sink {
    PyObject *list;
    size_t n;
} list_sink;

/* Building the list needs the GIL; a Ctrl-C is looked for every this
 * many grams, as the eval loop would between bytecodes. */
#define SIGNAL_CHECK_GRAMS 65536

static int sink_list(void *ctx, const uint8_t *g, size_t len)
{
    list_sink *ls = ctx;
    PyObject *s;
    int rc;
    if (++ls->n % SIGNAL_CHECK_GRAMS == 0 && PyErr_CheckSignals() < 0)
        return TK_ECANCELLED;
    s = tkpy_str_from_valid_utf8(g, len);
    if (!s)
        return TK_ECANCELLED;
    rc = PyList_Append(ls->list, s);
    Py_DECREF(s);
    return rc < 0 ? TK_ECANCELLED : TK_OK;
}

/* Segmenting and mapping one text: C buffers only, run without the GIL. */
typedef struct prepare_ctx {
    const tk_ngram_opts *ng;
    const tkpy_tokconf *conf;
    const tkpy_text *text;
    tk_ngram_buf *buf;
    const int *cancel;
} prepare_ctx;

static int prepare_run(void *arg)
{
    prepare_ctx *p = arg;
    return tk_ngram_prepare_cancellable(p->ng, &p->conf->opts, p->conf->stopwords,
                                        p->text->data, p->text->len, p->buf, p->cancel);
}

static PyObject *ngrams_impl(PyObject *text, PyObject *tokenizer, PyObject *analyzer,
                             Py_ssize_t lo, Py_ssize_t hi)
{
    accum acc;
    tkpy_text t;
    tk_ngram_buf buf;
    list_sink ls = {NULL, 0};
    prepare_ctx prep;
    int rc = TK_OK, cancel = 0;

    memset(&buf, 0, sizeof buf);
    if (tkpy_accum_setup(&acc, TK_COUNT_TERMS, tokenizer, analyzer, lo, hi, INPUT_TEXT) < 0)
        return NULL;
    if (tkpy_text_from_object(text, acc.conf->errors, -1, &t) < 0)
        return NULL;
    prep.ng = &acc.ng;
    prep.conf = acc.conf;
    prep.text = &t;
    prep.buf = &buf;
    prep.cancel = &cancel;
    buf.scratch.cancel = &cancel;
    if (tkpy_run_unlocked(prepare_run, &prep, t.len, &cancel) < 0)
        goto cleanup;
    ls.list = PyList_New(0);
    if (!ls.list)
        goto cleanup;
    rc = tk_ngram_emit(&acc.ng, &buf, sink_list, &ls);
    if (rc < 0) {
        Py_CLEAR(ls.list);
        tkpy_raise(rc);
    }
cleanup:
    tk_ngram_buf_free(&buf);
    tkpy_text_release(&t);
    return ls.list;
}

static PyObject *py_ngrams(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"text", "tokenizer", "analyzer", "lo", "hi", NULL};
    PyObject *text, *tokenizer, *analyzer;
    Py_ssize_t lo, hi;
    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOnn:ngrams", kwlist, &text, &tokenizer,
                                     &analyzer, &lo, &hi))
        return NULL;
    return ngrams_impl(text, tokenizer, analyzer, lo, hi);
}

/* ============================================================ map_text() */
typedef struct map_ctx {
    const tkpy_tokconf *conf;
    const tkpy_text *text;
    tk_ngram_buf *buf;
    const uint8_t *out;
    size_t out_len, out_cps;
    const int *cancel;
} map_ctx;

static int map_run(void *arg)
{
    map_ctx *m = arg;
    return tk_ngram_map_text(&m->conf->opts, m->text->data, m->text->len, m->buf, &m->out,
                             &m->out_len, &m->out_cps, m->cancel);
}

static PyObject *map_text_impl(PyObject *text, PyObject *tokenizer)
{
    const tkpy_tokconf *conf = tkpy_tokenizer_conf(tokenizer);
    tkpy_text t;
    tk_ngram_buf buf;
    map_ctx m;
    PyObject *result = NULL;
    int cancel = 0;

    if (!conf)
        return NULL;
    if (tkpy_text_from_object(text, conf->errors, -1, &t) < 0)
        return NULL;
    memset(&buf, 0, sizeof buf);
    memset(&m, 0, sizeof m);
    m.conf = conf;
    m.text = &t;
    m.buf = &buf;
    m.cancel = &cancel;
    buf.scratch.cancel = &cancel;
    if (tkpy_run_unlocked(map_run, &m, t.len, &cancel) == 0)
        result = tkpy_str_from_valid_utf8(m.out, m.out_len);
    tk_ngram_buf_free(&buf);
    tkpy_text_release(&t);
    return result;
}

static PyObject *py_map_text(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"text", "tokenizer", NULL};
    PyObject *text, *tokenizer;
    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OO:map_text", kwlist, &text, &tokenizer))
        return NULL;
    return map_text_impl(text, tokenizer);
}

/* ============================================================== count() */
static PyObject *count_impl(PyObject *module, PyObject *docs, PyObject *tokenizer,
                            PyObject *analyzer, Py_ssize_t lo, Py_ssize_t hi, int n_threads,
                            int input, PyObject *progress)
{
    tkpy_state *st = tkpy_get_state(module);
    accum acc;
    CountsObject *result;

    if (tkpy_accum_setup(&acc, TK_COUNT_TERMS, tokenizer, analyzer, lo, hi, input) < 0
        || tkpy_accum_feed(&acc, docs, n_threads, progress) < 0) {
        tkpy_accum_free(&acc);
        return NULL;
    }
    result = (CountsObject *)new_counts(st->counts_type);
    if (!result) {
        tkpy_accum_free(&acc);
        return NULL;
    }
    /* Hand the vocabulary over without copying. */
    result->v = acc.global;
    tk_vocab_init(&acc.global);
    tkpy_accum_free(&acc);
    return (PyObject *)result;
}

static PyObject *py_count(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"docs", "tokenizer", "analyzer", "lo", "hi", "n_threads",
                             "input", "progress", NULL};
    PyObject *docs, *tokenizer, *analyzer, *threads = Py_None, *progress = Py_None;
    Py_ssize_t lo, hi;
    int n_threads, input = INPUT_TEXT;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOnn|OiO:count", kwlist, &docs, &tokenizer,
                                     &analyzer, &lo, &hi, &threads, &input, &progress))
        return NULL;
    if (tkpy_parse_threads(threads, &n_threads) < 0)
        return NULL;
    return count_impl(module, docs, tokenizer, analyzer, lo, hi, n_threads, input, progress);
}

/* ====================================================== Counts methods */
static void Counts_dealloc(PyObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    tk_vocab_free(&((CountsObject *)self)->v);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static int counts_add_pair(tk_vocab *v, PyObject *key, PyObject *value)
{
    size_t len;
    const uint8_t *s;
    long long c;
    PyObject *as_int;
    int rc;
    if (!PyUnicode_Check(key)) {
        PyErr_Format(PyExc_TypeError, "Counts keys must be str, not %.100s",
                     Py_TYPE(key)->tp_name);
        return -1;
    }
    s = tkpy_key_utf8(key, &len);
    if (!s) {
        PyErr_SetString(PyExc_ValueError, "Counts keys cannot contain lone surrogates");
        return -1;
    }
    /* Any integer type (numpy's too, through __index__), as n_threads and
     * n-gram bounds take them; bool is refused, as a count it is a slip. */
    if (!PyIndex_Check(value) || PyBool_Check(value)) {
        PyErr_Format(PyExc_TypeError, "Counts values must be int, not %.100s",
                     Py_TYPE(value)->tp_name);
        return -1;
    }
    as_int = PyNumber_Index(value);
    if (!as_int)
        return -1;
    c = PyLong_AsLongLong(as_int);
    Py_DECREF(as_int);
    if (c == -1 && PyErr_Occurred())
        return -1;
    if (c < 0) {
        PyErr_Format(PyExc_ValueError, "Counts values must be >= 0, not %lld", c);
        return -1;
    }
    rc = tk_vocab_add(v, s, len, (int64_t)c, NULL);
    if (rc < 0) {
        tkpy_raise(rc);
        return -1;
    }
    return 0;
}

/* Add (Mapping[str, int] or iterable of str) other's counts to v. */
static int counts_stage(tk_vocab *v, PyObject *other)
{
    PyObject *iter, *item;
    if (PyDict_Check(other)) {
        PyObject *k, *value;
        Py_ssize_t pos = 0;
        while (PyDict_Next(other, &pos, &k, &value)) {
            int rc;
            /* PyDict_Next lends its references, and a value's __index__
             * may delete the entry: hold both while the pair is read. */
            Py_INCREF(k);
            Py_INCREF(value);
            rc = counts_add_pair(v, k, value);
            Py_DECREF(k);
            Py_DECREF(value);
            if (rc < 0)
                return -1;
        }
        return 0;
    }
    if (PyMapping_Check(other) && PyObject_HasAttrString(other, "items")
        && !PyUnicode_Check(other)) {
        PyObject *items = PyMapping_Items(other);
        Py_ssize_t i, n;
        if (!items)
            return -1;
        /* items() may return a list it keeps, which a value's __index__
         * could empty, freeing the pair (and key) being read: a tuple of
         * our own holds every pair until the loop ends. */
        Py_SETREF(items, PyList_AsTuple(items));
        if (!items)
            return -1;
        n = PyTuple_GET_SIZE(items);
        for (i = 0; i < n; i++) {
            PyObject *pair = PyTuple_GET_ITEM(items, i);
            if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2
                || counts_add_pair(v, PyTuple_GET_ITEM(pair, 0),
                                   PyTuple_GET_ITEM(pair, 1)) < 0) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_TypeError, "items() must yield pairs");
                Py_DECREF(items);
                return -1;
            }
        }
        Py_DECREF(items);
        return 0;
    }
    /* One text is not an iterable of terms (a str's would be its
     * characters, a bytes' its byte values). */
    if (PyUnicode_Check(other) || PyBytes_Check(other) || PyByteArray_Check(other)
        || PyMemoryView_Check(other)) {
        PyErr_Format(PyExc_TypeError,
                     "Counts takes a mapping or an iterable of terms, not one %s text; "
                     "count() it, or pass [text] to count it as one term",
                     PyUnicode_Check(other) ? "str" : "bytes");
        return -1;
    }
    iter = PyObject_GetIter(other);
    if (!iter)
        return -1;
    while ((item = PyIter_Next(iter))) {
        PyObject *one = PyLong_FromLong(1);
        int rc = one ? counts_add_pair(v, item, one) : -1;
        Py_XDECREF(one);
        Py_DECREF(item);
        if (rc < 0) {
            Py_DECREF(iter);
            return -1;
        }
    }
    Py_DECREF(iter);
    return PyErr_Occurred() ? -1 : 0;
}

/* Add src's counts to v, or change nothing: OverflowError if a total would
 * pass 2**63 - 1.  Every count is at most its vocabulary's total, so if
 * the totals add up the merge cannot stop halfway. */
static int counts_merge_checked(tk_vocab *v, const tk_vocab *src)
{
    int rc;
    if (src->total > INT64_MAX - v->total) {
        PyErr_SetString(PyExc_OverflowError, "Counts total would pass 2**63 - 1");
        return -1;
    }
    if ((rc = tk_vocab_merge(v, src, NULL)) < 0) {
        tkpy_raise(rc);
        return -1;
    }
    return 0;
}

/*
 * Add other (Counts, Mapping[str, int] or iterable of str) to self, all
 * or nothing: other's counts are checked (a mapping's or an iterable's in
 * a staging vocabulary) before self changes, so that a bad item or an
 * overflow leaves self as it was.
 */
static int counts_update_from(CountsObject *self, PyObject *other, PyTypeObject *counts_type)
{
    tk_vocab staged;
    int rc = -1;

    if (PyObject_TypeCheck(other, counts_type))
        return counts_merge_checked(&self->v, &((CountsObject *)other)->v);
    tk_vocab_init(&staged);
    if (counts_stage(&staged, other) == 0)
        rc = counts_merge_checked(&self->v, &staged);
    tk_vocab_free(&staged);
    return rc;
}

/* update(a, b, ...): every argument is staged first, so that a bad one
 * leaves self as it was, as with one argument. */
static int counts_update_all(CountsObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    tk_vocab staged;
    Py_ssize_t i;
    int rc = -1;

    tk_vocab_init(&staged);
    for (i = 0; i < nargs; i++) {
        /* None adds nothing, as in Counter.update(None). */
        if (args[i] == Py_None)
            continue;
        if (PyObject_TypeCheck(args[i], Py_TYPE(self))) {
            if (counts_merge_checked(&staged, &((CountsObject *)args[i])->v) < 0)
                goto cleanup;
        } else if (counts_stage(&staged, args[i]) < 0) {
            goto cleanup;
        }
    }
    rc = counts_merge_checked(&self->v, &staged);
cleanup:
    tk_vocab_free(&staged);
    return rc;
}

static PyObject *Counts_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    PyObject *init = NULL;
    CountsObject *self;
    static char *kwlist[] = {"counts", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:Counts", kwlist, &init))
        return NULL;
    self = (CountsObject *)new_counts(type);
    if (!self)
        return NULL;
    if (init && init != Py_None && counts_update_from(self, init, type) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static Py_ssize_t Counts_len(PyObject *self) { return (Py_ssize_t)((CountsObject *)self)->v.n; }

static long long counts_lookup(CountsObject *self, PyObject *key)
{
    size_t len;
    const uint8_t *s = tkpy_key_utf8(key, &len);
    if (!s)
        return -1;
    return tk_vocab_find(&self->v, s, len);
}

static PyObject *Counts_getitem(PyObject *self, PyObject *key)
{
    long long id = counts_lookup((CountsObject *)self, key);
    if (id < 0) {
        PyErr_SetObject(PyExc_KeyError, key);
        return NULL;
    }
    return PyLong_FromLongLong(((CountsObject *)self)->v.terms[id].count);
}

static int Counts_contains(PyObject *self, PyObject *key)
{
    return counts_lookup((CountsObject *)self, key) >= 0;
}

/*
 * The list builders below read v->n once: making an object can start a
 * garbage collection whose finalizers may update() these counts, and the
 * list has the length it was made with.  (Ids only grow, and each item
 * re-reads v's arrays, so the first n stay valid.)
 */
static PyObject *counts_keys_list(const tk_vocab *v)
{
    const size_t n = v->n;
    PyObject *list = tkpy_list_to_fill((Py_ssize_t)n);
    size_t i;
    if (!list)
        return NULL;
    for (i = 0; i < n; i++) {
        PyObject *s = term_to_str(v, i);
        if (!s) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, s);
    }
    return tkpy_list_filled(list);
}

static PyObject *Counts_iter(PyObject *self)
{
    PyObject *keys = counts_keys_list(&((CountsObject *)self)->v), *it;
    if (!keys)
        return NULL;
    it = PyObject_GetIter(keys);
    Py_DECREF(keys);
    return it;
}

static PyObject *Counts_keys_list(PyObject *self, PyObject *unused)
{
    (void)unused;
    return counts_keys_list(&((CountsObject *)self)->v);
}

static PyObject *Counts_values_list(PyObject *self, PyObject *unused)
{
    const tk_vocab *v = &((CountsObject *)self)->v;
    const size_t n = v->n;
    PyObject *list = tkpy_list_to_fill((Py_ssize_t)n);
    size_t i;
    (void)unused;
    if (!list)
        return NULL;
    for (i = 0; i < n; i++) {
        PyObject *c = PyLong_FromLongLong(v->terms[i].count);
        if (!c) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, c);
    }
    return tkpy_list_filled(list);
}

/* (term id, count): the caller passes the count it ranked or listed, as
 * making the tuple can run a finalizer that updates the counts. */
static PyObject *pair_at(const tk_vocab *v, size_t id, int64_t count)
{
    PyObject *s = term_to_str(v, id), *c, *t;
    if (!s)
        return NULL;
    c = PyLong_FromLongLong(count);
    if (!c) {
        Py_DECREF(s);
        return NULL;
    }
    t = PyTuple_Pack(2, s, c);
    Py_DECREF(s);
    Py_DECREF(c);
    return t;
}

static PyObject *Counts_items_list(PyObject *self, PyObject *unused)
{
    const tk_vocab *v = &((CountsObject *)self)->v;
    const size_t n = v->n;
    PyObject *list = tkpy_list_to_fill((Py_ssize_t)n);
    size_t i;
    (void)unused;
    if (!list)
        return NULL;
    for (i = 0; i < n; i++) {
        PyObject *t = pair_at(v, i, v->terms[i].count);
        if (!t) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, t);
    }
    return tkpy_list_filled(list);
}

static PyObject *Counts_get(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    long long id;
    if (nargs < 1 || nargs > 2) {
        PyErr_SetString(PyExc_TypeError, "get() takes 1 or 2 arguments");
        return NULL;
    }
    id = counts_lookup((CountsObject *)self, args[0]);
    if (id >= 0)
        return PyLong_FromLongLong(((CountsObject *)self)->v.terms[id].count);
    if (nargs == 2) {
        Py_INCREF(args[1]);
        return args[1];
    }
    Py_RETURN_NONE;
}

static PyObject *Counts_total(PyObject *self, PyObject *unused)
{
    (void)unused;
    return PyLong_FromLongLong(((CountsObject *)self)->v.total);
}

typedef struct rank_item {
    int64_t count;
    uint32_t id;
} rank_item;

static int cmp_rank(const void *a, const void *b)
{
    const rank_item *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static PyObject *Counts_most_common(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"k", NULL};
    const tk_vocab *v = &((CountsObject *)self)->v;
    PyObject *karg = Py_None, *list = NULL;
    Py_ssize_t k;
    rank_item *items;
    size_t i;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:most_common", kwlist, &karg))
        return NULL;
    if (karg == Py_None) {
        k = (Py_ssize_t)v->n;
    } else {
        /* Clipped: a k past every term means all of them, as in Counter. */
        k = PyNumber_AsSsize_t(karg, NULL);
        if (k == -1 && PyErr_Occurred())
            return NULL;
        if (k < 0)
            k = 0;
        if ((size_t)k > v->n)
            k = (Py_ssize_t)v->n;
    }
    items = tk_malloc((v->n ? v->n : 1) * sizeof *items);
    if (!items)
        return PyErr_NoMemory();
    for (i = 0; i < v->n; i++) {
        items[i].count = v->terms[i].count;
        items[i].id = (uint32_t)i;
    }
    qsort(items, v->n, sizeof *items, cmp_rank);
    list = tkpy_list_to_fill(k);
    for (i = 0; list && i < (size_t)k; i++) {
        PyObject *t = pair_at(v, items[i].id, items[i].count);
        if (!t) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, t);
    }
    tk_free(items);
    return tkpy_list_filled(list);
}

static PyObject *Counts_to_dict(PyObject *self, PyObject *unused)
{
    const tk_vocab *v = &((CountsObject *)self)->v;
    PyObject *d = PyDict_New();
    const size_t n = v->n;
    size_t i;
    (void)unused;
    for (i = 0; d && i < n; i++) {
        PyObject *s = term_to_str(v, i), *c = s ? PyLong_FromLongLong(v->terms[i].count) : NULL;
        if (!c || PyDict_SetItem(d, s, c) < 0)
            Py_CLEAR(d);
        Py_XDECREF(s);
        Py_XDECREF(c);
    }
    return d;
}

static PyObject *Counts_copy(PyObject *self, PyObject *unused)
{
    CountsObject *out = (CountsObject *)new_counts(Py_TYPE(self));
    int rc;
    (void)unused;
    if (!out)
        return NULL;
    rc = tk_vocab_merge(&out->v, &((CountsObject *)self)->v, NULL);
    if (rc < 0) {
        Py_DECREF(out);
        return tkpy_raise(rc);
    }
    return (PyObject *)out;
}

static PyObject *Counts_update(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    int rc;
    if (nargs == 1)
        /* One argument needs no staging of a Counts. */
        rc = args[0] == Py_None ? 0
                                : counts_update_from((CountsObject *)self, args[0], Py_TYPE(self));
    else
        rc = counts_update_all((CountsObject *)self, args, nargs);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

static size_t n_nonzero(const tk_vocab *v)
{
    size_t i, n = 0;
    for (i = 0; i < v->n; i++)
        n += v->terms[i].count != 0;
    return n;
}

/* Rebuild v without its zero counts, keeping the order of the rest. */
static int drop_zero_counts(tk_vocab *v)
{
    tk_vocab kept;
    size_t i;
    int rc = TK_OK;
    if (n_nonzero(v) == v->n)
        return TK_OK;
    tk_vocab_init(&kept);
    for (i = 0; i < v->n && rc == TK_OK; i++) {
        size_t len;
        const uint8_t *t = tk_vocab_term(v, i, &len);
        if (v->terms[i].count)
            rc = tk_vocab_add_hashed(&kept, t, len, v->terms[i].hash, v->terms[i].count, NULL);
    }
    if (rc < 0) {
        tk_vocab_free(&kept);
        return rc;
    }
    tk_vocab_free(v);
    *v = kept;
    return TK_OK;
}

/* As Counter's +: the sum keeps only positive counts (here, drops zeros). */
static PyObject *Counts_add(PyObject *a, PyObject *b)
{
    PyObject *out;
    int rc;
    if (Py_TYPE(a)->tp_dealloc != Counts_dealloc || Py_TYPE(b)->tp_dealloc != Counts_dealloc)
        Py_RETURN_NOTIMPLEMENTED;
    out = Counts_copy(a, NULL);
    if (!out)
        return NULL;
    rc = tk_vocab_merge(&((CountsObject *)out)->v, &((CountsObject *)b)->v, NULL);
    if (rc == TK_OK)
        rc = drop_zero_counts(&((CountsObject *)out)->v);
    if (rc < 0) {
        Py_DECREF(out);
        return tkpy_raise(rc);
    }
    return out;
}

static PyObject *call_helper(const char *name, PyObject *self, PyObject *arg);

static PyObject *Counts_richcompare(PyObject *self, PyObject *other, int op)
{
    const tk_vocab *v = &((CountsObject *)self)->v;
    int equal;
    if (op != Py_EQ && op != Py_NE)
        Py_RETURN_NOTIMPLEMENTED;
    if (Py_TYPE(other)->tp_dealloc == Counts_dealloc) {
        /* As Counter compares Counters: a zero count equals a missing term. */
        const tk_vocab *w = &((CountsObject *)other)->v;
        size_t i;
        equal = v->total == w->total && n_nonzero(v) == n_nonzero(w);
        for (i = 0; equal && i < v->n; i++) {
            size_t len;
            const uint8_t *t;
            long long j;
            if (v->terms[i].count == 0)
                continue;
            t = tk_vocab_term(v, i, &len);
            j = tk_vocab_find_hashed(w, t, len, v->terms[i].hash);
            equal = j >= 0 && w->terms[j].count == v->terms[i].count;
        }
    } else if (PyDict_Check(other) && !PyDict_CheckExact(other)) {
        /* A Counter is compared as a Counter would be (a dict subclass
         * that is not a Counter, as a dict). */
        PyObject *r = call_helper("_counts_equal_dict", self, other);
        if (!r)
            return NULL;
        equal = PyObject_IsTrue(r);
        Py_DECREF(r);
        if (equal < 0)
            return NULL;
    } else if (PyDict_Check(other)) {
        PyObject *d = Counts_to_dict(self, NULL);
        if (!d)
            return NULL;
        equal = PyObject_RichCompareBool(d, other, Py_EQ);
        Py_DECREF(d);
        if (equal < 0)
            return NULL;
    } else {
        Py_RETURN_NOTIMPLEMENTED;
    }
    if (op == Py_NE)
        equal = !equal;
    return PyBool_FromLong(equal);
}

static PyObject *call_helper(const char *name, PyObject *self, PyObject *arg)
{
    PyObject *mod = PyImport_ImportModule("textkern._counting"), *r;
    if (!mod)
        return NULL;
    r = PyObject_CallMethod(mod, name, arg ? "OO" : "O", self, arg);
    Py_DECREF(mod);
    return r;
}

/* A METH_NOARGS method that hands self to a helper in textkern._counting.
 * The views are collections.abc views that iterate through the *_list
 * methods above, so a view costs nothing until used. */
#define COUNTS_HELPER_METHOD(name, helper)                  \
    static PyObject *name(PyObject *self, PyObject *unused) \
    {                                                       \
        (void)unused;                                       \
        return call_helper(helper, self, NULL);             \
    }

COUNTS_HELPER_METHOD(Counts_keys, "_CountsKeysView")
COUNTS_HELPER_METHOD(Counts_values, "_CountsValuesView")
COUNTS_HELPER_METHOD(Counts_items, "_CountsItemsView")
COUNTS_HELPER_METHOD(Counts_to_pandas, "_counts_to_pandas")
COUNTS_HELPER_METHOD(Counts_repr_html, "_counts_repr_html")

/* The characters of a term that repr shows (_HTML_TERM_CHARS in _counting.py). */
#define REPR_TERM_CHARS 80

static PyObject *Counts_repr(PyObject *self)
{
    const tk_vocab *v = &((CountsObject *)self)->v;
    PyObject *top, *parts = NULL, *inner = NULL, *sep = NULL, *r = NULL;
    PyObject *args = PyTuple_New(0), *kw = Py_BuildValue("{s:i}", "k", 5);
    Py_ssize_t i, n;
    if (!args || !kw) {
        Py_XDECREF(args);
        Py_XDECREF(kw);
        return NULL;
    }
    top = Counts_most_common(self, args, kw);
    Py_DECREF(args);
    Py_DECREF(kw);
    if (!top)
        return NULL;
    n = PyList_GET_SIZE(top);
    parts = PyList_New(0);
    for (i = 0; parts && i < n; i++) {
        PyObject *pair = PyList_GET_ITEM(top, i);
        PyObject *term = PyTuple_GET_ITEM(pair, 0), *s = NULL;
        Py_ssize_t chars = PyUnicode_GET_LENGTH(term);
        if (chars > REPR_TERM_CHARS) {
            /* A notebook stores the repr beside the HTML view: one 50 MB
             * token would be 50 MB of it (the HTML view cuts terms too). */
            PyObject *head = PyUnicode_Substring(term, 0, REPR_TERM_CHARS);
            if (head)
                s = PyUnicode_FromFormat("%R... (%zd characters): %S", head, chars,
                                         PyTuple_GET_ITEM(pair, 1));
            Py_XDECREF(head);
        } else {
            s = PyUnicode_FromFormat("%R: %S", term, PyTuple_GET_ITEM(pair, 1));
        }
        if (!s || PyList_Append(parts, s) < 0)
            Py_CLEAR(parts);
        Py_XDECREF(s);
    }
    if (parts && (size_t)n < v->n) {
        PyObject *more = PyUnicode_FromString("...");
        if (!more || PyList_Append(parts, more) < 0)
            Py_CLEAR(parts);
        Py_XDECREF(more);
    }
    if (parts && (sep = PyUnicode_FromString(", ")) && (inner = PyUnicode_Join(sep, parts)))
        r = PyUnicode_FromFormat("Counts({%U}, n_terms=%zu, total=%lld)", inner, v->n,
                                 (long long)v->total);
    Py_XDECREF(sep);
    Py_XDECREF(inner);
    Py_XDECREF(parts);
    Py_DECREF(top);
    return r;
}

/* State: (1, terms: bytes, lengths: bytes of little-endian u64, counts: bytes of LE i64). */
static PyObject *vocab_state(const tk_vocab *v, int with_counts)
{
    PyObject *terms, *lens, *counts = NULL, *state = NULL;
    size_t i;
    terms = PyBytes_FromStringAndSize((const char *)v->arena, (Py_ssize_t)v->arena_len);
    lens = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(v->n * 8));
    if (with_counts)
        counts = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(v->n * 8));
    if (terms && lens && (counts || !with_counts)) {
        uint8_t *l = (uint8_t *)PyBytes_AS_STRING(lens);
        for (i = 0; i < v->n; i++)
            tkpy_put_le64(l + 8 * i, v->terms[i].len);
        if (counts) {
            uint8_t *c = (uint8_t *)PyBytes_AS_STRING(counts);
            for (i = 0; i < v->n; i++)
                tkpy_put_le64(c + 8 * i, (uint64_t)v->terms[i].count);
            state = Py_BuildValue("(iOOO)", 1, terms, lens, counts);
        } else {
            state = Py_BuildValue("(iOO)", 1, terms, lens);
        }
    }
    Py_XDECREF(terms);
    Py_XDECREF(lens);
    Py_XDECREF(counts);
    return state;
}

/* Rebuild a vocabulary from a state tuple, validating everything. */
static int vocab_from_state(tk_vocab *v, PyObject *state, int with_counts)
{
    PyObject *terms, *lens, *counts = NULL;
    const uint8_t *t, *l, *c = NULL;
    Py_ssize_t tlen, llen;
    size_t n, i, off = 0, bad;
    int rc;
    Py_ssize_t want = with_counts ? 4 : 3;

    if (!PyTuple_Check(state) || PyTuple_GET_SIZE(state) != want
        || !PyLong_Check(PyTuple_GET_ITEM(state, 0))
        || PyLong_AsLong(PyTuple_GET_ITEM(state, 0)) != 1)
        goto corrupt;
    terms = PyTuple_GET_ITEM(state, 1);
    lens = PyTuple_GET_ITEM(state, 2);
    if (with_counts)
        counts = PyTuple_GET_ITEM(state, 3);
    if (!PyBytes_Check(terms) || !PyBytes_Check(lens) || (with_counts && !PyBytes_Check(counts)))
        goto corrupt;
    t = (const uint8_t *)PyBytes_AS_STRING(terms);
    tlen = PyBytes_GET_SIZE(terms);
    l = (const uint8_t *)PyBytes_AS_STRING(lens);
    llen = PyBytes_GET_SIZE(lens);
    if (llen % 8)
        goto corrupt;
    n = (size_t)llen / 8;
    if (with_counts) {
        if (PyBytes_GET_SIZE(counts) != llen)
            goto corrupt;
        c = (const uint8_t *)PyBytes_AS_STRING(counts);
    }
    for (i = 0; i < n; i++) {
        uint64_t len = tkpy_get_le64(l + 8 * i);
        if (len > (uint64_t)tlen - off)
            goto corrupt;
        off += (size_t)len;
    }
    if (off != (size_t)tlen || tk_utf8_validate(t, (size_t)tlen, &bad) != TK_OK)
        goto corrupt;
    off = 0;
    for (i = 0; i < n; i++) {
        size_t len = (size_t)tkpy_get_le64(l + 8 * i);
        int64_t count = c ? (int64_t)tkpy_get_le64(c + 8 * i) : 0;
        size_t before = v->n;
        if (count < 0)
            goto corrupt;
        /* A term split inside a code point would be invalid UTF-8. */
        if (tk_utf8_validate(t + off, len, &bad) != TK_OK)
            goto corrupt;
        rc = tk_vocab_add(v, t + off, len, count, NULL);
        if (rc < 0) {
            tkpy_raise(rc);
            return -1;
        }
        if (v->n == before)   /* duplicate term */
            goto corrupt;
        off += len;
    }
    return 0;
corrupt:
    if (!PyErr_Occurred())
        PyErr_SetString(PyExc_ValueError, "textkern: malformed pickled state");
    return -1;
}

static PyObject *Counts_reduce(PyObject *self, PyObject *unused)
{
    PyObject *mod, *fn, *state, *r;
    (void)unused;
    mod = PyType_GetModuleByDef(Py_TYPE(self), &tkpy_module_def);
    if (!mod)
        return NULL;
    fn = PyObject_GetAttrString(mod, "_counts_from_state");
    if (!fn)
        return NULL;
    state = vocab_state(&((CountsObject *)self)->v, 1);
    if (!state) {
        Py_DECREF(fn);
        return NULL;
    }
    r = Py_BuildValue("(O(O))", fn, state);
    Py_DECREF(fn);
    Py_DECREF(state);
    return r;
}

static PyObject *py_counts_from_state(PyObject *module, PyObject *state)
{
    tkpy_state *st = tkpy_get_state(module);
    CountsObject *self = (CountsObject *)new_counts(st->counts_type);
    if (!self)
        return NULL;
    if (vocab_from_state(&self->v, state, 1) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static PyMethodDef Counts_methods[] = {
    {"keys", Counts_keys, METH_NOARGS,
     "Return a set-like view of the terms, in order of first appearance.\n\n"
     "Returns\n"
     "-------\n"
     "collections.abc.KeysView\n"
     "    The terms, like dict.keys().\n"},
    {"values", Counts_values, METH_NOARGS,
     "Return a view of the counts, in key order.\n\n"
     "Returns\n"
     "-------\n"
     "collections.abc.ValuesView\n"
     "    The counts, like dict.values().\n"},
    {"items", Counts_items, METH_NOARGS,
     "Return a set-like view of (term, count) pairs, in key order.\n\n"
     "Returns\n"
     "-------\n"
     "collections.abc.ItemsView\n"
     "    The pairs, like dict.items().\n"},
    {"_keys_list", Counts_keys_list, METH_NOARGS, "The terms as a new list (built in C)."},
    {"_values_list", Counts_values_list, METH_NOARGS, "The counts as a new list."},
    {"_items_list", Counts_items_list, METH_NOARGS, "The (term, count) pairs as a new list."},
    {"get", (PyCFunction)(void (*)(void))Counts_get, METH_FASTCALL,
     "Return the count of a term, or a default when the term is absent.\n\n"
     "Called as get(term, default=None): the count of term, or default.\n\n"
     "Returns\n"
     "-------\n"
     "int or object\n"
     "    The count of term, or default (None unless given).\n"},
    {"total", Counts_total, METH_NOARGS,
     "Return the sum of all counts.\n\n"
     "Returns\n"
     "-------\n"
     "int\n"
     "    The sum of all counts.\n"},
    {"most_common", (PyCFunction)(void (*)(void))Counts_most_common,
     METH_VARARGS | METH_KEYWORDS,
     "Return the k most frequent (term, count) pairs.\n\n"
     "Called as most_common(k=None): the k most frequent (term, count)\n"
     "pairs, most frequent first; ties are broken by first appearance.\n"
     "k=None gives every pair, and a k past the number of terms gives all\n"
     "of them, as in collections.Counter.\n\n"
     "Returns\n"
     "-------\n"
     "list of tuple of (str, int)\n"
     "    The pairs, most frequent first.\n"},
    {"to_dict", Counts_to_dict, METH_NOARGS,
     "Return a dict {term: count} in first-appearance order.\n\n"
     "Returns\n"
     "-------\n"
     "dict\n"
     "    The counts as a new dict.\n"},
    {"to_pandas", Counts_to_pandas, METH_NOARGS,
     "Return a pandas Series of counts indexed by term, most frequent first.\n\n"
     "Needs pandas (pip install textkern[pandas]).\n\n"
     "Returns\n"
     "-------\n"
     "pandas.Series\n"
     "    The counts (int64, named \"count\"), indexed by term (index named\n"
     "    \"term\").\n"},
    {"_repr_html_", Counts_repr_html, METH_NOARGS, NULL},
    {"copy", Counts_copy, METH_NOARGS,
     "Return a copy of these counts.\n\n"
     "Returns\n"
     "-------\n"
     "Counts\n"
     "    A new Counts with the same terms, counts and order.\n"},
    {"update", (PyCFunction)(void (*)(void))Counts_update, METH_FASTCALL,
     "Add the counts of Counts, mappings or iterables of terms in place.\n\n"
     "Called as update(*others): each of others is added in turn; None adds\n"
     "nothing. A count or total that would pass 2**63 - 1 raises\n"
     "OverflowError.\n"},
    {"__reduce__", Counts_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot Counts_slots[] = {
    {Py_tp_doc, "Counts(counts=None)\n--\n\n"
                "Term counts stored in C: a Mapping[str, int] in order of first appearance, "
                "without item assignment (update() adds in place).\n\nMade by "
                "textkern.count(); can also be built from a mapping or an iterable of "
                "terms.  Supports most_common(), total(), +, update(), ==, pickling, "
                "to_dict() and to_pandas().\n\n"
                "Parameters\n"
                "----------\n"
                "counts : Counts, mapping or iterable of str, optional\n"
                "    Initial counts: a Counts or a mapping of term -> count, or an\n"
                "    iterable of terms, each counted once per occurrence. None (the\n"
                "    default) gives empty counts.\n"},
    {Py_tp_new, Counts_new},
    {Py_tp_dealloc, Counts_dealloc},
    {Py_tp_repr, Counts_repr},
    {Py_tp_iter, Counts_iter},
    {Py_tp_richcompare, Counts_richcompare},
    {Py_tp_hash, PyObject_HashNotImplemented},
    {Py_tp_methods, Counts_methods},
    {Py_mp_length, Counts_len},
    {Py_mp_subscript, Counts_getitem},
    {Py_sq_length, Counts_len},
    {Py_sq_contains, Counts_contains},
    {Py_nb_add, Counts_add},
    {0, NULL},
};

static PyType_Spec Counts_spec = {
    .name = "textkern.Counts",
    .basicsize = sizeof(CountsObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Counts_slots,
};

/* ============================================================== module */
static PyMethodDef counts_functions[] = {
    {"ngrams", (PyCFunction)(void (*)(void))py_ngrams, METH_VARARGS | METH_KEYWORDS,
     "ngrams(text, tokenizer, analyzer, lo, hi) -> list[str] (use textkern.ngrams)."},
    {"map_text", (PyCFunction)(void (*)(void))py_map_text, METH_VARARGS | METH_KEYWORDS,
     "map_text(text, tokenizer) -> str (use textkern.map_text)."},
    {"count", (PyCFunction)(void (*)(void))py_count, METH_VARARGS | METH_KEYWORDS,
     "count(docs, tokenizer, analyzer, lo, hi, n_threads=None, input=0) -> Counts "
     "(use textkern.count)."},
    {"_counts_from_state", py_counts_from_state, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

int tkpy_exec_counts(PyObject *module)
{
    tkpy_state *st = tkpy_get_state(module);
    st->counts_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &Counts_spec, NULL);
    if (!st->counts_type)
        return -1;
    Py_INCREF(st->counts_type);
    if (PyModule_AddObject(module, "Counts", (PyObject *)st->counts_type) < 0) {
        Py_DECREF(st->counts_type);
        return -1;
    }
    return PyModule_AddFunctions(module, counts_functions);
}
