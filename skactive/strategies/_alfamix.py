"""ALFA-Mix: active learning by feature mixing (Parvaneh et al., CVPR 2022).

Reference code: github.com/AminParvaneh/alpha_mix_active_learning, commit
b79d95458081efff6d9a3d17d50cf6b4fae6f98c, ``query_strategies/alpha_mix_sampling.py``
(``query``, ``find_candidate_set``, ``calculate_optimum_alpha``,
``generate_alpha``, ``clamp_alpha``, ``learn_alpha``, ``sample``).
"""

from numbers import Integral, Real

import numpy as np
from scipy.special import softmax
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..exceptions import LearnerCapabilityError
from ..utils._embedding import get_embedding, get_linear_head, resolve_learner
from ..utils._scores import iter_pool_chunks, pool_chunk_size
from ._alfamix_kernels import (
    _COINCIDE_TOL,
    _GUARD,
    _TINY,
    _kmeans_representatives,
    _linear_entry_bound,
    _linear_exit_times,
    _official_factor,
    _shared_values,
)

__all__ = ["AlfaMix"]

#: Reference step (= starting value) of epsilon: the README's ``--alpha_cap 0.2``
#: for the closed form, the argparse default ``0.03125`` for the learned alpha.
_REFERENCE_EPSILON = {"closed_form": 0.2, "learned": 0.03125}
#: Rows of the pool (strided) searched for values that an anchor shares.
_N_PROBE_ROWS = 2048
#: ``kmeans="auto"``: the reference k-means up to ``n_candidates * budget`` of this.
_AUTO_KMEANS_WORK = 50_000


# --------------------------------------------------------------------- heads
class _LinearHead:
    """Logits ``Z W^T + b`` and the cross-entropy gradient ``(p - e_y) W``."""

    linear = True

    def __init__(self, W, b):
        self.W, self.b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)

    def logits(self, Z):
        return Z @ self.W.T + self.b

    def loss_grad(self, Z, y):
        L = self.logits(Z)
        P = softmax(L, axis=1)
        P[np.arange(len(y)), y] -= 1.0
        return L, P @ self.W


class _TorchHead:
    """Any torch head, a submodule or a method of the net's module (``module_.head``):
    autograd for the gradient w.r.t. the embedding. torch is imported only here."""

    linear = False

    def __init__(self, head, module, device):
        import torch

        self.torch, self.head, self.module, self.device = torch, head, module, device
        params = list(module.parameters())
        self.dtype = params[0].dtype if params else torch.float32

    def _run(self, Z, y=None):
        torch, module = self.torch, self.module
        was_training = module.training
        module.eval()
        try:
            z = torch.as_tensor(np.asarray(Z), dtype=self.dtype, device=self.device)
            if y is None:
                with torch.no_grad():
                    return self.head(z).double().cpu().numpy(), None
            with torch.enable_grad():
                z.requires_grad_(True)
                out = self.head(z)
                target = torch.as_tensor(y, dtype=torch.long, device=self.device)
                loss = torch.nn.functional.cross_entropy(out, target, reduction="sum")
                (grad,) = torch.autograd.grad(loss, z)
            return out.detach().double().cpu().numpy(), grad.double().cpu().numpy()
        finally:
            module.train(was_training)

    def logits(self, Z):
        return self._run(Z)[0]

    def loss_grad(self, Z, y):
        return self._run(Z, y)


def _resolve_head(learner):
    try:
        return _LinearHead(*get_linear_head(learner))
    except LearnerCapabilityError as exc:
        _, final = resolve_learner(learner)
        module = getattr(final, "module_", None)
        head = getattr(module, "head", None)
        if not callable(head) or not hasattr(module, "parameters"):
            raise LearnerCapabilityError(
                "AlfaMix needs the gradient of the loss w.r.t. the embedding: a "
                "linear head (coef_/intercept_ or linear_head()) or a torch head "
                f"(module_.head of a skorch net, a submodule or a method). {exc}"
            ) from exc
        return _TorchHead(head, module, getattr(final, "device", "cpu"))


# ----------------------------------------------------------------- building blocks
def _anchors(Z_lab, y_lab, classes, missing_anchor):
    """Mean labelled embedding per class (eq. before 3.2); see AlfaMix."""
    rows = [Z_lab[y_lab == c].mean(axis=0) for c in classes if np.any(y_lab == c)]
    if len(rows) < len(classes) and missing_anchor == "global_mean":
        rows.append(Z_lab.mean(axis=0))
    return np.asarray(rows, dtype=np.float64)


