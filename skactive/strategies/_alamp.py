"""alamp and alamp-div (Aggarwal et al.), and the diversified baselines."""

from functools import partial

import numpy as np
from sklearn.utils._param_validation import validate_params
from sklearn.utils.validation import check_array

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..utils import (
    chunked_predict,
    margin,
    reduce_class_scores,
    round_robin_by_group,
    top_k,
)

__all__ = ["Alamp", "AlampDiv", "MarginDiv", "RandomDiv", "alamp_score"]


def _check_margins(name, m):
    m = check_array(m, ensure_2d=False, dtype=np.float64, input_name=name)
    if m.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one margin per sample), got shape {m.shape}.")
    if (m < 0).any():
        raise ValueError(f"{name} must be non-negative (margins), got min {m.min():.3g}.")
    return m


@validate_params(
    {"margin_previous": ["array-like"], "margin_current": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def alamp_score(margin_previous, margin_current):
    r"""The alamp score of eq. 3, element-wise.

    .. math::
        alamp(x) = \frac{marg_{k-1}(x) - marg_k(x)}{marg_{k-1}(x) + marg_k(x)}

    It is largest for samples that were predicted confidently by the previous
    model and are uncertain under the current one. Where both margins are
    zero (denominator 0) the certainty did not change and the score is 0.

    Parameters
    ----------
    margin_previous, margin_current : array-like of shape (n,)
        Non-negative margins of the same samples under the previous and the
        current model.

    Returns
    -------
    scores : ndarray of shape (n,), values in [-1, 1]

    Examples
    --------
    >>> from skactive.strategies import alamp_score
    >>> alamp_score([0.8, 0.5, 0.0], [0.2, 0.5, 0.0])
    array([0.6, 0. , 0. ])
    """
    prev = _check_margins("margin_previous", margin_previous)
    cur = _check_margins("margin_current", margin_current)
    if prev.shape != cur.shape:
        raise ValueError(
            "margin_previous and margin_current must have the same shape (the same "
            f"samples), got {prev.shape} and {cur.shape}."
        )
    num = prev - cur
    den = prev + cur
    out = np.zeros(np.broadcast(prev, cur).shape)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _diversified(scores, model, X_pool, budget):
    """Algorithm 1: rank by ``scores`` (largest first), then round-robin over the
    classes ``model`` predicts for the pool."""
    order = np.argsort(-scores, kind="stable")
    return round_robin_by_group(order, chunked_predict(model, X_pool), budget)


def _margins(estimator, X, kind):
    values, _ = reduce_class_scores(estimator, X, margin, kind=kind)
    return values


def _alamp_block_scores(X, block_id=0, *, learner):
    """The alamp scores of a block of a dask pool (the pool scorer)."""
    return Alamp()._alamp_scores(X, learner)[0]


class Alamp(BaseQueryStrategy):
    r"""alamp: active learning with asynchronous model predictions.

    Scores each pool sample by the relative shift of its margin from the
    previous model (before the last :meth:`~skactive.ActiveLearner.teach`) to
    the current one, eq. 3 of Aggarwal et al. (see :func:`alamp_score`), and
    selects the largest scores first. Margins (eq. 1) come from
    ``predict_proba`` when the learner has it, otherwise from
    ``decision_function`` -- both models use the same kind -- so ``SVC()`` at
    its defaults works, as in the paper.

    When there is no previous model (right after ``fit``, or a bare estimator
    rather than an :class:`~skactive.ActiveLearner`), the paper falls back to
    uncertainty: plain margin sampling, with scores ``-margin``.

    References
    ----------
    U. Aggarwal, A. Popescu, C. Hudelot. "Optimizing Active Learning for Low
    Annotation Budgets", section 4.1, eq. 3.

    Examples
    --------
    >>> from sklearn.svm import SVC
    >>> from skactive import ActiveLearner
    >>> from skactive.datasets import load_letter
    >>> from skactive.strategies import Alamp
    >>> X, y = load_letter(return_X_y=True)
    >>> learner = ActiveLearner(SVC(), query_strategy=Alamp()).fit(X[:200], y[:200])
    >>> learner = learner.teach(X[200:300], y[200:300])
    >>> learner.query(X[300:2000], budget=5).shape
    (5,)
    """

    _parameter_constraints = {}

    def __query_tags__(self):
        return QueryStrategyTags(requires_scores=True, uses_previous_model=True,
                                 supports_dask_pool=True)

    def _pool_scorer(self, learner, random_state):
        """Per-block scores for dask pools (see :mod:`skactive.utils._pools`)."""
        return partial(_alamp_block_scores, learner=learner)

    def _alamp_scores(self, X_pool, learner):
        """Return (scores, previous_model_or_None)."""
        previous = getattr(learner, "previous_estimator_", None)
        current, kind = reduce_class_scores(learner, X_pool, margin)
        if previous is None:
            return -current, None
        return alamp_score(_margins(previous, X_pool, kind), current), previous

    def _query(self, X_pool, learner, budget, random_state):
        scores, _ = self._alamp_scores(X_pool, learner)
        return top_k(scores, budget), scores


class AlampDiv(Alamp):
    """alamp-div: alamp order, diversified over previous-model pseudo-classes.

    Algorithm 1 of Aggarwal et al.: pool samples are ranked by the alamp score
    (eq. 3, see :class:`Alamp`) and assigned the class predicted by the
    previous model; the selection then walks the ranking round-robin, one
    sample per pseudo-class per pass, until the budget is met (see
    :func:`~skactive.utils.round_robin_by_group`). Without a previous model,
    the ranking is by margin and the pseudo-classes are the current
    predictions (the paper's first iteration). The returned scores are the
    alamp scores; the index order is the diversified one.

    References
    ----------
    U. Aggarwal, A. Popescu, C. Hudelot. "Optimizing Active Learning for Low
    Annotation Budgets", section 4.2 and Algorithm 1.

    Examples
    --------
    >>> from sklearn.svm import SVC
    >>> from skactive import ActiveLearner
    >>> from skactive.datasets import load_letter
    >>> from skactive.strategies import AlampDiv
    >>> X, y = load_letter(return_X_y=True)
    >>> learner = ActiveLearner(SVC(), query_strategy=AlampDiv()).fit(X[:200], y[:200])
    >>> learner = learner.teach(X[200:300], y[200:300])
    >>> idx = learner.query(X[300:2000], budget=26)
    >>> len(set(learner.previous_estimator_.predict(X[300:2000][idx]))) > 20
    True
    """

    def __query_tags__(self):  # the round-robin needs the whole ranking
        return QueryStrategyTags(requires_scores=True, uses_previous_model=True)

    def _query(self, X_pool, learner, budget, random_state):
        scores, previous = self._alamp_scores(X_pool, learner)
        model = previous if previous is not None else learner
        return _diversified(scores, model, X_pool, budget), scores


class MarginDiv(BaseQueryStrategy):
    """Margin ranking diversified round-robin over the predicted classes.

    The diversification of Algorithm 1 (Aggarwal et al.) applied to margin
    sampling (eq. 1), with pseudo-classes from the current model (the
    ``marg-div`` baseline of section 5.6). Scores are ``-margin``.

    References
    ----------
    U. Aggarwal, A. Popescu, C. Hudelot. "Optimizing Active Learning for Low
    Annotation Budgets", sections 4.2 and 5.6.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive.strategies import MarginDiv
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> clf = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> MarginDiv().query(np.array([[-0.1], [-0.2], [0.3]]), clf, budget=2)
    array([0, 2])
    """

    _parameter_constraints = {}

    def __query_tags__(self):
        return QueryStrategyTags(requires_scores=True)

    def _query(self, X_pool, learner, budget, random_state):
        scores = -_margins(learner, X_pool, "auto")
        return _diversified(scores, learner, X_pool, budget), scores


class RandomDiv(BaseQueryStrategy):
    """Random order diversified round-robin over the predicted classes.

    The diversification of Algorithm 1 (Aggarwal et al.) applied to random
    sampling, with pseudo-classes from the current model (the ``rand-div``
    baseline of section 5.6). Scores are the uniform draws that define the
    random order.

    Parameters
    ----------
    random_state : int, RandomState instance or None, default=None

    References
    ----------
    U. Aggarwal, A. Popescu, C. Hudelot. "Optimizing Active Learning for Low
    Annotation Budgets", sections 4.2 and 5.6.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive.strategies import RandomDiv
    >>> X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    >>> clf = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> pool = np.array([[-3.0], [-2.5], [-2.0], [2.0]])
    >>> idx = RandomDiv(random_state=0).query(pool, clf, budget=2)
    >>> sorted(clf.predict(pool[idx]).tolist())
    [0, 1]
    """

    _parameter_constraints = {"random_state": ["random_state"]}

    def __init__(self, random_state=None):
        self.random_state = random_state

    def __query_tags__(self):
        return QueryStrategyTags(stochastic=True)

    def _query(self, X_pool, learner, budget, random_state):
        scores = random_state.random_sample(X_pool.shape[0])
        return _diversified(scores, learner, X_pool, budget), scores
