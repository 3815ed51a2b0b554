"""Thread safety: 8 Python threads share functions, a Tokenizer and fitted vectorizers.

Every result computed concurrently must equal the single-threaded one.  The
C loops release the GIL, so these threads really overlap inside the core
(and with the module-wide str cache and a Tokenizer's warm scratch, which
are shared state).  Fitting one vectorizer from two threads must either
work or raise a clear error, and always leave a consistent estimator.

Crash-prone scenarios run in a subprocess so that a segfault is reported as
a failure instead of killing pytest.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import textkern

N_THREADS = 8
ROUNDS = 12


def corpus():
    """Multilingual paragraphs from the sample articles, plus awkward cases."""
    docs = []
    for text in textkern.sample_texts():
        docs.extend(p for p in text.split("\n") if p.strip())
    docs += ["", "\u200d" * 50, "e" + "\u0301" * 40, "don't 3.14 1,000 19일 👩‍👩‍👧",
             "İstanbul ΣΊΣΥΦΟΣ straße ﬁnance"]
    return docs


DOCS = corpus()
DOCS_BYTES = [d.encode() for d in DOCS]


def run_concurrently(jobs, rounds=ROUNDS):
    """Run each job (a no-argument callable that asserts) from its own thread, together."""
    barrier = threading.Barrier(len(jobs))
    errors = []

    def worker(job):
        try:
            barrier.wait()
            for _ in range(rounds):
                job()
        except BaseException as exc:   # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def same_in_all_threads(fn, check=None):
    expected = fn()
    check = check or (lambda got: got == expected)

    def job():
        got = fn()
        assert check(got), "a concurrent call returned a different result"

    run_concurrently([job] * N_THREADS)


# ------------------------------------------------------------ functions
@pytest.mark.parametrize("options", [
    {},
    {"offsets": True},
    {"case": None, "normalize": "NFC", "kinds": ("word", "number", "emoji", "punct")},
    {"strip_accents": True, "min_len": 2},
    {"stopwords": ["the", "und", "및"]},     # a list: not cached, parsed in every call
])
def test_tokenize(options):
    text = "\n".join(DOCS)
    same_in_all_threads(lambda: textkern.tokenize(text, **options))


def test_tokenize_many_option_sets_at_once():
    # Different threads use different options: the shared tokenizer cache in
    # textkern.tokenize and the str cache must not mix them up.
    text = "\n".join(DOCS[:20])
    option_sets = [{}, {"case": None}, {"case": "lower"}, {"normalize": None},
                   {"strip_accents": True}, {"kinds": "word"}, {"min_len": 3},
                   {"kinds": ("word", "number", "emoji", "punct"), "case": None}]
    expected = [textkern.tokenize(text, **o) for o in option_sets]

    def job_for(i):
        def job():
            assert textkern.tokenize(text, **option_sets[i]) == expected[i]
        return job

    run_concurrently([job_for(i) for i in range(N_THREADS)])


def test_segment_and_ngrams():
    text = "\n".join(DOCS)
    same_in_all_threads(lambda: (textkern.segment(text), textkern.ngrams(text, (1, 2)),
                                 textkern.ngrams(text[:3000], 3, analyzer="char_wb")))


# Long calls on one text, each below and above the size from which the C
# work runs as an interruptible job (1 MiB).
GIL_FREE_CALLS = {
    "segment": lambda t: textkern.segment(t),
    "tokenize": lambda t: textkern.tokenize(t),
    "ngrams": lambda t: textkern.ngrams(t, (1, 2)),
    "ngrams char": lambda t: textkern.ngrams(t, 4, analyzer="char"),
    "ngrams grapheme": lambda t: textkern.ngrams(t, 2, analyzer="grapheme"),
    "count": lambda t: textkern.count(t, n_threads=1),
}


@pytest.mark.parametrize("repeats", [20, 60])
@pytest.mark.parametrize("call", sorted(GIL_FREE_CALLS))
def test_long_calls_let_other_threads_run(call, repeats):
    # Regression: ngrams() segmented and mapped its text with the GIL held,
    # so every other Python thread stopped for the whole call.  With a switch
    # interval far longer than the test, the interpreter never takes the GIL
    # from this thread between bytecodes: the spinner can only advance while
    # the call releases it, whatever the machine's speed.  The spinner gives
    # the GIL back at every step (sleep(0)), so the call never waits for it.
    text = "\n".join(DOCS) * repeats
    state = {"steps": 0, "stop": False}
    started = threading.Event()

    def spin():
        started.set()
        while not state["stop"]:
            state["steps"] += 1
            time.sleep(0)

    interval = sys.getswitchinterval()
    spinner = threading.Thread(target=spin)
    spinner.start()
    started.wait()
    sys.setswitchinterval(100.0)
    try:
        # A short call's GIL-free stretch can pass before a busy machine
        # schedules the spinner: one advance in a few calls is enough.
        for _ in range(5):
            before = state["steps"]
            GIL_FREE_CALLS[call](text)
            during = state["steps"] - before
            if during:
                break
    finally:
        sys.setswitchinterval(interval)
        state["stop"] = True
        spinner.join()
    assert during > 0, f"{call} held the GIL for its whole run on {len(text):,} characters"


@pytest.mark.parametrize("n_threads", [1, 2, None])
@pytest.mark.parametrize("options", [{}, {"ngram_range": (1, 2)}, {"analyzer": "char",
                                                                   "ngram_range": 3}])
def test_count(n_threads, options):
    same_in_all_threads(lambda: textkern.count(DOCS, n_threads=n_threads, **options).items())


def test_counts_shared_read_only():
    counts = textkern.count(DOCS, ngram_range=(1, 2))
    same_in_all_threads(lambda: (counts.most_common(50), counts.to_dict(), counts.total(),
                                 (counts + counts).most_common(5), counts == counts.copy()))


@pytest.mark.parametrize("options", [{"level": 1}, {"level": 9, "format": "gzip", "sep": " "},
                                     {"level": 6, "metric": "cdm", "symmetric": True}])
def test_ncd_matrix(options):
    texts = DOCS[:16]
    expected = textkern.ncd_matrix(texts, **options)
    same_in_all_threads(lambda: textkern.ncd_matrix(texts, n_threads=2, **options),
                        lambda got: np.array_equal(got, expected))


def test_nearest_and_knn():
    texts, queries = DOCS[:20], DOCS[20:30]
    clf = textkern.CompressionKNN(k=3, level=1).fit(texts, [i % 3 for i in range(len(texts))])
    same_in_all_threads(lambda: (textkern.nearest(queries, texts, 3, level=1)[0].tolist(),
                                 clf.predict(queries).tolist()))


# ------------------------------------------------------- shared Tokenizer
@pytest.mark.parametrize("options", [{}, {"stopwords": ["the", "der"], "case": "lower"},
                                     {"kinds": ("word", "number", "emoji", "punct")}])
def test_shared_tokenizer_call_and_batch(options):
    tok = textkern.Tokenizer(**options)
    expected_call = [tok(d, offsets=True) for d in DOCS]
    expected_batch = tok.batch(DOCS)
    expected_bytes = tok.batch(DOCS_BYTES)

    def calls():
        assert [tok(d, offsets=True) for d in DOCS] == expected_call

    def batches():
        assert tok.batch(DOCS, n_threads=2) == expected_batch
        assert tok.batch(DOCS_BYTES, n_threads=1) == expected_bytes

    # Half the threads share the Tokenizer's warm scratch through __call__
    # while the other half run batch() on C threads.
    run_concurrently([calls, batches] * (N_THREADS // 2))


# ----------------------------------------------------- fitted vectorizers
def fitted(cls, **params):
    return cls(**params).fit(DOCS)


@pytest.mark.parametrize("cls, params", [
    (textkern.CountVectorizer, {}),
    (textkern.CountVectorizer, {"ngram_range": (1, 2), "min_df": 2, "binary": True}),
    (textkern.CountVectorizer, {"analyzer": "char_wb", "ngram_range": (2, 4)}),
    (textkern.TfidfVectorizer, {}),
    (textkern.TfidfVectorizer, {"sublinear_tf": True, "norm": "l1"}),
    (textkern.TfidfVectorizer, {"dtype": np.float32}),
    (textkern.HashingVectorizer, {"n_features": 2**12}),
], ids=lambda v: getattr(v, "__name__", None) or str(v))
def test_shared_fitted_vectorizer_transform(cls, params):
    vec = fitted(cls, **params)
    expected = vec.transform(DOCS).toarray()
    same_in_all_threads(lambda: vec.transform(DOCS).toarray(),
                        lambda got: np.array_equal(got, expected))
    assert vec.get_params()["dtype"] == cls(**params).get_params()["dtype"]


# Regression: transform used to swap self.dtype while the C kernel ran.
@pytest.mark.filterwarnings("ignore:TfidfVectorizer.dtype")
def test_tfidf_with_integer_dtype_transform_is_thread_safe():
    vec = textkern.TfidfVectorizer(dtype=np.int64).fit(DOCS)
    expected = vec.transform(DOCS).toarray()
    same_in_all_threads(lambda: vec.transform(DOCS).toarray(),
                        lambda got: np.array_equal(got, expected))
    assert vec.dtype is np.int64


def assert_consistent(vec, corpora):
    """The estimator's state is that of a single fit on one of the corpora."""
    names = list(vec.get_feature_names_out())
    assert sorted(vec.vocabulary_, key=vec.vocabulary_.get) == names
    X = vec.transform(DOCS[:5])
    assert X.shape == (5, len(names))
    matches = []
    for docs in corpora:
        ref = type(vec)(**vec.get_params()).fit(docs)
        if list(ref.get_feature_names_out()) == names:
            matches.append(np.array_equal(ref.transform(DOCS[:5]).toarray(), X.toarray()))
            if isinstance(vec, textkern.TfidfVectorizer):
                matches[-1] = matches[-1] and np.array_equal(ref.idf_, vec.idf_)
    assert any(matches), "the fitted state matches no single fit"


