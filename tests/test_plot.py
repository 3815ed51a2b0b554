"""textkern.plot: each plot returns its Axes and saves to PNG (Agg backend)."""
import sys

import numpy as np
import pytest

import textkern

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from textkern import plot  # noqa: E402
from textkern._compare import compare  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ENGLISH = [text for name, _, text in textkern.sample_articles() if "_en_" in name]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def save_png(ax, path):
    ax.figure.savefig(path, dpi=60)
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 1000
    return data


def tick_texts(labels):
    return [t.get_text() for t in labels]


def test_top_terms_from_counts(tmp_path):
    counts = textkern.count(ENGLISH, stopwords="english")
    ax = plot.top_terms(counts, k=8)
    assert isinstance(ax, matplotlib.axes.Axes)
    top = counts.most_common(8)
    # most frequent on top: the y axis runs bottom-up
    assert tick_texts(ax.get_yticklabels()) == [t for t, _ in top][::-1]
    widths = [bar.get_width() for bar in ax.patches]
    assert widths == [float(c) for _, c in top][::-1]
    assert ax.get_title() == "Top 8 terms"
    save_png(ax, tmp_path / "top.png")


def test_top_terms_other_inputs():
    as_dict = {"b": 2, "a": 5, "c": 2}
    ax = plot.top_terms(as_dict, k=2)
    assert tick_texts(ax.get_yticklabels()) == ["b", "a"]          # tie keeps input order
    ax = plot.top_terms([("x", 1), ("y", 3)], k=5, title="pairs")
    assert tick_texts(ax.get_yticklabels()) == ["x", "y"] and ax.get_title() == "pairs"
    pd = pytest.importorskip("pandas")
    ax = plot.top_terms(pd.Series({"p": 1, "q": 9}), k=1)
    assert tick_texts(ax.get_yticklabels()) == ["q"]


def test_top_terms_draws_on_given_axes():
    fig, (left, right) = plt.subplots(1, 2)
    assert plot.top_terms({"a": 1}, ax=right) is right
    assert len(left.patches) == 0 and len(right.patches) == 1


@pytest.mark.parametrize("k, error", [(0, ValueError), (-1, ValueError), (2.5, TypeError),
                                      (True, TypeError)])
def test_top_terms_bad_k(k, error):
    # A k of the wrong type is a TypeError, as the bad-input rules say.
    with pytest.raises(error):
        plot.top_terms({"a": 1}, k=k)


def clustered_matrix():
    # Two obvious groups given interleaved: a* are close, b* are close.
    labels = ["a1", "b1", "a2", "b2", "a3"]
    group = [0, 1, 0, 1, 0]
    m = np.array([[0.0 if i == j else (0.2 if group[i] == group[j] else 0.9)
                   for j in range(5)] for i in range(5)])
    m[0, 2], m[2, 0] = 0.1, 0.1
    return m, labels


def test_similarity_orders_by_clustering(tmp_path):
    pytest.importorskip("scipy")
    m, labels = clustered_matrix()
    ax = plot.similarity(m, labels)
    order = tick_texts(ax.get_yticklabels())
    assert sorted(order) == sorted(labels)
    assert tick_texts(ax.get_xticklabels()) == order
    groups = "".join(name[0] for name in order)
    assert groups in ("aaabb", "bbaaa")
    image = ax.images[0].get_array()
    positions = [labels.index(name) for name in order]
    assert np.array_equal(np.asarray(image), m[np.ix_(positions, positions)])
    save_png(ax, tmp_path / "sim.png")


def test_similarity_input_order_needs_no_scipy(monkeypatch):
    m, labels = clustered_matrix()
    monkeypatch.setitem(sys.modules, "scipy.cluster.hierarchy", None)
    ax = plot.similarity(m, labels, order="input", annotate=True, colorbar=False)
    assert tick_texts(ax.get_yticklabels()) == labels
    assert len(ax.texts) == 25
    with pytest.raises(ImportError, match=r"textkern\[plot\]"):
        plot.similarity(m, labels)


def test_similarity_from_result_and_dataframe(tmp_path):
    pytest.importorskip("scipy")
    articles = textkern.sample_articles()
    result = compare({name: text for name, _, text in articles})
    ax = plot.similarity(result)
    assert sorted(tick_texts(ax.get_xticklabels())) == sorted(result.labels)
    assert ax.get_title() == "NCD (clustered)"
    save_png(ax, tmp_path / "result.png")
    pd = pytest.importorskip("pandas")
    ax = plot.similarity(result.to_pandas(), order="input")
    assert tick_texts(ax.get_yticklabels()) == result.labels
    ax = plot.similarity(textkern.ncd_matrix(ENGLISH))
    assert len(ENGLISH) == 2          # two texts: nothing to cluster, input order
    assert tick_texts(ax.get_yticklabels()) == ["0", "1"]


def test_similarity_bad_input():
    with pytest.raises(ValueError, match="square"):
        plot.similarity(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="labels"):
        plot.similarity(np.zeros((2, 2)), ["only one"])
    with pytest.raises(ValueError, match="order"):
        plot.similarity(np.zeros((2, 2)), order="alphabetical")


def test_dendrogram(tmp_path):
    pytest.importorskip("scipy")
    m, labels = clustered_matrix()
    result = textkern._compare.SimilarityResult(m, labels)
    ax = plot.dendrogram(result)
    assert isinstance(ax, matplotlib.axes.Axes)
    leaves = tick_texts(ax.get_yticklabels())
    assert sorted(leaves) == sorted(labels)
    assert "".join(name[0] for name in leaves) in ("aaabb", "bbaaa")
    save_png(ax, tmp_path / "tree.png")
    ax = plot.dendrogram(m, labels=labels, orientation="top")
    assert sorted(tick_texts(ax.get_xticklabels())) == sorted(labels)
    with pytest.raises(ValueError, match="two texts"):
        plot.dendrogram(np.zeros((1, 1)))


