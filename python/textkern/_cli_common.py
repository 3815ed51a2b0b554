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
        if sys.stdin is None:
            # Started with stdin closed (`textkern tokens - <&-`).
            raise OSError("standard input is closed: pass a file name instead of '-'")
        return sys.stdin.buffer.read().decode("utf-8", "replace")
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8", "replace")


def _int_at_least(value: str, lowest: int, what: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = lowest - 1
    if number < lowest:
        raise argparse.ArgumentTypeError(f"expected {what}, not {value!r}")
    return number


def non_negative_int(value: str) -> int:
    """argparse type: an integer >= 0.

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
        If ``value`` is not a non-negative integer.
    """
    return _int_at_least(value, 0, "an integer >= 0")


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
    return _int_at_least(value, 1, "a positive integer")
