"""Stochastic predictions from a learner: MC dropout or the members of a committee."""

import numpy as np
from sklearn.utils import check_random_state

from ..exceptions import LearnerCapabilityError
from ._scores import iter_pool_chunks, pool_chunk_size

__all__ = ["has_samples", "predict_proba_samples", "reduce_proba_samples"]


def _inner(est):
    """The estimator doing the work: through ActiveLearner / search CVs / pipelines.

    Returns ``(estimator, transform, classes)`` where ``transform`` maps the
    input to what ``estimator`` expects and ``classes`` are the outer classes.
    """
    transforms = []
    outer_classes = getattr(est, "classes_", None)
    while True:
        if hasattr(est, "predict_proba_samples") or hasattr(est, "estimators_"):
            break
        if hasattr(est, "steps") and hasattr(est, "__getitem__"):  # Pipeline
            transforms.append(est[:-1])
            est = est[-1]
        elif hasattr(est, "best_estimator_"):  # GridSearchCV & co.
            est = est.best_estimator_
        elif hasattr(est, "estimator_"):  # ActiveLearner & other meta-estimators
            est = est.estimator_
        else:
            break
    return est, transforms, outer_classes


def has_samples(learner):
    """Whether :func:`predict_proba_samples` can get stochastic predictions.

    True for a net with ``predict_proba_samples`` (MC dropout) and for an
    ensemble whose fitted ``estimators_`` have ``predict_proba``, also when
    wrapped in an :class:`~skactive.ActiveLearner`, a ``Pipeline`` or a
    ``GridSearchCV``.

    Examples
    --------
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive.utils import has_samples
    >>> X, y = [[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1]
    >>> has_samples(RandomForestClassifier(n_estimators=3).fit(X, y))
    True
    >>> has_samples(LogisticRegression().fit(X, y))
    False
    """
    est, _, _ = _inner(learner)
    if hasattr(est, "predict_proba_samples"):
        return True
    members = getattr(est, "estimators_", None)
    try:
        return len(members) > 0 and all(hasattr(m, "predict_proba") for m in members)
    except TypeError:
        return False


def _encodes_member_labels(ensemble):
    """True for the sklearn ensembles that fit their members on the class
    codes ``0..K-1`` (forests, bagging, voting, stacking). Others -- e.g.
    ``AdaBoostClassifier``, or a user's own ensemble -- pass the labels
    themselves, so their members' ``classes_`` are labels."""
    from sklearn.ensemble import StackingClassifier, VotingClassifier
    from sklearn.ensemble._bagging import BaseBagging
    from sklearn.ensemble._forest import BaseForest

    return isinstance(ensemble, (BaseForest, BaseBagging, VotingClassifier, StackingClassifier))


def _member_columns(member, est_classes, ensemble=None):
    """Columns of ``est_classes`` that the member's ``predict_proba`` columns
    (its ``classes_``, in order) belong to.

    Members of the ensembles of :func:`_encodes_member_labels` carry codes
    (their position in ``est_classes``); every other member -- members of
    other ensembles, bootstrap clones (``ensemble=None``) -- is aligned by
    label. A member that saw only some classes gets only those columns.
    """
    mc = np.asarray(member.classes_)
    n = len(est_classes)
    if ensemble is not None and _encodes_member_labels(ensemble):
        codes = mc.astype(np.intp) if mc.dtype.kind in "biuf" else None
        if codes is None or np.any(codes != mc) or codes.min() < 0 or codes.max() >= n:
            raise ValueError(
                f"The members of {type(ensemble).__name__} should carry class codes "
                f"0..{n - 1}, but one has classes_ {mc.tolist()!r}."
            )
        return codes
    position = {c: i for i, c in enumerate(np.asarray(est_classes).tolist())}
    try:
        return np.array([position[c] for c in mc.tolist()], dtype=np.intp)
    except KeyError as exc:
        where = "the learner's" if ensemble is None else f"{type(ensemble).__name__}'s"
        raise ValueError(
            f"A committee member predicts class {exc.args[0]!r}, which is not in "
            f"{where} classes_ {np.asarray(est_classes).tolist()!r}."
        ) from None


def _committee_samples(est, X):
    est_classes = np.asarray(est.classes_)
    feats = getattr(est, "estimators_features_", None)
    out = np.zeros((len(est.estimators_), X.shape[0], len(est_classes)))
    for t, member in enumerate(est.estimators_):
        Xm = X if feats is None else X[:, feats[t]]
        out[t][:, _member_columns(member, est_classes, est)] = member.predict_proba(Xm)
    return out


