"""
===================================================
Hyper-parameters: GridSearchCV and an ActiveLearner
===================================================

:class:`~skactive.ActiveLearner` is a scikit-learn meta-estimator, so the two
usual ways of tuning a model both work:

1. **Tune the whole active learner** with ``GridSearchCV`` over its
   parameters (``estimator__C`` routes ``C`` to the wrapped ``SVC``). ``fit``
   trains on the given labelled set, so this selects hyper-parameters for a
   fixed labelled set, e.g. the one reached after some rounds.
2. **Tune inside the loop**: pass ``GridSearchCV(SVC(), ...)`` as the
   learner's estimator. Each ``fit`` / ``teach`` then chooses ``C`` by
   cross-validation on the labelled set of that round, as in the alamp paper.
   Margin-based strategies read ``decision_function`` through the search's
   best estimator.
"""

# %%
# Data
# ----
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.svm import SVC

from skactive import ActiveLearner
from skactive.datasets import load_letter
from skactive.strategies import AlampDiv

X, y = load_letter(return_X_y=True)
rng = np.random.RandomState(0)
pool_idx = rng.permutation(16000)[:3000]
X_pool, y_pool = X[pool_idx], y[pool_idx]
X_test, y_test = X[16000:18000], y[16000:18000]

# %%
# 1. GridSearchCV over an ActiveLearner
# -------------------------------------
# Every parameter of the wrapped estimator is reachable with the
# ``estimator__`` prefix, and the strategy's with ``query_strategy__``.
search = GridSearchCV(
    ActiveLearner(SVC(), query_strategy=AlampDiv(), random_state=0),
    {"estimator__C": [0.1, 1, 10, 100]},
    cv=3,
)
search.fit(X_pool[:400], y_pool[:400])
print("best:", search.best_params_, f"CV accuracy {search.best_score_:.3f}")
for C, score in zip(search.cv_results_["param_estimator__C"],
                    search.cv_results_["mean_test_score"]):
    print(f"  C={C:<5} {score:.3f}")

# %%
# The best learner is refitted on the 400 samples and can go on querying.
best = search.best_estimator_
idx = best.query(X_pool[400:], budget=10)
print("next samples to label:", idx)

# %%
# 2. C chosen by cross-validation at every round
# ----------------------------------------------
# The labelled set grows, and the best ``C`` with it. Compare with a fixed
# ``C=1`` (the ``SVC`` default).
cv_svc = GridSearchCV(SVC(), {"C": [1, 10, 100]},
                      cv=StratifiedKFold(3, shuffle=True, random_state=0))


def loop(estimator, budget=100, n_rounds=5):
    learner = ActiveLearner(estimator, query_strategy=AlampDiv(), random_state=0)
    # a balanced initial set (4 per class), so that every class has enough
    # samples for the 3-fold CV
    first = np.concatenate([np.flatnonzero(y_pool == c)[:4] for c in range(26)])
    learner.fit(X_pool[first], y_pool[first])
    unlabeled = np.setdiff1d(np.arange(len(y_pool)), first)
    n_labels, acc, chosen_C = [len(first)], [learner.score(X_test, y_test)], []
    for _ in range(n_rounds):
        chosen = unlabeled[learner.query(X_pool[unlabeled], budget=budget)]
        learner.teach(X_pool[chosen], y_pool[chosen])
        unlabeled = np.setdiff1d(unlabeled, chosen)
        n_labels.append(len(learner.y_labeled_))
        acc.append(learner.score(X_test, y_test))
        if hasattr(learner.estimator_, "best_params_"):
            chosen_C.append(learner.estimator_.best_params_["C"])
    return n_labels, acc, chosen_C


n_labels, acc_cv, chosen_C = loop(cv_svc)
_, acc_default, _ = loop(SVC())
print("C chosen per round:", chosen_C)

fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
ax.plot(n_labels, acc_cv, marker="o", label="SVC, C by 3-fold CV each round")
ax.plot(n_labels, acc_default, marker="s", label="SVC(C=1)")
ax.set_xlabel("number of labelled samples")
ax.set_ylabel("test accuracy")
ax.set_title("alamp-div on letter")
ax.grid(alpha=0.3)
ax.legend()
plt.show()
