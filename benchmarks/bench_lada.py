"""LADA: query time vs Entropy, and a small active-learning run (CPU).

Timing (default): one fitted :class:`~skactive.neural.ActiveNeuralNetClassifier`
and one pool; the query time of Entropy, fixed-tau LADA (Manifold-Mixup
look-ahead) and LADA with InfoMixup (policy training with early stopping),
interleaved over ``--repeat`` repeats, and their ratio to Entropy (min and
median over the repeats), beside the numbers measured before issue 19.
The paper reports the whole-loop time of LADA at about
1.32 times Random (Table 1); here the query alone is compared, which is the
upper bound of that ratio since training is shared.

Curve (``--curve``): the paper's protocol (004, section 5) scaled to a CPU:
a random pool of 5,000 MNIST training images and 2,000 test images per seed,
a SmallCNN re-trained from scratch each round (Adam, lr 1e-3, batch 16, at
most ``--epochs`` (200) epochs, stopping at 99 % training accuracy), 20 class-
balanced initial labels, +10 per round, 30 rounds, 3 seeds; test accuracy per
round and AUBC of Random, Entropy, LADA with fixed tau = 1 (Manifold-Mixup
look-ahead), LADA (InfoMixup + entropy) and LADA + training with virtual
instances (eq. 17-19). LADA scores ``--n-pairs`` random pairs per round (the
reference: 1,000; 250 keeps a CPU round at about 20 s). Jobs (strategy x
seed) run in parallel, one torch thread each; each job's curve is written to
``--out`` as JSON, so an interrupted run resumes.

Usage::

    python benchmarks/bench_lada.py [--pool 2000] [--repeat 3] [--rows "LADA InfoMixup,..."]
    python benchmarks/bench_lada.py --curve [--rounds 30] [--seeds 3] [--n-jobs 2]
"""

import argparse
import time

import numpy as np

from skactive import ActiveLearner
from skactive.experiments import aubc
from skactive.neural import (
    MLP,
    ActiveNeuralNetClassifier,
    SmallCNN,
    VirtualInstanceTraining,
    teach_with_virtual_instances,
)
from skactive.strategies import LADA, Entropy, RandomSampling


def _mnist(n):
    import os

    path = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "mnist.npz")
    d = np.load(path)
    return (d["X_train"][:n] / 255.0).astype(np.float32), d["y_train"][:n]


#: Before issue 19: commit 5805077 (every mix run through the whole rest of
#: the network) timed in the same process as the new code, interleaved, 2
#: repeats, same settings (load average 2-3 on 2 cores): min seconds and min
#: ratio to Entropy. Same picks (Jaccard 1.0) for both LADA rows.
BEFORE = {
    "Entropy": (1.69, 1.0),
    "LADA fixed tau=1": (6.70, 3.6),
    "LADA InfoMixup": (97.6, 51.9),
}

TIMING_ROWS = {
    "Random": lambda n: RandomSampling(random_state=0),
    "Entropy": lambda n: Entropy(),
    "LADA fixed tau=1": lambda n: LADA(tau=1.0, n_pairs=n, random_state=0),
    "LADA InfoMixup": lambda n: LADA(n_pairs=n, random_state=0),
    "LADA InfoMixup layer 2": lambda n: LADA(n_pairs=n, mix_layers=2, random_state=0),
    "LADA InfoMixup var_ratio": lambda n: LADA(acquisition="var_ratio", n_pairs=n,
                                               random_state=0),
}


