/* The Vocabulary type: a fitted vocabulary, terms in column order. */
#include "counting.h"

const uint8_t *tkpy_vocabulary_term(const VocabularyObject *self, size_t i, size_t *len)
{
    size_t start = i ? self->ends[i - 1] : 0;
    *len = self->ends[i] - start;
    return self->bytes + start;
}

/* Build the lookup index; a duplicate term yields its column in *dup. */
static int vocabulary_index(VocabularyObject *self, long long *dup)
{
    size_t i;
    int rc;
    *dup = -1;
    if (self->indexed)
        return TK_OK;
    tk_vocab_free(&self->index);
    rc = tk_vocab_reserve(&self->index, self->n, self->n ? self->ends[self->n - 1] : 0);
    for (i = 0; i < self->n && rc == TK_OK; i++) {
        size_t len;
        const uint8_t *t = tkpy_vocabulary_term(self, i, &len);
        uint32_t id;
        rc = tk_vocab_add(&self->index, t, len, 0, &id);
        if (rc == TK_OK && id != i) {
            *dup = (long long)i;
            rc = TK_EINVAL;
        }
    }
    if (rc < 0) {
        tk_vocab_free(&self->index);
        return rc;
    }
    self->indexed = 1;
    return TK_OK;
}

/* Index, raising ValueError for a duplicate term. */
int tkpy_vocabulary_ready(VocabularyObject *self)
{
    long long dup;
    int rc = vocabulary_index(self, &dup);
    if (rc == TK_OK)
        return 0;
    if (dup >= 0) {
        size_t len;
        const uint8_t *t = tkpy_vocabulary_term(self, (size_t)dup, &len);
        PyObject *term = PyUnicode_DecodeUTF8((const char *)t, (Py_ssize_t)len, "replace");
        if (term) {
            PyErr_Format(PyExc_ValueError, "Duplicate term in vocabulary: %R", term);
            Py_DECREF(term);
        }
        return -1;
    }
    tkpy_raise(rc);
    return -1;
}

/* ------------------------------------------------------- Vocabulary */
PyObject *tkpy_vocabulary_new(PyTypeObject *type)
{
    VocabularyObject *self = (VocabularyObject *)type->tp_alloc(type, 0);
    if (self) {
        self->bytes = NULL;
        self->ends = NULL;
        self->n = 0;
        self->indexed = 0;
        tk_vocab_init(&self->index);
    }
    return (PyObject *)self;
}

/* ================================================== Vocabulary methods */
static void Vocabulary_dealloc(PyObject *self)
{
    VocabularyObject *v = (VocabularyObject *)self;
    PyTypeObject *tp = Py_TYPE(self);
    tk_free(v->bytes);
    tk_free(v->ends);
    tk_vocab_free(&v->index);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyObject *Vocabulary_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"terms", NULL};
    PyObject *terms, *iter, *item;
    VocabularyObject *self;
    size_t bytes_len = 0, bytes_cap = 0, ends_cap = 0;
    int rc;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:Vocabulary", kwlist, &terms))
        return NULL;
    self = (VocabularyObject *)tkpy_vocabulary_new(type);
    if (!self)
        return NULL;
    iter = PyObject_GetIter(terms);
    if (!iter) {
        Py_DECREF(self);
        return NULL;
    }
    while ((item = PyIter_Next(iter))) {
        size_t len;
        const uint8_t *s = tkpy_key_utf8(item, &len);
        if (!s) {
            PyErr_Format(PyExc_TypeError, "vocabulary terms must be str without lone "
                         "surrogates, not %R", item);
            goto fail;
        }
        if ((rc = tk_grow((void **)&self->bytes, &bytes_cap, bytes_len + len, 1)) < 0
            || (rc = tk_grow((void **)&self->ends, &ends_cap, self->n + 1,
                             sizeof *self->ends)) < 0) {
            tkpy_raise(rc);
            goto fail;
        }
        if (len)
            memcpy(self->bytes + bytes_len, s, len);
        bytes_len += len;
        self->ends[self->n++] = bytes_len;
        Py_DECREF(item);
    }
    Py_DECREF(iter);
    if (PyErr_Occurred() || tkpy_vocabulary_ready(self) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
fail:
    Py_DECREF(item);
    Py_DECREF(iter);
    Py_DECREF(self);
    return NULL;
}

