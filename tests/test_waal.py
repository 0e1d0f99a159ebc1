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
    waal_train_step,
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


def test_gamma_ratio_and_penalty_sign(digits):
    """gamma_ratio="auto" is n_labelled / n_unlabelled (official code); the
    penalty enters the critic's loss with the sign of ``critic_penalty``."""
    X, y = digits
    net = make_net(max_epochs=1).fit(X[:100], y[:100], X_unlabeled=X[100:500])
    assert net.gamma_ratio_ == pytest.approx(0.25)
    assert make_net(max_epochs=1, gamma_ratio=0.5).fit(
        X[:100], y[:100], X_unlabeled=X[100:500]).gamma_ratio_ == 0.5
    with pytest.raises(ValueError, match="critic_penalty"):
        make_net(max_epochs=1, critic_penalty="plus").fit(X[:100], y[:100], X_unlabeled=X[100:])

    # a linear critic D(z) = w.z: W = mean(w.z_u) - g mean(w.z_l), GP = (||w|| - 1)^2
    class Module(torch.nn.Module):
        def embed(self, x):
            return x

        def head(self, z):
            return torch.zeros(len(z), 2, requires_grad=True)

    critic = torch.nn.Linear(3, 1, bias=False)
    with torch.no_grad():
        critic.weight.copy_(torch.tensor([[3.0, 0.0, 4.0]]))
    xl, xu = torch.ones(4, 3), torch.zeros(4, 3)
    y_lab = torch.zeros(4, dtype=torch.long)
    grads = {}
    for penalty, sign in (("reference", -1.0), ("wgan-gp", 1.0)):
        critic.zero_grad()
        waal_train_step(Module(), critic, xl, y_lab, xu, torch.nn.functional.cross_entropy,
                        alpha=1.0, gamma_ratio=0.5, gp_weight=2.0, critic_penalty=penalty)
        grads[penalty] = critic.weight.grad.clone()
        w = critic.weight.detach()
        # d/dw [-(0 - 0.5 w.1) + sign 2 (||w|| - 1)^2] = 0.5 * 1 + sign 4 (||w|| - 1) w / ||w||
        expected = 0.5 * torch.ones(1, 3) + sign * 4 * (5 - 1) * w / 5
        torch.testing.assert_close(grads[penalty], expected)
    assert not torch.equal(grads["reference"], grads["wgan-gp"])


def _strategies_on_nets():
    """(class, mode) pairs: every classification strategy in train mode, the
    strategies that need a net in eval mode too."""
    import inspect

    from skactive import strategies
    from skactive.base import BaseQueryStrategy, get_query_tags

    out = []
    for name in strategies.__all__:
        cls = getattr(strategies, name)
        if inspect.isclass(cls) and issubclass(cls, BaseQueryStrategy) and cls.__name__ == name:
            tags = get_query_tags(cls())
            if getattr(tags, "task", "classification") == "regression":
                continue
            out.append(pytest.param(cls, "train", id=f"{name}-train"))
            if tags.requires_neural_net:
                out.append(pytest.param(cls, "eval", id=f"{name}-eval"))
    return out


def _torch_state(net):
    """Every module and criterion of a skorch net: each submodule's mode and parameter."""
    state = {}
    for attr, value in vars(net).items():
        if isinstance(value, torch.nn.Module):
            for name, m in value.named_modules():
                state[f"{attr}.{name}.training"] = m.training
            for name, t in list(value.named_parameters()) + list(value.named_buffers()):
                state[f"{attr}.{name}"] = t.detach().clone()
    return state


@pytest.fixture(scope="module")
def plain_net_learner():
    """A fitted MLP (dropout on) in an ActiveLearner, taught once, and a pool."""
    from sklearn.preprocessing import StandardScaler

    from skactive.datasets import load_letter

    X, y = load_letter(return_X_y=True)
    keep = np.random.RandomState(0).permutation(np.flatnonzero(y < 5))[:200]
    X, y = StandardScaler().fit_transform(X[keep]).astype(np.float32), y[keep]
    net = ActiveNeuralNetClassifier(MLP, module__hidden_units=16, module__dropout=0.2,
                                    max_epochs=3, random_state=0)
    learner = ActiveLearner(net, random_state=0).fit(X[:60], y[:60])
    learner.teach(X[60:80], y[60:80])
    return learner, X[80:140]


@pytest.mark.parametrize("cls, mode", _strategies_on_nets())
def test_queries_leave_torch_modules_unchanged(cls, mode, plain_net_learner):
    """Issue 16: no query on a net learner changes a module's train/eval mode
    (module_, criterion_, critic_, ...) or any parameter or buffer."""
    from skactive.base import get_query_tags
    from skactive.exceptions import LearnerCapabilityError
    from skactive.utils.estimator_checks import contract_instance, default_learner_and_pool

    strategy = contract_instance(cls)
    if get_query_tags(strategy).requires_neural_net:
        learner, X_pool, _ = default_learner_and_pool(strategy)
        X_pool = X_pool[:60]
    else:
        learner, X_pool = plain_net_learner
    net = learner.estimator_
    for value in vars(net).values():
        if isinstance(value, torch.nn.Module):
            value.train(mode == "train")
    before = _torch_state(net)
    assert any(k.startswith("criterion_") for k in before)
    try:
        strategy.query(X_pool, learner, 3)
    except (LearnerCapabilityError, TypeError) as exc:  # e.g. needs a committee
        pytest.skip(f"{cls.__name__} does not run on this net: {exc}")
    after = _torch_state(net)
    assert before.keys() == after.keys()
    for key, value in before.items():
        if isinstance(value, bool):
            assert after[key] == value, f"{cls.__name__} changed the mode of {key}"
        else:
            assert torch.equal(after[key], value), f"{cls.__name__} changed {key}"
