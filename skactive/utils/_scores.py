"""Per-class scores from any classifier, computed in memory-bounded chunks."""

import numpy as np
from sklearn import get_config
from sklearn.utils import gen_batches

from ..exceptions import LearnerCapabilityError

__all__ = [
    "chunked_predict",
    "class_scores",
    "entropy",
    "iter_pool_chunks",
    "margin",
    "pool_chunk_size",
    "reduce_class_scores",
]


#: Default cap (MiB) on one chunk of per-sample work: large enough to amortise
#: Python overhead, small enough to stay cache-friendly (measured faster than
#: one 1 GiB chunk on 1M-row pools, see benchmarks/bench_uncertainty.py).
_MAX_CHUNK_MIB = 64


def pool_chunk_size(n_pool, row_bytes, working_memory=None):
    """Number of pool rows to process at once so that a chunk of ``row_bytes`` per
    row fits in ``working_memory`` MiB (default: sklearn's ``working_memory``
    config, capped at 64 MiB), at least 1 row.

    Examples
    --------
    >>> from skactive.utils import pool_chunk_size
    >>> pool_chunk_size(10, row_bytes=8)
    10
    """
    if working_memory is None:
        working_memory = min(get_config()["working_memory"], _MAX_CHUNK_MIB)
    n_rows = int(working_memory * 2**20) // max(int(row_bytes), 1)
    return max(1, min(n_rows, n_pool))


def iter_pool_chunks(n_pool, chunk_size):
    """Yield slices covering ``range(n_pool)`` in chunks of ``chunk_size`` rows.

    Examples
    --------
    >>> from skactive.utils import iter_pool_chunks
    >>> list(iter_pool_chunks(5, 2))
    [slice(0, 2, None), slice(2, 4, None), slice(4, 5, None)]
    """
    return gen_batches(n_pool, max(int(chunk_size), 1))


def _row_size(X):
    """Number of values in one row of ``X`` (1 if unknown)."""
    shape = getattr(X, "shape", None)
    return int(np.prod(shape[1:], dtype=np.int64)) if shape is not None and len(shape) > 1 else 1


def _scores_kind(estimator, kind):
    if kind == "proba":
        if not hasattr(estimator, "predict_proba"):
            raise LearnerCapabilityError(
                f"{type(estimator).__name__} has no predict_proba; class "
                "probabilities are required here (for SVC, set probability=True)."
            )
        return "proba"
    if kind == "decision":
        if not hasattr(estimator, "decision_function"):
            raise LearnerCapabilityError(
                f"{type(estimator).__name__} has no decision_function."
            )
        return "decision"
    if kind != "auto":
        raise ValueError(f"kind must be 'auto', 'proba' or 'decision', got {kind!r}.")
    if hasattr(estimator, "predict_proba"):
        return "proba"
    if hasattr(estimator, "decision_function"):
        return "decision"
    raise LearnerCapabilityError(
        f"{type(estimator).__name__} has neither predict_proba nor "
        "decision_function: no per-class scores can be computed."
    )


def class_scores(estimator, X, *, kind="auto"):
    """Per-class scores of a fitted classifier.

    ``predict_proba`` when the estimator has it, otherwise ``decision_function``
    (a binary ``(n,)`` decision ``d`` becomes the two columns ``[-d, d]``;
    multiclass decision values are used as returned, e.g. SVC's one-vs-rest
    shape). This is what lets margin-based strategies work with ``SVC()`` at
    its defaults, as in the alamp paper.

    Parameters
    ----------
    estimator : fitted classifier
    X : array-like of shape (n_samples, ...)
    kind : {"auto", "proba", "decision"}, default="auto"
        Force one source of scores; ``"proba"`` raises
        :class:`~skactive.exceptions.LearnerCapabilityError` when the estimator
        has no ``predict_proba``.

    Returns
    -------
    scores : ndarray of shape (n_samples, n_classes)
    kind : {"proba", "decision"}
        Where the scores came from.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.svm import SVC
    >>> from skactive.utils import class_scores
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> svc = SVC().fit(X, [0, 0, 1, 1])
    >>> scores, kind = class_scores(svc, X)
    >>> scores.shape, kind
    ((4, 2), 'decision')
    """
    kind = _scores_kind(estimator, kind)
    if kind == "proba":
        S = np.asarray(estimator.predict_proba(X), dtype=float)
    else:
        S = np.asarray(estimator.decision_function(X), dtype=float)
        if S.ndim == 1:
            S = np.column_stack([-S, S])
    return S, kind


