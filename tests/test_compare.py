"""textkern.compare and SimilarityResult."""
import html
import pickle
import re
import sys

import numpy as np
import pytest

import textkern
from textkern._compare import SimilarityResult, compare

ARTICLES = textkern.sample_articles()
NAMES = [name for name, _, _ in ARTICLES]
TEXTS = [text for _, _, text in ARTICLES]


def test_equals_symmetric_ncd_matrix():
    result = compare(TEXTS, NAMES)
    assert result.labels == NAMES
    assert np.array_equal(result.matrix, textkern.ncd_matrix(TEXTS, symmetric=True))
    assert np.array_equal(result.matrix, result.matrix.T)


def test_options_reach_ncd_matrix():
    result = compare(TEXTS, level=9, format="gzip", sep=" ", metric="cdm", symmetric=False)
    expected = textkern.ncd_matrix(TEXTS, level=9, format="gzip", sep=" ", metric="cdm")
    assert np.array_equal(result.matrix, expected)
    assert result.options["metric"] == "cdm" and result.options["level"] == 9


def test_mapping_gives_labels():
    result = compare(dict(zip(NAMES, TEXTS)))
    assert result.labels == NAMES
    assert np.array_equal(result.matrix, compare(TEXTS).matrix)


def test_default_labels_are_previews():
    result = compare(["the  cat\nsat on the mat", "x" * 100])
    assert result.labels[0] == "the cat sat on the mat"
    assert len(result.labels[1]) == 24 and result.labels[1].endswith("…")
    assert compare([b"abc", b"abd"]).labels == ["#0", "#1"]
    assert compare(["", "a"]).labels == ["#0", "a"]


def test_bad_input():
    with pytest.raises(TypeError, match="single str"):
        compare("just one text")
    with pytest.raises(ValueError, match="2 texts but 3 labels"):
        compare(["a", "b"], ["x", "y", "z"])
    with pytest.raises(TypeError, match="labels"):
        compare({"a": "x"}, ["a"])
    with pytest.raises(TypeError, match="labels"):
        compare(["a", "b"], "ab")
    with pytest.raises(TypeError):
        compare(["a", b"b"])           # mixed str and bytes
    with pytest.raises(TypeError):
        compare(["a", 3])
    with pytest.raises(TypeError):
        compare(42)
    with pytest.raises(ValueError):
        compare(["a"], level=11)
    with pytest.raises(ValueError):
        SimilarityResult(np.zeros((2, 3)), ["a", "b"])
    with pytest.raises(ValueError):
        SimilarityResult(np.zeros((2, 2)), ["a"])


def test_empty_and_single():
    empty = compare([])
    assert len(empty) == 0 and empty.matrix.shape == (0, 0)
    assert empty.most_similar() == []
    assert "<table" in empty._repr_html_()
    one = compare(["only"])
    assert one.most_similar() == [] and one.nearest(0) == []
    assert "<td" in one._repr_html_()


def test_most_similar_order_and_ties():
    m = np.array([[0.0, 0.5, 0.2, 0.5],
                  [0.6, 0.0, 0.9, 0.1],
                  [0.2, 0.9, 0.0, 0.5],
                  [0.5, 0.3, 0.5, 0.0]])
    r = SimilarityResult(m, ["a", "b", "c", "d"])
    # the smaller of [i, j] and [j, i]; ties in matrix (row-major) order
    assert r.most_similar(10) == [("b", "d", 0.1), ("a", "c", 0.2), ("a", "b", 0.5),
                                  ("a", "d", 0.5), ("c", "d", 0.5), ("b", "c", 0.9)]
    assert r.most_similar(2) == r.most_similar(10)[:2]
    assert r.most_similar(0) == []
    with pytest.raises(ValueError):
        r.most_similar(-1)
    assert r.nearest("b", 2) == [("d", 0.1), ("a", 0.6)]
    assert r.distance("b", "a") == 0.6 and r.distance(0, 1) == 0.5
    with pytest.raises(KeyError):
        r.distance("zz", "a")
    condensed = r.condensed()
    assert condensed.tolist() == [0.5, 0.2, 0.5, 0.9, 0.1, 0.5]


def test_same_language_same_topic_is_closest():
    result = compare(dict(zip(NAMES, TEXTS)))
    a, b, _ = result.most_similar(1)[0]
    assert a[3:5] == b[3:5]            # same language code: shared vocabulary compresses


def test_repr_html_is_a_labelled_coloured_table():
    labels = ["<b>bold</b>", "a & b", "plain"]
    r = SimilarityResult([[0.0, 0.1, 0.9], [0.1, 0.0, 0.5], [0.9, 0.5, 0.0]], labels)
    page = r._repr_html_()
    for label in labels:
        assert page.count(html.escape(label)) == 2     # row header and column header
    assert "<b>bold</b>" not in page
    assert page.count("<td") == 9
    colours = re.findall(r"background:rgb\((\d+),(\d+),(\d+)\)", page)
    assert len(colours) == 9
    brightness = {}
    for (cell, rgb) in zip(re.findall(r">(\d\.\d{3})</td>", page), colours):
        brightness[cell] = sum(map(int, rgb))
    assert brightness["0.100"] < brightness["0.500"] < brightness["0.900"]


