"""CoreGCN: the adjacency normalisation by hand, the low-rank operator against
the dense matrix, the labelled/unlabelled GCN, the contract (pipeline and net)."""

import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skactive import ActiveLearner  # noqa: E402
from skactive.neural import MLP, ActiveNeuralNetClassifier  # noqa: E402
from skactive.neural._gcn import (  # noqa: E402
    AdjacencyOperator,
    _affinity_factor,
    adjacency_matrix,
    coregcn_features,
)
from skactive.strategies import CoreGCN, kcenter_greedy  # noqa: E402
from skactive.utils import get_embedding  # noqa: E402
from skactive.utils.estimator_checks import check_query_strategy  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_adjacency_by_hand():
    """Three non-negative embeddings: cosines 1/sqrt(2), 0, 1/sqrt(2)."""
    Z = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]])
    c = 1 / np.sqrt(2)
    S_off = np.array([[0, c, 0], [c, 0, c], [0, c, 0]])  # S - I
    deg = S_off.sum(axis=1)  # c, 2c, c
    row = S_off / deg[:, None] + np.eye(3)
    expected_row = np.array([[1, 1, 0], [0.5, 1, 0.5], [0, 1, 1]])
    np.testing.assert_allclose(row, expected_row)
    np.testing.assert_allclose(adjacency_matrix(Z, norm="row"), expected_row, atol=1e-6)
    # the authors' code (the default) divides columns instead: (S - I) D^-1 + I
    col = S_off / deg[None, :] + np.eye(3)
    np.testing.assert_allclose(adjacency_matrix(Z), col, atol=1e-6)
    np.testing.assert_allclose(col.sum(axis=0), 2.0)


def test_shifted_cosine_for_signed_embeddings():
    Z = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])  # cosines -1, 0, 0
    S = (1 + np.array([[1, -1, 0], [-1, 1, 0], [0, 0, 1]])) / 2
    S_off = S - np.eye(3)
    expected = S_off / S_off.sum(axis=1)[:, None] + np.eye(3)
    np.testing.assert_allclose(adjacency_matrix(Z, norm="row"), expected, atol=1e-6)
    np.testing.assert_allclose(adjacency_matrix(Z), S_off / S_off.sum(axis=0)[None, :] + np.eye(3),
                               atol=1e-6)
    # plain cosine here leaves node 0 and 1 with degree -1 -> replaced by 1
    A = adjacency_matrix(Z, similarity="cosine", norm="row")
    np.testing.assert_allclose(A[0], [1, -1, 0], atol=1e-6)
    with pytest.raises(ValueError, match="similarity"):
        adjacency_matrix(Z, similarity="rbf")


def test_operator_matches_dense_matrix():
    rng = np.random.RandomState(0)
    Z = np.abs(rng.normal(size=(30, 5)))
    X = torch.as_tensor(rng.normal(size=(30, 4)), dtype=torch.float32)
    for norm in ("row", "column"):
        A = adjacency_matrix(Z, norm=norm)
        op = AdjacencyOperator(_affinity_factor(Z, "auto"), norm=norm)
        np.testing.assert_allclose(op(X).numpy(), A @ X.numpy(), rtol=1e-4, atol=1e-5)


def test_gcn_separates_labelled_from_unlabelled():
    """Labelled nodes from one cluster, unlabelled from two: after training, the
    GCN gives the labelled nodes a higher 'labelled' probability, and the
    unlabelled cluster far from them the lowest."""
    rng = np.random.RandomState(0)
    centres = np.array([[5.0, 0, 0, 0], [0, 5.0, 0, 0], [0, 0, 5.0, 0]])
    Z_lab = np.abs(centres[0] + rng.normal(size=(40, 4)))
    Z_unl = np.abs(np.vstack([centres[0] + rng.normal(size=(40, 4)),
                              centres[1] + rng.normal(size=(40, 4))]))
    F_u, F_l, p_u = coregcn_features(Z_unl, Z_lab, epochs=100, random_state=0)
    assert F_u.shape == (80, 129) and F_l.shape == (40, 129)
    p_l = 1 / (1 + np.exp(-F_l[:, -1]))
    assert p_l.mean() > p_u.mean()
    assert p_u[40:].mean() < p_u[:40].mean()
    # seeded: the same features again
    a = coregcn_features(Z_unl, Z_lab, epochs=5, random_state=1)[0]
    np.testing.assert_array_equal(a, coregcn_features(Z_unl, Z_lab, epochs=5, random_state=1)[0])


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    idx = np.random.RandomState(0).permutation(len(X))
    return (X[idx] / 16.0).astype(np.float32), y[idx]


@pytest.fixture(scope="module")
def pipe_learner(digits):
    X, y = digits
    est = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300))
    return ActiveLearner(est, random_state=0).fit(X[:100], y[:100])


def test_kcenter_on_gcn_features_and_subset(digits, pipe_learner):
    """The selection is the greedy k-center of the GCN features of the subset,
    and samples outside the subset get NaN scores."""
    X, _ = digits
    X_pool = X[100:400]
    strategy = CoreGCN(subset_size=120, epochs=30, random_state=0)
    idx, scores = strategy.query(X_pool, pipe_learner, 6, return_scores=True)
    assert np.isnan(scores).sum() == 300 - 120
    assert not np.isnan(scores[idx]).any()
    # recompute by hand with the same random draws
    rng = np.random.RandomState(0)
    subset = np.sort(rng.choice(300, 120, replace=False))
    Z = get_embedding(pipe_learner, X_pool[subset])
    Z_lab = get_embedding(pipe_learner, pipe_learner.X_labeled_)
    F_u, F_l, _ = coregcn_features(Z, Z_lab, epochs=30, random_state=rng.randint(2**31 - 1))
    sel, _, _ = kcenter_greedy(F_u, 6, F_l)
    np.testing.assert_array_equal(idx, subset[sel])
    # the subset grows to the budget
    idx = CoreGCN(subset_size=5, epochs=5, random_state=0).query(X_pool, pipe_learner, 20)
    assert np.unique(idx).size == 20


def test_contract_pipeline(digits, pipe_learner):
    X, _ = digits
    check_query_strategy(CoreGCN(epochs=20, subset_size=150), learner=pipe_learner,
                         X_pool=X[100:300])


def test_contract_net(digits):
    X, y = digits
    net = ActiveNeuralNetClassifier(MLP, module__hidden_units=32, max_epochs=5, random_state=0)
    learner = ActiveLearner(net, random_state=0).fit(X[:100], y[:100])
    check_query_strategy(CoreGCN(epochs=20, hidden_units=32), learner=learner,
                         X_pool=X[100:250])


def test_clear_error_without_torch(monkeypatch, digits, pipe_learner):
    X, _ = digits
    monkeypatch.setitem(sys.modules, "skactive.neural._gcn", None)
    with pytest.raises(ImportError, match="skactive\\[torch\\]"):
        CoreGCN(epochs=1).query(X[100:150], pipe_learner, 2)
