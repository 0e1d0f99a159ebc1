"""Base class of stream selectors: ``query`` (no side effect) then ``update``."""

import copy
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_array, check_is_fitted

from ..exceptions import LearnerCapabilityError
from ..utils._validation import _learner_allows_nan
from ._budget import BaseBudgetManager, FixedRateBudget

__all__ = ["BaseStreamSelector"]


class BaseStreamSelector(BaseEstimator):
    """Base class of stream selectors (template method).

    A stream selector sees the samples of a stream as they arrive, one at a
    time or in small batches, and decides for each whether to buy its label:

    >>> idx = selector.query(X_arriving, learner)   # doctest: +SKIP
    >>> selector.update(X_arriving, idx)            # doctest: +SKIP

    :meth:`query` has no side effect: it returns the indices (into
    ``X_arriving``) of the samples to label. :meth:`update` is called once the
    labels came back (or were refused): it advances the selector's state --
    thresholds, budget spending, random generator -- as if the samples in
    ``queried`` had been labelled. Calling ``update`` with what ``query``
    returned replays ``query``'s decisions exactly; another set (e.g. an
    annotator did not answer) is replayed as given.

    The samples of a batch are decided in order, as if they came one by one.
    Subclasses implement ``_utilities(X, learner)`` (vectorised, higher =
    more worth a label) and ``_want(utility)`` (the strategy's own rule
    for one sample, called only while the budget allows a label) and may use
    ``_adjust(labeled)`` for state that follows the decision.

    Parameters
    ----------
    budget : float in (0, 1], default=0.1
        Fraction of the arriving samples to label.
    budget_manager : BaseBudgetManager or None
        Spends the budget. None: each selector's default (a
        :class:`FixedRateBudget` of window 100 unless said otherwise). The
        selector works on a clone (``budget_manager_``).

    Attributes
    ----------
    budget_manager_ : BaseBudgetManager
        The manager in use, with the spending of this stream.
    n_seen_ : int
        Samples passed to :meth:`update`.
    n_queried_ : int
        Labels bought (samples marked as queried in :meth:`update`).
    random_state_ : numpy.random.RandomState
        The selector's random generator (advanced by :meth:`update` only).
    """

    _parameter_constraints: dict = {
        "budget": [Interval(Real, 0, 1, closed="right")],
        "budget_manager": [HasMethods(["_start", "_record"]), None],
    }
    #: whether :meth:`query` needs a fitted learner
    _requires_learner = True
    #: managers this selector accepts: "any", or "filter" (utility-only selectors)
    _manager_kind = "any"

    def __init__(self, budget=0.1, budget_manager=None):
        self.budget = budget
        self.budget_manager = budget_manager

    # -- state -------------------------------------------------------------
    def _default_budget_manager(self):
        return FixedRateBudget()

    def _init_state(self):
        """Create the fitted state at the first call of query/update."""
        if hasattr(self, "budget_manager_"):
            return
        self._validate_params()
        bm = self.budget_manager
        if bm is None:
            bm = self._default_budget_manager()
        if not isinstance(bm, BaseBudgetManager):
            raise TypeError(f"budget_manager must be a skactive.stream budget manager, got {bm!r}.")
        if self._manager_kind == "filter" and not bm.is_filter:
            raise ValueError(
                f"{type(self).__name__} has no threshold of its own: its budget_manager "
                f"must decide from utilities (e.g. BalancedQuantileFilter), got "
                f"{type(bm).__name__}."
            )
        bm = clone(bm)._start(self.budget)
        # a copy: a RandomState passed by the user is never advanced
        self.random_state_ = check_random_state(copy.deepcopy(getattr(self, "random_state", None)))
        self.budget_manager_ = bm
        self.n_seen_ = 0
        self.n_queried_ = 0
        self._init_strategy_state()

    def _init_strategy_state(self):
        pass

    # -- validation --------------------------------------------------------
    def _check_X(self, X, learner):
        allow_nan = learner is not None and _learner_allows_nan(learner)
        return check_array(
            X, accept_sparse=["csr", "csc"], dtype=None, allow_nd=True,
            ensure_all_finite="allow-nan" if allow_nan else True,
            input_name="X_arriving",
        )

    def _check_learner(self, learner):
        name = type(self).__name__
        if learner is None:
            raise ValueError(f"{name}.query needs a fitted learner, got learner=None.")
        try:
            check_is_fitted(learner)
        except NotFittedError as exc:
            raise NotFittedError(
                f"{name}.query needs a fitted learner; {type(learner).__name__} is not "
                f"fitted yet (fit it on a few labelled samples first)."
            ) from exc
        if not hasattr(learner, "predict_proba"):
            raise LearnerCapabilityError(
                f"{name} needs class probabilities: {type(learner).__name__} has no "
                f"predict_proba."
            )

    # -- the template ------------------------------------------------------
    def query(self, X_arriving, learner=None, *, return_utilities=False):
        """Indices of the arriving samples whose labels to buy (no side effect).

        Parameters
        ----------
        X_arriving : array-like of shape (n_arriving, ...)
            One sample (shape ``(1, n_features)``) or a small batch, in
            arrival order.
        learner : fitted classifier
            An :class:`~skactive.ActiveLearner` or any fitted classifier with
            ``predict_proba`` (ignored by selectors that need none).
        return_utilities : bool, default=False
            Also return the per-sample utilities (higher: more worth a label).

        Returns
        -------
        indices : ndarray of int, shape (n_queried,)
            Increasing, unique indices into ``X_arriving``.
        utilities : ndarray of shape (n_arriving,)
            Only with ``return_utilities=True``.
        """
        self._init_state()
        if self._requires_learner:
            self._check_learner(learner)
        X = self._check_X(X_arriving, learner)
        utilities = np.asarray(self._utilities(X, learner), dtype=float)
        self.__dict__.pop("_pending", None)
        sim = _copy_state(self)
        saved = self._rng_state()
        try:
            labeled = sim._advance(utilities, forced=None)
        finally:  # the dry run leaves the generator where it was
            self._rng_state(saved)
        self._pending = (X, utilities, labeled, X_arriving)
        indices = np.flatnonzero(labeled)
        return (indices, utilities) if return_utilities else indices

    def update(self, X_arriving, queried, learner=None, *, y=None):
        """Advance the state after the labels of ``X_arriving[queried]`` came back.

        Parameters
        ----------
        X_arriving : array-like of shape (n_arriving, ...)
            The samples passed to the last :meth:`query`.
        queried : array-like of int indices, or boolean mask of shape (n_arriving,)
            The samples that were labelled.
        learner : fitted classifier, default=None
            Needed only when ``X_arriving`` is not the batch of the last
            :meth:`query` (its utilities are then recomputed).
        y : array-like of shape (n_queried,), default=None
            The labels of ``X_arriving[queried]``, for selectors that keep label
            statistics (:class:`StreamProbabilisticAL`); ignored by the others.

        Returns
        -------
        self
        """
        self._init_state()
        pending = getattr(self, "_pending", None)
        if pending is not None and X_arriving is pending[3]:
            X = pending[0]  # the very object query validated
        else:
            X = self._check_X(X_arriving, learner)
        n = X.shape[0]
        mask = self._queried_mask(queried, n)
        if pending is not None and _same(pending[0], X):
            utilities = pending[1]
        elif self._requires_learner and learner is None:
            raise ValueError(
                f"{type(self).__name__}.update: X_arriving is not the batch of the last "
                f"query; pass the learner to recompute its utilities."
            )
        else:
            if self._requires_learner:
                self._check_learner(learner)
            utilities = np.asarray(self._utilities(X, learner), dtype=float)
        sim = _copy_state(self)  # committed only when the replay succeeds
        saved = self._rng_state()
        try:
            sim._advance(utilities, forced=mask)
            sim._after_update(X, mask)
        except BaseException:
            self._rng_state(saved)
            raise
        self.__dict__.update(sim.__dict__)
        self.__dict__.pop("_pending", None)
        return self

    def _rng_state(self, state=None):
        """Get (or, given ``state``, restore) the generator's state; only for
        selectors that draw random numbers (those with a ``random_state``)."""
        if "random_state" not in self.__dict__:
            return None
        if state is None:
            return self.random_state_.get_state()
        self.random_state_.set_state(state)
        return state

    @staticmethod
    def _queried_mask(queried, n):
        q = np.asarray(queried)
        if q.dtype == bool:
            if q.shape != (n,):
                raise ValueError(
                    f"queried as a boolean mask must have shape ({n},), got {q.shape}."
                )
            return q.copy()
        q = q.ravel()
        if q.size and (not np.issubdtype(q.dtype, np.integer) or q.min() < 0 or q.max() >= n):
            raise ValueError(
                f"queried must hold indices in [0, {n}) or a boolean mask, got {queried!r}."
            )
        if np.unique(q).size != q.size:
            raise ValueError("queried holds duplicate indices.")
        mask = np.zeros(n, dtype=bool)
        mask[q.astype(int)] = True
        return mask

    def _advance(self, utilities, forced=None):
        """Decide the samples in order; ``forced`` replays given decisions."""
        bm = self.budget_manager_
        labeled = np.zeros(utilities.shape[0], dtype=bool)
        for i, u in enumerate(utilities):
            if bm.is_filter:
                u = self._filter_utility(u)
                want, adjust = bm._filter(u), False
            elif bm._available():
                want, adjust = self._want(u)
            else:
                want, adjust = False, False
                if forced is not None and forced[i]:
                    raise ValueError(
                        f"queried marks sample {i} as labelled, but the budget allowed no "
                        f"label for it ({type(bm).__name__}): the budget would be exceeded."
                    )
            lab = bool(want) if forced is None else bool(forced[i])
            if adjust:
                self._adjust(lab)
            bm._record(u, lab)
            labeled[i] = lab
        self.n_seen_ += utilities.shape[0]
        self.n_queried_ += int(labeled.sum())
        return labeled

    def _filter_utility(self, utility):
        return utility

    def _adjust(self, labeled):
        pass

    def _after_update(self, X, mask):
        pass

    def _utilities(self, X, learner):
        raise NotImplementedError

    def _want(self, utility):
        raise NotImplementedError


