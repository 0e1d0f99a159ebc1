"""Base class of stopping criteria and the names the CLI uses."""

import numpy as np
from sklearn.base import BaseEstimator, is_regressor
from sklearn.utils.validation import check_array, check_is_fitted

from ..utils._pools import check_dask_pool, is_dask_array

__all__ = ["BaseStoppingCriterion", "available_criteria", "get_criterion"]


class BaseStoppingCriterion(BaseEstimator):
    """Base class of stopping criteria (template method).

    A criterion is called once per active-learning round, after the learner
    was (re)fitted: :meth:`should_stop` computes one statistic from the
    learner and a set of samples, appends it to ``history_`` and says whether
    to stop. Subclasses implement ``_statistic`` and ``_decide``;
    hyper-parameters live in ``__init__`` (so :func:`~sklearn.base.clone`
    gives a fresh criterion) and the state of a run in ``_`` attributes.

    ``input`` says what :meth:`should_stop` expects as ``X``: ``"stop_set"``
    -- the same fixed set of (unlabelled) samples every round -- or
    ``"pool"`` -- the samples still unlabelled at that round.
    :func:`~skactive.experiments.simulate` passes the whole pool as the stop
    set and the unlabelled rest as the pool.

    Attributes
    ----------
    history_ : list of float
        The statistic at every call (NaN where it is not defined yet, e.g. at
        the first call of a criterion that compares successive models).
    n_rounds_ : int
        Number of calls.
    stop_round_ : int or None
        Index of the first call that returned True (None if none did).
    stopped_ : bool
        What the last call returned.
    """

    #: what ``should_stop`` expects as ``X``: "stop_set" or "pool"
    input = "pool"
    _parameter_constraints: dict = {}

    def should_stop(self, learner, X):
        """Record this round's statistic and say whether to stop labelling.

        Parameters
        ----------
        learner : fitted classifier
            An :class:`~skactive.ActiveLearner` after ``fit`` / ``teach``, or any
            fitted classifier (multi-label ones too).
        X : array-like of shape (n_samples, ...)
            The stop set (the same every round) or the unlabelled pool, see
            ``input``. A :class:`dask.array.Array` is scored block by block on
            the workers; only the per-sample predictions or uncertainties come
            back.

        Returns
        -------
        stop : bool
        """
        self._validate_params()
        name = type(self).__name__
        check_is_fitted(learner)
        if is_regressor(learner):
            raise ValueError(
                f"{name} is a stopping criterion for classifiers; the learner "
                f"({type(learner).__name__}) is a regressor."
            )
        if X is None:
            raise ValueError(f"{name}.should_stop needs X (the {self.input.replace('_', ' ')}).")
        if is_dask_array(X):  # scored blockwise on the workers, see _per_sample
            X = check_dask_pool(X, learner)
        else:
            X = check_array(X, accept_sparse=["csr", "csc"], dtype=None, allow_nd=True,
                            ensure_all_finite="allow-nan", input_name="X")
        if not hasattr(self, "history_"):
            self.history_, self.n_rounds_, self.stop_round_ = [], 0, None
        value = float(self._statistic(learner, X))
        stop = bool(self._decide(value))
        self.history_.append(value)
        self.n_rounds_ += 1
        self.stopped_ = stop
        if stop and self.stop_round_ is None:
            self.stop_round_ = self.n_rounds_ - 1
        return stop

    def _statistic(self, learner, X):
        raise NotImplementedError(f"{type(self).__name__} must implement _statistic.")

    def _decide(self, value):
        raise NotImplementedError(f"{type(self).__name__} must implement _decide.")


def _is_multilabel(learner):
    """Whether ``learner`` predicts multi-label indicator rows (a multi-label
    :class:`~skactive.ActiveLearner`, a ``OneVsRestClassifier`` fitted on an
    indicator matrix, a multi-output forest, ...)."""
    from ..utils._multilabel import is_multilabel_learner

    return is_multilabel_learner(learner)


def changed_share(a, b):
    """Share of samples whose prediction differs between ``a`` and ``b``: for
    multi-label indicator rows, a sample changed when any of its labels did."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape[0] == 0:
        return np.nan
    return float(np.mean((a != b).reshape(a.shape[0], -1).any(axis=1)))


def _apply(func, block):
    return np.asarray(func(np.asarray(block)))


def _per_sample(func, X):
    """``func(X)``, an array with one row per sample of ``X``.

    For a :class:`dask.array.Array` ``X`` (whole rows per block), ``func``
    runs on every block on the workers -- it is put in the graph once, with
    the model it holds -- and only its per-sample results (predictions,
    uncertainties) come back, so the pool is never gathered in the client.
    """
    if not is_dask_array(X):
        return func(X)
    import dask

    task = dask.delayed(func, pure=False, traverse=False)
    parts = [dask.delayed(_apply, pure=False)(task, block) for block in X.to_delayed().ravel()]
    return np.concatenate(dask.compute(*parts))


def _predict(learner, X, estimator=None):
    """Predictions of ``learner`` -- or of ``estimator``, a model the learner
    wraps (e.g. its ``previous_estimator_``), fed as the learner feeds it."""
    if estimator is None:
        return np.asarray(learner.predict(X))
    to_frame = getattr(learner, "_to_frame", None)  # DataFrame column names
    return np.asarray(estimator.predict(to_frame(X) if to_frame is not None else X))


_NAMES = {
    "stabilizing-predictions": "StabilizingPredictions",
    "max-confidence": "MaxConfidence",
    "overall-uncertainty": "OverallUncertainty",
    "classification-change": "ClassificationChange",
}


def available_criteria():
    """Names accepted by :func:`get_criterion` (and ``--stopping`` of the CLI).

    Examples
    --------
    >>> from skactive.stopping import available_criteria
    >>> available_criteria()
    ['classification-change', 'max-confidence', 'overall-uncertainty', 'stabilizing-predictions']
    """
    return sorted(_NAMES)


def get_criterion(name):
    """A new stopping criterion from its name (``"stabilizing-predictions"``, ...).

    Case and ``_`` / ``-`` are ignored; class names work too.

    Examples
    --------
    >>> from skactive.stopping import get_criterion
    >>> get_criterion("stabilizing_predictions")
    StabilizingPredictions()
    """
    from . import _agreement, _confidence

    if not isinstance(name, str):
        raise ValueError(f"A stopping criterion name must be a string, got {name!r}.")
    key = name.strip().lower().replace("_", "-")
    classes = {c.lower(): c for c in _NAMES.values()}
    cls_name = _NAMES.get(key) or classes.get(key.replace("-", ""))
    if cls_name is None:
        raise ValueError(
            f"Unknown stopping criterion {name!r}; available: {', '.join(available_criteria())}."
        )
    module = _agreement if hasattr(_agreement, cls_name) else _confidence
    return getattr(module, cls_name)()
