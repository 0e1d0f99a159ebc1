"""WAAL (Shui et al. 2020): uncertainty plus a Wasserstein critic's score."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_array

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..exceptions import LearnerCapabilityError
from ..utils import resolve_learner, top_k
from ..utils._validation import check_probabilities

__all__ = ["WAAL", "waal_score"]

_EPS = 1e-12


@validate_params(
    {
        "proba": ["array-like"],
        "critic": ["array-like"],
        "selection": [Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def waal_score(proba, critic, selection=10.0):
    r"""WAAL acquisition score (larger is selected first).

    With class probabilities :math:`p` and the critic's output :math:`D(x)`,
    the reference code (DeepAL+ ``waal.py``, after Shui et al. 2020) ranks by

    .. math::
        u(x) = \tfrac12 \lVert \log p \rVert_2 + \tfrac12 \lVert \log p \rVert_1,
        \qquad \text{total}(x) = u(x) - \mu\, D(x),

    ascending (``u`` is the upper bound of the loss over the worst-case
    label: small for flat predictions, large for confident ones; ``D`` is high
    for samples that look unlabelled, i.e. far from the labelled set). This
    returns ``-total = mu * D - u``, so that larger means selected first.
    Probabilities are clipped at 1e-12 before the log (the reference returns
    infinities for zero probabilities).

    Parameters
    ----------
    proba : array-like of shape (n, K)
    critic : array-like of shape (n,)
    selection : float, default=10.0
        :math:`\mu` (10 in the reference code).

    Returns
    -------
    scores : ndarray of shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import waal_score
    >>> proba = np.array([[0.5, 0.5], [1.0, 0.0]])
    >>> np.round(waal_score(proba, [0.2, 0.9], selection=10), 4)
    array([  0.8167, -18.631 ])
    """
    proba = check_probabilities(proba, "proba")
    critic = check_array(critic, ensure_2d=False, dtype=np.float64, input_name="critic")
    if critic.reshape(-1).shape != (proba.shape[0],):
        raise ValueError(
            f"critic must hold one value per row of proba ({proba.shape[0]}), got "
            f"shape {critic.shape}."
        )
    logp = np.log(np.clip(proba, _EPS, 1.0))
    u = 0.5 * np.linalg.norm(logp, axis=1) + 0.5 * np.abs(logp).sum(axis=1)
    return selection * np.asarray(critic, dtype=float).reshape(-1) - u


def _transform(transforms, X):
    for t in transforms:
        X = t.transform(X)
    return X


class WAAL(BaseQueryStrategy):
    """Wasserstein adversarial active learning: uncertain and unlabelled-looking samples.

    Scores each pool sample with :func:`waal_score` -- the reference's
    uncertainty bound minus ``selection`` times the critic's score -- and
    selects the ``budget`` best (DeepAL+ survey, Zhan et al. 2022, sec. 2.3,
    "WAAL"; Shui et al. 2020, sec. 5). The critic and the adversarially
    trained embedding come from the training hook: the learner's net must be
    a :class:`skactive.neural.WAALNet` fitted with ``X_unlabeled`` (or any
    estimator with ``predict_proba`` and ``critic_scores`` and
    ``n_unlabeled_seen_ > 0``), possibly inside an
    :class:`~skactive.ActiveLearner`. Otherwise a
    :class:`~skactive.exceptions.LearnerCapabilityError` is raised.

    Probabilities are the net's own (its ``classes_``), not the ActiveLearner's
    widened ones, so classes not seen yet do not enter the log.

    Parameters
    ----------
    selection : float, default=10.0
        Weight :math:`\\mu` of the critic's score.

    References
    ----------
    C. Shui, F. Zhou, C. Gagné, B. Wang. "Deep active learning: unified and
    principled method for query and training", AISTATS 2020.

    Examples
    --------
    >>> import pytest
    >>> _ = pytest.importorskip("torch")
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from skactive import ActiveLearner
    >>> from skactive.neural import WAALNet, MLP
    >>> from skactive.strategies import WAAL
    >>> X, y = load_digits(return_X_y=True)
    >>> X = (X / 16).astype(np.float32)
    >>> net = WAALNet(MLP, module__hidden_units=32, critic__hidden_units=32,
    ...               max_epochs=2, random_state=0)
    >>> learner = ActiveLearner(net, WAAL()).fit(X[:200], y[:200], X_unlabeled=X[200:])
    >>> learner.query(X[200:], budget=5).shape
    (5,)
    """

    _parameter_constraints = {"selection": [Interval(Real, 0, None, closed="left")]}

    def __init__(self, selection=10.0):
        self.selection = selection

    def __query_tags__(self):
        return QueryStrategyTags(requires_proba=True, requires_neural_net=True)

    def _query(self, X_pool, learner, budget, random_state):
        transforms, net = resolve_learner(learner)
        if not hasattr(net, "critic_scores"):
            raise LearnerCapabilityError(
                f"WAAL needs a net trained with a Wasserstein critic, but "
                f"{type(net).__name__} has no critic_scores: use "
                "skactive.neural.WAALNet(module, ...) as the estimator and fit it with "
                "X_unlabeled=<the pool>."
            )
        if not getattr(net, "n_unlabeled_seen_", 0):
            raise LearnerCapabilityError(
                "WAAL needs a critic trained on unlabelled data, but the WAALNet was "
                "fitted without X_unlabeled: fit / teach with X_unlabeled=<the pool>."
            )
        X = _transform(transforms, X_pool)
        # the template restores the modes predict_proba switches (module_,
        # criterion_, critic_) when the query returns
        scores = waal_score(net.predict_proba(X), net.critic_scores(X), self.selection)
        return top_k(scores, budget), scores
