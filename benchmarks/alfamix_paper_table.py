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

``--unseen DIR`` runs instead a small label-efficiency check on tabular
``.npz`` files (arrays ``X``, ``y``) in ``DIR`` (``--datasets``, default
optdigits,dna,satimage): ``make_pipeline(StandardScaler(),
LogisticRegression())``, a stratified 30 % test split, the pool subsampled to
3 000, 2K random initial labels and 2K per round for 15 rounds (K classes),
3 seeds; it prints the AUBC of Random, AlfaMix and AlfaMix with
``direction="gradient"`` (the whole-gradient move), and their differences::

    python benchmarks/alfamix_paper_table.py --unseen path/to/data
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


def unseen(data_dir, names, seeds=3, rounds=15):
    """AUBC of Random / AlfaMix / AlfaMix(direction="gradient") on tabular files."""
    from sklearn.model_selection import train_test_split

    from skactive import ActiveLearner
    from skactive.experiments import simulate
    from skactive.experiments._metrics import aubc

    variants = {"random": RandomSampling(), "alfa-mix": AlfaMix(),
                "alfa-mix gradient": AlfaMix(direction="gradient")}
    lines = []
    for name in names:
        d = np.load(os.path.join(data_dir, f"{name}.npz"))
        X, y = d["X"], d["y"]
        K = len(np.unique(y))
        res = {v: [] for v in variants}
        for seed in range(seeds):
            Xp, Xt, yp, yt = train_test_split(X, y, test_size=0.3, stratify=y,
                                              random_state=seed)
            if len(yp) > 3000:
                keep = np.random.RandomState(seed).permutation(len(yp))[:3000]
                Xp, yp = Xp[keep], yp[keep]
            for v, strategy in variants.items():
                learner = ActiveLearner(linear(), query_strategy=strategy,
                                        classes=np.unique(y))
                r = simulate(learner, Xp, yp, Xt, yt, n_initial=2 * K, budget=2 * K,
                             n_rounds=rounds, random_state=seed)
                res[v].append(aubc(r.n_labels, r.accuracy))
        base = np.array(res["random"])
        lines.append(f"{name}: " + ", ".join(
            f"{v} {np.mean(a):.4f}" + ("" if v == "random" else
                                       f" ({100 * np.mean(np.array(a) - base):+.2f} pts)")
            for v, a in res.items()))
        print(lines[-1], flush=True)
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unseen", default=None, metavar="DIR")
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
    if args.unseen:
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        names = args.datasets if args.datasets != "mnist,letter" else "optdigits,dna,satimage"
        return unseen(args.unseen, names.split(","), seeds=args.seeds)
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
