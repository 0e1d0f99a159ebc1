"""Query time and peak memory of AlfaMix on large embedded pools, vs Margin.

The learner is an ``ActiveLearner(LogisticRegression())`` fitted on a labelled
set drawn from a Gaussian mixture in ``D`` dimensions (the pool *is* the
embedding, as for a linear head on frozen features). For each setting the
table gives the query time of Margin (floor: one ``predict_proba`` pass), of
AlfaMix (closed form, the default) with the share spent in k-means, the size of
the candidate set and the final epsilon, and the peak of Python/numpy
allocations during the call (tracemalloc), excluding the pool itself. The
learned alpha costs ``O(steps * n_iter * n * anchors * D * K)`` and is timed on
a smaller setting.

Usage::

    python benchmarks/bench_alfamix.py [--repeat 2] [--threads 1]

``--threads`` caps BLAS/OpenMP threads (threadpoolctl): on a shared, loaded
machine OpenMP spinning can dominate small k-means runs.
"""

import argparse
import time
import tracemalloc
from contextlib import nullcontext

import numpy as np
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression

from skactive import ActiveLearner
from skactive.strategies import AlfaMix, Margin

SETTINGS = [
    # (n_pool, D, n_classes, budget, alpha_opt)
    (60_000, 256, 10, 100, "closed_form"),  # MNIST-sized embeddings (issue 7)
    (100_000, 256, 50, 1000, "closed_form"),
    (5_000, 64, 10, 50, "learned"),
]


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


def _problem(n, d, k, rng):
    # overlapping classes (pool accuracy about 60-70 %), so that mixes do flip
    centers = rng.normal(scale=0.2, size=(k, d))
    lab_y = np.repeat(np.arange(k), 20)
    X_lab = centers[lab_y] + rng.normal(size=(len(lab_y), d))
    y_pool = rng.randint(k, size=n)
    X_pool = centers[y_pool] + rng.normal(size=(n, d))
    learner = ActiveLearner(LogisticRegression(max_iter=300)).fit(X_lab, lab_y)
    return learner, X_pool, learner.score(X_pool, y_pool)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    if args.threads:
        from threadpoolctl import threadpool_limits

        limit = threadpool_limits(args.threads)
    else:
        limit = nullcontext()
    rng = np.random.RandomState(0)
    print(f"{'pool x D x K':>18} {'budget':>6} {'alpha':>11} {'margin s':>8} {'alfamix s':>9} "
          f"{'ratio':>6} {'kmeans s':>8} {'cands':>7} {'eps':>6} {'peak MiB':>8} {'acc':>5}")
    with limit:
        for n, d, k, budget, opt in SETTINGS:
            learner, X, acc = _problem(n, d, k, rng)
            t_margin, _ = _measure(lambda: Margin().query(X, learner, budget), args.repeat)
            strategy = AlfaMix(alpha_opt=opt, random_state=0)
            t_alfa, peak = _measure(lambda: strategy.query(X, learner, budget), args.repeat)
            cands = strategy.n_candidates_
            t_km = float("nan")
            if cands > budget:
                F = X[strategy.candidate_mask_]
                F = F / np.linalg.norm(F, axis=1, keepdims=True)
                t0 = time.perf_counter()
                KMeans(budget, n_init=1, random_state=0).fit(F)
                t_km = time.perf_counter() - t0
            print(f"{f'{n} x {d} x {k}':>18} {budget:>6} {opt:>11} {t_margin:8.3f} "
                  f"{t_alfa:9.3f} {t_alfa / t_margin:6.1f} {t_km:8.3f} {cands:>7} "
                  f"{strategy.alpha_cap_:6.3f} {peak:8.1f} {acc:5.2f}")


if __name__ == "__main__":
    main()
