"""BatchBALD: greedy batches that maximise the joint mutual information.

Kirsch, van Amersfoort, Gal, "BatchBALD: Efficient and Diverse Batch
Acquisition for Deep Bayesian Active Learning", NeurIPS 2019. Official code:
github BlackHC/BatchBALD, ``src/multi_bald.py`` and ``src/joint_entropy/``
(commit 2ab8d749fc5a1e8ddb01e51df8c4aee9d836627d), read for the switch from
the exact joint entropy to the sampled estimate and for its importance
weights; this module is written independently in numpy.
"""

import warnings
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..exceptions import LearnerCapabilityError
from ..utils import entropy, iter_pool_chunks, pool_chunk_size, top_k
from ..utils._samples import has_samples, reduce_proba_samples

__all__ = ["BatchBALD", "BatchBALDSaturationWarning"]


class BatchBALDSaturationWarning(UserWarning):
    """The batch's joint information nears ``log(n_samples)``: later picks are
    chosen on little information (use more posterior samples or a smaller
    batch)."""


def _bald(P):
    """BALD of ``P`` (T, n, K), exactly as :class:`~skactive.strategies.BALD`."""
    T, n, K = P.shape
    mean_h = entropy(P.reshape(T * n, K)).reshape(T, n).mean(axis=0)
    return np.maximum(entropy(P.mean(axis=0)) - mean_h, 0.0)


def _collect_samples(learner, X_pool, n_samples, n_candidates, random_state):
    """BALD scores of the pool and the samples ``(K, n_keep, C)`` of the
    candidates (the whole pool, or its ``n_candidates`` best BALD rows),
    obtained exactly as BALD obtains them (same chunks, same dropout seeds)."""
    n = X_pool.shape[0]
    state = {"start": 0, "keep": np.empty(0, dtype=np.intp), "P": None, "s": np.empty(0)}

    def reduce(P):
        s = _bald(P)
        rows = state["start"] + np.arange(P.shape[1])
        state["start"] += P.shape[1]
        if state["P"] is None:
            keep, Pk, sk = rows, P, s
        else:
            keep = np.concatenate([state["keep"], rows])
            Pk = np.concatenate([state["P"], P], axis=1)
            sk = np.concatenate([state["s"], s])
        if n_candidates is not None and keep.shape[0] > n_candidates:
            best = np.sort(top_k(sk, n_candidates))  # stays in pool order
            keep, Pk, sk = keep[best], Pk[:, best], sk[best]
        state.update(keep=keep, P=np.ascontiguousarray(Pk), s=sk)
        return s

    scores = reduce_proba_samples(learner, X_pool, reduce, n_samples=n_samples,
                                  random_state=random_state)
    assert state["start"] == n
    return scores, state["keep"], state["P"]


def _joint_entropies(Pj, logscale, probs, sampled, out):
    """Entropy of (batch, candidate) for every candidate, chunked.

    ``Pj`` (M, K): probability of each of the M joint configurations of the
    batch under each posterior sample (rows rescaled by ``exp(logscale)`` in
    the sampled case); ``probs`` (K, n, C). Exact: ``-sum J log J``;
    sampled: the importance-weighted estimate of Kirsch et al. (configs drawn
    from their marginal ``q = mean_k Pj``), ``-mean_m sum_c (J/q) log J``.
    """
    M, K = Pj.shape
    _, n, C = probs.shape
    # per-config weights of sum_c J log J: 1 (exact) or 1 / (M q) (importance)
    w = 1.0 / (M * Pj.mean(axis=1)) if sampled else np.ones(M)
    shift = logscale.mean() if sampled else 0.0
    tiny = np.finfo(float).tiny  # 0 log 0 = 0 without NaN
    chunk = pool_chunk_size(n, row_bytes=8 * M * C * 2)
    for sl in iter_pool_chunks(n, chunk):
        b = sl.stop - sl.start
        J = Pj @ probs[:, sl].reshape(K, b * C)
        J /= K
        logJ = np.log(np.maximum(J, tiny))
        out[sl] = -np.einsum("mk,mk,m->k", J, logJ, w).reshape(b, C).sum(axis=1) - shift
    return out


