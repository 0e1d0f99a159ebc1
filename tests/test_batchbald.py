"""BatchBALD: exact joint entropy against brute force, the sampled estimate,
first pick = BALD, fewer duplicates than BALD, bounded memory, warnings."""

import importlib.util
import itertools
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier

from skactive import ActiveLearner
from skactive.exceptions import LearnerCapabilityError
from skactive.experiments import get_strategy
from skactive.strategies import BALD, BatchBALD, BatchBALDSaturationWarning
from skactive.strategies._batchbald import _joint_entropies, _JointState


class _Samples(ClassifierMixin, BaseEstimator):
    """A fitted 'learner' whose posterior samples are fixed: row ``i`` of the
    pool (``X[i, 0] = i``) has probabilities ``P[:, i]``."""

    def __init__(self, P):
        self.P = P
        self.classes_ = np.arange(np.shape(P)[2])

    def fit(self, X, y):
        return self

    def predict(self, X):
        return self.P.mean(0).argmax(1)[np.asarray(X)[:, 0].astype(int)]

    def predict_proba_samples(self, X, n_samples=10, random_state=None):
        return self.P[:, np.asarray(X)[:, 0].astype(int)]


def _pool(n):
    return np.arange(n, dtype=float)[:, None]


def _random_P(K, n, C, seed=0, alpha=0.5):
    return np.random.RandomState(seed).dirichlet(np.full(C, alpha), size=(K, n))


def _h(p):
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def _joint_mi(P, batch):
    """Brute force: I(y_batch; w) by enumerating every label configuration."""
    K, _, C = P.shape
    H = 0.0
    for ys in itertools.product(range(C), repeat=len(batch)):
        p = np.mean([np.prod([P[k, i, y] for i, y in zip(batch, ys)]) for k in range(K)])
        if p > 0:
            H -= p * np.log(p)
    cond = sum(np.mean([_h(P[k, i]) for k in range(K)]) for i in batch)
    return H - cond


def test_exact_greedy_matches_brute_force():
    P = _random_P(K=3, n=7, C=3)
    idx, scores = BatchBALD().query(_pool(7), _Samples(P), budget=3, return_scores=True)
    batch, mi = [], 0.0
    for step in range(3):
        gains = {i: _joint_mi(P, batch + [i]) - mi for i in range(7) if i not in batch}
        best = max(gains, key=lambda i: (gains[i], -i))
        assert idx[step] == best
        np.testing.assert_allclose(scores[best], gains[best], atol=1e-10)
        batch.append(best)
        mi += gains[best]
    rest = [i for i in range(7) if i not in batch]  # gains at the last pick
    gains = [_joint_mi(P, batch[:2] + [i]) - _joint_mi(P, batch[:2]) for i in rest]
    np.testing.assert_allclose(scores[rest], gains, atol=1e-10)
    assert np.all(np.diff(scores[idx]) <= 1e-12)  # submodular: gains do not increase


def test_sampled_estimate_is_close_to_exact():
    K, C = 4, 6
    P = _random_P(K, n=8, C=C, seed=1)
    probs = P  # (K, n, C)
    exact = _JointState(K, max_configs=10**6, rng=np.random.RandomState(0))
    sampled = _JointState(K, max_configs=20000, rng=np.random.RandomState(0))
    picks = [0, 1, 2, 3, 4, 5]  # 6**6 = 46656 > 20000 exact configs: sampling kicks in
    for j in range(len(picks)):
        for state in (exact, sampled):
            state.add(probs[:, picks[j]], probs[:, picks[: j + 1]].transpose(1, 0, 2))
    assert not exact.sampled and sampled.sampled
    assert sampled.P.shape[0] <= 20000
    h_exact = _joint_entropies(exact.P, exact.logscale, probs[:, 6:], False, np.empty(2))
    h_samp = _joint_entropies(sampled.P, sampled.logscale, probs[:, 6:], True, np.empty(2))
    np.testing.assert_allclose(h_samp, h_exact, rtol=0.02)
    # brute-force value of the exact state on a smaller batch
    small = _JointState(K, max_configs=10**6, rng=np.random.RandomState(0))
    small.add(probs[:, 0], probs[:, :1].transpose(1, 0, 2))
    h = _joint_entropies(small.P, small.logscale, probs[:, 1:2], False, np.empty(1))
    cond = sum(np.mean([_h(P[k, i]) for k in range(K)]) for i in (0, 1))
    np.testing.assert_allclose(h[0] - cond, _joint_mi(P, [0, 1]), atol=1e-10)


