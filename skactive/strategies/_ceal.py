"""CEAL: cost-effective active learning (uncertain samples + confident pseudo-labels)."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..utils import entropy, reduce_class_scores

__all__ = ["CEAL"]


class CEAL(BaseQueryStrategy):
    r"""Cost-Effective Active Learning: query uncertain samples, pseudo-label confident ones.

    :meth:`query` returns the samples a base strategy selects for the
    annotator (entropy by default, "CEAL(Entropy)" in the DeepAL+ survey).
    :meth:`pseudo_labels` returns the other pool samples whose predicted
    class distribution has entropy below a threshold :math:`\delta_t`, with
    the model's predicted labels. Pass them to
    ``ActiveLearner.teach(X_new, y_new, X_pseudo=..., y_pseudo=...)``: the
    next model trains on them, but they never enter ``y_labeled_`` and are
    recomputed (with a stricter threshold) every round.

    Threshold schedule, round :math:`t = 1, 2, \dots` (``learner.n_iter_ + 1``):

    - ``schedule="reference"`` (default, DeepAL+ code): the threshold is
      decreased by ``decay * t`` at every round, i.e.
      :math:`\delta_t = \delta_0 - d\, t (t+1) / 2`;
    - ``schedule="linear"`` (Wang et al. 2017, literal):
      :math:`\delta_t = \delta_0 - d\, t`.

    A non-positive threshold yields no pseudo-labels.

    Parameters
    ----------
    base_strategy : BaseQueryStrategy, default=None
        Selects the samples to annotate; ``None`` means
        :class:`~skactive.strategies.Entropy`. Cloned at each query; gets this
        strategy's ``random_state`` when its own is None.
    delta : float, default=5e-5
        Initial entropy threshold :math:`\delta_0` (DeepAL+ default).
    decay : float, default=0.033e-5
        Threshold decay rate :math:`d` (Wang et al.).
    schedule : {"reference", "linear"}, default="reference"
    max_pseudo : int or None, default=None
        Keep at most this many pseudo-labels (the lowest-entropy ones).
    random_state : int, RandomState instance or None, default=None

    References
    ----------
    K. Wang, D. Zhang, Y. Li, R. Zhang, L. Lin. "Cost-effective active learning
    for deep image classification", IEEE TCSVT 27(12), 2017. DeepAL+ survey
    (Zhan et al. 2022), section 3 ("pseudo labeling").

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive import ActiveLearner
    >>> from skactive.strategies import CEAL
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> clf = LogisticRegression(C=100, max_iter=3000)
    >>> learner = ActiveLearner(clf, CEAL(delta=0.05), random_state=0)
    >>> learner = learner.fit(X[:100], y[:100])
    >>> X_pool, y_pool = X[100:1000], y[100:1000]
    >>> idx = learner.query(X_pool, budget=10)
    >>> p_idx, p_lab = learner.query_strategy_.pseudo_labels(X_pool, learner, exclude=idx)
    >>> bool(np.mean(p_lab == y_pool[p_idx]) > 0.95)
    True
    >>> learner = learner.teach(X_pool[idx], y_pool[idx], X_pseudo=X_pool[p_idx], y_pseudo=p_lab)
    >>> learner.y_labeled_.shape  # pseudo-labels are not labels
    (110,)
    """

    _parameter_constraints = {
        "base_strategy": [HasMethods(["query"]), None],
        "delta": [Interval(Real, 0, None, closed="left")],
        "decay": [Interval(Real, 0, None, closed="left")],
        "schedule": [StrOptions({"reference", "linear"})],
        "max_pseudo": [Interval(Integral, 0, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        base_strategy=None,
        *,
        delta=5e-5,
        decay=0.033e-5,
        schedule="reference",
        max_pseudo=None,
        random_state=None,
    ):
        self.base_strategy = base_strategy
        self.delta = delta
        self.decay = decay
        self.schedule = schedule
        self.max_pseudo = max_pseudo
        self.random_state = random_state

    def _base(self, random_state=None):
        if self.base_strategy is None:
            from ._uncertainty import Entropy

            return Entropy()
        base = clone(self.base_strategy)
        params = base.get_params(deep=False)
        if "random_state" in params and params["random_state"] is None:
            base.set_params(random_state=random_state)
        return base

    def __query_tags__(self):
        tags = self._base().__query_tags__()
        tags.requires_proba = True
        return tags

    def _query(self, X_pool, learner, budget, random_state):
        return self._base(random_state).query(X_pool, learner, budget, return_scores=True)

    def _pool_scorer(self, learner, random_state):  # dask pools: the base strategy's scores
        return self._base(random_state)._pool_scorer(learner, random_state)

    def threshold(self, round_index):
        r"""Entropy threshold :math:`\delta_t` of round ``round_index`` (1-based)."""
        t = int(round_index)
        if self.schedule == "linear":
            return self.delta - self.decay * t
        return self.delta - self.decay * t * (t + 1) / 2

    def pseudo_labels(self, X_pool, learner, exclude=None, round_index=None):
        """High-confidence pool samples and the labels the learner predicts for them.

        Parameters
        ----------
        X_pool : array-like of shape (n_pool, ...)
        learner : fitted learner with ``predict_proba``
        exclude : array-like of int, default=None
            Pool indices not to pseudo-label (those sent to the annotator).
        round_index : int, default=None
            Round :math:`t`; default ``learner.n_iter_ + 1`` (1 for a bare
            estimator).

        Returns
        -------
        indices : ndarray of int
            Pool indices with entropy below the threshold, most confident first.
        labels : ndarray
            Their predicted labels (elements of ``learner.classes_``).
        """
        if hasattr(self, "_validate_params"):
            self._validate_params()
        if round_index is None:  # an ActiveLearner counts its teach calls
            round_index = (learner.n_iter_ if hasattr(learner, "X_labeled_") else 0) + 1
        X_pool = np.asarray(X_pool) if not hasattr(X_pool, "shape") else X_pool
        delta = self.threshold(round_index)
        classes = np.asarray(learner.classes_)
        if delta <= 0:
            return np.empty(0, dtype=np.intp), classes[:0]
        # entropy and argmax from one pass over the probabilities
        values, _ = reduce_class_scores(
            learner,
            X_pool,
            lambda P: np.column_stack([entropy(P), P.argmax(axis=1)]),
            kind="proba",
        )
        H, pred = values[:, 0], values[:, 1].astype(np.intp)
        keep = H < delta
        if exclude is not None:
            keep[np.asarray(exclude, dtype=np.intp)] = False
        idx = np.flatnonzero(keep)
        idx = idx[np.argsort(H[idx], kind="stable")]
        if self.max_pseudo is not None:
            idx = idx[: self.max_pseudo]
        return idx.astype(np.intp), classes[pred[idx]]
