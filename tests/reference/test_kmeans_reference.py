"""KMeansSampling against a re-derivation of the DeepAL+ / BADGE baseline.

Sources (read, not copied): github.com/SineZHAN/deepALplus, commit
93c2884e40e9a0b55cd2cf9527d3d1ff9d7e0c20, ``query_strategies/kmeans_sampling.py``
(``KMeansSampling.query``), and the identical rule in github.com/JordanAsh/badge,
commit a2d18acd372cf0f61d9e75bfb0c879c107fbf9f6,
``query_strategies/kmeans_sampling.py``: ``KMeans(n_clusters=n)`` on the pool
embedding with scikit-learn's defaults -- DeepAL+ pins scikit-learn 1.0.2
(``environment.yml``): k-means++ and ``n_init=10`` -- then, in every cluster,
the member of smallest squared distance to its centre.

Stochastic through k-means only: for the same random state the reference's
k-means run and skactive's are the same run, so the picks must be equal
(Jaccard 1.0) for every seed, which also makes the laws over seeds equal.
Ties (two members at the same distance from a centre) do not occur here.
"""

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans

from skactive.strategies import KMeansSampling

from .conftest import jaccard


def _reference_rule(Z, km):
    labels = km.predict(Z)
    d = ((Z - km.cluster_centers_[labels]) ** 2).sum(axis=1)
    return np.array([
        np.flatnonzero(labels == c)[d[labels == c].argmin()] for c in range(km.n_clusters)
    ])


def test_default_is_ten_restarts():
    assert KMeansSampling().get_params()["n_init"] == 10


def test_kmeans_equals_reference(digits_linear, linear_learner):
    _, _, Z_pool, _ = digits_linear
    for seed in range(3):
        km = KMeans(n_clusters=12, n_init=10, random_state=np.random.RandomState(seed))
        ref = _reference_rule(Z_pool, km.fit(Z_pool))
        idx = KMeansSampling(random_state=seed).query(Z_pool, linear_learner, budget=12)
        assert jaccard(idx, ref) == 1.0


def test_minibatch_applies_the_same_rule(digits_linear, linear_learner):
    """``algorithm="minibatch"``: the reference's selection rule on a
    MiniBatchKMeans run (batches of max(1024, 3 * budget)); not the
    reference's clustering, hence an option."""
    _, _, Z_pool, _ = digits_linear
    km = MiniBatchKMeans(
        n_clusters=12, n_init=10, max_iter=300, batch_size=1024,
        random_state=np.random.RandomState(0),
    ).fit(Z_pool)
    ref = _reference_rule(Z_pool, km)
    idx = KMeansSampling(algorithm="minibatch", random_state=0).query(
        Z_pool, linear_learner, budget=12)
    assert jaccard(idx, ref) == 1.0
