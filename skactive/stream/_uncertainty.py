"""Uncertainty selectors for drifting streams (Žliobaitė et al. 2014).

All four read the learner's highest class probability
``p_max(x) = max_y P_L(y | x)`` and report the utility ``1 - p_max(x)``.
Their rules follow Algorithms 1-4 of the paper (Section IV); the budget check
that wraps them (labels are only considered while the budget allows one, and
thresholds only move then) follows its framework (Fig. 2), as
scikit-activeml's ``skactiveml.stream`` does (version 0.6, modules
``_uncertainty_zliobaite.py`` and ``budgetmanager/_estimated_budget_zliobaite.py``).

References
----------
I. Žliobaitė, A. Bifet, B. Pfahringer and G. Holmes. Active learning with
drifting streaming data. IEEE Transactions on Neural Networks and Learning
Systems 25(1):27-39, 2014.
"""

from numbers import Real

from sklearn.utils._param_validation import Interval

from ._base import BaseStreamSelector, max_proba

__all__ = ["FixedUncertainty", "RandomVariableUncertainty", "Split", "VariableUncertainty"]

_EXAMPLE = """
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive.stream import {name}
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(40, 2)); y = (X[:, 0] > 0).astype(int)
    >>> clf = LogisticRegression().fit(X[:20], y[:20])
    >>> selector = {name}(budget=0.2{extra})
    >>> idx = selector.query(X[20:30], clf)
    >>> _ = selector.update(X[20:30], idx)
    >>> int(selector.n_seen_), int(selector.n_queried_) == len(idx)
    (10, True)
"""


class _Uncertainty(BaseStreamSelector):
    _parameter_constraints: dict = {**BaseStreamSelector._parameter_constraints}

    def _utilities(self, X, learner):
        p, n_classes = max_proba(learner, X)
        self._n_classes = n_classes
        return 1.0 - p


class FixedUncertainty(_Uncertainty):
    """Label the samples whose highest posterior is below a fixed threshold.

    Algorithm 1 of Žliobaitė et al. (2014): label ``x_t`` when
    ``p_max(x_t) < theta`` (and the budget allows a label). The paper leaves
    ``theta`` as an input; ``theta=None`` uses scikit-activeml's choice
    ``theta = 1/K + budget (1 - 1/K)`` for ``K`` classes (between chance
    level and certainty, closer to certainty for larger budgets).

    Parameters
    ----------
    budget : float in (0, 1], default=0.1
        Fraction of the arriving samples to label.
    budget_manager : BaseBudgetManager or None, default=None
        None: :class:`FixedRateBudget` (window 100).
    theta : float in (0, 1] or None, default=None
        The threshold on ``p_max``.

    Attributes
    ----------
    theta_ : float
        The threshold in use (set at the first query).
    budget_manager_, n_seen_, n_queried_, random_state_
        See :class:`BaseStreamSelector`.

    References
    ----------
    Žliobaitė et al. 2014, Algorithm 1 (fixed uncertainty).

    Examples
    --------
    {example}
    """

    _parameter_constraints: dict = {
        **_Uncertainty._parameter_constraints,
        "theta": [Interval(Real, 0, 1, closed="right"), None],
    }

    def __init__(self, budget=0.1, budget_manager=None, theta=None):
        super().__init__(budget=budget, budget_manager=budget_manager)
        self.theta = theta

    def _utilities(self, X, learner):
        u = super()._utilities(X, learner)
        K = self._n_classes
        if self.theta is not None:
            self.theta_ = float(self.theta)
        else:
            self.theta_ = 1.0 / K + self.budget * (1.0 - 1.0 / K)
        return u

    def _want(self, utility):
        return (1.0 - utility) < self.theta_, False


class VariableUncertainty(_Uncertainty):
    """Label below a threshold that adapts to the budget (Žliobaitė et al. 2014).

    Algorithm 2: label ``x_t`` when ``p_max(x_t) < theta_``; after a label the
    threshold shrinks, ``theta_ <- theta_ (1 - s)``, otherwise it grows,
    ``theta_ <- theta_ (1 + s)``. The threshold moves only while the budget
    allows a label, so the selector labels the most uncertain share of the
    stream that the budget affords, whatever the current confidence level.

    Parameters
    ----------
    budget : float in (0, 1], default=0.1
    budget_manager : BaseBudgetManager or None, default=None
        None: :class:`FixedRateBudget` (window 100).
    theta : float, default=1.0
        Initial threshold.
    s : float in (0, 1], default=0.01
        Threshold adjustment step (the paper's default).

    Attributes
    ----------
    theta_ : float
        The current threshold.
    budget_manager_, n_seen_, n_queried_, random_state_
        See :class:`BaseStreamSelector`.

    References
    ----------
    Žliobaitė et al. 2014, Algorithm 2 (variable uncertainty).

    Examples
    --------
    {example}
    """

    _parameter_constraints: dict = {
        **_Uncertainty._parameter_constraints,
        "theta": [Interval(Real, 0, None, closed="neither")],
        "s": [Interval(Real, 0, 1, closed="right")],
    }

    def __init__(self, budget=0.1, budget_manager=None, theta=1.0, s=0.01):
        super().__init__(budget=budget, budget_manager=budget_manager)
        self.theta = theta
        self.s = s

    def _init_strategy_state(self):
        self.theta_ = float(self.theta)

    def _want(self, utility):
        return (1.0 - utility) < self.theta_, True

    def _adjust(self, labeled):
        self.theta_ *= (1.0 - self.s) if labeled else (1.0 + self.s)


