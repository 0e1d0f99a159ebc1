"""Results file, statistics and diagnostics of the strategy leaderboard
(see :mod:`skactive.experiments._leaderboard` for the protocol)."""

import json
from pathlib import Path

import numpy as np
from scipy import stats

from ._leaderboard import REGIMES, load_benchmark_data
from ._results import ExperimentResults
from ._simulate import SimulationResult

__all__ = [
    "format_summary",
    "pick_diagnostics",
    "read_results_csv",
    "save_summary_json",
    "summarize_regime",
    "write_results_csv",
]


# -------------------------------------------------------- results file
_CSV_HEADER = ("regime,dataset,strategy,seed,aubc,final_accuracy,wall_time,"
               "n_labels,accuracy")


def write_results_csv(runs, path):
    """One line per run: AUBC (points), final accuracy, time and the whole
    accuracy curve (``;``-separated), sorted."""
    rows = []
    for r in runs:
        m = r.meta
        rows.append((m["regime"], m["dataset"], m["strategy"], int(m["seed"]),
                     f"{100 * r.aubc():.4f}", f"{r.accuracy[-1]:.5f}",
                     f"{m.get('wall_time', float('nan')):.2f}",
                     ";".join(str(int(n)) for n in r.n_labels),
                     ";".join(f"{a:.5f}" for a in r.accuracy)))
    rows.sort()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fh.write(_CSV_HEADER + "\n")
        for row in rows:
            fh.write(",".join(str(v) for v in row) + "\n")


def read_results_csv(path):
    """The runs of a results file, as :class:`SimulationResult` objects
    (curves of accuracy only; other curves are NaN)."""
    runs = []
    with open(path) as fh:
        header = fh.readline().strip().split(",")
        for line in fh:
            v = dict(zip(header, line.strip().split(",")))
            n_labels = np.array([int(x) for x in v["n_labels"].split(";")])
            acc = np.array([float(x) for x in v["accuracy"].split(";")])
            nan = np.full(acc.shape, np.nan)
            meta = {"regime": v["regime"], "dataset": v["dataset"],
                    "strategy": v["strategy"], "seed": int(v["seed"]),
                    "wall_time": float(v["wall_time"])}
            runs.append(SimulationResult(n_labels, acc, nan, nan, nan, nan,
                                         np.zeros(0, int), np.zeros(0, int), meta))
    return runs


# ------------------------------------------------------------ statistics
def _t_interval(values, level=0.95):
    values = np.asarray(values, dtype=float)
    n = values.size
    mean = values.mean() if n else np.nan
    if n < 2:
        return mean, np.nan, np.nan
    half = stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / np.sqrt(n)
    return mean, mean - half, mean + half


def summarize_regime(runs, regime, *, alpha=0.05):
    """Per-strategy statistics of one regime against random sampling.

    Returns a dict with

    * ``rows``: one dict per strategy (best mean first): ``mean`` = mean over
      datasets of the per-dataset mean paired AUBC difference to random
      (points), ``ci_low``/``ci_high`` = 95 % t-interval over datasets of
      those per-dataset differences, ``wins``/``ties``/``losses`` = datasets
      where a two-sided paired t-test over seeds (alpha 0.05; with one seed,
      the sign beyond 0.5 point) finds the strategy better / not different /
      worse than random, ``worst`` = the lowest per-dataset difference and
      its dataset, ``mean_rank`` = mean rank of the mean AUBC among all
      strategies (1 = best) over the datasets every strategy finished,
      ``time`` = mean wall time per run (s);
    * ``per_dataset``: ``{dataset: {strategy: mean difference}}``;
    * ``penalty``: ``(P, names)``, the ALFA-Mix penalty matrix summed over
      datasets (query rounds only; needs >= 2 seeds, else None);
    * ``n_datasets``, ``seeds``.
    """
    runs = [r for r in runs if r.meta["regime"] == regime]
    if not runs:
        return None
    # the seeds random sampling finished on every dataset of the regime, so that
    # every dataset counts with the same seeds
    per_d = {}
    for r in runs:
        if r.meta["strategy"] == "random":
            per_d.setdefault(r.meta["dataset"], set()).add(r.meta["seed"])
    if per_d:
        common = set.intersection(*per_d.values())
        runs = [r for r in runs if r.meta["seed"] in common]
    res = ExperimentResults(runs)
    per_dataset, tests, aubcs = {}, {}, {}
    times = {}
    for r in runs:
        times.setdefault(r.meta["strategy"], []).append(r.meta.get("wall_time", np.nan))
    for d, per in res.aubc().items():
        if "random" not in per:
            continue
        base = 100 * per["random"]
        aubcs[d] = {s: 100 * v.mean() for s, v in per.items()}
        for s, v in per.items():
            if s == "random":
                continue
            diff = 100 * v - base
            per_dataset.setdefault(d, {})[s] = diff.mean()
            if diff.size >= 2 and np.ptp(diff) > 0:
                p = stats.ttest_1samp(diff, 0.0).pvalue
                sig = p < alpha
            else:
                sig = abs(diff.mean()) > 0.5
            tests.setdefault(s, []).append(
                (d, diff.mean(), "win" if sig and diff.mean() > 0
                 else "loss" if sig and diff.mean() < 0 else "tie"))
    names = sorted({s for per in aubcs.values() for s in per})
    full = [d for d, per in aubcs.items() if set(per) >= set(names)]
    ranks = {s: [] for s in names}
    for d in full:
        vals = np.array([aubcs[d][s] for s in names])
        for s, rk in zip(names, stats.rankdata(-vals)):
            ranks[s].append(rk)
    rows = []
    for s in names:
        row = {"strategy": s, "time": float(np.nanmean(times.get(s, [np.nan])))}
        row["mean_rank"] = float(np.mean(ranks[s])) if ranks[s] else np.nan
        if s == "random":
            row.update(mean=0.0, ci_low=0.0, ci_high=0.0, wins=0, ties=0, losses=0,
                       worst=(None, 0.0), n_datasets=len(aubcs))
        else:
            t = tests.get(s, [])
            diffs = [x for _, x, _ in t]
            mean, lo, hi = _t_interval(diffs)
            worst = min(t, key=lambda x: x[1]) if t else (None, np.nan)
            row.update(mean=mean, ci_low=lo, ci_high=hi,
                       wins=sum(x[2] == "win" for x in t),
                       ties=sum(x[2] == "tie" for x in t),
                       losses=sum(x[2] == "loss" for x in t),
                       worst=(worst[0], worst[1]), n_datasets=len(t))
        rows.append(row)
    rows.sort(key=lambda r: -r["mean"])
    seeds = sorted({r.meta["seed"] for r in runs})
    penalty = None
    if len(seeds) >= 2 and full:
        sub = ExperimentResults([r for r in runs if r.meta["dataset"] in full])
        try:
            penalty = sub.penalty_matrix(alpha=alpha)
        except ValueError:
            penalty = None
    return {"rows": rows, "per_dataset": per_dataset, "penalty": penalty,
            "n_datasets": len(aubcs), "datasets": sorted(aubcs), "seeds": seeds,
            "aubc": aubcs}


