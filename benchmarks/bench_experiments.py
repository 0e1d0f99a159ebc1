"""Benchmark of the experiment harness (skactive.experiments).

1. A study of 4 strategies x 5 seeds on ``letter`` (SVC) with
   ``run_experiments(n_jobs=1)`` and ``n_jobs=2``: wall time and speed-up.
2. Harness overhead: the same runs as a hand-written loop
   (fit / query / teach / score, nothing else) against ``simulate`` and
   against ``run_experiments(n_jobs=1)``; goal <= 5 %.

Usage::

    python benchmarks/bench_experiments.py            # pool of 4000, ~3-4 min
    python benchmarks/bench_experiments.py --max-pool 16000   # full train split
    python benchmarks/bench_experiments.py --quick    # smoke test, seconds

Timings on shared machines are noisy; the overhead is measured by
alternating hand loop and ``simulate`` run by run and keeping, for each run,
the best of ``--repeat`` tries.
"""

import argparse
import time

import numpy as np
from sklearn.base import clone
from sklearn.svm import SVC

from skactive import ActiveLearner
from skactive.datasets import load_dataset
from skactive.experiments import get_strategy, run_experiments, simulate

STRATEGIES = ["random", "margin", "alamp", "alamp-div"]


def hand_loop(strategy, X_pool, y_pool, X_test, y_test, n_initial, budget, n_rounds, seed):
    """The loop a user would write by hand: accuracy only, no bookkeeping."""
    rng = np.random.RandomState(seed)
    idx = rng.permutation(X_pool.shape[0])
    labeled, rest = idx[:n_initial], idx[n_initial:]
    learner = ActiveLearner(SVC(), clone(strategy), random_state=seed)
    learner.fit(X_pool[labeled], y_pool[labeled])
    acc = [learner.score(X_test, y_test)]
    for _ in range(n_rounds):
        picked = learner.query(X_pool[rest], budget=budget)
        new = rest[picked]
        rest = np.delete(rest, picked)
        learner.teach(X_pool[new], y_pool[new])
        acc.append(learner.score(X_test, y_test))
    return acc


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-pool", type=int, default=4000)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--n-initial", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.max_pool, args.seeds, args.rounds, args.budget = 1000, 2, 3, 50
        args.repeat = 1

    d = load_dataset("letter")
    rng = np.random.RandomState(0)
    keep = np.sort(rng.permutation(d.X_train.shape[0])[: args.max_pool])
    data = (d.X_train[keep], d.y_train[keep], d.X_test, d.y_test)
    settings = dict(n_initial=args.n_initial, budget=args.budget, n_rounds=args.rounds)
    seeds = list(range(args.seeds))
    print(f"letter: pool {data[0].shape[0]}, test {data[2].shape[0]}, SVC, "
          f"{len(STRATEGIES)} strategies x {len(seeds)} seeds, {settings}")

    # 1. n_jobs=1 vs n_jobs=2
    times = {}
    for n_jobs in (1, 2):
        tic = time.perf_counter()
        res = run_experiments({"letter": data}, STRATEGIES, SVC(), seeds=seeds,
                              n_jobs=n_jobs, progress=False, **settings)
        times[n_jobs] = time.perf_counter() - tic
        print(f"run_experiments n_jobs={n_jobs}: {times[n_jobs]:7.1f} s")
    print(f"speed-up n_jobs=2 vs 1: {times[1] / times[2]:.2f}x")
    for row in res.summary_rows():
        print(f"  {row['strategy']:<10} AUBC {row['aubc_mean']:.4f} ± {row['aubc_std']:.4f}")

    # 2. overhead: hand loop vs simulate, alternating, best of --repeat per run
    hand_total = sim_total = 0.0
    for name in STRATEGIES:
        for seed in seeds:
            best_hand = best_sim = np.inf
            for _ in range(args.repeat):
                tic = time.perf_counter()
                hand_loop(get_strategy(name), *data, seed=seed, **settings)
                best_hand = min(best_hand, time.perf_counter() - tic)
                tic = time.perf_counter()
                simulate(ActiveLearner(SVC(), get_strategy(name)), *data,
                         random_state=seed, **settings)
                best_sim = min(best_sim, time.perf_counter() - tic)
            hand_total += best_hand
            sim_total += best_sim
    print(f"hand-written loops (sum of runs): {hand_total:7.1f} s")
    print(f"simulate (sum of runs):           {sim_total:7.1f} s  "
          f"overhead {100 * (sim_total / hand_total - 1):+.1f} %")
    print(f"run_experiments n_jobs=1 (whole grid, incl. joblib dispatch): "
          f"{times[1]:7.1f} s  overhead {100 * (times[1] / hand_total - 1):+.1f} % "
          "(single try, noisier)")


if __name__ == "__main__":
    main()
