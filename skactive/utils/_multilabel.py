"""Multi-label targets and per-label scores from any multi-label classifier.

Every multi-label query strategy reads the model through the two helpers
here: :func:`multilabel_proba` (an ``(n, L)`` matrix of ``P(label = 1)``,
whatever format the estimator returns) and :func:`multilabel_margins` (an
``(n, L)`` matrix of signed per-label decision values ``f_l(x)``: the
estimator's ``decision_function`` when it has one, otherwise ``2 p - 1``).
:class:`~skactive.ActiveLearner` uses the first for its own
``predict_proba``, so a strategy sees the same numbers from a bare estimator
and from a learner.
"""

import numbers

import numpy as np
from scipy import sparse
from sklearn.base import is_regressor

from ..exceptions import LearnerCapabilityError
from ._scores import iter_pool_chunks, pool_chunk_size

__all__ = [
    "binarize_multilabel",
    "check_multilabel_indicator",
    "check_multilabel_learner",
    "encode_multilabel",
    "fit_multilabel_estimator",
    "is_label_sets",
    "is_multilabel_learner",
    "is_multilabel_target",
    "multilabel_margins",
    "multilabel_proba",
]


# ------------------------------------------------------------------ targets
def is_label_sets(y):
    """True when ``y`` is a list of label sets (sets, or ragged sequences).

    A sequence whose items are ``set``/``frozenset``, sequences of strings,
    or sequences of different lengths (``[[1, 2], [3]]``), is a list of
    label sets. Rectangular nested lists of numbers (``[[0, 1], [1, 0]]``)
    are 2-D arrays, as scikit-learn's ``type_of_target`` reads them.

    Examples
    --------
    >>> from skactive.utils._multilabel import is_label_sets
    >>> is_label_sets([{"sports"}, {"politics", "economy"}])
    True
    >>> is_label_sets([[0, 1], [1, 0]])
    False
    """
    if isinstance(y, (np.ndarray, str)) or sparse.issparse(y) or hasattr(y, "iloc"):
        return False
    try:
        items = list(y)
    except TypeError:
        return False
    if not items:
        return False
    if all(isinstance(item, (set, frozenset)) for item in items):
        return True
    if not all(isinstance(item, (list, tuple, set, frozenset)) for item in items):
        return False
    if any(isinstance(lab, str) for item in items for lab in item):
        return True  # label names: an indicator matrix holds only 0 and 1
    return len({len(item) for item in items}) > 1


def is_multilabel_target(y):
    """True when ``y`` is a multi-label target: label sets, or a 2-D
    array-like with at least two columns.

    A column vector ``(n, 1)`` is not (scikit-learn ravels it, with a
    ``DataConversionWarning``).

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.utils._multilabel import is_multilabel_target
    >>> is_multilabel_target(np.array([[0, 1], [1, 1]]))
    True
    >>> is_multilabel_target(np.array([0, 1, 2]))
    False
    """
    if is_label_sets(y):
        return True
    shape = getattr(y, "shape", None)
    if shape is None:
        try:
            shape = np.shape(np.asarray(y, dtype=object))
        except ValueError:  # ragged, but not label sets
            return False
    return len(shape) == 2 and shape[1] >= 2


def check_multilabel_indicator(Y, name="y", n_labels=None):
    """Validate a 2-D 0/1 label indicator matrix; return it as int ndarray.

    Parameters
    ----------
    Y : array-like or sparse matrix of shape (n_samples, n_labels)
    name : str, default="y"
        Named in error messages.
    n_labels : int, default=None
        Required number of columns (the learner's ``n_labels_``).

    Returns
    -------
    Y : ndarray of shape (n_samples, n_labels), dtype int

    Examples
    --------
    >>> from skactive.utils._multilabel import check_multilabel_indicator
    >>> check_multilabel_indicator([[0, 1], [1, 1]])
    array([[0, 1],
           [1, 1]])
    >>> check_multilabel_indicator([[0, 2], [1, 1]])
    Traceback (most recent call last):
    ...
    ValueError: y is a 2-D array, so it is read as a multi-label indicator matrix ...
    """
    if sparse.issparse(Y):
        Y = Y.toarray()
    Y = np.asarray(Y)
    if Y.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D label indicator matrix, got an array of shape {Y.shape}."
        )
    if Y.dtype.kind == "b":
        Y = Y.astype(int)
    try:
        values = np.unique(Y)
        ok = Y.dtype.kind in "iuf" and np.isin(values, (0, 1)).all()
    except TypeError:
        ok, values = False, np.unique(Y.astype(str))
    if not ok:
        raise ValueError(
            f"{name} is a 2-D array, so it is read as a multi-label indicator matrix "
            "(one column per label, 1 = the label applies), but it holds values "
            f"{values[:10].tolist()} instead of only 0 and 1. Give label sets as a list "
            "of sets instead, e.g. [{'a', 'b'}, {'c'}], or binarise with "
            "sklearn.preprocessing.MultiLabelBinarizer."
        )
    if n_labels is not None and Y.shape[1] != n_labels:
        raise ValueError(
            f"{name} has {Y.shape[1]} label columns, but the learner was fitted with "
            f"{n_labels} labels."
        )
    return Y.astype(int, copy=False)


