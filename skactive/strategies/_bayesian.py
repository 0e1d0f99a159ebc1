"""Strategies on stochastic predictions: MC dropout or a committee.

BALD, MeanSTD and the dropout versions of entropy, margin and least
confidence (DeepAL+ survey, Zhan et al. 2022). Samples come from
:func:`skactive.utils.predict_proba_samples`: ``n_samples`` forward passes of
a net with dropout on (:class:`~skactive.neural.ActiveNeuralNetClassifier`),
or the members of a fitted ensemble (``RandomForestClassifier``,
``BaggingClassifier``...), so all of them also work without torch.
"""

from functools import partial
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..exceptions import LearnerCapabilityError
from ..utils import entropy, margin, top_k
from ..utils._samples import has_samples, reduce_proba_samples

__all__ = ["BALD", "EntropyDropout", "LeastConfidenceDropout", "MarginDropout", "MeanSTD"]


def _samples_block_scores(X, block_id=0, *, learner, utility, n_samples, seed):
    """Scores of a block of a dask pool from stochastic predictions."""
    return reduce_proba_samples(learner, X, utility, n_samples=n_samples,
                                random_state=(seed + 7919 * int(block_id)) % (2**31 - 1))


class _SamplesStrategy(BaseQueryStrategy):
    """Score pool samples from ``(n_samples, n, K)`` stochastic probabilities."""

    _parameter_constraints = {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, n_samples=10, random_state=None):
        self.n_samples = n_samples
        self.random_state = random_state

    def __query_tags__(self):
        return QueryStrategyTags(requires_samples=True, stochastic=True, supports_dask_pool=True)

    def _pool_scorer(self, learner, random_state):
        """Per-block scores for dask pools (see :mod:`skactive.utils._pools`).
        Committees give the in-memory scores; MC-dropout masks are seeded per
        block (one seed drawn from ``random_state``), reproducible but not the
        in-memory draws."""
        self._check_samples(learner)
        return partial(_samples_block_scores, learner=learner, utility=self._utility,
                       n_samples=self.n_samples,
                       seed=int(random_state.randint(2**31 - 1 - 10**6)))

    def _check_samples(self, learner):
        if not has_samples(learner):
            raise LearnerCapabilityError(
                f"{type(self).__name__} needs stochastic predictions, but "
                f"{type(learner).__name__} has neither predict_proba_samples (MC "
                "dropout, e.g. skactive.neural.ActiveNeuralNetClassifier with "
                "dropout) nor a committee of estimators_ with predict_proba (e.g. "
                "RandomForestClassifier, BaggingClassifier)."
            )

    @staticmethod
    def _utility(P):
        raise NotImplementedError

    def _query(self, X_pool, learner, budget, random_state):
        if not has_samples(learner):
            raise LearnerCapabilityError(
                f"{type(self).__name__} needs stochastic predictions, but "
                f"{type(learner).__name__} has neither predict_proba_samples (MC "
                "dropout, e.g. skactive.neural.ActiveNeuralNetClassifier with "
                "dropout) nor a committee of estimators_ with predict_proba (e.g. "
                "RandomForestClassifier, BaggingClassifier)."
            )
        scores = reduce_proba_samples(
            learner, X_pool, self._utility, n_samples=self.n_samples, random_state=random_state
        )
        return top_k(scores, budget), scores


def _mean_entropy(P):
    T, n, K = P.shape
    return entropy(P.reshape(T * n, K)).reshape(T, n).mean(axis=0)


class BALD(_SamplesStrategy):
    r"""Bayesian Active Learning by Disagreement: mutual information, highest first.

    .. math::
        \alpha(x) = H\Big[\frac1T\sum_t p_t(y|x)\Big] - \frac1T\sum_t H[p_t(y|x)]

    (DeepAL+ survey eq. 6): the entropy of the mean prediction minus the mean
    entropy of the ``T`` stochastic predictions, i.e. how much the sampled
    models disagree. Natural log, :math:`0 \log 0 = 0` (the DeepAL+ code
    takes :math:`\log 0 = -\infty` and can return NaN there).

    Parameters
    ----------
    n_samples : int, default=10
        MC-dropout forward passes (10 in DeepAL+); ignored for committees,
        which use every member.
    random_state : int, RandomState instance or None, default=None
        Seeds the dropout masks.

    References
    ----------
    N. Houlsby, F. Huszár, Z. Ghahramani, M. Lengyel. "Bayesian active learning
    for classification and preference learning", 2011. Y. Gal, R. Islam,
    Z. Ghahramani. "Deep Bayesian active learning with image data", ICML 2017.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skactive.strategies import BALD
    >>> X, y = load_iris(return_X_y=True)
    >>> rf = RandomForestClassifier(n_estimators=10, random_state=0).fit(X[::5], y[::5])
    >>> idx = BALD().query(X, rf, budget=3)
    >>> idx.shape
    (3,)
    """

    @staticmethod
    def _utility(P):
        # clip the rounding noise of identical samples (true MI is >= 0)
        return np.maximum(entropy(P.mean(axis=0)) - _mean_entropy(P), 0.0)


