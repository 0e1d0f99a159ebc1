"""Neural networks for active learning (the only skactive package importing torch).

Needs the optional dependencies: ``pip install skactive[torch]`` (on CPU-only
machines pin ``torch`` first, e.g. ``pip install torch==2.13.0``, otherwise pip
pulls a large CUDA build).

- :class:`ActiveNeuralNetClassifier`: skorch classifier with the embedding /
  head protocol (``embed``, ``head_logits``, ``linear_head``, ``head_gradient_factors``,
  ``head_gradients``, ``embedding_gradients``, ``predict_proba_samples``).
- Networks with an ``embed`` / ``head`` split: :class:`MLP`,
  :class:`SmallCNN`, :class:`ResNet18`.
- :class:`FrozenFeatures`: a frozen network as a scikit-learn transformer.
- :func:`compare_transfer_finetune`: SVM on frozen features vs fine-tuning.
"""

try:
    import skorch  # noqa: F401
    import torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised without torch
    raise ImportError(
        "skactive.neural needs PyTorch and skorch, which are optional: install them "
        "with `pip install skactive[torch]` (on a CPU-only machine, pin torch first, "
        "e.g. `pip install torch==2.13.0`, so pip does not pull a large CUDA build)."
    ) from exc

from ._callbacks import TrainAccuracyThreshold, torch_seed
from ._classifier import ActiveNeuralNetClassifier
from ._features import FrozenFeatures
from ._lada import MixupPolicy, SpatialTransformer, lada_pair_scores
from ._layers import forward_blocks, module_blocks
from ._lpl import LossNet, LossPredictionNet, loss_prediction_loss
from ._modules import MLP, ResNet18, SmallCNN
from ._vaal import ConvVAE, MLPVAE, VAALDiscriminator, train_vaal, vaal_scores, vae_loss
from ._virtual import VirtualInstanceTraining, teach_with_virtual_instances
from ._waal import WAALCritic, WAALNet, gradient_penalty, waal_train_step

__all__ = [
    "ActiveNeuralNetClassifier",
    "ConvVAE",
    "FrozenFeatures",
    "LossNet",
    "LossPredictionNet",
    "MLP",
    "MLPVAE",
    "PretrainedNet",
    "MixupPolicy",
    "ResNet18",
    "SmallCNN",
    "SpatialTransformer",
    "TrainAccuracyThreshold",
    "TransferComparison",
    "VAALDiscriminator",
    "WAALCritic",
    "WAALNet",
    "compare_transfer_finetune",
    "VirtualInstanceTraining",
    "forward_blocks",
    "gradient_penalty",
    "lada_pair_scores",
    "loss_prediction_loss",
    "module_blocks",
    "teach_with_virtual_instances",
    "torch_seed",
    "train_vaal",
    "vaal_scores",
    "vae_loss",
    "waal_train_step",
]

# The transfer-vs-fine-tuning study sits above ActiveLearner and the strategies
# (it runs whole active-learning loops), while the strategies import this
# package for their torch parts: loaded on first use, so that the import graph
# has no cycle (tests/test_reliability.py checks it).
_LAZY = {"PretrainedNet": "_transfer", "TransferComparison": "_transfer",
         "compare_transfer_finetune": "_transfer"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
