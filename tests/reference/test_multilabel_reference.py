"""MMC against a re-derivation of libact's reference code (issue 18).

Source (read, not copied): libact, github.com/ntucllab/libact, commit
cac4c1e8a0161ccff7dba4d49135e380d1a98b90,
``libact/query_strategies/multilabel/maximum_margin_reduction.py``
(``MaximumLossReductionMaximalConfidence.make_query``): a binary-relevance
model gives probabilities on the labelled set and the pool; ``f = 2p - 1``;
the labelled probabilities, sorted in decreasing order and divided by their
sum, train a logistic regression on the labelled label counts; it predicts
the count ``m`` of each pool sample from its sorted normalised
probabilities; the ``m`` most probable labels are +1, the others -1; the
score is ``sum_l (1 - yhat_l f_l) / 2`` and one maximiser is returned (at
random among ties). ALiPy's ``QueryMultiLabelMMC`` (commit 31cb922) follows
the same steps. skactive's ``MMC(response_method="predict_proba")`` is that
variant; its scores must be equal, its first pick the maximiser.
"""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from skactive import ActiveLearner
from skactive.strategies import MMC


def _libact_mmc_scores(P_lab, Y_lab, P_pool):
    trn = np.sort(P_lab, axis=1)[:, ::-1]
    trn = trn / trn.sum(axis=1, keepdims=True)
    lr = LogisticRegression(solver="newton-cg").fit(trn, Y_lab.sum(axis=1))
    order = np.argsort(P_pool, axis=1)[:, ::-1]
    pool = np.sort(P_pool, axis=1)[:, ::-1]
    pool = pool / pool.sum(axis=1, keepdims=True)
    counts = lr.predict(pool).astype(int)
    yhat = -np.ones(P_pool.shape, dtype=int)
    for i, m in enumerate(counts):
        yhat[i, order[i, :m]] = 1
    f = 2 * P_pool - 1
    return ((1 - yhat * f) / 2).sum(axis=1)


def test_mmc_equals_libact():
    X, d = load_digits(return_X_y=True)
    Y = np.column_stack([d % 2 == 0, d >= 5, np.isin(d, (2, 3, 5, 7)), d % 3 == 0])
    Y = Y.astype(int)
    X = X / 16.0
    rng = np.random.RandomState(0)
    order = rng.permutation(len(X))
    lab, pool = order[:80], order[80:480]
    learner = ActiveLearner(OneVsRestClassifier(LogisticRegression(max_iter=2000)))
    learner.fit(X[lab], Y[lab])
    ref = _libact_mmc_scores(
        learner.predict_proba(X[lab]), Y[lab], learner.predict_proba(X[pool])
    )
    strategy = MMC(
        response_method="predict_proba",
        cardinality_estimator=LogisticRegression(solver="newton-cg"),
    )
    idx, scores = strategy.query(X[pool], learner, 10, return_scores=True)
    np.testing.assert_allclose(scores, ref, atol=1e-12)
    assert ref[idx[0]] == ref.max()
    # the batch is the top 10 of libact's scores (its one-at-a-time rule, repeated
    # without refitting, picks the same set)
    np.testing.assert_array_equal(np.sort(idx), np.sort(np.argsort(-ref, kind="stable")[:10]))
