"""ActiveLearner: sklearn estimator checks, meta-estimator use, the AL loop."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from skactive import ActiveLearner
from skactive.datasets import load_letter
from skactive.strategies import BADGE, AlampDiv, KCenterGreedy, Margin, RandomSampling


@parametrize_with_checks(
    [
        ActiveLearner(),
        ActiveLearner(SVC(), query_strategy=AlampDiv()),
        ActiveLearner(make_pipeline(StandardScaler(), SVC(class_weight="balanced"))),
    ]
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def letter():
    X, y = load_letter(return_X_y=True)
    return X[:4000], y[:4000], X[-1000:], y[-1000:]


def _loop(learner, X, y, n_initial=100, budget=50, n_rounds=10):
    learner.fit(X[:n_initial], y[:n_initial])
    pool = np.arange(n_initial, X.shape[0])
    for _ in range(n_rounds):
        idx = learner.query(X[pool], budget=budget)
        learner.teach(X[pool[idx]], y[pool[idx]])
        pool = np.delete(pool, idx)
    return learner, pool


def test_ten_round_loop_svc_alamp_div(letter):
    X, y, X_test, y_test = letter
    learner, pool = _loop(ActiveLearner(SVC(), query_strategy=AlampDiv()), X, y)
    assert learner.X_labeled_.shape == (600, 16)
    assert learner.n_iter_ == 10
    assert pool.size == X.shape[0] - 600
    # no sample labelled twice
    assert np.unique(learner.X_labeled_, axis=0).shape[0] >= 590
    assert learner.score(X_test, y_test) > 0.6


def test_loop_inside_pipeline_and_grid_search(letter):
    X, y, X_test, y_test = letter
    pipe = make_pipeline(StandardScaler(), SVC(class_weight="balanced"))
    learner, _ = _loop(ActiveLearner(pipe, query_strategy=AlampDiv()), X, y, n_rounds=3)
    assert learner.score(X_test, y_test) > 0.5
    # ActiveLearner as a step of a Pipeline
    outer = make_pipeline(StandardScaler(), ActiveLearner(SVC(), query_strategy=AlampDiv()))
    outer.fit(X[:300], y[:300])
    assert outer.score(X_test, y_test) > 0.5
    # GridSearchCV over the wrapped estimator's parameters
    search = GridSearchCV(
        ActiveLearner(SVC(), query_strategy=AlampDiv()), {"estimator__C": [0.1, 1, 10]}, cv=3
    )
    search.fit(X[:600], y[:600])
    assert search.best_params_["estimator__C"] in (0.1, 1, 10)
    idx = search.best_estimator_.query(X[600:1600], budget=10)
    assert np.unique(idx).size == 10


@pytest.mark.filterwarnings("ignore:The least populated class:UserWarning")
def test_grid_search_as_estimator(letter):
    """alamp paper: C chosen by cross-validation on the labelled set each round."""
    X, y, X_test, y_test = letter
    inner = GridSearchCV(SVC(), {"C": [1, 10]}, cv=2)
    learner, _ = _loop(ActiveLearner(inner, query_strategy=AlampDiv()), X, y, n_rounds=2)
    assert learner.estimator_.best_params_["C"] in (1, 10)
    assert learner.previous_estimator_ is not learner.estimator_
    assert learner.decision_function(X_test).shape == (1000, 26)


def test_previous_estimator_tracks_teach(letter):
    X, y, _, _ = letter
    learner = ActiveLearner(SVC()).fit(X[:100], y[:100])
    assert learner.previous_estimator_ is None
    first = learner.estimator_
    learner.teach(X[100:120], y[100:120])
    assert learner.previous_estimator_ is first
    assert learner.estimator_ is not first


def test_classes_widen_probabilities():
    X, y = load_letter(return_X_y=True)
    mask = np.isin(y, [0, 1, 2])
    Xs, ys = X[mask][:60], y[mask][:60]
    learner = ActiveLearner(make_pipeline(StandardScaler(), LogisticRegression()), classes=np.arange(5))
    learner.fit(Xs[ys < 2], ys[ys < 2])
    P = learner.predict_proba(Xs)
    assert P.shape == (60, 5)
    np.testing.assert_allclose(P[:, 2:], 0.0)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    D = learner.decision_function(Xs)
    assert D.shape == (60, 5) and np.all(np.isneginf(D[:, 2:]))
    learner.teach(Xs[ys == 2], ys[ys == 2])
    assert learner.predict_proba(Xs)[:, 2].max() > 0.5
    with pytest.raises(ValueError, match="not in classes"):
        learner.teach(Xs[:2], [7, 7])


def test_new_class_appears_without_classes_param():
    X, y = load_letter(return_X_y=True)
    learner = ActiveLearner(make_pipeline(StandardScaler(), LogisticRegression()))
    learner.fit(X[y < 2][:40], y[y < 2][:40])
    np.testing.assert_array_equal(learner.classes_, [0, 1])
    learner.teach(X[y == 2][:10], y[y == 2][:10])
    np.testing.assert_array_equal(learner.classes_, [0, 1, 2])
    assert learner.predict_proba(X[:5]).shape == (5, 3)


def test_string_labels():
    X, y = load_letter(return_X_y=True)
    names = np.array([chr(ord("A") + i) for i in range(26)])[y[:300]]
    learner = ActiveLearner(SVC(), query_strategy=AlampDiv()).fit(X[:200], names[:200])
    learner.teach(X[200:300], names[200:300])
    assert set(learner.predict(X[:20])) <= set(names)
    assert np.unique(learner.query(X[300:800], budget=30)).size == 30


def test_errors():
    X, y = load_letter(return_X_y=True)
    learner = ActiveLearner(SVC(), query_strategy=Margin())
    with pytest.raises(NotFittedError):
        learner.query(X[:10], budget=1)
    with pytest.raises(NotFittedError):
        learner.teach(X[:10], y[:10])
    with pytest.raises(ValueError, match="only one class"):
        learner.fit(X[y == 0][:10], y[y == 0][:10])
    learner.fit(X[:100], y[:100])
    with pytest.raises(ValueError, match="budget=51 is larger than the pool"):
        learner.query(X[100:150], budget=51)
    with pytest.raises(ValueError, match="features"):
        learner.query(X[100:150, :5], budget=1)
    with pytest.raises(ValueError, match="features"):
        learner.teach(X[100:150, :5], y[100:150])
    bad = X[100:150].copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        learner.query(bad, budget=1)


def test_random_state_makes_loops_reproducible():
    X, y = load_letter(return_X_y=True)

    def run(seed):
        learner = ActiveLearner(
            make_pipeline(StandardScaler(), LogisticRegression()), RandomSampling(), random_state=seed
        )
        learner, _ = _loop(learner, X[:1500], y[:1500], budget=20, n_rounds=3)
        return learner.y_labeled_

    np.testing.assert_array_equal(run(0), run(0))
    assert not np.array_equal(run(0), run(1))


def test_warm_start_continues_from_previous_model():
    X, y = load_letter(return_X_y=True)
    sgd = SGDClassifier(random_state=0)
    learner = ActiveLearner(sgd, warm_start=True, classes=np.arange(26)).fit(X[:500], y[:500])
    coef_before = learner.estimator_.coef_.copy()
    learner.teach(X[500:520], y[500:520])
    # partial_fit did one more epoch from the previous weights, not a fresh fit
    fresh = SGDClassifier(random_state=0).partial_fit(X[:520], y[:520], classes=np.arange(26))
    assert not np.allclose(learner.estimator_.coef_, fresh.coef_)
    assert not np.allclose(learner.estimator_.coef_, coef_before)
    assert learner.previous_estimator_.coef_ is not learner.estimator_.coef_
    np.testing.assert_allclose(learner.previous_estimator_.coef_, coef_before)


@pytest.mark.parametrize("strategy", [Margin(), KCenterGreedy(), BADGE(random_state=0)])
def test_dataframe_columns_reach_the_wrapped_estimator(strategy):
    # a ColumnTransformer selecting columns by name keeps working through
    # query (pools validated into arrays), teach with arrays, and predict
    pytest.importorskip("pandas")
    from sklearn.compose import make_column_transformer
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True, as_frame=True)
    cols = ["sepal length (cm)", "petal width (cm)"]
    pipe = make_pipeline(
        make_column_transformer((StandardScaler(), cols), remainder="drop"),
        LogisticRegression(),
    )
    learner = ActiveLearner(pipe, query_strategy=strategy).fit(X.iloc[::10], y.iloc[::10])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "X does not have valid feature names"
        idx = learner.query(X, budget=3)
        learner.teach(X.iloc[idx], y.iloc[idx])
        idx = learner.query(X.to_numpy(), budget=2)
        learner.teach(X.to_numpy()[idx], y.to_numpy()[idx])
        proba = learner.predict_proba(X.to_numpy()[:5])
    np.testing.assert_allclose(proba, learner.predict_proba(X.iloc[:5]))
    assert isinstance(learner.X_labeled_, np.ndarray) and learner.X_labeled_.shape == (20, 4)
    assert list(learner.feature_names_in_) == list(X.columns)
    # the inner pipeline saw the names, and a reordered pool is an error
    assert list(learner.estimator_.feature_names_in_) == list(X.columns)
    with pytest.raises(ValueError, match="other order"):
        learner.query(X[X.columns[::-1]], budget=2)
    with pytest.raises(ValueError, match="missing"):
        learner.query(X.drop(columns=cols[0]), budget=2)


def test_non_numeric_dataframe_pool_gets_a_clear_error():
    """A string or categorical column cannot be queried (strategies work on a
    numeric pool) even if the pipeline encodes it: the error names the
    columns and says how to encode them before the learner."""
    pd = pytest.importorskip("pandas")
    from sklearn.compose import make_column_transformer
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.RandomState(0)
    df = pd.DataFrame({"a": rng.normal(size=60), "b": rng.choice(list("xyz"), 60),
                       "c": pd.Categorical(rng.choice(list("pq"), 60)), "d": rng.rand(60)})
    y = (df.a > 0).astype(int).to_numpy()
    ct = make_column_transformer((StandardScaler(), ["a", "d"]),
                                 (OneHotEncoder(handle_unknown="ignore"), ["b", "c"]))
    learner = ActiveLearner(make_pipeline(ct, LogisticRegression()), Margin())
    learner.fit(df.iloc[:10], y[:10])
    with pytest.raises(ValueError, match=r"non-numeric columns \('b' .*'c' \(category\)\)"
                                         r".*make_column_transformer"):
        learner.query(df.iloc[10:], budget=3)
    pre = ct.fit(df)  # the advice works
    learner = ActiveLearner(LogisticRegression(), Margin())
    learner.fit(pre.transform(df.iloc[:10]), y[:10])
    assert np.unique(learner.query(pre.transform(df.iloc[10:]), budget=3)).size == 3
