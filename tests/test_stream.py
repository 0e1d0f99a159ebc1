"""Stream-based active learning: decision rules, budgets, simulate_stream."""

from functools import partial

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.svm import LinearSVC

from skactive.exceptions import LearnerCapabilityError
from skactive.stream import (
    BalancedQuantileFilter,
    EstimatedBudget,
    FixedRateBudget,
    FixedUncertainty,
    RandomVariableUncertainty,
    Split,
    StreamProbabilisticAL,
    StreamRandom,
    VariableUncertainty,
    simulate_stream,
)

SELECTORS = [
    FixedUncertainty,
    VariableUncertainty,
    RandomVariableUncertainty,
    Split,
    StreamRandom,
]


class ProbaStub(ClassifierMixin, BaseEstimator):
    """Binary classifier whose highest posterior is the first feature (>= 0.5)."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        c = np.asarray(X, float)[:, 0]
        return np.column_stack([c, 1.0 - c])

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(1)]


def stub():
    return ProbaStub().fit(np.zeros((2, 1)), [0, 1])


def col(values):
    return np.asarray(values, float)[:, None]


def run_one_by_one(selector, X, learner):
    out = []
    for t in range(X.shape[0]):
        idx = selector.query(X[t:t + 1], learner)
        selector.update(X[t:t + 1], idx)
        out.append(bool(idx.size))
    return np.array(out)


# -- the shared contract ------------------------------------------------------
@pytest.mark.parametrize("selector", [
    FixedUncertainty(), VariableUncertainty(), RandomVariableUncertainty(), Split(), StreamRandom(),
    StreamRandom(budget_manager=BalancedQuantileFilter()),
    VariableUncertainty(budget_manager=EstimatedBudget()), StreamProbabilisticAL(),
], ids=lambda s: type(s).__name__ + (
    "+" + type(s.budget_manager).__name__ if s.budget_manager else ""))
def test_contract(selector):
    from skactive.stream import check_stream_selector

    check_stream_selector(selector)


# -- decision rules on hand-computed cases ----------------------------------
def test_fixed_uncertainty_threshold_and_window():
    # K=2, budget 0.2: theta = 1/2 + 0.2 * (1 - 1/2) = 0.6; 2 labels per 10 samples
    sel = FixedUncertainty(budget=0.2, budget_manager=FixedRateBudget(w=10))
    X = col([0.55, 0.7, 0.59, 0.61, 0.5])
    idx = sel.query(X, stub())
    assert sel.theta_ == pytest.approx(0.6)
    np.testing.assert_array_equal(idx, [0, 2])  # 0.5 < 0.6 too, but the window is full
    sel.update(X, idx)
    assert (sel.n_seen_, sel.n_queried_) == (5, 2)
    assert FixedUncertainty(theta=0.52).query(col([0.51, 0.53]), stub()).tolist() == [0]


def test_variable_uncertainty_threshold_steps():
    # budget 0.5, w=4: 2 labels per 4 samples; s=0.5
    sel = VariableUncertainty(budget=0.5, theta=1.0, s=0.5, budget_manager=FixedRateBudget(w=4))
    X = col([0.9] * 5)
    # t0: 0.9 < 1 -> label, theta 0.5; t1: no, 0.75; t2: no, 1.125;
    # t3: 0.9 < 1.125 -> label, 0.5625; t4: no, 0.84375
    np.testing.assert_array_equal(sel.query(X, stub()), [0, 3])
    sel.update(X, [0, 3])
    assert sel.theta_ == pytest.approx(0.84375)


def test_variable_uncertainty_threshold_frozen_without_budget():
    # budget 0.25, w=4: one label per 4 samples; theta moves only while a label is allowed
    sel = VariableUncertainty(budget=0.25, theta=1.0, s=0.1, budget_manager=FixedRateBudget(w=4))
    X = col([0.6] * 5)
    labeled = run_one_by_one(sel, X, stub())
    np.testing.assert_array_equal(np.flatnonzero(labeled), [0, 4])
    assert sel.theta_ == pytest.approx(0.81)  # 1 -> 0.9 (t0), frozen t1..t3, 0.81 (t4)


def test_random_variable_uncertainty_rule():
    conf = np.array([0.7, 0.95, 0.6, 0.99, 0.8, 0.75])
    sel = RandomVariableUncertainty(budget=1.0, s=0.1, delta=0.5, random_state=3,
                                    budget_manager=FixedRateBudget(w=1))
    got = run_one_by_one(sel, col(conf), stub())
    rng, theta, want = np.random.RandomState(3), 1.0, []
    for c in conf:  # Algorithm 3: theta_rand = theta * eta, eta ~ N(1, delta)
        lab = c < theta * rng.normal(1.0, 0.5)
        theta *= 0.9 if lab else 1.1
        want.append(lab)
    np.testing.assert_array_equal(got, want)
    assert sel.theta_ == pytest.approx(theta)
    assert 0 < got.sum() < conf.size  # the randomisation matters on this case


def test_split_rule():
    conf = np.linspace(0.55, 0.99, 30)
    sel = Split(budget=0.5, v=0.4, s=0.1, random_state=1, budget_manager=EstimatedBudget(w=4))
    got = run_one_by_one(sel, col(conf), stub())
    rng, theta, u, want, n_random = np.random.RandomState(1), 1.0, 0.0, [], 0
    for c in conf:
        lab = False
        if u / 4 < 0.5:
            if rng.random_sample() < 0.4:  # random branch: label w.p. budget, theta fixed
                lab = rng.random_sample() < 0.5
                n_random += 1
            else:
                lab = c < theta
                theta *= 0.9 if lab else 1.1
        u = u * 3 / 4 + lab
        want.append(lab)
    np.testing.assert_array_equal(got, want)
    assert sel.theta_ == pytest.approx(theta)
    assert n_random > 0


def test_stream_random_needs_no_learner():
    sel = StreamRandom(budget=0.3, random_state=0, budget_manager=FixedRateBudget(w=10))
    X = np.zeros((40, 3))
    got = run_one_by_one(sel, X, None)
    rng, window, want = np.random.RandomState(0), [], []
    for t in range(40):
        lab = False
        if sum(want[-9:]) + 1 <= 3:
            lab = rng.random_sample() < 0.3
        want.append(lab)
    np.testing.assert_array_equal(got, want)


def test_balanced_quantile_filter_hand_case():
    # w=3, w_tol=1, budget 0.5, utilities [0.2, 0.8, 0.4, 0.9]:
    # t0 theta_bal = 0.2 -> label; t1 q=0.5, owed 0 -> 0.5, label;
    # t2 q=0.4, range 0.6, owed -0.5 -> 0.7, no; t3 window [0.8, 0.4, 0.9]: q=0.8, owed 0 -> label
    bm = BalancedQuantileFilter(w=3, w_tol=1)._start(0.5)
    got, thetas = [], []
    for u in [0.2, 0.8, 0.4, 0.9]:
        thetas.append(bm.threshold(u))
        lab = bm._filter(u)
        bm._record(u, lab)
        got.append(lab)
    assert got == [True, True, False, True]
    np.testing.assert_allclose(thetas, [0.2, 0.5, 0.7, 0.8])


def test_filter_manager_decides_from_utilities():
    # VariableUncertainty's own threshold is bypassed: utilities 1 - p_max are filtered
    sel = VariableUncertainty(budget=0.5, budget_manager=BalancedQuantileFilter(w=3, w_tol=1))
    # utilities [0.1, 0.4, 0.2, 0.45]: thresholds 0.1, 0.25, 0.2 + 0.3 * 0.5, 0.4
    idx = sel.query(col([0.9, 0.6, 0.8, 0.55]), stub())
    np.testing.assert_array_equal(idx, [0, 1, 3])


def test_estimated_budget_recursion():
    bm = EstimatedBudget(w=4)._start(0.5)
    us = []
    for lab in [1, 1, 0, 1]:
        bm._record(0.0, lab)
        us.append(bm.u_)
    np.testing.assert_allclose(us, [1.0, 1.75, 1.3125, 1.984375])
    assert bm._available() is (1.984375 / 4 < 0.5)


# -- the budget is never exceeded ------------------------------------------
@pytest.mark.parametrize("cls", SELECTORS)
@pytest.mark.parametrize("batch", [1, 7])
def test_fixed_rate_never_exceeded_over_any_window(cls, batch):
    rng = np.random.RandomState(0)
    X = col(0.5 + 0.5 * rng.random_sample(800))
    X[300:450] = 0.5  # a burst of maximally uncertain samples
    kw = {"random_state": 0} if "random_state" in cls().get_params() else {}
    sel = cls(budget=0.1, budget_manager=FixedRateBudget(w=50), **kw)
    labeled = np.zeros(X.shape[0], bool)
    for lo in range(0, X.shape[0], batch):
        Xb = X[lo:lo + batch]
        idx = sel.query(Xb, stub())
        sel.update(Xb, idx)
        labeled[lo + idx] = True
    per_window = np.convolve(labeled, np.ones(50, int), mode="valid")
    assert per_window.max() <= 5
    assert sel.n_queried_ == labeled.sum() and sel.n_seen_ == X.shape[0]
    assert sel.budget_manager_.n_labeled_ == labeled.sum()
    if cls is not FixedUncertainty:  # the rest spend (close to) the whole budget
        assert labeled.mean() > 0.07


def test_update_refuses_labels_beyond_the_budget():
    sel = VariableUncertainty(budget=0.2, budget_manager=FixedRateBudget(w=10))
    X = col([0.5, 0.5, 0.5, 0.5])
    assert sel.query(X, stub()).tolist() == [0, 1]
    with pytest.raises(ValueError, match="budget would be exceeded"):
        sel.update(X, [0, 1, 2])
    assert sel.n_seen_ == 0  # nothing committed
    sel.update(X, np.array([False, True, False, False]))  # fewer labels: replayed as given
    assert (sel.n_seen_, sel.n_queried_) == (4, 1)


# -- sklearn contract --------------------------------------------------------
@pytest.mark.parametrize("cls", SELECTORS)
def test_params_clone_and_reproducibility(cls):
    kw = {"random_state": 0} if "random_state" in cls().get_params() else {}
    sel = cls(budget=0.3, **kw)
    assert sel.get_params()["budget"] == 0.3 and sel.get_params()["budget_manager"] is None
    X = col(np.random.RandomState(1).uniform(0.5, 1.0, 200))
    a = run_one_by_one(clone(sel), X, stub())
    b = run_one_by_one(clone(sel), X, stub())
    np.testing.assert_array_equal(a, b)
    fitted = clone(sel)
    fitted.query(X[:5], stub())
    assert not hasattr(clone(fitted), "n_seen_")


@pytest.mark.parametrize("cls", SELECTORS)
def test_query_has_no_side_effect(cls):
    kw = {"random_state": 0} if "random_state" in cls().get_params() else {}
    sel = cls(budget=0.5, **kw)
    X = col(np.linspace(0.5, 1.0, 20))
    first = sel.query(X, stub())
    np.testing.assert_array_equal(sel.query(X, stub()), first)
    assert sel.n_seen_ == 0 and sel.budget_manager_.n_seen_ == 0


def test_random_state_instance_is_not_advanced():
    rs = np.random.RandomState(0)
    before = rs.get_state()[1].copy()
    sel = StreamRandom(budget=0.5, random_state=rs)
    run_one_by_one(sel, np.zeros((10, 1)), None)
    np.testing.assert_array_equal(rs.get_state()[1], before)


def test_update_on_another_batch_recomputes_with_the_learner():
    sel = VariableUncertainty(budget=0.5, budget_manager=FixedRateBudget(w=4))
    X = col([0.6, 0.7])
    sel.query(X, stub())
    with pytest.raises(ValueError, match="pass the learner"):
        sel.update(col([0.9, 0.9]), [0])
    sel.update(col([0.9, 0.9]), [0], learner=stub())
    assert (sel.n_seen_, sel.n_queried_) == (2, 1)


# -- bad input ---------------------------------------------------------------
ALL = SELECTORS + [partial(StreamProbabilisticAL, classes=[0, 1])]


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("budget", [0, 0.0, -0.1, 1.5, "a"])
def test_budget_outside_unit_interval(cls, budget):
    with pytest.raises(ValueError, match="budget"):
        cls(budget=budget).query(col([0.6]), stub())


@pytest.mark.parametrize(
    "cls", [FixedUncertainty, VariableUncertainty, RandomVariableUncertainty, Split]
)
def test_learner_errors(cls):
    with pytest.raises(NotFittedError, match="not fitted"):
        cls().query(col([0.6]), LogisticRegression())
    with pytest.raises(ValueError, match="learner"):
        cls().query(col([0.6]), None)
    svc = LinearSVC().fit([[0.0], [1.0]], [0, 1])
    with pytest.raises(LearnerCapabilityError, match="predict_proba"):
        cls().query(col([0.6]), svc)


@pytest.mark.parametrize("cls", ALL)
def test_nan_and_empty_arrivals(cls):
    with pytest.raises(ValueError, match="X_arriving"):
        cls().query(col([0.6, np.nan]), stub())
    with pytest.raises(ValueError):
        cls().query(np.zeros((0, 1)), stub())


def test_budget_manager_errors():
    with pytest.raises(ValueError, match="budget \\* w"):
        sel = VariableUncertainty(budget=0.005, budget_manager=FixedRateBudget(w=100))
        sel.query(col([0.6]), stub())
    with pytest.raises(ValueError, match="disagrees"):
        sel = VariableUncertainty(budget=0.1, budget_manager=FixedRateBudget(budget=0.2))
        sel.query(col([0.6]), stub())
    with pytest.raises(ValueError, match="w"):
        VariableUncertainty(budget_manager=BalancedQuantileFilter(w=0)).query(col([0.6]), stub())
    with pytest.raises(ValueError, match="queried"):
        sel = VariableUncertainty()
        sel.query(col([0.6]), stub())
        sel.update(col([0.6]), [3])


# -- simulate_stream ----------------------------------------------------------
def _letter(n):
    from skactive.datasets import load_letter

    try:
        X, y = load_letter(return_X_y=True)
    except (FileNotFoundError, OSError):  # pragma: no cover - bundled with the package
        pytest.skip("letter data not available")
    return np.asarray(X[:n], float) / 15.0, np.asarray(y[:n])


def test_simulate_stream_letter_spends_the_budget():
    X, y = _letter(1500)
    res = simulate_stream(LogisticRegression(max_iter=200), VariableUncertainty(budget=0.1), X, y,
                          n_initial=50, refit_every=15, random_state=0)
    assert res.n_initial >= 50
    n = X.shape[0] - res.n_initial
    assert res.n_seen[-1] == n and res.queried.sum() == res.n_labels[-1]
    assert 0.085 <= res.spent <= 0.1 + 10 / n  # hard window: <= 10 per 100 samples
    assert np.all(np.diff(res.n_labels) >= 0) and res.accuracy.shape == res.n_seen.shape
    assert 0.15 < res.accuracy[-1] <= 1.0  # 26 classes: chance is 0.04
    assert 0 <= res.window_accuracy.min() and res.window_accuracy.max() <= 1
    per_window = np.convolve(res.queried, np.ones(100, int), mode="valid")
    assert per_window.max() <= 10


def test_simulate_stream_partial_fit_and_reproducible():
    X, y = _letter(800)
    y = (y < 13).astype(int)  # A-M against N-Z
    learner = SGDClassifier(loss="log_loss", random_state=None)
    sel = Split(budget=0.2, random_state=None)
    a = simulate_stream(learner, sel, X, y, n_initial=20, batch_size=5, random_state=4)
    b = simulate_stream(learner, sel, X, y, n_initial=20, batch_size=5, random_state=4)
    np.testing.assert_array_equal(a.queried, b.queried)
    np.testing.assert_array_equal(a.accuracy, b.accuracy)
    assert a.n_seen.shape == (np.ceil(780 / 5),)
    assert 0.15 <= a.spent <= 0.2 + 20 / 780
    assert hasattr(a.learner, "coef_") and a.selector.n_seen_ == 780


def test_simulate_stream_errors():
    X, y = np.random.RandomState(0).normal(size=(30, 2)), np.arange(30) % 2
    with pytest.raises(ValueError, match="n_initial"):
        simulate_stream(LogisticRegression(), VariableUncertainty(), X, y, n_initial=30)
    with pytest.raises(ValueError, match="n_initial"):
        simulate_stream(LogisticRegression(), VariableUncertainty(), X, y, n_initial=0)
    with pytest.raises(ValueError, match="single class"):
        simulate_stream(LogisticRegression(), VariableUncertainty(), X, np.zeros(30, int))
    with pytest.raises(ValueError, match="refit_every"):
        simulate_stream(LogisticRegression(), VariableUncertainty(), X, y, refit_every=0)
    with pytest.raises(ValueError, match="partial_fit"):
        simulate_stream(LogisticRegression(), VariableUncertainty(), X, y, incremental=True)
    with pytest.raises(TypeError, match="selector"):
        simulate_stream(LogisticRegression(), LogisticRegression(), X, y)
    with pytest.raises(ValueError):
        simulate_stream(LogisticRegression(), VariableUncertainty(), X, y[:10])


# -- StreamProbabilisticAL ----------------------------------------------------
def test_probabilistic_gain_hand_case():
    from skactive.stream import probabilistic_gain

    # k = (0, 0), prior 1: now 1/2 right; one label -> decision = that label,
    # right with (1 + 1) / 3 whichever it is: gain 2/3 - 1/2 = 1/6
    # k = (2, 0), prior 1: now 3/4; label 0 (p 3/4) -> 4/5, label 1 (p 1/4) -> still class 0: 3/5
    # expected 3/4 * 4/5 + 1/4 * 3/5 = 3/4: gain 0 (one label cannot change the decision)
    # k = (1, 0), prior 1: now 2/3; label 1 (p 1/3) ties -> class 0 (first), 2/4; label 0 -> 3/4
    # expected 2/3 * 3/4 + 1/3 * 2/4 = 2/3: gain 0; with m_max=2: two labels of class 1
    # (p 1/3 * 2/4 = 1/6) flip it: 1/6 * 3/5 + 1/3 * 2/5 (one each, class 0) + 1/2 * 4/5 = 2/3 -> 0
    g = probabilistic_gain([[0, 0], [2, 0], [1, 0]], prior=1.0)
    np.testing.assert_allclose(g, [1 / 6, 0, 0], atol=1e-12)
    eps = 1e-3  # three empty classes: (1 + eps) / (1 + 3 eps) right after one label, 1/3 now
    expected = (1 + eps) / (1 + 3 * eps) - 1 / 3
    assert probabilistic_gain([[0, 0, 0]], prior=eps)[0] == pytest.approx(expected)
    with pytest.raises(ValueError, match="non-negative"):
        probabilistic_gain([[-1.0, 0.0]])


def test_stream_pal_utilities_density_times_gain():
    from skactive.stream import StreamProbabilisticAL, probabilistic_gain

    sel = StreamProbabilisticAL(budget=0.5, classes=[0, 1], gamma=1.0)
    X0 = np.array([[0.0], [1.0]])
    idx, u = sel.query(X0, return_utilities=True)
    np.testing.assert_allclose(u, probabilistic_gain([[0, 0], [0, 0]]))  # no data: density 1
    sel.update(X0, [0], y=[1])
    X1 = np.array([[0.5]])
    _, u1 = sel.query(X1, return_utilities=True)
    k = np.array([[0.0, np.exp(-0.25)]])  # labelled x=0 (class 1) at distance 0.5
    density = np.mean([np.exp(-0.25), np.exp(-0.25)])  # both arrivals at distance 0.5
    np.testing.assert_allclose(u1, density * probabilistic_gain(k))
    with pytest.raises(ValueError, match="needs y"):
        sel.update(X1, [0])
    with pytest.raises(ValueError, match="outside classes"):
        sel.update(X1, [0], y=[7])
    with pytest.raises(ValueError, match="decide from utilities"):
        StreamProbabilisticAL(classes=[0, 1], budget_manager=FixedRateBudget()).query(X1)
    with pytest.raises(ValueError, match="classes"):
        StreamProbabilisticAL().query(X1)


def test_stream_pal_simulate_spends_the_budget():
    from skactive.stream import StreamProbabilisticAL

    X, y = _letter(1200)
    y = (y < 13).astype(int)
    sel = StreamProbabilisticAL(budget=0.1, gamma=2.0)
    res = simulate_stream(LogisticRegression(max_iter=200), sel,
                          X, y, n_initial=20, refit_every=10, batch_size=4, random_state=0)
    assert 0.08 <= res.spent <= 0.12  # BIQF balances towards the budget
    assert res.selector.y_labeled_.size == res.n_labels[-1]
    assert res.accuracy[-1] > 0.6


@pytest.mark.parametrize("cls", [VariableUncertainty, Split, StreamRandom])
def test_fixed_rate_long_stream(cls):
    # 20000 arrivals in batches of 40, a budget of 5 %, windows of 200 (at most 10 labels)
    rng = np.random.RandomState(2)
    X = col(np.clip(0.5 + 0.5 * rng.beta(0.5, 2.0, 20000), 0.5, 1.0))
    kw = {"random_state": 0} if "random_state" in cls().get_params() else {}
    sel = cls(budget=0.05, budget_manager=FixedRateBudget(w=200), **kw)
    labeled = np.zeros(X.shape[0], bool)
    for lo in range(0, X.shape[0], 40):
        idx = sel.query(X[lo:lo + 40], stub())
        sel.update(X[lo:lo + 40], idx)
        labeled[lo + idx] = True
    assert np.convolve(labeled, np.ones(200, int), mode="valid").max() <= 10
    assert 0.04 <= labeled.mean() <= 0.05
