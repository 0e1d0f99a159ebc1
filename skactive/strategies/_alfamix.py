"""ALFA-Mix: active learning by feature mixing (Parvaneh et al., CVPR 2022)."""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.special import softmax
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..exceptions import LearnerCapabilityError
from ..utils._embedding import get_embedding, get_linear_head, resolve_learner
from ..utils._scores import iter_pool_chunks, pool_chunk_size

__all__ = ["AlfaMix"]

#: Reference step (= starting value) of epsilon: the README's ``--alpha_cap 0.2``
#: for the closed form, the argparse default ``0.03125`` for the learned alpha.
_REFERENCE_EPSILON = {"closed_form": 0.2, "learned": 0.03125}
_TINY = 1e-12


# --------------------------------------------------------------------- heads
class _LinearHead:
    """Logits ``Z W^T + b`` and the cross-entropy gradient ``(p - e_y) W``."""

    linear = True

    def __init__(self, W, b):
        self.W, self.b = W, b

    def logits(self, Z):
        return Z @ self.W.T + self.b

    def loss_grad(self, Z, y):
        L = self.logits(Z)
        P = softmax(L, axis=1)
        P[np.arange(len(y)), y] -= 1.0
        return L, P @ self.W


class _TorchHead:
    """Any torch head (e.g. ``module_.head`` of a skorch net): autograd for the
    gradient w.r.t. the embedding. torch is imported only here."""

    linear = False

    def __init__(self, module, device):
        import torch

        self.torch, self.module, self.device = torch, module, device
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
                    return module(z).double().cpu().numpy(), None
            with torch.enable_grad():
                z.requires_grad_(True)
                out = module(z)
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
        head = getattr(getattr(final, "module_", None), "head", None)
        if head is None or not hasattr(head, "parameters"):
            raise LearnerCapabilityError(
                "AlfaMix needs the gradient of the loss w.r.t. the embedding: a "
                "linear head (coef_/intercept_ or linear_head()) or a torch head "
                f"(module_.head of a skorch net). {exc}"
            ) from exc
        return _TorchHead(head, getattr(final, "device", "cpu"))


# ----------------------------------------------------------------- building blocks
def _anchors(Z_lab, y_lab, classes, missing_anchor):
    """Mean labelled embedding per class (eq. before 3.2); see AlfaMix."""
    rows = [Z_lab[y_lab == c].mean(axis=0) for c in classes if np.any(y_lab == c)]
    if len(rows) < len(classes) and missing_anchor == "global_mean":
        rows.append(Z_lab.mean(axis=0))
    return np.asarray(rows, dtype=np.float64)


def _anchor_distances(Z, anchors):
    """Euclidean distances ``||z* - z_u||``, shape (n, n_anchors), float64."""
    Z = Z.astype(np.float64, copy=False)
    d2 = (
        np.einsum("ij,ij->i", Z, Z)[:, None]
        + np.einsum("ij,ij->i", anchors, anchors)[None, :]
        - 2.0 * (Z @ anchors.T)
    )
    return np.sqrt(np.maximum(d2, 0.0))


