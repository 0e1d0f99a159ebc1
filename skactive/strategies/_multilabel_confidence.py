r"""Multi-label confidence and score criteria as modAL defines them
(after Esuli & Sebastiani 2009): MinConfidence, AvgConfidence, MaxScore,
AvgScore.

All four read the per-label probabilities :math:`p_l(x) = P(y_l = 1 \mid x)`
of the model through :func:`skactive.utils._multilabel.multilabel_proba`
(one ``(n, L)`` matrix whatever the estimator returns); the score criteria
also read its 0/1 predictions :math:`\hat y_l(x)` (``predict``). The
definitions follow modAL 0.4.2, ``modAL/multilabel.py`` (functions
``min_confidence``, ``avg_confidence``, ``max_score``, ``avg_score``); the
code is written here.
"""

from functools import partial

import numpy as np
from scipy import sparse

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..utils import chunked_predict, top_k
from ..utils._multilabel import multilabel_proba

__all__ = ["AvgConfidence", "AvgScore", "MaxScore", "MinConfidence"]


def _block_scores(X, block_id=0, *, strategy, learner):
    """Scores of one block of a dask pool (``block_id`` unused: deterministic)."""
    return strategy._scores(X, learner)


def _signed_scores(X, learner):
    r""":math:`s_l(x) = p_l(x) (\hat y_l(x) - 1/2)`: half the probability,
    signed by the prediction (modAL's ``classwise_scores``)."""
    P = multilabel_proba(learner, X)
    Y_hat = chunked_predict(learner, X)
    if sparse.issparse(Y_hat):
        Y_hat = Y_hat.toarray()
    Y_hat = np.asarray(Y_hat, dtype=float).reshape(P.shape)
    return P * (Y_hat - 0.5)


class _MultiLabelConfidence(BaseQueryStrategy):
    """Score every pool sample from the per-label probabilities, take the top."""

    _parameter_constraints = {}

    def __query_tags__(self):
        return QueryStrategyTags(requires_proba=True, multilabel=True, supports_dask_pool=True)

    def _pool_scorer(self, learner, random_state):
        return partial(_block_scores, strategy=self, learner=learner)

    def _query(self, X_pool, learner, budget, random_state):
        scores = self._scores(X_pool, learner)
        return top_k(scores, budget), scores


class MinConfidence(_MultiLabelConfidence):
    r"""Select the samples with the smallest per-label probability.

    As modAL defines it: the sample minimising
    :math:`\min_l p_l(x)`, with :math:`p_l(x) = P(y_l = 1 \mid x)`. The
    returned scores are :math:`-\min_l p_l(x)` (larger = selected earlier);
    ties go to the smaller pool index.

    Notes
    -----
    modAL reads "confidence" as :math:`p_l(x)` itself. Esuli & Sebastiani's
    MinConfidence uses the classifier's confidence in its own decision
    (:math:`|f_l(x)|`, i.e. :math:`\max(p_l, 1 - p_l)`), which is
    :class:`BinaryMinimum` with ``response_method="predict_proba"``.

    References
    ----------
    A. Esuli, F. Sebastiani. "Active Learning Strategies for Multi-Label Text
    Classification". ECIR 2009, LNCS 5478, pp. 102-113. Definition followed:
    modAL 0.4.2, ``modAL/multilabel.py``, ``min_confidence``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.multiclass import OneVsRestClassifier
    >>> from skactive import ActiveLearner
    >>> from skactive.strategies import MinConfidence
    >>> X = np.arange(8.0).reshape(-1, 1)                 # label 0: x > 2, label 1: x > 4
    >>> Y = np.c_[X[:, 0] > 2, X[:, 0] > 4].astype(int)
    >>> learner = ActiveLearner(OneVsRestClassifier(LogisticRegression()), MinConfidence())
    >>> learner = learner.fit(X, Y)
    >>> learner.query(np.array([[-5.0], [3.5], [12.0]]), budget=1)  # p_1(-5) is smallest
    array([0])
    """

    def _scores(self, X, learner):
        return -multilabel_proba(learner, X).min(axis=1)


