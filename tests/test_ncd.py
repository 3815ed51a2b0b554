"""Compression similarity: every value must equal plain Python's, bit for bit."""
import gzip
import itertools
import pickle
import random
import sys
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textkern import _core, compare
from textkern._similarity import (
    CompressionKNN,
    LongTextWarning,
    _fair_vote,
    compressed_size,
    ncd,
    ncd_matrix,
    nearest,
)

# Short sentences written for these tests, one language each.
SENTENCES = [
    "The river rose overnight and the ferry stopped running before dawn.",
    "Farmers watched the sky and hoped the rain would wait until the harvest.",
    "비가 그친 뒤 시장 골목에는 다시 사람들이 모여들었다.",
    "도서관은 주말에도 문을 열어 학생들이 늦게까지 공부할 수 있다.",
    "Der Zug nach Hamburg hatte wegen eines Sturms zwei Stunden Verspätung.",
    "Im Herbst sammeln die Kinder Kastanien im Park hinter der Schule.",
    "Вечером на площади играл оркестр, и люди танцевали до полуночи.",
    "新しい橋は来年の春に開通する予定だと市が発表した。",
    "这家小店的面条很有名，每天中午都排着长队。",
    "وصل القطار متأخرًا بسبب العاصفة الرملية في الصباح.",
    "बारिश के बाद गाँव की सड़कें फिर से हरी-भरी दिखने लगीं।",
    "Το μικρό καφενείο στη γωνία ανοίγει πριν από την ανατολή του ηλίου.",
    "Emoji survive too: 🌧️ ➜ 🌈 and 👩🏽‍🔬 keeps the notes.",
]

FORMATS = ["zlib", "gzip", "deflate"]
LEVELS = [1, 6, 9]
SEPS = ["", " "]
METRICS = ["ncd", "cdm"]


def encode(x):
    return x.encode("utf-8") if isinstance(x, str) else bytes(x)


def ref_size(data, level=6, format="zlib"):
    data = encode(data)
    if format == "zlib":
        return len(zlib.compress(data, level))
    if format == "gzip":
        return len(gzip.compress(data, level, mtime=0))
    return len(zlib.compress(data, level, wbits=-15))


def ref_ncd(x, y, level=6, format="zlib", sep="", metric="ncd"):
    bx, by, bs = encode(x), encode(y), encode(sep)
    cx, cy = ref_size(bx, level, format), ref_size(by, level, format)
    cxy = ref_size(bx + bs + by, level, format)
    if metric == "ncd":
        return (cxy - min(cx, cy)) / max(cx, cy)
    return cxy / (cx + cy)


def make_docs(n, seed, min_sentences=1, max_sentences=30):
    """Documents of a few sentences, some short (direct path), some long (deflateCopy)."""
    rng = random.Random(seed)
    docs = []
    for _ in range(n):
        count = rng.randint(min_sentences, max_sentences)
        docs.append(" ".join(rng.choice(SENTENCES) for _ in range(count)))
    return docs


