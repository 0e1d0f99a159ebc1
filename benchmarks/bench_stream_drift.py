"""Prequential accuracy on the rotating-hyperplane stream of examples/plot_stream.py, 5 seeds.

Budget 0.1, SGDClassifier(log_loss) with partial_fit, arrivals in batches of 5;
the seed draws the stream and seeds the selector and the learner.

    python benchmarks/bench_stream_drift.py
"""

import numpy as np
from sklearn.linear_model import SGDClassifier

from skactive.stream import (
    BalancedQuantileFilter,
    Split,
    StreamProbabilisticAL,
    StreamRandom,
    VariableUncertainty,
    simulate_stream,
)

results = {}
for seed in range(5):
    n = 3000
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, size=(n, 2))
    t = np.arange(n)
    angle = np.where(t < n // 2, np.pi / 2 * t / (n // 2), 0.0)
    y = (np.einsum("ij,ij->i", X, np.column_stack([np.cos(angle), np.sin(angle)])) > 0).astype(int)
    selectors = {
        "random (BIQF)": StreamRandom(budget=0.1, budget_manager=BalancedQuantileFilter()),
        "variable uncertainty": VariableUncertainty(budget=0.1),
        "split": Split(budget=0.1),
        "probabilistic AL": StreamProbabilisticAL(budget=0.1, gamma=5.0),
    }
    for name, sel in selectors.items():
        res = simulate_stream(SGDClassifier(loss="log_loss", alpha=1e-3), sel, X, y, n_initial=20,
                              batch_size=5, random_state=seed)
        results.setdefault(name, []).append((res.accuracy[-1], res.spent))
for name, rows in results.items():
    acc, spent = np.array(rows).T
    print(f"{name:22s} accuracy {acc.mean():.3f} +- {acc.std():.3f} (seeds: {np.round(acc, 3)}), "
          f"spent {spent.mean():.3f}")
