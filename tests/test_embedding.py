"""The embedding / head protocol (skactive.utils._embedding)."""

import numpy as np
import pytest
from scipy.special import softmax
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, RidgeClassifier, SGDClassifier
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC

from skactive import ActiveLearner
from skactive.exceptions import LearnerCapabilityError
from skactive.utils import (
    check_embedding_learner,
    get_embedding,
    get_linear_head,
    gradient_embedding,
    head_gradient_factors,
    head_logits,
    resolve_learner,
)


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 4))
    y3 = np.argmax(X[:, :3] + 0.3 * rng.normal(size=(60, 3)), axis=1)
    y2 = (X[:, 0] > 0).astype(int)
    return X, y2, y3


def test_pipeline_embedding_is_transform_of_all_but_last(data):
    X, _, y = data
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    np.testing.assert_allclose(get_embedding(pipe, X), pipe[0].transform(X))
    np.testing.assert_array_equal(get_embedding(pipe, X, space="input"), X)
    bare = LogisticRegression().fit(X, y)
    np.testing.assert_array_equal(get_embedding(bare, X), X)
    with pytest.raises(ValueError, match="space"):
        get_embedding(pipe, X, space="latent")


def test_unwraps_active_learner_and_search(data):
    X, _, y = data
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    learner = ActiveLearner(GridSearchCV(pipe, {"logisticregression__C": [0.1, 1]}, cv=2))
    learner.fit(X, y)
    transforms, final = resolve_learner(learner)
    assert isinstance(final, LogisticRegression) and len(transforms) == 1
    best = learner.estimator_.best_estimator_
    np.testing.assert_allclose(get_embedding(learner, X), best[0].transform(X))
    # a search as the last step of a pipeline
    inner = make_pipeline(StandardScaler(), GridSearchCV(LinearSVC(), {"C": [1.0]}, cv=2))
    inner.fit(X, y)
    W, b = get_linear_head(inner)
    np.testing.assert_allclose(W, inner[-1].best_estimator_.coef_)


@pytest.mark.parametrize(
    "est",
    [LogisticRegression(), LinearSVC(), SGDClassifier(random_state=0), RidgeClassifier()],
    ids=lambda e: type(e).__name__,
)
def test_linear_head_matches_decision_function(data, est):
    X, y2, y3 = data
    for y in (y2, y3):
        clf = est.fit(X, y)
        L = head_logits(clf, X)
        d = clf.decision_function(X)
        if d.ndim == 1:  # binary: two rows -w/2, w/2
            np.testing.assert_allclose(L[:, 1] - L[:, 0], d, atol=1e-10)
            np.testing.assert_allclose(L[:, 0], -L[:, 1])
        else:
            np.testing.assert_allclose(L, d, atol=1e-10)
        np.testing.assert_array_equal(clf.classes_[np.argmax(L, axis=1)], clf.predict(X))


def test_binary_logistic_softmax_equals_predict_proba(data):
    X, y2, y3 = data
    for y in (y2, y3):
        clf = LogisticRegression().fit(X, y)
        np.testing.assert_allclose(softmax(head_logits(clf, X), axis=1), clf.predict_proba(X))


@pytest.mark.parametrize(
    "est",
    [RandomForestClassifier(n_estimators=3, random_state=0), SVC(), SVC(kernel="linear")],
    ids=["forest", "rbf-svc", "ovo-linear-svc"],
)
def test_no_linear_head_raises(data, est):
    X, _, y3 = data
    clf = est.fit(X, y3)
    with pytest.raises(LearnerCapabilityError, match="linear head|not one row per class"):
        get_linear_head(clf)
    with pytest.raises(LearnerCapabilityError, match="BADGE needs the gradient"):
        check_embedding_learner(clf, head=True, strategy_name="BADGE")
    check_embedding_learner(clf)  # an embedding (identity) always exists


def test_gradient_factors_and_materialised_embedding(data):
    X, _, y3 = data
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y3)
    A, H = head_gradient_factors(pipe, X)
    P = pipe.predict_proba(X)
    onehot = np.eye(3)[np.argmax(P, axis=1)]
    np.testing.assert_allclose(A, onehot - P)
    np.testing.assert_allclose(H, pipe[0].transform(X))
    G = gradient_embedding(pipe, X)
    expected = np.stack([np.kron(onehot[i] - P[i], H[i]) for i in range(len(X))])
    np.testing.assert_allclose(G, expected)
    # chunking does not change anything; the bias adds a constant column
    A2, H2 = head_gradient_factors(pipe, X, chunk_size=7, include_bias=True)
    np.testing.assert_allclose(A2, A)
    np.testing.assert_allclose(H2, np.hstack([H, np.ones((len(X), 1))]))


def test_gradient_factors_without_predict_proba_use_softmax_of_logits(data):
    X, _, y3 = data
    svc = LinearSVC().fit(X, y3)
    A, _ = head_gradient_factors(svc, X)
    P = softmax(svc.decision_function(X), axis=1)
    np.testing.assert_allclose(A, np.eye(3)[np.argmax(P, axis=1)] - P)


class _ProtocolNet:
    """A stand-in for the skorch classifier: protocol methods take precedence."""

    classes_ = np.array([0, 1, 2])

    def fit(self, X, y):
        return self

    def embed(self, X):
        return np.asarray(X)[:, :2] * 10.0

    def linear_head(self):
        return np.eye(3, 2), np.zeros(3)

    def head_gradient_factors(self, X):
        Z = self.embed(X)
        return np.full((len(Z), 3), 0.5), Z


def test_protocol_methods_take_precedence(data):
    X, _, _ = data
    net = _ProtocolNet()
    np.testing.assert_allclose(get_embedding(net, X), X[:, :2] * 10)
    W, b = get_linear_head(net)
    assert W.shape == (3, 2)
    np.testing.assert_allclose(head_logits(net, get_embedding(net, X)), X[:, :2] @ W.T * 10)
    A, H = head_gradient_factors(net, X)
    np.testing.assert_allclose(A, 0.5)
    check_embedding_learner(net, head=True)
    # inside a pipeline, the net receives the transformed input
    pipe = make_pipeline(StandardScaler().fit(X), "passthrough")
    pipe.steps[-1] = ("net", net)
    expected = StandardScaler().fit_transform(X)[:, :2] * 10
    np.testing.assert_allclose(get_embedding(pipe, X), expected)
