"""Pools that outgrow one process: dask arrays, scored blockwise on the workers.

A query on a :class:`dask.array.Array` pool never brings the pool to the
calling process. Strategies whose score is per sample (tag
``supports_dask_pool``) hand the query template a *pool scorer*: a picklable
callable ``scorer(X_block, block_id) -> scores`` built once in the client
(it holds the fitted learner, and e.g. a bootstrap committee). The scorer is
put in the graph once (one :func:`dask.delayed` key that every block task
depends on, so each worker receives it once), the scores are computed by
``map_blocks`` on the workers, and the ``budget`` best are found by a
distributed reduction: the top ``budget`` of each block, then merges of at
most ``_MERGE_FAN_IN`` partial results. Only ``budget`` indices per block
travel; ties are broken as :func:`~skactive.utils.top_k` does on the whole
array (larger score first, then the smaller index; NaN last), so the picks
equal those of the same pool in memory.

Memory-mapped pools (:class:`numpy.memmap`) need nothing here: they go
through the in-memory path, where scores are computed chunk by chunk
(:func:`~skactive.utils.reduce_class_scores`), so only one chunk of rows is
read and converted at a time.
"""

import sys
import uuid

import numpy as np

from ._selection import top_k
from ._validation import _check_pool_shape, _learner_allows_nan, check_budget

__all__ = ["check_dask_pool", "dask_top_k", "is_dask_array", "query_dask_pool"]

#: Partial top-k results merged per reduction task.
_MERGE_FAN_IN = 8


def is_dask_array(X):
    """Whether ``X`` is a :class:`dask.array.Array` (without importing dask).

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.utils._pools import is_dask_array
    >>> is_dask_array(np.zeros((2, 2)))
    False
    """
    da = sys.modules.get("dask.array")
    return da is not None and isinstance(X, da.Array)


def check_dask_pool(X_pool, learner=None):
    """Validate a dask-array pool without computing it.

    Checks what the shape and dtype tell (known number of rows, not empty,
    numeric, the learner's sample shape); NaN and infinity are checked
    blockwise on the workers when the scores are computed. Chunks are merged
    along every axis but the first, so that each block holds whole samples.

    Returns
    -------
    X_pool : dask.array.Array

    Examples
    --------
    >>> import dask.array as da
    >>> from skactive.utils._pools import check_dask_pool
    >>> check_dask_pool(da.zeros((6, 4), chunks=(2, 2))).chunks
    ((2, 2, 2), (4,))
    """
    if X_pool.ndim < 2:
        raise ValueError(
            f"X_pool must have one sample per row (at least 2-D), got a {X_pool.ndim}-D "
            "dask array."
        )
    if np.isnan(X_pool.shape[0]):
        raise ValueError(
            "X_pool is a dask array with unknown chunk sizes (e.g. after boolean "
            "indexing); call X_pool.compute_chunk_sizes() first."
        )
    if X_pool.shape[0] == 0:
        raise ValueError(
            f"X_pool is empty (shape {X_pool.shape}): there is nothing left to query."
        )
    if X_pool.dtype.kind not in "biuf":
        raise ValueError(
            f"Invalid X_pool: a dask array of numeric dtype is expected, got {X_pool.dtype}."
        )
    _check_pool_shape(X_pool, learner)
    if any(len(c) > 1 for c in X_pool.chunks[1:]):
        X_pool = X_pool.rechunk({axis: -1 for axis in range(1, X_pool.ndim)})
    return X_pool


def _score_block(block, scorer, allow_nan, block_info=None):
    """Scores of one block of rows (runs on a worker)."""
    block = np.asarray(block)
    if not allow_nan and block.dtype.kind == "f":
        with np.errstate(over="ignore", invalid="ignore"):
            finite = np.isfinite(np.sum(block, dtype=np.float64))
        if not finite:
            raise ValueError(
                "Invalid X_pool: Input X_pool contains NaN or infinity (in the rows "
                f"{block_info[0]['array-location'][0] if block_info else '?'} of the "
                "dask array)."
            )
    block_id = block_info[0]["chunk-location"][0] if block_info else 0
    scores = np.asarray(scorer(block, block_id), dtype=np.float64)
    if scores.shape != (block.shape[0],):
        raise RuntimeError(
            f"The pool scorer returned scores of shape {scores.shape} for a block of "
            f"{block.shape[0]} rows."
        )
    return scores


def _block_top_k(scores, offset, k):
    """The ``k`` best of one block: global indices and their sort keys."""
    scores = np.asarray(scores, dtype=np.float64)
    local = top_k(scores, min(k, scores.shape[0]))
    key = scores[local]
    key[np.isnan(key)] = -np.inf
    return local + offset, key


