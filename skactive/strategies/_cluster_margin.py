"""Cluster-Margin (Citovsky et al. 2021): margin sampling diversified over
hierarchical clusters computed once."""

import copy
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.cluster import AgglomerativeClustering
from sklearn.metrics import pairwise_distances_argmin
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..utils import margin, reduce_class_scores, round_robin_by_group, top_k
from ..utils._embedding import get_embedding

__all__ = ["ClusterMargin"]


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix64(x):
    """splitmix64 finaliser, elementwise on uint64 (wrapping arithmetic)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def row_fingerprints(X, chunk_rows=4096):
    """A 64-bit fingerprint of each row's content (same values, same key).

    Numeric arrays (any shape and dtype, sparse included) are compared as
    float64 values; DataFrames through ``pandas.util.hash_pandas_object``
    (index ignored). Vectorised: every 8-byte word of a row is mixed with
    its position (splitmix64) and the words are summed, so two different
    rows collide with probability about ``2**-64``.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies._cluster_margin import row_fingerprints
    >>> k = row_fingerprints(np.array([[1, 2], [2, 1], [1, 2]]))
    >>> bool(k[0] == k[2]), bool(k[0] == k[1])
    (True, False)
    """
    if hasattr(X, "columns") and hasattr(X, "iloc"):
        import pandas as pd

        return pd.util.hash_pandas_object(X, index=False).to_numpy(dtype=np.uint64)
    if not hasattr(X, "shape"):
        X = np.asarray(X)
    n = X.shape[0]
    out = np.empty(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for start in range(0, n, chunk_rows):
            block = X[start : start + chunk_rows]
            if sparse.issparse(block):
                block = block.toarray()
            block = np.ascontiguousarray(np.asarray(block, dtype=np.float64))
            block = block.reshape(block.shape[0], -1) + 0.0  # -0.0 -> 0.0
            words = block.view(np.uint64)
            salt = np.arange(1, words.shape[1] + 1, dtype=np.uint64) * _GOLDEN
            out[start : start + chunk_rows] = _mix64(_mix64(words ^ salt).sum(axis=1))
    return out


def _take_rows(X, rows):
    return X.iloc[rows] if hasattr(X, "iloc") else X[rows]


class ClusterMargin(BaseQueryStrategy):
    r"""Lowest-margin samples, taken round-robin over HAC clusters, smallest first.

    Citovsky et al. (2021), Algorithm 1, as described in the DeepAL+ survey
    (section 2.2): hierarchical agglomerative clustering (average linkage) of
    the pool embedding is run **once**, at the first query, and its cluster
    membership is kept in later rounds; each query takes the :math:`k_m`
    pool samples with the smallest margin, groups them by cluster, sorts the
    clusters by their number of candidates (smallest first) and picks one
    random member of each cluster in turn, round after round, until the
    budget is met.

    Membership across rounds. A pool sample keeps the cluster it got at the
    first query, as in the paper (the clustering is a one-time
    pre-processing of the pool). Samples are recognised by their content: a
    64-bit fingerprint of each row (the values as float64, or pandas' row
    hash for DataFrames) is stored with its cluster (``16 * n_pool`` bytes),
    so the shrinking pool of later rounds may come in any order. Identical
    rows share one cluster (the first one met). A sample that was not in the
    first pool (the pool grew) joins the cluster with the nearest centroid,
    in the embedding frozen at the first query.

    Scalability (deviation from the paper, which runs a distributed HAC on the
    whole pool): HAC needs :math:`O(n^2)` memory, so it is fitted on at most
    ``max_cluster_samples`` pool samples drawn at random; every other sample
    of the first pool joins the cluster with the nearest centroid (and keeps
    it). The embedding of new samples is that of the first query (a deep copy
    of the fitted model), so they are placed in the space of the clusters.
    :meth:`fit` (called by :meth:`~skactive.ActiveLearner.fit`) forgets the
    clusters; ``reuse_clusters=False`` re-clusters at every query.

    Scores are ``-margin``; indices are in round-robin order. Duplicate points
    are ordinary samples (each is taken at most once).

    Parameters
    ----------
    margin_ratio : float, default=10
        :math:`k_m = \lceil \text{margin_ratio} \cdot budget \rceil` lowest-margin
        candidates (at least ``budget``, at most the pool).
    n_clusters : int, default=None
        Number of HAC clusters; ``None`` means ``ceil(sqrt(n_fit))``, ``n_fit``
        the number of clustered samples, but at least the budget of the
        first query (capped at ``n_fit``).
    linkage : {"average", "complete", "single", "ward"}, default="average"
    max_cluster_samples : int, default=5000
        Maximum number of samples given to HAC (memory ~ ``8 * n_fit**2`` bytes).
    space : {"embedding", "input"}, default="embedding"
    reuse_clusters : bool, default=True
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features_latent)
        Centroids of the HAC clusters (after the first query, if reused).
    cluster_embedder_ : estimator or None
        Frozen copy of the model that embeds new pool samples.
    cluster_labels_ : ndarray of shape (n_pool,)
        Cluster of each sample of the last queried pool.

    References
    ----------
    G. Citovsky, G. DeSalvo, C. Gentile, L. Karydas, A. Rajagopalan,
    A. Rostamizadeh, S. Kumar. "Batch Active Learning at Scale", NeurIPS 2021,
    Algorithm 1 (Cluster-Margin).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skactive import ActiveLearner
    >>> from skactive.datasets import load_letter
    >>> from skactive.strategies import ClusterMargin
    >>> X, y = load_letter(return_X_y=True)
    >>> learner = ActiveLearner(make_pipeline(StandardScaler(), LogisticRegression()),
    ...                         query_strategy=ClusterMargin(random_state=0))
    >>> learner = learner.fit(X[:300], y[:300])
    >>> learner.query(X[300:2300], budget=5).shape
    (5,)
    >>> learner.query_strategy_.cluster_centers_.shape[1]
    16
    """

    _parameter_constraints = {
        "margin_ratio": [Interval(Real, 1, None, closed="left")],
        "n_clusters": [Interval(Integral, 1, None, closed="left"), None],
        "linkage": [StrOptions({"average", "complete", "single", "ward"})],
        "max_cluster_samples": [Interval(Integral, 2, None, closed="left")],
        "space": [StrOptions({"embedding", "input"})],
        "reuse_clusters": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        margin_ratio=10,
        n_clusters=None,
        linkage="average",
        max_cluster_samples=5000,
        space="embedding",
        reuse_clusters=True,
        random_state=None,
    ):
        self.margin_ratio = margin_ratio
        self.n_clusters = n_clusters
        self.linkage = linkage
        self.max_cluster_samples = max_cluster_samples
        self.space = space
        self.reuse_clusters = reuse_clusters
        self.random_state = random_state

    def __query_tags__(self):
        return QueryStrategyTags(requires_scores=True, requires_embedding=True, stochastic=True)

    def fit(self, X=None, y=None, **fit_params):
        """Forget the clusters of a previous run.

        Returns
        -------
        self : ClusterMargin
        """
        for attr in ("cluster_centers_", "cluster_embedder_", "cluster_labels_",
                     "_member_keys", "_member_labels"):
            self.__dict__.pop(attr, None)
        return self

    def _cluster_labels(self, X_pool, learner, budget, random_state):
        if self.reuse_clusters and hasattr(self, "cluster_centers_"):
            keys = row_fingerprints(X_pool)
            pos = np.clip(np.searchsorted(self._member_keys, keys), 0,
                          len(self._member_keys) - 1)
            known = self._member_keys[pos] == keys
            labels = np.empty(len(keys), dtype=np.intp)
            labels[known] = self._member_labels[pos[known]]
            if not np.all(known):  # samples that were not in the first pool
                embedder = self.cluster_embedder_
                Z = get_embedding(embedder if embedder is not None else learner,
                                  _take_rows(X_pool, np.flatnonzero(~known)), space=self.space)
                labels[~known] = pairwise_distances_argmin(Z, self.cluster_centers_)
            return labels
        Z = get_embedding(learner, X_pool, space=self.space)
        n = Z.shape[0]
        n_fit = min(n, self.max_cluster_samples)
        sub = np.sort(random_state.choice(n, size=n_fit, replace=False)) if n_fit < n \
            else np.arange(n)
        k = self.n_clusters or max(int(np.ceil(np.sqrt(n_fit))), budget)
        k = max(1, min(k, n_fit))
        if k == 1 or n_fit < 2:
            sub_labels = np.zeros(n_fit, dtype=np.intp)
        else:
            sub_labels = AgglomerativeClustering(n_clusters=k, linkage=self.linkage).fit(
                Z[sub]).labels_
        k = sub_labels.max() + 1
        counts = np.bincount(sub_labels, minlength=k)
        centers = np.zeros((k, Z.shape[1]))
        np.add.at(centers, sub_labels, Z[sub])
        centers /= counts[:, None]
        labels = pairwise_distances_argmin(Z, centers) if n_fit < n else \
            np.empty(n, dtype=np.intp)
        labels[sub] = sub_labels
        if self.reuse_clusters:
            keys = row_fingerprints(X_pool)
            # identical rows share the cluster of their first occurrence
            self._member_keys, first = np.unique(keys, return_index=True)
            self._member_labels = labels[first]
            self.cluster_centers_ = centers
            src = learner
            if hasattr(learner, "X_labeled_") and hasattr(learner, "estimator_"):
                src = learner.estimator_
            self.cluster_embedder_ = None if self.space == "input" else copy.deepcopy(src)
        return labels

    def _query(self, X_pool, learner, budget, random_state):
        m, _ = reduce_class_scores(learner, X_pool, margin)
        n = m.shape[0]
        labels = self._cluster_labels(X_pool, learner, budget, random_state)
        self.cluster_labels_ = labels
        k_m = min(n, max(budget, int(np.ceil(self.margin_ratio * budget))))
        cand = top_k(-m, k_m)
        groups = labels[cand]
        _, codes, sizes = np.unique(groups, return_inverse=True, return_counts=True)
        codes = codes.ravel()
        # clusters by candidate count (smallest first, ties by label); random
        # order inside each cluster
        order = cand[np.lexsort((random_state.random_sample(k_m), codes, sizes[codes]))]
        return round_robin_by_group(order, labels, budget), -m
