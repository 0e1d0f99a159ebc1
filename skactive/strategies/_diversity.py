"""Representation-based strategies: k-means sampling and greedy k-center
(CoreSet), in the learner's latent space."""

import warnings
from numbers import Integral

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import pairwise_distances, pairwise_distances_argmin_min
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_array

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..utils._embedding import get_embedding
from ..utils._scores import iter_pool_chunks, pool_chunk_size
from ..utils._validation import check_n_select

__all__ = ["CoreSet", "KCenterGreedy", "KMeansSampling", "kcenter_greedy", "nearest_to_centers"]

_METRICS = {"euclidean", "manhattan", "cosine", "l1", "l2", "cityblock", "chebyshev"}


@validate_params(
    {
        "Z": ["array-like"],
        "k": [Interval(Integral, 1, None, closed="left")],
        "Z_start": ["array-like", None],
        "metric": [str, callable],
    },
    prefer_skip_nested_validation=True,
)
def kcenter_greedy(Z, k, Z_start=None, *, metric="euclidean"):
    r"""Greedy k-center selection (Sener & Savarese 2018, Algorithm 1).

    Repeatedly adds the point farthest from everything chosen so far
    (:math:`u = \arg\max_{i} \min_{j \in s} \Delta(z_i, z_j)`), starting from the
    centres ``Z_start`` (the labelled set). Only an ``O(n)`` vector of distances
    to the nearest centre is kept; each pick updates it with the distances to
    the new centre, so the cost is ``O(n d)`` per pick and no ``n x m`` matrix
    is ever stored.

    Euclidean fast path: squared distances ``|z|^2 + 2 (|c|^2 / 2 - z.c)`` in
    the input's precision (float32 input is computed in float32, anything
    else in float64), always as BLAS products of a block of pool rows into a
    reused buffer, with in-place updates. The loop is bound by reading ``Z``
    once per pick; it reads it far less often: after a pick, the next picks
    are followed on the 1 024 points farthest from the centres while each is
    provably the global farthest point (its distance exceeds every distance
    outside those candidates), and the certified picks (up to 64) update the
    whole pool in one blocked matrix product. The selection is the exact
    greedy one (up to floating-point rounding of near-ties).

    Ties go to the smallest index. When every remaining point coincides with a
    chosen one (duplicate points, fewer distinct points than ``k``), the
    remaining picks are the unselected points in index order; a point is
    never picked twice.

    Parameters
    ----------
    Z : ndarray of shape (n, d)
        Candidate points.
    k : int
        Number of points to select, ``k <= n``.
    Z_start : ndarray of shape (m, d), default=None
        Initial centres; ``None`` or empty starts from the point of index 0.
    metric : str, default="euclidean"
        Any metric of :func:`sklearn.metrics.pairwise_distances`.

    Returns
    -------
    selected : ndarray of shape (k,)
        Indices in selection order.
    pick_distances : ndarray of shape (k,)
        Distance of each pick to its nearest centre when it was picked
        (non-increasing).
    min_distances : ndarray of shape (n,)
        Final distance of every point to its nearest centre (0 for picks).

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import kcenter_greedy
    >>> Z = np.array([[0.0], [1.0], [5.0], [9.0]])
    >>> sel, d, _ = kcenter_greedy(Z, 2, Z_start=np.array([[0.0]]))
    >>> sel, d
    (array([3, 2]), array([9., 4.]))
    """
    Z = check_array(Z, input_name="Z")
    n = Z.shape[0]
    k = check_n_select(k, n, pool_name="Z")
    if Z_start is not None:
        Z_start = check_array(Z_start, input_name="Z_start", ensure_min_samples=0)
        if len(Z_start) and Z_start.shape[1] != Z.shape[1]:
            raise ValueError(
                f"Z_start has {Z_start.shape[1]} features, but Z has {Z.shape[1]}."
            )
    fast = metric in ("euclidean", "l2")
    if not fast:
        if Z_start is not None and len(Z_start):
            _, min_d = pairwise_distances_argmin_min(Z, Z_start, metric=metric)
            min_d = min_d.astype(np.float64)
        else:
            min_d = np.full(n, np.inf)

        def distance_to(i):
            return pairwise_distances(Z, Z[i : i + 1], metric=metric).ravel()

        return greedy_farthest_first(min_d, k, distance_to)
    # euclidean: squared distances |z|^2 + 2 (|c|^2 / 2 - z.c) in the input's
    # float precision (float32 stays float32), BLAS products into reused buffers
    dtype = np.float32 if Z.dtype == np.float32 else np.float64
    Z = np.ascontiguousarray(Z, dtype=dtype)
    sq = np.einsum("ij,ij->i", Z, Z)
    min_d = np.full(n, np.inf, dtype=dtype)
    if Z_start is not None and len(Z_start):
        _update_min_sq(Z, sq, Z_start, min_d)
        np.maximum(min_d, 0.0, out=min_d)
    selected, pick_d, min_d = _greedy_euclidean(Z, sq, min_d, k)
    np.sqrt(min_d, out=min_d)
    np.sqrt(pick_d, out=pick_d)
    return selected, pick_d, min_d


