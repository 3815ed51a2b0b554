#!/usr/bin/env python3
"""Fuzz textkern's public Python API: only documented exceptions may come out.

Run it standalone with atheris (``pip install atheris``)::

    python tests/fuzz_api_atheris.py -max_total_time=300      # seconds
    python tests/fuzz_api_atheris.py --seconds 300             # the same

It is also a library: ``tests/test_api_fuzz.py`` drives the very same
``run_one`` from hypothesis, so the two harnesses cannot drift apart.  The
driver draws every choice from a ``Source`` (atheris' FuzzedDataProvider or
hypothesis' ``data.draw``): which public function to call, then random
arguments of random types - text with lone surrogates, NULs, combining
marks and emoji, invalid UTF-8, huge and negative ints, NaN, nested lists,
generators, numpy arrays, bad option values - and calls it.

Allowed outcomes are a return value, or one of the exceptions the API
documents for bad input (``ALLOWED``).  Anything else is reported as a
failure with a reproducer; a crash kills the process (atheris records the
input).  Not named ``test_*`` so that pytest does not collect it.
"""
from __future__ import annotations

import collections
import pickle
import re
import sys
import warnings

import numpy as np

if __name__ == "__main__":
    # Coverage feedback for textkern's own Python code only: instrumenting
    # numpy and scikit-learn as well takes minutes and buys nothing.
    import atheris
    with atheris.instrument_imports(include=["textkern"]):
        import textkern
        import textkern.vectorizers  # noqa: F401 - loaded lazily otherwise

import textkern

# Exceptions the public API documents for bad arguments.  NotFittedError
# subclasses ValueError, UnicodeError subclasses ValueError, so both are
# covered.  KeyError only for Mapping lookups (see KEY_ERROR_OK).
ALLOWED = (TypeError, ValueError, OverflowError)


class UserCallbackError(Exception):
    """Raised on purpose by callables the fuzzer passes in; must propagate unchanged."""


# Non-contiguous memoryviews (a TypeError everywhere) also go to the
# compression functions; set False to leave them out there.
FUZZ_NONCONTIGUOUS_NCD = True


class Source:
    """Where the fuzzer's choices come from."""

    def int(self, lo: int, hi: int) -> int:  # inclusive
        raise NotImplementedError

    def bytes(self, max_len: int) -> bytes:
        raise NotImplementedError

    def pick(self, seq):
        return seq[self.int(0, len(seq) - 1)]

    def coin(self, one_in: int = 2) -> bool:
        return self.int(1, one_in) == 1


class AtherisSource(Source):
    def __init__(self, fdp):
        self.fdp = fdp

    def int(self, lo, hi):
        return self.fdp.ConsumeIntInRange(lo, hi)

    def bytes(self, max_len):
        return self.fdp.ConsumeBytes(self.fdp.ConsumeIntInRange(0, max_len))


class HypothesisSource(Source):
    def __init__(self, data):
        from hypothesis import strategies as st
        self.data = data
        self.st = st

    def int(self, lo, hi):
        return self.data.draw(self.st.integers(lo, hi))

    def bytes(self, max_len):
        return self.data.draw(self.st.binary(max_size=max_len))


# ------------------------------------------------------------------ values
# Characters that exercise the segmenter and the mapping: ASCII, spaces and
# controls, NUL, combining marks, ZWJ, emoji parts, Hangul, Han, kana,
# Devanagari with a vowel sign, Arabic, ligatures and compatibility forms,
# the characters with special case mappings, noncharacters, surrogates.
INTERESTING = (
    "aZ09 ,.'’:-_\t\n\r\x0b\x0c\x00\x1f\x7f\x85\u00a0\u2028\u3000"
    "\u0301\u0308\u200d\u200b\u00ad\ufe0f\U0001f3fb\U0001f468\U0001f469\u2764\U0001f1f0\U0001f1f7"
    "한국어19일ㄱ\u1100\u1161\u11a8漢字ひらがなカタカナｶﾀｶﾅ"
    "हिन्दी\u093fعربي\u0640ﬁ①ßİıŉǰΣς\ufdd0\uffff\ufffd\U0010ffff"
    "\ud800\udc00\udbff\udfff"
)


