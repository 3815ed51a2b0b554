"""Plots for term counts and compression distances (matplotlib).

Install with ``pip install textkern[plot]`` (matplotlib and scipy).  Every
function draws on ``ax`` when given, else on a new figure, and returns the
matplotlib ``Axes`` so that you can adjust it or ``ax.figure.savefig(...)``.
"""
from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np
import numpy.typing as npt

from ._compare import SimilarityResult

__all__ = ["top_terms", "similarity", "dendrogram", "linkage"]

_EXTRA = "pip install textkern[plot]"

# Fallback fonts per script that matplotlib's default (DejaVu Sans) lacks:
# the first installed one of each script in the labels is added, so that
# Korean, Japanese, Chinese, Hindi or Thai labels do not render as empty
# boxes (matplotlib >= 3.6 falls back glyph by glyph).  Latin, Greek,
# Cyrillic, Hebrew and Arabic letters are in DejaVu Sans already.
_CJK_FONTS = ("Noto Sans CJK KR", "Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans KR",
              "NanumGothic", "Source Han Sans", "WenQuanYi Zen Hei", "Droid Sans Fallback",
              "Malgun Gothic", "AppleGothic", "Apple SD Gothic Neo", "MS Gothic")
_SCRIPT_FONTS = (
    # (first code point, last code point, fonts to try)
    (0x0900, 0x097F, ("Noto Sans Devanagari", "Lohit Devanagari", "Kohinoor Devanagari",
                      "Nirmala UI", "Mangal", "FreeSans")),
    (0x0980, 0x09FF, ("Noto Sans Bengali", "Lohit Bengali", "Kohinoor Bangla",
                      "Nirmala UI", "Vrinda", "FreeSans")),
    (0x0B80, 0x0BFF, ("Noto Sans Tamil", "Lohit Tamil", "Tamil Sangam MN", "Nirmala UI",
                      "Latha", "FreeSans")),
    (0x0E00, 0x0E7F, ("Noto Sans Thai", "Loma", "Thonburi", "Leelawadee UI", "Tahoma",
                      "FreeSerif")),
    (0x1100, 0x11FF, _CJK_FONTS),
    (0x2E80, 0x9FFF, _CJK_FONTS),
    (0xAC00, 0xD7AF, _CJK_FONTS),
    (0xF900, 0xFAFF, _CJK_FONTS),
    (0xFF00, 0xFFEF, _CJK_FONTS),
    (0x20000, 0x3FFFF, _CJK_FONTS),
)


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(f"textkern.plot needs matplotlib: {_EXTRA}") from None
    return plt


def _hierarchy() -> Any:
    try:
        import scipy.cluster.hierarchy as hierarchy  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        raise ImportError(f"clustering for textkern.plot needs scipy: {_EXTRA}") from None
    return hierarchy


def _axes(ax: Any, figsize: Tuple[float, float]) -> Any:
    if ax is not None:
        return ax
    plt = _pyplot()
    _fig, new_ax = plt.subplots(figsize=figsize)
    return new_ax


def _font_family(labels: Sequence[str]) -> Optional[List[str]]:
    """A family list with fallbacks for the scripts the labels need, if installed."""
    wanted: List[Tuple[str, ...]] = []
    for ch in {ch for label in labels for ch in label if ord(ch) >= 0x0900}:
        code = ord(ch)
        for first, last, fonts in _SCRIPT_FONTS:
            if first <= code <= last and fonts not in wanted:
                wanted.append(fonts)
    if not wanted:
        return None
    from matplotlib import font_manager, rcParams
    installed = {f.name for f in font_manager.fontManager.ttflist}
    # In _SCRIPT_FONTS order, so that the family does not depend on set order.
    fallback: List[str] = []
    for _first, _last, fonts in _SCRIPT_FONTS:
        if fonts in wanted:
            found = next((name for name in fonts if name in installed), None)
            if found is not None and found not in fallback:
                fallback.append(found)
    if not fallback:
        return None
    return list(rcParams["font.sans-serif"][:1]) + fallback


