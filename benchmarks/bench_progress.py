"""Benchmark: what a progress bar costs the long operations.

Run from the repository root after installing textkern with tqdm
(``pip install .[bench,progress]``):

    python benchmarks/bench_progress.py            # ~1-2 minutes
    python benchmarks/bench_progress.py --mb 2     # quicker

Each operation runs on the same documents with ``progress=False`` and with
``progress=True`` (a real tqdm bar, drawn into a buffer instead of the
terminal so that the figures do not depend on the terminal's speed), in
alternation, and the best of ``--repeat`` runs of each is kept.  The issue
asks that a bar never slow the loop by more than 2%: the C core reports
to the bar from its polling thread about ten times a second, and the
workers only bump an atomic counter per document.

Results are asserted identical with and without the bar.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import textkern  # noqa: E402
import corpus  # noqa: E402


def _best(fn, repeat):
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def _same(a, b):
    if isinstance(a, tuple):
        return all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    if hasattr(a, "nnz"):
        return (a != b).nnz == 0
    return a == b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=10.0, help="corpus size for count/fit")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    try:
        import tqdm  # noqa: F401
    except ImportError:
        sys.exit("bench_progress needs tqdm: pip install textkern[progress]")

    docs = corpus.documents(args.mb)
    ncd_docs = corpus.ncd_documents(300)
    print(corpus.describe(docs))
    threads = args.threads
    jobs = [
        ("count()", lambda p: textkern.count(docs, n_threads=threads, progress=p)),
        ("CountVectorizer((1, 2)).fit_transform",
         lambda p: textkern.CountVectorizer(ngram_range=(1, 2), n_threads=threads,
                                            progress=p).fit_transform(docs)),
        ("ncd_matrix 300 x 300",
         lambda p: textkern.ncd_matrix(ncd_docs, n_threads=threads, progress=p)),
        ("nearest 300 x 300, k=5",
         lambda p: textkern.nearest(ncd_docs, ncd_docs, k=5, n_threads=threads, progress=p)),
    ]
    print(f"\nthreads: {threads or os.cpu_count()}, best of {args.repeat}\n")
    print(f"| operation | no bar (s) | tqdm bar (s) | overhead |")
    print(f"|---|---:|---:|---:|")
    for name, run in jobs:
        plain_times, bar_times = [], []
        plain = with_bar = None
        sink = io.StringIO()
        for _ in range(args.repeat):   # alternate so that drift hits both
            t, plain = _best(lambda: run(False), 1)
            plain_times.append(t)
            with contextlib.redirect_stderr(sink):
                t, with_bar = _best(lambda: run(True), 1)
            bar_times.append(t)
        assert _same(plain, with_bar), f"{name}: the bar changed the result"
        assert "100%" in sink.getvalue(), f"{name}: no bar was drawn"
        a, b = min(plain_times), min(bar_times)
        print(f"| {name} | {a:.3f} | {b:.3f} | {100 * (b / a - 1):+.1f}% |")


if __name__ == "__main__":
    main()
