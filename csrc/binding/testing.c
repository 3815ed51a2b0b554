/*
 * Hooks for the tests.
 *
 *   _threads_started()     threads the C core has started in this process
 *                          (every build: it only reads a counter)
 *
 * The rest are compiled in only when the extension is built with
 * TEXTKERN_ALLOC_FAULTS=1 (which defines TK_ALLOC_FAULTS).  In a normal
 * build the functions below do not exist, so nothing in a user's process
 * can make the core's allocator fail on purpose.
 *
 *   _fail_alloc_after(n)   make the n-th core allocation from now fail
 *                          (1 = the next one); n <= 0 disarms
 *   _alloc_fault_fired()   whether the armed failure has happened; always
 *                          disarms, so a call that needed fewer than n
 *                          allocations leaves nothing behind
 *
 *   _fail_lock_init_after(n)
 *                          let n more mutex / condition variable
 *                          initializations succeed, then fail every later
 *                          one; n < 0 disarms
 *
 * The countdown is one plain counter shared by all threads: tests that use
 * it run the core single-threaded (n_threads=1).
 */
#include "binding.h"

static PyObject *threads_started(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    return PyLong_FromSize_t(tk_threads_started());
}

static PyMethodDef counter_methods[] = {
    {"_threads_started", threads_started, METH_NOARGS,
     "_threads_started()\n--\n\nThreads the C core has started in this process so far."},
    {NULL, NULL, 0, NULL},
};

#ifdef TK_ALLOC_FAULTS

static long armed_after = 0;

static PyObject *fail_alloc_after(PyObject *module, PyObject *arg)
{
    long n = PyLong_AsLong(arg);
    (void)module;
    if (n == -1 && PyErr_Occurred())
        return NULL;
    armed_after = n > 0 ? n : 0;
    tk_alloc_fail_after(n);
    Py_RETURN_NONE;
}

static PyObject *alloc_fault_fired(PyObject *module, PyObject *unused)
{
    long i, pending = 0;
    void **probes;
    (void)module;
    (void)unused;
    if (armed_after <= 0)
        Py_RETURN_FALSE;
    /* The countdown is private to tk_alloc.c, so probe it: if it is still
     * armed it has at most armed_after allocations left, and one of that
     * many probes fails. */
    probes = PyMem_Calloc((size_t)armed_after, sizeof *probes);
    if (!probes) {
        tk_alloc_fail_after(0);
        armed_after = 0;
        return PyErr_NoMemory();
    }
    for (i = 0; i < armed_after; i++) {
        probes[i] = tk_malloc(1);
        if (!probes[i]) {
            pending = 1;
            break;
        }
    }
    for (i = 0; i < armed_after; i++)
        tk_free(probes[i]);
    PyMem_Free(probes);
    tk_alloc_fail_after(0);
    armed_after = 0;
    return PyBool_FromLong(!pending);
}

static PyObject *fail_lock_init_after(PyObject *module, PyObject *arg)
{
    long n = PyLong_AsLong(arg);
    (void)module;
    if (n == -1 && PyErr_Occurred())
        return NULL;
    tk_lock_init_fail_after(n < 0 ? -1 : n > INT_MAX ? INT_MAX : (int)n);
    Py_RETURN_NONE;
}

static PyMethodDef testing_methods[] = {
    {"_fail_alloc_after", fail_alloc_after, METH_O,
     "_fail_alloc_after(n)\n--\n\nTest builds only: make the n-th allocation of the C core "
     "from now fail (1 = the next); n <= 0 disarms."},
    {"_alloc_fault_fired", alloc_fault_fired, METH_NOARGS,
     "_alloc_fault_fired()\n--\n\nTest builds only: True if the failure armed by "
     "_fail_alloc_after has happened.  Disarms it either way."},
    {"_fail_lock_init_after", fail_lock_init_after, METH_O,
     "_fail_lock_init_after(n)\n--\n\nTest builds only: let n more mutex or condition "
     "variable initializations succeed, then fail every later one; n < 0 disarms."},
    {NULL, NULL, 0, NULL},
};

int tkpy_exec_testing(PyObject *module)
{
    if (PyModule_AddFunctions(module, counter_methods) < 0)
        return -1;
    return PyModule_AddFunctions(module, testing_methods);
}

#else

int tkpy_exec_testing(PyObject *module)
{
    return PyModule_AddFunctions(module, counter_methods);
}

#endif
