"""Time and memory of TypiClust and ProbCover on a large pool (issue 20).

A 10-component Gaussian mixture in 64 dimensions (100,000 points by
default), zero labels, ``budget`` picks from an unfitted learner (raw
features). Reports wall time per phase and the peak of Python-tracked
memory (``tracemalloc``, which sees numpy buffers) and the process peak RSS.
CPU time (one thread) is the number to compare on a shared machine.

    OMP_NUM_THREADS=1 python benchmarks/bench_coldstart.py            # 100k x 64
    OMP_NUM_THREADS=1 python benchmarks/bench_coldstart.py --separation 0.3
    OMP_NUM_THREADS=1 python benchmarks/bench_coldstart.py --n 20000  # quicker
"""

import argparse
import resource
import time
import tracemalloc

import numpy as np
from sklearn.utils import check_random_state

from skactive import ActiveLearner
from skactive.strategies import ProbCover, TypiClust, max_coverage_greedy
from skactive.strategies._probcover import (
    _Balls,
    _graph_or_gains,
    _greedy_without_graph,
    nearest_impure_distance,
    purity_delta,
)


def mixture(n, d, k=10, separation=4.0, seed=0):
    rng = np.random.RandomState(seed)
    centers = rng.normal(scale=separation, size=(k, d))
    labels = rng.randint(k, size=n)
    return centers[labels] + rng.normal(size=(n, d)), labels


def timed(label, func, rows):
    tracemalloc.start()
    tic, cpu = time.perf_counter(), time.process_time()
    out = func()
    wall, cpu = time.perf_counter() - tic, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    rows.append((label, wall, cpu, peak))
    print(f"{label:<42s} {wall:8.1f} s wall {cpu:8.1f} s CPU   peak traced {peak:6.0f} MiB",
          flush=True)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--d", type=int, default=64)
    p.add_argument("--budget", type=int, default=100)
    p.add_argument("--separation", type=float, default=4.0,
                   help="scale of the mixture centres (unit-variance components): 4 = "
                        "well separated (balls span clusters), 0.3 = overlapping")
    p.add_argument("--skip-typiclust", action="store_true")
    args = p.parse_args()
    X, _ = mixture(args.n, args.d, separation=args.separation)
    print(f"pool {X.shape}, separation {args.separation}, budget {args.budget}, zero labels")
    rows = []
    # ProbCover, phase by phase (what query does), then the whole query
    from sklearn.cluster import KMeans

    rng = check_random_state(0)
    km = timed("ProbCover: k-means pseudo-labels (K=10)",
               lambda: KMeans(10, n_init=3, random_state=rng).fit_predict(X), rows)
    sample = np.sort(rng.choice(args.n, min(args.n, 10_000), replace=False))
    d_imp = timed("ProbCover: purity distances (10k rows)",
                  lambda: nearest_impure_distance(X, km, sample), rows)
    delta, purity = purity_delta(d_imp, 0.95)
    print(f"  delta = {delta:.3f}, purity = {purity:.3f}")
    balls = _Balls(X, delta)
    covered = np.zeros(args.n, dtype=bool)
    out = timed("ProbCover: ball graph (or gains) pass",
                lambda: _graph_or_gains(balls, covered, 50_000_000), rows)
    if out[0] == "graph":
        indptr, indices = out[1], out[2]
        print(f"  stored graph: {indices.size:,} edges (mean degree "
              f"{indices.size / args.n:.1f}, {(indices.nbytes + indptr.nbytes) / 2**20:.0f} MiB)")
        sel, gains, covered = timed(
            "ProbCover: greedy on the stored graph",
            lambda: max_coverage_greedy(indptr, indices, args.budget, random_state=rng), rows)
        del indptr, indices
    else:
        print(f"  graph over 50M edges (mean degree {out[1].mean():.0f}): greedy without it")
        sel, gains, covered, _ = timed(
            "ProbCover: greedy without the graph",
            lambda: _greedy_without_graph(balls, out[1], args.budget, covered, rng), rows)
    print(f"  coverage after {args.budget} picks = {covered.mean():.3f}")
    del out
    strategy = ProbCover(space="input", n_classes=10, random_state=0)
    learner = ActiveLearner(query_strategy=strategy)
    timed("ProbCover: whole query", lambda: learner.query(X, args.budget), rows)
    if not args.skip_typiclust:
        learner = ActiveLearner(query_strategy=TypiClust(space="input", random_state=0))
        timed("TypiClust: whole query", lambda: learner.query(X, args.budget), rows)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS {rss:.0f} MiB (the pool itself: {X.nbytes / 2**20:.0f} MiB)")


if __name__ == "__main__":
    main()
