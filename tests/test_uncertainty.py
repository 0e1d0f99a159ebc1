"""Hand-computed checks of the single-model uncertainty strategies."""

import numpy as np
import pytest
from sklearn.svm import SVC

from skactive import ActiveLearner
from skactive.exceptions import LearnerCapabilityError
from skactive.strategies import Entropy, LeastConfidence, Margin, VarRatio

from ._fixed import FixedProba

P = np.array(
    [
        [0.70, 0.20, 0.10],  # margin .50, max .70, H = 0.8018
        [0.40, 0.35, 0.25],  # margin .05, max .40, H = 1.0805
        [0.50, 0.50, 0.00],  # margin 0,   max .50, H = ln 2 = 0.6931
        [1.00, 0.00, 0.00],  # margin 1,   max 1,   H = 0
    ]
)
X_ID = np.arange(4, dtype=float).reshape(-1, 1)


@pytest.fixture
def model():
    return FixedProba(P).fit(X_ID, [0, 1, 2, 0])


def test_entropy_by_hand(model):
    idx, scores = Entropy().query(X_ID, model, budget=4, return_scores=True)
    expected = -(0.7 * np.log(0.7) + 0.2 * np.log(0.2) + 0.1 * np.log(0.1))
    assert scores[0] == pytest.approx(expected)
    assert scores[2] == pytest.approx(np.log(2))
    assert scores[3] == 0.0
    np.testing.assert_array_equal(idx, [1, 0, 2, 3])


def test_margin_by_hand(model):
    idx, scores = Margin().query(X_ID, model, budget=4, return_scores=True)
    np.testing.assert_allclose(scores, [-0.5, -0.05, 0.0, -1.0])
    np.testing.assert_array_equal(idx, [2, 1, 0, 3])


@pytest.mark.parametrize("cls", [LeastConfidence, VarRatio])
def test_least_confidence_by_hand(model, cls):
    idx, scores = cls().query(X_ID, model, budget=2, return_scores=True)
    np.testing.assert_allclose(scores, [0.3, 0.6, 0.5, 0.0])
    np.testing.assert_array_equal(idx, [1, 2])


def test_margin_from_decision_values():
    model = FixedProba(P * 10 - 3, use_decision=True).fit(X_ID, [0, 1, 2, 0])
    idx, scores = Margin().query(X_ID, model, budget=4, return_scores=True)
    np.testing.assert_allclose(scores, [-5.0, -0.5, 0.0, -10.0])
    np.testing.assert_array_equal(idx, [2, 1, 0, 3])


def test_margin_works_with_default_svc_binary():
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    svc = SVC(kernel="linear").fit(X, [0, 0, 1, 1])
    pool = np.array([[-3.0], [0.2], [1.5], [-0.5]])
    idx, scores = Margin().query(pool, svc, budget=4, return_scores=True)
    np.testing.assert_allclose(scores, -2 * np.abs(svc.decision_function(pool)))
    np.testing.assert_array_equal(idx, [1, 3, 2, 0])


@pytest.mark.parametrize("cls", [Entropy, LeastConfidence, VarRatio])
def test_probability_strategies_refuse_default_svc(cls):
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    learner = ActiveLearner(SVC()).fit(X, [0, 0, 1, 1])
    with pytest.raises(LearnerCapabilityError, match="probability=True"):
        cls().query(X, learner, budget=1)
