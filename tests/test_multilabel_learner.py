"""ActiveLearner with multi-label y (issue 18): indicator matrices, label sets,
the one (n, L) probability format, and clear errors."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_multilabel_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.multioutput import ClassifierChain, MultiOutputClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skactive import ActiveLearner
from skactive.exceptions import LearnerCapabilityError
from skactive.strategies import Entropy, Margin, RandomSampling
from skactive.utils._multilabel import (
    is_label_sets,
    is_multilabel_learner,
    is_multilabel_target,
    multilabel_margins,
    multilabel_proba,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore:Label not:UserWarning"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]


@pytest.fixture(scope="module")
def data():
    X, Y = make_multilabel_classification(
        n_samples=160, n_features=6, n_classes=4, random_state=0
    )
    return X, Y


ESTIMATORS = [
    OneVsRestClassifier(LogisticRegression()),
    OneVsRestClassifier(SVC()),
    MultiOutputClassifier(LogisticRegression()),
    ClassifierChain(LogisticRegression(), random_state=0),
    RandomForestClassifier(n_estimators=10, random_state=0),
    KNeighborsClassifier(),
    MLPClassifier(hidden_layer_sizes=(8,), max_iter=300, random_state=0),
    make_pipeline(StandardScaler(), KNeighborsClassifier()),
]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_fit_teach_predict_shapes(data, estimator):
    X, Y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLP convergence
        learner = ActiveLearner(estimator).fit(X[:40], Y[:40])
        learner.teach(X[40:50], Y[40:50])
    assert learner.n_labels_ == 4
    np.testing.assert_array_equal(learner.classes_, np.arange(4))
    assert learner.label_binarizer_ is None
    assert learner.y_labeled_.shape == (50, 4)
    assert learner.previous_estimator_ is not None
    pred = learner.predict(X[100:])
    assert pred.shape == (60, 4) and set(np.unique(pred)) <= {0, 1}
    if hasattr(learner, "predict_proba"):
        P = learner.predict_proba(X[100:])
        assert P.shape == (60, 4)
        assert (P >= 0).all() and (P <= 1).all()
        np.testing.assert_allclose(P, multilabel_proba(learner.estimator_, X[100:]))
    F, kind = multilabel_margins(learner, X[100:])
    assert F.shape == (60, 4)
    # the sign of the margins is the prediction (threshold 0 / 0.5)
    if kind == "proba" and not isinstance(estimator, ClassifierChain):
        np.testing.assert_array_equal(F > 0, learner.predict_proba(X[100:]) > 0.5)
    score = learner.score(X[100:], Y[100:])
    np.testing.assert_allclose(score, (pred == Y[100:]).all(axis=1).mean())
    assert is_multilabel_learner(learner) and is_multilabel_learner(learner.estimator_)


def test_multioutput_proba_is_the_positive_column(data):
    X, Y = data
    learner = ActiveLearner(MultiOutputClassifier(LogisticRegression())).fit(X[:60], Y[:60])
    raw = learner.estimator_.predict_proba(X[:5])  # a list of (n, 2) arrays
    expected = np.column_stack([p[:, 1] for p in raw])
    np.testing.assert_allclose(learner.predict_proba(X[:5]), expected)


def test_forest_label_never_positive_gives_zero_proba(data):
    X, Y = data
    Y = Y.copy()
    Y[:40, 2] = 0  # label 2 never seen positive: that tree output has classes_ [0]
    learner = ActiveLearner(RandomForestClassifier(n_estimators=5, random_state=0))
    learner.fit(X[:40], Y[:40])
    P = learner.predict_proba(X[50:60])
    np.testing.assert_array_equal(P[:, 2], 0.0)
    Y[:40, 2] = 1  # always positive: classes_ [1], probability 1
    learner.fit(X[:40], Y[:40])
    np.testing.assert_array_equal(learner.predict_proba(X[50:60])[:, 2], 1.0)


def test_chunked_scores_equal_whole_pool(data):
    from sklearn import config_context

    X, Y = data
    learner = ActiveLearner(MultiOutputClassifier(LogisticRegression())).fit(X[:40], Y[:40])
    whole = multilabel_proba(learner, X)
    F_whole, _ = multilabel_margins(learner, X)
    with config_context(working_memory=0.001):  # a few rows per chunk
        np.testing.assert_allclose(multilabel_proba(learner, X), whole)
        np.testing.assert_allclose(multilabel_margins(learner, X)[0], F_whole)


def test_label_sets_round_trip(data):
    X, Y = data
    names = np.array(["arts", "business", "science", "sports"])
    sets = [set(names[row.astype(bool)]) for row in Y]
    learner = ActiveLearner(OneVsRestClassifier(LogisticRegression())).fit(X[:40], sets[:40])
    np.testing.assert_array_equal(learner.classes_, names)
    np.testing.assert_array_equal(learner.y_labeled_, Y[:40])
    learner.teach(X[40:42], [{"arts"}, set()])
    np.testing.assert_array_equal(learner.y_labeled_[-2:], [[1, 0, 0, 0], [0, 0, 0, 0]])
    learner.teach(X[42:44], Y[42:44])  # an indicator with the same columns is fine
    pred = learner.predict(X[100:105])
    back = learner.label_binarizer_.inverse_transform(pred)
    assert all(set(b) <= set(names) for b in back)
    np.testing.assert_allclose(
        learner.score(X[100:], sets[100:]), learner.score(X[100:], Y[100:])
    )
    with pytest.raises(ValueError, match=r"labels \['opera'\] that are not in classes_"):
        learner.teach(X[:1], [{"opera"}])


def test_label_sets_with_classes_in_advance(data):
    X, Y = data
    sets = [set(np.flatnonzero(row).tolist()) for row in Y]
    learner = ActiveLearner(
        OneVsRestClassifier(LogisticRegression()), classes=[0, 1, 2, 3, 4]
    ).fit(X[:40], sets[:40])
    assert learner.n_labels_ == 5
    assert learner.predict_proba(X[:3]).shape == (3, 5)


def test_indicator_with_label_names(data):
    X, Y = data
    learner = ActiveLearner(OneVsRestClassifier(LogisticRegression()), classes=list("dcba"))
    learner.fit(X[:40], Y[:40])
    np.testing.assert_array_equal(learner.classes_, list("dcba"))  # column order kept
    with pytest.raises(ValueError, match="3 names, but the indicator matrix y has 4"):
        clone(learner).set_params(classes=list("abc")).fit(X[:40], Y[:40])


def test_dataframe_indicator_keeps_column_names(data):
    pd = pytest.importorskip("pandas")
    X, Y = data
    frame = pd.DataFrame(Y, columns=["w", "x", "y", "z"])
    learner = ActiveLearner(OneVsRestClassifier(LogisticRegression())).fit(X[:40], frame[:40])
    np.testing.assert_array_equal(learner.classes_, ["w", "x", "y", "z"])
    learner.teach(X[40:45], frame[40:45])
    assert learner.y_labeled_.shape == (45, 4)


def test_refit_single_label_after_multilabel(data):
    X, Y = data
    learner = ActiveLearner(RandomForestClassifier(n_estimators=5, random_state=0))
    learner.fit(X[:40], Y[:40])
    learner.fit(X[:40], Y[:40, 0])
    assert not hasattr(learner, "n_labels_")
    assert learner.predict_proba(X[:3]).shape == (3, 2)


def test_warm_start_partial_fit(data):
    X, Y = data
    learner = ActiveLearner(
        MLPClassifier(hidden_layer_sizes=(8,), max_iter=50, random_state=0), warm_start=True
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        learner.fit(X[:40], Y[:40]).teach(X[40:50], Y[40:50])
    assert learner.predict_proba(X[:2]).shape == (2, 4)


@pytest.mark.parametrize(
    "y, match",
    [
        (lambda Y: Y * 2, "instead of only 0 and 1"),
        (lambda Y: np.where(Y > 0, "yes", "no"), "instead of only 0 and 1"),
    ],
)
def test_bad_indicator(data, y, match):
    X, Y = data
    with pytest.raises(ValueError, match=match):
        ActiveLearner(OneVsRestClassifier(LogisticRegression())).fit(X[:40], y(Y[:40]))


@pytest.mark.parametrize("estimator", [SVC(), LogisticRegression()], ids=repr)
def test_estimator_without_multilabel_support(data, estimator):
    X, Y = data
    with pytest.raises(ValueError, match=r"OneVsRestClassifier\("):
        ActiveLearner(estimator).fit(X[:40], Y[:40])


def test_teach_kind_mismatch(data):
    X, Y = data
    multi = ActiveLearner(OneVsRestClassifier(LogisticRegression())).fit(X[:40], Y[:40])
    with pytest.raises(ValueError, match="4 columns"):
        multi.teach(X[:2], Y[:2, 0])
    with pytest.raises(ValueError, match="3 label columns"):
        multi.teach(X[:2], Y[:2, :3])
    with pytest.raises(ValueError, match="fitted on an indicator matrix"):
        multi.teach(X[:2], [{0, 1}, {2}])
    single = ActiveLearner(LogisticRegression()).fit(X[:40], Y[:40, 0])
    with pytest.raises(ValueError, match="fitted on single-label y"):
        single.teach(X[:2], Y[:2])


def test_single_label_strategy_refuses_multilabel_learner(data):
    """Issue 18: a bare one-vs-rest model handed to Entropy used to return
    indices silently."""
    X, Y = data
    ovr = OneVsRestClassifier(LogisticRegression()).fit(X[:40], Y[:40])
    learner = ActiveLearner(clone(ovr)).fit(X[:40], Y[:40])
    for strategy, model in [(Entropy(), ovr), (Margin(), learner), (Entropy(), learner)]:
        with pytest.raises(LearnerCapabilityError, match="single-label strategy"):
            strategy.query(X[50:], model, 3)
        with pytest.raises(ValueError, match="multi-label strategy"):
            strategy.query(X[50:], model, 3)
    # model-free strategies accept both kinds
    idx = RandomSampling(random_state=0).query(X[50:], learner, 3)
    assert np.unique(idx).size == 3


def test_multiclass_learner_unchanged(data):
    X, Y = data
    y = Y[:, 0] + 2 * Y[:, 1]
    learner = ActiveLearner(LogisticRegression()).fit(X[:60], y[:60])
    assert not hasattr(learner, "n_labels_") and not is_multilabel_learner(learner)
    assert learner.predict_proba(X[:3]).shape == (3, 4)
    assert Entropy().query(X[60:], learner, 3).shape == (3,)


def test_target_detection():
    assert is_label_sets([{"a"}, {"a", "b"}])
    assert is_label_sets([["a", "b"], ["c", "d"]])  # strings: label names
    assert is_label_sets([[1, 2], [3]])  # ragged
    assert not is_label_sets([[0, 1], [1, 0]])
    assert not is_label_sets(np.array([[0, 1]]))
    assert is_multilabel_target([[0, 1], [1, 0]])
    assert not is_multilabel_target(np.zeros((3, 1)))  # a column vector
    assert not is_multilabel_target([0, 1, 2])
