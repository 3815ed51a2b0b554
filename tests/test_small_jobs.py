"""Small inputs stay on the calling thread when n_threads is None.

Starting and joining C threads costs tens of microseconds: more than
counting one article.  count() of one short sentence took 50 us (18x
``Counter(re.findall(...))``), and a 3-document CountVectorizer fit 270 us.
Below 32 KiB of input, a call that leaves n_threads=None now runs its jobs
on the calling thread; an explicit n_threads is honoured however small the
input.  These tests read the core's count of started threads (not timings)
and check that both paths give the same results.
"""
import numpy as np
import pytest

import textkern
from textkern import _core

pytest.importorskip("scipy")
from textkern.vectorizers import (  # noqa: E402
    CountVectorizer,
    HashingVectorizer,
    TfidfVectorizer,
)

SHORT = [
    "The quick brown fox jumps over the lazy dog.",
    "빠른 갈색 여우가 19일 게으른 개를 뛰어넘었다.",
    "Третий документ: the fox, again and again.",
]
# Well past the 32 KiB limit (about 550 KB).
BIG = [" ".join(SHORT) * 150 for _ in range(20)]


def run_counting_threads(fn):
    before = _core._threads_started()
    result = fn()
    return result, _core._threads_started() - before


def fitted_count_vectorizer(**kw):
    return CountVectorizer(**kw).fit(SHORT)


# Each job takes (texts, n_threads) and returns something comparable.
JOBS = {
    "count one text": lambda docs, n: textkern.count(docs[0], n_threads=n),
    "count": lambda docs, n: textkern.count(docs, n_threads=n),
    "count bigrams": lambda docs, n: textkern.count(docs, ngram_range=(1, 2), n_threads=n),
    "count char": lambda docs, n: textkern.count(docs, analyzer="char", n_threads=n),
    "batch": lambda docs, n: textkern.Tokenizer().batch(docs, n_threads=n),
    "fit_transform": lambda docs, n: CountVectorizer(n_threads=n).fit_transform(docs),
    "fit_transform pruned": lambda docs, n: CountVectorizer(
        n_threads=n, ngram_range=(1, 2), max_features=7).fit_transform(docs),
    "transform": lambda docs, n: fitted_count_vectorizer(n_threads=n).transform(docs),
    "tfidf": lambda docs, n: TfidfVectorizer(n_threads=n).fit_transform(docs),
    "hashing": lambda docs, n: HashingVectorizer(n_threads=n, n_features=64).transform(docs),
    "ncd_matrix": lambda docs, n: textkern.ncd_matrix(docs, n_threads=n),
    "nearest": lambda docs, n: textkern.nearest(docs, docs, k=2, n_threads=n),
}


def same(a, b):
    if hasattr(a, "toarray"):
        return a.shape == b.shape and (a != b).nnz == 0 and a.dtype == b.dtype
    if isinstance(a, tuple):
        return all(np.array_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return a == b


@pytest.mark.parametrize("name", sorted(JOBS))
def test_a_small_input_starts_no_thread(name):
    _, started = run_counting_threads(lambda: JOBS[name](SHORT, None))
    assert started == 0


@pytest.mark.parametrize("name", sorted(JOBS))
def test_an_explicit_thread_count_is_honoured_for_a_small_input(name):
    inline, _ = run_counting_threads(lambda: JOBS[name](SHORT, None))
    threaded, started = run_counting_threads(lambda: JOBS[name](SHORT, 2))
    assert started > 0
    assert same(inline, threaded)


@pytest.mark.parametrize("name", ["count", "count char", "batch", "fit_transform", "hashing"])
def test_a_large_input_still_uses_threads(name):
    if _core.cpu_count < 2:
        pytest.skip("one CPU: n_threads=None means one thread")
    threaded, started = run_counting_threads(lambda: JOBS[name](BIG, None))
    assert started > 0
    assert same(threaded, JOBS[name](BIG, 1))


def test_a_progress_callback_is_still_called_for_a_small_input():
    calls = []
    textkern.count(SHORT, progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1] == (3, 3)


# count() and ngrams() with default options share one Tokenizer, and one
# text skips the progress bar's set-up (together 3.7 -> 1.6 us per call on a
# sentence).  The shortcuts must not change results or errors.
EXPLICIT_DEFAULTS = dict(case="fold", normalize="NFKC", strip_accents=False,
                         kinds=("word", "number"), min_len=1, stopwords=None,
                         errors="strict")
TEXTS = SHORT + ["", "Straße STRASSE ﬁne", "日本語のテキスト、カタカナ", b"bytes in\xc3\xa9"]


@pytest.mark.parametrize("text", TEXTS)
def test_count_shortcuts_give_the_full_paths_results(text):
    expected = textkern.count(text, progress=lambda done, total: None, **EXPLICIT_DEFAULTS)
    assert textkern.count(text) == expected
    assert textkern.count(text, progress=False) == expected
    assert textkern.count(text, ngram_range=(1, 2)) == textkern.count(
        text, ngram_range=(1, 2), progress=lambda done, total: None, **EXPLICIT_DEFAULTS)
    assert textkern.ngrams(text, (1, 3)) == textkern.ngrams(text, (1, 3), **EXPLICIT_DEFAULTS)


def test_count_shortcuts_raise_the_full_paths_errors():
    bad = b"ok \xff"
    for kw in ({}, EXPLICIT_DEFAULTS):
        with pytest.raises(ValueError, match="offset 3"):
            textkern.count(bad, **kw)
        with pytest.raises(ValueError, match="offset 3"):
            textkern.ngrams(bad, **kw)
    with pytest.raises(TypeError):
        textkern.count(b"x", bogus=1)


def test_a_single_text_still_reports_progress_to_a_callable():
    calls = []
    textkern.count(SHORT[0], progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1] == (1, 1)
