"""textkern.dask on a real dask.distributed LocalCluster with 2 worker processes.

Everything computed on the cluster must equal the single-process result,
which also proves that Counts, Tokenizers and vectorizers pickle across
processes.
"""
import os
import pickle
import sys

import numpy as np
import pytest

import textkern

dask = pytest.importorskip("dask")
db = pytest.importorskip("dask.bag")
pytest.importorskip("dask.array")
distributed = pytest.importorskip("dask.distributed")

from textkern import dask as tkdask  # noqa: E402

TEXTS = textkern.sample_texts()
# Some repetition, and a few small documents so that partitions differ.
CORPUS = TEXTS * 3 + ["the cat sat", "서울 19일 발표", "", "Die Straße ist 1,000 m lang."]


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                       dashboard_address=None, silence_logs=40)
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def test_cluster_has_two_other_processes(client):
    pids = client.run(os.getpid)
    assert len(pids) == 2
    assert os.getpid() not in pids.values()
    assert len(set(pids.values())) == 2


@pytest.mark.parametrize("options", [
    {},
    {"ngram_range": (1, 2), "stopwords": "english"},
    {"analyzer": "char_wb", "ngram_range": (2, 3), "case": None},
    {"analyzer": "grapheme", "ngram_range": 2, "n_threads": 1},
])
@pytest.mark.parametrize("npartitions", [1, 4, 13])
def test_count_bag_equals_count(client, options, npartitions):
    bag = db.from_sequence(CORPUS, npartitions=npartitions)
    got = tkdask.count_bag(bag, split_every=2, **options)
    expected = textkern.count(CORPUS, **options)
    assert got == expected
    assert list(got.items()) == list(expected.items())        # same order of first appearance
    assert got.total() == expected.total()


def test_count_bag_reads_iterator_options_once(client):
    # Regression: the partitions shared one iterator of stopwords, which the
    # first partition used up, so the others kept "the".
    bag = db.from_sequence(CORPUS, npartitions=4)
    got = tkdask.count_bag(bag, stopwords=iter(["the", "die"]), kinds=(k for k in ["word"]))
    assert got == textkern.count(CORPUS, stopwords=["the", "die"], kinds=["word"])
    assert "the" not in got


def test_errors_name_the_users_item():
    # Regression: indices counted from the start of a block or partition,
    # and the symmetric blocks reported xs as "ys".
    with pytest.raises(TypeError, match="xs item 3"):
        tkdask.ncd_matrix_blocks(["a", "b", "c", 5], block=2)
    with pytest.raises(TypeError, match="xs item 2.*do not mix"):
        tkdask.ncd_matrix_blocks(["a", "b", b"c"], block=2, symmetric=True)
    with pytest.raises(ValueError, match="xs item 2: lone surrogate"):
        tkdask.ncd_matrix_blocks(["a", "b", "c\ud800"], block=2)
    with pytest.raises(TypeError, match="ys item 1"):
        tkdask.ncd_matrix_blocks(["a"], ["b", b"c"], block=1)
    with pytest.raises(TypeError, match="corpus item 1"):
        tkdask.nearest_blocks(["a"], ["b", 3], k=1)
    with pytest.raises(TypeError, match="block must be"):
        tkdask.ncd_matrix_blocks(["a"], block="2")
    bag = db.from_sequence(["a", "b", "c", b"\xff"], npartitions=2)
    with dask.config.set(scheduler="sync"):
        with pytest.raises(ValueError, match="partition 1, item 1: invalid UTF-8"):
            tkdask.count_bag(bag)


def test_count_bag_lazy_item(client):
    bag = db.from_sequence(CORPUS, npartitions=3)
    item = tkdask.count_bag(bag, compute=False)
    assert hasattr(item, "compute")
    assert list(item.compute().items()) == list(textkern.count(CORPUS).items())


def test_count_bag_of_bytes(client):
    docs = [t.encode() for t in CORPUS]
    got = tkdask.count_bag(db.from_sequence(docs, npartitions=5))
    assert list(got.items()) == list(textkern.count(docs).items())


def test_count_bag_empty_partitions(client):
    bag = db.from_sequence(["a b", "b c"], npartitions=2).filter(lambda d: d.startswith("a"))
    assert tkdask.count_bag(bag).to_dict() == {"a": 1, "b": 1}
    empty = db.from_sequence(["x"], npartitions=1).filter(lambda d: False)
    assert len(tkdask.count_bag(empty)) == 0


@pytest.mark.parametrize("not_a_bag", [CORPUS, "a text", tuple(CORPUS), None,
                                       np.array(["a", "b"])])
def test_count_bag_rejects_non_bags(not_a_bag):
    with pytest.raises(TypeError, match="dask.bag"):
        tkdask.count_bag(not_a_bag)


def test_count_bag_bad_option_surfaces(client):
    with pytest.raises(ValueError):
        tkdask.count_bag(db.from_sequence(["a"], npartitions=1), analyzer="nope")


@pytest.mark.parametrize("block", [1, 4, 7, 100])
def test_ncd_matrix_blocks_equals_ncd_matrix(client, block):
    got = tkdask.ncd_matrix_blocks(CORPUS, block=block)
    assert got.shape == (len(CORPUS), len(CORPUS))
    assert np.array_equal(got.compute(), textkern.ncd_matrix(CORPUS))


@pytest.mark.parametrize("block", [3, 8])
def test_ncd_matrix_blocks_symmetric(client, block):
    got = tkdask.ncd_matrix_blocks(CORPUS, block=block, symmetric=True, level=9).compute()
    assert np.array_equal(got, textkern.ncd_matrix(CORPUS, symmetric=True, level=9))


