/* Placeholder until the NCD area lands: registers nothing yet. */
#include "binding.h"

int tkpy_exec_ncd(PyObject *module) { (void)module; return 0; }
