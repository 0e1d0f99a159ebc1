"""
====================================
BADGE and ALFA-Mix with a skorch MLP
====================================

Deep active-learning strategies need more than class probabilities: BADGE
(Ash et al. 2020) clusters the gradients of the loss at the last layer, and
ALFA-Mix (Parvaneh et al. 2022) mixes each sample's latent features with
labelled class anchors and queries the samples whose prediction flips. Both
read them through the *embedding / head protocol* of
:class:`~skactive.neural.ActiveNeuralNetClassifier`, a skorch classifier whose
network splits into ``embed`` (input to latent features) and ``head`` (latent
features to logits), as :class:`~skactive.neural.MLP` does.

The net is an ordinary scikit-learn estimator, so it goes into an
:class:`~skactive.ActiveLearner` and into
:func:`~skactive.experiments.run_experiments` like an ``SVC``. Needs the
optional dependencies: ``pip install torch==2.13.0`` (CPU) then
``pip install "skactive[torch]"``.
"""

# %%
# Data and network
# ----------------
# The bundled ``optdigits`` set (8x8 digits, 10 classes), scaled to [0, 1];
# a random pool of 2000 of its training samples keeps the example fast. The
# MLP has one hidden layer of 128 units (the embedding) and is retrained from
# scratch at each round for 20 epochs, with a fixed seed.
import matplotlib.pyplot as plt
import numpy as np

from skactive import ActiveLearner
from skactive.datasets import load_dataset
from skactive.experiments import plot_learning_curves, run_experiments
from skactive.neural import MLP, ActiveNeuralNetClassifier
from skactive.strategies import BADGE, AlfaMix, Entropy, RandomSampling

data = load_dataset("optdigits")
pool = np.random.RandomState(0).permutation(len(data.y_train))[:2000]
X_pool = (data.X_train[pool] / 16.0).astype(np.float32)
X_test = (data.X_test / 16.0).astype(np.float32)
y_pool, y_test = data.y_train[pool], data.y_test
print(X_pool.shape, X_test.shape)

net = ActiveNeuralNetClassifier(
    MLP, module__hidden_units=128, max_epochs=20, lr=1e-3, random_state=0
)

# %%
# What the strategies read from the net
# -------------------------------------
# ``embed`` gives the latent features; ``head_gradients`` the two factors of
# the last-layer gradient (``p - onehot(argmax p)`` and the embedding): BADGE
# never builds the ``n x (K D)`` gradient matrix.
net.fit(X_pool[:100], y_pool[:100])
Z = net.embed(X_pool[:5])
G, H = net.head_gradients(X_pool[:5])
print("embedding", Z.shape, "gradient factors", G.shape, H.shape)

# %%
# The study
# ---------
# Three seeds, 100 initial labels, 5 rounds of 40. Each strategy instance is
# cloned and seeded per run.
strategies = {
    "random": RandomSampling(),
    "entropy": Entropy(),
    "badge": BADGE(),
    "alfa-mix": AlfaMix(),
}
results = run_experiments(
    {"optdigits": (X_pool, y_pool, X_test, y_test)},
    strategies,
    net,
    seeds=3,
    n_rounds=5,
    budget=40,
    n_initial=100,
    n_jobs=2,
    progress=False,
)
print(results.summary())

# %%
# On this small study the two deep strategies are ahead of random sampling,
# while the entropy of a single network's softmax, over-confident in the first
# rounds, is behind it.
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
plot_learning_curves(results.n_labels("optdigits"), results.curves("optdigits"), ax=ax,
                     title="MLP on optdigits (3 seeds)")
plt.show()

# %%
# Inside a query
# --------------
# ALFA-Mix records its candidate set: the pool samples whose prediction flips
# for at least one anchor mix. k-means on their embeddings then picks a
# diverse batch.
learner = ActiveLearner(net, query_strategy=AlfaMix(random_state=0), random_state=0)
learner.fit(X_pool[:100], y_pool[:100])
idx = learner.query(X_pool[100:], budget=20)
strategy = learner.query_strategy_
print(f"{strategy.n_candidates_} candidates out of {len(X_pool) - 100}; "
      f"final epsilon {strategy.alpha_cap_:.2f}")
print("classes of the queried samples:", np.bincount(y_pool[100:][idx], minlength=10))