def _exit_times(L, V, y_hat):
    """First ``t > 0`` at which ``argmax(L + t V) != y_hat`` (``inf`` if never).

    The region where class ``y_hat`` wins is convex, so along a ray it is left
    once and never re-entered: the flip test at any step length is a threshold.
    """
    rows = np.arange(len(y_hat))
    gap = L[rows, y_hat][:, None] - L
    rate = V - V[rows, y_hat][:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(rate > 0, gap / np.where(rate > 0, rate, 1.0), np.inf)
    t[rows, y_hat] = np.inf
    return t.min(axis=1)


def _closed_form_step(grad, dist, epsilon):
    r"""Eq. 5: ``alpha (.) (z* - z_u) = epsilon ||z* - z_u|| g / ||g||``.

    Returns the mixing displacement for every anchor, shape (n, A, D).
    """
    g_norm = np.linalg.norm(grad, axis=1, keepdims=True)
    g_hat = grad / np.maximum(g_norm, _TINY)
    return (epsilon * dist)[:, :, None] * g_hat[:, None, :]


def _closed_form_alpha(z_u, anchor, grad, epsilon):
    r"""Closed-form interpolation ratio of ALFA-Mix (Parvaneh et al., eq. 5).

    .. math:: \alpha^* = \epsilon\,\|z^* - z^u\|_2\,
              \frac{\nabla_{z^u}\ell}{\|\nabla_{z^u}\ell\|_2} \oslash (z^* - z^u)

    so that the mix :math:`\alpha^*\odot z^* + (1-\alpha^*)\odot z^u` is the step
    of length :math:`\epsilon\|z^*-z^u\|` along the loss gradient (the maximiser
    of the linearised loss, eq. 4, over steps of that length). As in the
    reference code, ``1e-8`` guards the element-wise division.

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
    return scale * grad / (delta + 1e-8)


def _learn_alpha(head, Z, y_hat, anchors, epsilon, *, n_iter, learning_rate, l2_penalty,
                 rng):
    """Reference's learned alpha for one chunk: returns (flips (n, A), alpha (n, A, D)).

    alpha starts at ``clip(N(eps/2, eps/2), 0, eps)``; each iteration minimises
    ``-CE(head(mix), y_hat) + l2_penalty * ||alpha||`` by one Adam step from a
    fresh optimiser (as in the reference: the step is ``lr * g / (|g| + 1e-8)``),
    the learning rate divided by 10 for the last third, then clips to
    ``[0, eps]``. A flip at any iterate (the final one included) counts.
    """
    n, D = Z.shape
    A = anchors.shape[0]
    delta = anchors[None, :, :] - Z[:, None, :]
    alpha = np.clip(rng.normal(epsilon / 2.0, epsilon / 2.0, size=(n, A, D)), 0.0, epsilon)
    y_rep = np.repeat(y_hat, A)
    flips = np.zeros((n, A), dtype=bool)
    for it in range(n_iter + 1):
        mix = (Z[:, None, :] + alpha * delta).reshape(n * A, D)
        if it == n_iter:
            L = head.logits(mix)
            flips |= (L.argmax(axis=1) != y_rep).reshape(n, A)
            break
        L, g_mix = head.loss_grad(mix, y_rep)
        flips |= (L.argmax(axis=1) != y_rep).reshape(n, A)
        norm = np.linalg.norm(alpha, axis=2, keepdims=True)
        g = -delta * g_mix.reshape(n, A, D) + l2_penalty * alpha / np.maximum(norm, _TINY)
        lr = learning_rate if it < n_iter * 2.0 / 3.0 else learning_rate / 10.0
        alpha -= lr * g / (np.abs(g) + 1e-8)
        np.clip(alpha, 0.0, epsilon, out=alpha)
    return flips, alpha


def _epsilon_schedule(step, cap):
    n_steps = max(1, int(np.ceil(cap / step - 1e-9)))
    return [min((k + 1) * step, cap) for k in range(n_steps)]


def _kmeans_representatives(F, k, random_state):
    """Index (into F) of the row nearest each k-means centre (empty clusters skipped)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        km = KMeans(n_clusters=k, n_init=1, random_state=random_state).fit(F)
    labels = km.labels_
    d2 = np.einsum("ij,ij->i", F - km.cluster_centers_[labels], F - km.cluster_centers_[labels])
    order = np.lexsort((np.arange(len(F)), d2, labels))
    first = np.r_[True, labels[order][1:] != labels[order][:-1]]
    return order[first]


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

    ``alpha_opt="closed_form"`` (eq. 5): :math:`\alpha\odot(z^*-z^u) =
    \epsilon'\|z^*-z^u\|\,g/\|g\|` with :math:`g=\nabla_{z^u}\ell(f_c(z^u),\hat y)`,
    i.e. the mix is a step of length :math:`\epsilon'\|z^*-z^u\|` along the
    loss gradient. With a linear head (``W^T(p - e_{\hat y})`` is the gradient)
    the flip test along that ray is an exact threshold, so no
    ``n x anchors x D`` tensor is built at all. ``alpha_opt="learned"``
    (appendix / reference ``learn_alpha``): ``n_iter`` gradient steps on
    :math:`-\ell + \lambda\|\alpha\|_2` per sample and anchor, :math:`\alpha`
    clipped to :math:`[0, \epsilon]^D` (chunked; cost
    ``O(n_steps * n_iter * n * anchors * D * K)``, meant for small pools or
    embeddings).

    Behaviour of the reference code (github AminParvaneh/alpha_mix_active_learning,
    ``query_strategies/alpha_mix_sampling.py``), followed by default:

    - **epsilon growth**: :math:`\epsilon` starts at ``epsilon`` and grows by
      ``epsilon`` (``epsilon, 2 epsilon, ...``) up to ``epsilon_max=1``,
      stopping as soon as the candidate set is *larger* than the budget;
      candidates are accumulated over the steps. ``epsilon="auto"`` is 0.2 for
      the closed form (the README's ``--alpha_cap 0.2``) and 1/32 for the
      learned alpha (the argparse default). The paper's Algorithm 1 uses one
      fixed :math:`\epsilon`: set ``epsilon_max=epsilon``.
    - **scaling** (closed form only): the reference divides :math:`\epsilon`
      by :math:`\sqrt{D}` (``epsilon_scaling="sqrt_dim"``,
      :math:`\epsilon'=\epsilon/\sqrt D`); ``"none"`` is eq. 5 literally.
    - **learned alpha**: initialised from :math:`N(\epsilon/2, \epsilon/2)`
      clipped to :math:`[0,\epsilon]`, ``n_iter=5`` steps of a freshly created
      Adam (so each step is ``lr * g / (|g| + 1e-8)``), ``learning_rate=0.1``
      divided by 10 for the last third, ``l2_penalty=0.01``; no
      :math:`\sqrt D` scaling.
    - **anchors** of classes absent from the labelled set: the reference uses
      the mean of all labelled embeddings (``missing_anchor="global_mean"``,
      added once); the paper has no rule; ``"skip"`` drops them.
    - **clustering**: ``KMeans`` on L2-normalised candidate embeddings, the
      member nearest its own centre.

    Deliberate deviations from the reference: (1) randomness only through
    ``random_state`` (the reference uses the global torch/numpy RNGs);
    (2) an empty candidate set does not crash (the reference's
    ``u_selected_idxs`` is then undefined); (3) missing picks (empty k-means
    clusters, duplicate embeddings) are filled first from the remaining
    candidates, by score (then at random), and only then at random from the
    other pool samples, *without replacement* (the reference's
    ``np.random.choice`` can return duplicates); (4) k-means runs with
    ``n_init=1`` (k-means++ seeding) instead of the then-default 10
    restarts; (5) the learned alpha is also tested after its last step (the
    reference computes that iterate but never evaluates it); (6) the last
    :math:`\epsilon` is clipped to ``epsilon_max`` (the reference can overshoot
    1 when the step does not divide it).

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
        Largest :math:`\epsilon` tried.
    epsilon_scaling : {"sqrt_dim", "none"}, default="sqrt_dim"
        Closed form only: divide :math:`\epsilon` by :math:`\sqrt D` (reference)
        or not (paper, eq. 5).
    missing_anchor : {"global_mean", "skip"}, default="global_mean"
        Anchor for classes of ``learner.classes_`` with no labelled sample.
    n_iter : int, default=5
        Learned alpha: optimisation steps.
    learning_rate : float, default=0.1
        Learned alpha: step size (divided by 10 for the last third).
    l2_penalty : float, default=0.01
        Learned alpha: weight of :math:`\|\alpha\|_2` (the loss has weight 1).
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
        "missing_anchor": [StrOptions({"global_mean", "skip"})],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "l2_penalty": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        alpha_opt="closed_form",
        epsilon="auto",
        epsilon_max=1.0,
        epsilon_scaling="sqrt_dim",
        missing_anchor="global_mean",
        n_iter=5,
        learning_rate=0.1,
        l2_penalty=0.01,
        random_state=None,
    ):
        self.alpha_opt = alpha_opt
        self.epsilon = epsilon
        self.epsilon_max = epsilon_max
        self.epsilon_scaling = epsilon_scaling
        self.missing_anchor = missing_anchor
        self.n_iter = n_iter
        self.learning_rate = learning_rate
        self.l2_penalty = l2_penalty
        self.random_state = random_state

    def __query_tags__(self):
        return QueryStrategyTags(
            requires_labeled_data=True,
            requires_embedding=True,
            requires_head_gradient=True,
            stochastic=True,
        )

    # ---------------------------------------------------------------- flips
    def _flips(self, Z, head, anchors, n_classes, budget, rng, *, exact_linear=True):
        """Boolean (n, n_anchors) flip matrix at the final epsilon, and that epsilon."""
        n, D = Z.shape
        A, K = anchors.shape[0], n_classes
        step = _REFERENCE_EPSILON[self.alpha_opt] if self.epsilon == "auto" else self.epsilon
        schedule = _epsilon_schedule(float(step), float(self.epsilon_max))
        closed = self.alpha_opt == "closed_form"
        scale = 1.0 / np.sqrt(D) if closed and self.epsilon_scaling == "sqrt_dim" else 1.0
        flips = np.zeros((n, A), dtype=bool)
        if closed and head.linear and exact_linear:
            # exact thresholds along the rays z_u + s g/||g||; O(n (A + K)) memory
            W = head.W
            chunk = pool_chunk_size(n, row_bytes=8 * (4 * K + 3 * D + 2 * A))
            t_exit = np.empty(n)
            dist = np.empty((n, A))
            for sl in iter_pool_chunks(n, chunk):
                Zc = Z[sl].astype(np.float64, copy=False)
                L = head.logits(Zc)
                y_hat = L.argmax(axis=1)
                P = softmax(L, axis=1)
                P[np.arange(len(y_hat)), y_hat] -= 1.0
                G = P @ W  # gradient of the cross-entropy w.r.t. z at y_hat
                G /= np.maximum(np.linalg.norm(G, axis=1, keepdims=True), _TINY)
                t_exit[sl] = _exit_times(L, G @ W.T, y_hat)
                dist[sl] = _anchor_distances(Zc, anchors)
            dist *= scale
            reach = dist.max(axis=1)
            for eps in schedule:
                if np.count_nonzero(eps * reach > t_exit) > budget:
                    break
            return eps * dist > t_exit[:, None], eps
        # generic: evaluate the head on the mixes, chunk by chunk, step by step
        y_hat = np.empty(n, dtype=np.intp)
        grads = np.empty((n, D)) if closed else None
        for sl in iter_pool_chunks(n, pool_chunk_size(n, row_bytes=8 * (2 * D + 2 * K))):
            Zc = Z[sl].astype(np.float64, copy=False)
            y_hat[sl] = head.logits(Zc).argmax(axis=1)
            if closed:
                grads[sl] = head.loss_grad(Zc, y_hat[sl])[1]
        chunk = pool_chunk_size(n, row_bytes=8 * A * (7 * D + 3 * K))
        for eps in schedule:
            for sl in iter_pool_chunks(n, chunk):
                Zc = Z[sl].astype(np.float64, copy=False)
                if closed:
                    dist = _anchor_distances(Zc, anchors)
                    mix = Zc[:, None, :] + _closed_form_step(grads[sl], dist, scale * eps)
                    L = head.logits(mix.reshape(-1, D)).reshape(len(Zc), A, -1)
                    flips[sl] |= L.argmax(axis=2) != y_hat[sl, None]
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
        flips, eps = self._flips(Z, head, anchors, len(classes), budget, random_state)
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

    def _select(self, Z, scores, mask, budget, random_state):
        cand = np.flatnonzero(mask)
        if len(cand) > budget:
            F = Z[cand].astype(np.float64)
            F /= np.maximum(np.linalg.norm(F, axis=1, keepdims=True), _TINY)
            picked = self._by_score(cand[_kmeans_representatives(F, budget, random_state)],
                                    scores)
            rest = np.setdiff1d(cand, picked, assume_unique=True)
            fill = self._by_score(rest, scores, random_state)[: budget - len(picked)]
            return np.concatenate([picked, fill]).astype(np.intp)
        picked = self._by_score(cand, scores)
        others = np.flatnonzero(~mask)
        fill = others[random_state.permutation(len(others))[: budget - len(picked)]]
        return np.concatenate([picked, fill]).astype(np.intp)
