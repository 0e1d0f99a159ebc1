"""``python -m skactive demo`` and ``python -m skactive benchmark``.

The demo is the leaderboard protocol (:mod:`._leaderboard`, ``alamp`` regime)
on the datasets bundled with skactive: the recommended strategy against
random sampling, with confidence intervals, and a plain statement of where
active learning did not help.
"""

import sys
import time

import numpy as np
from scipy import stats

from ._leaderboard import LEADERBOARD_DATASETS, REGIMES, run_leaderboard
from ._leaderboard_stats import (
    format_summary,
    read_results_csv,
    summarize_regime,
    write_results_csv,
)

__all__ = ["add_commands", "run_command"]

#: The demo: the leaderboard's recommendation for a linear model and ALBL.
DEMO_STRATEGIES = "tcm,albl"
DEMO_DATASETS = "letter,satimage,optdigits,page_blocks,shuttle,poker_hand"


#: What the leaderboard shows about the bundled datasets where active
#: learning gains little with a linear model.
_WHY_NOT = {
    "shuttle": "one class holds 79 % of the pool and a few hundred random labels "
               "already give about 92 % accuracy; the gain changes sign with the seed "
               "(wide interval), and in the cold start most strategies lose accuracy "
               "there by querying the confusable rare classes",
    "page_blocks": "90 % of the pool is one class; accuracy saturates after a few dozen "
                   "random labels, so there is little left to save",
    "poker_hand": "a linear model cannot learn the hand from the card values (accuracy "
                  "stays near the 50 % of the majority class), so no choice of labels helps",
}


def _seeds(text):
    text = str(text).strip()
    if "," in text:
        return [int(s) for s in text.split(",") if s.strip()]
    if "-" in text[1:]:
        lo, hi = text.split("-", 1)
        return list(range(int(lo), int(hi) + 1))
    n = int(text)
    if n < 1:
        raise ValueError(f"--seeds must be >= 1, got {n}.")
    return list(range(n))


def _names(text):
    return [s.strip() for s in str(text).split(",") if s.strip()] if text else None


def add_commands(sub):
    """Add the ``demo`` and ``benchmark`` sub-parsers to ``sub``."""
    p = sub.add_parser(
        "demo",
        help="the recommended strategy against random on the bundled datasets, with "
             "95 %% confidence intervals (about 2-4 min on 2 cores)")
    p.add_argument("--strategies", default=DEMO_STRATEGIES,
                   help="strategies compared with random (default: %(default)s)")
    p.add_argument("--datasets", default=DEMO_DATASETS, help="(default: %(default)s)")
    p.add_argument("--regime", default="alamp", choices=list(REGIMES),
                   help="budget regime of the leaderboard (default: %(default)s)")
    p.add_argument("--seeds", default="3", help="N, a list or a range (default: 3)")
    p.add_argument("--n-jobs", type=int, default=-1,
                   help="parallel runs, -1 = all cores (default: %(default)s)")
    p.add_argument("--out", default="results/demo",
                   help="runs are saved here; a restarted demo resumes")
    p.add_argument("--no-plot", action="store_true", help="do not write the figure")
    b = sub.add_parser(
        "benchmark",
        help="the strategy leaderboard: strategies x datasets x regimes x seeds, "
             "resumable and runnable in parts")
    b.add_argument("--regimes", default=None,
                   help=f"comma-separated, of {', '.join(REGIMES)} (default: all)")
    b.add_argument("--datasets", default=None,
                   help="comma-separated (default: all found: "
                        f"{', '.join(d for d, _ in LEADERBOARD_DATASETS)})")
    b.add_argument("--strategies", default=None,
                   help="comma-separated (default: every strategy that fits the regime)")
    b.add_argument("--seeds", default="5", help="N, a list or a range (default: 5)")
    b.add_argument("--n-jobs", type=int, default=1, help="parallel runs (default: 1)")
    b.add_argument("--force", default=None, help="strategies whose runs are recomputed")
    b.add_argument("--out", default="results/leaderboard",
                   help="folder of the saved runs (resumable)")
    b.add_argument("--csv", default=None,
                   help="also write the results file (one line per run) here")
    b.add_argument("--from-csv", default=None,
                   help="summarise this results file instead of running")


def run_command(args, file=sys.stdout):
    """Run the ``demo`` or ``benchmark`` sub-command; return the exit status."""
    if args.command == "demo":
        return _demo(args, file)
    if args.from_csv:
        runs = read_results_csv(args.from_csv)
    else:
        runs = run_leaderboard(args.out, regimes=_names(args.regimes),
                               datasets=_names(args.datasets),
                               strategies=_names(args.strategies), seeds=_seeds(args.seeds),
                               n_jobs=args.n_jobs, force=_names(args.force) or (), log=file)
        if args.csv:
            write_results_csv(runs, args.csv)
            print(f"wrote {args.csv}", file=file)
    for regime in REGIMES:
        s = summarize_regime(runs, regime)
        if s is not None:
            print(format_summary(s, regime), file=file)
            print(file=file)
    return 0


