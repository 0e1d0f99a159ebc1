"""Query by committee: vote entropy, KL divergence to the consensus, variance.

The committee is the fitted ensemble inside the learner when there is one
(``estimators_`` of a random forest, bagging, extra trees, voting or stacking
model, found through :class:`~skactive.ActiveLearner`, ``Pipeline`` and
``GridSearchCV``), otherwise ``n_members`` bootstrap clones of the learner's
estimator fitted inside :meth:`~QueryByCommittee.query` on the labelled set.
"""

from functools import partial
from numbers import Integral

import numpy as np
from scipy.special import xlogy
from sklearn.base import clone, is_regressor
from sklearn.utils._param_validation import Interval, StrOptions

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..exceptions import LearnerCapabilityError
from ..utils import entropy, iter_pool_chunks, pool_chunk_size, top_k
from ..utils._samples import _inner, _member_columns

__all__ = ["QueryByCommittee", "kl_disagreement", "vote_entropy"]


def vote_entropy(votes, n_classes):
    r"""Entropy of the committee's hard votes (Dagan & Engelson 1995).

    .. math::
        \mathrm{VE}(x) = -\sum_c \frac{V(c, x)}{M} \log \frac{V(c, x)}{M}

    with :math:`V(c, x)` the number of the :math:`M` members voting for class
    :math:`c` (natural log, :math:`0 \log 0 = 0`).

    Parameters
    ----------
    votes : array-like of int, shape (n_members, n_samples)
        Column index of the class each member predicts.
    n_classes : int

    Returns
    -------
    scores : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import vote_entropy
    >>> votes = np.array([[0, 0], [0, 1], [0, 1], [0, 2]])  # 4 members, 2 samples
    >>> np.round(vote_entropy(votes, 3), 4)  # 0 and -(1/4 log 1/4 + 1/2 log 1/2 + 1/4 log 1/4)
    array([0.    , 1.0397])
    """
    votes = np.asarray(votes, dtype=np.intp)
    n_members, n = votes.shape
    counts = np.zeros((n, int(n_classes)))
    rows = np.arange(n)
    for v in votes:
        np.add.at(counts, (rows, v), 1.0)
    return entropy(counts / n_members)


def kl_disagreement(P):
    r"""Mean KL divergence of the members to the consensus (McCallum & Nigam 1998).

    .. math::
        \mathrm{KL}(x) = \frac1M \sum_m \sum_c p_m(c|x)
        \log \frac{p_m(c|x)}{\bar p(c|x)}, \qquad
        \bar p = \frac1M \sum_m p_m

    (eq. 2 of McCallum & Nigam, "KL divergence to the mean"; natural log,
    :math:`0 \log 0 = 0`, no clipping).

    Parameters
    ----------
    P : array-like of shape (n_members, n_samples, n_classes)
        Each member's class probabilities.

    Returns
    -------
    scores : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import kl_disagreement
    >>> P = np.array([[[0.5, 0.5], [1.0, 0.0]], [[0.5, 0.5], [0.0, 1.0]]])
    >>> np.round(kl_disagreement(P), 4)  # agreement, then log 2
    array([0.    , 0.6931])
    """
    P = np.asarray(P, dtype=float)
    mean = P.mean(axis=0, keepdims=True)
    kl = (xlogy(P, P) - xlogy(P, mean)).sum(axis=2)  # p_m > 0 implies mean > 0
    return np.maximum(kl.mean(axis=0), 0.0)


# ------------------------------------------------------------------ committee
def _ensemble_members(est):
    """The fitted members of ``est`` if it is a committee (>= 2 estimators)."""
    members = getattr(est, "estimators_", None)
    if not isinstance(members, (list, tuple)) or len(members) < 2:
        return None  # e.g. GradientBoosting's 2-d array of stage regressors
    if not all(hasattr(m, "predict") for m in members):
        return None
    return list(members)


