/*
 * segment(), tokenize() and the Tokenizer type.
 *
 * Options are parsed once into a tkpy_tokconf (also borrowed by batch.c
 * through tkpy_tokenizer_conf); the work runs in the core with the GIL
 * released, into C token lists that become Python objects at the end.
 */
#include "binding.h"

#include "../core/tk_tokenize.h"

static const char *const KIND_NAMES[] = {"word", "number", "emoji", "punct"};
static const unsigned KIND_BITS[] = {TK_KIND_WORD, TK_KIND_NUMBER, TK_KIND_EMOJI,
                                     TK_KIND_PUNCT};
#define N_KINDS 4

/* ------------------------------------------------------------ options */
static int parse_case(PyObject *obj, int *out)
{
    if (obj == Py_None) { *out = TK_CASE_NONE; return 0; }
    if (PyUnicode_Check(obj)) {
        if (PyUnicode_CompareWithASCIIString(obj, "fold") == 0) { *out = TK_CASE_FOLD; return 0; }
        if (PyUnicode_CompareWithASCIIString(obj, "lower") == 0) { *out = TK_CASE_LOWER; return 0; }
    }
    PyErr_Format(PyExc_ValueError, "case must be 'fold', 'lower' or None, not %R", obj);
    return -1;
}

static int parse_norm(PyObject *obj, int *out)
{
    if (obj == Py_None) { *out = TK_NORM_NONE; return 0; }
    if (PyUnicode_Check(obj)) {
        if (PyUnicode_CompareWithASCIIString(obj, "NFC") == 0) { *out = TK_NORM_NFC; return 0; }
        if (PyUnicode_CompareWithASCIIString(obj, "NFKC") == 0) { *out = TK_NORM_NFKC; return 0; }
    }
    PyErr_Format(PyExc_ValueError, "normalize must be 'NFC', 'NFKC' or None, not %R", obj);
    return -1;
}

static int parse_one_kind(PyObject *item, unsigned *kinds)
{
    int i;
    if (PyUnicode_Check(item)) {
        for (i = 0; i < N_KINDS; i++) {
            if (PyUnicode_CompareWithASCIIString(item, KIND_NAMES[i]) == 0) {
                *kinds |= KIND_BITS[i];
                return 0;
            }
        }
    }
    PyErr_Format(PyExc_ValueError,
                 "unknown token kind %R; kinds may contain 'word', 'number', 'emoji', 'punct'",
                 item);
    return -1;
}

