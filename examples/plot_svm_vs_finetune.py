"""
=====================================================================
SVM on frozen features vs fine-tuning under a small labelling budget
=====================================================================

Section 5.4 of the alamp paper (Aggarwal, Popescu, Hudelot) compares two ways
of using a network pre-trained on a *source* task during active learning on a
*target* task:

* **transfer**: the network is frozen and an ``SVC()`` is trained on its
  features at each round, ``make_pipeline(FrozenFeatures(net), SVC())``;
* **fine-tune**: the whole network is re-trained on the labelled target
  samples at each round (here from the pre-trained weights, Adam, 15 epochs).

Offline version (a few minutes on a CPU): a small CNN is pre-trained on MNIST
digits 0-4 (source), and the target task is digits 5-9, starting from 20
random labels and querying 20 more per round with random sampling, margin,
alamp-div and BADGE (BADGE needs a linear head, so it only runs with
fine-tuning). The data come from the shared ``mnist.npz`` (set
``SKACTIVE_MNIST`` to its path).

Plugging in an ImageNet model: with torchvision or timm installed, any
network whose output is a feature vector works as the backbone::

    import torchvision
    backbone = torchvision.models.resnet18(weights="IMAGENET1K_V1")
    backbone.fc = torch.nn.Identity()          # 512-d features
    transfer = make_pipeline(FrozenFeatures(backbone), SVC())
    finetune = ActiveNeuralNetClassifier(
        PretrainedNet, module__backbone=backbone, module__embedding_dim=512)

and ``compare_transfer_finetune(backbone, ..., finetune=finetune)`` runs the
comparison (images as float ``(n, 3, H, W)`` normalised like ImageNet).
"""

import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from skactive.neural import (  # noqa: E402
    ActiveNeuralNetClassifier,
    PretrainedNet,
    SmallCNN,
    compare_transfer_finetune,
)
from skactive.strategies import AlampDiv, Margin, RandomSampling  # noqa: E402


def find_mnist():
    candidates = [os.environ.get("SKACTIVE_MNIST")]
    here = Path(__file__).resolve() if "__file__" in globals() else Path.cwd()
    candidates += [str(p / "shared" / "data" / "mnist.npz") for p in here.parents]
    for c in candidates:
        if c and Path(c).exists():
            return c
    raise FileNotFoundError("mnist.npz not found: set SKACTIVE_MNIST to its path.")


d = np.load(find_mnist())
X_train = (d["X_train"] / 255.0).astype(np.float32)
X_test = (d["X_test"] / 255.0).astype(np.float32)
y_train, y_test = d["y_train"], d["y_test"]
rng = np.random.RandomState(0)

# %%
# Pre-train on the source task (digits 0-4)
# ------------------------------------------
src = np.flatnonzero(y_train < 5)
src = rng.choice(src, 4000, replace=False)
t0 = time.perf_counter()
source_net = ActiveNeuralNetClassifier(
    SmallCNN, module__dropout=0.3, max_epochs=1, random_state=0
).fit(X_train[src], y_train[src])
print(f"pre-training: {time.perf_counter() - t0:.0f} s, "
      f"source test accuracy {source_net.score(X_test[y_test < 5], y_test[y_test < 5]):.3f}")
backbone = source_net.module_

# %%
# Active learning on the target task (digits 5-9)
# ------------------------------------------------
tgt = rng.choice(np.flatnonzero(y_train >= 5), 1000, replace=False)
tst = rng.choice(np.flatnonzero(y_test >= 5), 800, replace=False)
strategies = {"random": RandomSampling(), "margin": Margin(), "alamp-div": AlampDiv()}
try:
    from skactive.strategies import BADGE

    strategies["badge"] = BADGE()
except ImportError:
    pass

finetune = ActiveNeuralNetClassifier(
    PretrainedNet, module__backbone=backbone, module__dropout=0.3, max_epochs=15, lr=1e-3
)
t0 = time.perf_counter()
result = compare_transfer_finetune(
    backbone,
    X_train[tgt],
    y_train[tgt],
    X_test[tst],
    y_test[tst],
    strategies=strategies,
    n_initial=20,
    budget=20,
    n_rounds=4,
    finetune=finetune,
    seeds=(0, 1),
    verbose=True,
)
print(f"active learning: {time.perf_counter() - t0:.0f} s")

# %%
# Which scheme wins at which budget
# ----------------------------------
header = "  ".join(f"{s:>9s}" for s in ("transfer", "finetune"))
print(f"{'strategy':10s} {'labels':>6s}  {header}")
for strat, n, best, accs in result.winners():
    row = "  ".join(f"{accs.get(s, float('nan')):9.3f}" for s in ("transfer", "finetune"))
    print(f"{strat:10s} {n:6d}  {row}  -> {best}")

ax = result.plot()
ax.set_title("MNIST 0-4 -> 5-9: SVM on frozen CNN features (solid) vs fine-tuning (dashed)",
             fontsize=9)
plt.tight_layout()
out = os.environ.get("SKACTIVE_EXAMPLE_OUT", "svm_vs_finetune.png")
plt.savefig(out, dpi=120)
print(f"saved {out}")
