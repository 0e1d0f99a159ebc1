"""GSx / GSy / iGS against scikit-activeml's GreedySamplingX / GreedySamplingTarget.

Same data, same labelled start, same regressor (``Ridge``): are the picks
identical, and how long does one batch query take? Run with an interpreter
that has both packages (scikit-activeml is never a dependency of skactive)::

    /path/to/venv-with-scikit-activeml/bin/python benchmarks/bench_regression.py

Without scikit-activeml only skactive's times are printed. Options:
``--budget`` (picks per query, default 20), ``--repeats`` (timings are the
minimum over that many runs, default 5), ``--sizes`` (synthetic pool sizes
for the scaling rows, default ``2000,8000``), ``--data-home`` (folder with
``boston_housing.npz``; skipped when absent).

Data: scikit-learn's diabetes set (442 x 10), Boston housing (506 x 13;
see the dataset notes about its feature ``b``) and synthetic linear data of
larger sizes (20 features). Features are standardised, 10 random samples
(seed 0) are labelled, the rest is the pool. skactive's strategies use
``space="input"`` so that both packages measure distances on the same
features. Timings are wall-clock on a shared machine: expect noise.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.preprocessing import StandardScaler

from skactive import ActiveLearner
from skactive.strategies import GreedySamplingX, GreedySamplingY, ImprovedGreedySampling

try:
    import skactiveml  # noqa: F401
    from skactiveml.pool import GreedySamplingTarget
    from skactiveml.pool import GreedySamplingX as SkGreedySamplingX
    from skactiveml.regressor import SklearnRegressor
except ImportError:  # pragma: no cover - optional peer
    skactiveml = None


def _datasets(sizes, data_home):
    X, y = load_diabetes(return_X_y=True)
    yield "diabetes", X, y
    try:
        from skactive.datasets import load_dataset

        d = load_dataset("boston_housing", data_home=data_home)
        yield "boston_housing", d.data.astype(float), d.target
    except FileNotFoundError:
        print("(boston_housing.npz not found: skipped)")
    rng = np.random.RandomState(0)
    for n in sizes:
        X = rng.randn(n, 20)
        yield f"synthetic-{n}", X, X @ rng.randn(20) + 0.5 * rng.randn(n)


def _best_time(func, repeats):
    best, out = np.inf, None
    for _ in range(repeats):
        tic = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - tic)
    return best, out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", default="2000,8000")
    parser.add_argument("--data-home", default=None)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]

    header = f"{'data':<16}{'method':<6}{'n_pool':>7}{'skactive s':>12}"
    if skactiveml is not None:
        header += f"{'skactiveml s':>14}{'ratio':>7}{'same picks':>12}"
    print(header)
    for name, X, y in _datasets(sizes, args.data_home):
        X = StandardScaler().fit_transform(X)
        rng = np.random.RandomState(0)
        lab = rng.permutation(X.shape[0])[:10]
        pool = np.setdiff1d(np.arange(X.shape[0]), lab)
        learner = ActiveLearner(Ridge()).fit(X[lab], y[lab])
        y_missing = np.full(X.shape[0], np.nan)
        y_missing[lab] = y[lab]
        ours = {
            "GSx": GreedySamplingX(space="input"),
            "GSy": GreedySamplingY(),
            "iGS": ImprovedGreedySampling(space="input"),
        }
        for method, strategy in ours.items():
            t_ours, idx = _best_time(
                lambda: pool[strategy.query(X[pool], learner, args.budget)], args.repeats
            )
            row = f"{name:<16}{method:<6}{pool.size:>7}{t_ours:>12.4f}"
            if skactiveml is not None:
                if method == "GSx":
                    peer = SkGreedySamplingX(random_state=0)

                    def run():
                        return peer.query(X, y_missing, batch_size=args.budget)

                else:
                    peer = GreedySamplingTarget(
                        method="GSy" if method == "GSy" else "GSi", random_state=0
                    )
                    reg = SklearnRegressor(Ridge())

                    def run():
                        return peer.query(X, y_missing, reg, batch_size=args.budget)

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    t_peer, idx_peer = _best_time(run, args.repeats)
                same = np.array_equal(idx, idx_peer)
                row += f"{t_peer:>14.4f}{t_peer / t_ours:>7.1f}{str(same):>12}"
            print(row, flush=True)


if __name__ == "__main__":
    main()
