"""CoreGCN: CoreSet on the features of a graph convolutional network trained to
tell labelled from unlabelled samples."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..utils._embedding import get_embedding
from ._diversity import kcenter_greedy

__all__ = ["CoreGCN"]


class CoreGCN(BaseQueryStrategy):
    r"""CoreGCN (Caramalau et al. 2021): greedy k-center on the features of a
    GCN over the labelled and unlabelled embeddings.

    1. Embeddings of a random subset of at most ``subset_size`` pool samples
       and of the whole labelled set (:func:`~skactive.utils.get_embedding`:
       a net's ``embed``, a pipeline's transform, ...) become the nodes of a
       graph, L2-normalised.
    2. Adjacency from embedding similarity, :math:`S = V V^\top` (cosine),
       normalised as in the authors' ``aff_to_adj``:
       :math:`\hat A = (S - I) D^{-1} + I`, each *column* divided by its
       degree (``adjacency_norm="column"``); section 3.2 of the paper writes
       :math:`D^{-1}(S - I) + I` (rows, ``adjacency_norm="row"``).
    3. A two-layer GCN (``hidden_units``, ReLU, dropout) is trained
       full-batch for ``epochs`` epochs (Adam) to classify nodes as labelled
       (1) or unlabelled (0) with the loss
       :math:`-\overline{\log s_L} - \lambda\, \overline{\log(1 - s_U)}`.
    4. CoreSet: greedy k-center (:func:`~skactive.strategies.kcenter_greedy`)
       on the GCN features ``[hidden, logit]`` of the unlabelled nodes,
       starting from the labelled nodes.

    Defaults follow the authors' code (razvancaramalau/
    Sequential-GCN-for-Active-Learning, ``selection_methods.py``,
    ``query_samples`` and ``aff_to_adj``, commit bbc43db) and ALFA-Mix's
    CoreGCN baseline (``gcn_sampling.py``): subset of 10 000 pool samples,
    128 hidden units, dropout 0.3, Adam with ``lr=1e-3`` and weight decay
    ``5e-4``, 200 epochs, :math:`\lambda = 1.2`, column-normalised
    adjacency (``adj @ diag(1 / adj.sum(0))``, although the code's comment
    says "rowise sum"), and k-center on the GCN features ``[hidden, logit]``
    (the authors' code does so since April 2021, commit a040272; before,
    ``feat = features`` used the input features).

    Deviations, on purpose:

    - The graph is never materialised: :math:`S` has rank ``D`` (the
      embedding dimension), so ``A @ X`` costs ``O(N D h)`` and memory is
      ``O(N D)`` (the reference builds the dense N x N matrix;
      :class:`skactive.neural._gcn.AdjacencyOperator`). The first
      aggregation ``A X`` is computed once, since ``A (X W) = (A X) W``.
    - ``similarity="auto"``: cosine (the paper) when embeddings are
      non-negative (ReLU features, where all cosines are >= 0); otherwise
      (e.g. standardised features of a pipeline) ``(1 + cos) / 2``, so that
      degrees stay positive.
    - Subset sampling and the GCN's initialisation and dropout use
      ``random_state`` (the reference uses the global generators). The
      subset is enlarged to ``budget`` when needed.

    Scores: k-center distances (the pick distance for selected samples, the
    final distance to the nearest centre for the other subset samples), NaN
    for pool samples outside the subset.

    Needs torch (``pip install skactive[torch]``) for the GCN; the learner
    can be any model with an embedding.

    Parameters
    ----------
    subset_size : int, default=10000
        Pool samples in the graph (random subset; the rest are not scored).
    hidden_units : int, default=128
    dropout : float, default=0.3
    lr : float, default=1e-3
    weight_decay : float, default=5e-4
    epochs : int, default=200
    lambda_loss : float, default=1.2
        Weight :math:`\lambda` of the unlabelled term of the loss.
    similarity : {"auto", "cosine", "shifted_cosine"}, default="auto"
    adjacency_norm : {"column", "row"}, default="column"
        "column": the authors' ``aff_to_adj``; "row": the paper's
        :math:`D^{-1}(S - I) + I` (the default of earlier skactive versions).
    space : {"embedding", "input"}, default="embedding"
    random_state : int, RandomState instance or None, default=None

    References
    ----------
    R. Caramalau, B. Bhattarai, T.-K. Kim. "Sequential Graph Convolutional
    Network for Active Learning", CVPR 2021, section 3.2 (CoreGCN).
    A. Parvaneh et al. "Active Learning by Feature Mixing", CVPR 2022
    (baseline "GCNAL").

    Examples
    --------
    >>> import pytest
    >>> _ = pytest.importorskip("torch")
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skactive import ActiveLearner
    >>> from skactive.datasets import load_letter
    >>> from skactive.strategies import CoreGCN
    >>> X, y = load_letter(return_X_y=True)
    >>> learner = ActiveLearner(make_pipeline(StandardScaler(), LogisticRegression()),
    ...                         query_strategy=CoreGCN(epochs=20, random_state=0))
    >>> learner = learner.fit(X[:300], y[:300])
    >>> learner.query(X[300:1300], budget=5).shape
    (5,)
    """

    _parameter_constraints = {
        "subset_size": [Interval(Integral, 1, None, closed="left")],
        "hidden_units": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "epochs": [Interval(Integral, 0, None, closed="left")],
        "lambda_loss": [Interval(Real, 0, None, closed="left")],
        "similarity": [StrOptions({"auto", "cosine", "shifted_cosine"})],
        "adjacency_norm": [StrOptions({"row", "column"})],
        "space": [StrOptions({"embedding", "input"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        subset_size=10000,
        hidden_units=128,
        dropout=0.3,
        lr=1e-3,
        weight_decay=5e-4,
        epochs=200,
        lambda_loss=1.2,
        similarity="auto",
        adjacency_norm="column",
        space="embedding",
        random_state=None,
    ):
        self.subset_size = subset_size
        self.hidden_units = hidden_units
        self.dropout = dropout
        self.lr = lr
        self.weight_decay = weight_decay
        self.epochs = epochs
        self.lambda_loss = lambda_loss
        self.similarity = similarity
        self.adjacency_norm = adjacency_norm
        self.space = space
        self.random_state = random_state

    def __query_tags__(self):
        return QueryStrategyTags(
            requires_embedding=True,
            requires_labeled_data=True,
            requires_torch=True,
            stochastic=True,
        )

    def _query(self, X_pool, learner, budget, random_state):
        try:
            from ..neural._gcn import coregcn_features
        except ImportError as exc:
            raise ImportError(
                "CoreGCN trains a graph convolutional network with PyTorch, which is "
                "not installed: pip install skactive[torch] (the learner itself can "
                f"be any model with an embedding). ({exc})"
            ) from exc

        n = X_pool.shape[0]
        size = min(n, max(self.subset_size, budget))
        subset = np.sort(random_state.choice(n, size, replace=False)) if size < n else np.arange(n)
        Z = get_embedding(learner, X_pool[subset], space=self.space)
        Z_lab = get_embedding(learner, learner.X_labeled_, space=self.space)
        F_u, F_l, _ = coregcn_features(
            Z, Z_lab, hidden_units=self.hidden_units, dropout=self.dropout, lr=self.lr,
            weight_decay=self.weight_decay, epochs=self.epochs, lambda_loss=self.lambda_loss,
            similarity=self.similarity, norm=self.adjacency_norm,
            random_state=random_state.randint(2**31 - 1),
        )
        selected, pick_d, min_d = kcenter_greedy(F_u, budget, F_l)
        min_d[selected] = pick_d
        scores = np.full(n, np.nan)
        scores[subset] = min_d
        return subset[selected], scores
