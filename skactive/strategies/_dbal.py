"""DBAL: diverse mini-batch active learning (Zhdanov 2019)."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..utils import margin, reduce_class_scores, top_k
from ..utils._embedding import get_embedding
from ._diversity import nearest_to_centers

__all__ = ["DBAL"]


class DBAL(BaseQueryStrategy):
    r"""Diverse mini-batch active learning: margin pre-filter, then weighted k-means.

    Zhdanov (2019), as summarised in the DeepAL+ survey (section 2.2,
    two-stage hybrids): (1) keep the :math:`\beta b` most uncertain pool
    samples by margin (the smallest :math:`s_{c^1}(x) - s_{c^2}(x)`); (2) run
    k-means with :math:`b` clusters on their embeddings, each sample weighted
    by its informativeness; (3) select the sample closest to each centre.
    Informativeness is ``1 - margin`` for probabilities and
    ``1 / (1 + margin)`` for decision values (so ``SVC()`` at its defaults
    works); weights are floored at ``1e-12``.

    Scores are ``-margin`` for every pool sample; the selected indices are
    ordered by that uncertainty (most uncertain first), so a prefix of the
    selection is not a k-means solution for a smaller budget. If the
    pre-filtered set has fewer distinct points than ``budget`` (duplicates),
    the missing picks are drawn uniformly at random among the unselected
    candidates; indices are never repeated.

    Parameters
    ----------
    beta : float, default=10
        Pre-filter factor :math:`\beta`: ``ceil(beta * budget)`` candidates
        (at least ``budget``, at most the pool).
    space : {"embedding", "input"}, default="embedding"
    n_init : int, default=1
    max_iter : int, default=300
    random_state : int, RandomState instance or None, default=None

    References
    ----------
    F. Zhdanov. "Diverse mini-batch Active Learning", arXiv:1901.05954, 2019,
    section 3 (Algorithm "weighted K-means with pre-filtering").

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skactive import ActiveLearner
    >>> from skactive.datasets import load_letter
    >>> from skactive.strategies import DBAL
    >>> X, y = load_letter(return_X_y=True)
    >>> learner = ActiveLearner(make_pipeline(StandardScaler(), LogisticRegression()),
    ...                         query_strategy=DBAL(random_state=0))
    >>> learner = learner.fit(X[:300], y[:300])
    >>> learner.query(X[300:2300], budget=5).shape
    (5,)
    """

    _parameter_constraints = {
        "beta": [Interval(Real, 1, None, closed="left")],
        "space": [StrOptions({"embedding", "input"})],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, beta=10, space="embedding", n_init=1, max_iter=300, random_state=None):
        self.beta = beta
        self.space = space
        self.n_init = n_init
        self.max_iter = max_iter
        self.random_state = random_state

    def __query_tags__(self):
        return QueryStrategyTags(requires_scores=True, requires_embedding=True, stochastic=True)

    def _query(self, X_pool, learner, budget, random_state):
        m, kind = reduce_class_scores(learner, X_pool, margin)
        n = m.shape[0]
        n_pre = min(n, max(budget, int(np.ceil(self.beta * budget))))
        cand = top_k(-m, n_pre)
        info = 1.0 - m[cand] if kind == "proba" else 1.0 / (1.0 + m[cand])
        weights = np.maximum(info, 1e-12)
        Z = get_embedding(learner, X_pool[cand], space=self.space)
        km = KMeans(
            n_clusters=budget, n_init=self.n_init, max_iter=self.max_iter,
            random_state=random_state,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            labels = km.fit_predict(Z, sample_weight=weights)
        local, _ = nearest_to_centers(Z, labels, km.cluster_centers_, random_state, budget)
        chosen = cand[local]
        chosen = chosen[np.lexsort((chosen, m[chosen]))]
        return chosen, -m
