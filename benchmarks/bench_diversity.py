"""Benchmark of the diversity strategies on large synthetic pools.

Run ``python benchmarks/bench_diversity.py`` (add ``--quick`` for a smoke run
with small sizes). Each figure is measured in the same run as its reference:

* BADGE, pool 200 000 x 512-dim embedding x 100 classes, budget 1 000 (goal:
  < 60 s, < 2 GB peak). Reference: the per-pick k-means++ loop of the BADGE
  reference code (one full pass over the pool per pick), run on the same
  factorised embedding for ``--ref-picks`` picks and extrapolated; the
  materialised gradient matrix (the reference code's input) would need
  ``n * K * D * 4`` bytes (~41 GB), so it is not built.
* KCenterGreedy, pool 100 000 x 64, budget 100 (``--kcenter-budget``),
  100 labelled (``--kcenter-labeled``), float32 and float64 input, against
  scikit-activeml's ``CoreSet`` on the same data and the same labelled start
  (goal >= 10x faster, >= 95 % the same picks), interleaved in one process
  over ``--repeats`` runs (min and median of the ratio). Run it with an
  interpreter that has scikit-activeml too (a throwaway virtual environment;
  it is never a dependency); without it, a naive reference (distances to all
  centres recomputed at each pick) is timed on a prefix of the picks.
* KMeansSampling (Lloyd and mini-batch, with coverage) and ClusterMargin at
  100 000 x 64: time and peak memory.

Peak memory is the peak of ``tracemalloc`` (NumPy buffers are traced) during
the query, on top of the data that exist before it. Timings are wall-clock
on a shared machine (2 cores, other jobs running): expect noise of tens of
percent.
"""

import argparse
import json
import os
import sys
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import pairwise_distances_argmin_min

from skactive import ActiveLearner
from skactive.strategies import BADGE, ClusterMargin, KCenterGreedy, KMeansSampling
from skactive.strategies._badge import _row_sq_norms
from skactive.utils import get_embedding, head_gradient_factors


def measure(func):
    """Run ``func`` and return (result, seconds, peak MiB traced)."""
    tracemalloc.start()
    t0 = time.perf_counter()
    out = func()
    dt = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, dt, peak / 2**20


def make_pool(n, d, n_classes, seed, dtype=np.float64):
    rng = np.random.RandomState(seed)
    centers = rng.normal(size=(n_classes, d)).astype(dtype)
    y = rng.randint(n_classes, size=n)
    X = centers[y]
    X += rng.normal(scale=1.5, size=(n, d)).astype(dtype)
    return X, y


def fit_linear(X, y, max_iter=30):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return LogisticRegression(max_iter=max_iter).fit(X, y)


def naive_badge_picks(A, H, k, seed):
    """The reference algorithm's loop (argmax norm, then one D^2 update per
    pick over the whole pool), factorised; returns the time per pick."""
    rng = np.random.RandomState(seed)
    g2 = _row_sq_norms(A) * _row_sq_norms(H)
    c = int(np.argmax(g2))
    D2 = np.full(len(A), np.inf)
    t0 = time.perf_counter()
    for _ in range(k):
        d = g2 + g2[c] - 2.0 * (A @ A[c]) * (H @ H[c])
        np.minimum(D2, np.maximum(d, 0), out=D2)
        p = D2 / D2.sum()
        c = int(np.searchsorted(np.cumsum(p), rng.uniform()))
    return (time.perf_counter() - t0) / k


def bench_badge(n, d, n_classes, budget, ref_picks):
    X, y = make_pool(n + 5000, d, n_classes, seed=0, dtype=np.float32)
    clf = fit_linear(X[:5000], y[:5000])
    X_pool = X[5000:]
    del X
    idx, dt, peak = measure(lambda: BADGE(random_state=0).query(X_pool, clf, budget))
    assert len(set(idx)) == budget
    A, H = head_gradient_factors(clf, X_pool)
    per_pick = naive_badge_picks(A, H, ref_picks, seed=0)
    return {
        "pool": [n, d, n_classes], "budget": budget, "seconds": round(dt, 2),
        "peak_MiB": round(peak, 1), "pool_MiB": round(X_pool.nbytes / 2**20),
        "materialised_GiB": round(n * n_classes * d * 4 / 2**30, 1),
        "reference_per_pick_loop_seconds_extrapolated": round(per_pick * budget, 1),
        "reference_measured_picks": ref_picks,
    }


def naive_kcenter(Z, Z_start, k):
    from sklearn.metrics import pairwise_distances

    chosen = []
    for _ in range(k):
        centers = np.vstack([Z_start, Z[chosen]])
        dist = pairwise_distances(Z, centers).min(axis=1)
        dist[chosen] = -1
        chosen.append(int(np.argmax(dist)))
    return np.array(chosen)


