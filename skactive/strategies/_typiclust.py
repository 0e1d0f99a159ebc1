"""TypiClust: the most typical sample of each uncovered cluster (cold start).

Reference implementation: github avihu111/TypiClust,
``deep-al/pycls/al/typiclust.py`` at commit
4097a71c348f60492ab22be0c4c9da224e637af6 (read line by line; the code here is
written from scratch).
"""

import warnings
from numbers import Integral

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.neighbors import NearestNeighbors
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..utils._embedding import get_embedding

__all__ = ["TypiClust", "typicality"]

#: ``1 / (mean distance + _EPS)``, as in the reference code.
_EPS = 1e-5


def cold_start_embeddings(learner, X_pool, space, normalize):
    """Embeddings of the pool and of the learner's labelled set.

    The labelled set is ``learner.X_labeled_`` (an
    :class:`~skactive.ActiveLearner`); it is empty for an unfitted learner and
    for a bare estimator (which does not keep its training set). With
    ``normalize=True`` every row is divided by its L2 norm (the reference
    code normalises its self-supervised features when it loads them).
    Returns ``(Z_pool, Z_labeled)``, the latter of shape ``(0, D)`` when there
    are no labels.
    """
    Z = get_embedding(learner, X_pool, space=space).astype(np.float64, copy=False)
    X_lab = getattr(learner, "X_labeled_", None)
    if X_lab is not None and X_lab.shape[0]:
        Z_lab = get_embedding(learner, X_lab, space=space).astype(np.float64, copy=False)
    else:
        Z_lab = np.empty((0, Z.shape[1]))
    if normalize:
        Z, Z_lab = _l2_normalize(Z), _l2_normalize(Z_lab)
    return Z, Z_lab


def _l2_normalize(Z):
    norms = np.linalg.norm(Z, axis=1, keepdims=True)
    return Z / np.where(norms > 0, norms, 1.0)


