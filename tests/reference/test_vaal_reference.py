"""VAAL against an independent re-derivation of the authors' code.

Source: github.com/sinhasam/vaal, commit 67263f32665990a9408430a86df5b6ecd96a812d
(``solver.py``: ``Solver.train``, ``Solver.vae_loss``; ``sampler.py``:
``AdversarySampler.sample``; ``model.py``: ``Discriminator``, ``kaiming_init``;
``arguments.py``: ``num_vae_steps=2``, ``num_adv_steps=1``, ``batch_size=128``;
``main.py``: the labelled loader drops its last batch, the unlabelled one does
not). The functions below are written from reading that code, not copied:

- the loss is ``nn.MSELoss()(recon, x) + beta * KL`` with the KL summed over
  the batch and the latent dimensions;
- an iteration takes a labelled and an unlabelled batch, runs ``num_vae_steps``
  VAE steps (targets 1 for both sets, a new pair of batches between steps),
  then ``num_adv_steps`` discriminator steps (labelled 1, unlabelled 0) on the
  batches of the last VAE step; ``(n_L + n_U) * epochs // batch_size``
  iterations; Adam, lr 5e-4; Kaiming-normal weights, zero biases;
- the discriminator ends with a sigmoid and is trained with ``nn.BCELoss``;
- selection: ``topk`` of ``-D(mu(x))``.

The networks (skactive's ``MLPVAE`` and ``VAALDiscriminator``, the same shapes
as the authors' discriminator) and the random-number conventions (a
``torch.randperm`` per pass of each loader, drawn when the pass starts; the
torch seed of the strategy's ``random_state``) are shared inputs, so that the
same seed gives the same initial weights and batches: any difference in the
picks then comes from the rule.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from torch import nn  # noqa: E402

from skactive import ActiveLearner  # noqa: E402
from skactive.neural import MLPVAE, VAALDiscriminator, vaal_scores  # noqa: E402
from skactive.neural._vaal import discriminator_scores  # noqa: E402
from skactive.strategies import VAAL  # noqa: E402
from skactive.utils import top_k  # noqa: E402

from .._helpers import one_torch_thread  # noqa: E402, F401


@pytest.fixture(scope="module", autouse=True)
def one_thread(one_torch_thread):
    yield


# --------------------------------------------------- the authors' rule, re-derived
def ref_init(net):
    for m in net.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.kaiming_normal_(m.weight)
            if m.bias is not None:
                m.bias.data.fill_(0)
    return net


def ref_loader(n, batch_size, drop_last):
    """Endless shuffled passes (``read_data`` over a ``SubsetRandomSampler`` loader).

    With ``drop_last`` and fewer than ``batch_size`` rows the authors' loader
    yields nothing and ``read_data`` never returns: callers keep ``n >= batch_size``.
    """
    assert n >= batch_size or not drop_last
    while True:
        perm = torch.randperm(n)
        end = n - n % batch_size if drop_last else n
        for i in range(0, end, batch_size):
            yield perm[i:i + batch_size]


def ref_discriminator(logit):
    """The authors' Discriminator ends with ``Sigmoid()``; skactive's returns the logit."""
    return lambda z: torch.sigmoid(logit(z))


def ref_vae_loss(x, recon, mu, logvar, beta):
    mse = nn.MSELoss()(recon, x)
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return mse + kld * beta


def ref_train(Xl, Xu, seed, *, latent_dim, epochs, batch_size=128, beta=1.0,
              adversary_param=1.0, num_vae_steps=2, num_adv_steps=1):
    bce = nn.BCELoss()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        vae = ref_init(MLPVAE(Xl.shape[1], latent_dim))
        logit = ref_init(VAALDiscriminator(latent_dim))
        disc = ref_discriminator(logit)

        optim_vae = torch.optim.Adam(vae.parameters(), lr=5e-4)
        optim_disc = torch.optim.Adam(logit.parameters(), lr=5e-4)
        lab_rows = ref_loader(len(Xl), batch_size, drop_last=True)
        unlab_rows = ref_loader(len(Xu), batch_size, drop_last=False)
        iterations = ((len(Xl) + len(Xu)) * epochs) // batch_size
        vae.train()
        logit.train()
        for _ in range(iterations):
            lab, unlab = Xl[next(lab_rows)], Xu[next(unlab_rows)]
            for count in range(num_vae_steps):
                recon, _, mu, logvar = vae(lab)
                unsup = ref_vae_loss(lab, recon, mu, logvar, beta)
                u_recon, _, u_mu, u_logvar = vae(unlab)
                transductive = ref_vae_loss(unlab, u_recon, u_mu, u_logvar, beta)
                dsc = bce(disc(mu), torch.ones(len(lab))) + bce(disc(u_mu), torch.ones(len(unlab)))
                total = unsup + transductive + adversary_param * dsc
                optim_vae.zero_grad()
                total.backward()
                optim_vae.step()
                if count < num_vae_steps - 1:
                    lab, unlab = Xl[next(lab_rows)], Xu[next(unlab_rows)]
            for count in range(num_adv_steps):
                with torch.no_grad():
                    _, _, mu, _ = vae(lab)
                    _, _, u_mu, _ = vae(unlab)
                dsc = bce(disc(mu), torch.ones(len(lab))) + bce(disc(u_mu), torch.zeros(len(unlab)))
                optim_disc.zero_grad()
                dsc.backward()
                optim_disc.step()
                if count < num_adv_steps - 1:
                    lab, unlab = Xl[next(lab_rows)], Xu[next(unlab_rows)]
    return vae, logit


def ref_sample(vae, logit, Xu, budget):
    disc = ref_discriminator(logit)
    with torch.no_grad():
        preds = disc(vae(Xu)[2]).view(-1)
    return torch.topk(-preds, budget)[1].numpy(), preds.numpy()


def standardise(X_lab, X_pool):
    """skactive's input scaling (mean and std over both sets), applied to both sides."""
    both = np.concatenate([X_lab, X_pool]).astype(np.float32)
    mean, std = both.mean(0, keepdims=True), both.std(0, keepdims=True)
    std[std < 1e-8] = 1.0
    def scale(A):
        return torch.from_numpy(np.ascontiguousarray((A.astype(np.float32) - mean) / std))

    return scale(X_lab), scale(X_pool)


