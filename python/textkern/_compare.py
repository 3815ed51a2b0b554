"""``compare``: a labelled compression-distance matrix for notebooks.

:func:`compare` runs :func:`textkern.ncd_matrix` and wraps the matrix and
the labels in a :class:`SimilarityResult`, which renders as a coloured
HTML table in Jupyter, converts to pandas, lists the closest pairs and
plots itself (``textkern[plot]``).
"""
from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any, Callable, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

from ._progress import ProgressArg, make_progress
from ._similarity import ncd_matrix

__all__ = ["compare", "SimilarityResult"]

Text = Union[str, bytes, bytearray, memoryview]

#: Under ``progress="auto"`` a bar appears from this many pairs on.
_AUTO_MIN_PAIRS = 20_000

#: Characters of a text used as its label when no labels are given.
_PREVIEW_CHARS = 24

# A few colour stops (distance 0 -> 1) for the HTML table: dark for close
# texts, light for unrelated ones, like the default heatmap of plot.similarity.
_STOPS = ((0.0, (68, 1, 84)), (0.25, (59, 82, 139)), (0.5, (33, 145, 140)),
          (0.75, (94, 201, 98)), (1.0, (253, 231, 37)))


def _colour(value: float, lo: float, hi: float) -> Tuple[str, str]:
    """Background and text colour for one cell (CSS rgb strings)."""
    if not np.isfinite(value):
        return "rgb(255,255,255)", "rgb(0,0,0)"
    t = 0.0 if hi <= lo else min(max((value - lo) / (hi - lo), 0.0), 1.0)
    for (t0, c0), (t1, c1) in zip(_STOPS, _STOPS[1:]):
        if t <= t1:
            f = (t - t0) / (t1 - t0)
            rgb = tuple(round(a + (b - a) * f) for a, b in zip(c0, c1))
            break
    luminance = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    ink = "rgb(0,0,0)" if luminance > 140 else "rgb(255,255,255)"
    return "rgb({},{},{})".format(*rgb), ink


def _preview(text: Any, index: int) -> str:
    if isinstance(text, str):
        words = " ".join(text.split())
        if words:
            return words if len(words) <= _PREVIEW_CHARS else words[:_PREVIEW_CHARS - 1] + "…"
    return f"#{index}"