static int parse_kinds(PyObject *obj, unsigned *out)
{
    PyObject *iter, *item;
    unsigned kinds = 0;

    if (PyUnicode_Check(obj)) {   /* kinds="word" means ("word",) */
        if (parse_one_kind(obj, &kinds) < 0)
            return -1;
        *out = kinds;
        return 0;
    }
    iter = PyObject_GetIter(obj);
    if (!iter) {
        PyErr_Format(PyExc_TypeError, "kinds must be a str or an iterable of str, not %.100s",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    while ((item = PyIter_Next(iter))) {
        int rc = parse_one_kind(item, &kinds);
        Py_DECREF(item);
        if (rc < 0) {
            Py_DECREF(iter);
            return -1;
        }
    }
    Py_DECREF(iter);
    if (PyErr_Occurred())
        return -1;
    if (!kinds) {
        PyErr_SetString(PyExc_ValueError,
                        "kinds is empty; name at least one of 'word', 'number', 'emoji', 'punct'");
        return -1;
    }
    *out = kinds;
    return 0;
}

static int parse_min_len(PyObject *obj, size_t *out)
{
    Py_ssize_t n;
    PyObject *as_int;
    /* Any integer but a bool: numpy's too, as n-gram sizes and n_threads. */
    if (PyBool_Check(obj) || !PyIndex_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "min_len must be an int, not %.100s", Py_TYPE(obj)->tp_name);
        return -1;
    }
    as_int = PyNumber_Index(obj);
    if (!as_int)
        return -1;
    n = PyLong_AsSsize_t(as_int);
    Py_DECREF(as_int);
    if (n == -1 && PyErr_Occurred())
        return -1;
    if (n < 0) {
        PyErr_Format(PyExc_ValueError, "min_len must be >= 0, not %zd", n);
        return -1;
    }
    *out = (size_t)n;
    return 0;
}

static void tokconf_clear(tkpy_tokconf *conf)
{
    tk_stopwords_free(conf->stopwords);
    conf->stopwords = NULL;
}

/* Stopwords are mapped with the same options as tokens, so "The" matches "the". */
static int parse_stopwords(PyObject *obj, tkpy_tokconf *conf)
{
    PyObject *iter = NULL, *item = NULL;
    tk_scratch scratch = {0};
    Py_ssize_t index = 0;
    int rc, result = -1;

    if (obj == Py_None)
        return 0;
    if (PyUnicode_Check(obj) || PyBytes_Check(obj)) {
        PyErr_SetString(PyExc_TypeError,
                        "stopwords must be an iterable of str (a list or set), not a single string");
        return -1;
    }
    iter = PyObject_GetIter(obj);
    if (!iter) {
        PyErr_Format(PyExc_TypeError, "stopwords must be None or an iterable of str, not %.100s",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    rc = tk_stopwords_new(&conf->opts, &conf->stopwords);
    if (rc < 0) {
        tkpy_raise(rc);
        goto cleanup;
    }
    while ((item = PyIter_Next(iter))) {
        Py_ssize_t size;
        const char *utf8;
        if (!PyUnicode_Check(item)) {
            PyErr_Format(PyExc_TypeError, "stopwords item %zd: expected str, not %.100s", index,
                         Py_TYPE(item)->tp_name);
            goto cleanup;
        }
        utf8 = PyUnicode_AsUTF8AndSize(item, &size);
        if (!utf8) {
            PyErr_Clear();
            PyErr_Format(PyExc_ValueError, "stopwords item %zd contains a lone surrogate", index);
            goto cleanup;
        }
        rc = tk_stopwords_add(conf->stopwords, &conf->opts, (const uint8_t *)utf8, (size_t)size,
                              &scratch);
        if (rc < 0) {
            tkpy_raise(rc);
            goto cleanup;
        }
        Py_CLEAR(item);
        index++;
    }
    if (PyErr_Occurred())
        goto cleanup;
    result = 0;
cleanup:
    Py_XDECREF(item);
    Py_XDECREF(iter);
    tk_scratch_free(&scratch);
    if (result < 0)
        tokconf_clear(conf);
    return result;
}

/* False/None -> none; True -> nonspacing marks; "unicode" and "ascii" ->
 * scikit-learn's two functions.  Other strings, and other objects (a
 * list, a number, scikit-learn's callable), are mistakes, not truthy
 * values. */
static int parse_strip_accents(PyObject *obj, int *out)
{
    int truth;
    if (obj != Py_None && !PyBool_Check(obj) && !PyUnicode_Check(obj)) {
        PyErr_Format(PyExc_TypeError,
                     "strip_accents must be True, False, None, 'unicode' or 'ascii', not "
                     "%.100s%s", Py_TYPE(obj)->tp_name,
                     PyCallable_Check(obj) ? " (a function of your own goes to the vectorizers' "
                                             "strip_accents, or map the text before)"
                                           : "");
        return -1;
    }
    if (PyUnicode_Check(obj)) {
        if (PyUnicode_CompareWithASCIIString(obj, "unicode") == 0)
            *out = TK_STRIP_UNICODE;
        else if (PyUnicode_CompareWithASCIIString(obj, "ascii") == 0)
            *out = TK_STRIP_ASCII;
        else {
            PyErr_Format(PyExc_ValueError,
                         "strip_accents must be True, False, 'unicode' or 'ascii', not %R", obj);
            return -1;
        }
        return 0;
    }
    truth = PyObject_IsTrue(obj);
    if (truth < 0)
        return -1;
    *out = truth ? TK_STRIP_MARKS : TK_STRIP_NONE;
    return 0;
}

static int tokconf_init(tkpy_tokconf *conf, PyObject *case_, PyObject *normalize,
                        PyObject *strip_accents, PyObject *kinds, PyObject *min_len,
                        PyObject *stopwords, PyObject *errors)
{
    int strip;
    memset(conf, 0, sizeof *conf);
    if (parse_case(case_, &conf->opts.case_mode) < 0 || parse_norm(normalize, &conf->opts.norm) < 0
        || parse_kinds(kinds, &conf->opts.kinds) < 0 || parse_min_len(min_len, &conf->opts.min_len) < 0
        || tkpy_parse_errors(errors, &conf->errors) < 0)
        return -1;
    if (parse_strip_accents(strip_accents, &strip) < 0)
        return -1;
    conf->opts.strip_accents = strip;
    return parse_stopwords(stopwords, conf);
}

/* ------------------------------------------------------------- results */
/* How many tokens ahead the str cache entry is prefetched. */
#define PREFETCH_DISTANCE 8

static PyObject *token_list_to_python(tkpy_state *st, const tk_toklist *list, int offsets)
{
    PyObject *result = tkpy_list_to_fill((Py_ssize_t)list->n);
    /* Each token's hash is computed once, PREFETCH_DISTANCE tokens ahead,
     * and kept here until its own lookup. */
    uint64_t ahead[PREFETCH_DISTANCE];
    size_t i, start = 0;

    if (!result)
        return NULL;
    for (i = 0; i < list->n && i < PREFETCH_DISTANCE; i++) {
        size_t from = i ? list->ends[i - 1] : 0;
        ahead[i] = tk_hash_bytes(list->bytes + from, list->ends[i] - from);
        tkpy_str_cache_prefetch(st, ahead[i]);
    }
    for (i = 0; i < list->n; i++) {
        PyObject *tok;
        size_t end = list->ends[i];
        uint64_t hash = ahead[i % PREFETCH_DISTANCE];
        /* The cache is larger than the CPU caches: hide the miss. */
        if (i + PREFETCH_DISTANCE < list->n) {
            size_t j = i + PREFETCH_DISTANCE, from = list->ends[j - 1];
            ahead[j % PREFETCH_DISTANCE] = tk_hash_bytes(list->bytes + from, list->ends[j] - from);
            tkpy_str_cache_prefetch(st, ahead[j % PREFETCH_DISTANCE]);
        }
        if (i + PREFETCH_DISTANCE / 2 < list->n) {
            size_t j = i + PREFETCH_DISTANCE / 2;
            tkpy_str_cache_prefetch_str(st, ahead[j % PREFETCH_DISTANCE]);
        }
        tok = tkpy_str_from_utf8_hashed(st, list->bytes + start, end - start, hash);
        if (tok && offsets) {
            PyObject *triple = Py_BuildValue("(Nnn)", tok, (Py_ssize_t)list->spans[i].cp_start,
                                             (Py_ssize_t)list->spans[i].cp_end);
            tok = triple;
        }
        if (!tok) {
            Py_DECREF(result);
            return NULL;
        }
        PyList_SET_ITEM(result, (Py_ssize_t)i, tok);
        start = end;
    }
    return tkpy_list_filled(result);
}

static int tokenize_text(const tkpy_tokconf *conf, const tkpy_text *text, tk_scratch *scratch,
                         tk_toklist *list)
{
    return tk_tokenize(&conf->opts, conf->stopwords, text->data, text->len, scratch,
                       tk_toklist_sink, list);
}

typedef struct single_text_ctx {
    const tkpy_tokconf *conf;
    const tkpy_text *text;
    tk_scratch *scratch;
    tk_toklist *list;
} single_text_ctx;

static int single_text_run(void *arg)
{
    single_text_ctx *ctx = arg;
    return tokenize_text(ctx->conf, ctx->text, ctx->scratch, ctx->list);
}

/* A reused token list keeps buffers up to this size between calls. */
#define KEPT_TOKLIST_BYTES ((size_t)1 << 20)

/* shared_scratch and shared_list may be NULL for temporary ones; a shared
 * list keeps its buffers across calls (one allocation less per call).
 * index >= 0 names the text's position in a batch in error messages. */
static PyObject *tokenize_impl(tkpy_state *st, const tkpy_tokconf *conf, PyObject *text_obj,
                               int offsets, tk_scratch *shared_scratch, tk_toklist *shared_list,
                               Py_ssize_t index)
{
    tkpy_text text;
    tk_scratch local_scratch = {0};
    tk_scratch *scratch = shared_scratch ? shared_scratch : &local_scratch;
    tk_toklist local_list = {0};
    tk_toklist *list_ptr = shared_list ? shared_list : &local_list;
    PyObject *result = NULL;
    single_text_ctx ctx;
    int cancel = 0, failed;

    if (tkpy_text_from_object(text_obj, conf->errors, index, &text) < 0)
        return NULL;
    tk_toklist_clear(list_ptr);
    list_ptr->want_spans = offsets;
    ctx.conf = conf;
    ctx.text = &text;
    ctx.scratch = scratch;
    ctx.list = list_ptr;
    scratch->cancel = &cancel;
    failed = tkpy_run_unlocked(single_text_run, &ctx, text.len, &cancel) < 0;
    scratch->cancel = NULL;
    if (failed)
        goto cleanup;
    result = token_list_to_python(st, list_ptr, offsets);
cleanup:
    /* A huge text's buffers are not worth keeping. */
    if (list_ptr == &local_list || list_ptr->bytes_cap > KEPT_TOKLIST_BYTES
        || list_ptr->ends_cap * sizeof(size_t) > KEPT_TOKLIST_BYTES
        || list_ptr->spans_cap * sizeof(tk_span) > KEPT_TOKLIST_BYTES)
        tk_toklist_free(list_ptr);
    tk_scratch_free(&local_scratch);
    tkpy_text_release(&text);
    return result;
}

/* ------------------------------------------------------------- segment */
/* Finding the boundaries: C buffers only, run without the GIL. */
typedef struct segment_ctx {
    const tkpy_text *text;
    int by_code_point;       /* str input: pieces are sliced out of the str */
    size_t *ends;            /* each piece's end, in code points or bytes */
    size_t n, cap;
    const int *cancel;
} segment_ctx;

static int segment_run(void *arg)
{
    segment_ctx *c = arg;
    tk_wordseg it;
    tk_span span;
    size_t since_check = 0;
    int rc;
    tk_wordseg_init(&it, c->text->data, c->text->len);
    while (tk_wordseg_next(&it, &span)) {
        if (++since_check == 4096) {
            since_check = 0;
            if (__atomic_load_n(c->cancel, __ATOMIC_RELAXED))
                return TK_ECANCELLED;
        }
        if ((rc = tk_reserve_append((void **)&c->ends, &c->cap, c->n + 1, sizeof *c->ends)) < 0)
            return rc;
        c->ends[c->n++] = c->by_code_point ? span.cp_end : span.end;
    }
    return TK_OK;
}

static PyObject *segment_impl(PyObject *text_obj, int errors)
{
    tkpy_text text;
    segment_ctx ctx;
    PyObject *result = NULL, *piece;
    int is_str = PyUnicode_Check(text_obj), cancel = 0;
    size_t i, prev = 0;

    /* A str always segments: lone surrogates are segmented as U+FFFD would
     * be (Word_Break=Other) and sliced back out of the original, so that
     * "".join(segment(t)) == t holds for every str. */
    if (tkpy_text_from_object(text_obj, is_str ? TK_UTF8_REPLACE : errors, -1, &text) < 0)
        return NULL;
    memset(&ctx, 0, sizeof ctx);
    ctx.text = &text;
    ctx.by_code_point = is_str;
    ctx.cancel = &cancel;
    if (tkpy_run_unlocked(segment_run, &ctx, text.len, &cancel) < 0)
        goto cleanup;
    if (ctx.n > (size_t)PY_SSIZE_T_MAX) {
        PyErr_NoMemory();
        goto cleanup;
    }
    result = tkpy_list_to_fill((Py_ssize_t)ctx.n);
    if (!result)
        goto cleanup;
    for (i = 0; i < ctx.n; i++) {
        /* Building the list needs the GIL: look for Ctrl-C as the eval
         * loop would. */
        if ((i & 0xFFFF) == 0xFFFF && PyErr_CheckSignals() < 0) {
            Py_CLEAR(result);
            goto cleanup;
        }
        if (is_str)
            piece = PyUnicode_Substring(text_obj, (Py_ssize_t)prev, (Py_ssize_t)ctx.ends[i]);
        else
            piece = tkpy_str_from_valid_utf8(text.data + prev, ctx.ends[i] - prev);
        if (!piece) {
            Py_CLEAR(result);
            goto cleanup;
        }
        PyList_SET_ITEM(result, (Py_ssize_t)i, piece);
        prev = ctx.ends[i];
    }
cleanup:
    tk_free(ctx.ends);
    tkpy_text_release(&text);
    return tkpy_list_filled(result);
}

static PyObject *segment_wrapper(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"text", "errors", NULL};
    PyObject *text, *errors_obj = NULL;
    int errors;
    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|$O:segment", kwlist, &text, &errors_obj))
        return NULL;
    if (tkpy_parse_errors(errors_obj, &errors) < 0)
        return NULL;
    return segment_impl(text, errors);
}

/* ------------------------------------------------------------ tokenize */
#define TOKENIZE_DEFAULTS(case_, normalize, strip, kinds, min_len, stopwords, errors) \
    PyObject *case_ = NULL, *normalize = NULL, *strip = Py_False, *kinds = NULL,      \
             *min_len = NULL, *stopwords = Py_None, *errors = NULL

/* Fill in defaults that are not simple singletons. */
static int option_defaults(tkpy_state *st, PyObject **case_, PyObject **normalize,
                           PyObject **kinds, PyObject **min_len)
{
    if (!*case_) *case_ = st->default_case;
    if (!*normalize) *normalize = st->default_normalize;
    if (!*kinds) *kinds = st->default_kinds;
    if (!*min_len) *min_len = st->default_min_len;
    return 0;
}

static PyObject *tokenize_wrapper(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"text", "case", "normalize", "strip_accents", "kinds", "min_len",
                             "stopwords", "offsets", "errors", NULL};
    PyObject *text, *result;
    int offsets = 0;
    tkpy_tokconf conf;
    TOKENIZE_DEFAULTS(case_, normalize, strip, kinds, min_len, stopwords, errors);

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|$OOOOOOpO:tokenize", kwlist, &text, &case_,
                                     &normalize, &strip, &kinds, &min_len, &stopwords, &offsets,
                                     &errors))
        return NULL;
    option_defaults(tkpy_get_state(module), &case_, &normalize, &kinds, &min_len);
    if (tokconf_init(&conf, case_, normalize, strip, kinds, min_len, stopwords, errors) < 0)
        return NULL;
    result = tokenize_impl(tkpy_get_state(module), &conf, text, offsets, NULL, NULL, -1);
    tokconf_clear(&conf);
    return result;
}

