"""CEAL: thresholds, pseudo-labels, and ActiveLearner.teach(X_pseudo=...)."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from skactive import ActiveLearner
from skactive.strategies import CEAL, Entropy, Margin
from skactive.utils.estimator_checks import check_query_strategy


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def test_thresholds():
    s = CEAL(delta=5e-5, decay=0.033e-5)
    np.testing.assert_allclose(s.threshold(1), 5e-5 - 0.033e-5)
    np.testing.assert_allclose(s.threshold(3), 5e-5 - 0.033e-5 * 6)  # 1 + 2 + 3
    lin = CEAL(delta=5e-5, decay=0.033e-5, schedule="linear")
    np.testing.assert_allclose(lin.threshold(3), 5e-5 - 0.033e-5 * 3)


def test_contract():
    check_query_strategy(CEAL())
    check_query_strategy(CEAL(Margin()))


def test_query_is_base_strategy(digits):
    X, y = digits
    clf = LogisticRegression(C=100, max_iter=3000).fit(X[:100], y[:100])
    np.testing.assert_array_equal(
        CEAL().query(X[100:600], clf, 7), Entropy().query(X[100:600], clf, 7)
    )


def test_pseudo_labels_by_hand(digits):
    X, y = digits
    clf = LogisticRegression(C=100, max_iter=3000).fit(X[:200], y[:200])
    pool = X[200:800]
    P = clf.predict_proba(pool)
    H = -(P * np.log(np.clip(P, 1e-300, None))).sum(1)
    s = CEAL(delta=0.05, decay=0.01, schedule="linear")
    idx, lab = s.pseudo_labels(pool, clf, round_index=2)  # threshold 0.03
    np.testing.assert_array_equal(np.sort(idx), np.flatnonzero(H < 0.03))
    assert np.all(np.diff(H[idx]) >= 0)  # most confident first
    np.testing.assert_array_equal(lab, clf.predict(pool[idx]))
    excl, _ = s.pseudo_labels(pool, clf, exclude=idx[:3], round_index=2)
    assert not np.isin(idx[:3], excl).any() and len(excl) == len(idx) - 3
    assert len(CEAL(delta=0.05, max_pseudo=4).pseudo_labels(pool, clf)[0]) == 4
    none, lab0 = CEAL(delta=1e-5, decay=1e-5).pseudo_labels(pool, clf, round_index=1)
    assert none.size == 0 and lab0.size == 0


def test_teach_with_pseudo_labels(digits):
    X, y = digits
    labels = np.array(list("abcdefghij"))[y]
    X_pool, y_pool = X[100:1200], labels[100:1200]
    learner = ActiveLearner(
        LogisticRegression(C=100, max_iter=3000), CEAL(delta=0.1), random_state=0
    ).fit(X[:100], labels[:100])
    idx = learner.query(X_pool, budget=10)
    p_idx, p_lab = learner.query_strategy_.pseudo_labels(X_pool, learner, exclude=idx)
    assert len(p_idx) > 20 and not np.isin(idx, p_idx).any()
    assert np.mean(p_lab == y_pool[p_idx]) > 0.9
    learner.teach(X_pool[idx], y_pool[idx], X_pseudo=X_pool[p_idx], y_pseudo=p_lab)
    assert learner.X_labeled_.shape[0] == 110 and learner.y_labeled_.shape[0] == 110
    # the estimator saw the pseudo-labels: same fit as on the concatenation
    ref = LogisticRegression(C=100, max_iter=3000).fit(
        np.r_[X[:100], X_pool[idx], X_pool[p_idx]], np.r_[labels[:100], y_pool[idx], p_lab]
    )
    np.testing.assert_allclose(learner.estimator_.coef_, ref.coef_)
    # empty pseudo sets are fine; unknown labels and half-given pairs are not
    learner.teach(X_pool[idx[:1]], y_pool[idx[:1]], X_pseudo=X_pool[:0], y_pseudo=y_pool[:0])
    with pytest.raises(ValueError, match="together"):
        learner.teach(X_pool[:1], y_pool[:1], X_pseudo=X_pool[:2])
    with pytest.raises(ValueError, match="y_pseudo"):
        learner.teach(X_pool[:1], y_pool[:1], X_pseudo=X_pool[:1], y_pseudo=np.array(["zz"]))