def _merge_top_k(parts, k):
    """Merge partial ``(indices, keys)``: larger key first, then smaller index."""
    idx = np.concatenate([p[0] for p in parts])
    key = np.concatenate([p[1] for p in parts])
    order = np.lexsort((idx, -key))[:k]
    return idx[order], key[order]


def _first(part):
    return part[0]


def dask_top_k(scores, k):
    """Indices of the ``k`` largest entries of a 1-D dask array, as a delayed
    value: per-block top ``k``, then a tree of merges. Same result (ties to
    the smaller index, NaN last) as :func:`~skactive.utils.top_k` on the
    computed array.

    Examples
    --------
    >>> import dask
    >>> import dask.array as da
    >>> import numpy as np
    >>> from skactive.utils._pools import dask_top_k
    >>> s = da.from_array(np.array([0.1, 0.9, 0.5, 0.9, 0.2]), chunks=2)
    >>> dask.compute(dask_top_k(s, 3))[0]
    array([1, 3, 2])
    """
    import dask

    offsets = np.r_[0, np.cumsum(scores.chunks[0])[:-1]]
    parts = [dask.delayed(_block_top_k, pure=True)(block, int(off), int(k))
             for block, off in zip(scores.to_delayed().ravel(), offsets)]
    merge = dask.delayed(_merge_top_k, pure=True)
    while len(parts) > 1:
        parts = [merge(parts[i : i + _MERGE_FAN_IN], int(k))
                 for i in range(0, len(parts), _MERGE_FAN_IN)]
    return dask.delayed(_first, pure=True)(parts[0])


def query_dask_pool(strategy, X_pool, learner, budget, random_state, *, return_scores=False):
    """The query template's path for a dask-array pool.

    Parameters
    ----------
    strategy : BaseQueryStrategy
        Must declare ``supports_dask_pool`` and implement
        ``_pool_scorer(learner, random_state)``, or
        ``_query_n_pool(n_pool, budget, random_state)`` when the selection
        depends on the number of rows only (then no block is computed).
    X_pool : dask.array.Array of shape (n_pool, ...)
    learner : fitted estimator
    budget : int
    random_state : numpy.random.RandomState
    return_scores : bool, default=False

    Returns
    -------
    indices : ndarray of shape (budget,)
        Computed (in the active dask scheduler: a ``distributed.Client`` if
        one is running).
    scores : dask.array.Array of shape (n_pool,)
        Only with ``return_scores=True``; lazy (computing it scores the pool
        again; persist it to keep it on the workers).
    """
    import dask

    name = type(strategy).__name__
    if not (strategy.__query_tags__().supports_dask_pool
            and (hasattr(strategy, "_pool_scorer") or hasattr(strategy, "_query_n_pool"))):
        raise ValueError(
            f"{name} needs the whole pool in memory (it does not score samples one "
            "by one: tag supports_dask_pool=False), but X_pool is a dask array. "
            "Pass an in-memory array or an np.memmap (e.g. X_pool.compute() if it "
            "fits), or use a strategy that scores dask pools on the workers "
            "(RandomSampling, Entropy, Margin, LeastConfidence, VarRatio, Alamp, BALD, "
            "EntropyDropout, MarginDropout, LeastConfidenceDropout, MeanSTD, "
            "QueryByCommittee)."
        )
    X_pool = check_dask_pool(X_pool, learner)
    n_pool = X_pool.shape[0]
    budget = check_budget(budget, n_pool)
    if hasattr(strategy, "_query_n_pool"):
        # the selection needs only the number of rows (RandomSampling): no
        # block is read, the picks are those of the in-memory pool
        indices, scores = strategy._query_n_pool(n_pool, budget, random_state)
        indices = strategy._check_indices(indices, budget, n_pool)
        if return_scores:
            import dask.array as da

            return indices, da.from_array(np.asarray(scores, dtype=np.float64),
                                          chunks=(X_pool.chunks[0],))
        return indices
    scorer = strategy._pool_scorer(learner, random_state)
    # one graph key holds the scorer (and the fitted learner it carries)
    scorer = dask.delayed(scorer, pure=False, traverse=False,
                          name=f"skactive-scorer-{uuid.uuid4().hex}")
    scores = X_pool.map_blocks(
        _score_block, scorer, _learner_allows_nan(learner),
        drop_axis=list(range(1, X_pool.ndim)), dtype=np.float64,
        meta=np.empty((0,), dtype=np.float64),
    )
    (indices,) = dask.compute(dask_top_k(scores, budget))
    indices = strategy._check_indices(indices, budget, n_pool)
    if return_scores:
        return indices, scores
    return indices
