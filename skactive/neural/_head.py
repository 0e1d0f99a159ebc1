"""The last linear layer of a network's ``head``, whether ``head`` is a
submodule or a method (``def head(self, z): return self.fc(z)``)."""

import contextlib

import numpy as np
import torch
from torch import nn

from ..exceptions import LearnerCapabilityError

__all__ = ["head_input_dim", "linear_head_of", "linear_layers", "record_linear_calls"]


def linear_layers(module):
    """The Linear layers ``module.head`` may call: those of ``head`` when it is
    a submodule, all of ``module``'s when it is a method."""
    head = getattr(module, "head", None)
    scope = head if isinstance(head, nn.Module) else module
    return [m for m in scope.modules() if isinstance(m, nn.Linear)]


@contextlib.contextmanager
def record_linear_calls(module):
    """Record ``(layer, input, output)`` of every Linear call, in call order."""
    calls = []
    handles = [
        m.register_forward_hook(lambda m, inp, out: calls.append((m, inp[0], out)))
        for m in linear_layers(module)
    ]
    try:
        yield calls
    finally:
        for h in handles:
            h.remove()


def head_input_dim(module, device="cpu"):
    """Input size ``D`` of ``module.head``: ``module.embedding_dim``, else the
    first size of a Linear layer (of the head first, then of the module) that
    ``head`` accepts.

    ``module`` must be in eval mode under ``torch.no_grad``.
    """
    dims = []
    declared = getattr(module, "embedding_dim", None)
    if isinstance(declared, (int, np.integer)) and declared > 0:
        dims.append(int(declared))
    for m in linear_layers(module) + [m for m in module.modules() if isinstance(m, nn.Linear)]:
        for d in (m.in_features, m.out_features):  # head's input: some layer's size
            if d not in dims:
                dims.append(d)
    for d in dims:
        try:
            out = module.head(torch.zeros(1, d, device=device))
        except (RuntimeError, ValueError, TypeError):
            continue
        if isinstance(out, torch.Tensor) and out.ndim == 2:
            return d
    raise LearnerCapabilityError(
        f"Cannot find the input size of the head of {type(module).__name__}: "
        "give the module an integer embedding_dim attribute."
    )


def linear_head_of(module, device="cpu", batch_size=256):
    """``(W, b)`` float32 with ``module.head(z) == z @ W.T + b`` in eval mode.

    The last ``nn.Linear`` that ``head`` calls gives ``W`` and ``b`` when its
    input is ``head``'s input and its output is ``head``'s output; otherwise
    they are read off ``head`` itself (``b = head(0)``, ``W[:, d] = head(e_d) -
    b``), exact for any affine head. Either way the identity is checked on
    random probes.

    Raises
    ------
    LearnerCapabilityError
        If the head is not affine (e.g. it has a hidden layer).
    """
    from ._classifier import _inference_mode

    with _inference_mode(module):
        D = head_input_dim(module, device)
        gen = torch.Generator().manual_seed(0)
        probe = torch.randn(4, D, generator=gen).to(device)
        with record_linear_calls(module) as calls:
            logits = module.head(probe)
        W = b = None
        if calls:
            last, inp, out = calls[-1]
            if (
                inp.shape == probe.shape
                and torch.allclose(inp, probe)
                and out.shape == logits.shape
                and torch.allclose(out, logits)
            ):
                W = last.weight.detach().cpu().numpy().astype(np.float32)
                b = (
                    np.zeros(W.shape[0], np.float32)
                    if last.bias is None
                    else last.bias.detach().cpu().numpy().astype(np.float32)
                )
        if W is None:
            basis = torch.cat([torch.zeros(1, D), torch.eye(D)]).to(device)
            out = torch.cat([module.head(zb) for zb in basis.split(batch_size)])
            out = out.double().cpu().numpy()
            b = out[0].astype(np.float32)
            W = (out[1:] - out[0]).T.astype(np.float32)
    expected = probe.double().cpu().numpy() @ W.T.astype(np.float64) + b
    got = logits.double().cpu().numpy()
    if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-4, atol=1e-4):
        raise LearnerCapabilityError(
            f"The head of {type(module).__name__} is not linear: head(z) is not "
            "z @ W.T + b (e.g. it has a hidden layer). Strategies that need a "
            "linear head (ALFA-Mix's closed form) cannot use it; BADGE uses the "
            "last Linear layer through head_gradients."
        )
    return W.copy(), b.copy()
