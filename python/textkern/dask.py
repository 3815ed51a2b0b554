"""Scale textkern out with Dask: counts over a bag, NCD and neighbours by blocks.

Install with ``pip install textkern[dask]``.  The same code runs on a
laptop's threads, a ``LocalCluster`` or a multi-machine cluster: connect a
``dask.distributed.Client`` first and every ``compute()`` uses it.  Each
task calls textkern's C core, which releases the GIL and uses ``n_threads``
C threads inside the worker (``None``: all of the worker machine's cores;
pass ``n_threads=1`` when a machine runs one single-threaded worker per
core).

Results are exactly those of the single-process functions:

* :func:`count_bag` equals ``textkern.count(all_documents, ...)``,
  including the order of first appearance, because partitions are merged
  in order and ``Counts.update`` appends the new terms of the right side;
* :func:`ncd_matrix_blocks` equals ``textkern.ncd_matrix`` element for
  element (each entry depends only on its two texts);
* :func:`nearest_blocks` equals ``textkern.nearest`` (each query block sees
  the whole corpus).

Examples
--------
>>> import dask.bag as db
>>> from textkern.dask import count_bag
>>> bag = db.from_sequence(["the cat sat", "the dog ran"], npartitions=2)
>>> count_bag(bag).most_common(1)
[('the', 2)]
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ._counting import Counts, count
from ._similarity import _check_texts, _checked_texts, _text_kind, ncd_matrix, nearest

__all__ = ["count_bag", "count_partition", "merge_counts", "ncd_matrix_blocks",
           "nearest_blocks"]

_EXTRA = "pip install textkern[dask]"


def _dask_bag() -> Any:
    try:
        import dask.bag
    except ImportError:
        raise ImportError(f"textkern.dask needs dask with bags: {_EXTRA}") from None
    return dask.bag


def _dask_array() -> Any:
    try:
        import dask
        import dask.array
    except ImportError:
        raise ImportError(f"textkern.dask needs dask with arrays: {_EXTRA}") from None
    return dask


def count_partition(documents: Any, **count_options: Any) -> Counts:
    """Count one partition: ``textkern.count(list(documents), **count_options)``.

    A module-level function (not a closure) so that it pickles by reference.
    Without bars: a partition's bar (``count``'s default ``"auto"``) would
    show one of many parts, each with its own total, interleaved with the
    others on threaded schedulers.

    Parameters
    ----------
    documents : iterable of str or bytes
        The documents of one partition.
    **count_options
        Options of :func:`textkern.count`; ``progress`` is False unless given.

    Returns
    -------
    Counts
        The partition's counts.
    """
    count_options.setdefault("progress", False)
    return count(list(documents), **count_options)


def _count_numbered_partition(documents: Any, numbers: Any, **count_options: Any) -> List[Counts]:
    """count_partition for partition ``numbers[0]``: a bad document's error
    names that partition, since the index the core gives counts from the
    partition's start."""
    try:
        return [count_partition(documents, **count_options)]
    except (TypeError, ValueError) as error:
        if not str(error).startswith("item "):
            raise
        partition = list(numbers)[0]
        raise type(error)(f"partition {partition}, {error}") from None


def _frozen_options(options: Dict[str, Any]) -> Dict[str, Any]:
    """Options with one-shot iterators read into tuples, once: every
    partition (and every worker they are pickled to) must see them all."""
    return {name: tuple(value) if name in ("stopwords", "kinds") and value is not None
            and not isinstance(value, (str, bytes)) else value
            for name, value in options.items()}


def merge_counts(parts: Any) -> Counts:
    """Sum Counts in order; the order of first appearance follows the parts' order.

    Parameters
    ----------
    parts : iterable of Counts
        The counts to add up.

    Returns
    -------
    Counts
        A new Counts holding the sum.
    """
    total = Counts()
    for part in parts:
        total.update(part)
    return total


