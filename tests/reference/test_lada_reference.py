"""LADA's look-ahead pair selection against a re-derivation of the official code.

Source: github.com/YoonyeongKim/LADA, commit de05441cf824297a2be53caea8b48ab7dd060895,
``LADA/method_InfoManifoldAcqBeta.py`` (``acquire_InfoManifoldMixupAcq_Beta``,
``train_lambdanet_info_featuremap_Beta``) and ``LADA/utils_al.py``
(``max_entroy_acquisition``). Written from reading that code, not copied:

- a random pool subset is split into two halves that are paired row by row;
- per pair: the entropy (log2) of the model's prediction of each member, plus
  the mean over ``numLambda`` draws of ``lambda ~ Beta(tau, tau)`` of the
  entropy of the prediction from the mixed feature map
  ``lambda * h^k(x) + (1 - lambda) * h^k(x')`` at layer ``k``;
- the ``numQ / 2`` pairs with the largest sum are selected
  (``np.flip(score.argsort()[::-1][:numQ // 2])``), both members of each.

The learned-tau policy (InfoMixup) is trained by gradient steps that no
fixed-input comparison can pin, so the comparison uses a fixed ``tau`` (the
reference's Manifold-Mixup look-ahead): the pair scores and the selection
given the pairs, the layer and the lambda draws. skactive uses natural-log
entropies: every term is ``ln 2`` times the reference's, the ranking is the
same. Shared conventions, so that one seed gives both sides the same pairs and
draws: the strategy's numpy seed draws the layer then the pool permutation
(first ``n_pairs`` rows paired with the next ``n_pairs``), and torch, seeded
with the same seed, draws all lambdas with one ``Beta(tau, tau).sample((N,))``
(the reference draws per batch and per ``itr``). The network split into
blocks (:func:`skactive.neural.module_blocks` of a tiny seeded MLP) is a shared
input.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.datasets import load_digits  # noqa: E402
from torch.distributions import Beta  # noqa: E402

from skactive import ActiveLearner  # noqa: E402
from skactive.neural import MLP, ActiveNeuralNetClassifier, module_blocks  # noqa: E402
from skactive.strategies import LADA  # noqa: E402

from .._helpers import one_torch_thread  # noqa: E402, F401


@pytest.fixture(scope="module", autouse=True)
def one_thread(one_torch_thread):
    yield


def ref_entropy_log2(logits):
    p = torch.softmax(logits, dim=1)
    return -(p * torch.log2(p)).sum(dim=1)


def ref_lada_fixed_tau(blocks, X_pool, numQ, seed, *, layer, n_pairs, tau, num_lambda):
    gen = np.random.RandomState(seed)
    gen.randint(1)  # the layer draw (one candidate here)
    perm = gen.permutation(len(X_pool))
    first, second = perm[:n_pairs], perm[n_pairs:2 * n_pairs]

    def run(x, start, stop=None):
        for b in blocks[start:stop]:
            x = b(x)
        return x

    with torch.random.fork_rng(devices=[]), torch.no_grad():
        torch.manual_seed(seed)
        x1, x2 = torch.as_tensor(X_pool[first]), torch.as_tensor(X_pool[second])
        h1, h2 = run(x1, 0, layer), run(x2, 0, layer)
        poi1, poi2 = ref_entropy_log2(run(h1, layer)), ref_entropy_log2(run(h2, layer))
        t = torch.full((n_pairs,), float(tau))
        lam = Beta(t, t).sample((num_lambda,))
        mixed = torch.stack([ref_entropy_log2(run(lam[i][:, None] * h1 + (1 - lam[i][:, None]) * h2,
                                                  layer))
                             for i in range(num_lambda)], dim=1).mean(dim=1)
    joint = (poi1 + poi2 + mixed).numpy()
    sel = np.flip(joint.argsort()[::-1][: numQ // 2], axis=0)
    return sel, first, second, joint


def test_pair_scores_and_selection_fixed_tau():
    X, y = load_digits(return_X_y=True)
    perm = np.random.RandomState(0).permutation(len(X))
    X, y = (X[perm] / 16.0).astype(np.float32), y[perm]
    net = ActiveNeuralNetClassifier(MLP, module__hidden_units=32, max_epochs=6, random_state=0)
    learner = ActiveLearner(net, random_state=0).fit(X[:300], y[:300])
    X_pool = X[300:700]
    strategy = LADA(tau=2.0, mix_layers=1, n_pairs=150, n_lambda_samples=5, random_state=4)
    picks, scores = strategy.query(X_pool, learner, 20, return_scores=True)
    seed = np.random.RandomState(4).randint(2**31 - 1)  # the seed LADA derives
    module = learner.estimator_.module_
    flags = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        sel, first, second, joint = ref_lada_fixed_tau(
            module_blocks(module), X_pool, 20, seed, layer=1, n_pairs=150, tau=2.0, num_lambda=5)
    finally:
        for m, flag in flags:
            m.training = flag
    np.testing.assert_allclose(scores[first], joint * np.log(2), rtol=1e-5)  # nats vs bits
    assert len(np.unique(joint)) == len(joint)  # no ties
    ref_picks = set(first[sel].tolist()) | set(second[sel].tolist())
    assert set(picks.tolist()) == ref_picks  # Jaccard 1.0
    assert set(map(tuple, strategy.pairs_.tolist())) == set(zip(first[sel].tolist(),
                                                                second[sel].tolist()))
