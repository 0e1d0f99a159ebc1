"""Query time of AlfaMix on large embedded pools, as a ratio to Margin.

The learner is an ``ActiveLearner(LogisticRegression())`` fitted on 20
labelled samples per class; the pool *is* the embedding (a linear head on
frozen features). Settings:

- ``relu``: 60 000 x 256 float32 ReLU-like features, 10 classes, budget 100
  (issue 19's target: closed form <= 5x Margin). Each class has 10 % "dead"
  units (so class anchors are exactly 0 there, the dimensions the reference's
  closed form leaves still) and about half of all entries are 0.
- ``dense``: the same size, Gaussian features (no zeros).
- ``learned``: 5 000 x 64, the learned alpha (``O(steps * n_iter * n *
  anchors * D * K)``), budget 50.

Timings are interleaved (Margin, AlfaMix, AlfaMix again with
``direction="gradient"`` where it applies, then the next repetition) and the
ratio is taken per repetition; the table gives the min and the median over
``--repeat`` repetitions, the share of the AlfaMix query spent clustering the
candidates (timed separately on the same candidates), the candidate count and
the final epsilon. The machine may be loaded: compare ratios, not seconds.

Usage::

    python benchmarks/bench_alfamix.py [--repeat 5] [--settings relu,dense,learned]
"""

import argparse
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from skactive import ActiveLearner  # noqa: E402
from skactive.strategies import AlfaMix, Margin  # noqa: E402

SETTINGS = {
    # name: (n_pool, D, n_classes, budget, alpha_opt, relu)
    "relu": (60_000, 256, 10, 100, "closed_form", True),
    "dense": (60_000, 256, 10, 100, "closed_form", False),
    "learned": (5_000, 64, 10, 50, "learned", False),
}


def problem(n, d, k, relu, rng):
    """Overlapping classes (pool accuracy about 0.85), so that mixes do flip."""
    centers = rng.normal(scale=0.12 if relu else 0.2, size=(k, d))
    if relu:
        centers[rng.rand(k, d) < 0.1] = -2.0

    def draw(y):
        X = centers[y] + rng.normal(size=(len(y), d))
        return (np.maximum(X, 0.0) if relu else X).astype(np.float32)

    y_lab = np.repeat(np.arange(k), 20)
    y_pool = rng.randint(k, size=n)
    X_lab, X_pool = draw(y_lab), draw(y_pool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        learner = ActiveLearner(LogisticRegression(max_iter=300)).fit(X_lab, y_lab)
    return learner, X_pool, learner.score(X_pool, y_pool)


def timed(func):
    t0 = time.perf_counter()
    func()
    return time.perf_counter() - t0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--settings", default="relu,dense,learned")
    args = parser.parse_args(argv)
    rng = np.random.RandomState(0)
    print(f"{'setting':>8} {'pool x D x K':>16} {'budget':>6} {'margin s':>8} "
          f"{'alfamix s':>9} {'ratio min':>9} {'median':>6} {'kmeans':>6} "
          f"{'cands':>6} {'eps':>5} {'gradient-dir ratio':>18} {'acc':>5}")
    for name in args.settings.split(","):
        n, d, k, budget, opt, relu = SETTINGS[name]
        learner, X, acc = problem(n, d, k, relu, rng)
        official = AlfaMix(alpha_opt=opt, random_state=0)
        gradient = AlfaMix(alpha_opt=opt, direction="gradient", random_state=0)
        rows = []
        for _ in range(args.repeat):
            t_m = timed(lambda: Margin().query(X, learner, budget))
            t_a = timed(lambda: official.query(X, learner, budget))
            t_g = timed(lambda: gradient.query(X, learner, budget)) if opt == "closed_form" \
                else np.nan
            rows.append((t_m, t_a, t_g))
        t_m, t_a, t_g = np.array(rows).T
        cand = np.flatnonzero(official.candidate_mask_)
        t_km = np.nan
        if len(cand) > budget:
            F = X[cand] / np.linalg.norm(X[cand], axis=1, keepdims=True)
            t_km = min(timed(lambda: official._cluster(F, budget, np.random.RandomState(0)))
                       for _ in range(2))
        ratio, ratio_g = t_a / t_m, t_g / t_m
        print(f"{name:>8} {f'{n} x {d} x {k}':>16} {budget:>6} {t_m.min():8.3f} "
              f"{t_a.min():9.3f} {ratio.min():9.2f} {np.median(ratio):6.2f} "
              f"{t_km / t_a.min():6.0%} {len(cand):>6} {official.alpha_cap_:5.2f} "
              f"{np.nanmin(ratio_g) if opt == 'closed_form' else np.nan:18.2f} "
              f"{acc:5.2f}", flush=True)


if __name__ == "__main__":
    main()
