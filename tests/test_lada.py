"""LADA (Kim et al. 2021): contract, eq. 15 by hand, policy gradients and
training, variants, determinism, layer access, virtual-instance training."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from scipy.stats import entropy as sp_entropy  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from torch import nn  # noqa: E402
from torch.distributions import Beta  # noqa: E402

from skactive import ActiveLearner  # noqa: E402
from skactive.exceptions import LearnerCapabilityError  # noqa: E402
from skactive.neural import (  # noqa: E402
    MLP,
    ActiveNeuralNetClassifier,
    MixupPolicy,
    ResNet18,
    SmallCNN,
    VirtualInstanceTraining,
    forward_blocks,
    lada_pair_scores,
    module_blocks,
    teach_with_virtual_instances,
)
from skactive.neural._lada import mixed_acquisition, train_mixup_policy  # noqa: E402
from skactive.strategies import LADA  # noqa: E402
from skactive.utils.estimator_checks import check_query_strategy  # noqa: E402

from ._helpers import shared_data_path  # noqa: E402

FAST = dict(n_pairs=30, policy_epochs=2, policy_batch_size=30)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y


@pytest.fixture(scope="module")
def learner(digits):
    X, y = digits
    net = ActiveNeuralNetClassifier(
        MLP, module__hidden_units=32, module__dropout=0.2, max_epochs=15, lr=5e-3,
        random_state=0,
    )
    return ActiveLearner(net, query_strategy=LADA(**FAST), random_state=0).fit(X[:300], y[:300])


@pytest.fixture(scope="module")
def pool(digits):
    return digits[0][300:420]


def _entropy(P):
    return sp_entropy(P, axis=1)


# ----------------------------------------------------------------- contract
def test_contract(learner, pool):
    check_query_strategy(LADA(**FAST), learner=learner, X_pool=pool)


def test_non_torch_learner_raises(digits):
    X, y = digits
    lr = ActiveLearner(LogisticRegression(max_iter=200)).fit(X[:100], y[:100])
    with pytest.raises(LearnerCapabilityError, match="torch network"):
        LADA(**FAST).query(X[100:200], lr, budget=2)


def test_torch_free_import():
    import subprocess
    import sys

    code = "import sys, skactive.strategies as s; print(s.LADA().tau, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "None False"


# ------------------------------------------------------------- eq. 15 by hand
def test_pair_scores_by_hand():
    # blocks: Linear (known weights) -> identity head; mixing after block 1
    lin = nn.Linear(2, 3)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
        lin.bias.zero_()
    net = nn.Sequential(lin, nn.Identity())
    X1 = np.array([[2.0, 0.0], [0.0, 0.0]])
    X2 = np.array([[0.0, 3.0], [1.0, 1.0]])
    lam = np.array([[0.5, 0.25], [0.1, 1.0]])  # N=2 draws per pair
    total, parts = lada_pair_scores(net, X1, X2, layer=1, lam=lam)

    def H(z):
        z = np.asarray(z, dtype=float)
        p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        return -(p * np.log(p)).sum()

    W = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    h1, h2 = X1 @ W.T, X2 @ W.T
    for i in range(2):
        mixed = np.mean([H(lam[n, i] * h1[i] + (1 - lam[n, i]) * h2[i]) for n in range(2)])
        expected = H(h1[i]) + H(h2[i]) + mixed
        np.testing.assert_allclose(parts[:, i], [H(h1[i]), H(h2[i]), mixed], rtol=1e-5)
        np.testing.assert_allclose(total[i], expected, rtol=1e-5)
    # var_ratio: 1 - max p
    _, vparts = lada_pair_scores(net, X1, X2, layer=1, lam=lam, acquisition="var_ratio")
    p = np.exp(h1[0]) / np.exp(h1[0]).sum()
    np.testing.assert_allclose(vparts[0, 0], 1 - p.max(), rtol=1e-5)


def test_strategy_scores_follow_eq15(learner, pool):
    s = LADA(random_state=0, **FAST)
    idx, scores = s.query(pool, learner, budget=6, return_scores=True)
    P = learner.predict_proba(pool)
    H = _entropy(P)
    pairs = s.pairs_
    # first two terms: the members' own entropies; total = sum of the 3 terms
    np.testing.assert_allclose(s.pair_scores_[:, 0], H[pairs[:, 0]], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(s.pair_scores_[:, 1], H[pairs[:, 1]], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(scores[pairs[:, 0]], s.pair_scores_.sum(axis=1), rtol=1e-5)
    # pairs in decreasing score, both members selected and adjacent
    assert np.all(np.diff(scores[pairs[:, 0]]) <= 1e-12)
    assert set(idx.tolist()) == set(pairs.ravel().tolist())
    assert np.nanmax(scores) == pytest.approx(scores[idx[0]])
    # 2 * n_pairs scored, the rest NaN
    assert np.isfinite(scores).sum() == 2 * FAST["n_pairs"]


def test_var_ratio_acquisition(learner, pool):
    s = LADA(acquisition="var_ratio", random_state=0, **FAST)
    s.query(pool, learner, budget=4)
    V = 1 - learner.predict_proba(pool).max(axis=1)
    np.testing.assert_allclose(s.pair_scores_[:, 0], V[s.pairs_[:, 0]], rtol=1e-4, atol=1e-5)
    assert np.all(s.pair_scores_[:, 2] <= 1.0)


# ---------------------------------------------------------------- policy
def test_rsample_gradient_reaches_policy(learner, pool):
    module = learner.estimator_.module_.eval()
    blocks = module_blocks(module)
    x = torch.as_tensor(pool[:20])
    h = forward_blocks(blocks, x, stop=1).detach()
    before = [None if p.grad is None else p.grad.clone() for p in module.parameters()]
    policy = MixupPolicy(h.shape[1:])
    tau = policy(h[:10], h[10:])
    assert torch.all(tau > 0) and torch.all(tau <= 1) and torch.isfinite(tau).all()
    lam = Beta(tau, tau).rsample((5,))
    loss = -mixed_acquisition(blocks, 1, h[:10], h[10:], lam).mean()
    grads = torch.autograd.grad(loss, list(policy.parameters()))
    assert all(torch.isfinite(g).all() for g in grads)
    assert sum(float(g.abs().sum()) for g in grads) > 0
    # the classifier's parameters collect no gradient
    for b, p in zip(before, module.parameters()):
        assert (b is None and p.grad is None) or torch.equal(b, p.grad)


def test_conv_policy_positive_finite():
    pi = MixupPolicy((3, 5, 5), tau_max=4.0)
    tau = pi(torch.randn(6, 3, 5, 5), torch.randn(6, 3, 5, 5))
    assert tau.shape == (6,) and torch.all(tau > 0) and torch.all(tau <= 4.0)
    with pytest.raises(ValueError, match="conv policy"):
        MixupPolicy((8,), kind="conv")


def test_policy_training_raises_mixed_entropy(learner, pool):
    module = learner.estimator_.module_.eval()
    blocks = module_blocks(module)
    x = torch.as_tensor(pool[:120])
    with torch.no_grad():
        h = forward_blocks(blocks, x, stop=1)
    torch.manual_seed(0)
    tau, history, policy = train_mixup_policy(
        blocks, 1, h[:60], h[60:], epochs=15, lr=1e-2, batch_size=30, tau_max=20.0,
        patience=0,
    )
    # the objective (minus the mean mixed entropy) goes down
    assert np.mean(history[-3:]) < history[0] - 1e-3
    assert torch.all(tau > 0) and torch.isfinite(tau).all() and torch.all(tau <= 20.0)


def test_fixed_tau_variants(learner, pool):
    s = LADA(tau=1.0, random_state=0, **FAST)
    idx = s.query(pool, learner, budget=6)
    assert s.policy_ is None and s.policy_loss_.size == 0
    np.testing.assert_array_equal(s.tau_, np.ones(3))
    m = LADA(augmentation="mixup", random_state=0, **FAST)
    m.query(pool, learner, budget=4)
    np.testing.assert_array_equal(m.tau_, [2.0, 2.0])
    # info_mixup learns tau per pair
    info = LADA(random_state=0, **FAST)
    info.query(pool, learner, budget=6)
    assert info.policy_ is not None and len(info.policy_loss_) >= 1
    assert np.unique(info.tau_).size == 3
    assert idx.shape == (6,)


def test_odd_budget_no_duplicates(learner, pool):
    s = LADA(random_state=1, **FAST)
    idx, scores = s.query(pool, learner, budget=7, return_scores=True)
    assert idx.shape == (7,) and np.unique(idx).size == 7
    assert s.pairs_.shape == (3, 2) and s.tau_.shape == (3,)
    assert set(s.pairs_.ravel()) == set(idx[:6].tolist())
    # the 7th index belongs to the 4th best pair
    assert scores[idx[6]] <= scores[idx[5]]
    # budget larger than 2 * n_pairs: more pairs are drawn
    idx = LADA(random_state=0, n_pairs=2, policy_epochs=1).query(pool, learner, budget=11)
    assert np.unique(idx).size == 11
    # the whole (odd) pool
    idx = LADA(random_state=0, **FAST).query(pool[:21], learner, budget=21)
    assert np.array_equal(np.sort(idx), np.arange(21))


def test_determinism_and_global_rng(learner, pool):
    torch.manual_seed(123)
    np.random.seed(7)
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()[1].copy()
    a = LADA(random_state=3, **FAST)
    b = LADA(random_state=3, **FAST)
    ia, sa = a.query(pool, learner, budget=8, return_scores=True)
    ib, sb = b.query(pool, learner, budget=8, return_scores=True)
    np.testing.assert_array_equal(ia, ib)
    np.testing.assert_array_equal(sa, sb)
    np.testing.assert_array_equal(a.tau_, b.tau_)
    assert torch.equal(torch.get_rng_state(), torch_state)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)
    ic = LADA(random_state=4, **FAST).query(pool, learner, budget=8)
    assert not np.array_equal(ia, ic)


def test_bad_params(learner, pool):
    with pytest.raises(ValueError, match="acquisition"):
        LADA(acquisition="bald").query(pool, learner, budget=2)
    with pytest.raises(ValueError, match="mix_layers"):
        LADA(mix_layers=5, **FAST).query(pool, learner, budget=2)


def test_virtual_targets(learner, pool):
    s = LADA(random_state=0, **FAST)
    s.query(pool, learner, budget=4)
    Y = s.virtual_targets([1, 2], [3, 2], classes=np.arange(10))
    np.testing.assert_allclose(Y.sum(axis=1), 1.0)
    np.testing.assert_allclose(Y[0, 1], s.lambda_[0])
    np.testing.assert_allclose(Y[1, 2], 1.0)
    assert s.virtual_X_.shape == (2, 32)  # mixed features at layer 1 of the MLP


# ------------------------------------------------------------ layer access
@pytest.mark.parametrize(
    "module, x",
    [
        (MLP(n_features=6, n_classes=3, hidden_units=5, n_hidden_layers=2), torch.rand(4, 6)),
        (SmallCNN(n_classes=3, input_size=8), torch.rand(4, 8, 8)),
        (ResNet18(n_classes=3, width=4), torch.rand(2, 3, 8, 8)),
        (nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2)), torch.rand(3, 4)),
    ],
)
def test_module_blocks_compose_to_forward(module, x):
    module.eval()
    blocks = module_blocks(module)
    with torch.no_grad():
        torch.testing.assert_close(forward_blocks(blocks, x), module(x))


def test_module_blocks_protocols():
    class WithBlocks(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(3, 4), nn.Linear(4, 2)])

    assert len(module_blocks(WithBlocks())) == 2

    class EmbedHead(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin, self.head = nn.Linear(3, 4), nn.Linear(4, 2)

        def embed(self, x):
            return torch.relu(self.lin(x))

        def forward(self, x):
            return self.head(self.embed(x))

    m = EmbedHead()
    x = torch.rand(2, 3)
    torch.testing.assert_close(forward_blocks(module_blocks(m), x), m(x))
    with pytest.raises(TypeError, match="blocks"):
        module_blocks(nn.Linear(2, 2))


# --------------------------------------------------- virtual-instance training
def test_virtual_instance_training_loop(digits):
    X, y = digits
    net = ActiveNeuralNetClassifier(
        MLP, module__hidden_units=32, max_epochs=4, random_state=0,
        callbacks=[("lada_virtual", VirtualInstanceTraining())],
    )
    learner = ActiveLearner(net, LADA(random_state=0, **FAST)).fit(X[:100], y[:100])
    assert "virtual_loss" not in learner.estimator_.history[-1]  # off until pairs are set
    X_pool, y_pool = X[100:400], y[100:400]
    for _ in range(2):
        idx = learner.query(X_pool, budget=6)
        teach_with_virtual_instances(learner, X_pool, idx, y_pool[idx])
        hist = learner.estimator_.history
        assert len(hist[:, "virtual_loss"]) == 4 and np.isfinite(hist[-1, "virtual_loss"])
        keep = np.setdiff1d(np.arange(len(X_pool)), idx)
        X_pool, y_pool = X_pool[keep], y_pool[keep]
    # switched off again after the teach
    cb = dict(learner.estimator.callbacks)["lada_virtual"]
    assert cb.X1 is None
    assert learner.X_labeled_.shape[0] == 112
    # a net without the callback
    plain = ActiveLearner(ActiveNeuralNetClassifier(MLP, max_epochs=1), LADA(**FAST))
    plain.fit(X[:100], y[:100])
    idx = plain.query(X[100:300], budget=2)
    with pytest.raises(ValueError, match="lada_virtual"):
        teach_with_virtual_instances(plain, X[100:300], idx, y[100:300][idx])


def test_virtual_instance_loop_on_mnist_cnn():
    """The issue's "done when": ActiveLearner(net, LADA()) with virtual-instance
    training on real 28x28 images through a CNN, mixing conv feature maps."""
    d = np.load(shared_data_path("mnist.npz"))
    X = (d["X_train"][:400] / 255.0).astype(np.float32)
    y = d["y_train"][:400]
    net = ActiveNeuralNetClassifier(
        SmallCNN, max_epochs=10, batch_size=16, random_state=0,
        callbacks=[("lada_virtual", VirtualInstanceTraining())],
    )
    strategy = LADA(n_pairs=40, policy_epochs=2, policy_batch_size=40, random_state=0)
    learner = ActiveLearner(net, strategy, random_state=0).fit(X[:60], y[:60])
    X_pool, y_pool = X[60:], y[60:]
    layers = set()
    for _ in range(2):
        idx = learner.query(X_pool, budget=6)
        assert np.unique(idx).size == 6
        s = learner.query_strategy_
        layers.add(s.mix_layer_)
        # conv feature maps (C, H, W) of the first two hidden blocks are mixed
        assert s.virtual_X_.shape[0] == 3 and s.virtual_X_.ndim == 4
        assert np.all((s.tau_ > 0) & np.isfinite(s.tau_)) and len(s.policy_loss_) >= 1
        teach_with_virtual_instances(learner, X_pool, idx, y_pool[idx])
        hist = learner.estimator_.history
        assert len(hist[:, "virtual_loss"]) == 10
        assert np.all(np.isfinite(hist[:, "virtual_loss"]))
        keep = np.setdiff1d(np.arange(len(X_pool)), idx)
        X_pool, y_pool = X_pool[keep], y_pool[keep]
    assert layers <= {1, 2}
    assert learner.X_labeled_.shape == (72, 28, 28)
    assert learner.score(X[300:], y[300:]) > 0.5


# ------------------------------------------------------------------ InfoSTN
def test_info_stn(learner, pool, digits):
    s = LADA(augmentation="stn", random_state=0, n_pairs=40, policy_epochs=2)
    idx, scores = s.query(pool, learner, budget=5, return_scores=True)
    assert np.unique(idx).size == 5 and np.isfinite(scores).sum() == 80
    assert np.all(np.diff(scores[idx]) <= 0)
    assert s.virtual_X_.shape == (5, 64)  # transformed flat 8x8 images
    # images in (n, H, W) through a CNN
    X, y = digits
    Ximg = X.reshape(-1, 8, 8)
    cnn = ActiveNeuralNetClassifier(SmallCNN, module__input_size=8, max_epochs=2, random_state=0)
    cnn.fit(Ximg[:150], y[:150])
    idx = LADA(augmentation="stn", random_state=0, n_pairs=20, policy_epochs=1).query(
        Ximg[150:250], cnn, budget=3
    )
    assert np.unique(idx).size == 3


# ------------------------------------------- fast path = the direct computation
def _direct_info_mixup(module, X_pool, budget, seed, *, n_pairs, layer, epochs, batch_size,
                       n_lambda=5, lr=5e-5):
    """The InfoMixup query as first implemented (before the factorised tail):
    every mix ``lam h1 + (1 - lam) h2`` is run through ``blocks[layer:]`` in
    full, the policy takes ``torch.cat([h1, h2])`` per batch, the classifier's
    parameters keep ``requires_grad``. Same random streams as ``lada_query``
    (numpy: the layer, then the permutation; torch: the policy's init, one
    ``randperm`` per epoch, one ``rsample`` per batch, the final draws).
    Returns the picks and the per-pair tau."""
    blocks = module_blocks(module)
    gen = np.random.RandomState(seed)
    gen.randint(1)  # the layer draw (one candidate)
    perm = gen.permutation(len(X_pool))
    first, second = perm[:n_pairs], perm[n_pairs:2 * n_pairs]

    def ent(logits):
        logp = torch.log_softmax(logits, dim=-1)
        return -(logp.exp() * logp).sum(dim=-1)

    def mixed(h1, h2, lam):
        N, n = lam.shape
        lam = lam.reshape((N, n) + (1,) * (h1.dim() - 1))
        hm = (lam * h1 + (1 - lam) * h2).reshape((N * n,) + tuple(h1.shape[1:]))
        return ent(forward_blocks(blocks, hm, start=layer)).reshape(N, n)

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        with torch.no_grad():
            h1 = forward_blocks(blocks, torch.as_tensor(X_pool[first]), stop=layer)
            h2 = forward_blocks(blocks, torch.as_tensor(X_pool[second]), stop=layer)
            s1 = ent(forward_blocks(blocks, h1, start=layer))
            s2 = ent(forward_blocks(blocks, h2, start=layer))
        policy = MixupPolicy(h1.shape[1:])
        params = list(policy.parameters())
        opt = torch.optim.Adam(params, lr=lr)
        best, best_tau = np.inf, None
        for _ in range(epochs):
            total, tau_epoch = 0.0, torch.empty(n_pairs)
            order = torch.randperm(n_pairs)
            for s in range(0, n_pairs, batch_size):
                idx = order[s:s + batch_size]
                tau = policy(h1[idx], h2[idx])
                lam = Beta(tau, tau).rsample((n_lambda,))
                loss = -mixed(h1[idx], h2[idx], lam).mean()
                for p, g in zip(params, torch.autograd.grad(loss, params)):
                    p.grad = g
                opt.step()
                total += float(loss.detach()) * len(idx)
                tau_epoch[idx] = tau.detach()
            if total / n_pairs < best:
                best, best_tau = total / n_pairs, tau_epoch
        with torch.no_grad():
            lam = Beta(best_tau, best_tau).sample((n_lambda,))
            score = (s1 + s2 + mixed(h1, h2, lam).mean(dim=0)).numpy().astype(float)
    sel = np.lexsort((np.arange(n_pairs), -score))[:budget // 2]
    return set(first[sel].tolist()) | set(second[sel].tolist()), best_tau.numpy()


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_fast_path_picks_equal_direct_computation(digits, kind):
    """The factorised mixing (affine layer once per pair, pool-then-ReLU,
    channels-last maps, frozen classifier) selects what the direct
    computation selects: same tau up to rounding, Jaccard >= 0.95."""
    X, y = digits
    if kind == "mlp":
        net = ActiveNeuralNetClassifier(MLP, module__hidden_units=32, max_epochs=6,
                                        random_state=0)
        layer = 1
    else:  # conv-ReLU | conv-ReLU-pool | ...: the mix meets conv, ReLU, max-pool
        net = ActiveNeuralNetClassifier(SmallCNN, module__input_size=8, max_epochs=3,
                                        random_state=0)
        layer = 1
    net.fit(X[:300], y[:300])
    X_pool = X[300:700]
    strategy = LADA(n_pairs=150, mix_layers=layer, policy_epochs=3, policy_patience=0,
                    policy_batch_size=50, random_state=5)
    picks = strategy.query(X_pool, net, 40)
    seed = np.random.RandomState(5).randint(2**31 - 1)  # the seed LADA derives
    module = net.module_
    flags = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        ref, tau = _direct_info_mixup(module, X_pool, 40, seed, n_pairs=150, layer=layer,
                                      epochs=3, batch_size=50)
    finally:
        for m, flag in flags:
            m.training = flag
    assert all(p.requires_grad for p in module.parameters())  # restored
    got = set(picks.tolist())
    assert len(got & ref) / len(got | ref) >= 0.95, (len(got & ref), len(got | ref))
    rows = strategy.pairs_[:, 0]
    first = np.random.RandomState(seed)
    first.randint(1)
    first = first.permutation(len(X_pool))[:150]
    np.testing.assert_allclose(strategy.tau_, tau[[np.flatnonzero(first == r)[0] for r in rows]],
                               rtol=1e-4)


def test_mix_tail_values_and_lambda_gradients_equal_direct():
    """_MixTail (affine layer once per pair, pool-then-ReLU, the gathered
    max-pool gradient) gives the logits and d/dlambda of the direct mix."""
    from skactive.neural._mix_tail import _MixTail

    torch.manual_seed(0)
    blocks = [nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU()),
              nn.Sequential(nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)),
              nn.Sequential(nn.Flatten(), nn.Linear(6 * 4 * 4, 3))]
    for b in blocks:
        b.eval()
    h = blocks[0](torch.randn(6, 1, 8, 8)).detach()
    h1, h2 = h[:3], h[3:]
    tail = _MixTail(blocks, 1)
    assert isinstance(tail.pre_layers[0], nn.Conv2d)
    assert [type(m) for m in tail.rest_layers[:2]] == [nn.MaxPool2d, nn.ReLU]
    a2 = tail.pre(h2)
    d = tail.pre(h1) - a2
    lam = torch.rand(5, 3, requires_grad=True)
    out = tail.mixed(a2, d, lam)
    l = lam.reshape(5, 3, 1, 1, 1)
    ref = forward_blocks(blocks, (l * h1 + (1 - l) * h2).reshape(15, 4, 8, 8), start=1)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), atol=1e-5)
    w = torch.randn_like(ref)
    (g_fast,) = torch.autograd.grad((out * w).sum(), lam)
    (g_ref,) = torch.autograd.grad((ref * w).sum(), lam)
    np.testing.assert_allclose(g_fast.numpy(), g_ref.numpy(), atol=1e-5)
    assert float(g_ref.abs().sum()) > 0


@pytest.mark.parametrize("acquisition", ["entropy", "var_ratio"])
@pytest.mark.parametrize("layer", [1, 2])
def test_mix_tail_forward_mode_slopes_equal_autograd(monkeypatch, acquisition, layer):
    """``_MixTail.scores`` (one tangent carried forward through max-pool,
    ReLU, conv, linear, nested blocks and a generic layer by jvp; pairs in
    chunks through one buffer) gives the acquisition of the direct mixes and
    its derivative in lambda; ``_MixScores`` hands it to autograd."""
    from skactive.neural import _mix_tail
    from skactive.neural._lada import ACQUISITIONS
    from skactive.neural._mix_tail import _MixScores, _MixTail

    monkeypatch.setattr(_mix_tail, "_CHUNK_FLOATS", 700)  # several chunks of pairs
    torch.manual_seed(layer)
    blocks = [nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU()),
              nn.Sequential(nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)),
              nn.Sequential(nn.Conv2d(6, 5, 3, padding=1), nn.Tanh(),  # jvp fallback
                            nn.Sequential(nn.MaxPool2d(2), nn.Flatten())),
              nn.Sequential(nn.Linear(5 * 2 * 2, 7), nn.ReLU(), nn.Linear(7, 3))]
    for b in blocks:
        b.eval()
    h = forward_blocks(blocks, torch.randn(14, 1, 8, 8), stop=layer).detach()
    h1, h2 = h[:7], h[7:]
    tail = _MixTail(blocks, layer)
    with torch.no_grad():
        a2 = tail.pre(h2)
        d = tail.pre(h1) - a2
    lam = torch.rand(4, 7, dtype=torch.float64).float().requires_grad_()
    l = lam.reshape((4, 7) + (1,) * (h.dim() - 1))
    ref = ACQUISITIONS[acquisition](forward_blocks(
        blocks, (l * h1 + (1 - l) * h2).reshape((28,) + tuple(h.shape[1:])), start=layer))
    ref = ref.reshape(4, 7)
    with torch.no_grad():
        value, slope = tail.scores(a2, d, lam.detach(), acquisition, slopes=True)
        no_slope = tail.scores(a2, d, lam.detach(), acquisition)
    np.testing.assert_allclose(value.numpy(), ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    (g_ref,) = torch.autograd.grad(ref.sum(), lam, retain_graph=True)
    np.testing.assert_allclose(slope.numpy(), g_ref.numpy(), rtol=1e-4, atol=1e-6)
    assert float(g_ref.abs().sum()) > 0
    w = torch.randn(4, 7)
    out = _MixScores.apply(lam, a2, d, tail, acquisition)
    (g_fast,) = torch.autograd.grad((out * w).sum(), lam)
    (g_ref,) = torch.autograd.grad((ref * w).sum(), lam)
    np.testing.assert_allclose(g_fast.numpy(), g_ref.numpy(), rtol=1e-4, atol=1e-6)
    assert no_slope[1] is None
    np.testing.assert_allclose(no_slope[0].numpy(), value.numpy(), rtol=1e-6)


def test_virtual_lambdas_follow_beta_of_the_learned_tau(digits, learner):
    """Each selected pair's virtual-instance lambda is one draw from
    Beta(tau*, tau*) with that pair's learned tau* (eq. 17): the probability
    integral transforms are uniform (KS test over 150 pairs), and not for a
    wrong law (the same draws against Beta(tau* + 2, tau* + 2))."""
    from scipy import stats

    X_pool = digits[0][300:1000]
    s = LADA(n_pairs=300, policy_epochs=2, policy_batch_size=100, random_state=3)
    s.query(X_pool, learner, budget=300)
    tau, lam = s.tau_, s.lambda_
    assert tau.shape == lam.shape == (150,) and np.unique(tau).size > 100
    u = stats.beta.cdf(lam, tau, tau)
    assert stats.kstest(u, "uniform").pvalue > 0.01
    wrong = stats.beta.cdf(lam, tau + 2.0, tau + 2.0)
    assert stats.kstest(wrong, "uniform").pvalue < 0.01