@pytest.mark.parametrize("cls", [textkern.CountVectorizer, textkern.TfidfVectorizer])
def test_fitting_one_vectorizer_from_two_threads(cls):
    half = len(DOCS) // 2
    corpora_same = [DOCS, DOCS]
    corpora_different = [DOCS[:half], DOCS[half:] * 3]
    for corpora in (corpora_same, corpora_different):
        for _ in range(5):
            vec = cls(ngram_range=(1, 2))
            errors = []

            def fit(docs, vec=vec, errors=errors):
                try:
                    vec.fit(docs)
                except (RuntimeError, ValueError) as exc:   # a clear refusal is allowed
                    errors.append(exc)

            run_concurrently([lambda d=d: fit(d) for d in corpora], rounds=3)
            if len(errors) == len(corpora) * 3:
                continue      # every fit refused: nothing to check
            assert_consistent(vec, corpora)



# Regression: TfidfVectorizer.fit stored the vocabulary and then the idf as
# two steps, so a second thread's fit landing between them left a vocabulary
# from one corpus with the idf of another (seen in CI as "idf_ has 2722
# entries for 1869 features").  The refit below lands at that point on
# purpose, every time.
def test_tfidf_refit_between_counting_and_idf_leaves_one_fit():
    half = len(DOCS) // 2
    other = DOCS[half:] * 3

    class RefitsMidway(textkern.TfidfVectorizer):
        refits = 0

        def _idf_of(self, X):
            if type(self).refits == 0:
                type(self).refits += 1
                textkern.TfidfVectorizer.fit(self, other)
            return super()._idf_of(X)

    vec = RefitsMidway(ngram_range=(1, 2)).fit(DOCS[:half])
    assert RefitsMidway.refits == 1
    assert len(vec.idf_) == len(vec.vocabulary_)
    assert_consistent(vec, [DOCS[:half]])
    vec.transform(DOCS)        # a mismatched state fails here with ValueError


