"""freeze_preprocessing: label-free pipeline steps fitted on the pool, frozen."""

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.feature_selection import SelectKBest
from sklearn.frozen import FrozenEstimator
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skactive import ActiveLearner
from skactive.experiments import run_experiments
from skactive.strategies import Margin
from skactive.utils import freeze_preprocessing


@pytest.fixture(scope="module")
def pool():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 5)) * [1.0, 20.0, 0.01, 3.0, 1.0] + [0.0, 5.0, 1.0, -2.0, 0.0]
    X[rng.rand(*X.shape) < 0.05] = np.nan
    y = (np.nan_to_num(X[:, 0]) + np.nan_to_num(X[:, 3]) / 3 > -0.5).astype(int)
    return X, y


def test_leading_label_free_steps_are_fitted_on_the_pool(pool):
    X, y = pool
    pipe = make_pipeline(SimpleImputer(), StandardScaler(), PCA(3), SelectKBest(k=2),
                         StandardScaler(), LogisticRegression())
    frozen = freeze_preprocessing(pipe, X)
    assert all(not hasattr(s, "n_features_in_") for _, s in pipe.steps)  # untouched
    kinds = [type(s).__name__ for _, s in frozen.steps]
    # the supervised SelectKBest and everything after it are left as they are
    assert kinds == ["FrozenEstimator"] * 3 + ["SelectKBest", "StandardScaler",
                                              "LogisticRegression"]
    imp = SimpleImputer().fit(X)
    sc = StandardScaler().fit(imp.transform(X))
    pca = PCA(3).fit(sc.transform(imp.transform(X)))
    learner = ActiveLearner(frozen, Margin()).fit(X[:12], y[:12])
    learner.teach(X[12:30], y[12:30])
    fitted = learner.estimator_
    np.testing.assert_allclose(fitted[1].estimator.scale_, sc.scale_)
    np.testing.assert_allclose(fitted[2].estimator.components_, pca.components_)
    assert fitted[3].n_features_in_ == 3  # fitted on the labels, as before
    idx = learner.query(X[30:], budget=5)
    assert np.unique(idx).size == 5


def test_meta_estimators_are_followed(pool):
    X, y = pool
    X = np.nan_to_num(X)
    search = GridSearchCV(make_pipeline(StandardScaler(), SVC()), {"svc__C": [0.1, 10.0]}, cv=2)
    for est, inner in ((search, lambda e: e.estimator),
                       (ActiveLearner(make_pipeline(StandardScaler(), SVC()), Margin()),
                        lambda e: e.estimator),
                       (OneVsRestClassifier(make_pipeline(StandardScaler(), SVC())),
                        lambda e: e.estimator)):
        frozen = freeze_preprocessing(est, X)
        assert type(frozen) is type(est)
        assert isinstance(inner(frozen)[0], FrozenEstimator)
        assert not isinstance(inner(est)[0], FrozenEstimator)
        frozen.fit(X[:20], y[:20])
    fitted = freeze_preprocessing(search, X).fit(X[:20], y[:20])
    np.testing.assert_allclose(fitted.best_estimator_[0].estimator.mean_, X.mean(axis=0))
    # a search over a frozen step's parameter fails with scikit-learn's own error
    bad = GridSearchCV(make_pipeline(StandardScaler(), SVC()),
                       {"standardscaler__with_mean": [True, False]}, cv=2)
    with pytest.raises(ValueError, match="frozen estimator"):
        freeze_preprocessing(bad, X).fit(X[:20], y[:20])


def test_nothing_to_freeze_and_bad_input(pool):
    X, _ = pool
    X = np.nan_to_num(X)
    svc = SVC(C=3.0)
    out = freeze_preprocessing(svc, X)
    assert out is not svc and out.get_params() == svc.get_params()
    pipe = make_pipeline(SelectKBest(k=2), SVC())
    assert type(freeze_preprocessing(pipe, X)[0]) is SelectKBest
    with pytest.raises(TypeError, match="scikit-learn estimator"):
        freeze_preprocessing("svc", X)
    with pytest.raises(ValueError):  # the transformer's own shape check
        freeze_preprocessing(make_pipeline(StandardScaler(), SVC()), X[:, 0])


def test_run_experiments_preprocessing_on_the_pool(tmp_path):
    rng = np.random.RandomState(1)
    X = rng.normal(size=(260, 6)) * np.r_[1.0, 1.0, 1e-3, 50.0, 1.0, 1.0]
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    data = {"toy": (X[:200], y[:200], X[200:], y[200:])}
    kw = dict(seeds=[0, 1], n_initial=6, budget=5, n_rounds=3, n_jobs=1, progress=False)
    est = make_pipeline(StandardScaler(), SVC())
    labels = run_experiments(data, "margin", est, **kw)
    pool = run_experiments(data, "margin", est, preprocessing="pool", results_dir=tmp_path,
                           **kw)
    assert pool.runs[0].meta["preprocessing"] == "pool"
    assert "preprocessing" not in labels.runs[0].meta
    # each run equals the learner built by hand with the pool-fitted scaler
    from skactive.experiments import simulate

    hand = make_pipeline(FrozenEstimator(StandardScaler().fit(X[:200])), SVC())
    for run, seed in zip(pool.runs, [0, 1]):
        direct = simulate(ActiveLearner(hand, Margin()), *data["toy"], n_initial=6, budget=5,
                          n_rounds=3, random_state=seed)
        np.testing.assert_array_equal(run.labeled_indices, direct.labeled_indices)
    assert any(not np.array_equal(a.labeled_indices, b.labeled_indices)
               for a, b in zip(labels.runs, pool.runs))
    with pytest.raises(ValueError, match="preprocessing"):  # another setting, same folder
        run_experiments(data, "margin", est, results_dir=tmp_path, **kw)
    with pytest.raises(ValueError, match="'labels' or 'pool'"):
        run_experiments(data, "margin", est, preprocessing="test", **kw)
