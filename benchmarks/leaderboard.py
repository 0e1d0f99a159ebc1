"""The strategy leaderboard and the docs page "Which strategy should I use?".

One command regenerates the page, its tables and figures from the committed
results file (no run needed)::

    python benchmarks/leaderboard.py report

Running (or resuming, or extending) the grid, then the report::

    python benchmarks/leaderboard.py run --n-jobs 2            # everything
    python benchmarks/leaderboard.py run --regimes alamp --strategies typiclust \
        --seeds 0-4 --n-jobs 2                                 # a part

Runs are saved one file each under ``results/leaderboard`` (resumable; the
folder is git-ignored); ``run`` then rewrites the results file
``benchmarks/leaderboard_data/leaderboard.csv`` from every saved run and the page.
The protocol is in :mod:`skactive.experiments._leaderboard` and on the page.
"""

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy import stats

from skactive.experiments._leaderboard import REGIMES, collect_runs, run_leaderboard
from skactive.experiments._leaderboard_stats import (
    format_summary,
    pick_diagnostics,
    read_results_csv,
    save_summary_json,
    summarize_regime,
    write_results_csv,
)

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "benchmarks" / "leaderboard_data" / "leaderboard.csv"
PAGE = ROOT / "doc" / "which_strategy.rst"
FIG_DIR = ROOT / "doc" / "_static" / "leaderboard"
ABLATION_CSV = ROOT / "benchmarks" / "leaderboard_data" / "ablation.csv"
ABLATION_TXT = ROOT / "benchmarks" / "leaderboard_data" / "ablation.rst"
DIAG_CSV = ROOT / "benchmarks" / "leaderboard_data" / "diagnostics.csv"
ABLATION_TABLE = ROOT / "benchmarks" / "leaderboard_data" / "ablation_table.rst"
SCALER_TABLE = ROOT / "benchmarks" / "leaderboard_data" / "scaler_table.rst"  # scaler_ablation.py
_DIAG_KEYS = ("outlyingness", "class_tv", "missed_classes", "duplicates",
              "bacc_diff")

TITLES = {
    "cold": "Cold start: LogisticRegression, K initial labels, K per round, 20 rounds",
    "alamp": "alamp regime: LogisticRegression, 2K initial, 2K per round, 15 rounds",
    "svc-cv": "SVC with C chosen by GridSearchCV, 2K initial, 2K per round, 15 rounds",
}


def _seeds(text):
    if "-" in text:
        lo, hi = text.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(s) for s in text.split(",")]


def _csv_list(text):
    return [s.strip() for s in text.split(",") if s.strip()] if text else None


# ------------------------------------------------------------------ figures
def _plots(summaries):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skactive.experiments import plot_penalty_matrix

    FIG_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for regime, s in summaries.items():
        rows = [r for r in s["rows"] if r["strategy"] != "random"]
        names = [r["strategy"] for r in rows][::-1]
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 0.32 * len(rows) + 1.6),
                                       layout="constrained", sharey=True)
        mean = np.array([r["mean"] for r in rows])[::-1]
        lo = np.array([r["ci_low"] for r in rows])[::-1]
        hi = np.array([r["ci_high"] for r in rows])[::-1]
        y = np.arange(len(rows))
        colors = ["tab:green" if a > 0 else "tab:red" for a in lo]
        colors = [c if not (a <= 0 <= b) else "tab:grey" for c, a, b in zip(colors, lo, hi)]
        for yi, m, a, b, c in zip(y, mean, lo, hi, colors):
            if not np.isnan(a):
                ax1.plot([a, b], [yi, yi], color=c, lw=1.5)
            ax1.plot([m], [yi], "o", color=c, zorder=3)
        ax1.axvline(0, color="black", lw=0.8)
        ax1.set_yticks(y, names)
        ax1.set_xlabel("AUBC difference to random (points), mean and 95 % CI over datasets")
        ax1.grid(True, axis="x", alpha=0.3)
        ranks = {r["strategy"]: r["mean_rank"] for r in s["rows"]}
        ax2.barh(y, [ranks[n] for n in names], color="tab:blue", alpha=0.7)
        ax2.axvline(ranks["random"], color="black", lw=0.8, ls="--", label="random")
        ax2.set_xlabel("mean rank over datasets (1 = best)")
        ax2.legend(loc="lower right", fontsize=8)
        fig.suptitle(TITLES[regime], fontsize=11)
        path = FIG_DIR / f"{regime}_summary.png"
        fig.savefig(path, dpi=80)
        plt.close(fig)
        written.append(path)
        if s["penalty"] is not None:
            P, pnames = s["penalty"]
            k = len(pnames)
            fig, ax = plt.subplots(figsize=(0.62 * k + 3, 0.5 * k + 2), layout="constrained")
            plot_penalty_matrix(P, pnames, ax=ax, title=f"{regime}: penalty matrix summed "
                                f"over {len(s['datasets'])} datasets")
            for t in ax.texts:
                t.set_fontsize(6)
            ax.tick_params(labelsize=7)
            plt.setp(ax.get_xticklabels(), rotation=90)
            path = FIG_DIR / f"{regime}_penalty.png"
            fig.savefig(path, dpi=80)
            plt.close(fig)
            written.append(path)
    return written