# ------------------------------------------------------------------- sizes
@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("level", [-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
def test_compressed_size_matches_python(format, level):
    for text in ["", "a"] + SENTENCES + make_docs(5, level):
        assert compressed_size(text, level=level, format=format) == ref_size(text, level, format)
        assert compressed_size(text.encode(), level=level, format=format) == ref_size(
            text, level, format)


# Where CPython's zlib.compress moves to its next output block (32 KiB,
# then 64 KiB, 256 KiB and 1 MiB more).
_OUTPUT_BLOCK_ENDS = tuple(itertools.accumulate((32768, 65536, 262144, 1048576)))


@pytest.mark.parametrize("format", FORMATS)
def test_level0_sizes_around_output_block_ends(format):
    # Regression: level 0 sized a raw stream in CPython's output blocks and
    # added the header afterwards, but zlib and gzip write their header into
    # the first block, which moves the stored blocks: zlib.compress(x, 0) of
    # 360,417 bytes is 360,458 bytes, textkern said 360,453 (also ncd).
    for end in _OUTPUT_BLOCK_ENDS:
        for n in range(end - 140, end + 12):
            x = b"x" * n
            assert compressed_size(x, level=0, format=format) == ref_size(x, 0, format), n
    if format == "gzip":
        x = b"x" * 360409
        assert compressed_size(x, level=0, format="gzip") == len(
            zlib.compress(x, 0, wbits=31)) == 360462
    x, y = b"x" * 200000, b"y" * 160417
    want = ref_ncd(x, y, level=0, format=format)
    assert ncd(x, y, level=0, format=format) == want
    assert ncd_matrix([x], [y], level=0, format=format, n_threads=1)[0, 0] == want


@pytest.mark.parametrize("level", [1, 9])
def test_sizes_of_texts_fed_in_pieces(level):
    # deflate gets 1 MiB per call (so that Ctrl-C is noticed in between):
    # the output must not depend on the pieces.
    rng = random.Random(level)
    words = [f"w{rng.randrange(3000)}" for _ in range(300_000)]
    text = " ".join(words).encode()[:3 * 2**19 + 17]
    for format in FORMATS:
        assert compressed_size(text, level=level, format=format) == ref_size(text, level, format)
    if level == 1:
        assert ncd(text, text[:5000], level=1) == ref_ncd(text, text[:5000], level=1)


def test_wrapper_overheads():
    for level in range(1, 10):
        for text in [b"", b"x" * 1000, SENTENCES[2].encode()]:
            raw = len(zlib.compress(text, level, wbits=-15))
            assert compressed_size(text, level=level, format="gzip") == raw + 18
            assert compressed_size(text, level=level, format="zlib") == raw + 6
            assert compressed_size(text, level=level, format="deflate") == raw


def test_any_bytes_like_and_binary():
    blob = bytes(range(256)) * 40          # not UTF-8: compression does not care
    for obj in [blob, bytearray(blob), memoryview(blob), np.frombuffer(blob, dtype=np.uint8)]:
        assert compressed_size(obj, level=9) == ref_size(blob, 9)


def test_megabytes_do_not_crash():
    rng = random.Random(5)
    big = bytes(rng.getrandbits(8) for _ in range(1 << 16)) * 40   # 2.5 MiB
    for level in (0, 1, 9):
        assert compressed_size(big, level=level, format="gzip") == ref_size(big, level, "gzip")
    with pytest.warns(LongTextWarning, match=str(len(big))):
        assert ncd(big, big[:1000], level=1) == ref_ncd(big, big[:1000], level=1)


# --------------------------------------------------------------------- ncd
@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("sep", SEPS)
@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("level", LEVELS)
def test_ncd_matches_python(level, format, sep, metric):
    docs = SENTENCES[:6] + make_docs(4, 1)
    for x in docs:
        for y in docs[::3]:
            expected = ref_ncd(x, y, level, format, sep, metric)
            assert ncd(x, y, level=level, format=format, sep=sep, metric=metric) == expected
            got = ncd(x.encode(), y.encode(), level=level, format=format,
                      sep=sep.encode(), metric=metric)
            assert got == expected


def test_ncd_empty_and_order():
    assert ncd("", "") == ref_ncd("", "")
    assert ncd(b"", b"abc", metric="cdm") == ref_ncd(b"", b"abc", metric="cdm")
    x, y = SENTENCES[0], SENTENCES[4]
    assert ncd(x, y, sep=" ") == ref_ncd(x, y, sep=" ")
    assert ncd(y, x, sep=" ") == ref_ncd(y, x, sep=" ")


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.tuples(st.text(max_size=300), st.text(max_size=300), st.sampled_from(SEPS)),
        st.tuples(st.binary(max_size=300), st.binary(max_size=300), st.sampled_from([b"", b" "])),
    ),
    st.sampled_from([-1, 0, 1, 6, 9]),
    st.sampled_from(FORMATS),
    st.sampled_from(METRICS),
)
def test_ncd_property(texts, level, format, metric):
    x, y, sep = texts
    if isinstance(x, str):
        # Lone surrogates cannot be UTF-8 encoded; they get their own test.
        x = x.encode("utf-8", "replace").decode("utf-8")
        y = y.encode("utf-8", "replace").decode("utf-8")
        x = "".join(c for c in x if not 0xD800 <= ord(c) <= 0xDFFF)
        y = "".join(c for c in y if not 0xD800 <= ord(c) <= 0xDFFF)
    assert ncd(x, y, level=level, format=format, sep=sep, metric=metric) == ref_ncd(
        x, y, level, format, sep, metric)


