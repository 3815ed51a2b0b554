"""``textkern terms``: term frequencies per file and for the whole set.

Also contributes the "top terms" section of ``textkern demo``.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import threading
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import IO, List, Sequence

from ._cli_common import (display_path, positive_int, read_input, stdin_at_most_once,
                          with_plain_warnings)
from ._counting import ANALYZERS, count

__all__ = ["register", "run", "demo_section"]


def _ngram_range(value: str):
    """Parse "2" or "1-3" into (lo, hi)."""
    try:
        if "-" in value:
            lo_text, hi_text = value.split("-", 1)
            lo, hi = int(lo_text), int(hi_text)
        else:
            lo = hi = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid n-gram range {value!r}: expected N or LO-HI, e.g. 1-2") from None
    if lo < 1 or lo > hi:
        raise argparse.ArgumentTypeError(f"invalid n-gram range {value!r}: need 1 <= LO <= HI")
    return lo, hi


def register(subparsers: "argparse._SubParsersAction") -> argparse.ArgumentParser:
    """Add the ``terms`` subcommand to the ``textkern`` parser."""
    parser = subparsers.add_parser(
        "terms",
        help="term frequencies per file and for the whole set",
        description="Count word, character or grapheme n-grams of each file ('-' for "
                    "stdin) and print the most frequent ones, per file and, for several "
                    "files, for the whole set.")
    parser.add_argument("files", nargs="+", metavar="FILE", help="text files ('-' for stdin)")
    parser.add_argument("--ngram", type=_ngram_range, default=(1, 1), metavar="N|LO-HI",
                        help="n-gram size or inclusive range (default 1)")
    parser.add_argument("--analyzer", choices=list(ANALYZERS), default="word",
                        help="what n-grams are made of (default word)")
    parser.add_argument("--top", type=positive_int, default=20,
                        help="terms shown per file (default 20)")
    parser.add_argument("--stopwords", choices=["english"], default=None,
                        help="drop a built-in stop-word list (word analyzer)")
    parser.add_argument("--case", choices=["fold", "lower", "none"], default="fold")
    parser.add_argument("--normalize", choices=["NFKC", "NFC", "none"], default="NFKC")
    parser.add_argument("--threads", type=positive_int, default=None,
                        help="files counted at once, one C thread each (default: all CPUs)")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="one JSON object per line")
    fmt.add_argument("--csv", action="store_true",
                     help="CSV rows: file,rank,term,count (the whole set's rows have an "
                          "empty file)")
    parser.set_defaults(func=run)
    return parser


def _options(args: argparse.Namespace) -> dict:
    options = dict(case=None if args.case == "none" else args.case,
                   normalize=None if args.normalize == "none" else args.normalize)
    if args.stopwords:
        options["stopwords"] = args.stopwords
    return options


def run(args: argparse.Namespace, out: IO[str] = None) -> int:
    """Carry out ``textkern terms`` with parsed arguments."""
    return with_plain_warnings(_run, args, out if out is not None else sys.stdout)


class _Stopped(Exception):
    """Raised in a counting thread's progress callback after a Ctrl-C."""


def _count_files_on_threads(paths: Sequence[str], count_file, threads: int) -> list:
    """count_file(path) for every path, on `threads` threads, in order.

    Only the main thread sees a Ctrl-C; the counting threads learn of it
    through their progress callback, which stops their C call within a
    tenth of a second or so.  Without it, the pool waited for every file
    already started (10-17 s for two 158 MB files).
    """
    stop = threading.Event()

    def watched(path: str):
        def progress(done: int, total: int) -> None:
            if stop.is_set():
                raise _Stopped
        return count_file(path, progress)

    def stop_all() -> bool:
        """Stop every file; True if a Ctrl-C came meanwhile."""
        stop.set()
        for future in futures:
            future.cancel()
        interrupted = False
        # Wait on the futures, not in pool.shutdown: a Ctrl-C that
        # interrupts Thread.join marks the thread as ended while it runs.
        while True:
            try:
                wait(futures)
                break
            except KeyboardInterrupt:
                interrupted = True    # the threads are stopping already
        pool.shutdown(wait=False)
        return interrupted

    pool = ThreadPoolExecutor(max_workers=threads)
    futures = [pool.submit(watched, path) for path in paths]
    try:
        while True:
            done, pending = wait(futures, timeout=0.1, return_when=FIRST_EXCEPTION)
            if not pending or any(f.exception() is not None for f in done):
                break
    except KeyboardInterrupt:
        stop_all()
        raise
    # A file that failed (unreadable, say) stops the others at once too;
    # its error, not a _Stopped of theirs, is the one raised.
    failures = [f.exception() for f in futures if f.done() and not f.cancelled()
                and f.exception() is not None]
    if failures:
        if stop_all():
            raise KeyboardInterrupt    # Ctrl-C while the others stopped: 130, not the error
        raise next(e for e in failures if not isinstance(e, _Stopped))
    pool.shutdown(wait=True)
    return [future.result() for future in futures]