def _label_font(ticks: Any, labels: Sequence[str]) -> None:
    family = _font_family(labels)
    if family:
        for tick in ticks:
            tick.set_fontfamily(family)


def _plain(labels: Sequence[str]) -> List[str]:
    """Labels as plain text: matplotlib reads "$...$" as math, so a term or
    title with two dollar signs lost them (or failed to draw at all)."""
    return [label.replace("$", r"\$") for label in labels]


def _is_pandas(obj: Any, name: str) -> bool:
    """Whether obj is a pandas Series or DataFrame (without importing pandas)."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(obj, getattr(pandas, name))


def _top_items(counts: Any, k: int) -> List[Tuple[str, float]]:
    if isinstance(counts, (str, bytes)):
        raise TypeError("counts must be Counts, a mapping, a pandas Series or (term, count) "
                        f"pairs, not a single {type(counts).__name__}")
    # A Series first: pandas reads index labels as attributes, so a Series
    # of counts with the term "most_common" has a most_common (a number).
    if _is_pandas(counts, "Series"):
        top = counts.sort_values(ascending=False, kind="stable").iloc[:k]
        return [(str(t), float(c)) for t, c in top.items()]
    if callable(getattr(counts, "most_common", None)):
        return [(str(t), float(c)) for t, c in counts.most_common(k)]
    if isinstance(counts, Mapping):
        pairs = list(counts.items())
    else:
        try:
            pairs = [(term, count) for term, count in counts]
        except (TypeError, ValueError):
            raise TypeError("counts must be Counts, a mapping, a pandas Series or (term, count) "
                            f"pairs, not {type(counts).__name__} of other items") from None
    order = sorted(range(len(pairs)), key=lambda i: -pairs[i][1])   # stable: ties keep order
    return [(str(pairs[i][0]), float(pairs[i][1])) for i in order[:k]]


def top_terms(counts: Any, k: int = 20, ax: Any = None, *, color: str = "#4c78a8",
              title: Optional[str] = None) -> Any:
    """Horizontal bar chart of the ``k`` most frequent terms.

    Parameters
    ----------
    counts : Counts, mapping, pandas Series or iterable of (term, count)
        For example the result of :func:`textkern.count`.
    k : int, default 20
        Number of terms, most frequent on top.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.
    color : str, default "#4c78a8"
        Bar colour.
    title : str, optional
        Axes title; by default "Top k terms".

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    ImportError
        Without matplotlib (``pip install textkern[plot]``).
    TypeError
        If ``counts`` is not one of those, or ``k`` is not an int.
    ValueError
        If ``k`` is not positive.

    Examples
    --------
    >>> import textkern, textkern.plot
    >>> ax = textkern.plot.top_terms(textkern.count(textkern.sample_texts()), k=10)
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"k must be a positive int, not {type(k).__name__} {k!r}")
    if k < 1:
        raise ValueError(f"k must be a positive int, not {k!r}")
    _pyplot()
    items = _top_items(counts, int(k))
    ax = _axes(ax, (6.0, max(2.0, 0.28 * len(items) + 1.0)))
    terms = [t for t, _ in items][::-1]
    values = [c for _, c in items][::-1]
    positions = np.arange(len(items))
    ax.barh(positions, values, color=color)
    ax.set_yticks(positions)
    ax.set_yticklabels(_plain(terms))
    _label_font(ax.get_yticklabels(), terms)
    ax.set_xlabel("count")
    ax.set_title(title if title is not None else f"Top {len(items)} terms")
    ax.margins(y=0.01)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def _matrix_and_labels(matrix_or_result: Any, labels: Optional[Sequence[Any]]
                       ) -> Tuple[np.ndarray, List[str]]:
    # Types, not attributes: a DataFrame's columns are attributes too (texts
    # labelled "matrix" and "labels" looked like a SimilarityResult).
    if isinstance(matrix_or_result, SimilarityResult):
        matrix = np.asarray(matrix_or_result.matrix, dtype=np.float64)
        names = list(matrix_or_result.labels) if labels is None else [str(x) for x in labels]
    elif _is_pandas(matrix_or_result, "DataFrame"):
        matrix = np.asarray(matrix_or_result.to_numpy(), dtype=np.float64)   # a DataFrame
        names = ([str(x) for x in matrix_or_result.index] if labels is None
                 else [str(x) for x in labels])
    else:
        matrix = np.asarray(matrix_or_result, dtype=np.float64)
        names = ([str(i) for i in range(matrix.shape[0])] if labels is None and matrix.ndim == 2
                 else [str(x) for x in ([] if labels is None else labels)])
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"need a square distance matrix, got shape {matrix.shape}")
    if len(names) != matrix.shape[0]:
        raise ValueError(f"{len(names)} labels for a {matrix.shape[0]} x {matrix.shape[0]} matrix")
    return matrix, names