/* ----------------------------------------------------------- Tokenizer */
typedef struct {
    PyObject_HEAD
    tkpy_tokconf conf;
    PyObject *options;   /* dict of the normalized constructor arguments */
    /* Kept across calls so that its mapping memo stays warm; a call that
     * finds it busy (another thread) uses a temporary scratch instead. */
    tk_scratch scratch;
    tk_toklist tokens;   /* reused like scratch, under the same lock */
    PyThread_type_lock scratch_lock;
} TokenizerObject;

static PyObject *stopwords_tuple(PyObject *stopwords)
{
    /* Sorted, so that equal Tokenizers pickle and compare equal. */
    PyObject *list, *tuple;
    if (stopwords == Py_None)
        Py_RETURN_NONE;
    list = PySequence_List(stopwords);
    if (!list)
        return NULL;
    if (PyList_Sort(list) < 0) {
        Py_DECREF(list);
        return NULL;
    }
    tuple = PyList_AsTuple(list);
    Py_DECREF(list);
    return tuple;
}

static PyObject *kinds_tuple(unsigned kinds)
{
    PyObject *t = PyTuple_New(0);
    int i;
    for (i = 0; t && i < N_KINDS; i++) {
        if (kinds & KIND_BITS[i]) {
            PyObject *name = PyUnicode_FromString(KIND_NAMES[i]);
            Py_ssize_t n = PyTuple_GET_SIZE(t);
            if (!name || _PyTuple_Resize(&t, n + 1) < 0) {
                Py_XDECREF(name);
                Py_XDECREF(t);
                return NULL;
            }
            PyTuple_SET_ITEM(t, n, name);
        }
    }
    return t;
}

