"""
===================================================
Comparing strategies: learning curves and penalties
===================================================

A single run says little: the initial labelled set alone moves the accuracy
by several points. :func:`~skactive.experiments.run_experiments` repeats
every (dataset, strategy, seed) simulation, pairs the seeds across strategies
(same initial set for every strategy), and its result object computes the
metrics of the active-learning literature:

* AUBC, the area under the budget curve (trapezoids over the number of labels,
  including round 0), as in the DeepAL+ survey;
* the ALFA-Mix penalty matrix: ``P[i, j]`` is the share of rounds in which
  strategy ``i`` is significantly better than ``j`` (paired t-test over the
  seeds);
* win / tie / loss counts with a 0.5 % accuracy margin.

This example keeps the study tiny (a 3000-sample pool of ``letter``, 3 seeds,
6 rounds); the command line runs the full version, e.g.
``python -m skactive run --dataset letter --strategies random,margin,alamp,alamp-div --seeds 5``.
"""

# %%
# Run the study
# -------------
# The strategies are given by registry name (see
# :func:`~skactive.experiments.available_strategies`); the estimator is
# ``SVC()`` at its defaults. ``n_jobs=2`` runs two simulations at a time.
import matplotlib.pyplot as plt
import numpy as np

from skactive.datasets import load_letter
from skactive.experiments import plot_learning_curves, plot_penalty_matrix, run_experiments

X, y = load_letter(return_X_y=True)
rng = np.random.RandomState(0)
pool = rng.permutation(16000)[:3000]
data = {"letter": (X[pool], y[pool], X[16000:18000], y[16000:18000])}

results = run_experiments(
    data,
    "random,margin,alamp,alamp-div",
    "svc",
    seeds=3,
    n_rounds=6,
    budget=100,
    n_initial=100,
    n_jobs=2,
    progress=False,
)
print(results)

# %%
# Summary: AUBC, final accuracy and win / tie / loss
# --------------------------------------------------
# AUBC and final accuracy (F-acc) are means ± standard deviations over the
# seeds; win-tie-loss counts, over rounds and seeds, how often a strategy beat,
# tied (within 0.5 % accuracy) or lost to each other strategy.
print(results.summary())

# %%
# The mean accuracy per round:
print(results.round_table("letter"))

# %%
# Learning curves
# ---------------
# Mean accuracy over the seeds, with one standard deviation as a band.
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
plot_learning_curves(results.n_labels("letter"), results.curves("letter"), ax=ax,
                     title="SVC on letter (3 seeds)")
plt.show()

# %%
# Penalty matrix
# --------------
# Row ``i``, column ``j``: in which share of the rounds strategy ``i`` was
# significantly better than ``j``. The column means, printed under the
# strategy names, say how often a strategy was beaten: lower is better. With
# three seeds the t-test has little power, so expect many zeros; on this small
# SVC study no strategy dominates, and random is a strong baseline.
P, names = results.penalty_matrix()
fig, ax = plt.subplots(figsize=(5, 4.5), layout="constrained")
plot_penalty_matrix(P, names, ax=ax)
plt.show()

# %%
# All rounds of all runs are also available as a :class:`pandas.DataFrame`
# (``results.to_frame()``) for your own analysis, and ``results.plot(out_dir)``
# writes all the figures at once.