# ------------------------------------------------------------------ matrix
def ref_matrix(xs, ys, **opts):
    return np.array([[ref_ncd(x, y, **opts) for y in ys] for x in xs], dtype=np.float64).reshape(
        len(xs), len(ys))


@pytest.mark.parametrize("sep", SEPS)
@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("level", LEVELS)
def test_matrix_matches_python(level, format, sep):
    xs = make_docs(7, level) + [""]
    ys = make_docs(5, level + 100, max_sentences=60)
    got = ncd_matrix(xs, ys, level=level, format=format, sep=sep)
    assert got.dtype == np.float64 and got.shape == (8, 5)
    assert np.array_equal(got, ref_matrix(xs, ys, level=level, format=format, sep=sep))
    got_bytes = ncd_matrix([x.encode() for x in xs], [y.encode() for y in ys], level=level,
                           format=format, sep=sep.encode())
    assert np.array_equal(got_bytes, got)


def test_matrix_square_and_cdm():
    xs = make_docs(6, 3)
    for metric in METRICS:
        assert np.array_equal(ncd_matrix(xs, metric=metric, level=9),
                              ref_matrix(xs, xs, metric=metric, level=9))


def test_matrix_every_prefix_mode_and_thread_count_is_identical():
    # Lengths straddle the deflateCopy crossover and the 32 KiB window.
    xs = make_docs(9, 11) + ["", "x", " ".join(SENTENCES) * 40]
    reference = None
    with pytest.warns(LongTextWarning):
        for prefix in (0, 1, 2):
            for threads in (1, 2, 3, 8):
                out = np.empty((len(xs), len(xs)))
                _core.ncd_matrix(xs, None, out, level=6, format="gzip", sep=" ",
                                 n_threads=threads, prefix=prefix)
                if reference is None:
                    reference = ncd_matrix(xs, level=6, format="gzip", sep=" ")
                    assert np.array_equal(reference,
                                          ref_matrix(xs, xs, level=6, format="gzip", sep=" "))
                assert out.tobytes() == reference.tobytes()


def test_window_edges_exact():
    # Pairs whose concatenation sits around 2**w - 262 bytes, where the core
    # switches to a larger deflate window; the tail repeats the head so that
    # only a window spanning the whole pair finds that match.
    rng = random.Random(99)
    xs, ys = [], []
    for w in range(9, 16):
        for d in (-263, -262, -261, -259, -100, 0):
            total = (1 << w) + d
            data = bytearray(rng.getrandbits(8) for _ in range(total))
            data[-40:] = data[:40]
            cut = rng.randint(1, total - 2)
            xs.append(bytes(data[:cut]))
            ys.append(bytes(data[cut + 1:]))       # one byte left for sep
    for level in (1, 9):
        expected = [ref_ncd(x, y, level=level, format="deflate", sep=b"-") for x, y in zip(xs, ys)]
        for prefix in (0, 1, 2):
            out = np.empty((len(xs), len(ys)))
            _core.ncd_matrix(xs, ys, out, level=level, format="deflate", sep=b"-", prefix=prefix)
            assert np.diagonal(out).tolist() == expected


def test_matrix_threads_public():
    xs, ys = make_docs(20, 4), make_docs(13, 5)
    results = [ncd_matrix(xs, ys, level=9, n_threads=t).tobytes() for t in (1, 2, 5)]
    assert results[0] == results[1] == results[2]


def test_symmetric_is_min_of_both_orders():
    xs = make_docs(8, 6) + [""]
    full = ref_matrix(xs, xs, level=9, format="gzip", sep=" ")
    sym = ncd_matrix(xs, level=9, format="gzip", sep=" ", symmetric=True)
    assert np.array_equal(sym, np.minimum(full, full.T))
    assert np.array_equal(sym, sym.T)
    with pytest.raises(ValueError):
        ncd_matrix(xs, xs, symmetric=True)


def test_matrix_empty_shapes():
    assert ncd_matrix([]).shape == (0, 0)
    assert ncd_matrix([], ["a"]).shape == (0, 1)
    assert ncd_matrix(["a"], []).shape == (1, 0)
    assert ncd_matrix(iter(["a", "b"])).shape == (2, 2)