def _seed_all(estimator, rng):
    """Give every unset ``random_state`` of ``estimator`` (deep) a seed from ``rng``."""
    params = estimator.get_params(deep=True)
    keys = sorted(k for k, v in params.items()
                  if (k == "random_state" or k.endswith("__random_state")) and v is None)
    if keys:
        estimator.set_params(**{k: int(rng.randint(2**31 - 1)) for k in keys})
    return estimator


def _bootstrap_rows(y, regression, rng):
    """Bootstrap row indices; classes resampled separately (each keeps its count)."""
    n = y.shape[0]
    if regression:
        return rng.randint(n, size=n)
    rows = [rng.choice(np.flatnonzero(y == c), size=int((y == c).sum()), replace=True)
            for c in np.unique(y)]
    return np.sort(np.concatenate(rows))


class _Committee:
    """Members and how to feed them: ``outputs(X_chunk)`` gives one array per member."""

    def __init__(self, members, transforms=(), features=None, columns=None, n_classes=None,
                 to_frame=None):
        self.members = members
        self.transforms = list(transforms)
        self.features = features
        self.columns = columns  # per member: outer class column of each member column
        self.n_classes = n_classes
        self.to_frame = to_frame

    def _inputs(self, X):
        if self.to_frame is not None:  # DataFrame column names for the learner's steps
            X = self.to_frame(X)
        for t in self.transforms:
            X = t.transform(X)
        for m, member in enumerate(self.members):
            yield m, member, (X if self.features is None else X[:, self.features[m]])

    def votes(self, X):
        out = np.empty((len(self.members), X.shape[0]), dtype=np.intp)
        for m, member, Xm in self._inputs(X):
            pred = np.asarray(member.predict(Xm))
            cls = np.asarray(member.classes_)
            pos = np.searchsorted(cls, pred)
            inside = pos < cls.shape[0]
            if not inside.all() or np.any(cls[pos] != pred):
                raise ValueError(f"Committee member {m} predicts labels outside its classes_.")
            out[m] = self.columns[m][pos]
        return out

    def proba(self, X):
        out = np.zeros((len(self.members), X.shape[0], self.n_classes))
        for m, member, Xm in self._inputs(X):
            out[m][:, self.columns[m]] = member.predict_proba(Xm)
        return out

    def predictions(self, X):
        return np.stack([np.asarray(member.predict(Xm), dtype=float).reshape(X.shape[0])
                         for _, member, Xm in self._inputs(X)])


def _build_committee(learner, method, n_members, rng, strategy_name):
    """The learner's ensemble members, else bootstrap clones fitted here."""
    regression = method == "variance"
    est, transforms, outer_classes = _inner(learner)
    members = _ensemble_members(est)
    if members is not None:
        if not regression:
            need = "predict_proba" if method == "kl_divergence" else "predict"
            missing = [type(m).__name__ for m in members if not hasattr(m, need)
                       or not hasattr(m, "classes_")]
            if missing:
                raise LearnerCapabilityError(
                    f"{strategy_name}(method={method!r}) needs committee members with "
                    f"{need} and classes_, but members of {type(est).__name__} "
                    f"({missing[0]}) lack them; use method='vote_entropy' or "
                    "probabilistic members."
                )
            est_classes = np.asarray(est.classes_)
            if outer_classes is None:
                outer_classes = est_classes
            outer = np.searchsorted(np.asarray(outer_classes), est_classes)
            columns = [outer[_member_columns(m, est_classes, est)] for m in members]
        else:
            columns = None
        to_frame = getattr(learner, "_to_frame", None) if transforms else None
        return _Committee(members, transforms, getattr(est, "estimators_features_", None),
                          columns, None if regression else len(outer_classes), to_frame)
    if not hasattr(learner, "X_labeled_") or not hasattr(learner, "estimator_"):
        own = getattr(est, "estimators_", None)
        found = (f"{type(est).__name__} has only {len(own)} fitted member (a committee "
                 "needs 2)" if isinstance(own, (list, tuple)) else
                 f"found no fitted ensemble (estimators_) in {type(learner).__name__}")
        raise LearnerCapabilityError(
            f"{strategy_name}: {found}, and bootstrap committee members need the "
            "labelled set, which only an ActiveLearner keeps: wrap the estimator, "
            "ActiveLearner(estimator).fit(X_labeled, y_labeled), or use an ensemble "
            "such as RandomForestClassifier."
        )
    X_lab, y_lab = learner.X_labeled_, np.asarray(learner.y_labeled_)
    to_frame = getattr(learner, "_to_frame", None)
    members = []
    for _ in range(n_members):
        rows = _bootstrap_rows(y_lab, regression, rng)
        member = _seed_all(clone(learner.estimator_), rng)
        X_fit = X_lab[rows]
        members.append(member.fit(to_frame(X_fit) if to_frame else X_fit, y_lab[rows]))
    if regression:
        return _Committee(members, to_frame=to_frame)
    classes = np.asarray(learner.classes_)
    columns = [_member_columns(m, classes) for m in members]
    return _Committee(members, columns=columns, n_classes=len(classes), to_frame=to_frame)


