"""N-grams and term counts: ``ngrams``, ``count`` and ``Counts``.

The work happens in :mod:`textkern._core`: n-gram generation, hashing
and counting run in C (on C threads with the GIL released for
``count``), and the resulting :class:`Counts` keeps its terms in a C
arena until you ask for Python objects.

``Counts`` is registered as a ``collections.abc.Mapping``.  Iteration
follows first appearance; ``keys()``, ``values()`` and ``items()`` return
dict-like views in that order.  ``update()`` adds in place; a count or
total that would pass 2**63 - 1 raises ``OverflowError``.  As with
``Counter``, a zero count equals a missing term when two ``Counts`` (or a
``Counts`` and a ``Counter``) are compared, and ``+`` drops zero counts.
"""
from __future__ import annotations

import html
import numbers
import operator
import sys
from collections import Counter
from collections.abc import ItemsView, KeysView, Mapping, ValuesView
from typing import Optional, Tuple, Union

from . import _core
from ._progress import ProgressArg, corpus_progress
from ._stopwords import ENGLISH_STOP_WORDS
from ._tokens import _default_tokenizer
from ._warn import warn_user

__all__ = ["ngrams", "count", "Counts", "ANALYZERS"]

#: The built-in analyzers.
ANALYZERS = ("word", "char", "char_wb", "grapheme")

#: Term counts stored in C: a ``Mapping[str, int]`` without item assignment
#: (``update()`` adds in place).
Counts = _core.Counts
Mapping.register(Counts)

_TOKENIZER_OPTIONS = ("case", "normalize", "strip_accents", "kinds", "min_len",
                      "stopwords", "errors")


_MAX_N = sys.maxsize


def _ngram_bounds(n, name: str = "n") -> Tuple[int, int]:
    """Validate an int or an inclusive (lo, hi) pair; return (lo, hi) as ints.

    Any integral number but bool counts as an int (numpy integers too, as
    in scikit-learn).
    """
    # The common spellings first: the numbers.Integral checks below cost
    # 1 us, over a quarter of count() on a sentence.
    if type(n) is tuple and len(n) == 2 and type(n[0]) is int and type(n[1]) is int:
        lo, hi = n
        if 1 <= lo <= hi <= _MAX_N:
            return lo, hi
    elif type(n) is int and 1 <= n <= _MAX_N:
        return n, n
    if isinstance(n, bool):
        raise TypeError(f"{name} must be an int or a (lo, hi) pair, not bool")
    if isinstance(n, numbers.Integral):
        lo = hi = operator.index(n)
    else:
        try:
            lo, hi = n
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be an int or a (lo, hi) pair of ints, not {n!r}") from None
        for v in (lo, hi):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise TypeError(f"{name} must contain ints, not {v!r}")
        lo, hi = operator.index(lo), operator.index(hi)
    if lo < 1 or lo > hi:
        raise ValueError(f"invalid {name}={n!r}: need 1 <= lo <= hi")
    # No text has sys.maxsize tokens or characters: larger sizes give what
    # that one gives (nothing, or char_wb's whole padded words), and the C
    # core takes sizes as Py_ssize_t.
    return min(lo, _MAX_N), min(hi, _MAX_N)


def _make_tokenizer(options: dict):
    """Build a Tokenizer from tokenize() keyword options (validated in C)."""
    if not options:
        # Building one took 0.7 us, a fifth of count() on a sentence.
        return _default_tokenizer
    unknown = set(options) - set(_TOKENIZER_OPTIONS)
    if unknown:
        raise TypeError(
            "unexpected keyword argument(s) " + ", ".join(sorted(map(repr, unknown)))
            + "; tokenize options are " + ", ".join(_TOKENIZER_OPTIONS))
    if isinstance(options.get("stopwords"), str):
        if options["stopwords"] != "english":
            raise ValueError(f"unknown stop-word list {options['stopwords']!r}; "
                             "pass 'english' or a collection of words")
        options = dict(options, stopwords=sorted(ENGLISH_STOP_WORDS))
    return _core.Tokenizer(**options)


