"""Stopping criteria: when to stop labelling.

Each criterion is a small estimator: hyper-parameters in ``__init__`` (so
:func:`~sklearn.base.clone` works), the state of a run in ``_`` attributes,
and one method, ``should_stop(learner, X)``, called after every round, that
records a statistic in ``history_`` and returns True when labelling can
stop. :func:`skactive.experiments.simulate` accepts them as ``stopping=``.
"""

from ._agreement import ClassificationChange, StabilizingPredictions, kappa_agreement
from ._base import BaseStoppingCriterion, available_criteria, get_criterion
from ._confidence import (
    MaxConfidence,
    OverallUncertainty,
    binary_entropies,
    normalized_entropy,
)

__all__ = [
    "BaseStoppingCriterion",
    "ClassificationChange",
    "MaxConfidence",
    "OverallUncertainty",
    "StabilizingPredictions",
    "available_criteria",
    "binary_entropies",
    "get_criterion",
    "kappa_agreement",
    "normalized_entropy",
]
