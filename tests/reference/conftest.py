"""Shared fixed inputs of the parity suite (issue 15).

Every test in ``tests/reference/`` compares a skactive strategy with an
independent re-derivation of its official selection rule (written from the
official source, cited in the test's docstring), on small fixed inputs:

* ``digits_linear``: sklearn's digits through a fixed random linear map to 12
  dimensions (seed 0), split into a labelled set of 60 and a pool of 300,
  with a multinomial ``LogisticRegression`` on top (a linear head, so the
  embedding is the input and the head is ``coef_`` / ``intercept_``);
* ``mc_samples``: MC-dropout probabilities ``(10, n, 10)`` of a tiny seeded
  MLP on digits, served by :class:`FixedSamples` so that the strategy and the
  re-derivation see exactly the same stochastic passes.

Helpers: :func:`jaccard` and :func:`chi2_pvalue` (goodness of fit of observed
picks over seeds against the exact law of the reference rule).
"""

import numpy as np
import pytest
from scipy import stats
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from skactive import ActiveLearner

N_LAB, N_POOL, DIM = 60, 300, 12


def jaccard(a, b):
    """Jaccard index of two index sets."""
    a, b = set(np.asarray(a).tolist()), set(np.asarray(b).tolist())
    return len(a & b) / len(a | b)


def chi2_pvalue(observed_picks, probs, min_expected=5.0):
    """p-value of a chi-square goodness-of-fit test of picks against ``probs``.

    Cells with an expected count below ``min_expected`` are pooled into one
    cell (itself dropped if still too small); observed picks outside the
    support of ``probs`` make the p-value 0.
    """
    probs = np.asarray(probs, dtype=float)
    picks = np.asarray(observed_picks)
    n = picks.size
    if np.any(probs[picks] <= 0):
        return 0.0
    counts = np.bincount(picks, minlength=probs.size).astype(float)
    expected = probs * n
    big = expected >= min_expected
    obs = list(counts[big])
    exp = list(expected[big])
    if (~big).any() and expected[~big].sum() >= min_expected:
        obs.append(counts[~big].sum())
        exp.append(expected[~big].sum())
    exp = np.asarray(exp)
    exp *= np.sum(obs) / exp.sum()
    if len(obs) < 2:
        return 1.0
    return float(stats.chisquare(obs, exp).pvalue)


@pytest.fixture(scope="session")
def digits_linear():
    """``(Z_lab, y_lab, Z_pool, y_pool)``: digits through a fixed linear map."""
    X, y = load_digits(return_X_y=True)
    rng = np.random.RandomState(0)
    W = rng.normal(size=(64, DIM)) / 8.0
    Z = (X / 16.0) @ W
    order = rng.permutation(len(X))
    lab, pool = order[:N_LAB], order[N_LAB : N_LAB + N_POOL]
    return Z[lab], y[lab], Z[pool], y[pool]


@pytest.fixture(scope="session")
def linear_learner(digits_linear):
    """An ActiveLearner around a multinomial logistic regression (linear head)."""
    Z_lab, y_lab, _, _ = digits_linear
    return ActiveLearner(LogisticRegression(C=1.0, max_iter=5000), random_state=0).fit(
        Z_lab, y_lab
    )


class FixedSamples(ClassifierMixin, BaseEstimator):
    """A "net" whose MC-dropout passes are a fixed array ``P`` (T, n, K).

    The pool is ``np.arange(n)[:, None]`` (row i asks for sample i), so that
    chunked scoring sees the same passes as the re-derivation.
    """

    def __init__(self, P=None):
        self.P = P

    def fit(self, X=None, y=None):
        self.classes_ = np.arange(self.P.shape[2])
        self.n_features_in_ = 1
        return self

    def _rows(self, X):
        return np.asarray(X)[:, 0].astype(int)

    def predict_proba(self, X):
        return self.P[:, self._rows(X)].mean(axis=0)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def predict_proba_samples(self, X, n_samples=10, random_state=None):
        return self.P[:, self._rows(X)]


@pytest.fixture(scope="session")
def mc_samples():
    """MC-dropout probabilities of a tiny seeded MLP: ``(10, 400, 10)`` float64."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("skorch")
    from skactive.neural import MLP, ActiveNeuralNetClassifier

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices on a shared machine
    try:
        net = ActiveNeuralNetClassifier(
            MLP, module__hidden_units=32, module__dropout=0.5, max_epochs=5, random_state=0
        ).fit(X[:200], y[:200])
        P = net.predict_proba_samples(X[200:600], n_samples=10, random_state=0)
    finally:
        torch.set_num_threads(threads)
    return P.astype(np.float64)
