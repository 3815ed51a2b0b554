"""Compression-based similarity: exact NCD/CDM on zlib, matrices, neighbours, kNN.

All compression runs in C (``textkern._core``).  This module supplies the
defaults, documentation, cheap validation, warnings and the progress bar.

Sizes are byte-exact with Python's own compressors:

* ``format="zlib"``: ``len(zlib.compress(data, level))``
* ``format="gzip"``: ``len(gzip.compress(data, level, mtime=0))``
* ``format="deflate"``: ``len(zlib.compress(data, level, wbits=-15))``, the
  raw deflate stream made in one call (at level 0, ``zlib.compressobj``
  fed the same data can cut its stored blocks elsewhere)

and every distance is the very float that the textbook formula gives when
evaluated in Python over those sizes.
"""
from __future__ import annotations

import inspect
import numbers
from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from ._progress import ProgressArg, make_progress
from ._warn import warn_user

__all__ = [
    "compressed_size",
    "ncd",
    "ncd_matrix",
    "nearest",
    "CompressionKNN",
    "LongTextWarning",
]

Text = Union[str, bytes, bytearray, memoryview]

#: deflate's window: matches can reach back at most this many bytes.
WINDOW_BYTES = 32768

_FORMATS = ("zlib", "gzip", "deflate")
_METRICS = ("ncd", "cdm")


class LongTextWarning(UserWarning):
    """A concatenation is longer than deflate's 32 KiB window.

    deflate can only refer back 32 KiB, so once ``x + sep + y`` is longer
    than that, most of ``y`` cannot reuse ``x`` and the distance drifts
    towards 1 whatever the texts are: NCD(x, x) at level 9 is about 0.03
    for 2 KB texts but about 0.94 for 40 KB ones.  Split long documents
    (for example into paragraphs) before comparing them.
    """


# ----------------------------------------------------------------- helpers
def _check_options(level: Any, format: Any, metric: Any = "ncd") -> None:
    if isinstance(level, bool) or not isinstance(level, numbers.Integral):
        raise TypeError(f"level must be an int from -1 to 9, not {type(level).__name__}")
    if not -1 <= level <= 9:
        raise ValueError(f"level must be between -1 and 9, not {level}")
    if format not in _FORMATS:
        raise ValueError(f"format must be 'zlib', 'gzip' or 'deflate', not {format!r}")
    if metric not in _METRICS:
        raise ValueError(f"metric must be 'ncd' or 'cdm', not {metric!r}")


def _nbytes(obj: Any) -> int:
    if isinstance(obj, str):
        return len(obj.encode("utf-8", "surrogatepass"))
    return memoryview(obj).nbytes


def _warn_long(longest_x: int, sep_bytes: int, longest_y: int) -> None:
    total = longest_x + sep_bytes + longest_y
    if total > WINDOW_BYTES:
        warn_user(
            f"the longest concatenation is {total} bytes ({longest_x} + {sep_bytes} + "
            f"{longest_y}), more than deflate's {WINDOW_BYTES}-byte window; compression "
            "distances saturate near 1 and lose their meaning for such pairs. Split long "
            "texts into pieces shorter than 16 KiB.",
            LongTextWarning,
        )


def _sep_bytes(sep: Any) -> int:
    if not isinstance(sep, (str, bytes, bytearray, memoryview)):
        raise TypeError(f"sep must be str or bytes, not {type(sep).__name__}")
    return _nbytes(sep)


def _text_kind(obj: Any) -> Optional[str]:
    """The kind of a text, "str" or "bytes", or None for what is not one.

    A buffer counts only if it holds bytes, as in the C core: numpy arrays
    of str, objects or numbers (a row of a 2-D array of documents, a numpy
    scalar) export their memory too, and comparing that memory compared
    UCS-4 bytes or heap pointers.
    """
    if isinstance(obj, str):
        return "str"
    if isinstance(obj, (bytes, bytearray)):
        return "bytes"
    try:
        view = memoryview(obj)
    except TypeError:
        return None
    # As the C check: a 0-dimensional buffer is a scalar (np.uint8(65) is a
    # number, not the text "A").
    byte_items = (view.itemsize == 1 and view.ndim != 0
                  and view.format.lstrip("@=<>!") in ("B", "b", "c"))
    return "bytes" if byte_items else None