def test_ncd_matrix_blocks_rows_and_columns(client):
    xs, ys = CORPUS[:9], CORPUS[5:]
    options = {"level": 1, "format": "gzip", "sep": " ", "metric": "cdm"}
    got = tkdask.ncd_matrix_blocks(xs, ys, block=4, **options).compute()
    assert np.array_equal(got, textkern.ncd_matrix(xs, ys, **options))
    assert tkdask.ncd_matrix_blocks([], ys).compute().shape == (0, len(ys))
    assert tkdask.ncd_matrix_blocks([]).compute().shape == (0, 0)


def test_ncd_matrix_blocks_bad_input():
    with pytest.raises(TypeError, match="single str"):
        tkdask.ncd_matrix_blocks("one text")
    with pytest.raises(TypeError):
        tkdask.ncd_matrix_blocks(42)
    with pytest.raises(ValueError, match="block"):
        tkdask.ncd_matrix_blocks(["a"], block=0)
    with pytest.raises(ValueError, match="symmetric"):
        tkdask.ncd_matrix_blocks(["a"], ["b"], symmetric=True)
    with pytest.raises(TypeError, match="progress"):
        tkdask.ncd_matrix_blocks(["a"], progress=True)


@pytest.mark.parametrize("block", [1, 5, 64])
def test_nearest_blocks_equals_nearest(client, block):
    corpus = CORPUS[:12]
    indices, distances = tkdask.nearest_blocks(CORPUS, corpus, 3, block=block, level=9)
    got_i, got_d = dask.compute(indices, distances)
    want_i, want_d = textkern.nearest(CORPUS, corpus, 3, level=9)
    assert got_i.dtype == np.int64 and got_d.dtype == np.float64
    assert np.array_equal(got_i, want_i) and np.array_equal(got_d, want_d)


def test_nearest_blocks_bad_input():
    with pytest.raises(ValueError, match="between 1 and"):
        tkdask.nearest_blocks(["a"], ["b"], 2)
    with pytest.raises(TypeError, match="single"):
        tkdask.nearest_blocks(["a"], "corpus", 1)
    with pytest.raises(TypeError, match="k must be an int"):
        tkdask.nearest_blocks(["a"], ["b"], 1.0)
    i, d = tkdask.nearest_blocks([], ["b"], 1)
    assert i.compute().shape == (0, 1) and d.compute().shape == (0, 1)


# ------------------------------------------------ pickling across processes
def _on_worker(function, *args):
    return os.getpid(), function(*args)


def test_counts_and_tokenizer_cross_processes(client):
    counts = textkern.count(CORPUS, ngram_range=(1, 2))
    tokenizer = textkern.Tokenizer(case="lower", stopwords=["the"], min_len=2)
    pid, (back_counts, tokens, back_tokenizer) = client.submit(
        _on_worker, lambda c, t: (c + c, t(CORPUS[0]), t), counts, tokenizer,
        pure=False).result()
    assert pid != os.getpid()
    assert list(back_counts.items()) == list((counts + counts).items())
    assert tokens == tokenizer(CORPUS[0])
    assert back_tokenizer == tokenizer and back_tokenizer.options == tokenizer.options


def test_vectorizers_cross_processes(client):
    pytest.importorskip("scipy")
    for make in (lambda: textkern.CountVectorizer(ngram_range=(1, 2)),
                 lambda: textkern.TfidfVectorizer(sublinear_tf=True),
                 lambda: textkern.HashingVectorizer(n_features=2**10)):
        local = make().fit(CORPUS)
        expected = local.transform(TEXTS).toarray()
        # fitted here, used there
        pid, there = client.submit(_on_worker, lambda v: v.transform(TEXTS).toarray(), local,
                                   pure=False).result()
        assert pid != os.getpid()
        assert np.array_equal(there, expected)
        # fitted there, used here
        _, fitted_there = client.submit(_on_worker, lambda v: v.fit(CORPUS), make(),
                                        pure=False).result()
        assert np.array_equal(fitted_there.transform(TEXTS).toarray(), expected)


def test_without_dask_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.bag", None)
    with pytest.raises(ImportError, match=r"textkern\[dask\]"):
        tkdask.count_bag(object())
    monkeypatch.setitem(sys.modules, "dask.array", None)
    with pytest.raises(ImportError, match=r"textkern\[dask\]"):
        tkdask.ncd_matrix_blocks(["a"])


def test_count_bag_shows_no_bar_per_partition(client):
    # A bar (or progress callback) per partition showed parts, each with its
    # own total; dask's own progress reporting covers the whole bag.
    bag = db.from_sequence(["a b", "b c", "c d"], npartitions=3)
    with pytest.raises(TypeError, match="progress is not supported per partition"):
        tkdask.count_bag(bag, progress=True)
    calls = []
    assert tkdask.count_partition(["a b"], progress=lambda done, total: calls.append(done)) \
        == textkern.count(["a b"])
    assert calls
    assert tkdask.count_partition(["a b"]) == textkern.count(["a b"])


def test_mixed_kind_messages_match_the_non_dask_functions():
    # Regression: the dask helpers said "like the training texts" (the
    # CompressionKNN wording) where ncd_matrix and nearest say "other".
    from textkern._similarity import ncd_matrix, nearest
    for blocks, plain in ((lambda: tkdask.ncd_matrix_blocks(["a"], [b"b"]),
                           lambda: ncd_matrix(["a"], [b"b"])),
                          (lambda: tkdask.nearest_blocks(["a"], [b"b"], k=1),
                           lambda: nearest(["a"], [b"b"], k=1))):
        messages = []
        for call in (blocks, plain):
            with pytest.raises(TypeError) as info:
                call()
            messages.append(str(info.value))
        assert messages[0] == messages[1]
