"""CEAL against a re-derivation of the DeepAL+ code.

Source: github.com/SineZHAN/deepALplus, commit
93c2884e40e9a0b55cd2cf9527d3d1ff9d7e0c20 (read, not copied):
``query_strategies/ceal.py`` (``CEALSampling.query``), ``demo.py`` (rounds
``rd = 1, 2, ...`` passed as ``t``), ``arguments.py`` (``--delta`` 5e-5) and
``entropy_sampling.py`` (the base rule ``CEALSampling+EntropySampling``):

- the samples to annotate: the ``n`` smallest ``sum(p log p)`` (highest
  entropy) of the current model;
- in the same call, ``self.delta -= 0.033e-5 * t``: the threshold of round
  ``t`` is ``delta_0 - 0.033e-5 * (1 + ... + t)``;
- after the queried samples leave the pool, every remaining sample with
  entropy ``sum(-p log p) < delta`` is added with its predicted label.

Deterministic: equal queried sets and equal pseudo-labelled sets with equal
labels, for three rounds and two initial thresholds. Ties: none.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression

from skactive import ActiveLearner
from skactive.strategies import CEAL

from .conftest import jaccard


def _reference_round(P, n, delta):
    query = np.argsort((P * np.log(P)).sum(axis=1), kind="stable")[:n]
    rest = np.setdiff1d(np.arange(len(P)), query)
    H = (-P[rest] * np.log(P[rest])).sum(axis=1)
    keep = rest[H < delta]
    return query, keep, P[keep].argmax(axis=1)


def test_ceal_equals_deepalplus(digits_linear):
    Z_lab, y_lab, Z_pool, _ = digits_linear
    # a confident model (large C, trained on more data), so that some
    # entropies fall below the thresholds
    y_more = LogisticRegression(max_iter=5000).fit(Z_lab, y_lab).predict(Z_pool[:100])
    learner = ActiveLearner(LogisticRegression(C=1e4, max_iter=20000)).fit(
        np.vstack([Z_lab, Z_pool[:100]]), np.r_[y_lab, y_more]
    )
    P = learner.predict_proba(Z_pool)
    assert P.min() > 0
    for delta0 in (5e-5, 5e-2):
        strategy = CEAL(delta=delta0)
        ref_delta = delta0
        n_pseudo = 0
        for t in (1, 2, 3):
            ref_delta -= 0.033e-5 * t
            ref_q, ref_keep, ref_lab = _reference_round(P, 10, ref_delta)
            idx = strategy.query(Z_pool, learner, budget=10)
            assert jaccard(idx, ref_q) == 1.0
            p_idx, p_lab = strategy.pseudo_labels(Z_pool, learner, exclude=idx, round_index=t)
            order = np.argsort(p_idx)
            np.testing.assert_array_equal(p_idx[order], ref_keep)
            np.testing.assert_array_equal(p_lab[order], learner.classes_[ref_lab])
            n_pseudo += len(ref_keep)
        assert n_pseudo > 0  # the thresholds did select samples
