"""VAAL (Sinha et al. 2019): beta-VAE + labelled/unlabelled discriminator, trained adversarially."""

import copy
import math

import numpy as np
import torch
from scipy import sparse
from torch import nn
from torch.nn import functional as F

from ._callbacks import torch_seed
from ._classifier import _inference_mode

__all__ = [
    "ConvVAE",
    "MLPVAE",
    "VAALDiscriminator",
    "train_vaal",
    "vaal_scores",
    "vae_loss",
]


class _VAE(nn.Module):
    """``forward(x) -> (recon, z, mu, logvar)`` with the reparameterisation trick
    (in eval mode ``z = mu``: no random draw)."""

    def forward(self, x):
        h = self.encode(x)
        mu, logvar = self.fc_mu(h), self.fc_logvar(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if self.training else mu
        return self.decode(z), z, mu, logvar


class MLPVAE(_VAE):
    """Fully connected VAE for tabular rows (and flattened images).

    ``Linear(d, h)-ReLU-Linear(h, h)-ReLU`` then ``mu``/``logvar`` heads;
    the decoder mirrors it with a linear output (inputs are standardised).

    Parameters
    ----------
    n_features : int
    latent_dim : int, default=32
    hidden_units : int, default=256

    Examples
    --------
    >>> import torch
    >>> from skactive.neural import MLPVAE
    >>> recon, z, mu, logvar = MLPVAE(n_features=5, latent_dim=2)(torch.zeros(3, 5))
    >>> recon.shape, mu.shape
    (torch.Size([3, 5]), torch.Size([3, 2]))
    """

    def __init__(self, n_features, latent_dim=32, hidden_units=256):
        super().__init__()
        d, h, k = int(n_features), int(hidden_units), int(latent_dim)
        self.encode = nn.Sequential(
            nn.Flatten(), nn.Linear(d, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU()
        )
        self.fc_mu, self.fc_logvar = nn.Linear(h, k), nn.Linear(h, k)
        self.decode = nn.Sequential(
            nn.Linear(k, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, d)
        )


class ConvVAE(_VAE):
    """Small convolutional VAE for square images whose side is a multiple of 4 (28, 32).

    A scaled-down version of VAAL's VAE (Sinha et al. 2019 use four
    ``Conv(4, stride 2)-BN-ReLU`` blocks of 128..1024 channels): two
    ``Conv(4, stride 2)-BN-ReLU`` blocks (``channels``, ``2 * channels``),
    ``mu``/``logvar`` heads, and a mirrored decoder of transposed convolutions
    with a linear output. Inputs are ``(n, C, H, W)``.

    Parameters
    ----------
    in_channels : int, default=1
    input_size : int, default=28
    latent_dim : int, default=32
    channels : int, default=32

    Examples
    --------
    >>> import torch
    >>> from skactive.neural import ConvVAE
    >>> recon, z, mu, logvar = ConvVAE(in_channels=3, input_size=32)(torch.zeros(2, 3, 32, 32))
    >>> recon.shape, mu.shape
    (torch.Size([2, 3, 32, 32]), torch.Size([2, 32]))
    """

    def __init__(self, in_channels=1, input_size=28, latent_dim=32, channels=32):
        super().__init__()
        c, s, k = int(channels), int(input_size), int(latent_dim)
        if s % 4:
            raise ValueError(f"ConvVAE needs an input side divisible by 4, got {s}.")
        side = s // 4
        flat = 2 * c * side * side
        self.encode = nn.Sequential(
            nn.Conv2d(int(in_channels), c, 4, 2, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU(),
            nn.Conv2d(c, 2 * c, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * c), nn.ReLU(),
            nn.Flatten(),
        )
        self.fc_mu, self.fc_logvar = nn.Linear(flat, k), nn.Linear(flat, k)
        self.decode = nn.Sequential(
            nn.Linear(k, flat), nn.Unflatten(1, (2 * c, side, side)),
            nn.ConvTranspose2d(2 * c, c, 4, 2, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU(),
            nn.ConvTranspose2d(c, int(in_channels), 4, 2, 1),
        )


class VAALDiscriminator(nn.Module):
    """Discriminator on the VAE's latent means: MLP with one logit output.

    ``Linear(k, h)-ReLU`` repeated ``n_hidden_layers`` times, then
    ``Linear(h, 1)``; ``sigmoid(logit)`` is the probability of "labelled".
    The defaults are the authors' discriminator (sinhasam/vaal ``model.py``,
    ``Discriminator``: ``Linear(k, 512)-ReLU-Linear(512, 512)-ReLU-Linear(512, 1)``
    then a sigmoid, i.e. two hidden layers of 512); the sigmoid is left to
    the loss here (``binary_cross_entropy_with_logits``, numerically stable).

    Parameters
    ----------
    latent_dim : int
    hidden_units : int, default=512
    n_hidden_layers : int, default=2

    Examples
    --------
    >>> import torch
    >>> from skactive.neural import VAALDiscriminator
    >>> VAALDiscriminator(latent_dim=4, hidden_units=8)(torch.zeros(3, 4)).shape
    torch.Size([3])
    """

    def __init__(self, latent_dim, hidden_units=512, n_hidden_layers=2):
        super().__init__()
        layers, width = [], int(latent_dim)
        for _ in range(int(n_hidden_layers)):
            layers += [nn.Linear(width, int(hidden_units)), nn.ReLU()]
            width = int(hidden_units)
        self.net = nn.Sequential(*layers, nn.Linear(width, 1))

    def forward(self, z):
        return self.net(z).reshape(-1)


def vae_loss(x, recon, mu, logvar, beta=1.0, reduction="reference"):
    r"""The two pieces of the beta-VAE loss: ``(reconstruction, beta * KL)``.

    VAAL (Sinha et al. 2019, eq. 1) trains the VAE on the negative ELBO
    :math:`\lVert x - \hat x\rVert^2 + \beta\, D_{KL}(q(z|x)\,\|\,N(0, I))`, with
    :math:`D_{KL} = -\frac12\sum_j (1 + \log\sigma_j^2 - \mu_j^2 - \sigma_j^2)`.

    - ``reduction="reference"`` (default): as in the authors' code
      (sinhasam/vaal ``solver.py``, ``Solver.vae_loss``, commit 67263f3; also
      DeepAL+ ``vaal.py``): the *mean* squared error over all elements
      (``nn.MSELoss()``) plus the KL *summed* over the batch and the latent
      dimensions, times ``beta``. The balance of the two terms changes with
      the batch size and the input dimension (the KL term dominates), but it
      is the loss behind the published results.
    - ``reduction="elbo"``: per sample (squared error summed over the
      features, KL summed over latent dimensions), averaged over the batch
      -- the per-sample negative ELBO of eq. 1, independent of the batch
      size.

    Examples
    --------
    >>> import torch
    >>> from skactive.neural import vae_loss
    >>> x, recon = torch.zeros(2, 3), torch.ones(2, 3)
    >>> mu, logvar = torch.ones(2, 1), torch.zeros(2, 1)   # KL = 0.5 per sample
    >>> [float(t) for t in vae_loss(x, recon, mu, logvar, beta=2.0)]
    [1.0, 2.0]
    >>> [float(t) for t in vae_loss(x, recon, mu, logvar, beta=2.0, reduction="elbo")]
    [3.0, 1.0]
    """
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp())
    if reduction == "elbo":
        n = x.shape[0]
        rec = (recon - x).pow(2).reshape(n, -1).sum(dim=1).mean()
        return rec, beta * kl.sum(dim=1).mean()
    if reduction == "reference":
        return F.mse_loss(recon, x), beta * kl.sum()
    raise ValueError(f"reduction must be 'elbo' or 'reference', got {reduction!r}.")


# ----------------------------------------------------------------- data prep
def _to_array(X):
    if sparse.issparse(X):
        X = X.toarray()
    return np.asarray(X, dtype=np.float32)


def _image_layout(shape):
    """(channels, side, channels_last) for image pools, None for tabular rows."""
    if len(shape) == 2:
        return None
    if len(shape) == 3:
        h, w = shape[1:]
        return (1, h, False) if h == w else None
    if len(shape) == 4:
        if shape[2] == shape[3] and shape[1] in (1, 3, 4):
            return shape[1], shape[2], False
        if shape[1] == shape[2] and shape[3] in (1, 3, 4):
            return shape[3], shape[1], True
    return None


def _prepare(X_lab, X_pool, vae):
    """Standardised float32 tensors ``(lab, pool)`` and the input layout."""
    X_lab, X_pool = _to_array(X_lab), _to_array(X_pool)
    layout = _image_layout(X_pool.shape)
    use_conv = vae == "conv" or (vae == "auto" and layout is not None and layout[1] % 4 == 0)
    if use_conv:
        if layout is None:
            raise ValueError(
                f"vae='conv' needs square images (n, H, W[, C]) or (n, C, H, W); got "
                f"a pool of shape {X_pool.shape}."
            )
        c, side, last = layout

        def nchw(A):
            A = A.reshape(A.shape[0], 1, side, side) if A.ndim == 3 else A
            return A.transpose(0, 3, 1, 2) if last else A

        X_lab, X_pool = nchw(X_lab), nchw(X_pool)
    else:
        X_lab, X_pool = X_lab.reshape(len(X_lab), -1), X_pool.reshape(len(X_pool), -1)
    both = np.concatenate([X_lab, X_pool])
    mean = both.mean(axis=0, keepdims=True)
    std = both.std(axis=0, keepdims=True)
    std[std < 1e-8] = 1.0
    lab = torch.from_numpy(np.ascontiguousarray((X_lab - mean) / std))
    pool = torch.from_numpy(np.ascontiguousarray((X_pool - mean) / std))
    return lab, pool, use_conv


def _build(spec, default, *args):
    if isinstance(spec, nn.Module):
        return copy.deepcopy(spec)
    if callable(spec) and not isinstance(spec, str):
        return spec(*args)
    return default(*args)


def _kaiming_init(module):
    """The authors' initialisation (sinhasam/vaal ``model.py``, ``kaiming_init``).

    ``kaiming_normal_`` weights and zero biases for linear and convolutional
    layers (transposed convolutions keep torch's default, as in the
    reference), unit weights and zero biases for batch norms. Returns the
    module.
    """
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            nn.init.kaiming_normal_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    return module


class _Batches:
    """Endless mini-batches of row indices, like a shuffling ``DataLoader``.

    A fresh ``torch.randperm`` (global generator) per pass, drawn when the
    pass starts; ``drop_last`` drops the incomplete last batch of a pass
    (unless the set is smaller than one batch: then the whole set is one
    batch, where the reference's loader would yield nothing and hang).
    """

    def __init__(self, n, batch_size, drop_last):
        self.n, self.bs = int(n), int(batch_size)
        self.drop_last = drop_last and self.n >= self.bs
        self._queue = []

    def __next__(self):
        if not self._queue:
            perm = torch.randperm(self.n)
            stop = self.n - self.n % self.bs if self.drop_last else self.n
            self._queue = [perm[i:i + self.bs] for i in range(0, stop, self.bs)]
        return self._queue.pop(0)


def train_vaal(X_lab, X_unlab, *, vae="auto", discriminator=None, latent_dim=32,
               max_epochs=30, batch_size=128, lr=5e-4, beta=1.0, adversary_param=1.0,
               n_vae_steps=2, n_adv_steps=1, reduction="reference", random_state=None,
               device="cpu", _prepared=False):
    r"""Train VAAL's VAE and discriminator on labelled and unlabelled samples.

    The loop of the authors' ``Solver.train`` (sinhasam/vaal ``solver.py``,
    commit 67263f3; Sinha et al. 2019, Algorithm 1), without the task model:
    ``(n_L + n_U) * max_epochs // batch_size`` iterations, each of which
    takes a labelled batch ``x_L`` and an unlabelled batch ``x_U`` (shuffled
    passes; the labelled loader drops its incomplete last batch) and runs

    1. ``n_vae_steps`` VAE steps (2 in the authors' ``arguments.py``) on
       :math:`L_{VAE}(x_L) + L_{VAE}(x_U) + \lambda\,[\mathrm{BCE}(D(\mu_L), 1)
       + \mathrm{BCE}(D(\mu_U), 1)]` -- the VAE learns a latent space in which
       the discriminator takes everything for labelled (eq. 3; the
       authors' targets are 1 for *both* sets), drawing new batches between
       the steps;
    2. ``n_adv_steps`` discriminator steps on
       :math:`\mathrm{BCE}(D(\mu_L), 1) + \mathrm{BCE}(D(\mu_U), 0)` (eq. 4), on
       the batches of the last VAE step (the means are computed without
       gradient, the VAE still in training mode).

    Both networks use Adam with ``lr`` (5e-4 in the authors' code); the
    default networks get the authors' Kaiming initialisation
    (``_kaiming_init``). :math:`L_{VAE}` is :func:`vae_loss` with
    ``reduction`` (default: the authors' scaling).

    No early stopping and no networks carried over between queries: the
    authors' ``main.py`` builds a new VAE and discriminator for every split
    and ``Solver.train`` runs a fixed ``train_iterations`` (it keeps the best
    *task model* by validation accuracy, never stops on the VAE loss), so
    both are kept here; the batches are drawn by torch indexing of tensors
    prepared once, and Adam runs with ``foreach=True`` (the same arithmetic
    as the per-parameter loop, the same networks).

    Differences from the authors' code: ``max_epochs`` defaults to 30 (the
    DeepAL+ survey; the authors' default is 100 epochs of CIFAR-10); the
    batches come from torch's generator seeded by ``random_state`` (the
    reference uses the global state of a ``DataLoader``); a labelled set
    smaller than one batch is used whole.

    Parameters
    ----------
    X_lab, X_unlab : array-like
        Labelled and unlabelled samples (standardised inside with the mean and
        standard deviation of both sets together).
    vae : {"auto", "mlp", "conv"}, callable or torch.nn.Module, default="auto"
        "auto": :class:`ConvVAE` for square images with a side divisible by 4
        (28x28, 32x32; ``(n, H, W)``, ``(n, H, W, C)`` or ``(n, C, H, W)``),
        otherwise :class:`MLPVAE` on flattened rows. A callable is called as
        ``vae(input_shape, latent_dim)`` (``input_shape`` without the batch
        axis); a module instance is deep-copied. It must return
        ``(recon, z, mu, logvar)``.
    discriminator : callable, torch.nn.Module or None, default=None
        None: :class:`VAALDiscriminator`; a callable is called as
        ``discriminator(latent_dim)``; it must return one logit per row.
    latent_dim : int, default=32
    max_epochs : int, default=30
    batch_size : int, default=128
        The authors' default.
    lr : float, default=5e-4
    beta : float, default=1.0
    adversary_param : float, default=1.0
        :math:`\lambda`.
    n_vae_steps, n_adv_steps : int, default=2, 1
        The authors' defaults.
    reduction : {"reference", "elbo"}, default="reference"
        See :func:`vae_loss`.
    random_state : int, RandomState instance or None
        Seeds initialisation, batches and the reparameterisation noise
        (torch's global generator is restored afterwards).
    device : str, default="cpu"

    Returns
    -------
    vae, discriminator : torch.nn.Module
        In eval mode.
    """
    if not _prepared:
        X_lab, X_unlab, use_conv = _prepare(X_lab, X_unlab, vae)
    else:
        use_conv = X_unlab.ndim == 4
    if reduction not in ("reference", "elbo"):
        raise ValueError(f"reduction must be 'reference' or 'elbo', got {reduction!r}.")
    input_shape = tuple(X_unlab.shape[1:])
    n_l, n_u = len(X_lab), len(X_unlab)
    if n_l == 0 or n_u == 0:
        raise ValueError(f"VAAL needs labelled and unlabelled samples, got {n_l} and {n_u}.")
    with torch_seed(random_state):
        if use_conv:
            default_vae = lambda shape, k: ConvVAE(shape[0], shape[1], k)  # noqa: E731
        else:
            default_vae = lambda shape, k: MLPVAE(int(np.prod(shape)), k)  # noqa: E731
        vae_net = _build(vae, default_vae, input_shape, latent_dim)
        if isinstance(vae, str):
            _kaiming_init(vae_net)
        disc = _build(discriminator, VAALDiscriminator, latent_dim)
        if discriminator is None:
            _kaiming_init(disc)
        vae_net, disc = vae_net.to(device), disc.to(device)
        # foreach: one fused update over all parameters (CPU defaults to a
        # per-parameter loop); the same arithmetic, the same trained networks
        opt_vae = torch.optim.Adam(vae_net.parameters(), lr=lr, foreach=True)
        opt_disc = torch.optim.Adam(disc.parameters(), lr=lr, foreach=True)
        bs = int(batch_size)
        lab_batches = _Batches(n_l, bs, drop_last=True)
        unlab_batches = _Batches(n_u, bs, drop_last=False)

        def draw():
            return (X_lab[next(lab_batches)].to(device),
                    X_unlab[next(unlab_batches)].to(device))

        n_iter = (n_l + n_u) * int(max_epochs) // bs
        vae_net.train()
        disc.train()
        for _ in range(n_iter):
            xl, xu = draw()
            for count in range(int(n_vae_steps)):
                rec_l, _, mu_l, lv_l = vae_net(xl)
                loss = sum(vae_loss(xl, rec_l, mu_l, lv_l, beta, reduction))
                rec_u, _, mu_u, lv_u = vae_net(xu)
                loss = loss + sum(vae_loss(xu, rec_u, mu_u, lv_u, beta, reduction))
                d_l, d_u = disc(mu_l), disc(mu_u)
                adv = F.binary_cross_entropy_with_logits(d_l, torch.ones_like(d_l)) + \
                    F.binary_cross_entropy_with_logits(d_u, torch.ones_like(d_u))
                opt_vae.zero_grad()
                (loss + adversary_param * adv).backward()
                opt_vae.step()
                if count < int(n_vae_steps) - 1:
                    xl, xu = draw()
            for count in range(int(n_adv_steps)):
                with torch.no_grad():
                    mu_l, mu_u = vae_net(xl)[2], vae_net(xu)[2]
                d_l, d_u = disc(mu_l), disc(mu_u)
                d_loss = F.binary_cross_entropy_with_logits(d_l, torch.ones_like(d_l)) + \
                    F.binary_cross_entropy_with_logits(d_u, torch.zeros_like(d_u))
                opt_disc.zero_grad()
                d_loss.backward()
                opt_disc.step()
                if count < int(n_adv_steps) - 1:
                    xl, xu = draw()
    vae_net.eval()
    disc.eval()
    return vae_net, disc


def vaal_scores(X_lab, X_pool, *, batch_size=128, device="cpu", predict_batch_size=1024,
                **train_params):
    """Train VAAL (:func:`train_vaal`) and score the pool: P(unlabelled) per sample.

    The score is :math:`1 - D(\\mu(x))`, the discriminator's probability that
    ``x`` is unlabelled: ranking it in descending order is the authors'
    ``AdversarySampler.sample`` (sinhasam/vaal ``sampler.py``: ``topk`` of
    :math:`-D(\\mu(x))`, the lowest "labelled" probabilities first). The
    means are computed in eval mode (the authors leave the VAE in training
    mode, so with batch norm a sample's score depends on the random batch it
    is scored in; the default :class:`MLPVAE` has no batch norm, so this
    changes nothing there). DeepAL+ ranks by :math:`D` in *descending* order
    (the most labelled-looking samples) and trains its discriminator with
    target 1 for unlabelled samples too; neither is followed here.

    Parameters
    ----------
    X_lab, X_pool : array-like
    batch_size : int, default=128
    device : str, default="cpu"
    predict_batch_size : int, default=1024
    **train_params
        Passed to :func:`train_vaal` (``vae``, ``max_epochs``, ``random_state``...).

    Returns
    -------
    scores : ndarray of shape (n_pool,), float64 in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.neural import vaal_scores
    >>> rng = np.random.RandomState(0)
    >>> X_lab, X_pool = rng.normal(size=(20, 4)), rng.normal(size=(50, 4))
    >>> s = vaal_scores(X_lab, X_pool, max_epochs=1, latent_dim=2, random_state=0)
    >>> s.shape, bool(((s >= 0) & (s <= 1)).all())
    ((50,), True)
    """
    lab, pool, _ = _prepare(X_lab, X_pool, train_params.get("vae", "auto"))
    vae_net, disc = train_vaal(lab, pool, batch_size=batch_size, device=device, _prepared=True,
                               **train_params)
    return discriminator_scores(vae_net, disc, pool, device=device,
                                batch_size=predict_batch_size)


def discriminator_scores(vae, discriminator, X, *, device="cpu", batch_size=1024):
    """``1 - D(mu(x))`` for prepared inputs ``X`` (a tensor), in eval mode.

    Every module's training flag is restored afterwards.
    """
    parts = []
    with _inference_mode(vae), _inference_mode(discriminator):
        for start in range(0, len(X), int(batch_size)):
            xb = X[start:start + int(batch_size)].to(device)
            parts.append(torch.sigmoid(-discriminator(vae(xb)[2]).reshape(-1)))
    return torch.cat(parts).cpu().numpy().astype(np.float64)
