"""Stream-based active learning: decide, sample by sample, whether to buy a label.

A *selector* sees the samples of a stream as they arrive and returns the
indices of those to label (:meth:`~BaseStreamSelector.query`, no side effect),
then learns what was labelled (:meth:`~BaseStreamSelector.update`). A *budget
manager* keeps the spending at ``budget`` (the fraction of arriving samples to
label). :func:`simulate_stream` runs prequential (test-then-train) evaluation.

>>> from skactive.stream import VariableUncertainty, simulate_stream  # doctest: +SKIP
"""

from ._base import BaseStreamSelector
from ._checks import check_stream_selector
from ._budget import BalancedQuantileFilter, BaseBudgetManager, EstimatedBudget, FixedRateBudget
from ._pal import StreamProbabilisticAL, probabilistic_gain
from ._random import StreamRandom
from ._simulate import StreamResult, simulate_stream
from ._uncertainty import FixedUncertainty, RandomVariableUncertainty, Split, VariableUncertainty

__all__ = [
    "BalancedQuantileFilter",
    "BaseBudgetManager",
    "BaseStreamSelector",
    "EstimatedBudget",
    "FixedRateBudget",
    "FixedUncertainty",
    "RandomVariableUncertainty",
    "Split",
    "StreamProbabilisticAL",
    "StreamRandom",
    "StreamResult",
    "VariableUncertainty",
    "check_stream_selector",
    "probabilistic_gain",
    "simulate_stream",
]