def _run(args: argparse.Namespace, out: IO[str]) -> int:
    paths: List[str] = list(args.files)
    stdin_at_most_once(paths)
    options = _options(args)

    def count_file(path: str, progress=None):
        # One file is one document, which one C thread counts; the threads
        # work on different files.  count() releases the GIL, so Python
        # threads run these calls in parallel.
        return count(read_input(path), ngram_range=args.ngram, analyzer=args.analyzer,
                     n_threads=1, progress=progress, **options)

    threads = min(args.threads or os.cpu_count() or 1, len(paths))
    if threads > 1 and "-" not in paths:
        per_file = list(zip(paths, _count_files_on_threads(paths, count_file, threads)))
    else:
        per_file = [(path, count_file(path)) for path in paths]
    results = list(per_file)
    if len(per_file) > 1:
        overall = per_file[0][1].copy()
        overall.update(*(c for _, c in per_file[1:]))
        results.append((None, overall))
    writer = csv.writer(out, lineterminator="\n") if args.csv else None
    # Python before 3.13 does not quote a field with a lone CR (only those
    # with the line terminator): a row with one is written fully quoted.
    quoted = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL) if writer else None
    if writer:
        writer.writerow(["file", "rank", "term", "count"])
    ascii_only = getattr(args, "ascii_only", False)
    for path, counts in results:
        top = counts.most_common(args.top)
        path = display_path(path) if path is not None else None
        # No file has an empty name: the whole set's rows cannot be mistaken
        # for a file's (a file named "*" could).
        label = path if path is not None else ""
        if args.json:
            out.write(json.dumps({"file": path, "all_files": path is None,
                                  "n_terms": len(counts), "total": counts.total(),
                                  "top": top}, ensure_ascii=ascii_only) + "\n")
        elif writer:
            for rank, (term, n) in enumerate(top, 1):
                row = [label, rank, term, n]
                (quoted if "\r" in term or "\r" in label else writer).writerow(row)
        else:
            name = path if path is not None else f"all {len(paths)} files"
            out.write(f"==> {name} <== {len(counts):,} distinct, {counts.total():,} total\n")
            width = max((len(f"{n:,}") for _, n in top), default=1)
            for term, n in top:
                out.write(f"{n:>{width},}  {term}\n")
    return 0


def demo_section(titles: Sequence[str], texts: Sequence[str], out: IO[str]) -> None:
    """Print the most distinctive terms of each sample article.

    Terms are ranked by tf-idf (count x ln(N / articles containing the
    term)), so that function words shared by the articles of one language
    give way to what each article is about.
    """
    import math

    per_article = [count(text, stopwords="english") for text in texts]
    df: dict = {}
    for counts in per_article:
        for term in counts:
            df[term] = df.get(term, 0) + 1
    n = len(texts)
    out.write("Top terms per article (textkern.count, ranked by tf-idf)\n")
    for title, counts in zip(titles, per_article):
        ranked = sorted(counts.items(), key=lambda kv: -kv[1] * math.log(n / df[kv[0]]))
        top = ", ".join(f"{term} ({c})" for term, c in ranked[:6])
        out.write(f"  {title}\n    {top}\n")
    everything = count(texts, stopwords="english")
    top = ", ".join(f"{term} {c}" for term, c in everything.most_common(10))
    out.write(f"  All {n} articles, {len(everything):,} distinct terms, "
              f"{everything.total():,} in total; most frequent:\n    {top}\n")
    # Names, dates and figures carry across languages: show what several
    # articles share.
    shared = sorted((term for term, k in df.items() if k >= 3 and not term.isdigit()),
                    key=lambda term: (-df[term], -everything[term], term))
    listed = ", ".join(f"{term} ({df[term]} articles)" for term in shared[:10])
    out.write(f"  Shared by three or more articles:\n    {listed}\n")
