"""Query time of the model-based strategies VAAL, WAAL and LPL next to Entropy.

MNIST (flattened, /255) with the MLP of the DeepAL+ / ALFA-Mix tabular
setting, an initial labelled set of ``--n-labeled`` samples and a pool of
``--pool`` samples, budget 100 (issue 9). Each learner is an
:class:`~skactive.ActiveLearner`:

- Entropy and VAAL: a plain ``ActiveNeuralNetClassifier(MLP)``;
- LPL: ``LossPredictionNet(MLP)`` (loss module on the embedding);
- WAAL: ``WAALNet(MLP)`` fitted with ``X_unlabeled=pool``.

The table gives the query time (min / median of ``--repeat`` interleaved
repeats: each repeat queries every learner in turn), its ratio to Entropy
within a repeat
(as in Table 2 of the ALFA-Mix paper, where DFAL costs ~240x Entropy), and the
time of ``fit`` (LPL and WAAL move work from the query into training). VAAL
trains its VAE and discriminator inside the query: its time grows linearly
with ``--vaal-epochs`` (30 in the survey; 10 by default here, to keep a run
under two minutes) and with the pool. The last column gives the numbers
measured before issue 19.

Usage::

    python benchmarks/bench_model_based.py [--pool 5000] [--vaal-epochs 10] [--repeat 3] \\
        [--threads 1]
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np
import torch

from skactive import ActiveLearner
from skactive.neural import MLP, ActiveNeuralNetClassifier, LossPredictionNet, WAALNet
from skactive.strategies import LPL, VAAL, WAAL, Entropy


def find_mnist():
    env = os.environ.get("SKACTIVE_MNIST")
    candidates = [env] if env else []
    candidates += [str(p / "shared" / "data" / "mnist.npz") for p in Path(__file__).resolve().parents]
    for c in candidates:
        if c and Path(c).exists():
            return c
    raise SystemExit("mnist.npz not found: set SKACTIVE_MNIST to its path.")


#: Measured before issue 19 (commit 5805077) with the defaults below (pool
#: 5000, VAAL 10 epochs, one torch thread), loaded machine: best of 1.
BEFORE = {
    "Entropy": (2.13, 0.096),
    "LPL": (0.46, 0.060),
    "WAAL": (2.47, 0.186),
    "VAAL": (0.41, 28.26),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=int, default=5000)
    parser.add_argument("--n-labeled", type=int, default=1000)
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=5, help="epochs of the classifier")
    parser.add_argument("--vaal-epochs", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    d = np.load(find_mnist())
    X = (d["X_train"].reshape(len(d["X_train"]), -1) / 255.0).astype(np.float32)
    y = d["y_train"]
    perm = np.random.RandomState(0).permutation(len(X))
    lab, pool = perm[: args.n_labeled], perm[args.n_labeled : args.n_labeled + args.pool]
    X_lab, y_lab, X_pool = X[lab], y[lab], X[pool]
    net_args = dict(max_epochs=args.epochs, random_state=0)

    learners = {}

    def fit(name, estimator, strategy, **fit_params):
        learner = ActiveLearner(estimator, strategy, random_state=0)
        t0 = time.perf_counter()
        learner.fit(X_lab, y_lab, **fit_params)
        learners[name] = (learner, time.perf_counter() - t0)

    print(f"MNIST MLP, labelled {args.n_labeled}, pool {args.pool}, budget {args.budget}, "
          f"torch threads {torch.get_num_threads()}, {args.repeat} interleaved query repeats")
    fit("Entropy", ActiveNeuralNetClassifier(MLP, **net_args), Entropy())
    fit("LPL", LossPredictionNet(MLP, **net_args), LPL())
    fit("WAAL", WAALNet(MLP, **net_args), WAAL(), X_unlabeled=X_pool)
    fit("VAAL", ActiveNeuralNetClassifier(MLP, **net_args),
        VAAL(max_epochs=args.vaal_epochs, random_state=0))
    times = {name: [] for name in learners}
    for _ in range(args.repeat):
        for name, (learner, _) in learners.items():
            t0 = time.perf_counter()
            learner.query(X_pool, budget=args.budget)
            times[name].append(time.perf_counter() - t0)

    base = np.asarray(times["Entropy"])
    print(f"\n| strategy | fit (s) | query min / median (s) | query / Entropy (min / median) "
          f"| before: fit, query (s) |")
    print("|---|---|---|---|---|")
    for name, (_, t_fit) in learners.items():
        t = np.asarray(times[name])
        ratio = t / base
        label = f"VAAL ({args.vaal_epochs} ep)" if name == "VAAL" else name
        before = BEFORE.get(name, ("-", "-"))
        print(f"| {label} | {t_fit:.2f} | {t.min():.3f} / {np.median(t):.3f} | "
              f"{ratio.min():.1f}x / {np.median(ratio):.1f}x | {before[0]}, {before[1]} |")


if __name__ == "__main__":
    main()
