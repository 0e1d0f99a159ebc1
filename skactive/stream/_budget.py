"""Budget managers for stream-based active learning.

A budget manager turns "this sample would be worth a label" into "buy the
label now", so that a selector spends about ``budget`` of the arriving
samples. Two kinds exist:

* *gates* (:class:`FixedRateBudget`, :class:`EstimatedBudget`) say whether a
  label may be bought now; the selector's own rule (a threshold, a coin)
  decides whether it wants one;
* *filters* (:class:`BalancedQuantileFilter`) decide from the selector's
  utility alone: the selector's own threshold rule is bypassed.

The state of a stream lives in ``_`` attributes, created when a selector
first uses the manager (the selector works on a clone of the manager you
pass, so one manager object can serve several selectors).
"""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval

__all__ = [
    "BalancedQuantileFilter",
    "BaseBudgetManager",
    "EstimatedBudget",
    "FixedRateBudget",
]

_BUDGET = Interval(Real, 0, 1, closed="right")


class BaseBudgetManager(BaseEstimator):
    """Base class of budget managers (one decision per arriving sample).

    Subclasses implement ``_reset`` (create the stream state), ``_available``
    (gates: may a label be bought for the next sample?), ``_filter``
    (filters: does this utility earn a label?) and ``_record`` (the sample
    was seen, labelled or not).

    Parameters
    ----------
    budget : float in (0, 1] or None, default=None
        Fraction of the arriving samples to label. None: the budget of the
        selector that uses the manager.
    """

    #: True for managers that decide from the utility (the selector's own
    #: rule is bypassed); False for gates.
    is_filter = False
    _parameter_constraints: dict = {"budget": [_BUDGET, None]}

    def __init__(self, budget=None):
        self.budget = budget

    def _start(self, budget):
        """Validate and create the stream state; ``budget`` is the selector's."""
        self._validate_params()
        if self.budget is not None and not np.isclose(self.budget, budget):
            raise ValueError(
                f"{type(self).__name__}(budget={self.budget}) disagrees with the "
                f"selector's budget={budget}; leave the manager's budget at None."
            )
        self.budget_ = float(budget)
        self.n_seen_ = 0
        self.n_labeled_ = 0
        self._reset()
        return self

    def _reset(self):
        pass

    def _available(self):  # gates
        return True

    def _filter(self, utility):  # filters
        raise NotImplementedError

    def _record(self, utility, labeled):
        self.n_seen_ += 1
        self.n_labeled_ += int(bool(labeled))

    @property
    def spent_(self):
        """Fraction of the samples seen so far that were labelled."""
        return self.n_labeled_ / self.n_seen_ if self.n_seen_ else 0.0


class FixedRateBudget(BaseBudgetManager):
    """A hard labelling rate: at most ``budget * w`` labels in any ``w`` samples.

    A label may be bought for sample ``t`` only when the samples
    ``t - w + 1 .. t - 1`` hold at most ``budget * w - 1`` labels, so every
    window of ``w`` consecutive samples holds at most ``budget * w`` labels
    (a guarantee, not an estimate; see :class:`EstimatedBudget` for
    Žliobaitė et al.'s estimate).

    Parameters
    ----------
    w : int, default=100
        Window length; ``budget * w`` must be at least 1.
    budget : float in (0, 1] or None, default=None
        None: the selector's budget.

    Attributes
    ----------
    budget_ : float
        The budget in use.
    n_seen_, n_labeled_ : int
        Samples seen and labelled so far.
    window_labels_ : int
        Labels among the last ``w - 1`` samples.

    Examples
    --------
    >>> from skactive.stream import FixedRateBudget
    >>> bm = FixedRateBudget(w=10)._start(budget=0.2)
    >>> decisions = []
    >>> for t in range(12):
    ...     ok = bm._available()
    ...     bm._record(0.0, ok)
    ...     decisions.append(int(ok))
    >>> decisions
    [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]
    """

    _parameter_constraints: dict = {
        **BaseBudgetManager._parameter_constraints,
        "w": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, w=100, budget=None):
        super().__init__(budget=budget)
        self.w = w

    def _reset(self):
        if self.budget_ * self.w < 1 - 1e-12:
            raise ValueError(
                f"FixedRateBudget allows budget * w = {self.budget_} * {self.w} < 1 "
                f"label per window: no label could ever be bought; use w >= "
                f"{int(np.ceil(1 / self.budget_))}."
            )
        # ring buffer of the last w - 1 decisions (numpy: cheap to copy)
        self._last = np.zeros(max(self.w - 1, 0), dtype=np.int8)
        self._pos = 0
        self.window_labels_ = 0

    def _available(self):
        return self.window_labels_ + 1 <= self.budget_ * self.w + 1e-9

    def _record(self, utility, labeled):
        super()._record(utility, labeled)
        if self.w == 1:
            return
        lab = int(bool(labeled))
        self.window_labels_ += lab - int(self._last[self._pos])
        self._last[self._pos] = lab
        self._pos = (self._pos + 1) % self._last.shape[0]


