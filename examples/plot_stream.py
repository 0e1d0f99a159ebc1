"""
==========================================
Stream-based active learning with a drift
==========================================

In a stream the samples arrive one at a time and the decision to buy a label
must be taken on the spot, within a budget: here 10 % of the arrivals. The
selectors of :mod:`skactive.stream` (Žliobaitė et al. 2014, Kottke et al.
2015) make that decision; :func:`~skactive.stream.simulate_stream` runs the
prequential (test-then-train) evaluation: each arrival is first predicted,
then maybe labelled and learned from.

The stream is a *rotating hyperplane*: two features uniform on
``[-1, 1]^2``, the class is the side of a line through the origin, and the
line turns by 90 degrees over the first half of the stream, then jumps back
by 90 degrees at once (a sudden drift) and stays. An incremental
``SGDClassifier`` (``partial_fit``) follows the drift with the labels it gets.
"""

# %%
# The stream
# ----------
import matplotlib.pyplot as plt
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

n = 3000
rng = np.random.RandomState(0)
X = rng.uniform(-1, 1, size=(n, 2))
t = np.arange(n)
angle = np.where(t < n // 2, np.pi / 2 * t / (n // 2), 0.0)  # gradual, then sudden
normal = np.column_stack([np.cos(angle), np.sin(angle)])
y = (np.einsum("ij,ij->i", X, normal) > 0).astype(int)

# %%
# Four selectors, the same budget
# -------------------------------
# Every selector takes ``budget`` (the fraction of arrivals to label) and a
# budget manager; the default ``FixedRateBudget(w=100)`` never buys more than
# 10 labels in any 100 arrivals. ``StreamProbabilisticAL`` uses the balanced
# incremental quantile filter instead, and so does random here: under a hard
# window its coin flips are sometimes refused and it would spend less than
# the others (about 8 % instead of 10 %); the filter keeps it at the budget.
# The arrivals come in small batches of 5 (each decided in order, as if one
# by one), which keeps the example fast.
learner = SGDClassifier(loss="log_loss", alpha=1e-3)
selectors = {
    "random": StreamRandom(budget=0.1, budget_manager=BalancedQuantileFilter()),
    "variable uncertainty": VariableUncertainty(budget=0.1),
    "split (v=0.2)": Split(budget=0.1),
    "probabilistic AL": StreamProbabilisticAL(budget=0.1, gamma=5.0),
}
results = {
    name: simulate_stream(learner, sel, X, y, n_initial=20, batch_size=5, window=200,
                           random_state=0)
    for name, sel in selectors.items()
}
for name, res in results.items():
    print(f"{name:22s} labels {res.n_labels[-1]:4d} / {res.n_seen[-1]} "
          f"(spent {res.spent:.3f}), prequential accuracy {res.accuracy[-1]:.3f}")

# %%
# Accuracy over the stream, and the labels spent
# ----------------------------------------------
# The accuracy is taken over a sliding window of 200 arrivals, so it shows
# the drift (the sudden one at the middle of the stream).
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
for name, res in results.items():
    ax1.plot(res.n_seen, res.window_accuracy, label=name)
    ax2.plot(res.n_seen, res.n_labels, label=name)
ax1.axvline(n // 2 - 20, color="grey", ls=":", lw=1)
ax1.set(xlabel="samples seen", ylabel="accuracy (last 200)", title="prequential accuracy")
ax2.plot(results["random"].n_seen, 0.1 * results["random"].n_seen, "k--", lw=1, label="budget")
ax2.set(xlabel="samples seen", ylabel="labels bought", title="budget spending")
ax1.legend(loc="lower left")
ax2.legend(loc="upper left")
fig.tight_layout()
plt.show()
