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
    ``Linear(h, 1)``; ``sigmoid(logit)`` is the probability of "labelled"
    (VAAL uses four hidden layers of 512 and a sigmoid output; the logit is
    kept here for a numerically stable BCE).

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


def vae_loss(x, recon, mu, logvar, beta=1.0, reduction="elbo"):
    r"""The two pieces of the beta-VAE loss: ``(reconstruction, beta * KL)``.

    VAAL (Sinha et al. 2019, eq. 1) trains the VAE on the negative ELBO
    :math:`\lVert x - \hat x\rVert^2 + \beta\, D_{KL}(q(z|x)\,\|\,N(0, I))`, with
    :math:`D_{KL} = -\frac12\sum_j (1 + \log\sigma_j^2 - \mu_j^2 - \sigma_j^2)`.

    - ``reduction="elbo"`` (default): per sample (squared error summed over
      the features, KL summed over latent dimensions), averaged over the
      batch -- the paper's objective, independent of the batch size.
    - ``reduction="reference"``: as in the authors' code (and DeepAL+): the
      *mean* squared error over all elements plus the KL *summed* over the
      batch, whose balance changes with the batch size and input dimension.

    Examples
    --------
    >>> import torch
    >>> from skactive.neural import vae_loss
    >>> x, recon = torch.zeros(2, 3), torch.ones(2, 3)
    >>> mu, logvar = torch.ones(2, 1), torch.zeros(2, 1)   # KL = 0.5 per sample
    >>> [float(t) for t in vae_loss(x, recon, mu, logvar, beta=2.0)]
    [3.0, 1.0]
    >>> [float(t) for t in vae_loss(x, recon, mu, logvar, beta=2.0, reduction="reference")]
    [1.0, 2.0]
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


def train_vaal(X_lab, X_unlab, *, vae="auto", discriminator=None, latent_dim=32,
               max_epochs=30, batch_size=64, lr=5e-4, beta=1.0, adversary_param=1.0,
               n_vae_steps=1, n_adv_steps=1, reduction="elbo", random_state=None,
               device="cpu", _prepared=False):
    """Train VAAL's VAE and discriminator on labelled and unlabelled samples.

    One iteration (Sinha et al. 2019, Algorithm 1; authors' ``solver.py``)
    draws a labelled batch ``x_L`` and an unlabelled batch ``x_U`` (with
    replacement) and

    1. ``n_vae_steps`` VAE steps on
       :math:`L_{VAE}(x_L) + L_{VAE}(x_U) + \\lambda\\,[\\mathrm{BCE}(D(\\mu_L), 1)
       + \\mathrm{BCE}(D(\\mu_U), 1)]` -- the VAE learns a latent space in which
       the discriminator takes everything for labelled (paper eq. 3);
    2. ``n_adv_steps`` discriminator steps on
       :math:`\\mathrm{BCE}(D(\\mu_L), 1) + \\mathrm{BCE}(D(\\mu_U), 0)` (eq. 4).

    An epoch is ``ceil(max(n_L, n_U) / batch_size)`` iterations. Both
    networks use Adam with ``lr`` (5e-4 as in the authors' code).

    Deviations from the reference code, on purpose: the authors' ``solver.py``
    gives the VAE's adversarial term the *discriminator's* targets (labelled 1,
    unlabelled 0), so the VAE helps the discriminator instead of fooling it;
    here it uses eq. 3 of the paper (both 1). DeepAL+'s ``vaal.py`` uses the
    right targets but never steps the VAE optimizer and steps the
    discriminator on the VAE's loss, so its networks are essentially
    untrained.

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
        30 in the DeepAL+ survey.
    batch_size : int, default=64
    lr : float, default=5e-4
    beta : float, default=1.0
    adversary_param : float, default=1.0
        :math:`\\lambda`.
    n_vae_steps, n_adv_steps : int, default=1
    reduction : {"elbo", "reference"}, default="elbo"
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
    input_shape = tuple(X_unlab.shape[1:])
    n_l, n_u = len(X_lab), len(X_unlab)
    if n_l == 0 or n_u == 0:
        raise ValueError(f"VAAL needs labelled and unlabelled samples, got {n_l} and {n_u}.")
    with torch_seed(random_state):
        if use_conv:
            default_vae = lambda shape, k: ConvVAE(shape[0], shape[1], k)  # noqa: E731
        else:
            default_vae = lambda shape, k: MLPVAE(int(np.prod(shape)), k)  # noqa: E731
        vae_net = _build(vae, default_vae, input_shape, latent_dim).to(device)
        disc = _build(discriminator, VAALDiscriminator, latent_dim).to(device)
        opt_vae = torch.optim.Adam(vae_net.parameters(), lr=lr)
        opt_disc = torch.optim.Adam(disc.parameters(), lr=lr)
        bs = int(batch_size)
        n_iter = int(max_epochs) * math.ceil(max(n_l, n_u) / bs)
        vae_net.train()
        disc.train()
        for _ in range(n_iter):
            for _ in range(int(n_vae_steps)):
                xl = X_lab[torch.randint(n_l, (min(bs, n_l),))].to(device)
                xu = X_unlab[torch.randint(n_u, (bs,))].to(device)
                rec_l, _, mu_l, lv_l = vae_net(xl)
                rec_u, _, mu_u, lv_u = vae_net(xu)
                loss = sum(vae_loss(xl, rec_l, mu_l, lv_l, beta, reduction))
                loss = loss + sum(vae_loss(xu, rec_u, mu_u, lv_u, beta, reduction))
                d_l, d_u = disc(mu_l), disc(mu_u)
                adv = F.binary_cross_entropy_with_logits(d_l, torch.ones_like(d_l)) + \
                    F.binary_cross_entropy_with_logits(d_u, torch.ones_like(d_u))
                opt_vae.zero_grad()
                (loss + adversary_param * adv).backward()
                opt_vae.step()
            for _ in range(int(n_adv_steps)):
                xl = X_lab[torch.randint(n_l, (min(bs, n_l),))].to(device)
                xu = X_unlab[torch.randint(n_u, (bs,))].to(device)
                with torch.no_grad():
                    mu_l, mu_u = vae_net(xl)[2], vae_net(xu)[2]
                d_l, d_u = disc(mu_l), disc(mu_u)
                d_loss = F.binary_cross_entropy_with_logits(d_l, torch.ones_like(d_l)) + \
                    F.binary_cross_entropy_with_logits(d_u, torch.zeros_like(d_u))
                opt_disc.zero_grad()
                d_loss.backward()
                opt_disc.step()
    vae_net.eval()
    disc.eval()
    return vae_net, disc


def vaal_scores(X_lab, X_pool, *, batch_size=64, device="cpu", predict_batch_size=1024,
                **train_params):
    """Train VAAL (:func:`train_vaal`) and score the pool: P(unlabelled) per sample.

    The score is :math:`1 - D(\\mu(x))`, the discriminator's probability that
    ``x`` is unlabelled (the authors' sampler selects the lowest :math:`D`;
    DeepAL+ ranks by :math:`D` in *descending* order, i.e. the most
    labelled-looking samples -- a bug not followed here).

    Parameters
    ----------
    X_lab, X_pool : array-like
    batch_size : int, default=64
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
    parts = []
    with _inference_mode(vae_net), _inference_mode(disc):
        for start in range(0, len(pool), int(predict_batch_size)):
            xb = pool[start:start + int(predict_batch_size)].to(device)
            parts.append(torch.sigmoid(-disc(vae_net(xb)[2])))
    return torch.cat(parts).cpu().numpy().astype(np.float64)
