"""BADGE: batch active learning by diverse gradient embeddings (Ash et al.)."""

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_array

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..utils._embedding import check_embedding_learner, head_gradient_factors
from ..utils._scores import iter_pool_chunks, pool_chunk_size
from ..utils._validation import check_n_select, check_same_n_rows

__all__ = ["BADGE", "badge_kmeanspp", "gradient_sq_distances"]


def _row_sq_norms(M, chunk_size=8192):
    out = np.empty(M.shape[0])
    for sl in iter_pool_chunks(M.shape[0], chunk_size):
        block = M[sl].astype(np.float64, copy=False)
        out[sl] = np.einsum("ij,ij->i", block, block)
    return out


def _check_factors(A, H):
    """Validated gradient-embedding factors ``A`` (n, K) and ``H`` (n, D)."""
    A = check_array(A, dtype=[np.float64, np.float32], input_name="A")
    H = check_array(H, dtype=[np.float64, np.float32], input_name="H")
    check_same_n_rows(("A", A), ("H", H))
    return A, H


@validate_params(
    {"A": ["array-like"], "H": ["array-like"], "centers": ["array-like"],
     "g2": ["array-like", None]},
    prefer_skip_nested_validation=True,
)
def gradient_sq_distances(A, H, centers, *, g2=None):
    r"""Squared distances between gradient embeddings ``g_i = A_i (x) H_i``,
    without materialising them.

    .. math::
        \|g_i - g_c\|^2 = \|A_i\|^2\|H_i\|^2 + \|A_c\|^2\|H_c\|^2
                           - 2 (A_i \cdot A_c)(H_i \cdot H_c)

    Parameters
    ----------
    A : ndarray of shape (n, K)
    H : ndarray of shape (n, D)
    centers : array-like of int, shape (m,)
        Row indices of the centres.
    g2 : ndarray of shape (n,), default=None
        Precomputed ``||A_i||^2 ||H_i||^2``.

    Returns
    -------
    d2 : ndarray of shape (n, m)
        Clipped at 0.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import gradient_sq_distances
    >>> A = np.array([[1.0, -1.0], [0.5, -0.5]])
    >>> H = np.array([[1.0, 0.0], [0.0, 2.0]])
    >>> gradient_sq_distances(A, H, [0])
    array([[0.],
           [4.]])
    """
    A, H = _check_factors(A, H)
    centers = np.asarray(centers)
    if centers.ndim != 1 or not (centers.size == 0 or np.issubdtype(centers.dtype, np.integer)):
        raise ValueError(
            f"centers must be a 1-D array of row indices, got shape {centers.shape} "
            f"and dtype {centers.dtype}."
        )
    if centers.size and (centers.min() < 0 or centers.max() >= A.shape[0]):
        raise ValueError(f"centers must be row indices in [0, {A.shape[0]}).")
    centers = centers.astype(np.intp, copy=False)
    if g2 is not None:
        g2 = check_array(g2, ensure_2d=False, dtype=np.float64, input_name="g2")
        if g2.shape != (A.shape[0],):
            raise ValueError(f"g2 must have shape ({A.shape[0]},), got {g2.shape}.")
    if g2 is None:
        g2 = _row_sq_norms(A) * _row_sq_norms(H)
    G = (A @ A[centers].T) * (H @ H[centers].T)
    d2 = g2[:, None] + g2[centers][None, :] - 2.0 * G
    return np.maximum(d2, 0.0, out=d2)


