"""Query time and peak memory of Margin and Alamp on large pools.

Each strategy is compared with a floor measured in the same run on the same
data: the unavoidable work of one ``predict_proba`` over the pool plus one
``np.argpartition`` (for Alamp, whose score needs the previous *and* the
current model, the floor is two ``predict_proba`` passes). Peak memory is the
peak of Python/numpy allocations during the call (tracemalloc), excluding the
pool itself.

Usage::

    python benchmarks/bench_uncertainty.py [--sizes 10000 100000 1000000] [--repeat 3]
"""

import argparse
import time
import tracemalloc

import numpy as np
from sklearn.linear_model import LogisticRegression

from skactive import ActiveLearner
from skactive.strategies import Alamp, Margin


def _measure(func, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return min(times), peak / 2**20


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--n-features", type=int, default=64)
    parser.add_argument("--n-classes", type=int, default=10)
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    rng = np.random.RandomState(0)
    d, k = args.n_features, args.n_classes
    centers = rng.normal(scale=2.0, size=(k, d))
    X_lab = np.vstack([centers[c] + rng.normal(size=(30, d)) for c in range(k)])
    y_lab = np.repeat(np.arange(k), 30)
    learner = ActiveLearner(LogisticRegression(max_iter=1000)).fit(X_lab[::2], y_lab[::2])
    learner.teach(X_lab[1::2], y_lab[1::2])
    clf, prev = learner.estimator_, learner.previous_estimator_

    print(f"{'pool':>9} {'method':>20} {'time (s)':>9} {'x floor':>8} {'peak MiB':>9} "
          f"{'floor MiB':>9}")
    for n in args.sizes:
        X = rng.normal(scale=2.0, size=(n, d))
        b = args.budget

        def floor1():
            P = clf.predict_proba(X)
            return np.argpartition(P.max(axis=1), b)[:b]

        def floor2():
            P0, P1 = prev.predict_proba(X), clf.predict_proba(X)
            return np.argpartition(P1.max(axis=1) - P0.max(axis=1), b)[:b]

        t_f1, m_f1 = _measure(floor1, args.repeat)
        t_f2, m_f2 = _measure(floor2, args.repeat)
        cases = [
            ("Margin (estimator)", lambda: Margin().query(X, clf, b), t_f1, m_f1),
            ("Margin (learner)", lambda: Margin().query(X, learner, b), t_f1, m_f1),
            ("Alamp (learner)", lambda: Alamp().query(X, learner, b), t_f2, m_f2),
        ]
        print(f"{n:>9} {'floor: 1 proba':>20} {t_f1:9.3f} {1:8.2f} {m_f1:9.1f} {m_f1:9.1f}")
        print(f"{n:>9} {'floor: 2 proba':>20} {t_f2:9.3f} {1:8.2f} {m_f2:9.1f} {m_f2:9.1f}")
        for name, func, t_floor, m_floor in cases:
            t, m = _measure(func, args.repeat)
            print(f"{n:>9} {name:>20} {t:9.3f} {t / t_floor:8.2f} {m:9.1f} {m_floor:9.1f}")


if __name__ == "__main__":
    main()
