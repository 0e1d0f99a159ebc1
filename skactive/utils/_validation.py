"""Input validation shared by query strategies and the active learner."""

import contextlib
import numbers

import numpy as np
from scipy import sparse
from sklearn.utils import get_tags
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_array, check_is_fitted

from ..exceptions import LearnerCapabilityError

__all__ = [
    "MAX_DENSE_POOL_BYTES",
    "NonFiniteFeaturesError",
    "check_budget",
    "check_finite_features",
    "check_n_select",
    "check_pool",
    "check_probabilities",
    "check_query_learner",
    "check_same_n_rows",
    "check_supported_estimator",
    "densify_pool",
    "named_feature_errors",
]

#: Largest dense copy (in bytes) :func:`densify_pool` makes of a sparse pool
#: for strategies whose network takes dense input (1 GiB); larger sparse pools
#: raise a ``ValueError`` that asks for a dense array or a smaller pool.
MAX_DENSE_POOL_BYTES = 1 << 30


def _learner_allows_nan(learner):
    try:
        return bool(get_tags(learner).input_tags.allow_nan)
    except Exception:  # third-party estimators with broken tags: be strict
        return False


def check_pool(X_pool, learner=None, *, dense=False, strategy_name=None):
    """Validate an unlabelled pool.

    Parameters
    ----------
    X_pool : array-like or sparse matrix of shape (n_pool, ...)
        Unlabelled samples. Any number of dimensions is accepted (images are
        ``(n, h, w)`` or ``(n, h, w, c)``).
    learner : estimator, default=None
        If given, the pool is checked against it: each sample must have the
        shape of the labelled samples (``learner.X_labeled_.shape[1:]`` for an
        :class:`~skactive.ActiveLearner`; for another fitted estimator, the
        pool must be 2-D with ``learner.n_features_in_`` columns when the
        estimator has that attribute), a DataFrame's columns must be
        ``learner.feature_names_in_`` in that order (when the learner was
        fitted on a DataFrame), and NaN is allowed only when the learner's
        tags say ``allow_nan``.
    dense : bool, default=False
        Return a dense array: a sparse pool is densified by
        :func:`densify_pool` (strategies whose network takes dense input).
    strategy_name : str, default=None
        Named in the error raised for a sparse pool too large to densify.

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
        text = _non_numeric_columns(X_pool)
        if text:
            raise ValueError(
                f"X_pool has non-numeric columns ({text}): pools are validated as "
                "numeric arrays (many strategies measure or index the pool itself), even "
                "where the learner's pipeline would encode these columns. Encode them "
                "before the learner, fitted on "
                "the whole pool (it needs no labels): pre = make_column_transformer("
                "...).fit(X_pool), then fit, query and teach on pre.transform(...)."
            ) from exc
        raise ValueError(f"Invalid X_pool: {exc}") from exc
    _check_pool_shape(X_pool, learner)
    if dense:
        X_pool = densify_pool(X_pool, strategy_name=strategy_name)
    return X_pool


def _non_numeric_columns(X):
    """``'name' (dtype), ...`` for the non-numeric columns of a DataFrame, else ''."""
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None or not hasattr(dtypes, "items"):
        return ""
    bad = [f"{name!r} ({dtype})" for name, dtype in dtypes.items()
           if getattr(dtype, "kind", "O") not in "biufc"]
    return ", ".join(bad[:5]) + (", ..." if len(bad) > 5 else "")


def _check_pool_shape(X_pool, learner):
    """Each pool sample must look like the samples the learner was fitted on."""
    if learner is None:
        return
    X_lab = getattr(learner, "X_labeled_", None)
    if X_lab is not None and hasattr(X_lab, "shape"):
        expected = tuple(X_lab.shape[1:])
        got = tuple(X_pool.shape[1:])
        if got != expected:
            what = (
                f"{expected[0]} features" if len(expected) == 1 else f"shape {expected}"
            )
            raise ValueError(
                f"X_pool has samples of shape {got} ({X_pool.ndim}-D pool), but the "
                f"learner was fitted on samples of shape {expected} ({what}); the pool "
                "must have the shape of the labelled data."
            )
        return
    n_expected = getattr(learner, "n_features_in_", None)
    if n_expected is None:
        return
    if X_pool.ndim != 2:
        raise ValueError(
            f"X_pool is {X_pool.ndim}-D (shape {X_pool.shape}), but "
            f"{type(learner).__name__} was fitted on 2-D data with {n_expected} "
            "features."
        )
    if X_pool.shape[1] != n_expected:
        raise ValueError(
            f"X_pool has {X_pool.shape[1]} features, but the learner was fitted "
            f"with {n_expected} features."
        )


def densify_pool(X_pool, *, strategy_name=None, max_bytes=None):
    """A dense copy of a sparse pool, refusing copies larger than a limit.

    Parameters
    ----------
    X_pool : array-like or sparse matrix of shape (n_pool, n_features)
        Dense input is returned unchanged.
    strategy_name : str, default=None
        Named in the error message.
    max_bytes : int, default=None
        Largest dense copy allowed; default :data:`MAX_DENSE_POOL_BYTES`.

    Returns
    -------
    X_dense : ndarray of shape (n_pool, n_features)

    Raises
    ------
    ValueError
        If the dense copy would be larger than ``max_bytes``.

    Examples
    --------
    >>> from scipy import sparse
    >>> from skactive.utils import densify_pool
    >>> densify_pool(sparse.eye(2, format="csr"))
    array([[1., 0.],
           [0., 1.]])
    """
    if not sparse.issparse(X_pool):
        return X_pool
    limit = MAX_DENSE_POOL_BYTES if max_bytes is None else int(max_bytes)
    size = int(np.prod(X_pool.shape, dtype=np.int64)) * X_pool.dtype.itemsize
    who = strategy_name or "This query strategy"
    if size > limit:
        raise ValueError(
            f"X_pool is a sparse matrix of shape {X_pool.shape}; {who} feeds dense "
            f"arrays to its network, and the dense pool would take {size / 2**30:.2f} "
            f"GiB (limit {limit / 2**30:.2f} GiB, skactive.utils._validation."
            "MAX_DENSE_POOL_BYTES). Pass a dense X_pool, or query a smaller pool."
        )
    return X_pool.toarray()


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


# ------------------------------------------------------------ computed features
class NonFiniteFeaturesError(ValueError):
    """Features a strategy computes on (raw pool rows, a pipeline's transform,
    a network's embedding) contain NaN or infinity.

    Raised by :func:`check_finite_features` (e.g. inside
    :func:`~skactive.utils.get_embedding`); the query template turns it into a
    ``ValueError`` that names the strategy and the argument holding NaN.

    Examples
    --------
    >>> from skactive.utils import NonFiniteFeaturesError
    >>> issubclass(NonFiniteFeaturesError, ValueError)
    True
    """


def _nan_rows(X):
    """Indices of rows with NaN or infinity (dense, sparse or None)."""
    if X is None or not hasattr(X, "shape") or X.shape[0] == 0:
        return np.empty(0, dtype=np.intp)
    if sparse.issparse(X):
        X = X.tocsr()
        if X.dtype.kind not in "fc":
            return np.empty(0, dtype=np.intp)
        bad = ~np.isfinite(X.data)
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        return np.unique(rows[bad])
    X = np.asarray(X)
    if X.dtype.kind not in "fc" or X.size == 0:
        return np.empty(0, dtype=np.intp)
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(X, dtype=np.float64)):  # fast path, no n x d mask
            return np.empty(0, dtype=np.intp)
    return np.flatnonzero(~np.isfinite(X.reshape(X.shape[0], -1)).all(axis=1))


def check_finite_features(Z, input_name="X"):
    """Raise :class:`NonFiniteFeaturesError` if ``Z`` holds NaN or infinity.

    Parameters
    ----------
    Z : ndarray or sparse matrix of shape (n_samples, ...)
    input_name : str, default="X"
        Named in the message.

    Returns
    -------
    Z : the input, unchanged

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.utils import check_finite_features
    >>> check_finite_features(np.array([[0.0, np.nan]]), "Z")
    Traceback (most recent call last):
    ...
    skactive.utils._validation.NonFiniteFeaturesError: Z contains NaN or infinity ...
    """
    rows = _nan_rows(Z)
    if rows.size:
        raise NonFiniteFeaturesError(
            f"{input_name} contains NaN or infinity in {rows.size} row(s) "
            f"(first: {rows[:5].tolist()}); distances, clusters and networks need "
            "finite features."
        )
    return Z


@contextlib.contextmanager
def named_feature_errors(strategy_name, X_pool, learner):
    """Re-raise :class:`NonFiniteFeaturesError` from a strategy's computation
    as a ``ValueError`` naming the strategy and the argument that holds NaN.

    Used by :meth:`skactive.base.BaseQueryStrategy.query` around ``_query``:
    when the learner accepts missing values (``allow_nan``, e.g. a random
    forest), the pool passes validation, but strategies that compute on the
    features (k-center, k-means, clustering, VAEs, GCNs) cannot.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.utils import check_finite_features, named_feature_errors
    >>> X = np.array([[0.0], [np.nan]])
    >>> with named_feature_errors("KCenterGreedy", X, None):
    ...     check_finite_features(X)
    Traceback (most recent call last):
    ...
    ValueError: KCenterGreedy computes on the features of X_pool, ...
    """
    try:
        yield
    except NonFiniteFeaturesError as exc:
        pool_rows = _nan_rows(X_pool)
        lab_rows = _nan_rows(getattr(learner, "X_labeled_", None))
        if pool_rows.size:
            where = (f"X_pool, which contains NaN in {pool_rows.size} row(s) (first: "
                     f"{pool_rows[:5].tolist()})")
        elif lab_rows.size:
            where = (f"the labelled set (learner.X_labeled_), which contains NaN in "
                     f"{lab_rows.size} row(s) (first: {lab_rows[:5].tolist()})")
        else:
            where = f"X_pool as the learner transforms them ({exc})"
        raise ValueError(
            f"{strategy_name} computes on the features of {where}. The learner "
            "accepts missing values, but this strategy does not: impute them, e.g. "
            "make_pipeline(SimpleImputer(), estimator) as the learner (the strategy "
            "then works on the imputed features), or drop those rows."
        ) from None


# ------------------------------------------------------------ estimator types
_TYPE_NAMES = {
    "clusterer": "a clusterer",
    "outlier_detector": "an outlier detector",
    "density_estimator": "a density estimator",
}


def check_supported_estimator(estimator, owner="ActiveLearner"):
    """Raise a ``ValueError`` unless ``estimator`` is a classifier or a regressor.

    Parameters
    ----------
    estimator : estimator or None
        ``None`` (the default model of ``owner``) is accepted.
    owner : str, default="ActiveLearner"
        Named in the message.

    Examples
    --------
    >>> from sklearn.cluster import KMeans
    >>> from skactive.utils import check_supported_estimator
    >>> check_supported_estimator(KMeans())
    Traceback (most recent call last):
    ...
    ValueError: ActiveLearner wraps a classifier or a regressor ...
    """
    if estimator is None:
        return
    try:
        kind = get_tags(estimator).estimator_type
    except Exception:  # third-party estimators with broken tags: duck typing below
        kind = None
    if kind in ("classifier", "regressor"):
        return
    if kind in _TYPE_NAMES:
        what = _TYPE_NAMES[kind]
    elif not hasattr(estimator, "predict"):
        what = "a transformer" if hasattr(estimator, "transform") else "not a predictor"
    else:
        return  # duck-typed predictor without sklearn tags: let fit decide
    raise ValueError(
        f"{owner} wraps a classifier or a regressor (scikit-learn estimator type "
        "'classifier' or 'regressor': e.g. SVC(), LogisticRegression(), Ridge(), "
        "a Pipeline ending in one, or a GridSearchCV over one), but got "
        f"{type(estimator).__name__}, {what}."
    )


# ------------------------------------------------------------ public helpers
def check_n_select(k, n, *, name="k", pool_name="Z"):
    """Check a number of points to select, ``1 <= k <= n``; return ``int(k)``.

    Examples
    --------
    >>> from skactive.utils import check_n_select
    >>> check_n_select(3, 10)
    3
    """
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {k!r} of type {type(k).__name__}.")
    k = int(k)
    if not 1 <= k <= n:
        raise ValueError(
            f"{name} must be in [1, {n}] (the number of rows of {pool_name}), got {k}."
        )
    return k


def check_same_n_rows(*named):
    """Check that arrays given as ``(name, array)`` pairs have the same number
    of rows.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.utils import check_same_n_rows
    >>> check_same_n_rows(("A", np.zeros((2, 3))), ("H", np.zeros((3, 3))))
    Traceback (most recent call last):
    ...
    ValueError: A and H must have the same number of rows, got 2 and 3.
    """
    (name0, a0), *rest = named
    for name, a in rest:
        if a.shape[0] != a0.shape[0]:
            raise ValueError(
                f"{name0} and {name} must have the same number of rows, got "
                f"{a0.shape[0]} and {a.shape[0]}."
            )


def check_probabilities(P, name="P", *, atol=1e-6):
    """Validate a 2-D array of class probabilities (rows in [0, 1] summing to 1).

    Returns
    -------
    P : ndarray of shape (n, K), float64

    Examples
    --------
    >>> from skactive.utils import check_probabilities
    >>> check_probabilities([[0.5, 0.5], [1.2, -0.2]], "P")
    Traceback (most recent call last):
    ...
    ValueError: P must hold probabilities in [0, 1]; row 1 has values in [-0.2, 1.2].
    """
    P = check_array(P, dtype=np.float64, input_name=name)
    bad = np.flatnonzero((P < -atol).any(axis=1) | (P > 1 + atol).any(axis=1))
    if bad.size:
        i = bad[0]
        raise ValueError(
            f"{name} must hold probabilities in [0, 1]; row {i} has values in "
            f"[{P[i].min():.3g}, {P[i].max():.3g}]."
        )
    sums = P.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > max(atol, 1e-3))
    if bad.size:
        raise ValueError(
            f"{name} rows must sum to 1 (class probabilities); row {bad[0]} sums to "
            f"{sums[bad[0]]:.6g}."
        )
    return P
