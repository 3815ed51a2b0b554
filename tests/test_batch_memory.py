"""Tokenizer.batch on many tiny documents: memory, results and stopping on threads.

Regression: with two or more threads, batch() held per-document C state
(about 140 bytes a document) for the whole sequence, and its worker
tokenized far ahead of the calling thread, which builds the Python lists:
the finished token lists piled up in C.  4 million 6-byte documents took
+1.2-1.5 GB peak RSS on 2 threads against +0.39 GB on 1.  The threaded
batch now runs in windows of documents, so that state and backlog stay
bounded.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

import textkern as tk

N_TINY = 2_000_000

# Run in a fresh process, so that ru_maxrss (a high-water mark) sees this
# batch only.  The baseline is taken once the input exists.
MEMORY_SCRIPT = """
import json, resource, sys
import textkern as tk

def rss_now():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()

n, n_threads = int(sys.argv[1]), int(sys.argv[2])
docs = ["abc d%d" % (i % 1000) for i in range(n)]
tok = tk.Tokenizer()
tok.batch(docs[:1000], n_threads=n_threads)    # warm the str cache and arenas
base = rss_now()
out = tok.batch(docs, n_threads=n_threads)
extra = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
report = {"extra": extra, "n": len(out)}
if n_threads > 1:
    report["same_as_one_thread"] = out == tok.batch(docs, n_threads=1)
print(json.dumps(report))
"""


def tiny_docs(n):
    return ["abc d%d" % (i % 1000) for i in range(n)]


def batch_in_subprocess(n, n_threads):
    done = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(n), str(n_threads)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads /proc/self/statm")
@pytest.mark.skipif(bool(os.environ.get("TEXTKERN_SANITIZED")),
                    reason="ASan's allocator (redzones, a quarantine of freed blocks) "
                           "changes the peak being compared")
def test_two_threads_peak_memory_close_to_one_thread_on_tiny_documents():
    one = batch_in_subprocess(N_TINY, 1)
    two = batch_in_subprocess(N_TINY, 2)
    assert one["n"] == two["n"] == N_TINY
    assert two["same_as_one_thread"]
    # Measured on 2 million documents: +0.19 GB on one thread; on two,
    # +0.20 GB now and +0.6 GB or more before the windows.
    bound = 1.3 * one["extra"] + (16 << 20)
    assert two["extra"] < bound, (
        f"2 threads: +{two['extra'] / 1e6:.0f} MB peak, 1 thread: +{one['extra'] / 1e6:.0f} MB")


# Windows hold 16,384 documents: these inputs span several, with a ragged end.
N_MANY = 3 * 16_384 + 123


@pytest.mark.parametrize("offsets", [False, True])
@pytest.mark.parametrize("n_threads", [2, 3])
def test_many_windows_give_the_one_thread_result(n_threads, offsets):
    docs = [("Straße 서울 %d" % i if i % 7 == 0 else "abc d%d" % (i % 1000)) for i in range(N_MANY)]
    docs[16_384] = b"bytes at a window start"
    docs[16_383] = "ünïcode at a window end"
    tok = tk.Tokenizer()
    want = tok.batch(docs, n_threads=1, offsets=offsets)
    assert tok.batch(docs, n_threads=n_threads, offsets=offsets) == want
    tokens = [t[0] for t in want[16_384]] if offsets else want[16_384]
    assert tokens == ["bytes", "at", "a", "window", "start"]


@pytest.mark.parametrize("n_threads", [2, 3])
def test_errors_in_a_later_window_name_the_item(n_threads):
    docs = tiny_docs(N_MANY)
    docs[40_000] = 42
    with pytest.raises(TypeError, match="item 40000"):
        tk.Tokenizer().batch(docs, n_threads=n_threads)
    docs = tiny_docs(N_MANY)
    docs[45_000] = "x \ud800 y é"
    docs[40_001] = "ok é \udc00"
    with pytest.raises(ValueError, match=r"item 40001: lone surrogate U\+DC00 at index 5"):
        tk.Tokenizer().batch(docs, n_threads=n_threads)


def test_progress_counts_across_windows_in_order():
    docs = tiny_docs(N_MANY * 20)
    seen = []
    out = tk.Tokenizer().batch(docs, n_threads=2, progress=lambda d, t: seen.append((d, t)))
    assert len(out) == len(docs)
    assert seen[-1] == (len(docs), len(docs))
    assert all(t == len(docs) for _, t in seen)
    done = [d for d, _ in seen]
    assert done == sorted(done)


class Stop(Exception):
    pass


def test_progress_callback_raising_mid_batch_propagates():
    docs = tiny_docs(N_TINY)
    seen = []

    def progress(done, total):
        seen.append(done)
        if done > 0:
            raise Stop(done)

    with pytest.raises(Stop):
        tk.Tokenizer().batch(docs, n_threads=2, progress=progress)
    assert 0 < seen[-1] < len(docs), seen
    # The Tokenizer (and the threads) are fine afterwards.
    tok = tk.Tokenizer()
    assert tok.batch(docs[:50_000], n_threads=2) == tok.batch(docs[:50_000], n_threads=1)


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals")
@pytest.mark.usefixtures("default_sigint")
def test_ctrl_c_mid_batch_raises_keyboard_interrupt():
    docs = tiny_docs(N_TINY)
    seen, sent = [], []

    def progress(done, total):
        seen.append(done)
        if done > 0 and not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt):
        tk.Tokenizer().batch(docs, n_threads=2, progress=progress)
    assert 0 < max(seen) < len(docs), seen