def _condensed(matrix: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """scipy's condensed form of a distance matrix made symmetric by the pairwise minimum."""
    sym = np.minimum(matrix, matrix.T)
    rows, cols = np.triu_indices(matrix.shape[0], k=1)
    condensed: npt.NDArray[np.float64] = np.clip(sym[rows, cols], 0.0, None)
    return condensed


def linkage(matrix_or_result: Any, method: str = "average") -> npt.NDArray[np.float64]:
    """Compute the scipy linkage of the texts, from the symmetrized condensed distances.

    Parameters
    ----------
    matrix_or_result : SimilarityResult or square array
        Distances; non-symmetric matrices use the smaller of ``[i, j]`` and
        ``[j, i]``.
    method : str, default "average"
        Any of :func:`scipy.cluster.hierarchy.linkage`'s methods that take
        arbitrary distances ("single", "complete", "average", "weighted").

    Returns
    -------
    numpy.ndarray
        The linkage matrix.

    Raises
    ------
    ValueError
        For fewer than two texts.
    """
    matrix, _ = _matrix_and_labels(matrix_or_result, None)
    if matrix.shape[0] < 2:
        raise ValueError("clustering needs at least two texts")
    return np.asarray(_hierarchy().linkage(_condensed(matrix), method=method), dtype=np.float64)


def similarity(matrix_or_result: Any, labels: Optional[Sequence[Any]] = None, ax: Any = None, *,
               order: str = "cluster", method: str = "average", cmap: str = "viridis",
               annotate: Optional[bool] = None, colorbar: bool = True,
               title: Optional[str] = None) -> Any:
    """Heatmap of a distance matrix, rows and columns ordered by clustering.

    Parameters
    ----------
    matrix_or_result : SimilarityResult, pandas DataFrame or square array
        For example ``textkern.compare(texts)`` or ``textkern.ncd_matrix(texts)``.
    labels : sequence, optional
        Row/column labels; taken from the result or DataFrame by default.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.
    order : {"cluster", "input"}, default "cluster"
        ``"cluster"`` orders by the leaves of a hierarchical clustering
        (scipy ``linkage`` on the symmetrized condensed distances) so that
        similar texts sit together; ``"input"`` keeps the given order.
    method : str, default "average"
        Linkage method.
    cmap : str, default "viridis"
        Colormap; dark cells are close texts.
    annotate : bool, optional
        Write the values in the cells; by default for up to 12 texts.
    colorbar : bool, default True
        Draw a colour bar, labelled "distance", beside the heatmap.
    title : str, optional
        Axes title; by default the metric of a result's ``options`` ("NCD"
        otherwise), with " (clustered)" when the rows were reordered.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    ImportError
        Without matplotlib, or without scipy for ``order="cluster"``
        (``pip install textkern[plot]``).
    ValueError
        For a non-square matrix or a wrong number of labels.
    """
    if order not in ("cluster", "input"):
        raise ValueError(f"order must be 'cluster' or 'input', not {order!r}")
    _pyplot()
    matrix, names = _matrix_and_labels(matrix_or_result, labels)
    n = matrix.shape[0]
    if order == "cluster" and n > 2:
        leaves = _hierarchy().leaves_list(linkage(matrix, method))
        matrix = matrix[np.ix_(leaves, leaves)]
        names = [names[i] for i in leaves]
    ax = _axes(ax, (1.0 + 0.45 * max(n, 4), 0.5 + 0.45 * max(n, 4)))
    # Scale colours to the off-diagonal range: self-distances near 0 would
    # otherwise squeeze every real pair into a sliver of the colormap.
    off = matrix[~np.eye(n, dtype=bool)] if n > 1 else matrix.ravel()
    off = off[np.isfinite(off)]
    vmin = float(off.min()) if off.size else None
    vmax = float(off.max()) if off.size else None
    if vmin is not None and vmax is not None and vmax <= vmin:
        vmin, vmax = vmin - 0.5, vmax + 0.5
    image = ax.imshow(matrix, cmap=cmap, interpolation="nearest", vmin=vmin, vmax=vmax)
    ax.set_xticks(np.arange(n))
    ax.set_yticks(np.arange(n))
    ax.set_xticklabels(_plain(names), rotation=90)
    ax.set_yticklabels(_plain(names))
    _label_font(list(ax.get_xticklabels()) + list(ax.get_yticklabels()), names)
    if annotate is None:
        annotate = n <= 12
    if annotate and n:
        middle = (vmin + vmax) / 2 if vmin is not None and vmax is not None else 0.5
        for i in range(n):
            for j in range(n):
                value = matrix[i, j]
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if value < middle else "black")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="distance")
    if title is None:
        options = (matrix_or_result.options or {}
                   if isinstance(matrix_or_result, SimilarityResult) else {})
        title = str(options.get("metric", "ncd")).upper() + (
            " (clustered)" if order == "cluster" and n > 2 else "")
    ax.set_title(title)
    return ax


