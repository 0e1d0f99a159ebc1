"""LADA: query time vs Entropy, and a small active-learning run (CPU).

Timing (default): one fitted :class:`~skactive.neural.ActiveNeuralNetClassifier`
and one pool; the median query time of Entropy, fixed-tau LADA (Manifold-Mixup
look-ahead) and LADA with InfoMixup (policy training with early stopping), and
their ratio to Entropy. The paper reports the whole-loop time of LADA at about
1.32 times Random (Table 1); here the query alone is compared, which is the
upper bound of that ratio since training is shared.

Curve (``--curve``): the paper's protocol scaled to a CPU: 8x8 digits
(``sklearn.datasets.load_digits``), a SmallCNN, 20 balanced initial labels,
+10 per round, ``--rounds`` rounds, ``--seeds`` seeds; test accuracy per round
and AUBC of Random, Entropy, LADA (InfoMixup + entropy), LADA with fixed
tau = 1 and LADA + training with virtual instances (eq. 17-19).

Usage::

    python benchmarks/bench_lada.py [--pool 2000] [--repeat 3]
    python benchmarks/bench_lada.py --curve [--rounds 10] [--seeds 2]
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


def timing(args):
    X, y = _mnist(args.pool + 300)
    net = ActiveNeuralNetClassifier(
        SmallCNN, module__input_size=28, max_epochs=5, random_state=0
    ).fit(X[:300], y[:300])
    pool = X[300:]
    rows = [
        ("Random", RandomSampling(random_state=0)),
        ("Entropy", Entropy()),
        ("LADA fixed tau=1", LADA(tau=1.0, n_pairs=args.pool // 2, random_state=0)),
        ("LADA InfoMixup", LADA(n_pairs=args.pool // 2, random_state=0)),
        ("LADA InfoMixup var_ratio", LADA(acquisition="var_ratio", n_pairs=args.pool // 2,
                                          random_state=0)),
    ]
    print(f"MNIST SmallCNN, pool {len(pool)}, budget {args.budget}, median of {args.repeat}")
    base = None
    for name, strategy in rows:
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            strategy.query(pool, net, budget=args.budget)
            times.append(time.perf_counter() - t0)
        t = float(np.median(times))
        base = t if name == "Entropy" else base
        extra = ""
        if hasattr(strategy, "policy_loss_"):
            extra = f"  policy epochs {len(strategy.policy_loss_)}, layer {strategy.mix_layer_}"
        ratio = f"{t / base:6.1f}x" if base else "   -  "
        print(f"{name:26s} {t:8.3f} s  {ratio} Entropy{extra}")


def _balanced_initial(y, per_class, rng):
    return np.concatenate(
        [rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in np.unique(y)]
    )


def run_curve(make_strategy, virtual, seed, rounds, budget, X, y, X_test, y_test, module):
    rng = np.random.RandomState(seed)
    init = _balanced_initial(y, 2, rng)
    rest = np.setdiff1d(np.arange(len(y)), init)
    callbacks = [("lada_virtual", VirtualInstanceTraining())] if virtual else None
    kwargs = {"module__input_size": 8} if module is SmallCNN else {}
    net = ActiveNeuralNetClassifier(
        module, max_epochs=50, lr=1e-3, batch_size=16, random_state=seed, callbacks=callbacks,
        **kwargs,
    )
    learner = ActiveLearner(net, make_strategy(seed), random_state=seed).fit(X[init], y[init])
    accs = [learner.score(X_test, y_test)]
    for _ in range(rounds):
        idx = learner.query(X[rest], budget=budget)
        if virtual:
            teach_with_virtual_instances(learner, X[rest], idx, y[rest][idx])
        else:
            learner.teach(X[rest][idx], y[rest][idx])
        rest = np.delete(rest, idx)
        accs.append(learner.score(X_test, y_test))
    return np.asarray(accs)


def curve(args):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32).reshape(-1, 8, 8)
    perm = np.random.RandomState(0).permutation(len(y))
    test, pool = perm[:500], perm[500:]
    lada = dict(n_pairs=250, random_state=None)
    strategies = {
        "Random": (lambda s: RandomSampling(random_state=s), False),
        "Entropy": (lambda s: Entropy(), False),
        "LADA EntMix": (lambda s: LADA(**{**lada, "random_state": s}), False),
        "LADA fixed tau=1": (lambda s: LADA(tau=1.0, **{**lada, "random_state": s}), False),
        "LADA EntMix + virtual": (lambda s: LADA(**{**lada, "random_state": s}), True),
    }
    module = SmallCNN if args.module == "cnn" else MLP
    n_labels = 20 + args.budget * np.arange(args.rounds + 1)
    print(f"digits 8x8, {args.module}, 20 balanced initial labels, +{args.budget} x "
          f"{args.rounds} rounds, seeds {list(range(args.seeds))}")
    for name, (make, virtual) in strategies.items():
        t0 = time.perf_counter()
        curves = np.array([
            run_curve(make, virtual, s, args.rounds, args.budget, X[pool], y[pool],
                      X[test], y[test], module)
            for s in range(args.seeds)
        ])
        scores = [aubc(n_labels, c) for c in curves]
        print(f"{name:24s} AUBC {np.mean(scores):.4f} +- {np.std(scores):.4f}  "
              f"final acc {curves[:, -1].mean():.4f}  per seed {np.round(scores, 4).tolist()}  "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pool", type=int, default=2000)
    parser.add_argument("--budget", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--curve", action="store_true")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--module", choices=["cnn", "mlp"], default="cnn")
    args = parser.parse_args()
    curve(args) if args.curve else timing(args)