def _check_texts(texts: Sequence[Any], name: str, kind: Optional[str] = None,
                 kind_of: str = "the training texts") -> Optional[str]:
    """TypeError naming ``name`` and the index of a non-text or mixed item; returns the kind.

    ``kind_of`` names the texts that set ``kind`` in the message.
    """
    for i, text in enumerate(texts):
        this = _text_kind(text)
        if this is None:
            missing = text is None or (isinstance(text, float) and text != text)
            raise TypeError(f"{name} item {i}: expected str or bytes, not {type(text).__name__}"
                            + (" (a missing value: drop it, or fill it with '', as in "
                               "Series.fillna(''))" if missing else ""))
        if kind is not None and this != kind:
            raise TypeError(f"{name} item {i}: expected {kind} like {kind_of}, not "
                            f"{type(text).__name__}; do not mix str and bytes")
        kind = this
    return kind


def _as_texts(obj: Any, name: str) -> Sequence[Any]:
    if isinstance(obj, (str, bytes, bytearray, memoryview)):
        raise TypeError(f"{name} must be a sequence of texts, not a single {type(obj).__name__}")
    # Subclasses are copied too: the output is sized with len(), which
    # must count what C reads, not what an overridden __len__ says.
    if type(obj) in (list, tuple):
        return obj
    try:
        return list(obj)
    except TypeError:
        raise TypeError(
            f"{name} must be a sequence of str or bytes, not {type(obj).__name__}"
        ) from None


# --------------------------------------------------------------- functions
def compressed_size(data: Text, *, level: int = 6, format: str = "zlib") -> int:
    """Length in bytes of ``data`` once compressed, exactly as Python's compressors.

    Parameters
    ----------
    data : str or bytes-like
        A str is encoded as UTF-8 (a lone surrogate raises ``ValueError``);
        any bytes-like object is compressed as it is.
    level : int, default 6
        The zlib compression level, -1 (zlib's default, which is 6) to 9.
    format : {"zlib", "gzip", "deflate"}, default "zlib"
        ``"zlib"`` gives ``len(zlib.compress(data, level))``, ``"gzip"``
        gives ``len(gzip.compress(data, level, mtime=0))`` (the raw size plus
        an 18-byte header and trailer) and ``"deflate"`` the raw deflate
        stream, ``len(zlib.compress(data, level, wbits=-15))``.

    Returns
    -------
    int
        The compressed length in bytes.

    Examples
    --------
    >>> import zlib
    >>> compressed_size("abc" * 100) == len(zlib.compress(b"abc" * 100, 6))
    True
    """
    _check_options(level, format)
    return _core.compressed_size(data, level=level, format=format)


def ncd(x: Text, y: Text, *, level: int = 6, format: str = "zlib", sep: Text = "",
        metric: str = "ncd") -> float:
    """Normalized compression distance between two texts.

    With ``C = compressed_size``::

        ncd = (C(x + sep + y) - min(C(x), C(y))) / max(C(x), C(y))
        cdm = C(x + sep + y) / (C(x) + C(y))

    The result is exactly the float that this formula gives in Python over
    ``zlib.compress``/``gzip.compress`` sizes.  The order matters: ``x`` is
    compressed first, and ``ncd(x, y)`` may differ slightly from
    ``ncd(y, x)``.

    Parameters
    ----------
    x, y : str or bytes-like
        Both str (encoded as UTF-8) or both bytes-like; mixing raises
        ``TypeError``.  Empty texts are allowed.
    level : int, default 6
        -1 (zlib's default, 6) to 9.
    format : {"zlib", "gzip", "deflate"}, default "zlib"
        Which size to count, see :func:`compressed_size`.
    sep : str or bytes, default ""
        Inserted between ``x`` and ``y`` (a str is encoded as UTF-8).
    metric : {"ncd", "cdm"}, default "ncd"
        NCD (Li et al.) or Keogh's compression-based dissimilarity.

    Returns
    -------
    float
        About 0 for identical texts and about 1 for unrelated ones (NCD can
        slightly exceed 1).

    Warns
    -----
    LongTextWarning
        When ``x + sep + y`` is longer than deflate's 32 KiB window, where
        the distance saturates and means little.

    Examples
    --------
    >>> ncd("the cat sat on the mat", "the cat sat on a mat") < ncd("the cat", "qzxv jkw")
    True
    """
    _check_options(level, format, metric)
    sep_len = _sep_bytes(sep)
    result = _core.ncd(x, y, level=level, format=format, sep=sep, metric=metric)
    # Cheap bound first: a str never takes more than 4 bytes per character.
    if isinstance(x, str) and isinstance(y, str) and 4 * (len(x) + len(y)) + sep_len <= WINDOW_BYTES:
        return result
    _warn_long(_nbytes(x), sep_len, _nbytes(y))
    return result


