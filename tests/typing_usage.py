"""Uses the whole public API of textkern; checked with ``mypy --strict``.

``assert_type`` makes mypy verify the exact types the stubs promise (it is
a no-op at run time).  tests/test_typing.py type-checks this file and also
runs it, so every line must work, too.
"""
from __future__ import annotations

import pickle
import warnings
from collections.abc import Callable, ItemsView, KeysView, ValuesView
from typing import Any, assert_type

import numpy as np
import numpy.typing as npt

import textkern
import textkern.dask
import textkern.plot
from textkern import (
    ANALYZERS,
    DEFAULT_KINDS,
    CompressionKNN,
    CountVectorizer,
    Counts,
    HashingVectorizer,
    LongTextWarning,
    NotFittedError,
    SimilarityResult,
    TfidfVectorizer,
    Tokenizer,
    compare,
    compressed_size,
    count,
    ncd,
    ncd_matrix,
    nearest,
    ngrams,
    sample_articles,
    sample_texts,
    map_text,
    segment,
    tokenize,
)


def main() -> None:
    assert_type(textkern.__version__, str)
    assert_type(textkern.unicode_version, str)
    assert_type(DEFAULT_KINDS, tuple[str, ...])
    assert_type(ANALYZERS, tuple[str, ...])

    # ------------------------------------------------------- sample data
    articles = assert_type(sample_articles(), list[tuple[str, str, str]])
    texts = assert_type(sample_texts(), list[str])
    names = [name for name, _title, _text in articles]

    # ------------------------------------------------------ tokenization
    assert_type(segment("Don't panic"), list[str])
    assert_type(segment(b"bytes too", errors="replace"), list[str])
    words = assert_type(tokenize("서울 19일 발표"), list[str])
    assert_type(tokenize(b"raw bytes", case=None, normalize="NFC"), list[str])
    spans = assert_type(tokenize("서울 19일", offsets=True), list[tuple[str, int, int]])
    token, start, end = spans[0]
    assert_type(start + end, int)
    flag: bool = len(words) > 100
    either = tokenize("maybe offsets", offsets=flag)
    assert_type(either, list[str] | list[tuple[str, int, int]])
    assert_type(tokenize("x", kinds=("word", "emoji"), min_len=2, stopwords=["the"]), list[str])
    assert_type(map_text("Die STRASSE"), str)
    assert_type(map_text(b"Caf\xc3\xa9", case=None, strip_accents="unicode"), str)

    tok = Tokenizer(case="lower", stopwords=["the"], min_len=2)
    assert_type(tok("The cat"), list[str])
    assert_type(tok("The cat", offsets=True), list[tuple[str, int, int]])
    assert_type(tok.batch(texts), list[list[str]])
    assert_type(tok.batch(texts, 2, offsets=True), list[list[tuple[str, int, int]]])
    assert_type(tok.options, dict[str, Any])
    assert pickle.loads(pickle.dumps(tok)) == tok

    # ---------------------------------------------------------- counting
    assert_type(ngrams("the cat sat", (1, 2)), list[str])
    assert_type(ngrams("hi you", 3, analyzer="char_wb", case=None), list[str])
    counts = assert_type(count(texts, ngram_range=(1, 2), stopwords="english"), Counts)
    one = assert_type(count("a single text", n_threads=1), Counts)
    assert_type(count(iter(texts), progress=lambda done, total: None), Counts)
    assert_type(count(texts, progress=False), Counts)
    merged = assert_type(counts + one, Counts)
    top = assert_type(merged.most_common(5), list[tuple[str, int]])
    term, n = top[0]
    assert_type(merged[term], int)
    assert_type(merged.get(term), int | None)
    assert_type(merged.get(term, 0), int)
    assert_type(merged.total(), int)
    assert_type(merged.keys(), KeysView[str])
    assert_type(merged.values(), ValuesView[int])
    assert_type(merged.items(), ItemsView[str, int])
    assert_type(merged.to_dict(), dict[str, int])
    assert_type(merged.copy(), Counts)
    merged.update(["extra", "terms"], {"the": 1})
    assert_type(merged._repr_html_(), str)
    assert_type(len(merged), int)
    assert term in merged
    series: Any = merged.to_pandas()
    assert list(series.index[:1]) == [merged.most_common(1)[0][0]]
    assert_type(Counts({"a": 1}), Counts)

    # ------------------------------------------------------- vectorizers
    cv = CountVectorizer(ngram_range=(1, 2), min_df=1, stop_words="english", progress="auto")
    X = cv.fit_transform(texts)
    assert X.shape[0] == len(texts)
    features = assert_type(cv.get_feature_names_out(), npt.NDArray[np.object_])
    assert_type(cv.vocabulary_, dict[str, int])
    assert len(features) == X.shape[1]
    tv = TfidfVectorizer(sublinear_tf=True).fit(texts)
    assert_type(tv, TfidfVectorizer)
    assert_type(tv.idf_, npt.NDArray[np.float64])
    assert tv.transform(texts[:2]).shape[0] == 2
    hv = HashingVectorizer(n_features=2**12)
    assert hv.transform(texts).shape == (len(texts), 2**12)
    assert_type(hv.get_params(), dict[str, Any])
    assert_type(cv.set_params(binary=True), CountVectorizer)
    preprocess = assert_type(cv.build_preprocessor(), Callable[[str], str])
    split = assert_type(hv.build_tokenizer(), Callable[[str], list[str]])
    assert_type(split(preprocess(cv.decode(b"Die STRASSE"))), list[str])
    assert_type(tv.get_stop_words(), frozenset[str] | None)
    try:
        CountVectorizer().transform(texts)
    except NotFittedError:
        pass

    # -------------------------------------------------------- similarity
    assert_type(compressed_size("abc" * 10, level=9), int)
    assert_type(ncd("the cat", "the hat"), float)
    assert_type(ncd(b"the cat", bytearray(b"the hat"), format="gzip", sep=b" "), float)
    matrix = assert_type(ncd_matrix(texts, symmetric=True), npt.NDArray[np.float64])
    assert matrix.shape == (len(texts), len(texts))
    assert_type(ncd_matrix([b"a", b"b"], [b"c"], metric="cdm"), npt.NDArray[np.float64])
    idx, dist = nearest(texts[:2], texts, 3, progress=False)
    assert_type(idx, npt.NDArray[np.int64])
    assert_type(dist, npt.NDArray[np.float64])

    knn = CompressionKNN(k=1).fit(texts, names)
    assert_type(knn, CompressionKNN)
    assert_type(CompressionKNN.paper(), CompressionKNN)
    assert_type(knn.predict(texts[:2]), npt.NDArray[Any])
    assert_type(knn.predict_proba(texts[:2]), npt.NDArray[np.float64])
    assert_type(knn.score(texts, names), float)
    d, i = knn.kneighbors(texts[:1])
    assert_type(d, npt.NDArray[np.float64])
    assert_type(knn.kneighbors(texts[:1], return_distance=False), npt.NDArray[np.int64])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LongTextWarning)
        ncd("x" * 40000, "y" * 40000)

    # ----------------------------------------------------------- compare
    result = assert_type(compare(texts, names, level=9, progress=False), SimilarityResult)
    assert_type(compare(dict(zip(names, texts))), SimilarityResult)
    assert_type(result.matrix, npt.NDArray[np.float64])
    assert_type(result.labels, list[str])
    pairs = assert_type(result.most_similar(3), list[tuple[str, str, float]])
    assert_type(result.nearest(names[0], 2), list[tuple[str, float]])
    assert_type(result.distance(0, 1), float)
    assert_type(result._repr_html_(), str)
    frame: Any = result.to_pandas()
    assert frame.shape == (len(texts), len(texts)) and len(pairs) == 3

    # ------------------------------------------------------------- plots
    import matplotlib

    matplotlib.use("Agg")
    ax1 = textkern.plot.top_terms(counts, k=10)
    ax2 = textkern.plot.similarity(result)
    ax3 = textkern.plot.dendrogram(result)
    assert_type(textkern.plot.linkage(result), npt.NDArray[np.float64])
    for ax in (ax1, ax2, ax3):
        ax.figure.clf()

    # -------------------------------------------------------------- dask
    import dask
    import dask.bag

    with dask.config.set(scheduler="sync"):
        bag = dask.bag.from_sequence(texts, npartitions=3)  # type: ignore[no-untyped-call]
        assert textkern.dask.count_bag(bag) == count(texts)
        blocks = textkern.dask.ncd_matrix_blocks(texts, block=4)
        assert np.array_equal(blocks.compute(), ncd_matrix(texts))
        lazy_idx, lazy_dist = textkern.dask.nearest_blocks(texts, texts, 2, block=4)
        assert lazy_idx.shape == (len(texts), 2)


if __name__ == "__main__":
    main()
    print("typing_usage: ok")
