"""The head protocol of ActiveNeuralNetClassifier with a head *submodule* and a
head *method* (issue 15, item 2), and every head-needing strategy on both."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.datasets import load_digits  # noqa: E402
from torch import nn  # noqa: E402

from skactive import ActiveLearner  # noqa: E402
from skactive.exceptions import LearnerCapabilityError  # noqa: E402
from skactive.neural import ActiveNeuralNetClassifier  # noqa: E402
from skactive.strategies import LADA, BADGE, AlfaMix, KCenterGreedy  # noqa: E402
from skactive.utils import get_linear_head, head_gradient_factors  # noqa: E402


class SubmoduleHead(nn.Module):
    def __init__(self, n_features=64, n_classes=10, hidden=16):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_features, hidden), nn.ReLU())
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(hidden, n_classes))

    def embed(self, x):
        return self.body(x)

    def forward(self, x):
        return self.head(self.embed(x))


class MethodHead(nn.Module):
    """``head`` is a method calling a Linear layer that is not the last one
    registered (``extra`` is defined after ``fc`` and never used by head)."""

    def __init__(self, n_features=64, n_classes=10, hidden=16):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_features, hidden), nn.ReLU())
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(hidden, n_classes)
        self.extra = nn.Linear(3, 3)  # unrelated layer registered last

    def embed(self, x):
        return self.body(x)

    def head(self, z):
        return self.fc(self.drop(z))

    def forward(self, x):
        return self.head(self.embed(x))


class FunctionalHead(MethodHead):
    """An affine head without a Linear module: F.linear with a 2x-scaled weight."""

    embedding_dim = 16

    def head(self, z):
        return nn.functional.linear(z, 2.0 * self.fc.weight, self.fc.bias)


class NonlinearMethodHead(MethodHead):
    def __init__(self, n_features=64, n_classes=10, hidden=16):
        super().__init__(n_features, n_classes, hidden)
        self.hid = nn.Linear(hidden, hidden)

    def head(self, z):
        return self.fc(torch.relu(self.hid(z)))


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y


def _net(module, X, y):
    net = ActiveNeuralNetClassifier(module, max_epochs=3, random_state=0)
    return net.fit(X[:200], y[:200])


@pytest.mark.parametrize("module", [SubmoduleHead, MethodHead, FunctionalHead])
def test_linear_head_and_gradients(digits, module):
    X, y = digits
    net = _net(module, X, y)
    Xq = X[300:340]
    Z = net.embed(Xq)
    W, b = net.linear_head()
    assert W.shape == (10, 16) and b.shape == (10,)
    np.testing.assert_allclose(net.head_logits(Z), Z @ W.T + b, atol=1e-5)
    G, H = net.head_gradients(Xq)
    np.testing.assert_allclose(H, Z, atol=1e-6)
    # G = p - onehot(argmax p), checked against autograd through head
    z = torch.from_numpy(Z[:3]).requires_grad_(True)
    logits = net.module_.head(z)
    loss = nn.functional.cross_entropy(logits, logits.argmax(1), reduction="sum")
    (gz,) = torch.autograd.grad(loss, z)
    np.testing.assert_allclose(G[:3] @ W, gz.detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(net.embedding_gradients(Xq[:3]), gz.detach().numpy(), atol=1e-5)
    if module is FunctionalHead:  # the weights are read off head, not off fc
        np.testing.assert_allclose(W, 2 * net.module_.fc.weight.detach().numpy(), atol=1e-5)


def test_method_head_uses_the_layer_head_calls(digits):
    X, y = digits
    net = _net(MethodHead, X, y)
    W, _ = net.linear_head()
    np.testing.assert_array_equal(W, net.module_.fc.weight.detach().numpy())


def test_nonlinear_head(digits):
    X, y = digits
    net = _net(NonlinearMethodHead, X, y)
    with pytest.raises(LearnerCapabilityError, match="not linear"):
        net.linear_head()
    # BADGE's factors use the last Linear layer's input (the hidden layer)
    A, H = head_gradient_factors(net, X[300:310])
    assert A.shape == (10, 10) and H.shape == (10, 16)
    hid = torch.relu(net.module_.hid(torch.from_numpy(net.embed(X[300:310]))))
    np.testing.assert_allclose(H, hid.detach().numpy(), atol=1e-6)


def test_no_head_at_all(digits):
    class NoHead(MethodHead):
        def head(self, z):
            return torch.tanh(self.fc(z)) * 3

    X, y = digits
    net = _net(NoHead, X, y)
    with pytest.raises(LearnerCapabilityError, match="not linear"):
        get_linear_head(net)
    with pytest.raises(LearnerCapabilityError, match="not linear"):
        net.head_gradients(X[:5])


@pytest.mark.parametrize("module", [SubmoduleHead, MethodHead])
@pytest.mark.parametrize(
    "strategy",
    [
        BADGE(random_state=0),
        AlfaMix(random_state=0),
        AlfaMix(alpha_opt="learned", random_state=0),
        LADA(random_state=0),
        KCenterGreedy(),
    ],
    ids=["badge", "alfamix", "alfamix-learned", "lada", "kcenter"],
)
def test_strategies_on_both_head_styles(digits, module, strategy):
    """Same weights in both styles => same picks."""
    X, y = digits
    torch.manual_seed(0)
    learner = ActiveLearner(
        ActiveNeuralNetClassifier(module, max_epochs=3, random_state=0)
    ).fit(X[:150], y[:150])
    idx = strategy.query(X[150:450], learner, budget=8)
    assert len(np.unique(idx)) == 8
    # the other style with copied weights selects the same samples
    other = MethodHead if module is SubmoduleHead else SubmoduleHead
    twin = ActiveLearner(
        ActiveNeuralNetClassifier(other, max_epochs=3, random_state=0)
    ).fit(X[:150], y[:150])
    src, dst = learner.estimator_.module_, twin.estimator_.module_
    fc_src = src.fc if module is MethodHead else src.head[1]
    fc_dst = dst.fc if other is MethodHead else dst.head[1]
    with torch.no_grad():
        dst.body.load_state_dict(src.body.state_dict())
        fc_dst.load_state_dict(fc_src.state_dict())
    np.testing.assert_array_equal(strategy.query(X[150:450], twin, budget=8), idx)


@pytest.mark.parametrize("module", [SubmoduleHead, MethodHead])
def test_lpl_taps_the_input_of_a_head_method(digits, module):
    from skactive.neural import LossPredictionNet
    from skactive.strategies import LPL

    X, y = digits
    net = LossPredictionNet(module, max_epochs=2, random_state=0)
    learner = ActiveLearner(net, LPL()).fit(X[:150], y[:150])
    idx = learner.query(X[150:350], budget=5)
    assert len(np.unique(idx)) == 5
    assert net is not learner.estimator_
    assert "head" not in learner.estimator_.module_.__dict__  # the method is back
    assert learner.estimator_.predict_loss(X[:7]).shape == (7,)


@pytest.mark.parametrize("alpha_opt", ["closed_form", "learned"])
def test_alfamix_autograd_through_a_nonlinear_head_method(digits, alpha_opt):
    """No linear head: ALFA-Mix falls back to autograd through ``head``."""
    X, y = digits
    learner = ActiveLearner(
        ActiveNeuralNetClassifier(NonlinearMethodHead, max_epochs=3, random_state=0)
    ).fit(X[:150], y[:150])
    idx = AlfaMix(alpha_opt=alpha_opt, random_state=0).query(X[150:450], learner, budget=6)
    assert len(np.unique(idx)) == 6


def test_affine_head_submodule_without_linear(digits):
    """A head submodule applying F.linear to its own parameter, no
    embedding_dim: the input size is found among the module's layer sizes."""

    class Affine(nn.Module):
        def __init__(self, d, k):
            super().__init__()
            self.w = nn.Parameter(torch.randn(k, d) * 0.1)

        def forward(self, z):
            return nn.functional.linear(z, self.w) + 1.0

    class Net(SubmoduleHead):
        def __init__(self, n_features=64, n_classes=10, hidden=16):
            super().__init__(n_features, n_classes, hidden)
            self.head = Affine(hidden, n_classes)

    X, y = digits
    net = _net(Net, X, y)
    W, b = net.linear_head()
    np.testing.assert_allclose(W, net.module_.head.w.detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(b, np.ones(10), atol=1e-6)
    G, H = net.head_gradients(X[:5])
    np.testing.assert_allclose(H, net.embed(X[:5]), atol=1e-6)
