"""ALFA-Mix vs Random, Entropy, BADGE and CoreSet: the paper's qualitative claim.

Parvaneh et al. (CVPR 2022) report that ALFA-Mix's area under the budget
curve (AUBC) is above Random and Entropy sampling (and on a par with or above
BADGE and CoreSet) on MNIST with an MLP. This script runs that comparison
(issue 7, item 3) with :func:`skactive.experiments.run_experiments` and prints,
per dataset, AUBC and final accuracy (mean ± std over seeds):

- **mnist**: ``ActiveNeuralNetClassifier(MLP)`` (Linear(784, 256)-ReLU-
  Linear(256, 10)), pixels / 255 flattened to 784, retrained from scratch
  each round (Adam, lr 1e-3, batches of 64, ``--epochs`` epochs,
  ``random_state=seed``). 100 initial labels, 10 rounds of 10 x K = 100.
- **letter**: ``make_pipeline(StandardScaler(), LogisticRegression())`` (the
  linear head reads the standardised features as its embedding). Pool: the
  first 16 000 rows, test: the last 4 000. 100 initial labels, 10 rounds of
  10 x K = 260.

To bound CPU time the MNIST pool is a fixed random subsample of the 60 000
training images (``--mnist-pool``, default 10 000) and the test set one of the
10 000 test images (``--mnist-test``, default 2 000); the letter pool is
subsampled to ``--letter-pool`` (default 8 000). The subsamples are the same
for every strategy and seed; the seed draws the initial labelled set (shared
by all strategies), and seeds the strategies and the network.

Usage::

    python benchmarks/alfamix_paper_table.py [--seeds 3] [--n-jobs 2]
        [--datasets mnist,letter] [--epochs 15] [--results-dir DIR] [--quick]

``--results-dir`` stores each finished run, so an interrupted study resumes.
``--quick`` is a smoke test (1 seed, 2 rounds, small pools).
"""

import argparse
import os

# One BLAS / OpenMP / torch thread per run: runs are parallel over n_jobs.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skactive.datasets import load_dataset, load_letter  # noqa: E402
from skactive.experiments import run_experiments  # noqa: E402
from skactive.strategies import (  # noqa: E402
    BADGE,
    AlfaMix,
    Entropy,
    KCenterGreedy,
    RandomSampling,
)

STRATEGIES = ("random", "entropy", "badge", "coreset", "alfa-mix")


def strategies():
    return {
        "random": RandomSampling(),
        "entropy": Entropy(),
        "badge": BADGE(),
        "coreset": KCenterGreedy(),
        "alfa-mix": AlfaMix(),
    }


def mnist_data(n_pool, n_test, seed=0):
    d = load_dataset("mnist")
    rng = np.random.RandomState(seed)
    pool = np.sort(rng.permutation(len(d.y_train))[:n_pool])
    test = np.sort(rng.permutation(len(d.y_test))[:n_test])
    X_pool = (d.X_train[pool].reshape(len(pool), -1) / 255.0).astype(np.float32)
    X_test = (d.X_test[test].reshape(len(test), -1) / 255.0).astype(np.float32)
    return X_pool, np.asarray(d.y_train)[pool], X_test, np.asarray(d.y_test)[test]


def letter_data(n_pool, seed=0):
    X, y = load_letter(return_X_y=True)
    X_pool, y_pool = X[:16000], y[:16000]
    if n_pool < len(y_pool):
        keep = np.sort(np.random.RandomState(seed).permutation(len(y_pool))[:n_pool])
        X_pool, y_pool = X_pool[keep], y_pool[keep]
    return X_pool, y_pool, X[-4000:], y[-4000:]


def mlp(epochs):
    from skactive.neural import MLP, ActiveNeuralNetClassifier

    # random_state is set per run (to the seed) by run_experiments
    return ActiveNeuralNetClassifier(
        MLP, module__hidden_units=256, max_epochs=epochs, lr=1e-3, batch_size=64,
        random_state=0,
    )


def linear():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def table(results, dataset, n_classes, wall):
    aubc = results.aubc()[dataset]
    facc = results.final_accuracy()[dataset]
    n_labels = results.n_labels(dataset)
    lines = [
        f"\n== {dataset}: {len(next(iter(aubc.values())))} seeds, labels "
        f"{int(n_labels[0])} -> {int(n_labels[-1])} (K = {n_classes}), "
        f"wall {wall:.0f} s",
        f"{'strategy':<10} {'AUBC (mean ± std)':>19} {'final acc (mean ± std)':>24}",
    ]
    for name in STRATEGIES:
        if name not in aubc:
            continue
        a, f = np.asarray(aubc[name]), np.asarray(facc[name])
        lines.append(f"{name:<10} {a.mean():>10.4f} ± {a.std():.4f} "
                     f"{f.mean():>15.4f} ± {f.std():.4f}")
    rand = np.asarray(aubc["random"])
    if "alfa-mix" in aubc:
        diff = np.asarray(aubc["alfa-mix"]) - rand
        lines.append(f"alfa-mix - random AUBC per seed: {np.round(diff, 4).tolist()}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--datasets", default="mnist,letter")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--mnist-pool", type=int, default=10_000)
    parser.add_argument("--mnist-test", type=int, default=2_000)
    parser.add_argument("--letter-pool", type=int, default=8_000)
    parser.add_argument("--results-dir", default=None)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.rounds, args.epochs = 1, 2, 3
        args.mnist_pool, args.mnist_test, args.letter_pool = 2000, 500, 2000

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    warnings.filterwarnings("ignore", message=".*non-writable.*")  # torch collate
    print(f"settings: seeds={args.seeds} rounds={args.rounds} n_initial=100 "
          f"budget=10*K epochs={args.epochs} mnist pool/test="
          f"{args.mnist_pool}/{args.mnist_test} letter pool/test="
          f"{args.letter_pool}/4000 n_jobs={args.n_jobs}", flush=True)
    out = []
    for name in [d for d in args.datasets.split(",") if d]:
        if name == "mnist":
            data, est = mnist_data(args.mnist_pool, args.mnist_test), mlp(args.epochs)
        elif name == "letter":
            data, est = letter_data(args.letter_pool), linear()
        else:
            raise ValueError(f"unknown dataset {name!r}")
        n_classes = len(np.unique(data[1]))
        start = time.perf_counter()
        results = run_experiments(
            {name: data}, strategies(), est, seeds=args.seeds, n_rounds=args.rounds,
            budget=10 * n_classes, n_initial=100, n_jobs=args.n_jobs,
            results_dir=(os.path.join(args.results_dir, name) if args.results_dir
                         else None),
            progress=False,
        )
        wall = time.perf_counter() - start
        out.append(table(results, name, n_classes, wall))
        print(out[-1], flush=True)
        qt = {s: np.mean([r.query_time[1:].mean() for r in results.runs
                          if r.meta.get("strategy") == s])
              for s in STRATEGIES}
        print("mean query time per round (s): "
              + ", ".join(f"{s} {t:.2f}" for s, t in qt.items()), flush=True)
    return "\n".join(out)


if __name__ == "__main__":
    main()