static PyObject *Tokenizer_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"case", "normalize", "strip_accents", "kinds", "min_len",
                             "stopwords", "errors", NULL};
    TokenizerObject *self = NULL;
    tkpy_state *st = tkpy_state_from_type(type);
    PyObject *sw = NULL, *kt = NULL, *stop_list = NULL, *strip_value;
    TOKENIZE_DEFAULTS(case_, normalize, strip, kinds, min_len, stopwords, errors);

    if (!st)
        return NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OOOOOOO:Tokenizer", kwlist, &case_,
                                     &normalize, &strip, &kinds, &min_len, &stopwords, &errors))
        return NULL;
    option_defaults(st, &case_, &normalize, &kinds, &min_len);
    /* The stopwords are read twice below (the C set, then the sorted tuple
     * that options, repr and pickling keep).  Anything but a plain list,
     * tuple or set is read once into a list first: a one-shot iterator
     * would be empty the second time, and any other iterable may yield
     * other words, leaving the Tokenizer at odds with its own pickle.
     * (A str, and what cannot be iterated, get their own errors below.) */
    if (stopwords != Py_None && !PyList_CheckExact(stopwords) && !PyTuple_CheckExact(stopwords)
        && !PyAnySet_CheckExact(stopwords) && !PyUnicode_Check(stopwords)
        && !PyBytes_Check(stopwords) && tkpy_can_iterate(stopwords)) {
        stop_list = PySequence_List(stopwords);
        if (!stop_list)
            return NULL;
        stopwords = stop_list;
    }
    self = (TokenizerObject *)type->tp_alloc(type, 0);
    if (!self)
        goto fail;
    self->scratch_lock = PyThread_allocate_lock();
    if (!self->scratch_lock) {
        PyErr_NoMemory();
        goto fail;
    }
    if (tokconf_init(&self->conf, case_, normalize, strip, kinds, min_len, stopwords, errors) < 0)
        goto fail;
    sw = stopwords_tuple(stopwords);
    kt = kinds_tuple(self->conf.opts.kinds);
    if (!sw || !kt)
        goto fail;
    strip_value = self->conf.opts.strip_accents == TK_STRIP_ASCII
                      ? PyUnicode_FromString("ascii")
                  : self->conf.opts.strip_accents == TK_STRIP_UNICODE
                      ? PyUnicode_FromString("unicode")
                      : Py_NewRef(self->conf.opts.strip_accents ? Py_True : Py_False);
    if (!strip_value)
        goto fail;
    self->options = Py_BuildValue("{sOsOsNsOsnsOss}", "case", case_, "normalize", normalize,
                                  "strip_accents", strip_value,
                                  "kinds", kt, "min_len", (Py_ssize_t)self->conf.opts.min_len,
                                  "stopwords", sw, "errors",
                                  self->conf.errors == TK_UTF8_STRICT ? "strict"
                                  : self->conf.errors == TK_UTF8_REPLACE ? "replace" : "ignore");
    if (!self->options)
        goto fail;
    Py_DECREF(sw);
    Py_DECREF(kt);
    Py_XDECREF(stop_list);
    return (PyObject *)self;
fail:
    Py_XDECREF(sw);
    Py_XDECREF(kt);
    Py_XDECREF(stop_list);
    Py_XDECREF(self);
    return NULL;
}

static void Tokenizer_dealloc(TokenizerObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    tokconf_clear(&self->conf);
    Py_CLEAR(self->options);
    tk_scratch_free(&self->scratch);
    tk_toklist_free(&self->tokens);
    if (self->scratch_lock)
        PyThread_free_lock(self->scratch_lock);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static int Tokenizer_traverse(TokenizerObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->options);
    return 0;
}

static PyObject *Tokenizer_call(TokenizerObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"text", "offsets", NULL};
    PyObject *text;
    int offsets = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|$p:Tokenizer.__call__", kwlist, &text,
                                     &offsets))
        return NULL;
    tkpy_state *st = tkpy_state_from_type(Py_TYPE(self));
    PyObject *result;
    int own_scratch = PyThread_acquire_lock(self->scratch_lock, NOWAIT_LOCK) == PY_LOCK_ACQUIRED;
    result = tokenize_impl(st, &self->conf, text, offsets, own_scratch ? &self->scratch : NULL,
                           own_scratch ? &self->tokens : NULL, -1);
    if (own_scratch)
        PyThread_release_lock(self->scratch_lock);
    return result;
}

