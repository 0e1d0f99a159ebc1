"""The ActiveLearner meta-estimator."""

import copy

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone, is_regressor
from sklearn.utils import check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .utils._multilabel import (
    binarize_multilabel,
    encode_multilabel,
    fit_multilabel_estimator,
    is_multilabel_target,
    multilabel_proba,
)
from .utils._validation import check_supported_estimator

__all__ = ["ActiveLearner"]


def _estimator_has(attr):
    """True when the fitted ``estimator_``, else the unfitted ``estimator``, has ``attr``."""

    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self._make_estimator(), attr)

    return check


def _allows_nan(estimator):
    """``allow_nan`` of an estimator, looking through searches and pipelines
    (whose own tag is always False): a pipeline accepts NaN when an imputer
    comes before any step that does not (``SimpleImputer`` + ``Ridge``), or
    when every step does."""
    from sklearn.frozen import FrozenEstimator
    from sklearn.pipeline import Pipeline

    while hasattr(estimator, "estimator") and (
        hasattr(estimator, "param_grid") or hasattr(estimator, "param_distributions")
    ):
        estimator = estimator.estimator
    if isinstance(estimator, Pipeline):
        for _, step in estimator.steps:
            if step is None or step == "passthrough":
                continue
            if isinstance(step, FrozenEstimator):  # e.g. freeze_preprocessing's imputer
                step = step.estimator
            if type(step).__module__.startswith("sklearn.impute"):
                return True
            if not _allows_nan(step):
                return False
        return True
    return bool(get_tags(estimator).input_tags.allow_nan)


def _concat(A, B):
    if sparse.issparse(A) or sparse.issparse(B):
        return sparse.vstack([A, B], format="csr")
    return np.concatenate([A, B], axis=0)


