"""Batched input-space adversarial attacks (DeepFool, BIM) used by the
adversarial query strategies.

Both attacks run on a batch of samples at once: one forward pass and the
needed backward passes per iteration for all samples still *active* (not
flipped yet), with a per-sample stopping mask. Only input gradients are
computed (``torch.autograd.grad`` w.r.t. the input), so the network's
parameters and their ``.grad`` are never touched; the module is put in eval
mode (dropout off, batch-norm statistics frozen) and its flags are restored.
"""

import contextlib

import numpy as np
import torch
from torch.nn import functional as F

from ._classifier import _as_float32

__all__ = ["bim_attack", "deepfool_attack"]


@contextlib.contextmanager
def _eval_mode(module):
    flags = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        with torch.enable_grad():
            yield
    finally:
        for m, flag in flags:
            m.training = flag


def _logits(module, x):
    out = module(x)
    if isinstance(out, (tuple, list)):
        out = out[0]
    return out


def _device(module, device):
    if device is not None:
        return torch.device(device)
    p = next(module.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def _runner_up_margin(out, y):
    """``f_y - max_{k != y} f_k`` per row (how far from flipping, in logits)."""
    other = out.detach().clone()
    other[torch.arange(out.shape[0]), y] = -torch.inf
    return out.detach().gather(1, y[:, None])[:, 0] - other.max(dim=1).values


def _run(attack, module, X, batch_size, device, return_perturbations=False, **kwargs):
    X = _as_float32(np.asarray(X))
    n = X.shape[0]
    norms = np.zeros(n)
    flipped = np.zeros(n, dtype=bool)
    n_iter = np.zeros(n, dtype=np.int64)
    margin = np.zeros(n)
    margin0 = np.zeros(n)
    perturbations = np.zeros(X.shape, dtype=np.float32) if return_perturbations else None
    dev = _device(module, device)
    with _eval_mode(module):
        for start in range(0, n, batch_size):
            sl = slice(start, min(start + batch_size, n))
            x0 = torch.as_tensor(X[sl]).to(dev)
            out = attack(module, x0, **kwargs)
            norms[sl], flipped[sl], n_iter[sl], margin[sl], margin0[sl] = out[:5]
            if return_perturbations:
                perturbations[sl] = out[5]
    if return_perturbations:
        return norms, flipped, n_iter, margin, margin0, perturbations
    return norms, flipped, n_iter, margin, margin0


def deepfool_attack(
    module,
    X,
    *,
    max_iter=50,
    overshoot=0.02,
    n_candidates=None,
    batch_size=256,
    device=None,
    return_perturbations=False,
):
    r"""Multiclass DeepFool (Moosavi-Dezfooli et al. 2016, Algorithm 2), batched.

    For each sample, with :math:`\hat k` the original prediction and
    :math:`x_i = x_0 + (1 + \eta) \sum_{j<i} r_j` the current point, every
    iteration linearises the logits :math:`f` and steps to the closest
    linearised boundary:

    .. math::
        w'_k = \nabla f_k(x_i) - \nabla f_{\hat k}(x_i), \quad
        f'_k = f_k(x_i) - f_{\hat k}(x_i), \quad
        \hat l = \arg\min_{k \ne \hat k} \frac{|f'_k|}{\|w'_k\|_2}, \quad
        r_i = \frac{|f'_{\hat l}|}{\|w'_{\hat l}\|_2^2} w'_{\hat l},

    until the prediction at :math:`x_i` changes or ``max_iter`` steps were
    taken. The returned perturbation is :math:`(1 + \eta) \sum_i r_i` with the
    overshoot :math:`\eta` (0.02 in the paper's code). For an affine
    classifier one step reaches the exact distance to the closest decision
    boundary.

    Parameters
    ----------
    module : torch.nn.Module
        Maps an input batch to logits (a tuple output uses its first element).
    X : array-like of shape (n, ...)
        Inputs of the module (converted to float32).
    max_iter : int, default=50
    overshoot : float, default=0.02
    n_candidates : int, default=None
        Only the ``n_candidates`` classes with the largest original logits
        (the predicted one included) are candidate targets, as in the
        DeepFool code's ``num_classes``; None uses every class.
    batch_size : int, default=256
    device : str or torch.device, default=None
        Default: the device of the module's parameters.
    return_perturbations : bool, default=False
        Also return the perturbations themselves (shape of ``X``).

    Returns
    -------
    norms : ndarray of shape (n,)
        L2 norm of the perturbation (at the cap for samples not flipped).
    flipped : ndarray of shape (n,) of bool
    n_iter : ndarray of shape (n,)
        Steps taken.
    margin : ndarray of shape (n,)
        ``f_k̂ - max_{k≠k̂} f_k`` at the last point (≤ 0 once flipped).
    margin0 : ndarray of shape (n,)
        The same margin at the original sample.
    perturbations : ndarray of the shape of ``X``, float32
        Only if ``return_perturbations``.
    """
    return _run(
        _deepfool_batch, module, X, batch_size, device, return_perturbations,
        max_iter=int(max_iter), overshoot=float(overshoot), n_candidates=n_candidates,
    )


def _deepfool_batch(module, x0, max_iter, overshoot, n_candidates):
    B = x0.shape[0]
    with torch.no_grad():
        out0 = _logits(module, x0)
    n_classes = out0.shape[1]
    y0 = out0.argmax(dim=1)
    if n_classes < 2:  # nothing to flip to
        zeros = np.zeros(B)
        inf = np.full(B, np.inf)
        return zeros, zeros.astype(bool), zeros.astype(np.int64), inf, inf, _np(x0) * 0
    n_cand = n_classes if n_candidates is None else max(2, min(int(n_candidates), n_classes))
    order = torch.argsort(out0, dim=1, descending=True, stable=True)
    # candidate targets: the top classes other than the prediction
    is_pred = order == y0[:, None]
    targets = order[~is_pred].reshape(B, n_classes - 1)[:, : n_cand - 1]
    r_tot = torch.zeros_like(x0)
    active = torch.arange(B, device=x0.device)
    flipped = torch.zeros(B, dtype=torch.bool, device=x0.device)
    n_iter = torch.zeros(B, dtype=torch.long, device=x0.device)
    margin = torch.zeros(B, dtype=out0.dtype, device=x0.device)
    scale = 1.0 + overshoot
    for it in range(max_iter + 1):
        x = (x0[active] + scale * r_tot[active]).requires_grad_(True)
        out = _logits(module, x)
        y = y0[active]
        margin[active] = _runner_up_margin(out, y)
        if it == 0:
            margin0 = margin.clone()
        done = out.detach().argmax(dim=1) != y
        flipped[active[done]] = True
        keep = ~done
        if it == max_iter or not bool(keep.any()):
            break
        tgt = targets[active]
        f_y = out.gather(1, y[:, None])
        rows = torch.arange(len(active), device=x0.device)
        W = _target_gradients(out, x, y, tgt)  # (b, n_cand - 1, d)
        Fk = (out.gather(1, tgt) - f_y).detach().abs()
        wnorm = W.norm(dim=2)
        dist = torch.where(wnorm > 0, Fk / wnorm, torch.full_like(Fk, torch.inf))
        best_dist, best = dist.min(dim=1)
        # a sample whose every candidate gradient vanishes cannot move: stop it
        keep &= torch.isfinite(best_dist)
        w_best = W[rows, best]
        step = (Fk[rows, best] / wnorm[rows, best].clamp_min(1e-30) ** 2)[:, None] * w_best
        step[~keep] = 0.0
        r_tot[active] += step.reshape((-1,) + x0.shape[1:])
        n_iter[active[keep]] += 1
        active = active[keep]
    r_tot = scale * r_tot
    norms = r_tot.reshape(B, -1).norm(dim=1)
    return _np(norms), _np(flipped), _np(n_iter), _np(margin), _np(margin0), _np(r_tot)


def _target_gradients(out, x, y, tgt):
    """``grad_x (f_t - f_y)`` for every target column ``t`` of ``tgt``: one
    vectorised backward pass (``is_grads_batched``), or one pass per target
    when the module has operations without a batching rule."""
    b, n_t = tgt.shape
    rows = torch.arange(b, device=out.device)
    go = torch.zeros((n_t,) + tuple(out.shape), dtype=out.dtype, device=out.device)
    go[torch.arange(n_t, device=out.device)[:, None], rows[None, :], tgt.T] = 1.0
    go[:, rows, y] = -1.0
    try:
        (W,) = torch.autograd.grad(
            out, x, grad_outputs=go, retain_graph=True, is_grads_batched=True
        )
        return W.reshape(n_t, b, -1).transpose(0, 1)
    except RuntimeError:  # pragma: no cover - depends on the module's ops
        W = [
            torch.autograd.grad(out, x, grad_outputs=go[j], retain_graph=True)[0]
            for j in range(n_t)
        ]
        return torch.stack([w.reshape(b, -1) for w in W], dim=1)


def bim_attack(
    module, X, *, eps=0.05, max_iter=100, batch_size=256, device=None, return_perturbations=False
):
    r"""Iterative sign-gradient attack (BIM, Kurakin et al. 2016), batched.

    As in the DeepAL+ code (``adversarial_bim.py``): from :math:`x_0`, repeat
    :math:`\eta \leftarrow \eta + \epsilon\, \mathrm{sign}(\nabla_x
    \mathcal{L}_{CE}(f(x_0 + \eta), \hat y))` with :math:`\hat y` the original
    prediction, until the prediction changes -- without the clipping to an
    :math:`\epsilon`-ball of the original BIM (the perturbation grows until
    the label flips). The reference loops forever on a sample that never
    flips; here at most ``max_iter`` steps are taken (a sample whose gradient
    vanishes stops at once).

    Parameters
    ----------
    module : torch.nn.Module
    X : array-like of shape (n, ...)
    eps : float, default=0.05
        Step size (per input coordinate).
    max_iter : int, default=100
    batch_size : int, default=256
    device : str or torch.device, default=None
    return_perturbations : bool, default=False

    Returns
    -------
    norms, flipped, n_iter, margin, margin0[, perturbations]
        As for :func:`deepfool_attack`; ``norms`` is the L2 norm of
        :math:`\eta`.
    """
    return _run(
        _bim_batch, module, X, batch_size, device, return_perturbations,
        eps=float(eps), max_iter=int(max_iter),
    )


def _bim_batch(module, x0, eps, max_iter):
    B = x0.shape[0]
    with torch.no_grad():
        y0 = _logits(module, x0).argmax(dim=1)
    eta = torch.zeros_like(x0)
    active = torch.arange(B, device=x0.device)
    flipped = torch.zeros(B, dtype=torch.bool, device=x0.device)
    n_iter = torch.zeros(B, dtype=torch.long, device=x0.device)
    margin = torch.zeros(B, dtype=x0.dtype, device=x0.device)
    for it in range(max_iter + 1):
        x = (x0[active] + eta[active]).requires_grad_(True)
        out = _logits(module, x)
        y = y0[active]
        margin[active] = _runner_up_margin(out, y).to(margin.dtype)
        if it == 0:
            margin0 = margin.clone()
        done = out.detach().argmax(dim=1) != y
        flipped[active[done]] = True
        keep = ~done
        if it == max_iter or not bool(keep.any()):
            break
        loss = F.cross_entropy(out, y, reduction="sum")
        (g,) = torch.autograd.grad(loss, x)
        step = eps * torch.sign(g)
        moving = step.reshape(len(active), -1).abs().amax(dim=1) > 0
        keep &= moving
        step[~keep] = 0.0
        eta[active] += step
        n_iter[active[keep]] += 1
        active = active[keep]
    norms = eta.reshape(B, -1).norm(dim=1)
    return _np(norms), _np(flipped), _np(n_iter), _np(margin), _np(margin0), _np(eta)


def _np(t):
    return t.detach().cpu().numpy()
