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
    for done, total in seen:
        assert 0 <= done <= total


def test_compare_with_a_real_bar():
    pytest.importorskip("tqdm")
    texts = textkern.sample_texts()
    assert compare(texts, progress=True) == compare(texts, progress=False)


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