/*
 * The per-document lists of a batch hold only str (or untracked tuples),
 * so they cannot form cycles while the batch is built.  Keeping them out
 * of the cyclic GC until the end spares the collections that thousands of
 * new lists trigger from traversing every token again and again (9% of
 * a batch's time); the end of the batch tracks them all at once, so a
 * cycle the caller makes later is still collected.  The result list fills
 * out of the GC's reach too (tkpy_list_to_fill), and joins it here.
 */
static void batch_untrack(PyObject *tokens)
{
    if (PyObject_GC_IsTracked(tokens))
        PyObject_GC_UnTrack(tokens);
}

static void batch_track_all(PyObject *result, Py_ssize_t n)
{
    Py_ssize_t i;
    for (i = 0; i < n; i++) {
        PyObject *tokens = PyList_GET_ITEM(result, i);
        if (tokens && !PyObject_GC_IsTracked(tokens))
            PyObject_GC_Track(tokens);
    }
    tkpy_list_filled(result);
}

/* A worker's UTF-8 of its current text, when that is a deferred str. */
typedef struct batch_utf8 {
    uint8_t *bytes;
    size_t cap;
} batch_utf8;

/*
 * A threaded batch goes through the texts in windows of at most this many
 * documents, one job per window.  Its per-document state (the prepared
 * texts, the finished token lists, the ready flags: about 140 bytes a
 * document before any token) then costs O(window) instead of O(n), and
 * the token lists that the workers finish ahead of the calling thread,
 * which builds the Python lists more slowly than tiny documents tokenize,
 * pile up for one window at most: on 4 million 6-byte documents the
 * whole-sequence arrays and backlog took +1.5 GB peak on two threads
 * against +0.39 GB on one.  A small backlog also stays in cache: 1 million
 * such documents took 0.25-0.29 s with windows of 8 Ki or 16 Ki documents,
 * 0.29-0.45 s with 32 Ki, 0.45-0.48 s as one job.  A window costs a thread
 * start; the benchmark corpus (5,388 documents) is still one job.
 */
#define BATCH_WINDOW ((size_t)1 << 14)

typedef struct batch_ctx {
    const tkpy_tokconf *conf;
    const tkpy_text *texts;  /* the window's texts, window-relative */
    tk_toklist *lists;
    tk_scratch *scratch;     /* one per worker */
    batch_utf8 *utf8;        /* one per worker */
    int surrogate_error;     /* a worker met a lone surrogate under "strict" */
    int *ready;              /* ready[i] = 1 (release) once lists[i] is final */
    /* Owned by the calling thread (GIL held): */
    tkpy_state *st;
    PyObject *result;
    size_t first;            /* result index of the window's texts[0] */
    size_t converted;        /* lists [0, converted) of the window are in result */
    size_t n;                /* texts in the window */
    int offsets;
} batch_ctx;

static int batch_run(void *arg, size_t begin, size_t end, int worker)
{
    batch_ctx *ctx = arg;
    size_t i;
    for (i = begin; i < end; i++) {
        tkpy_text view = ctx->texts[i];
        batch_utf8 *utf8 = &ctx->utf8[worker];
        int rc = tkpy_text_encode(&ctx->texts[i], ctx->conf->errors, &utf8->bytes, &utf8->cap,
                                  &view.data, &view.len, ctx->scratch[worker].cancel);
        if (rc == TK_ESURROGATE)
            __atomic_store_n(&ctx->surrogate_error, 1, __ATOMIC_RELAXED);
        if (rc == TK_OK)
            rc = tokenize_text(ctx->conf, &view, &ctx->scratch[worker], &ctx->lists[i]);
        if (rc < 0)
            return rc;
        __atomic_store_n(&ctx->ready[i], 1, __ATOMIC_RELEASE);
    }
    return TK_OK;
}

/*
 * With the GIL: move the finished prefix of documents into the result.
 * Called between polls while the workers go on, so that building the
 * Python lists (the GIL-bound part of the work) overlaps tokenizing.
 */
static int batch_convert_ready(void *arg)
{
    batch_ctx *ctx = arg;
    while (ctx->converted < ctx->n
           && __atomic_load_n(&ctx->ready[ctx->converted], __ATOMIC_ACQUIRE)) {
        size_t i = ctx->converted;
        PyObject *tokens = token_list_to_python(ctx->st, &ctx->lists[i], ctx->offsets);
        if (!tokens)
            return -1;
        batch_untrack(tokens);
        PyList_SET_ITEM(ctx->result, (Py_ssize_t)(ctx->first + i), tokens);
        tk_toklist_free(&ctx->lists[i]);
        ctx->converted++;
    }
    return 0;
}

/* Polls this far apart while converting: often enough that the calling
 * thread keeps up, rarely enough to cost nothing when it waits. */
#define BATCH_POLL_MS 2

/*
 * One thread: a loop of Tokenizer calls (each releases the GIL around its
 * C work and reuses the Tokenizer's buffers), with Ctrl-C checks and
 * progress between texts.  Tokenizing everything first and building the
 * lists afterwards measured slower: the tokens are out of cache by then.
 */
static PyObject *batch_serial(TokenizerObject *self, PyObject *seq, Py_ssize_t n, int offsets,
                              PyObject *progress)
{
    tkpy_state *st = tkpy_state_from_type(Py_TYPE(self));
    tk_scratch local_scratch = {0};
    tk_toklist local_list = {0};
    int own = PyThread_acquire_lock(self->scratch_lock, NOWAIT_LOCK) == PY_LOCK_ACQUIRED;
    tk_scratch *scratch = own ? &self->scratch : &local_scratch;
    tk_toklist *list = own ? &self->tokens : &local_list;
    PyObject *result = tkpy_list_to_fill(n);
    double next_report = 0.0;
    Py_ssize_t i;

    for (i = 0; result && i < n; i++) {
        PyObject *tokens = NULL;
        if (PyErr_CheckSignals() == 0)
            tokens = tokenize_impl(st, &self->conf, PySequence_Fast_GET_ITEM(seq, i), offsets,
                                   scratch, list, i);
        if (!tokens) {
            Py_CLEAR(result);
            break;
        }
        batch_untrack(tokens);
        PyList_SET_ITEM(result, i, tokens);
        if (progress != Py_None
            && tkpy_progress_report(progress, i + 1, n, i + 1 == n, &next_report) < 0)
            Py_CLEAR(result);
    }
    if (own)
        PyThread_release_lock(self->scratch_lock);
    tk_scratch_free(&local_scratch);
    tk_toklist_free(&local_list);
    if (result)
        batch_track_all(result, n);
    return result;
}

