"""CoreGCN against an independent re-derivation of the authors' code.

Source: github.com/razvancaramalau/Sequential-GCN-for-Active-Learning, commit
bbc43db6e3fd69469e2858b284b9b7ce4ee29ef9 (``selection_methods.py``:
``aff_to_adj``, ``BCEAdjLoss``, ``query_samples`` for ``method == "CoreGCN"``;
``models/query_models.py``: ``GCN``, ``GraphConvolution``; ``kcenterGreedy.py``:
``kCenterGreedy.select_batch_``; ``config.py``: ``LR_GCN = 1e-3``,
``WDECAY = 5e-4``). Written from reading that code, not copied:

- nodes: the unlabelled subset then the labelled set, features L2-normalised;
- ``adj = (F F^T - I) @ diag(1 / column sums) + I`` (dense);
- GCN: ``relu(adj @ (x W1) + b1)`` -> dropout -> ``adj @ (h W3) + b3`` ->
  sigmoid; weights and biases uniform in ``+-1/sqrt(out_features)``; the
  k-center features are ``[h, adj @ (h W3) + b3]`` in eval mode (since commit
  a040272, April 2021; before, the input features);
- loss ``-mean(log s_L) - lambda * mean(log(1 - s_U))``, lambda = 1.2; 200
  full-batch Adam steps;
- k-center greedy (euclidean) from the labelled nodes, ``argmax`` of the
  minimum distance (first index on ties).

Shared conventions, so that one seed gives both sides the same initial weights
and dropout masks: torch's generator seeded with the seed the strategy derives,
the four parameters drawn in the order ``W1, b1, W3, b3`` (the authors' model
also draws an unused ``gc2`` layer between them, and an unused ``nn.Linear``;
leaving them out changes no computation).
"""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import pairwise_distances  # noqa: E402

from skactive import ActiveLearner  # noqa: E402
from skactive.neural._gcn import coregcn_features  # noqa: E402
from skactive.strategies import CoreGCN, kcenter_greedy  # noqa: E402

from .._helpers import one_torch_thread  # noqa: E402, F401


@pytest.fixture(scope="module", autouse=True)
def one_thread(one_torch_thread):
    yield


def ref_aff_to_adj(x):
    adj = x @ x.T
    adj = adj - torch.eye(adj.shape[0])
    col = adj.sum(dim=0)
    return adj @ torch.diag(1.0 / col) + torch.eye(adj.shape[0])


def ref_uniform(shape, out_features):
    bound = 1.0 / math.sqrt(out_features)
    return torch.empty(*shape).uniform_(-bound, bound).requires_grad_(True)


def ref_coregcn(Z_unlab, Z_lab, budget, seed, *, hidden=128, dropout=0.3, epochs=200,
                lambda_loss=1.2):
    """Picks (indices into Z_unlab) of the authors' CoreGCN selection."""
    n_u = len(Z_unlab)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        x = torch.nn.functional.normalize(
            torch.as_tensor(np.concatenate([Z_unlab, Z_lab]), dtype=torch.float32))
        adj = ref_aff_to_adj(x)
        W1, b1 = ref_uniform((x.shape[1], hidden), hidden), ref_uniform((hidden,), hidden)
        W3, b3 = ref_uniform((hidden, 1), 1), ref_uniform((1,), 1)
        params = [W1, b1, W3, b3]

        def forward(training):
            h = torch.relu(adj @ (x @ W1) + b1)
            h = torch.nn.functional.dropout(h, dropout, training=training)
            out = adj @ (h @ W3) + b3
            return torch.sigmoid(out), torch.cat([h, out], dim=1)

        opt = torch.optim.Adam(params, lr=1e-3, weight_decay=5e-4)
        for _ in range(epochs):
            opt.zero_grad()
            scores, _ = forward(True)
            lnl, lnu = torch.log(scores[n_u:]), torch.log(1 - scores[:n_u])
            loss = -lnl.mean() - lambda_loss * lnu.mean()
            loss.backward()
            opt.step()
        with torch.no_grad():
            _, feat = forward(False)
    feat = feat.numpy()
    labelled = list(range(n_u, len(feat)))
    min_d = pairwise_distances(feat, feat[labelled]).min(axis=1)
    batch = []
    for _ in range(budget):
        ind = int(np.argmax(min_d))
        assert ind < n_u
        batch.append(ind)
        min_d = np.minimum(min_d, pairwise_distances(feat, feat[[ind]])[:, 0])
    return np.array(batch), feat


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    perm = np.random.RandomState(1).permutation(len(X))
    return X[perm] / 16.0, y[perm]  # non-negative: the plain cosine of the paper


@pytest.mark.parametrize("dropout, epochs", [(0.0, 200), (0.3, 60)])
def test_gcn_features_and_kcenter_same_seed(digits, dropout, epochs):
    """Same graph, seed and weights: the same GCN features and the same picks, in order.

    Without dropout the training is deterministic and the 200 steps agree to
    1e-6. With dropout both sides draw the same masks, but float32 rounding
    differences (dense ``A (X W)`` against skactive's factorised ``(A X) W``,
    ``log(sigmoid)`` against ``logsigmoid``) can flip a ReLU unit late in
    training (seen between steps 100 and 200 on this graph), after which the
    runs drift apart: that case is checked over 60 steps.
    """
    X = digits[0]
    Z_lab, Z_unl = X[:60], X[60:360]
    ref_idx, ref_feat = ref_coregcn(Z_unl, Z_lab, 25, seed=3, dropout=dropout, epochs=epochs)
    F_u, F_l, _ = coregcn_features(Z_unl, Z_lab, dropout=dropout, epochs=epochs, random_state=3)
    np.testing.assert_allclose(np.vstack([F_u, F_l]), ref_feat, rtol=1e-4, atol=1e-5)
    ours = kcenter_greedy(F_u, 25, F_l)[0]
    np.testing.assert_array_equal(ours, ref_idx)


def test_strategy_defaults_are_the_authors(digits):
    """``CoreGCN(space="input")`` on a pool smaller than its subset: the authors' picks
    (the strategy's defaults otherwise; dropout off, see the test above)."""
    X, y = digits
    X_lab, y_lab, X_pool = X[:80], y[:80], X[80:480]
    learner = ActiveLearner(LogisticRegression(max_iter=300), random_state=0).fit(X_lab, y_lab)
    picks = CoreGCN(space="input", dropout=0.0, random_state=5).query(X_pool, learner, 20)
    seed = np.random.RandomState(5).randint(2**31 - 1)  # the torch seed CoreGCN derives
    ref_idx, _ = ref_coregcn(X_pool, X_lab, 20, seed=seed, dropout=0.0)
    assert set(picks.tolist()) == set(ref_idx.tolist())  # Jaccard 1.0
    np.testing.assert_array_equal(picks, ref_idx)  # and the same order
