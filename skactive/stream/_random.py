"""Random stream selector (the baseline every stream strategy is compared with)."""

import numpy as np

from ._base import BaseStreamSelector

__all__ = ["StreamRandom"]


class StreamRandom(BaseStreamSelector):
    """Label each arriving sample with probability ``budget``.

    The random strategy of Žliobaitė et al. (2014, Section IV): draw
    ``eta ~ U[0, 1]`` and label when ``eta < budget`` (and the budget manager
    allows a label). Needs no learner. With a filter budget manager
    (:class:`BalancedQuantileFilter`) the uniform draw is the utility.

    Parameters
    ----------
    budget : float in (0, 1], default=0.1
        Fraction of the arriving samples to label.
    budget_manager : BaseBudgetManager or None, default=None
        None: :class:`FixedRateBudget` (window 100).
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    budget_manager_, n_seen_, n_queried_, random_state_
        See :class:`BaseStreamSelector`.

    References
    ----------
    I. Žliobaitė, A. Bifet, B. Pfahringer and G. Holmes. Active learning with
    drifting streaming data. IEEE TNNLS 25(1):27-39, 2014 (random strategy).

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.stream import StreamRandom
    >>> selector = StreamRandom(budget=0.3, random_state=0)
    >>> X = np.zeros((20, 2))
    >>> idx = selector.query(X)
    >>> _ = selector.update(X, idx)
    >>> int(selector.n_queried_) == len(idx) <= 6
    True
    """

    _parameter_constraints: dict = {
        **BaseStreamSelector._parameter_constraints,
        "random_state": ["random_state"],
    }
    _requires_learner = False

    def __init__(self, budget=0.1, budget_manager=None, random_state=None):
        super().__init__(budget=budget, budget_manager=budget_manager)
        self.random_state = random_state

    def _utilities(self, X, learner):
        return np.full(X.shape[0], np.nan)

    def _want(self, utility):
        return self.random_state_.random_sample() < self.budget, False

    def _filter_utility(self, utility):
        return self.random_state_.random_sample()
