"""Dask-array pools: scored blockwise on a LocalCluster, picks equal the numpy
pool's, only indices (and lazy scores) come back; in-memory strategies refuse."""

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from skactive import ActiveLearner
from skactive.base import get_query_tags
from skactive.strategies import (
    BALD,
    CEAL,
    Alamp,
    AlampDiv,
    Entropy,
    EntropyDropout,
    KCenterGreedy,
    KMeansSampling,
    LeastConfidence,
    LeastConfidenceDropout,
    Margin,
    MarginDropout,
    MeanSTD,
    QueryByCommittee,
    RandomSampling,
    VarRatio,
)

from ._helpers import local_dask_client

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    yield from local_dask_client(2)


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(2400, 6))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 0.8)
    lr = ActiveLearner(LogisticRegression()).fit(X[:80], y[:80]).teach(X[80:120], y[80:120])
    rf = ActiveLearner(RandomForestClassifier(n_estimators=8, random_state=0)).fit(
        X[:120], y[:120])
    return X[120:], lr, rf


SCORED = [
    (Entropy(), "lr"), (Margin(), "lr"), (LeastConfidence(), "lr"), (VarRatio(), "lr"),
    (Alamp(), "lr"), (BALD(), "rf"), (EntropyDropout(), "rf"), (MarginDropout(), "rf"),
    (LeastConfidenceDropout(), "rf"), (MeanSTD(), "rf"), (QueryByCommittee(), "rf"),
    (QueryByCommittee(method="kl_divergence", n_members=3, random_state=0), "lr"),
    (CEAL(), "lr"),
]


@pytest.mark.parametrize("strategy, which", SCORED, ids=lambda s: s if isinstance(s, str) else type(s).__name__)
def test_dask_pool_picks_equal_numpy(client, data, strategy, which):
    pool, lr, rf = data
    learner = lr if which == "lr" else rf
    X = da.from_array(pool, chunks=(500, 3)).persist()  # on the workers
    assert get_query_tags(strategy).supports_dask_pool
    expected, expected_scores = strategy.query(pool, learner, 25, return_scores=True)
    idx, scores = strategy.query(X, learner, 25, return_scores=True)
    np.testing.assert_array_equal(idx, expected)
    assert isinstance(scores, da.Array) and scores.shape == (pool.shape[0],)
    np.testing.assert_allclose(scores.compute(), expected_scores, rtol=1e-12, atol=1e-12)
    assert isinstance(strategy.query(X, learner, 3), np.ndarray)


def test_active_learner_query_passes_dask_pools_through(client, data):
    pool, _, _ = data
    rng = np.random.RandomState(3)
    X_lab = rng.normal(size=(60, 6))
    learner = ActiveLearner(LogisticRegression(), query_strategy=Entropy()).fit(
        X_lab, (X_lab[:, 0] > 0).astype(int))
    X = da.from_array(pool, chunks=(400, 6)).persist()
    np.testing.assert_array_equal(learner.query(X, budget=12), learner.query(pool, budget=12))


def test_dask_ties_and_nan_like_top_k(client, data):
    """Many exact ties across blocks: same order as top_k on the whole array."""
    pool, lr, _ = data
    X = da.from_array(np.round(pool, 0), chunks=(300, 6))
    Xn = np.round(pool, 0)
    for budget in (1, 17, 300, 900):
        np.testing.assert_array_equal(Margin().query(X, lr, budget),
                                      Margin().query(Xn, lr, budget))


def test_dask_pool_not_materialised_in_client(client, data):
    """The client allocates a small fraction of the pool (the pool lives on
    the workers; only indices per block come back)."""
    import tracemalloc

    _, lr, _ = data
    # made on the workers: the client never holds the pool (48 MB)
    X = da.random.RandomState(1).normal(size=(1_000_000, 6), chunks=(125_000, 6)).persist()
    distributed.wait(X)
    Margin().query(X[:1000], lr, 5)  # warm up (imports, connections)
    tracemalloc.start()
    idx = Margin().query(X, lr, 50)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert idx.shape == (50,)
    assert peak < 0.05 * X.nbytes, (peak, X.nbytes)


def test_random_sampling_dask_pool_uses_only_its_length(data):
    """RandomSampling needs n_pool only: same picks and scores as the numpy
    pool, and no block of the dask pool is ever computed."""
    import dask

    pool, lr, _ = data
    assert get_query_tags(RandomSampling()).supports_dask_pool

    def never(block):
        raise AssertionError("a block of the pool was computed")

    X = da.from_array(pool, chunks=(500, 6)).map_blocks(never, dtype=pool.dtype)
    with dask.config.set(scheduler="sync"):
        for budget in (1, 25, pool.shape[0]):
            expected, expected_scores = RandomSampling(random_state=3).query(
                pool, lr, budget, return_scores=True)
            idx, scores = RandomSampling(random_state=3).query(X, lr, budget,
                                                               return_scores=True)
            np.testing.assert_array_equal(idx, expected)
            assert isinstance(scores, da.Array) and scores.chunks[0] == X.chunks[0]
            np.testing.assert_array_equal(scores.compute(), expected_scores)
        # an unfitted learner is fine, as for in-memory pools
        np.testing.assert_array_equal(
            RandomSampling(random_state=0).query(X, LogisticRegression(), 7),
            RandomSampling(random_state=0).query(pool, LogisticRegression(), 7))
        with pytest.raises(ValueError, match="budget"):
            RandomSampling().query(X, lr, pool.shape[0] + 1)


@pytest.mark.parametrize("strategy", [KCenterGreedy(), KMeansSampling(random_state=0),
                                      AlampDiv()], ids=lambda s: s if isinstance(s, str) else type(s).__name__)
def test_in_memory_strategies_refuse_dask_pools(data, strategy):
    pool, lr, _ = data
    assert not get_query_tags(strategy).supports_dask_pool
    with pytest.raises(ValueError, match="needs the whole pool in memory"):
        strategy.query(da.from_array(pool, chunks=500), lr, 3)


def test_dask_pool_validation(data):
    pool, lr, _ = data
    with pytest.raises(ValueError, match="budget"):
        Entropy().query(da.from_array(pool, chunks=500), lr, pool.shape[0] + 1)
    with pytest.raises(ValueError, match="features"):
        Entropy().query(da.from_array(pool[:, :4], chunks=500), lr, 3)
    bad = pool.copy()
    bad[700, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        Entropy().query(da.from_array(bad, chunks=500), lr, 3)
    X = da.from_array(pool, chunks=500)
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        Entropy().query(X[X[:, 0] > 0], lr, 3)


def test_simulate_passes_dask_pools_through(client, data):
    from skactive.experiments import simulate

    pool, _, _ = data
    y = (pool[:, 0] + pool[:, 1] > 0).astype(int)
    X = da.from_array(pool, chunks=600)
    learner = ActiveLearner(LogisticRegression(), query_strategy=Margin())
    kw = dict(n_initial=20, budget=10, n_rounds=3, random_state=0)
    a = simulate(learner, X, y, pool[:300], y[:300], **kw)
    b = simulate(learner, pool, y, pool[:300], y[:300], **kw)
    np.testing.assert_array_equal(a.labeled_indices, b.labeled_indices)
