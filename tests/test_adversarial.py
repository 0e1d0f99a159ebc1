"""AdversarialDeepFool and AdversarialBIM: exact answers on linear models,
flipped predictions on a trained MLP, batching, the contract on a net."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from torch import nn  # noqa: E402

from skactive import ActiveLearner  # noqa: E402
from skactive.exceptions import LearnerCapabilityError  # noqa: E402
from skactive.neural import MLP, ActiveNeuralNetClassifier  # noqa: E402
from skactive.neural._adversarial import bim_attack, deepfool_attack  # noqa: E402
from skactive.strategies import AdversarialBIM, AdversarialDeepFool  # noqa: E402
from skactive.utils.estimator_checks import check_query_strategy  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """Small batches on a shared 2-core machine: one thread avoids spin-waits."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


class Linear(nn.Module):
    """An affine classifier, usable as a skorch module."""

    def __init__(self, n_features=None, n_classes=None):
        super().__init__()
        self.fc = nn.Linear(n_features, n_classes)

    def forward(self, x):
        return self.fc(x.reshape(x.shape[0], -1))


def _affine(module):
    W = module.fc.weight.detach().double().numpy()
    b = module.fc.bias.detach().double().numpy()
    return W, b


def _exact_boundary_distance(W, b, X):
    """min_k |f_k - f_y| / ||w_k - w_y||: the distance to leave the polytope of
    the predicted class of an affine classifier."""
    F = X @ W.T + b
    y = F.argmax(axis=1)
    rows = np.arange(len(X))
    num = np.abs(F - F[rows, y][:, None])
    den = np.linalg.norm(W[None, :, :] - W[y][:, None, :], axis=2)
    den[rows, y] = 1.0
    num[rows, y] = np.inf
    return (num / den).min(axis=1)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    rng = np.random.RandomState(0)
    idx = rng.permutation(len(X))
    return (X[idx] / 16.0).astype(np.float32), y[idx]


@pytest.fixture(scope="module")
def mlp_learner(digits):
    X, y = digits
    net = ActiveNeuralNetClassifier(
        MLP, module__hidden_units=32, module__dropout=0.2, max_epochs=8, random_state=0
    )
    return ActiveLearner(net, random_state=0).fit(X[:200], y[:200])


@pytest.fixture(scope="module")
def linear_learner(digits):
    X, y = digits
    net = ActiveNeuralNetClassifier(Linear, max_epochs=5, random_state=0)
    return ActiveLearner(net, random_state=0).fit(X[:300], y[:300])


def test_deepfool_linear_is_exact_distance(digits, linear_learner):
    X, _ = digits
    X_pool = X[300:700]
    idx, scores = AdversarialDeepFool().query(X_pool, linear_learner, 10, return_scores=True)
    W, b = _affine(linear_learner.estimator_.module_)
    exact = _exact_boundary_distance(W, b, X_pool.astype(np.float64))
    # one step lands on the closest boundary; the overshoot scales it by 1.02
    np.testing.assert_allclose(-scores, 1.02 * exact, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(idx, np.argsort(exact, kind="stable")[:10])
    _, flipped, n_iter, _, _ = deepfool_attack(linear_learner.estimator_.module_, X_pool)
    assert flipped.all() and (n_iter == 1).all()


def test_deepfool_goes_to_the_closest_class():
    """Three classes; the reference code steps to the last class (index 2),
    DeepFool to the closest boundary (class 1)."""
    lin = nn.Linear(2, 3)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))
        lin.bias.copy_(torch.tensor([0.0, -1.0, -3.0]))
    x = np.array([[0.0, 0.0]], dtype=np.float32)  # f = (0, -1, -3): class 0
    norms, flipped, _, _, _, r = deepfool_attack(lin, x, overshoot=0.0 + 0.02,
                                                 return_perturbations=True)
    # boundary 0|1 is x1 = 1 (distance 1); boundary 0|2 is x2 = 3 (distance 3)
    np.testing.assert_allclose(norms, [1.02], rtol=1e-6)
    np.testing.assert_allclose(r, [[1.02, 0.0]], atol=1e-6)
    assert flipped.all()


def test_bim_linear_two_classes_by_hand():
    """Binary affine logits: each step moves f_o - f_y by eps * ||w_o - w_y||_1,
    so the flip needs floor(m / (eps ||w||_1)) + 1 steps of norm eps sqrt(d)."""
    rng = np.random.RandomState(0)
    lin = nn.Linear(6, 2)
    X = rng.normal(size=(40, 6)).astype(np.float32)
    eps = 0.05
    norms, flipped, n_iter, _, _ = bim_attack(lin, X, eps=eps, max_iter=1000)
    W = lin.weight.detach().double().numpy()
    b = lin.bias.detach().double().numpy()
    F = X.astype(np.float64) @ W.T + b
    y = F.argmax(axis=1)
    m = np.abs(F[:, 0] - F[:, 1])
    steps = np.floor(m / (eps * np.abs(W[0] - W[1]).sum())) + 1
    assert flipped.all()
    np.testing.assert_array_equal(n_iter, steps)
    np.testing.assert_allclose(norms, steps * eps * np.sqrt(6), rtol=1e-5)
    assert set(np.unique(y)) == {0, 1}


