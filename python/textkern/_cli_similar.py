"""``textkern similar``: nearest neighbours of files by compression distance.

Also contributes the "most similar pairs" section of ``textkern demo``.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import IO, List, Sequence

import numpy as np

from ._cli_common import (display_path, positive_int, read_input_bytes, stdin_at_most_once,
                          with_plain_warnings)
from . import _similarity

__all__ = ["register", "run", "demo_section"]


def _level(value: str) -> int:
    try:
        level = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid level {value!r}: expected -1 to 9") from None
    if not -1 <= level <= 9:
        raise argparse.ArgumentTypeError(f"invalid level {level}: expected -1 to 9")
    return level


def register(subparsers: "argparse._SubParsersAction") -> argparse.ArgumentParser:
    """Add the ``similar`` subcommand to the ``textkern`` parser."""
    parser = subparsers.add_parser(
        "similar",
        help="nearest neighbours of files by compression distance (NCD)",
        description="Compare files by normalized compression distance: "
                    "(C(x + sep + y) - min(C(x), C(y))) / max(C(x), C(y)), where C is a "
                    "compressed size. Prints each file's nearest neighbours, or the full "
                    "matrix with --matrix. Texts longer than 16 KiB saturate deflate's "
                    "32 KiB window; split them first.")
    parser.add_argument("files", nargs="+", metavar="FILE", help="text files ('-' for stdin)")
    parser.add_argument("--level", type=_level, default=9, help="zlib level -1..9 (default 9)")
    parser.add_argument("--format", choices=["gzip", "zlib", "deflate"], default="gzip",
                        help="which compressed size to count (default gzip)")
    parser.add_argument("--metric", choices=["ncd", "cdm"], default="ncd")
    parser.add_argument("--sep", default=" ", help="text put between two files (default ' ')")
    parser.add_argument("--top", type=positive_int, default=5,
                        help="neighbours shown per file (default 5)")
    parser.add_argument("--matrix", action="store_true", help="print the full distance matrix")
    parser.add_argument("--threads", type=positive_int, default=None,
                        help="C threads (default: all CPUs)")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace, out: IO[str] = None) -> int:
    """Carry out ``textkern similar`` with parsed arguments."""
    return with_plain_warnings(_run, args, out if out is not None else sys.stdout)


def _run(args: argparse.Namespace, out: IO[str]) -> int:
    stdin_at_most_once(args.files)
    paths: List[str] = [display_path(path) for path in args.files]
    # The bytes as they are: decoding with replacement made different
    # non-UTF-8 files alike (every bad byte one U+FFFD).
    texts = [read_input_bytes(path) for path in args.files]
    options = dict(level=args.level, format=args.format, sep=args.sep, metric=args.metric,
                   n_threads=args.threads)
    if args.matrix:
        matrix = _similarity.ncd_matrix(texts, **options)
        # Numbered like the columns: files of the same name in different
        # folders stay apart.
        names = [f"{i:>3}  {os.path.basename(p)}" for i, p in enumerate(paths)]
        width = max(len(n) for n in names)
        out.write(" " * width + "".join(f"  {i:>6}" for i in range(len(names))) + "\n")
        for i, name in enumerate(names):
            cells = "".join(f"  {value:6.4f}" for value in matrix[i])
            out.write(f"{name:<{width}}{cells}\n")
        out.write("\n" + "\n".join(f"{i:>3}  {p}" for i, p in enumerate(paths)) + "\n")
        return 0
    if len(texts) < 2:
        out.write(f"{paths[0]}: nothing to compare with (give two files or more)\n")
        return 0
    # One extra neighbour so that a file's own entry can be dropped.
    k = min(args.top + 1, len(texts))
    indices, distances = _similarity.nearest(texts, texts, k, **options)
    for i, path in enumerate(paths):
        out.write(f"{path}\n")
        shown = 0
        for j, distance in zip(indices[i], distances[i]):
            if j == i or shown == args.top:
                continue
            out.write(f"  {distance:.4f}  {paths[j]}\n")
            shown += 1
    return 0


def demo_section(titles: Sequence[str], texts: Sequence[str], out: IO[str],
                 top: int = 5) -> None:
    """Print the most similar pairs among the sample articles (``textkern demo``)."""
    out.write("Most similar article pairs (NCD, gzip level 9, smaller = closer):\n")
    if len(texts) < 2:
        out.write("  (need two articles or more)\n")
        return
    matrix = _similarity.ncd_matrix(list(texts), level=9, format="gzip", sep=" ",
                                    symmetric=True)
    upper_i, upper_j = np.triu_indices(len(texts), k=1)
    order = np.lexsort((upper_j, upper_i, matrix[upper_i, upper_j]))[:top]
    for rank in order:
        i, j = int(upper_i[rank]), int(upper_j[rank])
        out.write(f"  {matrix[i, j]:.3f}  {titles[i]}\n         {titles[j]}\n")
