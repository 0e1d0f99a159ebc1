"""Memory-mapped pools: scored chunk by chunk, no full copy in memory."""

import tracemalloc

import numpy as np
import pytest
from sklearn import config_context
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from skactive import ActiveLearner
from skactive.strategies import BALD, Alamp, Entropy, KCenterGreedy, Margin, QueryByCommittee


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    rng = np.random.RandomState(0)
    path = tmp_path_factory.mktemp("pool") / "pool.dat"
    X = np.memmap(path, dtype=np.float64, mode="w+", shape=(60_000, 32))  # 15 MiB
    for start in range(0, X.shape[0], 10_000):
        X[start : start + 10_000] = rng.normal(size=(10_000, 32))
    X.flush()
    del X
    X = np.memmap(path, dtype=np.float64, mode="r", shape=(60_000, 32))
    y = (X[:300, 0] + X[:300, 1] > 0).astype(int) + (X[:300, 2] > 0.8)
    lr = ActiveLearner(LogisticRegression()).fit(np.asarray(X[:200]), y[:200])
    lr = lr.teach(np.asarray(X[200:300]), y[200:300])
    rf = ActiveLearner(RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0))
    return X, lr, rf.fit(np.asarray(X[:300]), y)


def _peak(func):
    tracemalloc.start()
    try:
        out = func()
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("strategy, which", [
    (Entropy(), "lr"), (Margin(), "lr"), (Alamp(), "lr"), (BALD(), "rf"),
    (QueryByCommittee(), "rf"),
], ids=lambda s: s if isinstance(s, str) else type(s).__name__)
def test_memmap_pool_scored_in_chunks(pool, strategy, which):
    X, lr, rf = pool
    learner = lr if which == "lr" else rf
    with config_context(working_memory=1):  # chunks of about 1 MiB of work
        idx, peak = _peak(lambda: strategy.query(X, learner, 20))
    assert peak < 0.25 * X.nbytes, (peak, X.nbytes)  # no full copy of the pool
    expected = strategy.query(np.array(X), learner, 20)
    np.testing.assert_array_equal(idx, expected)


def test_memmap_pool_is_not_copied_by_validation(pool):
    from skactive.utils import check_pool

    X, lr, _ = pool
    checked, peak = _peak(lambda: check_pool(X, lr))
    assert np.shares_memory(checked, X)
    assert peak < 0.05 * X.nbytes


def test_memmap_pool_in_memory_strategy(pool):
    X, lr, _ = pool
    # k-center works on a memmap too (it reads the pool, float64 kept)
    np.testing.assert_array_equal(KCenterGreedy(space="input").query(X[:5000], lr, 5),
                                  KCenterGreedy(space="input").query(np.array(X[:5000]), lr, 5))
