"""
=====================================================
Starting from zero labels: TypiClust and ProbCover
=====================================================

Uncertainty sampling needs a model, and a model needs labels. The very first
labels must come from somewhere else: random sampling, or a strategy that
looks only at the data. :class:`~skactive.strategies.TypiClust` clusters the
pool and takes the most *typical* (densest) point of each cluster;
:class:`~skactive.strategies.ProbCover` places balls of a radius chosen by
purity and greedily covers as much of the pool as it can. Both need no
model, so an unfitted :class:`~skactive.ActiveLearner` can ask them for the
initial set: ``learner.query(X_pool, budget)`` before ``fit``.

With a pipeline, the features they see are the pipeline's own
(``StandardScaler`` here, fitted on the pool without labels).
"""

# %%
# Choosing the first labels
# -------------------------
# ``optdigits`` (8x8 handwritten digits, 10 classes): one label per class
# would be ideal, but the pool does not tell which sample is which digit.
# How many digits does each strategy find with 10 picks?
import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skactive import ActiveLearner
from skactive.datasets import load_dataset
from skactive.experiments import simulate
from skactive.strategies import Margin, ProbCover, RandomSampling, TypiClust

data = load_dataset("optdigits")
rng = np.random.RandomState(0)
keep = rng.permutation(len(data.y_train))[:2000]
X_pool, y_pool = data.X_train[keep], data.y_train[keep]
X_test, y_test = data.X_test, data.y_test
K = 10


def model():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


starters = {
    "random": RandomSampling(random_state=0),
    "TypiClust": TypiClust(random_state=0),
    "ProbCover": ProbCover(random_state=0),
}
picks = {}
for name, strategy in starters.items():
    learner = ActiveLearner(model(), query_strategy=strategy, classes=np.arange(K))
    picks[name] = learner.query(X_pool, budget=K)  # no fit: zero labels
    print(f"{name:>9s}: {np.unique(y_pool[picks[name]]).size} of {K} digits")

# %%
# Where the picks fall, on the first two principal components of the
# standardised pool: TypiClust and ProbCover take points in dense regions,
# spread over the pool.
Z = PCA(2, random_state=0).fit_transform(StandardScaler().fit_transform(X_pool))
fig, axes = plt.subplots(1, 3, figsize=(12, 4), sharex=True, sharey=True)
for ax, (name, idx) in zip(axes, picks.items()):
    ax.scatter(Z[:, 0], Z[:, 1], s=3, c="lightgray")
    ax.scatter(Z[idx, 0], Z[idx, 1], s=40, c=y_pool[idx], cmap="tab10", vmin=0, vmax=9,
               edgecolor="k")
    ax.set_title(f"{name}: {np.unique(y_pool[idx]).size} digits")
fig.tight_layout()

# %%
# A cold-start campaign
# ---------------------
# ``simulate(..., initial="typiclust")`` lets a model-free strategy choose
# the initial set; then the campaign goes on with any strategy. Here: 10
# labels to start, 10 per round, margin sampling afterwards, two seeds.
# (A real comparison needs more seeds and data sets; see
# ``benchmarks/coldstart_label_efficiency.py``.)
curves = {}
for initial in ("random", "typiclust", "probcover"):
    runs = [
        simulate(ActiveLearner(model(), Margin()), X_pool, y_pool, X_test, y_test,
                 n_initial=K, budget=K, n_rounds=6, initial=initial, random_state=seed)
        for seed in (0, 1)
    ]
    curves[initial] = (runs[0].n_labels, np.mean([r.accuracy for r in runs], axis=0))
    print(f"initial={initial:>9s}: AUBC {np.mean([r.aubc() for r in runs]):.3f}")

fig, ax = plt.subplots(figsize=(6, 4))
for initial, (n, acc) in curves.items():
    ax.plot(n, acc, marker="o", label=f"initial={initial}, then margin")
ax.set_xlabel("labelled samples")
ax.set_ylabel("test accuracy")
ax.legend()
fig.tight_layout()
plt.show()