#: Picks certified from the candidates per pass over the pool, and the number
#: of candidates (the points farthest from the centres) they are drawn from.
_CHAIN, _CANDIDATES, _BLOCK_ROWS = 64, 1024, 8192


def _update_min_sq(Z, sq, C, min_d):
    """``min_d = min(min_d, min_c |z - c|^2)`` for the rows ``C``, in ``Z``'s
    dtype: blocks of pool rows times ``C.T`` (one GEMM per block into a reused
    buffer), so no ``n x len(C)`` matrix is stored."""
    C = np.ascontiguousarray(C, dtype=Z.dtype)
    half = 0.5 * np.einsum("ij,ij->i", C, C)
    n, m = Z.shape[0], C.shape[0]
    chunk = min(pool_chunk_size(n, row_bytes=Z.itemsize * m), max(_BLOCK_ROWS, 1))
    G = np.empty((chunk, m), dtype=Z.dtype)
    tmp = np.empty(chunk, dtype=Z.dtype)
    for sl in iter_pool_chunks(n, chunk):
        g, t = G[: sl.stop - sl.start], tmp[: sl.stop - sl.start]
        np.dot(Z[sl], C.T, out=g)
        np.subtract(half, g, out=g)  # |c|^2 / 2 - z.c
        g.min(axis=1, out=t)
        t *= 2.0
        t += sq[sl]
        np.minimum(min_d[sl], t, out=min_d[sl])