static Py_ssize_t Vocabulary_len(PyObject *self)
{
    return (Py_ssize_t)((VocabularyObject *)self)->n;
}

static long long vocabulary_lookup(VocabularyObject *self, PyObject *key, int *error)
{
    size_t len;
    const uint8_t *s;
    *error = 0;
    if (tkpy_vocabulary_ready(self) < 0) {
        *error = 1;
        return -1;
    }
    s = tkpy_key_utf8(key, &len);
    return s ? tk_vocab_find(&self->index, s, len) : -1;
}

static PyObject *Vocabulary_getitem(PyObject *self, PyObject *key)
{
    int error;
    long long id = vocabulary_lookup((VocabularyObject *)self, key, &error);
    if (error)
        return NULL;
    if (id < 0) {
        PyErr_SetObject(PyExc_KeyError, key);
        return NULL;
    }
    return PyLong_FromLongLong(id);
}

static int Vocabulary_contains(PyObject *self, PyObject *key)
{
    int error;
    long long id = vocabulary_lookup((VocabularyObject *)self, key, &error);
    return error ? -1 : id >= 0;
}

static PyObject *vocabulary_str(const VocabularyObject *v, size_t i)
{
    size_t len;
    const uint8_t *t = tkpy_vocabulary_term(v, i, &len);
    return tkpy_str_from_valid_utf8(t, len);
}

static PyObject *Vocabulary_terms(PyObject *self, PyObject *unused)
{
    const VocabularyObject *v = (VocabularyObject *)self;
    PyObject *list = tkpy_list_to_fill((Py_ssize_t)v->n);
    size_t i;
    (void)unused;
    for (i = 0; list && i < v->n; i++) {
        PyObject *s = vocabulary_str(v, i);
        if (!s) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, s);
    }
    return tkpy_list_filled(list);
}

static PyObject *Vocabulary_iter(PyObject *self)
{
    PyObject *keys = Vocabulary_terms(self, NULL), *it;
    if (!keys)
        return NULL;
    it = PyObject_GetIter(keys);
    Py_DECREF(keys);
    return it;
}

static PyObject *Vocabulary_to_dict(PyObject *self, PyObject *unused)
{
    const VocabularyObject *v = (VocabularyObject *)self;
    PyObject *d = PyDict_New();
    size_t i;
    (void)unused;
    for (i = 0; d && i < v->n; i++) {
        PyObject *s = vocabulary_str(v, i), *c = s ? PyLong_FromSize_t(i) : NULL;
        if (!c || PyDict_SetItem(d, s, c) < 0)
            Py_CLEAR(d);
        Py_XDECREF(s);
        Py_XDECREF(c);
    }
    return d;
}

/* State: (1, terms: bytes, lengths: bytes of little-endian u64). */
static PyObject *Vocabulary_reduce(PyObject *self, PyObject *unused)
{
    const VocabularyObject *v = (VocabularyObject *)self;
    PyObject *mod, *fn, *terms, *lens, *r = NULL;
    size_t i;
    (void)unused;
    mod = PyType_GetModuleByDef(Py_TYPE(self), &tkpy_module_def);
    if (!mod)
        return NULL;
    fn = PyObject_GetAttrString(mod, "_vocabulary_from_state");
    terms = PyBytes_FromStringAndSize((const char *)v->bytes,
                                      (Py_ssize_t)(v->n ? v->ends[v->n - 1] : 0));
    lens = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(v->n * 8));
    if (fn && terms && lens) {
        uint8_t *l = (uint8_t *)PyBytes_AS_STRING(lens);
        for (i = 0; i < v->n; i++)
            tkpy_put_le64(l + 8 * i, v->ends[i] - (i ? v->ends[i - 1] : 0));
        r = Py_BuildValue("(O((iOO)))", fn, 1, terms, lens);
    }
    Py_XDECREF(fn);
    Py_XDECREF(terms);
    Py_XDECREF(lens);
    return r;
}