def test_memory_stays_below_max_configs():
    K, C = 5, 10
    P = _random_P(K, n=40, C=C, seed=2)
    state = _JointState(K, max_configs=500, rng=np.random.RandomState(0))
    for j in range(8):
        state.add(P[:, j], P[:, : j + 1].transpose(1, 0, 2))
        assert state.P.shape[0] <= 500  # never C**j rows
    assert state.sampled
    with pytest.warns(BatchBALDSaturationWarning):  # K = 5 samples hold log 5 nats
        idx = BatchBALD(max_configs=500, random_state=0).query(_pool(40), _Samples(P), budget=8)
    assert np.unique(idx).size == 8


def test_first_pick_is_bald_and_fewer_duplicates():
    X, y = load_iris(return_X_y=True)
    X2 = np.repeat(X, 2, axis=0)  # every row twice
    rf = RandomForestClassifier(n_estimators=30, max_depth=3, random_state=0).fit(X[::7], y[::7])
    bald = BALD().query(X2, rf, budget=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BatchBALDSaturationWarning)
        batch = BatchBALD(random_state=0).query(X2, rf, budget=8)
    assert batch[0] == bald[0]
    dup_bald = 8 - np.unique(bald // 2).size
    dup_batch = 8 - np.unique(batch // 2).size
    assert dup_bald >= 3 and dup_batch <= 1, (dup_bald, dup_batch)


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs torch")
def test_first_pick_is_bald_with_mc_dropout():
    from sklearn.preprocessing import StandardScaler

    from skactive.neural import MLP, ActiveNeuralNetClassifier

    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    net = ActiveNeuralNetClassifier(MLP, module__dropout=0.3, max_epochs=2, random_state=0)
    learner = ActiveLearner(net).fit(X[::5], y[::5])
    _, s_bald = BALD(n_samples=8, random_state=3).query(X, learner, 1, return_scores=True)
    idx, _ = BatchBALD(n_samples=8, random_state=3).query(X, learner, 3, return_scores=True)
    assert idx[0] == np.argmax(s_bald)


def test_saturation_warning():
    P = _random_P(K=3, n=30, C=4, seed=3, alpha=0.2)  # log 3 = 1.1 nats at most
    with pytest.warns(BatchBALDSaturationWarning, match="log"):
        BatchBALD().query(_pool(30), _Samples(P), budget=6)
    with warnings.catch_warnings():
        warnings.simplefilter("error", BatchBALDSaturationWarning)
        BatchBALD().query(_pool(30), _Samples(P), budget=1)


def test_n_candidates():
    P = _random_P(K=20, n=30, C=3, seed=4)
    _, bald = BALD().query(_pool(30), _Samples(P), 1, return_scores=True)
    idx, scores = BatchBALD(n_candidates=10).query(_pool(30), _Samples(P), 4,
                                                   return_scores=True)
    top = set(np.argsort(-bald, kind="stable")[:10].tolist())
    assert set(idx.tolist()) <= top
    assert np.isnan(scores).sum() == 20
    with pytest.raises(ValueError, match="n_candidates"):
        BatchBALD(n_candidates=3).query(_pool(30), _Samples(P), 4)


def test_errors_and_registry():
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    clf = LogisticRegression(max_iter=1000).fit(X, y)
    with pytest.raises(LearnerCapabilityError, match="stochastic"):
        BatchBALD().query(X, clf, 2)
    with pytest.raises(ValueError, match="max_configs"):
        BatchBALD(max_configs=0).query(X, clf, 2)
    assert isinstance(get_strategy("batchbald"), BatchBALD)