def test_long_text_warning_once_per_call():
    long_texts = ["word " * 8000, "other " * 7000, "short"]
    with pytest.warns(LongTextWarning) as record:
        ncd_matrix(long_texts, sep=" ")
    assert len([w for w in record if issubclass(w.category, LongTextWarning)]) == 1
    assert "84001 bytes (42000 + 1 + 42000)" in str(record[0].message)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ncd_matrix(["word " * 3000, "other " * 2000])    # 15000 + 12000 bytes: fine


def test_progress_callback_and_tqdm(monkeypatch):
    calls = []
    xs = make_docs(30, 8)
    got = ncd_matrix(xs, progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1][0] == calls[-1][1]
    assert np.array_equal(got, ncd_matrix(xs, progress=True))   # tqdm is a test extra

    import sys
    import textkern._progress as shared_progress
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    monkeypatch.setattr(shared_progress, "_warned_no_tqdm", False)
    with pytest.warns(RuntimeWarning, match="tqdm"):
        assert np.array_equal(ncd_matrix(xs, progress=True), got)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ncd_matrix(xs, progress=True)                 # warned once only


# ----------------------------------------------------------------- nearest
@pytest.mark.parametrize("metric", METRICS)
def test_nearest_matches_sorted_matrix(metric):
    corpus = make_docs(25, 9)
    corpus += corpus[:6]                  # duplicates: equal distances, ties
    queries = make_docs(12, 10) + corpus[:3]
    full = ref_matrix(queries, corpus, level=9, format="gzip", sep=" ", metric=metric)
    for k in (1, 4, len(corpus)):
        idx, dist = nearest(queries, corpus, k, level=9, format="gzip", sep=" ", metric=metric)
        assert idx.shape == dist.shape == (len(queries), k)
        assert idx.dtype == np.int64 and dist.dtype == np.float64
        expected = np.argsort(full, axis=1, kind="stable")[:, :k]   # ties to lower index
        assert np.array_equal(idx, expected)
        assert np.array_equal(dist, np.take_along_axis(full, expected, axis=1))


def test_nearest_thread_independent_and_edge_cases():
    corpus = make_docs(40, 12)
    queries = make_docs(3, 13)
    a = nearest(queries, corpus, 5, n_threads=1)
    b = nearest(queries, corpus, 5, n_threads=4)
    assert np.array_equal(a[0], b[0]) and a[1].tobytes() == b[1].tobytes()
    idx, dist = nearest([], corpus, 3)
    assert idx.shape == dist.shape == (0, 3)
    with pytest.raises(ValueError):
        nearest(queries, corpus, 0)
    with pytest.raises(ValueError):
        nearest(queries, corpus, len(corpus) + 1)
    with pytest.raises(ValueError):
        nearest(queries, [], 1)
    with pytest.raises(TypeError):
        nearest(queries, "a single string", 1)


# --------------------------------------------------------------------- kNN
def test_fair_vote_rule():
    labels = np.array([
        [0, 1, 1],        # majority beats the nearest
        [2, 1, 1, 2],     # pad below
    ][0:1])
    assert _fair_vote(labels).tolist() == [1]
    labels = np.array([[2, 1, 1, 2], [1, 2, 2, 1], [3, 0, 1, 2], [5, 5, 5, 5]])
    # tie 2:2 -> the label whose nearest member comes first
    assert _fair_vote(labels).tolist() == [0, 0, 0, 0]
    assert _fair_vote(np.array([[4], [7]])).tolist() == [0, 0]


def test_knn_k1_is_nearest_label():
    train = make_docs(30, 20)
    labels = [i % 3 for i in range(30)]
    queries = make_docs(10, 21)
    clf = CompressionKNN(k=1).fit(train, labels)
    idx, _ = nearest(queries, train, 1, level=9, format="gzip", sep=" ")
    assert clf.predict(queries).tolist() == [labels[i] for i in idx[:, 0]]


def test_knn_ties_go_to_closest_then_lower_index():
    query = SENTENCES[0] + " " + SENTENCES[1]
    twin = query                                   # two copies at the same distance
    far = SENTENCES[7] * 3
    # k=2, one vote each, equal distances: the lower training index wins.
    assert CompressionKNN(k=2).fit([twin, twin], ["b", "a"]).predict([query]).tolist() == ["b"]
    assert CompressionKNN(k=2).fit([twin, twin], ["a", "b"]).predict([query]).tolist() == ["a"]
    # k=2, one vote each: the closer member's label wins, whatever its index.
    clf = CompressionKNN(k=2).fit([far, twin], ["far", "near"])
    assert clf.predict([query]).tolist() == ["near"]
    # k=3: two far votes outweigh one near vote.
    clf = CompressionKNN(k=3).fit([far, twin, far], ["far", "near", "far"])
    assert clf.predict([query]).tolist() == ["far"]
    assert clf.predict_proba([query]).tolist() == [[2 / 3, 1 / 3]]
    assert clf.score([query, far], ["far", "far"]) == 1.0