def draw_text(src: Source, max_len: int = 24) -> str:
    n = src.int(0, max_len)
    out = []
    for _ in range(n):
        how = src.int(0, 9)
        if how < 7:
            out.append(src.pick(INTERESTING))
        elif how < 9:
            out.append(chr(src.int(0x20, 0x7e)))
        else:
            out.append(chr(src.int(0, 0x10FFFF)))
    if src.coin(8):   # long runs: combining marks, ZWJs, one long token
        out.append(src.pick(("\u0301", "\u200d", "a", " ", "1,", "\U0001f3fb")) * src.int(1, 3000))
    return "".join(out)


def draw_bytes(src: Source, max_len: int = 24) -> bytes:
    if src.coin(2):
        text = draw_text(src, max_len)
        return text.encode("utf-8", "surrogatepass")   # UTF-8, or surrogates (invalid)
    return src.bytes(max_len)


def draw_textlike(src: Source, noncontiguous: bool = True):
    """A text in one of the forms the API accepts (str or a bytes-like)."""
    kind = src.int(0, 9)
    if kind < 5:
        return draw_text(src)
    b = draw_bytes(src)
    if kind < 8:
        return b
    if kind == 8:
        return bytearray(b)
    if noncontiguous and src.coin():
        return memoryview(b)[::2]     # not contiguous: TypeError
    return memoryview(b)


def draw_ncd_textlike(src: Source):
    return draw_textlike(src, noncontiguous=FUZZ_NONCONTIGUOUS_NCD)


HUGE_INTS = (-1, 0, 1, 2, 3, 7, 10, -2, 2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, 2**64,
             -2**63, -2**63 - 1, 2**1000, -2**1000)


def draw_junk(src: Source, depth: int = 0):
    """Any value at all (what a careless caller might pass)."""
    kind = src.int(0, 17)
    if kind == 0:
        return None
    if kind == 1:
        return src.coin()
    if kind == 2:
        return src.pick(HUGE_INTS)
    if kind == 3:
        return src.int(-5, 40)
    if kind == 4:
        return src.pick((0.0, -0.0, 0.5, 1.0, 1.5, -1.0, float("nan"), float("inf"),
                         float("-inf"), 1e300))
    if kind in (5, 6):
        return draw_text(src)
    if kind == 7:
        return draw_bytes(src)
    if kind == 8:
        return bytearray(draw_bytes(src))
    if kind in (9, 10) and depth < 3:
        return [draw_junk(src, depth + 1) for _ in range(src.int(0, 4))]
    if kind == 11 and depth < 3:
        return tuple(draw_junk(src, depth + 1) for _ in range(src.int(0, 3)))
    if kind == 12 and depth < 3:
        return {draw_text(src, 4): draw_junk(src, depth + 1) for _ in range(src.int(0, 3))}
    if kind == 13:
        return object()
    if kind == 14:
        return np.array([src.int(-3, 300) for _ in range(src.int(0, 4))],
                        dtype=src.pick((np.int64, np.uint8, np.float64)))
    if kind == 15 and depth < 3:
        items = [draw_junk(src, depth + 1) for _ in range(src.int(0, 3))]
        return (x for x in items)
    if kind == 16:
        return {draw_text(src, 3) for _ in range(src.int(0, 3))}
    return src.pick(("word", "fold", "lower", "NFC", "NFKC", "strict", "replace", "ignore",
                     "char", "char_wb", "grapheme", "zlib", "gzip", "deflate", "ncd", "cdm",
                     "english", "l1", "l2", ""))


def maybe(src: Source, good, junk_one_in: int = 6):
    """Usually a valid option value, sometimes anything."""
    if src.coin(junk_one_in):
        return draw_junk(src)
    return src.pick(good) if isinstance(good, (list, tuple)) else good


