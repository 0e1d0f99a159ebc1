"""Stopping when successive models agree: stabilizing predictions, classification change."""

from functools import partial
from numbers import Integral, Real

import numpy as np
from sklearn.metrics import cohen_kappa_score
from sklearn.utils._param_validation import Interval

from ._base import BaseStoppingCriterion, _per_sample, _predict, changed_share

__all__ = ["ClassificationChange", "StabilizingPredictions", "kappa_agreement"]


def kappa_agreement(a, b):
    r"""Cohen's kappa between two label vectors, 1 when they are identical.

    :math:`\kappa = (p_o - p_e) / (1 - p_e)` with :math:`p_o` the share of
    equal labels and :math:`p_e` the agreement expected from the two label
    frequencies (Cohen 1960). Identical vectors give 1 (sklearn returns NaN
    when they also hold a single label, :math:`p_e = 1`).

    Multi-label predictions -- indicator matrices of shape
    ``(n_samples, n_labels)`` -- are compared decision by decision: each of
    the :math:`n \cdot L` (sample, label) entries is one binary rating, and
    :math:`p_o`, :math:`p_e` are pooled over all of them (the agreement of
    the two models on every label decision; a label rarely predicted weighs
    as much per decision as a frequent one).

    Examples
    --------
    >>> from skactive.stopping import kappa_agreement
    >>> kappa_agreement([0, 1, 1, 0], [0, 1, 1, 1])  # p_o = 3/4, p_e = 1/2
    0.5
    >>> kappa_agreement([2, 2, 2], [2, 2, 2])
    1.0
    >>> kappa_agreement([[1, 0], [0, 1]], [[1, 0], [1, 1]])  # multi-label: pooled
    0.5
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"Label vectors differ in length: {a.shape} and {b.shape}.")
    if a.ndim > 2:
        raise ValueError(
            "kappa_agreement compares label vectors or multi-label indicator matrices "
            f"(2-D), got {a.ndim}-D arrays."
        )
    if np.array_equal(a, b):
        return 1.0
    return float(cohen_kappa_score(a.ravel(), b.ravel()))


class StabilizingPredictions(BaseStoppingCriterion):
    r"""Stop when successive models predict the same labels on a stop set.

    At every round the learner labels a fixed *stop set* of unlabelled samples
    (it needs no true labels, so it can be large); the agreement of two
    successive models is Cohen's kappa of their predictions
    (:func:`kappa_agreement`). Labelling stops once the mean kappa of the last
    ``window`` comparisons reaches ``threshold`` (Bloodgood & Vijay-Shanker
    2009: three comparisons, 0.99).

    ``should_stop(learner, X_stop)`` must get the same stop set every round
    (``input = "stop_set"``); the predictions of the previous round are kept
    in ``predictions_``.

    Multi-label learners (indicator predictions) are compared on every
    (sample, label) decision of the stop set, pooled into one kappa (see
    :func:`kappa_agreement`); the paper treats single-label tasks, so this
    is skactive's extension.

    Parameters
    ----------
    window : int, default=3
        Number of successive comparisons averaged.
    threshold : float, default=0.99
        Stop when the mean kappa is at least this.

    Attributes
    ----------
    history_ : list of float
        Kappa of each round with the round before (NaN at the first call).
    predictions_ : ndarray of shape (n_stop,) or (n_stop, n_labels)
        The last round's predictions on the stop set.
    n_rounds_, stop_round_, stopped_
        See :class:`BaseStoppingCriterion`.

    References
    ----------
    M. Bloodgood, K. Vijay-Shanker. "A method for stopping active learning
    based on stabilizing predictions and the need for user-adjustable
    stopping", CoNLL 2009, section 3 (kappa, window of three, threshold 0.99).

    Examples
    --------
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from skactive.datasets import load_letter
    >>> from skactive.stopping import StabilizingPredictions
    >>> X, y = load_letter(return_X_y=True)
    >>> criterion = StabilizingPredictions(window=2)
    >>> for n in (400, 800, 1600):
    ...     model = KNeighborsClassifier().fit(X[:n], y[:n])
    ...     stop = criterion.should_stop(model, X[-1000:])  # the same stop set each time
    >>> stop, len(criterion.history_), 0 < criterion.history_[-1] < 0.99
    (False, 3, True)
    """

    input = "stop_set"
    _parameter_constraints = {
        "window": [Interval(Integral, 1, None, closed="left")],
        "threshold": [Interval(Real, -1, 1, closed="both")],
    }

    def __init__(self, window=3, threshold=0.99):
        self.window = window
        self.threshold = threshold

    def _statistic(self, learner, X):
        pred = _per_sample(partial(_predict, learner), X)
        previous = getattr(self, "predictions_", None)
        if previous is not None and previous.shape != pred.shape:
            raise ValueError(
                f"{type(self).__name__} compares predictions on a fixed stop set, but "
                f"got {pred.shape[0]} samples after {previous.shape[0]}: pass the same "
                "stop set every round."
            )
        self.predictions_ = pred
        return np.nan if previous is None else kappa_agreement(previous, pred)

    def _decide(self, value):
        kappas = [k for k in self.history_ + [value] if not np.isnan(k)]
        return len(kappas) >= self.window and np.mean(kappas[-self.window:]) >= self.threshold


class ClassificationChange(BaseStoppingCriterion):
    r"""Stop when no unlabelled sample changes its predicted class.

    The statistic is the share of unlabelled samples whose predicted class
    differs between the current model and the previous one; labelling stops
    when it is at most ``threshold`` (Zhu et al.: 0, no change at all). For a
    multi-label learner a sample has changed when any of its labels has (its
    predicted label set differs), so the statistic is still a share of
    samples.

    With an :class:`~skactive.ActiveLearner` the previous model is its
    ``previous_estimator_``, so ``X`` can be the current unlabelled pool
    (``input = "pool"``), which shrinks every round. With a bare classifier the
    previous round's predictions are kept instead, and ``X`` must then be the
    same set every round.

    Parameters
    ----------
    threshold : float, default=0.0
        Largest share of changed predictions at which to stop (``0`` is the
        paper's criterion; small-text offers the same relaxation).

    Attributes
    ----------
    history_ : list of float
        Share of changed predictions per round (NaN when there is no previous
        model).
    predictions_ : ndarray
        The last predictions (used with bare classifiers).
    n_rounds_, stop_round_, stopped_
        See :class:`BaseStoppingCriterion`.

    References
    ----------
    J. Zhu, H. Wang, E. Hovy. "Multi-criteria-based strategy to stop active
    learning for data annotation", COLING 2008. J. Zhu, H. Wang, E. Hovy,
    M. Ma. "Confidence-based stopping criteria for active learning for data
    annotation", ACM Transactions on Speech and Language Processing 6(3),
    2010 (classification change of the unlabelled pool).

    Examples
    --------
    >>> from sklearn.svm import SVC
    >>> from skactive import ActiveLearner
    >>> from skactive.datasets import load_letter
    >>> from skactive.stopping import ClassificationChange
    >>> X, y = load_letter(return_X_y=True)
    >>> learner = ActiveLearner(SVC()).fit(X[:300], y[:300])
    >>> criterion = ClassificationChange()
    >>> criterion.should_stop(learner, X[400:])  # no previous model yet
    False
    >>> learner = learner.teach(X[300:400], y[300:400])
    >>> criterion.should_stop(learner, X[400:]), 0 < criterion.history_[-1] < 1
    (False, True)
    """

    input = "pool"
    _parameter_constraints = {"threshold": [Interval(Real, 0, 1, closed="both")]}

    def __init__(self, threshold=0.0):
        self.threshold = threshold

    def _statistic(self, learner, X):
        pred = _per_sample(partial(_predict, learner), X)
        previous_model = getattr(learner, "previous_estimator_", None)
        if hasattr(learner, "previous_estimator_"):
            self.predictions_ = pred
            if previous_model is None:
                return np.nan
            before = _per_sample(partial(_predict, learner, estimator=previous_model), X)
            return changed_share(before, pred)
        previous = getattr(self, "predictions_", None)
        if previous is not None and previous.shape != pred.shape:
            raise ValueError(
                f"{type(self).__name__} with a bare classifier compares predictions on "
                f"the same samples, but got {pred.shape[0]} after {previous.shape[0]}; "
                "pass the same X every round, or use an ActiveLearner (its "
                "previous_estimator_ is compared on the current pool)."
            )
        self.predictions_ = pred
        return np.nan if previous is None else changed_share(previous, pred)

    def _decide(self, value):
        return not np.isnan(value) and value <= self.threshold
