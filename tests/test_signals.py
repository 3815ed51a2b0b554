"""Ctrl-C: a pending KeyboardInterrupt stops the long C loops and leaves no threads behind.

Each case sends SIGINT to the process from a timer thread shortly after a
long job started, and requires

* ``KeyboardInterrupt`` out of the call;
* that the C loop really stopped rather than running to the end and
  raising afterwards.  Wall-clock limits would make this test depend on the
  machine's load, so the job's *work* is measured instead: the CPU time the
  process spends after the signal must stay below a third of what the
  whole job costs (extrapolated from the same job on at least a tenth of
  the input).  Jobs are sized to cost about 2.5 CPU-seconds, so this means
  stopping within well under a second of work;
* that the thread count (``/proc/self/task``) returns to its baseline, and
  the module keeps working.
"""
from __future__ import annotations

import os
import resource
import signal
import threading
import time

import numpy as np
import pytest

import textkern
from textkern import _core

pytestmark = [pytest.mark.skipif(not os.path.exists("/proc/self/task") or os.name != "posix",
                                 reason="needs POSIX signals and /proc"),
              pytest.mark.usefixtures("default_sigint")]

TARGET_CPU = 2.5            # CPU-seconds the uninterrupted job should cost
SIGNAL_AFTER = 0.3          # seconds
CALIBRATION_SHARE = 10      # calibrate on 1/10 of the job


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def n_threads_now() -> int:
    return len(os.listdir("/proc/self/task"))


def base_docs():
    text = " ".join(textkern.sample_texts())
    return [text[i:i + 1000] for i in range(0, len(text) - 1000, 97)]


DOCS = base_docs()          # ~125 multilingual documents of 1000 characters
# count() and the vectorizers run in batches of at most 65536 documents and
# check for Ctrl-C between chunks of a batch (1/8 of it on 2 threads): short
# documents make every job span several batches, so a chunk is a small part
# of the job.
SHORT_DOCS = [d[i:i + 100] for d in DOCS for i in range(0, 1000, 100)]


def cost(job) -> float:
    start = cpu_seconds()
    job()
    return cpu_seconds() - start


def sized(make, unit_cost_probe=4):
    """Pick a size n so that make(n) costs about TARGET_CPU; return (n, estimated cost).

    Every job here costs in proportion to n, so the cost of a job on about a
    tenth of the input extrapolates linearly.
    """
    n = unit_cost_probe
    spent = cost(make(n))
    while spent < TARGET_CPU / CALIBRATION_SHARE and n < 1 << 22:
        n *= 4
        spent = cost(make(n))
    # The lesser of two measurements: on this VM a burst of load on the host
    # is charged to the process as CPU time, and one such burst during a
    # 0.3 s calibration once made the job too small to still be running
    # when the signal came.
    spent = min(spent, cost(make(n)))
    full = max(n, int(n * TARGET_CPU / max(spent, 1e-3)))
    return full, spent * full / n


def interrupt(job):
    """Run job with a SIGINT on its way; return the CPU-seconds spent after the
    signal, or None if the job ended before the signal was sent."""
    at_signal = []

    def send():
        at_signal.append(cpu_seconds())
        os.kill(os.getpid(), signal.SIGINT)

    finished = []
    timer = threading.Timer(SIGNAL_AFTER, send)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            job()
            # Finished before the signal came: wait for it here, so that it
            # cannot hit pytest elsewhere.
            finished.append(True)
            timer.join()
            time.sleep(1)
    finally:
        timer.cancel()
        timer.join()
    assert at_signal, "the signal was never sent"
    if finished:
        return None
    return cpu_seconds() - at_signal[0]


def wait_for_threads(baseline: int, timeout: float = 10.0) -> int:
    # Waiting is not a timing assertion: the count must come back, however long
    # the system takes to reap the exiting threads.
    deadline = time.monotonic() + timeout
    while n_threads_now() > baseline and time.monotonic() < deadline:
        time.sleep(0.02)
    return n_threads_now()


def check_stops(make, probe=4):
    n, estimate = sized(make, probe)
    baseline = n_threads_now()
    after = interrupt(make(n))
    for _ in range(3):
        if after is not None:
            break
        # Ended before the signal came: the calibration was inflated after
        # all.  A job twice as large (and costly) tests the same thing.
        n, estimate = 2 * n, 2 * estimate
        after = interrupt(make(n))
    assert after is not None, "the job ended before the signal was sent, four times: make it bigger"
    assert after < estimate / 3, (
        f"the loop went on after Ctrl-C: {after:.2f} CPU-s after the signal, "
        f"the whole job costs about {estimate:.2f} CPU-s")
    assert wait_for_threads(baseline) <= baseline, "worker threads left running"
    return n