def encode_multilabel(y, classes=None):
    """Encode multi-label ``y`` for :meth:`skactive.ActiveLearner.fit`.

    Parameters
    ----------
    y : indicator matrix of shape (n, L), or list of label sets
    classes : array-like, default=None
        Label names (indicator: one per column, in order, default the
        columns of a DataFrame, else ``arange(L)``; label sets: every label
        that may occur).

    Returns
    -------
    Y : ndarray of shape (n, L), dtype int
    classes_ : ndarray of shape (L,)
    binarizer : MultiLabelBinarizer or None
        Fitted on the label sets; None for an indicator matrix.

    Examples
    --------
    >>> from skactive.utils._multilabel import encode_multilabel
    >>> Y, classes, mlb = encode_multilabel([{"b"}, {"a", "b"}])
    >>> Y.tolist(), classes.tolist()
    ([[0, 1], [1, 1]], ['a', 'b'])
    """
    if is_label_sets(y):
        from sklearn.preprocessing import MultiLabelBinarizer

        mlb = MultiLabelBinarizer(classes=classes)
        Y = mlb.fit_transform([list(labels) for labels in y])
        return np.asarray(Y, dtype=int), np.asarray(mlb.classes_), mlb
    if classes is None and hasattr(y, "columns"):  # a DataFrame: its column names
        classes = np.asarray(y.columns)
    Y = check_multilabel_indicator(y)
    if classes is None:
        return Y, np.arange(Y.shape[1]), None
    classes = np.asarray(classes)
    if classes.ndim != 1 or classes.shape[0] != Y.shape[1]:
        raise ValueError(
            f"classes has {classes.size} names, but the indicator matrix y has "
            f"{Y.shape[1]} label columns."
        )
    if np.unique(classes).shape[0] != classes.shape[0]:
        raise ValueError("classes must not contain duplicate label names.")
    return Y, classes, None


def binarize_multilabel(y, classes_, binarizer):
    """``y`` for a fitted multi-label learner (its ``classes_`` and
    ``label_binarizer_``) as an indicator matrix: label sets are binarised
    (unknown labels raise a ``ValueError``), indicator matrices are checked.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.utils._multilabel import binarize_multilabel, encode_multilabel
    >>> _, classes, mlb = encode_multilabel([{"b"}, {"a", "b"}])
    >>> binarize_multilabel([{"a"}], classes, mlb).tolist()
    [[1, 0]]
    >>> binarize_multilabel([{"z"}], classes, mlb)
    Traceback (most recent call last):
    ...
    ValueError: y contains labels ['z'] that are not in classes_=['a', 'b']; ...
    """
    n_labels = len(classes_)
    if y is None:
        raise ValueError("y is required: this learner is multi-label.")
    as_sets = is_label_sets(y) or (  # e.g. [["a"], ["b"]]: equal-length sets
        binarizer is not None and not hasattr(y, "shape") and not sparse.issparse(y)
        and all(isinstance(item, (list, tuple, set, frozenset)) for item in y)
    )
    if as_sets:
        if binarizer is None:
            raise ValueError(
                "y is a list of label sets, but this learner was fitted on an indicator "
                f"matrix; give an indicator matrix with {n_labels} columns."
            )
        sets = [list(labels) for labels in y]
        unknown = sorted({lab for labels in sets for lab in labels} - set(classes_.tolist()),
                         key=str)
        if unknown:
            raise ValueError(
                f"y contains labels {unknown[:10]} that are not in classes_="
                f"{classes_.tolist()[:20]}; give every label in advance with "
                "ActiveLearner(classes=...)."
            )
        return np.asarray(binarizer.transform(sets), dtype=int)
    if not is_multilabel_target(y):
        raise ValueError(
            f"This learner is multi-label: y must be a 2-D indicator matrix with "
            f"{n_labels} columns" + (" or a list of label sets" if binarizer else "")
            + f", got {type(y).__name__} of shape {np.shape(y)}."
        )
    return check_multilabel_indicator(y, n_labels=n_labels)


