#include "tk_core.h"

const char *tk_strerror(int code)
{
    switch (code) {
    case TK_OK: return "success";
    case TK_ENOMEM: return "out of memory";
    case TK_EUTF8: return "invalid UTF-8";
    case TK_ESURROGATE: return "lone surrogate code point";
    case TK_EINVAL: return "invalid argument";
    case TK_EOVERFLOW: return "size too large";
    case TK_EZLIB: return "zlib error";
    case TK_ECANCELLED: return "cancelled";
    case TK_ETHREAD: return "could not start a thread";
    case TK_ECORRUPT: return "corrupt serialized state";
    case TK_EUTF8PROC: return "utf8proc error";
    case TK_EFORKED:
        return "the process forked during a threaded call, whose worker threads the child "
               "does not have";
    default: return "unknown textkern error";
    }
}
