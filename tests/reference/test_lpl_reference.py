"""LPL (learning loss) against re-derivations of DeepAL+.

Source: github.com/SineZHAN/deepALplus, commit
93c2884e40e9a0b55cd2cf9527d3d1ff9d7e0c20: ``nets_lossprediction.py``
(``LossPredLoss``: pairs ``(i, 2B-1-i)`` of a batch, targets detached,
``one = 2 * sign(clamp(l_i - l_j, min=0)) - 1``, loss
``sum(clamp(margin - one * (p_i - p_j), min=0)) / B``) and
``query_strategies/loss_prediction.py`` (``unc_lpl``: the loss module on the
classifier's features in eval mode, then ``sort(descending=True)[:n]``).
After github.com/Mephisto405/Learning-Loss-for-Active-Learning. Written from
reading that code, not copied.

The networks (a tiny seeded skactive MLP with its loss module, trained here)
are shared inputs: the selection is compared on the same trained weights.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.datasets import load_digits  # noqa: E402

from skactive import ActiveLearner  # noqa: E402
from skactive.neural import MLP, LossPredictionNet, loss_prediction_loss  # noqa: E402
from skactive.strategies import LPL  # noqa: E402

from .._helpers import one_torch_thread  # noqa: E402, F401


@pytest.fixture(scope="module", autouse=True)
def one_thread(one_torch_thread):
    yield


def ref_loss_pred_loss(inp, target, margin=1.0):
    assert len(inp) % 2 == 0
    inp = (inp - inp.flip(0))[: len(inp) // 2]
    target = (target - target.flip(0))[: len(target) // 2].detach()
    one = 2 * torch.sign(torch.clamp(target, min=0)) - 1
    return torch.sum(torch.clamp(margin - one * inp, min=0)) / inp.size(0)


def test_ranking_loss_equals_the_reference():
    g = torch.Generator().manual_seed(0)
    for size in (2, 8, 64):
        pred = torch.randn(size, generator=g, requires_grad=True)
        true = torch.randn(size, generator=g)
        true[: size // 4] = true.flip(0)[: size // 4]  # ties l_i == l_j -> target -1
        for margin in (1.0, 0.3):
            ours = loss_prediction_loss(pred, true, margin=margin)
            ref = ref_loss_pred_loss(pred, true, margin=margin)
            torch.testing.assert_close(ours, ref)
            g_ours, = torch.autograd.grad(ours, pred)
            g_ref, = torch.autograd.grad(ref, pred)
            torch.testing.assert_close(g_ours, g_ref)


def test_selection_on_fixed_weights():
    """Same trained net and loss module: the reference's top predicted losses, in order."""
    X, y = load_digits(return_X_y=True)
    perm = np.random.RandomState(0).permutation(len(X))
    X, y = (X[perm] / 16.0).astype(np.float32), y[perm]
    net = LossPredictionNet(MLP, module__hidden_units=32, max_epochs=6, random_state=0)
    learner = ActiveLearner(net, random_state=0).fit(X[:300], y[:300])
    X_pool = X[300:800]
    picks = LPL().query(X_pool, learner, 25)
    module, lossnet = learner.estimator_.module_, learner.estimator_.lossnet_
    flags = [(m, m.training) for m in list(module.modules()) + list(lossnet.modules())]
    module.eval()
    lossnet.eval()
    try:
        with torch.no_grad():
            feature = module.embed(torch.as_tensor(X_pool))  # the head's input
            uncertainty = lossnet([feature]).view(-1)
    finally:
        for m, flag in flags:
            m.training = flag
    assert len(torch.unique(uncertainty)) == len(uncertainty)  # no ties
    ref = uncertainty.sort(descending=True)[1][:25].numpy()
    np.testing.assert_array_equal(picks, ref)
