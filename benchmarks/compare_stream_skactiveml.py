"""Decision agreement of skactive.stream with scikit-activeml's stream module.

Shared case: letter (bundled), a LogisticRegression fitted on the first 500
rows and then kept fixed (so only the selection rules differ), the next
``N`` rows arriving one at a time, budget 0.1, w=100, the same seed. For each
strategy: the share of samples on which both libraries take the same
decision, and the labels each spends. (StreamRandom is left out: scikit-activeml's
StreamRandomSampling uses its own count-based budget, not Zliobaite's estimate.) Run with the peers' venv, where skactive
is installed with ``pip install -e . --no-deps``:

    /work/peers-venv/bin/python benchmarks/compare_stream_skactiveml.py
"""

import numpy as np
from sklearn.linear_model import LogisticRegression
from skactiveml.classifier import SklearnClassifier
from skactiveml.stream import FixedUncertainty as SFixed
from skactiveml.stream import RandomVariableUncertainty as SRandVar
from skactiveml.stream import Split as SSplit
from skactiveml.stream import VariableUncertainty as SVar
from skactiveml.stream.budgetmanager import (
    BalancedIncrementalQuantileFilter,
    FixedUncertaintyBudgetManager,
    RandomVariableUncertaintyBudgetManager,
    SplitBudgetManager,
    VariableUncertaintyBudgetManager,
)

from skactive.datasets import load_letter
from skactive.stream import (
    BalancedQuantileFilter,
    EstimatedBudget,
    FixedUncertainty,
    RandomVariableUncertainty,
    Split,
    VariableUncertainty,
)

N, B, W, SEED = 3000, 0.1, 100, 0
X, y = load_letter(return_X_y=True)
X = np.asarray(X, float) / 15.0  # features 0..15 -> [0, 1]
y = np.asarray(y)
classes = np.unique(y)
clf = LogisticRegression(max_iter=300).fit(X[:500], y[:500])
sclf = SklearnClassifier(LogisticRegression(max_iter=300), classes=classes).fit(X[:500], y[:500])
stream = X[500:500 + N]


def run_ours(sel, extra_draw=False):
    out = np.zeros(N, bool)
    for t in range(N):
        x = stream[t:t + 1]
        idx = sel.query(x, clf)
        state = sel.random_state_.get_state() if extra_draw else None
        sel.update(x, idx)
        if extra_draw:  # scikit-activeml's update: one uniform per arrival, the normal is not kept
            sel.random_state_.set_state(state)
            sel.random_state_.random_sample(1)
        out[t] = len(idx) > 0
    return out


def run_theirs(sel):
    out = np.zeros(N, bool)
    for t in range(N):
        x = stream[t:t + 1]
        idx = sel.query(x, sclf)
        sel.update(x, idx)
        out[t] = len(idx) > 0
    return out


cases = {
    "FixedUncertainty": (
        FixedUncertainty(budget=B, budget_manager=EstimatedBudget(w=W)),
        SFixed(classes=classes, budget=B, budget_manager=FixedUncertaintyBudgetManager(classes=classes, w=W, budget=B)),
    ),
    "VariableUncertainty": (
        VariableUncertainty(budget=B, budget_manager=EstimatedBudget(w=W)),
        SVar(budget=B, budget_manager=VariableUncertaintyBudgetManager(w=W, budget=B)),
    ),
    "RandomVariableUncertainty": (
        RandomVariableUncertainty(budget=B, budget_manager=EstimatedBudget(w=W), random_state=SEED),
        SRandVar(budget=B, budget_manager=RandomVariableUncertaintyBudgetManager(
            w=W, budget=B, random_state=SEED)),
    ),
    "Split(v=0.1)": (
        Split(budget=B, v=0.1, budget_manager=EstimatedBudget(w=W), random_state=SEED),
        SSplit(budget=B, budget_manager=SplitBudgetManager(v=0.1, w=W, budget=B, random_state=SEED)),
    ),
}
print(f"letter, fixed LogisticRegression, {N} arriving samples, budget {B}, w={W}")
print(f"{'strategy':28s} {'agree':>7s} {'ours':>5s} {'theirs':>6s}")
for name, (ours, theirs) in cases.items():
    a, b = run_ours(ours), run_theirs(theirs)
    print(f"{name:28s} {np.mean(a == b):7.4f} {a.sum():5d} {b.sum():6d}")
# the same rule once our generator is advanced as scikit-activeml's is (a check of the rule)
ours = RandomVariableUncertainty(budget=B, budget_manager=EstimatedBudget(w=W), random_state=SEED)
theirs = SRandVar(budget=B, budget_manager=RandomVariableUncertaintyBudgetManager(w=W, budget=B, random_state=SEED))
a, b = run_ours(ours, extra_draw=True), run_theirs(theirs)
print(f"{'RandomVarUnc, their RNG use':28s} {np.mean(a == b):7.4f} {a.sum():5d} {b.sum():6d}")

# budget managers alone on a shared utility stream (uniform utilities)
u = np.random.RandomState(SEED).random_sample(N)
ours = BalancedQuantileFilter(w=W, w_tol=50)._start(B)
theirs = BalancedIncrementalQuantileFilter(w=W, w_tol=50, budget=B)
a = np.zeros(N, bool)
b = np.zeros(N, bool)
for t in range(N):
    a[t] = ours._filter(u[t])
    ours._record(u[t], a[t])
    q = theirs.query_by_utility(u[t:t + 1])
    theirs.update(u[t:t + 1, None], q, utilities=u[t:t + 1])
    b[t] = len(q) > 0
print(f"{'BalancedQuantileFilter':28s} {np.mean(a == b):7.4f} {a.sum():5d} {b.sum():6d}")

# PAL's expected gain against scikit-activeml's cost_reduction (0/1 loss)
from skactiveml.pool._probabilistic_al import cost_reduction  # noqa: E402

from skactive.stream import probabilistic_gain  # noqa: E402

rng = np.random.RandomState(SEED)
worst = 0.0
for K, m in [(2, 1), (2, 2), (3, 2), (5, 2), (4, 3)]:
    k = rng.gamma(0.5, 2.0, size=(200, K)) * (rng.rand(200, 1) < 0.8)
    for prior in (1e-3, 1.0):
        worst = max(worst, np.abs(cost_reduction(k, m_max=m, prior=prior)
                                  - probabilistic_gain(k, m_max=m, prior=prior)).max())
print(f"probabilistic_gain vs cost_reduction: max abs difference {worst:.1e} (2-5 classes, m_max 1-3)")
