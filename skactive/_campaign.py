"""A labelling campaign on a real unlabelled pool: state, save and resume."""

import copy
import time
import warnings
from datetime import datetime, timezone
from numbers import Integral

import numpy as np
from sklearn.base import clone, is_regressor
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

__all__ = ["Campaign"]

_INITIAL = ("random", "strategy")


def _is_fitted(estimator):
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    return True


def _is_missing(values):
    """True where a label is missing (None or a float NaN)."""
    out = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values):
        out[i] = v is None or (isinstance(v, (float, np.floating)) and np.isnan(v))
    return out


class Campaign:
    """Label a real unlabelled pool with an :class:`~skactive.ActiveLearner`.

    The object a person keeps between labelling sessions: ``ids =
    campaign.query(budget)`` says which rows of ``X_pool`` to label next (never
    rows labelled already); ``campaign.label(ids, y)`` records the answers and
    refits the learner (:meth:`~skactive.ActiveLearner.teach`, so that
    ``previous_estimator_`` is the model of the round before). The whole state
    -- pool, labels, learner, random generators -- goes to one file with
    :meth:`save`; :meth:`load` gives a campaign that continues exactly as the
    uninterrupted one would (same picks for the same seed).

    Parameters
    ----------
    learner : ActiveLearner
        The learner and its query strategy. An unfitted learner is cloned; a
        fitted one (e.g. on labelled data from elsewhere) is copied and keeps
        its labelled set, to which the campaign's labels are added.
    X_pool : array-like of shape (n_pool, ...) or pandas.DataFrame
        The unlabelled pool. Row ids are positions ``0 .. n_pool - 1`` (for a
        DataFrame: positions, not index labels). DataFrames reach the learner
        as DataFrames (column names kept).
    initial : {"random", "strategy"}, default="random"
        How rows are chosen while the learner has no model yet (nothing
        labelled, or a classifier that has seen one class only): uniformly at
        random, or by the learner's query strategy before ``fit`` (only
        model-free strategies can do that, e.g. ``KCenterGreedy`` or
        ``TypiClust``; the others raise ``NotFittedError``).
    allow_relabel : bool, default=False
        If False, labelling a row again with a *different* label is an error
        (the same label again is ignored). If True, the new label replaces the
        old one and the learner is refitted on all labels.
    random_state : int, RandomState instance or None, default=None
        Draws the random initial rows; with an int, the same campaign (same
        labels given in the same order) makes the same picks.

    Attributes
    ----------
    learner_ : ActiveLearner
        The learner of the campaign (fitted once a model can be fitted).
    labeled_mask_ : ndarray of bool of shape (n_pool,)
        True for labelled rows.
    labeled_ids_ : ndarray of int
        Labelled row ids, in the order they were labelled.
    labels_ : ndarray
        Their labels, same order.
    history_ : list of dict
        One entry per :meth:`query` call: ``round`` (0, 1, ...), ``ids`` (the
        rows returned), ``strategy`` (class name, or ``"random"`` for a random
        initial batch), ``time`` (UTC, ISO 8601), ``query_seconds`` and
        ``n_labeled`` (labels at that time).
    n_pool_ : int
        Number of rows of ``X_pool``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive import ActiveLearner, Campaign
    >>> from skactive.datasets import load_letter
    >>> from skactive.strategies import Margin
    >>> X, y = load_letter(return_X_y=True)
    >>> X, y = X[:500], (y[:500] < 13).astype(int)  # A-M vs N-Z
    >>> campaign = Campaign(ActiveLearner(LogisticRegression(), Margin()), X,
    ...                     random_state=0)
    >>> ids = campaign.query(10)        # nothing labelled: 10 random rows
    >>> campaign = campaign.label(ids, y[ids])   # the answers of a person
    >>> ids = campaign.query(5)         # now by margin
    >>> campaign = campaign.label(ids, y[ids])
    >>> campaign.labeled_mask_.sum(), [h["strategy"] for h in campaign.history_]
    (np.int64(15), ['random', 'Margin'])
    """

    def __init__(self, learner, X_pool, *, initial="random", allow_relabel=False,
                 random_state=None):
        if not (hasattr(learner, "query") and hasattr(learner, "teach")):
            raise ValueError(
                "learner must be an ActiveLearner (with query and teach), got "
                f"{type(learner).__name__}; wrap it: ActiveLearner(estimator, strategy)."
            )
        if initial not in _INITIAL:
            raise ValueError(f"initial must be one of {list(_INITIAL)}, got {initial!r}.")
        if not isinstance(allow_relabel, (bool, np.bool_)):
            raise ValueError(f"allow_relabel must be a bool, got {allow_relabel!r}.")
        if X_pool is None:
            raise ValueError("X_pool must be an array-like or a DataFrame, got None.")
        self._frame = hasattr(X_pool, "iloc") and hasattr(X_pool, "columns")
        if not self._frame and not hasattr(X_pool, "shape"):
            X_pool = np.asarray(X_pool)
        if len(X_pool.shape) == 0 or X_pool.shape[0] == 0:
            raise ValueError(f"X_pool is empty (shape {X_pool.shape}): nothing to label.")
        self.learner = learner
        self.X_pool = X_pool
        self.initial = initial
        self.allow_relabel = bool(allow_relabel)
        self.random_state = random_state
        self.learner_ = copy.deepcopy(learner) if _is_fitted(learner) else clone(learner)
        self.n_pool_ = int(X_pool.shape[0])
        self.labeled_mask_ = np.zeros(self.n_pool_, dtype=bool)
        self.labeled_ids_ = np.empty(0, dtype=np.intp)
        self.labels_ = np.empty(0)
        self.history_ = []
        self._rng = check_random_state(random_state)
        # a fitted learner brought its own labelled set: teach from the start
        self._has_model = self._external = _is_fitted(self.learner_)

    def __repr__(self):
        return (
            f"Campaign(learner={self.learner!r}, n_pool={self.n_pool_}, "
            f"n_labeled={int(self.labeled_mask_.sum())}, rounds={len(self.history_)})"
        )

    # ----------------------------------------------------------------- rows
    def _rows(self, ids):
        if self._frame:
            return self.X_pool.iloc[ids]
        return self.X_pool[ids]

    def _check_ids(self, ids):
        ids = np.asarray(ids)
        if ids.ndim != 1:
            raise ValueError(f"ids must be a 1-d array of row ids, got shape {ids.shape}.")
        if ids.size and not (
            np.issubdtype(ids.dtype, np.integer)
            or (ids.dtype == object and all(isinstance(i, Integral) for i in ids))
        ):
            raise ValueError(f"ids must be integer row ids of X_pool, got dtype {ids.dtype}.")
        ids = ids.astype(np.intp)
        bad = ids[(ids < 0) | (ids >= self.n_pool_)]
        if bad.size:
            raise ValueError(
                f"ids {bad[:10].tolist()} are not row ids of X_pool (expected "
                f"0 <= id < {self.n_pool_})."
            )
        uniq, counts = np.unique(ids, return_counts=True)
        if (counts > 1).any():
            raise ValueError(f"ids {uniq[counts > 1][:10].tolist()} are given more than once.")
        return ids

    # ---------------------------------------------------------------- query
    def query(self, budget=1):
        """Row ids of ``X_pool`` to label next, best first.

        Parameters
        ----------
        budget : int, default=1
            Number of rows, at most the number of unlabelled rows.

        Returns
        -------
        ids : ndarray of shape (budget,)
            Row ids (positions in ``X_pool``), never labelled ones.
        """
        unlabeled = np.flatnonzero(~self.labeled_mask_)
        if unlabeled.size == 0:
            raise ValueError(
                f"Every row of X_pool is labelled ({self.n_pool_} rows): nothing to query."
            )
        if isinstance(budget, (bool, np.bool_)) or not isinstance(budget, Integral) \
                or budget < 1:
            raise ValueError(f"budget must be a positive integer, got {budget!r}.")
        if budget > unlabeled.size:
            raise ValueError(
                f"budget={budget} is larger than the {unlabeled.size} unlabelled rows left."
            )
        tic = time.perf_counter()
        if self._has_model:
            strategy = type(self.learner_.query_strategy_).__name__
            picked = self.learner_.query(self._rows(unlabeled), budget=int(budget))
        elif self.initial == "random":
            strategy = "random"
            picked = self._rng.permutation(unlabeled.size)[: int(budget)]
        else:
            strategy = type(self.learner_.query_strategy).__name__
            picked = self.learner_.query(self._rows(unlabeled), budget=int(budget))
        ids = unlabeled[np.asarray(picked, dtype=np.intp)]
        self.history_.append(
            {
                "round": len(self.history_),
                "ids": ids.copy(),
                "strategy": strategy,
                "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "query_seconds": time.perf_counter() - tic,
                "n_labeled": int(self.labeled_mask_.sum()),
            }
        )
        return ids

    # ---------------------------------------------------------------- label
    def label(self, ids, y):
        """Record labels for rows of ``X_pool`` and refit the learner.

        Parameters
        ----------
        ids : array-like of int of shape (n,)
            Row ids (positions in ``X_pool``), usually from :meth:`query` but
            any unlabelled rows may be labelled.
        y : array-like of shape (n,)
            Their labels (targets for a regressor). NaN / None are refused.

        Returns
        -------
        self : Campaign

        Raises
        ------
        ValueError
            Unknown or repeated ids, a length mismatch, missing labels, or a
            different label for a labelled row without ``allow_relabel``.
        """
        ids = self._check_ids(ids)
        y = np.asarray(y)
        if y.shape != ids.shape:
            raise ValueError(f"y has shape {y.shape}, but ids has shape {ids.shape}.")
        missing = _is_missing(y.tolist())
        if missing.any():
            raise ValueError(
                f"y has missing labels (NaN or None) for ids {ids[missing][:10].tolist()}; "
                "label them or leave them out."
            )
        if is_regressor(self.learner_):
            try:
                y = y.astype(np.float64)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"y must hold numbers for a regressor: {exc}") from exc
        if ids.size == 0:
            return self
        seen = self.labeled_mask_[ids]
        relabel = np.zeros(ids.size, dtype=bool)
        if seen.any():
            pos = {int(i): k for k, i in enumerate(self.labeled_ids_)}
            old = np.array([self.labels_[pos[int(i)]] for i in ids[seen]])
            changed = old != y[seen]
            if changed.any() and not self.allow_relabel:
                bad = ids[seen][changed][:10].tolist()
                raise ValueError(
                    f"Rows {bad} are labelled already with other labels "
                    f"({old[changed][:10].tolist()}); pass allow_relabel=True to "
                    "replace labels."
                )
            relabel[np.flatnonzero(seen)[changed]] = True
            # e.g. a longer string label: widen the dtype instead of truncating
            self.labels_ = self.labels_.astype(np.result_type(self.labels_.dtype, y.dtype))
            for i, value in zip(ids[seen][changed], y[seen][changed]):
                self.labels_[pos[int(i)]] = value
        new = ~seen
        new_ids, new_y = ids[new], y[new]
        self.labeled_ids_ = np.concatenate([self.labeled_ids_, new_ids]).astype(np.intp)
        self.labels_ = (
            new_y.copy() if self.labels_.size == 0 else np.concatenate([self.labels_, new_y])
        )
        self.labeled_mask_[new_ids] = True
        self._refit(new_ids, new_y, full=relabel.any())
        return self

    def _refit(self, new_ids, new_y, full):
        if self._has_model and not full:
            if new_ids.size:
                self.learner_.teach(self._rows(new_ids), new_y)
            return
        if full and self._external:
            warnings.warn(
                "A label changed: the learner is refitted on the campaign's labels "
                "only; the labelled set the given learner was fitted on is dropped.",
                UserWarning,
                stacklevel=3,
            )
        try:
            self.learner_.fit(self._rows(self.labeled_ids_), self.labels_)
        except ValueError as exc:
            if "only one class" not in str(exc):
                raise
            self._has_model = False
            warnings.warn(
                "The labels hold a single class so far; no model yet: the next rows "
                f"are chosen by initial={self.initial!r}.",
                UserWarning,
                stacklevel=3,
            )
            return
        self._has_model = True

    # ---------------------------------------------------------- persistence
    def save(self, path, *, compress=3):
        """Write the whole campaign (pool, labels, learner, random state) to
        ``path`` with :func:`joblib.dump`.

        Returns
        -------
        path : str
        """
        import joblib

        joblib.dump(self, path, compress=compress)
        return str(path)

    @classmethod
    def load(cls, path):
        """Read a campaign written by :meth:`save`.

        Only load files you trust: joblib files are pickles.
        """
        import joblib

        obj = joblib.load(path)
        if not isinstance(obj, cls):
            raise ValueError(f"{path} holds a {type(obj).__name__}, not a {cls.__name__}.")
        return obj

    # ---------------------------------------------------------------- report
    def class_counts(self):
        """Labels counted per class, ``{label: count}`` (classifiers)."""
        values, counts = np.unique(self.labels_, return_counts=True)
        return {v.item() if hasattr(v, "item") else v: int(c) for v, c in zip(values, counts)}
