"""The contract every stream selector passes (the stream counterpart of
:func:`skactive.utils.estimator_checks.check_query_strategy`)."""

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from ._base import BaseStreamSelector
from ._budget import FixedRateBudget

__all__ = ["check_stream_selector"]


def _stream(n=600, random_state=0):
    rng = np.random.RandomState(random_state)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    return X, y


def _run(selector, learner, X, y, batch):
    labeled = np.zeros(X.shape[0], dtype=bool)
    for lo in range(0, X.shape[0], batch):
        Xb = X[lo:lo + batch]
        idx = selector.query(Xb, learner)
        if idx.dtype.kind != "i" or idx.ndim != 1:
            raise AssertionError(f"query must return a 1-D int array, got {idx!r}.")
        if idx.size and (np.any(np.diff(idx) <= 0) or idx[0] < 0 or idx[-1] >= Xb.shape[0]):
            raise AssertionError(
                f"query returned indices that are not unique, increasing and in range: {idx}."
            )
        again = selector.query(Xb, learner)
        if not np.array_equal(idx, again):
            raise AssertionError("query has a side effect: a second call decided differently.")
        selector.update(Xb, idx, y=y[lo + idx])
        labeled[lo + idx] = True
    return labeled


def check_stream_selector(selector, *, n=300):
    """Run a stream selector through the shared contract; raise on a breach.

    Checks: ``get_params`` / ``clone`` round trip and untouched parameters;
    ``query`` returns unique increasing in-range indices and has no side
    effect; ``update`` counts what it was given; the same seed gives the
    same decisions, one by one and in batches of 7 (unless the utilities
    depend on the selector's own state, e.g. PAL's label statistics, which
    are refreshed only between batches); with a gate budget
    manager (:class:`FixedRateBudget`) no window of ``w`` arrivals holds more
    than ``budget * w`` labels; filter managers spend within 30 % of the
    budget; ``budget`` outside ``(0, 1]`` and NaN arrivals raise
    ``ValueError``; an :class:`~skactive.ActiveLearner` works as the learner.

    Parameters
    ----------
    selector : BaseStreamSelector
        An unfitted selector (cloned; its ``budget`` is set to 0.1).
    n : int, default=300
        Length of the synthetic stream.

    Examples
    --------
    >>> from skactive.stream import VariableUncertainty, check_stream_selector
    >>> check_stream_selector(VariableUncertainty())
    """
    from .. import ActiveLearner

    if not isinstance(selector, BaseStreamSelector):
        raise AssertionError(f"{type(selector).__name__} is not a BaseStreamSelector.")
    name = type(selector).__name__
    params = selector.get_params()
    sel = clone(selector).set_params(budget=0.1)
    if "random_state" in params:
        sel.set_params(random_state=0)
    X, y = _stream(n)
    learner = LogisticRegression().fit(X[:40], y[:40])

    fitted = clone(sel)
    a = _run(clone(sel), learner, X, y, 1)
    b = labeled = _run(fitted, learner, X, y, 1)
    c = _run(clone(sel), learner, X, y, 7)
    if not np.array_equal(a, b):
        raise AssertionError(f"{name}: the same seed gave different decisions.")
    if not getattr(sel, "_stateful_utilities", False) and not np.array_equal(a, c):
        raise AssertionError(f"{name}: batches of 7 decided differently from one by one.")

    if fitted.n_seen_ != n or fitted.n_queried_ != labeled.sum():
        raise AssertionError(f"{name}: n_seen_ / n_queried_ do not count the updates.")
    bm = fitted.budget_manager_
    if isinstance(bm, FixedRateBudget):
        worst = np.convolve(labeled, np.ones(bm.w, int), mode="valid").max()
        if worst > 0.1 * bm.w + 1e-9:
            raise AssertionError(f"{name}: {worst} labels in a window of {bm.w} at budget 0.1.")
    elif bm.is_filter and not 0.07 <= labeled.mean() <= 0.13:
        raise AssertionError(f"{name}: spent {labeled.mean():.3f} at budget 0.1.")
    for key, value in params.items():
        if selector.get_params()[key] is not value:
            raise AssertionError(f"{name}: parameter {key} was changed.")
    if hasattr(clone(fitted), "n_seen_"):
        raise AssertionError(f"{name}: clone kept the fitted state.")

    for bad in (0, 1.5):
        try:
            clone(sel).set_params(budget=bad).query(X[:2], learner)
        except ValueError:
            pass
        else:
            raise AssertionError(f"{name}: budget={bad} did not raise ValueError.")
    X_nan = X[:3].copy()
    X_nan[1, 0] = np.nan
    try:
        clone(sel).query(X_nan, learner)
    except ValueError:
        pass
    else:
        raise AssertionError(f"{name}: NaN in X_arriving did not raise ValueError.")

    al = ActiveLearner(LogisticRegression()).fit(X[:40], y[:40])
    idx = clone(sel).query(X[40:60], al)
    if idx.size > 20:
        raise AssertionError(f"{name}: more indices than arrivals with an ActiveLearner.")
