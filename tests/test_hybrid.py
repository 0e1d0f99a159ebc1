"""TCM: TypiClust while labels are few, then the warm strategy."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skactive import ActiveLearner
from skactive.strategies import TCM, AlfaMix, KMeansSampling, Margin, TypiClust


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=400, n_features=6, n_informative=4,
                               n_classes=3, n_clusters_per_class=1, random_state=0)
    return X, y


def _learner(X, y, n_labeled, estimator=None, strategy=None):
    est = estimator if estimator is not None else make_pipeline(
        StandardScaler(), LogisticRegression())
    learner = ActiveLearner(est, query_strategy=strategy or TCM(random_state=0))
    # first n_labeled rows, with every class present
    idx = np.concatenate([np.flatnonzero(y == c)[:1] for c in range(3)])
    idx = np.concatenate([idx, np.setdiff1d(np.arange(n_labeled + 3), idx)[: n_labeled - 3]])
    return learner.fit(X[idx], y[idx]), np.setdiff1d(np.arange(len(y)), idx)


def test_cold_phase_is_the_cold_strategy(data):
    X, y = data
    learner, pool = _learner(X, y, 6)  # 6 < 3 labels x 3 classes
    tcm = TCM(cold=TypiClust(random_state=5))
    got = tcm.query(X[pool], learner, budget=7)
    assert tcm.phase_ == "cold"
    expected = TypiClust(random_state=5).query(X[pool], learner, budget=7)
    np.testing.assert_array_equal(got, expected)


def test_warm_phase_starts_at_switch_per_class_labels(data):
    X, y = data
    below, pool_b = _learner(X, y, 8)
    at, pool_a = _learner(X, y, 9)  # 9 = 3 per class x 3 classes
    tcm = TCM(random_state=0)
    tcm.query(X[pool_b], below, budget=3)
    assert tcm.phase_ == "cold"
    got = tcm.query(X[pool_a], at, budget=5)
    assert tcm.phase_ == "warm"
    # default warm strategy for a linear model: AlfaMix
    assert isinstance(tcm.warm_strategy_, AlfaMix)
    assert got.shape == (5,) and len(set(got)) == 5
    np.testing.assert_array_equal(
        TCM(warm=AlfaMix(random_state=1)).query(X[pool_a], at, budget=5),
        AlfaMix(random_state=1).query(X[pool_a], at, budget=5),
    )


def test_warm_is_exactly_the_given_strategy(data):
    X, y = data
    learner, pool = _learner(X, y, 30)
    got = TCM(warm=Margin()).query(X[pool], learner, budget=10)
    np.testing.assert_array_equal(got, Margin().query(X[pool], learner, budget=10))


def test_margin_is_the_warm_default_without_a_linear_head(data):
    X, y = data
    learner, pool = _learner(X, y, 30, estimator=SVC())
    tcm = TCM(random_state=0)
    got = tcm.query(X[pool], learner, budget=10)
    assert tcm.phase_ == "warm" and isinstance(tcm.warm_strategy_, Margin)
    np.testing.assert_array_equal(got, Margin().query(X[pool], learner, budget=10))


def test_zero_labels_unfitted_learner(data):
    X, _ = data
    est = make_pipeline(StandardScaler(), LogisticRegression())
    got = ActiveLearner(est, query_strategy=TCM(cold=TypiClust(random_state=2))).query(X, budget=6)
    expected = ActiveLearner(est, query_strategy=TypiClust(random_state=2)).query(X, budget=6)
    np.testing.assert_array_equal(got, expected)


def test_switch_zero_is_warm_from_the_first_label(data):
    X, y = data
    learner, pool = _learner(X, y, 4)
    tcm = TCM(switch_per_class=0, warm=Margin())
    np.testing.assert_array_equal(tcm.query(X[pool], learner, budget=4),
                                  Margin().query(X[pool], learner, budget=4))
    # without any label only the cold strategy can answer
    est = make_pipeline(StandardScaler(), LogisticRegression())
    got = ActiveLearner(est, query_strategy=TCM(TypiClust(random_state=1), switch_per_class=0))
    np.testing.assert_array_equal(
        got.query(X, budget=3),
        ActiveLearner(est, query_strategy=TypiClust(random_state=1)).query(X, budget=3),
    )


def test_same_seed_same_picks_and_fit_resets(data):
    X, y = data
    learner, pool = _learner(X, y, 6)
    a = TCM(cold=KMeansSampling(), random_state=3)
    first = a.query(X[pool], learner, budget=5)
    b = TCM(cold=KMeansSampling(), random_state=3)
    np.testing.assert_array_equal(first, b.query(X[pool], learner, budget=5))
    a.fit()
    assert not hasattr(a, "cold_strategy_") and not hasattr(a, "phase_")


def test_bare_fitted_estimator_is_warm(data):
    X, y = data
    clf = LogisticRegression().fit(X[:50], y[:50])
    tcm = TCM(warm=Margin())
    tcm.query(X[50:], clf, budget=3)
    assert tcm.phase_ == "warm"


def test_bad_parameters():
    X = np.zeros((5, 2))
    with pytest.raises(ValueError, match="switch_per_class"):
        TCM(switch_per_class=-1).query(X, LogisticRegression().fit([[0, 0], [1, 1]], [0, 1]))
    with pytest.raises(ValueError, match="cold"):
        TCM(cold="typiclust").query(X, LogisticRegression().fit([[0, 0], [1, 1]], [0, 1]))
