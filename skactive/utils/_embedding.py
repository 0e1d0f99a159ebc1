"""The embedding / head protocol: latent features, linear heads and gradient
embeddings from any fitted learner.

Strategies that work in a latent space (KMeans, KCenterGreedy/CoreSet,
ClusterMargin, DBAL, BADGE, ALFA-Mix, ...) never look inside a learner
themselves; they call the functions of this module, which resolve the learner
once and answer for every supported kind of model.

Resolution
----------
The learner is unwrapped until a *final estimator* is reached:

* :class:`~skactive.ActiveLearner` -> its fitted ``estimator_``;
* a fitted search (``GridSearchCV``, ``RandomizedSearchCV``) -> ``best_estimator_``;
* a :class:`~sklearn.pipeline.Pipeline` -> all steps but the last become the
  *feature transform* (applied to ``X`` in order), the last step is unwrapped
  further.

Protocol methods (duck-typed; optional, they take precedence)
--------------------------------------------------------------
A final estimator (e.g. the skorch ``ActiveNeuralNetClassifier``) plugs in by
defining any of these methods; all take and return NumPy arrays, rows in the
order of the input, classes in the order of ``classes_``:

``embed(X) -> Z``
    Latent features, shape ``(n, D)`` (the input of the last linear layer).
``head_logits(Z) -> logits``
    Class logits ``(n, K)`` from latent features (any head, not only linear).
``linear_head() -> (W, b)``
    Weights ``(K, D)`` and bias ``(K,)`` of a linear last layer, so that
    ``head_logits(Z) == Z @ W.T + b``.
``head_gradient_factors(X) -> (A, H)``
    The two factors of the last-layer gradient embedding of BADGE:
    ``A = onehot(argmax p) - p`` of shape ``(n, K)`` and ``H = embed(X)``, so that
    the per-sample gradient of the cross-entropy at the predicted label w.r.t.
    the last-layer weights is ``-(A[i, :, None] * H[i, None, :])``.

Without those methods (plain scikit-learn models):

* ``embed``: the identity (flattened to ``(n, -1)``, sparse input densified);
  for a pipeline the output of its feature transform.
* linear head: ``coef_`` / ``intercept_`` of ``LogisticRegression``,
  ``LinearSVC``, ``SGDClassifier``, ``RidgeClassifier`` (any estimator whose
  ``coef_`` has one row per class, or one row for a binary problem). A binary
  head ``(w, b)`` becomes the two rows ``(-w/2, -b/2)`` and ``(w/2, b/2)``: the
  softmax of these logits equals the logistic ``predict_proba`` of
  ``LogisticRegression`` and the logit difference equals ``decision_function``.
  Models without such a head (trees, kernel SVC, multiclass one-vs-one
  ``SVC(kernel="linear")``) raise :class:`~skactive.exceptions.LearnerCapabilityError`.
* probabilities for gradient embeddings: ``predict_proba`` of the final
  estimator when it has one, otherwise the softmax of the head logits.

Public functions
----------------
:func:`resolve_learner`, :func:`get_embedding`, :func:`get_linear_head`,
:func:`head_logits`, :func:`head_gradient_factors`, :func:`gradient_embedding`,
:func:`check_embedding_learner`.
"""

import numpy as np
from scipy import sparse
from scipy.special import softmax

from ..exceptions import LearnerCapabilityError
from ._scores import iter_pool_chunks, pool_chunk_size
from ._validation import check_finite_features

__all__ = [
    "check_embedding_learner",
    "get_embedding",
    "get_linear_head",
    "gradient_embedding",
    "head_gradient_factors",
    "head_logits",
    "resolve_learner",
]


def resolve_learner(learner):
    """Split a fitted learner into its feature transforms and final estimator.

    Parameters
    ----------
    learner : fitted estimator
        An :class:`~skactive.ActiveLearner`, a fitted search, a pipeline or a
        bare estimator (nested in any order).

    Returns
    -------
    transforms : list of fitted transformers
        Applied to ``X`` in order to get the input of ``final`` (the first
        one turns arrays back into DataFrames when an ActiveLearner was
        fitted on a DataFrame).
    final : fitted estimator
        The model at the end of the chain.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skactive.utils import resolve_learner
    >>> pipe = make_pipeline(StandardScaler(), LogisticRegression())
    >>> pipe = pipe.fit(np.array([[0.0], [1.0], [2.0], [3.0]]), [0, 0, 1, 1])
    >>> transforms, final = resolve_learner(pipe)
    >>> len(transforms), type(final).__name__
    (1, 'LogisticRegression')
    """
    from sklearn.pipeline import Pipeline

    transforms = []
    est = learner
    for _ in range(100):  # guards against a pathological self-reference
        if _is_active_learner(est):
            if getattr(est, "feature_names_in_", None) is not None:
                # fitted on a DataFrame: the wrapped model expects its columns
                transforms.append(_ToFrame(est))
            est = est.estimator_
        elif hasattr(est, "best_estimator_"):
            est = est.best_estimator_
        elif isinstance(est, Pipeline):
            if len(est) > 1:
                transforms.append(est[:-1])
            est = est.steps[-1][1]
        else:
            break
    return transforms, est