def typicality(Z, n_neighbors=20, *, squared=True):
    r"""Typicality of every row of ``Z`` among the rows of ``Z``.

    :math:`\mathrm{Typicality}(x) = \left(\frac{1}{k} \sum_{x_i \in
    \mathrm{kNN}(x)} d(x, x_i) + 10^{-5}\right)^{-1}` (Hacohen et al. 2022,
    eq. 4), the inverse mean distance to the ``k`` nearest other rows, with
    ``k = min(n_neighbors, n // 2)`` as in the reference code ("in case we
    have too small cluster, calculate density among half of the cluster").

    Parameters
    ----------
    Z : ndarray of shape (n, d)
    n_neighbors : int, default=20
        ``K_NN`` of the reference code.
    squared : bool, default=True
        ``True``: squared euclidean distances, which is what the reference
        code averages (``faiss.IndexFlatL2`` returns squared distances).
        ``False``: euclidean distances, as the paper's equation is written.

    Returns
    -------
    typicality : ndarray of shape (n,)
        NaN when ``n < 2`` (no neighbour to measure a density with).

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import typicality
    >>> Z = np.array([[0.0], [1.0], [3.0], [4.0]])
    >>> typicality(Z, n_neighbors=1, squared=False).round(3)
    array([1., 1., 1., 1.])
    >>> typicality(Z, n_neighbors=2, squared=False).round(3)
    array([0.5  , 0.667, 0.667, 0.5  ])
    """
    Z = np.asarray(Z, dtype=np.float64)
    n = Z.shape[0]
    k = min(int(n_neighbors), n // 2)
    if k < 1:
        return np.full(n, np.nan)
    dist, _ = NearestNeighbors(n_neighbors=k).fit(Z).kneighbors()
    if squared:
        dist = dist**2
    return 1.0 / (dist.mean(axis=1) + _EPS)


class TypiClust(BaseQueryStrategy):
    r"""TypiClust: cluster, then take the most typical point of each cluster.

    Hacohen, Dekel & Weinshall (2022), section 4 (TPC\ :sub:`RP`): the
    embeddings of the labelled set and the pool are clustered into
    ``min(|L| + budget, max_clusters)`` clusters with k-means. Clusters are
    visited in the order "fewest labelled points first, then largest first"
    (clusters without labels first), and from each the pool point of highest
    :func:`typicality` among the cluster's still unlabelled, unselected points
    is selected. Works on any learner's embedding
    (:func:`~skactive.utils.get_embedding`, like
    :class:`KCenterGreedy`) and needs no model: it can choose the initial set
    from an unfitted :class:`~skactive.ActiveLearner` (``learner.query(X_pool,
    budget)`` before ``fit``).

    Follows the reference code (avihu111/TypiClust, ``typiclust.py``, commit
    4097a71):

    * k-means: :class:`~sklearn.cluster.KMeans` up to ``50`` clusters,
      :class:`~sklearn.cluster.MiniBatchKMeans` (``batch_size=5000``) beyond;
      at most ``MAX_NUM_CLUSTERS = 500`` clusters;
    * clusters of ``MIN_CLUSTER_SIZE = 5`` points or fewer (labelled points
      included) are not visited; the order is computed once, and when the
      budget exceeds the number of clusters they are visited again in the
      same order (the cluster counts are not updated);
    * typicality uses ``K_NN = 20`` neighbours, at most half of the cluster's
      remaining points, recomputed at every visit, on *squared* euclidean
      distances (faiss ``IndexFlatL2``); the paper writes euclidean distances
      (``squared=False``);
    * ties go to the smallest cluster id, then to the smallest pool index.

    Deliberate deviations, where the reference code crashes: clusters whose
    points are all labelled or selected are skipped; when every visitable
    cluster is exhausted, the small clusters are visited too (so ``budget``
    distinct points are always returned); a cluster with a single remaining
    point gives that point. The reference seeds k-means globally; here
    ``random_state`` does.

    Scores: each pool point's typicality within its cluster, as computed at
    the first visit of the cluster (NaN for clusters never visited and for
    single-point clusters). The selection order is the visiting order.

    Parameters
    ----------
    space : {"embedding", "input"}, default="embedding"
        Cluster the learner's embedding (a pipeline's transformed features, a
        net's ``embed``) or the raw input.
    n_neighbors : int, default=20
        ``K_NN`` for the typicality.
    max_clusters : int, default=500
        ``MAX_NUM_CLUSTERS``.
    min_cluster_size : int, default=5
        Clusters with at most this many points are visited last.
    minibatch_above : int, default=50
        Use ``MiniBatchKMeans`` when there are more clusters than this.
    n_init : int, default=None
        k-means restarts; ``None`` is what the reference code got from
        scikit-learn 1.0: 10 for ``KMeans``, 3 for ``MiniBatchKMeans``.
    squared : bool, default=True
        Typicality on squared distances (reference code) or not (paper).
    normalize : bool, default=False
        L2-normalise the embedding first. The reference code does so for its
        self-supervised image features; on standardised tabular features it
        discards the norm, so it is off by default.
    random_state : int, RandomState instance or None, default=None
        Seeds k-means.

    Attributes
    ----------
    n_clusters_ : int
        Number of k-means clusters of the last query.

    References
    ----------
    G. Hacohen, A. Dekel, D. Weinshall. "Active Learning on a Budget: Opposite
    Strategies Suit High and Low Budgets", ICML 2022, section 4, eq. 4.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skactive import ActiveLearner
    >>> from skactive.datasets import load_letter
    >>> from skactive.strategies import TypiClust
    >>> X, y = load_letter(return_X_y=True)
    >>> learner = ActiveLearner(make_pipeline(StandardScaler(), LogisticRegression()),
    ...                         query_strategy=TypiClust(random_state=0))
    >>> learner.query(X[:2000], budget=26).shape  # no labels yet
    (26,)
    """

    _parameter_constraints = {
        "space": [StrOptions({"embedding", "input"})],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "max_clusters": [Interval(Integral, 1, None, closed="left")],
        "min_cluster_size": [Interval(Integral, 0, None, closed="left")],
        "minibatch_above": [Interval(Integral, 0, None, closed="left")],
        "n_init": [Interval(Integral, 1, None, closed="left"), None],
        "squared": ["boolean"],
        "normalize": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        space="embedding",
        n_neighbors=20,
        max_clusters=500,
        min_cluster_size=5,
        minibatch_above=50,
        n_init=None,
        squared=True,
        normalize=False,
        random_state=None,
    ):
        self.space = space
        self.n_neighbors = n_neighbors
        self.max_clusters = max_clusters
        self.min_cluster_size = min_cluster_size
        self.minibatch_above = minibatch_above
        self.n_init = n_init
        self.squared = squared
        self.normalize = normalize
        self.random_state = random_state

    def __query_tags__(self):
        return QueryStrategyTags(
            requires_embedding=True, requires_fitted_learner=False, stochastic=True
        )

    def _cluster(self, Z, n_clusters, random_state):
        if n_clusters > self.minibatch_above:
            km = MiniBatchKMeans(
                n_clusters=n_clusters,
                batch_size=5000,
                n_init=3 if self.n_init is None else self.n_init,
                random_state=random_state,
            )
        else:
            km = KMeans(
                n_clusters=n_clusters,
                n_init=10 if self.n_init is None else self.n_init,
                random_state=random_state,
            )
        with warnings.catch_warnings():
            # duplicate points: fewer distinct points than clusters
            warnings.simplefilter("ignore", ConvergenceWarning)
            return km.fit_predict(Z)

    def _query(self, X_pool, learner, budget, random_state):
        Z_pool, Z_lab = cold_start_embeddings(learner, X_pool, self.space, self.normalize)
        n_lab, n_pool = Z_lab.shape[0], Z_pool.shape[0]
        Z = np.vstack([Z_lab, Z_pool]) if n_lab else Z_pool
        n_clusters = min(n_lab + budget, self.max_clusters, Z.shape[0])
        labels = self._cluster(Z, n_clusters, random_state)
        self.n_clusters_ = int(n_clusters)
        order = cluster_visit_order(labels, n_lab, n_clusters, self.min_cluster_size)
        return typiclust_select(
            Z[n_lab:], labels[n_lab:], order, budget, self.n_neighbors, self.squared
        )


def cluster_visit_order(labels, n_labeled, n_clusters, min_cluster_size=5):
    """Order in which TypiClust visits the clusters.

    ``labels`` are the cluster ids of the labelled points (first
    ``n_labeled`` rows) and of the pool. Clusters are sorted by the number of
    labelled points (ascending), then by size (descending), then by id; those
    of at most ``min_cluster_size`` points are put after all the others (the
    reference code drops them). Returns ``(visit, n_visitable)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies._typiclust import cluster_visit_order
    >>> labels = np.array([0] + [0] * 6 + [1] * 7 + [2] * 2)  # one labelled in 0
    >>> cluster_visit_order(labels, 1, 3)
    (array([1, 0, 2]), 2)
    """
    sizes = np.bincount(labels, minlength=n_clusters)
    existing = np.bincount(labels[:n_labeled], minlength=n_clusters)
    ids = np.arange(n_clusters)
    big = sizes > min_cluster_size
    key = (ids, -sizes, existing, ~big)  # lexsort: last key is primary
    visit = np.lexsort(key)
    visit = visit[sizes[visit] > 0]
    return visit, int(np.count_nonzero(big))


def typiclust_select(Z, labels, order, budget, n_neighbors=20, squared=True):
    """The TypiClust selection loop on the pool (reference ``select_samples``).

    ``order = (visit, n_visitable)`` from :func:`cluster_visit_order`. The
    first ``n_visitable`` clusters of ``visit`` are visited in turns; the
    others only once those have no point left. Returns ``(indices, scores)``.
    """
    visit, n_visitable = order
    n = Z.shape[0]
    remaining = np.ones(n, dtype=bool)
    scores = np.full(n, np.nan)
    seen = np.zeros(labels.max() + 1 if n else 0, dtype=bool)
    members = _members_by_cluster(labels)
    selected = []
    groups = [visit[:n_visitable], visit[n_visitable:]]
    for group in groups:
        while len(selected) < budget and group.size:
            alive = []
            for c in group:
                if len(selected) == budget:
                    break
                idx = members.get(c)
                if idx is None:
                    continue
                idx = idx[remaining[idx]]
                if idx.size == 0:
                    continue
                alive.append(c)
                typ = typicality(Z[idx], n_neighbors, squared=squared)
                if not seen[c]:
                    scores[idx] = typ
                    seen[c] = True
                best = idx[0] if idx.size == 1 else idx[int(np.argmax(typ))]
                selected.append(best)
                remaining[best] = False
            group = np.asarray(alive, dtype=np.intp)
    return np.asarray(selected, dtype=np.intp), scores


def _members_by_cluster(labels):
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    chunks = np.split(order, bounds)
    return {int(labels[c[0]]): c for c in chunks if c.size}