def ncd_matrix(xs: Sequence[Text], ys: Optional[Sequence[Text]] = None, *, level: int = 6,
               format: str = "zlib", sep: Text = "", metric: str = "ncd",
               symmetric: bool = False, n_threads: Optional[int] = None,
               progress: ProgressArg = False) -> np.ndarray:
    """Compression distances between every text of ``xs`` and every text of ``ys``.

    Entry ``[i, j]`` equals ``ncd(xs[i], ys[j], ...)`` exactly, whatever the
    number of threads.

    How it is fast: each ``C(x)`` is computed once; each C thread keeps one
    deflate stream and reuses it with ``deflateReset`` (no ``deflateInit``
    per pair); and where it pays off, the row's ``xs[i]`` is compressed once
    and its deflate state is copied (``deflateCopy``) for every ``ys[j]``.
    Deflate output does not depend on how the input is split, so sizes stay
    byte-identical.  A copy costs about the same whatever the text, while
    compressing ``xs[i]`` again costs what that very text took to compress
    (length, level and content all matter), so the choice is made per row:
    each thread times a copy once, and a row uses copies when its text took
    longer to compress alone.  Pairs that fit a smaller deflate window
    (``2**w - 262`` bytes, where deflate never slides and finds exactly the
    same matches) use one, which makes copies cheaper; the crossover table
    is in ``benchmarks/results_ncd.md``.  The GIL is released while C
    threads work.

    Parameters
    ----------
    xs : sequence of str or bytes
        Row texts.  All texts (``xs`` and ``ys``) must be str, or all
        bytes-like; anything else raises ``TypeError`` naming the item.
    ys : sequence of str or bytes, optional
        Column texts; ``None`` compares ``xs`` with itself.
    level : int, default 6
        As in :func:`ncd`.
    format : {"zlib", "gzip", "deflate"}, default "zlib"
        As in :func:`ncd`.
    sep : str or bytes, default ""
        As in :func:`ncd`.
    metric : {"ncd", "cdm"}, default "ncd"
        As in :func:`ncd`.
    symmetric : bool, default False
        Only with ``ys=None``.  Schedules only the upper triangle
        (``i <= j``); for each pair both orders ``xs[i] + sep + xs[j]`` and
        ``xs[j] + sep + xs[i]`` are compressed, and both ``[i, j]`` and
        ``[j, i]`` receive the smaller of the two distances.  The result is
        symmetric by construction; it does the same number of compressions
        as the full matrix, so use it for a symmetric result, not for speed.
    n_threads : int, optional
        C threads; ``None`` uses every CPU (the calling thread alone for a
        small job, which threads would only slow down).
    progress : bool, "auto" or callable, default False
        ``True`` shows a tqdm bar (``pip install textkern[progress]``; without
        tqdm it warns once and runs without a bar); ``"auto"`` shows one only
        for big jobs in a notebook or terminal.  A callable is called as
        ``progress(done, total)`` about ten times a second with work units.

    Returns
    -------
    numpy.ndarray
        float64 of shape ``(len(xs), len(ys))``; ``ncd_matrix([])`` has shape
        ``(0, 0)``.

    Raises
    ------
    KeyboardInterrupt
        On Ctrl-C, within about a second; the partial result is discarded.

    Warns
    -----
    LongTextWarning
        Once per call, when the longest ``x + sep + y`` exceeds 32 KiB.

    Examples
    --------
    >>> m = ncd_matrix(["a b c a b c", "a b c a b d", "zzz qqq"])
    >>> m.shape
    (3, 3)
    """
    _check_options(level, format, metric)
    sep_len = _sep_bytes(sep)
    xs = _as_texts(xs, "xs")
    if ys is not None:
        ys = _as_texts(ys, "ys")
    if symmetric and ys is not None:
        raise ValueError("symmetric=True compares xs with itself: pass ys=None")
    n_y = len(xs) if ys is None else len(ys)
    out = np.empty((len(xs), n_y), dtype=np.float64)
    with make_progress(progress, len(xs) * n_y, "ncd_matrix", unit="pair") as bar:
        longest_x, longest_y = _core.ncd_matrix(
            xs, ys, out, level=level, format=format, sep=sep, metric=metric,
            symmetric=bool(symmetric), n_threads=n_threads, progress=bar.callback)
    if len(xs) and n_y:
        _warn_long(longest_x, sep_len, longest_y)
    return out


