"""Turning scores into ranked, duplicate-free selections."""

import numpy as np

__all__ = ["top_k", "round_robin_by_group"]


def top_k(scores, k):
    """Indices of the ``k`` largest scores, best first.

    NaN scores rank last. Ties are broken by the smaller index, so the result
    is deterministic. Runs in ``O(n + k log k)`` with :func:`numpy.argpartition`.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.utils import top_k
    >>> top_k(np.array([0.1, 0.9, 0.5, 0.9]), 3)
    array([1, 3, 2])
    """
    scores = np.asarray(scores, dtype=float)
    n = scores.shape[0]
    key = np.where(np.isnan(scores), -np.inf, scores)
    if k < n:
        part = np.argpartition(-key, k - 1)[:k]
        # include every index tied with the k-th value so that ties go to the
        # smallest indices, not to argpartition's arbitrary choice
        kth = key[part].min()
        part = np.flatnonzero(key >= kth)
    else:
        part = np.arange(n)
    order = np.lexsort((part, -key[part]))
    return part[order][:k].astype(np.intp)


def round_robin_by_group(order, groups, k):
    """Diversify a ranking by taking one item per group in turns.

    This is Algorithm 1 of the alamp paper (Aggarwal et al.): walk the ranked
    list repeatedly; in each pass take the first not-yet-taken item of every
    group not seen yet in that pass. Equivalently, item ``i`` is taken in pass
    ``r_i`` (its rank inside its group) and within a pass items keep their
    global order, so the selection is ``order`` sorted by ``(r_i, position)``.

    Parameters
    ----------
    order : ndarray of shape (n,)
        Indices sorted best first.
    groups : ndarray of shape (n_pool,)
        Group label (pseudo-class) of each index.
    k : int
        Number of items to return.

    Returns
    -------
    selected : ndarray of shape (k,)

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.utils import round_robin_by_group
    >>> groups = np.array(["a", "a", "b", "a", "b", "c"])
    >>> round_robin_by_group(np.arange(6), groups, 5)
    array([0, 2, 5, 1, 4])
    """
    order = np.asarray(order)
    g = np.asarray(groups)[order]
    _, codes = np.unique(g, return_inverse=True)
    codes = codes.ravel()
    # rank of each item inside its group, following the global order
    by_group = np.argsort(codes, kind="stable")
    sorted_codes = codes[by_group]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_codes)) + 1]
    run_lengths = np.diff(np.r_[starts, len(codes)])
    rank_sorted = np.arange(len(codes)) - np.repeat(starts, run_lengths)
    rank = np.empty_like(rank_sorted)
    rank[by_group] = rank_sorted
    picked = np.lexsort((np.arange(len(order)), rank))[:k]
    return order[picked].astype(np.intp)