static PyObject *py_vocabulary_from_state(PyObject *module, PyObject *state)
{
    tkpy_state *st = tkpy_get_state(module);
    VocabularyObject *self;
    const uint8_t *t, *l;
    Py_ssize_t tlen, llen;
    size_t n, i, off = 0, bad;

    if (!PyTuple_Check(state) || PyTuple_GET_SIZE(state) != 3
        || !PyLong_Check(PyTuple_GET_ITEM(state, 0))
        || PyLong_AsLong(PyTuple_GET_ITEM(state, 0)) != 1
        || !PyBytes_Check(PyTuple_GET_ITEM(state, 1))
        || !PyBytes_Check(PyTuple_GET_ITEM(state, 2)))
        goto corrupt;
    t = (const uint8_t *)PyBytes_AS_STRING(PyTuple_GET_ITEM(state, 1));
    tlen = PyBytes_GET_SIZE(PyTuple_GET_ITEM(state, 1));
    l = (const uint8_t *)PyBytes_AS_STRING(PyTuple_GET_ITEM(state, 2));
    llen = PyBytes_GET_SIZE(PyTuple_GET_ITEM(state, 2));
    if (llen % 8)
        goto corrupt;
    n = (size_t)llen / 8;
    for (i = 0; i < n; i++) {
        uint64_t len = tkpy_get_le64(l + 8 * i);
        if (len > (uint64_t)tlen - off)
            goto corrupt;
        if (tk_utf8_validate(t + off, (size_t)len, &bad) != TK_OK)
            goto corrupt;
        off += (size_t)len;
    }
    if (off != (size_t)tlen)
        goto corrupt;
    self = (VocabularyObject *)tkpy_vocabulary_new(st->ngram_table_type);
    if (!self)
        return NULL;
    self->bytes = tk_malloc(tlen ? (size_t)tlen : 1);
    self->ends = tk_malloc((n ? n : 1) * sizeof *self->ends);
    if (!self->bytes || !self->ends) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    memcpy(self->bytes, t, (size_t)tlen);
    for (i = 0, off = 0; i < n; i++) {
        off += (size_t)tkpy_get_le64(l + 8 * i);
        self->ends[i] = off;
    }
    self->n = n;
    if (tkpy_vocabulary_ready(self) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
corrupt:
    if (!PyErr_Occurred())
        PyErr_SetString(PyExc_ValueError, "textkern: malformed pickled vocabulary state");
    return NULL;
}

static PyObject *Vocabulary_repr(PyObject *self)
{
    return PyUnicode_FromFormat("Vocabulary(n_terms=%zu)", ((VocabularyObject *)self)->n);
}

static PyMethodDef Vocabulary_methods[] = {
    {"terms", Vocabulary_terms, METH_NOARGS, "Terms in column order."},
    {"to_dict", Vocabulary_to_dict, METH_NOARGS, "A dict {term: column}."},
    {"__reduce__", Vocabulary_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot Vocabulary_slots[] = {
    {Py_tp_doc, "Vocabulary(terms)\n--\n\nA fitted vocabulary stored in C: term -> column."},
    {Py_tp_new, Vocabulary_new},
    {Py_tp_dealloc, Vocabulary_dealloc},
    {Py_tp_repr, Vocabulary_repr},
    {Py_tp_iter, Vocabulary_iter},
    {Py_tp_methods, Vocabulary_methods},
    {Py_mp_length, Vocabulary_len},
    {Py_mp_subscript, Vocabulary_getitem},
    {Py_sq_length, Vocabulary_len},
    {Py_sq_contains, Vocabulary_contains},
    {0, NULL},
};

static PyType_Spec Vocabulary_spec = {
    .name = "textkern._core.Vocabulary",
    .basicsize = sizeof(VocabularyObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Vocabulary_slots,
};

/* ============================================================== module */
static PyMethodDef vocabulary_functions[] = {
    {"_vocabulary_from_state", py_vocabulary_from_state, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

int tkpy_exec_vocabulary(PyObject *module)
{
    tkpy_state *st = tkpy_get_state(module);
    st->ngram_table_type =
        (PyTypeObject *)PyType_FromModuleAndSpec(module, &Vocabulary_spec, NULL);
    if (!st->ngram_table_type)
        return -1;
    Py_INCREF(st->ngram_table_type);
    if (PyModule_AddObject(module, "Vocabulary", (PyObject *)st->ngram_table_type) < 0) {
        Py_DECREF(st->ngram_table_type);
        return -1;
    }
    return PyModule_AddFunctions(module, vocabulary_functions);
}