def _greedy_euclidean(Z, sq, min_d, k):
    """Exact greedy farthest-first on squared euclidean distances.

    Same picks as the one-pass-per-pick loop of :func:`greedy_farthest_first`
    (up to rounding), with fewer passes over the pool: after the pick ``i``
    (the farthest point), the next picks are followed on the ``_CANDIDATES``
    points farthest from the centres only, as long as each is *certified*:
    its updated distance exceeds ``tau``, the largest distance outside the
    candidates, which no update can increase, so it is the global argmax the
    full loop would take. The certified chain (up to ``_CHAIN`` picks) then
    updates the pool's distances in one blocked matrix product. A pass costs
    about one matrix-vector product (the loop is bound by reading ``Z``), so
    the pool is read ``k / chain length`` times instead of ``k``.
    """
    n = Z.shape[0]
    selected = np.empty(k, dtype=np.intp)
    pick_d = np.empty(k)
    taken = np.zeros(n, dtype=bool)
    n_cand = min(n, _CANDIDATES)
    t = 0
    while t < k:
        i = int(np.argmax(min_d))
        if taken[i] or min_d[i] <= 0:  # every unpicked point lies on a centre
            rest = np.flatnonzero(~taken)[: k - t]
            selected[t:], pick_d[t:], taken[rest] = rest, 0.0, True
            break
        chain, dist = [i], [float(min_d[i])]
        limit = min(_CHAIN, k - t)
        if limit > 1:
            if n_cand < n:
                part = np.argpartition(min_d, n - n_cand - 1)
                tau, cand = min_d[part[n - n_cand - 1]], part[n - n_cand :]
            else:
                tau, cand = -np.inf, np.arange(n)
            where = np.flatnonzero(cand == i)
            if not where.size or not min_d[i] > tau:
                limit = 1
            cv, Zc, sqc = min_d[cand], Z[cand], sq[cand]
            if where.size:
                cv[where] = -1.0
            cur = i
            while len(chain) < limit:
                d = Zc @ Z[cur]
                np.subtract(0.5 * sq[cur], d, out=d)
                d *= 2.0
                d += sqc
                np.minimum(cv, d, out=cv)
                m = cv.max()
                if not (m > tau and m > 0):
                    break  # the next pick may lie outside the candidates
                ties = np.flatnonzero(cv == m)
                j = ties[np.argmin(cand[ties])]  # ties to the smallest index
                cur = int(cand[j])
                chain.append(cur)
                dist.append(float(m))
                cv[j] = -1.0
        _update_min_sq(Z, sq, Z[chain], min_d)
        r = len(chain)
        selected[t : t + r], pick_d[t : t + r] = chain, np.maximum(dist, 0.0)
        taken[chain] = True
        min_d[chain] = -1.0  # never picked again, even among duplicates
        t += r
    min_d[taken] = 0.0
    np.maximum(min_d, 0.0, out=min_d)
    if np.isinf(pick_d[0]):  # no start: the first pick has no distance
        pick_d[0] = pick_d[1] if k > 1 else 0.0
    return selected, pick_d, min_d


def greedy_farthest_first(min_d, k, distance_to):
    """The greedy loop shared by :func:`kcenter_greedy` and CDAL-CS.

    ``min_d`` (modified in place) holds each point's distance to its nearest
    centre (``inf`` without centres); ``distance_to(i)`` returns the distances
    of all points to point ``i`` (any monotone transform of the metric, e.g.
    squared euclidean; it may return the same buffer at every call). Each
    pick is the farthest unpicked point (ties to the smallest index); once
    every unpicked point lies on a centre (duplicates), the unpicked points
    follow in index order. Returns ``(selected, pick_distances,
    min_distances)`` as :func:`kcenter_greedy` does; ``min_distances`` keeps
    the dtype of ``min_d``.
    """
    n = min_d.shape[0]
    selected = np.empty(k, dtype=np.intp)
    pick_d = np.empty(k)
    taken = np.zeros(n, dtype=bool)
    for t in range(k):
        i = int(np.argmax(min_d))
        if taken[i] or min_d[i] <= 0:
            i = int(np.flatnonzero(~taken)[0])
        selected[t], pick_d[t], taken[i] = i, max(min_d[i], 0.0), True
        np.minimum(min_d, distance_to(i), out=min_d)
        min_d[i] = -1.0  # never picked again, even among duplicates
    min_d[taken] = 0.0
    np.maximum(min_d, 0.0, out=min_d)
    if np.isinf(pick_d[0]):  # no start: the first pick has no distance
        pick_d[0] = pick_d[1] if k > 1 else 0.0
    return selected, pick_d, min_d


def nearest_to_centers(Z, labels, centers, random_state, k):
    """One point per cluster, the closest to its centre; ``k`` indices in all.

    Clusters are ordered by size (largest first, ties by the chosen index).
    Empty clusters (duplicate points, fewer distinct points than clusters)
    leave slots that are filled with unselected points drawn uniformly at
    random from ``random_state``. Returns ``(indices, -distance to own centre)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import nearest_to_centers
    >>> Z = np.array([[0.0], [0.4], [1.0], [10.0]])
    >>> idx, _ = nearest_to_centers(Z, np.array([0, 0, 0, 1]),
    ...                             np.array([[0.5], [10.0]]), None, 2)
    >>> idx
    array([1, 3])
    """
    diff = Z - centers[labels]
    dist = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    order = np.lexsort((np.arange(len(dist)), dist, labels))
    first = np.r_[True, labels[order][1:] != labels[order][:-1]]
    chosen = order[first]
    sizes = np.bincount(labels)[labels[chosen]]
    chosen = chosen[np.lexsort((chosen, -sizes))][:k]
    if chosen.shape[0] < k:
        rest = np.setdiff1d(np.arange(len(dist)), chosen)
        rng = check_random_state(random_state)
        extra = rng.choice(rest, size=k - chosen.shape[0], replace=False)
        chosen = np.r_[chosen, extra]
    return chosen.astype(np.intp), -dist


