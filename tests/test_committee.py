"""QueryByCommittee: formulas on hand-computed cases, committees found inside
ensembles / pipelines, bootstrap committees, regression variance."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.ensemble import (
    BaggingClassifier,
    BaggingRegressor,
    GradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
    VotingClassifier,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from skactive import ActiveLearner
from skactive.exceptions import LearnerCapabilityError
from skactive.experiments import get_strategy
from skactive.strategies import QueryByCommittee, kl_disagreement, vote_entropy
from skactive.utils.estimator_checks import (
    check_query_clone,
    check_query_indices,
    check_query_no_mutation,
    check_query_reproducible,
    check_query_scores,
)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    rng = np.random.RandomState(0)
    perm = rng.permutation(len(y))
    return X[perm], y[perm]


# ------------------------------------------------------------------ formulas
def test_vote_entropy_hand_computed():
    # 3 members, 3 samples, 3 classes
    votes = np.array([[0, 1, 2], [0, 1, 0], [0, 2, 1]])
    got = vote_entropy(votes, 3)
    # sample 0: all vote 0 -> 0; sample 1: (1/3 class 2, 2/3 class 1); sample 2: one each
    h1 = -(2 / 3 * np.log(2 / 3) + 1 / 3 * np.log(1 / 3))
    np.testing.assert_allclose(got, [0.0, h1, np.log(3)])


def test_kl_disagreement_hand_computed():
    P = np.array(
        [
            [[0.9, 0.1, 0.0], [0.2, 0.3, 0.5]],
            [[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]],
        ]
    )
    mean0 = np.array([0.7, 0.3, 0.0])
    kl_a = 0.9 * np.log(0.9 / 0.7) + 0.1 * np.log(0.1 / 0.3)
    kl_b = 0.5 * np.log(0.5 / 0.7) + 0.5 * np.log(0.5 / 0.3)
    np.testing.assert_allclose(kl_disagreement(P), [(kl_a + kl_b) / 2, 0.0], atol=1e-12)
    assert mean0[2] == 0  # a class no member predicts contributes 0 log 0 = 0


def test_scores_match_numpy_on_random_forest(iris):
    X, y = iris
    rf = RandomForestClassifier(n_estimators=7, max_depth=2, random_state=0).fit(X[:30], y[:30])
    X_pool = X[30:]
    P = np.stack([t.predict_proba(X_pool) for t in rf.estimators_])  # classes 0..2
    votes = P.argmax(axis=2)
    counts = np.stack([(votes == c).sum(axis=0) for c in range(3)], axis=1) / 7
    with np.errstate(divide="ignore", invalid="ignore"):
        ve = -np.nansum(counts * np.log(counts), axis=1)
    mean = P.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = np.nansum(P * np.log(P / mean), axis=2).mean(axis=0)
    _, s_ve = QueryByCommittee().query(X_pool, rf, 5, return_scores=True)
    _, s_kl = QueryByCommittee(method="kl_divergence").query(X_pool, rf, 5, return_scores=True)
    np.testing.assert_allclose(s_ve, ve, atol=1e-12)
    np.testing.assert_allclose(s_kl, kl, atol=1e-12)
    idx = QueryByCommittee().query(X_pool, rf, 5)
    assert ve[idx].min() >= np.sort(ve)[-5] - 1e-12


# ----------------------------------------------------- committees found inside
def test_string_labels_and_wider_classes(iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    keep = names != "virginica"
    learner = ActiveLearner(RandomForestClassifier(n_estimators=6, random_state=0),
                            QueryByCommittee(method="kl_divergence"),
                            classes=["setosa", "versicolor", "virginica"])
    learner.fit(X[keep][:40], names[keep][:40])
    idx, scores = learner.query(X, budget=4, return_scores=True)
    assert np.isfinite(scores).all() and idx.shape == (4,)
    # same scores as the bare forest, whose classes_ lack "virginica"
    _, bare = QueryByCommittee(method="kl_divergence").query(X, learner.estimator_, 4,
                                                              return_scores=True)
    np.testing.assert_allclose(scores, bare)


def test_pipeline_members_see_transformed_features(iris):
    X, y = iris
    pipe = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=5, random_state=0))
    pipe.fit(X[:40], y[:40])
    Z = pipe[:-1].transform(X)
    _, s_pipe = QueryByCommittee().query(X, pipe, 3, return_scores=True)
    _, s_inner = QueryByCommittee().query(Z, pipe[-1], 3, return_scores=True)
    np.testing.assert_allclose(s_pipe, s_inner)
    search = GridSearchCV(pipe, {"randomforestclassifier__max_depth": [2, 3]}, cv=2)
    search.fit(X[:40], y[:40])
    assert QueryByCommittee().query(X, ActiveLearner(search).fit(X[:40], y[:40]), 3).shape == (3,)


def test_bagging_feature_subsets_and_voting(iris):
    X, y = iris
    bag = BaggingClassifier(DecisionTreeClassifier(max_depth=2), n_estimators=6,
                            max_features=2, random_state=0).fit(X[:40], y[:40])
    P = np.stack([np.zeros((len(X), 3)) for _ in bag.estimators_])
    for m, (tree, f) in enumerate(zip(bag.estimators_, bag.estimators_features_)):
        P[m][:, tree.classes_.astype(int)] = tree.predict_proba(X[:, f])
    _, s = QueryByCommittee(method="kl_divergence").query(X, bag, 3, return_scores=True)
    np.testing.assert_allclose(s, kl_disagreement(P), atol=1e-12)

    hard = VotingClassifier([("lr", LogisticRegression(max_iter=500)), ("svc", SVC()),
                             ("tree", DecisionTreeClassifier(max_depth=2))]).fit(X[:40], y[:40])
    votes = np.stack([m.predict(X) for m in hard.estimators_])  # encoded 0..2
    _, s = QueryByCommittee().query(X, hard, 3, return_scores=True)
    np.testing.assert_allclose(s, vote_entropy(votes, 3))
    with pytest.raises(LearnerCapabilityError, match="predict_proba"):
        QueryByCommittee(method="kl_divergence").query(X, hard, 3)


# --------------------------------------------------------- bootstrap committees
def test_bootstrap_committee_contract(iris):
    X, y = iris
    strategy = QueryByCommittee(method="kl_divergence", n_members=3, random_state=0)
    learner = ActiveLearner(make_pipeline(StandardScaler(), LogisticRegression()), strategy,
                            random_state=0).fit(X[:20], y[:20])
    pool = X[20:]
    for check in (check_query_indices, check_query_reproducible, check_query_no_mutation,
                  check_query_clone, check_query_scores):
        check(strategy, learner, pool)


def test_bootstrap_members_are_hand_made_bootstrap_fits(iris):
    X, y = iris
    learner = ActiveLearner(LogisticRegression(max_iter=500)).fit(X[:30], y[:30])
    _, scores = QueryByCommittee(method="kl_divergence", n_members=4,
                                 random_state=3).query(X, learner, 2, return_scores=True)
    rng = np.random.RandomState(3)
    P = []
    for _ in range(4):
        rows = np.sort(np.concatenate([rng.choice(np.flatnonzero(y[:30] == c),
                                                  size=int((y[:30] == c).sum()))
                                       for c in range(3)]))
        rng.randint(2**31 - 1)  # the clone's unset random_state is seeded next
        P.append(LogisticRegression(max_iter=500).fit(X[rows], y[rows]).predict_proba(X))
    np.testing.assert_allclose(scores, kl_disagreement(np.stack(P)), atol=1e-10)


def test_non_committee_ensembles_use_bootstrap(iris):
    X, y = iris
    learner = ActiveLearner(GradientBoostingClassifier(n_estimators=5, random_state=0))
    learner.fit(X[:40], y[:40])
    before = pickle.dumps(learner)
    idx = QueryByCommittee(n_members=3, random_state=0).query(X, learner, 4)
    assert np.unique(idx).size == 4
    assert pickle.dumps(learner) == before


def test_bare_estimator_without_committee_is_refused(iris):
    X, y = iris
    clf = LogisticRegression().fit(X[:30], y[:30])
    with pytest.raises(LearnerCapabilityError, match="ActiveLearner"):
        QueryByCommittee().query(X, clf, 2)


# ------------------------------------------------------------------ regression
def _reg_data(n=120, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-3, 3, size=(n, 2))
    return X, np.sin(X[:, 0]) + 0.1 * rng.randn(n)


def test_variance_on_a_fitted_regressor_forest():
    X, y = _reg_data()
    rf = RandomForestRegressor(n_estimators=8, random_state=0).fit(X[:30], y[:30])
    preds = np.stack([t.predict(X) for t in rf.estimators_])
    _, s = QueryByCommittee(method="variance").query(X, rf, 3, return_scores=True)
    np.testing.assert_allclose(s, preds.var(axis=0), atol=1e-12)
    bag = BaggingRegressor(Ridge(), n_estimators=4, max_features=1, random_state=0)
    bag.fit(X[:30], y[:30])
    preds = np.stack([m.predict(X[:, f]) for m, f in zip(bag.estimators_,
                                                          bag.estimators_features_)])
    _, s = QueryByCommittee(method="variance").query(X, bag, 3, return_scores=True)
    np.testing.assert_allclose(s, preds.var(axis=0), atol=1e-12)


def test_variance_with_active_learner_regressors():
    X, y = _reg_data()
    strategy = QueryByCommittee(method="variance", n_members=4, random_state=0)
    learner = ActiveLearner(Ridge(), strategy, random_state=0).fit(X[:20], y[:20])
    idx, s = learner.query(X[20:], budget=5, return_scores=True)
    rng = np.random.RandomState(0)
    preds = []
    for _ in range(4):
        rows = rng.randint(20, size=20)
        rng.randint(2**31 - 1)  # Ridge's unset random_state
        preds.append(Ridge().fit(X[rows], y[rows]).predict(X[20:]))
    np.testing.assert_allclose(s, np.var(preds, axis=0), atol=1e-10)
    for check in (check_query_indices, check_query_reproducible, check_query_no_mutation,
                  check_query_scores):
        check(strategy, learner, X[20:])
    forest = ActiveLearner(RandomForestRegressor(n_estimators=5, random_state=0),
                           clone(strategy)).fit(X[:20], y[:20])
    assert forest.query(X[20:], budget=3).shape == (3,)


def test_method_must_match_the_task(iris):
    X, y = iris
    rf = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    with pytest.raises(LearnerCapabilityError, match="regress"):
        QueryByCommittee(method="variance").query(X, rf, 2)
    Xr, yr = _reg_data()
    rfr = RandomForestRegressor(n_estimators=3, random_state=0).fit(Xr, yr)
    with pytest.raises(LearnerCapabilityError, match="regress"):
        QueryByCommittee().query(Xr, rfr, 2)


def test_parameters_validated_and_registered():
    with pytest.raises(ValueError, match="method"):
        QueryByCommittee(method="entropy").query(np.zeros((3, 4)), None, 1)
    with pytest.raises(ValueError, match="n_members"):
        QueryByCommittee(n_members=1).query(np.zeros((3, 4)), None, 1)
    assert isinstance(get_strategy("qbc"), QueryByCommittee)
    assert isinstance(get_strategy("query-by-committee", random_state=0), QueryByCommittee)


def test_variance_passes_the_regression_contract():
    from skactive.utils.estimator_checks import check_query_strategy

    # default regression learner of the contract checks: a forest committee
    check_query_strategy(QueryByCommittee(method="variance", random_state=0))


# ------------------------------------------- member probabilities aligned by label
from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402
from sklearn.ensemble import AdaBoostClassifier  # noqa: E402

from skactive.strategies import BALD, BatchBALD, MeanSTD  # noqa: E402
from skactive.utils import predict_proba_samples  # noqa: E402


def _bald_by_hand(P):
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = P.mean(axis=0)
        h_mean = -np.nansum(mean * np.log(mean), axis=1)
        h_members = -np.nansum(P * np.log(P), axis=2).mean(axis=0)
    return h_mean - h_members


def _aligned(members, X, classes):
    """Members' probabilities in the columns of ``classes``, by label, by hand."""
    P = np.zeros((len(members), X.shape[0], len(classes)))
    for m, member in enumerate(members):
        for j, c in enumerate(member.classes_):
            P[m][:, list(classes).index(c)] = member.predict_proba(X)[:, j]
    return P