# The same for CompressionKNN: fit stored its classes, label codes and
# texts one by one, and predict read them one by one, so a refit in between
# could pair one fit's codes with another's classes.
def test_knn_refit_during_predict_uses_one_fit():
    first_texts = ["apple banana", "apple pie", "river boat", "river bank"]
    first_labels = ["fruit", "fruit", "water", "water"]
    other_texts = ["x y z"] * 6
    other_labels = list(range(6))

    class RefitsMidway(textkern.CompressionKNN):
        refits = 0

        def _neighbor_indices(self, X, k, texts, kind):
            if type(self).refits == 0:
                type(self).refits += 1
                textkern.CompressionKNN.fit(self, other_texts, other_labels)
            return super()._neighbor_indices(X, k, texts, kind)

    knn = RefitsMidway(k=1, level=1).fit(first_texts, first_labels)
    predicted = knn.predict(["apple tart", "river ferry"])
    assert RefitsMidway.refits == 1
    assert list(predicted) == ["fruit", "water"]
    assert len(knn.train_texts_) == len(knn._encoded) == 6       # the refit is in place

# --------------------------------------------------------- everything at once
def test_all_apis_at_once():
    tok = textkern.Tokenizer()
    cv = fitted(textkern.CountVectorizer, ngram_range=(1, 2))
    tv = fitted(textkern.TfidfVectorizer)
    text = "\n".join(DOCS)
    calls = [
        lambda: textkern.tokenize(text),
        lambda: textkern.count(DOCS, ngram_range=(1, 2)).items(),
        lambda: textkern.ncd_matrix(DOCS[:10], level=1).tolist(),
        lambda: tok(text),
        lambda: tok.batch(DOCS),
        lambda: cv.transform(DOCS).toarray().tolist(),
        lambda: tv.transform(DOCS).toarray().tolist(),
        lambda: textkern.nearest(DOCS[:5], DOCS, 2, level=1)[0].tolist(),
    ]
    expected = [c() for c in calls]

    def job_for(i):
        def job():
            assert calls[i]() == expected[i]
        return job

    run_concurrently([job_for(i) for i in range(len(calls))])


