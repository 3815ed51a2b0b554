"""Helpers shared by the ``textkern`` subcommands (cli.py and _cli_*.py)."""
from __future__ import annotations

import argparse
import sys

__all__ = ["read_input", "positive_int"]


def read_input(path: str) -> str:
    """Read a file (or stdin for "-") as UTF-8 text, replacing bad bytes.

    Parameters
    ----------
    path : str
        A file path, or ``"-"`` for standard input.

    Returns
    -------
    str
        The text; undecodable bytes become U+FFFD so every file can be used.
    """
    if path == "-":
        return sys.stdin.buffer.read().decode("utf-8", "replace")
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8", "replace")


def positive_int(value: str) -> int:
    """argparse type: an integer >= 1.

    Parameters
    ----------
    value : str
        The command-line text.

    Returns
    -------
    int

    Raises
    ------
    argparse.ArgumentTypeError
        If ``value`` is not a positive integer.
    """
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, not {value!r}")
    return number
