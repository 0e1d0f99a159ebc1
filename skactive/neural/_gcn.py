"""Graph convolutional network over labelled + unlabelled embeddings (CoreGCN).

The graph of Caramalau et al. (2021) is dense (every pair of nodes is linked
by the similarity of their embeddings), but its adjacency is low-rank plus
diagonal: with unit-norm embeddings :math:`V` (N x D) the affinity is
:math:`S = V V^\\top`, so ``A @ X`` is computed as ``V @ (V.T @ X)`` plus
diagonal terms in ``O(N D h)`` time and ``O(N D)`` memory; the N x N matrix
is never built (:class:`AdjacencyOperator`).
"""

import contextlib
import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ._callbacks import torch_seed

__all__ = ["AdjacencyOperator", "GCN", "adjacency_matrix", "coregcn_features"]


#: Graphs with fewer ``nodes x max(features, hidden)`` entries than this are
#: trained on one torch thread: each epoch is a few tiny kernels, so thread
#: synchronisation costs more than it saves (10x slower measured on a busy
#: 2-core machine for 400 nodes).
_SMALL_GRAPH = 2**20


@contextlib.contextmanager
def _single_thread(enabled):
    if not enabled:
        yield
        return
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)


def _affinity_factor(Z, similarity):
    """``V`` such that the affinity is ``S = V V^T``."""
    Z = torch.as_tensor(np.asarray(Z, dtype=np.float32))
    V = F.normalize(Z, dim=1)
    if similarity == "auto":
        similarity = "cosine" if bool((Z >= 0).all()) else "shifted_cosine"
    if similarity == "shifted_cosine":  # (1 + cos) / 2 = [v, 1]/sqrt(2) . [v', 1]/sqrt(2)
        V = torch.cat([V, torch.ones(V.shape[0], 1)], dim=1) / math.sqrt(2.0)
    elif similarity != "cosine":
        raise ValueError(
            f"similarity must be 'auto', 'cosine' or 'shifted_cosine', got {similarity!r}."
        )
    return V


class AdjacencyOperator:
    r"""The normalised adjacency of CoreGCN as a linear operator.

    :math:`A = (S - \mathrm{diag}(S)) D^{-1} + I` (``norm="column"``, the
    default: what the authors' ``aff_to_adj`` computes,
    ``adj @ diag(1 / adj.sum(0))``, despite its "rowise sum" comment), or
    :math:`A = D^{-1}(S - \mathrm{diag}(S)) + I` (``norm="row"``, the
    paper's :math:`\hat A = D^{-1}(S - I) + I`, Caramalau et al. section 3.2;
    ``diag(S) = I`` for unit-norm embeddings), with :math:`D` the diagonal of the row sums of
    :math:`S - \mathrm{diag}(S)` and :math:`S = V V^\top`. Degrees
    :math:`\le 0` (isolated nodes) are replaced by 1.

    Parameters
    ----------
    V : torch.Tensor of shape (N, r)
    norm : {"column", "row"}, default="column"
    """

    def __init__(self, V, norm="column"):
        if norm not in ("row", "column"):
            raise ValueError(f"norm must be 'row' or 'column', got {norm!r}.")
        self.V = V
        self.norm = norm
        self.self_sim = (V * V).sum(dim=1)
        deg = V @ V.sum(dim=0) - self.self_sim
        self.deg = torch.where(deg > 0, deg, torch.ones_like(deg))

    def __call__(self, X):
        """``A @ X`` for ``X`` of shape (N, h)."""
        Y = X / self.deg[:, None] if self.norm == "column" else X
        SY = self.V @ (self.V.T @ Y) - self.self_sim[:, None] * Y
        if self.norm == "row":
            SY = SY / self.deg[:, None]
        return SY + X


def adjacency_matrix(Z, *, similarity="auto", norm="column"):
    """The dense normalised adjacency of CoreGCN (small graphs: tests, inspection).

    Parameters
    ----------
    Z : ndarray of shape (N, D)
        Node embeddings (L2-normalised here).
    similarity : {"auto", "cosine", "shifted_cosine"}, default="auto"
        Cosine similarity of the embeddings (the paper); ``"shifted_cosine"``
        uses ``(1 + cos) / 2``, which stays non-negative; ``"auto"`` uses the
        cosine when every embedding coordinate is ``>= 0`` (ReLU features: all
        similarities are then ``>= 0``) and the shifted cosine otherwise.
    norm : {"column", "row"}, default="column"

    Returns
    -------
    A : ndarray of shape (N, N)

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.neural._gcn import adjacency_matrix
    >>> A = adjacency_matrix(np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]]))
    >>> np.round(A.sum(axis=0), 6)  # (S - I) D^-1 has columns summing to 1, plus I
    array([2., 2., 2.], dtype=float32)
    """
    V = _affinity_factor(Z, similarity)
    op = AdjacencyOperator(V, norm=norm)
    return op(torch.eye(V.shape[0])).numpy()


