"""Tokenization: UAX #29 word segmentation with utf8proc mapping.

The work happens in :mod:`textkern._core`; this module holds the public
signatures, defaults and documentation.
"""
from __future__ import annotations

import functools
from typing import Iterable, Optional

from . import _core

__all__ = ["segment", "tokenize", "map_text", "Tokenizer", "DEFAULT_KINDS"]

#: Token kinds returned by default: words and numbers.
DEFAULT_KINDS = ("word", "number")

Tokenizer = _core.Tokenizer


@functools.lru_cache(maxsize=1)
def _english_stopwords():
    from ._stopwords import ENGLISH_STOP_WORDS
    return tuple(sorted(ENGLISH_STOP_WORDS))


@functools.lru_cache(maxsize=8, typed=True)
def _shared_tokenizer(case, normalize, strip_accents, kinds, min_len, stopwords, errors):
    # A Tokenizer per distinct option set: options are parsed once and its
    # mapping memo stays warm across tokenize() calls.
    return Tokenizer(case=case, normalize=normalize, strip_accents=strip_accents, kinds=kinds,
                     min_len=min_len, stopwords=stopwords, errors=errors)


_PLAIN_SCALARS = (type(None), str, bool, int)

# Tuples and frozensets already found to hold only str, by id; each is kept
# here, so its id cannot be reused while it is listed.  A handful is
# enough: callers pass the same few objects (constants, "english").
_all_str_collections: dict = {}


def _plain_words(words) -> bool:
    if words is None:
        return True
    if type(words) is not tuple and type(words) is not frozenset:
        return False
    if _all_str_collections.get(id(words)) is words:
        return True
    if not all(type(w) is str for w in words):
        return False
    if len(_all_str_collections) >= 8:
        _all_str_collections.clear()
    _all_str_collections[id(words)] = words
    return True


def _plain_options(case, normalize, strip_accents, kinds, min_len, stopwords, errors) -> bool:
    """Whether options can key the Tokenizer cache: plain values only.

    Any other hashable object is hashed by identity and may yield other
    words on the next call (or be a one-shot generator), so the cache
    would answer with a Tokenizer built from what it yielded before.
    """
    return (type(case) in _PLAIN_SCALARS and type(normalize) in _PLAIN_SCALARS
            and type(strip_accents) in _PLAIN_SCALARS and type(min_len) in _PLAIN_SCALARS
            and type(errors) in _PLAIN_SCALARS and _plain_words(kinds)
            and _plain_words(stopwords))


_default_tokenizer = Tokenizer()


def segment(text, *, errors: str = "strict") -> list:
    """Split text at Unicode (UAX #29) default word boundaries.

    Every piece between two boundaries is returned, in order, including
    spaces and punctuation, so ``"".join(segment(text)) == text`` holds for
    every ``str`` (lone surrogates are kept, segmented as U+FFFD would be).

    Parameters
    ----------
    text : str or bytes-like
        The text. Bytes are decoded as UTF-8.
    errors : {"strict", "replace", "ignore"}, default "strict"
        Handling of invalid UTF-8 in bytes input.

    Returns
    -------
    list of str
        The segments.

    Raises
    ------
    TypeError
        If ``text`` is not str or bytes-like.
    ValueError
        If bytes input is not valid UTF-8 under ``errors="strict"``; the
        message gives the byte offset.

    Examples
    --------
    >>> segment("Don't panic, 19일!")
    ["Don't", ' ', 'panic', ',', ' ', '19일', '!']
    """
    return _core.segment(text, errors=errors)