def timing(args):
    """Interleaved: each repeat times every row in turn on the same net and
    pool; the ratio to Entropy is taken within a repeat (min and median)."""
    args.pool = args.pool or 2000
    X, y = _mnist(args.pool + 300)
    net = ActiveNeuralNetClassifier(
        SmallCNN, module__input_size=28, max_epochs=5, random_state=0
    ).fit(X[:300], y[:300])
    pool = X[300:]
    names = ["Entropy"] + [n for n in args.rows.split(",") if n and n != "Entropy"]
    rows = [(name, TIMING_ROWS[name](args.pool // 2)) for name in names]
    print(f"MNIST SmallCNN, pool {len(pool)}, budget {args.budget}, {args.repeat} interleaved "
          f"repeats (min / median)")
    times = {name: [] for name in names}
    for _ in range(args.repeat):
        for name, strategy in rows:
            t0 = time.perf_counter()
            strategy.query(pool, net, budget=args.budget)
            times[name].append(time.perf_counter() - t0)
    base = np.asarray(times["Entropy"])
    for name, strategy in rows:
        t = np.asarray(times[name])
        ratio = t / base
        extra = ""
        if getattr(strategy, "mix_layer_", None) is not None:
            extra = f"  policy epochs {len(strategy.policy_loss_)}, layer {strategy.mix_layer_}"
        before = BEFORE.get(name)
        before = f"  (before: {before[0]:.1f} s, {before[1]:.1f}x)" if before else ""
        print(f"{name:26s} {t.min():7.2f} / {np.median(t):7.2f} s  "
              f"{ratio.min():5.1f}x / {np.median(ratio):5.1f}x Entropy{extra}{before}")


def _balanced_initial(y, per_class, rng):
    return np.concatenate(
        [rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in np.unique(y)]
    )


#: name -> (LADA keyword arguments or None, base strategy, train with virtual instances)
CURVE_STRATEGIES = {
    "Random": (None, "random", False),
    "Entropy": (None, "entropy", False),
    "LADA fixed tau=1": ({"tau": 1.0}, "lada", False),
    "LADA EntMix": ({}, "lada", False),
    "LADA EntMix + virtual": ({}, "lada", True),
}


def _make_strategy(name, seed, n_pairs):
    lada_kwargs, base, _ = CURVE_STRATEGIES[name]
    if base == "random":
        return RandomSampling(random_state=seed)
    if base == "entropy":
        return Entropy()
    return LADA(n_pairs=n_pairs, random_state=seed, **lada_kwargs)


def run_curve(name, seed, args):
    """One active-learning run; returns the accuracy curve and the times."""
    import torch

    torch.set_num_threads(args.threads)
    X, y, X_test, y_test = _mnist_split(args.pool, args.test, seed)
    virtual = CURVE_STRATEGIES[name][2]
    rng = np.random.RandomState(seed)
    init = _balanced_initial(y, args.initial // 10, rng)
    rest = np.setdiff1d(np.arange(len(y)), init)
    callbacks = [("lada_virtual", VirtualInstanceTraining())] if virtual else None
    net = ActiveNeuralNetClassifier(
        SmallCNN, module__input_size=28, max_epochs=args.epochs, lr=1e-3, batch_size=16,
        train_acc_threshold=0.99, random_state=seed, callbacks=callbacks,
    )
    strategy = _make_strategy(name, seed, args.n_pairs)
    t0 = time.perf_counter()
    learner = ActiveLearner(net, strategy, random_state=seed).fit(X[init], y[init])
    fit_time, query_time = [time.perf_counter() - t0], []
    accs = [learner.score(X_test, y_test)]
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        idx = learner.query(X[rest], budget=args.budget)
        query_time.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        if virtual:
            teach_with_virtual_instances(learner, X[rest], idx, y[rest][idx])
        else:
            learner.teach(X[rest][idx], y[rest][idx])
        fit_time.append(time.perf_counter() - t0)
        rest = np.delete(rest, idx)
        accs.append(learner.score(X_test, y_test))
    return {"accuracy": accs, "query_time": query_time, "fit_time": fit_time}


def _mnist_split(n_pool, n_test, seed):
    """A random pool of MNIST train images and a random subset of the test set."""
    import os

    path = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "mnist.npz")
    d = np.load(path)
    rng = np.random.RandomState(seed)
    pool = rng.choice(len(d["y_train"]), n_pool, replace=False)
    test = rng.choice(len(d["y_test"]), n_test, replace=False)
    scale = lambda a: (a / 255.0).astype(np.float32)  # noqa: E731
    return scale(d["X_train"][pool]), d["y_train"][pool], scale(d["X_test"][test]), d["y_test"][test]


def curve(args):
    """The issue's protocol on MNIST; one JSON file per (strategy, seed) in --out."""
    import json
    import os

    from joblib import Parallel, delayed

    args.pool = args.pool or 5000
    os.makedirs(args.out, exist_ok=True)
    settings = {k: getattr(args, k) for k in
                ("pool", "test", "initial", "budget", "rounds", "epochs", "n_pairs")}
    settings_path = os.path.join(args.out, "settings.json")
    if os.path.exists(settings_path):
        with open(settings_path) as f:
            saved = json.load(f)
        if saved != settings:
            raise SystemExit(f"{args.out} holds runs with other settings {saved}; "
                             f"use another --out for {settings}.")
    else:
        with open(settings_path, "w") as f:
            json.dump(settings, f)
    names = args.strategies.split(",") if args.strategies else list(CURVE_STRATEGIES)
    jobs = [(n, s) for n in names for s in range(args.seeds)]
    # longest first: the InfoMixup runs dominate
    jobs.sort(key=lambda job: CURVE_STRATEGIES[job[0]][0] != {})

    def one(name, seed):
        path = os.path.join(args.out, f"{name.replace(' ', '_')}-seed{seed}.json")
        if not os.path.exists(path):
            t0 = time.perf_counter()
            result = run_curve(name, seed, args)
            result["wall"] = time.perf_counter() - t0
            with open(path + ".tmp", "w") as f:
                json.dump(result, f)
            os.replace(path + ".tmp", path)
            print(f"done {name} seed {seed} in {result['wall']:.0f} s", flush=True)
        with open(path) as f:
            return name, json.load(f)

    results = Parallel(n_jobs=args.n_jobs)(delayed(one)(n, s) for n, s in jobs)
    n_labels = args.initial + args.budget * np.arange(args.rounds + 1)
    print(f"MNIST, SmallCNN, pool {args.pool}, test {args.test}, {args.initial} balanced "
          f"initial labels, +{args.budget} x {args.rounds} rounds, seeds "
          f"{list(range(args.seeds))}, LADA n_pairs={args.n_pairs}")
    print("| strategy | AUBC | final accuracy | best accuracy (paper's Table 3) | query s/round "
          "| fit s/round | per-seed AUBC |")
    print("|---|---|---|---|---|---|---|")
    all_curves = {}
    for name in names:
        runs = [r for n, r in results if n == name]
        curves = all_curves[name] = np.array([r["accuracy"] for r in runs])
        scores = aubc(n_labels, curves)
        q = np.mean([np.mean(r["query_time"]) for r in runs])
        fit = np.mean([np.mean(r["fit_time"]) for r in runs])
        print(f"| {name} | {scores.mean():.4f} ± {scores.std():.4f} | "
              f"{curves[:, -1].mean():.4f} ± {curves[:, -1].std():.4f} | "
              f"{curves.max(axis=1).mean():.4f} ± {curves.max(axis=1).std():.4f} | "
              f"{q:.2f} | {fit:.2f} | "
              f"{np.round(scores, 4).tolist()} |")
    from skactive.experiments import plot_learning_curves

    ax = plot_learning_curves(n_labels, all_curves, title=f"MNIST, SmallCNN, pool {args.pool}")
    path = os.path.join(args.out, "learning_curves.png")
    ax.figure.savefig(path, dpi=120)
    print(f"figure: {path}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pool", type=int, default=None,
                        help="pool size (default: 2000 timing, 5000 curve)")
    parser.add_argument("--budget", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rows", default="LADA fixed tau=1,LADA InfoMixup",
                        help="timing rows, comma-separated, from: " + ", ".join(TIMING_ROWS))
    parser.add_argument("--curve", action="store_true")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--initial", type=int, default=20)
    parser.add_argument("--test", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--n-pairs", type=int, default=250)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="torch threads per job")
    parser.add_argument("--strategies", default=None, help="comma-separated subset")
    parser.add_argument("--out", default="results/lada_mnist")
    args = parser.parse_args()
    curve(args) if args.curve else timing(args)