def predict_proba_samples(learner, X, n_samples=10, random_state=None):
    """Stochastic class probabilities of ``X``: MC dropout or committee members.

    - A learner (or the estimator inside an ActiveLearner, ``Pipeline`` or
      ``GridSearchCV``) with ``predict_proba_samples`` -- e.g.
      :class:`~skactive.neural.ActiveNeuralNetClassifier` -- gives
      ``n_samples`` forward passes with dropout on.
    - An ensemble with fitted ``estimators_`` (``RandomForestClassifier``,
      ``ExtraTreesClassifier``, ``BaggingClassifier``, ``VotingClassifier``
      with probabilistic members) gives one sample per member;
      ``n_samples`` is then ignored. Bagging feature subsets are honoured.

    Columns follow the learner's ``classes_`` (an ActiveLearner's full label
    set; classes the inner model lacks get probability 0).

    Parameters
    ----------
    learner : fitted estimator
    X : array-like of shape (n, ...)
    n_samples : int, default=10
    random_state : int, RandomState instance or None, default=None
        Seeds the dropout masks.

    Returns
    -------
    P : ndarray of shape (n_samples or n_members, n, n_classes)

    Raises
    ------
    LearnerCapabilityError
        If the learner offers neither.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skactive.utils import predict_proba_samples
    >>> X, y = load_iris(return_X_y=True)
    >>> rf = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
    >>> predict_proba_samples(rf, X[:4]).shape
    (5, 4, 3)
    """
    est, transforms, outer_classes = _inner(learner)
    if not has_samples(est):
        raise LearnerCapabilityError(
            f"{type(learner).__name__} gives no stochastic predictions: use a net with "
            "predict_proba_samples (skactive.neural.ActiveNeuralNetClassifier with "
            "dropout) or an ensemble with estimators_ (e.g. RandomForestClassifier, "
            "BaggingClassifier of probabilistic classifiers)."
        )
    for t in transforms:
        X = t.transform(X)
    if hasattr(est, "predict_proba_samples"):
        if random_state is not None and not isinstance(random_state, (int, np.integer)):
            random_state = int(check_random_state(random_state).randint(2**31 - 1))
        P = np.asarray(est.predict_proba_samples(X, n_samples=n_samples, random_state=random_state))
    else:
        P = _committee_samples(est, X)
    est_classes = getattr(est, "classes_", None)
    if outer_classes is not None and est_classes is not None:
        outer_classes = np.asarray(outer_classes)
        if not np.array_equal(outer_classes, est_classes):
            wide = np.zeros(P.shape[:2] + (len(outer_classes),), dtype=P.dtype)
            wide[:, :, np.searchsorted(outer_classes, est_classes)] = P
            P = wide
    return P


def reduce_proba_samples(learner, X, reduce, n_samples=10, random_state=None, chunk_size=None):
    """Apply ``reduce`` to stochastic probabilities of ``X``, chunk by chunk.

    Only one chunk of the ``(n_samples, n, n_classes)`` array exists at a time.
    For MC dropout, chunk ``i`` uses a seed drawn once from ``random_state``,
    plus ``i``; committees draw nothing from ``random_state``.

    Parameters
    ----------
    learner : fitted estimator
    X : array-like of shape (n, ...)
    reduce : callable
        Maps ``P`` of shape ``(n_samples, n_chunk, n_classes)`` to ``(n_chunk,)``.
    n_samples : int, default=10
    random_state : int, RandomState instance or None, default=None
    chunk_size : int, default=None
        Rows per chunk (default from sklearn's ``working_memory``).

    Returns
    -------
    values : ndarray of shape (n,)

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skactive.utils import reduce_proba_samples
    >>> X, y = load_iris(return_X_y=True)
    >>> rf = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
    >>> reduce_proba_samples(rf, X, lambda P: P.std(axis=0).mean(axis=1), chunk_size=40).shape
    (150,)
    """
    n = X.shape[0]
    seed = None
    if hasattr(_inner(learner)[0], "predict_proba_samples"):  # committees need no seed
        seed = int(check_random_state(random_state).randint(2**31 - 1 - 10**6))
    if chunk_size is None:
        n_classes = len(getattr(learner, "classes_", ())) or 64
        chunk_size = pool_chunk_size(n, row_bytes=8 * max(int(n_samples), 32) * n_classes * 3)
    out = np.empty(n)
    for i, sl in enumerate(iter_pool_chunks(n, chunk_size)):
        chunk_seed = None if seed is None else seed + i
        P = predict_proba_samples(learner, X[sl], n_samples=n_samples, random_state=chunk_seed)
        out[sl] = reduce(np.asarray(P, dtype=float))
    return out
