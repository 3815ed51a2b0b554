"""textkern: fast, exact text analytics in C.

UAX #29 tokenization, n-gram counts and term frequencies, and
compression-based similarity, on a C core built on utf8proc and zlib.
"""
from . import _core

__version__ = "0.1.0"
unicode_version: str = _core.unicode_version