def fit_multilabel_estimator(estimator, X, Y, **fit_params):
    """``estimator.fit(X, Y)`` on an indicator matrix, with a clear
    ``ValueError`` when the estimator cannot do multi-label classification.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.svm import SVC
    >>> from skactive.utils._multilabel import fit_multilabel_estimator
    >>> X, Y = np.array([[0.0], [1.0], [2.0]]), np.array([[1, 0], [1, 1], [0, 1]])
    >>> fit_multilabel_estimator(SVC(), X, Y)
    Traceback (most recent call last):
    ...
    ValueError: SVC could not be fitted on the multi-label y of shape (3, 2) ...
    """
    name = type(estimator).__name__
    hint = (
        "Multi-label y needs an estimator that supports it: wrap it, e.g. "
        f"OneVsRestClassifier({name}()) or MultiOutputClassifier({name}()), or use "
        "ClassifierChain, RandomForestClassifier, KNeighborsClassifier or MLPClassifier."
    )
    try:
        estimator.fit(X, Y, **fit_params)
    except ValueError as exc:
        raise ValueError(
            f"{name} could not be fitted on the multi-label y of shape {Y.shape} "
            f"({exc}). {hint}"
        ) from exc
    if not is_multilabel_learner(estimator):
        raise ValueError(f"{name} did not fit a multi-label model on y. {hint}")
    return estimator


# ------------------------------------------------------------------ models
def _final_estimator(estimator):
    """The model that makes the predictions: through an ActiveLearner
    (``estimator_``), searches (``best_estimator_``) and pipelines (last
    step)."""
    for _ in range(20):
        if hasattr(estimator, "n_labels_") and hasattr(estimator, "estimator_"):
            return estimator  # a multi-label ActiveLearner answers itself
        nxt = None
        if hasattr(estimator, "best_estimator_"):
            nxt = estimator.best_estimator_
        elif hasattr(estimator, "steps"):
            nxt = estimator.steps[-1][1]
        elif hasattr(estimator, "estimator_") and hasattr(estimator, "query_strategy"):
            nxt = estimator.estimator_
        if nxt is None:
            return estimator
        estimator = nxt
    return estimator


def is_multilabel_learner(learner):
    """True when a fitted classifier predicts multi-label indicator rows.

    An :class:`~skactive.ActiveLearner` fitted on multi-label ``y`` (it has
    ``n_labels_``), a ``OneVsRestClassifier`` fitted on an indicator matrix
    (``multilabel_``), a ``ClassifierChain``, a ``MultiOutputClassifier``,
    a multi-output tree, forest or k-NN model, or an ``MLPClassifier`` with
    logistic outputs, also inside a ``Pipeline`` or a search. Regressors and
    unfitted models are not.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.multiclass import OneVsRestClassifier
    >>> from skactive.utils._multilabel import is_multilabel_learner
    >>> X, Y = np.array([[0.0], [1.0], [2.0]]), np.array([[1, 0], [1, 1], [0, 1]])
    >>> is_multilabel_learner(OneVsRestClassifier(LogisticRegression()).fit(X, Y))
    True
    >>> is_multilabel_learner(LogisticRegression().fit(X, [0, 1, 1]))
    False
    """
    try:
        if is_regressor(learner):
            return False
    except Exception:  # third-party estimators with broken tags
        pass
    if hasattr(learner, "query_strategy") and hasattr(learner, "estimator"):
        # an ActiveLearner: its own fitted state decides
        return hasattr(learner, "n_labels_")
    est = _final_estimator(learner)
    name = type(est).__name__
    if name == "OneVsRestClassifier":
        return bool(getattr(est, "label_binarizer_", None) is not None and est.multilabel_)
    if name in ("ClassifierChain", "MultiOutputClassifier"):
        return hasattr(est, "estimators_")
    if getattr(est, "outputs_2d_", False):  # k-NN
        return True
    n_outputs = getattr(est, "n_outputs_", 1)
    if getattr(est, "out_activation_", None) is not None:  # MLP: logistic outputs
        return est.out_activation_ == "logistic" and n_outputs > 1
    if isinstance(n_outputs, numbers.Integral) and n_outputs > 1:
        return True
    return isinstance(getattr(est, "classes_", None), list)