# --------------------------------------------------------------------- page
def _rst_table(header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = "  ".join("=" * w for w in widths)
    out = [line, "  ".join(str(h).ljust(w) for h, w in zip(header, widths)), line]
    out += ["  ".join(str(x).ljust(w) for x, w in zip(r, widths)) for r in rows]
    out.append(line)
    return "\n".join(out)


def _fmt_ci(r):
    if np.isnan(r["ci_low"]):
        return "n/a"
    return f"[{r['ci_low']:+.2f}, {r['ci_high']:+.2f}]"


def _regime_section(regime, s):
    rows = []
    for r in s["rows"]:
        if r["strategy"] == "random":
            continue
        worst = "" if r["worst"][0] is None else f"{r['worst'][1]:+.1f} ({r['worst'][0]})"
        rows.append((f"``{r['strategy']}``", f"{r['mean']:+.2f}", _fmt_ci(r),
                     f"{r['wins']}/{r['ties']}/{r['losses']}", str(r["n_datasets"]), worst,
                     f"{r['mean_rank']:.1f}", f"{r['time']:.1f}"))
    rank_random = next(r["mean_rank"] for r in s["rows"] if r["strategy"] == "random")
    table = _rst_table(("strategy", "mean diff", "95 % CI", "W/T/L", "datasets",
                        "worst dataset", "mean rank", "s / run"), rows)
    # per dataset: random's AUBC, the best strategy and the three best on average
    top = [r["strategy"] for r in s["rows"] if r["strategy"] != "random"][:3]
    drows = []
    for d in s["datasets"]:
        per = s["per_dataset"].get(d, {})
        if not per:
            continue
        best = max(per, key=per.get)
        drows.append((d, f"{s['aubc'][d]['random']:.1f}",
                      *(f"{per[t]:+.1f}" if t in per else "" for t in top),
                      f"{best} {per[best]:+.1f}"))
    dtable = _rst_table(("dataset", "random AUBC", *top, "best strategy"), drows)
    title = TITLES[regime]
    parts = [title, "-" * len(title), "",
             f"{s['n_datasets']} datasets, seeds {', '.join(map(str, s['seeds']))}. "
             f"Random sampling has mean rank {rank_random:.1f}.", "",
             f".. image:: _static/leaderboard/{regime}_summary.png", "   :alt: "
             f"{regime} summary", "", table, "",
             "Per dataset (AUBC difference to random, points, mean over seeds):", "",
             dtable, ""]
    if s["penalty"] is not None:
        parts += [f".. image:: _static/leaderboard/{regime}_penalty.png",
                  f"   :alt: {regime} penalty matrix", ""]
    return "\n".join(parts)


def _no_help(summaries):
    """Datasets where no strategy beats random by more than one point."""
    lines = []
    for regime, s in summaries.items():
        flat = []
        for d in s["datasets"]:
            per = s["per_dataset"].get(d, {})
            if per and max(per.values()) < 1.0:
                flat.append(f"{d} (best {max(per, key=per.get)} {max(per.values()):+.1f})")
        if flat:
            lines.append(f"* ``{regime}``: " + ", ".join(flat) + ".")
    return "\n".join(lines) or "* none"


def _short_answer(summaries):
    """The best strategies of each regime, with their intervals, and ALBL."""
    lines = []
    for regime, s in summaries.items():
        rows = [r for r in s["rows"] if r["strategy"] != "random"]
        top = ", ".join(f"``{r['strategy']}`` {r['mean']:+.2f} {_fmt_ci(r)}" for r in rows[:3])
        albl = next((r for r in rows if r["strategy"] == "albl"), None)
        line = f"* ``{regime}`` ({s['n_datasets']} datasets): best on average {top}"
        if albl is not None:
            mean = "" if albl in rows[:3] else f" {albl['mean']:+.2f} {_fmt_ci(albl)},"
            line += (f"; ``albl``{mean} worst dataset "
                     f"{albl['worst'][1]:+.1f} ({albl['worst'][0]})")
        below = [r["strategy"] for r in rows if r["ci_high"] < 0]
        if below:
            line += "; clearly below random: " + ", ".join(f"``{b}``" for b in below)
        lines.append(line + ".")
    text = ("Mean AUBC difference to random sampling in points, with the 95 % interval "
            "over datasets (see the protocol below):\n\n" + "\n".join(lines))
    advice = ROOT / "benchmarks" / "leaderboard_data" / "advice.rst"
    if advice.is_file():
        text += "\n\n" + advice.read_text().rstrip()
    return text


def write_diagnostics(runs, path=DIAG_CSV):
    """Pick diagnostics per (regime, dataset, strategy), plus the balanced
    accuracy AUBC difference to random (points), from the saved runs."""
    rows = pick_diagnostics(runs)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    bacc = {}
    for r in runs:
        m = r.meta
        bacc.setdefault((m["regime"], m["dataset"], m["strategy"]), {})[m["seed"]] = (
            100 * r.aubc("balanced_accuracy"))
    with open(path, "w") as fh:
        fh.write("regime,dataset,strategy," + ",".join(_DIAG_KEYS) + "\n")
        for row in rows:
            key = (row["regime"], row["dataset"], row["strategy"])
            base, mine = bacc.get(key[:2] + ("random",), {}), bacc.get(key, {})
            seeds = sorted(set(base) & set(mine))
            row["bacc_diff"] = (np.mean([mine[k] - base[k] for k in seeds])
                                if seeds else np.nan)
            fh.write(",".join(key) + "," + ",".join(f"{row[k]:.4f}" for k in _DIAG_KEYS)
                     + "\n")


def _diagnostics_section(summaries):
    """Mean pick diagnostics per regime and strategy (from diagnostics.csv)."""
    if not DIAG_CSV.is_file():
        return ""
    data = {}
    with open(DIAG_CSV) as fh:
        header = fh.readline().strip().split(",")
        for line in fh:
            v = dict(zip(header, line.strip().split(",")))
            data.setdefault((v["regime"], v["strategy"]), []).append(
                [float(v[k]) for k in _DIAG_KEYS])
    parts = ["Why strategies lose: what they query", "------------------------------------",
             "", "Means over the datasets of each regime, from the saved runs "
             "(``benchmarks/leaderboard_data/diagnostics.csv`` has every dataset): "
             "*outlying* = mean distance of the queried samples to the pool mean in "
             "standardised features, relative to the pool's mean distance (1 = like "
             "random; > 1 = outliers); *class TV* = total-variation distance between the "
             "class distribution of the queried labels and the pool's (random: near 0); "
             "*missed* = classes never labelled at the end; *dup* = share of queries that "
             "repeat a sample already labelled (same feature values); *bal. acc.* = AUBC "
             "difference to random on the balanced accuracy (points) -- on imbalanced data "
             "a strategy can lose accuracy but gain balanced accuracy.", ""]
    for regime, s in summaries.items():
        order = [r["strategy"] for r in s["rows"]]
        rows = []
        for name in order:
            vals = data.get((regime, name))
            if not vals:
                continue
            v = np.nanmean(np.array(vals), axis=0)
            acc = next(r["mean"] for r in s["rows"] if r["strategy"] == name)
            rows.append((f"``{name}``", f"{acc:+.2f}", f"{v[0]:.2f}", f"{v[1]:.3f}",
                         f"{v[2]:.2f}", f"{100 * v[3]:.1f} %",
                         "" if np.isnan(v[4]) else f"{v[4]:+.2f}"))
        parts += [f"``{regime}``:", "", _rst_table(
            ("strategy", "acc. diff", "outlying", "class TV", "missed", "dup",
             "bal. acc. diff"), rows), ""]
    return "\n".join(parts)


def write_page(summaries, csv_path):
    intro = (Path(__file__).with_name("leaderboard_page_intro.rst")).read_text()
    intro = intro.replace(".. include:: ../benchmarks/leaderboard_data/recommendation.rst",
                          _short_answer(summaries))
    parts = [intro.rstrip(), ""]
    parts += ["Results", "=======", "",
              "Results file: ``benchmarks/leaderboard_data/leaderboard.csv`` (one line per run, "
              "with the accuracy curve). Columns: *mean diff* = mean over datasets of the "
              "per-dataset mean paired AUBC difference to random, in points; *95 % CI* = "
              "t-interval over datasets of those per-dataset differences (each dataset "
              "counts once); *W/T/L* = datasets where a two-sided paired t-test over the "
              "seeds (alpha = 0.05) finds the strategy better / not different / worse "
              "than random; *worst dataset* = the lowest per-dataset difference; *mean "
              "rank* = mean rank of the strategy's mean AUBC among all strategies of the "
              "regime (1 = best) over the datasets that every strategy finished; *s / "
              "run* = mean wall time of one run on a loaded 2-core machine (noisy).", ""]
    for regime, s in summaries.items():
        parts.append(_regime_section(regime, s))
    parts += ["Where active learning does not help", "-----------------------------------",
              "", "Datasets on which no strategy gains one AUBC point over random:", "",
              _no_help(summaries), ""]
    parts += [_diagnostics_section(summaries), ""]
    if ABLATION_TXT.is_file():
        text = ABLATION_TXT.read_text().rstrip()
        for marker, table in ((".. ablation-table::", ABLATION_TABLE),
                              (".. scaler-table::", SCALER_TABLE)):
            if table.is_file():
                text = text.replace(marker, table.read_text().rstrip())
        parts += [text, ""]
    PAGE.write_text("\n".join(parts) + "\n")
    return PAGE


def report(csv_path=CSV, file=sys.stdout):
    runs = read_results_csv(csv_path)
    summaries = {}
    for regime in REGIMES:
        s = summarize_regime(runs, regime)
        if s is not None:
            summaries[regime] = s
            print(format_summary(s, regime), file=file)
            print(file=file)
    save_summary_json(summaries, csv_path.with_suffix(".json"))
    for path in _plots(summaries):
        print(f"wrote {path.relative_to(ROOT)}", file=file)
    print(f"wrote {write_page(summaries, csv_path).relative_to(ROOT)}", file=file)
    return summaries


#: Variants of the ablation (item 4 of the leaderboard work): name -> factory.
ABLATION_DATASETS = ("iris", "wine", "sonar", "ionosphere", "house_votes_84", "breast_w",
                     "vehicle", "pima_diabetes", "vowel", "breast_cancer", "glass")


def _ablation_variants():
    from skactive.strategies import ALBL, DBAL, TCM, AlfaMix, Entropy, Margin

    class _SkipLabeledCopies:
        """Rank pool rows identical to a labelled row (or to a row ranked
        before them) last."""

        def _query(self, X_pool, learner, budget, random_state):
            idx, scores = super()._query(X_pool, learner, X_pool.shape[0], random_state)
            rows = np.ascontiguousarray(np.asarray(X_pool, dtype=float))
            seen = {r.tobytes() for r in np.asarray(learner.X_labeled_, dtype=float)}
            first, rest = [], []
            for i in idx:
                key = rows[i].tobytes()
                (rest if key in seen else first).append(i)
                seen.add(key)
            return np.asarray((first + rest)[:budget]), scores

    class MarginNoCopies(_SkipLabeledCopies, Margin):
        pass

    class EntropyNoCopies(_SkipLabeledCopies, Entropy):
        pass

    return {
        "albl-no-uniform": lambda: ALBL(uniform_arm=False),
        "albl-old-arms": lambda: ALBL([AlfaMix(), DBAL()]),
        "margin-no-copies": MarginNoCopies,
        "entropy-no-copies": EntropyNoCopies,
        "tcm-switch2": lambda: TCM(switch_per_class=2),
        "tcm-switch5": lambda: TCM(switch_per_class=5),
        "tcm-margin": lambda: TCM(warm=Margin()),
    }


def run_ablation(out, seeds, regimes=("alamp", "cold")):
    """Run the ablation variants next to the leaderboard's own runs (in this
    process: the variants are registered here, not in joblib workers)."""
    from skactive.experiments import register_strategy

    variants = _ablation_variants()
    for name, factory in variants.items():
        register_strategy(name, factory)
    return run_leaderboard(out, regimes=list(regimes), datasets=list(ABLATION_DATASETS),
                           strategies=list(variants), seeds=seeds, n_jobs=1,
                           cheap_first=True, log=sys.stdout)


def ablation_table(main_runs, ablation_runs):
    """Mean AUBC difference to random (points) over the ablation datasets:
    each variant next to its default, on the seeds both finished."""
    pairs = (("albl", "albl-no-uniform"), ("albl", "albl-old-arms"),
             ("margin", "margin-no-copies"), ("entropy", "entropy-no-copies"),
             ("tcm", "tcm-switch2"), ("tcm", "tcm-switch5"), ("tcm", "tcm-margin"))
    by = {}
    for r in list(main_runs) + list(ablation_runs):
        m = r.meta
        by.setdefault((m["regime"], m["dataset"], m["strategy"]), {})[m["seed"]] = r.aubc()
    rows = []
    for regime in ("alamp", "cold"):
        for default, variant in pairs:
            diffs = []
            for d in ABLATION_DATASETS:
                base = by.get((regime, d, "random"), {})
                a, b = by.get((regime, d, default), {}), by.get((regime, d, variant), {})
                seeds = sorted(set(base) & set(a) & set(b))
                if seeds:
                    diffs.append([100 * np.mean([a[k] - base[k] for k in seeds]),
                                  100 * np.mean([b[k] - base[k] for k in seeds])])
            if not diffs:
                continue
            diffs = np.array(diffs)
            gap = diffs[:, 1] - diffs[:, 0]
            half = (stats.t.ppf(0.975, len(gap) - 1) * gap.std(ddof=1) / np.sqrt(len(gap))
                    if len(gap) > 1 else np.nan)
            rows.append((regime, f"``{default}``", f"{diffs[:, 0].mean():+.2f}",
                         f"``{variant}``", f"{diffs[:, 1].mean():+.2f}",
                         f"{gap.mean():+.2f} [{gap.mean() - half:+.2f}, {gap.mean() + half:+.2f}]",
                         str(len(gap))))
    return _rst_table(("regime", "default", "vs random", "variant", "vs random",
                       "variant - default (95 % CI)", "datasets"), rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="run or resume (a part of) the grid, then report")
    p_run.add_argument("--regimes", default=None, help=f"comma list of {list(REGIMES)}")
    p_run.add_argument("--datasets", default=None)
    p_run.add_argument("--strategies", default=None)
    p_run.add_argument("--seeds", default="0-4")
    p_run.add_argument("--n-jobs", type=int, default=1)
    p_run.add_argument("--force", default=None, help="strategies to recompute")
    p_run.add_argument("--out", default=str(ROOT / "results" / "leaderboard"))
    p_run.add_argument("--no-report", action="store_true")
    sub.add_parser("report", help="tables, figures and the docs page from the results file")
    p_abl = sub.add_parser("ablation", help="run the ablation variants, write their table")
    p_abl.add_argument("--seeds", default="0-2")
    p_abl.add_argument("--out", default=str(ROOT / "results" / "ablation"))
    p_abl.add_argument("--main", default=str(ROOT / "results" / "leaderboard"))
    p_abl.add_argument("--regimes", default="alamp,cold")
    args = parser.parse_args(argv)
    if args.command == "ablation":
        runs = run_ablation(args.out, _seeds(args.seeds), regimes=_csv_list(args.regimes))
        write_results_csv(runs, ABLATION_CSV)
        main_runs = [r for r in read_results_csv(CSV) if r.meta["dataset"] in ABLATION_DATASETS]
        table = ablation_table(main_runs, read_results_csv(ABLATION_CSV))
        ABLATION_TABLE.write_text(table + "\n")
        print(table)
        return 0
    if args.command == "run":
        run_leaderboard(args.out, regimes=_csv_list(args.regimes),
                        datasets=_csv_list(args.datasets),
                        strategies=_csv_list(args.strategies), seeds=_seeds(args.seeds),
                        n_jobs=args.n_jobs, force=_csv_list(args.force) or (),
                        log=sys.stdout)
        runs = collect_runs(args.out)
        write_results_csv(runs, CSV)
        write_diagnostics(runs)
        print(f"wrote {CSV.relative_to(ROOT)} and {DIAG_CSV.relative_to(ROOT)}")
        if args.no_report:
            return 0
    report(CSV)
    return 0


if __name__ == "__main__":
    sys.exit(main())
