"""Uncertainty sampling from one model: entropy, margin, least confidence,
variation ratio."""

from functools import partial

import numpy as np

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..utils import entropy, margin, reduce_class_scores, top_k
from ..utils._scores import class_score_reducer

__all__ = ["Entropy", "LeastConfidence", "Margin", "VarRatio"]


class _UncertaintySampling(BaseQueryStrategy):
    """Score every pool sample from the learner's class scores, take the top."""

    _parameter_constraints = {}
    #: "proba" needs predict_proba; "auto" also accepts decision_function.
    _scores_kind = "proba"

    def __query_tags__(self):
        if self._scores_kind == "proba":
            return QueryStrategyTags(requires_proba=True, supports_dask_pool=True)
        return QueryStrategyTags(requires_scores=True, supports_dask_pool=True)

    def _pool_scorer(self, learner, random_state):
        """Per-block scores for dask pools (see :mod:`skactive.utils._pools`)."""
        return partial(class_score_reducer, estimator=learner, reduce=self._utility,
                       kind=self._scores_kind)

    @staticmethod
    def _utility(S):
        raise NotImplementedError

    def _query(self, X_pool, learner, budget, random_state):
        scores, _ = reduce_class_scores(
            learner, X_pool, self._utility, kind=self._scores_kind
        )
        return top_k(scores, budget), scores


class Entropy(_UncertaintySampling):
    r"""Select the samples whose predicted class distribution has maximum entropy.

    Score: :math:`H(x) = -\sum_c p(c|x) \log p(c|x)` (Shannon, natural log,
    :math:`0 \log 0 = 0`), highest first. Needs ``predict_proba``: with
    ``SVC()`` at its defaults (no probabilities) it raises
    :class:`~skactive.exceptions.LearnerCapabilityError` rather than
    silently using decision values.

    References
    ----------
    C. E. Shannon. "A mathematical theory of communication", 1948. Entropy
    sampling as in the DeepAL+ survey (Zhan et al. 2022), section 2.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive.strategies import Entropy
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> clf = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> Entropy().query(np.array([[-3.0], [0.1], [3.0]]), clf, budget=1)
    array([1])
    """

    _utility = staticmethod(entropy)


class Margin(_UncertaintySampling):
    r"""Select the samples with the smallest margin between the top two classes.

    Margin (alamp paper, eq. 1): :math:`marg(x) = s_{c^1}(x) - s_{c^2}(x)` for
    the two best-scored classes; the smallest margins are selected first and
    the returned scores are :math:`-marg(x)`. Scores are probabilities when
    the learner has ``predict_proba``, otherwise decision values, so it works
    with ``SVC()`` at its defaults (binary decision ``d`` gives margin
    ``2|d|``).

    References
    ----------
    T. Scheffer, C. Decomain, S. Wrobel. "Active hidden Markov models for
    information extraction", 2001. Aggarwal et al., "Optimizing Active
    Learning for Low Annotation Budgets", eq. 1.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.svm import SVC
    >>> from skactive.strategies import Margin
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> svc = SVC(kernel="linear").fit(X, [0, 0, 1, 1])
    >>> Margin().query(np.array([[-3.0], [0.1], [3.0]]), svc, budget=2)
    array([1, 0])
    """

    _scores_kind = "auto"

    @staticmethod
    def _utility(S):
        return -margin(S)


class LeastConfidence(_UncertaintySampling):
    r"""Select the samples whose most probable class has the lowest probability.

    Score: :math:`1 - \max_c p(c|x)`, highest first. Needs ``predict_proba``.

    References
    ----------
    D. D. Lewis, W. A. Gale. "A sequential algorithm for training text
    classifiers", 1994; DeepAL+ survey, section 2.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive.strategies import LeastConfidence
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> clf = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> LeastConfidence().query(np.array([[-3.0], [0.1], [3.0]]), clf, budget=1)
    array([1])
    """

    @staticmethod
    def _utility(S):
        return 1.0 - S.max(axis=1)


class VarRatio(LeastConfidence):
    r"""Variation ratio: :math:`1 - \max_c p(c|x)`, highest first.

    For a single deterministic model this ranks like
    :class:`LeastConfidence` (the survey defines it on the mean of
    stochastic predictions; with MC-dropout samples or a committee the mode
    frequency replaces the max probability). Needs ``predict_proba``.

    References
    ----------
    L. C. Freeman. "Elementary Applied Statistics", 1965; DeepAL+ survey
    (Zhan et al. 2022), "VarRatio".

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive.strategies import VarRatio
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> clf = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> VarRatio().query(np.array([[-3.0], [0.1], [3.0]]), clf, budget=1)
    array([1])
    """