def nearest(queries: Sequence[Text], corpus: Sequence[Text], k: int = 5, *, level: int = 6,
            format: str = "zlib", sep: Text = "", metric: str = "ncd",
            n_threads: Optional[int] = None,
            progress: ProgressArg = False) -> Tuple[np.ndarray, np.ndarray]:
    """The ``k`` corpus texts closest to each query, without building the matrix.

    Distances are ``ncd(queries[i], corpus[j], ...)`` (query first).  The
    computation streams: beyond the inputs it keeps only the ``k`` best per
    query (O(k x len(queries)) memory), so 100k x 10k pairs fit in a
    laptop's memory.

    Parameters
    ----------
    queries, corpus : sequence of str or bytes
        All str or all bytes-like, as in :func:`ncd_matrix`.
    k : int, default 5
        Neighbours per query, from 1 to ``len(corpus)``.
    level : int, default 6
        As in :func:`ncd_matrix`.
    format : {"zlib", "gzip", "deflate"}, default "zlib"
        As in :func:`ncd_matrix`.
    sep : str or bytes, default ""
        As in :func:`ncd_matrix`.
    metric : {"ncd", "cdm"}, default "ncd"
        As in :func:`ncd_matrix`.
    n_threads : int, optional
        As in :func:`ncd_matrix`.
    progress : bool, "auto" or callable, default False
        As in :func:`ncd_matrix`.

    Returns
    -------
    indices : numpy.ndarray
        int64, shape ``(len(queries), k)``: corpus indices sorted by
        distance; equal distances are ordered by the lower corpus index.
    distances : numpy.ndarray
        float64, shape ``(len(queries), k)``: the matching distances.

    Warns
    -----
    LongTextWarning
        Once per call, when the longest ``query + sep + text`` exceeds 32 KiB.

    Examples
    --------
    >>> idx, dist = nearest(["the cat sat"], ["a dog ran", "the cat sat down"], k=1)
    >>> int(idx[0, 0])
    1
    """
    _check_options(level, format, metric)
    sep_len = _sep_bytes(sep)
    queries = _as_texts(queries, "queries")
    corpus = _as_texts(corpus, "corpus")
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"k must be an int, not {type(k).__name__}")
    if not 1 <= k <= len(corpus):
        raise ValueError(f"k must be between 1 and len(corpus) = {len(corpus)}, not {k}")
    k = int(k)
    indices = np.empty((len(queries), k), dtype=np.int64)
    distances = np.empty((len(queries), k), dtype=np.float64)
    with make_progress(progress, len(queries) * len(corpus), "nearest", unit="pair") as bar:
        longest_q, longest_c = _core.nearest(
            queries, corpus, k, indices, distances, level=level, format=format, sep=sep,
            metric=metric, n_threads=n_threads, progress=bar.callback)
    if len(queries):
        _warn_long(longest_q, sep_len, longest_c)
    return indices, distances


# --------------------------------------------------------------------- kNN
def _check_neighbor_count(k: Any, name: str) -> None:
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"{name} must be a positive int, not {type(k).__name__} {k!r}")
    if k < 1:
        raise ValueError(f"{name} must be a positive int, not {k!r}")


def _checked_texts(texts: Sequence[Any], name: str, copy_buffers: bool = False) -> list:
    """The texts, checked now as the C core will read them later, elsewhere.

    For work that runs later or on other machines (a fitted classifier's
    predict, dask tasks): a str with a lone surrogate or a non-contiguous
    buffer would fail there, naming a position within a block or the
    query's argument instead of ``name item i``.  With ``copy_buffers``,
    buffers other than bytes are copied to bytes, so that what is kept
    neither changes with the caller's buffer nor fails to pickle.
    """
    kind = _check_texts(texts, name)
    kept = []
    for i, text in enumerate(texts):
        if kind == "str":
            if not text.isascii():
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError as e:
                    raise ValueError(
                        f"{name} item {i}: lone surrogate U+{ord(text[e.start]):04X} at index "
                        f"{e.start} cannot be encoded as UTF-8; encode the texts to bytes "
                        "yourself (for example text.encode('utf-8', 'surrogatepass')) to "
                        "compress them as they are") from None
        elif type(text) is not bytes:
            view = memoryview(text)
            if not view.contiguous:
                raise TypeError(f"{name} item {i}: expected str or a contiguous bytes-like "
                                f"object; {type(text).__name__} is not contiguous (copy it "
                                "with bytes(...))")
            if copy_buffers:
                text = view.tobytes()
        kept.append(text)
    return kept