def draw_corpus(src: Source, *, same_kind: bool = False, min_len: int = 0):
    """A list (or other iterable) of texts, now and then with a bad item.

    same_kind: for the compression functions (all str or all bytes, usually).
    """
    n = src.int(min_len, 6)
    if same_kind and src.coin(4) is False:
        as_bytes = src.coin()
        items = [draw_bytes(src) if as_bytes else draw_text(src) for _ in range(n)]
    elif same_kind:
        items = [draw_ncd_textlike(src) for _ in range(n)]
    else:
        items = [draw_textlike(src) for _ in range(n)]
    if items and src.coin(6):
        items[src.int(0, len(items) - 1)] = draw_junk(src)
    shape = src.int(0, 9)
    if shape == 0:
        return tuple(items)
    if shape == 1:
        return (x for x in items)
    if shape == 2 and src.coin(4):
        return draw_junk(src)
    return items


def tokenize_options(src: Source) -> dict:
    opts = {}
    if src.coin(3):
        opts["case"] = maybe(src, ("fold", "lower", None))
    if src.coin(3):
        opts["normalize"] = maybe(src, ("NFC", "NFKC", None))
    if src.coin(4):
        opts["strip_accents"] = maybe(src, (True, False))
    if src.coin(3):
        opts["kinds"] = maybe(src, (("word",), ("word", "number"), ("emoji", "punct"),
                                    "number", ("word", "number", "emoji", "punct")))
    if src.coin(4):
        opts["min_len"] = maybe(src, (0, 1, 2, 5))
    if src.coin(4):
        opts["stopwords"] = maybe(src, (None, ["the", "A"], {"ß"}, ("und",), []))
    if src.coin(3):
        opts["errors"] = maybe(src, ("strict", "replace", "ignore"))
    return opts


def ngram_range(src: Source):
    return maybe(src, ((1, 1), (1, 2), (2, 3), 1, 2, (1, 4)))


def n_threads(src: Source):
    return maybe(src, (None, 1, 2, 3))


def ncd_options(src: Source) -> dict:
    opts = {}
    if src.coin(3):
        opts["level"] = maybe(src, (-1, 0, 1, 6, 9))
    if src.coin(3):
        opts["format"] = maybe(src, ("zlib", "gzip", "deflate"))
    if src.coin(3):
        opts["sep"] = maybe(src, ("", " ", b"\x00", "\u00a0"))
    if src.coin(4):
        opts["metric"] = maybe(src, ("ncd", "cdm"))
    return opts


def progress_arg(src: Source):
    choice = src.int(0, 5)
    if choice == 0:
        return lambda done, total: None
    if choice == 1:
        def boom(done, total):
            raise UserCallbackError("progress callback")
        return boom
    if choice == 2:
        junk = draw_junk(src)
        return False if junk is True else junk   # True would draw tqdm bars
    return False


# ----------------------------------------------------------------- targets
def t_segment(src):
    text = draw_textlike(src) if src.coin(6) is False else draw_junk(src)
    kwargs = {"errors": maybe(src, ("strict", "replace", "ignore"))} if src.coin(3) else {}
    pieces = textkern.segment(text, **kwargs)
    if isinstance(text, str):
        assert "".join(pieces) == text, "segment() must round-trip every str"


def t_tokenize(src):
    text = draw_textlike(src) if src.coin(6) is False else draw_junk(src)
    opts = tokenize_options(src)
    if src.coin(3):
        opts["offsets"] = maybe(src, (True, False))
    result = textkern.tokenize(text, **opts)
    assert isinstance(result, list)
    if opts.get("offsets") is True and isinstance(text, str) and opts.get("errors") != "ignore":
        for _, start, end in result:
            assert 0 <= start <= end <= len(text)


