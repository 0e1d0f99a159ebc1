"""
==============================
Active learning for regression
==============================

:class:`~skactive.ActiveLearner` wraps regressors as it wraps classifiers;
the strategies for them are the greedy samplers of Wu, Lin & Huang (2019):

* :class:`~skactive.strategies.GreedySamplingX` (GSx) picks the pool sample
  farthest from the labelled set in input space (it never looks at the model);
* :class:`~skactive.strategies.GreedySamplingY` (GSy) picks the sample whose
  *predicted* target is farthest from every labelled target;
* :class:`~skactive.strategies.ImprovedGreedySampling` (iGS) multiplies the
  two distances, labelled sample by labelled sample.

:func:`~skactive.experiments.simulate` records RMSE, MAE and R² curves for a
regressor. Here: scikit-learn's diabetes data (442 patients, 10 features),
ridge regression on standardised features, 5 initial labels and 8 rounds of
5, over 8 seeds -- the small-budget regime the paper studies.
"""

# %%
# Simulate the four strategies
# ----------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skactive import ActiveLearner
from skactive.experiments import simulate
from skactive.strategies import (
    GreedySamplingX,
    GreedySamplingY,
    ImprovedGreedySampling,
    RandomSampling,
)

X, y = load_diabetes(return_X_y=True)
X_pool, X_test, y_pool, y_test = train_test_split(X, y, test_size=0.25, random_state=0)

strategies = {
    "random": RandomSampling(),
    "GSx": GreedySamplingX(),
    "GSy": GreedySamplingY(),
    "iGS": ImprovedGreedySampling(),
}
curves = {}
for name, strategy in strategies.items():
    runs = [
        simulate(
            ActiveLearner(make_pipeline(StandardScaler(), Ridge(alpha=1.0)), strategy),
            X_pool, y_pool, X_test, y_test,
            n_initial=5, budget=5, n_rounds=8, random_state=seed,
        )
        for seed in range(8)
    ]
    curves[name] = runs
    rmse_area = np.mean([r.aubc("rmse") for r in runs])
    print(f"{name:<7} mean RMSE over the budget {rmse_area:6.2f}   "
          f"final R2 {np.mean([r.r2[-1] for r in runs]):.3f}")

# %%
# Learning curves
# ---------------
# Mean test RMSE over the seeds (lower is better). GSx spreads the labels
# over the feature space; GSy and iGS also use the model's predictions,
# so they need a few labels before they help. GSx works on the pipeline's
# *transformed* features (after the ``StandardScaler``): pass
# ``space="input"`` for the raw columns.
n_labels = curves["random"][0].n_labels
fig, ax = plt.subplots(figsize=(6, 4))
for name, runs in curves.items():
    ax.plot(n_labels, np.mean([r.rmse for r in runs], axis=0), marker="o", label=name)
ax.set_xlabel("labelled samples")
ax.set_ylabel("test RMSE (mean of 8 seeds)")
ax.set_title("diabetes, ridge regression")
ax.legend()
fig.tight_layout()

# %%
# The same loop by hand
# ---------------------
# ``fit`` / ``query`` / ``teach`` work as for classifiers; ``score`` is R².
learner = ActiveLearner(make_pipeline(StandardScaler(), Ridge()), ImprovedGreedySampling())
learner.fit(X_pool[:5], y_pool[:5])
pool = np.arange(5, X_pool.shape[0])
for _ in range(4):
    idx = learner.query(X_pool[pool], budget=5)
    learner.teach(X_pool[pool[idx]], y_pool[pool[idx]])
    pool = np.delete(pool, idx)
print(f"{learner.X_labeled_.shape[0]} labels, test R2 {learner.score(X_test, y_test):.3f}")
