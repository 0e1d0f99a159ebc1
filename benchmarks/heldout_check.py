"""Leaderboard protocol on image sets the leaderboard does not use (held out).

The strategies recommended on the page "Which strategy should I use?" were
chosen on the leaderboard's 19 tabular datasets; this script measures them,
with the same protocol (:mod:`skactive.experiments._leaderboard`), on MNIST
and the CIFAR-10 subset as raw pixels / 255 (``mnist.npz`` and
``cifar10_subset.npz`` on skactive's data search path; pool and test set are
stratified subsamples of 3000 of their train and test splits)::

    python benchmarks/heldout_check.py --regimes cold,alamp --datasets mnist \
        --strategies random,tcm,alfa-mix,albl,dbal
    python benchmarks/heldout_check.py --regimes cold --datasets cifar10_subset \
        --strategies random,tcm,alfa-mix,albl

Prints the mean and standard deviation over seeds 0-4 of the paired AUBC
difference to random (points). ``--scaler pool`` fits the learners'
``StandardScaler`` once on the pool instead of on the labelled set (see
``benchmarks/scaler_ablation.py``).
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from skactive.datasets import get_data_paths
from skactive.experiments._leaderboard import _stratified_subsample, simulate_regime


def load(name):
    for folder in get_data_paths():
        path = Path(folder) / f"{name}.npz"
        if path.is_file():
            break
    else:
        raise FileNotFoundError(f"{name}.npz is not on the data search path.")
    with np.load(path) as d:
        parts = [d[k] for k in ("X_train", "y_train", "X_test", "y_test")]
    X_tr, y_tr, X_te, y_te = parts
    X_tr = X_tr.reshape(len(X_tr), -1) / 255.0
    X_te = X_te.reshape(len(X_te), -1) / 255.0
    rng = np.random.RandomState(0)
    pool, test = _stratified_subsample(y_tr, 3000, rng), _stratified_subsample(y_te, 3000, rng)
    return X_tr[pool], y_tr[pool], X_te[test], y_te[test]


def one_run(regime, name, strategy, seed, scaler="labels"):
    result = simulate_regime(regime, strategy, seed, load(name), scaler=scaler)
    return dict(regime=regime, dataset=name, strategy=strategy, seed=seed,
                aubc=100 * result.aubc())


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--regimes", default="cold,alamp")
    p.add_argument("--datasets", default="mnist,cifar10_subset")
    p.add_argument("--strategies", default="random,tcm,alfa-mix,albl")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--n-jobs", type=int, default=1)
    p.add_argument("--scaler", choices=["labels", "pool"], default="labels",
                   help="fit the StandardScaler on the labelled set (the leaderboard) or "
                        "once on the pool, frozen (benchmarks/scaler_ablation.py)")
    args = p.parse_args(argv)
    strategies = args.strategies.split(",")
    if "random" not in strategies:
        strategies = ["random"] + strategies
    tasks = [(r, d, s, k) for r in args.regimes.split(",") for d in args.datasets.split(",")
             for s in strategies for k in range(args.seeds)]
    rows = Parallel(n_jobs=args.n_jobs)(delayed(one_run)(*t, args.scaler) for t in tasks)
    df = pd.DataFrame(rows).pivot_table(index=["regime", "dataset", "seed"],
                                        columns="strategy", values="aubc")
    diff = df.sub(df["random"], axis=0).drop(columns="random")
    print("AUBC difference to random (points), mean and std over seeds:")
    print(diff.groupby(["regime", "dataset"]).agg(["mean", "std"]).round(2).to_string())
    print("random's AUBC:", df["random"].groupby(["regime", "dataset"]).mean().round(1).to_dict())


if __name__ == "__main__":
    main()