def test_knn_distances_are_query_first_and_paper_preset():
    train = make_docs(8, 30)
    queries = make_docs(3, 31)
    clf = CompressionKNN.paper().fit(train, list("abababab"))
    assert (clf.k, clf.level, clf.format, clf.sep, clf.metric) == (2, 9, "gzip", " ", "ncd")
    dist, idx = clf.kneighbors(queries)
    for q in range(3):
        for d, j in zip(dist[q], idx[q]):
            # The paper's code: C(test + " " + train), gzip level 9, header counted.
            cx = len(gzip.compress(queries[q].encode(), 9, mtime=0))
            cy = len(gzip.compress(train[j].encode(), 9, mtime=0))
            cxy = len(gzip.compress(" ".join([queries[q], train[j]]).encode(), 9, mtime=0))
            assert d == (cxy - min(cx, cy)) / max(cx, cy)
    assert clf.kneighbors(queries, 3, return_distance=False).shape == (3, 3)
    assert CompressionKNN(k=3).set_params(k=1).get_params()["k"] == 1


def test_knn_bad_use():
    clf = CompressionKNN()
    from textkern import NotFittedError
    with pytest.raises(NotFittedError):
        clf.predict(["x"])
    with pytest.raises(ValueError):              # NotFittedError is a ValueError too
        clf.kneighbors(["x"])
    with pytest.raises(ValueError):
        clf.fit(["a", "b"], [1])
    with pytest.raises(ValueError):
        clf.fit([], [])
    with pytest.raises(ValueError):
        CompressionKNN(level=12).fit(["a"], [1])
    with pytest.raises(ValueError):
        CompressionKNN(k=5).fit(["a", "b"], [1, 2]).predict(["a"])
    with pytest.raises(TypeError, match="X item 1"):
        CompressionKNN().fit(["a", 5], [1, 2])
    with pytest.raises(TypeError, match="X item 1.*do not mix"):
        CompressionKNN().fit(["a", b"b"], [1, 2])
    fitted = CompressionKNN(k=1).fit(["good film", "bad film"], ["pos", "neg"])
    with pytest.raises(TypeError, match="X item 0.*do not mix"):
        fitted.predict([b"good film"])
    assert len(fitted.predict([])) == 0


def test_knn_refuses_what_ncd_refuses_and_names_X():
    # Regression: fit took np.uint8(65) as the text b"A" (ncd_matrix and
    # predict refuse a 0-d buffer), and predict named a bad query item
    # "queries item", after the nearest() call inside it.
    with pytest.raises(TypeError, match="X item 0"):
        CompressionKNN().fit([np.uint8(65), b"x"], [0, 1])
    with pytest.raises(TypeError, match="item 0"):
        ncd_matrix([np.uint8(65), b"x"])
    fitted = CompressionKNN(k=1).fit(["good film", "bad film"], ["pos", "neg"])
    with pytest.raises(ValueError, match="^X item 1: lone surrogate"):
        fitted.predict(["fine", "bad\ud800"])


@pytest.mark.parametrize("labels", [[1.0, np.nan], np.array(["a", np.nan], dtype=object),
                                    [float("nan"), 2.0]])
def test_knn_refuses_missing_labels_like_sklearn(labels):
    # Regression: NaN became a class, and score() then counted its right
    # predictions wrong (NaN != NaN); scikit-learn raises at fit.
    sk_neighbors = pytest.importorskip("sklearn.neighbors")
    with pytest.raises(ValueError, match="NaN"):
        CompressionKNN(k=1).fit(["a b", "c d"], labels)
    with pytest.raises(ValueError):
        sk_neighbors.KNeighborsClassifier(n_neighbors=1).fit([[0], [1]], labels)


