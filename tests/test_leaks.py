"""Leak tests: thousands of calls to every public function, on success and error paths.

For each case we warm up (the module's str cache, a Tokenizer's memo,
numpy/scikit-learn internals and malloc's arenas reach their steady size),
then run two more batches of calls and require that

* the floor of the resident set size (``/proc/self/statm``, lowest value
  seen after a call) rises by less than ``RSS_SLACK`` from one batch to the
  next - with 700-1000 calls per batch, a C leak of a few hundred bytes
  per call exceeds it;
* ``tracemalloc``'s count of live Python-allocated bytes grows by less than
  ``TRACED_SLACK`` over a few hundred calls, i.e. less than one short str
  per call;
* the reference counts of the arguments do not grow (a leaked reference to
  the input text, say, on an error path).

Inputs are a few KB so that a leaked copy of one is large.  Error paths
are chosen to fail *after* something was allocated: a bad item at the end of
a corpus, a bad stop word after good ones, a callback that raises mid-job.
"""
from __future__ import annotations

import gc
import os
import pickle
import sys
import tracemalloc
import warnings

import numpy as np
import pytest

import textkern
from textkern import _core

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")

PAGE = os.sysconf("SC_PAGE_SIZE")
RSS_SLACK = 256 * 1024          # bytes over one measured batch (noise seen: <= 28 KB)
CALLS = 1000                    # per measured batch (fewer for slow calls, see below)
TRACED_SLACK = 20 * 1024        # over TRACED_CALLS calls (noise seen: <= 7.3 KB)
TRACED_CALLS = 400

TEXT = ("The quick brown fox, 19일 서울 발표; Straße ﬁnance ①. " * 40)      # ~2 KB
TEXT_BYTES = TEXT.encode()
SHORT = TEXT[:400]              # for calls whose output is large (many str objects)
BAD_UTF8 = TEXT_BYTES + b"\xff tail"
SURROGATE = TEXT + "\ud800"
CORPUS = [TEXT[i:i + 600] for i in range(0, 1800, 300)]
CORPUS_BAD_LAST = CORPUS + [5]
CORPUS_BAD_UTF8_LAST = CORPUS + [b"ok", b"\xc3"]
STOP_BAD_LAST = ["the", "fox", "brown", 5]
SMALL_DOCS = ["the cat sat on the mat", "the dog ran", "a cat ran far", "dogs and cats"] * 3


def rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE


class Boom(Exception):
    pass


def boom(*args):
    raise Boom()