def _closed_form_alpha(z_u, anchor, grad, epsilon):
    r"""Closed-form interpolation ratio of the reference code (eq. 5 with its guard).

    .. math:: \alpha^* = \epsilon\,\|z^* - z^u\|_2\,
              \frac{\nabla_{z^u}\ell}{\|\nabla_{z^u}\ell\|_2} \oslash (z^* - z^u + 10^{-8})

    (``calculate_optimum_alpha``), so that the mix :math:`\alpha^*\odot z^* +
    (1-\alpha^*)\odot z^u` moves by :math:`\epsilon\|z^*-z^u\|\,g/\|g\|` on the
    dimensions where :math:`z^*_d \ne z^u_d` and stays put where they are equal.
    Not clamped (the reference does not clamp the closed form).

    Parameters
    ----------
    z_u, anchor, grad : ndarray of shape (D,) or (n, D)
    epsilon : float
        Already scaled (the reference divides by ``sqrt(D)``).

    Returns
    -------
    alpha : ndarray of the broadcast shape
    """
    z_u, anchor, grad = (np.asarray(a, dtype=float) for a in (z_u, anchor, grad))
    delta = anchor - z_u
    scale = epsilon * np.linalg.norm(delta, axis=-1, keepdims=True)
    scale = scale / np.maximum(np.linalg.norm(grad, axis=-1, keepdims=True), _TINY)
    with np.errstate(divide="ignore"):
        return scale * grad / (delta + _GUARD)


def _learn_alpha(head, Z, y_hat, anchors, epsilon, *, n_iter, learning_rate, l2_penalty,
                 rng):
    """Reference ``learn_alpha`` for one chunk: returns (flips (n, A), alpha (n, A, D)).

    alpha starts at ``clamp(N(eps/2, eps/2), 1e-8, eps)`` (``generate_alpha``);
    iterations ``0 .. n_iter-1`` each test the current mix for a flip, then take
    one step of a freshly created Adam (so the step is ``lr * g / (|g| + 1e-8)``)
    on ``-CE(head(mix), y_hat) + l2_penalty * ||alpha||``, the learning rate
    divided by 10 from iteration ``n_iter * 2/3`` on, and clamp to
    ``[1e-8, eps]``. As in the reference, the iterate after the last step is
    returned but not tested.
    """
    n, D = Z.shape
    A = anchors.shape[0]
    delta = anchors[None, :, :] - Z[:, None, :]
    alpha = np.clip(rng.normal(epsilon / 2.0, epsilon / 2.0, size=(n, A, D)), _GUARD, epsilon)
    y_rep = np.repeat(y_hat, A)
    flips = np.zeros((n, A), dtype=bool)
    for it in range(n_iter):
        mix = (Z[:, None, :] + alpha * delta).reshape(n * A, D)
        L, g_mix = head.loss_grad(mix, y_rep)
        flips |= (L.argmax(axis=1) != y_rep).reshape(n, A)
        norm = np.linalg.norm(alpha, axis=2, keepdims=True)
        g = -delta * g_mix.reshape(n, A, D) + l2_penalty * alpha / np.maximum(norm, _TINY)
        lr = learning_rate if it < n_iter * 2.0 / 3.0 else learning_rate / 10.0
        alpha -= lr * g / (np.abs(g) + 1e-8)
        np.clip(alpha, _GUARD, epsilon, out=alpha)
    return flips, alpha


def _epsilon_schedule(step, cap):
    """The reference loop ``c = 0; while c < cap: c += step`` (the last value may
    exceed ``cap`` when ``step`` does not divide it)."""
    values, c = [], 0.0
    while c < cap:
        c += step
        values.append(c)
    return values


