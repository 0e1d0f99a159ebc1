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
        return QueryStrategyTags(stochastic=True, task="both", requires_fitted_learner=False)

    def _query(self, X_pool, learner, budget, random_state):
        scores = random_state.random_sample(X_pool.shape[0])
        return top_k(scores, budget), scores
