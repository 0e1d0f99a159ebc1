"""Ablation: the leaderboard with the scaler fitted on the pool, not on the labels.

The leaderboard's learners are ``make_pipeline(StandardScaler(), model)``, so
every fit refits the scaler on the labelled set -- a few dozen rows. This
script reruns a part of the grid with the scaler fitted once on the whole
pool (its features need no labels) and frozen::

    scaler = StandardScaler().fit(X_pool)
    make_pipeline(FrozenEstimator(scaler), model)

everything else as the leaderboard (same data, initial sets, seeds, budgets;
:mod:`skactive.experiments._leaderboard`), and pairs each run with the
leaderboard's own run (``benchmarks/leaderboard_data/leaderboard.csv``)::

    python benchmarks/scaler_ablation.py run --n-jobs 2      # the three regimes, ~40 min
    python benchmarks/scaler_ablation.py report

Runs are saved one JSON file each under ``results/scaler_ablation``
(resumable); ``run`` writes ``benchmarks/leaderboard_data/scaler_ablation.csv``
and, with ``report``, the table ``scaler_table.rst`` that the leaderboard page
shows. On held-out image data the same comparison is
``benchmarks/heldout_check.py --scaler pool``.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy import stats

from skactive.experiments._leaderboard import (
    LEADERBOARD_DATASETS,
    leaderboard_strategies,
    load_benchmark_data,
    simulate_regime,
)

from leaderboard import _rst_table  # benchmarks/leaderboard.py

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "leaderboard_data"
CSV, TABLE = DATA / "scaler_ablation.csv", DATA / "scaler_table.rst"
MAIN_CSV = DATA / "leaderboard.csv"
STRATEGIES = ("random", "alfa-mix", "tcm", "margin", "alamp", "alamp-div", "dbal", "albl")


def run_one(regime, dataset, strategy, seed, out):
    path = Path(out) / regime / f"{dataset}__{strategy}__seed{seed}.json"
    if path.is_file():
        return json.loads(path.read_text())
    result = simulate_regime(regime, strategy, seed, load_benchmark_data(dataset), scaler="pool")
    row = dict(regime=regime, dataset=dataset, strategy=strategy, seed=seed,
               aubc=round(100 * result.aubc(), 4))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(row))
    return row


def run(regimes, datasets, strategies, seeds, n_jobs, out):
    main = pd.read_csv(MAIN_CSV, usecols=["regime", "dataset"])
    tasks = []
    for regime in regimes:  # the datasets the leaderboard ran in this regime
        names = [s for s in strategies if s in leaderboard_strategies(regime)]
        have = set(main.dataset[main.regime == regime])
        tasks += [(regime, d, s, k) for d in datasets if d in have for s in names
                  for k in seeds]
    rows = Parallel(n_jobs=n_jobs, verbose=5)(
        delayed(run_one)(*t, out) for t in tasks)
    old = pd.read_csv(CSV) if CSV.is_file() else pd.DataFrame(columns=list(rows[0]))
    df = pd.concat([old, pd.DataFrame(rows)]).drop_duplicates(
        ["regime", "dataset", "strategy", "seed"], keep="last")
    df.sort_values(["regime", "dataset", "strategy", "seed"]).to_csv(CSV, index=False)


def _diff_to_random(df):
    """Per (regime, dataset, strategy): mean over seeds of AUBC - random's."""
    p = df.pivot_table(index=["regime", "dataset", "seed"], columns="strategy", values="aubc")
    return p.sub(p["random"], axis=0).groupby(["regime", "dataset"]).mean(), p["random"]


def table():
    """RST table: each strategy's mean difference to random with the scaler
    fitted on the labels (leaderboard) and on the pool, on the runs both have."""
    pool = pd.read_csv(CSV)
    main = pd.read_csv(MAIN_CSV)[["regime", "dataset", "strategy", "seed", "aubc"]]
    keys = ["regime", "dataset", "strategy", "seed"]
    both = pool.merge(main, on=keys, suffixes=("_pool", "_label"))
    d_pool, r_pool = _diff_to_random(both.rename(columns={"aubc_pool": "aubc"}))
    d_label, r_label = _diff_to_random(both.rename(columns={"aubc_label": "aubc"}))
    rows = []
    for regime in d_pool.index.get_level_values(0).unique():
        gain = (r_pool[regime] - r_label[regime]).groupby("dataset").mean()
        rows.append((regime, "``random`` (AUBC)", f"{r_label[regime].mean():.2f}",
                     f"{r_pool[regime].mean():.2f}", _ci(gain), str(gain.size)))
        for s in [s for s in STRATEGIES if s != "random" and s in d_pool.columns]:
            a, b = d_label.loc[regime, s].dropna(), d_pool.loc[regime, s].dropna()
            common = a.index.intersection(b.index)
            if common.empty:
                continue
            a, b = a[common], b[common]
            rows.append((regime, f"``{s}``", f"{a.mean():+.2f}", f"{b.mean():+.2f}",
                         _ci(b - a), str(len(common))))
    return _rst_table(("regime", "strategy", "scaler on labels", "scaler on pool",
                       "pool - labels (95 % CI)", "datasets"), rows)


def _ci(x):
    x = np.asarray(x, dtype=float)
    half = stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size) if x.size > 1 else 0
    return f"{x.mean():+.2f} [{x.mean() - half:+.2f}, {x.mean() + half:+.2f}]"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("command", choices=["run", "report"])
    p.add_argument("--regimes", default="svc-cv,alamp,cold")
    p.add_argument("--datasets", default=",".join(d for d, _ in LEADERBOARD_DATASETS))
    p.add_argument("--strategies", default=",".join(STRATEGIES))
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--n-jobs", type=int, default=1)
    p.add_argument("--out", default=str(ROOT / "results" / "scaler_ablation"))
    args = p.parse_args(argv)
    if args.command == "run":
        run(args.regimes.split(","), args.datasets.split(","), args.strategies.split(","),
            range(args.seeds), args.n_jobs, args.out)
    text = table()
    TABLE.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