class AvgConfidence(_MultiLabelConfidence):
    r"""Select the samples with the largest mean per-label probability.

    As modAL defines it: the sample maximising
    :math:`\frac{1}{L}\sum_{l=1}^{L} p_l(x)`; ties go to the smaller index.

    Notes
    -----
    This is modAL's definition, kept as is for comparability: it favours
    samples predicted to carry many labels. Esuli & Sebastiani's AvgConf
    averages the confidence of the decisions and picks the *lowest*.

    References
    ----------
    A. Esuli, F. Sebastiani. "Active Learning Strategies for Multi-Label Text
    Classification". ECIR 2009. Definition followed: modAL 0.4.2,
    ``modAL/multilabel.py``, ``avg_confidence``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.multiclass import OneVsRestClassifier
    >>> from skactive import ActiveLearner
    >>> from skactive.strategies import AvgConfidence
    >>> X = np.arange(8.0).reshape(-1, 1)
    >>> Y = np.c_[X[:, 0] > 2, X[:, 0] > 4].astype(int)
    >>> learner = ActiveLearner(OneVsRestClassifier(LogisticRegression()), AvgConfidence())
    >>> learner = learner.fit(X, Y)
    >>> learner.query(np.array([[-5.0], [3.5], [12.0]]), budget=1)  # both labels likely
    array([2])
    """

    def _scores(self, X, learner):
        return multilabel_proba(learner, X).mean(axis=1)


class MaxScore(_MultiLabelConfidence):
    r"""Select the samples with the largest signed per-label score.

    As modAL defines it: with :math:`\hat y_l(x) \in \{0, 1\}` the model's
    prediction and :math:`s_l(x) = p_l(x)\,(\hat y_l(x) - \tfrac12)` (half
    the probability, positive for predicted labels, negative otherwise),
    the sample maximising :math:`\max_l s_l(x)`; ties go to the smaller
    index.

    References
    ----------
    A. Esuli, F. Sebastiani. "Active Learning Strategies for Multi-Label Text
    Classification". ECIR 2009. Definition followed: modAL 0.4.2,
    ``modAL/multilabel.py``, ``max_score``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.multiclass import OneVsRestClassifier
    >>> from skactive import ActiveLearner
    >>> from skactive.strategies import MaxScore
    >>> X = np.arange(8.0).reshape(-1, 1)
    >>> Y = np.c_[X[:, 0] > 2, X[:, 0] > 4].astype(int)
    >>> learner = ActiveLearner(OneVsRestClassifier(LogisticRegression()), MaxScore())
    >>> learner = learner.fit(X, Y)
    >>> learner.query(np.array([[-5.0], [3.5], [12.0]]), budget=1)
    array([2])
    """

    def _scores(self, X, learner):
        return _signed_scores(X, learner).max(axis=1)


class AvgScore(_MultiLabelConfidence):
    r"""Select the samples with the largest mean signed per-label score.

    As modAL defines it: with :math:`s_l(x) = p_l(x)\,(\hat y_l(x) - \tfrac12)`
    (see :class:`MaxScore`), the sample maximising
    :math:`\frac{1}{L}\sum_{l=1}^{L} s_l(x)`; ties go to the smaller index.

    References
    ----------
    A. Esuli, F. Sebastiani. "Active Learning Strategies for Multi-Label Text
    Classification". ECIR 2009. Definition followed: modAL 0.4.2,
    ``modAL/multilabel.py``, ``avg_score``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.multiclass import OneVsRestClassifier
    >>> from skactive import ActiveLearner
    >>> from skactive.strategies import AvgScore
    >>> X = np.arange(8.0).reshape(-1, 1)
    >>> Y = np.c_[X[:, 0] > 2, X[:, 0] > 4].astype(int)
    >>> learner = ActiveLearner(OneVsRestClassifier(LogisticRegression()), AvgScore())
    >>> learner = learner.fit(X, Y)
    >>> learner.query(np.array([[-5.0], [3.5], [12.0]]), budget=1)
    array([2])
    """

    def _scores(self, X, learner):
        return _signed_scores(X, learner).mean(axis=1)
