"""Query time of the model-based strategies VAAL, WAAL and LPL next to Entropy.

MNIST (flattened, /255) with the MLP of the DeepAL+ / ALFA-Mix tabular
setting, an initial labelled set of ``--n-labeled`` samples and a pool of
``--pool`` samples, budget 100 (issue 9). Each learner is an
:class:`~skactive.ActiveLearner`:

- Entropy and VAAL: a plain ``ActiveNeuralNetClassifier(MLP)``;
- LPL: ``LossPredictionNet(MLP)`` (loss module on the embedding);
- WAAL: ``WAALNet(MLP)`` fitted with ``X_unlabeled=pool``.

The table gives the query time (best of ``--repeat``), its ratio to Entropy
(as in Table 2 of the ALFA-Mix paper, where DFAL costs ~240x Entropy), and the
time of ``fit`` (LPL and WAAL move work from the query into training). VAAL
trains its VAE and discriminator inside the query: its time grows linearly
with ``--vaal-epochs`` (30 in the survey) and with the pool.

Usage::

    python benchmarks/bench_model_based.py [--pool 10000] [--vaal-epochs 30] [--threads 1]
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


def timed(func, repeat=1):
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=int, default=10_000)
    parser.add_argument("--n-labeled", type=int, default=1000)
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=5, help="epochs of the classifier")
    parser.add_argument("--vaal-epochs", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=1)
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

    rows = []

    def run(name, estimator, strategy, **fit_params):
        learner = ActiveLearner(estimator, strategy, random_state=0)
        t_fit, _ = timed(lambda: learner.fit(X_lab, y_lab, **fit_params))
        t_query, _ = timed(lambda: learner.query(X_pool, budget=args.budget), args.repeat)
        rows.append((name, t_fit, t_query))
        print(f"  {name}: fit {t_fit:.2f} s, query {t_query:.2f} s", flush=True)

    print(f"MNIST MLP, labelled {args.n_labeled}, pool {args.pool}, budget {args.budget}, "
          f"torch threads {torch.get_num_threads()}")
    run("Entropy", ActiveNeuralNetClassifier(MLP, **net_args), Entropy())
    run("LPL", LossPredictionNet(MLP, **net_args), LPL())
    run("WAAL", WAALNet(MLP, **net_args), WAAL(), X_unlabeled=X_pool)
    run(f"VAAL ({args.vaal_epochs} ep)", ActiveNeuralNetClassifier(MLP, **net_args),
        VAAL(max_epochs=args.vaal_epochs, random_state=0))

    base = rows[0][2]
    print(f"\n| strategy | fit (s) | query (s) | query / Entropy | query per 10k pool (s) |")
    print("|---|---|---|---|---|")
    for name, t_fit, t_query in rows:
        print(f"| {name} | {t_fit:.2f} | {t_query:.3f} | {t_query / base:.1f}x | "
              f"{t_query * 10_000 / args.pool:.3f} |")


if __name__ == "__main__":
    main()