def t_tokenizer(src):
    tok = textkern.Tokenizer(**tokenize_options(src))
    for _ in range(src.int(1, 3)):
        how = src.int(0, 3)
        if how == 0:
            tok(draw_textlike(src) if src.coin(6) is False else draw_junk(src))
        elif how == 1:
            kwargs = {}
            if src.coin(3):
                kwargs["n_threads"] = n_threads(src)
            if src.coin(3):
                kwargs["offsets"] = maybe(src, (True, False))
            if src.coin(4):
                kwargs["progress"] = progress_arg(src)
            tok.batch(draw_corpus(src), **kwargs)
        elif how == 2:
            clone = pickle.loads(pickle.dumps(tok))
            assert clone == tok
        else:
            # What unpickling does: the constructor with the reduced arguments,
            # here now and then replaced by junk.
            cls, args = tok.__reduce__()[:2]
            if src.coin(2):
                args = tuple(draw_junk(src) if src.coin(3) else a for a in args)
                if src.coin(4):
                    args += (draw_junk(src),)
            cls(*args)


def t_ngrams(src):
    text = draw_textlike(src) if src.coin(6) is False else draw_junk(src)
    args = (ngram_range(src),) if src.coin(3) is False else ()
    opts = tokenize_options(src)
    if src.coin(2):
        opts["analyzer"] = maybe(src, ("word", "char", "char_wb", "grapheme"))
    textkern.ngrams(text, *args, **opts)


def t_count(src):
    docs = draw_corpus(src) if src.coin(4) is False else draw_textlike(src)
    opts = tokenize_options(src)
    if src.coin(2):
        opts["ngram_range"] = ngram_range(src)
    if src.coin(3):
        opts["analyzer"] = maybe(src, ("word", "char", "char_wb", "grapheme"))
    if src.coin(3):
        opts["n_threads"] = n_threads(src)
    counts = textkern.count(docs, **opts)
    exercise_counts(src, counts)


def draw_count_value(src):
    return maybe(src, (0, 1, 5, 1000, 2**62, 2**63 - 1))


def exercise_counts(src, counts):
    for _ in range(src.int(0, 4)):
        how = src.int(0, 9)
        if how == 0:
            key = draw_junk(src) if src.coin(3) else src.pick(list(counts) or ["x"])
            try:
                counts[key]
            except KeyError:
                pass   # a Mapping's documented miss
        elif how == 1:
            counts.get(draw_junk(src), draw_junk(src))
        elif how == 2:
            counts.most_common(*(() if src.coin() else (draw_junk(src),)))
        elif how == 3:
            other = textkern.Counts({draw_text(src, 6): draw_count_value(src)
                                     for _ in range(src.int(0, 3))})
            merged = counts + other
            # As Counter's +: every positive sum, and no zero counts.
            expected = collections.Counter(counts.to_dict())
            expected.update(other.to_dict())
            assert merged.to_dict() == {t: n for t, n in expected.items() if n > 0}
        elif how == 4:
            counts.copy().update(*[draw_junk(src) for _ in range(src.int(0, 2))])
        elif how == 5:
            clone = pickle.loads(pickle.dumps(counts))
            assert clone == counts and clone.to_dict() == counts.to_dict()
        elif how == 6:
            counts == draw_junk(src)
            draw_junk(src) in counts
        elif how == 7:
            assert counts.total() == sum(counts.values())
            repr(counts)
            counts._repr_html_()
        elif how == 8:
            list(counts.items())
            counts.keys()
        else:
            counts + draw_junk(src)


def t_counts(src):
    init = draw_junk(src) if src.coin(3) else {draw_text(src, 6): draw_count_value(src)
                                               for _ in range(src.int(0, 4))}
    counts = textkern.Counts(*(() if src.coin(6) else (init,)))
    exercise_counts(src, counts)


def t_compressed_size(src):
    data = draw_ncd_textlike(src) if src.coin(6) is False else draw_junk(src)
    opts = {k: v for k, v in ncd_options(src).items() if k in ("level", "format")}
    size = textkern.compressed_size(data, **opts)
    assert isinstance(size, int) and size > 0


def t_ncd(src):
    if src.coin(2):
        x, y = draw_text(src), draw_text(src)
    elif src.coin(2):
        x, y = draw_bytes(src), draw_bytes(src)
    else:
        x, y = draw_ncd_textlike(src), (draw_ncd_textlike(src) if src.coin(4) is False
                                        else draw_junk(src))
    value = textkern.ncd(x, y, **ncd_options(src))
    assert isinstance(value, float)