# ------------------------------------------------ crash-prone: subprocess
SETSTATE_RACE = textwrap.dedent("""
    import threading, textkern
    tok = textkern.Tokenizer(stopwords=[f"w{i}" for i in range(2000)])
    corpus = ["the quick brown fox jumps over the lazy dog " * 50] * 2000
    stop = threading.Event()

    def reconfigure():
        # Every way of changing a live Tokenizer's options in place: each must
        # be refused or be safe while other threads use the options.
        i = 0
        while not stop.is_set():
            options = {"stopwords": [f"x{i}_{j}" for j in range(2000)],
                       "case": None if i % 2 else "fold"}
            for attempt in (lambda: tok.__setstate__(options),
                            lambda: tok.__init__(**options),
                            lambda: tok.__reduce__()[0].__new__(type(tok), **options)):
                try:
                    attempt()
                except (AttributeError, RuntimeError, TypeError, ValueError):
                    pass
            i += 1

    t = threading.Thread(target=reconfigure)
    t.start()
    try:
        for _ in range(150):
            tok.batch(corpus, n_threads=2)
            tok(corpus[0])
    finally:
        stop.set()
        t.join()
    print("ok")
""")


def test_reconfiguring_a_tokenizer_in_use_does_not_crash():
    # Regression: Tokenizer.__setstate__ used to swap and free the options
    # (the stop-word set) that batch() and __call__ read without the GIL.
    out = subprocess.run([sys.executable, "-c", SETSTATE_RACE], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", (
        f"exit code {out.returncode}: {out.stderr[-2000:]}")


def test_batch_reads_a_snapshot_of_a_list_that_shrinks_under_it():
    # Regression: batch() read the caller's own list item by item on its
    # one-thread path, and a progress callback (or another thread, while the
    # GIL was released around a text) that cleared it made it read freed
    # memory: a segfault.  The result is the tokens of the list as it was.
    script = """
import textkern as tk
texts = ["hello world %d" % i for i in range(300)]
want = [tk.tokenize(t) for t in texts]
for n_threads in (1, 2):
    shrinking = list(texts)
    got = tk.Tokenizer().batch(shrinking, n_threads=n_threads,
                               progress=lambda done, total: shrinking.clear())
    assert got == want and shrinking == [], n_threads
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and done.stdout.split() == ["ok"], done.stderr


@pytest.mark.parametrize("call", ["count", "batch", "ncd_matrix"])
def test_fork_in_a_progress_callback_fails_in_the_child_only(call):
    # Regression: the forked child kept waiting for worker threads that only
    # the parent has, for ever (Ctrl-C could not stop it).  Now the child's
    # call raises RuntimeError at once and the parent finishes as usual.
    # The fork must come while the workers still run.  The first report
    # waits for the first poll, and in one CI run of the nineteenth session
    # it came when the workers of a count of 4,000 sample articles had
    # finished (the child then finished the call alone and exited with 4).
    # So the callback forks only on a report with at least half of the work
    # left, and a call that ends without forking is repeated on 4x the
    # texts, whose first report comes earlier in the work.
    script = f"""
import os, sys, textkern as tk
forked = []
def progress(done, total):
    if not forked and 2 * done <= total:
        forked.append(os.fork())
