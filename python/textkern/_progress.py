"""Progress reporting shared by textkern's long operations.

Every long operation takes ``progress=``:

* ``False`` (or ``None``): no bar, no callback; nothing is paid.
* ``True``: a tqdm bar (``pip install textkern[progress]``).  Without tqdm
  textkern warns once per process and runs without a bar.
* ``"auto"``: a bar only when somebody can see it -- in a Jupyter kernel or
  when stderr is a terminal -- and only for a big job; silent when tqdm is
  missing.  tqdm's ``delay`` also keeps the bar hidden for jobs that end
  within half a second.
* a callable ``progress(done, total)``: called with the raw work units.

The C core calls the callback from its polling thread (with the GIL held)
about every 100 ms, whatever the job size, so the bar costs a few
microseconds ten times a second: far below 1% of any job worth a bar.
"""
from __future__ import annotations

import sys
from collections.abc import Sized
from typing import Any, Callable, Optional, Union

from ._warn import warn_user

__all__ = ["ProgressArg", "Progress", "make_progress", "corpus_progress", "wants_bar",
           "in_notebook"]

#: What ``progress=`` accepts.
ProgressArg = Union[bool, str, None, Callable[[int, int], Any]]

#: ``progress="auto"`` shows a bar only for jobs with at least this many
#: work units (pairs, documents...) unless the caller says otherwise.
DEFAULT_MIN_TOTAL = 10_000

#: The same threshold for jobs counted in documents (count, vectorizers).
DOCS_MIN_TOTAL = 1_000

#: Seconds a bar stays hidden under ``"auto"``; quick jobs never show one.
AUTO_DELAY = 0.5

_warned_no_tqdm = False


def in_notebook() -> bool:
    """True inside a Jupyter (ipykernel) kernel."""
    if "ipykernel" not in sys.modules:
        return False
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    if get_ipython is None:
        return False
    shell = get_ipython()
    # A kernel shell owns a kernel; a terminal IPython does not.
    return shell is not None and getattr(shell, "kernel", None) is not None


def _stderr_is_tty() -> bool:
    stream = sys.stderr
    try:
        return stream is not None and bool(stream.isatty())
    except (AttributeError, ValueError):   # replaced or closed stream
        return False


def _import_tqdm() -> Optional[Any]:
    try:
        from tqdm.auto import tqdm  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        return None
    return tqdm


def _warn_no_tqdm() -> None:
    global _warned_no_tqdm
    if _warned_no_tqdm:
        return
    _warned_no_tqdm = True
    warn_user("progress=True needs tqdm (pip install textkern[progress]); "
              "running without a progress bar", RuntimeWarning)


def _check(progress: Any) -> None:
    if progress is None or isinstance(progress, bool) or callable(progress):
        return
    if isinstance(progress, str) and progress == "auto":
        return
    # Any other string is as wrong as any other object: TypeError, like the
    # rest of textkern's progress= arguments.
    shown = repr(progress) if isinstance(progress, str) else type(progress).__name__
    raise TypeError(f"progress must be True, False, 'auto' or a callable(done, total), not {shown}")


def wants_bar(progress: ProgressArg, total: Optional[int], *,
              min_total: int = DEFAULT_MIN_TOTAL) -> bool:
    """Whether ``progress`` asks for a bar on a job of ``total`` units.

    Parameters
    ----------
    progress : bool, "auto", None or callable
        The user's ``progress=`` argument.
    total : int or None
        Work units of the job (pairs, documents...); ``None`` when unknown
        (a generator), which ``"auto"`` treats as big.
    min_total : int, default 10000
        Under ``"auto"``, smaller jobs get no bar.

    Returns
    -------
    bool
        ``True`` for ``progress=True``; for ``"auto"``, ``True`` when the
        job is big and a notebook or a terminal would show the bar.
        Whether tqdm is installed is not considered here.
    """
    _check(progress)
    if progress is True:
        return True
    if isinstance(progress, str):   # "auto", validated above
        big = total is None or total >= min_total
        return big and (in_notebook() or _stderr_is_tty())
    return False


