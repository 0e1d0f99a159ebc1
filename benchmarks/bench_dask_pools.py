"""Dask-array and memory-mapped pools: memory in the calling process and time.

A Margin query on a 122 MiB pool (1 000 000 x 16 float64), three ways:

* in memory (numpy): the reference time and selection;
* a dask array persisted on a 2-worker ``LocalCluster`` (processes, one
  thread each; the pool is generated on the workers and never exists in the
  client): the client's traced peak allocation (``tracemalloc``), the time,
  and whether the picks equal the in-memory ones;
* an ``np.memmap`` of the same pool on disk, with 8 MiB chunks
  (``sklearn.config_context(working_memory=8)``): traced peak and time.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_dask_pools.py [--rows 1000000]

Timings on a shared, loaded machine are noisy; the memory figures are not.
"""

import argparse
import json
import os
import tempfile
import time
import tracemalloc

import numpy as np
from sklearn import config_context
from sklearn.linear_model import LogisticRegression

from skactive import ActiveLearner
from skactive.strategies import Margin


def traced(func):
    tracemalloc.start()
    t0 = time.perf_counter()
    out = func()
    dt = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return out, dt, peak / 2**20


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--features", type=int, default=16)
    parser.add_argument("--budget", type=int, default=100)
    args = parser.parse_args(argv)

    import dask.array as da
    from distributed import Client, LocalCluster, wait

    n, d = args.rows, args.features
    rng = np.random.RandomState(0)
    X_lab = rng.normal(size=(200, d))
    y_lab = (X_lab[:, 0] + X_lab[:, 1] > 0).astype(int) + (X_lab[:, 2] > 0.8)
    learner = ActiveLearner(LogisticRegression(), query_strategy=Margin()).fit(X_lab, y_lab)
    out = {"pool": [n, d], "pool_MiB": round(n * d * 8 / 2**20, 1), "budget": args.budget}

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster):
        X = da.random.RandomState(1).normal(size=(n, d), chunks=(n // 8, d)).persist()
        wait(X)
        learner.query(X[:1000], budget=5)  # warm up connections and imports
        idx_dask, dt, peak = traced(lambda: learner.query(X, budget=args.budget))
        out["dask"] = {"seconds": round(dt, 3), "client_peak_MiB": round(peak, 2),
                       "client_peak_fraction_of_pool": round(peak / out["pool_MiB"], 4)}
        X_np = X.compute()
    idx_np, dt, peak = traced(lambda: learner.query(X_np, budget=args.budget))
    out["numpy"] = {"seconds": round(dt, 3), "peak_MiB": round(peak, 2)}
    out["dask"]["same_picks_as_numpy"] = bool(np.array_equal(idx_dask, idx_np))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "pool.dat")
        mm = np.memmap(path, dtype=np.float64, mode="w+", shape=X_np.shape)
        mm[:] = X_np
        mm.flush()
        del mm, X_np
        mm = np.memmap(path, dtype=np.float64, mode="r", shape=(n, d))
        with config_context(working_memory=8):
            idx_mm, dt, peak = traced(lambda: learner.query(mm, budget=args.budget))
        out["memmap"] = {"seconds": round(dt, 3), "peak_MiB": round(peak, 2),
                         "same_picks_as_numpy": bool(np.array_equal(idx_mm, idx_np))}
        del mm
    print(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
