"""
=============================================
An imbalanced pool: class weights and balance
=============================================

Real pools are rarely balanced. ``page_blocks`` (document layout blocks, 5
classes) has one class for 90 % of its samples and one with 23 samples out
of 4378. Two things matter then:

* the **model**: ``class_weight="balanced"`` makes the ``SVC`` weigh every
  class equally, whatever its number of labels;
* the **strategy**: a good strategy finds the rare classes quickly. The alamp
  paper (Aggarwal et al., Fig. 4) measures this with the imbalance ratio
  ``sigma / mu`` of the class counts of the labelled set, round after round,
  which :func:`~skactive.experiments.plot_class_distribution` draws.

Accuracy is misleading here (always predicting the big class gives 90 %), so
we look at the balanced accuracy (mean recall over classes).
"""

# %%
# Data
# ----
import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skactive.datasets import imbalance_ratio, load_dataset
from skactive.experiments import (
    plot_class_distribution,
    plot_learning_curves,
    plot_queried_classes,
    run_experiments,
)

data = load_dataset("page_blocks")
print("pool class counts:", np.bincount(data.y_train))
print(f"imbalance ratio of the pool: {imbalance_ratio(data.y_train):.2f}")

# %%
# The study
# ---------
# A standardised ``SVC(class_weight="balanced")``; 50 random initial labels
# (they usually miss the rarest classes), then 6 rounds of 25 queries, 3 seeds.
# ``random-div`` and ``margin-div`` take their batch round-robin over the
# predicted classes; ``alamp-div`` does the same with the previous model's
# predictions.
estimator = make_pipeline(StandardScaler(), SVC(class_weight="balanced"))
results = run_experiments(
    {"page_blocks": (data.X_train, data.y_train, data.X_test, data.y_test)},
    "random,margin,random-div,alamp-div",
    estimator,
    seeds=3,
    n_rounds=6,
    budget=25,
    n_initial=50,
    n_jobs=2,
    progress=False,
)
print(results.summary(metric="balanced_accuracy"))

# %%
# Balanced accuracy
# -----------------
n_labels = results.n_labels("page_blocks")
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
plot_learning_curves(n_labels, results.curves("page_blocks", metric="balanced_accuracy"),
                     ax=ax, ylabel="test balanced accuracy",
                     title="page_blocks, SVC(class_weight='balanced')")
plt.show()

# %%
# Class balance of the labelled set
# ---------------------------------
# The labels each run acquired, in order, are in ``run.labeled_y``. Lower
# curves mean the strategy keeps the labelled set closer to balanced; the
# heat map counts the queried samples of each class (after the initial set).
labeled = {
    s: [r.labeled_y for r in results.runs if r.meta["strategy"] == s]
    for s in results.strategies
}
fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7, 7), layout="constrained",
                               gridspec_kw={"height_ratios": [3, 2]})
plot_class_distribution(n_labels, labeled, ax=ax1)
plot_queried_classes(n_labels[0], labeled, ax=ax2)
plt.show()

# %%
# Random sampling reproduces the pool's imbalance (its ratio stays near the
# pool's 1.75), while the strategies that spread their batches over the
# predicted classes query the rare classes far more often.

# %%
# Without class weights
# ---------------------
# The same margin-based study with a plain ``SVC()``: the rare classes weigh
# little in the fit, and the balanced accuracy suffers.
plain = run_experiments(
    {"page_blocks": (data.X_train, data.y_train, data.X_test, data.y_test)},
    "margin",
    make_pipeline(StandardScaler(), SVC()),
    seeds=3, n_rounds=6, budget=25, n_initial=50, n_jobs=2, progress=False,
)
for name, res in (("class_weight='balanced'", results), ("no class weights", plain)):
    final = res.final_accuracy(metric="balanced_accuracy")["page_blocks"]["margin"]
    print(f"margin, {name:24s} final balanced accuracy {np.mean(final):.3f}")
