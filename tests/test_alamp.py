"""alamp (eq. 3) and alamp-div (Algorithm 1) against hand computations."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.svm import SVC

from skactive import ActiveLearner
from skactive.datasets import load_letter
from skactive.strategies import Alamp, AlampDiv, Margin, MarginDiv, RandomDiv, alamp_score
from skactive.utils import round_robin_by_group

from ._fixed import FixedProba

# previous model: margins .8, .5, .1, 0, .6 ; current: .2, .5, .3, 0, .2
P_PREV = np.array(
    [[0.9, 0.1], [0.75, 0.25], [0.45, 0.55], [0.5, 0.5], [0.2, 0.8]]
)
P_CUR = np.array([[0.6, 0.4], [0.75, 0.25], [0.35, 0.65], [0.5, 0.5], [0.6, 0.4]])
X_ID = np.arange(5, dtype=float).reshape(-1, 1)
Y = [0, 1, 0, 1, 0]


def _learner(previous=True):
    learner = FixedProba(P_CUR).fit(X_ID, Y)
    if previous:
        learner.previous_estimator_ = FixedProba(P_PREV).fit(X_ID, Y)
    return learner


def test_alamp_score_by_hand():
    # (0.8-0.2)/(1.0)=0.6; 0; (0.1-0.3)/0.4=-0.5; 0/0 -> 0; (0.6-0.2)/0.8=0.5
    np.testing.assert_allclose(
        alamp_score([0.8, 0.5, 0.1, 0.0, 0.6], [0.2, 0.5, 0.3, 0.0, 0.2]),
        [0.6, 0.0, -0.5, 0.0, 0.5],
    )


def test_alamp_query_by_hand():
    idx, scores = Alamp().query(X_ID, _learner(), budget=5, return_scores=True)
    np.testing.assert_allclose(scores, [0.6, 0.0, -0.5, 0.0, 0.5])
    np.testing.assert_array_equal(idx, [0, 4, 1, 3, 2])  # ties by index


def test_alamp_without_previous_model_is_margin():
    learner = _learner(previous=False)
    idx, scores = Alamp().query(X_ID, learner, budget=5, return_scores=True)
    idx_m, scores_m = Margin().query(X_ID, learner, budget=5, return_scores=True)
    np.testing.assert_array_equal(idx, idx_m)
    np.testing.assert_allclose(scores, scores_m)


def test_alamp_div_by_hand():
    # alamp order: 0 (.6), 4 (.5), 1 (0), 3 (0), 2 (-.5)
    # previous-model classes: 0->0, 4->1, 1->0, 3->0 (tie, first column), 2->1
    # pass 1: 0 (class 0), 4 (class 1); pass 2: 1, 2; pass 3: 3
    idx = AlampDiv().query(X_ID, _learner(), budget=5)
    np.testing.assert_array_equal(idx, [0, 4, 1, 2, 3])
    np.testing.assert_array_equal(AlampDiv().query(X_ID, _learner(), budget=3), [0, 4, 1])


def _algorithm1_literal(order, top, b):
    """Algorithm 1 of the alamp paper, transcribed line by line."""
    selected = []
    while len(selected) <= b and len(selected) < len(order):
        seen = []
        for i in order:
            if top[i] not in seen and i not in selected:
                selected.append(i)
                seen.append(top[i])
    return selected[:b]


@given(
    groups=st.lists(st.integers(0, 4), min_size=1, max_size=40),
    data=st.data(),
)
def test_round_robin_matches_algorithm1(groups, data):
    n = len(groups)
    order = data.draw(st.permutations(list(range(n))))
    b = data.draw(st.integers(1, n))
    expected = _algorithm1_literal(order, groups, b)
    got = round_robin_by_group(np.array(order), np.array(groups), b)
    assert got.tolist() == expected


def test_margin_div_and_random_div_balance_classes():
    X, y = load_letter(return_X_y=True)
    learner = ActiveLearner(SVC(), random_state=0).fit(X[:300], y[:300])
    pool = X[300:3300]
    pred = learner.predict(pool)
    n_pred_classes = np.unique(pred).size
    for strategy in (MarginDiv(), RandomDiv(random_state=0)):
        idx = strategy.query(pool, learner, budget=n_pred_classes)
        # one sample of every predicted class before any class repeats
        assert np.unique(pred[idx]).size == n_pred_classes


def test_alamp_div_svc_letter_uses_previous_pseudo_classes():
    X, y = load_letter(return_X_y=True)
    learner = ActiveLearner(SVC(), query_strategy=AlampDiv()).fit(X[:200], y[:200])
    learner.teach(X[200:300], y[200:300])
    pool = X[300:3300]
    prev_pred = learner.previous_estimator_.predict(pool)
    k = np.unique(prev_pred).size
    idx, scores = learner.query(pool, budget=k, return_scores=True)
    assert np.unique(prev_pred[idx]).size == k
    # within the first pass, the alamp order is kept
    assert np.all(np.diff(scores[idx]) <= 1e-12)


@pytest.mark.parametrize("cls", [Alamp, AlampDiv])
def test_alamp_decision_values_match_manual(cls):
    X, y = load_letter(return_X_y=True)
    learner = ActiveLearner(SVC(), query_strategy=cls()).fit(X[:200], y[:200])
    learner.teach(X[200:260], y[200:260])
    pool = X[300:1300]

    def marg(est):
        d = np.sort(est.decision_function(pool), axis=1)
        return d[:, -1] - d[:, -2]

    expected = alamp_score(marg(learner.previous_estimator_), marg(learner.estimator_))
    _, scores = learner.query(pool, budget=10, return_scores=True)
    np.testing.assert_allclose(scores, expected)