class GraphConvolution(nn.Module):
    """``A @ (X W) + b`` (Kipf & Welling 2017), weights initialised uniformly in
    ``±1/sqrt(out_features)`` as in the CoreGCN code."""

    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(in_features, out_features))
        self.bias = nn.Parameter(torch.empty(out_features))
        stdv = 1.0 / math.sqrt(out_features)
        nn.init.uniform_(self.weight, -stdv, stdv)
        nn.init.uniform_(self.bias, -stdv, stdv)

    def forward(self, x, adj, *, aggregated=False):
        # A (X W) = (A X) W: with aggregated=True, x is already A X
        support = x @ self.weight
        return (support if aggregated else adj(support)) + self.bias


class GCN(nn.Module):
    """Two graph convolutions with ReLU and dropout between them, one output
    (the labelled-vs-unlabelled logit), as the CoreGCN code uses them
    (``gc1 -> relu -> dropout -> gc3``; its unused ``gc2`` is left out).

    ``forward(ax, adj)`` takes ``ax = adj(x)`` (the first aggregation does not
    change during training, so it is computed once) and returns
    ``(logit, hidden)``.
    """

    def __init__(self, n_features, hidden_units=128, dropout=0.3):
        super().__init__()
        self.gc1 = GraphConvolution(n_features, hidden_units)
        self.gc3 = GraphConvolution(hidden_units, 1)
        self.dropout = dropout

    def forward(self, ax, adj):
        h = F.relu(self.gc1(ax, adj, aggregated=True))
        h = F.dropout(h, self.dropout, training=self.training)
        return self.gc3(h, adj)[:, 0], h


def coregcn_features(
    Z_unlabeled,
    Z_labeled,
    *,
    hidden_units=128,
    dropout=0.3,
    lr=1e-3,
    weight_decay=5e-4,
    epochs=200,
    lambda_loss=1.2,
    similarity="auto",
    norm="column",
    random_state=None,
):
    r"""Train the CoreGCN node classifier and return the GCN features.

    Nodes are the unlabelled then the labelled embeddings; the GCN is trained
    full-batch with Adam to tell labelled (1) from unlabelled (0) nodes with
    the loss of the CoreGCN code,
    :math:`-\frac{1}{|L|}\sum_{i \in L} \log s_i - \lambda \frac{1}{|U|}
    \sum_{i \in U} \log(1 - s_i)` (Caramalau et al. section 3.2, :math:`s` the
    sigmoid output, :math:`\lambda` = 1.2), computed with ``logsigmoid`` for
    stability. Small graphs (below ``_SMALL_GRAPH`` entries) train on a single
    torch thread, restored afterwards.

    Returns
    -------
    F_unlabeled, F_labeled : ndarray
        ``[hidden, logit]`` per node in eval mode (the features ALFA-Mix's
        CoreGCN uses for the k-center step).
    proba_labeled_unlabeled : ndarray of shape (n_unlabeled,)
        ``sigmoid(logit)`` of the unlabelled nodes (UncertainGCN's score).
    """
    n_u = len(Z_unlabeled)
    Z = np.concatenate([np.asarray(Z_unlabeled), np.asarray(Z_labeled)], axis=0)
    small = Z.shape[0] * max(Z.shape[1], hidden_units) < _SMALL_GRAPH
    with torch_seed(random_state), torch.enable_grad(), _single_thread(small):
        V = _affinity_factor(Z, similarity)
        adj = AdjacencyOperator(V, norm=norm)
        X = F.normalize(torch.as_tensor(Z, dtype=torch.float32), dim=1)
        AX = adj(X)
        model = GCN(X.shape[1], hidden_units=hidden_units, dropout=dropout)
        optim = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
        model.train()
        for _ in range(int(epochs)):
            optim.zero_grad()
            logit, _ = model(AX, adj)
            loss = -F.logsigmoid(logit[n_u:]).mean()
            if n_u:
                loss = loss - lambda_loss * F.logsigmoid(-logit[:n_u]).mean()
            loss.backward()
            optim.step()
        model.eval()
        with torch.no_grad():
            logit, h = model(AX, adj)
            feats = torch.cat([h, logit[:, None]], dim=1).numpy().astype(np.float64)
            proba = torch.sigmoid(logit[:n_u]).numpy()
    return feats[:n_u], feats[n_u:], proba
