"""ALBL (Hsu & Lin 2015): EXP4.P formulas, importance weights and the bandit
state, against hand computations."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC

from skactive import ActiveLearner
from skactive.base import BaseQueryStrategy, get_query_tags
from skactive.exceptions import LearnerCapabilityError
from skactive.strategies import (
    ALBL,
    Entropy,
    Margin,
    exp4p_probabilities,
    exp4p_update,
    iw_accuracy,
)


class FixedOrder(BaseQueryStrategy):
    """Test arm: always ranks the pool in the order ``order`` (then the rest)."""

    def __init__(self, order=(0,)):
        self.order = order

    def _query(self, X_pool, learner, budget, random_state):
        first = [i for i in self.order if i < X_pool.shape[0]]
        rest = [i for i in range(X_pool.shape[0]) if i not in first]
        return np.asarray((first + rest)[:budget]), None


# 1-d data: class = x > 0; the pool rows are distinct
X_LAB = np.array([[-3.0], [-2.0], [2.0], [3.0]])
Y_LAB = np.array([0, 0, 1, 1])
X_POOL = np.array([[-1.5], [-0.5], [0.2], [0.6], [1.5]])
Y_POOL = np.array([0, 0, 1, 1, 1])


def _learner(albl):
    return ActiveLearner(LogisticRegression(), albl).fit(X_LAB, Y_LAB)


def test_exp4p_probabilities_by_hand():
    # W = 4, (1 - 2 * 0.1) * [1, 3] / 4 + 0.1 = [0.3, 0.7]
    np.testing.assert_allclose(exp4p_probabilities([1.0, 3.0], 0.1), [0.3, 0.7])
    np.testing.assert_allclose(exp4p_probabilities([2.0, 2.0, 4.0], 0.0), [0.25, 0.25, 0.5])


def test_exp4p_update_by_hand():
    # rhat = 0.4 * [1, 0] / 0.5 = [0.8, 0]; vhat = [2, 2];
    # bonus = sqrt(ln(2 / 0.1) / (2 * 10)) = 0.387030; pmin / 2 = 0.05
    bonus = np.sqrt(np.log(20.0) / 20.0)
    expected = 0.05 * (np.array([0.8, 0.0]) + 2.0 * bonus)
    got = exp4p_update(np.zeros(2), [0.5, 0.5], [1.0, 0.0], 0.5, 0.4,
                       pmin=0.1, delta=0.1, horizon=10)
    np.testing.assert_allclose(got, expected)
    np.testing.assert_allclose(got, [0.078703, 0.038703], atol=1e-6)
    # the log-space update is the multiplicative one: w * exp(...)
    w0 = np.array([1.0, 2.0])
    got = exp4p_update(np.log(w0), [0.2, 0.8], [0.0, 1.0], 0.8, 1.0,
                       pmin=0.2, delta=0.5, horizon=4)
    bonus = np.sqrt(np.log(4.0) / 8.0)
    mult = w0 * np.exp(0.1 * (np.array([0.0, 1.25]) + np.array([5.0, 1.25]) * bonus))
    np.testing.assert_allclose(np.exp(got), mult)


def test_iw_accuracy_by_hand():
    # (2 + 10) / (10 * 3)
    assert iw_accuracy([True, False, True], [2.0, 4.0, 10.0], 10, 3) == pytest.approx(0.4)
    assert iw_accuracy([False], [5.0], 7, 2) == 0.0


def test_first_query_probabilities_and_importance_weight():
    """Two fixed arms and the uniform arm; p uniform; q(x) = sum_j p_j psi_j(x)."""
    albl = ALBL([FixedOrder((2,)), FixedOrder((4,))], pmin=0.1, horizon=10,
                random_state=0)
    learner = _learner(albl)
    idx, q = learner.query(X_POOL, budget=1, return_scores=True)
    strat = learner.query_strategy_
    p = strat.probabilities_[0]
    np.testing.assert_allclose(p, [1 / 3] * 3)  # (1 - 0.3) / 3 + 0.1
    # uniform arm spreads 1/3 over 5 samples; arms put 1/3 on samples 2 and 4
    np.testing.assert_allclose(q, [1 / 15, 1 / 15, 1 / 3 + 1 / 15, 1 / 15, 1 / 3 + 1 / 15])
    x = int(idx[0])
    learner.teach(X_POOL[idx], Y_POOL[idx])
    learner.query(np.delete(X_POOL, idx, axis=0), budget=1)
    np.testing.assert_allclose(strat.importance_weights_, [1 / q[x]])
    # reward = IW-ACC of the refitted model on the pick; n = 4 + 5, T = 10
    correct = learner.predict(X_POOL[idx]) == Y_POOL[idx]
    reward = iw_accuracy(correct, [1 / q[x]], 9, 10)
    assert strat.rewards_[1] == pytest.approx(reward)
    assert np.isnan(strat.rewards_[0])
    advice = np.array([x == 2, x == 4, 1 / 5], dtype=float)
    log_w = exp4p_update(np.zeros(3), p, advice, q[x], reward, 0.1, 0.1, 10)
    np.testing.assert_allclose(strat.weights_[1], np.exp(log_w) / np.exp(log_w).sum())


def test_batch_draws_have_conditional_probabilities():
    """In a batch each pick has the probability of its draw among the samples
    not yet picked (arms move on to their next-ranked sample)."""
    albl = ALBL([FixedOrder((0, 1)), FixedOrder((0, 3))], uniform_arm=True, pmin=0.1,
                horizon=30, random_state=3)
    learner = _learner(albl)
    idx = learner.query(X_POOL, budget=3)
    assert np.unique(idx).size == 3
    strat = learner.query_strategy_
    p = strat.probabilities_[0]
    # replay the rule by hand for the drawn sequence
    taken, expected = set(), []
    rank_a, rank_b = [0, 1, 2, 3, 4], [0, 3, 1, 2, 4]
    for k, x in enumerate(idx):
        next_a = next(i for i in rank_a if i not in taken)
        next_b = next(i for i in rank_b if i not in taken)
        expected.append(p[0] * (x == next_a) + p[1] * (x == next_b) + p[2] / (5 - k))
        taken.add(int(x))
    learner.teach(X_POOL[idx], Y_POOL[idx])
    learner.query(np.delete(X_POOL, idx, axis=0), budget=1)
    np.testing.assert_allclose(strat.importance_weights_, 1 / np.array(expected))


def test_only_requested_labels_count_and_unlabelled_picks_are_dropped():
    albl = ALBL([FixedOrder((1,))], pmin=0.2, horizon=5, random_state=0)
    learner = _learner(albl)
    idx = learner.query(X_POOL, budget=2)
    other = np.setdiff1d(np.arange(5), idx)
    # label one pick only, plus a sample ALBL did not ask for
    learner.teach(X_POOL[[idx[0], other[0]]], Y_POOL[[idx[0], other[0]]])
    learner.query(X_POOL[np.setdiff1d(other, other[0])], budget=1)
    strat = learner.query_strategy_
    assert strat.importance_weights_.shape == (1,)
    # nothing new arrives: no update, reward NaN, weights unchanged
    learner.query(X_POOL[np.setdiff1d(other, other[0])], budget=1)
    assert np.isnan(strat.rewards_[2])
    np.testing.assert_allclose(strat.weights_[2], strat.weights_[1])


def _loop(albl, rounds=3, budget=2):
    learner = _learner(albl)
    pool = np.arange(5)
    picks = []
    for _ in range(rounds):
        idx = learner.query(X_POOL[pool], budget=min(budget, pool.size))
        picks.append(pool[idx])
        learner.teach(X_POOL[pool[idx]], Y_POOL[pool[idx]])
        pool = np.delete(pool, idx)
        if pool.size == 0:
            break
    return learner.query_strategy_, np.concatenate(picks)


def test_deterministic_clone_and_fit_reset():
    albl = ALBL([Margin(), FixedOrder((3, 0))], random_state=7)
    s1, p1 = _loop(clone(albl))
    s2, p2 = _loop(clone(albl))
    np.testing.assert_array_equal(p1, p2)
    np.testing.assert_array_equal(s1.weights_, s2.weights_)
    assert s1.n_picks_ == 5
    # a clone has no bandit state; fit resets it
    assert not hasattr(clone(s1), "weights_")
    s1.fit(X_LAB, Y_LAB)
    assert not hasattr(s1, "weights_")
    # the unfitted parameter is untouched
    assert albl.strategies[0].get_params() == Margin().get_params()


def test_anytime_pmin_and_uniform_only():
    # horizon=None: T = picks so far + budget; first query T = 1, pmin capped at 1/N
    albl = ALBL([FixedOrder((0,))], random_state=0)
    learner = _learner(albl)
    learner.query(X_POOL, budget=1)
    np.testing.assert_allclose(learner.query_strategy_.probabilities_[0], [0.5, 0.5])
    # no arms but the uniform one: a uniform draw
    idx, q = _learner(ALBL([], random_state=0)).query(X_POOL, budget=2, return_scores=True)
    np.testing.assert_allclose(q, np.full(5, 0.2))


def test_tags_are_the_union_of_the_arms():
    tags = get_query_tags(ALBL([Entropy(), Margin()]))
    assert tags.requires_proba and tags.requires_labeled_data and tags.stochastic
    learner = ActiveLearner(SVC(), Margin()).fit(X_LAB, Y_LAB)
    with pytest.raises(LearnerCapabilityError, match="probabilities"):
        ALBL([Entropy()]).query(X_POOL, learner, 1)


def test_bad_parameters():
    learner = ActiveLearner(LogisticRegression(), Margin()).fit(X_LAB, Y_LAB)
    with pytest.raises(ValueError, match="strategies"):
        ALBL([LogisticRegression()]).query(X_POOL, learner, 1)
    with pytest.raises(ValueError, match="no arm"):
        ALBL([], uniform_arm=False).query(X_POOL, learner, 1)
    with pytest.raises(ValueError, match="delta"):
        ALBL(delta=0.0).query(X_POOL, learner, 1)


def test_default_arms_follow_the_learner():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skactive.datasets import load_letter

    X, y = load_letter(return_X_y=True)
    X, y = X[:300].astype(float), y[:300]
    for est, warm in ((make_pipeline(StandardScaler(), LogisticRegression(max_iter=300)),
                       "AlfaMix"),
                      (make_pipeline(StandardScaler(), SVC()), "Margin")):
        learner = ActiveLearner(est, ALBL(random_state=0)).fit(X[:100], y[:100])
        idx = learner.query(X[100:], budget=5)
        assert np.unique(idx).size == 5
        albl = learner.query_strategy_
        assert albl.arm_names_ == ["TCM", "DBAL", "uniform"]
        # 100 labels of 26 classes >= 3 per class: TCM's warm strategy follows the learner
        assert type(albl.strategies_[0].warm_strategy_).__name__ == warm
    # the declared tags are those a kernel SVC satisfies
    tags = get_query_tags(ALBL())
    assert tags.requires_scores and tags.requires_embedding and not tags.requires_head_gradient