def test_repr_and_len():
    r = compare(TEXTS[:3], ["x", "y", "z"])
    assert len(r) == 3
    assert repr(r) == "SimilarityResult(n=3, metric='ncd', level=6, format='zlib')"
    assert np.array_equal(np.asarray(r), r.matrix)
    assert r.to_numpy() is not r.matrix


def test_to_pandas():
    pd = pytest.importorskip("pandas")
    r = compare(TEXTS, NAMES)
    frame = r.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.index) == NAMES and list(frame.columns) == NAMES
    assert np.array_equal(frame.to_numpy(), r.matrix)
    assert frame.loc[NAMES[0], NAMES[1]] == r.matrix[0, 1]


def test_to_pandas_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"textkern\[pandas\]"):
        compare(["a", "b"]).to_pandas()


def test_pickle_round_trip():
    r = compare(TEXTS[:4], NAMES[:4])
    back = pickle.loads(pickle.dumps(r))
    assert back == r and back.options == r.options


def test_plot_method():
    pytest.importorskip("matplotlib")
    pytest.importorskip("scipy")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    r = compare(TEXTS[:4], NAMES[:4])
    ax = r.plot()
    assert sorted(t.get_text() for t in ax.get_xticklabels()) == sorted(NAMES[:4])
    ax2 = r.dendrogram()
    assert ax2 is not ax
    plt.close("all")


def test_positions_and_counts_are_checked():
    # Regressions: a position out of range was an IndexError (forbidden for
    # bad input), 1.9 quietly meant text 1, and a float k failed in numpy.
    res = SimilarityResult([[0.0, 0.2, 0.5], [0.2, 0.0, 0.4], [0.5, 0.4, 0.0]], ["a", "b", "c"])
    assert res.nearest(-1, k=1) == res.nearest("c", k=1) == [("b", 0.4)]
    assert res.distance(np.int64(0), "b") == 0.2
    for bad in (7, -4):
        with pytest.raises(KeyError, match="out of range for 3 texts"):
            res.nearest(bad)
    with pytest.raises(KeyError):
        compare([]).nearest(0)
    with pytest.raises(TypeError, match="label .* or position"):
        res.distance(1.9, 0)
    for call in (lambda: res.nearest(0, k=1.5), lambda: res.most_similar(1.0),
                 lambda: res.nearest(0, k=True)):
        with pytest.raises(TypeError, match="k must be"):
            call()
    for call in (lambda: res.nearest(0, k=-1), lambda: res.most_similar(-1)):
        with pytest.raises(ValueError, match="k must be"):
            call()


def test_repr_html_shows_at_most_a_notebook_sized_table():
    # Regression: 1,000 texts made 103 MB of HTML, which Jupyter drops.
    n = SimilarityResult.HTML_MAX_TEXTS + 40
    res = SimilarityResult(np.random.default_rng(0).random((n, n)), [f"t{i}" for i in range(n)])
    page = res._repr_html_()
    assert page.count("<tr>") == SimilarityResult.HTML_MAX_TEXTS + 1      # the head row too
    assert f"The first {SimilarityResult.HTML_MAX_TEXTS} of {n} texts" in page
    assert len(page) < 400_000
    small = SimilarityResult(res.matrix[:3, :3], res.labels[:3])
    assert "The first" not in small._repr_html_()


def test_nearest_leaves_the_text_out_even_beside_nan():
    # Regression: the text's own entry was set to +inf, which argsort puts
    # before NaN, so a row with a NaN listed the text as its own neighbour.
    nan = float("nan")
    result = SimilarityResult([[0, nan, .2], [nan, 0, .3], [.2, .3, 0]], list("abc"))
    got = result.nearest("a")
    assert [label for label, _ in got] == ["c", "b"] and np.isnan(got[1][1])
    assert [label for label, _ in SimilarityResult([[0, nan], [.5, 0]], list("ab")).nearest("a")] \
        == ["b"]


def test_array_protocol_honours_copy_false():
    # Regression: np.asarray(result, copy=False) copied silently.
    result = SimilarityResult([[0, .5], [.5, 0]], list("ab"))
    view = np.asarray(result, copy=False) if np.lib.NumpyVersion(np.__version__) >= "2.0.0" \
        else result.__array__(copy=False)
    view[0, 1] = 0.25
    assert result.matrix[0, 1] == 0.25
    with pytest.raises(ValueError, match="without a copy"):
        result.__array__(dtype=np.float32, copy=False)
    assert np.asarray(result) is not result.matrix          # default: a copy
