"""textkern: fast, exact text analytics in C.

UAX #29 tokenization, n-gram counts and term frequencies, and
compression-based similarity, on a C core built on utf8proc and zlib.

See ``help(textkern.tokenize)``, ``help(textkern.count)`` and
``help(textkern.ncd_matrix)`` to start.
"""
from . import _core
from ._tokens import DEFAULT_KINDS, Tokenizer, segment, tokenize

__version__ = "0.1.0"

#: Unicode version of the word-break tables (and utf8proc's, if different).
unicode_version: str = _core.unicode_version

__all__ = [
    "__version__",
    "unicode_version",
    "segment",
    "tokenize",
    "Tokenizer",
    "DEFAULT_KINDS",
]
