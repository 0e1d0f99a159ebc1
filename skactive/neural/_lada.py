"""Torch parts of LADA (Kim et al., NeurIPS 2021): InfoMixup policy, InfoSTN,
look-ahead pair scores and training with virtual instances.

The query strategy itself is :class:`skactive.strategies.LADA`; it imports
this module lazily so that ``import skactive.strategies`` needs no torch.
"""

import contextlib
import math

import numpy as np
import torch
from torch import nn
from torch.distributions import Beta
from torch.nn import functional as F

from ..exceptions import LearnerCapabilityError
from ._layers import forward_blocks, module_blocks
from ._mix_tail import _MixScores, _MixTail, _frozen_params

__all__ = [
    "MixupPolicy",
    "SpatialTransformer",
    "lada_pair_scores",
]

_TAU_MIN = 1e-3


# ------------------------------------------------------------ acquisitions
def _entropy(logits):
    """Predictive entropy (natural log) of each row of logits."""
    logp = F.log_softmax(logits, dim=-1)
    return -(logp.exp() * logp).sum(dim=-1)


def _var_ratio(logits):
    """Variation ratio ``1 - max_c p(c|x)``."""
    return 1.0 - F.softmax(logits, dim=-1).max(dim=-1).values


ACQUISITIONS = {"entropy": _entropy, "var_ratio": _var_ratio}


@contextlib.contextmanager
def _eval_mode(module):
    """Eval mode (dropout off, batch-norm frozen), restoring every flag after."""
    flags = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        yield
    finally:
        for m, flag in flags:
            m.training = flag


def _net_of(learner):
    """The skorch net (with ``module_``) of a learner or a bare net."""
    for candidate in (learner, getattr(learner, "estimator_", None)):
        if candidate is not None and isinstance(getattr(candidate, "module_", None), nn.Module):
            return candidate
    raise LearnerCapabilityError(
        "LADA needs a torch network learner (a fitted "
        "skactive.neural.ActiveNeuralNetClassifier, possibly inside an ActiveLearner) "
        f"for layer-wise manifold mixup; got {type(learner).__name__}"
        + (
            f" around {type(learner.estimator_).__name__}"
            if hasattr(learner, "estimator_")
            else ""
        )
        + "."
    )


