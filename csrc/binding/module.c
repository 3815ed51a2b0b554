/* textkern._core: module definition with multi-phase init and module state. */
#include "binding.h"

#include <utf8proc.h>
#include <zlib.h>

#include "../core/tk_segment.h"

static int module_exec(PyObject *module)
{
    tkpy_state *st = tkpy_get_state(module);
    const char *wb_version = tk_wordbreak_unicode_version();
    const char *u8_version = utf8proc_unicode_version();
    PyObject *version;

    /* The word-break tables and utf8proc may come from different Unicode
     * releases; say so instead of pretending they agree. */
    if (strcmp(wb_version, u8_version) == 0)
        version = PyUnicode_FromString(wb_version);
    else
        version = PyUnicode_FromFormat("%s (utf8proc: %s)", wb_version, u8_version);
    if (PyModule_AddObject(module, "unicode_version", version) < 0) {
        Py_XDECREF(version);
        return -1;
    }
    if (PyModule_AddStringConstant(module, "utf8proc_version", utf8proc_version()) < 0
        || PyModule_AddStringConstant(module, "zlib_version", zlibVersion()) < 0
        || PyModule_AddIntConstant(module, "cpu_count", tk_cpu_count()) < 0)
        return -1;
    st->str_cache = PyMem_Calloc(TKPY_STR_CACHE_SIZE, sizeof(tkpy_str_cache_entry));
    if (!st->str_cache) {
        PyErr_NoMemory();
        return -1;
    }
    if (tkpy_exec_tokenize(module) < 0 || tkpy_exec_counts(module) < 0
        || tkpy_exec_vocabulary(module) < 0 || tkpy_exec_matrix(module) < 0
        || tkpy_exec_ncd(module) < 0 || tkpy_exec_testing(module) < 0)
        return -1;
    return 0;
}

static int module_traverse(PyObject *module, visitproc visit, void *arg)
{
    tkpy_state *st = tkpy_get_state(module);
    Py_VISIT(st->tokenizer_type);
    Py_VISIT(st->counts_type);
    Py_VISIT(st->ngram_table_type);
    Py_VISIT(st->default_case);
    Py_VISIT(st->default_normalize);
    Py_VISIT(st->default_kinds);
    Py_VISIT(st->default_min_len);
    return 0;
}

static int module_clear(PyObject *module)
{
    tkpy_state *st = tkpy_get_state(module);
    Py_CLEAR(st->tokenizer_type);
    Py_CLEAR(st->counts_type);
    Py_CLEAR(st->ngram_table_type);
    Py_CLEAR(st->default_case);
    Py_CLEAR(st->default_normalize);
    Py_CLEAR(st->default_kinds);
    Py_CLEAR(st->default_min_len);
    tkpy_str_cache_clear(st);
    return 0;
}

static void module_free(void *module)
{
    tkpy_state *st = tkpy_get_state((PyObject *)module);
    module_clear((PyObject *)module);
    PyMem_Free(st->str_cache);
    st->str_cache = NULL;
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, module_exec},
    {0, NULL},
};

PyModuleDef tkpy_module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "textkern._core",
    .m_doc = "C core of textkern: UAX #29 tokenization, n-gram counting and "
             "compression distances.",
    .m_size = sizeof(tkpy_state),
    .m_slots = module_slots,
    .m_traverse = module_traverse,
    .m_clear = module_clear,
    .m_free = module_free,
};

PyMODINIT_FUNC PyInit__core(void) { return PyModuleDef_Init(&tkpy_module_def); }