def _check_analyzer(analyzer, tokenize_options: dict) -> str:
    if analyzer not in ANALYZERS:
        raise ValueError(f"analyzer must be one of {', '.join(map(repr, ANALYZERS))}, "
                         f"not {analyzer!r}")
    if analyzer != "word" and tokenize_options.get("stopwords") is not None:
        # Stop words are words: the char and grapheme analyzers cut the
        # mapped text as it is (scikit-learn warns alike).
        warn_user(f"stopwords are not used because analyzer={analyzer!r} is not 'word'",
                  UserWarning)
    return analyzer


def ngrams(text, n: Union[int, Tuple[int, int]] = 2, *, analyzer: str = "word",
           **tokenize_options) -> list:
    """Return the n-grams of one text, in scikit-learn's order.

    Parameters
    ----------
    text : str or bytes-like
        The text (bytes are decoded as UTF-8 under ``errors``).
    n : int or (int, int), default 2
        The n-gram size, or an inclusive ``(lo, hi)`` range.
    analyzer : {"word", "char", "char_wb", "grapheme"}, default "word"
        - ``"word"``: n-grams of :func:`textkern.tokenize` tokens joined by
          one space. All ``lo``-grams come first, then ``lo+1``-grams, and
          so on, each in text order.
        - ``"char"``: code-point n-grams of the mapped text (normalization
          and case mapping of the whole text) after each run of two or more
          whitespace characters became one space, as scikit-learn does.
        - ``"char_wb"``: code-point n-grams inside each whitespace-separated
          word padded with one space on each side; a padded word shorter
          than n is emitted whole, once (scikit-learn's semantics).
        - ``"grapheme"``: like ``"char"`` but over extended grapheme clusters,
          so an emoji ZWJ sequence or a letter with its combining marks is
          never cut.
    **tokenize_options
        ``case``, ``normalize``, ``strip_accents``, ``kinds``, ``min_len``,
        ``stopwords`` (a collection or ``"english"``) and ``errors``, as in
        :func:`textkern.tokenize`. For char analyzers only ``case``,
        ``normalize``, ``strip_accents`` and ``errors`` apply.

    Returns
    -------
    list of str
        The n-grams, in the order described for each analyzer.

    Raises
    ------
    ValueError
        If ``n`` is not a valid size or range, or the analyzer is unknown.
    TypeError
        If ``text`` is not str or bytes-like.

    Examples
    --------
    >>> ngrams("The cat sat", (1, 2))
    ['the', 'cat', 'sat', 'the cat', 'cat sat']
    >>> ngrams("Hi you", 3, analyzer="char_wb")
    [' hi', 'hi ', ' yo', 'you', 'ou ']
    """
    lo, hi = _ngram_bounds(n)
    _check_analyzer(analyzer, tokenize_options)
    return _core.ngrams(text, _make_tokenizer(tokenize_options), analyzer, lo, hi)


def count(text_or_iterable, *, ngram_range: Union[int, Tuple[int, int]] = (1, 1),
          analyzer: str = "word", n_threads: Optional[int] = None,
          progress: ProgressArg = "auto", **tokenize_options) -> Counts:
    """Count the n-grams of one text or of a whole corpus.

    Parameters
    ----------
    text_or_iterable : str, bytes or iterable of str/bytes
        One document, or any iterable of documents (lists, generators,
        files' lines...). Iterables are consumed in batches, so memory
        stays bounded for generators.
    ngram_range : int or (int, int), default (1, 1)
        The n-gram size or inclusive range, as in :func:`ngrams`.
    analyzer : {"word", "char", "char_wb", "grapheme"}, default "word"
        See :func:`ngrams`.
    n_threads : int or None, default None
        C threads to use; ``None`` uses every core, except that an input
        under 32 KiB is counted on the calling thread (starting threads
        would cost more). The result (including the order of first
        appearance) is identical for any value.
    progress : bool, "auto" or callable, default "auto"
        ``True`` shows a tqdm bar counting documents (``pip install
        textkern[progress]``; without tqdm a warning is issued once and the
        count runs without a bar). ``"auto"`` shows one only in a notebook
        or on a terminal, for corpora of 1,000 documents or more (or of
        unknown length) that take over half a second. A callable receives
        ``(documents done, documents expected)``, the latter 0 for a
        generator, about ten times a second.
    **tokenize_options
        As in :func:`textkern.tokenize`.

    Returns
    -------
    Counts
        Term counts in order of first appearance.

    Raises
    ------
    TypeError
        If a corpus item is not str or bytes (the message names its index).
    ValueError
        On an invalid ``ngram_range`` or analyzer, or invalid UTF-8 under
        ``errors="strict"``.

    Examples
    --------
    >>> c = count(["The cat sat.", "The cat!"])
    >>> c.most_common(2)
    [('the', 2), ('cat', 2)]
    """
    lo, hi = _ngram_bounds(ngram_range, "ngram_range")
    _check_analyzer(analyzer, tokenize_options)
    tokenizer = _make_tokenizer(tokenize_options)
    if (isinstance(text_or_iterable, (str, bytes))
            and (progress is None or progress is False
                 or (isinstance(progress, str) and progress == "auto"))):
        # One text never gets an "auto" bar: skip the bar's set-up (0.9 us,
        # a quarter of count() on a sentence).
        return _core.count(text_or_iterable, tokenizer, analyzer, lo, hi, n_threads,
                           progress=None)
    with corpus_progress(progress, text_or_iterable, "count") as bar:
        return _core.count(text_or_iterable, tokenizer, analyzer, lo, hi, n_threads,
                           progress=bar.callback)


