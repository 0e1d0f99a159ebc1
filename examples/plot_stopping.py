"""
=======================
When to stop labelling
=======================

Active learning saves labels only if one knows when to stop: past the point
where the model stops improving, every new label is wasted. The test set of
a simulation shows that point, but a real labelling job has no test set.
The criteria of :mod:`skactive.stopping` decide from the model alone, after
every round:

* :class:`~skactive.stopping.StabilizingPredictions` (Bloodgood &
  Vijay-Shanker 2009): Cohen's kappa between the predictions of successive
  models on a *stop set* of unlabelled samples; stop when its mean over the
  last three rounds reaches 0.99;
* :class:`~skactive.stopping.ClassificationChange` (Zhu et al. 2008/2010):
  stop when no unlabelled sample changes its predicted class;
* :class:`~skactive.stopping.OverallUncertainty` (Zhu et al. 2008): stop
  when the mean normalised entropy of the unlabelled pool falls below 0.05;
* :class:`~skactive.stopping.MaxConfidence` (Zhu et al. 2008): stop when
  even the most uncertain unlabelled sample is predicted confidently (here a
  normalised entropy below 0.1; the default 0.001 is very conservative).

We run margin sampling on the digits data once, with ``stop_early=False``
so that the run goes on and records where each criterion *would* have
stopped, then once with ``stop_early=True``.
"""

# %%
# A recorded run
# --------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skactive import ActiveLearner
from skactive.experiments import plot_learning_curves, simulate
from skactive.stopping import (
    ClassificationChange,
    MaxConfidence,
    OverallUncertainty,
    StabilizingPredictions,
)
from skactive.strategies import Margin

X, y = load_digits(return_X_y=True)
order = np.random.RandomState(0).permutation(len(y))
X, y = X[order], y[order]
X_pool, y_pool, X_test, y_test = X[:1300], y[:1300], X[1300:], y[1300:]


def make_learner():
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    return ActiveLearner(model, Margin())


criteria = {
    "stabilizing predictions": StabilizingPredictions(),
    "classification change": ClassificationChange(),
    "overall uncertainty": OverallUncertainty(),
    "max confidence (0.1)": MaxConfidence(threshold=0.1),
}
settings = dict(n_initial=20, budget=20, n_rounds=30, random_state=0)
res = simulate(make_learner(), X_pool, y_pool, X_test, y_test, stopping=criteria,
               stop_early=False, **settings)
for name, r in res.meta["stop_rounds"].items():
    where = "never" if r is None else f"round {r}: {res.n_labels[r]} labels, " \
        f"test accuracy {res.accuracy[r]:.3f}"
    print(f"{name:<26}{where}")
print(f"{'all 30 rounds':<26}{res.n_labels[-1]} labels, test accuracy {res.accuracy[-1]:.3f}")

# %%
# Learning curve and stop points
# ------------------------------
# Each marker is where a criterion says stop. The left panel is the test
# accuracy (unknown in practice); the right one shows what each criterion
# sees, round after round, with its threshold.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
stops = {"margin": {k: [r] for k, r in res.meta["stop_rounds"].items()}}
plot_learning_curves(res.n_labels, {"margin": res.accuracy[None]}, ax=ax1, stops=stops,
                     ylabel="test accuracy", title="Where each criterion stops")
history = res.meta["stopping_history"]
thresholds = {"stabilizing predictions": 0.99, "classification change": 0.0,
              "overall uncertainty": 0.05, "max confidence (0.1)": 0.1}
for k, (name, values) in enumerate(history.items()):
    values = np.asarray(values, dtype=float)
    if name == "stabilizing predictions":  # plot 1 - kappa: every curve falls
        values, label = 1 - values, "1 - kappa (stabilizing predictions)"
        threshold = 1 - thresholds[name]
    else:
        label, threshold = name, thresholds[name]
    # a log scale shows the small values; 0 is drawn at 1e-4
    line, = ax2.plot(res.n_labels, np.clip(values, 1e-4, None), marker="o", markersize=3,
                     label=label)
    ax2.axhline(max(threshold, 1e-4), color=line.get_color(), linestyle=":", linewidth=1)
ax2.set_yscale("log")
ax2.set_xlabel("number of labelled samples")
ax2.set_title("Statistic of each criterion (dotted: its threshold)")
ax2.legend(fontsize=8)
ax2.grid(True, alpha=0.3)
plt.show()

# %%
# Stopping for real
# -----------------
# With ``stop_early=True`` (the default) the run ends at the first round
# where the criterion says stop; the curve ends there.
early = simulate(make_learner(), X_pool, y_pool, X_test, y_test,
                 stopping=StabilizingPredictions(), **settings)
print(f"stopped after round {early.meta['stopped_at']} with {early.n_labels[-1]} labels "
      f"(test accuracy {early.accuracy[-1]:.3f}); labelling all {res.n_labels[-1]} "
      f"gives {res.accuracy[-1]:.3f}")
