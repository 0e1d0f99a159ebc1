"""CDAL: the symmetric KL context distance by hand, the chunked greedy k-center
against a brute-force one, the contract with a scikit-learn learner."""

import numpy as np
import pytest
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skactive import ActiveLearner
from skactive.exceptions import LearnerCapabilityError
from skactive.strategies import CDAL, contextual_kcenter_greedy, symmetric_kl
from skactive.utils.estimator_checks import check_query_strategy


class _FixedProba(ClassifierMixin, BaseEstimator):
    """A 'classifier' whose probabilities are the first columns of X."""

    def __init__(self, n_classes=3):
        self.n_classes = n_classes

    def fit(self, X, y):
        self.classes_ = np.arange(self.n_classes)
        self.n_features_in_ = np.shape(X)[1]
        return self

    def predict_proba(self, X):
        return np.asarray(X, dtype=float)[:, : self.n_classes]

    def predict(self, X):
        return self.predict_proba(X).argmax(axis=1)


def _kl(p, q):
    return float(sum(pi * np.log(pi / qi) for pi, qi in zip(p, q)))


def test_symmetric_kl_by_hand():
    p, q, r = [0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.7, 0.2, 0.1]
    D = symmetric_kl(np.array([p, q]), np.array([q, r]))
    expected = [
        [0.5 * _kl(p, q) + 0.5 * _kl(q, p), 0.0],
        [0.0, 0.5 * _kl(q, r) + 0.5 * _kl(r, q)],
    ]
    np.testing.assert_allclose(D, expected, atol=1e-12)
    np.testing.assert_allclose(D[0, 0], D[1, 1])  # symmetric
    # zeros are floored at eps: finite, and large for a confident disagreement
    D0 = symmetric_kl(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]), eps=1e-8)
    assert np.isfinite(D0).all() and D0[0, 0] > 15


def _brute_force_greedy(P, k, P_start, eps=1e-8):
    D = symmetric_kl(P, P, eps=eps)
    min_d = symmetric_kl(P, P_start, eps=eps).min(axis=1)
    chosen = []
    for _ in range(k):
        d = min_d.copy()
        d[chosen] = -1
        i = int(np.argmax(d))
        chosen.append(i)
        min_d = np.minimum(min_d, D[:, i])
    return np.array(chosen)


def test_greedy_matches_brute_force_and_chunks():
    rng = np.random.RandomState(0)
    P = rng.dirichlet(np.ones(4) * 0.5, size=60)
    P_start = rng.dirichlet(np.ones(4), size=7)
    expected = _brute_force_greedy(P, 12, P_start)
    sel, pick_d, min_d = contextual_kcenter_greedy(P, 12, P_start)
    np.testing.assert_array_equal(sel, expected)
    assert np.all(np.diff(pick_d) <= 1e-12)
    assert np.all(min_d[sel] == 0)
    # one pool row per chunk of distances to the start set: same result
    sel1, pick1, _ = contextual_kcenter_greedy(P, 12, P_start, chunk_size=1)
    np.testing.assert_array_equal(sel1, sel)
    np.testing.assert_allclose(pick1, pick_d)


def test_cdal_by_hand_and_scores():
    """Labelled context [0.8, 0.1, 0.1]; the farthest context is picked first,
    then the one farthest from both."""
    X_lab = np.array([[0.8, 0.1, 0.1], [0.8, 0.1, 0.1]])
    X_pool = np.array(
        [
            [0.78, 0.12, 0.10],  # near the labelled context
            [0.05, 0.10, 0.85],  # farthest
            [0.10, 0.80, 0.10],  # far, from both
            [0.12, 0.10, 0.78],  # next to the first pick
        ]
    )
    learner = ActiveLearner(_FixedProba(), classes=[0, 1, 2]).fit(X_lab, [0, 1])
    idx, scores = CDAL(first_pick="farthest").query(X_pool, learner, 2, return_scores=True)
    D = symmetric_kl(X_pool, np.vstack([X_lab[:1], X_pool[[1]]]))
    assert D[1, 0] > D[2, 0] > D[3, 1]
    np.testing.assert_array_equal(idx, [1, 2])
    np.testing.assert_allclose(scores[1], D[1, 0])
    np.testing.assert_allclose(scores[2], D[2].min())
    np.testing.assert_allclose(scores[[0, 3]], D[[0, 3]].min(axis=1))


@pytest.fixture(scope="module")
def digits_learner():
    X, y = load_digits(return_X_y=True)
    rng = np.random.RandomState(0)
    idx = rng.permutation(len(X))
    est = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300))
    learner = ActiveLearner(est, CDAL(random_state=0)).fit(X[idx[:60]], y[idx[:60]])
    return learner, X[idx[60:]], y[idx[60:]]


def test_cdal_chunked_equals_unchunked(digits_learner):
    learner, X_pool, _ = digits_learner
    idx, scores = CDAL(random_state=0).query(X_pool, learner, 20, return_scores=True)
    with config_context(working_memory=0.01):  # chunks of a few rows
        idx2, scores2 = CDAL(random_state=0).query(X_pool, learner, 20, return_scores=True)
    np.testing.assert_array_equal(idx, idx2)
    np.testing.assert_allclose(scores, scores2)


def test_cdal_selects_diverse_contexts(digits_learner):
    """The picks spread over the predicted classes more than the pool's
    largest class share would give, and are far from the labelled contexts."""
    learner, X_pool, _ = digits_learner
    idx, scores = CDAL(first_pick="farthest").query(X_pool, learner, 20, return_scores=True)
    pred = learner.predict(X_pool[idx])
    assert np.unique(pred).size >= 7
    rest = np.setdiff1d(np.arange(len(X_pool)), idx)
    assert scores[idx].min() >= scores[rest].max() - 1e-12


def test_cdal_contract_digits(digits_learner):
    learner, X_pool, _ = digits_learner
    check_query_strategy(CDAL(), learner=learner, X_pool=X_pool[:200])


def test_cdal_contract_default():
    check_query_strategy(CDAL())


def test_cdal_needs_proba():
    X, y = load_digits(return_X_y=True)
    learner = ActiveLearner(SVC()).fit(X[:100], y[:100])
    with pytest.raises(LearnerCapabilityError, match="predict_proba"):
        CDAL().query(X[100:200], learner, 3)
