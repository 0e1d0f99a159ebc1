"""Five active-learning rounds on MNIST with the MLP for each model-based strategy.

Issue 9's "done when": AdversarialBIM, AdversarialDeepFool, VAAL, WAAL, LPL,
CDAL and CoreGCN each run a 5-round loop with ``ActiveLearner`` around the
papers' MLP (Linear(784, 256)-ReLU-Linear(256, 10)). Entropy and random are run
alongside for reference. Prints test accuracy per round and the mean query time.

Usage::

    python benchmarks/model_based_mnist_loops.py [--pool 5000] [--rounds 5] [--seed 0]
"""

import argparse
import time

import numpy as np

from skactive import ActiveLearner
from skactive.datasets import load_dataset
from skactive.neural import MLP, ActiveNeuralNetClassifier
from skactive.neural._lpl import LossPredictionNet
from skactive.neural._waal import WAALNet
from skactive.strategies import (
    CDAL,
    LPL,
    VAAL,
    WAAL,
    AdversarialBIM,
    AdversarialDeepFool,
    CoreGCN,
    Entropy,
    RandomSampling,
)


def _net(kind, seed, epochs):
    cls = {"lpl": LossPredictionNet, "waal": WAALNet}.get(kind, ActiveNeuralNetClassifier)
    return cls(MLP, max_epochs=epochs, random_state=seed)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=int, default=5000)
    parser.add_argument("--test", type=int, default=2000)
    parser.add_argument("--initial", type=int, default=100)
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    data = load_dataset("mnist")
    rng = np.random.RandomState(args.seed)
    tr = rng.choice(len(data.y_train), args.pool, replace=False)
    te = rng.choice(len(data.y_test), args.test, replace=False)
    X = (data.X_train[tr].reshape(len(tr), -1) / 255.0).astype(np.float32)
    y = data.y_train[tr]
    X_test = (data.X_test[te].reshape(len(te), -1) / 255.0).astype(np.float32)
    y_test = data.y_test[te]

    strategies = {
        "random": ("plain", RandomSampling(random_state=args.seed)),
        "entropy": ("plain", Entropy()),
        "bim": ("plain", AdversarialBIM()),
        "deepfool": ("plain", AdversarialDeepFool()),
        "cdal": ("plain", CDAL()),
        "coregcn": ("plain", CoreGCN(random_state=args.seed)),
        "vaal": ("plain", VAAL(max_epochs=10, random_state=args.seed)),
        "waal": ("waal", WAAL()),
        "lpl": ("lpl", LPL()),
    }
    header = " ".join(f"{r:>6}" for r in range(args.rounds + 1))
    print(f"{'strategy':>9} {header}  query s/round")
    for name, (kind, strategy) in strategies.items():
        learner = ActiveLearner(_net(kind, args.seed, args.epochs), query_strategy=strategy)
        # the same initial labelled set for every strategy
        labeled = np.random.RandomState(args.seed).choice(args.pool, args.initial, replace=False)
        pool = np.setdiff1d(np.arange(args.pool), labeled)

        def extra(rest):
            return {"X_unlabeled": X[rest]} if kind == "waal" else {}

        learner.fit(X[labeled], y[labeled], **extra(pool))
        accs, q_times = [learner.score(X_test, y_test)], []
        for _ in range(args.rounds):
            tic = time.perf_counter()
            idx = learner.query(X[pool], budget=args.budget)
            q_times.append(time.perf_counter() - tic)
            new = pool[idx]
            pool = np.delete(pool, idx)
            learner.teach(X[new], y[new], **extra(pool))
            accs.append(learner.score(X_test, y_test))
        row = " ".join(f"{a:6.3f}" for a in accs)
        print(f"{name:>9} {row}  {np.mean(q_times):8.2f}", flush=True)


if __name__ == "__main__":
    main()