def format_summary(summary, regime):
    """The summary of :func:`summarize_regime` as a plain-text table."""
    lines = [f"regime {regime}: {REGIMES[regime]} -- {summary['n_datasets']} datasets, "
             f"seeds {summary['seeds']}",
             "AUBC difference to random in points (mean over datasets, 95 % t-interval "
             "over datasets); W/T/L vs random over datasets (paired t-test over seeds)",
             f"{'strategy':<18}{'mean':>7}{'95% CI':>18}{'W/T/L':>10}{'worst':>22}"
             f"{'rank':>6}{'s/run':>8}"]
    for r in summary["rows"]:
        ci = ("" if np.isnan(r["ci_low"]) else f"[{r['ci_low']:+.2f}, {r['ci_high']:+.2f}]")
        worst = "" if r["worst"][0] is None else f"{r['worst'][1]:+.2f} {r['worst'][0]}"
        lines.append(f"{r['strategy']:<18}{r['mean']:>+7.2f}{ci:>18}"
                     f"{r['wins']:>4}/{r['ties']}/{r['losses']:<3}{worst:>22}"
                     f"{r['mean_rank']:>6.1f}{r['time']:>8.1f}")
    return "\n".join(lines)


def save_summary_json(summaries, path):
    """Write ``{regime: summary}`` (rows and per-dataset differences) as JSON."""
    out = {}
    for regime, s in summaries.items():
        if s is None:
            continue
        out[regime] = {k: s[k] for k in ("rows", "per_dataset", "datasets", "seeds",
                                          "n_datasets")}
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1, sort_keys=True, default=float)



# ----------------------------------------------------------- diagnostics
def pick_diagnostics(runs, *, data_home=None):
    """Why a strategy loses: properties of the samples it queried.

    For each (regime, dataset, strategy), averaged over seeds, from the saved
    runs (they keep the queried pool indices and labels):

    * ``outlyingness``: mean distance of the queried samples to the pool mean
      in standardised features, divided by the same mean over the whole pool
      (> 1: the strategy queries outliers; < 1: central samples);
    * ``class_tv``: total-variation distance between the class distribution of
      the queried labels and that of the pool (0: queries follow the pool's
      classes; large: some classes are over-queried);
    * ``missed_classes``: classes never labelled at the end of the run;
    * ``duplicates``: share of queried samples identical to a sample labelled
      before (a wasted label).

    Returns a list of dicts.
    """
    cache, rows = {}, {}
    for r in runs:
        m = r.meta
        if r.labeled_indices.size == 0:
            continue
        d = m["dataset"]
        if d not in cache:
            X, y, _, _ = load_benchmark_data(d, data_home=data_home)
            Z = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
            dist = np.linalg.norm(Z, axis=1)
            _, inverse = np.unique(X, axis=0, return_inverse=True)
            cache[d] = (y, dist, inverse.ravel())
        y, dist, row_id = cache[d]
        n0 = int(m["n_initial"])
        q = r.labeled_indices[n0:]
        k = int(y.max()) + 1
        p_pool = np.bincount(y, minlength=k) / y.size
        p_q = np.bincount(y[q], minlength=k) / max(q.size, 1)
        seen, dup = set(row_id[r.labeled_indices[:n0]].tolist()), 0
        for i in q:
            dup += row_id[i] in seen
            seen.add(row_id[i])
        vals = (dist[q].mean() / dist.mean(), 0.5 * np.abs(p_q - p_pool).sum(),
                k - np.unique(y[r.labeled_indices]).size, dup / max(q.size, 1))
        rows.setdefault((m["regime"], d, m["strategy"]), []).append(vals)
    out = []
    for (regime, d, s), vals in sorted(rows.items()):
        v = np.mean(vals, axis=0)
        out.append({"regime": regime, "dataset": d, "strategy": s, "outlyingness": v[0],
                    "class_tv": v[1], "missed_classes": v[2], "duplicates": v[3]})
    return out