class _JointState:
    """Joint label configurations of the batch picked so far, as an (M, K) matrix.

    Exact (all configurations with non-zero probability) while ``M <=
    max_configs``; past that, ``max_configs // K`` configurations drawn per
    posterior sample, kept in log space with per-row rescaling (products of
    many probabilities underflow), and extended by one draw per new pick.
    """

    def __init__(self, K, max_configs, rng):
        self.K, self.max_configs, self.rng = K, max_configs, rng
        self.P = np.ones((1, K))
        self.logscale = np.zeros(1)
        self.sampled = False
        self.logP = None
        self.origin = None  # sampled: the posterior sample each config came from

    def _draw(self, p_k):
        """One label per config from the config's own posterior sample; ``p_k`` (K, C)."""
        cdf = np.cumsum(p_k[self.origin], axis=1)
        u = self.rng.random_sample(self.origin.shape[0]) * cdf[:, -1]
        return np.minimum((cdf < u[:, None]).sum(axis=1), p_k.shape[1] - 1)

    def _rescale(self):
        self.logscale = self.logP.max(axis=1)
        self.P = np.exp(self.logP - self.logscale[:, None])

    def add(self, p_k, batch_probs):
        """Add a picked sample with probabilities ``p_k`` (K, C).

        ``batch_probs`` (n_batch, K, C), this pick included, is needed to draw
        fresh configurations when switching to sampling.
        """
        K, C = p_k.shape
        if not self.sampled:
            new = (self.P[:, None, :] * p_k.T[None, :, :]).reshape(-1, K)
            new = new[new.max(axis=1) > 0]  # impossible configs add nothing
            if new.shape[0] <= self.max_configs:
                self.P = new
                return
            self.sampled = True
            S = max(1, self.max_configs // K)
            self.origin = np.repeat(np.arange(K), S)
            self.logP = np.zeros((self.origin.shape[0], K))
            for p in batch_probs:
                self._extend(p)
        else:
            self._extend(p_k)
        self._rescale()

    def _extend(self, p_k):
        y = self._draw(p_k)
        with np.errstate(divide="ignore"):
            self.logP += np.log(p_k[:, y]).T


class BatchBALD(BaseQueryStrategy):
    r"""BatchBALD: a batch that is jointly informative, built greedily.

    Picks, one at a time, the pool sample that maximises the mutual
    information between the labels of the whole batch and the model
    (Kirsch et al. 2019, eq. 8-9):

    .. math::
        a(x_{1:n}) = H[y_1, \dots, y_n] - \sum_{i=1}^n \frac1K\sum_{k=1}^K
        H[y_i \mid \omega_k],

    the joint entropy taken under the mixture of the ``K`` posterior samples
    :math:`\omega_k`. The first pick is BALD's top pick; later ones avoid
    samples whose information is already in the batch (a copy of a chosen row
    adds almost nothing), where BALD takes near-duplicates.

    **Posterior samples** come exactly as :class:`BALD` gets them: the
    members of a fitted ensemble (``estimators_`` of a random forest,
    bagging...), or ``n_samples`` MC-dropout passes of a net
    (:class:`~skactive.neural.ActiveNeuralNetClassifier`), seeded from
    ``random_state`` in the same way.

    **Joint entropy.** The batch's joint label configurations are kept as an
    ``(M, K)`` matrix of their probabilities under each posterior sample, so
    a candidate's joint entropy is one ``(M, K) @ (K, C)`` product: memory is
    ``O(M K + M C)`` per candidate chunk, never ``C^n`` by ``K`` for a batch of
    ``n``. While the exact configurations number at most ``max_configs``
    (those of probability 0 are dropped) the entropy is exact; beyond, as in
    the official code, ``max_configs // K`` configurations are drawn per
    posterior sample and the entropy is the importance-weighted Monte-Carlo
    estimate :math:`-\frac1M\sum_m\sum_c \frac{p(\hat y_m, c)}{p(\hat y_m)}
    \log p(\hat y_m, c)` (the official code redraws all configurations at
    every pick; here each drawn configuration is extended by one label per
    pick, which has the same distribution).

    **How many samples.** With ``K`` posterior samples the information the
    batch can carry about the model is at most :math:`\log K` nats (2.3 for
    ``K = 10``), about what three or four contested binary labels carry: once
    the batch reaches it, further gains vanish and picks become arbitrary.
    Use ``K`` well above the batch size (Kirsch et al.'s MNIST runs use 100
    MC-dropout samples for batches of 5 to 40) and smooth posterior samples:
    fully grown trees are one-hot, so on many-class data a label or two
    identifies the tree and a forest saturates almost at once; a
    :class:`BatchBALDSaturationWarning` is raised when the joint information
    passes 90 % of :math:`\log K` with picks still to make.

    **Cost.** Each pick scores every candidate: ``O(n_pool M K C)`` for the
    products and ``O(n_pool M C)`` logarithms, i.e. ``budget`` times BALD's
    work on ``M`` configurations; ``n_candidates`` restricts the greedy search
    to the best BALD candidates (the official code's pool reduction), and a
    smaller ``max_configs`` trades accuracy of the estimate for time
    (``benchmarks/bench_batchbald.py``). The samples of the candidates are
    held in memory (``K * n * C`` floats). Ties between candidates (every gain
    is 0 once the batch is saturated) go to the highest BALD score.

    Parameters
    ----------
    n_samples : int, default=10
        MC-dropout forward passes; ignored for ensembles, which use every member.
    max_configs : int, default=40000
        Joint configurations kept: exact while there are at most this many,
        sampled beyond (the official code's 40,000).
    n_candidates : int or None, default=None
        If set, only the ``n_candidates`` pool samples with the highest BALD
        score compete in the greedy search (must be at least ``budget``).
    random_state : int, RandomState instance or None, default=None
        Seeds the dropout masks and the sampled configurations.

    Attributes
    ----------
    None : the strategy keeps no fitted state. With ``return_scores=True`` the
        scores are, for picked samples, their information gain when picked
        (non-increasing down the batch when exact) and, for the others, their
        gain at the last pick (so every pick scores at least as high); NaN for
        samples left out by ``n_candidates``.

    References
    ----------
    A. Kirsch, J. van Amersfoort, Y. Gal. "BatchBALD: Efficient and Diverse
    Batch Acquisition for Deep Bayesian Active Learning", NeurIPS 2019,
    eq. 8-9 (objective), section 3.3 (greedy, exact / sampled joint entropy).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skactive.strategies import BALD, BatchBALD
    >>> X, y = load_iris(return_X_y=True)
    >>> rf = RandomForestClassifier(n_estimators=20, random_state=0).fit(X[::10], y[::10])
    >>> idx = BatchBALD(random_state=0).query(X, rf, budget=3)
    >>> bool(idx[0] == BALD().query(X, rf, budget=1)[0])
    True
    """

    _parameter_constraints = {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "max_configs": [Interval(Integral, 1, None, closed="left")],
        "n_candidates": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(self, n_samples=10, max_configs=40000, n_candidates=None, random_state=None):
        self.n_samples = n_samples
        self.max_configs = max_configs
        self.n_candidates = n_candidates
        self.random_state = random_state

    def __query_tags__(self):
        return QueryStrategyTags(requires_samples=True, stochastic=True)

    def _query(self, X_pool, learner, budget, random_state):
        name = type(self).__name__
        if not has_samples(learner):
            raise LearnerCapabilityError(
                f"{name} needs stochastic predictions, but {type(learner).__name__} "
                "has neither predict_proba_samples (MC dropout, e.g. "
                "skactive.neural.ActiveNeuralNetClassifier with dropout) nor a "
                "committee of estimators_ with predict_proba (e.g. "
                "RandomForestClassifier, BaggingClassifier)."
            )
        if self.n_candidates is not None and self.n_candidates < budget:
            raise ValueError(
                f"n_candidates={self.n_candidates} is smaller than budget={budget}."
            )
        bald, keep, P = _collect_samples(learner, X_pool, self.n_samples, self.n_candidates,
                                         random_state)
        K, n, C = P.shape
        cond = entropy(P.reshape(K * n, C)).reshape(K, n).mean(axis=0)
        probs = P  # (K, n, C)
        state = _JointState(K, self.max_configs, random_state)
        cap = np.log(K)
        picks, gains = [], []
        mi = 0.0
        score = bald[keep].copy()  # gain of each candidate at the current pick
        taken = np.zeros(n, dtype=bool)
        joint = np.empty(n)
        warned = False
        for step in range(budget):
            if step > 0:
                last = picks[-1]
                state.add(probs[:, last], probs[:, picks].transpose(1, 0, 2))
                _joint_entropies(state.P, state.logscale, probs, state.sampled, joint)
                score = joint - cond.sum(where=taken) - cond - mi
            masked = np.where(taken, -np.inf, score)
            # ties (e.g. every gain 0 once the batch is saturated) go to the
            # highest BALD score, then to the smallest index
            tied = np.flatnonzero(masked >= masked.max() - 1e-12)
            j = int(tied[np.argmax(bald[keep][tied])])
            picks.append(j)
            gains.append(score[j])
            taken[j] = True
            mi += score[j]
            if not warned and step < budget - 1 and mi > 0.9 * cap:
                warned = True
                warnings.warn(
                    f"{name}: the first {step + 1} picks already carry {mi:.3f} nats about "
                    f"the model, over 90% of the log(K) = {cap:.3f} that K = {K} posterior "
                    f"samples can hold; the remaining {budget - step - 1} picks are chosen "
                    "on little information. Use more samples (n_samples, or a larger "
                    "ensemble) or a smaller budget.",
                    BatchBALDSaturationWarning,
                    stacklevel=3,
                )
        scores = np.full(X_pool.shape[0], np.nan)
        rest = np.where(taken, np.nan, score)
        scores[keep] = rest
        scores[keep[picks]] = gains
        return keep[np.asarray(picks)], scores
