"""textkern: fast, exact text analytics in C.

UAX #29 tokenization, n-gram counts and term frequencies, and
compression-based similarity, on a C core built on utf8proc and zlib.

Start with ``help(textkern.tokenize)``, ``help(textkern.count)`` and
``help(textkern.ncd_matrix)``; ``textkern.sample_articles()`` gives a few
multilingual news articles to try them on.
"""
from . import _core
from ._compare import SimilarityResult, compare
from ._counting import ANALYZERS, Counts, count, ngrams
from ._samples import sample_articles, sample_texts
from ._similarity import (
    CompressionKNN,
    LongTextWarning,
    compressed_size,
    ncd,
    ncd_matrix,
    nearest,
)
from ._tokens import DEFAULT_KINDS, Tokenizer, map_text, segment, tokenize

__version__ = "0.1.0"

#: Unicode version of the word-break tables (and utf8proc's, if different).
unicode_version: str = _core.unicode_version

# The vectorizers import scikit-learn when it is installed, which is slow;
# load them on first use so that ``import textkern`` stays fast.
_LAZY = {
    "CountVectorizer": "vectorizers",
    "TfidfVectorizer": "vectorizers",
    "HashingVectorizer": "vectorizers",
    "NotFittedError": "vectorizers",
}

# Submodules whose optional dependencies (matplotlib, dask) load only when
# their functions run; the modules themselves are cheap.
_LAZY_SUBMODULES = ("plot", "dask")


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'textkern' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module_name}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | set(_LAZY_SUBMODULES))


__all__ = [
    "__version__",
    "unicode_version",
    # tokenization
    "segment",
    "tokenize",
    "map_text",
    "Tokenizer",
    "DEFAULT_KINDS",
    # counting
    "ngrams",
    "count",
    "Counts",
    "ANALYZERS",
    "CountVectorizer",
    "TfidfVectorizer",
    "HashingVectorizer",
    "NotFittedError",
    # similarity
    "compressed_size",
    "ncd",
    "ncd_matrix",
    "nearest",
    "CompressionKNN",
    "LongTextWarning",
    "compare",
    "SimilarityResult",
    # sample data
    "sample_articles",
    "sample_texts",
]