def t_ncd_matrix(src):
    xs = draw_corpus(src, same_kind=True)
    ys = None if src.coin(2) else draw_corpus(src, same_kind=True)
    opts = ncd_options(src)
    if src.coin(4):
        opts["symmetric"] = maybe(src, (True, False))
    if src.coin(3):
        opts["n_threads"] = n_threads(src)
    if src.coin(4):
        opts["progress"] = progress_arg(src)
    m = textkern.ncd_matrix(xs, ys, **opts)
    assert m.ndim == 2 and m.dtype == np.float64


def t_nearest(src):
    queries = draw_corpus(src, same_kind=True)
    corpus = draw_corpus(src, same_kind=True, min_len=1)
    k = maybe(src, (1, 2, 3)) if src.coin(3) is False else draw_junk(src)
    opts = ncd_options(src)
    if src.coin(3):
        opts["n_threads"] = n_threads(src)
    if src.coin(4):
        opts["progress"] = progress_arg(src)
    idx, dist = textkern.nearest(queries, corpus, k, **opts)
    assert idx.shape == dist.shape


def vectorizer_params(src, cls):
    params = {}
    choices = {
        "ngram_range": ((1, 1), (1, 2), (2, 2)),
        "analyzer": ("word", "char", "char_wb", "grapheme"),
        "lowercase": (True, False),
        "stop_words": (None, "english", ["the"]),
        "binary": (True, False),
        "decode_error": ("strict", "replace", "ignore"),
        "strip_accents": (None, "unicode", "ascii"),
        "case": ("fold", "lower", None),
        "normalize": ("NFKC", "NFC", None),
        "min_len": (1, 2),
        "n_threads": (None, 1, 2),
        "token_pattern": (None, r"(?u)\b\w\w+\b", r"\S+"),
    }
    if cls is not textkern.HashingVectorizer:
        choices.update({"min_df": (1, 2, 0.0, 0.5), "max_df": (1.0, 0.9, 3),
                        "max_features": (None, 1, 3),
                        "vocabulary": (None, ["the", "cat"], {"a": 0, "b": 1})})
    else:
        choices.update({"n_features": (1, 16, 2**20), "alternate_sign": (True, False),
                        "norm": ("l1", "l2", None)})
    if cls is textkern.TfidfVectorizer:
        choices.update({"norm": ("l1", "l2", None), "use_idf": (True, False),
                        "smooth_idf": (True, False), "sublinear_tf": (True, False)})
    names = sorted(choices)
    for _ in range(src.int(0, 4)):
        name = src.pick(names)
        params[name] = maybe(src, choices[name], junk_one_in=5)
    if src.coin(10):
        params["analyzer"] = (lambda doc: [draw_text(src, 5) for _ in range(2)])
    if src.coin(12):
        params["preprocessor"] = src.pick((str.upper, lambda doc: draw_junk(src)))
    return params


def t_vectorizer(src):
    cls = src.pick((textkern.CountVectorizer, textkern.TfidfVectorizer,
                    textkern.HashingVectorizer))
    vec = cls(**vectorizer_params(src, cls))
    docs = draw_corpus(src)
    how = src.int(0, 3)
    if how == 0 and cls is not textkern.HashingVectorizer:
        vec.transform(docs)            # unfitted (unless a vocabulary was given)
        return
    X = vec.fit_transform(docs)
    assert X.shape[0] >= 0
    if cls is not textkern.HashingVectorizer:
        names = vec.get_feature_names_out()
        assert len(names) == X.shape[1] == len(vec.vocabulary_)
    Y = vec.transform(draw_corpus(src))
    assert Y.shape[1] == X.shape[1]
    if src.coin(3) and not any(callable(v) for v in vec.get_params().values()):
        clone = pickle.loads(pickle.dumps(vec))
        Z = clone.transform(["the cat", ""])
        assert Z.shape[1] == X.shape[1]


