"""Simulated active-learning studies: the loop, grids of runs, metrics,
plots and the command line (``python -m skactive run ...``)."""

from ._metrics import (
    aubc,
    final_accuracy,
    labels_to_target,
    penalty_matrix,
    win_tie_loss,
)
from ._plots import (
    plot_class_distribution,
    plot_learning_curves,
    plot_penalty_matrix,
    plot_queried_classes,
)
from ._registry import (
    available_estimators,
    available_strategies,
    get_estimator,
    get_strategy,
    register_strategy,
)
from ._results import ExperimentResults
from ._run import run_experiments
from ._simulate import SimulationResult, simulate

__all__ = [
    "ExperimentResults",
    "SimulationResult",
    "aubc",
    "available_estimators",
    "available_strategies",
    "final_accuracy",
    "get_estimator",
    "get_strategy",
    "labels_to_target",
    "penalty_matrix",
    "plot_class_distribution",
    "plot_learning_curves",
    "plot_penalty_matrix",
    "plot_queried_classes",
    "register_strategy",
    "run_experiments",
    "simulate",
    "win_tie_loss",
]

# The transfer-learning comparison (alamp paper, section 5.4) lives with the
# networks in skactive.neural; it is reachable from here without importing
# torch until it is used.
_NEURAL = {"compare_transfer_finetune", "TransferComparison"}


def __getattr__(name):
    if name in _NEURAL:
        from .. import neural

        return getattr(neural, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _NEURAL)
