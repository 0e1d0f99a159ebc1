"""Query time and peak memory of BatchBALD against BALD.

The learner returns fixed posterior samples (``K`` MC-dropout-like samples,
smooth Dirichlet probabilities over ``C`` classes, so that no joint
configuration has probability 0 and nothing is pruned), so the timings are the
acquisition itself, not the model's forward passes. BatchBALD's cost grows
with the budget (one scoring pass over the pool per pick) and with the number
of joint configurations kept (exact ``C^n`` until ``max_configs``, then
``max_configs`` samples). Peak memory is the peak of numpy allocations
during the call (tracemalloc), excluding the samples themselves.

Usage::

    python benchmarks/bench_batchbald.py [--pools 1000 5000] [--budgets 5 10 20]
        [--samples 10 50] [--max-configs 40000 5000] [--repeat 2]
"""

import argparse
import time
import tracemalloc
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from skactive.strategies import BALD, BatchBALD, BatchBALDSaturationWarning


class FixedSamples(ClassifierMixin, BaseEstimator):
    """Posterior samples ``P`` (K, n, C); row ``i`` of the pool is ``X[i, 0] = i``."""

    def __init__(self, P=None):
        self.P = P

    def fit(self, X, y):
        return self

    def __sklearn_is_fitted__(self):
        return True

    @property
    def classes_(self):
        return np.arange(self.P.shape[2])

    def predict(self, X):
        return self.P.mean(0).argmax(1)[np.asarray(X)[:, 0].astype(int)]

    def predict_proba_samples(self, X, n_samples=10, random_state=None):
        return self.P[:, np.asarray(X)[:, 0].astype(int)]


def _measure(func, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return min(times), peak / 2**20, out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pools", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--budgets", type=int, nargs="+", default=[5, 10, 20])
    parser.add_argument("--samples", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--max-configs", type=int, nargs="+", default=[40000, 5000])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)

    print(f"{'pool':>6} {'K':>4} {'budget':>6} {'method':>24} {'time (s)':>9} "
          f"{'x BALD':>7} {'peak MiB':>9} {'joint MI':>9} {'log K':>6}")
    rng = np.random.RandomState(0)
    C = args.classes
    for n in args.pools:
        for K in args.samples:
            P = rng.dirichlet(np.full(C, 0.3), size=(K, n))
            learner, X = FixedSamples(P), np.arange(n, dtype=float)[:, None]
            for budget in args.budgets:
                t_bald, m_bald, _ = _measure(
                    lambda: BALD().query(X, learner, budget), args.repeat)
                print(f"{n:>6} {K:>4} {budget:>6} {'BALD':>24} {t_bald:>9.3f} {1:>7.1f} "
                      f"{m_bald:>9.1f} {'':>9} {np.log(K):>6.2f}")
                for mc in args.max_configs:
                    strategy = BatchBALD(max_configs=mc, random_state=0)

                    def run():
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore", BatchBALDSaturationWarning)
                            return strategy.query(X, learner, budget, return_scores=True)

                    t, m, (idx, scores) = _measure(run, args.repeat)
                    mi = float(np.sum(scores[idx]))
                    print(f"{n:>6} {K:>4} {budget:>6} {f'BatchBALD({mc})':>24} {t:>9.3f} "
                          f"{t / t_bald:>7.0f} {m:>9.1f} {mi:>9.3f} {np.log(K):>6.2f}")


if __name__ == "__main__":
    main()