def _check_scores_by_hand(committee, X):
    """BALD, KL and vote-entropy QBC scores of ``committee`` from its members
    aligned to its ``classes_`` by label."""
    P = _aligned(committee.estimators_, X, committee.classes_)
    np.testing.assert_allclose(predict_proba_samples(committee, X), P)
    _, s = BALD().query(X, committee, 3, return_scores=True)
    np.testing.assert_allclose(s, _bald_by_hand(P), atol=1e-12)
    _, s = QueryByCommittee(method="kl_divergence").query(X, committee, 3, return_scores=True)
    np.testing.assert_allclose(s, kl_disagreement(P), atol=1e-12)
    votes = np.stack([[list(committee.classes_).index(v) for v in m.predict(X)]
                      for m in committee.estimators_])
    _, s = QueryByCommittee().query(X, committee, 3, return_scores=True)
    np.testing.assert_allclose(s, vote_entropy(votes, len(committee.classes_)))


@pytest.mark.parametrize("kind", ["strings", "minus-one-one", "one-based"])
def test_adaboost_members_are_aligned_by_label(iris, kind):
    """AdaBoost fits its members on the labels themselves (not on codes 0..K-1
    as forests and bagging do): strings used to fail (int('setosa')), labels
    {-1, 1} silently landed in the wrong columns, labels {1, 2, 3} overflowed."""
    X, y = iris
    lab = {"strings": np.array(["setosa", "versicolor", "virginica"])[y],
           "minus-one-one": np.where(y == 1, -1, 1),
           "one-based": y + 1}[kind]
    ada = AdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=6,
                             random_state=0).fit(X[:60], lab[:60])
    assert len(ada.estimators_) >= 2
    _check_scores_by_hand(ada, X)
    for strategy in (MeanSTD(), BatchBALD(random_state=0)):
        assert np.unique(strategy.query(X, ada, 3)).size == 3


