/* Placeholder until the counting area lands: registers nothing yet. */
#include "binding.h"

int tkpy_exec_counts(PyObject *module) { (void)module; return 0; }