def _committee_scores(X, block_id=0, *, committee, method):
    """Disagreement of the committee on ``X``, chunk by chunk (also the pool
    scorer of a block of a dask pool)."""
    n = X.shape[0]
    k = 1 if method == "variance" else committee.n_classes
    chunk = pool_chunk_size(n, row_bytes=8 * len(committee.members) * (k + 1) * 2)
    scores = np.empty(n)
    for sl in iter_pool_chunks(n, chunk):
        if method == "vote_entropy":
            scores[sl] = vote_entropy(committee.votes(X[sl]), k)
        elif method == "kl_divergence":
            scores[sl] = kl_disagreement(committee.proba(X[sl]))
        else:
            scores[sl] = committee.predictions(X[sl]).var(axis=0)
    return scores


def _is_regression(learner):
    return is_regressor(_inner(learner)[0])


class QueryByCommittee(BaseQueryStrategy):
    r"""Query by committee: label where the committee members disagree most.

    Disagreement of the :math:`M` members on a pool sample :math:`x`, highest
    first:

    - ``"vote_entropy"`` (Dagan & Engelson 1995): entropy of the hard-vote
      distribution, :math:`-\sum_c \frac{V(c,x)}{M}\log\frac{V(c,x)}{M}`
      (:func:`vote_entropy`).
    - ``"kl_divergence"`` (McCallum & Nigam 1998, eq. 2): mean over members of
      :math:`\mathrm{KL}(p_m(\cdot|x) \,\|\, \bar p(\cdot|x))`, the
      consensus :math:`\bar p` being the members' mean probability
      (:func:`kl_disagreement`).
    - ``"variance"`` for regressors (Burbidge et al. 2007): variance of the
      members' predictions :math:`\frac1M\sum_m (f_m(x) - \bar f(x))^2`.

    **The committee.** When the learner's (final) estimator is a fitted
    ensemble with ``estimators_`` -- ``RandomForest*``, ``ExtraTrees*``,
    ``Bagging*``, ``Voting*``, ``Stacking*`` ..., also inside an
    :class:`~skactive.ActiveLearner`, a ``Pipeline`` (members then see the
    pipeline's transformed features) or a ``GridSearchCV`` -- its members are
    the committee and ``n_members`` is ignored. Bagging feature subsets are
    honoured, and member labels (encoded ``0..K-1`` inside sklearn ensembles)
    are mapped to the learner's ``classes_``.

    Otherwise the committee is ``n_members`` clones of the learner's estimator,
    each fitted on a bootstrap sample of the labelled set (query by bagging,
    Abe & Mamitsuka 1998; for classifiers each class is resampled separately,
    so every member sees every class). The clones are fitted inside
    :meth:`query` at every call and then discarded: the learner is never
    modified, and nothing is cached, so the cost of a query is ``n_members``
    fits. This needs the labelled set, i.e. an ActiveLearner. Bootstrap rows
    and every unset ``random_state`` of the clones are drawn from
    ``random_state``: the same seed gives the same committee.

    Parameters
    ----------
    method : {"vote_entropy", "kl_divergence", "variance"}, default="vote_entropy"
        Disagreement measure; ``"variance"`` is for regressors, the other two
        for classifiers (``"kl_divergence"`` needs members with
        ``predict_proba``).
    n_members : int, default=5
        Size of the bootstrap committee (ignored when the learner is an
        ensemble).
    random_state : int, RandomState instance or None, default=None
        Seeds the bootstrap committee.

    References
    ----------
    H. S. Seung, M. Opper, H. Sompolinsky. "Query by committee", COLT 1992.

    Ido Dagan, Sean P. Engelson. "Committee-based sampling for training
    probabilistic classifiers", ICML 1995 (vote entropy).

    Andrew McCallum, Kamal Nigam. "Employing EM and pool-based active learning
    for text classification", ICML 1998, eq. 2 (KL divergence to the mean).

    R. Burbidge, J. J. Rowland, R. D. King. "Active learning for regression
    based on query by committee", IDEAL 2007 (variance).

    Naoki Abe, Hiroshi Mamitsuka. "Query learning strategies using boosting and
    bagging", ICML 1998 (bootstrap committees).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive import ActiveLearner
    >>> from skactive.strategies import QueryByCommittee
    >>> X, y = load_iris(return_X_y=True)
    >>> rf = RandomForestClassifier(n_estimators=10, random_state=0).fit(X[::5], y[::5])
    >>> QueryByCommittee().query(X, rf, budget=3).shape  # the 10 trees vote
    (3,)
    >>> learner = ActiveLearner(LogisticRegression(), QueryByCommittee(
    ...     method="kl_divergence", n_members=4, random_state=0)).fit(X[::5], y[::5])
    >>> idx, scores = learner.query(X, budget=2, return_scores=True)  # 4 bootstrap fits
    >>> bool(scores[idx[0]] == scores.max())
    True
    """

    _parameter_constraints = {
        "method": [StrOptions({"vote_entropy", "kl_divergence", "variance"})],
        "n_members": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, method="vote_entropy", n_members=5, random_state=None):
        self.method = method
        self.n_members = n_members
        self.random_state = random_state

    def __query_tags__(self):
        task = "regression" if self.method == "variance" else "classification"
        return QueryStrategyTags(requires_samples=True, stochastic=True, task=task,
                                 supports_dask_pool=True)

    def _query(self, X_pool, learner, budget, random_state):
        name = type(self).__name__
        regression = _is_regression(learner)
        if regression != (self.method == "variance"):
            kind = "a regressor" if regression else "a classifier"
            ok = "'variance'" if regression else "'vote_entropy' or 'kl_divergence'"
            raise ValueError(
                f"{name}(method={self.method!r}) cannot score {kind} "
                f"({type(learner).__name__}); use method={ok}."
            )
        committee = _build_committee(learner, self.method, self.n_members, random_state, name)
        scores = _committee_scores(X_pool, committee=committee, method=self.method)
        return top_k(scores, budget), scores

    def _pool_scorer(self, learner, random_state):
        """Per-block scores for dask pools (see :mod:`skactive.utils._pools`):
        the committee is built (bootstrap members fitted) once, in the client."""
        self._check_method(learner)
        committee = _build_committee(learner, self.method, self.n_members, random_state,
                                     type(self).__name__)
        return partial(_committee_scores, committee=committee, method=self.method)

    def _check_method(self, learner):
        regression = _is_regression(learner)
        if regression != (self.method == "variance"):
            kind = "a regressor" if regression else "a classifier"
            ok = "'variance'" if regression else "'vote_entropy' or 'kl_divergence'"
            raise ValueError(
                f"{type(self).__name__}(method={self.method!r}) cannot score {kind} "
                f"({type(learner).__name__}); use method={ok}."
            )
