"""Multi-label strategies (issue 18): the formulas on a hand-computed case,
ties, bad input, and agreement with real estimators."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_multilabel_classification
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.multioutput import MultiOutputClassifier
from sklearn.svm import SVC
from sklearn.utils.metaestimators import available_if

from skactive import ActiveLearner
from skactive.exceptions import LearnerCapabilityError
from skactive.experiments import get_strategy
from skactive.experiments._leaderboard import leaderboard_strategies
from skactive.strategies import (
    MMC,
    AvgConfidence,
    AvgScore,
    BinaryMinimum,
    Margin,
    MaxLoss,
    MaxScore,
    MeanMaxLoss,
    MinConfidence,
)
from skactive.utils.estimator_checks import check_query_strategy

ALL = [BinaryMinimum, MaxLoss, MeanMaxLoss, MMC, MinConfidence, AvgConfidence, MaxScore,
       AvgScore]

# pool rows 0-3, labelled rows 4-5; sample x reads row int(x[0])
F = np.array([
    [2.0, -0.5, -3.0],
    [0.2, 0.1, -1.0],
    [-0.3, -2.0, -0.5],  # no label predicted
    [1.5, 1.2, 0.8],  # all three labels predicted
    [1.0, -1.0, -1.0],
    [1.0, 1.0, -1.0],
])
P = np.array([
    [0.9, 0.3, 0.05],
    [0.55, 0.52, 0.25],
    [0.4, 0.1, 0.35],
    [0.8, 0.75, 0.7],
    [0.6, 0.2, 0.2],
    [0.5, 0.5, 0.0],
])
POOL = np.arange(4.0)[:, None]
X_LAB, Y_LAB = np.array([[4.0], [5.0]]), np.array([[1, 0, 0], [1, 1, 0]])


class FixedMultiLabel(ClassifierMixin, BaseEstimator):
    """Fixed per-label decision values ``decision[int(x[0])]`` and/or
    probabilities ``proba[int(x[0])]``; predictions are ``decision > 0``
    (else ``proba > 0.5``)."""

    def __init__(self, decision=None, proba=None):
        self.decision = decision
        self.proba = proba

    def fit(self, X, Y):
        self.n_outputs_ = np.asarray(Y).shape[1]  # multi-output: a multi-label model
        self.n_features_in_ = 1
        return self

    def _row(self, table, X):
        return np.asarray(table, dtype=float)[np.asarray(X)[:, 0].astype(int)]

    @available_if(lambda self: self.decision is not None)
    def decision_function(self, X):
        return self._row(self.decision, X)

    @available_if(lambda self: self.proba is not None)
    def predict_proba(self, X):
        return self._row(self.proba, X)

    def predict(self, X):
        if self.decision is not None:
            return (self._row(self.decision, X) > 0).astype(int)
        return (self._row(self.proba, X) > 0.5).astype(int)


def _learner(decision=F, proba=P, Y=Y_LAB):
    return ActiveLearner(FixedMultiLabel(decision, proba)).fit(X_LAB, Y)


def _scores(strategy, learner, pool=POOL):
    return strategy.query(pool, learner, pool.shape[0], return_scores=True)


# ------------------------------------------------------------------ formulas
def test_binary_minimum_decision():
    idx, s = _scores(BinaryMinimum(), _learner())
    np.testing.assert_allclose(s, [-0.5, -0.1, -0.3, -0.8])  # -min_l |f_l|
    np.testing.assert_array_equal(idx, [1, 2, 0, 3])


def test_binary_minimum_probability_margin():
    _, s = _scores(BinaryMinimum(response_method="predict_proba"), _learner())
    np.testing.assert_allclose(s, [-0.4, -0.04, -0.2, -0.4])  # -min_l |2p - 1|
    # auto falls back to probabilities without decision values
    _, s_auto = _scores(BinaryMinimum(), _learner(decision=None))
    np.testing.assert_allclose(s_auto, s)


def test_max_loss():
    # most certain label c = 0 everywhere; hinge of the labelling "c only":
    # row 0: max(0, 1-2) + max(0, 1-0.5) + max(0, 1-3) = 0.5
    # row 1: 0.8 + 1.1 + 0 ; row 2: 1.3 + 0 + 0.5 ; row 3: 0 + 2.2 + 1.8
    idx, s = _scores(MaxLoss(), _learner())
    np.testing.assert_allclose(s, [0.5, 1.9, 1.8, 4.0])
    np.testing.assert_array_equal(idx, [3, 1, 2, 0])


def test_mean_max_loss():
    # row 1 predicts {0, 1}: L_0 = 1.9, L_1 = 0.2 + 0.9 + 0 + ... = 2.1 -> 2.0
    # row 2 predicts nothing: its most certain label 0 alone -> L_0 = 1.8
    # row 3 predicts all: L = (4.0, 4.3, 4.9) -> 4.4
    idx, s = _scores(MeanMaxLoss(), _learner())
    np.testing.assert_allclose(s, [0.5, 2.0, 1.8, 4.4])
    np.testing.assert_array_equal(idx, [3, 1, 2, 0])


class _CountAbove(ClassifierMixin, BaseEstimator):
    """Label count = number of sorted normalised probabilities >= 0.3;
    records what it was trained on."""

    def fit(self, X, y):
        self.X_fit_, self.y_fit_ = np.asarray(X), np.asarray(y)
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return (np.asarray(X) >= 0.3).sum(axis=1)


def test_mmc_steps_by_hand():
    # features: sorted (decreasing) probabilities of the labelled rows, normalised
    seen = {}

    class Recorder(_CountAbove):
        def fit(self, X, y):
            seen["X"], seen["y"] = np.asarray(X), np.asarray(y)
            return super().fit(X, y)

    idx, s = _scores(MMC(cardinality_estimator=Recorder()), _learner())
    np.testing.assert_allclose(seen["X"], [[0.6, 0.2, 0.2], [0.5, 0.5, 0.0]])
    np.testing.assert_array_equal(seen["y"], [1, 2])
    # pool features -> counts 1, 2, 2, 3; the top-m labels by probability are +1:
    # row 0 (+,-,-); row 1 (+,+,-); row 2 (+,-,+) (P: 0.4 > 0.35 > 0.1); row 3 (+,+,+)
    # score sum_l (1 - y_l f_l) / 2
    np.testing.assert_allclose(s, [-1.25, 0.85, 0.9, -0.25])
    np.testing.assert_array_equal(idx, [2, 1, 3, 0])


def test_mmc_single_label_count_and_default_predictor():
    # every labelled sample has one label: m(x) = 1, no predictor trained
    learner = _learner(Y=np.array([[1, 0, 0], [0, 1, 0]]))
    _, s = _scores(MMC(), learner)
    np.testing.assert_allclose(s, [-1.25, 0.95, 0.4, 1.75])
    # the default logistic regression runs on a real model and keeps m in [0, L]
    X, Y = make_multilabel_classification(n_samples=90, n_classes=4, random_state=1)
    real = ActiveLearner(OneVsRestClassifier(SVC())).fit(X[:40], Y[:40])
    idx, scores = MMC().query(X[40:], real, 5, return_scores=True)
    assert np.isfinite(scores).all() and scores.max() <= 4 * (1 + np.abs(
        real.decision_function(X[40:])).max()) / 2
    assert scores[idx[0]] == scores.max()


def test_min_avg_confidence():
    idx, s = _scores(MinConfidence(), _learner())
    np.testing.assert_allclose(s, [-0.05, -0.25, -0.1, -0.7])  # -min_l p_l
    np.testing.assert_array_equal(idx, [0, 2, 1, 3])
    idx, s = _scores(AvgConfidence(), _learner())
    np.testing.assert_allclose(s, np.array([1.25, 1.32, 0.85, 2.25]) / 3)
    np.testing.assert_array_equal(idx, [3, 1, 0, 2])


def test_max_avg_score():
    # s_l = p_l (yhat_l - 1/2), yhat from predict (here f > 0)
    S = np.array([
        [0.45, -0.15, -0.025],
        [0.275, 0.26, -0.125],
        [-0.2, -0.05, -0.175],
        [0.4, 0.375, 0.35],
    ])
    idx, s = _scores(MaxScore(), _learner())
    np.testing.assert_allclose(s, S.max(axis=1))
    np.testing.assert_array_equal(idx, [0, 3, 1, 2])
    idx, s = _scores(AvgScore(), _learner())
    np.testing.assert_allclose(s, S.mean(axis=1))
    np.testing.assert_array_equal(idx, [3, 1, 0, 2])


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_ties_go_to_the_smaller_index_never_duplicates(cls):
    pool = np.array([[1.0], [3.0], [1.0], [3.0], [1.0], [0.0]])  # repeated rows
    idx, s = _scores(cls(cardinality_estimator=_CountAbove()) if cls is MMC else cls(),
                     _learner(), pool)
    assert np.unique(idx).size == pool.shape[0]
    for a, b in [(0, 2), (2, 4), (1, 3)]:  # equal rows: equal scores, index order
        assert s[a] == s[b]
        assert np.flatnonzero(idx == a)[0] < np.flatnonzero(idx == b)[0]
    for budget in (1, 2, 3):
        np.testing.assert_array_equal(
            cls().query(pool, _learner(), budget) if cls is not MMC else
            MMC(cardinality_estimator=_CountAbove()).query(pool, _learner(), budget),
            idx[:budget],
        )


# ------------------------------------------------------------------ real models
def test_margin_strategies_match_svm_decision_values():
    X, Y = make_multilabel_classification(n_samples=120, n_classes=3, random_state=0)
    learner = ActiveLearner(OneVsRestClassifier(SVC())).fit(X[:50], Y[:50])
    Fr = learner.estimator_.decision_function(X[50:])
    _, s = BinaryMinimum().query(X[50:], learner, 1, return_scores=True)
    np.testing.assert_allclose(s, -np.abs(Fr).min(axis=1))
    _, s = MaxLoss().query(X[50:], learner, 1, return_scores=True)
    c = Fr.argmax(axis=1)
    m = -np.ones_like(Fr)
    m[np.arange(len(c)), c] = 1
    np.testing.assert_allclose(s, np.maximum(0, 1 - m * Fr).sum(axis=1))


def test_confidence_strategies_with_multioutput_classifier():
    X, Y = make_multilabel_classification(n_samples=120, n_classes=3, random_state=0)
    learner = ActiveLearner(MultiOutputClassifier(LogisticRegression())).fit(X[:50], Y[:50])
    Pr = np.column_stack([p[:, 1] for p in learner.estimator_.predict_proba(X[50:])])
    _, s = MinConfidence().query(X[50:], learner, 1, return_scores=True)
    np.testing.assert_allclose(s, -Pr.min(axis=1))
    _, s = AvgScore().query(X[50:], learner, 1, return_scores=True)
    np.testing.assert_allclose(s, (Pr * (learner.predict(X[50:]) - 0.5)).mean(axis=1))


def test_dask_pool_gives_the_same_picks():
    da = pytest.importorskip("dask.array")
    X, Y = make_multilabel_classification(n_samples=150, n_classes=3, random_state=0)
    learner = ActiveLearner(OneVsRestClassifier(LogisticRegression())).fit(X[:50], Y[:50])
    pool = da.from_array(X[50:], chunks=(30, -1))
    for cls in (MMC, MeanMaxLoss, AvgScore):
        np.testing.assert_array_equal(
            cls().query(pool, learner, 7), cls().query(X[50:], learner, 7)
        )


def test_loop_with_label_sets():
    X, Y = make_multilabel_classification(n_samples=200, n_classes=4, random_state=2)
    names = np.array(["a", "b", "c", "d"])
    sets = [set(names[row.astype(bool)]) for row in Y]
    learner = ActiveLearner(
        OneVsRestClassifier(LogisticRegression()), query_strategy=MMC(), classes=names
    ).fit(X[:20], sets[:20])
    pool = np.arange(20, 200)
    for _ in range(3):
        idx = learner.query(X[pool], budget=10)
        learner.teach(X[pool[idx]], [sets[i] for i in pool[idx]])
        pool = np.delete(pool, idx)
    assert learner.y_labeled_.shape == (50, 4) and learner.n_iter_ == 3


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_single_label_learner_is_refused(cls):
    X, Y = make_multilabel_classification(n_samples=60, n_classes=3, random_state=0)
    learner = ActiveLearner(LogisticRegression()).fit(X[:30], Y[:30, 0])
    with pytest.raises(ValueError, match="is a multi-label strategy, but the learner"):
        cls().query(X[30:], learner, 2)


def test_bad_parameters_and_capabilities():
    learner = _learner()
    with pytest.raises(ValueError, match="response_method"):
        BinaryMinimum(response_method="margin").query(POOL, learner, 1)
    with pytest.raises(ValueError, match="cardinality_estimator"):
        MMC(cardinality_estimator="lr").query(POOL, learner, 1)
    with pytest.raises(ValueError, match="budget"):
        MaxLoss().query(POOL, learner, 5)
    with pytest.raises(ValueError, match="X_pool"):
        MaxLoss().query(np.array([[np.nan]]), learner, 1)
    with pytest.raises(LearnerCapabilityError, match="class probabilities"):
        MinConfidence().query(POOL, _learner(proba=None), 1)
    with pytest.raises(LearnerCapabilityError, match="decision_function"):
        MaxLoss(response_method="decision_function").query(POOL, _learner(decision=None), 1)
    with pytest.raises(LearnerCapabilityError, match="ActiveLearner"):  # needs y_labeled_
        MMC().query(POOL, learner.estimator_, 1)
    with pytest.raises(ValueError, match="single-label strategy"):
        Margin().query(POOL, learner, 1)


def test_registry_names_and_leaderboard_filter():
    assert type(get_strategy("ml-binary-minimum")) is BinaryMinimum
    assert type(get_strategy("ml_mmc")) is MMC
    assert not any(name.startswith("ml-") for name in leaderboard_strategies("alamp"))


def test_contract_on_a_forest():
    """The contract also holds on another estimator family (per-label list outputs)."""
    from sklearn.ensemble import RandomForestClassifier

    X, Y = make_multilabel_classification(n_samples=140, n_classes=3, random_state=0)
    learner = ActiveLearner(RandomForestClassifier(n_estimators=5, random_state=0))
    learner.fit(X[:40], Y[:40])
    check_query_strategy(MinConfidence(), learner, X[40:])
