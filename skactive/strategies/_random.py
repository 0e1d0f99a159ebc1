"""Random sampling."""

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..utils import top_k

__all__ = ["RandomSampling"]


class RandomSampling(BaseQueryStrategy):
    """Select pool samples uniformly at random, without replacement.

    The ``rand`` baseline of the alamp paper (section 3.1.1) and of the
    DeepAL+ survey. Every pool sample gets an i.i.d. uniform score and the
    ``budget`` largest are selected, so ``return_scores=True`` returns scores
    consistent with the selection.

    Only the number of pool rows is used: a :class:`dask.array.Array` pool
    is never computed (nor checked for NaN, since no block is read), and its
    picks equal those of the same pool in memory; with
    ``return_scores=True`` the scores come back as a dask array chunked like
    the pool's rows.

    Parameters
    ----------
    random_state : int, RandomState instance or None, default=None
        Controls the draw. Pass an int for reproducible output across calls.

    References
    ----------
    U. Aggarwal, A. Popescu, C. Hudelot. "Optimizing Active Learning for Low
    Annotation Budgets", section 3.1.1.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive.strategies import RandomSampling
    >>> clf = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    >>> RandomSampling(random_state=0).query(np.zeros((10, 1)), clf, budget=3)
    array([8, 7, 1])
    """

    _parameter_constraints = {"random_state": ["random_state"]}

    def __init__(self, random_state=None):
        self.random_state = random_state

    def __query_tags__(self):
        return QueryStrategyTags(stochastic=True, task="both", requires_fitted_learner=False,
                                 supports_dask_pool=True)

    def _query(self, X_pool, learner, budget, random_state):
        return self._query_n_pool(X_pool.shape[0], budget, random_state)

    def _query_n_pool(self, n_pool, budget, random_state):
        """The selection from the pool size alone (also the dask-pool path)."""
        scores = random_state.random_sample(n_pool)
        return top_k(scores, budget), scores
