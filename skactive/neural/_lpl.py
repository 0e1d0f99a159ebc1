"""Learning loss (Yoo & Kweon 2019): a loss-prediction module trained with the net."""

import contextlib
import numbers

import numpy as np
import torch
from skorch.utils import to_tensor
from torch import nn

from ..exceptions import LearnerCapabilityError
from ._classifier import ActiveNeuralNetClassifier, _as_float32, _inference_mode

__all__ = ["LossNet", "LossPredictionNet", "loss_prediction_loss"]


def loss_prediction_loss(pred_loss, target_loss, margin=1.0):
    r"""Margin ranking loss between predicted and true losses of sample pairs.

    Yoo & Kweon (2019), eq. (2): the batch of size ``B`` is split into ``B/2``
    pairs ``(i, j)`` and

    .. math::
        L(\hat l_i, \hat l_j, l_i, l_j) = \max\big(0, -\mathbb 1(l_i, l_j)
        (\hat l_i - \hat l_j) + \xi\big),\quad
        \mathbb 1(l_i, l_j) = +1 \text{ if } l_i > l_j \text{ else } -1,

    averaged over the pairs. As in the reference code (DeepAL+), sample ``i``
    is paired with sample ``B-1-i`` (batches are shuffled, so pairs are
    random); an odd batch leaves its middle sample out (the reference asserts
    an even batch). The true losses are detached.

    Parameters
    ----------
    pred_loss : tensor of shape (B,)
    target_loss : tensor of shape (B,)
    margin : float, default=1.0
        :math:`\xi`.

    Returns
    -------
    loss : scalar tensor (0 for a batch with fewer than two samples)

    Examples
    --------
    >>> import torch
    >>> from skactive.neural import loss_prediction_loss
    >>> pred = torch.tensor([2.0, 0.0, 0.5, 1.0])     # pairs (0, 3) and (1, 2)
    >>> true = torch.tensor([3.0, 1.0, 2.0, 0.0])     # l0 > l3, l1 < l2
    >>> float(loss_prediction_loss(pred, true))  # (max(0, -1+1) + max(0, -0.5+1)) / 2
    0.25
    """
    half = pred_loss.shape[0] // 2
    if half == 0:
        return pred_loss.sum() * 0.0
    diff_pred = pred_loss[:half] - pred_loss.flip(0)[:half]
    diff_true = (target_loss[:half] - target_loss.flip(0)[:half]).detach()
    sign = torch.where(diff_true > 0, 1.0, -1.0).to(diff_pred.dtype)
    return torch.clamp(margin - sign * diff_pred, min=0).mean()


def _pool_feature(f):
    """Global average pooling of conv maps (n, C, H, W) -> (n, C); flatten others."""
    if f.ndim == 4:
        return f.mean(dim=(2, 3))
    return f.reshape(f.shape[0], -1)


class _shadow_head_method:
    """Record the input of a ``head`` *method* (``def head(self, z)``): an
    instance attribute shadows the method until :meth:`remove`."""

    def __init__(self, module, features):
        self.module, method = module, module.head

        def head(z, *args, **kwargs):
            features.append(z)
            return method(z, *args, **kwargs)

        module.__dict__["head"] = head

    def remove(self):
        self.module.__dict__.pop("head", None)


class LossNet(nn.Module):
    """Loss-prediction module of Yoo & Kweon (2019), Fig. 3.

    Each tapped feature goes through global average pooling (for conv maps),
    ``Linear(C_i, interm_dim)`` and ReLU; the concatenation goes through
    ``Linear(n_taps * interm_dim, 1)``: the predicted loss.

    Parameters
    ----------
    in_dims : sequence of int
        Width of each tapped feature after pooling (filled in by
        :class:`LossPredictionNet`).
    interm_dim : int, default=128
        As in the paper and DeepAL+.

    Examples
    --------
    >>> import torch
    >>> from skactive.neural import LossNet
    >>> net = LossNet(in_dims=[8, 16])
    >>> net([torch.zeros(3, 8), torch.zeros(3, 16, 4, 4)]).shape
    torch.Size([3])
    """

    def __init__(self, in_dims=(256,), interm_dim=128):
        super().__init__()
        self.fcs = nn.ModuleList([nn.Linear(int(d), int(interm_dim)) for d in in_dims])
        self.linear = nn.Linear(len(self.fcs) * int(interm_dim), 1)

    def forward(self, features):
        if len(features) != len(self.fcs):
            raise ValueError(f"LossNet expects {len(self.fcs)} features, got {len(features)}.")
        parts = [torch.relu(fc(_pool_feature(f))) for fc, f in zip(self.fcs, features)]
        return self.linear(torch.cat(parts, dim=1)).reshape(-1)