class KMeansSampling(BaseQueryStrategy):
    """k-means on the pool's latent features; the point nearest each centre.

    Runs :class:`~sklearn.cluster.KMeans` with ``budget`` clusters on the pool
    embedding (see :func:`~skactive.utils.get_embedding`) and selects, in each
    cluster, the member closest to its centre, as in the DeepAL+ survey's
    ``KMeansSampling`` baseline. Indices are ordered by cluster size, largest
    first. Scores are ``-distance`` of each sample to the centre of its own
    cluster (a per-cluster ranking, not a global one). Reference: DeepAL+
    (SineZHAN/deepALplus, ``query_strategies/kmeans_sampling.py``, commit
    93c2884), the same rule as BADGE's baseline (JordanAsh/badge); the
    selected set equals the reference's for the same k-means run
    (``tests/reference/test_kmeans_reference.py``).

    Duplicates: if the pool has fewer distinct points than ``budget``, some
    clusters are empty; the missing picks are drawn uniformly at random from
    the unselected points (never a duplicate index).

    Parameters
    ----------
    space : {"embedding", "input"}, default="embedding"
        Cluster the learner's embedding or the raw input.
    n_init : int, default=10
        k-means++ restarts; the run of lowest inertia is kept. 10 is the
        reference's: DeepAL+ calls ``KMeans(n_clusters=n)`` with scikit-learn
        1.0.2 (its ``environment.yml``), whose default is ``n_init=10``
        (scikit-learn >= 1.4 defaults to one run). ``n_init=1`` is about ten
        times faster for a higher inertia and a different selection. With
        ``"minibatch"``, the ``n_init`` initialisations are compared on a
        subsample and only the best one is run.
    max_iter : int, default=300
        Lloyd iterations per run (passes over the pool for ``"minibatch"``).
    algorithm : {"lloyd", "minibatch"}, default="lloyd"
        ``"lloyd"``: :class:`~sklearn.cluster.KMeans`, as in DeepAL+.
        ``"minibatch"``: :class:`~sklearn.cluster.MiniBatchKMeans` with
        batches of ``max(1024, 3 * budget)`` samples, much faster on large
        pools and budgets (each Lloyd iteration costs ``n_pool * budget``
        distances) for a higher inertia (not the reference's selection); see
        ``benchmarks/bench_diversity.py``.
    random_state : int, RandomState instance or None, default=None

    References
    ----------
    X. Zhan et al. "A Comparative Survey of Deep Active Learning" (DeepAL+),
    2022, section 2.2, "KMeans".
    D. Sculley. "Web-scale k-means clustering", WWW 2010 (mini-batch k-means).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skactive import ActiveLearner
    >>> from skactive.datasets import load_letter
    >>> from skactive.strategies import KMeansSampling
    >>> X, y = load_letter(return_X_y=True)
    >>> learner = ActiveLearner(make_pipeline(StandardScaler(), LogisticRegression()),
    ...                         query_strategy=KMeansSampling(random_state=0))
    >>> learner = learner.fit(X[:300], y[:300])
    >>> learner.query(X[300:1300], budget=5).shape
    (5,)
    """

    _parameter_constraints = {
        "space": [StrOptions({"embedding", "input"})],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "algorithm": [StrOptions({"lloyd", "minibatch"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self, space="embedding", n_init=10, max_iter=300, algorithm="lloyd", random_state=None
    ):
        self.space = space
        self.n_init = n_init
        self.max_iter = max_iter
        self.algorithm = algorithm
        self.random_state = random_state

    def __query_tags__(self):
        return QueryStrategyTags(
            requires_embedding=True, stochastic=True, task="both", requires_fitted_learner=False
        )

    def _query(self, X_pool, learner, budget, random_state):
        Z = get_embedding(learner, X_pool, space=self.space)
        params = dict(
            n_clusters=budget, n_init=self.n_init, max_iter=self.max_iter,
            random_state=random_state,
        )
        if self.algorithm == "minibatch":
            km = MiniBatchKMeans(batch_size=max(1024, 3 * budget), **params)
        else:
            km = KMeans(**params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            labels = km.fit_predict(Z)
        return nearest_to_centers(Z, labels, km.cluster_centers_, random_state, budget)


class KCenterGreedy(BaseQueryStrategy):
    r"""Greedy k-center (CoreSet) in the learner's latent space.

    Sener & Savarese (2018), Algorithm 1 (``k-Center-Greedy``): starting from
    the labelled set, repeatedly select the pool sample farthest from its
    nearest labelled-or-selected sample,
    :math:`u = \arg\max_{i \in D_u} \min_{j \in D_l \cup s} \Delta(h(x_i), h(x_j))`
    (DeepAL+ survey, section 2.2). Embeddings of the pool and of the labelled
    set come from the current model (:func:`~skactive.utils.get_embedding`).
    An ``O(n_pool)`` vector of nearest-centre distances is updated after each
    pick (see :func:`kcenter_greedy`). The robust mixed-integer variant of the
    paper is not implemented.

    Deterministic (ties to the smallest index). Scores: for selected samples
    the distance at which they were picked (non-increasing in the selection
    order), for the others their final distance to the nearest centre. When
    the pool has fewer distinct points than the budget, the points left after
    the distinct ones are taken in index order. Without labels (an unfitted
    learner choosing the initial set) the greedy starts from the first pool
    sample.

    Parameters
    ----------
    space : {"embedding", "input"}, default="embedding"
    metric : str, default="euclidean"
        ``"euclidean"`` (fast path), ``"manhattan"``, ``"cosine"``, ...

    References
    ----------
    O. Sener, S. Savarese. "Active Learning for Convolutional Neural Networks:
    A Core-Set Approach", ICLR 2018, Algorithm 1.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skactive import ActiveLearner
    >>> from skactive.datasets import load_letter
    >>> from skactive.strategies import CoreSet
    >>> X, y = load_letter(return_X_y=True)
    >>> learner = ActiveLearner(make_pipeline(StandardScaler(), LogisticRegression()),
    ...                         query_strategy=CoreSet()).fit(X[:300], y[:300])
    >>> learner.query(X[300:2300], budget=5).shape
    (5,)
    """

    _parameter_constraints = {
        "space": [StrOptions({"embedding", "input"})],
        "metric": [StrOptions(_METRICS)],
    }

    def __init__(self, space="embedding", metric="euclidean"):
        self.space = space
        self.metric = metric

    def __query_tags__(self):
        return QueryStrategyTags(
            requires_embedding=True,
            requires_labeled_data=True,
            task="both",
            requires_fitted_learner=False,  # no labels yet: starts from index 0
        )

    def _query(self, X_pool, learner, budget, random_state):
        Z = get_embedding(learner, X_pool, space=self.space)
        X_lab = getattr(learner, "X_labeled_", None)  # None before fit: no centres
        Z_lab = None if X_lab is None else get_embedding(learner, X_lab, space=self.space)
        selected, pick_d, min_d = kcenter_greedy(Z, budget, Z_lab, metric=self.metric)
        scores = min_d
        scores[selected] = pick_d
        return selected, scores


#: Alias: the greedy CoreSet of Sener & Savarese is :class:`KCenterGreedy`.
CoreSet = KCenterGreedy