def tokenize(
    text,
    *,
    case: Optional[str] = "fold",
    normalize: Optional[str] = "NFKC",
    strip_accents: bool = False,
    kinds: Iterable[str] = DEFAULT_KINDS,
    min_len: int = 1,
    stopwords: Optional[Iterable[str]] = None,
    offsets: bool = False,
    errors: str = "strict",
) -> list:
    """Return the word-like tokens of a text.

    The text is split at UAX #29 word boundaries (on the original text);
    segments of the requested ``kinds`` are then mapped one by one with
    utf8proc: normalization, then case mapping, then optional accent
    stripping. Korean words stay whole ("19일" is one token), Han
    ideographs and hiragana are one token per character, katakana runs stay
    joined, and "don't", "3.14" and "1,000" are single tokens.

    Parameters
    ----------
    text : str or bytes-like
        The text. Bytes are decoded as UTF-8.
    case : {"fold", "lower", None}, default "fold"
        ``"fold"`` applies full Unicode case folding (ß becomes ss);
        ``"lower"`` is Python's ``str.lower`` of each normalized token
        (U+0130 becomes "i" + U+0307, and a capital sigma that ends a word
        becomes "ς"); ``None`` keeps case.  Without accent stripping a
        token maps exactly to ``N(f(N(token)))``, where ``N`` is
        ``unicodedata.normalize`` with this ``normalize`` (or nothing) and
        ``f`` is ``str.casefold`` or ``str.lower``.
    normalize : {"NFKC", "NFC", None}, default "NFKC"
        Unicode normalization form applied to each token.
    strip_accents : bool or {"unicode", "ascii"}, default False
        ``True``: decompose, drop the nonspacing marks (General_Category
        Mn: é becomes e) and recompose; spacing vowel signs (Mc, as in
        Hindi "हिन्दी" -> "हिनदी") stay.  ``"unicode"`` and ``"ascii"``
        are scikit-learn's functions exactly: compatibility decomposition,
        then every character with a nonzero combining class, or every
        non-ASCII character (words in other scripts disappear), is dropped;
        the result stays decomposed unless ``normalize`` is set.
    kinds : iterable of {"word", "number", "emoji", "punct"}
        Which segments to keep. ``"word"``: contains a letter, kana,
        ideograph or Hangul; ``"number"``: digits, possibly with internal
        ``,`` and ``.``; ``"emoji"``: pictographs and flags;
        ``"punct"``: any other visible segment (punctuation and symbols).
    min_len : int, default 1
        Drop tokens shorter than this many code points after mapping.
    stopwords : iterable of str or "english", optional
        Words to drop. They are mapped with the same options first, so
        ``stopwords=["The"]`` also drops "the" under case folding.
        ``"english"`` is textkern's own list, as in :func:`textkern.count`.
    offsets : bool, default False
        Return ``(token, start, end)`` tuples where ``text[start:end]`` is
        the original segment, in Python str indices. For bytes input the
        indices refer to ``text.decode("utf-8", errors)``.
    errors : {"strict", "replace", "ignore"}, default "strict"
        Handling of invalid UTF-8 (bytes) or lone surrogates (str).
        ``"replace"`` substitutes U+FFFD, ``"ignore"`` drops the bad part
        (offsets then refer to the text without it).

    Returns
    -------
    list of str, or list of (str, int, int) with ``offsets=True``
        The tokens in text order, or their ``(token, start, end)`` tuples.

    Raises
    ------
    TypeError
        If ``text`` is not str or bytes-like, or an option has the wrong type.
    ValueError
        For an unknown option value, or invalid UTF-8 / a lone surrogate
        under ``errors="strict"`` (the message gives the offset).

    See Also
    --------
    Tokenizer : The same options, fixed once; adds ``batch`` on C threads.

    Examples
    --------
    >>> tokenize("Die Straße ist 1,000 m lang.")
    ['die', 'strasse', 'ist', '1,000', 'm', 'lang']
    >>> tokenize("서울 19일 발표", offsets=True)
    [('서울', 0, 2), ('19일', 3, 6), ('발표', 7, 9)]
    """
    # The defaults skip the option cache: its key costs more per call than
    # tokenizing a short text.
    if (case == "fold" and normalize == "NFKC" and strip_accents is False
            and kinds is DEFAULT_KINDS and type(min_len) is int and min_len == 1
            and stopwords is None and errors == "strict"):
        if offsets is False:
            return _default_tokenizer(text)
        return _default_tokenizer(text, offsets=offsets)
    if isinstance(stopwords, str) and stopwords == "english":
        # The name, as count() and ngrams() take it (a tuple: the cache's key).
        stopwords = _english_stopwords()
    if _plain_options(case, normalize, strip_accents, kinds, min_len, stopwords, errors):
        tokenizer = _shared_tokenizer(case, normalize, strip_accents, kinds, min_len, stopwords,
                                      errors)
        return tokenizer(text, offsets=offsets)
    # Lists, generators and other objects: parsed afresh on every call.
    return _core.tokenize(
        text,
        case=case,
        normalize=normalize,
        strip_accents=strip_accents,
        kinds=kinds,
        min_len=min_len,
        stopwords=stopwords,
        offsets=offsets,
        errors=errors,
    )


def map_text(
    text,
    *,
    case: Optional[str] = "fold",
    normalize: Optional[str] = "NFKC",
    strip_accents: bool = False,
    errors: str = "strict",
) -> str:
    """Return the whole text mapped as :func:`tokenize` maps each token.

    Normalization, case mapping and accent stripping are applied to the
    text as one piece, with the same options and results as ``tokenize``
    and the char analyzers of :func:`textkern.ngrams` (before those
    collapse whitespace). Nothing is removed or split: spaces, punctuation
    and line breaks stay. This is what the vectorizers'
    ``build_preprocessor()`` returns.

    Parameters
    ----------
    text : str or bytes-like
        The text. Bytes are decoded as UTF-8.
    case : {"fold", "lower", None}, default "fold"
        As in :func:`tokenize`. With ``"lower"``, a capital sigma becomes
        "ς" where it ends a word of the whole text, as in ``str.lower``.
    normalize : {"NFKC", "NFC", None}, default "NFKC"
        As in :func:`tokenize`.
    strip_accents : bool or {"unicode", "ascii"}, default False
        As in :func:`tokenize`.
    errors : {"strict", "replace", "ignore"}, default "strict"
        Handling of invalid UTF-8 (bytes) or lone surrogates (str).

    Returns
    -------
    str
        Without accent stripping, exactly ``N(f(N(text)))``, where ``N``
        is ``unicodedata.normalize`` with ``normalize`` (or nothing) and
        ``f`` is ``str.casefold`` or ``str.lower`` (or nothing).

    Raises
    ------
    TypeError
        If ``text`` is not str or bytes-like, or an option has the wrong type.
    ValueError
        For an unknown option value, or invalid UTF-8 / a lone surrogate
        under ``errors="strict"`` (the message gives the offset).

    Examples
    --------
    >>> map_text("Die STRASSE, Größe ①")
    'die strasse, grösse 1'
    >>> map_text("Café!", strip_accents=True, case=None)
    'Cafe!'
    """
    if (case == "fold" and normalize == "NFKC" and strip_accents is False
            and errors == "strict"):
        return _core.map_text(text, _default_tokenizer)
    try:
        tokenizer = _shared_tokenizer(case, normalize, strip_accents, DEFAULT_KINDS, 1, None,
                                      errors)
    except TypeError:
        # Unhashable or badly typed options: a fresh Tokenizer parses them
        # and raises the precise error.
        tokenizer = Tokenizer(case=case, normalize=normalize, strip_accents=strip_accents,
                              errors=errors)
    return _core.map_text(text, tokenizer)
