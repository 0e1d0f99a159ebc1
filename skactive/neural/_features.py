"""FrozenFeatures: a frozen torch network as a scikit-learn transformer."""

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted

from ._classifier import _as_float32, _inference_mode

__all__ = ["FrozenFeatures"]


class FrozenFeatures(TransformerMixin, BaseEstimator):
    """Embeddings of a frozen (e.g. pre-trained) torch network, as a transformer.

    ``make_pipeline(FrozenFeatures(pretrained), SVC())`` is the "SVM on fixed
    representations" scheme of the alamp paper (Aggarwal et al., section 5.4):
    only the shallow classifier learns during active learning. ``fit`` never
    trains the network (it only checks the input); ``transform`` runs it in
    eval mode, in batches, under ``torch.no_grad``.

    Parameters
    ----------
    module : torch.nn.Module or fitted ActiveNeuralNetClassifier
        The network. Its ``embed`` method is used when it has one (skactive
        modules, or a fitted skorch net's ``module_``), else ``forward``.
        Anything with ``embed(x)`` works, e.g. a torchvision ResNet whose
        ``fc`` was replaced by ``torch.nn.Identity()``.
    input_shape : tuple of int or None, default=None
        Reshape flat rows ``(n, prod(input_shape))`` to ``(n, *input_shape)``
        before the network (lets 2-D-only sklearn tools handle images).
    scale : float, default=1.0
        Inputs are multiplied by it (e.g. ``1/255`` for raw pixels).
    batch_size : int, default=256
    device : str, default="cpu"

    Attributes
    ----------
    n_features_in_ : int
        Only for 2-D inputs.
    n_features_out_ : int
        Embedding dimension.

    References
    ----------
    U. Aggarwal, A. Popescu, C. Hudelot. "Optimizing Active Learning for Low
    Annotation Budgets", section 5.4 (transfer vs fine-tuning).

    Examples
    --------
    >>> import numpy as np, torch
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.svm import SVC
    >>> from skactive.neural import FrozenFeatures, MLP
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> backbone = MLP(n_features=64, n_classes=10, hidden_units=32)
    >>> from sklearn.datasets import load_digits
    >>> X, y = load_digits(return_X_y=True)
    >>> FrozenFeatures(backbone, scale=1 / 16).fit_transform(X[:5]).shape
    (5, 32)
    >>> pipe = make_pipeline(FrozenFeatures(backbone, scale=1 / 16), SVC()).fit(X[:500], y[:500])
    >>> float(pipe.score(X[500:], y[500:])) > 0.8
    True
    """

    def __init__(self, module, *, input_shape=None, scale=1.0, batch_size=256, device="cpu"):
        self.module = module
        self.input_shape = input_shape
        self.scale = scale
        self.batch_size = batch_size
        self.device = device

    def _network(self):
        net = self.module
        if hasattr(net, "module_"):  # a fitted skorch net
            net = net.module_
        if not isinstance(net, torch.nn.Module):
            raise TypeError(
                "module must be a torch.nn.Module or a fitted skorch net, got "
                f"{type(self.module).__name__}."
            )
        return net

    def _check_X(self, X, reset):
        X = check_array(X, allow_nd=True, dtype="numeric", input_name="X")
        if reset:
            self.n_features_in_ = X.shape[1] if X.ndim == 2 else None
            if self.n_features_in_ is None:
                del self.n_features_in_
        elif X.ndim == 2 and getattr(self, "n_features_in_", X.shape[1]) != X.shape[1]:
            raise ValueError(
                f"X has {X.shape[1]} features, but FrozenFeatures was fitted with "
                f"{self.n_features_in_} features."
            )
        return X

    def fit(self, X, y=None):
        """Check the input; the network is not trained.

        Returns
        -------
        self
        """
        X = self._check_X(X, reset=True)
        self.n_features_out_ = self._embed(X[:1]).shape[1]
        return self

    def transform(self, X):
        """Embed ``X`` with the frozen network.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_features_out), float32
        """
        check_is_fitted(self, "n_features_out_")
        return self._embed(self._check_X(X, reset=False))

    def _embed(self, X):
        if self.input_shape is not None:
            X = X.reshape((X.shape[0],) + tuple(self.input_shape))
        net = self._network()
        forward = net.embed if hasattr(net, "embed") else net
        X = _as_float32(X)
        parts = []
        with _inference_mode(net):
            for start in range(0, X.shape[0], int(self.batch_size)):
                xb = torch.as_tensor(X[start : start + int(self.batch_size)]).to(self.device)
                if self.scale != 1.0:
                    xb = xb * float(self.scale)
                z = forward(xb)
                parts.append(z.reshape(z.shape[0], -1).cpu())
        return torch.cat(parts).numpy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        tags.input_tags.allow_nan = False
        return tags
