"""Input validation shared by query strategies and the active learner."""

import numbers

import numpy as np
from scipy import sparse
from sklearn.utils import get_tags
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_array, check_is_fitted

from ..exceptions import LearnerCapabilityError

__all__ = ["check_budget", "check_pool", "check_query_learner"]


def _learner_allows_nan(learner):
    try:
        return bool(get_tags(learner).input_tags.allow_nan)
    except Exception:  # third-party estimators with broken tags: be strict
        return False


def check_pool(X_pool, learner=None):
    """Validate an unlabelled pool.

    Parameters
    ----------
    X_pool : array-like or sparse matrix of shape (n_pool, ...)
        Unlabelled samples. Any number of dimensions is accepted (images are
        ``(n, h, w)`` or ``(n, h, w, c)``).
    learner : estimator, default=None
        If given, the pool is checked against it: the number of features must
        match ``learner.n_features_in_`` (for 2-D pools), a DataFrame's columns
        must be ``learner.feature_names_in_`` in that order (when the learner
        was fitted on a DataFrame), and NaN is allowed only when the learner's
        tags say ``allow_nan``.

    Returns
    -------
    X_pool : ndarray or sparse matrix
        The validated pool.

    Raises
    ------
    ValueError
        If the pool is empty, contains NaN or infinity (unless the learner
        accepts NaN), or has the wrong number of features.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.utils import check_pool
    >>> check_pool([[0.0, 1.0], [2.0, 3.0]]).shape
    (2, 2)
    """
    if X_pool is None:
        raise ValueError("X_pool must be an array-like of unlabelled samples, got None.")
    names = getattr(learner, "feature_names_in_", None)
    columns = getattr(X_pool, "columns", None)
    if names is not None and columns is not None and list(columns) != list(names):
        missing = [c for c in names if c not in set(columns)]
        raise ValueError(
            "X_pool's columns differ from those the learner was fitted with"
            + (f" (missing: {missing[:5]})" if missing else " (same names, other order)")
            + f"; expected {list(names)[:10]}{'...' if len(names) > 10 else ''}."
        )
    if not sparse.issparse(X_pool) and not hasattr(X_pool, "shape"):
        X_pool = np.asarray(X_pool)
    if X_pool.ndim == 0 or X_pool.shape[0] == 0:
        raise ValueError(
            f"X_pool is empty (shape {X_pool.shape}): there is nothing left to query."
        )
    allow_nan = learner is not None and _learner_allows_nan(learner)
    try:
        X_pool = check_array(
            X_pool,
            accept_sparse=["csr", "csc"],
            dtype="numeric",
            allow_nd=True,
            ensure_all_finite="allow-nan" if allow_nan else True,
            ensure_min_features=1,
            input_name="X_pool",
            copy=columns is not None,  # pandas may hand out read-only views
        )
    except ValueError as exc:
        raise ValueError(f"Invalid X_pool: {exc}") from exc
    n_expected = getattr(learner, "n_features_in_", None)
    if n_expected is not None and X_pool.ndim == 2 and X_pool.shape[1] != n_expected:
        raise ValueError(
            f"X_pool has {X_pool.shape[1]} features, but the learner was fitted "
            f"with {n_expected} features."
        )
    return X_pool


def check_budget(budget, n_pool):
    """Validate a query budget against the pool size.

    Examples
    --------
    >>> from skactive.utils import check_budget
    >>> check_budget(3, 10)
    3
    """
    if isinstance(budget, (bool, np.bool_)) or not isinstance(budget, numbers.Integral):
        raise ValueError(
            f"budget must be a positive integer, got {budget!r} of type "
            f"{type(budget).__name__}."
        )
    budget = int(budget)
    if budget < 1:
        raise ValueError(f"budget must be >= 1, got {budget}.")
    if budget > n_pool:
        raise ValueError(
            f"budget={budget} is larger than the pool (X_pool has {n_pool} samples)."
        )
    return budget


def check_query_learner(learner, tags, strategy_name="The query strategy"):
    """Check that ``learner`` is fitted and offers what ``tags`` ask for.

    Parameters
    ----------
    learner : estimator
        A fitted :class:`~skactive.ActiveLearner` or any fitted classifier.
    tags : QueryStrategyTags
        The strategy's capability tags.
    strategy_name : str
        Used in error messages.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the learner is not fitted, unless ``tags.requires_fitted_learner``
        is False (model-free strategies choosing the initial set; no other
        check applies then).
    LearnerCapabilityError
        If a required capability is missing.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive.base import QueryStrategyTags
    >>> from skactive.utils import check_query_learner
    >>> clf = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    >>> check_query_learner(clf, QueryStrategyTags(requires_proba=True))
    """
    if learner is None or not hasattr(learner, "fit"):
        raise TypeError(
            f"{strategy_name} needs a fitted learner (an ActiveLearner or a fitted "
            f"classifier), got {learner!r}."
        )
    if not getattr(tags, "requires_fitted_learner", True):
        try:
            check_is_fitted(learner)
        except NotFittedError:
            return  # model-free strategy, no labels yet: nothing else to check
    try:
        check_is_fitted(learner)
    except NotFittedError as exc:
        raise NotFittedError(
            f"{strategy_name} needs a fitted model, but this "
            f"{type(learner).__name__} is not fitted yet: call fit(X_labeled, "
            "y_labeled) first. Only model-free strategies (RandomSampling, "
            "TypiClust, ProbCover, KMeansSampling, KCenterGreedy) can choose the "
            "initial labelled set from an unfitted learner."
        ) from exc
    name = type(learner).__name__
    if tags.requires_proba and not hasattr(learner, "predict_proba"):
        raise LearnerCapabilityError(
            f"{strategy_name} needs class probabilities, but {name} has no "
            "predict_proba (for SVC, set probability=True), or use a margin-based "
            "strategy, which also works with decision_function."
        )
    if tags.requires_scores and not (
        hasattr(learner, "predict_proba") or hasattr(learner, "decision_function")
    ):
        raise LearnerCapabilityError(
            f"{strategy_name} needs per-class scores, but {name} has neither "
            "predict_proba nor decision_function."
        )
    if tags.requires_labeled_data and not hasattr(learner, "X_labeled_"):
        raise LearnerCapabilityError(
            f"{strategy_name} needs the labelled set, which only an ActiveLearner "
            f"keeps (X_labeled_, y_labeled_); got a bare {name}. Wrap it: "
            "ActiveLearner(estimator).fit(X_labeled, y_labeled)."
        )