class ActiveLearner(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Pool-based active learning around any scikit-learn classifier or regressor.

    ``fit`` trains a clone of ``estimator`` on the initial labelled set;
    ``query`` asks the query strategy which pool samples to label next;
    ``teach`` adds the newly labelled samples and refits, keeping the model
    before the update in ``previous_estimator_`` (the alamp strategies compare
    the two). ``predict``, ``predict_proba``, ``decision_function`` and
    ``score`` are delegated to the fitted estimator when it has them.

    Regressors are wrapped the same way (``Ridge()``, a ``Pipeline`` ending in
    a regressor, ``GridSearchCV(SVR(), ...)``): the learner is then a
    regressor for scikit-learn (``is_regressor``), ``score`` is the wrapped
    model's R², there is no ``classes_``, and only strategies whose ``task``
    tag is ``"regression"`` or ``"both"`` accept it (e.g.
    :class:`~skactive.strategies.GreedySamplingX`).

    Multi-label ``y`` is accepted too, for estimators that support it
    (``OneVsRestClassifier``, ``MultiOutputClassifier``, ``ClassifierChain``,
    random forests, k-NN, ``MLPClassifier``): a 2-D 0/1 indicator matrix
    ``(n, L)``, or a list of label sets (``[{"a", "b"}, {"c"}]``, binarised
    with :class:`~sklearn.preprocessing.MultiLabelBinarizer`, kept in
    ``label_binarizer_`` so that :meth:`teach` and :meth:`score` take label
    sets too). ``predict`` then returns the ``(n, L)`` indicator matrix
    (scikit-learn's convention; ``learner.label_binarizer_.inverse_transform``
    gives label sets back), ``predict_proba`` the ``(n, L)`` matrix of
    ``P(label = 1)`` (one format for every estimator, see
    :func:`skactive.utils._multilabel.multilabel_proba`), ``score`` the
    subset accuracy, and only multi-label strategies (tag ``multilabel``,
    e.g. :class:`~skactive.strategies.BinaryMinimum`) or model-free ones
    (random, k-center...) accept the learner. See :ref:`multilabel`.

    Parameters
    ----------
    estimator : classifier or regressor, default=None
        The model to train, e.g. ``SVC()``, ``Ridge()``, a :class:`~sklearn.pipeline.Pipeline`
        or a ``GridSearchCV(SVC(), {"C": [...]})`` (hyper-parameters chosen by
        cross-validation on the labelled set at every round, as in the alamp
        paper). ``None`` means ``LogisticRegression()``.
    query_strategy : BaseQueryStrategy, default=None
        Strategy used by :meth:`query`; ``None`` means
        :class:`~skactive.strategies.RandomSampling`. It is cloned at ``fit``.
    classes : array-like, default=None
        The full label set when known in advance. ``classes_`` is then always
        this set, and ``predict_proba`` always has ``len(classes)`` columns
        (zeros for classes the labelled set does not contain yet).
        ``decision_function`` is widened too, with ``-inf`` for those classes.
        Classifiers only (a ``ValueError`` with a regressor). With multi-label
        ``y``: the label names, in column order for an indicator matrix
        (``len(classes)`` must be ``L``), or every label that label sets may
        contain (labels outside it raise a ``ValueError``).
    warm_start : bool, default=False
        If False, every :meth:`teach` fits a fresh clone of ``estimator`` on all
        labelled data. If True, the new model starts from a copy of the current
        one: it is refitted with ``partial_fit`` when available, otherwise with
        ``fit`` (which continues training for estimators with their own
        ``warm_start=True``, e.g. ``SGDClassifier`` or skorch nets).
    random_state : int, RandomState instance or None, default=None
        Seeds the query strategy when its own ``random_state`` is None, so that
        a whole loop is reproducible from one seed.

    Attributes
    ----------
    estimator_ : classifier
        The model fitted on all labelled data.
    previous_estimator_ : classifier or None
        The model before the last :meth:`teach` (None right after :meth:`fit`).
    query_strategy_ : BaseQueryStrategy
        The fitted clone of ``query_strategy``.
    X_labeled_ : ndarray or sparse matrix of shape (n_labeled, ...)
        All labelled samples so far (an array also when ``fit`` got a
        DataFrame: the wrapped estimator then receives DataFrames with the
        columns ``feature_names_in_``, and arrays given to ``teach``,
        ``predict*`` or ``query`` are read in that column order).
    y_labeled_ : ndarray of shape (n_labeled,)
        Their labels (targets for a regressor).
    classes_ : ndarray of shape (n_classes,)
        The label set (classifiers only). Multi-label: the label names (the
        column names of ``predict``/``predict_proba``; ``arange(L)`` for an
        indicator ``y`` without ``classes``).
    n_labels_ : int
        Number of labels ``L``; only after a multi-label :meth:`fit`.
    label_binarizer_ : MultiLabelBinarizer or None
        Fitted on the label sets given to :meth:`fit` (None for an indicator
        matrix); only after a multi-label :meth:`fit`. ``y_labeled_`` is then
        the ``(n_labeled, L)`` indicator matrix.
    n_features_in_ : int
        Number of features seen in :meth:`fit`.
    feature_names_in_ : ndarray of shape (n_features,)
        Column names of the DataFrame given to :meth:`fit`, if any.
    n_iter_ : int
        Number of :meth:`teach` calls since :meth:`fit`.

    See Also
    --------
    skactive.strategies.AlampDiv : the alamp-div strategy of Aggarwal et al.

    Examples
    --------
    >>> from sklearn.svm import SVC
    >>> from skactive import ActiveLearner
    >>> from skactive.datasets import load_letter
    >>> from skactive.strategies import AlampDiv
    >>> X, y = load_letter(return_X_y=True)
    >>> X_lab, y_lab, X_pool, y_pool = X[:300], y[:300], X[300:3000], y[300:3000]
    >>> learner = ActiveLearner(SVC(), query_strategy=AlampDiv(), random_state=0)
    >>> learner = learner.fit(X_lab, y_lab)
    >>> idx = learner.query(X_pool, budget=20)
    >>> learner = learner.teach(X_pool[idx], y_pool[idx])
    >>> learner.X_labeled_.shape
    (320, 16)
    >>> learner.previous_estimator_ is not None
    True
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "query_strategy": [HasMethods(["query"]), None],
        "classes": ["array-like", None],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        query_strategy=None,
        *,
        classes=None,
        warm_start=False,
        random_state=None,
    ):
        self.estimator = estimator
        self.query_strategy = query_strategy
        self.classes = classes
        self.warm_start = warm_start
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = self.estimator
        if inner is not None:
            inner_tags = get_tags(inner)
            tags.input_tags.allow_nan = _allows_nan(inner)
            tags.input_tags.sparse = inner_tags.input_tags.sparse
            tags.input_tags.pairwise = inner_tags.input_tags.pairwise
            tags.non_deterministic = inner_tags.non_deterministic
            if inner_tags.estimator_type == "regressor":
                tags.estimator_type = "regressor"
                tags.classifier_tags = None
                tags.regressor_tags = inner_tags.regressor_tags
            elif inner_tags.classifier_tags is not None:
                tags.classifier_tags.multi_class = inner_tags.classifier_tags.multi_class
        else:
            tags.input_tags.sparse = True
        return tags

    # ------------------------------------------------------------------ fitting
    def _is_regression(self):
        """True when the wrapped estimator is a regressor (tags of sklearn)."""
        return self.estimator is not None and is_regressor(self.estimator)

    def _make_estimator(self):
        if self.estimator is None:
            from sklearn.linear_model import LogisticRegression

            return LogisticRegression()
        return clone(self.estimator)

    def _to_frame(self, X):
        """A 2-D array back to a DataFrame with the fitted column names.

        Query strategies validate pools into arrays; when ``fit`` saw a
        DataFrame, the wrapped estimator (e.g. a ``ColumnTransformer`` that
        selects columns by name) keeps receiving DataFrames, and arrays are
        read in the column order of ``feature_names_in_``.
        """
        names = getattr(self, "feature_names_in_", None)
        if (
            names is None
            or not isinstance(X, np.ndarray)
            or X.ndim != 2
            or X.shape[1] != len(names)
        ):
            return X
        import pandas as pd

        return pd.DataFrame(X, columns=names, copy=False)

    def _validate_Xy(self, X, y, reset, check_targets=True):
        allow_nan = get_tags(self).input_tags.allow_nan
        if not reset:
            X = self._to_frame(X)
        multilabel = self._encode_multilabel(y, reset)
        if multilabel is not None:
            y = multilabel
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            accept_sparse=["csr", "csc"],
            dtype=None,
            allow_nd=True,
            ensure_all_finite="allow-nan" if allow_nan else True,
            y_numeric=self._is_regression(),
            multi_output=multilabel is not None,
        )
        if check_targets and not self._is_regression():
            check_classification_targets(y)
        return X, y

    def _is_multilabel(self):
        """True after a :meth:`fit` on multi-label ``y``."""
        return hasattr(self, "n_labels_")

    def _encode_multilabel(self, y, reset):
        """Multi-label ``y`` as an ``(n, L)`` int indicator matrix, None for
        single-label ``y``; in :meth:`fit` (``reset``) it also sets
        ``classes_``, ``n_labels_`` and ``label_binarizer_``."""
        if self._is_regression():
            return None
        if not reset:
            if self._is_multilabel():
                return self._binarize(y)
            if y is not None and is_multilabel_target(y):
                raise ValueError(
                    "y is multi-label (a 2-D indicator matrix or label sets), but this "
                    "learner was fitted on single-label y; refit it with multi-label y."
                )
            return None
        for attr in ("n_labels_", "label_binarizer_"):
            self.__dict__.pop(attr, None)
        if y is None or not is_multilabel_target(y):
            return None
        Y, self.classes_, self.label_binarizer_ = encode_multilabel(y, self.classes)
        self.n_labels_ = Y.shape[1]
        return Y

    def _binarize(self, y):
        return binarize_multilabel(y, self.classes_, self.label_binarizer_)

    def _check_labels(self, y):
        if self._is_multilabel():
            return
        if self.classes is not None and not self._is_regression():
            unknown = np.setdiff1d(np.unique(y), self.classes_)
            if unknown.size:
                raise ValueError(
                    f"y contains labels {unknown.tolist()} that are not in "
                    f"classes={self.classes_.tolist()}."
                )

    def _fit_estimator(self, X, y, **fit_params):
        if self._is_regression():
            if self.warm_start and hasattr(self, "estimator_"):
                est = copy.deepcopy(self.estimator_)
                if hasattr(est, "partial_fit"):
                    return est.partial_fit(X, y, **fit_params)
                return est.fit(X, y, **fit_params)
            return self._make_estimator().fit(X, y, **fit_params)
        if self._is_multilabel():
            return self._fit_multilabel(X, y, **fit_params)
        seen = np.unique(y)
        if seen.shape[0] < 2:
            raise ValueError(
                f"The labelled set contains only one class ({seen.tolist()}); at "
                "least two classes are needed to fit a classifier. Start with more "
                "labelled samples, e.g. a class-balanced initial set."
            )
        sample_weight = fit_params.get("sample_weight")
        if sample_weight is not None and np.unique(y[np.asarray(sample_weight) > 0]).size < 2:
            raise ValueError(
                "All samples with a positive sample_weight belong to one class; "
                "at least two classes need positive weights."
            )
        if self.warm_start and hasattr(self, "estimator_"):
            est = copy.deepcopy(self.estimator_)
            if hasattr(est, "partial_fit"):
                return est.partial_fit(X, y, classes=self.classes_, **fit_params)
            return est.fit(X, y, **fit_params)
        return self._make_estimator().fit(X, y, **fit_params)

    def _fit_multilabel(self, X, Y, **fit_params):
        if self.warm_start and hasattr(self, "estimator_"):
            est = copy.deepcopy(self.estimator_)
            if hasattr(est, "partial_fit"):
                return est.partial_fit(X, Y, **fit_params)
            return est.fit(X, Y, **fit_params)
        return fit_multilabel_estimator(self._make_estimator(), X, Y, **fit_params)

    def fit(self, X, y, **fit_params):
        """Fit the estimator on the initial labelled set.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Labelled samples.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Their labels; at least two classes. Multi-label: a 0/1 indicator
            matrix, or a list of label sets.
        **fit_params : dict
            Passed to ``estimator.fit`` (not kept for later :meth:`teach` calls).

        Returns
        -------
        self : ActiveLearner
        """
        check_supported_estimator(self.estimator)  # clusterers etc.: clear error
        self._validate_params()
        X, y = self._validate_Xy(X, y, reset=True)
        if self._is_regression():
            if self.classes is not None:
                raise ValueError(
                    "classes is only used with classifiers; the estimator "
                    f"{type(self.estimator).__name__} is a regressor (set classes=None)."
                )
            self.__dict__.pop("classes_", None)
        elif self._is_multilabel():
            pass  # classes_ set by _encode_multilabel
        elif self.classes is not None:
            self.classes_ = np.unique(np.asarray(self.classes))
        else:
            self.classes_ = np.unique(y)
        self._check_labels(y)
        for attr in ("estimator_", "previous_estimator_"):
            self.__dict__.pop(attr, None)
        self.estimator_ = self._fit_estimator(self._to_frame(X), y, **fit_params)
        self.previous_estimator_ = None
        self.X_labeled_ = X
        self.y_labeled_ = y
        self.n_iter_ = 0
        self.query_strategy_ = self._make_strategy().fit(X, y)
        return self

    def _make_strategy(self):
        """A clone of ``query_strategy`` (RandomSampling if None), seeded by
        ``random_state`` when its own ``random_state`` is None."""
        strategy = self.query_strategy
        if strategy is None:
            from .strategies import RandomSampling

            strategy = RandomSampling()
        strategy = clone(strategy)
        params = strategy.get_params(deep=False)
        if "random_state" in params and params["random_state"] is None:
            strategy.set_params(random_state=check_random_state(self.random_state))
        return strategy

    def query(self, X_pool, budget=1, *, return_scores=False):
        """Indices of the ``budget`` pool samples to label next, best first.

        Delegates to ``query_strategy_.query(X_pool, self, budget)``.

        Before :meth:`fit` (no labels yet) a fresh clone of ``query_strategy``
        answers instead, so that a model-free strategy (tag
        ``requires_fitted_learner=False``: RandomSampling, TypiClust,
        ProbCover, KMeansSampling, KCenterGreedy) can choose the initial
        labelled set; strategies that need a model raise
        :class:`~sklearn.exceptions.NotFittedError`. The learner stays
        unfitted; the feature steps of a ``Pipeline`` estimator are then fitted
        on ``X_pool`` itself (see
        :func:`skactive.utils._embedding.resolve_unfitted_learner`).

        Parameters
        ----------
        X_pool : array-like of shape (n_pool, ...)
        budget : int, default=1
        return_scores : bool, default=False

        Returns
        -------
        indices : ndarray of shape (budget,)
        scores : ndarray of shape (n_pool,), only if ``return_scores=True``

        Examples
        --------
        >>> import numpy as np
        >>> from skactive import ActiveLearner
        >>> from skactive.strategies import TypiClust
        >>> X = np.r_[np.zeros((10, 2)), np.ones((10, 2))]
        >>> X += np.random.RandomState(0).normal(scale=0.1, size=X.shape)
        >>> learner = ActiveLearner(query_strategy=TypiClust(random_state=0))
        >>> idx = learner.query(X, budget=2)  # before fit: one per cluster
        >>> sorted(X[idx, 0].round().tolist())
        [0.0, 1.0]
        """
        if hasattr(self, "query_strategy_"):
            strategy = self.query_strategy_
        else:  # no labels yet: model-free strategies only (the others raise)
            strategy = self._make_strategy()
        return strategy.query(X_pool, self, budget, return_scores=return_scores)

    def teach(self, X, y, *, X_pseudo=None, y_pseudo=None, **fit_params):
        """Add newly labelled samples and refit.

        The current model becomes ``previous_estimator_``.

        Parameters
        ----------
        X : array-like of shape (n_new, ...)
        y : array-like of shape (n_new,) or (n_new, n_labels)
            Multi-label learners: an indicator matrix, or label sets when
            :meth:`fit` got label sets.
        X_pseudo, y_pseudo : array-like of shape (n_pseudo, ...) and (n_pseudo,), default=None
            Pseudo-labelled samples (e.g. from
            :meth:`skactive.strategies.CEAL.pseudo_labels`): the new model is
            trained on the labelled set plus these, but they are *not* added to
            ``X_labeled_`` / ``y_labeled_`` and are forgotten at the next
            ``teach``. Their labels must be in ``classes_``. May be empty.
        **fit_params : dict
            Passed to ``estimator.fit`` (rows: labelled set, then pseudo-labels).

        Returns
        -------
        self : ActiveLearner
        """
        check_is_fitted(self)
        # targets are checked on the whole labelled set below: a small batch with
        # many distinct labels would look like regression targets on its own
        X, y = self._validate_Xy(X, y, reset=False, check_targets=False)
        if X.shape[1:] != self.X_labeled_.shape[1:]:
            raise ValueError(
                f"X has shape {X.shape[1:]} per sample, but the labelled set has "
                f"{self.X_labeled_.shape[1:]}."
            )
        self._check_labels(y)
        X_all = _concat(self.X_labeled_, X)
        y_all = np.concatenate([self.y_labeled_, y])
        regression = self._is_regression()
        multilabel = self._is_multilabel()
        if self.classes is None and not regression and not multilabel:
            self.classes_ = np.unique(y_all)
        X_fit, y_fit = X_all, y_all
        if (X_pseudo is None) != (y_pseudo is None):
            raise ValueError("X_pseudo and y_pseudo must be given together.")
        if X_pseudo is not None and len(y_pseudo):
            X_pseudo, y_pseudo = self._validate_Xy(
                X_pseudo, y_pseudo, reset=False, check_targets=False
            )
            unknown = [] if regression or multilabel else np.setdiff1d(
                np.unique(y_pseudo), self.classes_)
            if len(unknown):
                raise ValueError(f"y_pseudo contains labels {unknown.tolist()} not in classes_.")
            X_fit, y_fit = _concat(X_all, X_pseudo), np.concatenate([y_all, y_pseudo])
        if not regression:
            check_classification_targets(y_fit)
        new_estimator = self._fit_estimator(self._to_frame(X_fit), y_fit, **fit_params)
        self.previous_estimator_ = self.estimator_
        self.estimator_ = new_estimator
        self.X_labeled_, self.y_labeled_ = X_all, y_all
        self.n_iter_ += 1
        return self

    # --------------------------------------------------------------- delegation
    def _widen(self, values, fill):
        """Map columns of ``estimator_.classes_`` onto ``classes_``."""
        est_classes = getattr(self.estimator_, "classes_", None)
        if self._is_multilabel():
            return values  # one column per label already
        if est_classes is None or np.array_equal(est_classes, self.classes_):
            return values
        values = np.asarray(values)
        if values.ndim == 1:  # binary decision function
            values = np.column_stack([-values, values])
        out = np.full((values.shape[0], self.classes_.shape[0]), fill, dtype=float)
        out[:, np.searchsorted(self.classes_, est_classes)] = values
        return out

    def _check_X(self, X):
        # Shape and feature checks only: the wrapped estimator validates the
        # values itself (checking NaN/inf twice costs ~20 % on large pools).
        check_is_fitted(self)
        X = validate_data(
            self,
            self._to_frame(X),
            reset=False,
            accept_sparse=["csr", "csc"],
            dtype=None,
            allow_nd=True,
            ensure_all_finite=False,
        )
        return self._to_frame(X)

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predict class labels with ``estimator_`` (multi-label: the
        ``(n, L)`` 0/1 indicator matrix, columns in ``classes_`` order)."""
        X = self._check_X(X)
        if self._is_multilabel():
            Y = self.estimator_.predict(X)
            return np.asarray(Y.toarray() if sparse.issparse(Y) else Y).astype(int)
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities, one column per class in ``classes_``
        (multi-label: ``P(label = 1)``, shape ``(n, L)``, for every estimator)."""
        X = self._check_X(X)
        if self._is_multilabel():
            return multilabel_proba(self.estimator_, X)
        return self._widen(self.estimator_.predict_proba(X), 0.0)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`."""
        X = self._check_X(X)
        if self._is_multilabel():
            with np.errstate(divide="ignore"):
                return np.log(multilabel_proba(self.estimator_, X))
        return self._widen(self.estimator_.predict_log_proba(X), -np.inf)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision values of ``estimator_`` (widened to ``classes_``, -inf for
        classes the labelled set lacks)."""
        X = self._check_X(X)
        return self._widen(self.estimator_.decision_function(X), -np.inf)

    @available_if(_estimator_has("score"))
    def score(self, X, y, sample_weight=None):
        """Score of ``estimator_`` on ``(X, y)`` (mean accuracy for classifiers,
        R² for regressors; multi-label: subset accuracy, ``y`` as in
        :meth:`teach`)."""
        X = self._check_X(X)
        if self._is_multilabel():
            y = self._binarize(y)
        if sample_weight is None:
            return self.estimator_.score(X, y)
        return self.estimator_.score(X, y, sample_weight=sample_weight)
