"""Allocation-failure injection through the public API.

Only runs on a build made with ``TEXTKERN_ALLOC_FAULTS=1`` (``make
test-alloc-faults``), where ``_core._fail_alloc_after(n)`` makes the n-th
allocation of the C core fail.  For each entry point, n = 1, 2, 3, ... is
tried until a call completes without reaching the armed allocation.  Every
call on the way must either raise MemoryError or return exactly the result
of an undisturbed call (an optional cache may tolerate a failed
allocation), and the next undisturbed call must be right again: no crash,
no wrong result, no state poisoned by the failure.

The countdown is one counter shared by every C thread, so every call here
runs the core on one thread.
"""
import pickle

import numpy as np
import pytest

import textkern
from textkern import _core

pytestmark = pytest.mark.skipif(
    not hasattr(_core, "_fail_alloc_after"),
    reason="needs a build with TEXTKERN_ALLOC_FAULTS=1 (make test-alloc-faults)",
)

# Enough for every entry point below on these small inputs; reaching it
# means a call keeps allocating without end, which is a failure too.
MAX_ALLOCATIONS = 3000

DOCS = [
    "The quick brown fox jumps over the lazy dog. The dog sleeps.",
    "Straße, naïve café: ﬁle ＡＢＣ don't 3.14 1,000 👍🏽",
    "서울의 19일 날씨는 맑음. 日本語のテキスト、カタカナ。",
    b"bytes input with \xc3\xa9 and a second sentence",
    "",
    "Привет, мир! مرحبا नमस्ते",
]
TEXTS = [d if isinstance(d, str) else d.decode() for d in DOCS]


def normalize(value):
    """A comparable form of whatever an entry point returns."""
    if isinstance(value, textkern.Counts):
        return ("Counts", list(value.items()))
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.str, value.shape, value.tobytes())
    if hasattr(value, "toarray") and hasattr(value, "nnz"):
        dense = value.toarray()
        return ("sparse", dense.dtype.str, dense.shape, dense.tobytes())
    if isinstance(value, tuple):
        return tuple(normalize(v) for v in value)
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items()}
    return value


def exhaust(call):
    """Fail each allocation of call() in turn; return how many were tried."""
    expected = normalize(call())
    failures = 0
    for n in range(1, MAX_ALLOCATIONS + 1):
        _core._fail_alloc_after(n)
        try:
            result = call()
        except MemoryError:
            fired = _core._alloc_fault_fired()
            assert fired, f"allocation {n}: MemoryError without an injected failure"
            failures += 1
            # Nothing half-built may survive the failure.
            assert normalize(call()) == expected, f"allocation {n}: wrong result after MemoryError"
            continue
        except BaseException:
            _core._fail_alloc_after(0)
            raise
        fired = _core._alloc_fault_fired()
        assert normalize(result) == expected, (
            f"allocation {n} failed (fired={fired}) and the call returned a wrong result")
        if not fired:
            # The call needed fewer than n allocations: all were covered.
            assert failures > 0 or n == 1, "no allocation failure ever surfaced"
            return n - 1
    pytest.fail(f"still allocating after {MAX_ALLOCATIONS} injected failures")


def test_hooks_are_private_to_fault_builds():
    # Arming then probing without any core call in between: not fired.
    _core._fail_alloc_after(5)
    assert _core._alloc_fault_fired() is False
    assert _core._alloc_fault_fired() is False


def test_fault_surfaces_as_memory_error():
    _core._fail_alloc_after(1)
    try:
        with pytest.raises(MemoryError):
            textkern.ngrams("a b c d e f g", 2, analyzer="char")
    finally:
        assert _core._alloc_fault_fired() is True


# --------------------------------------------------------------- tokenizing
@pytest.mark.parametrize("doc", DOCS, ids=range(len(DOCS)))
def test_tokenize(doc):
    exhaust(lambda: textkern.tokenize(doc, offsets=True))


def test_tokenize_options():
    exhaust(lambda: textkern.tokenize(TEXTS[1], case="lower", normalize="NFC",
                                      strip_accents=True, kinds=("word", "number", "emoji"),
                                      stopwords=["the", "café"], min_len=2))
    exhaust(lambda: textkern.tokenize(b"bad \xff utf-8 \xc3", errors="replace"))
    exhaust(lambda: textkern.tokenize("lone \ud800 surrogate", errors="ignore"))


def test_segment():
    for doc in DOCS:
        exhaust(lambda: textkern.segment(doc))


def test_map_text():
    for doc in DOCS:
        exhaust(lambda: textkern.map_text(doc))
    exhaust(lambda: textkern.map_text(TEXTS[1], case="lower", strip_accents="unicode"))
    # Over 64 KiB: mapped in pieces, into a buffer that grows.
    exhaust(lambda: textkern.map_text(TEXTS[1] * 2000, strip_accents=True))


def test_tokenizer_object_and_batch():
    exhaust(lambda: textkern.Tokenizer(stopwords=["the", "dog"], case="fold"))
    tok = textkern.Tokenizer(stopwords=["the"], strip_accents=True)
    exhaust(lambda: tok(TEXTS[0]))
    exhaust(lambda: tok.batch(DOCS, n_threads=1))
    exhaust(lambda: tok.batch(DOCS, n_threads=1, offsets=True))


# ----------------------------------------------------------------- counting
@pytest.mark.parametrize("analyzer", ["word", "char", "char_wb", "grapheme"])
def test_ngrams(analyzer):
    for doc in DOCS:
        exhaust(lambda: textkern.ngrams(doc, (1, 3), analyzer=analyzer))


