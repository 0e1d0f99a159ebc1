"""Shared fixed inputs of the parity suite (issue 15).

Every test in ``tests/reference/`` compares a skactive strategy with an
independent re-derivation of its official selection rule (written from the
official source, cited in the test's docstring), on small fixed inputs:

* ``digits_linear``: sklearn's digits through a fixed random linear map to 12
  dimensions (seed 0), split into a labelled set of 60 and a pool of 300,
  with a multinomial ``LogisticRegression`` on top (a linear head, so the
  embedding is the input and the head is ``coef_`` / ``intercept_``);
* ``mc_samples``: MC-dropout probabilities ``(10, n, 10)`` of a tiny seeded
  torch MLP on digits, served by :class:`FixedSamples` so that the strategy
  and the re-derivation see exactly the same stochastic passes.

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
    """MC-dropout probabilities ``(10, 400, 10)`` (float64) of a tiny seeded MLP
    (64-32-10, dropout 0.5) trained for 60 full-batch Adam steps on 200 digits."""
    torch = pytest.importorskip("torch")
    X, y = load_digits(return_X_y=True)
    X = torch.as_tensor(X / 16.0, dtype=torch.float32)
    y = torch.as_tensor(y)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices on a shared machine
    try:
        with torch.random.fork_rng():
            torch.manual_seed(0)
            net = torch.nn.Sequential(
                torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Dropout(0.5),
                torch.nn.Linear(32, 10),
            )
            opt = torch.optim.Adam(net.parameters(), lr=1e-2)
            for _ in range(60):
                opt.zero_grad()
                torch.nn.functional.cross_entropy(net(X[:200]), y[:200]).backward()
                opt.step()
            net.train()  # dropout on, as DeepAL+'s predict_prob_dropout
            with torch.no_grad():
                P = torch.stack([torch.softmax(net(X[200:600]), 1) for _ in range(10)])
    finally:
        torch.set_num_threads(threads)
    return P.double().numpy()
