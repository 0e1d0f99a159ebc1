"""Regression active learning: ActiveLearner around regressors, the task tag,
the greedy-sampling strategies (GSx, GSy, iGS) and regression simulations."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone, is_regressor
from sklearn.datasets import load_diabetes
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge, SGDRegressor
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skactive import ActiveLearner
from skactive.datasets import load_letter
from skactive.exceptions import LearnerCapabilityError
from skactive.experiments import SimulationResult, aubc, simulate
from skactive.strategies import (
    GreedySamplingX,
    GreedySamplingY,
    ImprovedGreedySampling,
    KCenterGreedy,
    Margin,
    RandomSampling,
    greedy_sampling,
)
from skactive.utils.estimator_checks import check_query_strategy, default_learner_and_pool


def _linear_data(n=120, d=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    y = X @ np.arange(1.0, d + 1) + 0.1 * rng.randn(n)
    return X, y


# ------------------------------------------------------------ ActiveLearner
@parametrize_with_checks(
    [ActiveLearner(Ridge()), ActiveLearner(make_pipeline(StandardScaler(), Ridge()))]
)
def test_sklearn_regressor_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "estimator",
    [
        Ridge(),
        make_pipeline(StandardScaler(), Ridge()),
        GridSearchCV(Ridge(), {"alpha": [0.1, 10.0]}, cv=3),
    ],
    ids=["ridge", "pipeline", "grid-search"],
)
def test_learner_wraps_regressors(estimator):
    X, y = _linear_data()
    learner = ActiveLearner(estimator, RandomSampling(), random_state=0)
    assert is_regressor(learner)
    learner.fit(X[:10], y[:10])
    assert not hasattr(learner, "classes_")
    assert not hasattr(learner, "predict_proba")
    assert not hasattr(learner, "decision_function")
    idx = learner.query(X[10:], budget=5)
    learner.teach(X[10:][idx], y[10:][idx])
    assert learner.X_labeled_.shape == (15, 3)
    assert learner.y_labeled_.dtype.kind == "f"
    assert learner.previous_estimator_ is not None
    pred = learner.predict(X)
    assert pred.shape == (120,)
    r2 = 1 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2)
    assert learner.score(X, y) == pytest.approx(r2)
    assert r2 > 0.95


def test_learner_regressor_inside_meta_estimators():
    X, y = _linear_data()
    assert cross_val_score(ActiveLearner(Ridge()), X, y, cv=3).min() > 0.95
    search = GridSearchCV(ActiveLearner(Ridge()), {"estimator__alpha": [0.01, 1000.0]}, cv=3)
    assert search.fit(X, y).best_params_ == {"estimator__alpha": 0.01}
    pipe = make_pipeline(StandardScaler(), ActiveLearner(Ridge())).fit(X, y)
    assert pipe.score(X, y) > 0.95


def test_learner_regressor_warm_start_uses_partial_fit():
    X, y = _linear_data()
    learner = ActiveLearner(SGDRegressor(random_state=0), warm_start=True).fit(X[:20], y[:20])
    first = learner.estimator_.coef_.copy()
    learner.teach(X[20:40], y[20:40])
    # partial_fit continued from the previous coefficients (one more epoch)
    assert learner.estimator_ is not learner.previous_estimator_
    np.testing.assert_array_equal(learner.previous_estimator_.coef_, first)
    assert not np.array_equal(learner.estimator_.coef_, first)


def test_learner_regressor_bad_input():
    X, y = _linear_data()
    with pytest.raises(ValueError, match="classes is only used with classifiers"):
        ActiveLearner(Ridge(), classes=[0, 1]).fit(X, y)
    y_nan = y.copy()
    y_nan[3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ActiveLearner(Ridge()).fit(X, y_nan)
    learner = ActiveLearner(Ridge()).fit(X[:10], y[:10])
    with pytest.raises(ValueError, match="NaN"):
        learner.teach(X[10:12], [1.0, np.nan])
    with pytest.raises(NotFittedError):
        ActiveLearner(Ridge()).predict(X)


def test_learner_regressor_one_distinct_target_is_fine():
    # regressors have no "two classes" requirement
    X, y = _linear_data()
    learner = ActiveLearner(Ridge()).fit(X[:5], np.ones(5))
    np.testing.assert_allclose(learner.predict(X[:3]), 1.0)


def test_classifier_learner_unchanged():
    X, y = _linear_data()
    y_cls = (y > 0).astype(int)
    learner = ActiveLearner(LogisticRegression()).fit(X, y_cls)
    assert not is_regressor(learner)
    np.testing.assert_array_equal(learner.classes_, [0, 1])
    with pytest.raises(ValueError, match="Unknown label type"):
        ActiveLearner(LogisticRegression()).fit(X, y)


# ----------------------------------------------------------------- task tag
def test_task_tag_refuses_the_wrong_learner_kind():
    X, y = _linear_data()
    reg = ActiveLearner(make_pipeline(StandardScaler(), Ridge())).fit(X[:20], y[:20])
    with pytest.raises(LearnerCapabilityError, match="classification strategy.*regressor"):
        Margin().query(X[20:], reg, budget=2)
    with pytest.raises(LearnerCapabilityError, match="regressor"):
        Margin().query(X[20:], reg.estimator_, budget=2)  # bare regressors too
    # strategies for both kinds
    for strategy in (RandomSampling(random_state=0), KCenterGreedy()):
        idx = strategy.query(X[20:], reg, budget=4)
        assert np.unique(idx).size == 4


def test_task_tag_invalid_value():
    from skactive.base import BaseQueryStrategy, QueryStrategyTags

    class Bad(BaseQueryStrategy):
        def __query_tags__(self):
            return QueryStrategyTags(task="ranking")

        def _query(self, X_pool, learner, budget, random_state):
            return np.arange(budget), None

    X, y = _linear_data()
    learner = ActiveLearner(Ridge()).fit(X, y)
    with pytest.raises(ValueError, match="task='ranking'"):
        Bad().query(X, learner, 1)
    assert clone(Bad()).get_params() == {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RandomSampling(random_state=0).query(X, learner, 2)


# ------------------------------------------------- greedy sampling (GSx/GSy/iGS)


def _naive_greedy(k, Z, Z_lab, y_pred, y_lab, mode):
    """Farthest-first written out literally: for each candidate, the smallest
    distance to every labelled-or-picked sample, then the argmax."""
    ref_Z, ref_y, picked = list(Z_lab), list(y_lab), []
    for _ in range(k):
        best, best_d = None, -1.0
        for n in range(Z.shape[0]):
            if n in picked:
                continue
            ds = []
            for z_m, y_m in zip(ref_Z, ref_y):
                dx = np.sqrt(np.sum((Z[n] - z_m) ** 2))
                dy = abs(y_pred[n] - y_m)
                ds.append({"x": dx, "y": dy, "xy": dx * dy}[mode])
            if min(ds) > best_d:
                best, best_d = n, min(ds)
        picked.append(best)
        ref_Z.append(Z[best])
        ref_y.append(y_pred[best])  # a pick's target inside a batch: its prediction
    return np.array(picked)


def test_greedy_sampling_hand_computed():
    # labelled x = 0 (y = 0); pool x = 1, 2, 4 with predictions 3, 0.5, 1
    Z_lab, y_lab = np.array([[0.0]]), np.array([0.0])
    Z, y_pred = np.array([[1.0], [2.0], [4.0]]), np.array([3.0, 0.5, 1.0])
    # GSx: distances 1, 2, 4 -> x=4; then min(1, 3)=1, min(2, 2)=2 -> x=2
    sel, d, _ = greedy_sampling(2, Z=Z, Z_labeled=Z_lab)
    np.testing.assert_array_equal(sel, [2, 1])
    np.testing.assert_allclose(d, [4.0, 2.0])
    # GSy: |3-0|=3, 0.5, 1 -> pool 0; then min(0.5, 2.5)=0.5, min(1, 2)=1 -> pool 2
    sel, d, _ = greedy_sampling(2, y_pred=y_pred, y_labeled=y_lab)
    np.testing.assert_array_equal(sel, [0, 2])
    np.testing.assert_allclose(d, [3.0, 1.0])
    # iGS: 1*3=3, 2*0.5=1, 4*1=4 -> pool 2; then min(3, 3*2)=3, min(1, 2*0.5)=1 -> pool 0
    sel, d, _ = greedy_sampling(2, Z=Z, Z_labeled=Z_lab, y_pred=y_pred, y_labeled=y_lab)
    np.testing.assert_array_equal(sel, [2, 0])
    np.testing.assert_allclose(d, [4.0, 3.0])


@pytest.mark.parametrize("mode", ["x", "y", "xy"])
def test_greedy_sampling_matches_naive_farthest_first(mode):
    rng = np.random.RandomState(1)
    Z, Z_lab = rng.randn(40, 3), rng.randn(6, 3)
    y_pred, y_lab = rng.randn(40), rng.randn(6)
    kwargs = {}
    if "x" in mode:
        kwargs.update(Z=Z, Z_labeled=Z_lab)
    if "y" in mode:
        kwargs.update(y_pred=y_pred, y_labeled=y_lab)
    sel, pick_d, min_d = greedy_sampling(12, **kwargs)
    np.testing.assert_array_equal(sel, _naive_greedy(12, Z, Z_lab, y_pred, y_lab, mode))
    assert np.all(np.diff(pick_d) <= 1e-12)  # farthest-first: non-increasing
    np.testing.assert_array_equal(min_d[sel], 0.0)


def test_strategies_on_a_learner_match_naive():
    X, y = _linear_data(n=80, seed=2)
    y = y + np.sin(3 * X[:, 0])  # not exactly linear: predictions differ from y
    pipe = make_pipeline(StandardScaler(), Ridge())
    learner = ActiveLearner(pipe).fit(X[:8], y[:8])
    X_pool = X[8:]
    Z = learner.estimator_[:-1].transform(X_pool)  # the pipeline's features
    Z_lab = learner.estimator_[:-1].transform(X[:8])
    y_pred = learner.predict(X_pool)
    for strategy, mode in [
        (GreedySamplingX(), "x"),
        (GreedySamplingY(), "y"),
        (ImprovedGreedySampling(), "xy"),
    ]:
        idx = strategy.query(X_pool, learner, budget=6)
        np.testing.assert_array_equal(idx, _naive_greedy(6, Z, Z_lab, y_pred, y[:8], mode))
    # space="input": raw X, as in the paper
    idx = GreedySamplingX(space="input").query(X_pool, learner, budget=6)
    np.testing.assert_array_equal(idx, _naive_greedy(6, X_pool, X[:8], y_pred, y[:8], "x"))


def test_greedy_sampling_duplicates_and_full_budget():
    X = np.array([[0.0], [0.0], [1.0], [1.0]])
    learner = ActiveLearner(Ridge()).fit(np.array([[0.0], [5.0]]), np.array([0.0, 5.0]))
    for strategy in (GreedySamplingX(), GreedySamplingY(), ImprovedGreedySampling()):
        idx = strategy.query(X, learner, budget=4)
        assert sorted(idx.tolist()) == [0, 1, 2, 3]
        assert idx[0] in (2, 3)


def test_gsx_without_labels_starts_at_the_centroid():
    Z = np.array([[0.0], [4.0], [5.0], [11.0]])  # centroid 5 -> index 2, then 11, 0
    sel, scores = GreedySamplingX._query_from_centroid(
        {"Z": Z, "Z_labeled": Z[:0], "metric": "euclidean"}, 3
    )
    np.testing.assert_array_equal(sel, [2, 3, 0])
    sel, _ = GreedySamplingX._query_from_centroid(
        {"Z": np.zeros((3, 1)), "Z_labeled": np.zeros((0, 1)), "metric": "euclidean"}, 3
    )
    np.testing.assert_array_equal(np.sort(sel), [0, 1, 2])


def test_gsx_works_with_classifiers_gsy_does_not():
    X, y = _linear_data()
    clf = ActiveLearner(LogisticRegression()).fit(X[:20], (y[:20] > 0).astype(int))
    assert GreedySamplingX().query(X[20:], clf, 3).shape == (3,)
    with pytest.raises(LearnerCapabilityError, match="regression strategy"):
        GreedySamplingY().query(X[20:], clf, 3)
    with pytest.raises(LearnerCapabilityError, match="regression strategy"):
        ImprovedGreedySampling().query(X[20:], clf, 3)


def test_default_regression_learner_and_pool():
    learner, X_pool, y_pool = default_learner_and_pool(GreedySamplingY())
    assert is_regressor(learner) and X_pool.shape == (300, 10)
    assert learner.previous_estimator_ is not None
    with pytest.raises(ValueError, match="n_pool"):
        default_learner_and_pool(GreedySamplingY(), n_pool=400)


@pytest.mark.parametrize(
    "strategy", [GreedySamplingX(), GreedySamplingX(space="input", metric="manhattan")],
    ids=["gsx", "gsx-input-manhattan"],
)
def test_gsx_contract_on_a_regression_learner(strategy):
    learner, X_pool, _ = default_learner_and_pool(GreedySamplingY())
    check_query_strategy(strategy, learner, X_pool)


def test_igs_contract_with_other_metric():
    learner, X_pool, _ = default_learner_and_pool(GreedySamplingY())
    check_query_strategy(ImprovedGreedySampling(metric="manhattan"), learner, X_pool)


# -------------------------------------------------------- regression simulations


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X[:342], y[:342], X[342:], y[342:]


def test_simulate_records_regression_curves(diabetes, tmp_path):
    X, y, X_test, y_test = diabetes
    res = simulate(ActiveLearner(Ridge(alpha=0.01), ImprovedGreedySampling()), X, y,
                   X_test, y_test, n_initial=10, budget=10, n_rounds=3, random_state=0)
    assert res.is_regression and "final_r2" in repr(res)
    assert np.isnan(res.accuracy).all() and np.isnan(res.f1_macro).all()
    # round r's curves equal a model fitted on the first n_labels[r] picks
    for r, n in enumerate(res.n_labels):
        model = Ridge(alpha=0.01).fit(X[res.labeled_indices[:n]], y[res.labeled_indices[:n]])
        err = y_test - model.predict(X_test)
        assert res.rmse[r] == pytest.approx(np.sqrt(np.mean(err**2)))
        assert res.mae[r] == pytest.approx(np.mean(np.abs(err)))
        assert res.r2[r] == pytest.approx(model.score(X_test, y_test))
    assert res.aubc("rmse") == pytest.approx(aubc(res.n_labels, res.rmse))
    assert res.curve("r2") is res.r2
    path = tmp_path / "run.npz"
    res.save(path)
    back = SimulationResult.load(path)
    np.testing.assert_array_equal(back.rmse, res.rmse)
    np.testing.assert_array_equal(back.r2, res.r2)
    assert back.is_regression


def test_simulate_classification_has_nan_regression_curves():
    X, y = load_letter(return_X_y=True)
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    res = simulate(ActiveLearner(clf), X[:600], y[:600],
                   X[-300:], y[-300:], n_initial=100, budget=20, n_rounds=1, random_state=0)
    assert not res.is_regression
    assert np.isnan(res.rmse).all() and np.isnan(res.r2).all()
    assert not np.isnan(res.accuracy).any()


def test_old_result_files_load_without_regression_curves(tmp_path):
    old = {"n_labels": [10, 20], "accuracy": [0.5, 0.6], "f1_macro": [0.4, 0.5],
           "balanced_accuracy": [0.5, 0.6], "query_time": [0, 0.1], "fit_time": [0.1, 0.1]}
    np.savez(tmp_path / "old.npz", labeled_indices=np.arange(20), labeled_y=np.zeros(20),
             meta=np.array("{}"), **{k: np.asarray(v) for k, v in old.items()})
    res = SimulationResult.load(tmp_path / "old.npz")
    assert np.isnan(res.rmse).all() and res.accuracy[-1] == 0.6


def test_simulate_regression_refuses_balanced_start(diabetes):
    X, y, X_test, y_test = diabetes
    with pytest.raises(ValueError, match="initial='balanced'"):
        simulate(ActiveLearner(Ridge()), X, y, X_test, y_test, n_initial=10, budget=5,
                 n_rounds=1, initial="balanced")


def test_greedy_sampling_beats_random_on_average(diabetes):
    # the paper's finding on small budgets: iGS / GSy below random in RMSE
    X, y, X_test, y_test = diabetes
    area = {}
    for name, strategy in [("random", RandomSampling()), ("igs", ImprovedGreedySampling()),
                           ("gsy", GreedySamplingY())]:
        area[name] = np.mean([
            simulate(ActiveLearner(Ridge(alpha=0.01), strategy), X, y, X_test, y_test,
                     n_initial=5, budget=5, n_rounds=6, random_state=seed).aubc("rmse")
            for seed in range(5)
        ])
    assert area["igs"] < area["random"] and area["gsy"] < area["random"]


# ------------------------------------------------- real regression data and CLI
@pytest.mark.parametrize(
    "name, shape, has_nan",
    [("servo", (167, 12), False), ("ozone", (361, 12), True), ("boston", (506, 13), False)],
)
def test_regression_datasets(name, shape, has_nan):
    from skactive.datasets import load_dataset

    from ._helpers import shared_data_path

    shared_data_path({"boston": "boston_housing.npz"}.get(name, f"{name}.npz"))
    d = load_dataset(name)
    assert d.task == "regression" and d.data.shape == shape
    assert d.y_train.dtype == np.float64
    assert d.X_train.shape[0] + d.X_test.shape[0] == shape[0]
    assert bool(np.isnan(d.data).any()) == has_nan


def test_cli_runs_a_regression_study(tmp_path, capsys):
    from skactive.__main__ import main

    from ._helpers import shared_data_path

    shared_data_path("ozone.npz")  # NaN features: the ridge estimator imputes them
    argv = ["run", "--dataset", "ozone", "--strategies", "random,gsx,igs", "--estimator",
            "ridge", "--seeds", "2", "--rounds", "2", "--budget", "5", "--n-initial", "5",
            "--n-jobs", "1", "--quiet", "--no-plot", "--out", str(tmp_path / "study")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "ozone: mean r2 over seeds per round" in out
    assert main(["plot", str(tmp_path / "study"), "--metric", "rmse", "--no-plot"]) == 0
    assert "mean rmse" in capsys.readouterr().out
    assert main(["list"]) == 0
    listing = capsys.readouterr().out
    assert "gsx" in listing and "ridge" in listing and "servo" in listing


def test_gsx_chooses_the_initial_set_of_an_unfitted_learner():
    X = np.array([[0.0], [4.0], [5.0], [11.0]])
    learner = ActiveLearner(make_pipeline(StandardScaler(), Ridge()), GreedySamplingX())
    np.testing.assert_array_equal(learner.query(X, 3), [2, 3, 0])  # centroid, then far
    assert not hasattr(learner, "estimator_")
    with pytest.raises(NotFittedError):
        ActiveLearner(Ridge(), ImprovedGreedySampling()).query(X, 2)


def test_committee_variance_in_a_regression_simulation(diabetes):
    from sklearn.ensemble import RandomForestRegressor

    from skactive.strategies import QueryByCommittee

    X, y, X_test, y_test = diabetes
    learner = ActiveLearner(RandomForestRegressor(n_estimators=10),
                            QueryByCommittee(method="variance"))
    res = simulate(learner, X, y, X_test, y_test, n_initial=10, budget=10, n_rounds=2,
                   random_state=0)
    assert res.is_regression and res.n_labels.tolist() == [10, 20, 30]
    assert np.unique(res.labeled_indices).size == 30
