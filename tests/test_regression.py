"""Regression active learning: ActiveLearner around regressors, the task tag,
the greedy-sampling strategies (GSx, GSy, iGS) and regression simulations."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone, is_regressor
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge, SGDRegressor
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skactive import ActiveLearner
from skactive.exceptions import LearnerCapabilityError
from skactive.strategies import KCenterGreedy, Margin, RandomSampling


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
