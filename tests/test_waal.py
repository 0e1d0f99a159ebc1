"""WAAL: the score combination and gradient penalty by hand, WAALNet training, the strategy."""

import numpy as np
import pytest

from skactive.strategies import WAAL, waal_score


def test_waal_score_by_hand():
    proba = np.array([[0.5, 0.5], [0.9, 0.1], [1.0, 0.0]])
    critic = np.array([0.2, 0.5, 0.9])
    # u = 0.5 * ||log p||_2 + 0.5 * ||log p||_1 ; score = mu * D - u
    l2 = np.sqrt(2) * np.log(2)
    u0 = 0.5 * l2 + 0.5 * 2 * np.log(2)
    u1 = 0.5 * np.hypot(np.log(0.9), np.log(0.1)) + 0.5 * (-np.log(0.9) - np.log(0.1))
    u2 = -np.log(1e-12)  # zero probability clipped at 1e-12
    np.testing.assert_allclose(waal_score(proba, critic, selection=10),
                               [2 - u0, 5 - u1, 9 - u2])
    np.testing.assert_allclose(waal_score(proba, critic, selection=0), [-u0, -u1, -u2])
    # flat predictions beat confident ones when the critic is equal
    assert np.argmax(waal_score(proba, [0.5, 0.5, 0.5])) == 0


torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from skactive import ActiveLearner  # noqa: E402
from skactive.exceptions import LearnerCapabilityError  # noqa: E402
from skactive.neural import (  # noqa: E402
    MLP,
    ActiveNeuralNetClassifier,
    WAALCritic,
    WAALNet,
    gradient_penalty,
)
from skactive.utils.estimator_checks import check_query_strategy  # noqa: E402

from ._helpers import one_torch_thread  # noqa: E402, F401


@pytest.fixture(scope="module", autouse=True)
def one_thread(one_torch_thread):
    yield


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    rng = np.random.RandomState(0)
    perm = rng.permutation(len(X))
    return (X[perm] / 16.0).astype(np.float32), y[perm]


def make_net(**kw):
    params = dict(module__hidden_units=32, critic__hidden_units=32, max_epochs=2, random_state=0)
    params.update(kw)
    return WAALNet(MLP, **params)


def test_gradient_penalty_by_hand():
    lin = torch.nn.Linear(3, 1)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[1.0, 2.0, 2.0]]))  # ||grad|| = 3 everywhere
    gp = gradient_penalty(lin, torch.randn(5, 3), torch.randn(5, 3))
    assert float(gp.detach()) == pytest.approx(4.0)
    critic = WAALCritic(in_dim=3, hidden_units=4)
    out = critic(torch.zeros(2, 3))
    assert out.shape == (2,) and bool(((out > 0) & (out < 1)).all())


def test_critic_separates_seen_from_unseen_classes(digits):
    """Sanity: the critic scores unlabelled-looking samples higher."""
    X, y = digits
    lab = np.flatnonzero(y < 5)[:200]
    rest = np.setdiff1d(np.arange(len(X)), lab)[:600]
    net = make_net(module__hidden_units=64, critic__hidden_units=128, max_epochs=15)
    net.fit(X[lab], y[lab], X_unlabeled=X[rest])
    assert net.n_unlabeled_seen_ == 600
    assert roc_auc_score(y[rest] >= 5, net.critic_scores(X[rest])) > 0.6
    assert net.score(X[lab], y[lab]) > 0.8


def test_contract_and_loop(digits):
    X, y = digits
    X_lab, y_lab, X_pool, y_pool = X[:100], y[:100], X[100:300], y[100:300]
    learner = ActiveLearner(make_net(), WAAL(), random_state=0)
    learner.fit(X_lab, y_lab, X_unlabeled=X_pool)
    check_query_strategy(WAAL(), learner=learner, X_pool=X_pool)
    idx, scores = learner.query(X_pool, budget=10, return_scores=True)
    net = learner.estimator_
    np.testing.assert_allclose(
        scores, waal_score(net.predict_proba(X_pool), net.critic_scores(X_pool)), rtol=1e-6)
    rest = np.setdiff1d(np.arange(len(X_pool)), idx)
    learner.teach(X_pool[idx], y_pool[idx], X_unlabeled=X_pool[rest])
    assert learner.estimator_.n_unlabeled_seen_ == len(rest)
    assert learner.query(X_pool[rest], budget=5).shape == (5,)


def test_needs_a_waal_net_with_a_pool(digits):
    X, y = digits
    with pytest.warns(UserWarning, match="X_unlabeled"):
        learner = ActiveLearner(make_net(max_epochs=1), random_state=0).fit(X[:100], y[:100])
    with pytest.raises(LearnerCapabilityError, match="X_unlabeled"):
        WAAL().query(X[100:200], learner, 3)
    plain = ActiveNeuralNetClassifier(MLP, module__hidden_units=16, max_epochs=1, random_state=0)
    learner = ActiveLearner(plain, random_state=0).fit(X[:100], y[:100])
    with pytest.raises(LearnerCapabilityError, match="WAALNet"):
        WAAL().query(X[100:200], learner, 3)


def test_training_is_seeded(digits):
    X, y = digits
    state = torch.get_rng_state()
    a = make_net().fit(X[:100], y[:100], X_unlabeled=X[100:300]).critic_scores(X[:20])
    b = make_net().fit(X[:100], y[:100], X_unlabeled=X[100:300]).critic_scores(X[:20])
    np.testing.assert_array_equal(a, b)
    assert torch.equal(state, torch.get_rng_state())
