"""Stopping when the model is confident on the unlabelled pool: maximum
uncertainty (max-confidence) and overall uncertainty."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ..utils import entropy, reduce_class_scores
from ._base import BaseStoppingCriterion

__all__ = ["MaxConfidence", "OverallUncertainty", "normalized_entropy"]


def normalized_entropy(P):
    r"""Entropy of each row of probabilities divided by :math:`\log K`, in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.stopping import normalized_entropy
    >>> normalized_entropy(np.array([[0.5, 0.5, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25]]))
    array([0.5, 1. ])
    """
    P = np.asarray(P, dtype=float)
    K = P.shape[1]
    return entropy(P) / np.log(K) if K > 1 else np.zeros(P.shape[0])


class _PoolUncertainty(BaseStoppingCriterion):
    input = "pool"
    _parameter_constraints = {"threshold": [Interval(Real, 0, 1, closed="both")]}

    def __init__(self, threshold):
        self.threshold = threshold

    def _uncertainties(self, learner, X):
        values, _ = reduce_class_scores(learner, X, normalized_entropy, kind="proba")
        return values

    def _decide(self, value):
        return value < self.threshold


class MaxConfidence(_PoolUncertainty):
    r"""Stop when even the most uncertain unlabelled sample is predicted confidently.

    The statistic is the largest normalised entropy
    :math:`\max_{x \in U} H[p(\cdot|x)] / \log K` over the unlabelled pool
    :math:`U` -- the uncertainty of the sample that uncertainty sampling would
    query next; labelling stops once it is below ``threshold`` (the
    "max-confidence" criterion of Zhu et al. 2008, called maximum uncertainty
    in Zhu et al. 2010). Needs ``predict_proba``.

    Parameters
    ----------
    threshold : float, default=0.001
        Stop when the largest normalised entropy is below this (it is a
        conservative criterion: one doubtful sample keeps labelling going).

    Attributes
    ----------
    history_ : list of float
        Largest normalised entropy of the pool at every round.
    n_rounds_, stop_round_, stopped_
        See :class:`BaseStoppingCriterion`.

    References
    ----------
    J. Zhu, H. Wang, E. Hovy. "Multi-criteria-based strategy to stop active
    learning for data annotation", COLING 2008 (max-confidence). J. Zhu,
    H. Wang, E. Hovy, M. Ma. "Confidence-based stopping criteria for active
    learning for data annotation", ACM TSLP 6(3), 2010 (maximum uncertainty).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive.stopping import MaxConfidence
    >>> X = [[-3.0], [-2.0], [2.0], [3.0]]
    >>> clf = LogisticRegression(C=100).fit(X, [0, 0, 1, 1])
    >>> MaxConfidence(threshold=0.05).should_stop(clf, [[-5.0], [6.0]])
    True
    >>> MaxConfidence(threshold=0.05).should_stop(clf, [[-5.0], [0.0]])
    False
    """

    def __init__(self, threshold=0.001):
        super().__init__(threshold=threshold)

    def _statistic(self, learner, X):
        return self._uncertainties(learner, X).max()


class OverallUncertainty(_PoolUncertainty):
    r"""Stop when the unlabelled pool is, on average, predicted confidently.

    The statistic is the mean normalised entropy
    :math:`\frac{1}{|U|}\sum_{x \in U} H[p(\cdot|x)] / \log K` over the
    unlabelled pool :math:`U`; labelling stops once it is below ``threshold``
    (Zhu et al. 2008; normalised by :math:`\log K` as in small-text's
    ``OverallUncertainty``, so the threshold does not depend on the number of
    classes). Needs ``predict_proba``.

    Parameters
    ----------
    threshold : float, default=0.05
        Stop when the mean normalised entropy is below this (small-text's
        default).

    Attributes
    ----------
    history_ : list of float
        Mean normalised entropy of the pool at every round.
    n_rounds_, stop_round_, stopped_
        See :class:`BaseStoppingCriterion`.

    References
    ----------
    J. Zhu, H. Wang, E. Hovy. "Multi-criteria-based strategy to stop active
    learning for data annotation", COLING 2008 (overall uncertainty).
    Reference implementation: small-text (webis-de/small-text,
    ``small_text/stopping_criteria/uncertainty.py``, commit 9ffa298).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive.stopping import OverallUncertainty
    >>> X = [[-3.0], [-2.0], [2.0], [3.0]]
    >>> clf = LogisticRegression(C=100).fit(X, [0, 0, 1, 1])
    >>> criterion = OverallUncertainty()
    >>> criterion.should_stop(clf, [[-5.0], [0.0], [6.0]])
    False
    >>> round(criterion.history_[-1], 3)  # the sample at 0 is a coin flip
    0.333
    """

    def __init__(self, threshold=0.05):
        super().__init__(threshold=threshold)

    def _statistic(self, learner, X):
        return self._uncertainties(learner, X).mean()
