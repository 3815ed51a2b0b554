/* Placeholder until the tokenize area lands. */
#include "binding.h"

int tkpy_exec_tokenize(PyObject *module) { (void)module; return 0; }