class EstimatedBudget(BaseBudgetManager):
    """Žliobaitė et al.'s estimated spending: buy while ``u_t / w < budget``.

    The spending over the last ``w`` samples is estimated incrementally,
    ``u_t = u_{t-1} (w - 1) / w + labeling_t`` (Žliobaitė et al. 2014,
    Section IV-A), and a label may be bought for sample ``t`` while
    ``u_{t-1} / w < budget``. The estimate can exceed ``budget * w`` labels
    in a hard window of ``w`` samples (use :class:`FixedRateBudget` for a
    guarantee). This is what scikit-activeml's ``EstimatedBudgetZliobaite``
    does.

    Parameters
    ----------
    w : int, default=100
        Memory of the estimate.
    budget : float in (0, 1] or None, default=None
        None: the selector's budget.

    Attributes
    ----------
    budget_ : float
    u_ : float
        Estimated labels in the last ``w`` samples.
    n_seen_, n_labeled_ : int

    References
    ----------
    I. Žliobaitė, A. Bifet, B. Pfahringer and G. Holmes. Active learning with
    drifting streaming data. IEEE TNNLS 25(1):27-39, 2014 (Section IV-A).

    Examples
    --------
    >>> from skactive.stream import EstimatedBudget
    >>> bm = EstimatedBudget(w=10)._start(budget=0.2)
    >>> [bm._available(), bm._record(0.0, True), round(bm.u_, 3)][::2]
    [True, 1.0]
    """

    _parameter_constraints: dict = {
        **BaseBudgetManager._parameter_constraints,
        "w": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, w=100, budget=None):
        super().__init__(budget=budget)
        self.w = w

    def _reset(self):
        self.u_ = 0.0

    def _available(self):
        return self.u_ / self.w < self.budget_

    def _record(self, utility, labeled):
        super()._record(utility, labeled)
        self.u_ = self.u_ * (self.w - 1) / self.w + float(bool(labeled))


class BalancedQuantileFilter(BaseBudgetManager):
    """Balanced incremental quantile filter (BIQF, Kottke et al. 2015).

    A sample is labelled when its utility reaches the balanced threshold

    .. math::

        \\theta_{bal} = q_{1 - b}(H) - (\\max H - \\min H)
        \\frac{b\\,t - n_{labeled}}{w_{tol}},

    where ``H`` holds the utilities of the last ``w`` samples (the current
    one included), ``q_{1-b}`` is their ``1 - budget`` quantile (numpy's
    linear interpolation), ``t`` counts the samples seen (the current one
    included) and ``b t - n_labeled`` is the number of labels still owed: a
    deficit lowers the threshold, an excess raises it. This follows Kottke
    et al. (2015, Section 3.3) as scikit-activeml implements it.

    Parameters
    ----------
    w : int, default=100
        Number of recent utilities the quantile is taken over.
    w_tol : float, default=50
        Tolerance window of the balancing term (larger: slower correction).
    budget : float in (0, 1] or None, default=None
        None: the selector's budget.

    Attributes
    ----------
    budget_ : float
    history_ : ndarray of float
        The last ``w`` utilities (in ring-buffer order).
    n_seen_, n_labeled_ : int

    References
    ----------
    D. Kottke, G. Krempl and M. Spiliopoulou. Probabilistic active learning in
    datastreams. IDA 2015, LNCS 9385, pp. 145-157 (Section 3.3, BIQF).

    Examples
    --------
    >>> from skactive.stream import BalancedQuantileFilter
    >>> bm = BalancedQuantileFilter(w=4, w_tol=2)._start(budget=0.5)
    >>> bm._filter(0.3)  # first sample: the quantile of [0.3] is 0.3
    True
    """

    is_filter = True
    _parameter_constraints: dict = {
        **BaseBudgetManager._parameter_constraints,
        "w": [Interval(Integral, 1, None, closed="left")],
        "w_tol": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, w=100, w_tol=50, budget=None):
        super().__init__(budget=budget)
        self.w = w
        self.w_tol = w_tol

    def _reset(self):
        self.history_ = np.empty(0)  # the last w utilities, in ring order

    def threshold(self, utility):
        """The balanced threshold the next sample (of this utility) must reach."""
        H = self.history_
        if H.shape[0] == self.w:  # the oldest utility leaves the window
            H = np.delete(H, self.n_seen_ % self.w)
        H = np.append(H, utility)
        theta = np.quantile(H, 1.0 - self.budget_)
        owed = self.budget_ * (self.n_seen_ + 1) - self.n_labeled_
        return theta - (H.max() - H.min()) * owed / self.w_tol

    def _filter(self, utility):
        return bool(utility >= self.threshold(utility))

    def _record(self, utility, labeled):
        if self.history_.shape[0] < self.w:
            self.history_ = np.append(self.history_, float(utility))
        else:
            self.history_[self.n_seen_ % self.w] = float(utility)
        super()._record(utility, labeled)
