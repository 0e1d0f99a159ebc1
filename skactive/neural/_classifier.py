"""skorch classifier exposing the embedding / head protocol of skactive."""

import contextlib
import inspect

import numpy as np
import torch
from skorch import NeuralNetClassifier
from torch import nn
from torch.nn.modules.dropout import _DropoutNd

from ..exceptions import LearnerCapabilityError
from ._callbacks import TrainAccuracyThreshold, torch_seed
from ._head import linear_head_of, record_linear_calls

__all__ = ["ActiveNeuralNetClassifier"]


def _as_float32(X):
    """Floating-point inputs for the module (numpy float64/int and uint8 images).

    A pandas DataFrame becomes one array (skorch would otherwise pass each
    column to ``forward`` as a keyword argument).
    """
    if hasattr(X, "columns") and hasattr(X, "to_numpy"):
        X = X.to_numpy(copy=True)  # writable: torch warns on read-only views
    if isinstance(X, torch.Tensor):
        return X.float() if X.is_floating_point() or X.dtype == torch.uint8 else X
    if isinstance(X, np.ndarray) and X.dtype != np.float32 and X.dtype.kind in "fiub":
        return X.astype(np.float32)
    return X


@contextlib.contextmanager
def _inference_mode(module, dropout=False):
    """Eval mode (dropout layers on if ``dropout``), restoring every flag after."""
    flags = [(m, m.training) for m in module.modules()]
    module.eval()
    if dropout:
        for m in module.modules():
            if isinstance(m, _DropoutNd):
                m.train()
    try:
        with torch.no_grad():
            yield
    finally:
        for m, flag in flags:
            m.training = flag


