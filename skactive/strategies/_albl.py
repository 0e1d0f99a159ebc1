"""Active Learning by Learning (ALBL): an EXP4.P bandit over query strategies."""

from dataclasses import fields
from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval

from ..base import BaseQueryStrategy, QueryStrategyTags, get_query_tags
from ._hybrid import seeded_clone

__all__ = ["ALBL", "exp4p_probabilities", "exp4p_update", "iw_accuracy"]


def exp4p_probabilities(weights, pmin):
    r"""Arm probabilities of EXP4.P: :math:`p_j = (1 - N p_{min}) w_j / W + p_{min}`.

    Parameters
    ----------
    weights : array-like of shape (n_arms,)
        Non-negative arm weights (any scale).
    pmin : float
        Minimum probability of an arm, ``0 <= pmin <= 1 / n_arms``.

    Returns
    -------
    p : ndarray of shape (n_arms,)

    Examples
    --------
    >>> from skactive.strategies import exp4p_probabilities
    >>> exp4p_probabilities([1.0, 3.0], 0.1)
    array([0.3, 0.7])
    """
    w = np.asarray(weights, dtype=float)
    return (1.0 - w.size * pmin) * w / w.sum() + pmin


def exp4p_update(log_weights, p, advice, q, reward, pmin, delta, horizon):
    r"""One EXP4.P weight update (Beygelzimer et al. 2011, as used by ALBL).

    With the reward :math:`r` of the pick :math:`x`, its probability
    :math:`q(x) = \sum_j p_j \psi_j(x)` and the arms' advice
    :math:`\psi_j(x)` (the probability arm ``j`` gave ``x``):

    .. math::

        \hat r_j = r\,\psi_j(x) / q(x), \qquad \hat v_j = 1 / p_j, \qquad
        w_j \leftarrow w_j \exp\Big(\frac{p_{min}}{2}\Big(\hat r_j + \hat v_j
        \sqrt{\ln(N/\delta) / (N T)}\Big)\Big)

    (``N`` arms, horizon ``T``; the advice of ALBL's arms are the unit
    vectors, so :math:`\hat v_j = 1/p_j`, as in the authors' libact code).

    Parameters
    ----------
    log_weights : array-like of shape (n_arms,)
        Natural logarithm of the weights (kept in log space: no overflow).
    p : array-like of shape (n_arms,)
        Arm probabilities used for the pick.
    advice : array-like of shape (n_arms,)
        :math:`\psi_j(x)` of the pick for every arm.
    q : float
        Probability the pick had, :math:`\sum_j p_j \psi_j(x)`.
    reward : float
    pmin, delta : float
    horizon : int
        ``T``.

    Returns
    -------
    log_weights : ndarray of shape (n_arms,)

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import exp4p_update
    >>> lw = exp4p_update(np.zeros(2), [0.5, 0.5], [1.0, 0.0], 0.5, 0.4,
    ...                   pmin=0.1, delta=0.1, horizon=10)
    >>> np.round(lw, 4)
    array([0.0787, 0.0387])
    """
    p = np.asarray(p, dtype=float)
    n_arms = p.size
    rhat = reward * np.asarray(advice, dtype=float) / q
    vhat = 1.0 / p
    bonus = np.sqrt(np.log(n_arms / delta) / (n_arms * horizon))
    return np.asarray(log_weights, dtype=float) + pmin / 2.0 * (rhat + vhat * bonus)


def iw_accuracy(correct, importance_weights, n_total, horizon):
    r"""Importance-weighted accuracy of ALBL (Hsu & Lin 2015, section 3).

    .. math::

        \mathrm{IW\text{-}ACC}(f, t) = \frac{1}{n T}
        \sum_{\tau=1}^{t} W_\tau\,[\![ y_\tau = f(x_\tau) ]\!],
        \qquad W_\tau = 1 / q_\tau(x_\tau)

    over the samples queried so far, where :math:`q_\tau(x_\tau)` is the
    probability the queried sample had when it was drawn, ``n`` the number of
    samples (labelled and unlabelled) and ``T`` the horizon. Its expectation
    is the accuracy of ``f`` over the data set scaled by ``t / T``.

    Parameters
    ----------
    correct : array-like of bool, shape (t,)
        :math:`[\![ y_\tau = f(x_\tau) ]\!]`.
    importance_weights : array-like of shape (t,)
        :math:`W_\tau`.
    n_total : int
    horizon : int

    Returns
    -------
    reward : float

    Examples
    --------
    >>> from skactive.strategies import iw_accuracy
    >>> iw_accuracy([True, False, True], [2.0, 4.0, 10.0], n_total=10, horizon=3)
    0.4
    """
    correct = np.asarray(correct, dtype=float)
    w = np.asarray(importance_weights, dtype=float)
    return float(np.dot(w, correct) / (n_total * horizon))


