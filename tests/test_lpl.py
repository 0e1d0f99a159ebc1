"""LPL: the margin ranking loss by hand, LossPredictionNet training, the strategy."""

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from scipy.stats import spearmanr  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from skactive import ActiveLearner  # noqa: E402
from skactive.exceptions import LearnerCapabilityError  # noqa: E402
from skactive.neural import (  # noqa: E402
    MLP,
    ActiveNeuralNetClassifier,
    LossNet,
    LossPredictionNet,
    SmallCNN,
    loss_prediction_loss,
)
from skactive.strategies import LPL  # noqa: E402
from skactive.utils.estimator_checks import check_query_strategy  # noqa: E402

from ._helpers import one_torch_thread  # noqa: E402, F401


@pytest.fixture(scope="module", autouse=True)
def one_thread(one_torch_thread):
    yield


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y


def make_net(**kw):
    params = dict(module__hidden_units=32, lossnet__interm_dim=16, max_epochs=2, random_state=0)
    params.update(kw)
    return LossPredictionNet(MLP, **params)


def test_margin_ranking_loss_by_hand():
    # B = 6 -> pairs (0, 5), (1, 4), (2, 3)
    pred = torch.tensor([0.0, 2.0, 1.0, 1.5, 0.0, 3.0])
    true = torch.tensor([1.0, 5.0, 2.0, 2.0, 1.0, 0.5])
    # pair (0,5): l0 > l5 -> sign +1, diff -3 -> max(0, 1 + 3) = 4
    # pair (1,4): l1 > l4 -> +1, diff 2 -> max(0, 1 - 2) = 0
    # pair (2,3): tie -> -1, diff -0.5 -> max(0, 1 - 0.5) = 0.5
    assert float(loss_prediction_loss(pred, true)) == pytest.approx((4 + 0 + 0.5) / 3)
    assert float(loss_prediction_loss(pred, true, margin=0.0)) == pytest.approx(3 / 3)
    # odd batch: the middle sample is left out
    assert float(loss_prediction_loss(pred[:5], true[:5])) == pytest.approx(
        float(loss_prediction_loss(pred[[0, 1, 3, 4]], true[[0, 1, 3, 4]])))
    assert float(loss_prediction_loss(pred[:1], true[:1])) == 0.0
    # the true losses get no gradient
    p, t = pred.clone().requires_grad_(True), true.clone().requires_grad_(True)
    loss_prediction_loss(p, t).backward()
    assert t.grad is None and p.grad is not None


def test_lossnet_pools_conv_maps():
    net = LossNet(in_dims=[3, 5], interm_dim=4)
    out = net([torch.ones(2, 3), torch.ones(2, 5, 4, 4)])
    assert out.shape == (2,)
    with pytest.raises(ValueError, match="expects 2 features"):
        net([torch.ones(2, 3)])


@pytest.mark.parametrize("detach, max_epochs, expected", [(0.6, 200, 120), (0.6, 3, 2), (4, 10, 4),
                                                          (None, 5, None), (0.0, 5, 0)])
def test_detach_epoch(digits, detach, max_epochs, expected):
    net = make_net(lpl_detach=detach, max_epochs=max_epochs)
    assert net._resolve_detach_epoch() == expected


@pytest.mark.parametrize("bad", [-1, 1.5, "x", True])
def test_bad_detach(bad):
    with pytest.raises(ValueError, match="lpl_detach"):
        make_net(lpl_detach=bad)._resolve_detach_epoch()


def test_detached_module_does_not_change_backbone(digits):
    X, y = digits
    ref = make_net(lpl_weight=0.0, lpl_detach=None).fit(X[:200], y[:200])
    detached = make_net(lpl_weight=5.0, lpl_detach=0).fit(X[:200], y[:200])
    attached = make_net(lpl_weight=5.0, lpl_detach=None).fit(X[:200], y[:200])
    w = lambda n: n.module_.features[1].weight.detach()  # noqa: E731
    torch.testing.assert_close(w(ref), w(detached))
    assert not torch.allclose(w(ref), w(attached))
    assert "lpl_loss" in attached.history[-1, "batches", 0]


def test_predicted_losses_correlate_with_true_losses(digits):
    """Sanity: on the training set the module ranks the true losses."""
    X, y = digits
    net = make_net(module__hidden_units=64, lossnet__interm_dim=64, max_epochs=10).fit(X[:600], y[:600])
    proba = net.predict_proba(X[:600])
    true = -np.log(proba[np.arange(600), np.searchsorted(net.classes_, y[:600])] + 1e-12)
    assert spearmanr(net.predict_loss(X[:600]), true).statistic > 0.3


def test_contract(digits):
    X, y = digits
    learner = ActiveLearner(make_net(), LPL(), random_state=0).fit(X[:100], y[:100])
    check_query_strategy(LPL(), learner=learner, X_pool=X[100:300])
    idx, scores = learner.query(X[100:300], budget=5, return_scores=True)
    np.testing.assert_allclose(scores, learner.estimator_.predict_loss(X[100:300]), rtol=1e-6)
    assert set(idx) == set(np.argsort(-scores)[:5])


def test_conv_taps_clone_pickle(digits):
    X, y = digits
    images = X[:200].reshape(-1, 8, 8)
    net = LossPredictionNet(SmallCNN, module__input_size=8, lpl_layers=["conv.1", "conv.4", "fc"],
                            max_epochs=1, random_state=0).fit(images, y[:200])
    assert [fc.in_features for fc in net.lossnet_.fcs] == [32, 32, 128]
    assert net.predict_loss(images[:7]).shape == (7,)
    again = pickle.loads(pickle.dumps(net))
    np.testing.assert_allclose(again.predict_loss(images[:7]), net.predict_loss(images[:7]))
    clone(net).fit(images, y[:200])
    with pytest.raises(ValueError, match="not layers"):
        LossPredictionNet(SmallCNN, module__input_size=8, lpl_layers=["nope"], max_epochs=1).fit(
            images, y[:200])


def test_needs_a_loss_prediction_net(digits):
    X, y = digits
    plain = ActiveNeuralNetClassifier(MLP, module__hidden_units=16, max_epochs=1, random_state=0)
    for est in (plain, LogisticRegression(max_iter=100)):
        learner = ActiveLearner(est, random_state=0).fit(X[:100], y[:100])
        with pytest.raises(LearnerCapabilityError, match="LossPredictionNet"):
            LPL().query(X[100:200], learner, 3)