def bench_kcenter(n, d, budget, n_lab, repeats, naive_picks, dtypes=("float32", "float64")):
    """KCenterGreedy against scikit-activeml's CoreSet, interleaved in one process.

    Run with an interpreter that has both skactive and scikit-activeml (a
    throwaway environment, e.g. ``pip install scikit-activeml`` and ``pip
    install -e . --no-deps``); without scikit-activeml a naive reference
    (distances to all centres recomputed per pick) is timed on a prefix.
    Each repeat times skactive then scikit-activeml on the same data; the
    ratio is reported as min and median over the repeats.
    """
    try:
        from skactiveml.pool import CoreSet as SkalCoreSet
    except ImportError:
        SkalCoreSet = None
    out = {}
    for dtype in dtypes:
        X, y = make_pool(n + n_lab, d, 10, seed=1, dtype=np.dtype(dtype))
        learner = ActiveLearner(LogisticRegression(max_iter=200)).fit(X[:n_lab], y[:n_lab])
        X_pool = X[n_lab:]
        y_skal = np.full(len(X), np.nan)
        y_skal[:n_lab] = y[:n_lab]
        ours, theirs, overlap = [], [], None
        for _ in range(repeats):
            t0 = time.perf_counter()
            idx = KCenterGreedy().query(X_pool, learner, budget)
            ours.append(time.perf_counter() - t0)
            if SkalCoreSet is not None:
                t0 = time.perf_counter()
                ref = SkalCoreSet(random_state=0).query(X, y_skal, batch_size=budget)
                theirs.append(time.perf_counter() - t0)
                ref = np.asarray(ref) - n_lab
                overlap = len(set(idx.tolist()) & set(ref.tolist())) / budget
        _, _, peak = measure(lambda: KCenterGreedy().query(X_pool, learner, budget))
        res = {"pool": [n, d], "dtype": dtype, "n_labeled": n_lab, "budget": budget,
               "repeats": repeats, "seconds_min": round(min(ours), 3),
               "seconds_median": round(float(np.median(ours)), 3), "peak_MiB": round(peak, 1)}
        if SkalCoreSet is not None:
            ratios = np.array(theirs) / np.array(ours)
            import skactiveml

            res.update({
                "skactiveml_version": skactiveml.__version__,
                "skactiveml_CoreSet_seconds_min": round(min(theirs), 3),
                "skactiveml_CoreSet_seconds_median": round(float(np.median(theirs)), 3),
                "speedup_min": round(float(ratios.min()), 1),
                "speedup_median": round(float(np.median(ratios)), 1),
                "same_picks_fraction": overlap,
                "identical_order": bool(np.array_equal(idx, ref)),
            })
        else:
            t0 = time.perf_counter()
            naive = naive_kcenter(X_pool, X[:n_lab], naive_picks)
            per_pick = (time.perf_counter() - t0) / naive_picks
            res["naive_reference_seconds_extrapolated"] = round(per_pick * budget, 1)
            res["identical_prefix"] = bool(np.array_equal(idx[:naive_picks], naive))
        out[dtype] = res
    return out


def bench_clustering(n, d, budget, n_lab):
    X, y = make_pool(n + n_lab, d, 10, seed=2)
    learner = ActiveLearner(LogisticRegression(max_iter=200)).fit(X[:n_lab], y[:n_lab])
    X_pool = X[n_lab:]
    out = {}
    for name, strategy in [
        ("KMeansSampling", KMeansSampling(random_state=0)),
        ("KMeansSampling minibatch", KMeansSampling(algorithm="minibatch", random_state=0)),
        ("ClusterMargin", ClusterMargin(random_state=0)),
    ]:
        idx, dt, peak = measure(lambda: strategy.query(X_pool, learner, budget))
        assert len(set(idx)) == budget
        out[name] = {"pool": [n, d], "budget": budget, "seconds": round(dt, 2),
                     "peak_MiB": round(peak, 1)}
        if name.startswith("KMeans"):  # coverage: mean distance to the nearest pick
            Z = get_embedding(learner, X_pool)
            out[name]["mean_dist_to_nearest_pick"] = round(
                float(pairwise_distances_argmin_min(Z, Z[idx])[1].mean()), 4)
    # the clusters are reused: a second ClusterMargin query skips HAC
    _, dt, peak = measure(lambda: strategy.query(X_pool[budget:], learner, budget))
    out["ClusterMargin"]["second_query_seconds"] = round(dt, 2)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    parser.add_argument("--repeats", type=int, default=5,
                        help="interleaved repeats of the k-center comparison")
    parser.add_argument("--kcenter-budget", type=int, default=100)
    parser.add_argument("--kcenter-labeled", type=int, default=100)
    parser.add_argument("--ref-picks", type=int, default=20)
    parser.add_argument("--only", default="badge,kcenter,clustering")
    parser.add_argument("--kmeans-budget", type=int, default=1000)
    parser.add_argument("--out", default=None, help="write the results to this JSON file")
    args = parser.parse_args(argv)
    s = 20 if args.quick else 1
    only = set(args.only.split(","))
    results = {}
    if "badge" in only:
        results["BADGE"] = bench_badge(200_000 // s, 512 // (4 if args.quick else 1),
                                       100 // (4 if args.quick else 1), 1000 // s,
                                       args.ref_picks)
        print(json.dumps({"BADGE": results["BADGE"]}), flush=True)
    if "kcenter" in only:
        results["KCenterGreedy"] = bench_kcenter(
            100_000 // s, 64, max(args.kcenter_budget // s, 2),
            max(args.kcenter_labeled // s, 2), args.repeats, args.ref_picks)
        print(json.dumps({"KCenterGreedy": results["KCenterGreedy"]}), flush=True)
    if "clustering" in only:
        results.update(bench_clustering(100_000 // s, 64, args.kmeans_budget // s, 1000 // s))
        print(json.dumps({k: results[k] for k in ("KMeansSampling", "KMeansSampling minibatch",
                                                  "ClusterMargin")}),
              flush=True)
    if args.out:
        import platform

        results["machine"] = {"platform": platform.platform(), "cpu_count": os.cpu_count(),
                              "loadavg_at_end": list(os.getloadavg()),
                              "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS")}
        with open(args.out, "w") as fh:
            json.dump(results, fh, indent=1)
    return results


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