def test_knn_works_in_sklearn_model_selection():
    # Regression: scikit-learn 1.7+ asks every estimator for __sklearn_tags__;
    # CompressionKNN had none, so Pipeline, GridSearchCV, cross_val_score and
    # is_classifier raised AttributeError.
    sklearn = pytest.importorskip("sklearn")
    from sklearn.base import clone, is_classifier
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer
    texts = ["good film", "bad film", "great film", "awful film", "good movie", "bad movie"]
    labels = ["p", "n", "p", "n", "p", "n"]
    assert is_classifier(CompressionKNN())
    search = GridSearchCV(CompressionKNN(progress=False), {"k": [1, 3]}, cv=2).fit(texts, labels)
    assert search.best_params_["k"] in (1, 3)
    assert len(cross_val_score(CompressionKNN(k=1), texts, labels, cv=3)) == 3
    pipe = make_pipeline(FunctionTransformer(lambda xs: [x.upper() for x in xs]),
                         CompressionKNN(k=1)).fit(texts, labels)
    assert pipe.predict(["GOOD FILM"]).tolist() == ["p"]
    assert clone(CompressionKNN(k=3, sep="|")).get_params()["sep"] == "|"
    assert sklearn.__version__


def test_knn_subclass_params_metadata_routing_and_weighted_score():
    # Regressions: get_params listed seven fixed names, so clone() reset a
    # subclass's own parameters; with metadata routing on, pipelines could
    # not score (no get_metadata_routing, no sample_weight).
    sklearn = pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    class LowercasingKNN(CompressionKNN):
        def __init__(self, k=2, *, lowercase=False, **options):
            super().__init__(k, **options)
            self.lowercase = lowercase

    assert clone(LowercasingKNN(k=3, lowercase=True)).get_params()["lowercase"] is True
    texts = ["good film", "bad film", "great film", "awful film", "good movie", "bad movie"]
    labels = [1, 0, 1, 0, 1, 0]
    clf = CompressionKNN(k=1).fit(texts, labels)
    assert clf.score(texts, labels, sample_weight=[1, 1, 1, 1, 1, 0]) == 1.0
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(FunctionTransformer(), CompressionKNN(k=1))
        assert pipe.fit(texts, labels).score(texts, labels) == 1.0
        scores = GridSearchCV(pipe, {"compressionknn__k": [1, 3]}, cv=2).fit(
            texts, labels).cv_results_["mean_test_score"]
        assert not np.isnan(scores).any()


def test_numpy_arrays_of_objects_are_not_bytes():
    # Regression: an object array's row passed as bytes, and the classifier
    # compared heap pointers.
    rows = np.array(["good film", "bad film"], dtype=object).reshape(-1, 1)
    with pytest.raises(TypeError, match="X item 0: expected str or bytes"):
        CompressionKNN(k=1).fit(rows, [1, 0])
    with pytest.raises(TypeError, match="xs item 0"):
        ncd_matrix([np.array([1, 2, 3])])
    assert ncd(np.frombuffer(b"abc", np.uint8), b"abc") == ncd(b"abc", b"abc")


def test_knn_fit_checks_texts_as_predict_will_read_them():
    # Regression: fit accepted a non-contiguous buffer or a str with a lone
    # surrogate; predict then failed, naming the wrong argument ("corpus").
    with pytest.raises(TypeError, match="X item 0.*not contiguous"):
        CompressionKNN(k=1).fit([memoryview(b"abcd")[::2], b"x"], [1, 2])
    with pytest.raises(ValueError, match="X item 1: lone surrogate U\\+DC00 at index 1"):
        CompressionKNN(k=1).fit(["a", "b\udc00"], [1, 2])
    # Mutable buffers are kept as bytes: the classifier pickles, and does
    # not change when the caller's buffer does.
    buffer = bytearray(b"good film")
    clf = CompressionKNN(k=1).fit([buffer, memoryview(b"bad film")], ["pos", "neg"])
    buffer[:] = b"bad film!"
    assert clf.train_texts_ == [b"good film", b"bad film"]
    assert pickle.loads(pickle.dumps(clf)).predict([b"good film"]).tolist() == ["pos"]


