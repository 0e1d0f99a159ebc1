"""
=======================================
The active-learning loop with alamp-div
=======================================

The basic pool-based loop: fit an :class:`~skactive.ActiveLearner` on a small
labelled set, ask its query strategy which pool samples to label, give it the
labels (here the oracle is the known ``y``), repeat.

The model is an ``SVC()`` at its defaults, as in the alamp paper (Aggarwal et
al.): no ``probability=True`` is needed, the margin-based strategies use
``decision_function``. :class:`~skactive.strategies.AlampDiv` ranks pool
samples by how much the last update moved their margin and spreads each batch
over the classes predicted by the previous model, so the labelled set stays
balanced.
"""

# %%
# Data: the bundled ``letter`` set (26 classes, 16 features)
# -----------------------------------------------------------
# A random pool of 4000 samples and a test set of 2000, to keep the example
# fast; the official split has a 16000-sample pool.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.svm import SVC

from skactive import ActiveLearner
from skactive.datasets import load_letter
from skactive.strategies import AlampDiv, RandomSampling

X, y = load_letter(return_X_y=True)
rng = np.random.RandomState(0)
pool_idx = rng.permutation(16000)[:4000]
X_pool, y_pool = X[pool_idx], y[pool_idx]
X_test, y_test = X[16000:18000], y[16000:18000]

# %%
# The loop
# --------
# ``query`` returns indices into the array it is given, best first; we keep a
# list of the pool indices that are still unlabelled.
n_initial, budget, n_rounds = 100, 100, 8


def run(strategy):
    learner = ActiveLearner(SVC(), query_strategy=strategy, random_state=0)
    learner.fit(X_pool[:n_initial], y_pool[:n_initial])
    unlabeled = np.arange(n_initial, len(X_pool))
    n_labels, accuracy = [n_initial], [learner.score(X_test, y_test)]
    for _ in range(n_rounds):
        idx = learner.query(X_pool[unlabeled], budget=budget)
        chosen = unlabeled[idx]
        learner.teach(X_pool[chosen], y_pool[chosen])  # the oracle's answers
        unlabeled = np.setdiff1d(unlabeled, chosen)
        n_labels.append(len(learner.y_labeled_))
        accuracy.append(learner.score(X_test, y_test))
    return learner, n_labels, accuracy


learner, n_labels, acc_alamp = run(AlampDiv())
_, _, acc_random = run(RandomSampling(random_state=0))
for n, a, r in zip(n_labels, acc_alamp, acc_random):
    print(f"{n:4d} labels   alamp-div {a:.3f}   random {r:.3f}")

# %%
# After ``teach``, the learner keeps the model of the previous round in
# ``previous_estimator_``: alamp compares the two models' margins.
print(learner.previous_estimator_)
print("labelled samples per class:", np.bincount(learner.y_labeled_, minlength=26))

# %%
# Learning curves
# ---------------
fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
ax.plot(n_labels, acc_alamp, marker="o", label="alamp-div")
ax.plot(n_labels, acc_random, marker="s", label="random")
ax.set_xlabel("number of labelled samples")
ax.set_ylabel("test accuracy")
ax.set_title("SVC on letter: one seed")
ax.grid(alpha=0.3)
ax.legend()
plt.show()

# %%
# One seed is an anecdote, not evidence: :ref:`the comparison example
# <sphx_glr_auto_examples_plot_compare_strategies.py>` repeats the runs over
# seeds and tests the differences.