class LossPredictionNet(ActiveNeuralNetClassifier):
    """:class:`ActiveNeuralNetClassifier` trained jointly with a loss-prediction module.

    "Learning loss for active learning" (Yoo & Kweon 2019): a small module
    (:class:`LossNet`) reads intermediate features of the network and
    predicts the per-sample loss. Each training batch minimises

    .. math:: L = \\frac1B\\sum_i \\ell(x_i, y_i) + \\lambda\\, L_{loss}(\\hat l, l)

    (paper eq. 3, :math:`\\lambda` = ``lpl_weight``), with :math:`L_{loss}`
    the margin ranking loss of :func:`loss_prediction_loss` (margin
    ``lpl_margin``, 1 in the paper) and :math:`l` the per-sample losses of the
    net's criterion. From epoch ``lpl_detach`` on, the features are detached
    before entering the module, so the loss-prediction gradient no longer
    reaches the backbone (paper: 120 of 200 epochs). The
    :class:`~skactive.strategies.LPL` strategy then selects the samples with
    the highest :meth:`predict_loss`.

    Implemented as a subclass (not a callback) because the module's loss must
    be added before ``backward``: :meth:`train_step_single` captures the
    tapped features with forward hooks (removed after every batch) and
    :meth:`get_loss` adds the ranking loss. Subclass it the same way to add
    the loss module to another net.

    Deviations: one optimizer (the net's, e.g. Adam ``lr=1e-3``) trains the
    backbone and the loss module together, as in the paper (which uses one SGD
    for both); DeepAL+ uses a separate Adam with ``lr=0.01`` for the module and
    computes the forward pass twice per batch. The default tap is the
    embedding (the input of ``module.head``); the paper taps the four ResNet
    stages: pass ``lpl_layers=("layers.1", "layers.3", "layers.5", "layers.7")``
    for :class:`~skactive.neural.ResNet18`.

    Parameters
    ----------
    module : torch.nn.Module class or instance
        Network with ``embed`` and ``head`` (see :class:`ActiveNeuralNetClassifier`).
    lossnet : torch.nn.Module class, default=LossNet
        Called as ``lossnet(in_dims=[...], **lossnet__params)``; routed
        parameters with ``lossnet__`` (e.g. ``lossnet__interm_dim=64``).
    lpl_layers : sequence of str or None, default=None
        Names (as in ``module.named_modules()``) of the layers whose outputs
        feed the loss module; None taps the embedding (input of ``module.head``).
    lpl_weight : float, default=1.0
        :math:`\\lambda`.
    lpl_margin : float, default=1.0
        :math:`\\xi`.
    lpl_detach : float, int or None, default=0.6
        Epoch (0-based, counted in the net's history) from which the
        features are detached: a float in [0, 1] is a fraction of
        ``max_epochs`` (0.6 = 120 of 200 as in the paper), an int an epoch
        number, None never detaches.
    **kwargs
        Parameters of :class:`ActiveNeuralNetClassifier`.

    Attributes
    ----------
    lossnet_ : torch.nn.Module
        The trained loss-prediction module.
    lpl_detach_epoch_ : int or None
        The resolved detach epoch.

    References
    ----------
    D. Yoo, I. S. Kweon. "Learning loss for active learning", CVPR 2019,
    eqs. (2)-(3), Fig. 3.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skactive.neural import LossPredictionNet, MLP
    >>> X, y = load_digits(return_X_y=True)
    >>> net = LossPredictionNet(MLP, module__hidden_units=32, max_epochs=3,
    ...                         random_state=0).fit(X[:300] / 16, y[:300])
    >>> net.predict_loss(X[300:305] / 16).shape
    (5,)
    """

    def __init__(
        self,
        module,
        *args,
        lossnet=LossNet,
        lpl_layers=None,
        lpl_weight=1.0,
        lpl_margin=1.0,
        lpl_detach=0.6,
        **kwargs,
    ):
        super().__init__(module, *args, **kwargs)
        self.lossnet = lossnet
        self.lpl_layers = lpl_layers
        self.lpl_weight = lpl_weight
        self.lpl_margin = lpl_margin
        self.lpl_detach = lpl_detach

    # ------------------------------------------------------------ components
    def _taps(self):
        module = self.module_
        if self.lpl_layers is None:
            if not hasattr(module, "head"):
                raise LearnerCapabilityError(
                    f"{type(module).__name__} has no head: pass lpl_layers=[layer names] "
                    "to choose the features of the loss-prediction module."
                )
            return [(module.head, True)]
        named = dict(module.named_modules())
        missing = [name for name in self.lpl_layers if name not in named]
        if missing:
            raise ValueError(
                f"lpl_layers {missing} are not layers of {type(module).__name__}; "
                f"available: {[n for n in named if n][:30]}."
            )
        return [(named[name], False) for name in self.lpl_layers]

    @contextlib.contextmanager
    def _capture(self):
        """Record the tapped features of every forward pass in a list."""
        features = []
        handles = []
        for layer, is_input in self._taps():
            if is_input and not isinstance(layer, nn.Module):
                hook = _shadow_head_method(self.module_, features)  # head is a method
            elif is_input:
                hook = layer.register_forward_pre_hook(lambda m, args: features.append(args[0]))
            else:
                hook = layer.register_forward_hook(
                    lambda m, args, out: features.append(out[0] if isinstance(out, tuple) else out)
                )
            handles.append(hook)
        try:
            yield features
        finally:
            for h in handles:
                h.remove()

    def _resolve_detach_epoch(self):
        d = self.lpl_detach
        if d is None:
            return None
        if isinstance(d, bool) or not isinstance(d, numbers.Real) or d < 0:
            raise ValueError(
                f"lpl_detach must be None, a fraction in [0, 1] or an epoch >= 0; got {d!r}."
            )
        if isinstance(d, numbers.Integral):
            return int(d)
        if d > 1:
            raise ValueError(f"A float lpl_detach is a fraction of max_epochs in [0, 1]; got {d}.")
        return int(round(d * self.max_epochs))

    def initialize_module(self):
        super().initialize_module()
        probe = getattr(self, "_lpl_probe", None)
        if probe is not None:
            with _inference_mode(self.module_), self._capture() as feats:
                self.module_(torch.as_tensor(probe).to(self.device))
            in_dims = [int(_pool_feature(f).shape[1]) for f in feats]
        elif self.lpl_layers is None and hasattr(self.module_, "embedding_dim"):
            in_dims = [int(self.module_.embedding_dim)]
        else:
            raise ValueError(
                "LossPredictionNet infers the widths of the tapped layers from the "
                "training data: call fit (or partial_fit) rather than initialize."
            )
        kwargs = dict(self.get_params_for("lossnet"), in_dims=in_dims)
        self.lossnet_ = self.initialized_instance(self.lossnet, kwargs).to(self.device)
        self.lpl_detach_epoch_ = self._resolve_detach_epoch()
        return self

    def _with_probe(self, method, X, y, **fit_params):
        probe = X[:2] if isinstance(X, torch.Tensor) else np.asarray(X[:2])
        self._lpl_probe = _as_float32(probe)
        try:
            return method(X, y, **fit_params)
        finally:
            del self._lpl_probe

    def fit(self, X, y, **fit_params):
        return self._with_probe(super().fit, X, y, **fit_params)

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        return self._with_probe(
            lambda X_, y_, **kw: super(LossPredictionNet, self).partial_fit(X_, y_, classes, **kw),
            X, y, **fit_params,
        )

    # --------------------------------------------------------------- training
    def train_step_single(self, batch, **fit_params):
        with self._capture() as feats:
            self._lpl_features = feats
            try:
                return super().train_step_single(batch, **fit_params)
            finally:
                self._lpl_features = None

    def _per_sample_loss(self, y_pred, y_true):
        crit = self.criterion_
        if isinstance(crit, nn.CrossEntropyLoss):
            return nn.functional.cross_entropy(
                y_pred, y_true, weight=crit.weight, ignore_index=crit.ignore_index,
                reduction="none", label_smoothing=crit.label_smoothing,
            )
        reduction = getattr(crit, "reduction", None)
        if reduction is None:
            raise TypeError(
                f"The criterion {type(crit).__name__} has no `reduction` to set to 'none'."
            )
        crit.reduction = "none"
        try:
            return crit(y_pred, y_true)
        finally:
            crit.reduction = reduction

    def get_loss(self, y_pred, y_true, X=None, training=False):
        loss = super().get_loss(y_pred, y_true, X=X, training=training)
        feats = getattr(self, "_lpl_features", None) if training else None
        if not feats:
            return loss
        epoch = len(self.history) - 1
        if self.lpl_detach_epoch_ is not None and epoch >= self.lpl_detach_epoch_:
            feats = [f.detach() for f in feats]
        y_true = to_tensor(y_true, device=self.device)
        target = self._per_sample_loss(y_pred, y_true)
        pred = self.lossnet_(feats)
        module_loss = loss_prediction_loss(pred, target, self.lpl_margin)
        self.history.record_batch("lpl_loss", float(module_loss.detach()))
        return loss + self.lpl_weight * module_loss

    # -------------------------------------------------------------- inference
    def predict_loss(self, X):
        """Predicted loss of each sample (the LPL acquisition score).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        loss : ndarray of shape (n_samples,), float32
        """
        self.check_is_fitted(["module_", "lossnet_"])
        module, lossnet = self.module_, self.lossnet_
        parts = []
        with _inference_mode(module), _inference_mode(lossnet):
            for xb in self._iter_batches(X):
                with self._capture() as feats:
                    module(xb)
                parts.append(lossnet(feats))
        if not parts:
            return np.empty(0, dtype=np.float32)
        return torch.cat(parts).cpu().numpy()