# ----------------------------------------------------- helpers for Counts (C)
# Counts.keys()/values()/items() return these: standard collections.abc views
# (set operations, ``in``, ``len``) whose iteration builds the Python objects
# in one C call instead of one lookup per key.
class _CountsKeysView(KeysView):
    __slots__ = ()

    def __iter__(self):
        return iter(self._mapping._keys_list())


class _CountsValuesView(ValuesView):
    __slots__ = ()

    def __iter__(self):
        return iter(self._mapping._values_list())


class _CountsItemsView(ItemsView):
    __slots__ = ()

    def __iter__(self):
        return iter(self._mapping._items_list())


def _counts_equal_dict(counts, other) -> bool:
    """``counts == other`` for a dict subclass: a Counter compares as
    Counters do (a missing term equals a zero count), any other as a dict."""
    if isinstance(other, Counter):
        return (all(other[term] == n for term, n in counts._items_list())
                and all(counts.get(term, 0) == n for term, n in other.items()))
    return counts.to_dict() == other


def _counts_to_pandas(counts):
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("Counts.to_pandas() needs pandas: pip install textkern[pandas]") from None
    top = counts.most_common()
    series = pd.Series([c for _, c in top], index=pd.Index([t for t, _ in top], name="term"),
                       name="count", dtype="int64")
    return series


#: Characters of a term that the notebook table shows; longer ones are cut.
_HTML_TERM_CHARS = 80


def _visible(term: str) -> str:
    # Invisible characters as repr escapes them, so that "a\nb" and "a b"
    # look different; the rest (quotes, backslashes) as they are.
    return html.escape("".join(c if c.isprintable() or c == " " else repr(c)[1:-1]
                               for c in term))


def _html_term(term: str) -> str:
    # One 50 MB token would otherwise be 50 MB of HTML in the notebook.
    if len(term) > _HTML_TERM_CHARS:
        return (_visible(term[:_HTML_TERM_CHARS]) + "&hellip; <i>(" + f"{len(term):,}"
                + " characters)</i>")
    return _visible(term)


def _counts_repr_html(counts, k: int = 20) -> str:
    top = counts.most_common(k)
    peak = top[0][1] if top else 0
    rows = []
    for term, n in top:
        width = 0 if n == 0 else max(1, round(100 * n / peak))
        rows.append(
            # white-space:pre: the spaces that start and end char n-grams show.
            "<tr><td style='text-align:left;font-family:monospace;white-space:pre'>{}</td>"
            "<td style='text-align:right'>{:,}</td>"
            "<td style='width:160px'><div style='background:#4c78a8;height:0.8em;"
            "width:{}%'></div></td></tr>".format(_html_term(term), n, width))
    more = len(counts) - len(top)
    caption = (f"Counts: {len(counts):,} terms, total {counts.total():,}"
               + (f" (top {len(top)} shown)" if more > 0 else ""))
    return ("<table style='border-collapse:collapse'><caption style='text-align:left'>"
            f"{html.escape(caption)}</caption>"
            "<thead><tr><th style='text-align:left'>term</th><th>count</th><th></th></tr></thead>"
            "<tbody>" + "".join(rows) + "</tbody></table>")
