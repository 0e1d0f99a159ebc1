"""
==================================================
ALBL: learning which strategy works on the data
==================================================

No query strategy wins everywhere (see "Which strategy should I use?" in the
user guide). :class:`~skactive.strategies.ALBL` (Hsu & Lin, "Active Learning by
Learning", AAAI 2015) does not choose one in advance: each strategy is an arm
of an EXP4.P bandit, every queried sample is drawn from the weighted mixture
of the arms' picks, and once its label is known the arms that proposed it are
rewarded with the importance-weighted accuracy of the new model on all the
samples ALBL has queried (each weighted by one over the probability it had).

Here ALBL plays margin sampling, ALFA-Mix, k-means sampling and uniform random
sampling on the ``satimage`` pool with a standardised logistic regression. We
plot the arm probabilities ``probabilities_`` (one row per round) and the
learning curves of ALBL and its arms.
"""

# %%
# The campaign
# ------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skactive import ActiveLearner
from skactive.datasets import load_dataset
from skactive.experiments import simulate
from skactive.strategies import ALBL, AlfaMix, KMeansSampling, Margin, RandomSampling

data = load_dataset("satimage")
rng = np.random.RandomState(0)
keep = rng.permutation(data.X_train.shape[0])[:2000]
X_pool, y_pool = data.X_train[keep], data.y_train[keep]
X_test, y_test = data.X_test, data.y_test


def estimator():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


albl = ALBL([Margin(), AlfaMix(), KMeansSampling()], random_state=0)
learner = ActiveLearner(estimator(), albl, random_state=0)
# simulate() works on a clone; run the loop by hand to keep the fitted bandit
learner.fit(X_pool[:12], y_pool[:12])
pool = np.arange(12, X_pool.shape[0])
for _ in range(15):
    idx = learner.query(X_pool[pool], budget=12)
    learner.teach(X_pool[pool[idx]], y_pool[pool[idx]])
    pool = np.delete(pool, idx)
bandit = learner.query_strategy_
print("arms:", bandit.arm_names_)
print("final arm probabilities:", np.round(bandit.probabilities_[-1], 3))

# %%
# Arm probabilities per round
# ---------------------------
# Round 1 plays every arm with the same probability; the bandit then moves
# weight to the arms whose picks raised the importance-weighted accuracy.
# The minimum probability ``pmin`` keeps every arm in play (exploration).
# Here k-means sampling ends with most of the weight: the reward is measured
# on the queried samples by the model trained on them, so an arm that queries
# typical samples, which the model then predicts right, is rewarded whether or
# not those labels improve the test accuracy (compare the learning curves
# below). On the leaderboard ("Which strategy should I use?") ALBL lands
# between random sampling and its best arm.
fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
rounds = np.arange(1, bandit.probabilities_.shape[0] + 1)
ax.stackplot(rounds, bandit.probabilities_.T, labels=bandit.arm_names_, alpha=0.8)
ax.set_xlabel("round")
ax.set_ylabel("arm probability")
ax.set_xlim(1, rounds[-1])
ax.set_ylim(0, 1)
ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
ax.set_title("ALBL on satimage: EXP4.P arm probabilities")

# %%
# ALBL against its arms
# ---------------------
# The same initial labels (the first 12 pool samples) for every strategy.
strategies = {"random": RandomSampling(random_state=0), "margin": Margin(),
              "alfa-mix": AlfaMix(random_state=0), "kmeans": KMeansSampling(random_state=0),
              "albl": ALBL([Margin(), AlfaMix(), KMeansSampling()], random_state=0)}
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
for name, strategy in strategies.items():
    res = simulate(ActiveLearner(estimator(), strategy), X_pool, y_pool, X_test, y_test,
                   n_initial=12, budget=12, n_rounds=15, initial=np.arange(12),
                   random_state=0)
    ax.plot(res.n_labels, res.accuracy, label=f"{name} (AUBC {100 * res.aubc():.1f})",
            lw=2.5 if name == "albl" else 1.2, ls="--" if name == "random" else "-")
ax.set_xlabel("labels")
ax.set_ylabel("test accuracy")
ax.grid(True, alpha=0.3)
ax.legend(fontsize=8)
ax.set_title("satimage, standardised logistic regression, one seed")
plt.show()