/* About how many bytes the texts of seq hold, counted until past limit
 * (an item that is neither str nor bytes counts as past it). */
static size_t seq_text_bytes(PyObject *seq, Py_ssize_t n, size_t limit)
{
    size_t sum = 0;
    Py_ssize_t i;
    for (i = 0; i < n && sum < limit; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        if (PyUnicode_Check(item))
            sum += (size_t)PyUnicode_GET_LENGTH(item) * PyUnicode_KIND(item);
        else if (PyBytes_Check(item))
            sum += (size_t)PyBytes_GET_SIZE(item);
        else
            return limit;
    }
    return sum;
}

/*
 * One window of a threaded batch: items start .. start + ctx->n - 1 of seq
 * into ctx->result.  texts (ctx->texts, writable), ctx->lists and
 * ctx->ready have room for the window and come back empty (texts
 * released, lists freed, flags clear) whether or not it succeeds.
 * Returns 0, or -1 with an exception set.
 */
static int batch_window(TokenizerObject *self, batch_ctx *ctx, tkpy_text *texts, PyObject *seq,
                        size_t start, int workers, tkpy_job_opts *opts, int *cancel)
{
    size_t i, prepared = 0, w = ctx->n;
    tk_job job;
    int result = -1;

    for (i = 0; i < w; i++, prepared++) {
        /* Without offsets a non-ASCII str is encoded by the worker that
         * tokenizes it, off the calling thread, which is the busier one
         * (9% of a multilingual batch's time went to encoding up front).
         * Offsets keep the up-front path, whose UTF-8 maps back to str
         * indices (under "ignore", of the text without its lone
         * surrogates, as tokenize() documents). */
        PyObject *item = PySequence_Fast_GET_ITEM(seq, (Py_ssize_t)(start + i));
        Py_ssize_t index = (Py_ssize_t)(start + i);
        if ((ctx->offsets ? tkpy_text_from_object(item, self->conf.errors, index, &texts[i])
                          : tkpy_text_from_object_deferred(item, self->conf.errors, index,
                                                           &texts[i]))
            < 0) {
            tkpy_prefer_earlier_surrogate(texts, i, (Py_ssize_t)start, self->conf.errors);
            goto cleanup;
        }
    }
    ctx->first = start;
    ctx->converted = 0;
    memset(&job, 0, sizeof job);
    job.run = batch_run;
    job.ctx = ctx;
    job.cancel = cancel;
    job.n_items = w;
    job.chunk = 16;
    job.poll_ms = BATCH_POLL_MS;
    job.caller_helps = 1;
    opts->done_before = start;
    if (tkpy_run_job_ex(&job, workers, opts) < 0 || batch_convert_ready(ctx) < 0) {
        if (ctx->surrogate_error)
            tkpy_raise_first_surrogate(texts, w, (Py_ssize_t)start, self->conf.errors);
        goto cleanup;
    }
    if (ctx->converted != w) {
        PyErr_SetString(PyExc_RuntimeError, "textkern: internal error: batch incomplete");
        goto cleanup;
    }
    result = 0;
cleanup:
    for (i = 0; i < prepared; i++)
        tkpy_text_release(&texts[i]);
    for (i = 0; i < w; i++)
        tk_toklist_free(&ctx->lists[i]);
    memset(ctx->ready, 0, w * sizeof *ctx->ready);
    return result;
}

static PyObject *Tokenizer_batch_impl(TokenizerObject *self, PyObject *texts_obj, int n_threads,
                                      int offsets, PyObject *progress)
{
    PyObject *seq = NULL, *result = NULL;
    tkpy_text *texts = NULL;
    tk_toklist *lists = NULL;
    tk_scratch *scratch = NULL;
    batch_utf8 *utf8 = NULL;
    int *ready = NULL;
    Py_ssize_t n = 0, i;
    size_t window, start;
    batch_ctx ctx;
    tkpy_job_opts opts;
    int threads, workers, cancel = 0, own_scratch = 0;
    tkpy_state *st = tkpy_state_from_type(Py_TYPE(self));

    /* A progress callback or another thread (the GIL is released around
     * each text) may shrink the caller's list under the loops below. */
    seq = tkpy_sequence_snapshot(texts_obj, "batch() expects an iterable of str or bytes");
    if (!seq)
        return NULL;
    n = PySequence_Fast_GET_SIZE(seq);
    /* n_threads counts every thread at work, the calling one included:
     * with two or more, the calling thread builds the Python lists (the
     * GIL-bound part of the work) while n_threads - 1 C threads tokenize;
     * between two rounds of list building it tokenizes a chunk itself
     * (job.caller_helps), where it used to wait for about half of a
     * multilingual batch.  One more worker instead would only
     * oversubscribe the cores, which measured slower. */
    threads = tk_resolve_threads(n_threads, (size_t)n);
    /* A small batch is over before a thread would have started. */
    if (threads > 1
        && tkpy_small_job(tkpy_auto_work(n_threads,
                                         seq_text_bytes(seq, n, TKPY_INLINE_JOB_BYTES)),
                          progress))
        threads = 1;
    if (threads <= 1) {
        result = batch_serial(self, seq, n, offsets, progress);
        Py_DECREF(seq);
        return result;
    }
    workers = threads - 1;
    window = (size_t)n < BATCH_WINDOW ? (size_t)n : BATCH_WINDOW;
    texts = PyMem_Calloc(window, sizeof *texts);
    lists = PyMem_Calloc(window, sizeof *lists);
    ready = PyMem_Calloc(window, sizeof *ready);
    /* workers + 1: the calling thread is the last worker when it helps */
    scratch = PyMem_Calloc((size_t)workers + 1, sizeof *scratch);
    utf8 = PyMem_Calloc((size_t)workers + 1, sizeof *utf8);
    if (!texts || !lists || !ready || !scratch || !utf8) {
        PyErr_NoMemory();
        goto cleanup;
    }
    for (i = 0; i < (Py_ssize_t)window; i++)   /* tk_toklist_free keeps it */
        lists[i].want_spans = offsets;
    result = tkpy_list_to_fill(n);
    if (!result)
        goto cleanup;
    /* Worker 0 borrows the Tokenizer's own scratch when no other call
     * holds it, so its mapping memo is warm from earlier calls. */
    own_scratch = PyThread_acquire_lock(self->scratch_lock, NOWAIT_LOCK) == PY_LOCK_ACQUIRED;
    if (own_scratch)
        scratch[0] = self->scratch;
    for (i = 0; i <= workers; i++)
        scratch[i].cancel = &cancel;
    memset(&ctx, 0, sizeof ctx);
    ctx.conf = &self->conf;
    ctx.texts = texts;
    ctx.lists = lists;
    ctx.scratch = scratch;
    ctx.utf8 = utf8;
    ctx.ready = ready;
    ctx.st = st;
    ctx.result = result;
    ctx.offsets = offsets;
    memset(&opts, 0, sizeof opts);
    opts.progress = progress;
    opts.total = n;
    opts.with_gil = batch_convert_ready;
    opts.with_gil_ctx = &ctx;
    for (start = 0; start < (size_t)n; start += window) {
        ctx.n = (size_t)n - start < window ? (size_t)n - start : window;
        if (batch_window(self, &ctx, texts, seq, start, workers, &opts, &cancel) < 0) {
            Py_CLEAR(result);
            break;
        }
    }
    if (result)
        batch_track_all(result, n);
cleanup:
    if (own_scratch) {
        scratch[0].cancel = NULL;
        self->scratch = scratch[0];
        memset(&scratch[0], 0, sizeof scratch[0]);
        PyThread_release_lock(self->scratch_lock);
    }
    if (scratch)
        for (i = 0; i <= workers; i++)
            tk_scratch_free(&scratch[i]);
    if (utf8)
        for (i = 0; i <= workers; i++)
            tk_free(utf8[i].bytes);
    PyMem_Free(utf8);
    PyMem_Free(texts);
    PyMem_Free(lists);
    PyMem_Free(ready);
    PyMem_Free(scratch);
    Py_DECREF(seq);
    return result;
}