def test_knn_wrong_types_are_type_errors():
    # Regression: a float k was a ValueError, against the bad-input rules.
    with pytest.raises(TypeError, match="k must be a positive int, not float"):
        CompressionKNN(k=2.0).fit(["a", "b"], [1, 2])
    with pytest.raises(ValueError, match="k must be a positive int"):
        CompressionKNN(k=0).fit(["a", "b"], [1, 2])
    fitted = CompressionKNN(k=1).fit(["a", "b"], [1, 2])
    with pytest.raises(TypeError, match="n_neighbors must be a positive int"):
        fitted.kneighbors(["a"], n_neighbors=1.0)
    with pytest.raises(TypeError, match="labels must be of one sortable type"):
        CompressionKNN(k=1).fit(["a", "b"], [None, "a"])


def test_long_text_warning_points_at_the_callers_line():
    # Regression: reached through CompressionKNN or compare, the warning
    # named a line inside textkern.
    long_text = "word " * 8000
    clf = CompressionKNN(k=1).fit([long_text], [1])
    for call in (lambda: clf.predict(["x"]), lambda: ncd(long_text, long_text),
                 lambda: compare([long_text, "x"])):
        with pytest.warns(LongTextWarning) as record:
            call()
        assert record[0].filename == __file__


# --------------------------------------------------------------- bad input
def test_surrogate_errors_advise_what_these_functions_accept():
    # Regression: the message advised errors="replace", which the compression
    # functions do not take; it also did not say which argument was bad.
    with pytest.raises(ValueError, match="^y: lone surrogate U\\+DC00.*encode the texts to bytes"):
        ncd("a", "\udc00")
    with pytest.raises(ValueError, match="^xs item 1: lone surrogate") as info:
        ncd_matrix(["a", "b\udc00"])
    assert "errors=" not in str(info.value)
    with pytest.raises(ValueError, match="^data: lone surrogate"):
        compressed_size("\ud800")
    with pytest.raises(ValueError, match="^sep: lone surrogate"):
        ncd("a", "b", sep="\ud800")
    # The advice works: the encoded texts compare.
    assert ncd(b"a", "\udc00".encode("utf-8", "surrogatepass")) >= 0


def test_bad_input():
    with pytest.raises(TypeError, match="both"):
        ncd("abc", b"abc")
    with pytest.raises(TypeError):
        ncd("abc", 5)
    with pytest.raises(TypeError):
        compressed_size(3.5)
    for bad in (-2, 10, 100):
        with pytest.raises(ValueError, match="level"):
            compressed_size("a", level=bad)
        with pytest.raises(ValueError, match="level"):
            ncd_matrix(["a"], level=bad)
    with pytest.raises(ValueError, match="format"):
        ncd("a", "b", format="bz2")
    with pytest.raises(ValueError, match="metric"):
        ncd("a", "b", metric="euclid")
    with pytest.raises(ValueError, match="metric"):
        nearest(["a"], ["b"], 1, metric="nope")
    with pytest.raises(TypeError, match="item 2"):
        ncd_matrix(["a", "b", 3])
    with pytest.raises(TypeError, match="ys item 1"):
        ncd_matrix(["a"], ["b", None])
    with pytest.raises(TypeError, match="item 1"):
        ncd_matrix(["a", b"b"])
    with pytest.raises(TypeError, match="corpus item 0"):
        nearest(["a"], [b"b"], 1)
    with pytest.raises(TypeError):
        ncd_matrix("not a list")
    with pytest.raises(ValueError, match="surrogate"):
        ncd("a\ud800", "b")
    with pytest.raises(ValueError, match="item 1"):
        ncd_matrix(["ok", "bad \udfff"])
    with pytest.raises(ValueError):
        ncd_matrix(["a"], n_threads=0)
    strided = memoryview(b"abcd")[::2]
    with pytest.raises(TypeError, match="contiguous"):
        compressed_size(strided)
    with pytest.raises(TypeError, match="xs item 1: .*contiguous"):
        ncd_matrix([b"ab", strided])
    # NUL bytes are ordinary data.
    assert ncd("a\0b", "a\0c") == ref_ncd("a\0b", "a\0c")
    # The private entry point validates too.
    with pytest.raises(ValueError):
        _core.ncd_matrix(["a"], None, np.empty(3))
    with pytest.raises(ValueError):
        _core.compressed_size("a", level=11)


def test_bare_bound_hook_counts_every_concatenation():
    xs, ys = make_docs(5, 40), make_docs(4, 41)
    expected = sum(len(zlib.compress((x + " " + y).encode(), 9, wbits=-15)) for x in xs for y in ys)
    assert _core._ncd_bare(xs, ys, level=9, sep=" ") == expected
    assert _core._ncd_bare(xs, ys, level=9, sep=" ", n_threads=2) == expected