class RandomVariableUncertainty(VariableUncertainty):
    """Variable uncertainty with a randomised threshold (Žliobaitė et al. 2014).

    Algorithm 3: as :class:`VariableUncertainty`, but ``x_t`` is compared with
    ``theta_ * eta``, ``eta ~ N(1, delta)`` drawn per sample (``delta`` is the
    standard deviation, as in scikit-activeml), so that confident samples
    are sometimes labelled too -- the paper's answer to drifts far from the
    decision boundary.

    Parameters
    ----------
    budget : float in (0, 1], default=0.1
    budget_manager : BaseBudgetManager or None, default=None
        None: :class:`FixedRateBudget` (window 100).
    theta : float, default=1.0
        Initial threshold.
    s : float in (0, 1], default=0.01
        Threshold adjustment step.
    delta : float > 0, default=1.0
        Standard deviation of the threshold multiplier (the paper's default).
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    theta_ : float
    budget_manager_, n_seen_, n_queried_, random_state_
        See :class:`BaseStreamSelector`.

    References
    ----------
    Žliobaitė et al. 2014, Algorithm 3 (uncertainty with randomization).

    Examples
    --------
    {example}
    """

    _parameter_constraints: dict = {
        **VariableUncertainty._parameter_constraints,
        "delta": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(self, budget=0.1, budget_manager=None, theta=1.0, s=0.01, delta=1.0,
                 random_state=None):
        super().__init__(budget=budget, budget_manager=budget_manager, theta=theta, s=s)
        self.delta = delta
        self.random_state = random_state

    def _want(self, utility):
        eta = self.random_state_.normal(1.0, self.delta)
        return (1.0 - utility) < self.theta_ * eta, True


class Split(VariableUncertainty):
    """Split the budget between random labels and variable uncertainty.

    Algorithm 4 of Žliobaitė et al. (2014): with probability ``v`` a sample
    goes to the random strategy (labelled with probability ``budget``, the
    threshold does not move), otherwise to :class:`VariableUncertainty`. The
    random share gives unbiased labels that reveal drifts away from the
    boundary. The paper also trains a separate change detector on the random
    labels; that is the learner's business and is not part of the selector
    (scikit-activeml does the same).

    Parameters
    ----------
    budget : float in (0, 1], default=0.1
    budget_manager : BaseBudgetManager or None, default=None
        None: :class:`FixedRateBudget` (window 100).
    v : float in (0, 1), default=0.2
        Share of the samples sent to the random strategy (the paper's value;
        scikit-activeml's default is 0.1).
    theta : float, default=1.0
    s : float in (0, 1], default=0.01
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    theta_ : float
    budget_manager_, n_seen_, n_queried_, random_state_
        See :class:`BaseStreamSelector`.

    References
    ----------
    Žliobaitė et al. 2014, Algorithm 4 (split strategy).

    Examples
    --------
    {example}
    """

    _parameter_constraints: dict = {
        **VariableUncertainty._parameter_constraints,
        "v": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(self, budget=0.1, budget_manager=None, v=0.2, theta=1.0, s=0.01,
                 random_state=None):
        super().__init__(budget=budget, budget_manager=budget_manager, theta=theta, s=s)
        self.v = v
        self.random_state = random_state

    def _want(self, utility):
        if self.random_state_.random_sample() < self.v:
            return self.random_state_.random_sample() < self.budget, False
        return (1.0 - utility) < self.theta_, True


for _cls, _extra in [
    (FixedUncertainty, ""),
    (VariableUncertainty, ""),
    (RandomVariableUncertainty, ", random_state=0"),
    (Split, ", random_state=0"),
]:
    _cls.__doc__ = _cls.__doc__.replace(
        "    {example}\n", _EXAMPLE.format(name=_cls.__name__, extra=_extra).lstrip("\n")
    )
del _cls, _extra