class Progress:
    """A progress target for one job: a tqdm bar, a user callback or nothing.

    Use it as a context manager; pass :attr:`callback` to the C core (it
    accepts ``callable(done, total)`` in its own work units, scaled here
    to :attr:`total`) or call :meth:`advance` from Python loops.

    Parameters
    ----------
    progress : bool, "auto", None or callable
        The user's ``progress=`` argument.
    total : int or None
        Work units shown on the bar (e.g. pairs); ``None`` when unknown, in
        which case the bar counts the units the core reports.
    desc : str
        Bar label.
    unit : str, default "it"
        Bar unit.
    min_total : int, default 10000
        Threshold for ``"auto"``.

    Attributes
    ----------
    bar : tqdm.tqdm or None
    callback : callable or None
        ``None`` when there is nothing to report to, so the C core skips
        the call entirely.
    """

    def __init__(self, progress: ProgressArg, total: Optional[int], desc: str = "", *,
                 unit: str = "it", min_total: int = DEFAULT_MIN_TOTAL) -> None:
        self.total: Optional[int] = None if total is None else max(int(total), 0)
        self.bar: Optional[Any] = None
        self.callback: Optional[Callable[[int, int], Any]] = None
        self._user: Optional[Callable[[int, int], Any]] = None
        self._done = 0
        _check(progress)
        if progress is None or progress is False:
            return
        if callable(progress) and not isinstance(progress, bool):
            self._user = progress
            self.callback = progress
            return
        if not wants_bar(progress, self.total, min_total=min_total):
            return
        tqdm = _import_tqdm()
        if tqdm is None:
            if progress is True:
                _warn_no_tqdm()
            return
        options: dict[str, Any] = {"total": self.total, "desc": desc or None, "unit": unit,
                                   "unit_scale": True, "leave": progress is True}
        if isinstance(progress, str):   # "auto"
            options["delay"] = AUTO_DELAY
        try:
            self.bar = tqdm(**options)
        except TypeError:   # a tqdm older than 4.60 has no ``delay``
            options.pop("delay", None)
            self.bar = tqdm(**options)
        self.callback = self._from_core

    def _from_core(self, done: int, total: int) -> None:
        # The core counts its own units (tiles, chunks); show ours.
        if total <= 0:   # the core does not know its total: it counts ours
            position = done if self.total is None else min(done, self.total)
        elif self.total is None:
            position = done
        elif done >= total:
            position = self.total
        else:
            position = (self.total * done) // total
        self._move_to(position)

    def _move_to(self, position: int) -> None:
        bar = self.bar
        if bar is not None and position > bar.n:
            bar.update(position - bar.n)

    def advance(self, n: int = 1) -> None:
        """Record ``n`` more finished units (for loops run in Python)."""
        self._done += n
        done = self._done if self.total is None else min(self._done, self.total)
        if self._user is not None:
            self._user(done, 0 if self.total is None else self.total)
        else:
            self._move_to(done)

    def close(self) -> None:
        """Close the bar, if any (idempotent)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None and self.bar is not None and self.total is not None:
            self._move_to(self.total)   # the core's last poll may precede its end
        self.close()


def make_progress(progress: ProgressArg, total: Optional[int], desc: str = "", *,
                  unit: str = "it", min_total: int = DEFAULT_MIN_TOTAL) -> Progress:
    """Build a :class:`Progress` for a job of ``total`` units.

    Parameters
    ----------
    progress : bool, "auto", None or callable
        The user's ``progress=`` argument.
    total : int or None
        Work units of the job; ``None`` when unknown (a generator).
    desc : str, optional
        Bar label.
    unit : str, default "it"
        Bar unit.
    min_total : int, default 10000
        Under ``"auto"``, jobs smaller than this get no bar.

    Returns
    -------
    Progress
        Use as a context manager; pass ``.callback`` to the C core.

    Raises
    ------
    TypeError
        For a ``progress`` that is not a bool, ``"auto"``, None or a callable.

    Warns
    -----
    RuntimeWarning
        Once per process, for ``progress=True`` without tqdm.

    Examples
    --------
    >>> with make_progress(False, 100) as p:
    ...     p.callback is None
    True
    """
    return Progress(progress, total, desc, unit=unit, min_total=min_total)


def corpus_progress(progress: ProgressArg, docs: Any, desc: str) -> Progress:
    """A :class:`Progress` counting the documents of a corpus.

    Parameters
    ----------
    progress : bool, "auto", None or callable
        The user's ``progress=`` argument.
    docs : str, bytes or iterable
        The corpus as the user passed it. A sized one gives the bar its
        total; a generator gives a bar that counts without a total; a
        single text is one document.
    desc : str
        Bar label.

    Returns
    -------
    Progress
        Pass ``.callback`` to the C core, which calls it with
        ``(documents done, documents expected or 0)``.
    """
    if isinstance(docs, (str, bytes, bytearray, memoryview)):
        total: Optional[int] = 1
    elif isinstance(docs, Sized):
        total = len(docs)
    else:
        total = None
    return Progress(progress, total, desc, unit="doc", min_total=DOCS_MIN_TOTAL)