def test_linkage_uses_symmetrized_distances():
    scipy_hierarchy = pytest.importorskip("scipy.cluster.hierarchy")
    m = np.array([[0.0, 0.3, 0.8], [0.1, 0.0, 0.7], [0.9, 0.6, 0.0]])
    tree = plot.linkage(m)
    expected = scipy_hierarchy.linkage(np.array([0.1, 0.8, 0.6]), method="average")
    assert np.array_equal(tree, expected)


@pytest.mark.parametrize("call", [
    lambda: plot.top_terms({"a": 1}),
    lambda: plot.similarity(np.zeros((2, 2))),
    lambda: plot.dendrogram(np.zeros((2, 2))),
])
def test_without_matplotlib_names_the_extra(monkeypatch, call):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install textkern\[plot\]"):
        call()


def test_labels_with_dollar_signs_draw_as_text(tmp_path):
    # Regression: matplotlib read "$...$" in terms and labels as math, so
    # "$5 vs $7" lost its dollar signs and "$^$" failed to draw at all.
    ax = plot.top_terms({"$^$": 2, "price $5 vs $7": 1})
    save_png(ax, tmp_path / "terms.png")
    assert [t.get_text() for t in ax.get_yticklabels()] == [r"price \$5 vs \$7", r"\$^\$"]
    ax = plot.similarity(np.array([[0.0, 0.3], [0.3, 0.0]]), labels=["$a$", "$^$"])
    save_png(ax, tmp_path / "matrix.png")


def test_numpy_labels_and_bad_counts():
    # Regression: numpy labels failed with "truth value of an array is
    # ambiguous"; a str or malformed pairs gave IndexError.
    ax = plot.similarity(np.array([[0.0, 0.3], [0.3, 0.0]]), labels=np.array(["x", "y"]))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "y"]
    for bad in ("abc", [("a",)], [("a", 1, 2)]):
        with pytest.raises(TypeError, match="counts must be"):
            plot.top_terms(bad)
    with pytest.raises(TypeError, match="k must be"):
        plot.top_terms({"a": 1}, k=1.5)


class _FakeFont:
    def __init__(self, name):
        self.name = name


@pytest.mark.parametrize("labels, installed, expected", [
    (["heat", "Жара"], ["Noto Sans Devanagari"], None),
    (["गर्मी", "बिजली"], ["Lohit Devanagari", "Noto Sans Devanagari"], ["Noto Sans Devanagari"]),
    (["गर्मी"], ["NanumGothic"], None),
    (["폭염", "गर्मी", "ความร้อน"], ["FreeSans", "NanumGothic", "Noto Sans Thai"],
     ["FreeSans", "Noto Sans Thai", "NanumGothic"]),
    (["猛暑", "電力"], ["Droid Sans Fallback", "Noto Sans CJK JP"], ["Noto Sans CJK JP"]),
])
def test_label_fonts_fall_back_per_script(monkeypatch, labels, installed, expected):
    # Regression: only Hangul, kana and Han got a fallback font, so Hindi
    # (the sample articles' own language) drew as empty boxes.
    from matplotlib import font_manager, rcParams
    monkeypatch.setattr(font_manager.fontManager, "ttflist",
                        [_FakeFont(name) for name in installed])
    family = plot._font_family(labels)
    if expected is None:
        assert family is None
    else:
        assert family == list(rcParams["font.sans-serif"][:1]) + expected


# The alias points at a font file without Devanagari: the glyph warning is expected.
@pytest.mark.filterwarnings("ignore:Glyph")
def test_hindi_labels_use_an_installed_devanagari_font(tmp_path, monkeypatch):
    from matplotlib import font_manager
    fonts = list(font_manager.fontManager.ttflist)
    if not fonts:
        pytest.skip("matplotlib found no fonts")
    alias = type(fonts[0])(**{**fonts[0].__dict__, "name": "Lohit Devanagari"}) \
        if hasattr(fonts[0], "__dataclass_fields__") else None
    if alias is None:
        pytest.skip("matplotlib's FontEntry is not a dataclass here")
    monkeypatch.setattr(font_manager.fontManager, "ttflist", fonts + [alias])
    counts = textkern.count(["गर्मी की लहर से बिजली की मांग बढ़ गई"])
    ax = plot.top_terms(counts, k=4)
    families = {tuple(t.get_fontfamily()) for t in ax.get_yticklabels()}
    assert all("Lohit Devanagari" in fam for fam in families)
    save_png(ax, tmp_path / "hindi.png")


def test_inputs_are_told_apart_by_type_not_attributes():
    # Regressions: pandas reads labels as attributes, so a Series of counts
    # with the term "most_common" was called as Counts, and a DataFrame of
    # distances with texts labelled "options", or "matrix" and "labels",
    # was taken for a SimilarityResult.
    pd = pytest.importorskip("pandas")
    counts = textkern.count(["call most_common on the counter", "the counter"]).to_pandas()
    ax = plot.top_terms(counts, k=3)
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "the"
    for names in (["options", "b", "c"], ["matrix", "labels", "c"]):
        frame = compare(["one text", "another text", "a third one"], labels=names).to_pandas()
        assert isinstance(frame, pd.DataFrame)
        assert plot.similarity(frame).get_title() == "NCD (clustered)"
        plot.dendrogram(frame)
        assert plot.linkage(frame).shape == (2, 4)