def t_knn(src):
    params = {}
    for name, good in (("k", (1, 2, 3)), ("level", (1, 9)), ("format", ("gzip", "zlib")),
                       ("sep", (" ", "")), ("metric", ("ncd", "cdm"))):
        if src.coin(3):
            params[name] = maybe(src, good)
    clf = textkern.CompressionKNN(**params)
    X = draw_corpus(src, same_kind=True)
    y = draw_junk(src) if src.coin(5) else [src.int(0, 2) for _ in range(src.int(0, 6))]
    if src.coin(5) is False:
        clf.fit(X, y)
    queries = draw_corpus(src, same_kind=True)
    how = src.int(0, 3)
    if how == 0:
        clf.predict(queries)
    elif how == 1:
        clf.predict_proba(queries)
    elif how == 2:
        clf.kneighbors(queries, *(() if src.coin() else (draw_junk(src),)))
    else:
        clf.score(queries, draw_junk(src))


def t_compare(src):
    texts = draw_corpus(src, same_kind=True)
    kwargs = ncd_options(src)
    if src.coin(3):
        kwargs["labels"] = maybe(src, (None, ["a", "b"], list(range(6))))
    if src.coin(4):
        kwargs["symmetric"] = maybe(src, (True, False))
    kwargs["progress"] = False
    result = textkern.compare(texts, **kwargs)
    assert result.matrix.shape[0] == result.matrix.shape[1] == len(result.labels)


TARGETS = (t_segment, t_tokenize, t_tokenizer, t_ngrams, t_count, t_counts, t_compressed_size,
           t_ncd, t_ncd_matrix, t_nearest, t_vectorizer, t_knn, t_compare)


# Known, reported bugs (each has a strict xfail reproducer in
# test_bad_input_contract.py or test_api_fuzz.py).  run_one() tolerates them
# unless strict=True, so that the fuzz tests still catch new problems today.
# Entries: (target name, exception class, regex of its message).
KNOWN_BUGS: tuple = ()


def _known_bug(target, exc) -> bool:
    return any(target.__name__ == name and isinstance(exc, kind) and re.search(pattern, str(exc))
               for name, kind, pattern in KNOWN_BUGS)


class UndocumentedException(AssertionError):
    """The API raised something its bad-input contract does not allow."""


def run_one(src: Source, target=None, strict: bool = False) -> str:
    """Call one public function with random arguments; return its outcome's name.

    Raises ``UndocumentedException`` for an exception outside the contract
    (with ``strict=False``, the ``KNOWN_BUGS`` are tolerated and reported as
    ``"known bug"``) and ``AssertionError`` when a result breaks an invariant.
    """
    target = target or src.pick(TARGETS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            target(src)
        except ALLOWED as exc:
            return type(exc).__name__
        except re.error as exc:
            # A random token_pattern that is not a regular expression: the
            # error scikit-learn raises too (documented in docs/bad_input.md).
            if target is not t_vectorizer:
                raise UndocumentedException(f"{target.__name__} raised re.error: {exc}") from exc
            return "re.error"
        except UserCallbackError:
            return "UserCallbackError"
        except AssertionError:
            raise
        except Exception as exc:   # noqa: BLE001 - the point is to catch everything else
            if not strict and _known_bug(target, exc):
                return "known bug"
            raise UndocumentedException(
                f"{target.__name__} raised undocumented {type(exc).__name__}: {exc}") from exc
    return "ok"


# -------------------------------------------------------------- atheris main
def main(argv=None) -> None:
    import atheris

    argv = list(sys.argv if argv is None else argv)
    if "--seconds" in argv:
        i = argv.index("--seconds")
        argv[i:i + 2] = [f"-max_total_time={argv[i + 1]}"]
    stats = {"runs": 0}

    def one_input(data: bytes) -> None:
        stats["runs"] += 1
        run_one(AtherisSource(atheris.FuzzedDataProvider(data)))

    atheris.Setup(argv, one_input)
    try:
        atheris.Fuzz()
    finally:
        print(f"fuzz_api_atheris: {stats['runs']} executions", file=sys.stderr)


if __name__ == "__main__":
    main()
