"""The bad-input contract: what every public function does with each class of bad input.

``ROWS`` below is the single source of the table in ``docs/bad_input.md``:
each row's ``call`` is a Python expression that is both shown in the table
and evaluated by the test, so the documentation cannot drift from what is
checked.  ``test_doc_table_matches_rows`` fails when the two differ; run

    python tests/test_bad_input_contract.py --write-doc

to regenerate the table after editing ``ROWS``.

A row with ``bug=...`` records a known deviation from the required
behaviour (the issues' "Bad input" sections); it is a strict xfail, so it
turns into a failure - and should lose its ``bug`` - once fixed.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import pytest

import textkern
from textkern import (
    CompressionKNN,
    Counts,
    CountVectorizer,
    HashingVectorizer,
    LongTextWarning,
    NotFittedError,
    TfidfVectorizer,
    Tokenizer,
    compressed_size,
    count,
    ncd,
    ncd_matrix,
    nearest,
    map_text,
    ngrams,
    segment,
    tokenize,
)

DOC = Path(__file__).resolve().parent.parent / "docs" / "bad_input.md"
BEGIN = "<!-- contract table: generated from tests/test_bad_input_contract.py ROWS -->"
END = "<!-- end of contract table -->"

CASES = ("non-text", "invalid UTF-8", "lone surrogate", "NUL and controls", "empty",
         "huge", "bad option", "unfitted", "mixed str and bytes")

MB = 1_000_000


# ------------------------------------------------------------ expectations
@dataclass(frozen=True)
class Raises:
    exc: type
    match: Optional[str] = None     # regex the message must contain

    def describe(self) -> str:
        text = f"`{self.exc.__name__}`"
        if self.match:
            text += f" naming `{self.match.replace(chr(92), '')}`"
        return text

    def check(self, thunk: Callable[[], object]) -> None:
        with pytest.raises(self.exc, match=self.match):
            thunk()


@dataclass(frozen=True)
class Returns:
    text: str                        # shown in the table
    ok: Callable[[object], bool]     # checks the returned value
    warns: Optional[type] = None     # a warning that must be issued

    def describe(self) -> str:
        return self.text + (f" (warns `{self.warns.__name__}`)" if self.warns else "")

    def check(self, thunk: Callable[[], object]) -> None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = thunk()
        assert self.ok(value), f"unexpected result {value!r}"[:500]
        if self.warns is not None:
            assert any(issubclass(w.category, self.warns) for w in caught), \
                f"expected a {self.warns.__name__}"


@dataclass(frozen=True)
class Row:
    api: str
    case: str
    call: str            # a Python expression, evaluated with NAMESPACE
    expect: object       # Raises or Returns
    bug: Optional[str] = None   # known deviation: what happens today

    @property
    def id(self) -> str:
        return f"{self.api}|{self.case}|{self.call}"[:120]


def fitted(cls, **params):
    return cls(**params).fit(["the cat sat", "the dog ran", "a cat ran"])


def knn():
    return CompressionKNN(k=1).fit(["good film", "bad film"], ["pos", "neg"])


def zsize(data: bytes) -> int:
    return len(zlib.compress(data, 6))


NAMESPACE = {name: getattr(textkern, name) for name in textkern.__all__}
NAMESPACE.update(np=np, fitted=fitted, knn=knn, zsize=zsize, MB=MB)

A = "item 1"   # error messages name the corpus position of a bad item

ROWS = [
    # ---------------------------------------------------------------- segment
    Row("segment", "non-text", "segment(5)", Raises(TypeError, "str or bytes")),
    Row("segment", "non-text", "segment(None)", Raises(TypeError)),
    Row("segment", "non-text", "segment(['a'])", Raises(TypeError)),
    Row("segment", "invalid UTF-8", r'segment(b"a\xffb")', Raises(ValueError, "byte offset 1")),
    Row("segment", "invalid UTF-8", r'segment(b"a\xffb", errors="replace")',
        Returns("`['a', '\\ufffd', 'b']`", lambda r: r == ["a", "\ufffd", "b"])),
    Row("segment", "lone surrogate", r'segment("a\ud800b")',
        Returns("the pieces, joining back to the input (surrogate kept)",
                lambda r: "".join(r) == "a\ud800b")),
    Row("segment", "NUL and controls", r'segment("a\x00b\x01")',
        Returns("the pieces, joining back to the input", lambda r: "".join(r) == "a\x00b\x01")),
    Row("segment", "empty", 'segment("")', Returns("`[]`", lambda r: r == [])),
    Row("segment", "huge", 'segment(" " * 100 * MB)',
        Returns("one piece (100 MB of spaces is one segment)", lambda r: len(r) == 1)),
    Row("segment", "bad option", 'segment("a", errors="bogus")', Raises(ValueError, "errors")),
    # --------------------------------------------------------------- tokenize
    Row("tokenize", "non-text", "tokenize(5)", Raises(TypeError, "str or bytes")),
    Row("tokenize", "non-text", "tokenize(None)", Raises(TypeError)),
    Row("tokenize", "non-text", "tokenize(['a b'])", Raises(TypeError)),
    Row("tokenize", "non-text", "tokenize(memoryview(b'a b c d')[::2])",
        Raises(TypeError, "contiguous")),
    Row("tokenize", "invalid UTF-8", r'tokenize(b"ab\xffcd")', Raises(ValueError, "byte offset 2")),
    Row("tokenize", "invalid UTF-8", r'tokenize(b"ab\xffcd", errors="replace")',
        Returns("`['ab', 'cd']`", lambda r: r == ["ab", "cd"])),
    Row("tokenize", "invalid UTF-8", r'tokenize(b"ab\xffcd", errors="ignore")',
        Returns("`['abcd']`", lambda r: r == ["abcd"])),
    Row("tokenize", "lone surrogate", r'tokenize("ab\ud800cd")',
        Raises(ValueError, "surrogate U\\+D800 at index 2")),
    Row("tokenize", "lone surrogate", r'tokenize("ab\ud800cd", errors="replace")',
        Returns("`['ab', 'cd']`", lambda r: r == ["ab", "cd"])),
    Row("tokenize", "NUL and controls", r'tokenize("a\x00b\x01c\x7fd")',
        Returns("`['a', 'b', 'c', 'd']`", lambda r: r == ["a", "b", "c", "d"])),
    Row("tokenize", "NUL and controls", r'tokenize("e" + "\u0301" * 100_000)',
        Returns("one token (a long run of combining marks)", lambda r: len(r) == 1)),
    Row("tokenize", "NUL and controls", r'tokenize("\u200d" * 100_000)',
        Returns("`[]` (a long run of ZWJs)", lambda r: r == [])),
    Row("tokenize", "empty", 'tokenize("")', Returns("`[]`", lambda r: r == [])),
    Row("tokenize", "empty", 'tokenize(b"")', Returns("`[]`", lambda r: r == [])),
    Row("tokenize", "huge", 'tokenize(" " * 100 * MB)', Returns("`[]`", lambda r: r == [])),
    Row("tokenize", "huge", 'tokenize("a" * 50 * MB)',
        Returns("one 50 MB token", lambda r: len(r) == 1 and len(r[0]) == 50 * MB)),
    Row("tokenize", "bad option", 'tokenize("a", case="upper")', Raises(ValueError, "case")),
    Row("tokenize", "bad option", 'tokenize("a", normalize="NFD")', Raises(ValueError, "normalize")),
    Row("tokenize", "bad option", 'tokenize("a", kinds=())', Raises(ValueError, "kinds")),
    Row("tokenize", "bad option", 'tokenize("a", kinds=["words"])', Raises(ValueError, "kind")),
    Row("tokenize", "bad option", 'tokenize("a", kinds=5)', Raises(TypeError, "kinds")),
    Row("tokenize", "bad option", 'tokenize("a", min_len=-1)', Raises(ValueError, "min_len")),
    Row("tokenize", "bad option", 'tokenize("a", min_len="2")', Raises(TypeError, "min_len")),
    Row("tokenize", "bad option", 'tokenize("a", min_len=2**70)', Raises(OverflowError)),
    # numpy integers are ints here as everywhere (min_len refused them).
    Row("tokenize", "bad option", 'tokenize("aa b", min_len=np.int64(2))',
        Returns("works: `['aa']`", lambda r: r == ["aa"])),
    # Any object was taken for its truth value: [1] and a function meant True.
    Row("tokenize", "bad option", 'tokenize("a", strip_accents=[1])',
        Raises(TypeError, "strip_accents")),
    Row("tokenize", "bad option", 'tokenize("a", strip_accents=str.lower)',
        Raises(TypeError, "strip_accents")),
    Row("tokenize", "bad option", 'tokenize("a", stopwords="the")', Raises(TypeError, "stopwords")),
    Row("tokenize", "bad option", 'tokenize("a", stopwords=[1])', Raises(TypeError, "stopwords")),
    Row("tokenize", "bad option", r'tokenize("a", stopwords=["\ud800"])',
        Raises(ValueError, "surrogate")),
    Row("tokenize", "bad option", 'tokenize("a", errors="bogus")', Raises(ValueError, "errors")),
    Row("tokenize", "bad option", 'tokenize("a", colour=1)', Raises(TypeError)),
    # -------------------------------------------------------------- Tokenizer
    Row("Tokenizer", "bad option", 'Tokenizer(case="upper")', Raises(ValueError, "case")),
    Row("Tokenizer", "bad option", 'Tokenizer(kinds=[])', Raises(ValueError, "kinds")),
    Row("Tokenizer", "bad option", 'Tokenizer(min_len=-1)', Raises(ValueError, "min_len")),
    Row("Tokenizer", "bad option", 'Tokenizer(stopwords=5)', Raises(TypeError, "stopwords")),
    Row("Tokenizer", "bad option", 'Tokenizer(bogus=1)', Raises(TypeError)),
    Row("Tokenizer", "non-text", "Tokenizer()(5)", Raises(TypeError, "str or bytes")),
    Row("Tokenizer", "non-text", 'Tokenizer().batch("a b")', Raises(TypeError, "single text")),
    Row("Tokenizer", "non-text", "Tokenizer().batch(5)", Raises(TypeError)),
    Row("Tokenizer", "non-text", 'Tokenizer().batch(["a", 5])', Raises(TypeError, A)),
    Row("Tokenizer", "non-text", 'Tokenizer().batch(["a", ["b"]])', Raises(TypeError, A)),
    Row("Tokenizer", "invalid UTF-8", r'Tokenizer().batch(["a", b"\xff"])',
        Raises(ValueError, "item 1: invalid UTF-8 at byte offset 0")),
    Row("Tokenizer", "lone surrogate", r'Tokenizer().batch(["a", "\udc80"])',
        Raises(ValueError, "item 1: lone surrogate")),
    Row("Tokenizer", "NUL and controls", r'Tokenizer().batch(["a\x00b"])',
        Returns("`[['a', 'b']]`", lambda r: r == [["a", "b"]])),
    Row("Tokenizer", "empty", "Tokenizer().batch([])", Returns("`[]`", lambda r: r == [])),
    Row("Tokenizer", "empty", 'Tokenizer().batch(["", b""])',
        Returns("`[[], []]`", lambda r: r == [[], []])),
    Row("Tokenizer", "huge", 'Tokenizer().batch(["x y"] * 1_000_000, n_threads=2)',
        Returns("a million token lists", lambda r: len(r) == 1_000_000 and r[-1] == ["x", "y"])),
    Row("Tokenizer", "bad option", 'Tokenizer().batch(["a"], n_threads=0)',
        Raises(ValueError, "n_threads")),
    Row("Tokenizer", "bad option", 'Tokenizer().batch(["a"], n_threads=1.5)',
        Raises(TypeError, "n_threads")),
    # Failed at the first report with "'bool' object is not callable".
    Row("Tokenizer", "bad option", 'Tokenizer().batch(["a"], progress=True)',
        Raises(TypeError, "progress")),
    # Iterated as ints: "item 0: expected str or bytes, not int".
    Row("Tokenizer", "non-text", 'Tokenizer().batch(bytearray(b"a b"))',
        Raises(TypeError, "single text")),
    Row("Tokenizer", "bad option", 'Tokenizer().batch(["a"], n_threads=2**80)',
        Raises(ValueError, "n_threads")),
    Row("Tokenizer", "mixed str and bytes", 'Tokenizer().batch(["a b", b"c"])',
        Returns("works: each item is decoded on its own", lambda r: r == [["a", "b"], ["c"]])),
    # --------------------------------------------------------------- map_text
    Row("map_text", "non-text", "map_text(5)", Raises(TypeError, "str or bytes")),
    Row("map_text", "non-text", "map_text(['a'])", Raises(TypeError)),
    Row("map_text", "invalid UTF-8", r'map_text(b"ab\xffcd")', Raises(ValueError, "byte offset 2")),
    Row("map_text", "invalid UTF-8", r'map_text(b"ab\xffcd", errors="replace")',
        Returns("U+FFFD for the bad byte", lambda r: r == "ab\ufffdcd")),
    Row("map_text", "lone surrogate", r'map_text("ab\ud800cd")',
        Raises(ValueError, "surrogate U\\+D800 at index 2")),
    Row("map_text", "lone surrogate", r'map_text("ab\ud800cd", errors="ignore")',
        Returns("`'abcd'`", lambda r: r == "abcd")),
    Row("map_text", "NUL and controls", r'map_text("A\x00B\x01")',
        Returns("the NUL and the control kept, the letters mapped", lambda r: r == "a\x00b\x01")),
    Row("map_text", "NUL and controls", r'map_text("e" + "\u0301" * 100_000)',
        Returns("U+00E9 and 99,999 marks (NFKC composes one)",
                lambda r: r == "\u00e9" + "\u0301" * 99_999)),
    Row("map_text", "empty", 'map_text("")', Returns("`''`", lambda r: r == "")),
    Row("map_text", "huge", 'map_text("A" * 50 * MB)',
        Returns("50 MB of 'a'", lambda r: len(r) == 50 * MB and r[:3] == "aaa")),
    Row("map_text", "bad option", 'map_text("a", case="upper")', Raises(ValueError, "case")),
    Row("map_text", "bad option", 'map_text("a", kinds=("word",))', Raises(TypeError, "kinds")),
    # ----------------------------------------------------------------- ngrams
    Row("ngrams", "non-text", "ngrams(5)", Raises(TypeError, "str or bytes")),
    Row("ngrams", "invalid UTF-8", r'ngrams(b"a \xff", 1)', Raises(ValueError, "byte offset 2")),
    Row("ngrams", "lone surrogate", r'ngrams("a \udfff", 1, analyzer="char")',
        Raises(ValueError, "surrogate")),
    Row("ngrams", "NUL and controls", r'ngrams("a\x00b", 1, analyzer="char")',
        Returns("`['a', '\\x00', 'b']`", lambda r: r == ["a", "\x00", "b"])),
    Row("ngrams", "empty", 'ngrams("", (1, 3))', Returns("`[]`", lambda r: r == [])),
    Row("ngrams", "huge", 'ngrams("a" * 50 * MB, (1, 2))',
        Returns("one 50 MB unigram", lambda r: len(r) == 1 and len(r[0]) == 50 * MB)),
    Row("ngrams", "bad option", 'ngrams("a b", 0)', Raises(ValueError, "1 <= lo <= hi")),
    Row("ngrams", "bad option", 'ngrams("a b", (3, 2))', Raises(ValueError, "1 <= lo <= hi")),
    Row("ngrams", "bad option", 'ngrams("a b", (-1, 2))', Raises(ValueError)),
    Row("ngrams", "bad option", 'ngrams("a b", 1.5)', Raises(TypeError)),
    Row("ngrams", "huge", 'ngrams("a b", (1, 2**70))',
        Returns("works: as `(1, 2)`", lambda r: r == ["a", "b", "a b"])),
    Row("ngrams", "bad option", 'ngrams("a b", analyzer="chars")', Raises(ValueError, "analyzer")),
    Row("ngrams", "bad option", 'ngrams("a b", stopwords="french")', Raises(ValueError, "stop")),
    Row("ngrams", "bad option", 'ngrams("a b", colour=1)', Raises(TypeError, "colour")),
    # ------------------------------------------------------------------ count
    Row("count", "non-text", "count(5)", Raises(TypeError, "iterable")),
    Row("count", "non-text", 'count(["a", 5])', Raises(TypeError, A)),
    Row("count", "non-text", 'count(["a", None])', Raises(TypeError, A)),
    Row("count", "non-text", 'count([["a"]])', Raises(TypeError, "item 0")),
    Row("count", "invalid UTF-8", r'count(["a", b"\xc3"])',
        Raises(ValueError, "item 1: invalid UTF-8 at byte offset 0")),
    Row("count", "invalid UTF-8", r'count(["a", b"b\xc3"], errors="replace")',
        Returns("`{'a': 1, 'b': 1}`", lambda r: r.to_dict() == {"a": 1, "b": 1})),
    Row("count", "lone surrogate", r'count(["a", "b\ud800"])',
        Raises(ValueError, "item 1: lone surrogate")),
    Row("count", "NUL and controls", r'count("a\x00a")',
        Returns("`{'a': 2}`", lambda r: r.to_dict() == {"a": 2})),
    Row("count", "empty", "count([])", Returns("empty `Counts`", lambda r: len(r) == 0)),
    Row("count", "empty", 'count(["", b""])', Returns("empty `Counts`", lambda r: len(r) == 0)),
    Row("count", "empty", "count(iter(()))", Returns("empty `Counts`", lambda r: len(r) == 0)),
    Row("count", "huge", 'count("word " * 20 * MB)',
        Returns("`{'word': 20000000}` (100 MB)", lambda r: r.to_dict() == {"word": 20 * MB})),
    Row("count", "bad option", 'count("a", ngram_range=(0, 1))', Raises(ValueError, "ngram_range")),
    Row("count", "bad option", 'count("a", ngram_range=(2, 1))', Raises(ValueError, "ngram_range")),
    Row("count", "bad option", 'count("a", ngram_range="1-2")', Raises(TypeError)),
    Row("count", "bad option", 'count("a", analyzer="words")', Raises(ValueError, "analyzer")),
    Row("count", "bad option", 'count(["a"], n_threads=0)', Raises(ValueError, "n_threads")),
    Row("count", "bad option", 'count(["a"], n_threads="2")', Raises(TypeError, "n_threads")),
    # Beyond a C long it raised OverflowError naming nothing.
    Row("count", "bad option", 'count(["a"], n_threads=10**20)', Raises(ValueError, "n_threads")),
    # Beyond a C ssize_t it raised OverflowError; no text has that many tokens.
    Row("count", "huge", 'count("a b", ngram_range=(1, 10**20))',
        Returns("works: as `(1, 2)`", lambda r: r.to_dict() == {"a": 1, "b": 1, "a b": 1})),
    Row("count", "mixed str and bytes", 'count(["a b", b"a"])',
        Returns("works: `{'a': 2, 'b': 1}`", lambda r: r.to_dict() == {"a": 2, "b": 1})),
    Row("count", "non-text", 'count(memoryview(b"a b"))',
        Returns("counts the text, like `bytes`", lambda r: r.to_dict() == {"a": 1, "b": 1})),
    Row("count", "non-text", "count([memoryview(b'a b c')[::2]])",
        Raises(TypeError, "item 0: .*contiguous")),
    # A buffer of str or numbers is not a text (it read UCS-4 bytes or pointers).
    Row("count", "non-text", "count([b'ok', np.array(['a b'])])",
        Raises(TypeError, "item 1: expected str or bytes, not numpy.ndarray")),
    # pandas reads an empty cell as NaN: the message says what to do.
    Row("count", "non-text", "count(['a b', float('nan')])",
        Raises(TypeError, r"item 1: expected str or bytes, not float \(a missing value")),
    # numpy refuses a strided array with ValueError: still this TypeError.
    Row("count", "non-text", "count([b'ok', np.frombuffer(b'a b c', np.uint8)[::2]])",
        Raises(TypeError, "item 1: .*contiguous")),
    # ----------------------------------------------------------------- Counts
    Row("Counts", "non-text", "Counts(5)", Raises(TypeError)),
    Row("Counts", "non-text", 'Counts("abc")', Raises(TypeError, "one str")),
    # Iterated as byte values: "Counts keys must be str, not int".
    Row("Counts", "non-text", 'Counts(b"abc")', Raises(TypeError, "one bytes")),
    Row("Counts", "non-text", "Counts({1: 1})", Raises(TypeError, "keys must be str")),
    Row("Counts", "non-text", 'Counts({"a": "1"})', Raises(TypeError, "values must be int")),
    Row("Counts", "lone surrogate", r'Counts({"\ud800": 1})', Raises(ValueError, "surrogate")),
    Row("Counts", "bad option", 'Counts({"a": -1})', Raises(ValueError, ">= 0")),
    Row("Counts", "bad option", 'Counts({"a": 2**64})', Raises(OverflowError)),
    Row("Counts", "huge", 'Counts({"a": 2**63 - 1}) + Counts({"a": 1})', Raises(OverflowError)),
    Row("Counts", "huge", 'Counts({"a": 2**63 - 1, "b": 1}).total()', Raises(OverflowError)),
    Row("Counts", "empty", 'Counts()["a"]', Raises(KeyError)),
    Row("Counts", "non-text", 'count("a b")[5]', Raises(KeyError)),
    Row("Counts", "non-text", 'count("a b")[["a"]]', Raises(KeyError)),
    Row("Counts", "bad option", 'count("a b").most_common("2")', Raises(TypeError)),
    Row("Counts", "bad option", 'count("a b") + {"a": 1}', Raises(TypeError)),
    Row("Counts", "empty", 'Counts().most_common()', Returns("`[]`", lambda r: r == [])),
    # ------------------------------------------------------------ vectorizers
    *[row for cls in ("CountVectorizer", "TfidfVectorizer") for row in (
        Row(cls, "non-text", f'{cls}().fit("the cat")', Raises(ValueError, "Iterable over raw")),
        Row(cls, "non-text", f"{cls}().fit(5)", Raises(TypeError)),
        Row(cls, "non-text", f'{cls}().fit(["a", 5])', Raises(TypeError, A)),
        Row(cls, "non-text", f'{cls}(token_pattern=r"\\w+").fit(["a", 5])', Raises(TypeError, A)),
        Row(cls, "non-text", f'{cls}(tokenizer=str.split).fit(["a", None])', Raises(TypeError, A)),
        Row(cls, "invalid UTF-8", f'{cls}().fit(["a", b"\\xff"])',
            Raises(ValueError, "item 1: invalid UTF-8")),
        Row(cls, "invalid UTF-8", f'{cls}(decode_error="replace").fit_transform([b"a\\xffb"])',
            Returns("a 1 x 2 matrix (`a`, `b`)", lambda r: r.shape == (1, 2))),
        Row(cls, "lone surrogate", f'{cls}().fit(["a\\ud800"])',
            Raises(ValueError, "item 0: lone surrogate")),
        Row(cls, "lone surrogate", f'{cls}(analyzer=str.split).fit(["a", "b \\ud800"])',
            Raises(ValueError, "item 1: lone surrogate")),
        Row(cls, "non-text", f'{cls}(analyzer=lambda d: [tuple(d)]).fit(["ab"])',
            Raises(TypeError, "join")),
        Row(cls, "NUL and controls", f'{cls}().fit_transform(["a\\x00b"])',
            Returns("a 1 x 2 matrix", lambda r: r.shape == (1, 2))),
        Row(cls, "empty", f"{cls}().fit([])", Raises(ValueError, "empty vocabulary")),
        Row(cls, "empty", f'{cls}().fit(["", " "])', Raises(ValueError, "empty vocabulary")),
        Row(cls, "empty", f'{cls}(stop_words=["a"]).fit(["a", "A"])',
            Raises(ValueError, "empty vocabulary")),
        Row(cls, "empty", f'fitted({cls}).transform([])',
            Returns("a 0 x n_features matrix", lambda r: r.shape == (0, 6))),
        Row(cls, "bad option", f"{cls}(ngram_range=(0, 1)).fit(['a'])",
            Raises(ValueError, "ngram_range")),
        Row(cls, "bad option", f"{cls}(ngram_range=(2, 1)).fit(['a'])",
            Raises(ValueError, "ngram_range")),
        Row(cls, "bad option", f"{cls}(analyzer='words').fit(['a'])", Raises(ValueError)),
        Row(cls, "bad option", f"{cls}(min_df=-1).fit(['a'])", Raises(ValueError, "min_df")),
        Row(cls, "bad option", f"{cls}(min_df=1.5).fit(['a'])", Raises(ValueError, "min_df")),
        Row(cls, "bad option", f"{cls}(min_df='1').fit(['a'])", Raises(TypeError, "min_df")),
        Row(cls, "bad option", f"{cls}(min_df=3, max_df=1).fit(['a'])",
            Raises(ValueError, "max_df")),
        Row(cls, "bad option", f"{cls}(max_features=0).fit(['a'])",
            Raises(ValueError, "max_features")),
        Row(cls, "bad option", f"{cls}(vocabulary=['a', 'a']).fit(['a'])",
            Raises(ValueError, "Duplicate")),
        Row(cls, "bad option", f"{cls}(vocabulary={{'a': 1}}).fit(['a'])",
            Raises(ValueError, "index")),
        Row(cls, "bad option", f"{cls}(vocabulary=[]).fit(['a'])", Raises(ValueError, "empty")),
        Row(cls, "bad option", f"{cls}(stop_words='french').fit(['a'])", Raises(ValueError)),
        Row(cls, "bad option", f"{cls}(input='url').fit(['a'])", Raises(ValueError, "input")),
        Row(cls, "bad option", f"{cls}(decode_error='x').fit(['a'])",
            Raises(ValueError, "decode_error")),
        Row(cls, "bad option", f"{cls}(case='upper').fit(['a'])", Raises(ValueError, "case")),
        Row(cls, "bad option", f"{cls}(n_threads=0).fit(['a'])", Raises(ValueError, "n_threads")),
        Row(cls, "bad option", f"{cls}(strip_accents='x').fit(['a'])",
            Raises(ValueError, "strip_accents")),
        Row(cls, "bad option", f"{cls}(dtype=str).fit(['a'])",
            Raises(ValueError, "is not supported: scipy.sparse")),
        Row(cls, "bad option", f"{cls}(dtype='int3').fit(['a'])", Raises(TypeError)),
        Row(cls, "unfitted", f"{cls}().transform(['a'])", Raises(NotFittedError)),
        Row(cls, "unfitted", f"{cls}().get_feature_names_out()", Raises(NotFittedError)),
        Row(cls, "non-text", f'fitted({cls}).transform("the cat")',
            Raises(ValueError, "Iterable over raw")),
        Row(cls, "non-text", f'fitted({cls}).transform(["a", 5])', Raises(TypeError, A)),
        Row(cls, "mixed str and bytes", f'{cls}().fit_transform(["a b", b"a c"])',
            Returns("works: a 2 x 3 matrix", lambda r: r.shape == (2, 3))),
    )],
    Row("TfidfVectorizer", "bad option", "TfidfVectorizer(norm='l3').fit_transform(['a'])",
        Raises(ValueError, "norm")),
    Row("TfidfVectorizer", "unfitted", "TfidfVectorizer().idf_", Raises(NotFittedError)),
    Row("TfidfVectorizer", "empty", "TfidfVectorizer(vocabulary=['a']).fit([])",
        Raises(ValueError, "at least 1 document")),
    Row("CountVectorizer", "huge", 'CountVectorizer().fit_transform(["word " * 20 * MB])',
        Returns("`[[20000000]]` (100 MB)", lambda r: r.shape == (1, 1) and r[0, 0] == 20 * MB)),
    Row("TfidfVectorizer", "huge", 'TfidfVectorizer().fit_transform(["word " * 20 * MB])',
        Returns("`[[1.0]]` (100 MB)", lambda r: r.shape == (1, 1) and r[0, 0] == 1.0)),
    Row("HashingVectorizer", "huge", 'HashingVectorizer(n_features=8, norm=None).transform(["word " * 20 * MB])',
        Returns("one row summing to +/-20000000 (100 MB)", lambda r: abs(r.sum()) == 20 * MB)),
    Row("HashingVectorizer", "non-text", 'HashingVectorizer().transform("the cat")',
        Raises(ValueError, "Iterable over raw")),
    Row("HashingVectorizer", "non-text", 'HashingVectorizer().transform(["a", 5])',
        Raises(TypeError, A)),
    Row("HashingVectorizer", "invalid UTF-8", r'HashingVectorizer().transform(["a", b"\xff"])',
        Raises(ValueError, "item 1: invalid UTF-8")),
    Row("HashingVectorizer", "lone surrogate", r'HashingVectorizer().transform(["\ud800"])',
        Raises(ValueError, "item 0: lone surrogate")),
    Row("HashingVectorizer", "empty", "HashingVectorizer(n_features=8).transform([])",
        Returns("a 0 x 8 matrix", lambda r: r.shape == (0, 8))),
    Row("HashingVectorizer", "empty", 'HashingVectorizer(n_features=8).transform([""])',
        Returns("a 1 x 8 matrix of zeros", lambda r: r.shape == (1, 8) and r.nnz == 0)),
    Row("HashingVectorizer", "bad option", "HashingVectorizer(n_features=2.0).transform(['a'])",
        Raises(TypeError, "n_features")),
    Row("HashingVectorizer", "bad option", "HashingVectorizer(n_features=0).transform(['a'])",
        Raises(ValueError, "n_features")),
    Row("HashingVectorizer", "bad option", "HashingVectorizer(n_features=2**40).transform(['a'])",
        Raises(ValueError, "n_features")),
    Row("HashingVectorizer", "bad option", "HashingVectorizer(norm='l3').transform(['a'])",
        Raises(ValueError, "norm")),
    Row("HashingVectorizer", "bad option", "HashingVectorizer(dtype=np.float16).transform(['a'])",
        Raises(ValueError, "is not supported: scipy.sparse")),
    Row("HashingVectorizer", "bad option",
        "HashingVectorizer(dtype=np.uint8, norm=None).transform(['a'])",
        Raises(ValueError, "alternate_sign")),
    Row("HashingVectorizer", "unfitted", "HashingVectorizer(n_features=8).transform(['a b'])",
        Returns("works: stateless, nothing to fit", lambda r: r.shape == (1, 8))),
    Row("HashingVectorizer", "mixed str and bytes",
        'HashingVectorizer(n_features=8).transform(["a", b"a"])',
        Returns("works: both rows equal", lambda r: (r[0] != r[1]).nnz == 0)),
    # -------------------------------------------------------- compressed_size
    Row("compressed_size", "non-text", "compressed_size(5)", Raises(TypeError, "str or bytes")),
    Row("compressed_size", "non-text", "compressed_size(['a'])", Raises(TypeError)),
    Row("compressed_size", "invalid UTF-8", r'compressed_size(b"\xff\xfe")',
        Returns("works: bytes are compressed as they are",
                lambda r: r == zsize(b"\xff\xfe"))),
    Row("compressed_size", "lone surrogate", r'compressed_size("a\ud800")',
        Raises(ValueError, "surrogate")),
    Row("compressed_size", "NUL and controls", r'compressed_size("\x00" * 10)',
        Returns("`len(zlib.compress(...))`", lambda r: r == zsize(b"\x00" * 10))),
    Row("compressed_size", "empty", 'compressed_size(b"")',
        Returns("`len(zlib.compress(b''))` = 8", lambda r: r == zsize(b"") == 8)),
    Row("compressed_size", "huge", 'compressed_size(bytes(range(256)) * 40_000)',
        Returns("the exact size (10 MB)", lambda r: r == zsize(bytes(range(256)) * 40_000))),
    Row("compressed_size", "non-text", "compressed_size(memoryview(b'abcd')[::2])",
        Raises(TypeError, "contiguous")),
    Row("ncd_matrix", "non-text", "ncd_matrix([b'ab', np.frombuffer(b'abcd', np.uint8)[::2]])",
        Raises(TypeError, "xs item 1: .*contiguous")),
    Row("compressed_size", "bad option", 'compressed_size("a", level=10)',
        Raises(ValueError, "level")),
    Row("compressed_size", "bad option", 'compressed_size("a", level=-2)',
        Raises(ValueError, "level")),
    Row("compressed_size", "bad option", 'compressed_size("a", level=2**70)',
        Raises(ValueError, "level")),
    Row("compressed_size", "bad option", 'compressed_size("a", level=6.0)',
        Raises(TypeError, "level")),
    Row("compressed_size", "bad option", 'compressed_size("a", format="lz4")',
        Raises(ValueError, "format")),
    # -------------------------------------------------------------------- ncd
    Row("ncd", "non-text", 'ncd("a", 5)', Raises(TypeError, "str or bytes")),
    Row("ncd", "non-text", 'ncd("a", "b", sep=0)', Raises(TypeError, "sep")),
    Row("ncd", "mixed str and bytes", 'ncd("a", b"a")', Raises(TypeError, "both")),
    Row("ncd", "invalid UTF-8", r'ncd(b"\xff", b"\xfe")',
        Returns("a float (bytes need not be UTF-8)", lambda r: isinstance(r, float))),
    Row("ncd", "lone surrogate", r'ncd("a", "\udc00")',
        Raises(ValueError, "y: lone surrogate")),
    Row("ncd", "NUL and controls", r'ncd("\x00a", "\x00b")',
        Returns("a float", lambda r: isinstance(r, float))),
    Row("ncd", "empty", 'ncd("", "")', Returns("`0.0`", lambda r: r == 0.0)),
    Row("ncd", "empty", 'ncd(b"", b"x")', Returns("a defined float", lambda r: 0 <= r <= 2)),
    Row("ncd", "huge", 'ncd(b"ab" * MB, b"ba" * MB)',
        Returns("a float", lambda r: isinstance(r, float), warns=LongTextWarning)),
    Row("ncd", "bad option", 'ncd("a", "b", level=11)', Raises(ValueError, "level")),
    Row("ncd", "bad option", 'ncd("a", "b", format="zip")', Raises(ValueError, "format")),
    Row("ncd", "bad option", 'ncd("a", "b", metric="cosine")', Raises(ValueError, "metric")),
    # ------------------------------------------------------------- ncd_matrix
    Row("ncd_matrix", "non-text", 'ncd_matrix("abc")', Raises(TypeError, "single str")),
    Row("ncd_matrix", "non-text", "ncd_matrix(5)", Raises(TypeError, "sequence")),
    Row("ncd_matrix", "non-text", 'ncd_matrix(["a", 5])', Raises(TypeError, "xs item 1")),
    Row("ncd_matrix", "non-text", 'ncd_matrix(["a"], ["b", None])', Raises(TypeError, "ys item 1")),
    Row("ncd_matrix", "mixed str and bytes", 'ncd_matrix(["a", b"b"])',
        Raises(TypeError, "xs item 1")),
    Row("ncd_matrix", "mixed str and bytes", 'ncd_matrix(["a"], [b"b"])',
        Raises(TypeError, "ys item 0")),
    Row("ncd_matrix", "invalid UTF-8", r'ncd_matrix([b"\xff", b"\xc3"])',
        Returns("a 2 x 2 matrix", lambda r: r.shape == (2, 2))),
    Row("ncd_matrix", "lone surrogate", r'ncd_matrix(["a", "\ud800"])',
        Raises(ValueError, "xs item 1")),
    Row("ncd_matrix", "NUL and controls", r'ncd_matrix(["\x00", "\x01\x02"])',
        Returns("a 2 x 2 matrix", lambda r: r.shape == (2, 2))),
    Row("ncd_matrix", "empty", "ncd_matrix([])", Returns("shape `(0, 0)`", lambda r: r.shape == (0, 0))),
    Row("ncd_matrix", "empty", 'ncd_matrix([], ["a"])',
        Returns("shape `(0, 1)`", lambda r: r.shape == (0, 1))),
    Row("ncd_matrix", "empty", 'ncd_matrix(["", ""])',
        Returns("a 2 x 2 matrix of defined values", lambda r: np.isfinite(r).all())),
    Row("ncd_matrix", "huge", 'ncd_matrix([b"ab" * MB, b"xy" * MB])',
        Returns("a 2 x 2 matrix", lambda r: r.shape == (2, 2), warns=LongTextWarning)),
    Row("ncd_matrix", "non-text", "ncd_matrix([memoryview(b'abcd')[::2]])",
        Raises(TypeError, "xs item 0")),
    Row("ncd_matrix", "bad option", 'ncd_matrix(["a"], ["b"], symmetric=True)',
        Raises(ValueError, "symmetric")),
    Row("ncd_matrix", "bad option", 'ncd_matrix(["a"], level=-3)', Raises(ValueError, "level")),
    Row("ncd_matrix", "bad option", 'ncd_matrix(["a"], n_threads=0)',
        Raises(ValueError, "n_threads")),
    Row("ncd_matrix", "bad option", 'ncd_matrix(["a"], progress="yes")',
        Raises(TypeError, "progress")),
    # ---------------------------------------------------------------- nearest
    Row("nearest", "non-text", 'nearest("a", ["b"], 1)', Raises(TypeError, "single str")),
    Row("nearest", "non-text", 'nearest(["a"], ["b", 5], 1)', Raises(TypeError, "corpus item 1")),
    Row("nearest", "mixed str and bytes", 'nearest(["a"], [b"b"], 1)',
        Raises(TypeError, "corpus item 0")),
    Row("nearest", "lone surrogate", r'nearest(["\ud800"], ["b"], 1)',
        Raises(ValueError, "queries item 0")),
    Row("nearest", "empty", 'nearest([], ["a", "b"], 2)',
        Returns("two arrays of shape `(0, 2)`", lambda r: r[0].shape == r[1].shape == (0, 2))),
    Row("nearest", "empty", 'nearest(["a"], [], 1)', Raises(ValueError, "k must be")),
    Row("nearest", "bad option", 'nearest(["a"], ["b"], 0)', Raises(ValueError, "k must be")),
    Row("nearest", "bad option", 'nearest(["a"], ["b"], 2)', Raises(ValueError, "k must be")),
    Row("nearest", "bad option", 'nearest(["a"], ["b"], 1.0)', Raises(TypeError, "k must be")),
    Row("nearest", "huge", 'nearest([b"ab" * MB], [b"ba" * MB, b"x"], 1)',
        Returns("the nearest index", lambda r: r[0].shape == (1, 1), warns=LongTextWarning)),
    # ---------------------------------------------------------- CompressionKNN
    Row("CompressionKNN", "unfitted", 'CompressionKNN().predict(["a"])', Raises(NotFittedError)),
    Row("CompressionKNN", "unfitted", 'CompressionKNN().predict_proba(["a"])',
        Raises(NotFittedError)),
    Row("CompressionKNN", "unfitted", 'CompressionKNN().kneighbors(["a"])',
        Raises(NotFittedError)),
    Row("CompressionKNN", "unfitted", 'CompressionKNN().score(["a"], ["pos"])',
        Raises(NotFittedError)),
    Row("CompressionKNN", "bad option", 'CompressionKNN().fit(["a", "b"], ["pos"])',
        Raises(ValueError, "different lengths")),
    Row("CompressionKNN", "empty", "CompressionKNN().fit([], [])", Raises(ValueError, "zero")),
    Row("CompressionKNN", "bad option", 'CompressionKNN(k=0).fit(["a"], ["pos"])',
        Raises(ValueError, "k must be")),
    Row("CompressionKNN", "bad option", 'CompressionKNN(level=10).fit(["a"], ["pos"])',
        Raises(ValueError, "level")),
    Row("CompressionKNN", "bad option", 'CompressionKNN(format="xz").fit(["a"], ["pos"])',
        Raises(ValueError, "format")),
    Row("CompressionKNN", "bad option", 'CompressionKNN().fit(["a", "b"], [[0], [1]])',
        Raises(ValueError, "one-dimensional")),
    Row("CompressionKNN", "bad option", 'knn().kneighbors(["a"], n_neighbors=3)',
        Raises(ValueError, "exceeds")),
    Row("CompressionKNN", "non-text", 'CompressionKNN().fit("ab", ["pos", "neg"])',
        Raises(TypeError, "single str")),
    Row("CompressionKNN", "non-text", 'CompressionKNN(k=1).fit(["a", 5], ["pos", "neg"])',
        Raises(TypeError, "X item 1")),
    Row("CompressionKNN", "non-text",
        'CompressionKNN(k=1).fit([memoryview(b"abcd")[::2], b"x"], ["pos", "neg"])',
        Raises(TypeError, "X item 0")),
    Row("CompressionKNN", "lone surrogate", r'CompressionKNN(k=1).fit(["a", "b\udc00"], [1, 2])',
        Raises(ValueError, "X item 1: lone surrogate")),
    Row("CompressionKNN", "bad option", 'CompressionKNN(k=2.0).fit(["a", "b"], [1, 2])',
        Raises(TypeError, "k must be")),
    Row("CompressionKNN", "mixed str and bytes",
        'CompressionKNN(k=1).fit(["a", b"b"], ["pos", "neg"])', Raises(TypeError, "X item 1")),
    Row("CompressionKNN", "mixed str and bytes", 'knn().predict([b"good film"])',
        Raises(TypeError, "do not mix")),
    Row("CompressionKNN", "empty", "knn().predict([])",
        Returns("an empty array", lambda r: len(r) == 0)),
    # ---------------------------------------------------------------- compare
    Row("compare", "non-text", 'compare("abc")', Raises(TypeError, "single str")),
    Row("compare", "non-text", 'compare(["a", 5])', Raises(TypeError, "item 1")),
    Row("compare", "mixed str and bytes", 'compare(["a", b"b"])', Raises(TypeError, "item 1")),
    Row("compare", "lone surrogate", r'compare(["a", "\ud800"])', Raises(ValueError, "item 1")),
    Row("compare", "invalid UTF-8", r'compare([b"\xff", b"\xfe"], progress=False)',
        Returns("a 2 x 2 result", lambda r: r.matrix.shape == (2, 2))),
    Row("compare", "NUL and controls", r'compare(["\x00a", "\x00b"], progress=False)',
        Returns("a 2 x 2 result", lambda r: r.matrix.shape == (2, 2))),
    Row("compare", "empty", "compare([], progress=False)",
        Returns("an empty result", lambda r: r.matrix.shape == (0, 0))),
    Row("compare", "bad option", 'compare(["a", "b"], labels=["x"])',
        Raises(ValueError, "labels")),
    Row("compare", "bad option", 'compare(["a"], level=12)', Raises(ValueError, "level")),
    Row("compare", "bad option", 'compare(["a"], metric="l2")', Raises(ValueError, "metric")),
    Row("compare", "huge", 'compare([b"ab" * MB, b"xy" * MB], progress=False)',
        Returns("a 2 x 2 result", lambda r: r.matrix.shape == (2, 2), warns=LongTextWarning)),
]


def _params():
    for row in ROWS:
        marks = [pytest.mark.xfail(strict=True, reason=row.bug)] if row.bug else []
        yield pytest.param(row, id=row.id, marks=marks)


@pytest.mark.parametrize("row", list(_params()))
def test_contract_row(row: Row):
    assert row.case in CASES
    code = compile(row.call, f"<row {row.id}>", "eval")
    row.expect.check(lambda: eval(code, dict(NAMESPACE)))


# ------------------------------------------------------------ documentation
def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_table() -> str:
    lines = ["| Function | Bad input | Call | Required result | Today |",
             "|---|---|---|---|---|"]
    for row in ROWS:
        status = f"**bug**: {row.bug}" if row.bug else "as required"
        lines.append(f"| `{row.api}` | {row.case} | `{_cell(row.call)}` | "
                     f"{_cell(row.expect.describe())} | {_cell(status)} |")
    return "\n".join(lines)


def _doc_table(text: str) -> str:
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[start:end].strip()


def test_every_public_name_has_rows():
    covered = {row.api for row in ROWS}
    public = {"segment", "tokenize", "Tokenizer", "ngrams", "count", "Counts",
              "CountVectorizer", "TfidfVectorizer", "HashingVectorizer", "compressed_size",
              "ncd", "ncd_matrix", "nearest", "CompressionKNN", "compare"}
    assert public <= covered
    # The functions and classes textkern exports are all covered (sample data
    # takes no input; the constants and warnings are not callables of text).
    untouched = {name for name in textkern.__all__
                 if callable(getattr(textkern, name)) and name not in covered}
    # SimilarityResult is what compare() returns; its rows are compare's.
    assert untouched <= {"sample_articles", "sample_texts", "LongTextWarning", "NotFittedError",
                         "SimilarityResult"}


def test_every_case_is_covered():
    # Each class of bad input appears somewhere; each text function covers
    # the classes that apply to it.
    assert {row.case for row in ROWS} == set(CASES)
    for api in ("segment", "tokenize", "ngrams", "count", "CountVectorizer", "TfidfVectorizer",
                "compressed_size", "ncd", "ncd_matrix"):
        cases = {row.case for row in ROWS if row.api == api}
        for needed in ("non-text", "empty", "huge", "bad option"):
            assert needed in cases, (api, needed)


def test_doc_table_matches_rows():
    assert DOC.exists(), f"{DOC} is missing: run python {__file__} --write-doc"
    assert _doc_table(DOC.read_text(encoding="utf-8")) == render_table(), (
        f"docs/bad_input.md is out of date: run python tests/{Path(__file__).name} --write-doc")


def test_huge_single_token_memory_is_a_few_times_the_input():
    # Issue 2: a 50 MB single token works with memory no more than a few times
    # the input.  Measured in a fresh process, where the peak RSS is ours.
    script = textwrap.dedent("""
        import resource, textkern
        def peak():
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        text = "a" * 50_000_000
        before = peak()
        tokens = textkern.tokenize(text)
        assert len(tokens) == 1 and len(tokens[0]) == 50_000_000
        print(peak() - before)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    growth = int(out.stdout.strip())
    assert growth <= 6 * 50_000_000, f"peak RSS grew by {growth / 1e6:.0f} MB for a 50 MB token"


def write_doc() -> None:
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    DOC.write_text(text[:start] + "\n" + render_table() + "\n" + text[end:], encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write-doc"]:
        write_doc()
        print(f"wrote {DOC}")
    else:
        print(render_table())
