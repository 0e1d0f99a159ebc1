"""Training with LADA's virtual instances (Kim et al., NeurIPS 2021, eq. 17-19)."""

import numpy as np
import torch
from skorch.callbacks import Callback
from torch.distributions import Beta
from torch.nn import functional as F

from ._lada import _as_tensor, _device, mix
from ._layers import forward_blocks, module_blocks

__all__ = ["VirtualInstanceTraining", "teach_with_virtual_instances"]


class VirtualInstanceTraining(Callback):
    r"""skorch callback: train on LADA's virtual instances (eq. 17-19).

    After every training epoch on the labelled set (eq. 18), one extra pass
    over the selected pairs: for each pair a fresh
    :math:`\lambda_i \sim Beta(\tau_i^*, \tau_i^*)`, the mixed features
    :math:`\lambda_i h^k(x_i) + (1-\lambda_i) h^k(x'_i)` go through the rest of
    the network, and the loss is the cross-entropy with the mixed soft label
    :math:`\lambda_i y_i + (1-\lambda_i) y'_i` (eq. 19), with gradients
    through the whole network (train mode), as in the reference's
    ``train_mixed``. Deviation: the optimizer's gradients are zeroed first
    (the reference accumulates the last labelled batch's gradients).

    Off (a no-op) while ``X1`` is None, so a net can always carry it. Set the
    pairs with :func:`teach_with_virtual_instances` (which also clears them
    after the fit: the virtual set is used for one active-learning iteration
    only, as in Algorithm 1) or ``net.set_params(callbacks__<name>__X1=...)``.

    Parameters
    ----------
    X1, X2 : array-like of shape (n_pairs, ...), default=None
        The two members of each pair (inputs).
    y1, y2 : array-like of shape (n_pairs,), default=None
        Their labels (elements of the net's ``classes_``).
    tau : array-like of shape (n_pairs,) or float, default=2.0
        Beta parameters (LADA's ``tau_``).
    layer : int, default=0
        The mixing layer ``k`` (LADA's ``mix_layer_``; 0 = input mixup).
    weight : float, default=1.0
        Weight of the virtual loss.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skactive.neural import ActiveNeuralNetClassifier, MLP, VirtualInstanceTraining
    >>> X, y = load_digits(return_X_y=True)
    >>> X = (X / 16).astype("float32")
    >>> vit = VirtualInstanceTraining(X1=X[:5], X2=X[5:10], y1=y[:5], y2=y[5:10],
    ...                               tau=0.5, layer=1)
    >>> net = ActiveNeuralNetClassifier(MLP, max_epochs=3, random_state=0,
    ...                                 callbacks=[("lada_virtual", vit)]).fit(X[:200], y[:200])
    >>> len(net.history[:, "virtual_loss"])
    3
    """

    def __init__(self, X1=None, X2=None, y1=None, y2=None, tau=2.0, layer=0, weight=1.0):
        self.X1, self.X2, self.y1, self.y2 = X1, X2, y1, y2
        self.tau, self.layer, self.weight = tau, layer, weight

    def _encode(self, net, y):
        classes = list(np.asarray(net.classes_))
        lookup = {c: i for i, c in enumerate(classes)}
        try:
            return torch.as_tensor([lookup[v] for v in np.asarray(y).tolist()])
        except KeyError as exc:
            raise ValueError(f"Virtual-instance label {exc.args[0]!r} not in classes_.") from None

    def on_epoch_end(self, net, **kwargs):
        if self.X1 is None or len(self.X1) == 0:
            return
        module = net.module_
        device = _device(module)
        blocks = module_blocks(module)
        X1, X2 = _as_tensor(self.X1, device), _as_tensor(self.X2, device)
        n, k = X1.shape[0], len(net.classes_)
        y1 = F.one_hot(self._encode(net, self.y1), k).float().to(device)
        y2 = F.one_hot(self._encode(net, self.y2), k).float().to(device)
        tau = torch.as_tensor(np.broadcast_to(np.asarray(self.tau, dtype=np.float32), (n,)).copy())
        module.train()
        total = 0.0
        bs = int(net.batch_size) if net.batch_size and net.batch_size > 0 else n
        for s in range(0, n, bs):
            sl = slice(s, s + bs)
            lam = Beta(tau[sl], tau[sl]).sample().to(device)
            net.optimizer_.zero_grad()
            h = mix(
                forward_blocks(blocks, X1[sl], stop=self.layer),
                forward_blocks(blocks, X2[sl], stop=self.layer),
                lam,
            )
            logits = forward_blocks(blocks, h, start=self.layer)
            target = mix(y1[sl], y2[sl], lam)
            loss = -(target * F.log_softmax(logits, dim=1)).sum(dim=1).mean() * self.weight
            loss.backward()
            net.optimizer_.step()
            total += float(loss.detach()) * (min(s + bs, n) - s)
        net.optimizer_.zero_grad()
        net.history.record("virtual_loss", total / n)


