"""``textkern terms``: term frequencies per file and for the whole set.

Also contributes the "top terms" section of ``textkern demo``.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import IO, List, Sequence

from ._cli_common import display_path, positive_int, read_input, with_plain_warnings
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
    fmt.add_argument("--csv", action="store_true", help="CSV rows: file,rank,term,count")
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


def _run(args: argparse.Namespace, out: IO[str]) -> int:
    paths: List[str] = list(args.files)
    options = _options(args)

    def count_file(path: str):
        # One file is one document, which one C thread counts; the threads
        # work on different files.  count() releases the GIL, so Python
        # threads run these calls in parallel.
        return count(read_input(path), ngram_range=args.ngram, analyzer=args.analyzer,
                     n_threads=1, **options)

    threads = min(args.threads or os.cpu_count() or 1, len(paths))
    if threads > 1 and "-" not in paths:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            per_file = list(zip(paths, pool.map(count_file, paths)))
    else:
        per_file = [(path, count_file(path)) for path in paths]
    results = list(per_file)
    if len(per_file) > 1:
        overall = per_file[0][1].copy()
        overall.update(*(c for _, c in per_file[1:]))
        results.append((None, overall))
    writer = csv.writer(out, lineterminator="\n") if args.csv else None
    if writer:
        writer.writerow(["file", "rank", "term", "count"])
    for path, counts in results:
        top = counts.most_common(args.top)
        path = display_path(path) if path is not None else None
        label = path if path is not None else "*"
        if args.json:
            out.write(json.dumps({"file": path, "all_files": path is None,
                                  "n_terms": len(counts), "total": counts.total(),
                                  "top": top}, ensure_ascii=False) + "\n")
        elif writer:
            for rank, (term, n) in enumerate(top, 1):
                writer.writerow([label, rank, term, n])
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