def _is_active_learner(est):
    """A fitted :class:`~skactive.ActiveLearner` (duck-typed: the utilities sit
    below the learner in the import graph and never import it)."""
    return hasattr(est, "X_labeled_") and hasattr(est, "estimator_") and hasattr(
        est, "query_strategy_"
    )


class _ToFrame:
    """Arrays to the DataFrame an :class:`~skactive.ActiveLearner` was fitted on."""

    def __init__(self, learner):
        self.transform = learner._to_frame


def _transform(transforms, X):
    for t in transforms:
        X = t.transform(X)
    return X


def _as_2d_dense(Z):
    if sparse.issparse(Z):
        Z = Z.toarray()
    Z = np.asarray(Z)
    if Z.ndim != 2:
        Z = Z.reshape(Z.shape[0], -1)
    # strategies compute distances / clusters on these: NaN (from a learner
    # that accepts missing values) is reported, not silently propagated
    return check_finite_features(Z, "the features")


def get_embedding(learner, X, *, space="embedding"):
    """Latent features of ``X`` under a fitted learner.

    Parameters
    ----------
    learner : fitted estimator
        See :func:`resolve_learner`.
    X : array-like of shape (n_samples, ...)
    space : {"embedding", "input"}, default="embedding"
        ``"embedding"``: the final estimator's ``embed`` applied to the output
        of the pipeline's feature transform (identity when there is no
        ``embed``). ``"input"``: ``X`` itself, flattened.

    Returns
    -------
    Z : ndarray of shape (n_samples, n_features_latent)
        Dense; sparse outputs are densified.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skactive.utils import get_embedding
    >>> X = np.array([[0.0], [2.0]])
    >>> pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, [0, 1])
    >>> get_embedding(pipe, X)
    array([[-1.],
           [ 1.]])
    >>> get_embedding(pipe, X, space="input")
    array([[0.],
           [2.]])
    """
    if space == "input":
        return _as_2d_dense(X)
    if space != "embedding":
        raise ValueError(f"space must be 'embedding' or 'input', got {space!r}.")
    if _unfitted_wrapper(learner):  # a model-free strategy choosing the initial set
        transforms, final = resolve_unfitted_learner(learner, X)
    else:
        transforms, final = resolve_learner(learner)
    Xt = _transform(transforms, X)
    if hasattr(final, "embed"):
        Xt = final.embed(Xt)
    return _as_2d_dense(Xt)


def _unfitted_wrapper(learner):
    """An unfitted ActiveLearner, Pipeline or search (a bare estimator is
    its own final estimator either way)."""
    from sklearn.pipeline import Pipeline

    if hasattr(learner, "_make_estimator") and hasattr(learner, "query_strategy"):
        return not hasattr(learner, "estimator_")
    if isinstance(learner, Pipeline) or (
        hasattr(learner, "cv") and hasattr(learner, "estimator")
    ):
        return not _is_fitted(learner)
    return False


def _is_fitted(estimator):
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    except (TypeError, AttributeError):  # not a full estimator: checked elsewhere
        return True
    return True


