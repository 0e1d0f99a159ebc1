"""Mixing through the rest of a network, factorised (LADA's look-ahead).

``_MixTail`` splits ``f^{k:L}`` at its leading affine layers so that the
``N`` mixes of a pair cost one affine map per pair; ``_MixMaxPool`` is
the max-pooling of the mixes with its gradient in the mixing coefficient.
Used by :mod:`skactive.neural._lada`.
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
        rest = list(layers[n_pre:])
        i = 0
        while i + 1 < len(rest):
            if type(rest[i]) is nn.ReLU and isinstance(rest[i + 1], _MAX_POOLS):
                rest[i], rest[i + 1] = rest[i + 1], nn.ReLU()
                i += 1
            i += 1
        self.rest_layers = rest + list(blocks[layer + 1 :])
        first_rest = self.rest_layers[0] if self.rest_layers else None
        self._pool = first_rest if type(first_rest) is nn.MaxPool2d else None

    def pre(self, h):
        """``pre(h)`` in the storage layout (channels last for 4-D maps)."""
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
        """Logits of the mixes ``a2 + lam * d`` (``lam`` of shape (N, n))."""
        N, n = lam.shape
        if self._pool is not None and a2.dim() == 4 and not (a2.requires_grad
                                                             or d.requires_grad):
            h = _MixMaxPool.apply(lam, a2, d, self._pool, self)
            for f in self.rest_layers[1:]:
                h = f(h)
            return h
        m = torch.addcmul(a2, lam.reshape((N, n) + (1,) * (a2.dim() - 1)), d)
        return self.rest(m.reshape((N * n,) + tuple(a2.shape[1:])))


class _MixMaxPool(torch.autograd.Function):
    """``max_pool2d`` of the mixes ``a2 + lam * d``, differentiable in ``lam`` only.

    ``a2`` and ``d`` are stored channels-last, ``(n, H, W, C)``; the output is
    ``(N * n, C, H', W')``. The gradient of a pooled value is ``d`` at its
    argmax (the index ``max_pool2d`` returns), so the backward gathers ``d``
    at the ``H' W'`` maxima instead of scattering a gradient into a zeroed
    ``H W`` map and reducing it against ``d`` (the same sums: overlapping
    windows add up as in ``max_pool2d``'s backward).
    """

    @staticmethod
    def forward(ctx, lam, a2, d, pool, owner):
        N, n = lam.shape
        _, H, W, C = a2.shape
        # the mixes are not needed by the backward: one buffer, reused by
        # every batch (a fresh map of N n H W C floats per step costs more
        # in page faults than the arithmetic)
        size = N * n * H * W * C
        buf = getattr(owner, "_buffer", None)
        if buf is None or buf.numel() < size or buf.dtype != a2.dtype or buf.device != a2.device:
            buf = owner._buffer = a2.new_empty(size)
        m = torch.addcmul(a2, lam.reshape(N, n, 1, 1, 1), d,
                          out=buf[:size].view(N, n, H, W, C))
        m = m.view(N * n, H, W, C).permute(0, 3, 1, 2)
        out, idx = F.max_pool2d(m, pool.kernel_size, pool.stride, pool.padding,
                                pool.dilation, pool.ceil_mode, return_indices=True)
        ctx.save_for_backward(idx, d)
        ctx.N = N
        return out

    @staticmethod
    def backward(ctx, grad):
        idx, d = ctx.saved_tensors
        N = ctx.N
        n, H, W, C = d.shape
        planes = d.permute(0, 3, 1, 2).reshape(n, C, H * W)  # a view
        at_max = torch.gather(planes.unsqueeze(0).expand(N, n, C, H * W), 3,
                              idx.reshape(N, n, C, -1))
        grad_lam = (grad.reshape(N, n, C, -1) * at_max).sum(dim=(2, 3))
        return grad_lam, None, None, None, None


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