class ActiveNeuralNetClassifier(NeuralNetClassifier):
    """skorch classifier with the embedding / head protocol used by deep strategies.

    The module (passed uninitialised, parameters routed with ``module__``)
    must expose ``embed(x) -> z`` and ``head(z) -> logits`` with
    ``forward(x) == head(embed(x))``, as :class:`MLP`, :class:`SmallCNN` and
    :class:`ResNet18` do; ``head`` may be a submodule or a method
    (``def head(self, z): return self.fc(z)``). Defaults follow the deep active-learning papers:
    cross-entropy, Adam with ``lr=1e-3``, batches of 64, no validation split,
    silent training. ``n_features`` / ``n_classes`` module arguments left at
    ``None`` are inferred from the training data, and labels may be any
    sortable values (they are encoded internally).

    Training schemes:

    - *re-initialise every round* (default): each ``fit`` starts from a fresh
      initialisation (seeded by ``random_state``).
    - *continue* ("Continue" in ALFA-Mix): ``warm_start=True``, and
      ``ActiveLearner(..., warm_start=True)`` so that the learner refits a copy
      of the current net. Pass ``classes`` so the output layer has all
      classes from the start.
    - *train to a training accuracy*: ``train_acc_threshold=0.99`` stops an
      epoch loop once the epoch's training accuracy reaches 99 % (ALFA-Mix);
      ``max_epochs`` still caps it. See :class:`TrainAccuracyThreshold`.

    Protocol (all batched with ``iterator_valid__batch_size``, under
    ``torch.no_grad`` where no gradient is needed, dropout off unless said so,
    and restoring the module's train/eval flags):

    - :meth:`embed` ``(X) -> Z`` of shape (n, D);
    - :meth:`head_logits` ``(Z) -> logits`` (n, K);
    - :meth:`linear_head` ``() -> (W, b)`` of a linear head (the last
      ``nn.Linear`` that ``head`` calls, or read off an affine ``head``);
    - :meth:`head_gradients` ``(X) -> (G, H)``: the gradient of the
      cross-entropy loss at the predicted label w.r.t. the last layer's weights
      is ``outer(G[i], H[i])`` with ``G = p - onehot(argmax p)`` (n, K) and
      ``H`` the last layer's input (n, D); never materialised as n x (K D);
      :meth:`head_gradient_factors` returns ``(-G, H)`` (the sign convention
      of :mod:`skactive.utils` used by BADGE);
    - :meth:`embedding_gradients` ``(X) -> dL/dZ`` (n, D) at the predicted label;
    - :meth:`predict_proba_samples` ``(X, n_samples) -> (n_samples, n, K)``
      with dropout on (MC dropout).

    Parameters
    ----------
    module : torch.nn.Module class or instance
        Network with ``embed`` and ``head``.
    criterion : torch criterion class, default=torch.nn.CrossEntropyLoss
    optimizer : torch optimizer class, default=torch.optim.Adam
    lr : float, default=1e-3
    max_epochs : int, default=10
    batch_size : int, default=64
    train_split : callable or None, default=None
        No validation split (labelled sets are small in active learning).
    classes : array-like or None, default=None
        Full label set; inferred from ``y`` when None.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling and dropout of every ``fit`` (torch's
        global generator is restored afterwards). None uses torch's global
        random state.
    train_acc_threshold : float or None, default=None
        Stop training when an epoch's training accuracy reaches it.
    verbose : int, default=0
    **kwargs
        Any other skorch parameter (``module__hidden_units``,
        ``optimizer__weight_decay``, ``iterator_valid__batch_size`` (default
        256), ``warm_start``, ``device``, ``callbacks``...).

    Attributes
    ----------
    module_ : torch.nn.Module
        The trained network (left in eval mode after ``fit``).
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
        Only for 2-D inputs.
    module_dims_ : dict
        The ``n_features`` / ``n_classes`` inferred from the data.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skactive.neural import ActiveNeuralNetClassifier, MLP
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16.0
    >>> net = ActiveNeuralNetClassifier(
    ...     MLP, module__dropout=0.3, max_epochs=10, random_state=0).fit(X[:500], y[:500])
    >>> net.embed(X[500:503]).shape
    (3, 256)
    >>> G, H = net.head_gradients(X[500:503])
    >>> G.shape, H.shape
    ((3, 10), (3, 256))
    >>> net.predict_proba_samples(X[500:503], n_samples=4, random_state=0).shape
    (4, 3, 10)
    >>> float(net.score(X[1000:], y[1000:])) > 0.8
    True
    """

    def __init__(
        self,
        module,
        *args,
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=10,
        batch_size=64,
        train_split=None,
        classes=None,
        random_state=None,
        train_acc_threshold=None,
        verbose=0,
        **kwargs,
    ):
        kwargs.setdefault("iterator_train__shuffle", True)
        kwargs.setdefault("iterator_valid__batch_size", 256)
        super().__init__(
            module,
            *args,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            classes=classes,
            verbose=verbose,
            **kwargs,
        )
        self.random_state = random_state
        self.train_acc_threshold = train_acc_threshold

    # ------------------------------------------------------------- skorch hooks
    def get_default_callbacks(self):
        callbacks = list(super().get_default_callbacks())
        if self.train_acc_threshold is not None:
            callbacks.append(
                ("train_acc_threshold", TrainAccuracyThreshold(self.train_acc_threshold))
            )
        return callbacks

    def initialize_module(self):
        kwargs = self.get_params_for("module")
        dims = getattr(self, "module_dims_", {})
        if inspect.isclass(self.module) and dims:
            accepted = inspect.signature(self.module).parameters
            for key, value in dims.items():
                if key in accepted and kwargs.get(key) is None and value is not None:
                    kwargs[key] = value
        self.module_ = self.initialized_instance(self.module, kwargs)
        return self

    def get_dataset(self, X, y=None):
        return super().get_dataset(_as_float32(X), y)

    def check_data(self, X, y):
        if y is not None and np.ndim(y) != 1:
            raise ValueError("The target data should be 1-dimensional.")

    @property
    def classes_(self):
        if self.classes is not None and len(self.classes):
            return np.asarray(self.classes)
        try:
            return self.classes_inferred_
        except AttributeError as exc:
            raise AttributeError(
                f"{type(self).__name__} is not fitted yet: classes_ is unknown."
            ) from exc

    # ----------------------------------------------------------------- fitting
    def _encode_y(self, y):
        y = np.asarray(y)
        classes = np.asarray(self.classes_)
        order = np.argsort(classes, kind="stable")
        sorted_classes = classes[order]
        pos = np.clip(np.searchsorted(sorted_classes, y), 0, len(classes) - 1)
        if not np.array_equal(sorted_classes[pos], y):
            unknown = np.setdiff1d(y, classes)
            raise ValueError(
                f"y contains labels {unknown.tolist()} not in classes {classes.tolist()}."
            )
        return order[pos].astype(np.int64)

    def _prepare_fit(self, X, y, reset):
        X = _as_float32(X)
        if y is None:
            raise ValueError(f"{type(self).__name__}.fit needs y.")
        y = np.asarray(y)
        if self.classes is None or not len(self.classes):
            seen = np.unique(y)
            if not reset and hasattr(self, "classes_inferred_"):
                if not np.all(np.isin(seen, self.classes_inferred_)):
                    raise ValueError(
                        "Continuing training (warm_start / partial_fit) with labels "
                        f"{np.setdiff1d(seen, self.classes_inferred_).tolist()} unseen "
                        "so far: pass classes=<all labels> so the output layer has them."
                    )
            else:
                self.classes_inferred_ = seen
        n_features = int(np.prod(X.shape[1:])) if getattr(X, "ndim", 0) >= 2 else None
        self.module_dims_ = {"n_features": n_features, "n_classes": len(self.classes_)}
        if getattr(X, "ndim", 0) == 2:
            self.n_features_in_ = X.shape[1]
        return X, self._encode_y(y)

    def fit(self, X, y, **fit_params):
        """Initialise (unless ``warm_start``) and train the module.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
        y : array-like of shape (n_samples,)
        **fit_params : dict
            Passed to skorch (e.g. to the module's ``forward``).

        Returns
        -------
        self
        """
        reset = not (self.warm_start and self.initialized_)
        with torch_seed(self.random_state):
            return self._train(X, y, reset, **fit_params)

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """Continue training the module on ``(X, y)`` (initialise if needed)."""
        with torch_seed(self.random_state):
            return self._train(X, y, not self.initialized_, **fit_params)

    def _train(self, X, y, reset, **fit_params):
        X, y_enc = self._prepare_fit(X, y, reset)
        if reset:
            self.initialize()
        NeuralNetClassifier.partial_fit(self, X, y_enc, **fit_params)
        self.module_.eval()
        return self

    def predict(self, X):
        """Predicted labels (elements of ``classes_``)."""
        return np.asarray(self.classes_)[self.predict_proba(X).argmax(axis=1)]

    # ---------------------------------------------------------------- protocol
    def _module(self, need_head=True):
        self.check_is_fitted()
        module = self.module_
        missing = [a for a in ("embed", "head") if not hasattr(module, a)]
        if need_head and missing:
            raise LearnerCapabilityError(
                f"{type(module).__name__} has no {' / '.join(missing)}: the embedding "
                "protocol needs a module with embed(x) and head(z) such that "
                "forward(x) == head(embed(x)) (see skactive.neural.MLP)."
            )
        return module

    def _batch_size(self):
        return int(getattr(self, "iterator_valid__batch_size", None) or self.batch_size)

    def _iter_batches(self, X):
        X = _as_float32(X)
        n, bs = len(X), self._batch_size()
        for start in range(0, n, bs):
            yield torch.as_tensor(X[start : start + bs]).to(self.device)

    def _to_numpy(self, parts, width):
        if not parts:
            return np.empty((0, width), dtype=np.float32)
        return torch.cat(parts).cpu().numpy()

    def embed(self, X):
        """Latent features ``Z = module.embed(X)``, dropout off.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        Z : ndarray of shape (n_samples, embedding_dim), float32
        """
        module = self._module()
        with _inference_mode(module):
            parts = [module.embed(xb) for xb in self._iter_batches(X)]
        return self._to_numpy(parts, getattr(module, "embedding_dim", 0))

    def head_logits(self, Z):
        """Logits of the head applied to embeddings ``Z`` (dropout off).

        Parameters
        ----------
        Z : array-like of shape (n_samples, embedding_dim)

        Returns
        -------
        logits : ndarray of shape (n_samples, n_classes)
        """
        module = self._module()
        with _inference_mode(module):
            parts = [module.head(zb) for zb in self._iter_batches(np.asarray(Z))]
        return self._to_numpy(parts, len(self.classes_))

    def linear_head(self):
        """Weights ``W`` (n_classes, D) and bias ``b`` (n_classes,) of a linear head.

        ``module.head`` may be a submodule or a method (``def head(self, z):
        return self.fc(z)``). The last ``torch.nn.Linear`` that ``head`` calls
        is used when its input is ``head``'s input and its output is
        ``head``'s output (e.g. ``Sequential(Dropout, Linear)`` in eval mode);
        otherwise ``W`` and ``b`` are read off ``head`` itself
        (``b = head(0)``, ``W[:, d] = head(e_d) - b``), which is exact for any
        affine head (e.g. ``F.linear`` with its own parameters). Either way
        ``head_logits(Z) == Z @ W.T + b`` is checked on random probes.

        Raises
        ------
        LearnerCapabilityError
            If the head is not affine in eval mode (e.g. a hidden layer).
        """
        module = self._module()
        return linear_head_of(module, self.device, self._batch_size())

    def head_gradients(self, X):
        """Factorised gradient of the loss w.r.t. the last layer, at ``argmax p``.

        For cross-entropy with the predicted label :math:`\\hat y`, the
        gradient w.r.t. the last layer's weights is the outer product
        :math:`(p - e_{\\hat y}) h^T` (BADGE's gradient embedding, Ash et al.
        2020, eq. 1, up to sign). It is returned as its two factors, so a
        strategy can compute norms (``||G_i|| ||H_i||``) and inner products
        (``(G G^T) * (H H^T)``) without an ``n x (K D)`` matrix.

        The last layer is the last ``torch.nn.Linear`` called by
        ``module.head`` (a submodule or a method) whose output is the logits;
        a head without one must be affine (see :meth:`linear_head`), and then
        ``H`` is the head's input.

        Returns
        -------
        G : ndarray of shape (n_samples, n_classes)
            ``p - onehot(argmax p)``.
        H : ndarray of shape (n_samples, D)
            Input of the last linear layer (the embedding for our modules).

        Raises
        ------
        LearnerCapabilityError
            If the logits are not the output of a Linear layer and the head
            is not affine.
        """
        module = self._module()
        nonlin = self._get_predict_nonlinearity()
        G_parts, H_parts = [], []
        affine = None
        with _inference_mode(module):
            for xb in self._iter_batches(X):
                z = module.embed(xb)
                with record_linear_calls(module) as calls:
                    logits = module.head(z)
                if calls and calls[-1][2].shape == logits.shape and torch.allclose(
                    calls[-1][2], logits
                ):
                    h = calls[-1][1]
                else:
                    if affine is None:
                        self.linear_head()  # raises if the head is not affine
                        affine = True
                    h = z
                p = nonlin(logits)
                g = p.clone()
                g[torch.arange(p.shape[0]), p.argmax(dim=1)] -= 1.0
                G_parts.append(g)
                H_parts.append(h.reshape(h.shape[0], -1))
        width = H_parts[0].shape[1] if H_parts else 0
        return self._to_numpy(G_parts, len(self.classes_)), self._to_numpy(H_parts, width)

    def head_gradient_factors(self, X):
        """``(onehot(argmax p) - p, H)``: :meth:`head_gradients` with the sign
        convention of :func:`skactive.utils.head_gradient_factors`."""
        G, H = self.head_gradients(X)
        return -G, H

    def embedding_gradients(self, X):
        """Gradient of the cross-entropy at the predicted label w.r.t. ``Z = embed(X)``.

        Used by ALFA-Mix. Computed by autograd through the head only (the
        embedding pass runs without gradients), dropout off.

        Returns
        -------
        grad : ndarray of shape (n_samples, D)
        """
        module = self._module()
        parts = []
        with _inference_mode(module):
            for xb in self._iter_batches(X):
                z = module.embed(xb)
                with torch.enable_grad():
                    z = z.detach().requires_grad_(True)
                    logits = module.head(z)
                    loss = nn.functional.cross_entropy(
                        logits, logits.argmax(dim=1), reduction="sum"
                    )
                    (grad,) = torch.autograd.grad(loss, z)
                parts.append(grad)
        return self._to_numpy(parts, getattr(module, "embedding_dim", 0))

    def predict_proba_samples(self, X, n_samples=10, random_state=None):
        """Class probabilities of ``n_samples`` stochastic forward passes (MC dropout).

        Dropout layers are switched on, everything else (batch norm) stays in
        eval mode -- unlike DeepAL+'s ``net.train()``, which also updates
        batch-norm statistics. When all dropout sits in the module's ``head``
        (as in :mod:`skactive.neural` modules) the embedding is computed once
        per batch and only the head is sampled, so ``n_samples`` passes cost
        little more than one.

        Parameters
        ----------
        X : array-like of shape (n, ...)
        n_samples : int, default=10
        random_state : int, RandomState instance or None, default=None
            Seeds the dropout masks (torch's global generator is restored);
            None falls back to the net's ``random_state``.

        Returns
        -------
        P : ndarray of shape (n_samples, n, n_classes), float32
        """
        module = self._module(need_head=False)
        dropouts = {
            name: m for name, m in module.named_modules() if isinstance(m, _DropoutNd) and m.p > 0
        }
        if not dropouts:
            raise LearnerCapabilityError(
                f"{type(module).__name__} has no dropout layer with p > 0, so MC-dropout "
                "samples would all be equal; set e.g. module__dropout=0.3."
            )
        n_samples = int(n_samples)
        if n_samples < 1:
            raise ValueError(f"n_samples must be >= 1, got {n_samples}.")
        head_only = hasattr(module, "head") and hasattr(module, "embed") and all(
            name.startswith("head.") for name in dropouts
        )
        nonlin = self._get_predict_nonlinearity()
        parts = []
        seed = self.random_state if random_state is None else random_state
        with torch_seed(seed), _inference_mode(module, dropout=True):
            for xb in self._iter_batches(X):
                if head_only:
                    z = module.embed(xb)
                    out = [nonlin(module.head(z)) for _ in range(n_samples)]
                else:
                    out = [nonlin(module(xb)) for _ in range(n_samples)]
                parts.append(torch.stack(out))
        if not parts:
            return np.empty((n_samples, 0, len(self.classes_)), dtype=np.float32)
        return torch.cat(parts, dim=1).cpu().numpy()