@validate_params(
    {
        "A": ["array-like"],
        "H": ["array-like"],
        "k": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "max_pending": [Interval(Integral, 1, None, closed="left")],
        "chunk_size": [Interval(Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def badge_kmeanspp(A, H, k, random_state=None, *, max_pending=32, chunk_size=None):
    r"""k-means++ seeding on factorised gradient embeddings (exact D² sampling).

    The first centre is the sample with the largest gradient norm
    :math:`\|g_i\| = \|A_i\|\|H_i\|` (ties: smallest index), as in the BADGE
    reference code; each next centre is drawn with probability
    :math:`D^2(i) / \sum_j D^2(j)`, :math:`D(i)` the distance to the nearest
    chosen centre (Arthur & Vassilvitskii 2007; Ash et al. 2020, Algorithm 1).

    Implementation: ``D^2`` is kept as a vector of upper bounds that is
    refreshed for all samples with one matrix product per ``max_pending`` new
    centres; in between, a candidate drawn from the (stale) bounds is accepted
    with probability ``D^2_true(i) / bound(i)``, its exact value computed against
    the few centres added since the refresh. This rejection step makes every
    draw exactly :math:`\propto D^2`, while the work is dominated by
    ``k / max_pending`` chunked matrix products instead of ``k`` passes over
    the pool. Memory: the factors plus ``O(n)`` vectors and one chunk.

    Squared distances below ``100 * eps * (||g_i||^2 + ||g_c||^2)`` (rounding
    noise of the factorised formula) count as 0, so exact duplicates of a
    chosen sample are never drawn while other samples remain. When every
    remaining sample coincides with a centre (fewer distinct gradient
    embeddings than ``k``), the remaining picks are drawn uniformly at random
    among the unselected samples. No index is ever returned twice.

    Parameters
    ----------
    A : ndarray of shape (n, K)
    H : ndarray of shape (n, D)
    k : int
        Number of centres, ``k <= n``.
    random_state : int, RandomState instance or None
    max_pending : int, default=32
        Centres added between two full refreshes.
    chunk_size : int, default=None
        Rows per chunk in the refresh (default: from ``working_memory``).

    Returns
    -------
    centers : ndarray of shape (k,)
        Indices in selection order.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import badge_kmeanspp
    >>> A = np.array([[0.9, -0.9], [0.1, -0.1], [0.5, -0.5]])
    >>> H = np.ones((3, 2))
    >>> badge_kmeanspp(A, H, 2, random_state=0)
    array([0, 1])
    """
    A, H = _check_factors(A, H)
    rng = check_random_state(random_state)
    n = A.shape[0]
    k = check_n_select(k, n, pool_name="A and H")
    g2 = _row_sq_norms(A) * _row_sq_norms(H)
    eps = 100 * max(np.finfo(A.dtype).eps, np.finfo(H.dtype).eps)
    if chunk_size is None:
        chunk_size = pool_chunk_size(n, row_bytes=8 * 6 * max_pending)
    taken = np.zeros(n, dtype=bool)
    bound = np.full(n, np.inf)
    centers = [int(np.argmax(g2))]
    taken[centers[0]] = True
    pending = list(centers)

    def refresh():
        P = np.asarray(pending, dtype=np.intp)
        Ap, Hp, g2p = A[P].T, H[P].T, g2[P]
        for sl in iter_pool_chunks(n, chunk_size):
            d2 = (A[sl] @ Ap) * (H[sl] @ Hp)
            d2 *= -2.0
            base = g2[sl, None] + g2p[None, :]
            d2 += base
            d2[d2 <= eps * base] = 0.0
            np.minimum(bound[sl], d2.min(axis=1), out=bound[sl])
        bound[taken] = 0.0
        pending.clear()
        return np.cumsum(bound)

    cum = refresh()
    rejects = 0
    while len(centers) < k:
        if pending and (len(pending) >= max_pending or rejects >= 8):
            cum, rejects = refresh(), 0
        total = cum[-1]
        if not total > 0:  # only duplicates of centres are left
            rest = np.flatnonzero(~taken)
            extra = rng.choice(rest, size=k - len(centers), replace=False)
            centers.extend(int(i) for i in extra)
            break
        i = min(int(np.searchsorted(cum, rng.uniform() * total, side="right")), n - 1)
        d2 = bound[i]
        if taken[i]:
            d2 = 0.0
        elif pending:
            P = np.asarray(pending, dtype=np.intp)
            dp = g2[i] + g2[P] - 2.0 * (A[P] @ A[i]) * (H[P] @ H[i])
            dp[dp <= eps * (g2[i] + g2[P])] = 0.0
            d2 = min(d2, float(dp.min()))
        if rng.uniform() * bound[i] < d2:
            centers.append(i)
            taken[i] = True
            pending.append(i)
            rejects = 0
        else:
            rejects += 1
    return np.asarray(centers, dtype=np.intp)


class BADGE(BaseQueryStrategy):
    r"""Batch Active learning by Diverse Gradient Embeddings.

    Each pool sample is represented by the gradient of the cross-entropy loss
    at its predicted label w.r.t. the weights of the last (linear) layer,
    :math:`g_x = (e_{\hat y} - p(x)) \otimes h(x)` (Ash et al. 2020, eq. 1;
    :math:`h` the penultimate features, i.e. the learner's embedding, and
    :math:`p` its class probabilities). Its norm measures uncertainty, and
    k-means++ seeding on these embeddings picks a batch that is both uncertain
    and diverse (Algorithm 1). As in the reference code, the first centre is
    the largest gradient norm, and the next ones are drawn with probability
    :math:`D^2 / \sum D^2`.

    The ``(n_pool, K*D)`` gradient matrix is never built: only its factors
    (``(n, K)`` and ``(n, D)``) are kept, and distances use
    :math:`\|g_i\|^2 = \|a_i\|^2\|h_i\|^2`,
    :math:`g_i \cdot g_j = (a_i \cdot a_j)(h_i \cdot h_j)`
    (see :func:`gradient_sq_distances` and :func:`badge_kmeanspp`).

    Works with any learner that has a linear head on an embedding -- a
    ``Pipeline`` ending in ``LogisticRegression`` / ``LinearSVC`` /
    ``SGDClassifier`` / ``RidgeClassifier``, or one of them alone -- and with
    learners implementing the protocol of :mod:`skactive.utils._embedding`
    (``head_gradient_factors``). Probabilities are ``predict_proba`` when
    available, otherwise the softmax of the head logits. Other learners raise
    :class:`~skactive.exceptions.LearnerCapabilityError`.

    Scores are the gradient norms :math:`\|g_x\|`; indices are in k-means++
    order. Duplicates: see :func:`badge_kmeanspp` (never a repeated index).

    Parameters
    ----------
    include_bias : bool, default=False
        Also include the bias gradient (``h`` extended by a constant 1). The
        reference code leaves it out.
    random_state : int, RandomState instance or None, default=None

    References
    ----------
    J. T. Ash, C. Zhang, A. Krishnamurthy, J. Langford, A. Agarwal. "Deep
    Batch Active Learning by Diverse, Uncertain Gradient Lower Bounds", ICLR
    2020, eq. 1 and Algorithm 1; reference code github.com/JordanAsh/badge
    (``query_strategies/badge_sampling.py``). D. Arthur, S. Vassilvitskii,
    "k-means++: the advantages of careful seeding", SODA 2007.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skactive import ActiveLearner
    >>> from skactive.datasets import load_letter
    >>> from skactive.strategies import BADGE
    >>> X, y = load_letter(return_X_y=True)
    >>> learner = ActiveLearner(make_pipeline(StandardScaler(), LogisticRegression()),
    ...                         query_strategy=BADGE(random_state=0))
    >>> learner = learner.fit(X[:300], y[:300])
    >>> idx, scores = learner.query(X[300:2300], budget=10, return_scores=True)
    >>> bool(scores[idx[0]] == scores.max())
    True
    """

    _parameter_constraints = {
        "include_bias": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(self, include_bias=False, random_state=None):
        self.include_bias = include_bias
        self.random_state = random_state

    def __query_tags__(self):
        return QueryStrategyTags(
            requires_embedding=True, requires_head_gradient=True, stochastic=True
        )

    def _query(self, X_pool, learner, budget, random_state):
        check_embedding_learner(learner, head=True, strategy_name="BADGE")
        A, H = head_gradient_factors(learner, X_pool, include_bias=self.include_bias)
        scores = np.sqrt(_row_sq_norms(A) * _row_sq_norms(H))
        return badge_kmeanspp(A, H, budget, random_state), scores

