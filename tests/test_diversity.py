"""KMeansSampling, KCenterGreedy/CoreSet, DBAL, ClusterMargin: hand-computed
cases, duplicates, and use inside ActiveLearner on letter."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import pairwise_distances
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skactive import ActiveLearner
from skactive.datasets import load_letter
from skactive.exceptions import LearnerCapabilityError
from skactive.strategies import (
    BADGE,
    DBAL,
    ClusterMargin,
    CoreSet,
    KCenterGreedy,
    KMeansSampling,
    kcenter_greedy,
    nearest_to_centers,
)
from skactive.utils import get_embedding


def _naive_kcenter(Z, k, Z_start, metric="euclidean"):
    chosen = []
    for _ in range(k):
        centers = np.vstack([Z_start, Z[chosen]]) if chosen else Z_start
        d = pairwise_distances(Z, centers, metric=metric).min(axis=1)
        d[chosen] = -1
        chosen.append(int(np.argmax(d)))
    return np.array(chosen)


# ------------------------------------------------------------------ k-center
def test_kcenter_hand_computed():
    Z = np.array([[0.0], [1.0], [5.0], [9.0], [10.0]])
    sel, pick_d, min_d = kcenter_greedy(Z, 3, Z_start=np.array([[0.0]]))
    # farthest from 0 is 10; then 5 (distance 5 to 0 and 10); then 1 or 9
    # (both at distance 1): the tie goes to the smaller index
    np.testing.assert_array_equal(sel, [4, 2, 1])
    np.testing.assert_allclose(pick_d, [10.0, 5.0, 1.0])
    np.testing.assert_allclose(min_d, [0.0, 0.0, 0.0, 1.0, 0.0])


@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "cosine"])
def test_kcenter_equals_naive_recomputation(metric):
    rng = np.random.RandomState(0)
    Z, Z_start = rng.normal(size=(200, 5)), rng.normal(size=(7, 5))
    sel, _, _ = kcenter_greedy(Z, 25, Z_start, metric=metric)
    np.testing.assert_array_equal(sel, _naive_kcenter(Z, 25, Z_start, metric))


def test_kcenter_duplicates_and_small_pool():
    Z = np.repeat(np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 4.0]]), 3, axis=0)
    sel, pick_d, _ = kcenter_greedy(Z, 7, Z_start=np.array([[0.0, 0.0]]))
    assert len(set(sel)) == 7
    # the two new distinct points first, then the rest in index order
    np.testing.assert_array_equal(sel[:2], [6, 3])
    np.testing.assert_array_equal(sel[2:], [0, 1, 2, 4, 5])
    np.testing.assert_allclose(pick_d[2:], 0.0)


@pytest.fixture(scope="module")
def letter():
    X, y = load_letter(return_X_y=True)
    return X.astype(float), y


def _learner(strategy, X, y, n_lab=300):
    est = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300))
    return ActiveLearner(est, query_strategy=strategy, random_state=0).fit(X[:n_lab], y[:n_lab])


def test_coreset_alias_and_first_pick_is_farthest_from_labelled(letter):
    X, y = letter
    assert CoreSet is KCenterGreedy
    learner = _learner(CoreSet(), X, y)
    X_pool = X[300:1300]
    idx, scores = learner.query(X_pool, budget=10, return_scores=True)
    Z = get_embedding(learner, X_pool)
    d = pairwise_distances(Z, get_embedding(learner, X[:300])).min(axis=1)
    assert idx[0] == np.argmax(d)
    np.testing.assert_allclose(scores[idx[0]], d.max())
    assert np.all(np.diff(scores[idx]) <= 1e-12)  # picked distances never increase
    with pytest.raises(LearnerCapabilityError, match="ActiveLearner"):
        CoreSet().query(X_pool, learner.estimator_, budget=2)


# ------------------------------------------------------------------ k-means
def test_nearest_to_centers_fills_empty_clusters():
    Z = np.array([[0.0], [0.0], [0.0]])
    idx, _ = nearest_to_centers(Z, np.zeros(3, dtype=int), np.zeros((2, 1)), 0, 3)
    assert sorted(idx) == [0, 1, 2]


def _blobs():
    centers = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    offsets = np.array([[0.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    # blob sizes 5, 4, 3; the blob centre point itself is in the first row
    Z = np.vstack([centers[0] + offsets, centers[1] + offsets[:4], centers[2] + offsets[:3]])
    return Z


class _Identity(LogisticRegression):
    """A fitted linear model on 2-D points (identity embedding)."""


def _fitted_identity():
    return _Identity().fit(np.array([[0.0, 0.0], [10.0, 10.0]]), [0, 1])


def test_kmeans_one_point_per_blob_nearest_to_centre():
    Z = _blobs()
    idx, scores = KMeansSampling(random_state=0).query(Z, _fitted_identity(), 3, return_scores=True)
    # k-means centres are the blob means (0, 0), (10, 0.25) and (0, 10); the
    # nearest members are rows 0, 5 (at 0.25) and 9 (at 0)
    np.testing.assert_array_equal(idx, [0, 5, 9])  # largest blob first
    assert scores.shape == (12,) and np.all(scores <= 0)


def test_kmeans_minibatch_matches_lloyd_on_clear_clusters():
    rng = np.random.RandomState(0)
    centres = rng.uniform(-50, 50, size=(20, 2))
    Z = np.repeat(centres, 50, axis=0) + 0.1 * rng.randn(1000, 2)
    blob = np.repeat(np.arange(20), 50)
    for algorithm in ("lloyd", "minibatch"):
        s = KMeansSampling(algorithm=algorithm, random_state=0)
        idx = s.query(Z, _fitted_identity(), 20)
        assert len(set(idx)) == 20
        # one sample per blob: every cluster was recovered
        assert set(blob[idx]) == set(range(20)), algorithm
    with pytest.raises(ValueError, match="algorithm"):
        KMeansSampling(algorithm="elkan").query(Z, _fitted_identity(), 2)


def test_kmeans_duplicates_give_unique_indices():
    Z = np.repeat(np.array([[0.0, 0.0], [5.0, 5.0]]), 4, axis=0)
    idx = KMeansSampling(random_state=0).query(Z, _fitted_identity(), 5)
    assert len(set(idx)) == 5
    assert {i // 4 for i in idx[:2]} == {0, 1}


# ------------------------------------------------------------------ DBAL
def test_dbal_prefilters_by_margin_then_one_per_cluster():
    # two well-separated groups of uncertain points near the boundary x=0, and
    # confident points far away that the pre-filter must drop
    clf = LogisticRegression(C=1e4).fit(np.array([[-1.0, 0.0], [1.0, 0.0]]), [0, 1])
    uncertain = np.array([[0.0, 0.0], [0.01, 0.1], [-0.01, 0.2], [0.0, 50.0], [0.01, 50.1]])
    confident = np.array([[-5.0, 0.0], [5.0, 0.0], [-5.0, 50.0], [5.0, 50.0], [6.0, 1.0]])
    X = np.vstack([confident, uncertain])
    idx, scores = DBAL(beta=2.5, random_state=0).query(X, clf, 2, return_scores=True)
    assert set(idx) <= set(range(5, 10))
    assert len({int(X[i, 1] > 25) for i in idx}) == 2  # one per group
    margins = -scores
    assert np.all(np.diff(margins[idx]) >= 0)  # most uncertain first


# ------------------------------------------------------------------ Cluster-Margin
def test_cluster_margin_round_robin_smallest_cluster_first():
    clf = LogisticRegression(C=1e4).fit(np.array([[-1.0, 0.0], [1.0, 0.0]]), [0, 1])
    # three tight clusters at y=0, 100, 200; all near the boundary (low
    # margin); sizes 4, 2, 1; plus confident points far from the boundary
    rows = [[0.01 * i, 0.0 + 0.1 * i] for i in range(4)]
    rows += [[0.01 * i, 100.0 + 0.1 * i] for i in range(2)]
    rows += [[0.0, 200.0]]
    rows += [[-30.0, 300.0], [30.0, 300.0]]
    X = np.array(rows)
    strategy = ClusterMargin(n_clusters=4, margin_ratio=7 / 5, random_state=0)
    idx = strategy.fit().query(X, clf, budget=5)
    # k_m = 7 candidates (the three clusters); one per cluster, smallest first,
    # then the second pass over the clusters still non-empty
    assert idx[0] == 6
    assert idx[1] in (4, 5)
    assert idx[2] in (0, 1, 2, 3)
    assert idx[3] in (4, 5) and idx[4] in (0, 1, 2, 3)
    centers = strategy.cluster_centers_
    # the clusters are reused on the next (smaller) pool, then forgotten by fit
    strategy.query(X[1:], clf, budget=3)
    assert strategy.cluster_centers_ is centers
    assert not hasattr(strategy.fit(), "cluster_centers_")


def test_cluster_margin_subsamples_for_hac(letter):
    X, y = letter
    learner = _learner(ClusterMargin(max_cluster_samples=200, random_state=0), X, y)
    idx = learner.query(X[300:3300], budget=20)
    assert len(set(idx)) == 20
    assert learner.query_strategy_.cluster_centers_.shape == (20, 16)


# ------------------------------------------------------------------ in ActiveLearner
@pytest.mark.parametrize(
    "strategy",
    [KMeansSampling(random_state=0), KCenterGreedy(), DBAL(random_state=0),
     ClusterMargin(random_state=0), BADGE(random_state=0)],
    ids=lambda s: type(s).__name__,
)
def test_active_learning_loop_on_letter(letter, strategy):
    X, y = letter
    X_pool, y_pool = X[300:2300], y[300:2300]
    learner = _learner(strategy, X, y)
    available = np.arange(len(X_pool))
    for _ in range(2):
        idx = learner.query(X_pool[available], budget=20)
        assert len(set(idx)) == 20
        learner.teach(X_pool[available[idx]], y_pool[available[idx]])
        available = np.delete(available, idx)
    assert learner.X_labeled_.shape[0] == 340
    # reproducible from the seed
    first = clone(strategy).query(X_pool, _learner(strategy, X, y), budget=10)
    again = clone(strategy).query(X_pool, _learner(strategy, X, y), budget=10)
    np.testing.assert_array_equal(first, again)
