"""ProbCover: greedy maximum coverage of delta-balls (cold start).

Reference implementation: github avihu111/TypiClust,
``deep-al/pycls/al/prob_cover.py`` at commit
4097a71c348f60492ab22be0c4c9da224e637af6 (read line by line; the code here is
written from scratch). The reference takes ``delta`` as a setting; the
purity-based choice of ``delta`` follows the paper (section 4.2).
"""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import BaseQueryStrategy, QueryStrategyTags
from ._typiclust import cold_start_embeddings

__all__ = ["ProbCover", "ball_graph", "max_coverage_greedy", "purity_delta"]

#: Pools larger than this are compared in float32 (twice as fast; a pair at
#: a distance within float32 rounding of ``delta`` may fall on either side).
_FLOAT32_ABOVE = 20_000
_CHUNK_BYTES = 128 * 2**20


def _dtype(n):
    return np.float32 if n > _FLOAT32_ABOVE else np.float64


def _row_chunks(n_rows, n_cols, itemsize):
    step = max(1, int(_CHUNK_BYTES // max(1, n_cols * itemsize)))
    for start in range(0, n_rows, step):
        yield start, min(n_rows, start + step)


def nearest_impure_distance(Z, pseudo_labels, rows=None):
    """Distance from each of ``Z[rows]`` to the nearest point of another
    pseudo-label.

    A ball :math:`B_\\delta(x) = \\{x' : \\|x - x'\\| < \\delta\\}` is *pure*
    (all its points share ``x``'s pseudo-label) exactly when ``delta`` is at
    most this distance. Computed in row chunks against all points (columns
    grouped by label, one minimum per label block); never an ``n x n``
    matrix. ``inf`` when there is a single label.
    """
    Z = np.asarray(Z)
    n = Z.shape[0]
    rows = np.arange(n) if rows is None else np.asarray(rows)
    dtype = _dtype(n)
    mean = Z.mean(axis=0)
    order = np.argsort(pseudo_labels, kind="stable")
    Zs = (Z[order] - mean).astype(dtype)
    ls = pseudo_labels[order]
    uniq, starts = np.unique(ls, return_index=True)
    bounds = np.r_[starts, n]
    sq = np.einsum("ij,ij->i", Zs, Zs)
    R = (Z[rows] - mean).astype(dtype)
    sq_r = np.einsum("ij,ij->i", R, R)
    lab_r = np.searchsorted(uniq, pseudo_labels[rows])
    out = np.empty(rows.shape[0])
    for a, b in _row_chunks(rows.shape[0], n, np.dtype(dtype).itemsize):
        G = (-2.0 * R[a:b]) @ Zs.T
        G += sq
        M = np.column_stack(
            [G[:, bounds[k] : bounds[k + 1]].min(axis=1) for k in range(uniq.size)]
        ).astype(np.float64)
        M += sq_r[a:b, None]
        M[np.arange(b - a), lab_r[a:b]] = np.inf
        out[a:b] = np.sqrt(np.maximum(M.min(axis=1), 0.0))
    return out


def purity_delta(impure_distances, alpha=0.95, deltas=None):
    r"""The largest ``delta`` whose ball purity is at least ``alpha``.

    Purity (Yehuda et al. 2022, section 4.2) is
    :math:`\pi(\delta) = P(\{x : B_\delta(x) \text{ is pure}\})`, the share of
    points whose ``delta``-ball holds one pseudo-label. With open balls,
    ``B_delta(x)`` is pure iff ``delta <= d_imp(x)`` (the distance to the
    nearest point of another label), so :math:`\pi(\delta)` is the share of
    ``d_imp >= delta``, non-increasing in ``delta``.

    Parameters
    ----------
    impure_distances : ndarray of shape (n,)
        ``d_imp`` of each point (:func:`nearest_impure_distance`).
    alpha : float, default=0.95
    deltas : array-like, default=None
        ``None``: the exact maximiser over all ``delta`` (no grid): the
        ``ceil(alpha * n)``-th largest ``d_imp``. An array: the largest grid
        value with purity ``>= alpha`` (the paper's search over a grid); the
        smallest one, with a warning, when none qualifies.

    Returns
    -------
    delta : float
    purity : float
        :math:`\pi(\delta)`.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import purity_delta
    >>> d_imp = np.array([0.5, 1.0, 2.0, 3.0])
    >>> purity_delta(d_imp, alpha=0.75)
    (1.0, 0.75)
    >>> purity_delta(d_imp, alpha=0.75, deltas=[0.4, 0.8, 1.6])
    (0.8, 0.75)
    """
    d = np.asarray(impure_distances, dtype=float)
    n = d.shape[0]

    def purity(delta):
        return float(np.mean(d >= delta))

    if deltas is None:
        m = max(1, int(np.ceil(alpha * n - 1e-9)))
        delta = float(np.sort(d)[::-1][m - 1])
        return delta, purity(delta)
    grid = np.sort(np.asarray(deltas, dtype=float))
    ok = [g for g in grid if purity(g) >= alpha]
    if not ok:
        warnings.warn(
            f"No delta in the grid reaches purity alpha={alpha} (the smallest, "
            f"{grid[0]:g}, has {purity(grid[0]):.3f}); using it. Pass smaller deltas.",
            UserWarning,
        )
        return float(grid[0]), purity(grid[0])
    return float(ok[-1]), purity(ok[-1])


class _Balls:
    """Open ``delta``-balls around query rows over the points ``Z``, a chunk
    of rows at a time (centred, float32 above 20,000 points)."""

    def __init__(self, Z, delta):
        Z = np.asarray(Z)
        self.n = Z.shape[0]
        self.dtype = _dtype(self.n)
        self.mean = Z.mean(axis=0)
        self.Z = (Z - self.mean).astype(self.dtype)
        self.sq = np.einsum("ij,ij->i", self.Z, self.Z)
        self.delta2 = float(delta) ** 2

    def prepare(self, Q):
        Q = (np.asarray(Q) - self.mean).astype(self.dtype)
        return Q, np.einsum("ij,ij->i", Q, Q)

    def chunks(self, n_rows):
        return _row_chunks(n_rows, self.n, np.dtype(self.dtype).itemsize)

    def mask(self, Q, sq_q, self_rows=None):
        """Boolean (len(Q), n): ``||q_i - z_j|| < delta``; ``self_rows[i] = j``
        forces ``(i, j)`` (a point is in its own ball)."""
        G = (-2.0 * Q) @ self.Z.T  # the factor on the small side: one pass less
        G += self.sq
        mask = G < (self.delta2 - sq_q)[:, None]
        if self_rows is not None:
            mask[np.arange(len(self_rows)), self_rows] = True
        return mask


    def count_in_balls(self, cols):
        """For every point ``z``: how many of the points ``cols`` lie in its
        ball (itself included), in row chunks (row sums, as the gains)."""
        cols = np.asarray(cols)
        out = np.zeros(self.n, dtype=np.int64)
        Zc = -2.0 * self.Z[cols]
        sqc = self.sq[cols]
        for a, b in _row_chunks(self.n, cols.size, np.dtype(self.dtype).itemsize):
            G = self.Z[a:b] @ Zc.T
            G += sqc
            mask = G < (self.delta2 - self.sq[a:b])[:, None]
            inside = np.flatnonzero((cols >= a) & (cols < b))
            mask[cols[inside] - a, inside] = True
            out[a:b] = np.count_nonzero(mask, axis=1)
        return out


def ball_graph(Z, delta, Z_query=None, *, max_edges=None):
    """Sparse delta-ball graph: ``j`` in row ``i`` iff ``||q_i - z_j|| < delta``.

    Rows are ``Z_query`` (default ``Z``, then every row also holds itself, as
    in the reference code where ``d(x, x) = 0 < delta``, and the graph is
    made symmetric). Built in row chunks (at most ~128 MB of distances at a
    time); returns CSR arrays ``(indptr, indices)`` with the columns of each
    row sorted. Raises ``ValueError`` when there would be more than
    ``max_edges`` edges.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import ball_graph
    >>> indptr, indices = ball_graph(np.array([[0.0], [1.0], [3.0]]), 1.5)
    >>> indptr.tolist(), indices.tolist()
    ([0, 2, 4, 5], [0, 1, 0, 1, 2])
    """
    balls = _Balls(Z, delta)
    if Z_query is None:
        out = _graph_or_gains(balls, np.zeros(balls.n, dtype=bool), max_edges)
        if out[0] == "gains":
            raise ValueError(
                f"The delta-ball graph has more than max_edges={max_edges} edges "
                f"(delta={delta:g}); pass a smaller delta or a larger max_edges."
            )
        return out[1], out[2]
    Q, sq_q = balls.prepare(Z_query)
    counts, parts = np.zeros(Q.shape[0], dtype=np.int64), []
    for a, b in balls.chunks(Q.shape[0]):
        mask = balls.mask(Q[a:b], sq_q[a:b])
        counts[a:b] = np.count_nonzero(mask, axis=1)
        if max_edges is not None and counts[:b].sum() > max_edges:
            raise ValueError(f"The delta-ball graph has more than max_edges={max_edges} edges.")
        parts.append(np.nonzero(mask)[1].astype(_index_dtype(balls.n)))
    indices = np.concatenate(parts) if parts else np.empty(0, _index_dtype(balls.n))
    return np.r_[0, np.cumsum(counts)], indices


def _sparse_columns(mask):
    """``np.nonzero(mask)[1]`` of a C-contiguous boolean matrix, fast when it
    is sparse: 8 entries are tested at once as one ``uint64`` word, and only
    the words holding an entry are looked at one by one."""
    flat = mask.reshape(-1)
    cut = flat.size - flat.size % 8
    words = np.flatnonzero(flat[:cut].view(np.uint64))
    pos = (words[:, None] * 8 + np.arange(8)).ravel()
    pos = pos[flat[pos]]
    if cut < flat.size:
        pos = np.r_[pos, cut + np.flatnonzero(flat[cut:])]
    return pos % mask.shape[1]


def _index_dtype(n):
    return np.int32 if n < 2**31 else np.int64


def _covered_by(balls, Z_lab):
    """Pool points inside the ball of some labelled point."""
    covered = np.zeros(balls.n, dtype=bool)
    if Z_lab is None or not len(Z_lab):
        return covered
    Q, sq_q = balls.prepare(Z_lab)
    for a, b in balls.chunks(Q.shape[0]):
        covered |= balls.mask(Q[a:b], sq_q[a:b]).any(axis=0)
    return covered


def _graph_or_gains(balls, covered, max_edges):
    """One pass over the pool: the symmetric ball graph ``("graph", indptr,
    indices)``, or, once it would exceed ``max_edges`` edges, only each
    point's number of uncovered ball members ``("gains", gains)``."""
    n = balls.n
    counts = np.zeros(n, dtype=np.int64)
    gains = np.zeros(n, dtype=np.int64)
    parts, total, keep = [], 0, True
    idx_dtype = _index_dtype(n)
    for a, b in balls.chunks(n):
        mask = balls.mask(balls.Z[a:b], balls.sq[a:b], np.arange(a, b))
        counts[a:b] = np.count_nonzero(mask, axis=1)
        if covered.any():
            gains[a:b] = counts[a:b] - np.count_nonzero(mask[:, covered], axis=1)
        else:
            gains[a:b] = counts[a:b]
        total += int(counts[a:b].sum())
        if keep and max_edges is not None and total > max_edges:
            keep, parts = False, []
        if keep:
            parts.append(_sparse_columns(mask).astype(idx_dtype))
    if not keep:
        return "gains", gains
    indptr = np.r_[0, np.cumsum(counts)]
    indices = np.concatenate(parts) if parts else np.empty(0, dtype=idx_dtype)
    # rounding may keep a pair at distance ~delta in one direction only; the
    # greedy's incremental gains need a symmetric graph: keep the union
    A = sparse.csr_matrix(
        (np.ones(indices.shape[0], dtype=np.int8), indices, indptr), shape=(n, n)
    )
    A = A.maximum(A.T).tocsr()
    A.sort_indices()
    return "graph", A.indptr.astype(np.int64), A.indices.astype(idx_dtype)


def _greedy_without_graph(balls, gains, budget, covered, random_state):
    """:func:`max_coverage_greedy` without storing the graph (huge balls).

    Gains are kept exact by recomputing, for every newly covered point, its
    ball against the whole pool (each point is covered once: in all at most
    one more pass over the pool), and each pick's ball is recomputed, so a
    gain off by rounding at distance ~delta is corrected before it counts.
    """
    n = balls.n
    gains = gains.copy()
    covered = covered.copy()
    selected = np.empty(budget, dtype=np.intp)
    pick_gain = np.zeros(budget, dtype=np.int64)
    taken = np.zeros(n, dtype=bool)
    t = 0
    while t < budget:
        i = int(np.argmax(gains))
        if gains[i] <= 0:
            rest = np.flatnonzero(~taken)
            selected[t:] = random_state.choice(rest, size=budget - t, replace=False)
            break
        ball = np.flatnonzero(balls.mask(balls.Z[i : i + 1], balls.sq[i : i + 1], [i])[0])
        new = ball[~covered[ball]]
        if new.size != gains[i]:  # rounding at distance ~delta: correct, re-select
            gains[i] = new.size
            continue
        pick_gain[t], selected[t], taken[i] = new.size, i, True
        covered[new] = True
        gains -= balls.count_in_balls(new)
        gains[i] = -(n + 1)
        t += 1
    return selected, pick_gain, covered, gains


def _gather(indptr, indices, rows):
    """Concatenated CSR rows ``rows`` (vectorised)."""
    starts = indptr[rows]
    lens = indptr[rows + 1] - starts
    total = int(lens.sum())
    if total == 0:
        return indices[:0]
    offsets = np.repeat(starts - np.r_[0, np.cumsum(lens)[:-1]], lens)
    return indices[offsets + np.arange(total)]


def max_coverage_greedy(indptr, indices, budget, covered=None, random_state=None):
    """Greedy max coverage on a symmetric ball graph (reference ``select_samples``).

    Each step selects the point whose ball holds the most still uncovered
    points (ties to the smallest index), then marks them covered. Gains are
    updated incrementally: a newly covered ``y`` lowers by one the gain of
    every point whose ball holds ``y`` (the graph is symmetric), so the whole
    loop costs ``O(edges + budget * n)``. When nothing is left to cover, the
    remaining picks are drawn uniformly at random among the unselected points.

    Returns ``(selected, gains, covered)``: the indices, each pick's coverage
    gain (0 for random picks) and the final covered mask.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import ball_graph, max_coverage_greedy
    >>> Z = np.array([[0.0], [1.0], [2.0], [10.0]])
    >>> sel, gains, _ = max_coverage_greedy(*ball_graph(Z, 1.5), budget=2)
    >>> sel.tolist(), gains.tolist()
    ([1, 3], [3, 1])
    """
    n = indptr.shape[0] - 1
    covered = np.zeros(n, dtype=bool) if covered is None else covered.copy()
    uncovered = (~covered[indices]).astype(np.int64)
    gains = np.add.reduceat(uncovered, indptr[:-1]) if indices.size else np.zeros(n, np.int64)
    gains[indptr[:-1] == indptr[1:]] = 0  # reduceat quirk on empty rows
    selected = np.empty(budget, dtype=np.intp)
    pick_gain = np.zeros(budget, dtype=np.int64)
    taken = np.zeros(n, dtype=bool)
    for t in range(budget):
        i = int(np.argmax(gains))
        if gains[i] <= 0:
            rng = np.random.mtrand._rand if random_state is None else random_state
            rest = np.flatnonzero(~taken)
            selected[t:] = rng.choice(rest, size=budget - t, replace=False)
            break
        pick_gain[t] = gains[i]
        selected[t], taken[i] = i, True
        ball = indices[indptr[i] : indptr[i + 1]]
        new = ball[~covered[ball]]
        covered[new] = True
        np.subtract.at(gains, _gather(indptr, indices, new), 1)
        gains[i] = -(n + 1)  # never picked again (its ball is covered anyway)
    return selected, pick_gain, covered


class ProbCover(BaseQueryStrategy):
    r"""ProbCover: greedy maximum coverage of ``delta``-balls in the embedding.

    Yehuda, Dekel, Hacohen & Weinshall (2022), Algorithm 1: on the graph
    whose edges join points closer than ``delta`` (the ball
    :math:`B_\delta(x) = \{x' : \|x - x'\| < \delta\}`), points in the balls
    of the labelled set are covered; then, ``budget`` times, the pool point
    whose ball holds the most uncovered points is selected and its ball
    becomes covered (the greedy :math:`1 - 1/e` approximation of Max
    Coverage). Needs no model: it can choose the initial set from an unfitted
    :class:`~skactive.ActiveLearner`.

    ``delta="auto"`` (paper, section 4.2): the pool and labelled embeddings
    are clustered with k-means into ``n_classes`` clusters (pseudo-labels);
    :math:`\delta` is the largest radius whose purity (the share of points
    whose ball holds one pseudo-label) is at least ``alpha = 0.95``. No grid
    is needed: purity only changes at the points' distances to their nearest
    point of another pseudo-label, so the largest such radius is a quantile
    of those distances (:func:`purity_delta`); pass ``deltas`` to search a
    grid instead, as the paper does (its configs: steps of 0.05 on
    L2-normalised features). The purity is measured on ``purity_samples``
    points drawn at random (all points when there are fewer), each against
    every point.

    Follows the reference code (avihu111/TypiClust, ``prob_cover.py``,
    commit 4097a71): open balls (``dist < delta``), self-loops, labelled
    points' balls count as covered, highest out-degree first with ties to the
    smallest index (the paper's randomised top-5 choice is commented out
    there). Deviations: every pool point gets its edges (the reference drops
    the last ``n % 500`` rows of its batched graph construction); once
    everything is covered the reference takes ``argmax`` of all-zero degrees
    (index 0, possibly a labelled or already selected point); here the
    remaining picks are drawn at random among the unselected pool points
    (as scikit-activeml's random tie-break does). The graph is sparse and
    built in chunks, never an ``n x n`` matrix (``benchmarks/bench_coldstart.py``
    measures 100,000 x 64); pools above 20,000 points are compared in float32.

    Scores: a selected point's coverage gain when it was picked
    (non-increasing along the selection), the others' remaining gain.

    Parameters
    ----------
    space : {"embedding", "input"}, default="embedding"
    delta : "auto" or float, default="auto"
        Ball radius (in the embedding's units), or chosen by purity.
    alpha : float, default=0.95
        Purity threshold for ``delta="auto"``.
    n_classes : int, default=None
        Number of k-means pseudo-labels; ``None`` takes the learner's number
        of classes (``classes_`` when fitted, else an
        :class:`~skactive.ActiveLearner`'s ``classes`` parameter).
    deltas : array-like, default=None
        Grid for ``delta="auto"``; ``None`` is the exact maximiser.
    purity_samples : int, default=10000
        Points on which the purity is measured.
    n_init : int, default=3
        k-means restarts for the pseudo-labels.
    normalize : bool, default=False
        L2-normalise the embedding first (as the reference code's feature
        loader does for its self-supervised features).
    max_edges : int, default=50_000_000
        Store the ball graph (CSR, 4 bytes an edge) when it has at most this
        many edges; beyond, the greedy runs without it, recomputing the balls
        of newly covered points (exact too, at most one more pass over the
        pool, memory ``O(n)``). Large balls (well-separated clusters, where
        the purity radius spans a whole cluster) take this path.
    random_state : int, RandomState instance or None, default=None
        Seeds k-means, the purity sample and the random fill.

    Attributes
    ----------
    delta_ : float
        The radius used by the last query.
    purity_ : float
        Its purity (NaN when ``delta`` was given).
    coverage_ : float
        Share of the pool covered after the last selection.

    References
    ----------
    O. Yehuda, A. Dekel, G. Hacohen, D. Weinshall. "Active Learning Through a
    Covering Lens", NeurIPS 2022, Algorithm 1 and section 4.2 (purity).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skactive import ActiveLearner
    >>> from skactive.datasets import load_letter
    >>> from skactive.strategies import ProbCover
    >>> X, y = load_letter(return_X_y=True)
    >>> learner = ActiveLearner(make_pipeline(StandardScaler(), LogisticRegression()),
    ...                         query_strategy=ProbCover(random_state=0),
    ...                         classes=list(range(26)))
    >>> learner.query(X[:2000], budget=26).shape  # no labels yet
    (26,)
    """

    _parameter_constraints = {
        "space": [StrOptions({"embedding", "input"})],
        "delta": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "alpha": [Interval(Real, 0, 1, closed="right")],
        "n_classes": [Interval(Integral, 2, None, closed="left"), None],
        "deltas": ["array-like", None],
        "purity_samples": [Interval(Integral, 1, None, closed="left")],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "normalize": ["boolean"],
        "max_edges": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        space="embedding",
        delta="auto",
        alpha=0.95,
        n_classes=None,
        deltas=None,
        purity_samples=10_000,
        n_init=3,
        normalize=False,
        max_edges=50_000_000,
        random_state=None,
    ):
        self.space = space
        self.delta = delta
        self.alpha = alpha
        self.n_classes = n_classes
        self.deltas = deltas
        self.purity_samples = purity_samples
        self.n_init = n_init
        self.normalize = normalize
        self.max_edges = max_edges
        self.random_state = random_state

    def __query_tags__(self):
        return QueryStrategyTags(
            requires_embedding=True, requires_fitted_learner=False, stochastic=True
        )

    def _n_classes(self, learner):
        if self.n_classes is not None:
            return self.n_classes
        classes = getattr(learner, "classes_", None)
        if classes is None:
            classes = getattr(learner, "classes", None)
        if classes is None or len(classes) < 2:
            raise ValueError(
                "ProbCover(delta='auto') needs the number of classes for its k-means "
                "pseudo-labels: set n_classes, or give the learner its label set "
                "(ActiveLearner(..., classes=[...])), or set delta."
            )
        return len(classes)

    def _auto_delta(self, Z, learner, random_state):
        k = min(self._n_classes(learner), Z.shape[0])
        km = KMeans(n_clusters=k, n_init=self.n_init, random_state=random_state)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            pseudo = km.fit_predict(Z)
        n = Z.shape[0]
        rows = None
        if n > self.purity_samples:
            rows = np.sort(random_state.choice(n, self.purity_samples, replace=False))
        d_imp = nearest_impure_distance(Z, pseudo, rows)
        finite = np.isfinite(d_imp)
        if not finite.any():  # one pseudo-label (identical points): no radius limit
            return float(np.max(np.ptp(Z, axis=0))) + 1.0, 1.0
        return purity_delta(np.where(finite, d_imp, np.inf), self.alpha, self.deltas)

    def _query(self, X_pool, learner, budget, random_state):
        Z_pool, Z_lab = cold_start_embeddings(learner, X_pool, self.space, self.normalize)
        if self.delta == "auto":
            Z_all = np.vstack([Z_lab, Z_pool]) if Z_lab.shape[0] else Z_pool
            delta, purity = self._auto_delta(Z_all, learner, random_state)
        else:
            delta, purity = float(self.delta), np.nan
        balls = _Balls(Z_pool, delta)
        covered = _covered_by(balls, Z_lab)
        out = _graph_or_gains(balls, covered, self.max_edges)
        if out[0] == "graph":
            indptr, indices = out[1], out[2]
            selected, pick_gain, covered = max_coverage_greedy(
                indptr, indices, budget, covered, random_state
            )
            uncovered = (~covered[indices]).astype(np.int64)
            scores = np.add.reduceat(uncovered, indptr[:-1]).astype(float)
        else:
            selected, pick_gain, covered, gains = _greedy_without_graph(
                balls, out[1], budget, covered, random_state
            )
            scores = np.maximum(gains, 0).astype(float)
        scores[selected] = pick_gain
        self.delta_, self.purity_ = float(delta), float(purity)
        self.coverage_ = float(covered.mean())
        return selected, scores
