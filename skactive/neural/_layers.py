"""Layer-wise access to a network: ``forward(x) == blocks[-1](...blocks[0](x))``.

Manifold mixup (LADA, Kim et al. 2021, eq. 9 and 12) needs the hidden
representation :math:`h^k = f_\\theta^{0:k}(x)` after the ``k``-th block and
the rest of the network :math:`f_\\theta^{k:L}`. :func:`module_blocks` lists
the blocks of a module so that both are plain loops over a list.

A module declares its blocks in one of these ways (checked in this order):

1. a ``blocks`` attribute or method giving a sequence of callables (an
   ``nn.ModuleList``, an ``nn.Sequential`` or a list of modules) whose
   composition is ``forward``;
2. the module is an ``nn.Sequential`` (its children are the blocks);
3. the modules of :mod:`skactive.neural` (:class:`MLP`, :class:`SmallCNN`,
   :class:`ResNet18`), split at their natural stages (below);
4. any module with ``embed`` / ``head`` (the embedding protocol): two blocks,
   ``[embed, head]`` (mixing in the embedding space only).
"""

import torch
from torch import nn

from ._modules import MLP, ResNet18, SmallCNN, to_nchw

__all__ = ["module_blocks", "forward_blocks"]


class _Images(nn.Module):
    """Bring inputs to ``(n, C, H, W)`` float32, then apply ``inner``."""

    def __init__(self, inner, in_channels, input_size=None):
        super().__init__()
        self.inner = inner
        self.in_channels = in_channels
        self.input_size = input_size

    def forward(self, x):
        return self.inner(to_nchw(x, self.in_channels, self.input_size))


class _Float(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x.float() if x.dtype != torch.float32 else x)


class _Call(nn.Module):
    """Wrap a bound method (``embed``) as a block without copying parameters."""

    def __init__(self, fn):
        super().__init__()
        self._fn = fn

    def forward(self, x):
        return self._fn(x)


def _split_sequential(seq, is_cut):
    """Split ``seq`` into consecutive groups; a group ends at each ``is_cut`` layer."""
    groups, current = [], []
    for layer in seq:
        current.append(layer)
        if is_cut(layer):
            groups.append(nn.Sequential(*current))
            current = []
    if current:
        if groups:
            groups[-1] = nn.Sequential(*groups[-1], *current)
        else:
            groups.append(nn.Sequential(*current))
    return groups


def _builtin_blocks(module):
    if isinstance(module, MLP):
        # Flatten + (Linear, ReLU) pairs: one block per hidden layer.
        blocks = _split_sequential(module.features, lambda m: isinstance(m, nn.ReLU))
        blocks[0] = _Float(blocks[0])
        return blocks + [module.head]
    if isinstance(module, SmallCNN):
        convs = _split_sequential(module.conv, lambda m: isinstance(m, (nn.ReLU, nn.MaxPool2d)))
        # merge each ReLU with the pooling that follows it
        merged = []
        for g in convs:
            if merged and all(isinstance(m, nn.MaxPool2d) for m in g):
                merged[-1] = nn.Sequential(*merged[-1], *g)
            else:
                merged.append(g)
        merged[0] = _Images(merged[0], module.in_channels, module.input_size)
        return merged + [module.fc, module.head]
    if isinstance(module, ResNet18):
        stages = list(module.layers)
        return [_Images(module.stem, module.in_channels)] + stages[:-2] + [
            nn.Sequential(*stages[-2:]),
            module.head,
        ]
    return None


def module_blocks(module):
    """List the blocks of ``module`` whose composition is its ``forward``.

    Parameters
    ----------
    module : torch.nn.Module
        A module with a ``blocks`` attribute/method, an ``nn.Sequential``, a
        module of :mod:`skactive.neural`, or any module with ``embed`` and
        ``head``.

    Returns
    -------
    blocks : list of callables
        ``forward(x) == blocks[-1](...blocks[0](x))``. The hidden
        representation after block ``k`` (``1 <= k < len(blocks)``) is a
        manifold-mixup point; ``k = 0`` is the input. The blocks share the
        module's parameters (nothing is copied).

    Raises
    ------
    TypeError
        If the module declares no blocks and has no ``embed`` / ``head``.

    Notes
    -----
    Built-in splits: :class:`MLP` -> one block per ``Linear-ReLU`` layer, then
    the head; :class:`SmallCNN` -> ``conv-ReLU``, ``conv-ReLU-pool``,
    ``conv-ReLU-pool``, ``fc``, head; :class:`ResNet18` -> stem, each of the
    eight basic blocks, pooling, head (the LADA reference mixes after the stem
    or after the first stage).

    Examples
    --------
    >>> import torch
    >>> from skactive.neural import MLP, module_blocks, forward_blocks
    >>> net = MLP(n_features=4, n_classes=3, hidden_units=8, n_hidden_layers=2).eval()
    >>> blocks = module_blocks(net)
    >>> len(blocks)
    3
    >>> x = torch.randn(5, 4)
    >>> bool(torch.allclose(forward_blocks(blocks, x), net(x)))
    True
    >>> forward_blocks(blocks, x, stop=1).shape  # h^1: first hidden layer
    torch.Size([5, 8])
    """
    declared = getattr(module, "blocks", None)
    if declared is not None:
        if callable(declared) and not isinstance(declared, nn.Module):
            declared = declared()
        return list(declared)
    if isinstance(module, nn.Sequential):
        return list(module.children())
    builtin = _builtin_blocks(module)
    if builtin is not None:
        return builtin
    if hasattr(module, "embed") and hasattr(module, "head"):
        return [_Call(module.embed), module.head]
    raise TypeError(
        f"{type(module).__name__} exposes no layers: give it a `blocks` attribute "
        "(a list of modules whose composition is forward), make it an nn.Sequential, "
        "or give it embed(x) / head(z) methods."
    )


def forward_blocks(blocks, h, start=0, stop=None):
    """Apply ``blocks[start:stop]`` to ``h`` in order (:math:`f_\\theta^{start:stop}`)."""
    for block in blocks[start:stop]:
        h = block(h)
    return h