def count_bag(bag: Any, *, split_every: Optional[int] = None, compute: bool = True,
              **count_options: Any) -> Any:
    """Count the terms of a ``dask.bag`` of documents.

    Each partition is counted by :func:`textkern.count` on a worker; the
    per-partition :class:`~textkern.Counts` are merged by a tree reduction
    (``Bag.reduction``) in partition order, so only Counts travel between
    workers.

    Parameters
    ----------
    bag : dask.bag.Bag
        A bag of documents (str or bytes).
    split_every : int, optional
        Fan-in of the reduction tree (dask's default when ``None``).
    compute : bool, default True
        ``False`` returns the lazy ``dask.bag.Item`` instead of the Counts.
    **count_options
        ``ngram_range``, ``analyzer``, ``n_threads`` and tokenize options,
        as in :func:`textkern.count`.

    Returns
    -------
    Counts, or dask.bag.Item with ``compute=False``
        Equal to ``textkern.count(list_of_all_documents, **count_options)``,
        with the same order of first appearance.

    Raises
    ------
    TypeError
        If ``bag`` is not a ``dask.bag.Bag`` (use ``dask.bag.from_sequence``),
        or for ``progress=`` (a bar per partition; use dask's own).
    ImportError
        Without dask (``pip install textkern[dask]``).

    Examples
    --------
    >>> import dask.bag as db
    >>> bag = db.from_sequence(["a b", "b c", "c d"], npartitions=3)
    >>> count_bag(bag, ngram_range=(1, 2))["b c"]
    1
    """
    bag_module = _dask_bag()
    if not isinstance(bag, bag_module.Bag):
        raise TypeError(f"count_bag() needs a dask.bag.Bag, not {type(bag).__name__}; "
                        "wrap documents with dask.bag.from_sequence(docs, npartitions=...)")
    if "progress" in count_options:
        raise TypeError("progress is not supported per partition; use dask's own "
                        "(dask.diagnostics.ProgressBar or the distributed dashboard)")
    numbers = bag_module.from_sequence(range(bag.npartitions), npartitions=bag.npartitions)
    counted = bag.map_partitions(_count_numbered_partition, numbers,
                                 **_frozen_options(count_options))
    item = counted.reduction(merge_counts, merge_counts, split_every=split_every,
                             name="textkern-count")
    return item.compute() if compute else item


def _text_list(texts: Any, name: str) -> List[Any]:
    if isinstance(texts, (str, bytes, bytearray, memoryview)):
        raise TypeError(f"{name} must be a sequence of texts, not a single {type(texts).__name__}")
    try:
        return list(texts)
    except TypeError:
        raise TypeError(f"{name} must be a sequence of str or bytes, "
                        f"not {type(texts).__name__}") from None


def _text_blocks(texts: Any, name: str, block: int) -> List[List[Any]]:
    if isinstance(block, bool) or not isinstance(block, (int, np.integer)):
        raise TypeError(f"block must be a positive int, not {type(block).__name__} {block!r}")
    if block < 1:
        raise ValueError(f"block must be a positive int, not {block!r}")
    # Checked here, where the index is the user's: a task would name its
    # position within one block (and the blocks of xs as "ys").
    values = _checked_texts(_text_list(texts, name), name)
    return [values[i:i + block] for i in range(0, len(values), block)]


def _symmetric_pair(x_block: List[Any], y_block: List[Any], options: Dict[str, Any]) -> np.ndarray:
    # symmetric=True gives min(ncd(x, y), ncd(y, x)) for each pair: both
    # orders, exactly as ncd_matrix computes them.
    forward = ncd_matrix(x_block, y_block, **options)
    backward = ncd_matrix(y_block, x_block, **options)
    closer: np.ndarray = np.minimum(forward, backward.T)
    return closer


def _diagonal(x_block: List[Any], options: Dict[str, Any]) -> np.ndarray:
    return ncd_matrix(x_block, None, symmetric=True, **options)


def ncd_matrix_blocks(xs: Sequence[Any], ys: Optional[Sequence[Any]] = None, *, block: int = 256,
                      symmetric: bool = False, **ncd_options: Any) -> Any:
    """:func:`textkern.ncd_matrix` as a lazy dask array of row x column blocks.

    Each block of ``block`` rows and ``block`` columns is one task that runs
    ``ncd_matrix`` on its texts; each block of texts enters the task graph
    once and is shared by all the tasks that need it.

    Parameters
    ----------
    xs : sequence of str or bytes
        Row texts.
    ys : sequence of str or bytes, optional
        Column texts; ``None`` compares ``xs`` with itself.
    block : int, default 256
        Texts per block along each axis.
    symmetric : bool, default False
        As in :func:`textkern.ncd_matrix` (only with ``ys=None``): off-diagonal
        blocks are computed once and mirrored.
    **ncd_options
        ``level``, ``format``, ``sep``, ``metric``, ``n_threads``.

    Returns
    -------
    dask.array.Array
        float64 of shape ``(len(xs), len(ys))``; ``.compute()`` equals
        ``textkern.ncd_matrix(xs, ys, ...)``.

    Raises
    ------
    TypeError
        For a single text or a non-iterable instead of a sequence of texts.
    ValueError
        For ``block < 1``, or ``symmetric=True`` with ``ys``.

    Examples
    --------
    >>> m = ncd_matrix_blocks(["a b c", "a b d", "x y z"], block=2)
    >>> m.compute().shape
    (3, 3)
    """
    dask = _dask_array()
    da = dask.array
    if "progress" in ncd_options:
        raise TypeError("progress is not supported per block; use dask's own "
                        "(dask.diagnostics.ProgressBar or the distributed dashboard)")
    if symmetric and ys is not None:
        raise ValueError("symmetric=True compares xs with itself: pass ys=None")
    row_blocks = _text_blocks(xs, "xs", block)
    col_blocks = row_blocks if ys is None else _text_blocks(ys, "ys", block)
    if ys is not None and row_blocks:
        _check_texts([t for b in col_blocks for t in b], "ys", _text_kind(row_blocks[0][0]),
                     "the other texts")
    n_rows = sum(map(len, row_blocks))
    n_cols = sum(map(len, col_blocks))
    if not row_blocks or not col_blocks:
        return da.zeros((n_rows, n_cols), dtype=np.float64, chunks=max(block, 1))
    delayed = dask.delayed
    rows_d = [delayed(b, pure=True, traverse=False) for b in row_blocks]
    cols_d = rows_d if ys is None else [delayed(b, pure=True, traverse=False) for b in col_blocks]
    run = delayed(ncd_matrix, pure=True)
    grid: List[List[Any]] = [[None] * len(col_blocks) for _ in row_blocks]
    for i, x_block in enumerate(row_blocks):
        for j, y_block in enumerate(col_blocks):
            shape = (len(x_block), len(y_block))
            if symmetric:
                if j < i:
                    grid[i][j] = grid[j][i].T
                    continue
                if i == j:
                    task = delayed(_diagonal, pure=True)(rows_d[i], ncd_options)
                else:
                    task = delayed(_symmetric_pair, pure=True)(rows_d[i], rows_d[j], ncd_options)
            else:
                task = run(rows_d[i], cols_d[j], **ncd_options)
            grid[i][j] = da.from_delayed(task, shape=shape, dtype=np.float64)
    return da.block(grid)