def _device(module):
    p = next(module.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def _as_tensor(X, device):
    X = np.asarray(X)
    if X.dtype != np.float32:
        X = X.astype(np.float32)
    return torch.as_tensor(X, device=device)


def _batched(fn, X, batch_size):
    """Concatenate ``fn`` over row batches of the tensor ``X``."""
    return torch.cat([fn(X[s : s + batch_size]) for s in range(0, X.shape[0], batch_size)])


# ------------------------------------------------------------------ mixup
def mix(h1, h2, lam):
    """Manifold mixup, eq. 12: ``lam * h1 + (1 - lam) * h2``.

    ``lam`` has shape ``(..., n)`` for ``h1``/``h2`` of shape ``(n, ...)``;
    the result has shape ``(..., n, ...)``.
    """
    lam = lam.reshape(lam.shape + (1,) * (h1.dim() - 1))
    return lam * h1 + (1.0 - lam) * h2


def mixed_acquisition(blocks, layer, h1, h2, lam, acquisition="entropy", tail=None):
    """Acquisition of the mixed features ``f^{k:L}(h_m^{k,n})`` (eq. 12-14).

    Computed through ``_MixTail`` (the first affine layer after the
    mixing point applied once per pair, not once per draw; the derivative
    in ``lam`` in forward mode, see ``_MixScores``).

    Parameters
    ----------
    blocks : list of modules (see :func:`~skactive.neural.module_blocks`)
    layer : int
        The mixing layer ``k``.
    h1, h2 : Tensor of shape (n, ...)
        ``h^k(x_i)``, ``h^k(x'_i)``.
    lam : Tensor of shape (N, n)
        Mixing coefficients, ``N`` per pair.
    acquisition : {"entropy", "var_ratio"}
    tail : _MixTail, optional
        The split of ``blocks`` at ``layer`` (built when None).

    Returns
    -------
    scores : Tensor of shape (N, n)
    """
    tail = _MixTail(blocks, layer) if tail is None else tail
    a1, a2 = tail.pre(h1), tail.pre(h2)
    return _mixed_scores(tail, a2, a1 - a2, lam, acquisition)


def _mixed_scores(tail, a2, d, lam, acquisition):
    N, n = lam.shape
    if a2.requires_grad or d.requires_grad:  # gradients beyond lam: plain autograd
        return ACQUISITIONS[acquisition](tail.mixed(a2, d, lam)).reshape(N, n)
    return _MixScores.apply(lam, a2, d, tail, acquisition)


def _pre_and_scores(tail, h, acq, batch_size):
    """Stored ``pre(h)`` and the acquisition of ``h`` itself, in batches."""
    parts = [tail.pre(h[s : s + batch_size]) for s in range(0, h.shape[0], batch_size)]
    a = torch.cat(parts)
    scores = torch.cat([acq(tail.rest(p)) for p in parts])
    return a, scores


def _mixed_mean(tail, a2, d, lam, acquisition, batch_size):
    """Mean over the ``N`` draws of the mixed acquisition, in batches of pairs."""
    return torch.cat([
        _mixed_scores(tail, a2[s : s + batch_size], d[s : s + batch_size],
                      lam[:, s : s + batch_size], acquisition).mean(dim=0)
        for s in range(0, a2.shape[0], batch_size)
    ])


def lada_pair_scores(module, X1, X2, layer, lam, acquisition="entropy", batch_size=256):
    r"""Look-ahead score of pairs with given mixing coefficients (eq. 14-15).

    .. math::
        f_{acq}((x_i, x'_i)) = \mathbb{H}[\hat y_i] + \mathbb{H}[\hat y'_i]
        + \frac{1}{N}\sum_n \mathbb{H}[\hat y^n_i \mid h_m^{k,n}(x_i, x'_i)]

    (with ``acquisition="var_ratio"``, :math:`1 - \max_c p` replaces
    :math:`\mathbb{H}`). The module is used in eval mode, without gradients.

    Parameters
    ----------
    module : torch.nn.Module
        Listable with :func:`~skactive.neural.module_blocks`.
    X1, X2 : array-like of shape (n, ...)
        The pairs.
    layer : int
        Mixing layer ``k`` (``0`` = input mixup).
    lam : array-like of shape (N, n)
        Mixing coefficients.
    acquisition : {"entropy", "var_ratio"}, default="entropy"
    batch_size : int, default=256

    Returns
    -------
    total : ndarray of shape (n,)
        Eq. 15.
    parts : ndarray of shape (3, n)
        The three terms: acquisition of ``x_i``, of ``x'_i`` and the mean over
        the ``N`` mixed features.

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> from skactive.neural import lada_pair_scores
    >>> net = nn.Sequential(nn.Identity(), nn.Identity())  # logits = inputs
    >>> X1, X2 = [[2.0, 0.0]], [[0.0, 2.0]]
    >>> total, parts = lada_pair_scores(net, X1, X2, layer=1, lam=[[0.5]])
    >>> parts.round(4)  # the 50/50 mix has logits (1, 1): entropy log 2
    array([[0.3653],
           [0.3653],
           [0.6931]])
    """
    blocks = module_blocks(module)
    device = _device(module)
    X1, X2 = _as_tensor(X1, device), _as_tensor(X2, device)
    lam = _as_tensor(lam, device)
    acq = ACQUISITIONS[acquisition]
    with _eval_mode(module), torch.no_grad():
        tail = _MixTail(blocks, layer)
        h1 = _batched(lambda x: forward_blocks(blocks, x, stop=layer), X1, batch_size)
        h2 = _batched(lambda x: forward_blocks(blocks, x, stop=layer), X2, batch_size)
        a1, s1 = _pre_and_scores(tail, h1, acq, batch_size)
        a2, s2 = _pre_and_scores(tail, h2, acq, batch_size)
        sm = _mixed_mean(tail, a2, a1 - a2, lam, acquisition, batch_size)
    parts = torch.stack([s1, s2, sm]).cpu().numpy().astype(float)
    return parts.sum(axis=0), parts


# ------------------------------------------------------------ policy net
class MixupPolicy(nn.Module):
    r"""Policy generator :math:`\pi_\phi` of InfoMixup (eq. 9-10).

    Maps the concatenated ``k``-th features of a pair to the Beta parameter
    :math:`\tau_i = \tau_{max}\,\sigma(\cdot)` (positive, at most
    ``tau_max``; the reference's ``sigmoid * sharp`` with ``sharp=1``).

    - ``kind="conv"`` (default for feature maps ``(C, H, W)``): the reference
      code's LeNet-style ``lambdanet`` on the channel-concatenated maps,
      ``conv5x5(2C->6)-ReLU-maxpool-conv5x5(6->16)-ReLU-maxpool``, then
      ``fc(->120)-tanh-fc(120->60)-tanh-fc(60->1)-sigmoid``; an adaptive
      pooling to 5x5 replaces the reference's fixed flattening so that any
      map size works.
    - ``kind="mlp"`` (features ``(D,)``, or forced: the paper's literal
      :math:`MLP_\phi([h^k(x_i), h^k(x'_i)])`, eq. 10): the flattened
      concatenation through ``fc(->120)-tanh-fc(120->60)-tanh-fc(60->1)``.

    Parameters
    ----------
    feature_shape : tuple of int
        Shape of one ``h^k(x)``.
    kind : {"auto", "conv", "mlp"}, default="auto"
    tau_max : float, default=1.0

    Examples
    --------
    >>> import torch
    >>> from skactive.neural import MixupPolicy
    >>> pi = MixupPolicy((4, 8, 8))
    >>> tau = pi(torch.randn(3, 4, 8, 8), torch.randn(3, 4, 8, 8))
    >>> tau.shape, bool(((tau > 0) & (tau <= 1)).all())
    (torch.Size([3]), True)
    """

    def __init__(self, feature_shape, kind="auto", tau_max=1.0):
        super().__init__()
        feature_shape = tuple(int(s) for s in feature_shape)
        if kind == "auto":
            kind = "conv" if len(feature_shape) == 3 else "mlp"
        if kind == "conv" and len(feature_shape) != 3:
            raise ValueError(
                f"A conv policy needs (C, H, W) feature maps, got shape {feature_shape}."
            )
        self.kind, self.tau_max = kind, float(tau_max)
        if kind == "conv":
            c = 2 * feature_shape[0]
            self.body = nn.Sequential(
                nn.Conv2d(c, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
                nn.Conv2d(6, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
                nn.AdaptiveAvgPool2d(5), nn.Flatten(),
            )
            width = 16 * 5 * 5
        else:
            self.body = nn.Flatten()
            width = 2 * int(np.prod(feature_shape))
        self.mlp = nn.Sequential(
            nn.Linear(width, 120), nn.Tanh(), nn.Linear(120, 60), nn.Tanh(), nn.Linear(60, 1)
        )

    def forward(self, h1, h2):
        return self.from_concatenated(torch.cat([h1, h2], dim=1))

    def from_concatenated(self, h):
        """:math:`\\tau` from ``torch.cat([h1, h2], dim=1)``."""
        z = self.mlp(self.body(h))
        return (self.tau_max * torch.sigmoid(z.squeeze(1))).clamp_min(_TAU_MIN)


def _optimize(params, objective, n, batch_size, epochs, lr, tol, patience):
    """Adam on ``-objective`` over shuffled mini-batches of ``range(n)``;
    keep the best epoch's outputs.

    ``objective(idx)`` returns ``(mean score, outputs)`` for the rows ``idx``
    (one output per row). As in the LADA reference, the outputs recorded
    during the epoch with the lowest loss are kept (Algorithm 1, lines
    12-13). Stops after ``patience`` epochs without a relative improvement
    larger than ``tol``. The outputs of an epoch are written into one
    preallocated buffer (two buffers swap roles when an epoch is the best).
    """
    params = [p for p in params if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr, foreach=True)
    best, history, stall = math.inf, [], 0
    outs = best_out = None
    for _ in range(epochs):
        total = 0.0
        perm = torch.randperm(n)
        for s in range(0, n, batch_size):
            idx = perm[s : s + batch_size]
            score, out = objective(idx)
            loss = -score
            # gradients w.r.t. the policy only: the classifier is frozen and
            # its parameters' .grad stay untouched
            grads = torch.autograd.grad(loss, params, allow_unused=True)
            for p, g in zip(params, grads):
                p.grad = g
            opt.step()
            total += float(loss.detach()) * len(idx)
            out = out.detach()
            if outs is None:
                outs = out.new_empty((n,) + tuple(out.shape[1:]))
            outs[idx.to(outs.device)] = out
        epoch_loss = total / n
        history.append(epoch_loss)
        improved = epoch_loss < best - tol * abs(best) if math.isfinite(best) else True
        if epoch_loss < best:
            best = epoch_loss
            best_out, outs = outs, best_out
        stall = 0 if improved else stall + 1
        if patience and stall >= patience:
            break
    return best_out, history


def train_mixup_policy(
    blocks, layer, h1, h2, *, acquisition="entropy", n_lambda_samples=5, epochs=10,
    lr=5e-5, batch_size=100, kind="auto", tau_max=1.0, tol=1e-4, patience=3,
    tail=None, a2=None, d=None,
):
    """Train :class:`MixupPolicy` on fixed features (eq. 13); return ``tau*``.

    The loss of a batch is minus the mean over pairs and over
    ``n_lambda_samples`` reparameterised draws ``lam ~ Beta(tau, tau)`` of the
    acquisition of the mixed features. The classifier's blocks are only
    evaluated (the caller puts them in eval mode); their parameters take no
    gradient. ``tail``, ``a2`` and ``d`` (the ``_MixTail`` split and the
    stored ``pre(h2)``, ``pre(h1) - pre(h2)``) are computed when not given.

    Returns
    -------
    tau : Tensor of shape (n,)
        The per-pair ``tau`` of the best epoch.
    history : list of float
        Mean loss (``-`` mean mixed acquisition) per epoch.
    policy : MixupPolicy
    """
    policy = MixupPolicy(h1.shape[1:], kind=kind, tau_max=tau_max).to(h1.device)
    if tail is None or a2 is None or d is None:
        tail = _MixTail(blocks, layer)
        with torch.no_grad():
            a2 = tail.pre(h2)
            d = tail.pre(h1) - a2
    hcat = torch.cat([h1, h2], dim=1)  # the policy's input, built once
    if policy.kind == "conv":
        policy = policy.to(memory_format=torch.channels_last)
        hcat = hcat.contiguous(memory_format=torch.channels_last)

    def objective(idx):
        tau = policy.from_concatenated(hcat[idx])
        lam = Beta(tau, tau).rsample((n_lambda_samples,))
        return _mixed_scores(tail, a2[idx], d[idx], lam, acquisition).mean(), tau

    with _frozen_params([p for b in blocks if isinstance(b, nn.Module)
                         for p in b.parameters()]):
        outs, history = _optimize(
            policy.parameters(), objective, h1.shape[0], batch_size, epochs, lr, tol, patience,
        )
    return outs.float(), history, policy


# ----------------------------------------------------------------- InfoSTN
class SpatialTransformer(nn.Module):
    """Spatial transformer (Jaderberg et al. 2015) for InfoSTN.

    A small localisation network ``conv3x3(C->8)-ReLU-maxpool-conv3x3(8->16)-
    ReLU-adaptive pool 2x2-fc(64->32)-ReLU-fc(32->6)`` predicts an affine
    transform per image (initialised to the identity), applied with
    :func:`torch.nn.functional.affine_grid` / ``grid_sample``.

    Examples
    --------
    >>> import torch
    >>> from skactive.neural import SpatialTransformer
    >>> stn = SpatialTransformer(in_channels=1)
    >>> x = torch.rand(2, 1, 8, 8)
    >>> bool(torch.allclose(stn(x), x, atol=1e-5))  # identity at initialisation
    True
    """

    def __init__(self, in_channels=1):
        super().__init__()
        self.loc = nn.Sequential(
            nn.Conv2d(int(in_channels), 8, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2, ceil_mode=True),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
            nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 6),
        )
        nn.init.zeros_(self.loc[-1].weight)
        with torch.no_grad():
            self.loc[-1].bias.copy_(torch.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]))

    def theta(self, x):
        """Affine matrices ``(n, 2, 3)``."""
        return self.loc(x).view(-1, 2, 3)

    def forward(self, x):
        grid = F.affine_grid(self.theta(x), list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")


def _image_codec(X, module):
    """Functions mapping pool-shaped tensors to ``(n, C, H, W)`` and back."""
    shape = tuple(X.shape[1:])
    if len(shape) == 1:
        c = int(getattr(module, "in_channels", 1))
        side = math.isqrt(shape[0] // c)
        if c * side * side != shape[0]:
            raise ValueError(
                f"InfoSTN needs images; flat inputs of {shape[0]} features are not "
                f"{c} square channel(s). Pass images (n, H, W[, C]) or (n, C, H, W)."
            )
        return (lambda x: x.reshape(-1, c, side, side)), (lambda z: z.reshape(z.shape[0], -1))
    if len(shape) == 2:
        return (lambda x: x.unsqueeze(1)), (lambda z: z.squeeze(1))
    if len(shape) == 3:
        c = int(getattr(module, "in_channels", 0))
        if shape[0] == c or (c == 0 and shape[0] in (1, 3)):
            return (lambda x: x), (lambda z: z)
        return (lambda x: x.permute(0, 3, 1, 2)), (lambda z: z.permute(0, 2, 3, 1))
    raise ValueError(f"InfoSTN needs image inputs, got samples of shape {shape}.")


def train_spatial_transformer(
    module, X, *, acquisition="entropy", epochs=10, lr=1e-3, batch_size=100, tol=1e-4,
    patience=3,
):
    """Train a :class:`SpatialTransformer` to maximise the classifier's
    acquisition of transformed samples (InfoSTN); return the final scores.

    Returns
    -------
    scores : Tensor of shape (n,)
        ``f_acq(f(STN(x)))`` after training (eval, no gradient).
    history : list of float
    stn : SpatialTransformer
    """
    to_img, back = _image_codec(X, module)
    imgs = to_img(X)
    stn = SpatialTransformer(imgs.shape[1]).to(X.device)
    acq = ACQUISITIONS[acquisition]

    def objective(idx):
        out = acq(module(back(stn(imgs[idx]))))
        return out.mean(), out

    with _frozen_params(module.parameters()):
        _, history = _optimize(
            stn.parameters(), objective, imgs.shape[0], batch_size, epochs, lr, tol, patience,
        )
    with torch.no_grad():
        scores = _batched(lambda x: acq(module(back(stn(x)))), imgs, 256)
    return scores, history, stn


# ------------------------------------------------- the query, end to end
def lada_query(learner, X_pool, budget, seed, params):
    """Run a LADA selection (called by :class:`skactive.strategies.LADA`).

    Returns ``(indices, scores, info)`` where ``info`` holds the fitted
    attributes of the strategy.
    """
    net = _net_of(learner)
    module = net.module_
    device = _device(module)
    gen = np.random.RandomState(seed)
    n_pool = X_pool.shape[0]
    acquisition = params["acquisition"]
    with torch.random.fork_rng(devices=[]), _eval_mode(module):
        torch.manual_seed(seed)
        if params["augmentation"] == "stn":
            return _query_stn(module, X_pool, budget, gen, params, device)
        blocks = module_blocks(module)
        layer = _choose_layer(params["mix_layers"], len(blocks), gen)
        n_pairs = params["n_pairs"]
        n_pairs = n_pool // 2 if n_pairs is None else min(int(n_pairs), n_pool // 2)
        n_pairs = max(n_pairs, min(math.ceil(budget / 2), n_pool // 2))
        perm = gen.permutation(n_pool)
        first, second, rest = perm[:n_pairs], perm[n_pairs : 2 * n_pairs], perm[2 * n_pairs :]
        bs = params["batch_size"]
        acq = ACQUISITIONS[acquisition]
        tail = _MixTail(blocks, layer)
        with torch.no_grad():
            X1, X2 = _as_tensor(X_pool[first], device), _as_tensor(X_pool[second], device)
            h1 = _batched(lambda x: forward_blocks(blocks, x, stop=layer), X1, bs)
            h2 = _batched(lambda x: forward_blocks(blocks, x, stop=layer), X2, bs)
            del X1, X2
            a1, s1 = _pre_and_scores(tail, h1, acq, bs)
            a2, s2 = _pre_and_scores(tail, h2, acq, bs)
            d = a1.sub_(a2)  # pre(h1) - pre(h2), in place of pre(h1)
            del a1
        history, policy = [], None
        if params["tau"] is None:
            with torch.enable_grad():
                tau, history, policy = train_mixup_policy(
                    blocks, layer, h1, h2, acquisition=acquisition,
                    n_lambda_samples=params["n_lambda_samples"], epochs=params["policy_epochs"],
                    lr=params["policy_lr"], batch_size=params["policy_batch_size"],
                    kind=params["policy"], tau_max=params["tau_max"], tol=params["policy_tol"],
                    patience=params["policy_patience"], tail=tail, a2=a2, d=d,
                )
        else:
            tau = torch.full((n_pairs,), float(params["tau"]), device=device)
        with torch.no_grad():
            lam = Beta(tau, tau).sample((params["n_lambda_samples"],))
            sm = _mixed_mean(tail, a2, d, lam, acquisition, bs)
            del a2, d
        s1, s2, sm = (t.cpu().numpy().astype(float) for t in (s1, s2, sm))
        pair_score = s1 + s2 + sm  # eq. 15
        n_sel = min(math.ceil(budget / 2), n_pairs)
        order = np.lexsort((np.arange(n_pairs), -pair_score))[:n_sel]
        members = []
        for p in order:  # both members, the one with the higher own score first
            a, b = (first[p], second[p]) if s1[p] >= s2[p] else (second[p], first[p])
            members += [a, b]
        members += list(rest)  # only reached when budget = n_pool is odd
        indices = np.asarray(members[:budget], dtype=np.intp)
        complete = order[: budget // 2]
        scores = np.full(n_pool, np.nan)
        scores[first], scores[second] = pair_score, pair_score
        with torch.no_grad():  # one virtual instance per selected pair (eq. 17)
            tau_sel = tau[torch.as_tensor(complete, dtype=torch.long)]
            lam_v = Beta(tau_sel, tau_sel).sample() if len(complete) else tau_sel
            idx_t = torch.as_tensor(complete, dtype=torch.long)
            virtual = mix(h1[idx_t], h2[idx_t], lam_v).cpu().numpy()
    info = {
        "mix_layer_": layer,
        "pairs_": np.stack([first[complete], second[complete]], axis=1).astype(np.intp),
        "tau_": tau_sel.cpu().numpy().astype(float),
        "lambda_": lam_v.cpu().numpy().astype(float),
        "virtual_X_": virtual,
        "pair_scores_": np.stack([s1, s2, sm])[:, order].T,
        "policy_loss_": np.asarray(history, dtype=float),
        "policy_": policy,
    }
    return indices, scores, info


def _choose_layer(mix_layers, n_blocks, gen):
    """Pick the mixing layer ``k`` (Algorithm 1, line 4)."""
    if mix_layers == "auto":  # reference: a random layer among the first two
        candidates = [k for k in (1, 2) if k < n_blocks] or [0]
    elif isinstance(mix_layers, (int, np.integer)):
        candidates = [int(mix_layers)]
    else:
        candidates = [int(k) for k in mix_layers]
    bad = [k for k in candidates if not 0 <= k < n_blocks]
    if bad or not candidates:
        raise ValueError(
            f"mix_layers must be in [0, {n_blocks - 1}] for this network "
            f"({n_blocks} blocks), got {mix_layers!r}."
        )
    return candidates[gen.randint(len(candidates))]


def _query_stn(module, X_pool, budget, gen, params, device):
    n_pool = X_pool.shape[0]
    n_cand = n_pool if params["n_pairs"] is None else min(n_pool, 2 * int(params["n_pairs"]))
    n_cand = max(n_cand, budget)
    cand = np.sort(gen.permutation(n_pool)[:n_cand])
    X = _as_tensor(X_pool[cand], device)
    with torch.enable_grad():
        cand_scores, history, stn = train_spatial_transformer(
            module, X, acquisition=params["acquisition"], epochs=params["policy_epochs"],
            lr=params["stn_lr"], batch_size=params["policy_batch_size"],
            tol=params["policy_tol"], patience=params["policy_patience"],
        )
    cand_scores = cand_scores.cpu().numpy().astype(float)
    order = np.lexsort((cand, -cand_scores))[:budget]
    scores = np.full(n_pool, np.nan)
    scores[cand] = cand_scores
    to_img, back = _image_codec(X, module)
    with torch.no_grad():
        virtual = back(stn(to_img(X[torch.as_tensor(order, dtype=torch.long)]))).cpu().numpy()
    info = {
        "mix_layer_": None, "pairs_": np.empty((0, 2), np.intp), "tau_": np.empty(0),
        "lambda_": np.empty(0), "virtual_X_": virtual, "pair_scores_": np.empty((0, 3)),
        "policy_loss_": np.asarray(history, dtype=float), "policy_": stn,
    }
    return cand[order].astype(np.intp), scores, info