def test_attacks_flip_the_trained_mlp(digits, mlp_learner):
    X, _ = digits
    X_pool = X[200:400]
    module = mlp_learner.estimator_.module_
    pred = mlp_learner.predict(X_pool)
    for attack in (deepfool_attack, bim_attack):
        norms, flipped, n_iter, margin, margin0, r = attack(
            module, X_pool, return_perturbations=True
        )
        assert flipped.mean() > 0.95
        adv = mlp_learner.predict((X_pool + r).astype(np.float32))
        np.testing.assert_array_equal(adv[flipped] != pred[flipped], True)
        np.testing.assert_allclose(norms, np.linalg.norm(r.reshape(len(r), -1), axis=1),
                                   rtol=1e-5)
        assert (margin[flipped] <= 0).all() and (margin0 > 0).all()
    # DeepFool's perturbation is (much) smaller than BIM's sign steps
    nd = deepfool_attack(module, X_pool)[0]
    nb = bim_attack(module, X_pool)[0]
    assert np.median(nd) < np.median(nb)


def test_batching_does_not_change_results(digits, mlp_learner):
    X, _ = digits
    X_pool = X[400:460]
    module = mlp_learner.estimator_.module_
    for attack in (deepfool_attack, bim_attack):
        a = attack(module, X_pool, batch_size=64)
        b = attack(module, X_pool, batch_size=7)
        np.testing.assert_allclose(a[0], b[0], rtol=1e-4, atol=1e-6)
        np.testing.assert_array_equal(a[1], b[1])


def test_selection_prefers_small_margins(digits, mlp_learner):
    """Samples chosen by either attack are closer to the boundary (smaller logit
    margin) than the pool on average."""
    X, _ = digits
    X_pool = X[200:600]
    P = mlp_learner.predict_proba(X_pool)
    top2 = np.sort(P, axis=1)[:, -2:]
    margin = top2[:, 1] - top2[:, 0]
    for strategy in (AdversarialDeepFool(), AdversarialBIM()):
        idx = strategy.query(X_pool, mlp_learner, 20)
        assert margin[idx].mean() < 0.5 * margin.mean()


def test_unflipped_samples_rank_last_with_nan_scores(digits, mlp_learner):
    X, _ = digits
    X_pool = X[200:300]
    idx, scores = AdversarialBIM(eps=0.01, max_iter=2).query(
        X_pool, mlp_learner, 100, return_scores=True
    )
    nan = np.isnan(scores)
    assert nan.any() and not nan.all()
    # every flipped sample comes before every unflipped one, by size
    assert not nan[idx[: (~nan).sum()]].any()
    assert np.all(np.diff(scores[idx[: (~nan).sum()]]) <= 0)


def test_module_mode_and_parameters_untouched(digits, mlp_learner):
    X, _ = digits
    module = mlp_learner.estimator_.module_
    before = {k: v.clone() for k, v in module.state_dict().items()}
    grads = [None if p.grad is None else p.grad.clone() for p in module.parameters()]
    module.train()
    try:
        AdversarialDeepFool().query(X[200:260], mlp_learner, 3)
        assert module.training and all(m.training for m in module.modules())
    finally:
        module.eval()
    for k, v in module.state_dict().items():
        assert torch.equal(v, before[k])
    for p, g in zip(module.parameters(), grads):  # no gradient accumulated
        assert (p.grad is None and g is None) or torch.equal(p.grad, g)


@pytest.mark.parametrize("Strategy", [AdversarialDeepFool, AdversarialBIM])
def test_contract_on_a_net(Strategy, digits, mlp_learner):
    X, _ = digits
    check_query_strategy(Strategy(), learner=mlp_learner, X_pool=X[600:700])


@pytest.mark.parametrize("Strategy", [AdversarialDeepFool, AdversarialBIM])
def test_needs_a_torch_net(Strategy, digits):
    X, y = digits
    learner = ActiveLearner(make_pipeline(StandardScaler(), LogisticRegression())).fit(
        X[:100], y[:100]
    )
    with pytest.raises(LearnerCapabilityError, match="torch network"):
        Strategy().query(X[100:200], learner, 2)


def test_net_inside_a_pipeline(digits):
    """The attack runs in the net's input space, after the pipeline's transforms."""
    X, y = digits
    pipe = make_pipeline(
        StandardScaler(),
        ActiveNeuralNetClassifier(MLP, module__hidden_units=16, max_epochs=3, random_state=0),
    )
    learner = ActiveLearner(pipe).fit(X[:150], y[:150])
    Z = learner.estimator_[:-1].transform(X[150:250]).astype(np.float32)
    norms = deepfool_attack(learner.estimator_[-1].module_, Z)[0]
    idx, scores = AdversarialDeepFool().query(X[150:250], learner, 5, return_scores=True)
    np.testing.assert_allclose(-scores[idx], np.sort(norms)[:5], rtol=1e-5)