def _nearest_block(query_block: List[Any], corpus: List[Any], k: int,
                   options: Dict[str, Any]) -> Tuple[np.ndarray, np.ndarray]:
    return nearest(query_block, corpus, k, **options)


def nearest_blocks(queries: Sequence[Any], corpus: Sequence[Any], k: int = 5, *,
                   block: int = 1024, **ncd_options: Any) -> Tuple[Any, Any]:
    """:func:`textkern.nearest`, one task per block of queries.

    The corpus enters the task graph once and is shared by every task (on
    a distributed cluster it is sent once to each worker that needs it).

    Parameters
    ----------
    queries : sequence of str or bytes
        Query texts: all str or all bytes-like, as in :func:`textkern.nearest`.
    corpus : sequence of str or bytes
        The texts to search, of the same kind as the queries.
    k : int, default 5
        Neighbours per query, 1 to ``len(corpus)``.
    block : int, default 1024
        Queries per task.
    **ncd_options
        ``level``, ``format``, ``sep``, ``metric``, ``n_threads``.

    Returns
    -------
    indices : dask.array.Array
        Corpus indices (int64), shape ``(len(queries), k)``.
    distances : dask.array.Array
        Distances (float64), shape ``(len(queries), k)``.  Computing both
        (``dask.compute(indices, distances)``) equals
        ``textkern.nearest(queries, corpus, k, ...)``.

    Raises
    ------
    TypeError
        For a single text or a non-iterable instead of texts.
    ValueError
        If ``k`` is not between 1 and ``len(corpus)``.

    Examples
    --------
    >>> import dask
    >>> idx, dist = nearest_blocks(["the cat"], ["a dog", "the cat sat"], k=1)
    >>> int(dask.compute(idx)[0][0, 0])
    1
    """
    dask = _dask_array()
    da = dask.array
    if "progress" in ncd_options:
        raise TypeError("progress is not supported per block; use dask's own "
                        "(dask.diagnostics.ProgressBar or the distributed dashboard)")
    query_blocks = _text_blocks(queries, "queries", block)
    corpus_list = _checked_texts(_text_list(corpus, "corpus"), "corpus")
    if query_blocks and corpus_list:
        _check_texts(corpus_list, "corpus", _text_kind(query_blocks[0][0]), "the other texts")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"k must be an int, not {type(k).__name__}")
    if not 1 <= k <= len(corpus_list):
        raise ValueError(f"k must be between 1 and len(corpus) = {len(corpus_list)}, not {k}")
    k = int(k)
    if not query_blocks:
        return (da.zeros((0, k), dtype=np.int64, chunks=(1, k)),
                da.zeros((0, k), dtype=np.float64, chunks=(1, k)))
    corpus_d = dask.delayed(corpus_list, pure=True, traverse=False)
    index_parts, distance_parts = [], []
    for query_block in query_blocks:
        task = dask.delayed(_nearest_block, pure=True, nout=2)(
            dask.delayed(query_block, pure=True, traverse=False), corpus_d, k, ncd_options)
        shape = (len(query_block), k)
        index_parts.append(da.from_delayed(task[0], shape=shape, dtype=np.int64))
        distance_parts.append(da.from_delayed(task[1], shape=shape, dtype=np.float64))
    return da.concatenate(index_parts, axis=0), da.concatenate(distance_parts, axis=0)