def _interval(x):
    x = np.asarray(x, dtype=float)
    if x.size < 2:
        return x.mean(), np.nan, np.nan
    half = stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)
    return x.mean(), x.mean() - half, x.mean() + half


def _demo(args, file):
    strategies = _names(args.strategies)
    if "random" in strategies:
        strategies.remove("random")
    datasets = _names(args.datasets)
    seeds = _seeds(args.seeds)
    regime = args.regime
    tic = time.perf_counter()
    runs = run_leaderboard(args.out, regimes=[regime], datasets=datasets,
                           strategies=["random"] + strategies, seeds=seeds,
                           n_jobs=args.n_jobs)
    elapsed = time.perf_counter() - tic
    runs = [r for r in runs if r.meta["dataset"] in datasets]
    print(f"Active learning against random sampling -- {REGIMES[regime]} "
          f"(K = number of classes), {len(seeds)} seeds, {len(runs)} runs in "
          f"{elapsed:.0f} s.", file=file)
    print("Score: AUBC, the area under the test-accuracy curve over the label counts "
          "(x 100). Gain = AUBC minus random's AUBC for the same seed (same initial "
          "labels), with a 95 % t-interval over the seeds.", file=file)
    by = {}
    for r in runs:
        by.setdefault((r.meta["dataset"], r.meta["strategy"]), {})[r.meta["seed"]] = r
    verdicts = {}
    for s in strategies:
        print(file=file)
        print(f"{s} against random", file=file)
        print(f"  {'dataset':<14}{'labels':>10}{'random':>9}{s:>12}{'gain':>8}"
              f"{'95% CI':>18}  verdict", file=file)
        gains = []
        for d in datasets:
            base, mine = by.get((d, "random"), {}), by.get((d, s), {})
            common = sorted(set(base) & set(mine))
            if not common:
                continue
            a0 = np.array([100 * base[k].aubc() for k in common])
            a1 = np.array([100 * mine[k].aubc() for k in common])
            g, lo, hi = _interval(a1 - a0)
            gains.append(g)
            n = base[common[0]].n_labels
            verdict = ("helps" if lo > 0 else "hurts" if hi < 0 else
                       "no clear difference")
            verdicts.setdefault(s, {})[d] = (verdict, g)
            ci = "" if np.isnan(lo) else f"[{lo:+.1f}, {hi:+.1f}]"
            print(f"  {d:<14}{f'{n[0]}->{n[-1]}':>10}{a0.mean():>9.1f}{a1.mean():>12.1f}"
                  f"{g:>+8.1f}{ci:>18}  {verdict}", file=file)
        g, lo, hi = _interval(gains)
        ci = "" if np.isnan(lo) else f" (95 % t-interval over the datasets: [{lo:+.1f}, {hi:+.1f}])"
        print(f"  mean gain over {len(gains)} datasets: {g:+.2f} points{ci}", file=file)
    print(file=file)
    for s, per in verdicts.items():
        no = [f"{d} ({g:+.1f})" for d, (v, g) in per.items() if v != "helps"]
        yes = [d for d, (v, _) in per.items() if v == "helps"]
        if no:
            print(f"{s} did NOT clearly beat random on: {', '.join(no)}.", file=file)
        if yes:
            print(f"{s} clearly beat random on: {', '.join(yes)}.", file=file)
    reasons = {d: r for d, r in _WHY_NOT.items()
               if any(per.get(d, ("helps",))[0] != "helps" for per in verdicts.values())}
    if reasons:
        print("Why active learning did not help there (from the leaderboard, page 'Which "
              "strategy should I use?' of the documentation):", file=file)
        for d, why in reasons.items():
            print(f"  {d}: {why}", file=file)
    if not args.no_plot:
        _demo_plot(by, datasets, strategies, args.out, file)
    return 0


def _demo_plot(by, datasets, strategies, out, file):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(no figure: matplotlib is not installed)", file=file)
        return
    from pathlib import Path

    k = len(datasets)
    cols = min(3, k)
    rows = int(np.ceil(k / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows),
                             layout="constrained", squeeze=False)
    for ax, d in zip(axes.ravel(), datasets):
        for s in ["random"] + strategies:
            runs = by.get((d, s), {})
            if not runs:
                continue
            acc = np.array([r.accuracy for r in runs.values()])
            n = next(iter(runs.values())).n_labels
            ax.plot(n, acc.mean(0), label=s, ls="--" if s == "random" else "-")
            ax.fill_between(n, acc.min(0), acc.max(0), alpha=0.15)
        ax.set_title(d, fontsize=10)
        ax.set_xlabel("labels")
        ax.set_ylabel("test accuracy")
        ax.grid(True, alpha=0.3)
    for ax in axes.ravel()[k:]:
        ax.set_visible(False)
    axes[0, 0].legend(fontsize=8)
    path = Path(out) / "demo.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    print(f"wrote {path}", file=file)