def _copy_state(obj):
    """A copy of a selector (or budget manager) whose state can be advanced
    without touching ``obj``: arrays and the budget manager are copied,
    parameters are shared (they are never mutated); the random generator is
    shared too, its state is saved and restored around the copy's run.
    Much cheaper than ``copy.deepcopy`` on every arriving sample."""
    new = object.__new__(type(obj))
    d = {}
    for key, value in obj.__dict__.items():
        if isinstance(value, np.ndarray):
            value = value.copy()
        elif isinstance(value, BaseBudgetManager) and key.endswith("_"):
            value = _copy_state(value)
        elif isinstance(value, (list, dict, set)):
            value = copy.deepcopy(value)
        d[key] = value
    new.__dict__ = d
    return new


def _same(A, B):
    if A.shape != B.shape:
        return False
    if hasattr(A, "toarray") or hasattr(B, "toarray"):
        return (abs(A - B)).sum() == 0 if hasattr(A, "toarray") and hasattr(B, "toarray") else False
    return np.array_equal(A, B, equal_nan=A.dtype.kind == "f")


def max_proba(learner, X):
    """Highest class probability of each row (``predict_proba``)."""
    P = np.asarray(learner.predict_proba(X), dtype=float)
    return P.max(axis=1), P.shape[1]