def resolve_unfitted_learner(learner, X):
    """Feature transforms of an *unfitted* learner, fitted on ``X`` itself.

    Used when a model-free strategy (TypiClust, ProbCover, KMeansSampling,
    KCenterGreedy) chooses the initial labelled set before anything is
    fitted. The learner is unwrapped as in :func:`resolve_learner` (an
    unfitted :class:`~skactive.ActiveLearner` -> a clone of its estimator, an
    unfitted search -> its ``estimator``); the steps before the last one of a
    :class:`~sklearn.pipeline.Pipeline` are cloned and fitted on ``X``
    without labels (``StandardScaler``, ``PCA``, ... : the initial set is
    chosen in the feature space the model will see; a transformer that needs
    ``y`` raises its own error). The learner itself is not modified. A final
    estimator with an ``embed`` method (a network) cannot embed before it is
    trained: :class:`~sklearn.exceptions.NotFittedError` (use
    ``space="input"``).

    Returns ``(transforms, final)`` like :func:`resolve_learner`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skactive.utils._embedding import resolve_unfitted_learner
    >>> X = np.array([[0.0], [2.0]])
    >>> transforms, final = resolve_unfitted_learner(
    ...     make_pipeline(StandardScaler(), LogisticRegression()), X)
    >>> transforms[0].transform(X).ravel().tolist(), type(final).__name__
    ([-1.0, 1.0], 'LogisticRegression')
    """
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError
    from sklearn.pipeline import Pipeline

    transforms = []
    est, Xt = learner, X
    for _ in range(100):  # guards against a pathological self-reference
        if hasattr(est, "_make_estimator") and hasattr(est, "query_strategy"):
            est = est._make_estimator()  # an unfitted ActiveLearner
        elif hasattr(est, "best_estimator_") or (
            hasattr(est, "estimator") and hasattr(est, "cv") and not _is_fitted(est)
        ):
            est = getattr(est, "best_estimator_", None) or est.estimator
        elif isinstance(est, Pipeline):
            if len(est) > 1:
                head = clone(est[:-1]).fit(Xt)
                transforms.append(head)
                Xt = head.transform(Xt)
            est = est.steps[-1][1]
        else:
            break
    if hasattr(est, "embed") and not _is_fitted(est):
        raise NotFittedError(
            f"The learner is not fitted, and its {type(est).__name__} cannot embed "
            "the pool before it is trained: use space='input' (raw features) to "
            "choose the initial set, or fit the learner first."
        )
    return transforms, est


def get_linear_head(learner):
    """Weights and bias of the learner's linear last layer.

    Parameters
    ----------
    learner : fitted estimator
        See :func:`resolve_learner`. The final estimator defines
        ``linear_head()`` or has ``coef_`` (one row per class, or one row for a
        binary problem) and ``intercept_``.

    Returns
    -------
    W : ndarray of shape (n_classes, n_features_latent)
    b : ndarray of shape (n_classes,)
        Logits are ``Z @ W.T + b``, columns in the order of ``classes_``. A
        binary head ``(w, b)`` is returned as the rows ``-w/2`` and ``w/2``
        (softmax = logistic probability; logit difference = decision value).

    Raises
    ------
    LearnerCapabilityError
        If the final estimator has no linear head.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.svm import LinearSVC
    >>> from skactive.utils import get_linear_head
    >>> clf = LinearSVC().fit(np.array([[0.0], [1.0], [2.0], [3.0]]), [0, 0, 1, 1])
    >>> W, b = get_linear_head(clf)
    >>> W.shape, bool(np.allclose(W[0], -W[1]))
    ((2, 1), True)
    """
    _, final = resolve_learner(learner)
    name = type(final).__name__
    if hasattr(final, "linear_head"):
        W, b = final.linear_head()
        return np.asarray(W, dtype=float), np.asarray(b, dtype=float).ravel()
    coef = getattr(final, "coef_", None)
    if coef is None:
        raise LearnerCapabilityError(
            f"{name} has no linear head: expected a final estimator with coef_ "
            "and intercept_ (LogisticRegression, LinearSVC, SGDClassifier, "
            "RidgeClassifier, ...) or one that defines linear_head() (the "
            "skactive embedding/head protocol)."
        )
    W = coef.toarray() if sparse.issparse(coef) else np.asarray(coef, dtype=float)
    if W.ndim == 1:
        W = W[None, :]
    n_classes = len(getattr(final, "classes_", ())) or W.shape[0]
    b = np.broadcast_to(
        np.asarray(getattr(final, "intercept_", 0.0), dtype=float).ravel(), (W.shape[0],)
    ).copy()
    if W.shape[0] == 1 and n_classes == 2:
        return np.vstack([-W / 2, W / 2]), np.r_[-b / 2, b / 2]
    one_vs_one = hasattr(final, "dual_coef_") and hasattr(final, "support_")
    if W.shape[0] != n_classes or (one_vs_one and n_classes > 2):
        raise LearnerCapabilityError(
            f"{name} has coef_ of shape {W.shape}, which is not one row per class "
            f"({n_classes} classes): it is not a linear softmax-style head (e.g. "
            "one-vs-one SVC). Use LogisticRegression, LinearSVC or SGDClassifier."
        )
    return W, b


def head_logits(learner, Z):
    """Class logits of latent features ``Z`` (``head_logits`` or ``Z @ W.T + b``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive.utils import head_logits
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> clf = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> L = head_logits(clf, X)
    >>> bool(np.allclose(L[:, 1] - L[:, 0], clf.decision_function(X)))
    True
    """
    _, final = resolve_learner(learner)
    if hasattr(final, "head_logits"):
        return np.asarray(final.head_logits(Z), dtype=float)
    W, b = get_linear_head(final)
    return np.asarray(Z) @ W.T + b