def jaccard(a, b):
    a, b = set(np.asarray(a).tolist()), set(np.asarray(b).tolist())
    return len(a & b) / len(a | b)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    perm = np.random.RandomState(0).permutation(len(X))
    return (X[perm] / 16.0).astype(np.float32), y[perm]


# ------------------------------------------------------------------------ tests
def test_selection_rule_on_fixed_weights(digits):
    """Same trained weights: skactive's ranking is the authors' sampler (Jaccard 1)."""
    X = digits[0]
    Xl, Xu = standardise(X[:150], X[150:650])
    vae, logit = ref_train(Xl, Xu, seed=1, latent_dim=8, epochs=2)
    ref_idx, preds = ref_sample(vae, logit, Xu, 40)
    assert len(np.unique(preds)) == len(preds)  # no ties: the order is unique
    ours = top_k(discriminator_scores(vae, logit, Xu), 40)
    np.testing.assert_array_equal(ours, ref_idx)  # same picks, same order


def test_training_loop_same_seed(digits):
    """Same seed, same initial weights and batches: the trained discriminators agree."""
    X = digits[0]
    Xl, Xu = standardise(X[:150], X[150:650])
    vae, disc = ref_train(Xl, Xu, seed=7, latent_dim=8, epochs=4)
    ref_idx, ref_d = ref_sample(vae, disc, Xu, 40)
    ours = vaal_scores(Xl.numpy(), Xu.numpy(), latent_dim=8, max_epochs=4, random_state=7)
    np.testing.assert_allclose(1 - ours, ref_d, atol=1e-4)
    assert jaccard(top_k(ours, 40), ref_idx) == 1.0


def test_strategy_defaults_are_the_authors(digits):
    """``VAAL()`` (default loss, steps, batch size, networks) picks what the authors' rule picks."""
    X, y = digits
    X_lab, y_lab, X_pool = X[:200], y[:200], X[200:700]
    learner = ActiveLearner(LogisticRegression(max_iter=200), random_state=0).fit(X_lab, y_lab)
    picks = VAAL(max_epochs=3, random_state=0).query(X_pool, learner, 30)
    seed = np.random.RandomState(0).randint(2**31 - 1)  # the torch seed VAAL derives
    Xl, Xu = standardise(X_lab, X_pool)
    vae, disc = ref_train(Xl, Xu, seed=seed, latent_dim=32, epochs=3)
    ref_idx, _ = ref_sample(vae, disc, Xu, 30)
    assert jaccard(picks, ref_idx) == 1.0