# ----------------------------------------------------------------- cases
def repeat(n, docs=DOCS):
    return (docs * (n // len(docs) + 1))[:n]


def repeat_short(n):
    return repeat(n, SHORT_DOCS)


def test_tokenizer_batch():
    tok = textkern.Tokenizer(kinds="emoji")      # full segmentation, tiny output
    check_stops(lambda n: (lambda docs=repeat(n): tok.batch(docs, n_threads=2)), probe=500)
    assert tok.batch(DOCS[:3]) == [[], [], []]


def test_count_list():
    check_stops(lambda n: (lambda docs=repeat_short(n): textkern.count(docs, ngram_range=(1, 3),
                                                                       n_threads=2)), probe=5000)
    assert textkern.count(["a b a"])["a"] == 2


def test_count_generator():
    # A generator runs Python code between batches, where Python would notice
    # the signal anyway; the flag tells whether that is how the job stopped.
    interrupted_in_generator = []

    def make(n):
        def docs():
            try:
                for i in range(n):
                    yield SHORT_DOCS[i % len(SHORT_DOCS)]
            except KeyboardInterrupt:
                interrupted_in_generator.append(True)
                raise
        return lambda: textkern.count(docs(), analyzer="char", ngram_range=(3, 5), n_threads=2)

    # The signal lands in the generator by chance when it comes while the
    # calling thread is pulling the next batch (a CI run on a machine under
    # heavy load once saw that); if the C side watches for Ctrl-C, most
    # attempts stop there, and one in three is enough.
    for attempt in range(3):
        interrupted_in_generator.clear()
        check_stops(make, probe=5000)
        if not interrupted_in_generator:
            break
    assert not interrupted_in_generator, "Ctrl-C was only noticed when count() asked for more"


@pytest.mark.parametrize("cls", [textkern.CountVectorizer, textkern.TfidfVectorizer])
def test_vectorizer_fit_transform(cls):
    check_stops(lambda n: (lambda docs=repeat_short(n): cls(ngram_range=(1, 2), n_threads=2)
                           .fit_transform(docs)), probe=5000)


def test_hashing_vectorizer_transform():
    vec = textkern.HashingVectorizer(ngram_range=(1, 2), n_features=2**16, n_threads=2)
    check_stops(lambda n: (lambda docs=repeat_short(n): vec.transform(docs)), probe=5000)


def test_vectorizer_transform():
    vec = textkern.CountVectorizer(ngram_range=(1, 2), n_threads=2).fit(DOCS)
    check_stops(lambda n: (lambda docs=repeat_short(n): vec.transform(docs)), probe=5000)


def test_ncd_matrix():
    check_stops(lambda n: (lambda docs=repeat(n): textkern.ncd_matrix(docs, DOCS, level=9,
                                                                      n_threads=2)), probe=4)
    assert textkern.ncd_matrix(DOCS[:2]).shape == (2, 2)


def test_nearest():
    check_stops(lambda n: (lambda docs=repeat(n): textkern.nearest(docs, DOCS, 3, level=9,
                                                                   n_threads=2)), probe=4)


def test_compression_knn_predict():
    clf = textkern.CompressionKNN(k=3, level=6).fit(DOCS, [i % 4 for i in range(len(DOCS))])
    check_stops(lambda n: (lambda docs=repeat(n): clf.predict(docs)), probe=4)


def test_private_ncd_matrix_stops_part_way():
    # The same through _core with a prefilled output: most entries are never
    # written, which shows the workers stopped rather than finished.
    docs = repeat(400)
    out = np.full((len(docs), len(docs)), np.nan)
    timer = threading.Timer(SIGNAL_AFTER, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            _core.ncd_matrix(docs, None, out, level=9, n_threads=2)
            finished = True
            timer.join()
            time.sleep(1)
    finally:
        timer.cancel()
        timer.join()
    assert "finished" not in locals(), "the job ended before the signal was sent"
    assert np.isnan(out).mean() > 0.5


# A single huge document or text is one work item: the core must also check
# for Ctrl-C inside it.
@pytest.mark.parametrize("call", ["count", "batch", "tokenize", "segment", "ngrams"])
def test_one_huge_document(call):
    text = " ".join(DOCS)

    def make(n):
        doc = text * n
        if call == "count":
            return lambda: textkern.count([doc], analyzer="char", ngram_range=(3, 5))
        if call == "batch":
            return lambda: textkern.Tokenizer(kinds="emoji").batch([doc])
        if call == "segment":
            return lambda: len(textkern.segment(doc))
        if call == "ngrams":
            return lambda: len(textkern.ngrams(doc, (1, 3)))
        return lambda: textkern.tokenize(doc, kinds="emoji")

    check_stops(make, probe=50)