def _default_arms():
    """``[TCM(), DBAL()]``: TCM (TypiClust while labels are few, then AlfaMix
    for a learner with a linear head on an embedding, Margin otherwise; it
    chooses from the learner itself) and DBAL, the two strongest strategies
    of the leaderboard."""
    from ._dbal import DBAL
    from ._hybrid import TCM

    return [TCM(), DBAL()]


def _dense_row(row):
    """A copy of one pool row as floats (a sparse row becomes a 1-D array)."""
    if sparse.issparse(row):
        return row.toarray().ravel().astype(float)
    return np.array(row, dtype=float, copy=True)


def _row_key(row):
    return np.ascontiguousarray(_dense_row(row)).tobytes()


class ALBL(BaseQueryStrategy):
    r"""Active Learning by Learning: an EXP4.P bandit over query strategies.

    Each query strategy in ``strategies`` (plus, with ``uniform_arm=True``,
    uniform random sampling) is an arm. Every pick draws from the mixture
    :math:`q(x) = \sum_j p_j \psi_j(x)` where :math:`p` are the EXP4.P arm
    probabilities (:func:`exp4p_probabilities`) and :math:`\psi_j` the arm's
    advice -- a unit mass on its best not-yet-picked sample, or uniform over
    the pool for the uniform arm. When the labels of the picks arrive, the
    reward is the importance-weighted accuracy (:func:`iw_accuracy`) of the
    current model on all the samples ALBL has queried, each weighted by
    :math:`1/q` of its draw, and every labelled pick makes one EXP4.P update
    (:func:`exp4p_update`). Arms whose picks are right on hard-to-predict
    samples (low IW-ACC before, high after) gain weight.

    **Batches: one draw per pick.** A query of ``budget`` samples makes
    ``budget`` draws from the mixture without replacement (each arm's advice
    moves to its next-ranked sample not yet picked), with the arm
    probabilities of the start of the batch (no reward arrives inside a
    batch); the ``budget`` updates are made when the labels arrive. This keeps
    the importance weights exact (each labelled sample has a known draw
    probability), lets a batch hedge across strategies in proportion to their
    weights, gives the bandit ``budget`` trials per round rather than one (15
    to 20 rounds are too few for a bandit), and reduces to the paper's
    algorithm for ``budget=1``. One draw per batch would make the batch
    probability of a sample depend on every arm's whole batch and leave only
    ``n_rounds`` trials.

    **What to expect.** All the picks of a round share one reward (the labels
    arrive together), so in batch mode the bandit learns little: on the
    leaderboard ("Which strategy should I use?") its weights move in the first
    rounds and then freeze, and the uniform arm keeps about a third of the
    picks random. ALBL then lands between random sampling and its best arm,
    and is rarely below random; ``uniform_arm=False`` gives up that hedge for
    about one AUBC point more on average.

    **State.** The bandit lives in this strategy's fitted attributes, never in
    the learner. At each query, the labels that arrived since the previous
    query are read from the learner (``y_labeled_`` rows after those already
    seen); a pending pick whose row (by value) is among them is labelled, and
    the update is made with the learner's current model. Picks that were not
    labelled are dropped; labels that ALBL did not ask for are ignored.
    :meth:`fit` (called by :meth:`~skactive.ActiveLearner.fit`) resets the
    bandit. So ``query`` is deterministic given the learner, this state and
    ``random_state``, and :func:`~sklearn.base.clone` gives a fresh bandit.

    Parameters
    ----------
    strategies : list of query strategies or None, default=None
        The arms; each is cloned at the first query. Needs every capability
        of every arm (union of their tags). ``None``: the two strongest
        strategies of the leaderboard ("Which strategy should I use?"),
        ``[TCM(), DBAL()]`` with the uniform arm. :class:`TCM` plays
        TypiClust while there are fewer than 3 labels per class, then
        AlfaMix when the learner has a linear head on an embedding (logistic
        regression, linear SVM, a skorch net) and Margin otherwise (e.g. a
        kernel ``SVC()``). Until 2026-12 the arms were ``[AlfaMix(), DBAL()]``
        / ``[Margin(), DBAL()]``; TCM in their place raised ALBL's mean gain
        in the leaderboard's ``alamp`` regime (see the docs page).
    uniform_arm : bool, default=True
        Add uniform random sampling as an arm (libact's ``uniform_sampler``).
    delta : float, default=0.1
        EXP4.P confidence parameter.
    pmin : float or None, default=None
        Minimum arm probability; ``None``: :math:`\sqrt{\ln N / (N T)}`
        (the authors' default), capped at ``1 / N``.
    horizon : int or None, default=None
        ``T``, the total number of samples ALBL will query. ``None``: the
        anytime variant, ``T`` = the number of picks made so far including
        the current batch (the reward is then an importance-weighted estimate
        of the pool accuracy, and ``pmin`` shrinks as the campaign goes on).
        Pass the total budget for the paper's fixed-horizon EXP4.P.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws and the arms without a seed of their own.

    Attributes
    ----------
    strategies_ : list of BaseQueryStrategy
        The fitted arms (without the uniform arm).
    arm_names_ : list of str
        Arm names, ``"uniform"`` last when ``uniform_arm``.
    weights_ : ndarray of shape (n_queries, n_arms)
        Normalised EXP4.P weights :math:`w / W` used at each query.
    probabilities_ : ndarray of shape (n_queries, n_arms)
        Arm probabilities :math:`p` used at each query.
    rewards_ : ndarray of shape (n_queries,)
        IW-ACC reward of the update made at the start of each query (NaN
        when no label had arrived).
    importance_weights_ : ndarray of shape (n_labeled_picks,)
        :math:`W = 1/q` of the labelled picks, in the order they were drawn.
    n_picks_ : int
        Samples drawn so far.

    References
    ----------
    W.-N. Hsu, H.-T. Lin. "Active Learning by Learning", AAAI 2015, Algorithm 1
    and the IW-ACC reward (section 3). A. Beygelzimer, J. Langford, L. Li,
    L. Reyzin, R. Schapire. "Contextual Bandit Algorithms with Supervised
    Learning Guarantees" (EXP4.P), AISTATS 2011. Reference code: the authors'
    libact, github ntucllab/libact,
    ``libact/query_strategies/active_learning_by_learning.py`` (commit
    306ecd449b5f): arm probabilities, unit advice, ``vhat = 1/p``, reward
    normalised by ``n T``. Deviation: the uniform arm is uniform over the
    current pool (libact draws over the initial pool and turns draws of
    already-labelled samples into free updates).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive import ActiveLearner
    >>> from skactive.datasets import load_letter
    >>> from skactive.strategies import ALBL, KMeansSampling, Margin
    >>> X, y = load_letter(return_X_y=True)
    >>> X, y = X[:600] / 15.0, y[:600]
    >>> albl = ALBL([Margin(), KMeansSampling()], random_state=0)
    >>> learner = ActiveLearner(LogisticRegression(max_iter=500), albl)
    >>> learner = learner.fit(X[:100], y[:100])
    >>> pool = np.arange(100, 600)
    >>> for _ in range(3):
    ...     idx = learner.query(X[pool], budget=20)
    ...     learner = learner.teach(X[pool[idx]], y[pool[idx]])
    ...     pool = np.delete(pool, idx)
    >>> learner.query_strategy_.arm_names_
    ['Margin', 'KMeansSampling', 'uniform']
    >>> learner.query_strategy_.weights_.shape
    (3, 3)
    """

    _parameter_constraints = {
        "strategies": [list, None],
        "uniform_arm": ["boolean"],
        "delta": [Interval(Real, 0, 1, closed="neither")],
        "pmin": [Interval(Real, 0, 1, closed="neither"), None],
        "horizon": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(self, strategies=None, *, uniform_arm=True, delta=0.1, pmin=None,
                 horizon=None, random_state=None):
        self.strategies = strategies
        self.uniform_arm = uniform_arm
        self.delta = delta
        self.pmin = pmin
        self.horizon = horizon
        self.random_state = random_state

    def _arm_list(self):
        if self.strategies is None:
            return _default_arms()
        arms = list(self.strategies)
        for arm in arms:
            if not hasattr(arm, "query"):
                raise ValueError(
                    f"strategies must hold query strategies, got {arm!r}."
                )
        if not arms and not self.uniform_arm:
            raise ValueError("strategies is empty and uniform_arm=False: no arm to play.")
        return arms

    def __query_tags__(self):
        tags = [get_query_tags(a) for a in self._arm_list()]
        out = {}
        for f in fields(QueryStrategyTags):
            if isinstance(f.default, bool):
                out[f.name] = any(getattr(t, f.name) for t in tags)
        out["requires_labeled_data"] = True
        out["stochastic"] = True
        if "task" in {f.name for f in fields(QueryStrategyTags)}:
            out["task"] = "classification"
        return QueryStrategyTags(**out)

    def fit(self, X=None, y=None, **fit_params):
        """Reset the bandit (a new campaign starts).

        Returns
        -------
        self : ALBL
        """
        for attr in ("strategies_", "arm_names_", "weights_", "probabilities_",
                     "rewards_", "importance_weights_", "n_picks_", "_state"):
            self.__dict__.pop(attr, None)
        return self

    # ------------------------------------------------------------- state
    def _init_state(self, random_state, learner):
        arms = [seeded_clone(a, random_state) for a in self._arm_list()]
        self.strategies_ = arms
        names = [type(a).__name__ for a in arms]
        self.arm_names_ = names + (["uniform"] if self.uniform_arm else [])
        n_arms = len(self.arm_names_)
        self._state = {
            "log_w": np.zeros(n_arms),
            "pending": [],  # (key, row, q, advice, p, pmin, horizon)
            "hist_X": [],
            "hist_y": [],
            "n_seen": None,
        }
        self.weights_ = np.zeros((0, n_arms))
        self.probabilities_ = np.zeros((0, n_arms))
        self.rewards_ = np.zeros(0)
        self.importance_weights_ = np.zeros(0)
        self.n_picks_ = 0

    def _pmin(self, n_arms, horizon):
        if self.pmin is not None:
            return min(float(self.pmin), 1.0 / n_arms)
        return min(np.sqrt(np.log(n_arms) / (n_arms * horizon)), 1.0 / n_arms)

    def _receive_labels(self, learner, n_total):
        """Match pending picks with the labels that arrived; update the bandit."""
        state = self._state
        y_lab = np.asarray(learner.y_labeled_)
        n_lab = y_lab.shape[0]
        start = state["n_seen"] if state["n_seen"] is not None else n_lab
        start = min(start, n_lab)
        state["n_seen"] = n_lab
        pending, state["pending"] = state["pending"], []
        if not pending or start == n_lab:
            return np.nan
        X_new = learner.X_labeled_[start:n_lab]
        arrived = {}
        for i in range(n_lab - start):
            arrived.setdefault(_row_key(X_new[i]), []).append(start + i)
        matched = []
        for pick in pending:
            rows = arrived.get(pick[0])
            if rows:
                matched.append((pick, y_lab[rows.pop(0)]))
        if not matched:
            return np.nan
        for (key, row, q, *_rest), y in matched:
            state["hist_X"].append(row)
            state["hist_y"].append(y)
            self.importance_weights_ = np.append(self.importance_weights_, 1.0 / q)
        X_hist = np.stack(state["hist_X"])
        correct = learner.predict(X_hist) == np.asarray(state["hist_y"])
        horizon = matched[-1][0][6]
        reward = iw_accuracy(correct, self.importance_weights_, n_total, horizon)
        log_w = state["log_w"]
        for (_key, _row, q, advice, p, pmin, hor), _y in matched:
            log_w = exp4p_update(log_w, p, advice, q, reward, pmin, self.delta, hor)
        state["log_w"] = log_w - log_w.max()
        return reward

    # ------------------------------------------------------------- query
    def _query(self, X_pool, learner, budget, random_state):
        n_pool = X_pool.shape[0]
        if not hasattr(self, "_state"):
            self._init_state(random_state, learner)
        state = self._state
        n_total = n_pool + np.asarray(learner.y_labeled_).shape[0]
        reward = self._receive_labels(learner, n_total)
        n_arms = len(self.arm_names_)
        horizon = self.horizon if self.horizon is not None else self.n_picks_ + budget
        pmin = self._pmin(n_arms, horizon)
        w = np.exp(state["log_w"] - state["log_w"].max())
        p = exp4p_probabilities(w, pmin)
        self.weights_ = np.vstack([self.weights_, w / w.sum()])
        self.probabilities_ = np.vstack([self.probabilities_, p])
        self.rewards_ = np.append(self.rewards_, reward)

        rankings = [np.asarray(arm.query(X_pool, learner, budget)) for arm in self.strategies_]
        n_det = len(rankings)
        pointers = np.zeros(n_det, dtype=int)
        taken = np.zeros(n_pool, dtype=bool)
        picks, first_q = [], None
        for k in range(budget):
            nxt = np.empty(n_det, dtype=int)
            for j, ranking in enumerate(rankings):
                while taken[ranking[pointers[j]]]:
                    pointers[j] += 1
                nxt[j] = ranking[pointers[j]]
            n_left = n_pool - k
            if k == 0:
                first_q = np.zeros(n_pool)
                if self.uniform_arm:
                    first_q += p[-1] / n_left
                np.add.at(first_q, nxt, p[:n_det])
            arm = random_state.choice(n_arms, p=p / p.sum())
            if arm < n_det:
                x = nxt[arm]
            else:
                x = random_state.choice(np.flatnonzero(~taken))
            advice = np.zeros(n_arms)
            advice[:n_det] = nxt == x
            if self.uniform_arm:
                advice[-1] = 1.0 / n_left
            q = float(np.dot(p, advice))
            taken[x] = True
            picks.append(x)
            row = _dense_row(X_pool[x])
            state["pending"].append((_row_key(row), row, q, advice, p, pmin, horizon))
        self.n_picks_ += budget
        return np.asarray(picks, dtype=np.intp), first_q