def test_knn_pickles_and_refuses_inconsistent_state():
    import pickle
    train = make_docs(6, 50)
    clf = CompressionKNN(k=3, level=6).fit(train, list("aabbcc"))
    again = pickle.loads(pickle.dumps(clf))
    queries = make_docs(3, 51)
    assert again.predict(queries).tolist() == clf.predict(queries).tolist()
    state = dict(clf.__dict__)
    for key, bad in [("_encoded", clf._encoded[:2]), ("_encoded", clf._encoded + 10),
                     ("train_texts_", train[:1] + [5] + train[2:])]:
        fresh = CompressionKNN.__new__(CompressionKNN)
        with pytest.raises((ValueError, TypeError)):
            fresh.__setstate__(dict(state, **{key: bad}))


# ---------------------------------------------------------------- session 20 review
def test_a_generator_exception_passes_unchanged():
    def texts():
        yield "abc"
        raise KeyError("from the generator")
    with pytest.raises(KeyError, match="from the generator"):
        ncd_matrix(texts())
    with pytest.raises(TypeError, match="must be a sequence of str or bytes"):
        ncd_matrix(5)


@pytest.mark.skipif(sys.version_info < (3, 12), reason="Python classes export buffers from 3.12")
def test_a_buffer_method_that_shrinks_the_list_does_not_crash():
    # Reading the first item's buffer empties the caller's list: the C loop
    # reads a snapshot (it read freed memory and crashed before).
    for call in (lambda xs: ncd_matrix(xs), lambda xs: nearest([b"aaaa"], xs, k=1)):
        xs = []

        class Shrinking:
            def __buffer__(self, flags):
                xs.clear()
                return memoryview(b"evil")
        xs.extend([Shrinking(), b"aaaa", b"bbbb", b"cccc"])
        call(xs)


def test_knn_set_score_request_routes_sample_weight():
    # Regression (session 20 review): with routing on, sample_weight could
    # not reach score: there was no set_score_request.
    sklearn = pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.model_selection import cross_val_score

    from sklearn.model_selection import StratifiedKFold

    texts = ["good film", "bad film", "great film", "awful film", "good movie", "bad movie",
             "fine film", "poor film", "nice movie", "dull movie", "good show", "bad show"]
    labels = [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]
    weights = np.arange(1.0, 13.0)
    expected = []
    for train, test in StratifiedKFold(2).split(texts, labels):
        fold = CompressionKNN(k=1).fit([texts[i] for i in train], [labels[i] for i in train])
        expected.append(fold.score([texts[i] for i in test], [labels[i] for i in test],
                                   sample_weight=weights[test]))
    with sklearn.config_context(enable_metadata_routing=True):
        with pytest.raises(Exception, match="sample_weight"):
            cross_val_score(CompressionKNN(k=1), texts, labels, cv=2,
                            params={"sample_weight": np.ones(12)})
        requested = CompressionKNN(k=1).set_score_request(sample_weight=True)
        assert clone(requested).get_metadata_routing().score.requests == {"sample_weight": True}
        assert pickle.loads(pickle.dumps(requested)).get_metadata_routing().score.requests == {
            "sample_weight": True}
        scores = cross_val_score(requested, texts, labels, cv=2,
                                 params={"sample_weight": weights})
        assert list(scores) == expected
    with pytest.raises(ValueError, match="alias"):
        CompressionKNN().set_score_request(sample_weight=5)
    state = CompressionKNN().__getstate__() if hasattr(CompressionKNN, "__getstate__") else {}
    with pytest.raises(ValueError, match="_metadata_request"):
        CompressionKNN().__setstate__(dict(state, _metadata_request="junk"))


def test_set_score_request_without_metadata_routing_says_which_sklearn(monkeypatch):
    # scikit-learn before 1.3 has no sklearn.utils.metadata_routing.
    import builtins
    real_import = builtins.__import__

    def no_routing(name, *args, **kwargs):
        if name.startswith("sklearn.utils.metadata_routing"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_routing)
    with pytest.raises(ImportError, match="scikit-learn 1.3 or newer"):
        CompressionKNN().set_score_request(sample_weight=True)
