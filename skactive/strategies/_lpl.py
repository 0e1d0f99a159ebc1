"""Learning loss (LPL, Yoo & Kweon 2019): select the highest predicted loss."""

import numpy as np

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..exceptions import LearnerCapabilityError
from ..utils import resolve_learner, top_k

__all__ = ["LPL", "LearningLoss"]


def _transform(transforms, X):
    for t in transforms:
        X = t.transform(X)
    return X


class LPL(BaseQueryStrategy):
    """Learning loss for active learning: the highest predicted losses first.

    The learner's network must have been trained with a loss-prediction
    module, i.e. be a :class:`skactive.neural.LossPredictionNet` (or any
    estimator with a ``predict_loss(X)`` method), possibly inside an
    :class:`~skactive.ActiveLearner`, a ``Pipeline`` or a search. The score of
    a pool sample is the module's predicted loss :math:`\\hat l(x)`; the
    ``budget`` highest are selected ("LPL" in the DeepAL+ survey, Zhan et al.
    2022, section 2.3). The training side -- the module, the margin ranking
    loss and the detach epoch -- lives in
    :class:`~skactive.neural.LossPredictionNet`.

    The strategy itself needs no torch import; a learner without
    ``predict_loss`` raises :class:`~skactive.exceptions.LearnerCapabilityError`.

    References
    ----------
    D. Yoo, I. S. Kweon. "Learning loss for active learning", CVPR 2019.
    X. Zhan et al. "A comparative survey of deep active learning", 2022 (LPL).

    Examples
    --------
    >>> import pytest
    >>> _ = pytest.importorskip("torch")
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from skactive import ActiveLearner
    >>> from skactive.neural import LossPredictionNet, MLP
    >>> from skactive.strategies import LPL
    >>> X, y = load_digits(return_X_y=True)
    >>> X = (X / 16).astype(np.float32)
    >>> net = LossPredictionNet(MLP, module__hidden_units=32, max_epochs=3, random_state=0)
    >>> learner = ActiveLearner(net, LPL()).fit(X[:200], y[:200])
    >>> learner.query(X[200:], budget=5).shape
    (5,)
    """

    def __query_tags__(self):
        return QueryStrategyTags(requires_neural_net=True)

    def _query(self, X_pool, learner, budget, random_state):
        transforms, net = resolve_learner(learner)
        if not hasattr(net, "predict_loss"):
            raise LearnerCapabilityError(
                f"LPL needs a network trained with a loss-prediction module, but "
                f"{type(net).__name__} has no predict_loss: use "
                "skactive.neural.LossPredictionNet(module, ...) as the estimator "
                "(it trains the module jointly with the net)."
            )
        scores = np.asarray(net.predict_loss(_transform(transforms, X_pool)), dtype=float)
        scores = scores.reshape(-1)
        return top_k(scores, budget), scores


LearningLoss = LPL