def test_adaboost_in_an_active_learner_with_a_wider_label_set(iris):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    keep = names != "setosa"  # the model never sees "setosa"
    learner = ActiveLearner(AdaBoostClassifier(DecisionTreeClassifier(max_depth=1),
                                               n_estimators=5, random_state=0),
                            BALD(), classes=["setosa", "versicolor", "virginica"])
    learner.fit(X[keep][:50], names[keep][:50])
    members = learner.estimator_.estimators_
    P = _aligned(members, X, learner.classes_)
    assert np.all(P[:, :, 0] == 0)  # the unseen class gets probability 0
    np.testing.assert_allclose(predict_proba_samples(learner, X), P)
    _, s = learner.query(X, budget=3, return_scores=True)
    np.testing.assert_allclose(s, _bald_by_hand(P), atol=1e-12)
    _, s = QueryByCommittee(method="kl_divergence").query(X, learner, 3, return_scores=True)
    np.testing.assert_allclose(s, kl_disagreement(P), atol=1e-12)


class _SubsetCommittee(ClassifierMixin, BaseEstimator):
    """A user's own ensemble: member ``m`` is fitted (on the labels themselves)
    without class ``classes_[m % K]``, so every member saw only some classes."""

    def __init__(self, n_members=3):
        self.n_members = n_members

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.estimators_ = []
        for m in range(self.n_members):
            keep = y != self.classes_[m % len(self.classes_)]
            self.estimators_.append(LogisticRegression(max_iter=500).fit(X[keep], y[keep]))
        return self

    def predict_proba(self, X):
        return _aligned(self.estimators_, X, self.classes_).mean(axis=0)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def test_members_that_saw_only_some_classes(iris):
    X, y = iris
    lab = np.array(["a", "b", "c"])[y]
    ens = _SubsetCommittee(n_members=3).fit(X[:90], lab[:90])
    assert all(len(m.classes_) == 2 for m in ens.estimators_)
    _check_scores_by_hand(ens, X)