def _labels_of(estimator):
    """Per-label class arrays of a multi-output model (``classes_`` list), or None."""
    classes = getattr(_final_estimator(estimator), "classes_", None)
    if isinstance(classes, list):
        return classes
    return None


def _positive_column(P_l, classes_l):
    """``P(label = 1)`` from one label's ``(n, k)`` probabilities."""
    P_l = np.asarray(P_l, dtype=float)
    if P_l.ndim == 1:
        return P_l
    if classes_l is not None:
        classes_l = np.asarray(classes_l)
        where = np.flatnonzero(classes_l == 1)
        if where.size:
            return P_l[:, where[0]]
        return np.zeros(P_l.shape[0])  # label never positive in the labelled set
    if P_l.shape[1] == 2:
        return P_l[:, 1]
    raise ValueError(
        f"Cannot tell which of the {P_l.shape[1]} probability columns is the positive "
        "class of a label (the estimator has no per-label classes_)."
    )


def _proba_block(estimator, X):
    P = estimator.predict_proba(X)
    if isinstance(P, list):  # MultiOutputClassifier, forests, k-NN: one (n, k) per label
        classes = _labels_of(estimator)
        cols = [
            _positive_column(P_l, None if classes is None else classes[l])
            for l, P_l in enumerate(P)
        ]
        return np.column_stack(cols)
    P = np.asarray(P.toarray() if sparse.issparse(P) else P, dtype=float)
    if P.ndim != 2:
        raise ValueError(f"predict_proba returned an array of shape {P.shape}; expected (n, L).")
    return P


def _chunked(estimator, X, block, n_labels_hint=64):
    n = X.shape[0]
    row = int(np.prod(X.shape[1:], dtype=np.int64)) if X.ndim > 1 else 1
    size = pool_chunk_size(n, row_bytes=8 * n_labels_hint * 4 + 8 * row)
    parts = [block(estimator, X[sl]) for sl in iter_pool_chunks(n, size)]
    return np.concatenate(parts, axis=0) if len(parts) > 1 else parts[0]


def multilabel_proba(estimator, X):
    """``P(label = 1)`` for each sample and label, shape ``(n, L)``.

    Normalises the formats of scikit-learn's multi-label models: an ``(n, L)``
    array (``OneVsRestClassifier``, ``ClassifierChain``, ``MLPClassifier``,
    a multi-label :class:`~skactive.ActiveLearner`) is returned as is; a list
    of ``L`` arrays of shape ``(n, k_l)`` (``MultiOutputClassifier``, random
    forests, k-NN) gives, per label, the column of class ``1`` in that
    label's ``classes_`` (zeros when the labelled set never had the label).
    The pool is scored in memory-bounded chunks.

    Parameters
    ----------
    estimator : fitted multi-label classifier with ``predict_proba``
    X : array-like of shape (n_samples, ...)

    Returns
    -------
    P : ndarray of shape (n_samples, n_labels)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skactive.utils._multilabel import multilabel_proba
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> Y = np.array([[1, 0], [1, 0], [0, 1], [0, 1]])
    >>> forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, Y)
    >>> multilabel_proba(forest, X).shape
    (4, 2)
    """
    if not hasattr(estimator, "predict_proba"):
        raise LearnerCapabilityError(
            f"{type(estimator).__name__} has no predict_proba; label probabilities are "
            "required here (for SVC, set probability=True)."
        )
    return _chunked(estimator, X, _proba_block)


def _decision_block(estimator, X):
    D = np.asarray(estimator.decision_function(X), dtype=float)
    if D.ndim == 1:
        D = D[:, None]
    return D


