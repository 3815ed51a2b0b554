"""Helpers shared by the ``textkern`` subcommands (cli.py and _cli_*.py)."""
from __future__ import annotations

import argparse
import codecs
import sys
import warnings
from typing import Any, Callable, Sequence

__all__ = ["read_input", "read_input_bytes", "decode_text", "display_path", "positive_int",
           "with_plain_warnings", "stdin_at_most_once", "writes_unicode"]


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
    shown = set()
    for warning in caught:
        # One line per distinct warning: each file of `terms` made the same.
        message = str(warning.message)
        if sys.stderr is not None and message not in shown:
            shown.add(message)
            sys.stderr.write(f"textkern: warning: {message}\n")
    return status


def stdin_at_most_once(paths: Sequence[str]) -> None:
    """Refuse "-" given twice: the second would read an empty stdin.

    Parameters
    ----------
    paths : sequence of str
        The FILE arguments.

    Raises
    ------
    ValueError
        If ``"-"`` appears more than once.
    """
    if list(paths).count("-") > 1:
        raise ValueError("'-' (standard input) can be given only once: stdin is read once")


def writes_unicode(stream: Any) -> bool:
    """Whether ``stream`` can encode every character (UTF-8, UTF-16, ...).

    Parameters
    ----------
    stream : text stream
        Usually ``sys.stdout``.

    Returns
    -------
    bool
        False for an ASCII or other 8-bit encoding (``LANG=C``,
        ``PYTHONIOENCODING=ascii``).
    """
    encoding = getattr(stream, "encoding", None)
    if not encoding:
        return True              # an in-memory stream (io.StringIO) holds any str
    try:
        "\u00e9\u4e2d\U0001F600".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


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


# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BYTE_ORDER_MARKS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                     (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(data: bytes) -> str:
    """Decode a file's bytes: UTF-8, or the UTF-16/32 its byte order mark names.

    Parameters
    ----------
    data : bytes
        The file's contents.

    Returns
    -------
    str
        The text without its byte order mark (which would otherwise be a
        character of the first term, or a term of its own); undecodable
        bytes become U+FFFD so every file can be used.
    """
    for mark, encoding in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return data.decode(encoding, "replace")
    return data.decode("utf-8", "replace")


def read_input(path: str) -> str:
    """Read a file (or stdin for "-") as text, replacing bad bytes.

    Parameters
    ----------
    path : str
        A file path, or ``"-"`` for standard input.

    Returns
    -------
    str
        The text, decoded by :func:`decode_text`.
    """
    return decode_text(read_input_bytes(path))


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