# ------------------------------------------------------------------ strategy
class AlfaMix(BaseQueryStrategy):
    r"""ALFA-Mix: query the samples whose prediction flips when their embedding
    is mixed with labelled class anchors, diversified by k-means.

    For every pool sample with embedding :math:`z^u` (the learner's latent
    features) and pseudo-label :math:`\hat y = \arg\max_y f_c^y(z^u)`, and every
    anchor :math:`z^*` (the mean labelled embedding of a class), the mix
    :math:`\tilde z = \alpha\odot z^* + (1-\alpha)\odot z^u` (eq. 1) uses the
    :math:`\alpha` that most increases the loss of :math:`\hat y` (eq. 4). The
    candidates are the samples whose predicted label changes for at least one
    anchor (eq. 6). k-means with ``budget`` clusters on the candidates'
    L2-normalised embeddings then picks, per cluster, the candidate nearest to
    the centre (Algorithm 1).

    Indices: the k-means picks (or all candidates when there are no more than
    ``budget``) ordered by score, then fill-ins. Scores (``return_scores=True``):
    the number of anchors whose mix flips the prediction, at any evaluated
    :math:`\epsilon` (0 for non-candidates).

    Parameters
    ----------
    alpha_opt : {"closed_form", "learned"}, default="closed_form"
        How the interpolation ratio is chosen (eq. 5, or gradient steps).
    epsilon : float or "auto", default="auto"
        First value and step of the mixing bound :math:`\epsilon`.
    epsilon_max : float, default=1.0
        :math:`\epsilon` grows while it is below this value.
    epsilon_scaling : {"sqrt_dim", "none"}, default="sqrt_dim"
        Closed form only: divide :math:`\epsilon` by :math:`\sqrt D` (reference)
        or not (paper, eq. 5).
    direction : {"official", "gradient"}, default="official"
        Closed form only: the reference's move (dimensions where the anchor
        equals the sample stay still) or the whole normalised gradient.
    missing_anchor : {"global_mean", "skip"}, default="global_mean"
        Anchor for classes of ``learner.classes_`` with no labelled sample.
    n_iter : int, default=5
        Learned alpha: optimisation steps.
    learning_rate : float, default=0.1
        Learned alpha: step size (divided by 10 for the last third).
    l2_penalty : float, default=0.01
        Learned alpha: weight of :math:`\|\alpha\|_2` (the loss has weight 1).
    kmeans : {"auto", "reference", "fast"}, default="auto"
        Clustering of the candidates. ``"reference"``: ``KMeans`` with 10
        restarts on all of them. ``"fast"``: one k-means++ seeding on a random
        subset of ``max(10 * budget, 1000)`` candidates, at most 5 Lloyd
        iterations on ``max(100 * budget, 10 000)`` of them, then every
        candidate assigned to its nearest centre. ``"auto"``:
        ``"reference"`` while ``n_candidates * budget <= 50 000`` (e.g. 500
        candidates for a budget of 100), ``"fast"`` above.
    random_state : int, RandomState instance or None, default=None
        Seeds k-means, the learned alpha's initialisation and random fill-ins.

    Attributes
    ----------
    anchors_ : ndarray of shape (n_anchors, D)
        Anchors of the last query.
    candidate_mask_ : ndarray of bool, shape (n_pool,)
        Candidates of the last query (eq. 6).
    alpha_cap_ : float
        Final :math:`\epsilon` of the last query (before the
        :math:`\sqrt D` scaling).
    n_candidates_ : int
        ``candidate_mask_.sum()``.

    Notes
    -----
    The default follows the authors' code (github AminParvaneh/alpha_mix_active_learning,
    commit b79d954, ``query_strategies/alpha_mix_sampling.py``), checked
    against an independent re-derivation in ``tests/reference/``:

    - **closed form** (``alpha_opt="closed_form"``, eq. 5 as in
      ``calculate_optimum_alpha``): per dimension :math:`\alpha_d =
      \epsilon'\|z^*-z^u\|\,g_d / (\|g\|(z^*_d - z^u_d + 10^{-8}))` with
      :math:`g=\nabla_{z^u}\ell(f_c(z^u),\hat y)` and :math:`\epsilon' =
      \epsilon/\sqrt D`, not clamped. The mix therefore moves by
      :math:`\epsilon'\|z^*-z^u\|\,g/\|g\|` on the dimensions where
      :math:`z^*_d \ne z^u_d` and *not at all* where they are equal (e.g. a
      ReLU unit that is 0 for the sample and for the whole class).
      ``direction="gradient"`` moves along the whole gradient instead (eq. 5
      read as a step of that length along :math:`g`).
    - **learned alpha** (``alpha_opt="learned"``, ``generate_alpha`` and
      ``learn_alpha``): :math:`\alpha` starts at :math:`N(\epsilon/2,
      \epsilon/2)` clamped to :math:`[10^{-8}, \epsilon]`; ``n_iter=5``
      iterations each test the mix for a flip, then take one step of a freshly
      created Adam (``lr * g / (|g| + 1e-8)``) on :math:`-\ell +
      \lambda\|\alpha\|_2` (``learning_rate=0.1``, divided by 10 from iteration
      ``n_iter * 2/3`` on; ``l2_penalty=0.01``) and clamp again. No
      :math:`\sqrt D` scaling. The iterate after the last step is not tested.
    - **epsilon growth**: ``eps = 0; while eps < epsilon_max: eps += epsilon``,
      the candidates accumulated over the values, stopping as soon as there are
      *more* than ``budget``. ``epsilon="auto"`` is 0.2 for the closed form (the
      README's ``--alpha_cap 0.2``) and 1/32 for the learned alpha (the argparse
      default). The paper's Algorithm 1 uses one fixed :math:`\epsilon`: set
      ``epsilon_max=epsilon``.
    - **anchors** of classes without a labelled sample: the mean of all
      labelled embeddings (``missing_anchor="global_mean"``; the reference adds
      it once per missing class, skactive once: the candidates are the same).
    - **clustering**: ``KMeans(n_clusters=budget)`` with ``n_init=10`` (the
      reference's scikit-learn 0.23 default) on the L2-normalised candidates,
      the member nearest its own centre; all candidates when there are no more
      than ``budget``.

    **Cost.** With a linear head (``LogisticRegression``, a skorch net whose head
    is one ``Linear``...) the closed form never builds a mix: the logits of a
    mix are the pool logits plus a shift linear in the step length, so the flip
    test of each (sample, anchor) is a threshold, computed once for all
    epsilons; the dimensions that the reference leaves still are found from
    the values that an anchor shares with the labelled set, with 0, or with a
    strided sample of the pool, and corrected for per anchor (on a factor
    ``(z*_d - z_d)/(z*_d - z_d + 1e-8)`` that differs from 1 by less than 1 %
    elsewhere). Other heads evaluate the mixes chunk by chunk. The learned
    alpha costs ``O(n_steps * n_iter * n * anchors * D * K)``: small pools.
    k-means dominates large candidate sets: see ``kmeans``. On 60 000 x 256
    ReLU-like features, 10 classes, budget 100, a query costs about 5 Margin
    queries (``benchmarks/bench_alfamix.py``). The masked dimensions make the
    thresholds depend on the anchor: ``O(n * anchors * K)`` work on the rows
    that may flip, which grows with the number of classes (with 100 classes,
    tens of Margin queries); ``direction="gradient"`` stays ``O(n (K + anchors))``.

    Deliberate deviations from the reference (the first six never change the
    candidates):
    (1) randomness only through ``random_state`` (the reference uses the
    global torch/numpy RNGs); (2) an empty candidate set does not crash (the
    reference's ``u_selected_idxs`` is then undefined); (3) missing picks
    (empty k-means clusters, duplicate embeddings) are filled first from the
    remaining candidates, by score (then at random), and only then at random
    from the other pool samples, *without replacement* (the reference's
    ``np.random.choice`` can return duplicates); (4) a sample whose gradient is
    exactly zero does not move (the reference divides by ``||g|| = 0``); the
    move is computed as ``z + alpha * (z* - z)``, free of the cancellation of
    ``(1 - alpha) z + alpha z*`` when ``alpha`` is large; (5) the minimum-norm
    flipping alpha that the reference keeps is only logged there, and is not
    kept here; (6) the closed form's factor ``(z*_d - z_d)/(z*_d - z_d + 1e-8)``
    is clipped to ``[0, 1]`` (outside only for ``z*_d - z_d`` in ``(-2e-8, 0)``,
    where the reference's ``alpha`` is about ``1e8`` times the step); (7) large
    candidate sets are clustered by a faster k-means (``kmeans="auto"``; the
    reference's for ``kmeans="reference"``).

    References
    ----------
    A. Parvaneh, E. Abbasnejad, D. Teney, R. Haffari, A. van den Hengel,
    J. Q. Shi. "Active Learning by Feature Mixing", CVPR 2022, eqs. 1-6 and
    Algorithm 1; reference code github.com/AminParvaneh/alpha_mix_active_learning.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skactive import ActiveLearner
    >>> from skactive.datasets import load_letter
    >>> from skactive.strategies import AlfaMix
    >>> X, y = load_letter(return_X_y=True)
    >>> learner = ActiveLearner(make_pipeline(StandardScaler(), LogisticRegression()),
    ...                         query_strategy=AlfaMix(random_state=0))
    >>> learner = learner.fit(X[:300], y[:300])
    >>> idx, scores = learner.query(X[300:2300], budget=10, return_scores=True)
    >>> idx.shape, bool((scores[idx] > 0).all())
    ((10,), True)
    >>> strategy = learner.query_strategy_
    >>> bool(strategy.n_candidates_ > 10), strategy.anchors_.shape
    (True, (26, 16))
    """

    _parameter_constraints = {
        "alpha_opt": [StrOptions({"closed_form", "learned"})],
        "epsilon": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
        "epsilon_max": [Interval(Real, 0, None, closed="neither")],
        "epsilon_scaling": [StrOptions({"sqrt_dim", "none"})],
        "direction": [StrOptions({"official", "gradient"})],
        "missing_anchor": [StrOptions({"global_mean", "skip"})],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "l2_penalty": [Interval(Real, 0, None, closed="left")],
        "kmeans": [StrOptions({"auto", "reference", "fast"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        alpha_opt="closed_form",
        epsilon="auto",
        epsilon_max=1.0,
        epsilon_scaling="sqrt_dim",
        direction="official",
        missing_anchor="global_mean",
        n_iter=5,
        learning_rate=0.1,
        l2_penalty=0.01,
        kmeans="auto",
        random_state=None,
    ):
        self.alpha_opt = alpha_opt
        self.epsilon = epsilon
        self.epsilon_max = epsilon_max
        self.epsilon_scaling = epsilon_scaling
        self.direction = direction
        self.missing_anchor = missing_anchor
        self.n_iter = n_iter
        self.learning_rate = learning_rate
        self.l2_penalty = l2_penalty
        self.kmeans = kmeans
        self.random_state = random_state

    def __query_tags__(self):
        return QueryStrategyTags(
            requires_labeled_data=True,
            requires_embedding=True,
            requires_head_gradient=True,
            stochastic=True,
        )

    # ---------------------------------------------------------------- flips
    def _schedule(self):
        step = _REFERENCE_EPSILON[self.alpha_opt] if self.epsilon == "auto" else self.epsilon
        return _epsilon_schedule(float(step), float(self.epsilon_max))

    def _flips(self, Z, head, anchors, budget, rng, *, Z_lab=None, exact_linear=True):
        """Boolean (n, n_anchors) flips accumulated up to the final epsilon, and that epsilon."""
        n, D = Z.shape
        A = anchors.shape[0]
        schedule = self._schedule()
        closed = self.alpha_opt == "closed_form"
        official = self.direction == "official"
        scale = 1.0 / np.sqrt(D) if closed and self.epsilon_scaling == "sqrt_dim" else 1.0
        dtype = np.float32 if Z.dtype == np.float32 else np.float64
        if closed and head.linear and exact_linear:
            shared = np.zeros(anchors.shape, dtype=bool)
            if official:
                probe = Z[np.unique(np.linspace(0, n - 1, min(n, _N_PROBE_ROWS)).astype(int))]
                ref = probe if Z_lab is None else np.vstack([Z_lab, probe])
                shared = _shared_values(anchors, ref, _COINCIDE_TOL)
            # entry[u, a]: the epsilon above which the mix of u towards a flips,
            # computed only for the pairs whose lower bound is below the current eps
            U = shared.any(axis=0)
            dW = np.linalg.norm((head.W[None, :, U] - head.W[:, None, U]), axis=2)
            K = head.W.shape[0]
            chunk = pool_chunk_size(n, row_bytes=8 * (2 * D + 8 * (A + K)))
            q_max, dist = np.empty(n), np.empty((n, A))
            for sl in iter_pool_chunks(n, chunk):
                q_max[sl], dist[sl] = _linear_entry_bound(Z[sl].astype(dtype, copy=False),
                                                          head, anchors, dW)
            with np.errstate(divide="ignore", invalid="ignore"):
                low = 0.999 / (q_max[:, None] * scale * dist)  # <= entry[u, a]
            entry = np.full((n, A), np.inf)
            first = np.full(n, np.inf)
            done = np.zeros((n, A), dtype=bool)
            chunk = pool_chunk_size(n, row_bytes=8 * (6 * D + 4 * A * K + 8 * (A + K)))
            for eps in schedule:
                todo = ~done & (low < eps)
                rows_todo = np.flatnonzero(todo.any(axis=1))
                for sl in iter_pool_chunks(len(rows_todo), chunk) if len(rows_todo) else ():
                    rows = rows_todo[sl]
                    inv_t = _linear_exit_times(Z[rows].astype(dtype, copy=False), head,
                                               anchors, shared)
                    with np.errstate(divide="ignore", invalid="ignore"):
                        e = 1.0 / (inv_t * (scale * dist[rows]))
                    e = np.where(np.isnan(e), np.inf, e)
                    entry[rows] = e
                    done[rows] = True
                    first[rows] = entry[rows].min(axis=1)
                if np.count_nonzero(first < eps) > budget:
                    break
            return entry < eps, eps
        # generic: evaluate the head on the mixes, chunk by chunk, step by step
        y_hat = np.empty(n, dtype=np.intp)
        grads = np.empty((n, D)) if closed else None
        for sl in iter_pool_chunks(n, pool_chunk_size(n, row_bytes=8 * (2 * D + 128))):
            Zc = Z[sl].astype(np.float64, copy=False)
            y_hat[sl] = head.logits(Zc).argmax(axis=1)
            if closed:
                g = head.loss_grad(Zc, y_hat[sl])[1]
                grads[sl] = g / np.maximum(np.linalg.norm(g, axis=1, keepdims=True), _TINY)
        flips = np.zeros((n, A), dtype=bool)
        chunk = pool_chunk_size(n, row_bytes=8 * A * (7 * D + 3 * 64))
        for eps in schedule:
            for sl in iter_pool_chunks(n, chunk):
                Zc = Z[sl].astype(np.float64, copy=False)
                if closed:
                    delta = anchors[None, :, :] - Zc[:, None, :]
                    step = (eps * scale) * np.linalg.norm(delta, axis=2)
                    move = step[:, :, None] * grads[sl, None, :]
                    if official:
                        move *= _official_factor(delta)
                    L = head.logits((Zc[:, None, :] + move).reshape(-1, D))
                    flips[sl] |= L.reshape(len(Zc), A, -1).argmax(axis=2) != y_hat[sl, None]
                else:
                    flips[sl] |= _learn_alpha(
                        head, Zc, y_hat[sl], anchors, eps, n_iter=self.n_iter,
                        learning_rate=self.learning_rate, l2_penalty=self.l2_penalty,
                        rng=rng,
                    )[0]
            if np.count_nonzero(flips.any(axis=1)) > budget:
                break
        return flips, eps

    # ------------------------------------------------------------ selection
    def _query(self, X_pool, learner, budget, random_state):
        head = _resolve_head(learner)
        Z = get_embedding(learner, X_pool)
        Z_lab = np.asarray(get_embedding(learner, learner.X_labeled_), dtype=np.float64)
        y_lab = np.asarray(learner.y_labeled_)
        classes = getattr(learner, "classes_", np.unique(y_lab))
        anchors = _anchors(Z_lab, y_lab, classes, self.missing_anchor)
        flips, eps = self._flips(Z, head, anchors, budget, random_state, Z_lab=Z_lab)
        scores = flips.sum(axis=1).astype(float)
        mask = scores > 0
        self.anchors_, self.candidate_mask_ = anchors, mask
        self.alpha_cap_, self.n_candidates_ = float(eps), int(mask.sum())
        return self._select(Z, scores, mask, budget, random_state), scores

    @staticmethod
    def _by_score(indices, scores, random_state=None):
        """``indices`` by decreasing score; ties by index, or at random if seeded."""
        tie = np.arange(len(indices)) if random_state is None else random_state.permutation(
            len(indices))
        return indices[np.lexsort((tie, -scores[indices]))]

    def _cluster(self, F, budget, random_state):
        fast = self.kmeans == "fast" or (
            self.kmeans == "auto" and len(F) * budget > _AUTO_KMEANS_WORK)
        return _kmeans_representatives(F, budget, fast, random_state)

    def _select(self, Z, scores, mask, budget, random_state):
        cand = np.flatnonzero(mask)
        if len(cand) > budget:
            F = Z[cand].astype(np.float32 if Z.dtype == np.float32 else np.float64)
            F /= np.maximum(np.linalg.norm(F, axis=1, keepdims=True), _TINY)
            picked = self._by_score(cand[self._cluster(F, budget, random_state)], scores)
            rest = np.setdiff1d(cand, picked, assume_unique=True)
            fill = self._by_score(rest, scores, random_state)[: budget - len(picked)]
            return np.concatenate([picked, fill]).astype(np.intp)
        picked = self._by_score(cand, scores)
        others = np.flatnonzero(~mask)
        fill = others[random_state.permutation(len(others))[: budget - len(picked)]]
        return np.concatenate([picked, fill]).astype(np.intp)
