"""VAAL: beta-VAE loss pieces by hand, the networks, training sanity, the strategy."""

import sys

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skactive import ActiveLearner
from skactive.datasets import load_letter
from skactive.exceptions import LearnerCapabilityError
from skactive.strategies import VAAL


def test_without_torch_a_clear_error(monkeypatch):
    X, y = load_letter(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    learner = ActiveLearner(pipe, random_state=0).fit(X[:100], y[:100])
    monkeypatch.setitem(sys.modules, "skactive.neural._vaal", None)  # import -> ImportError
    with pytest.raises(LearnerCapabilityError, match="PyTorch"):
        VAAL(max_epochs=1).query(X[100:200], learner, 2)


torch = pytest.importorskip("torch")

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from skactive.neural import ConvVAE, MLPVAE, train_vaal, vaal_scores, vae_loss  # noqa: E402
from skactive.utils.estimator_checks import check_query_strategy  # noqa: E402

from ._helpers import one_torch_thread  # noqa: E402, F401


@pytest.fixture(scope="module", autouse=True)
def one_thread(one_torch_thread):
    yield


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    perm = np.random.RandomState(0).permutation(len(X))
    return (X[perm] / 16.0).astype(np.float32), y[perm]


def test_vae_loss_pieces_by_hand():
    x = torch.tensor([[0.0, 1.0], [2.0, 0.0]])
    recon = torch.tensor([[1.0, 1.0], [0.0, 0.0]])        # squared errors: 1, 4
    mu = torch.tensor([[1.0], [0.0]])
    logvar = torch.tensor([[0.0], [np.log(2.0)]])
    # KL = -0.5 (1 + logvar - mu^2 - exp(logvar)): 0.5 and -0.5 (log 2 - 1)
    kl = np.array([0.5, -0.5 * (np.log(2) - 1)])
    rec, kld = vae_loss(x, recon, mu, logvar, beta=3.0, reduction="elbo")
    assert float(rec) == pytest.approx(2.5)                 # (1 + 4) / 2 samples
    assert float(kld) == pytest.approx(3.0 * kl.mean())
    rec, kld = vae_loss(x, recon, mu, logvar, beta=3.0, reduction="reference")
    assert float(rec) == pytest.approx(5 / 4)               # mean over elements
    assert float(kld) == pytest.approx(3.0 * kl.sum())      # summed over the batch
    with pytest.raises(ValueError, match="reduction"):
        vae_loss(x, recon, mu, logvar, reduction="sum")
    # a perfect reconstruction at the prior costs nothing
    rec, kld = vae_loss(x, x, torch.zeros(2, 1), torch.zeros(2, 1))
    assert float(rec) == 0 and float(kld) == 0


def test_default_networks_by_input_shape(digits):
    X = digits[0][:60]
    vae, _ = train_vaal(X[:20], X[20:], max_epochs=0, random_state=0)
    assert isinstance(vae, MLPVAE)
    images = np.zeros((30, 28, 28), np.float32)
    images[:, 4:20, 4:20] = X[:30, :1, None]
    vae, _ = train_vaal(images[:10], images[10:], max_epochs=1, random_state=0)
    assert isinstance(vae, ConvVAE)
    rgb = np.random.RandomState(0).rand(12, 32, 32, 3).astype(np.float32)
    vae, disc = train_vaal(rgb[:4], rgb[4:], max_epochs=1, latent_dim=4, random_state=0)
    assert isinstance(vae, ConvVAE) and vae(torch.zeros(2, 3, 32, 32))[0].shape == (2, 3, 32, 32)
    vae, _ = train_vaal(images[:10], images[10:], vae="mlp", max_epochs=0, random_state=0)
    assert isinstance(vae, MLPVAE)
    custom = lambda shape, k: MLPVAE(int(np.prod(shape)), k, hidden_units=8)  # noqa: E731
    vae, _ = train_vaal(X[:20], X[20:], vae=custom, latent_dim=3, max_epochs=1, random_state=0)
    assert vae.fc_mu.out_features == 3
    with pytest.raises(ValueError, match="square images"):
        train_vaal(X[:20], X[20:], vae="conv", max_epochs=1)


def test_discriminator_separates_labelled_from_unlabelled(digits):
    """Sanity: after training, unseen classes look "unlabelled" (score high)."""
    X, y = digits
    lab = np.flatnonzero(y < 5)[:200]
    rest = np.setdiff1d(np.arange(len(X)), lab)[:600]
    scores = vaal_scores(X[lab], X[rest], max_epochs=3, random_state=0)
    assert roc_auc_score(y[rest] >= 5, scores) > 0.7


def test_seeded_without_global_effects(digits):
    X = digits[0]
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()
    a = vaal_scores(X[:50], X[50:200], max_epochs=1, latent_dim=4, random_state=3)
    b = vaal_scores(X[:50], X[50:200], max_epochs=1, latent_dim=4, random_state=3)
    np.testing.assert_array_equal(a, b)
    assert torch.equal(torch_state, torch.get_rng_state())
    assert all(np.array_equal(u, v) for u, v in zip(np_state[1:2], np.random.get_state()[1:2]))


def test_contract_with_a_sklearn_learner():
    X, y = load_letter(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    learner = ActiveLearner(pipe, random_state=0).fit(X[:80], y[:80])
    strategy = VAAL(max_epochs=1, latent_dim=4, batch_size=128)
    check_query_strategy(strategy, learner=learner, X_pool=X[80:280])
    with pytest.raises(ValueError, match="vae"):
        VAAL(vae="big").query(X[80:280], learner, 2)