def dendrogram(result: Any, ax: Any = None, *, labels: Optional[Sequence[Any]] = None,
               method: str = "average", orientation: str = "left",
               title: Optional[str] = None) -> Any:
    """Dendrogram of a hierarchical clustering on compression distances.

    Parameters
    ----------
    result : SimilarityResult, pandas DataFrame or square array
        Distances; non-symmetric matrices use the smaller of ``[i, j]`` and
        ``[j, i]``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.
    labels : sequence, optional
        Leaf labels; taken from ``result`` by default.
    method : str, default "average"
        The scipy linkage method.
    orientation : {"left", "right", "top", "bottom"}, default "left"
        Where the root is drawn; ``"left"`` keeps long labels readable.
    title : str, optional
        Axes title; by default "Clustering (method linkage)".

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    ImportError
        Without matplotlib or scipy (``pip install textkern[plot]``).
    ValueError
        For fewer than two texts.
    """
    _pyplot()
    hierarchy = _hierarchy()
    matrix, names = _matrix_and_labels(result, labels)
    tree = linkage(matrix, method)
    n = matrix.shape[0]
    size = (7.0, max(2.5, 0.35 * n + 1.0)) if orientation in ("left", "right") \
        else (max(4.0, 0.45 * n + 1.0), 4.0)
    ax = _axes(ax, size)
    hierarchy.dendrogram(tree, labels=_plain(names), ax=ax, orientation=orientation,
                         color_threshold=None, above_threshold_color="#4c78a8")
    ticks = ax.get_yticklabels() if orientation in ("left", "right") else ax.get_xticklabels()
    _label_font(ticks, names)
    ax.set_title(title if title is not None else f"Clustering ({method} linkage)")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax
