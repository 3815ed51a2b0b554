"""progress=True/False/"auto"/callable, shared by textkern's long operations."""
import sys
import types
import warnings

import numpy as np
import pytest

import textkern
from textkern import _progress
from textkern._compare import compare
from textkern._progress import Progress, make_progress, wants_bar


@pytest.fixture
def no_tqdm(monkeypatch):
    """Make ``import tqdm`` fail and forget an earlier no-tqdm warning."""
    for name in [m for m in sys.modules if m == "tqdm" or m.startswith("tqdm.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    monkeypatch.setattr(_progress, "_warned_no_tqdm", False)


@pytest.fixture
def nobody_watching(monkeypatch):
    monkeypatch.setattr(_progress, "in_notebook", lambda: False)
    monkeypatch.setattr(_progress, "_stderr_is_tty", lambda: False)


def test_false_and_none_cost_nothing():
    for off in (False, None):
        assert not wants_bar(off, 10**9)
        with make_progress(off, 10**9) as p:
            assert p.callback is None and p.bar is None


def test_true_always_wants_a_bar(nobody_watching):
    assert wants_bar(True, 0)
    assert wants_bar(True, 1)


def test_auto_needs_a_big_job(monkeypatch):
    monkeypatch.setattr(_progress, "in_notebook", lambda: True)
    assert not wants_bar("auto", 99, min_total=100)
    assert wants_bar("auto", 100, min_total=100)
    assert wants_bar("auto", _progress.DEFAULT_MIN_TOTAL)
    assert not wants_bar("auto", _progress.DEFAULT_MIN_TOTAL - 1)


def test_auto_needs_a_viewer(monkeypatch, nobody_watching):
    assert not wants_bar("auto", 10**9)
    monkeypatch.setattr(_progress, "_stderr_is_tty", lambda: True)
    assert wants_bar("auto", 10**9)
    monkeypatch.setattr(_progress, "_stderr_is_tty", lambda: False)
    monkeypatch.setattr(_progress, "in_notebook", lambda: True)
    assert wants_bar("auto", 10**9)


def test_auto_hidden_from_pipes_and_files(nobody_watching):
    with make_progress("auto", 10**9) as p:
        assert p.bar is None and p.callback is None


def test_not_a_notebook_here():
    # pytest runs in a plain interpreter, not in an ipykernel.
    assert _progress.in_notebook() is False


@pytest.mark.parametrize("bad", ["yes", "AUTO", ""])
def test_unknown_string_is_type_error(bad):
    with pytest.raises(TypeError, match=f"'auto'.*not {bad!r}"):
        make_progress(bad, 10)


@pytest.mark.parametrize("bad", [3, 1.5, object(), [True], b"auto", np.array([1, 2])])
def test_wrong_type_is_type_error(bad):
    with pytest.raises(TypeError, match="progress"):
        make_progress(bad, 10)


def test_true_without_tqdm_warns_once(no_tqdm):
    with pytest.warns(RuntimeWarning, match=r"textkern\[progress\]"):
        with make_progress(True, 10) as p:
            assert p.bar is None and p.callback is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with make_progress(True, 10) as p:
            assert p.callback is None


def test_auto_without_tqdm_is_silent(no_tqdm, monkeypatch):
    monkeypatch.setattr(_progress, "in_notebook", lambda: True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with make_progress("auto", 10**9) as p:
            assert p.bar is None and p.callback is None


def test_compare_without_tqdm_warns_once_and_runs(no_tqdm):
    texts = textkern.sample_texts()
    with pytest.warns(RuntimeWarning, match="tqdm") as record:
        first = compare(texts, progress=True)
        second = compare(texts, progress=True)
    assert sum(issubclass(w.category, RuntimeWarning) for w in record) == 1
    assert first == second == compare(texts, progress=False)


def test_bar_follows_core_units():
    pytest.importorskip("tqdm")
    with make_progress(True, 1000, "pairs") as p:
        bar = p.bar
        assert bar is not None and bar.total == 1000
        p.callback(1, 4)          # the core's own units: a quarter done
        assert bar.n == 250
        p.callback(1, 4)          # no move backwards, no double count
        assert bar.n == 250
        p.callback(3, 4)
        assert bar.n == 750
    assert bar.n == 1000          # completed on a clean exit
    assert p.bar is None


def test_bar_left_alone_after_error():
    pytest.importorskip("tqdm")
    with pytest.raises(KeyError):
        with make_progress(True, 100) as p:
            bar = p.bar
            p.callback(1, 10)
            raise KeyError("stop")
    assert bar.n == 10


def test_advance_for_python_loops():
    pytest.importorskip("tqdm")
    with make_progress(True, 5) as p:
        bar = p.bar
        for _ in range(3):
            p.advance()
        assert bar.n == 3
        p.advance(100)            # clamped to the total
        assert bar.n == 5


def test_callable_receives_raw_units():
    seen = []
    with make_progress(lambda done, total: seen.append((done, total)), 7) as p:
        assert p.bar is None
        p.callback(2, 9)
        p.advance(3)
    assert seen == [(2, 9), (3, 7)]


def test_compare_reports_to_a_callable_and_is_unchanged():
    texts = textkern.sample_texts() * 8
    seen = []
    result = compare(texts, progress=lambda d, t: seen.append((d, t)))
    assert np.array_equal(result.matrix, compare(texts, progress=False).matrix)
    assert seen, "compare() never reported progress"
    for done, total in seen:
        assert 0 <= done <= total
    assert seen[-1][0] == seen[-1][1]


def test_compare_with_a_real_bar(capsys):
    pytest.importorskip("tqdm")
    texts = textkern.sample_texts()
    assert compare(texts, progress=True) == compare(texts, progress=False)
    # progress=True shows the bar even on a non-terminal stderr.
    assert "compare: 100%" in capsys.readouterr().err


def test_progress_class_direct():
    p = Progress(False, 3)
    p.advance()
    p.close()
    p.close()


def fake_ipython(monkeypatch, shell):
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: shell
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))


def test_notebook_detection(monkeypatch):
    kernel_shell = types.SimpleNamespace(kernel=object())
    fake_ipython(monkeypatch, kernel_shell)
    assert _progress.in_notebook() is True
    fake_ipython(monkeypatch, types.SimpleNamespace())        # terminal IPython: no kernel
    assert _progress.in_notebook() is False
    fake_ipython(monkeypatch, None)                           # IPython imported, not running
    assert _progress.in_notebook() is False
    fake_ipython(monkeypatch, kernel_shell)
    monkeypatch.delitem(sys.modules, "ipykernel")             # no kernel package loaded
    assert _progress.in_notebook() is False


def test_auto_bar_waits_before_showing(monkeypatch):
    pytest.importorskip("tqdm")
    monkeypatch.setattr(_progress, "in_notebook", lambda: True)
    with make_progress("auto", 10**6) as p:
        assert p.bar is not None
        assert p.bar.delay == _progress.AUTO_DELAY   # quick jobs never show it
    with make_progress(True, 10) as p:
        assert p.bar is not None and p.bar.delay == 0


# --------------------------------------------- count() and vectorizer fits
def _corpus(n=3000):
    return [f"article {i} about the cat that sat on mat {i % 7}" for i in range(n)]


def _recorder():
    seen = []
    return seen, lambda done, total: seen.append((done, total))


@pytest.mark.parametrize("n_threads", [1, 2])
def test_count_reports_documents_to_a_callable(n_threads):
    docs = _corpus()
    seen, callback = _recorder()
    counts = textkern.count(docs, n_threads=n_threads, progress=callback)
    assert counts == textkern.count(docs, n_threads=n_threads, progress=False)
    assert seen, "the core never called progress"
    assert seen[-1] == (len(docs), len(docs))
    assert all(t == len(docs) for _, t in seen)
    done = [d for d, _ in seen]
    assert done == sorted(done) and 0 <= done[0]


def test_count_over_a_generator_reports_an_unknown_total():
    docs = _corpus()
    seen, callback = _recorder()
    counts = textkern.count((d for d in docs), progress=callback)
    assert counts == textkern.count(docs, progress=False)
    assert seen[-1] == (len(docs), 0)


def test_count_progress_spans_batches(monkeypatch):
    # Corpora bigger than one C batch (65,536 documents) keep counting up
    # from where the previous batch ended instead of restarting at zero.
    docs = ["a b"] * 70_000
    seen, callback = _recorder()
    textkern.count(iter(docs), progress=callback, n_threads=2)
    done = [d for d, _ in seen]
    assert done == sorted(done)
    assert done[-1] == 70_000


def test_count_bar_counts_documents():
    pytest.importorskip("tqdm")
    from textkern._progress import corpus_progress
    docs = _corpus()
    with corpus_progress(True, docs, "count") as p:
        bar = p.bar
        assert bar.total == len(docs) and bar.unit == "doc"
        textkern._core.count(docs, textkern.Tokenizer(), "word", 1, 1, progress=p.callback)
        assert bar.n == len(docs)
    with corpus_progress(True, (d for d in docs), "count") as p:
        assert p.bar.total is None
        textkern._core.count((d for d in docs), textkern.Tokenizer(), "word", 1, 1,
                             progress=p.callback)
        assert p.bar.n == len(docs)


def test_count_true_without_tqdm_warns_and_counts(no_tqdm):
    docs = _corpus(50)
    with pytest.warns(RuntimeWarning, match=r"textkern\[progress\]"):
        counts = textkern.count(docs, progress=True)
    assert counts == textkern.count(docs, progress=False)


@pytest.mark.parametrize("bad", ["yes", 3])
def test_count_rejects_a_bad_progress(bad):
    with pytest.raises(TypeError, match="progress"):
        textkern.count(["a"], progress=bad)


def test_core_count_rejects_a_non_callable():
    with pytest.raises(TypeError, match="callable"):
        textkern._core.count(["a"], textkern.Tokenizer(), "word", 1, 1, progress=3)


def test_a_failing_callback_stops_count():
    def explode(done, total):
        raise ZeroDivisionError("from the callback")
    with pytest.raises(ZeroDivisionError, match="from the callback"):
        textkern.count(_corpus(), progress=explode, n_threads=2)


@pytest.mark.parametrize("make", [
    lambda p: textkern.CountVectorizer(ngram_range=(1, 2), progress=p),
    lambda p: textkern.TfidfVectorizer(progress=p),
    lambda p: textkern.CountVectorizer(vocabulary=["cat", "mat"], progress=p),
    lambda p: textkern.HashingVectorizer(n_features=64, progress=p),
])
def test_vectorizers_report_fit_and_transform(make):
    pytest.importorskip("scipy")
    docs = _corpus()
    seen, callback = _recorder()
    vec = make(callback)
    X = vec.fit_transform(docs)
    quiet = make(False)
    assert (X != quiet.fit_transform(docs)).nnz == 0
    assert seen and seen[-1] == (len(docs), len(docs))
    seen.clear()
    vec.transform(docs[:10])
    assert seen and seen[-1] == (10, 10)


def test_vectorizer_progress_is_a_cloneable_parameter():
    sklearn_base = pytest.importorskip("sklearn.base")
    vec = textkern.CountVectorizer(progress=True)
    assert vec.get_params()["progress"] is True
    assert sklearn_base.clone(vec).progress is True
    assert textkern.CountVectorizer().progress == "auto"


def test_compression_knn_reports_predict_progress():
    texts = textkern.sample_texts()
    labels = list(range(len(texts)))
    seen, callback = _recorder()
    clf = textkern.CompressionKNN(k=1, progress=callback).fit(texts, labels)
    predicted = clf.predict(texts)
    assert list(predicted) == labels
    assert seen and seen[-1][0] == seen[-1][1] > 0      # the core's own units
    quiet = textkern.CompressionKNN(k=1, progress=False).fit(texts, labels)
    assert list(quiet.predict(texts)) == labels
    assert clf.get_params()["progress"] is callback
    assert textkern.CompressionKNN.paper(progress=False).progress is False
    assert textkern.CompressionKNN().progress == "auto"


def test_compression_knn_progress_true_without_tqdm_warns(no_tqdm):
    texts = textkern.sample_texts()
    clf = textkern.CompressionKNN(k=1, progress=True).fit(texts, list(range(len(texts))))
    with pytest.warns(RuntimeWarning, match=r"textkern\[progress\]"):
        clf.predict(texts[:2])
