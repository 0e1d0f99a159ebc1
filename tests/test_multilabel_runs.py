"""Multi-label runs beyond the strategies themselves: every ml-* strategy on a
dask-array pool (picks equal the numpy pool's, on a LocalCluster), simulate
with a dask pool and stopping criteria, and initial= strategies with
multi-label y (model-free ones work and ignore y; ProbCover refuses)."""

import warnings

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skactive import ActiveLearner
from skactive.base import get_query_tags
from skactive.experiments import available_strategies, get_strategy, simulate
from skactive.utils.estimator_checks import multilabel_learner_and_pool

from ._helpers import local_dask_client

ML_NAMES = [n for n in available_strategies() if n.startswith("ml-")]


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    X, d = load_digits(return_X_y=True)
    Y = np.column_stack([d % 2 == 0, d >= 5, np.isin(d, (2, 3, 5, 7)), d % 3 == 0])
    return X[:600], Y[:600].astype(int), d[:600]


def _learner(strategy=None):
    return ActiveLearner(make_pipeline(StandardScaler(),
                                       OneVsRestClassifier(LogisticRegression(max_iter=300))),
                         strategy)


def test_every_multilabel_strategy_is_registered_and_dask_capable():
    assert len(ML_NAMES) == 8
    for name in ML_NAMES:
        tags = get_query_tags(get_strategy(name))
        assert tags.multilabel and tags.supports_dask_pool, name


# ------------------------------------------------------------------ dask pools
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    yield from local_dask_client(1)


@pytest.mark.parametrize("name", ML_NAMES)
def test_multilabel_dask_pool_picks_equal_numpy(client, name):
    learner, X_pool, _ = multilabel_learner_and_pool(get_strategy(name), n_pool=300)
    pool = da.from_array(X_pool, chunks=(70, -1))  # uneven last block
    expected = learner.query(X_pool, budget=9)
    got = learner.query(pool, budget=9)
    assert isinstance(got, np.ndarray)
    np.testing.assert_array_equal(got, expected)
    bare = get_strategy(name)  # the strategy alone, on the bare estimator when it can
    model = learner if get_query_tags(bare).requires_labeled_data else learner.estimator_
    np.testing.assert_array_equal(bare.query(pool, model, 9), bare.query(X_pool, model, 9))
    np.testing.assert_array_equal(np.sort(learner.query(pool, budget=300)), np.arange(300))


def test_simulate_multilabel_dask_pool_equals_numpy(client, digits):
    X, Y, _ = digits
    kw = dict(n_initial=20, budget=10, n_rounds=2, random_state=0, stop_early=False,
              stopping=["stabilizing-predictions", "max-confidence", "overall-uncertainty",
                        "classification-change"])
    for name in ("ml-max-loss",):
        a = simulate(_learner(get_strategy(name)), X[:400], Y[:400], X[400:], Y[400:], **kw)
        b = simulate(_learner(get_strategy(name)), da.from_array(X[:400], chunks=(90, -1)),
                     Y[:400], X[400:], Y[400:], **kw)
        np.testing.assert_array_equal(a.labeled_indices, b.labeled_indices)
        np.testing.assert_array_equal(a.labeled_y, b.labeled_y)
        for crit, values in a.meta["stopping_history"].items():
            np.testing.assert_allclose(b.meta["stopping_history"][crit], values)
        assert a.meta["stop_rounds"] == b.meta["stop_rounds"]


# ------------------------------------------------------------ initial= strategies
@pytest.mark.parametrize("initial", ["typiclust", "kmeans", "kcenter"])
def test_model_free_initial_sets_ignore_multilabel_y(digits, initial):
    """The chooser never reads y: the multi-label run starts from the same
    samples as a single-label run on the same X and seed."""
    X, Y, d = digits
    kw = dict(n_initial=12, budget=5, n_rounds=1, initial=initial, random_state=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a label constant in the start set
        multi = simulate(_learner(get_strategy("ml-mmc")), X[:300], Y[:300], X[300:],
                         Y[300:], **kw)
    single = simulate(_learner(get_strategy("margin")), X[:300], d[:300], X[300:], d[300:],
                      **kw)
    np.testing.assert_array_equal(multi.labeled_indices[:12], single.labeled_indices[:12])
    assert np.unique(multi.labeled_indices[:12]).size == 12
    assert multi.is_multilabel and len(multi.n_labels) == 2


def test_probcover_initial_refuses_multilabel_y(digits):
    X, Y, d = digits
    kw = dict(n_initial=12, budget=5, n_rounds=1, initial="probcover", random_state=0)
    with pytest.raises(ValueError, match="initial='probcover'.*multi-label"):
        simulate(_learner(get_strategy("ml-mmc")), X[:300], Y[:300], X[300:], Y[300:], **kw)
    # single-label runs still get the number of classes
    res = simulate(_learner(get_strategy("margin")), X[:300], d[:300], X[300:], d[300:], **kw)
    assert np.unique(res.labeled_indices[:12]).size == 12


# ------------------------------------------------- stopping criteria on dask pools
from skactive.stopping import (  # noqa: E402
    ClassificationChange,
    MaxConfidence,
    OverallUncertainty,
    StabilizingPredictions,
)

CRITERIA = [StabilizingPredictions, ClassificationChange, MaxConfidence, OverallUncertainty]


@pytest.mark.parametrize("kind", ["single", "multi"])
def test_stopping_criteria_on_dask_pools_equal_numpy(client, digits, kind):
    X, Y, d = digits
    y = Y if kind == "multi" else d
    learner = _learner().fit(X[:60], y[:60]).teach(X[60:100], y[60:100])
    pool = X[100:]
    chunked = da.from_array(pool, chunks=(130, 16))  # split columns too
    for cls in CRITERIA:
        a, b = cls(), cls()
        for _ in range(2):  # the second call compares with the first
            a.should_stop(learner, pool)
            b.should_stop(learner, chunked)
        np.testing.assert_allclose(b.history_, a.history_)
        assert b.stopped_ == a.stopped_


def test_stopping_criteria_leave_the_dask_pool_on_the_workers(client):
    """Only per-sample predictions / uncertainties come back to the client."""
    import tracemalloc

    rng = np.random.RandomState(0)
    Xl = rng.normal(size=(200, 40))
    yl = (Xl[:, 0] > 0).astype(int)
    learner = ActiveLearner(LogisticRegression()).fit(Xl[:100], yl[:100])
    learner.teach(Xl[100:], yl[100:])
    X = da.random.RandomState(1).normal(size=(100_000, 40), chunks=(25_000, 40)).persist()
    distributed.wait(X)
    for cls in CRITERIA:
        cls().should_stop(learner, X[:1000])  # warm up
    for cls in CRITERIA:
        crit = cls()
        tracemalloc.start()
        crit.should_stop(learner, X)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert len(crit.history_) == 1
        assert peak < 0.15 * X.nbytes, (cls.__name__, peak, X.nbytes)