def check_embedding_learner(learner, *, head=False, strategy_name="The query strategy"):
    """Raise a clear error if ``learner`` cannot give what a latent-space
    strategy needs.

    Every fitted estimator has an embedding (the identity at worst), so only
    ``head=True`` (a linear head or the protocol's ``head_gradient_factors``)
    can fail.

    Raises
    ------
    LearnerCapabilityError

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from skactive.utils import check_embedding_learner
    >>> tree = DecisionTreeClassifier().fit([[0.0], [1.0]], [0, 1])
    >>> check_embedding_learner(tree, head=True, strategy_name="BADGE")
    Traceback (most recent call last):
    ...
    skactive.exceptions.LearnerCapabilityError: BADGE needs the gradient ...
    """
    if not head:
        return
    _, final = resolve_learner(learner)
    if hasattr(final, "head_gradient_factors"):
        return
    try:
        get_linear_head(final)
    except LearnerCapabilityError as exc:
        raise LearnerCapabilityError(
            f"{strategy_name} needs the gradient of a linear last layer, but {exc}"
        ) from exc


def head_gradient_factors(learner, X, *, include_bias=False, chunk_size=None):
    r"""Factors ``(A, H)`` of the BADGE gradient embedding of ``X``.

    For a linear last layer with softmax cross-entropy, the gradient w.r.t.
    the weights at the predicted label :math:`\hat y = \arg\max_k p_k` is
    :math:`(p - e_{\hat y}) \otimes h`. BADGE (Ash et al. 2020, eq. 1) uses
    :math:`g = (e_{\hat y} - p) \otimes h` (the sign does not change
    distances). The ``(n, K*D)`` matrix is never built: ``g_i = A_i (x) H_i``,
    so ``||g_i||^2 = ||A_i||^2 ||H_i||^2`` and ``g_i . g_j = (A_i . A_j)(H_i . H_j)``.

    Parameters
    ----------
    learner : fitted estimator
        With a linear head (see :func:`get_linear_head`) or defining
        ``head_gradient_factors(X)`` (used as is).
    X : array-like of shape (n_samples, ...)
    include_bias : bool, default=False
        Append a constant 1 to ``H`` so that the bias gradient is part of the
        embedding. The reference code of BADGE leaves the bias out.
    chunk_size : int, default=None
        Rows per ``predict_proba`` call (default: from ``working_memory``).

    Returns
    -------
    A : ndarray of shape (n_samples, n_classes)
        ``onehot(argmax p) - p``.
    H : ndarray of shape (n_samples, n_features_latent)
        The latent features (``get_embedding``), dtype kept.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive.utils import head_gradient_factors
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> clf = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> A, H = head_gradient_factors(clf, X)
    >>> A.shape, H.shape, bool(np.allclose(A.sum(axis=1), 0))
    ((4, 2), (4, 1), True)
    """
    transforms, final = resolve_learner(learner)
    if hasattr(final, "head_gradient_factors"):
        A, H = final.head_gradient_factors(_transform(transforms, X))
        A, H = np.asarray(A, dtype=float), _as_2d_dense(H)
    else:
        check_embedding_learner(final, head=True, strategy_name="head_gradient_factors")
        Xt = _transform(transforms, X)
        H = _as_2d_dense(final.embed(Xt) if hasattr(final, "embed") else Xt)
        n = H.shape[0]
        W = b = None
        if not hasattr(final, "predict_proba"):
            W, b = get_linear_head(final)
        if chunk_size is None:
            chunk_size = pool_chunk_size(n, row_bytes=8 * (len(final.classes_) * 4 + 1))
        A = None
        for sl in iter_pool_chunks(n, chunk_size):
            if W is None:
                P = np.asarray(final.predict_proba(Xt[sl]), dtype=float)
            else:
                P = softmax(H[sl] @ W.T + b, axis=1)
            if A is None:
                A = np.empty((n, P.shape[1]))
            y_hat = np.argmax(P, axis=1)
            P = -P
            P[np.arange(P.shape[0]), y_hat] += 1.0
            A[sl] = P
    if include_bias:
        H = np.hstack([H, np.ones((H.shape[0], 1), dtype=H.dtype)])
    return A, H


def gradient_embedding(learner, X, *, include_bias=False):
    """The materialised BADGE gradient embedding, shape ``(n, K*D)``.

    Only for small pools (tests, inspection): strategies use the factors of
    :func:`head_gradient_factors` instead. Row ``i`` is ``kron(A_i, H_i)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive.utils import gradient_embedding
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> clf = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> gradient_embedding(clf, X).shape
    (4, 2)
    """
    A, H = head_gradient_factors(learner, X, include_bias=include_bias)
    return (A[:, :, None] * H[:, None, :]).reshape(A.shape[0], -1)