def margin(S):
    """Difference between the two largest scores of each row (eq. 1 of alamp).

    Rows with a single column get a margin of ``+inf`` (nothing to confuse).

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.utils import margin
    >>> margin(np.array([[0.7, 0.2, 0.1], [0.4, 0.5, 0.1]]))
    array([0.5, 0.1])
    """
    S = np.asarray(S, dtype=float)
    if S.shape[1] < 2:
        return np.full(S.shape[0], np.inf)
    top2 = np.partition(S, S.shape[1] - 2, axis=1)[:, -2:]
    return top2[:, 1] - top2[:, 0]


def entropy(P):
    """Shannon entropy (natural log) of each row of probabilities, 0 log 0 = 0.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.utils import entropy
    >>> np.round(entropy(np.array([[0.5, 0.5], [1.0, 0.0]])), 4)
    array([0.6931, 0.    ])
    """
    P = np.asarray(P, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        logP = np.where(P > 0, np.log(np.where(P > 0, P, 1.0)), 0.0)
    return 0.0 - np.einsum("ij,ij->i", P, logP)  # 0.0 - x avoids -0.0


def reduce_class_scores(estimator, X, reduce, *, kind="auto", chunk_size=None):
    """Apply ``reduce`` to the per-class scores of ``X``, chunk by chunk.

    Only one chunk of the ``(n_samples, n_classes)`` score matrix exists at a
    time, so memory stays bounded for large pools (chunks follow sklearn's
    ``working_memory`` unless ``chunk_size`` is given).

    Parameters
    ----------
    estimator : fitted classifier
    X : array-like of shape (n_samples, ...)
    reduce : callable
        Maps a chunk of scores ``(n_chunk, n_classes)`` to per-sample values
        ``(n_chunk, ...)``.
    kind : {"auto", "proba", "decision"}, default="auto"
        See :func:`class_scores`.
    chunk_size : int, default=None
        Rows per chunk.

    Returns
    -------
    values : ndarray of shape (n_samples, ...)
    kind : {"proba", "decision"}

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive.utils import margin, reduce_class_scores
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> clf = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> values, kind = reduce_class_scores(clf, X, margin, chunk_size=3)
    >>> values.shape, kind
    ((4,), 'proba')
    """
    kind = _scores_kind(estimator, kind)
    n = X.shape[0]
    if chunk_size is None:
        n_classes = len(getattr(estimator, "classes_", ())) or 64
        # scores, a partitioned copy and the estimator's own temporaries, plus a
        # float64 copy of the input rows (a memmap chunk is read and converted)
        chunk_size = pool_chunk_size(n, row_bytes=8 * n_classes * 4 + 8 * _row_size(X))
    out = None
    for sl in iter_pool_chunks(n, chunk_size):
        S, _ = class_scores(estimator, X[sl], kind=kind)
        values = reduce(S)
        if out is None:
            out = np.empty((n,) + values.shape[1:], dtype=values.dtype)
        out[sl] = values
    return out, kind


def class_score_reducer(X, block_id=0, *, estimator, reduce, kind="auto"):
    """``reduce_class_scores(estimator, X, reduce, kind=kind)[0]``: the pool
    scorer of the one-model uncertainty strategies on a block of a dask pool
    (``block_id`` is unused: the scores are deterministic).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive.utils import margin
    >>> from skactive.utils._scores import class_score_reducer
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> clf = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> class_score_reducer(X, estimator=clf, reduce=margin).shape
    (4,)
    """
    return reduce_class_scores(estimator, X, reduce, kind=kind)[0]


def chunked_predict(estimator, X, chunk_size=None):
    """``estimator.predict(X)`` computed chunk by chunk (bounded memory).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skactive.utils import chunked_predict
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> clf = LogisticRegression().fit(X, [0, 0, 1, 1])
    >>> chunked_predict(clf, X, chunk_size=3)
    array([0, 0, 1, 1])
    """
    n = X.shape[0]
    if chunk_size is None:
        n_classes = len(getattr(estimator, "classes_", ())) or 64
        chunk_size = pool_chunk_size(n, row_bytes=8 * n_classes * 4)
    parts = [np.asarray(estimator.predict(X[sl])) for sl in iter_pool_chunks(n, chunk_size)]
    return np.concatenate(parts)
