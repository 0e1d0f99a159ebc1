"""alamp (eq. 3) and alamp-div (Algorithm 1) against a literal re-derivation
of the paper.

There is no official code. Source: U. Aggarwal, A. Popescu, C. Hudelot,
"Optimizing Active Learning for Low Annotation Budgets": eq. 1 (margin =
top-1 minus top-2 probability), eq. 3
``alamp(x) = (marg_{k-1}(x) - marg_k(x)) / (marg_{k-1}(x) + marg_k(x))``,
"the sample with higher score is selected" (decreasing order), and
Algorithm 1 (``DIV``), transcribed line by line below: walk the sorted list
repeatedly; in each pass take every not-yet-taken sample whose
previous-model class has not been taken in this pass; stop once more than
``b`` samples are taken and keep the first ``b``.

Deterministic: equal picks in the same order (Jaccard 1.0). Ties: scores
are compared with a stable sort on both sides (smaller pool index first);
none occur on these inputs except 0/0 (both margins 0), which skactive
scores 0 (documented in ``alamp_score``) and which does not arise here.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC

from skactive import ActiveLearner
from skactive.strategies import Alamp, AlampDiv

from .conftest import jaccard


def _marg(model, Z):
    P = -np.sort(-model.predict_proba(Z), axis=1)
    return P[:, 0] - P[:, 1]


def _div(U, top, b):
    """Algorithm 1, literally (U sorted best first, top[i]: class at k-1)."""
    L = []
    while len(L) <= b:
        seen = []
        for i in U:
            if top[i] not in seen and i not in L:
                L.append(i)
                seen.append(top[i])
        if len(L) == len(U):
            break
    return L[:b]


def _learner_after_one_round(digits_linear, estimator):
    Z_lab, y_lab, Z_pool, y_pool = digits_linear
    learner = ActiveLearner(estimator).fit(Z_lab[:30], y_lab[:30])
    learner.teach(Z_lab[30:], y_lab[30:])
    return learner, Z_pool


def test_alamp_eq3(digits_linear):
    learner, Z_pool = _learner_after_one_round(
        digits_linear, LogisticRegression(max_iter=5000))
    prev, cur = learner.previous_estimator_, learner.estimator_
    m_prev, m_cur = _marg(prev, Z_pool), _marg(cur, Z_pool)
    score = (m_prev - m_cur) / (m_prev + m_cur)
    ref = np.argsort(-score, kind="stable")[:20]
    idx, scores = Alamp().query(Z_pool, learner, budget=20, return_scores=True)
    np.testing.assert_allclose(scores, score, rtol=1e-10, atol=1e-12)
    assert jaccard(idx, ref) == 1.0
    np.testing.assert_array_equal(idx, ref)


def test_alamp_div_algorithm_1(digits_linear):
    learner, Z_pool = _learner_after_one_round(
        digits_linear, LogisticRegression(max_iter=5000))
    prev, cur = learner.previous_estimator_, learner.estimator_
    m_prev, m_cur = _marg(prev, Z_pool), _marg(cur, Z_pool)
    U = np.argsort(-(m_prev - m_cur) / (m_prev + m_cur), kind="stable").tolist()
    top = dict(enumerate(prev.predict(Z_pool).tolist()))
    for b in (5, 10, 23, 40):  # fewer, as many as and more than the classes
        ref = _div(U, top, b)
        idx = AlampDiv().query(Z_pool, learner, budget=b)
        np.testing.assert_array_equal(idx, ref)


def test_alamp_with_svc_decision_values(digits_linear):
    """The paper's SVM scheme: margins of ``SVC()`` (no probability=True).
    skactive takes the margin of the one-vs-rest decision values then; the
    re-derivation uses the same values, so the rule (eq. 3 + order) is
    compared on them."""
    learner, Z_pool = _learner_after_one_round(digits_linear, SVC())
    prev, cur = learner.previous_estimator_, learner.estimator_

    def marg(model):
        D = -np.sort(-model.decision_function(Z_pool), axis=1)
        return D[:, 0] - D[:, 1]

    m_prev, m_cur = marg(prev), marg(cur)
    ref = np.argsort(-(m_prev - m_cur) / (m_prev + m_cur), kind="stable")[:15]
    idx = Alamp().query(Z_pool, learner, budget=15)
    np.testing.assert_array_equal(idx, ref)