static PyObject *Tokenizer_batch(TokenizerObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"texts", "n_threads", "offsets", "progress", NULL};
    PyObject *texts, *threads_obj = Py_None, *progress = Py_None;
    int offsets = 0, n_threads;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|O$pO:batch", kwlist, &texts, &threads_obj,
                                     &offsets, &progress))
        return NULL;
    if (tkpy_parse_threads(threads_obj, &n_threads) < 0)
        return NULL;
    /* bytearray and memoryview are single texts everywhere else too (and
     * iterate as ints). */
    if (PyUnicode_Check(texts) || PyBytes_Check(texts) || PyByteArray_Check(texts)
        || PyMemoryView_Check(texts)) {
        PyErr_SetString(PyExc_TypeError,
                        "batch() expects an iterable of texts, not a single text; "
                        "call the Tokenizer directly for one text");
        return NULL;
    }
    if (progress != Py_None && !PyCallable_Check(progress)) {
        PyErr_Format(PyExc_TypeError,
                     "progress must be None or a callable progress(done, total), not %.100s "
                     "(for a progress bar, wrap the texts in tqdm)",
                     Py_TYPE(progress)->tp_name);
        return NULL;
    }
    return Tokenizer_batch_impl(self, texts, n_threads, offsets, progress);
}

/*
 * Pickled as the constructor call itself, so unpickling validates every
 * option and a Tokenizer never changes after construction (threads may be
 * reading its options without the GIL).
 */
static PyObject *Tokenizer_reduce(TokenizerObject *self, PyObject *unused)
{
    static const char *const order[] = {"case", "normalize", "strip_accents", "kinds",
                                        "min_len", "stopwords", "errors"};
    PyObject *args = PyTuple_New(7), *result;
    Py_ssize_t i;
    (void)unused;
    if (!args)
        return NULL;
    for (i = 0; i < 7; i++) {
        PyObject *value = PyDict_GetItemString(self->options, order[i]);
        if (!value) {
            Py_DECREF(args);
            PyErr_SetString(PyExc_RuntimeError, "Tokenizer options are incomplete");
            return NULL;
        }
        PyTuple_SET_ITEM(args, i, Py_NewRef(value));
    }
    result = PyTuple_Pack(2, (PyObject *)Py_TYPE(self), args);
    Py_DECREF(args);
    return result;
}

static PyObject *Tokenizer_get_options(TokenizerObject *self, void *closure)
{
    (void)closure;
    return PyDict_Copy(self->options);
}

static PyObject *Tokenizer_repr(TokenizerObject *self)
{
    PyObject *parts = PyList_New(0), *key, *value, *sep = NULL, *joined = NULL, *result = NULL;
    Py_ssize_t pos = 0;
    if (!parts)
        return NULL;
    while (PyDict_Next(self->options, &pos, &key, &value)) {
        PyObject *item = PyUnicode_FromFormat("%U=%R", key, value);
        if (!item || PyList_Append(parts, item) < 0) {
            Py_XDECREF(item);
            goto cleanup;
        }
        Py_DECREF(item);
    }
    sep = PyUnicode_FromString(", ");
    if (!sep)
        goto cleanup;
    joined = PyUnicode_Join(sep, parts);
    if (joined)
        result = PyUnicode_FromFormat("Tokenizer(%U)", joined);
cleanup:
    Py_XDECREF(joined);
    Py_XDECREF(sep);
    Py_DECREF(parts);
    return result;
}

static PyObject *Tokenizer_richcompare(PyObject *a, PyObject *b, int op)
{
    if ((op != Py_EQ && op != Py_NE) || Py_TYPE(a) != Py_TYPE(b))
        Py_RETURN_NOTIMPLEMENTED;
    return PyObject_RichCompare(((TokenizerObject *)a)->options, ((TokenizerObject *)b)->options,
                                op);
}