def teach_with_virtual_instances(learner, X_pool, indices, y, callback="lada_virtual"):
    """``learner.teach`` with LADA's virtual instances of the last query.

    Sets the selected pairs, their labels, ``tau_`` and ``mix_layer_`` of
    ``learner.query_strategy_`` on the :class:`VirtualInstanceTraining`
    callback named ``callback`` of the learner's net, calls
    ``learner.teach(X_pool[indices], y)``, then switches the callback off
    again (virtual instances serve one iteration, Algorithm 1).

    Parameters
    ----------
    learner : ActiveLearner
        Its ``query_strategy_`` is a :class:`~skactive.strategies.LADA` that
        has just selected ``indices``; its estimator is an
        :class:`ActiveNeuralNetClassifier` with
        ``callbacks=[(callback, VirtualInstanceTraining())]``.
    X_pool : array-like of shape (n_pool, ...)
        The pool that was queried.
    indices : array-like of shape (budget,)
        The selection returned by ``learner.query``.
    y : array-like of shape (budget,)
        The oracle's labels of ``X_pool[indices]``.
    callback : str, default="lada_virtual"

    Returns
    -------
    learner : ActiveLearner
    """
    X_pool, indices, y = np.asarray(X_pool), np.asarray(indices), np.asarray(y)
    strategy = learner.query_strategy_
    pairs = getattr(strategy, "pairs_", None)
    if pairs is None:
        raise ValueError("The learner's query strategy has no pairs_: query with LADA first.")
    nets = [learner.estimator] + ([learner.estimator_] if learner.warm_start else [])
    for net in nets:
        names = [c[0] for c in (net.callbacks or []) if isinstance(c, tuple)]
        if callback not in names:
            raise ValueError(
                f"The net has no callback named {callback!r}: build it with "
                f"callbacks=[({callback!r}, VirtualInstanceTraining())]."
            )
    label = dict(zip(indices.tolist(), y.tolist()))
    missing = [i for i in pairs.ravel().tolist() if i not in label]
    if missing:
        raise ValueError(
            f"indices do not contain the pair members {missing[:5]} of the last LADA "
            "query; pass the indices that learner.query returned."
        )
    on = {
        "X1": X_pool[pairs[:, 0]], "X2": X_pool[pairs[:, 1]],
        "y1": np.asarray([label[i] for i in pairs[:, 0]]),
        "y2": np.asarray([label[i] for i in pairs[:, 1]]),
        "tau": np.asarray(strategy.tau_, dtype=np.float32), "layer": strategy.mix_layer_,
    }
    off = {key: None for key in ("X1", "X2", "y1", "y2")}

    def _set(values):
        for net in nets + ([learner.previous_estimator_] if learner.warm_start else []):
            if net is not None:
                net.set_params(**{f"callbacks__{callback}__{k}": v for k, v in values.items()})

    _set(on)
    try:
        learner.teach(X_pool[indices], y)
    finally:
        _set(off)
        if learner.warm_start:
            learner.estimator_.set_params(
                **{f"callbacks__{callback}__{k}": v for k, v in off.items()}
            )
    return learner
