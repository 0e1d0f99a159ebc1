"""Query strategies: each selects which pool samples to label next.

Every strategy follows :class:`skactive.base.BaseQueryStrategy`:
``strategy.query(X_pool, learner, budget)`` returns unique pool indices, best
first.
"""

from ._alamp import Alamp, AlampDiv, MarginDiv, RandomDiv, alamp_score
from ._random import RandomSampling
from ._uncertainty import Entropy, LeastConfidence, Margin, VarRatio

__all__ = [
    "Alamp",
    "AlampDiv",
    "Entropy",
    "LeastConfidence",
    "Margin",
    "MarginDiv",
    "RandomDiv",
    "RandomSampling",
    "VarRatio",
    "alamp_score",
]
