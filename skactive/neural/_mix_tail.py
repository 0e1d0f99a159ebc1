"""Mixing through the rest of a network, factorised (LADA's look-ahead).

``_MixTail`` splits ``f^{k:L}`` at its leading affine layers so that the
``N`` mixes of a pair cost one affine map per pair; its ``scores`` give the
acquisition of the mixes and, in forward mode, its derivative in the mixing
coefficient (``_MixScores`` makes that an autograd function). Used by
:mod:`skactive.neural._lada`.
"""

import contextlib

import torch
from torch import nn
from torch.nn import functional as F

#: Layers that are affine maps in eval mode: a mix commutes with them,
#: ``g(lam h + (1 - lam) h') = lam g(h) + (1 - lam) g(h')``.
_AFFINE = (nn.Identity, nn.Flatten, nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
_AFFINE_EVAL = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.Dropout)
_MAX_POOLS = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)


def _is_affine(layer):
    if isinstance(layer, _AFFINE):
        return True
    return isinstance(layer, _AFFINE_EVAL) and not layer.training


def _flat(block):
    """The layers of nested ``nn.Sequential`` blocks, in order."""
    if type(block) is nn.Sequential:
        return [f for b in block for f in _flat(b)]
    return [block]


class _MixTail:
    """``f^{k:L}`` split as ``rest(pre(h))`` with ``pre`` affine, for mixing.

    The leading affine layers of block ``k`` (a convolution or a linear
    layer, in eval mode also batch-norm and dropout) commute with a convex
    mix, so ``pre`` is applied once per pair and the ``N`` mixes of a pair
    are ``a' + lam (a - a')`` with ``a = pre(h^k(x))``: the first (and, for a
    convolutional net, costliest) layer after the mixing point is not
    re-run per draw and per policy step, nor back-propagated through. In the
    rest, a ReLU followed by a max-pooling is applied as pooling then ReLU
    (the same values: max commutes with a non-decreasing map; four times
    fewer ReLUs). Feature maps are stored channels-last (``(n, H, W, C)``),
    which makes the mixing a contiguous ``addcmul`` and the convolutions of
    the rest faster on CPU. Equal to ``forward_blocks(blocks, mix, start=k)``
    up to float rounding.
    """

    def __init__(self, blocks, layer):
        first = blocks[layer]
        layers = list(first) if type(first) is nn.Sequential else [first]
        n_pre = 0
        while n_pre < len(layers) and _is_affine(layers[n_pre]):
            n_pre += 1
        self.pre_layers = layers[:n_pre]
        rest = [f for b in layers[n_pre:] + list(blocks[layer + 1 :]) for f in _flat(b)]
        i = 0
        while i + 1 < len(rest):
            if type(rest[i]) is nn.ReLU and isinstance(rest[i + 1], _MAX_POOLS):
                rest[i], rest[i + 1] = rest[i + 1], nn.ReLU()
                i += 1
            i += 1
        self.rest_layers = rest
        first_rest = self.rest_layers[0] if self.rest_layers else None
        self._pool = first_rest if type(first_rest) is nn.MaxPool2d else None

    def pre(self, h):
        """``pre(h)`` in the storage layout (channels last for 4-D maps)."""
        if h.dim() == 4 and self.pre_layers and type(self.pre_layers[0]) is nn.Conv2d:
            h = h.contiguous(memory_format=torch.channels_last)  # a faster conv, no copy after
        for f in self.pre_layers:
            h = f(h)
        return h.permute(0, 2, 3, 1).contiguous() if h.dim() == 4 else h

    def rest(self, a):
        """Logits from stored ``pre`` outputs."""
        h = a.permute(0, 3, 1, 2) if a.dim() == 4 else a
        for f in self.rest_layers:
            h = f(h)
        return h

    def mixed(self, a2, d, lam):
        """Logits of the mixes ``a2 + lam * d`` (``lam`` of shape (N, n)),
        with plain autograd ops (:meth:`scores` is the fast path)."""
        N, n = lam.shape
        m = torch.addcmul(a2, lam.reshape((N, n) + (1,) * (a2.dim() - 1)), d)
        return self.rest(m.reshape((N * n,) + tuple(a2.shape[1:])))

    def scores(self, a2, d, lam, acquisition, slopes=False):
        """Acquisition of the mixes ``a2 + lam * d``, ``(N, n)``, and with
        ``slopes=True`` its derivative in ``lam``, ``(N, n)`` (else None).

        Forward mode: each mix depends on its own ``lam`` only, so one
        tangent (``dm/dlam = d``) carried along the forward pass gives every
        derivative (the Jacobian is diagonal). Through a max-pooling the
        tangent is gathered at the maxima, through a ReLU masked, through a
        convolution or linear layer mapped without bias, through any other
        layer by :func:`torch.func.jvp`. The pairs run in chunks of about
        ``_CHUNK_FLOATS`` mixed floats (mixes, pooled maps and the next
        convolution's output stay in cache) through one reused buffer.
        """
        N, n = lam.shape
        shape = tuple(a2.shape[1:])
        per_pair = max(1, a2[0].numel())
        step = max(1, _CHUNK_FLOATS // (N * per_pair))
        size = N * min(n, step) * per_pair
        buf = getattr(self, "_buffer", None)
        if buf is None or buf.numel() < size or buf.dtype != a2.dtype or buf.device != a2.device:
            buf = self._buffer = a2.new_empty(size)
        value = a2.new_empty((N, n))
        slope = a2.new_empty((N, n)) if slopes else None
        for s in range(0, n, step):
            e = min(n, s + step)
            k = e - s
            m = torch.addcmul(a2[s:e], lam[:, s:e].reshape((N, k) + (1,) * len(shape)), d[s:e],
                              out=buf[: N * k * per_pair].view((N, k) + shape))
            h = m.view((N * k,) + shape)
            h = h.permute(0, 3, 1, 2) if h.dim() == 4 else h
            layers, t = self.rest_layers, None
            if slopes and self._pool is not None and h.dim() == 4:
                h, idx = _pool_with_indices(self._pool, h)
                # d at the maxima, broadcast over the N draws (never repeated)
                t = _gather_pooled(d[s:e], idx.view((N, k) + tuple(idx.shape[1:])))
                layers = layers[1:]
            elif slopes:
                t = d[s:e].repeat((N,) + (1,) * len(shape))  # a copy: modified in place
                t = t.permute(0, 3, 1, 2) if t.dim() == 4 else t
            for f in layers:
                h, t = _tangent_step(f, h, t)
            v, dv = _ACQ_SLOPES[acquisition](h, t)
            value[:, s:e] = v.view(N, k)
            if slopes:
                slope[:, s:e] = dv.view(N, k)
        return value, slope


#: Mixed floats per chunk of :meth:`_MixTail.scores` (8 MiB of float32).
_CHUNK_FLOATS = 2**21


def _pool_with_indices(pool, h):
    return F.max_pool2d(h, pool.kernel_size, pool.stride, pool.padding, pool.dilation,
                        pool.ceil_mode, return_indices=True)


def _gather_pooled(t, idx):
    """Values of the maps ``t`` at the max-pooling indices ``idx``.

    ``t`` of shape ``(B, C, H, W)`` (any layout) and ``idx`` of shape
    ``(B, C, H', W')``; or ``t`` the stored channels-last pair maps
    ``(n, H, W, C)`` and ``idx`` of shape ``(N, n, C, H', W')`` (the same
    maps for the ``N`` draws, not repeated). Returns ``(B, C, H', W')``
    (``B = N n``), channels-last when the inputs are.
    """
    if idx.dim() == 5:
        N, n, C, Hp, Wp = idx.shape
        src = t.reshape(1, n, -1, C).expand(N, n, -1, C)
        ix = idx.permute(0, 1, 3, 4, 2).reshape(N, n, Hp * Wp, C)
        return torch.gather(src, 2, ix).view(N * n, Hp, Wp, C).permute(0, 3, 1, 2)
    B, C, Hp, Wp = idx.shape
    if C > 1 and t.is_contiguous(memory_format=torch.channels_last):
        src = t.permute(0, 2, 3, 1).reshape(B, -1, C)
        out = torch.gather(src, 1, idx.permute(0, 2, 3, 1).reshape(B, Hp * Wp, C))
        return out.view(B, Hp, Wp, C).permute(0, 3, 1, 2)
    return torch.gather(t.reshape(B, C, -1), 2, idx.reshape(B, C, -1)).view(B, C, Hp, Wp)


def _tangent_step(f, h, t):
    """``(f(h), J_f(h) t)``; with ``t=None`` only ``(f(h), None)``."""
    if t is None:
        return f(h), None
    if type(f) is nn.MaxPool2d:
        h, idx = _pool_with_indices(f, h)
        return h, _gather_pooled(t, idx)
    if type(f) is nn.ReLU:
        off = h <= 0  # the derivative is 0 at 0, as relu's autograd
        return h.masked_fill_(off, 0.0), t.masked_fill_(off, 0.0)
    if type(f) is nn.Conv2d and f.padding_mode == "zeros":
        return f(h), F.conv2d(t, f.weight, None, f.stride, f.padding, f.dilation, f.groups)
    if type(f) is nn.Linear:
        return f(h), F.linear(t, f.weight)
    if isinstance(f, (nn.Flatten, nn.Identity)) or (isinstance(f, nn.Dropout) and not f.training):
        return f(h), f(t)
    return torch.func.jvp(f, (h,), (t,))


def _entropy_slope(z, t):
    """Entropy of ``softmax(z)`` and its derivative along ``t``,
    ``-sum_j p_j (log p_j + H) t_j``."""
    logp = F.log_softmax(z, dim=-1)
    p = logp.exp()
    H = -(p * logp).sum(dim=-1)
    if t is None:
        return H, None
    return H, -(p * (logp + H.unsqueeze(-1)) * t).sum(dim=-1)


def _var_ratio_slope(z, t):
    """``1 - max_c p_c`` and its derivative along ``t``,
    ``-p_k (t_k - sum_j p_j t_j)``."""
    p = F.softmax(z, dim=-1)
    pk, k = p.max(dim=-1)
    if t is None:
        return 1.0 - pk, None
    tk = t.gather(-1, k.unsqueeze(-1)).squeeze(-1)
    return 1.0 - pk, -pk * (tk - (p * t).sum(dim=-1))


_ACQ_SLOPES = {"entropy": _entropy_slope, "var_ratio": _var_ratio_slope}


class _MixScores(torch.autograd.Function):
    """:meth:`_MixTail.scores` differentiable in ``lam`` (only): the forward
    pass records each mix's derivative, the backward scales it by the
    incoming gradient."""

    @staticmethod
    def forward(ctx, lam, a2, d, tail, acquisition):
        need = ctx.needs_input_grad[0]
        value, slope = tail.scores(a2, d, lam, acquisition, slopes=need)
        if need:
            ctx.save_for_backward(slope)
        return value

    @staticmethod
    def backward(ctx, grad):
        (slope,) = ctx.saved_tensors
        return grad * slope, None, None, None, None


@contextlib.contextmanager
def _frozen_params(params):
    """No ``requires_grad`` on the classifier's parameters (restored after):
    the policy's gradient then skips every weight gradient of the classifier."""
    params = list({id(p): p for p in params if p.requires_grad}.values())
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)