class EntropyDropout(_SamplesStrategy):
    r"""Entropy of the mean stochastic prediction, highest first.

    :math:`H[\bar p(y|x)]` with :math:`\bar p = \frac1T\sum_t p_t` ("EntropyD"
    in the DeepAL+ survey).

    Parameters
    ----------
    n_samples : int, default=10
    random_state : int, RandomState instance or None, default=None

    References
    ----------
    W. H. Beluch, T. Genewein, A. Nürnberger, J. M. Köhler. "The power of
    ensembles for active learning in image classification", CVPR 2018.
    DeepAL+ survey (Zhan et al. 2022), section 5.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skactive.strategies import EntropyDropout
    >>> X, y = load_iris(return_X_y=True)
    >>> rf = RandomForestClassifier(n_estimators=10, random_state=0).fit(X[::5], y[::5])
    >>> EntropyDropout().query(X, rf, budget=2).shape
    (2,)
    """

    @staticmethod
    def _utility(P):
        return entropy(P.mean(axis=0))


class MarginDropout(_SamplesStrategy):
    r"""Smallest margin between the top two classes of the mean prediction.

    Scores are :math:`-(\bar p_{c^1} - \bar p_{c^2})` ("MarginD" in DeepAL+).

    Parameters
    ----------
    n_samples : int, default=10
    random_state : int, RandomState instance or None, default=None

    References
    ----------
    DeepAL+ survey (Zhan et al. 2022), section 5; Beluch et al. 2018.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skactive.strategies import MarginDropout
    >>> X, y = load_iris(return_X_y=True)
    >>> rf = RandomForestClassifier(n_estimators=10, random_state=0).fit(X[::5], y[::5])
    >>> MarginDropout().query(X, rf, budget=2).shape
    (2,)
    """

    @staticmethod
    def _utility(P):
        return -margin(P.mean(axis=0))


class LeastConfidenceDropout(_SamplesStrategy):
    r"""Lowest probability of the most likely class of the mean prediction.

    Scores are :math:`1 - \max_c \bar p_c` ("LeastConfD" in DeepAL+).

    Parameters
    ----------
    n_samples : int, default=10
    random_state : int, RandomState instance or None, default=None

    References
    ----------
    DeepAL+ survey (Zhan et al. 2022), section 5; Beluch et al. 2018.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skactive.strategies import LeastConfidenceDropout
    >>> X, y = load_iris(return_X_y=True)
    >>> rf = RandomForestClassifier(n_estimators=10, random_state=0).fit(X[::5], y[::5])
    >>> LeastConfidenceDropout().query(X, rf, budget=2).shape
    (2,)
    """

    @staticmethod
    def _utility(P):
        return 1.0 - P.mean(axis=0).max(axis=1)


class MeanSTD(_SamplesStrategy):
    r"""Mean over classes of the standard deviation of the stochastic probabilities.

    .. math::
        \alpha(x) = \frac1K \sum_k \sqrt{\mathrm{Var}_t[p_t(y=k|x)]}

    (DeepAL+ survey eq. 7; population standard deviation over the ``T``
    samples, as ``np.std`` in the DeepAL+ code), highest first.

    Parameters
    ----------
    n_samples : int, default=10
    random_state : int, RandomState instance or None, default=None

    References
    ----------
    M. Kampffmeyer, A.-B. Salberg, R. Jenssen. "Semantic segmentation of small
    objects and modeling of uncertainty in urban remote sensing images using
    deep convolutional neural networks", CVPR workshops 2016.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skactive.strategies import MeanSTD
    >>> X, y = load_iris(return_X_y=True)
    >>> rf = RandomForestClassifier(n_estimators=10, random_state=0).fit(X[::5], y[::5])
    >>> MeanSTD().query(X, rf, budget=2).shape
    (2,)
    """

    @staticmethod
    def _utility(P):
        return P.std(axis=0).mean(axis=1)