def test_a_member_with_an_unknown_label_is_a_clear_error(iris):
    X, y = iris
    ens = _SubsetCommittee(n_members=2).fit(X[:90], y[:90])
    ens.classes_ = np.array([0, 1, 5])  # the members know class 2, the ensemble does not
    with pytest.raises(ValueError, match="class 2, which is not in"):
        BALD().query(X, ens, 2)
    with pytest.raises(ValueError, match="class 2, which is not in"):
        QueryByCommittee(method="kl_divergence").query(X, ens, 2)


def test_one_member_ensemble_message(iris):
    X, y = iris
    ada = AdaBoostClassifier(DecisionTreeClassifier(max_depth=3), n_estimators=5,
                             random_state=0).fit(X, np.where(y == 0, "a", "b"))
    assert len(ada.estimators_) == 1  # a perfect first tree ends the boosting
    with pytest.raises(LearnerCapabilityError, match="only 1 fitted member"):
        QueryByCommittee().query(X, ada, 2)


# ------------------------------------------------------------ registry names
def test_every_disagreement_measure_has_a_registry_name(capsys):
    from skactive.__main__ import main
    from skactive.base import get_query_tags
    from skactive.experiments import available_strategies

    methods = {"qbc-vote-entropy": "vote_entropy", "qbc-kl": "kl_divergence",
               "qbc-kl-divergence": "kl_divergence", "qbc-variance": "variance"}
    assert set(methods) <= set(available_strategies())
    # every value the method parameter accepts is reachable by a name
    accepted = QueryByCommittee._parameter_constraints["method"][0].options
    assert set(methods.values()) == set(accepted)
    for name, method in methods.items():
        strategy = get_strategy(name, random_state=1)
        assert isinstance(strategy, QueryByCommittee)
        assert strategy.get_params() == QueryByCommittee(method=method,
                                                         random_state=1).get_params()
    assert get_query_tags(get_strategy("qbc-variance")).task == "regression"
    assert main(["list"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in methods)


def test_qbc_variance_by_name_in_a_regression_study():
    from sklearn.datasets import load_diabetes

    from skactive.experiments import run_experiments

    X, y = load_diabetes(return_X_y=True)
    data = {"diabetes": (X[:300], y[:300], X[300:], y[300:])}
    kw = dict(seeds=1, n_rounds=2, budget=5, n_initial=10, progress=False)
    res = run_experiments(data, "random,qbc-variance", "ridge", **kw)
    run = [r for r in res.runs if r.meta["strategy"] == "qbc-variance"][0]
    assert run.is_regression and np.isfinite(run.r2).all() and len(run.n_labels) == 3
    with pytest.raises(ValueError, match="method='variance'"):
        run_experiments(data, "qbc", "ridge", **kw)
