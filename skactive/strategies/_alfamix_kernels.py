"""Numerical kernels of ALFA-Mix (see :class:`skactive.strategies.AlfaMix`).

Exact flip thresholds of the reference's closed form with a linear head
(github.com/AminParvaneh/alpha_mix_active_learning, commit
b79d95458081efff6d9a3d17d50cf6b4fae6f98c, ``query_strategies/alpha_mix_sampling.py``,
``calculate_optimum_alpha``), and the k-means selection of the candidates
(``sample``).
"""

import warnings

import numpy as np
from scipy.special import softmax
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning

#: The reference's guard: ``alpha = ... / (z* - z + 1e-8)`` (closed form) and
#: ``clamp(alpha, min=1e-8, max=cap)`` (learned).
_GUARD = 1e-8
#: ``|z*_d - z_d|`` up to which the closed form's factor ``(z*_d - z_d) / (z*_d -
#: z_d + 1e-8)`` is computed exactly by the linear shortcut; above, it is taken
#: as 1 (it then differs from 1 by less than 1 %).
_COINCIDE_TOL = 1e-6
_TINY = 1e-12
#: Above this many (anchor, class) pairs the ReLU correction works anchor by anchor.
_DENSE_MAX_PAIRS = 400


def _anchor_distances(Z, anchors):
    """Euclidean distances ``||z* - z_u||``, shape (n, n_anchors), in Z's dtype."""
    A = anchors.astype(Z.dtype, copy=False)
    d2 = (np.einsum("ij,ij->i", Z, Z)[:, None] + np.einsum("ij,ij->i", A, A)[None, :]
          - 2.0 * (Z @ A.T))
    return np.sqrt(np.maximum(d2, 0.0))