def multilabel_margins(estimator, X, kind="auto"):
    """Signed per-label scores ``f_l(x)``, shape ``(n, L)``: positive means
    "label predicted", and ``|f_l(x)|`` is the confidence.

    Parameters
    ----------
    estimator : fitted multi-label classifier
    X : array-like of shape (n_samples, ...)
    kind : {"auto", "decision", "proba"}, default="auto"
        ``"decision"``: the estimator's ``decision_function`` (an SVM's
        margins, as in the SVM-based papers). ``"proba"``: ``2 P(label=1) - 1``
        from :func:`multilabel_proba`. ``"auto"``: ``"decision"`` when the
        estimator has ``decision_function``, else ``"proba"``.

    Returns
    -------
    F : ndarray of shape (n_samples, n_labels)
    kind : {"decision", "proba"}
        Where ``F`` came from.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.multiclass import OneVsRestClassifier
    >>> from sklearn.svm import SVC
    >>> from skactive.utils._multilabel import multilabel_margins
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> Y = np.array([[1, 0], [1, 0], [0, 1], [0, 1]])
    >>> F, kind = multilabel_margins(OneVsRestClassifier(SVC()).fit(X, Y), X)
    >>> F.shape, kind, bool((F[:2, 0] > 0).all())
    ((4, 2), 'decision', True)
    """
    if kind not in ("auto", "decision", "proba"):
        raise ValueError(f"kind must be 'auto', 'decision' or 'proba', got {kind!r}.")
    has_decision = hasattr(estimator, "decision_function")
    if kind == "auto":
        kind = "decision" if has_decision else "proba"
    if kind == "decision":
        if not has_decision:
            raise LearnerCapabilityError(
                f"{type(estimator).__name__} has no decision_function; use "
                "kind='proba' (margins 2p - 1) or an estimator with decision values."
            )
        return _chunked(estimator, X, _decision_block), "decision"
    if not hasattr(estimator, "predict_proba"):
        raise LearnerCapabilityError(
            f"{type(estimator).__name__} has neither decision_function nor "
            "predict_proba: no per-label scores can be computed."
        )
    return 2.0 * multilabel_proba(estimator, X) - 1.0, "proba"


#: Public multi-label strategies, named in the error for single-label ones.
_MULTILABEL_NAMES = (
    "BinaryMinimum, MaxLoss, MeanMaxLoss, MMC, MinConfidence, AvgConfidence, "
    "MaxScore, AvgScore"
)


def check_multilabel_learner(learner, tags, strategy_name="The query strategy"):
    """Refuse a learner of the wrong kind (single-/multi-label) for a strategy.

    Called by :meth:`skactive.base.BaseQueryStrategy.query` after the other
    capability checks. A strategy with the ``multilabel`` tag needs a
    multi-label learner (:func:`is_multilabel_learner`); a strategy without
    it that reads the model (``requires_fitted_learner``) refuses one, since
    its per-class formulas would silently treat ``L`` labels as ``L``
    exclusive classes. Model-free strategies accept both.

    Raises
    ------
    LearnerCapabilityError
        A ``ValueError`` (and ``TypeError``) naming the strategy and what to use.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.multiclass import OneVsRestClassifier
    >>> from skactive.base import QueryStrategyTags
    >>> from skactive.utils._multilabel import check_multilabel_learner
    >>> X, Y = np.array([[0.0], [1.0], [2.0]]), np.array([[1, 0], [1, 1], [0, 1]])
    >>> ovr = OneVsRestClassifier(LogisticRegression()).fit(X, Y)
    >>> check_multilabel_learner(ovr, QueryStrategyTags(requires_proba=True), "Entropy")
    Traceback (most recent call last):
    ...
    skactive.exceptions.LearnerCapabilityError: Entropy is a single-label strategy ...
    """
    multilabel = is_multilabel_learner(learner)
    what = type(learner).__name__
    if getattr(tags, "multilabel", False):
        if not multilabel:
            raise LearnerCapabilityError(
                f"{strategy_name} is a multi-label strategy, but the learner ({what}) "
                "is not multi-label. Fit ActiveLearner(OneVsRestClassifier(SVC())) (or "
                "another multi-label estimator) on a 2-D 0/1 label indicator matrix or "
                "a list of label sets, or use a single-label strategy."
            )
    elif multilabel and getattr(tags, "requires_fitted_learner", True):
        raise LearnerCapabilityError(
            f"{strategy_name} is a single-label strategy (its scores assume one class "
            f"per sample), but the learner ({what}) is multi-label. Use a multi-label "
            f"strategy ({_MULTILABEL_NAMES}) or a model-free one (RandomSampling, "
            "KCenterGreedy, TypiClust, ...)."
        )
