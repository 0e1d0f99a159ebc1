"""Cold-start label efficiency of TypiClust and ProbCover (issue 20, item 1).

Protocol (the issue's cold-start regime): ``StandardScaler`` +
``LogisticRegression``, stratified 30 % test split, pool <= 3000, K initial
labels and K per round for 20 rounds (K = number of classes), 3 seeds.
Mean AUBC (accuracy, in points) and its difference to random sampling, for
two ways of drawing the K initial labels:

* ``initial=random``: as every strategy in the leaderboard (paired seeds);
* ``initial=<strategy>``: the strategy also chooses the first K labels from
  the unfitted learner (``simulate(..., initial="typiclust")``).

    OMP_NUM_THREADS=1 python benchmarks/coldstart_label_efficiency.py --data DIR
    OMP_NUM_THREADS=1 python benchmarks/coldstart_label_efficiency.py --data DIR --ablation

``--ablation`` compares variants instead (initial=random): ProbCover with
L2-normalised features (the authors' feature loader) and with alpha=0.9,
TypiClust with normalised features and with plain euclidean typicality.
"""

import argparse
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skactive.experiments import run_experiments

DATASETS = ("satimage", "vehicle", "optdigits")


def load(data_dir, name, max_pool=3000):
    d = np.load(Path(data_dir) / f"{name}.npz")
    X, y = d["X"].astype(float), d["y"]
    X_pool, X_test, y_pool, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    if len(y_pool) > max_pool:
        keep = np.random.RandomState(0).permutation(len(y_pool))[:max_pool]
        X_pool, y_pool = X_pool[keep], y_pool[keep]
    return X_pool, y_pool, X_test, y_test


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="folder with the .npz data sets")
    p.add_argument("--datasets", default=",".join(DATASETS))
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--n-jobs", type=int, default=1)
    p.add_argument("--ablation", action="store_true")
    args = p.parse_args()
    est = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    if args.ablation:
        return ablation(args, est)
    table = {}
    for name in args.datasets.split(","):
        data = {name: load(args.data, name)}
        K = len(np.unique(data[name][1]))
        common = dict(seeds=args.seeds, n_rounds=args.rounds, budget=K, n_initial=K,
                      n_jobs=args.n_jobs, progress=False)
        res = run_experiments(data, "random,typiclust,probcover,margin", est,
                              initial="random", **common)
        aubc = res.aubc()
        for strat in ("random", "typiclust", "probcover", "margin"):
            table[name, strat, "random"] = _mean(aubc, name, strat)
        for strat in ("typiclust", "probcover"):
            res = run_experiments(data, strat, est, initial=strat, **common)
            table[name, strat, strat] = _mean(res.aubc(), name, strat)
        base = table[name, "random", "random"]
        print(f"\n{name} (K={K}, pool {len(data[name][1])}): random AUBC {100 * base:.1f}")
        for (d, strat, init), v in table.items():
            if d == name and strat != "random":
                print(f"  {strat:<10s} initial={init:<10s} AUBC {100 * v:5.1f}   "
                      f"vs random {100 * (v - base):+5.1f}")
    print("\nmean difference to random over the data sets (AUBC points):")
    names = args.datasets.split(",")
    for strat, init in [("typiclust", "random"), ("probcover", "random"),
                        ("margin", "random"), ("typiclust", "typiclust"),
                        ("probcover", "probcover")]:
        diff = [table[d, strat, init] - table[d, "random", "random"] for d in names]
        print(f"  {strat:<10s} initial={init:<10s} {100 * np.mean(diff):+5.2f}")


def ablation(args, est):
    from skactive.strategies import ProbCover, RandomSampling, TypiClust

    variants = {
        "random": RandomSampling(),
        "probcover": ProbCover(),
        "probcover(normalize=True)": ProbCover(normalize=True),
        "probcover(alpha=0.9)": ProbCover(alpha=0.9),
        "typiclust": TypiClust(),
        "typiclust(normalize=True)": TypiClust(normalize=True),
        "typiclust(squared=False)": TypiClust(squared=False),
    }
    names = args.datasets.split(",")
    diffs = {k: [] for k in variants}
    for name in names:
        data = {name: load(args.data, name)}
        K = len(np.unique(data[name][1]))
        res = run_experiments(data, variants, est, seeds=args.seeds, n_rounds=args.rounds,
                              budget=K, n_initial=K, n_jobs=args.n_jobs, progress=False)
        a = res.aubc()[name]
        base = np.mean(a["random"])
        for k in variants:
            diffs[k].append(np.mean(a[k]) - base)
    print("AUBC difference to random (points), initial=random:")
    print(f"{'variant':<28s}" + "".join(f"{n:>11s}" for n in names) + f"{'mean':>8s}")
    for k, v in diffs.items():
        print(f"{k:<28s}" + "".join(f"{100 * x:+11.2f}" for x in v)
              + f"{100 * np.mean(v):+8.2f}")


def _mean(aubc, dataset, strategy):
    """Mean AUBC over seeds from ``results.aubc()`` ({dataset: {strategy: per seed}})."""
    return float(np.mean(aubc[dataset][strategy]))


if __name__ == "__main__":
    main()