def _fair_vote(labels: np.ndarray) -> np.ndarray:
    """Column position of the winning neighbour in each row of ``labels``.

    ``labels`` holds encoded labels of neighbours sorted by (distance,
    index).  The label with most votes wins; among tied labels, the one
    whose nearest member comes first wins, i.e. the closest, then the lower
    index.  That is the first position whose label has the top count.
    """
    n, k = labels.shape
    winners = np.empty(n, dtype=np.intp)
    rows = max(1, (1 << 22) // max(k * k, 1))   # bound the n x k x k temporary
    for start in range(0, n, rows):
        block = labels[start:start + rows]
        votes = (block[:, :, None] == block[:, None, :]).sum(axis=2)
        winners[start:start + rows] = np.argmax(votes, axis=1)   # first maximum
    return winners


class CompressionKNN:
    """A k-nearest-neighbour classifier on compression distances (gzip-kNN).

    scikit-learn style: ``fit(texts, labels)``, ``predict``,
    ``predict_proba``, ``score``, ``kneighbors``.  The distance from a query
    to a training text is ``ncd(query, train_text, ...)``, query first.

    The vote is fair and deterministic.  With ``k=1`` the prediction is the
    label of the nearest training text.  Otherwise the label with the most
    votes among the ``k`` nearest wins; if several labels tie, the label
    whose nearest member is closest to the query wins, and if those members
    are equally close, the one with the lower training index.  (Neighbours
    at equal distance are themselves ordered by lower training index.)

    Parameters
    ----------
    k : int, default 2
        Neighbours that vote.
    level : int, default 9
        The zlib level, -1 to 9.
    format : {"gzip", "zlib", "deflate"}, default "gzip"
        Which compressed size to count, as in :func:`ncd`.
    sep : str or bytes, default " "
        Put between the query and the training text.
    metric : {"ncd", "cdm"}, default "ncd"
        The distance, as in :func:`ncd`.
    n_threads : int, optional
        C threads; ``None`` uses every CPU (the calling thread alone for a
        small job, which threads would only slow down).
    progress : bool, "auto" or callable, default "auto"
        A tqdm bar over the query x training pairs of ``predict``,
        ``predict_proba``, ``score`` and ``kneighbors``: ``True`` always,
        ``"auto"`` only in a notebook or on a terminal for jobs of 10,000
        pairs or more that take over half a second, ``False`` never. A
        callable receives ``(done, total)`` in the core's work units, as
        for :func:`nearest`.

    Attributes
    ----------
    classes_ : numpy.ndarray
        Sorted distinct labels seen by ``fit``.
    train_texts_ : list
        The training texts (bytes-like ones other than ``bytes`` are copied to
        ``bytes``, so that the fitted classifier neither changes with the
        caller's buffers nor fails to pickle).

    See Also
    --------
    CompressionKNN.paper : The distance of Jiang et al. (2023).

    Examples
    --------
    >>> clf = CompressionKNN(k=1).fit(["good film, loved it", "bad film, hated it"], ["pos", "neg"])
    >>> clf.predict(["loved it, good film"]).tolist()
    ['pos']
    """

    def __init__(self, k: int = 2, *, level: int = 9, format: str = "gzip", sep: Text = " ",
                 metric: str = "ncd", n_threads: Optional[int] = None,
                 progress: ProgressArg = "auto"):
        self.k = k
        self.level = level
        self.format = format
        self.sep = sep
        self.metric = metric
        self.n_threads = n_threads
        self.progress = progress

    @classmethod
    def paper(cls, k: int = 2, *, n_threads: Optional[int] = None,
              progress: ProgressArg = "auto") -> "CompressionKNN":
        """The distance of the gzip-kNN paper's code (Jiang et al., ACL Findings 2023).

        gzip at level 9 with the header and trailer counted in every size, a
        space between the texts, and the test text first:
        ``C(test + " " + train)``, exactly as the original Python code computes
        it (and ``k=2`` as in its tables).

        Note that the paper's reported accuracy counted a test text as correct
        when *any* label tied in the k=2 vote was right, which inflates it (on
        AG News, fair 1-NN gives about 0.876 against the reported 0.937).
        This class does not: it uses the fair vote described on
        :class:`CompressionKNN`, which picks one label.

        Parameters
        ----------
        k : int, default 2
            As on :class:`CompressionKNN`.
        n_threads : int, optional
            As on :class:`CompressionKNN`.
        progress : bool, "auto" or callable, default "auto"
            As on :class:`CompressionKNN`.

        Returns
        -------
        CompressionKNN
            An unfitted classifier with the paper's distance settings.
        """
        return cls(k=k, level=9, format="gzip", sep=" ", metric="ncd", n_threads=n_threads,
                   progress=progress)

    # scikit-learn's is_classifier() before 1.6 reads this; later versions
    # read __sklearn_tags__.
    _estimator_type = "classifier"

    def __sklearn_tags__(self) -> Any:
        """scikit-learn's estimator tags: a classifier of 1-D text input.

        Pipelines, grid search and ``cross_val_score`` in scikit-learn 1.6
        and later ask every estimator for these.  scikit-learn is imported
        only here, so that ``import textkern`` stays light.
        """
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags
        return Tags(estimator_type="classifier", target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags(),
                    input_tags=InputTags(one_d_array=True, two_d_array=False, string=True))

    # scikit-learn's clone() and grid search use these two.
    def get_params(self, deep: bool = True) -> dict:
        """Constructor parameters as a dict (scikit-learn protocol).

        Read from the signature of ``__init__``, as scikit-learn does, so
        that a subclass's own parameters survive ``clone``.

        Parameters
        ----------
        deep : bool, default True
            Ignored; present for scikit-learn API compatibility.

        Returns
        -------
        dict
            Parameter name -> current value.
        """
        return {name: getattr(self, name) for name in self._param_names()}

    @classmethod
    def _param_names(cls) -> list:
        signature = inspect.signature(cls.__init__)
        return [p.name for p in signature.parameters.values()
                if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]

    def set_params(self, **params: Any) -> "CompressionKNN":
        """Set constructor parameters (scikit-learn protocol).

        Parameters
        ----------
        **params
            New values, by constructor parameter name.

        Returns
        -------
        CompressionKNN
            This classifier (``self``).

        Raises
        ------
        ValueError
            For a name that is not a constructor parameter.
        """
        valid = self.get_params()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for CompressionKNN")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{name}={value!r}" for name, value in self.get_params().items())
        return f"CompressionKNN({args})"

    def _check_params(self) -> None:
        _check_options(self.level, self.format, self.metric)
        _sep_bytes(self.sep)
        _check_neighbor_count(self.k, "k")

    def fit(self, X: Sequence[Text], y: Sequence[Any]) -> "CompressionKNN":
        """Store the training texts and labels.

        Parameters
        ----------
        X : sequence of str or bytes
            Training texts.
        y : array-like of shape (len(X),)
            Their labels.

        Returns
        -------
        CompressionKNN
            This classifier (``self``), fitted.

        Raises
        ------
        TypeError
            If an item of ``X`` is not a text (or is a non-contiguous
            buffer), if ``X`` mixes str and bytes, or if the labels cannot be
            sorted.
        ValueError
            If ``X`` and ``y`` differ in length or are empty, if a label is
            NaN, if a str has a lone surrogate, or if a parameter is out of
            range.
        """
        self._check_params()
        texts = _checked_texts(list(_as_texts(X, "X")), "X", copy_buffers=True)
        kind = _text_kind(texts[0]) if texts else None
        labels = np.asarray(y)
        if labels.ndim != 1:
            raise ValueError(f"y must be one-dimensional, got shape {labels.shape}")
        if len(texts) != len(labels):
            raise ValueError(f"X and y have different lengths: {len(texts)} and {len(labels)}")
        if not texts:
            raise ValueError("cannot fit on zero training texts")
        # As scikit-learn's classifiers: NaN is no class (NaN != NaN, so
        # score() counted its right predictions wrong).
        missing = (np.isnan(labels) if labels.dtype.kind in "fc"
                   else np.array([isinstance(v, float) and v != v for v in labels])
                   if labels.dtype.kind == "O" else np.zeros(len(labels), dtype=bool))
        if missing.any():
            raise ValueError(f"Input y contains NaN (label {int(np.argmax(missing))}): drop "
                             "those texts or give them a label")
        try:
            classes, encoded = np.unique(labels, return_inverse=True)
        except TypeError as e:
            raise TypeError(f"y: labels must be of one sortable type (all str or all numbers), "
                            f"as scikit-learn's classifiers require; sorting them failed: {e}"
                            ) from None
        # One dict.update (one C call under the GIL): two threads fitting
        # this classifier leave the parts of one fit, never a mix.
        self.__dict__.update(classes_=classes, _encoded=encoded.reshape(-1), train_texts_=texts,
                             _kind=kind, n_features_in_=1)
        return self

    def __setstate__(self, state: dict) -> None:
        """Restore a pickled classifier, refusing a fitted state that does not hang together."""
        if not isinstance(state, dict):
            raise ValueError("CompressionKNN state must be a dict")
        if "train_texts_" in state:
            texts = state["train_texts_"]
            classes = state.get("classes_")
            encoded = state.get("_encoded")
            if not isinstance(texts, list) or not texts:
                raise ValueError("CompressionKNN state: train_texts_ must be a non-empty list")
            kind = _check_texts(texts, "train_texts_")
            if not isinstance(classes, np.ndarray) or classes.ndim != 1 or len(classes) == 0:
                raise ValueError("CompressionKNN state: classes_ must be a non-empty 1-D array")
            if (not isinstance(encoded, np.ndarray) or encoded.ndim != 1
                    or encoded.dtype.kind not in "iu" or len(encoded) != len(texts)):
                raise ValueError("CompressionKNN state: one integer label per training text "
                                 "is required")
            if encoded.min() < 0 or encoded.max() >= len(classes):
                raise ValueError("CompressionKNN state: label codes out of range")
            if state.get("_kind", kind) != kind:
                raise ValueError("CompressionKNN state: _kind does not match the training texts")
            state = dict(state, _kind=kind)
        request = state.get("_metadata_request")
        if request is not None and type(request).__name__ != "MetadataRequest":
            raise ValueError("CompressionKNN state: _metadata_request must be a "
                             "scikit-learn MetadataRequest")
        self.__dict__.update(state)

    def _check_fitted(self) -> None:
        if not hasattr(self, "train_texts_"):
            # The package's one NotFittedError (scikit-learn's when installed).
            from .vectorizers import NotFittedError
            raise NotFittedError(
                "this CompressionKNN is not fitted yet: call fit(texts, labels) first")

    def _fitted_state(self):
        """Training texts, label codes, classes and text kind, all of one fit.

        Read from one copy of the instance dict (a single C call), so that a
        fit running in another thread meanwhile cannot mix two fits.
        """
        state = self.__dict__.copy()
        if "train_texts_" not in state:
            self._check_fitted()
        return state["train_texts_"], state["_encoded"], state["classes_"], state.get("_kind")

    def _neighbor_indices(self, X, k, texts, kind):
        _check_neighbor_count(k, "n_neighbors")
        if k > len(texts):
            raise ValueError(f"n_neighbors = {k} exceeds the {len(texts)} training texts")
        X = _as_texts(X, "X")
        _check_texts(X, "X", kind)
        try:
            return nearest(X, texts, k, level=self.level, format=self.format, sep=self.sep,
                           metric=self.metric, n_threads=self.n_threads,
                           progress=self.progress)
        except (TypeError, ValueError) as exc:
            # A query the C core refused (a lone surrogate): name it as the
            # caller knows it, X, not as nearest()'s "queries".
            message = str(exc)
            if not message.startswith("queries item "):
                raise
            raise type(exc)("X" + message[len("queries"):]) from None

    def kneighbors(self, X: Sequence[Text], n_neighbors: Optional[int] = None,
                   return_distance: bool = True):
        """Nearest training texts of each query.

        Parameters
        ----------
        X : sequence of str or bytes
            Query texts.
        n_neighbors : int, optional
            Defaults to ``k``.
        return_distance : bool, default True
            Also return the distances (before the indices).

        Returns
        -------
        distances : numpy.ndarray
            float64 of shape ``(len(X), n_neighbors)``, only when
            ``return_distance`` is true (scikit-learn's order: distances
            first).
        indices : numpy.ndarray
            int64 indices into the training texts, sorted by distance, ties
            to the lower index.
        """
        texts, _, _, kind = self._fitted_state()
        k = self.k if n_neighbors is None else n_neighbors
        indices, distances = self._neighbor_indices(X, k, texts, kind)
        return (distances, indices) if return_distance else indices

    def predict(self, X: Sequence[Text]) -> np.ndarray:
        """Predicted label of each text, by the fair vote (see the class docstring).

        Parameters
        ----------
        X : sequence of str or bytes
            Query texts, of the same kind (str or bytes) as the training texts.

        Returns
        -------
        numpy.ndarray
            One label of ``classes_`` per text.
        """
        texts, encoded, classes, kind = self._fitted_state()
        indices, _ = self._neighbor_indices(X, self.k, texts, kind)
        labels = encoded[indices]
        if len(labels) == 0:
            return classes[:0]
        winners = _fair_vote(labels)
        return classes[labels[np.arange(len(labels)), winners]]

    def predict_proba(self, X: Sequence[Text]) -> np.ndarray:
        """Share of the ``k`` neighbours' votes per class, columns ordered as ``classes_``.

        Parameters
        ----------
        X : sequence of str or bytes
            Query texts, of the same kind (str or bytes) as the training texts.

        Returns
        -------
        numpy.ndarray
            Vote shares (float64) of shape ``(len(X), len(classes_))``.
        """
        texts, encoded, classes, kind = self._fitted_state()
        indices, _ = self._neighbor_indices(X, self.k, texts, kind)
        labels = encoded[indices]
        proba = np.zeros((len(labels), len(classes)), dtype=np.float64)
        rows = np.repeat(np.arange(len(labels)), labels.shape[1] if labels.ndim == 2 else 0)
        np.add.at(proba, (rows, labels.reshape(-1)), 1.0)
        if labels.size:
            proba /= labels.shape[1]
        return proba

    def score(self, X: Sequence[Text], y: Sequence[Any], sample_weight: Any = None) -> float:
        """Accuracy of ``predict(X)`` against ``y`` (one label per text, no credit for ties).

        Parameters
        ----------
        X : sequence of str or bytes
            Query texts.
        y : array-like of shape (len(X),)
            Their true labels.
        sample_weight : array-like of shape (len(X),), optional
            Weights of the texts, as in scikit-learn's ``score``.

        Returns
        -------
        float
            The (weighted) share of texts whose predicted label is right;
            0.0 when there are no texts.
        """
        y = np.asarray(y)
        predicted = self.predict(X)
        if len(predicted) != len(y):
            raise ValueError(f"X and y have different lengths: {len(predicted)} and {len(y)}")
        if not len(y):
            return 0.0
        return float(np.average(predicted == y, weights=sample_weight))

    def get_metadata_routing(self) -> Any:
        """Return scikit-learn's metadata routing: ``score`` takes ``sample_weight``.

        Asked for by pipelines and grid search when
        ``sklearn.set_config(enable_metadata_routing=True)``; as for
        scikit-learn's own classifiers, the weight is passed once requested
        with :meth:`set_score_request`.

        Returns
        -------
        sklearn.utils.metadata_routing.MetadataRequest
            A copy of the request that :meth:`set_score_request` stored, else
            a new one with the default (``None``) request for ``sample_weight``.
        """
        import copy

        request = self.__dict__.get("_metadata_request")
        if request is not None:
            return copy.deepcopy(request)
        from sklearn.utils.metadata_routing import MetadataRequest
        request = MetadataRequest(owner=type(self).__name__)
        request.score.add_request(param="sample_weight", alias=None)
        return request

    def set_score_request(self, *, sample_weight: Union[bool, None, str] = None
                          ) -> "CompressionKNN":
        """Say whether metadata routing passes ``sample_weight`` to ``score``.

        As scikit-learn's classifiers' method of the same name: ``True``
        passes it, ``False`` does not, ``None`` (the default) raises if it
        is given, and a str passes the metadata of that name instead.
        ``sklearn.base.clone`` keeps the request.

        Parameters
        ----------
        sample_weight : bool, None or str
            The request, one of the values above.

        Returns
        -------
        CompressionKNN
            This classifier (``self``).

        Raises
        ------
        ValueError
            For a value that is none of these.
        """
        try:
            request = self.get_metadata_routing()
        except ImportError:
            raise ImportError("set_score_request needs scikit-learn 1.3 or newer, which "
                              "has metadata routing: pip install -U scikit-learn") from None
        request.score.add_request(param="sample_weight", alias=sample_weight)
        # The attribute scikit-learn's clone copies to the new estimator.
        self._metadata_request = request
        return self