class SimilarityResult:
    """A compression-distance matrix with the labels of its texts.

    Returned by :func:`textkern.compare`.  Entry ``matrix[i, j]`` is the
    distance between text ``i`` and text ``j``: about 0 for near-identical
    texts, about 1 for unrelated ones.

    Parameters
    ----------
    matrix : array-like of shape (n, n)
        Distances.
    labels : sequence of str
        One label per row/column.
    options : dict, optional
        How the distances were computed (level, format, metric...).

    Attributes
    ----------
    matrix : numpy.ndarray
        float64, shape ``(n, n)``.
    labels : list of str
    options : dict
    HTML_MAX_TEXTS : int
        How many texts the notebook display (``_repr_html_``) shows at most.

    Examples
    --------
    >>> r = SimilarityResult([[0.0, 0.5], [0.5, 0.0]], ["a", "b"])
    >>> r.most_similar(1)
    [('a', 'b', 0.5)]
    """

    HTML_MAX_TEXTS = 60

    def __init__(self, matrix: Any, labels: Sequence[Any],
                 options: Optional[Mapping[str, Any]] = None) -> None:
        m = np.asarray(matrix, dtype=np.float64)
        if m.ndim != 2 or m.shape[0] != m.shape[1]:
            raise ValueError(f"matrix must be square, got shape {m.shape}")
        if len(labels) != m.shape[0]:
            raise ValueError(f"{len(labels)} labels for a {m.shape[0]} x {m.shape[1]} matrix")
        self.matrix: npt.NDArray[np.float64] = m
        self.labels: List[str] = [str(label) for label in labels]
        self.options = dict(options or {})

    # ------------------------------------------------------------ basics
    def __len__(self) -> int:
        return len(self.labels)

    def __repr__(self) -> str:
        opts = "".join(f", {k}={v!r}" for k, v in self.options.items()
                       if k in ("metric", "level", "format"))
        return f"SimilarityResult(n={len(self)}{opts})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SimilarityResult):
            return NotImplemented
        return self.labels == other.labels and np.array_equal(self.matrix, other.matrix)

    __hash__ = None  # type: ignore[assignment]  # mutable, like an ndarray

    def distance(self, a: Union[int, str], b: Union[int, str]) -> float:
        """Distance between two texts given by label or position.

        Parameters
        ----------
        a : str or int
            The first text (the row): its label, or its position (negative
            positions count from the end).
        b : str or int
            The second text (the column), given the same way.

        Returns
        -------
        float
            The matrix entry of row ``a`` and column ``b``.

        Raises
        ------
        KeyError
            For an unknown label or a position out of range.
        TypeError
            For a key that is neither str nor int.
        """
        return float(self.matrix[self._index(a), self._index(b)])

    def _index(self, key: Union[int, str]) -> int:
        """The position of a label, or a checked position (negative counts from the end)."""
        if isinstance(key, str):
            try:
                return self.labels.index(key)
            except ValueError:
                raise KeyError(key) from None
        if isinstance(key, bool) or not isinstance(key, (int, np.integer)):
            # int(1.9) would quietly pick text 1.
            raise TypeError(f"a text is given by its label (str) or position (int), "
                            f"not {type(key).__name__} {key!r}")
        if not -len(self) <= key < len(self):
            raise KeyError(f"position {key} is out of range for {len(self)} texts")
        return int(key) % len(self)

    @staticmethod
    def _check_count(k: Any) -> int:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise TypeError(f"k must be a non-negative int, not {type(k).__name__} {k!r}")
        if k < 0:
            raise ValueError(f"k must be a non-negative int, not {k!r}")
        return int(k)

    def symmetrized(self) -> np.ndarray:
        """The matrix with ``[i, j]`` and ``[j, i]`` both set to their minimum, diagonal 0.

        Off the diagonal that is what ``symmetric=True`` in
        :func:`textkern.ncd_matrix` gives; the diagonal is 0 here, where
        ``ncd_matrix`` keeps ``ncd(x, x)`` (small but not 0, since a
        compressor does not see a repeat for free).  A zero diagonal is what
        clustering and scipy's condensed form need.

        Returns
        -------
        numpy.ndarray
            A new symmetric float64 array of shape ``(n, n)``.
        """
        m = np.minimum(self.matrix, self.matrix.T)
        np.fill_diagonal(m, 0.0)
        return m

    def condensed(self) -> np.ndarray:
        """Upper triangle of :meth:`symmetrized` as scipy's condensed distance vector.

        Returns
        -------
        numpy.ndarray
            The distances of the pairs ``i < j``, row by row: ``n * (n - 1) / 2``
            values.
        """
        n = len(self)
        rows, cols = np.triu_indices(n, k=1)
        return self.symmetrized()[rows, cols]

    def most_similar(self, k: int = 5) -> List[Tuple[str, str, float]]:
        """The ``k`` closest pairs of different texts.

        Parameters
        ----------
        k : int, default 5
            Number of pairs (fewer if there are not that many).

        Returns
        -------
        list of (str, str, float)
            ``(label_i, label_j, distance)`` with ``i < j``, closest first;
            equal distances keep matrix order.  The distance of a pair is
            the smaller of ``[i, j]`` and ``[j, i]``.
        """
        k = self._check_count(k)
        rows, cols = np.triu_indices(len(self), k=1)
        dist = self.symmetrized()[rows, cols]
        order = np.argsort(dist, kind="stable")[:k]
        return [(self.labels[rows[i]], self.labels[cols[i]], float(dist[i])) for i in order]

    def nearest(self, label: Union[int, str], k: int = 3) -> List[Tuple[str, float]]:
        """The ``k`` texts closest to one text (itself excluded), closest first.

        Parameters
        ----------
        label : str or int
            The text's label, or its position.
        k : int, default 3
            Number of texts (fewer if there are not that many).

        Returns
        -------
        list of (str, float)
            ``(label, distance)`` pairs; equal distances keep matrix order.

        Raises
        ------
        KeyError
            For an unknown label or a position out of range.
        TypeError
            For a key that is neither str nor int, or a ``k`` that is not an int.
        """
        k = self._check_count(k)
        i = self._index(label)
        row = self.matrix[i]
        # The others, by distance (NaN last, as argsort puts it); leaving
        # the text out by position, not with +inf, which NaN sorts after.
        others = np.delete(np.arange(len(self)), i)
        order = others[np.argsort(row[others], kind="stable")][:k]
        return [(self.labels[j], float(row[j])) for j in order]

    # ------------------------------------------------------- conversions
    def to_pandas(self) -> Any:
        """The matrix as a ``pandas.DataFrame`` indexed and labelled by ``labels``.

        Returns
        -------
        pandas.DataFrame
            A copy of the matrix; its index is named ``"text"`` and its
            columns ``"other"``.

        Raises
        ------
        ImportError
            Without pandas (``pip install textkern[pandas]``).
        """
        try:
            import pandas as pd  # type: ignore[import-untyped, unused-ignore]
        except ImportError:
            raise ImportError("SimilarityResult.to_pandas() needs pandas: "
                              "pip install textkern[pandas]") from None
        index = pd.Index(self.labels, name="text")
        return pd.DataFrame(self.matrix.copy(), index=index,
                            columns=pd.Index(self.labels, name="other"))

    def to_numpy(self) -> np.ndarray:
        """A copy of the matrix.

        Returns
        -------
        numpy.ndarray
            A float64 copy of ``matrix``, of shape ``(n, n)``.
        """
        return self.matrix.copy()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        # A copy unless asked not to (numpy 2's copy=False: the matrix
        # itself, or ValueError when the dtype needs a conversion).
        if copy is False:
            if dtype is not None and np.dtype(dtype) != self.matrix.dtype:
                raise ValueError(f"cannot give the {self.matrix.dtype} matrix as {np.dtype(dtype)} "
                                 "without a copy")
            return self.matrix
        return np.array(self.matrix, dtype=dtype, copy=True)

    # ----------------------------------------------------------- display
    def _repr_html_(self) -> str:
        """A labelled HTML table, each cell coloured by its distance.

        At most :attr:`HTML_MAX_TEXTS` texts are shown: a full table of a few
        thousand texts would be megabytes of HTML, which Jupyter drops (its
        output rate limit) or the browser struggles with.
        """
        shown = min(len(self), self.HTML_MAX_TEXTS)
        if shown < len(self):
            first = SimilarityResult(self.matrix[:shown, :shown], self.labels[:shown],
                                     dict(self.options))
            note = (f"<p style='font-size:12px'>The first {shown} of {len(self)} texts; "
                    "<code>to_pandas()</code> or <code>plot()</code> shows them all.</p>")
            return first._repr_html_() + note
        m = self.matrix
        off = m[~np.eye(len(self), dtype=bool)] if len(self) > 1 else m.ravel()
        finite = off[np.isfinite(off)]
        lo = float(finite.min()) if finite.size else 0.0
        hi = float(finite.max()) if finite.size else 1.0
        head = "".join(f"<th style='writing-mode:vertical-rl;transform:rotate(180deg);"
                       f"text-align:left;font-weight:normal'>{html.escape(label)}</th>"
                       for label in self.labels)
        rows = []
        for i, label in enumerate(self.labels):
            cells = []
            for j in range(len(self)):
                value = float(m[i, j])
                if i == j:
                    bg, ink = "rgb(240,240,240)", "rgb(120,120,120)"
                else:
                    bg, ink = _colour(value, lo, hi)
                cells.append(f"<td style='background:{bg};color:{ink};text-align:right;"
                             f"padding:2px 6px'>{value:.3f}</td>")
            rows.append(f"<tr><th style='text-align:left;font-weight:normal'>"
                        f"{html.escape(label)}</th>{''.join(cells)}</tr>")
        metric = html.escape(str(self.options.get("metric", "ncd")).upper())
        caption = f"{metric} between {len(self)} texts (darker = more similar)"
        return ("<table style='border-collapse:collapse;font-size:12px'>"
                f"<caption style='text-align:left'>{caption}</caption>"
                f"<thead><tr><th></th>{head}</tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>")

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Heatmap ordered by clustering; see :func:`textkern.plot.similarity`.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure by default.
        **kwargs
            Passed on to :func:`textkern.plot.similarity`.

        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on.
        """
        from . import plot
        return plot.similarity(self, ax=ax, **kwargs)

    def dendrogram(self, ax: Any = None, **kwargs: Any) -> Any:
        """Clustering tree; see :func:`textkern.plot.dendrogram`.

        Parameters
        ----------
        ax : matplotlib Axes, optional
            Where to draw; a new figure by default.
        **kwargs
            Passed on to :func:`textkern.plot.dendrogram`.

        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on.
        """
        from . import plot
        return plot.dendrogram(self, ax=ax, **kwargs)


def _split_texts(texts: Any, labels: Optional[Iterable[Any]]) -> Tuple[List[Any], List[str]]:
    if isinstance(texts, (str, bytes, bytearray, memoryview)):
        raise TypeError("compare() needs a collection of texts, not a single "
                        f"{type(texts).__name__}")
    if isinstance(texts, Mapping):
        if labels is not None:
            raise TypeError("pass labels either as the keys of a mapping or as labels=, not both")
        items = list(texts.items())
        return [t for _, t in items], [str(k) for k, _ in items]
    try:
        values = list(texts)
    except TypeError:
        raise TypeError(f"texts must be a list of str or bytes, not {type(texts).__name__}") from None
    if labels is None:
        return values, [_preview(t, i) for i, t in enumerate(values)]
    if isinstance(labels, str):
        raise TypeError("labels must be a sequence of labels, not a single str")
    names = [str(label) for label in labels]
    if len(names) != len(values):
        raise ValueError(f"got {len(values)} texts but {len(names)} labels")
    return values, names


def compare(texts: Union[Sequence[Text], Mapping[Any, Text]], labels: Optional[Sequence[Any]] = None,
            *, level: int = 6, format: str = "zlib", sep: Text = "", metric: str = "ncd",
            symmetric: bool = True, n_threads: Optional[int] = None,
            progress: ProgressArg = "auto") -> SimilarityResult:
    """Compare every text with every other one by compression distance.

    A convenience over :func:`textkern.ncd_matrix` for exploring a handful
    to a few thousand texts in a notebook.

    Parameters
    ----------
    texts : sequence of str or bytes, or mapping of label -> text
        All str or all bytes-like.  With a mapping its keys are the labels.
    labels : sequence, optional
        One label per text (converted with ``str``).  By default, the first
        words of each text (``"#i"`` for bytes or empty texts).
    level : int, default 6
        The zlib level, -1 to 9.
    format : {"zlib", "gzip", "deflate"}, default "zlib"
        Which compressed size to count, as in :func:`textkern.ncd`.
    sep : str or bytes, default ""
        Put between the two texts of a pair.
    metric : {"ncd", "cdm"}, default "ncd"
        The distance, as in :func:`textkern.ncd`.
    symmetric : bool, default True
        Make ``[i, j] == [j, i]`` (the smaller of both orders), as
        :func:`textkern.ncd_matrix` does with ``symmetric=True``.
        ``False`` keeps ``[i, j] = ncd(texts[i], texts[j])``.
    n_threads : int, optional
        C threads; ``None`` uses every CPU (the calling thread alone for a
        small job, which threads would only slow down).
    progress : bool, "auto" or callable, default "auto"
        ``"auto"`` shows a tqdm bar in a notebook or terminal for big
        inputs; ``True`` always (warns once without tqdm); ``False`` never;
        a callable gets ``(done, total)``.

    Returns
    -------
    SimilarityResult
        Renders as a coloured table in Jupyter; ``.to_pandas()``,
        ``.most_similar(k)``, ``.plot()``.

    Raises
    ------
    TypeError
        For a single text, mixed str and bytes, or a non-text item.
    ValueError
        When labels and texts differ in number, or an option is invalid.

    Examples
    --------
    >>> r = compare({"a": "the cat sat on the mat", "b": "the cat sat on a mat",
    ...              "c": "stock prices fell sharply"})
    >>> r.most_similar(1)[0][:2]
    ('a', 'b')
    """
    values, names = _split_texts(texts, labels)
    n = len(values)
    with make_progress(progress, n * n, "compare", unit="pair", min_total=_AUTO_MIN_PAIRS) as bar:
        callback: Optional[Callable[[int, int], Any]] = bar.callback
        matrix = ncd_matrix(values, None, level=level, format=format, sep=sep, metric=metric,
                            symmetric=symmetric, n_threads=n_threads,
                            progress=callback if callback is not None else False)
    options = {"metric": metric, "level": level, "format": format, "sep": sep,
               "symmetric": symmetric}
    return SimilarityResult(matrix, names, options)