for copies in (400, 1600, 6400, 25600):
    texts = tk.sample_texts() * copies
    calls = {{"count": lambda p: tk.count(texts, n_threads=2, progress=p),
              "batch": lambda p: tk.Tokenizer().batch(texts, n_threads=2, progress=p),
              "ncd_matrix": lambda p: tk.ncd_matrix(texts[:60 * int((copies // 400) ** 0.5)],
                                                    n_threads=2, progress=p)}}
    try:
        result = calls[{call!r}](progress)
    except RuntimeError as error:
        if forked == [0]:
            os._exit(0 if "forked" in str(error) else 3)
        raise
    if forked == [0]:
        os._exit(4)
    if forked:
        break
    print("no report with half of the work left on", copies, "copies", file=sys.stderr)
_, status = os.waitpid(forked[0], 0)
print("child", os.waitstatus_to_exitcode(status))
fresh = calls[{call!r}](None)
same = (result == fresh).all() if hasattr(result, "all") else result == fresh
print("parent", bool(same))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["child", "0", "parent", "True"], done.stdout + done.stderr


def test_numpy_integer_thread_counts():
    # Regression: n_threads=np.int64(2), as a grid over np.arange passes it,
    # was a TypeError everywhere; bools and floats still are.
    texts = ["a b c", "b c d"] * 50
    assert textkern.count(texts, n_threads=np.int64(2)) == textkern.count(texts, n_threads=1)
    assert textkern.Tokenizer().batch(texts, n_threads=np.int32(2)) \
        == [textkern.tokenize(t) for t in texts]
    for bad in (True, 2.0, np.float64(2)):
        with pytest.raises(TypeError, match="n_threads"):
            textkern.count(texts, n_threads=bad)


# ---------------------------------------------------------------- session 20 review
@pytest.mark.parametrize("docs, error, message", [
    (["\ud800", b"\xff"], ValueError, "item 0: lone surrogate"),
    (["ok", "é\ud800", 5], ValueError, "item 1: lone surrogate"),
    (["é", b"\xff", "\ud800"], ValueError, "item 1: invalid UTF-8"),
    (["é", 5, "\ud800"], TypeError, "item 1: expected str or bytes"),
])
def test_batch_reports_the_first_bad_item_for_every_thread_count(docs, error, message):
    tok = textkern.Tokenizer()
    for n_threads in (1, 2, 3):
        with pytest.raises(error, match=message):
            tok.batch(docs, n_threads=n_threads)


def test_numpy_scalars_are_not_texts():
    tok = textkern.Tokenizer()
    for scalar in (np.uint8(65), np.int8(65)):
        with pytest.raises(TypeError, match="a scalar"):
            tok(scalar)
    with pytest.raises(TypeError, match="item 0: expected str or bytes"):
        textkern.count(np.array([65, 66], dtype=np.uint8))
    # A 1-D array of bytes is still a bytes-like text.
    assert tok(np.frombuffer(b"abc def", dtype=np.uint8)) == ["abc", "def"]


@pytest.mark.parametrize("call", ["tokenize", "tokenize replace", "segment", "count", "batch"])
def test_a_buffer_rewritten_by_another_thread_is_read_as_it_was_checked(call):
    # A mutable buffer was checked for valid UTF-8 in place and then
    # copied: numpy writing it without the GIL in between could leave the
    # copy ending in a truncated sequence, which the core, trusting the
    # check, decoded past the end of the copy (ASan: heap-buffer-overflow).
    # The race is hit by chance, within seconds, so this is a stress test:
    # under `make test-asan` it caught the old code; without ASan the
    # overread went unnoticed.
    size = 1 << 18
    good = np.frombuffer((b"word " * (size // 5 + 1))[:size], np.uint8).copy()
    bad = good.copy()
    bad[-1] = 0xF0
    shared = good.copy()
    run = {
        "tokenize": lambda: textkern.tokenize(shared),
        "tokenize replace": lambda: textkern.tokenize(shared, errors="replace"),
        "segment": lambda: textkern.segment(shared),
        "count": lambda: textkern.count([shared], n_threads=1),
        "batch": lambda: textkern.Tokenizer().batch([shared, shared], n_threads=2),
    }[call]
    stop = threading.Event()

    def rewrite():
        while not stop.is_set():
            np.copyto(shared, bad)      # releases the GIL while it copies
            np.copyto(shared, good)

    writer = threading.Thread(target=rewrite)
    writer.start()
    outcomes = set()
    try:
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            try:
                run()
                outcomes.add("ok")
            except ValueError as exc:
                assert "invalid UTF-8" in str(exc)
                outcomes.add("invalid")
    finally:
        stop.set()
        writer.join()
    assert outcomes