@pytest.mark.parametrize("analyzer", ["word", "char_wb"])
def test_count(analyzer):
    exhaust(lambda: textkern.count(DOCS, ngram_range=(1, 2), analyzer=analyzer, n_threads=1))
    exhaust(lambda: textkern.count(TEXTS[0], analyzer=analyzer, n_threads=1))
    exhaust(lambda: textkern.count(iter(DOCS * 3), analyzer=analyzer, n_threads=1,
                                   stopwords="english"))


def test_counts_operations():
    a = textkern.count(DOCS[:3], n_threads=1)
    b = textkern.count(DOCS[2:], n_threads=1)
    exhaust(lambda: a + b)
    exhaust(lambda: a.copy())
    exhaust(lambda: a.most_common(5))
    exhaust(lambda: a.to_dict())
    exhaust(lambda: a.items())
    exhaust(lambda: [a.get(t) for t in ("the", "dog", "missing")])
    exhaust(lambda: a == b)
    exhaust(lambda: textkern.Counts({"x": 2, "y": 3}))
    exhaust(lambda: textkern.Counts(["x", "y", "x"]))
    exhaust(lambda: pickle.loads(pickle.dumps(a)))

    def updated():
        c = a.copy()
        c.update(b, {"extra": 4}, ["the", "new"])
        return c
    exhaust(updated)


# -------------------------------------------------------------- vectorizers
def _vectorizers():
    pytest.importorskip("sklearn")
    from textkern import CountVectorizer, HashingVectorizer, TfidfVectorizer
    return CountVectorizer, TfidfVectorizer, HashingVectorizer


@pytest.mark.parametrize("kind", ["count", "tfidf"])
@pytest.mark.parametrize("analyzer", ["word", "char_wb"])
def test_vectorizer_fit_transform(kind, analyzer):
    CountVectorizer, TfidfVectorizer, _ = _vectorizers()
    cls = CountVectorizer if kind == "count" else TfidfVectorizer
    opts = dict(analyzer=analyzer, ngram_range=(1, 2), n_threads=1)

    def fit_transform():
        v = cls(**opts)
        X = v.fit_transform(TEXTS)
        return X, sorted(v.vocabulary_.items())
    exhaust(fit_transform)

    fitted = cls(**opts).fit(TEXTS)
    exhaust(lambda: fitted.transform(TEXTS[::-1]))


def test_hashing_vectorizer():
    _, _, HashingVectorizer = _vectorizers()
    v = HashingVectorizer(n_features=64, ngram_range=(1, 2), n_threads=1)
    exhaust(lambda: v.transform(TEXTS))


# --------------------------------------------------------------- similarity
@pytest.mark.parametrize("level", [0, 1, 9])
@pytest.mark.parametrize("fmt", ["zlib", "gzip", "deflate"])
def test_compressed_size(level, fmt):
    for doc in DOCS:
        exhaust(lambda: textkern.compressed_size(doc, level=level, format=fmt))


@pytest.mark.parametrize("level", [0, 6])
def test_ncd(level):
    exhaust(lambda: textkern.ncd(TEXTS[0], TEXTS[1], level=level, sep=" "))
    exhaust(lambda: textkern.ncd(DOCS[3], b"", level=level, metric="cdm"))


@pytest.mark.parametrize("level", [0, 6, 9])
def test_ncd_matrix(level):
    long_texts = [t * 40 for t in TEXTS]   # long enough for the prefix path
    exhaust(lambda: textkern.ncd_matrix(TEXTS, level=level, n_threads=1))
    exhaust(lambda: textkern.ncd_matrix(long_texts, long_texts[:3], level=level, n_threads=1,
                                        sep=" "))
    exhaust(lambda: textkern.ncd_matrix(TEXTS, symmetric=True, level=level, n_threads=1))


def test_nearest():
    long_texts = [t * 40 for t in TEXTS]
    exhaust(lambda: textkern.nearest(TEXTS[:2], TEXTS, k=3, n_threads=1))
    exhaust(lambda: textkern.nearest(long_texts[:2], long_texts, k=2, level=9, n_threads=1))


# ------------------------------------------------------------ lock failures
# Threaded calls each make a mutex, and some a condition variable or row
# locks.  The system may refuse one (no resources); the call must then fail
# cleanly rather than run with an uninitialized lock.
THREADED_CALLS = {
    "count": lambda: textkern.count(TEXTS * 20, n_threads=2),
    "batch": lambda: textkern.Tokenizer().batch(TEXTS * 20, n_threads=2),
    "fit_transform": lambda: textkern.CountVectorizer(n_threads=2).fit_transform(TEXTS * 20),
    "ncd_matrix": lambda: textkern.ncd_matrix(TEXTS, n_threads=2),
    "nearest": lambda: textkern.nearest(TEXTS[:2], TEXTS, k=2, n_threads=2),
}


@pytest.mark.parametrize("name", sorted(THREADED_CALLS))
def test_lock_init_failure(name):
    call = THREADED_CALLS[name]
    expected = normalize(call())
    failures = 0
    for n in range(200):
        _core._fail_lock_init_after(n)
        try:
            got = call()
        except RuntimeError as exc:
            assert "thread" in str(exc)
            failures += 1
            continue
        finally:
            _core._fail_lock_init_after(-1)
        assert normalize(got) == expected
        break
    else:
        pytest.fail("the call still failed after 200 lock initializations")
    assert failures >= 1
    assert normalize(call()) == expected