static PyMethodDef Tokenizer_methods[] = {
    {"batch", (PyCFunction)(void (*)(void))Tokenizer_batch, METH_VARARGS | METH_KEYWORDS,
     "batch($self, texts, n_threads=None, *, offsets=False, progress=None)\n--\n\n"
     "Tokenize many texts on C threads with the GIL released; one list per text.\n\n"
     "Results do not depend on n_threads.\n\n"
     "Parameters\n"
     "----------\n"
     "texts : iterable of str or bytes-like\n"
     "    The texts, tokenized as a call of this Tokenizer would. A single str\n"
     "    or bytes is a TypeError: call the Tokenizer directly for one text.\n"
     "n_threads : int or None, default None\n"
     "    The number of threads at work, the calling thread included (None:\n"
     "    one per core, or the calling thread alone for texts under 32 KiB in\n"
     "    all). With 2 or more, n_threads - 1 C threads tokenize while the\n"
     "    calling thread builds the Python lists from the texts already done;\n"
     "    with 1 it is a loop of Tokenizer calls (each releasing the GIL\n"
     "    around its C work) on one core.\n"
     "offsets : bool, default False\n"
     "    Give (token, start, end) tuples instead of tokens, as a call of\n"
     "    this Tokenizer with offsets=True does.\n"
     "progress : callable or None, default None\n"
     "    Called as progress(done, total) about ten times a second, with the\n"
     "    number of texts done.\n\n"
     "Returns\n"
     "-------\n"
     "list of list\n"
     "    One list per text, in the order of texts: its tokens, or its\n"
     "    (token, start, end) tuples with offsets=True.\n"},
    {"__reduce__", (PyCFunction)Tokenizer_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef Tokenizer_getset[] = {
    {"options", (getter)Tokenizer_get_options, NULL, "The tokenizer's options as a dict.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot Tokenizer_slots[] = {
    {Py_tp_new, Tokenizer_new},
    {Py_tp_dealloc, Tokenizer_dealloc},
    {Py_tp_traverse, Tokenizer_traverse},
    {Py_tp_call, Tokenizer_call},
    {Py_tp_methods, Tokenizer_methods},
    {Py_tp_getset, Tokenizer_getset},
    {Py_tp_repr, Tokenizer_repr},
    {Py_tp_richcompare, Tokenizer_richcompare},
    {Py_tp_hash, PyObject_HashNotImplemented},
    {Py_tp_doc, (void *)"Tokenizer(case='fold', normalize='NFKC', strip_accents=False, "
                        "kinds=('word', 'number'), min_len=1, stopwords=None, errors='strict')\n--\n\n"
                        "A reusable, picklable tokenizer with fixed options; "
                        "see textkern.tokenize.\n\n"
                        "Calling it, tokenizer(text, *, offsets=False), tokenizes one text as\n"
                        "textkern.tokenize does with these options; batch() tokenizes many\n"
                        "texts on C threads.\n\n"
                        "Parameters\n"
                        "----------\n"
                        "case : {\"fold\", \"lower\", None}, default \"fold\"\n"
                        "    Case mapping, as in textkern.tokenize.\n"
                        "normalize : {\"NFKC\", \"NFC\", None}, default \"NFKC\"\n"
                        "    Unicode normalization form, as in textkern.tokenize.\n"
                        "strip_accents : bool or {\"unicode\", \"ascii\"}, default False\n"
                        "    Accent stripping, as in textkern.tokenize.\n"
                        "kinds : iterable of {\"word\", \"number\", \"emoji\", \"punct\"}, "
                        "default (\"word\", \"number\")\n"
                        "    Which segments to keep, as in textkern.tokenize.\n"
                        "min_len : int, default 1\n"
                        "    Drop tokens shorter than this many code points after mapping.\n"
                        "stopwords : iterable of str, optional\n"
                        "    Words to drop, mapped with the same options first. A single str\n"
                        "    is a TypeError (textkern.tokenize takes the name \"english\",\n"
                        "    this class does not).\n"
                        "errors : {\"strict\", \"replace\", \"ignore\"}, default \"strict\"\n"
                        "    Handling of invalid UTF-8 (bytes) or lone surrogates (str).\n"},
    {0, NULL},
};

static PyType_Spec Tokenizer_spec = {
    .name = "textkern.Tokenizer",
    .basicsize = sizeof(TokenizerObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = Tokenizer_slots,
};

const tkpy_tokconf *tkpy_tokenizer_conf(PyObject *obj)
{
    PyObject *module = PyType_GetModuleByDef(Py_TYPE(obj), &tkpy_module_def);
    if (!module) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "expected a textkern.Tokenizer, not %.100s",
                     Py_TYPE(obj)->tp_name);
        return NULL;
    }
    if (!PyObject_TypeCheck(obj, tkpy_get_state(module)->tokenizer_type)) {
        PyErr_Format(PyExc_TypeError, "expected a textkern.Tokenizer, not %.100s",
                     Py_TYPE(obj)->tp_name);
        return NULL;
    }
    return &((TokenizerObject *)obj)->conf;
}

/* ------------------------------------------------------------- module */
static PyMethodDef tokenize_functions[] = {
    {"segment", (PyCFunction)(void (*)(void))segment_wrapper, METH_VARARGS | METH_KEYWORDS,
     "segment(text, *, errors='strict')\n--\n\nSplit text at UAX #29 word boundaries."},
    {"tokenize", (PyCFunction)(void (*)(void))tokenize_wrapper, METH_VARARGS | METH_KEYWORDS,
     "tokenize(text, *, case='fold', normalize='NFKC', strip_accents=False, "
     "kinds=('word', 'number'), min_len=1, stopwords=None, offsets=False, errors='strict')\n--\n\n"
     "Word-like UAX #29 segments of text after normalization and case mapping."},
    {NULL, NULL, 0, NULL},
};

int tkpy_exec_tokenize(PyObject *module)
{
    tkpy_state *st = tkpy_get_state(module);
    st->default_case = PyUnicode_InternFromString("fold");
    st->default_normalize = PyUnicode_InternFromString("NFKC");
    st->default_kinds = Py_BuildValue("(ss)", "word", "number");
    st->default_min_len = PyLong_FromLong(1);
    if (!st->default_case || !st->default_normalize || !st->default_kinds || !st->default_min_len)
        return -1;
    st->tokenizer_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &Tokenizer_spec, NULL);
    if (!st->tokenizer_type)
        return -1;
    if (PyModule_AddType(module, st->tokenizer_type) < 0)
        return -1;
    return PyModule_AddFunctions(module, tokenize_functions);
}
