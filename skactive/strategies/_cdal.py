"""Contextual diversity (CDAL): greedy k-center under a symmetric KL distance
between the softmax outputs of the learner."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..utils._scores import iter_pool_chunks, pool_chunk_size, reduce_class_scores
from ..utils._validation import check_n_select, check_probabilities
from ._diversity import greedy_farthest_first

__all__ = ["CDAL", "contextual_kcenter_greedy", "symmetric_kl"]


def _context(P, eps):
    """Floored, renormalised probabilities, their logs and ``sum p log p``."""
    P = np.clip(np.asarray(P, dtype=np.float64), eps, None)
    P /= P.sum(axis=1, keepdims=True)
    L = np.log(P)
    return P, L, np.einsum("ij,ij->i", P, L)


def _check_pq(P, Q, q_name="Q", allow_empty=False):
    P = check_probabilities(P, "P")
    if Q is None or (allow_empty and len(Q) == 0):
        return P, None
    Q = check_probabilities(Q, q_name)
    if Q.shape[1] != P.shape[1]:
        raise ValueError(
            f"P and {q_name} must have the same number of classes (columns), got "
            f"{P.shape[1]} and {Q.shape[1]}."
        )
    return P, Q


_EPS_CONSTRAINT = [Interval(Real, 0, 1, closed="neither")]


@validate_params(
    {"P": ["array-like"], "Q": ["array-like"], "eps": _EPS_CONSTRAINT},
    prefer_skip_nested_validation=True,
)
def symmetric_kl(P, Q, *, eps=1e-8):
    r"""Pairwise symmetric KL divergence between rows of probabilities.

    :math:`d(p, q) = \tfrac12 \mathrm{KL}(p \| q) + \tfrac12 \mathrm{KL}(q \| p)
    = \tfrac12 \sum_k (p_k - q_k)(\log p_k - \log q_k)`, the distance between
    two contexts in CDAL (Agarwal et al. 2020, eq. 3). Probabilities are
    floored at ``eps`` and renormalised so that it is finite. Computed as
    ``0.5 * (s_p + s_q - P @ log(Q).T - log(P) @ Q.T)`` with
    ``s = sum(p log p)``: two matrix products, no Python loop.

    Parameters
    ----------
    P : ndarray of shape (n, K)
    Q : ndarray of shape (m, K)
    eps : float, default=1e-8

    Returns
    -------
    D : ndarray of shape (n, m)

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import symmetric_kl
    >>> D = symmetric_kl(np.array([[0.5, 0.5]]), np.array([[0.5, 0.5], [0.8, 0.2]]))
    >>> np.round(D, 4)  # 0.5 * (0.3 log 1.6 + 0.3 log 2.5) = 0.3 log 2
    array([[0.    , 0.2079]])
    """
    P, Q = _check_pq(P, Q)
    P, LP, sP = _context(P, eps)
    Q, LQ, sQ = _context(Q, eps)
    D = sP[:, None] + sQ[None, :] - P @ LQ.T - LP @ Q.T
    D *= 0.5
    return np.maximum(D, 0.0, out=D)


@validate_params(
    {
        "P": ["array-like"],
        "k": [Interval(Integral, 1, None, closed="left")],
        "P_start": ["array-like", None],
        "eps": _EPS_CONSTRAINT,
        "chunk_size": [Interval(Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def contextual_kcenter_greedy(P, k, P_start=None, *, eps=1e-8, chunk_size=None):
    r"""Greedy k-center (Sener & Savarese 2018, Algorithm 1) under the symmetric
    KL distance :func:`symmetric_kl` (CDAL-CS, Agarwal et al. 2020, section 3.3).

    The greedy loop and its conventions are those of
    :func:`~skactive.strategies.kcenter_greedy` (ties to the smallest index, a
    point is never picked twice, duplicates filled in index order, first pick
    of index 0 without ``P_start``); only the distance differs. Its generic
    metric path would call a Python metric once per pair; here the distance
    to a new centre ``c`` is ``0.5 * (s + s_c - P @ log p_c - log(P) @ p_c)``:
    one matrix-vector product with ``[P, log P]``, ``O(n K)`` per pick.
    Distances to the start set are computed in chunks of ``chunk_size`` pool
    rows, so no ``n x m`` matrix is stored.

    Parameters
    ----------
    P : ndarray of shape (n, K)
        Softmax outputs of the candidates.
    k : int
    P_start : ndarray of shape (m, K), default=None
        Softmax outputs of the initial centres (the labelled set).
    eps : float, default=1e-8
        Probability floor.
    chunk_size : int, default=None
        Pool rows per block of distances to ``P_start`` (default: from
        sklearn's ``working_memory``).

    Returns
    -------
    selected : ndarray of shape (k,)
    pick_distances : ndarray of shape (k,)
    min_distances : ndarray of shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import contextual_kcenter_greedy
    >>> P = np.array([[0.9, 0.1], [0.5, 0.5], [0.1, 0.9], [0.88, 0.12]])
    >>> sel, d, _ = contextual_kcenter_greedy(P, 2, P_start=np.array([[0.9, 0.1]]))
    >>> sel
    array([2, 1])
    """
    P, P_start = _check_pq(P, P_start, "P_start", allow_empty=True)
    k = check_n_select(k, P.shape[0], pool_name="P")
    P, L, s = _context(P, eps)
    n = P.shape[0]
    # d(., c) = s/2 + s_c/2 - [P, L] @ [log p_c, p_c] / 2: one matrix product
    PL = np.hstack([P, L])
    PL *= 0.5
    half_s = 0.5 * s
    if P_start is not None and len(P_start):
        Ps, Ls, ss = _context(P_start, eps)
        Q = np.hstack([Ls, Ps])
        half_ss = 0.5 * ss
        if chunk_size is None:
            chunk_size = pool_chunk_size(n, row_bytes=8 * 2 * Ps.shape[0])
        min_d = np.empty(n)
        for sl in iter_pool_chunks(n, chunk_size):
            D = PL[sl] @ Q.T
            np.subtract(half_ss[None, :], D, out=D)
            min_d[sl] = D.min(axis=1)
            min_d[sl] += half_s[sl]
        np.maximum(min_d, 0.0, out=min_d)
    else:
        min_d = np.full(n, np.inf)

    def distance_to(i):
        d = PL @ np.concatenate([L[i], P[i]])
        np.subtract(half_s, d, out=d)
        d += half_s[i]
        return d

    return greedy_farthest_first(min_d, k, distance_to)


class CDAL(BaseQueryStrategy):
    r"""Contextual Diversity for Active Learning (CDAL-CS), for any classifier
    with ``predict_proba``.

    Agarwal et al. (2020) measure the *context* of a sample by its softmax
    output and the distance between two contexts by the symmetric KL
    divergence (eq. 3), :math:`d(p, q) = \tfrac12 \mathrm{KL}(p\|q) +
    \tfrac12 \mathrm{KL}(q\|p)`; CDAL-CS selects a batch by greedy k-center
    (the CoreSet algorithm) under this distance, starting from the labelled
    set: :math:`u = \arg\max_{i \in D_u} \min_{j \in D_l \cup s} d(p_i, p_j)`.

    Class-conditional context. In the paper, the context of class :math:`c`
    in image :math:`I` is the entropy-weighted mean of the softmax vectors of
    the regions (pixels, boxes) predicted as :math:`c` (eq. 1-2), and the
    distance sums the symmetric KL over classes. In image classification
    a sample is one region: its class-conditional context is its own softmax
    vector :math:`p_I` for :math:`c = \hat y_I` (the entropy weight cancels in
    the weighted mean, as in the authors' ``preprocess.py``) and undefined for
    the other classes. We follow the classification code that ALFA-Mix
    (Parvaneh et al. 2022) used to compare with CDAL (``cdal_model.py``,
    ``select_coreset``): symmetric KL between the full softmax vectors, which
    already separates samples with different predicted classes (keeping only
    classes defined in both samples, as the segmentation code does, would put
    every pair with different predictions at distance 0 and make k-center
    degenerate). The reinforcement-learning selector (CDAL-RL) is not
    implemented.

    First pick. The authors' CDAL-CS (sharat29ag/CDAL, ``CDAL_CS.py``,
    ``kCenterGreedy.select_batch``, commit a5697b5) draws the first sample of
    every batch uniformly at random and selects the others greedily from the
    labelled set plus that sample; this is the default
    (``first_pick="random"``). The classification port in the ALFA-Mix code
    (``models/cdal_model.py``, ``select_coreset``) takes the farthest sample
    from the labelled set first, as CoreSet does: ``first_pick="farthest"``
    (deterministic, ties to the smallest index). The random draw is over the
    unlabelled pool (the authors' ``np.random.choice`` runs over every
    frame, labelled ones included, and then asserts that the pick is
    unlabelled), from ``random_state`` instead of numpy's global generator.

    Other deviations from the reference code: probabilities are floored at
    ``eps`` and renormalised (the reference takes ``log 0`` and produces NaN
    for confident predictions); the distances to the labelled set are
    computed in chunks and the greedy loop keeps only an ``O(n_pool)`` vector
    (the reference builds the full ``n x m`` matrix and updates it in a
    Python loop over samples). After the first pick the loop is
    deterministic (ties to the smallest index).

    Scores: for selected samples the context distance at which they were
    picked (non-increasing in the selection order after the first pick; the
    random first pick scores its distance to the labelled set), for the
    others their final distance to the nearest centre.

    Parameters
    ----------
    eps : float, default=1e-8
        Floor of the probabilities before the logarithm.
    first_pick : {"random", "farthest"}, default="random"
        ``"random"``: the first sample of the batch is drawn uniformly from
        the pool (authors' CDAL-CS code); ``"farthest"``: the sample farthest
        from the labelled set (ALFA-Mix's classification port).
    random_state : int, RandomState instance or None, default=None
        Draws the first pick (``first_pick="random"``).

    References
    ----------
    S. Agarwal, H. Arora, S. Anand, C. Arora. "Contextual Diversity for
    Active Learning", ECCV 2020, eq. 1-3 and section 3.3 (CDAL-CS).
    A. Parvaneh et al. "Active Learning by Feature Mixing", CVPR 2022
    (baseline "CDAL").

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skactive import ActiveLearner
    >>> from skactive.datasets import load_letter
    >>> from skactive.strategies import CDAL
    >>> X, y = load_letter(return_X_y=True)
    >>> learner = ActiveLearner(make_pipeline(StandardScaler(), LogisticRegression()),
    ...                         query_strategy=CDAL()).fit(X[:300], y[:300])
    >>> learner.query(X[300:2300], budget=5).shape
    (5,)
    """

    _parameter_constraints = {
        "eps": [Interval(Real, 0, 1, closed="neither")],
        "first_pick": [StrOptions({"random", "farthest"})],
        "random_state": ["random_state"],
    }

    def __init__(self, eps=1e-8, first_pick="random", random_state=None):
        self.eps = eps
        self.first_pick = first_pick
        self.random_state = random_state

    def __query_tags__(self):
        return QueryStrategyTags(
            requires_proba=True,
            requires_labeled_data=True,
            stochastic=self.first_pick == "random",
        )

    def _query(self, X_pool, learner, budget, random_state):
        P, _ = reduce_class_scores(learner, X_pool, lambda S: S, kind="proba")
        P_lab, _ = reduce_class_scores(learner, learner.X_labeled_, lambda S: S, kind="proba")
        if self.first_pick == "farthest":
            selected, pick_d, min_d = contextual_kcenter_greedy(P, budget, P_lab, eps=self.eps)
            scores = min_d
            scores[selected] = pick_d
            return selected, scores
        n = P.shape[0]
        first = int(random_state.choice(n))  # the authors' draw, from random_state
        rest = np.delete(np.arange(n), first)
        start = np.vstack([P_lab, P[first : first + 1]])
        scores = np.zeros(n)
        if budget == 1:
            sel = np.empty(0, dtype=np.intp)
            chunk = pool_chunk_size(max(len(rest), 1), 8 * len(start))
            for sl in iter_pool_chunks(len(rest), chunk) if len(rest) else ():
                scores[rest[sl]] = symmetric_kl(P[rest[sl]], start, eps=self.eps).min(axis=1)
        else:
            sel, pick_d, min_d = contextual_kcenter_greedy(
                P[rest], budget - 1, start, eps=self.eps
            )
            scores[rest] = min_d
            scores[rest[sel]] = pick_d
        if len(P_lab):
            scores[first] = symmetric_kl(P[first : first + 1], P_lab, eps=self.eps).min()
        else:
            scores[first] = scores.max()
        return np.r_[first, rest[sel]].astype(np.intp), scores