def expect(exc, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except exc:
        return
    raise AssertionError(f"{fn} did not raise {exc.__name__}")


def gen_then_raise():
    yield from CORPUS
    raise Boom()


FITTED_CV = textkern.CountVectorizer(ngram_range=(1, 2)).fit(SMALL_DOCS)
FITTED_TV = textkern.TfidfVectorizer().fit(SMALL_DOCS)
KNN = textkern.CompressionKNN(k=2, level=1).fit(SMALL_DOCS, [0, 1, 0, 1] * 3)
TOKENIZER = textkern.Tokenizer(stopwords=["the"])
COUNTS = textkern.count(CORPUS, ngram_range=(1, 2))
COUNTS_PICKLE = pickle.dumps(COUNTS)
CV_PICKLE = pickle.dumps(FITTED_CV)
# A Tokenizer pickle whose constructor arguments fail validation late (a bad
# errors= after the stop words were parsed).
BAD_TOKENIZER_PICKLE = pickle.dumps(TOKENIZER).replace(b"strict", b"strapp")

# (name, callable, calls per batch or None for CALLS, objects whose refcount must not grow)
CASES = [
    # ---- tokenization, success
    ("segment str", lambda: textkern.segment(SHORT), None, [SHORT]),
    ("segment bytes replace", lambda: textkern.segment(BAD_UTF8[-400:], errors="replace"), None,
     []),
    ("tokenize str", lambda: textkern.tokenize(TEXT), None, [TEXT]),
    ("tokenize bytearray offsets", lambda: textkern.tokenize(bytearray(TEXT_BYTES[:400]),
                                                             offsets=True), None, []),
    ("tokenize surrogate replace", lambda: textkern.tokenize(SURROGATE, errors="replace"), None,
     [SURROGATE]),
    ("tokenize stopword list", lambda: textkern.tokenize(TEXT, stopwords=["the", "fox"]), None,
     [TEXT]),
    ("Tokenizer build", lambda: textkern.Tokenizer(stopwords=["a", "b"], kinds="word"), None, []),
    ("Tokenizer call", lambda: TOKENIZER(SHORT, offsets=True), None, [SHORT, TOKENIZER]),
    ("Tokenizer batch", lambda: TOKENIZER.batch(CORPUS, n_threads=2), 700, CORPUS),
    ("Tokenizer pickle", lambda: pickle.loads(pickle.dumps(TOKENIZER)), None, [TOKENIZER]),
    # ---- tokenization, errors
    ("tokenize non-text", lambda: expect(TypeError, textkern.tokenize, 5.0), None, []),
    ("tokenize bad utf8", lambda: expect(ValueError, textkern.tokenize, BAD_UTF8), None,
     [BAD_UTF8]),
    ("tokenize bytearray bad utf8", lambda: expect(ValueError, textkern.tokenize,
                                                  bytearray(BAD_UTF8)), None, [BAD_UTF8]),
    ("tokenize surrogate", lambda: expect(ValueError, textkern.tokenize, SURROGATE), None,
     [SURROGATE]),
    ("tokenize bad option", lambda: expect(ValueError, textkern.tokenize, TEXT, case="x"), None,
     [TEXT]),
    ("tokenize bad stopword", lambda: expect(TypeError, textkern.tokenize, TEXT,
                                            stopwords=STOP_BAD_LAST), None,
     [TEXT, STOP_BAD_LAST]),
    ("Tokenizer bad stopword", lambda: expect(TypeError, textkern.Tokenizer,
                                             stopwords=STOP_BAD_LAST), None, [STOP_BAD_LAST]),
    ("Tokenizer bad pickle", lambda: expect(ValueError, pickle.loads, BAD_TOKENIZER_PICKLE),
     None, []),
    ("batch bad item", lambda: expect(TypeError, TOKENIZER.batch, CORPUS_BAD_LAST), 700,
     CORPUS_BAD_LAST),
    ("batch bad utf8", lambda: expect(ValueError, TOKENIZER.batch, CORPUS_BAD_UTF8_LAST), 700,
     CORPUS_BAD_UTF8_LAST),
    # A job shorter than the 100 ms poll still reports its end to the
    # progress callback, which raises after all the job's buffers exist.
    ("batch progress raises", lambda: expect(Boom, TOKENIZER.batch, CORPUS * 4, progress=boom),
     400, CORPUS),
    # ---- counting
    ("ngrams word", lambda: textkern.ngrams(SHORT[:200], (1, 3)), None, []),
    ("ngrams char_wb", lambda: textkern.ngrams(SHORT[:120], (2, 4), analyzer="char_wb"), 700,
     []),
    ("ngrams grapheme", lambda: textkern.ngrams(SHORT[:200], 2, analyzer="grapheme"), 700, []),
    ("count corpus", lambda: textkern.count(CORPUS, ngram_range=(1, 2), n_threads=2), 700,
     CORPUS),
    ("count generator", lambda: textkern.count(iter(CORPUS), analyzer="char", ngram_range=3),
     700, CORPUS),
    ("Counts ops", lambda: (COUNTS.most_common(5), COUNTS.to_dict(), COUNTS["fox"],
                            COUNTS.get("nope"), COUNTS + COUNTS, COUNTS == COUNTS), 700,
     [COUNTS]),
    ("Counts update", lambda: COUNTS.copy().update({"x": 1}, ["y", "z"], COUNTS), 700, [COUNTS]),
    ("Counts pickle", lambda: pickle.loads(COUNTS_PICKLE), 700, [COUNTS_PICKLE]),
    ("count bad item", lambda: expect(TypeError, textkern.count, CORPUS_BAD_LAST), 700,
     CORPUS_BAD_LAST),
    ("count bad utf8", lambda: expect(ValueError, textkern.count, CORPUS_BAD_UTF8_LAST), 700,
     CORPUS_BAD_UTF8_LAST),
    ("count generator raises", lambda: expect(Boom, textkern.count, gen_then_raise()), 700,
     CORPUS),
    ("count bad range", lambda: expect(ValueError, textkern.count, CORPUS, ngram_range=(2, 1)),
     None, CORPUS),
    ("Counts bad value", lambda: expect(ValueError, textkern.Counts,
                                        {"a": 1, "b": 2, "c": -1}), None, []),
    ("Counts bad key", lambda: expect(KeyError, COUNTS.__getitem__, "\ud800"), None, [COUNTS]),
    ("Counts bad state", lambda: expect(ValueError, _core._counts_from_state,
                                        (1, b"abc", b"\x05" + b"\x00" * 7, b"\x01" + b"\x00" * 7)),
     None, []),
    # ---- vectorizers
    ("CountVectorizer fit_transform",
     lambda: textkern.CountVectorizer(ngram_range=(1, 2)).fit_transform(SMALL_DOCS), 400, []),
    ("CountVectorizer transform", lambda: FITTED_CV.transform(SMALL_DOCS), 400, [FITTED_CV]),
    ("TfidfVectorizer transform", lambda: FITTED_TV.transform(SMALL_DOCS), 400, [FITTED_TV]),
    ("HashingVectorizer", lambda: textkern.HashingVectorizer(n_features=64).transform(SMALL_DOCS),
     400, []),
    ("vectorizer pickle", lambda: pickle.loads(CV_PICKLE), 400, [CV_PICKLE]),
    ("vectorizer bad item", lambda: expect(TypeError, textkern.CountVectorizer().fit,
                                          CORPUS_BAD_LAST), 400, CORPUS_BAD_LAST),
    ("vectorizer all pruned", lambda: expect(ValueError, textkern.CountVectorizer(min_df=50).fit,
                                            SMALL_DOCS), 400, []),
    ("vectorizer unfitted", lambda: expect(ValueError, textkern.CountVectorizer().transform,
                                          SMALL_DOCS), 400, []),
    ("hashing bad utf8", lambda: expect(ValueError, textkern.HashingVectorizer().transform,
                                       CORPUS_BAD_UTF8_LAST), 400, CORPUS_BAD_UTF8_LAST),
    # ---- similarity
    ("compressed_size", lambda: textkern.compressed_size(TEXT_BYTES, level=1), None,
     [TEXT_BYTES]),
    ("ncd str", lambda: textkern.ncd(TEXT[:500], TEXT[100:600], level=1, sep=" "), None, [TEXT]),
    ("ncd bytearray", lambda: textkern.ncd(bytearray(b"abc" * 50), bytearray(b"abd" * 50),
                                           format="gzip", level=1), None, []),
    ("ncd_matrix", lambda: textkern.ncd_matrix(CORPUS[:3], level=1, n_threads=2), 300, CORPUS),
    ("nearest", lambda: textkern.nearest(CORPUS[:2], CORPUS, 2, level=1), 300, CORPUS),
    ("CompressionKNN", lambda: KNN.predict(SMALL_DOCS[:3]), 300, [KNN]),
    ("ncd mixed", lambda: expect(TypeError, textkern.ncd, TEXT, TEXT_BYTES), None,
     [TEXT, TEXT_BYTES]),
    ("ncd surrogate", lambda: expect(ValueError, textkern.ncd, TEXT, SURROGATE), None,
     [TEXT, SURROGATE]),
    ("ncd_matrix bad item", lambda: expect(TypeError, textkern.ncd_matrix, CORPUS_BAD_LAST),
     None, CORPUS_BAD_LAST),
    ("ncd_matrix surrogate", lambda: expect(ValueError, textkern.ncd_matrix, CORPUS + [SURROGATE]),
     None, CORPUS + [SURROGATE]),
    ("ncd_matrix progress raises", lambda: expect(Boom, textkern.ncd_matrix, CORPUS * 2,
                                                 level=1, progress=boom), 300, CORPUS),
    ("nearest bad k", lambda: expect(ValueError, textkern.nearest, CORPUS, CORPUS, 99), None,
     CORPUS),
    ("CompressionKNN unfitted", lambda: expect(ValueError, textkern.CompressionKNN().predict,
                                              CORPUS), None, CORPUS),
]


def _malloc_trim():
    """glibc's malloc_trim(0), where there is one; else nothing."""
    try:
        import ctypes
        libc = ctypes.CDLL(None)
        return libc.malloc_trim
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def _settle():
    gc.collect()
    gc.collect()
    # Hand free heap pages back, so that a leak has to fault in new ones:
    # free memory left resident by earlier calls would absorb it (textkern
    # itself trims only after calls on 4 MB or more).
    if _TRIM is not None:
        _TRIM(0)


def _rss_phase(call, calls):
    """Run calls; return the lowest RSS seen after a call.

    The minimum filters out the transient peaks of big calls (result lists,
    per-thread arenas being trimmed and regrown); a leak raises the floor.
    """
    low = None
    for _ in range(calls):
        call()
        now = rss()
        low = now if low is None or now < low else low
    _settle()
    return min(low, rss())


def _traced_phase(call, calls):
    for _ in range(calls):
        call()
    _settle()
    return tracemalloc.get_traced_memory()[0]


def measure(call, calls):
    """(RSS floor growth over a batch of calls, traced growth over TRACED_CALLS, refcounts)."""
    traced_calls = max(10, min(TRACED_CALLS, calls // 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(calls):                       # warm-up
            call()
        _settle()
        rss_growth = -_rss_phase(call, calls) + _rss_phase(call, calls)
        # tracemalloc slows Python allocations down several times: fewer
        # calls, and a threshold below one small object per call.
        tracemalloc.start()
        try:
            _traced_phase(call, traced_calls // 4)   # warm-up under tracing
            traced_growth = -_traced_phase(call, traced_calls) + _traced_phase(call, traced_calls)
        finally:
            tracemalloc.stop()
    return rss_growth, traced_growth, traced_calls


@pytest.mark.parametrize("name, call, calls, watched", CASES, ids=[c[0] for c in CASES])
def test_no_growth_over_thousands_of_calls(name, call, calls, watched):
    calls = calls or CALLS
    refs_before = [sys.getrefcount(obj) for obj in watched]
    rss_growth, traced_growth, traced_calls = measure(call, calls)
    refs_after = [sys.getrefcount(obj) for obj in watched]
    if os.environ.get("TEXTKERN_LEAK_REPORT"):
        print(f"\nLEAK {name}: rss {rss_growth} traced {traced_growth} calls {calls}")
    assert refs_after == refs_before, f"{name}: argument reference counts grew"
    assert traced_growth < TRACED_SLACK, (
        f"{name}: {traced_growth} bytes of Python objects kept over {traced_calls} calls")
    if rss_growth >= RSS_SLACK:
        # Threaded calls occasionally move the RSS floor once (glibc gives
        # a worker thread a fresh arena); a leak moves it in every window.
        rss_growth = -_rss_phase(call, calls) + _rss_phase(call, calls)
    assert rss_growth < RSS_SLACK, (
        f"{name}: RSS grew {rss_growth} bytes over {calls} calls "
        f"(~{rss_growth / calls:.0f} bytes per call)")


def test_measurement_sees_real_leaks():
    # The same measurement flags a C allocation that is never freed, and one
    # leaked Python object per call.  The C leak is 8 KiB per call so that
    # free memory already in the heap (left by earlier tests) cannot absorb
    # it; test_thresholds_catch_a_small_leak covers the sensitivity.
    import ctypes
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    kept = []

    def c_leak():
        address = libc.malloc(8192)
        ctypes.memset(address, 1, 8192)    # touch it, so that it is resident
        kept.append(address)               # (ints are small: the RSS is the C leak)

    def py_leak():
        kept.append(f"leaked-{len(kept):07d}")

    rss_growth, _, _ = measure(c_leak, 800)
    assert rss_growth >= RSS_SLACK
    _, traced_growth, _ = measure(py_leak, 800)
    assert traced_growth >= TRACED_SLACK


def test_thresholds_catch_a_small_leak():
    # A C-level leak of 380 bytes per call over the fewest calls used for the
    # cheap cases (700 or more per batch) raises the RSS floor past RSS_SLACK.
    smallest = min(c[2] or CALLS for c in CASES if c[2] is None or c[2] >= 700)
    assert 380 * smallest > RSS_SLACK
    # A leaked small Python object (a short str, 60 bytes) per traced call
    # exceeds TRACED_SLACK.
    kept = []
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(TRACED_CALLS):
            kept.append(f"leaked-{i:05d}")
        assert tracemalloc.get_traced_memory()[0] - before > TRACED_SLACK
    finally:
        tracemalloc.stop()
