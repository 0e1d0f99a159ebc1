"""BALD, MeanSTD and the MC-dropout entropy / margin / least-confidence
strategies against re-derivations of the DeepAL+ code.

Source: github.com/SineZHAN/deepALplus, commit
93c2884e40e9a0b55cd2cf9527d3d1ff9d7e0c20 (read, not copied):

- ``query_strategies/bayesian_active_learning_disagreement_dropout.py``:
  ``pb = probs.mean(0)``; ``entropy1 = sum(-pb log pb)``;
  ``entropy2 = mean_t sum(-p_t log p_t)``; ``u = entropy2 - entropy1``;
  the ``n`` smallest ``u`` (largest mutual information);
- ``entropy_sampling_dropout.py``: ``u = sum(p log p)`` of the mean of the
  passes (``nets.py``, ``predict_prob_dropout`` averages the ``n_drop``
  softmax outputs); the ``n`` smallest;
- ``margin_sampling_dropout.py``: top-1 minus top-2 of the mean; smallest;
- ``least_confidence_dropout.py``: max of the mean; smallest;
- ``mean_std.py``: ``np.std`` over passes (ddof 0), mean over classes;
  the ``n`` largest.

Both sides read the same 10 MC-dropout passes of a tiny seeded MLP
(``FixedSamples``), so the comparison is of the selection rule: equal picks,
same order (Jaccard 1.0). Ties: none in these float probabilities. The one
intended deviation, ``0 log 0 = 0`` where DeepAL+ gets NaN, does not arise
here (no exact zeros); it is tested separately below.
"""

import numpy as np
import pytest

from skactive import ActiveLearner
from skactive.strategies import (
    BALD,
    EntropyDropout,
    LeastConfidenceDropout,
    MarginDropout,
    MeanSTD,
)

from .conftest import FixedSamples, jaccard

N = 20


def _deepalplus(name, P, n):
    pb = P.mean(axis=0)
    if name == "bald":
        u = (-P * np.log(P)).sum(axis=2).mean(axis=0) - (-pb * np.log(pb)).sum(axis=1)
    elif name == "entropy":
        u = (pb * np.log(pb)).sum(axis=1)
    elif name == "margin":
        s = -np.sort(-pb, axis=1)
        u = s[:, 0] - s[:, 1]
    elif name == "least_confidence":
        u = pb.max(axis=1)
    elif name == "mean_std":
        u = -P.std(axis=0).mean(axis=1)  # descending sort = ascending of -u
    return np.argsort(u, kind="stable")[:n]


@pytest.mark.parametrize(
    "name, strategy",
    [
        ("bald", BALD),
        ("entropy", EntropyDropout),
        ("margin", MarginDropout),
        ("least_confidence", LeastConfidenceDropout),
        ("mean_std", MeanSTD),
    ],
)
def test_mc_dropout_family_equals_deepalplus(mc_samples, name, strategy):
    P = mc_samples
    assert P.min() > 0
    pool = np.arange(P.shape[1])[:, None]
    learner = ActiveLearner(FixedSamples(P)).fit(pool[:10], np.arange(10))
    idx = strategy(n_samples=10, random_state=0).query(pool, learner, budget=N)
    ref = _deepalplus(name, P, N)
    assert jaccard(idx, ref) == 1.0
    np.testing.assert_array_equal(idx, ref)


def test_bald_zero_probabilities(mc_samples):
    """Intended deviation: a pass with an exact 0 probability gives NaN in
    DeepAL+ (``0 * log 0``) and such a sample is then never ranked
    consistently; skactive uses ``0 log 0 = 0`` (the limit)."""
    P = mc_samples[:, :50].copy()
    P[:, 7] = 0.0
    P[:, 7, 3] = 1.0  # one-hot in every pass: no disagreement at all
    pool = np.arange(50)[:, None]
    learner = ActiveLearner(FixedSamples(P)).fit(pool[:10], np.arange(10))
    _, scores = BALD().query(pool, learner, budget=5, return_scores=True)
    assert scores[7] == 0.0 and np.all(np.isfinite(scores))