def _official_factor(delta):
    r"""The reference's per-dimension factor of the closed-form move.

    ``alpha = s g / (delta + 1e-8)`` gives the move ``alpha * delta = s g *
    delta / (delta + 1e-8)``: 1 where ``delta`` is not tiny, 0 where
    ``z*_d == z_d``. Clipped to ``[0, 1]``: it leaves that range only for
    ``delta`` in ``(-2e-8, 0)`` (``-inf`` at ``-1e-8``, taken as 0).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        r = delta / (delta + _GUARD)
    return np.clip(np.where(np.isfinite(r), r, 0.0), 0.0, 1.0)


def _shared_values(anchors, reference, tol):
    """Boolean (A, D): anchor value within ``tol`` of 0 or of a value of that column of
    ``reference`` (the labelled embeddings and a strided sample of the pool)."""
    R = np.sort(np.vstack([reference, np.zeros((1, anchors.shape[1]))]), axis=0)
    last = len(R) - 1
    out = np.empty(anchors.shape, dtype=bool)
    for d in range(anchors.shape[1]):
        col, v = R[:, d], anchors[:, d]
        i = np.searchsorted(col, v)
        out[:, d] = ((np.abs(col[np.minimum(i, last)] - v) <= tol)
                     | (np.abs(v - col[np.maximum(i - 1, 0)]) <= tol))
    return out


def _inverse_exit_times(gap_inv, V, y_hat):
    """``1 / t`` for :func:`_exit_times` in class-major layout: ``max(0, max_k (V_k -
    V_yhat) / (L_yhat - L_k))``. ``gap_inv`` is ``1 / gap`` with 0 at ``y_hat``,
    shape (K, n); ``V`` is (K, n) or (K, A, n) (one rate per anchor)."""
    idx = y_hat.reshape((1,) * (V.ndim - 1) + (-1,))
    q = V - np.take_along_axis(V, idx, axis=0)
    q *= gap_inv if V.ndim == 2 else gap_inv[:, None, :]
    return np.maximum(q.max(axis=0), 0.0)


def _linear_exit_times(Zc, head, anchors, shared):
    """Exact flip thresholds of the closed form with a linear head.

    Along the reference's move ``s g (.) r / ||g||`` (``r`` the official factor of
    each (sample, anchor, dimension)) the logits are ``L + s W (g (.) r) / ||g||``:
    the pool logits plus a shift linear in ``s``. With ``r = 1`` the shift rate is
    ``W g / ||g|| = P (W W^T) / ||g||`` (``g = P W``, ``P = p - e_yhat``), the same
    for every anchor; the dimensions where ``z*_d`` (nearly) equals ``z_d`` --
    among the anchor values flagged in ``shared`` -- are subtracted per anchor:
    anchor values 0 (ReLU units) through one product with the anchors' masked
    weights, other values column by column. Returns ``1 / s`` at which the
    prediction flips, shape (n_chunk, A) (0: never).
    """
    dt = Zc.dtype
    W = head.W.astype(dt, copy=False)
    K, A, n = W.shape[0], len(anchors), len(Zc)
    L = (Zc @ W.T).astype(np.float64) + head.b
    rows = np.arange(n)
    y_hat = L.argmax(axis=1)
    P = softmax(L, axis=1)
    P[rows, y_hat] -= 1.0
    PM = P @ (head.W @ head.W.T)
    g_norm = np.sqrt(np.maximum(np.einsum("ij,ij->i", PM, P), 0.0))[:, None]
    g_norm = np.maximum(g_norm, _TINY)
    V = np.ascontiguousarray((PM / g_norm).T, dtype=dt)  # W g / ||g||, (K, n)
    with np.errstate(divide="ignore"):
        gap_inv = 1.0 / (L[rows, y_hat][:, None] - L)
    gap_inv[rows, y_hat] = 0.0
    gap_inv = np.ascontiguousarray(gap_inv.T, dtype=dt)
    V3 = None
    cols = np.flatnonzero(shared.any(axis=0))
    if len(cols):
        ZU, WU = np.take(Zc, cols, axis=1), np.take(W, cols, axis=1)
        GU = (P / g_norm).astype(dt) @ WU  # g / ||g|| on those columns
        zero = shared[:, cols] & (anchors[:, cols] == 0.0)
        if zero.any():  # delta = -z: lag = 1 - r = 1 where z = 0 (and where |z| <= tol)
            near = np.abs(ZU) <= _COINCIDE_TOL
            lag = near.astype(dt)
            tiny = near & (ZU != 0)
            if tiny.any():
                lag[tiny] = 1.0 - _official_factor(-ZU[tiny].astype(np.float64))
            GL = np.multiply(GU, lag, out=lag)
            if A * K <= _DENSE_MAX_PAIRS:  # one product with the masked weights
                Wz = (WU[:, None, :] * zero[None, :, :]).reshape(K * A, -1)  # rows (k, a)
                V3 = (Wz @ GL.T).reshape(K, A, n)
                np.subtract(V[:, None, :], V3, out=V3)
            else:  # many classes: anchor by anchor, on its own columns only
                V3 = np.repeat(V[:, None, :], A, axis=1)
                for a in np.flatnonzero(zero.any(axis=1)):
                    c = np.flatnonzero(zero[a])
                    V3[:, a, :] -= np.take(WU, c, axis=1) @ np.take(GL, c, axis=1).T
        pa, pc = np.nonzero(shared[:, cols] & ~zero)  # other shared values: rare hits
        if len(pa):
            near = np.abs(anchors[pa, cols[pc]] - np.take(ZU, pc, axis=1)) <= _COINCIDE_TOL
            for a in np.unique(pa[near.any(axis=0)]):
                c = pc[pa == a]
                delta = anchors[a, cols[c]] - np.take(ZU, c, axis=1)
                near_a = np.abs(delta) <= _COINCIDE_TOL
                hit = np.flatnonzero(near_a.any(axis=1))
                if V3 is None:
                    V3 = np.repeat(V[:, None, :], A, axis=1)
                lag = np.where(near_a[hit], 1.0 - _official_factor(delta[hit]), 0.0)
                V3[:, a, hit] -= WU[:, c] @ (lag * np.take(GU[hit], c, axis=1)).T
    if V3 is None:
        return np.repeat(_inverse_exit_times(gap_inv, V, y_hat)[:, None], A, axis=1)
    return _inverse_exit_times(gap_inv, V3, y_hat).T


def _linear_entry_bound(Zc, head, anchors, dW):
    """An upper bound of ``1 / s`` (see ``_linear_exit_times``) per row, valid for
    every anchor, and the anchor distances. The correction of the shift rate on the flagged columns
    ``U`` is a sum of ``lag * g_d / ||g|| * (W_k - W_yhat)_d`` with ``lag`` in
    ``[0, 1]``, so it changes ``V_k - V_yhat`` by at most ``dW[yhat, k] =
    ||(W_k - W_yhat)_U||``."""
    K = len(head.b)
    LZ = Zc @ np.vstack([head.W, anchors]).T.astype(Zc.dtype)  # logits and Z anchors^T
    L = LZ[:, :K].astype(np.float64) + head.b
    rows = np.arange(len(Zc))
    y_hat = L.argmax(axis=1)
    P = softmax(L, axis=1)
    P[rows, y_hat] -= 1.0
    PM = P @ (head.W @ head.W.T)
    g_norm = np.sqrt(np.maximum(np.einsum("ij,ij->i", PM, P), 0.0))
    V = PM / np.maximum(g_norm, _TINY)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        q = (V - V[rows, y_hat][:, None] + dW[y_hat]) / (L[rows, y_hat][:, None] - L)
    q[rows, y_hat] = 0.0
    q = np.where(np.isnan(q), np.inf, q).max(axis=1)
    d2 = (np.einsum("ij,ij->i", Zc, Zc)[:, None] + np.einsum("ij,ij->i", anchors, anchors)
          - 2.0 * LZ[:, K:])
    dist = np.sqrt(np.maximum(d2, 0.0))
    return np.maximum(q, 0.0), dist


def _kmeans_pp(F, k, rng):
    """Greedy k-means++ seeding (``2 + log k`` trials per centre, as scikit-learn's)."""
    sq = np.einsum("ij,ij->i", F, F)
    FT = np.ascontiguousarray(F.T)
    n_trials = 2 + int(np.log(k))
    first = rng.randint(len(F))
    d2 = np.maximum(sq - 2.0 * (F[first] @ FT) + sq[first], 0.0)
    centers = [first]
    for _ in range(1, k):
        cum = np.cumsum(d2)
        if cum[-1] > 0:
            trials = np.searchsorted(cum, rng.uniform(size=n_trials) * cum[-1])
            np.minimum(trials, len(F) - 1, out=trials)
        else:  # only duplicates left
            trials = rng.randint(len(F), size=n_trials)
        dist = F[trials] @ FT
        dist *= -2.0
        dist += sq
        dist += sq[trials, None]
        np.maximum(dist, 0.0, out=dist)
        np.minimum(dist, d2, out=dist)
        best = dist.sum(axis=1).argmin()
        centers.append(trials[best])
        d2 = dist[best]
    return F[centers]


def _kmeans_representatives(F, k, fast, random_state):
    """Index (into F) of the row nearest each k-means centre (empty clusters skipped).

    ``fast=False``: ``KMeans(k, n_init=10)`` on all rows (the reference). ``fast=True``:
    one k-means++ seeding on a random subset of ``max(10 k, 1000)`` rows, at most 5
    Lloyd iterations on ``max(100 k, 10 000)`` rows (all rows if fewer), then every
    row assigned to the nearest final centre.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        if not fast:
            km = KMeans(n_clusters=k, n_init=10, random_state=random_state).fit(F)
            centers, labels = km.cluster_centers_, km.labels_
        else:
            perm = random_state.permutation(len(F))
            seed = F[np.sort(perm[: max(10 * k, 1000)])]
            fit = F[np.sort(perm[: max(100 * k, 10_000)])]
            km = KMeans(n_clusters=k, init=_kmeans_pp(seed, k, random_state), n_init=1,
                        max_iter=5, random_state=random_state).fit(fit)
            centers = km.cluster_centers_
            labels = km.labels_ if len(fit) == len(F) else _anchor_distances(
                F, centers).argmin(axis=1)
    diff = F - centers[labels]
    d2 = np.einsum("ij,ij->i", diff, diff)
    order = np.lexsort((np.arange(len(F)), d2, labels))
    first = np.r_[True, labels[order][1:] != labels[order][:-1]]
    return order[first]
