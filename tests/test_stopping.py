"""Stopping criteria: statistics on hand-computed cases, sklearn behaviour, and
early stopping in simulate / run_experiments / the CLI."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skactive import ActiveLearner
from skactive.exceptions import LearnerCapabilityError
from skactive.stopping import (
    ClassificationChange,
    MaxConfidence,
    OverallUncertainty,
    StabilizingPredictions,
    available_criteria,
    get_criterion,
    kappa_agreement,
    normalized_entropy,
)

CRITERIA = [StabilizingPredictions, MaxConfidence, OverallUncertainty, ClassificationChange]


class _Fixed(ClassifierMixin, BaseEstimator):
    """A 'fitted classifier' with preset predictions and probabilities."""

    def __init__(self, pred=None, proba=None):
        self.pred = pred
        self.proba = proba

    def fit(self, X, y):
        return self

    def __sklearn_is_fitted__(self):
        return True

    def predict(self, X):
        return np.asarray(self.pred)[: len(X)]

    def predict_proba(self, X):
        return np.asarray(self.proba)[: len(X)]


def _kappa(a, b):
    a, b = np.asarray(a), np.asarray(b)
    labels = np.union1d(a, b)
    po = np.mean(a == b)
    pe = sum(np.mean(a == c) * np.mean(b == c) for c in labels)
    return (po - pe) / (1 - pe)


# ------------------------------------------------------------------ statistics
def test_kappa_agreement_by_hand():
    a, b = [0, 1, 2, 2, 1, 0, 0], [0, 1, 2, 1, 1, 0, 2]
    assert kappa_agreement(a, b) == pytest.approx(_kappa(a, b))
    assert kappa_agreement(["x", "x"], ["x", "x"]) == 1.0
    with pytest.raises(ValueError, match="length"):
        kappa_agreement([0, 1], [0])


def test_stabilizing_predictions_window_and_threshold():
    seq = [[0, 1, 1, 0], [0, 1, 1, 1], [0, 1, 1, 1], [0, 1, 1, 1], [0, 1, 1, 1]]
    X = np.zeros((4, 2))
    crit = StabilizingPredictions(window=3, threshold=0.7)
    stops = [crit.should_stop(_Fixed(pred=p), X) for p in seq]
    # kappas: nan, 0.5, 1, 1, 1 -> mean of the last three: -, -, -, 0.833, 1
    assert stops == [False, False, False, True, True]
    np.testing.assert_allclose(crit.history_, [np.nan, 0.5, 1.0, 1.0, 1.0])
    assert crit.stop_round_ == 3 and crit.n_rounds_ == 5 and crit.stopped_
    strict = StabilizingPredictions()  # 0.99: 0.833 is not enough
    assert [strict.should_stop(_Fixed(pred=p), X) for p in seq[:4]] == [False] * 4
    with pytest.raises(ValueError, match="same stop set"):
        strict.should_stop(_Fixed(pred=[0, 1, 1]), X[:3])


def test_classification_change_with_active_learner():
    rng = np.random.RandomState(0)
    X = rng.randn(200, 3)
    y = (X[:, 0] + 0.3 * rng.randn(200) > 0).astype(int)
    learner = ActiveLearner(LogisticRegression()).fit(X[:10], y[:10])
    crit = ClassificationChange()
    assert crit.should_stop(learner, X[10:]) is False and np.isnan(crit.history_[0])
    learner.teach(X[10:30], y[10:30])
    pool = X[30:]
    crit.should_stop(learner, pool)
    expected = np.mean(learner.previous_estimator_.predict(pool) != learner.predict(pool))
    assert crit.history_[-1] == pytest.approx(expected)
    loose = ClassificationChange(threshold=1.0)
    loose.should_stop(learner, pool)
    assert loose.stopped_  # any change is allowed


def test_classification_change_with_bare_classifier():
    X = np.zeros((4, 1))
    crit = ClassificationChange(threshold=0.25)
    preds = [[0, 1, 1, 0], [1, 0, 1, 0], [0, 1, 0, 1], [0, 1, 1, 1]]
    assert [crit.should_stop(_Fixed(pred=p), X) for p in preds] == [False, False, False, True]
    np.testing.assert_allclose(crit.history_, [np.nan, 0.5, 1.0, 0.25])
    with pytest.raises(ValueError, match="same X"):
        crit.should_stop(_Fixed(pred=[0, 1]), X[:2])


def test_uncertainty_criteria_by_hand():
    P = np.array([[0.9, 0.1, 0.0], [0.5, 0.25, 0.25], [1.0, 0.0, 0.0]])
    with np.errstate(divide="ignore", invalid="ignore"):
        H = -np.nansum(P * np.log(P), axis=1) / np.log(3)
    np.testing.assert_allclose(normalized_entropy(P), H)
    X = np.zeros((3, 2))
    mc, ou = MaxConfidence(threshold=0.9), OverallUncertainty(threshold=0.5)
    assert mc.should_stop(_Fixed(proba=P), X) == (H.max() < 0.9)
    assert ou.should_stop(_Fixed(proba=P), X) == (H.mean() < 0.5)
    assert mc.history_ == [pytest.approx(H.max())]
    assert ou.history_ == [pytest.approx(H.mean())]
    confident = np.array([[0.9999, 0.0001, 0.0]] * 3)
    assert MaxConfidence(threshold=0.01).should_stop(_Fixed(proba=confident), X)
    with pytest.raises(LearnerCapabilityError, match="predict_proba"):
        MaxConfidence().should_stop(SVC().fit([[0.0], [1.0]], [0, 1]), [[0.5]])


# ------------------------------------------------------------ sklearn behaviour
@pytest.mark.parametrize("cls", CRITERIA, ids=lambda c: c.__name__)
def test_sklearn_style(cls):
    crit = cls()
    params = crit.get_params()
    X = np.zeros((3, 2))
    crit.should_stop(_Fixed(pred=[0, 1, 1], proba=[[0.5, 0.5]] * 3), X)
    fresh = clone(crit)
    assert fresh.get_params() == params and not hasattr(fresh, "history_")
    assert len(crit.history_) == 1 and crit.n_rounds_ == 1
    with pytest.raises(ValueError, match="X"):
        cls().should_stop(_Fixed(pred=[0]), None)
    reg = Ridge().fit([[0.0], [1.0]], [0.0, 1.0])
    with pytest.raises(ValueError, match="regressor"):
        cls().should_stop(reg, [[0.5]])
    with pytest.raises(ValueError):
        cls(threshold=2.0).should_stop(_Fixed(pred=[0]), [[0.0]])


def test_names():
    assert available_criteria() == sorted(
        ["stabilizing-predictions", "max-confidence", "overall-uncertainty",
         "classification-change"]
    )
    assert isinstance(get_criterion("StabilizingPredictions"), StabilizingPredictions)
    assert isinstance(get_criterion("overall_uncertainty"), OverallUncertainty)
    with pytest.raises(ValueError, match="available"):
        get_criterion("patience")


def test_dataframe_pools_reach_the_previous_model():
    pd = pytest.importorskip("pandas")
    from sklearn.compose import make_column_transformer

    rng = np.random.RandomState(0)
    df = pd.DataFrame(rng.randn(60, 2), columns=["a", "b"])
    y = (df["a"] > 0).astype(int).to_numpy()
    pipe = make_pipeline(make_column_transformer((StandardScaler(), ["a", "b"])),
                         LogisticRegression())
    learner = ActiveLearner(pipe).fit(df.iloc[:20], y[:20])
    learner.teach(df.iloc[20:30].to_numpy(), y[20:30])
    crit = ClassificationChange()
    crit.should_stop(learner, df.iloc[30:].to_numpy())
    assert 0 <= crit.history_[-1] <= 1


# ------------------------------------------------------------------ simulate
from skactive.datasets import load_letter  # noqa: E402
from skactive.experiments import simulate  # noqa: E402
from skactive.stopping import BaseStoppingCriterion  # noqa: E402
from skactive.strategies import Margin  # noqa: E402


class _AtRound(BaseStoppingCriterion):
    """Says stop from call ``at`` on; records the size of every X it gets."""

    def __init__(self, at=2, input="pool"):
        self.at = at
        self.input = input

    def _statistic(self, learner, X):
        self.sizes_ = getattr(self, "sizes_", []) + [X.shape[0]]
        return float(X.shape[0])

    def _decide(self, value):
        return self.n_rounds_ >= self.at


@pytest.fixture(scope="module")
def letter():
    X, y = load_letter(return_X_y=True)
    return X[:900], y[:900], X[-400:], y[-400:]


def _learner():
    return ActiveLearner(make_pipeline(StandardScaler(), LogisticRegression(max_iter=300)),
                         Margin())


def test_simulate_stops_early(letter):
    kw = dict(n_initial=50, budget=20, n_rounds=5, random_state=0)
    full = simulate(_learner(), *letter, **kw)
    crit = _AtRound(at=2)
    res = simulate(_learner(), *letter, stopping=crit, **kw)
    assert res.n_labels.tolist() == [50, 70, 90]
    np.testing.assert_array_equal(res.accuracy, full.accuracy[:3])
    np.testing.assert_array_equal(res.labeled_indices, full.labeled_indices[:90])
    assert res.meta["stopped_at"] == 2 and res.meta["stop_rounds"] == {"_AtRound": 2}
    assert res.meta["stopping_history"]["_AtRound"] == [850.0, 830.0, 810.0]
    assert not hasattr(crit, "history_")  # the argument is cloned, not used


def test_simulate_records_without_stopping(letter):
    kw = dict(n_initial=50, budget=20, n_rounds=4, random_state=0)
    crits = {"late": _AtRound(at=3), "never": _AtRound(at=99), "fixed": _AtRound(99, "stop_set")}
    res = simulate(_learner(), *letter, stopping=crits, stop_early=False, **kw)
    assert res.n_labels.tolist() == [50, 70, 90, 110, 130]
    assert res.meta["stop_rounds"] == {"late": 3, "never": None, "fixed": None}
    assert res.meta["stopped_at"] is None
    hist = res.meta["stopping_history"]
    assert hist["never"] == [850.0, 830.0, 810.0, 790.0, 770.0]  # the unlabelled rest
    assert hist["fixed"] == [900.0] * 5  # the whole pool: a fixed stop set


def test_simulate_with_real_criteria(letter):
    kw = dict(n_initial=50, budget=40, n_rounds=6, random_state=0)
    res = simulate(_learner(), *letter, stop_early=False, stopping=[
        StabilizingPredictions(threshold=0.8), "classification-change",
        OverallUncertainty(threshold=0.5), MaxConfidence()], **kw)
    hist = res.meta["stopping_history"]
    kappas = hist["StabilizingPredictions"]
    assert np.isnan(kappas[0]) and all(0 < k <= 1 for k in kappas[1:])
    means = [np.mean(kappas[r - 2:r + 1]) if r >= 3 else -1 for r in range(7)]
    first = next((r for r, m in enumerate(means) if m >= 0.8), None)
    assert res.meta["stop_rounds"]["StabilizingPredictions"] == first
    changed = hist["classification-change"]
    assert np.isnan(changed[0]) and all(0 <= c <= 1 for c in changed[1:])
    ou = hist["OverallUncertainty"]
    assert ou[-1] < ou[0]  # the model grows more confident as labels come in
    res2 = simulate(_learner(), *letter, stopping=StabilizingPredictions(threshold=0.8), **kw)
    assert first is not None and len(res2.n_labels) == first + 1
    with pytest.raises(ValueError, match="stopping"):
        simulate(_learner(), *letter, stopping=3, **kw)


def test_run_experiments_and_cli_accept_stopping(letter, tmp_path, capsys):
    from skactive.__main__ import main
    from skactive.experiments import ExperimentResults, run_experiments

    data = {"letter": letter}
    kw = dict(seeds=2, n_rounds=4, budget=20, n_initial=50, progress=False)
    res = run_experiments(data, "random,margin", "logreg", stopping=_AtRound(at=2), **kw)
    for run in res.runs:
        assert run.meta["stop_rounds"] == {"_AtRound": 2} and len(run.n_labels) == 5
    early = run_experiments(data, "random,margin", "logreg", stopping=_AtRound(at=2),
                            stop_early=True, results_dir=tmp_path / "s", **kw)
    assert all(len(r.n_labels) == 3 for r in early.runs)
    curves = early.curves("letter")  # stopped curves carry their last value forward
    assert curves["margin"].shape == (2, 3)
    loaded = ExperimentResults.load(tmp_path / "s")
    assert loaded.runs[0].meta["stopped_at"] == 2
    assert early.n_labels("letter").tolist() == [50, 70, 90]
    mixed = ExperimentResults([early.runs[0], res.runs[1]])  # 3 and 5 rounds, one strategy
    stacked = mixed.curves("letter")["random"]
    assert stacked.shape == (2, 5)
    np.testing.assert_array_equal(stacked[0, 2:], early.runs[0].accuracy[-1])

    code = main(["run", "--dataset", "optdigits", "--max-pool", "400", "--strategies", "margin",
                 "--estimator", "logreg",
                 "--seeds", "1", "--rounds", "3", "--budget", "10", "--n-initial", "20",
                 "--stopping", "stabilizing-predictions,classification-change",
                 "--no-plot", "--quiet", "--n-jobs", "1"])
    out = capsys.readouterr().out
    assert code == 0 and "Stopping criteria" in out and "stabilizing-predictions" in out


# ------------------------------------------------- defaults and hand formulas
def test_defaults_follow_the_papers():
    # Bloodgood & Vijay-Shanker 2009: three comparisons, kappa 0.99
    assert StabilizingPredictions().get_params() == {"window": 3, "threshold": 0.99}
    # Zhu et al. 2008: no unlabelled sample changes its class
    assert ClassificationChange().threshold == 0.0
    # Zhu & Hovy 2007 / Zhu et al. 2008: "close to zero, such as 0.001" (here on
    # the normalised entropy, see the docstring)
    assert MaxConfidence().threshold == 0.001
    # task-dependent in the paper; small-text's default
    assert OverallUncertainty().threshold == 0.05
    for cls in (MaxConfidence, OverallUncertainty):
        assert "Against the papers" in cls.__doc__


def test_uncertainty_criteria_on_literal_numbers():
    X = np.zeros((2, 1))
    P2 = np.array([[0.5, 0.5], [0.9, 0.1]])  # H / log 2: 1 and 0.4689955935892812
    mc, ou = MaxConfidence(), OverallUncertainty()
    assert mc.should_stop(_Fixed(proba=P2), X) is False
    assert ou.should_stop(_Fixed(proba=P2), X) is False
    assert mc.history_[-1] == pytest.approx(1.0)
    assert ou.history_[-1] == pytest.approx((1.0 + 0.4689955935892812) / 2)
    P3 = np.array([[1 / 3, 1 / 3, 1 / 3], [1.0, 0.0, 0.0]])  # normalised: 1 and 0
    ou3 = OverallUncertainty(threshold=0.6)
    assert ou3.should_stop(_Fixed(proba=P3), X) is True
    assert ou3.history_ == [pytest.approx(0.5)]
    edge = OverallUncertainty(threshold=0.5)  # exactly 1 and 0: mean 0.5
    assert edge.should_stop(_Fixed(proba=[[0.5, 0.5], [1.0, 0.0]]), X) is False
    assert edge.history_ == [0.5]  # stop only below the threshold
    sure = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert MaxConfidence().should_stop(_Fixed(proba=sure), X) is True  # 0 < 0.001


def test_agreement_criteria_boundaries():
    X = np.zeros((4, 1))
    crit = ClassificationChange(threshold=0.25)  # stop at "at most" the threshold
    crit.should_stop(_Fixed(pred=[0, 1, 1, 0]), X)
    assert crit.should_stop(_Fixed(pred=[0, 1, 1, 1]), X) is True  # 1/4 changed
    exact = StabilizingPredictions(window=1, threshold=0.5)  # stop at "at least"
    exact.should_stop(_Fixed(pred=[0, 1, 1, 0]), X)
    assert exact.should_stop(_Fixed(pred=[0, 1, 1, 1]), X) is True  # kappa 0.5
    assert exact.history_[-1] == pytest.approx(0.5)


# ------------------------------------------------------------------ multi-label
from sklearn.datasets import make_multilabel_classification  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.multiclass import OneVsRestClassifier  # noqa: E402

from skactive.stopping import binary_entropies  # noqa: E402


def _h2(P):
    with np.errstate(divide="ignore", invalid="ignore"):
        H = -(P * np.log(P) + (1 - P) * np.log(1 - P)) / np.log(2)
    return np.nan_to_num(H)  # 0 log 0 = 0


@pytest.fixture(scope="module")
def multilabel():
    X, Y = make_multilabel_classification(n_samples=220, n_classes=4, random_state=0)
    return X, Y


def test_binary_entropies_by_hand():
    P = np.array([[0.9, 0.5], [0.0, 0.25]])
    np.testing.assert_allclose(binary_entropies(P), _h2(P))
    assert binary_entropies(P)[0, 0] == pytest.approx(0.4689955935892812)


def test_multilabel_kappa_is_pooled_over_label_decisions():
    a = np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 0, 0]])
    b = np.array([[1, 0, 0], [0, 1, 1], [1, 1, 0], [0, 0, 0]])
    assert kappa_agreement(a, b) == pytest.approx(_kappa(a.ravel(), b.ravel()))
    assert kappa_agreement([[1, 0], [0, 1]], [[1, 0], [1, 1]]) == pytest.approx(0.5)
    assert kappa_agreement(a, a) == 1.0
    with pytest.raises(ValueError, match="2-D"):
        kappa_agreement(np.zeros((2, 2, 2)), np.ones((2, 2, 2)))


def test_multilabel_stabilizing_predictions(multilabel):
    X, Y = multilabel
    stop_set = X[120:]
    crit = StabilizingPredictions(window=1, threshold=0.9)
    preds = []
    for n in (20, 60):
        model = OneVsRestClassifier(LogisticRegression(max_iter=500)).fit(X[:n], Y[:n])
        preds.append(model.predict(stop_set))
        crit.should_stop(model, stop_set)
    assert crit.predictions_.shape == (100, 4)
    assert crit.history_[-1] == pytest.approx(_kappa(preds[0].ravel(), preds[1].ravel()))


def test_multilabel_classification_change_counts_samples():
    X = np.zeros((4, 1))
    first = [[1, 0], [0, 1], [1, 1], [0, 0]]
    second = [[1, 1], [0, 1], [1, 1], [0, 0]]  # one sample (one entry of 8) changed
    crit = ClassificationChange(threshold=0.2)
    crit.should_stop(_Fixed(pred=first), X)
    assert crit.should_stop(_Fixed(pred=second), X) is False  # 1/4 > 0.2, not 1/8
    assert crit.history_[-1] == pytest.approx(0.25)


def test_multilabel_classification_change_with_active_learner(multilabel):
    X, Y = multilabel
    learner = ActiveLearner(OneVsRestClassifier(LogisticRegression(max_iter=500)))
    learner.fit(X[:30], Y[:30]).teach(X[30:60], Y[30:60])
    pool = X[60:]
    crit = ClassificationChange()
    crit.should_stop(learner, pool)
    before = learner.previous_estimator_.predict(pool)
    expected = np.mean((before != learner.predict(pool)).any(axis=1))
    assert 0 < expected < 1 and crit.history_[-1] == pytest.approx(expected)


@pytest.mark.parametrize("kind", ["learner", "ovr", "forest"])
def test_multilabel_uncertainty_criteria(multilabel, kind):
    X, Y = multilabel
    if kind == "forest":  # predict_proba: a list of (n, 2) arrays, one per label
        model = RandomForestClassifier(n_estimators=10, max_depth=3, random_state=0)
        model.fit(X[:60], Y[:60])
        P = np.column_stack([p[:, 1] for p in model.predict_proba(X[60:])])
    else:
        model = OneVsRestClassifier(LogisticRegression(max_iter=500))
        if kind == "learner":
            model = ActiveLearner(model)
        model.fit(X[:60], Y[:60])
        P = model.predict_proba(X[60:])
    H = _h2(P)
    mc, ou = MaxConfidence(), OverallUncertainty(threshold=0.9)
    mc.should_stop(model, X[60:])
    ou.should_stop(model, X[60:])
    assert mc.history_[-1] == pytest.approx(H.max())
    assert ou.history_[-1] == pytest.approx(H.mean())
    assert ou.stopped_ == (H.mean() < 0.9)


def test_simulate_multilabel_with_every_criterion(multilabel):
    from skactive.strategies import MaxLoss

    X, Y = multilabel
    learner = ActiveLearner(OneVsRestClassifier(LogisticRegression(max_iter=500)), MaxLoss())
    res = simulate(learner, X[:160], Y[:160], X[160:], Y[160:], n_initial=20, budget=10,
                   n_rounds=3, random_state=0, stop_early=False,
                   stopping=available_criteria())
    hist = res.meta["stopping_history"]
    assert set(hist) == set(available_criteria())
    assert all(len(v) == 4 for v in hist.values())
    for name in ("max-confidence", "overall-uncertainty"):
        assert all(0 <= v <= 1 for v in hist[name])
    for name in ("stabilizing-predictions", "classification-change"):
        assert np.isnan(hist[name][0]) and all(0 <= v <= 1 for v in hist[name][1:])
