"""Prequential (test-then-train) evaluation of a stream selector."""

from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_consistent_length

from ._base import BaseStreamSelector

__all__ = ["StreamResult", "simulate_stream"]


@dataclass
class StreamResult:
    """What :func:`simulate_stream` records, one entry per arriving batch.

    Attributes
    ----------
    n_seen : ndarray of int
        Stream samples seen after each batch (the initial ones excluded).
    n_labels : ndarray of int
        Labels bought on the stream after each batch (the initial ones excluded).
    accuracy : ndarray of float
        Prequential accuracy: share of the samples seen so far predicted right
        *before* their label (if any) was used.
    window_accuracy : ndarray of float
        The same over the last ``window`` samples only (follows drifts).
    queried : ndarray of bool, shape (n_stream,)
        Which stream samples were labelled.
    n_initial : int
        Samples labelled before the stream started (the first fit).
    budget : float
        The selector's budget.
    selector, learner : estimators
        The selector and the learner after the stream.
    """

    n_seen: np.ndarray
    n_labels: np.ndarray
    accuracy: np.ndarray
    window_accuracy: np.ndarray
    queried: np.ndarray
    n_initial: int
    budget: float
    selector: object = field(repr=False)
    learner: object = field(repr=False)

    @property
    def spent(self):
        """Fraction of the stream samples that were labelled."""
        return float(self.n_labels[-1] / self.n_seen[-1]) if len(self.n_seen) else 0.0


def _set_seed(est, seed):
    if seed is not None and "random_state" in est.get_params(deep=False):
        est.set_params(random_state=seed)
    return est


def simulate_stream(learner, selector, X, y, *, n_initial=10, batch_size=1, refit_every=1,
                    incremental="auto", classes=None, window=200, random_state=None):
    """Prequential (test-then-train) run of a stream selector over ``(X, y)``.

    The rows of ``X`` arrive in order. The first ``n_initial`` are labelled
    up front (more if they hold a single class, until a second class shows
    up) and fit the learner. Then, batch by batch: the learner predicts the
    batch (the test), the selector picks the samples to label
    (:meth:`~BaseStreamSelector.query`), learns what was labelled
    (:meth:`~BaseStreamSelector.update`), and the learner is trained on the
    new labels: with ``partial_fit`` on the new labels when it has one
    (``incremental="auto"``), otherwise refitted on all labels so far after
    every ``refit_every`` new labels.

    Parameters
    ----------
    learner : classifier
        Cloned; any classifier with ``predict_proba`` (what the selector needs)
        and ``fit``, or ``partial_fit`` (SGDClassifier, GaussianNB, ...).
    selector : BaseStreamSelector
        Cloned (a fresh state).
    X : array-like of shape (n_samples, n_features)
        The stream, in arrival order.
    y : array-like of shape (n_samples,)
        Its labels (revealed only for the labelled samples).
    n_initial : int >= 1, default=10
        Samples labelled before the stream starts (the learner is cloned, so
        it needs a first fit).
    batch_size : int, default=1
        Samples arriving together.
    refit_every : int, default=1
        For learners refitted from scratch: refit after this many new labels.
    incremental : {"auto", True, False}, default="auto"
        Use ``partial_fit`` ("auto": when the learner has it).
    classes : array-like or None, default=None
        All classes, for ``partial_fit`` (None: ``np.unique(y)``).
    window : int, default=200
        Length of the sliding window of ``window_accuracy``.
    random_state : int, RandomState or None, default=None
        Seeds the selector's and the learner's ``random_state`` (when they have
        one); None leaves them as given.

    Returns
    -------
    result : StreamResult

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from skactive.stream import VariableUncertainty, simulate_stream
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(500, 2)); y = (X[:, 0] + X[:, 1] > 0).astype(int)
    >>> res = simulate_stream(GaussianNB(), VariableUncertainty(budget=0.1), X, y)
    >>> int(res.n_seen[-1]), int(res.n_labels[-1])  # at most 10 in any 100 samples
    (490, 50)
    >>> bool(res.accuracy[-1] > 0.8)
    True
    """
    if not isinstance(selector, BaseStreamSelector):
        raise TypeError(
            f"selector must be a skactive.stream selector, got {type(selector).__name__}."
        )
    X = check_array(X, accept_sparse=["csr"], dtype=None, ensure_all_finite="allow-nan",
                    input_name="X")
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D (one label per sample), got shape {y.shape}.")
    check_consistent_length(X, y)
    for name, value, low in [("n_initial", n_initial, 1), ("batch_size", batch_size, 1),
                             ("refit_every", refit_every, 1), ("window", window, 1)]:
        if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
    if incremental not in ("auto", True, False):
        raise ValueError(f"incremental must be 'auto', True or False, got {incremental!r}.")
    n = X.shape[0]
    if n_initial >= n:
        raise ValueError(f"n_initial={n_initial} leaves no stream (X has {n} samples).")

    rng = check_random_state(random_state) if random_state is not None else None
    seeds = rng.randint(np.iinfo(np.int32).max, size=2) if rng is not None else (None, None)
    selector = _set_seed(clone(selector), seeds[0])
    model = _set_seed(clone(learner), seeds[1])
    use_partial = hasattr(model, "partial_fit") if incremental == "auto" else bool(incremental)
    if use_partial and not hasattr(model, "partial_fit"):
        raise ValueError(f"incremental=True but {type(model).__name__} has no partial_fit.")
    classes = np.unique(y) if classes is None else np.asarray(classes)

    start = n_initial
    while start < n and np.unique(y[:start]).size < 2:
        start += 1
    if start >= n:
        raise ValueError("y holds a single class before the end of X: nothing to learn.")
    labeled_idx = list(range(start))
    if use_partial:
        model.partial_fit(X[:start], y[:start], classes=classes)
    else:
        model.fit(X[:start], y[:start])

    n_stream = n - start
    queried = np.zeros(n_stream, dtype=bool)
    correct = np.zeros(n_stream, dtype=bool)
    n_seen = []
    pending = 0
    for lo in range(start, n, batch_size):
        hi = min(lo + batch_size, n)
        Xb = X[lo:hi]
        correct[lo - start:hi - start] = np.asarray(model.predict(Xb)) == y[lo:hi]
        idx = selector.query(Xb, model)
        selector.update(Xb, idx, y=y[lo + idx])
        if idx.size:
            queried[lo - start + idx] = True
            labeled_idx.extend((lo + idx).tolist())
            if use_partial:
                model.partial_fit(Xb[idx], y[lo + idx], classes=classes)
            else:
                pending += idx.size
                if pending >= refit_every:
                    lab = np.asarray(labeled_idx)
                    model.fit(X[lab], y[lab])
                    pending = 0
        n_seen.append(hi - start)
    n_seen = np.asarray(n_seen, dtype=int)
    c = np.concatenate([[0], np.cumsum(correct)])
    lo_w = np.maximum(n_seen - window, 0)
    return StreamResult(
        n_seen=n_seen, n_labels=np.cumsum(queried)[n_seen - 1],
        accuracy=c[n_seen] / n_seen, window_accuracy=(c[n_seen] - c[lo_w]) / (n_seen - lo_w),
        queried=queried, n_initial=start,
        budget=float(selector.budget), selector=selector, learner=model,
    )
