"""
=========================================================
Inside an ALFA-Mix query: candidates and selected samples
=========================================================

ALFA-Mix (Parvaneh et al., CVPR 2022) looks at the *latent space* of the
model. For every unlabelled sample it mixes its embedding with the *anchors*
(the mean embedding of the labelled samples of each class), a small step
towards each anchor chosen to increase the loss of the predicted label. The
samples whose prediction flips for at least one anchor form the *candidate
set*: they lie where the model's representation is still inconsistent, which
is near the decision borders. k-means on the candidates' embeddings (as many
clusters as the budget) then picks one representative per cluster, so the
batch is spread along *all* the borders instead of piling up on one.

This example redraws the paper's Figure 2 on a small real problem: four
classes of the bundled ``optdigits`` set (8x8 digits), an MLP with a
64-unit hidden layer as the classifier (its hidden layer is the embedding),
40 labelled samples and one query of 40. The embedding is projected to 2-D
with a PCA. Needs the optional dependencies ``torch`` and ``skorch``
(``pip install "skactive[torch]"``).
"""

# %%
# Data, network and one query
# ---------------------------
# Four digit classes (1, 4, 7, 9: shapes that share strokes), scaled to
# [0, 1]. The MLP is trained for 100 epochs with a fixed seed on 40 random
# labelled samples; the rest of the training set is the unlabelled pool.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA

from skactive import ActiveLearner
from skactive.datasets import load_dataset
from skactive.neural import MLP, ActiveNeuralNetClassifier
from skactive.strategies import AlfaMix
from skactive.utils import get_embedding

digits = (1, 4, 7, 9)
data = load_dataset("optdigits")
keep = np.isin(data.y_train, digits)
X = (data.X_train[keep] / 16.0).astype(np.float32)
y = data.y_train[keep]

rng = np.random.RandomState(0)
order = rng.permutation(len(y))
labeled, pool = order[:40], order[40:]

net = ActiveNeuralNetClassifier(
    MLP, module__hidden_units=64, max_epochs=100, lr=1e-3, random_state=0
)
learner = ActiveLearner(net, query_strategy=AlfaMix(random_state=0), random_state=0)
learner.fit(X[labeled], y[labeled])
print(f"{len(labeled)} labelled, {len(pool)} unlabelled; "
      f"pool accuracy {learner.score(X[pool], y[pool]):.3f}")

selected = learner.query(X[pool], budget=40)
strategy = learner.query_strategy_
candidates = strategy.candidate_mask_
print(f"{strategy.n_candidates_} candidates (final epsilon {strategy.alpha_cap_:.1f}); "
      f"{len(selected)} selected, all candidates: {bool(candidates[selected].all())}")

# %%
# The candidates are the low-margin samples, and many of them are
# misclassified (here about a third, against 5 % of the other pool samples):
# the prediction of a sample deep inside its class region does not change
# when its embedding moves a little towards another class's anchor.
pred = learner.predict(X[pool])
proba = np.sort(learner.predict_proba(X[pool]), axis=1)
margin = proba[:, -1] - proba[:, -2]
for name, m in (("candidates", candidates), ("other pool samples", ~candidates)):
    print(f"{name:>18}: error rate {np.mean(pred[m] != y[pool][m]):.2f}, "
          f"median margin {np.median(margin[m]):.2f}")

# %%
# Units that do not move
# ----------------------
# The hidden layer is a ReLU: many units are 0 for a sample *and* for all
# labelled samples of a class, so the anchor equals the sample there. The
# authors' closed form divides by ``z*_d - z_d + 1e-8``, which leaves such a
# unit still; moving along the whole gradient instead (``direction="gradient"``)
# changes the candidate set a little.
Z_pool = get_embedding(learner, X[pool])
still = (Z_pool[:, None, :] == strategy.anchors_[None, :, :]).mean()
other = AlfaMix(direction="gradient", random_state=0)
other.query(X[pool], learner, budget=40)
both = np.count_nonzero(candidates & other.candidate_mask_)
either = np.count_nonzero(candidates | other.candidate_mask_)
print(f"{still:.0%} of the (sample, anchor, unit) triples stay still; candidates: "
      f"official {strategy.n_candidates_}, whole gradient {other.n_candidates_}, "
      f"Jaccard {both / either:.2f}")

# %%
# The latent space in 2-D
# -----------------------
# PCA of the hidden-layer embedding of the labelled and pool samples. Left:
# the pool coloured by true class, the labelled samples (squares) and the
# class anchors (crosses). Right: the same space with the candidates (stars)
# (coloured by true class) and the 40 selected samples (large circles): they
# sit on the borders between the class clusters, and the k-means step spreads
# them over the borders rather than piling them up in one place.
Z = get_embedding(learner, X)
P = PCA(n_components=2).fit(Z[labeled]).transform(Z)
A = PCA(n_components=2).fit(Z[labeled]).transform(strategy.anchors_)
P_pool, P_lab = P[pool], P[labeled]
colors = {d: c for d, c in zip(digits, ("tab:blue", "tab:orange", "tab:green", "tab:red"))}

fig, axes = plt.subplots(1, 2, figsize=(12, 5.5), sharex=True, sharey=True,
                         layout="constrained")
ax = axes[0]
for d, c in colors.items():
    m = y[pool] == d
    ax.scatter(*P_pool[m].T, s=6, color=c, alpha=0.35, label=f"pool, digit {d}")
for d, c in colors.items():
    m = y[labeled] == d
    ax.scatter(*P_lab[m].T, s=45, marker="s", color=c, edgecolor="k", linewidth=0.8)
ax.scatter(*A.T, s=220, marker="X", color=[colors[d] for d in learner.classes_],
           edgecolor="k", linewidth=1.2)
ax.scatter([], [], s=45, marker="s", color="w", edgecolor="k", label="labelled")
ax.scatter([], [], s=120, marker="X", color="w", edgecolor="k", label="anchor")
ax.set_title("(a) labelled samples and class anchors")
ax.legend(loc="best", fontsize=8, markerscale=1.0)

ax = axes[1]
ax.scatter(*P_pool.T, s=5, color=[colors[d] for d in y[pool]], alpha=0.15)
cand = np.flatnonzero(candidates)
ax.scatter(*P_pool[cand].T, s=40, marker="*", color=[colors[d] for d in y[pool][cand]],
           edgecolor="k", linewidth=0.3)
ax.scatter([], [], s=60, marker="*", color="w", edgecolor="k",
           label=f"candidates ({len(cand)})")
ax.scatter(*P_pool[selected].T, s=110, facecolor="none", edgecolor="k", linewidth=1.6,
           label=f"selected ({len(selected)})")
ax.set_title("(b) ALFA-Mix candidates and selected samples")
ax.legend(loc="best", fontsize=8)
for ax in axes:
    ax.set_xlabel("PC 1 of the embedding")
axes[0].set_ylabel("PC 2 of the embedding")
fig.suptitle(f"ALFA-Mix on optdigits {digits}, MLP embedding (PCA)")
plt.show()
