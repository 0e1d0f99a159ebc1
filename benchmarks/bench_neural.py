"""Cost of the embedding / head protocol of ActiveNeuralNetClassifier on MNIST.

The small CNN (:class:`skactive.neural.SmallCNN`, dropout in the head) is
trained briefly on 2,000 MNIST images; then, on ``--n`` (default 50,000)
MNIST training images, the script times

* one ``predict_proba`` pass (skorch's own, the reference),
* ``embed``,
* ``head_gradients`` (the factorised last-layer gradients BADGE uses),
* ``embedding_gradients`` (dL/dZ, ALFA-Mix),
* ``predict_proba_samples(n_samples=10)`` (MC dropout; only the head is
  sampled because all dropout sits in it),
* the same 10 MC passes through the whole network (what a module with
  dropout in the feature extractor costs), for comparison.

Goals of issue 6: MC (10 samples) <= 11x one pass, gradients <= 2x one pass.

Usage::

    python benchmarks/bench_neural.py [--n 50000] [--repeat 1] [--threads N]
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np
import torch

from skactive.neural import ActiveNeuralNetClassifier, SmallCNN


def find_mnist():
    for c in [os.environ.get("SKACTIVE_MNIST")] + [
        str(p / "shared" / "data" / "mnist.npz") for p in Path(__file__).resolve().parents
    ]:
        if c and Path(c).exists():
            return c
    raise SystemExit("mnist.npz not found: set SKACTIVE_MNIST to its path.")


def timeit(func, repeat):
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)  # a script may; the library never does
    d = np.load(find_mnist())
    X = (d["X_train"][: args.n] / 255.0).astype(np.float32)
    y = d["y_train"][: args.n]
    net = ActiveNeuralNetClassifier(
        SmallCNN, module__dropout=0.3, max_epochs=1, random_state=0
    ).fit(X[:2000], y[:2000])
    print(f"SmallCNN, {args.n} MNIST images, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, inference batch {net._batch_size()}")

    def full_mc():
        module = net.module_
        with torch.no_grad():
            module.eval()
            for m in module.modules():
                if isinstance(m, torch.nn.Dropout):
                    m.train()
            for start in range(0, len(X), net._batch_size()):
                xb = torch.from_numpy(X[start : start + net._batch_size()])
                for _ in range(10):
                    torch.softmax(module(xb), 1)
            module.eval()

    rows = [
        ("predict_proba (1 pass)", lambda: net.predict_proba(X)),
        ("embed", lambda: net.embed(X)),
        ("head_gradients", lambda: net.head_gradients(X)),
        ("embedding_gradients", lambda: net.embedding_gradients(X)),
        ("predict_proba_samples(10)", lambda: net.predict_proba_samples(X, 10, random_state=0)),
        ("10 full MC passes", full_mc),
    ]
    base = None
    print(f"{'operation':28s} {'seconds':>8s} {'x one pass':>10s}")
    for name, func in rows:
        t = timeit(func, args.repeat)
        base = t if base is None else base
        print(f"{name:28s} {t:8.2f} {t / base:10.2f}")


if __name__ == "__main__":
    main()
