"""Helpers shared by the ``textkern`` subcommands (cli.py and _cli_*.py)."""
from __future__ import annotations

import argparse
import sys
import warnings
from typing import Any, Callable

__all__ = ["read_input", "read_input_bytes", "display_path", "positive_int",
           "with_plain_warnings"]


def with_plain_warnings(run: Callable[..., int], *args: Any) -> int:
    """Call ``run(*args)``, then print its warnings as one plain line each.

    A command line shows a warning as ``textkern: warning: ...`` on stderr,
    not as Python's file, line and source code (which would point into the
    interpreter, the only frame outside textkern).

    Parameters
    ----------
    run : callable
        The subcommand's work; returns the exit status.
    *args
        Its arguments.

    Returns
    -------
    int
        The exit status ``run`` returned.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status = run(*args)
    for warning in caught:
        if sys.stderr is not None:
            sys.stderr.write(f"textkern: warning: {warning.message}\n")
    return status


def read_input_bytes(path: str) -> bytes:
    """Read a file (or stdin for "-") as it is.

    Parameters
    ----------
    path : str
        A file path, or ``"-"`` for standard input.

    Returns
    -------
    bytes
        The file's bytes.

    Raises
    ------
    OSError
        If the file cannot be read, or stdin is closed.
    """
    if path == "-":
        if sys.stdin is None:
            # Started with stdin closed (`textkern tokens - <&-`).
            raise OSError("standard input is closed: pass a file name instead of '-'")
        return sys.stdin.buffer.read()
    with open(path, "rb") as handle:
        return handle.read()


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
    return read_input_bytes(path).decode("utf-8", "replace")


def display_path(path: str) -> str:
    """A file name as the output shows it: always valid UTF-8.

    Python keeps the bytes of a non-UTF-8 file name as lone surrogates
    (``surrogateescape``), which a strict stdout cannot encode and which
    would make ``--json`` and ``--csv`` output invalid UTF-8; they are
    shown as U+FFFD.

    Parameters
    ----------
    path : str
        The path as given on the command line.

    Returns
    -------
    str
    """
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


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
