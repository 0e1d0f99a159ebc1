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
from ._run import ExperimentResults, run_experiments
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
