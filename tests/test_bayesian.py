"""BALD, MeanSTD and the dropout variants: hand-computed math, committees, contract."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_iris
from sklearn.ensemble import BaggingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skactive import ActiveLearner
from skactive.exceptions import LearnerCapabilityError
from skactive.strategies import (
    BALD,
    EntropyDropout,
    LeastConfidenceDropout,
    MarginDropout,
    MeanSTD,
)
from skactive.utils import has_samples, predict_proba_samples
from skactive.utils.estimator_checks import (
    check_query_bad_pool,
    check_query_strategy,
    default_learner_and_pool,
    yield_query_checks,
)

STRATEGIES = [BALD, EntropyDropout, MarginDropout, LeastConfidenceDropout, MeanSTD]


class _FixedSamples(ClassifierMixin, BaseEstimator):
    """A fitted 'learner' returning fixed stochastic predictions."""

    def __init__(self, P):
        self.P = P
        self.classes_ = np.arange(np.shape(P)[2])

    def fit(self, X, y):
        return self

    def predict(self, X):
        return self.P.mean(0).argmax(1)

    def predict_proba_samples(self, X, n_samples=10, random_state=None):
        return self.P[:, : len(X)]


# two samples (T=2), three pool points, two classes
P = np.array(
    [
        [[0.9, 0.1], [0.5, 0.5], [1.0, 0.0]],
        [[0.1, 0.9], [0.5, 0.5], [0.8, 0.2]],
    ]
)


def _h(p):
    p = np.asarray(p, float)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def test_bald_by_hand():
    _, scores = BALD().query(np.zeros((3, 1)), _FixedSamples(P), 1, return_scores=True)
    expected = [
        _h([0.5, 0.5]) - (_h([0.9, 0.1]) + _h([0.1, 0.9])) / 2,  # disagreement
        _h([0.5, 0.5]) - _h([0.5, 0.5]),  # uncertain but agreeing: 0
        _h([0.9, 0.1]) - (_h([1.0, 0.0]) + _h([0.8, 0.2])) / 2,
    ]
    np.testing.assert_allclose(scores, expected, atol=1e-12)
    assert BALD().query(np.zeros((3, 1)), _FixedSamples(P), 1)[0] == 0


def test_other_scores_by_hand():
    X = np.zeros((3, 1))
    learner = _FixedSamples(P)
    mean = P.mean(0)
    _, s = EntropyDropout().query(X, learner, 1, return_scores=True)
    np.testing.assert_allclose(s, [_h(m) for m in mean])
    _, s = MarginDropout().query(X, learner, 1, return_scores=True)
    np.testing.assert_allclose(s, -np.abs(mean[:, 0] - mean[:, 1]))
    _, s = LeastConfidenceDropout().query(X, learner, 1, return_scores=True)
    np.testing.assert_allclose(s, 1 - mean.max(1))
    _, s = MeanSTD().query(X, learner, 1, return_scores=True)
    np.testing.assert_allclose(s, [0.4, 0.0, 0.1])  # np.std (ddof=0), mean over classes


@pytest.mark.parametrize("Strategy", STRATEGIES)
def test_contract_random_forest(Strategy):
    # Forests accept NaN (sklearn >= 1.4), so ActiveLearner's allow_nan tag lets
    # NaN pools through check_pool; the NaN part of check_query_bad_pool is run
    # with a NaN-rejecting committee in test_contract_bagging_pipeline.
    learner, X_pool, _ = default_learner_and_pool(Strategy())
    for check, lrn, pool in yield_query_checks(Strategy(), learner, X_pool):
        if check is check_query_bad_pool:
            continue
        check(Strategy(), lrn, pool)


@pytest.mark.parametrize("Strategy", STRATEGIES)
def test_contract_bagging_pipeline(Strategy):
    X, y = load_iris(return_X_y=True)
    rng = np.random.RandomState(0)
    idx = rng.permutation(len(X))
    est = make_pipeline(
        StandardScaler(),
        BaggingClassifier(
            LogisticRegression(max_iter=300), n_estimators=5, max_features=0.75, random_state=0
        ),
    )
    learner = ActiveLearner(est, Strategy(), random_state=0).fit(X[idx[:30]], y[idx[:30]])
    check_query_strategy(Strategy(), learner=learner, X_pool=X[idx[30:]])


def test_committee_samples_match_ensemble():
    X, y = load_iris(return_X_y=True)
    y = np.array(["a", "b", "c"])[y]
    bag = BaggingClassifier(
        LogisticRegression(max_iter=300), n_estimators=6, max_samples=0.1, random_state=0
    ).fit(X, y)
    Ps = predict_proba_samples(bag, X)
    assert Ps.shape == (6, 150, 3)
    np.testing.assert_allclose(Ps.mean(0), bag.predict_proba(X))


def test_active_learner_widens_to_all_classes():
    X, y = load_iris(return_X_y=True)
    keep = y < 2
    learner = ActiveLearner(
        RandomForestClassifier(n_estimators=4, random_state=0), classes=[0, 1, 2]
    ).fit(X[keep][::5], y[keep][::5])
    Ps = predict_proba_samples(learner, X[:7])
    assert Ps.shape == (4, 7, 3)
    assert np.all(Ps[:, :, 2] == 0)


def test_learner_without_samples_raises():
    X, y = load_iris(return_X_y=True)
    svc = SVC().fit(X, y)
    assert not has_samples(svc)
    with pytest.raises(LearnerCapabilityError, match="stochastic"):
        BALD().query(X, svc, 2)
    with pytest.raises(ValueError, match="n_samples"):
        BALD(n_samples=0).query(X, RandomForestClassifier(3).fit(X, y), 2)


def test_bald_prefers_disagreement_over_agreeing_uncertainty():
    """A committee split 50/50 (BALD high) beats members all at 0.5 (BALD 0)."""
    Q = np.array([[[0.5, 0.5], [1.0, 0.0]], [[0.5, 0.5], [0.0, 1.0]]])
    learner = _FixedSamples(Q)
    assert BALD().query(np.zeros((2, 1)), learner, 1)[0] == 1
    # entropy of the mean cannot tell them apart
    _, s = EntropyDropout().query(np.zeros((2, 1)), learner, 1, return_scores=True)
    np.testing.assert_allclose(s[0], s[1])
