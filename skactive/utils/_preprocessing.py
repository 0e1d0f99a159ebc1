"""Label-free preprocessing fitted once on the pool instead of on the labels."""

import re

from sklearn.base import BaseEstimator, clone
from sklearn.pipeline import Pipeline

__all__ = ["freeze_preprocessing"]

#: How scikit-learn (and Python) refuse a fit without ``y``.
_NEEDS_Y = re.compile(r"requires y to be passed|required positional argument: 'y'")


def freeze_preprocessing(estimator, X_pool):
    """A copy of ``estimator`` whose label-free preprocessing is fitted on
    ``X_pool`` and frozen.

    A pipeline such as ``make_pipeline(StandardScaler(), SVC())`` refits its
    scaler on the labelled set at every round of active learning, i.e. on a
    few dozen rows early on: a feature that barely varies among them gets a
    tiny standard deviation, and pool rows that differ there get huge
    z-values. The pool's features need no labels, so the leading steps of a
    :class:`~sklearn.pipeline.Pipeline` that do not need ``y`` (scalers,
    imputers, PCA, ...: not those whose ``target_tags.required`` is set or
    whose ``fit`` refuses ``y=None``, like ``SelectKBest``) can be
    fitted once on the pool. Each such step is replaced by a
    :class:`sklearn.frozen.FrozenEstimator` of its fit on ``X_pool``
    (transformed by the steps before it); the first step that needs ``y``
    and everything after it are left as they are.

    Meta-estimators are followed through their ``estimator`` parameter
    (``GridSearchCV``, :class:`~skactive.ActiveLearner`, ``OneVsRestClassifier``,
    ...). A search that tunes a parameter of a frozen step then fails with
    scikit-learn's "invalid parameter" error. Anything else is returned as an
    unfitted clone, unchanged.

    Parameters
    ----------
    estimator : estimator
        Unfitted; it is not modified (the result is built from clones).
    X_pool : array-like of shape (n_pool, n_features)
        The unlabelled pool (or any label-free sample of the feature
        distribution, e.g. pool and labelled set together).

    Returns
    -------
    estimator : estimator
        The copy with its leading label-free steps fitted and frozen.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.svm import SVC
    >>> from skactive.utils import freeze_preprocessing
    >>> X_pool = np.random.RandomState(0).normal(loc=5.0, size=(100, 2))
    >>> model = freeze_preprocessing(make_pipeline(StandardScaler(), SVC()), X_pool)
    >>> model.steps[0][1].estimator.mean_.round(1)
    array([5. , 5.1])
    >>> model.fit(X_pool[:4], [0, 0, 1, 1]).steps[0][1].estimator.mean_.round(1)  # kept
    array([5. , 5.1])
    """
    if not isinstance(estimator, BaseEstimator):
        raise TypeError(
            f"freeze_preprocessing needs a scikit-learn estimator, got "
            f"{type(estimator).__name__}."
        )
    if isinstance(estimator, Pipeline):
        return _freeze_pipeline(estimator, X_pool)
    params = estimator.get_params(deep=False)
    inner = params.get("estimator")
    if isinstance(inner, BaseEstimator):
        return clone(estimator).set_params(estimator=freeze_preprocessing(inner, X_pool))
    return clone(estimator)


def _freeze_pipeline(pipe, X_pool):
    from sklearn.frozen import FrozenEstimator
    from sklearn.utils import get_tags

    pipe = clone(pipe)
    steps, Xt = list(pipe.steps), X_pool
    for i, (name, step) in enumerate(steps[:-1]):
        if step is None or step == "passthrough":
            continue
        if isinstance(step, FrozenEstimator):
            fitted = step
        elif get_tags(step).target_tags.required:
            break
        else:
            try:
                fitted = FrozenEstimator(clone(step).fit(Xt))
            except (TypeError, ValueError) as exc:
                if _NEEDS_Y.search(str(exc)):  # a supervised step (SelectKBest, ...)
                    break
                raise
        steps[i] = (name, fitted)
        Xt = fitted.transform(Xt)
    pipe.steps = steps
    return pipe

