"""The pool-based active-learning loop with a simulated oracle."""

import json
import time

import numpy as np
from sklearn.base import clone, is_regressor
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    mean_absolute_error,
    mean_squared_error,
    r2_score,
)
from sklearn.utils import check_random_state

from ..stopping._loop import as_criteria, run_criteria
from ..utils._multilabel import (
    check_multilabel_indicator,
    is_label_sets,
    is_multilabel_target,
)
from ..utils._pools import is_dask_array
from ._metrics import aubc, final_accuracy
from ._multilabel_metrics import (
    MULTILABEL_METRICS,
    binarize_label_sets,
    multilabel_balanced_indices,
    multilabel_initial_indices,
    multilabel_scores,
)

__all__ = ["SimulationResult", "simulate"]

_CURVE_FIELDS = (
    "n_labels",
    "accuracy",
    "f1_macro",
    "balanced_accuracy",
    "query_time",
    "fit_time",
    "rmse",
    "mae",
    "r2",
    "f1_micro",
    "hamming_loss",
    "subset_accuracy",
)
METRICS = ("accuracy", "f1_macro", "balanced_accuracy", "rmse", "mae", "r2",
           *MULTILABEL_METRICS)
#: curves of regression runs (NaN in classification runs, and the other way round)
REGRESSION_METRICS = ("rmse", "mae", "r2")


class SimulationResult:
    """Learning curve of one simulated active-learning run.

    Every curve array has one entry per round, round 0 being the model fitted
    on the initial labelled set. Classification runs fill ``accuracy``,
    ``f1_macro`` and ``balanced_accuracy``; regression runs (the learner is a
    regressor) fill ``rmse``, ``mae`` and ``r2`` instead; multi-label runs
    (``y`` a 0/1 indicator matrix) fill ``accuracy`` (subset accuracy, as
    scikit-learn's ``accuracy_score``), ``f1_macro`` (mean over labels),
    ``f1_micro``, ``hamming_loss`` (lower is better) and ``subset_accuracy``
    (see :mod:`skactive.experiments._multilabel_metrics`); the other curves
    are NaN.

    Parameters
    ----------
    n_labels, accuracy, f1_macro, balanced_accuracy, query_time, fit_time : ndarray
        Curves of shape (n_rounds + 1,). ``query_time[r]`` is the time of the
        query that added the labels of round ``r`` (0 for round 0),
        ``fit_time[r]`` the time of the fit of round ``r``, both in seconds.
    labeled_indices : ndarray of shape (n_labels[-1],)
        Pool indices in the order they were labelled (initial set first).
    labeled_y : ndarray of shape (n_labels[-1],)
        Their labels.
    meta : dict, default=None
        Free-form description (dataset, strategy, seed, settings).
    rmse, mae, r2 : ndarray of shape (n_rounds + 1,), default=None
        Test root mean squared error, mean absolute error and R² of a
        regression run (None: NaN curves).
    f1_micro, hamming_loss, subset_accuracy : ndarray of shape (n_rounds + 1,), default=None
        Test micro-F1, Hamming loss and subset accuracy of a multi-label run
        (None: NaN curves).

    Examples
    --------
    >>> from sklearn.svm import SVC
    >>> from skactive import ActiveLearner
    >>> from skactive.datasets import load_letter
    >>> from skactive.experiments import simulate
    >>> from skactive.strategies import Margin
    >>> X, y = load_letter(return_X_y=True)
    >>> res = simulate(ActiveLearner(SVC(), Margin()), X[:1500], y[:1500],
    ...                X[-500:], y[-500:], n_initial=100, budget=50, n_rounds=2,
    ...                random_state=0)
    >>> res.n_labels.tolist()
    [100, 150, 200]
    >>> 0 <= res.aubc() <= 1
    True
    """

    def __init__(
        self,
        n_labels,
        accuracy,
        f1_macro,
        balanced_accuracy,
        query_time,
        fit_time,
        labeled_indices,
        labeled_y,
        meta=None,
        *,
        rmse=None,
        mae=None,
        r2=None,
        f1_micro=None,
        hamming_loss=None,
        subset_accuracy=None,
    ):
        self.n_labels = np.asarray(n_labels, dtype=np.int64)
        nan = np.full(self.n_labels.shape, np.nan)
        for name, value in (("f1_micro", f1_micro), ("hamming_loss", hamming_loss),
                            ("subset_accuracy", subset_accuracy)):
            setattr(self, name, nan.copy() if value is None else np.asarray(value, dtype=float))
        self.rmse = nan.copy() if rmse is None else np.asarray(rmse, dtype=float)
        self.mae = nan.copy() if mae is None else np.asarray(mae, dtype=float)
        self.r2 = nan.copy() if r2 is None else np.asarray(r2, dtype=float)
        self.accuracy = np.asarray(accuracy, dtype=float)
        self.f1_macro = np.asarray(f1_macro, dtype=float)
        self.balanced_accuracy = np.asarray(balanced_accuracy, dtype=float)
        self.query_time = np.asarray(query_time, dtype=float)
        self.fit_time = np.asarray(fit_time, dtype=float)
        self.labeled_indices = np.asarray(labeled_indices, dtype=np.int64)
        self.labeled_y = np.asarray(labeled_y)
        self.meta = dict(meta or {})

    @property
    def is_regression(self):
        """True for a regression run (``r2`` filled, ``accuracy`` NaN)."""
        return bool(np.isnan(self.accuracy).all() and not np.isnan(self.r2).all())

    @property
    def is_multilabel(self):
        """True for a multi-label run (``hamming_loss`` filled)."""
        return bool(not np.isnan(self.hamming_loss).all())

    def __repr__(self):
        if self.is_multilabel:
            return (
                f"SimulationResult(n_rounds={len(self.n_labels) - 1}, "
                f"n_labels={int(self.n_labels[-1])}, "
                f"final_f1_micro={self.f1_micro[-1]:.4f}, "
                f"final_hamming_loss={self.hamming_loss[-1]:.4f})"
            )
        if self.is_regression:
            return (
                f"SimulationResult(n_rounds={len(self.n_labels) - 1}, "
                f"n_labels={int(self.n_labels[-1])}, "
                f"final_rmse={self.rmse[-1]:.4g}, final_r2={self.r2[-1]:.4f})"
            )
        return (
            f"SimulationResult(n_rounds={len(self.n_labels) - 1}, "
            f"n_labels={int(self.n_labels[-1])}, "
            f"final_accuracy={self.accuracy[-1]:.4f})"
        )

    def curve(self, metric="accuracy"):
        """The curve of ``metric`` (one of ``accuracy``, ``f1_macro``,
        ``balanced_accuracy``, ``query_time``, ``fit_time``, for regression
        runs ``rmse``, ``mae``, ``r2``, and for multi-label runs
        ``f1_micro``, ``hamming_loss``, ``subset_accuracy``)."""
        if metric not in _CURVE_FIELDS[1:]:
            raise ValueError(
                f"metric must be one of {list(_CURVE_FIELDS[1:])}, got {metric!r}."
            )
        return getattr(self, metric)

    def aubc(self, metric="accuracy"):
        """AUBC of the curve, see :func:`skactive.experiments.aubc`.

        For ``rmse``, ``mae`` and ``hamming_loss`` it is the mean error over
        the budget (lower is better); for ``r2`` and the F1 scores higher is
        better, as for accuracy.
        """
        return aubc(self.n_labels, self.curve(metric))

    def final_accuracy(self, metric="accuracy"):
        """Score after the last round (F-acc)."""
        return final_accuracy(self.curve(metric))

    def labeled_y_per_round(self):
        """Labels of the labelled set at each round, a list of arrays."""
        return [self.labeled_y[:n] for n in self.n_labels]

    def to_dict(self):
        """Curves as a dict of lists, plus ``meta`` (JSON-serialisable)."""
        out = {name: getattr(self, name).tolist() for name in _CURVE_FIELDS}
        out["labeled_indices"] = self.labeled_indices.tolist()
        out["labeled_y"] = self.labeled_y.tolist()
        out["meta"] = dict(self.meta)
        return out

    def to_frame(self):
        """The curves as a :class:`pandas.DataFrame`, one row per round.

        Requires pandas (``pip install skactive[experiments]``).
        """
        pd = _import_pandas()
        frame = pd.DataFrame({name: getattr(self, name) for name in _CURVE_FIELDS})
        frame.insert(0, "round", np.arange(len(self.n_labels)))
        for key in ("dataset", "strategy", "seed"):
            if key in self.meta:
                frame.insert(0, key, self.meta[key])
        return frame

    # ----------------------------------------------------------- persistence
    def save(self, path):
        """Write to ``path`` (``.npz``, loadable with numpy alone)."""
        arrays = {name: getattr(self, name) for name in _CURVE_FIELDS}
        np.savez_compressed(
            path,
            labeled_indices=self.labeled_indices,
            labeled_y=self.labeled_y,
            meta=np.array(json.dumps(self.meta, sort_keys=True)),
            **arrays,
        )

    @classmethod
    def load(cls, path):
        """Read a result written by :meth:`save`."""
        with np.load(path) as data:
            # files written before the regression curves existed lack them
            kwargs = {name: data[name] for name in _CURVE_FIELDS if name in data.files}
            kwargs["labeled_indices"] = data["labeled_indices"]
            kwargs["labeled_y"] = data["labeled_y"]
            kwargs["meta"] = json.loads(str(data["meta"]))
        return cls(**kwargs)


def _import_pandas():
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on environment
        raise ImportError(
            "to_frame requires pandas; install it with "
            "`pip install skactive[experiments]` or `pip install pandas`."
        ) from exc
    return pd


def _check_int(value, name, minimum):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return int(value)


def _initial_indices(initial, y_pool, n_initial, rng):
    n_pool = y_pool.shape[0]
    if isinstance(initial, str):
        if initial == "random" and y_pool.ndim == 2:  # every label with a 0 and a 1
            return multilabel_initial_indices(y_pool, n_initial, rng)
        if initial == "random":
            return rng.permutation(n_pool)[:n_initial]
        if initial == "balanced" and y_pool.ndim == 2:  # round-robin over labels
            return multilabel_balanced_indices(y_pool, n_initial, rng)
        if initial == "balanced":
            # round-robin over classes, classes and members in random order
            classes = np.unique(y_pool)
            members = [rng.permutation(np.flatnonzero(y_pool == c)) for c in classes]
            members = [members[k] for k in rng.permutation(len(classes))]
            depth = max(len(m) for m in members)
            order = [m[d] for d in range(depth) for m in members if d < len(m)]
            return np.asarray(order[:n_initial], dtype=np.intp)
        return None  # a strategy name: chosen later by _initial_by_strategy
    idx = np.asarray(initial)
    if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
        raise ValueError("initial, when an array, must be a 1-d array of pool indices.")
    if idx.size == 0 or idx.min() < 0 or idx.max() >= n_pool:
        raise ValueError(f"initial indices must lie in [0, {n_pool}).")
    if np.unique(idx).size != idx.size:
        raise ValueError("initial indices must be unique.")
    return idx.astype(np.intp)


def initial_strategy(name, random_state=None):
    """The model-free strategy that ``initial=name`` means, or a ``ValueError``.

    Examples
    --------
    >>> from skactive.experiments._simulate import initial_strategy
    >>> initial_strategy("typiclust", random_state=0)
    TypiClust(random_state=0)
    """
    from ..base import get_query_tags
    from ._registry import available_strategies, get_strategy

    try:
        strategy = get_strategy(name, random_state=random_state)
    except ValueError:
        strategy = None
    if strategy is None or get_query_tags(strategy).requires_fitted_learner:
        model_free = []
        for n in available_strategies():
            try:
                if not get_query_tags(get_strategy(n)).requires_fitted_learner:
                    model_free.append(n)
            except Exception:  # a registered factory that cannot be built here
                continue
        raise ValueError(
            "initial must be 'random', 'balanced', the name of a model-free strategy "
            f"({', '.join(n for n in model_free if n != 'random')}) or an array of "
            f"pool indices, got {name!r}."
        )
    return strategy


def _initial_by_strategy(name, learner, X_pool, y_pool, n_initial, rng):
    """The initial set chosen by the model-free strategy ``name`` from the
    unfitted ``learner`` (which is not modified)."""
    from sklearn.base import is_regressor

    strategy = initial_strategy(name, int(rng.randint(np.iinfo(np.int32).max)))
    if y_pool.ndim == 2 and "n_classes" in strategy.get_params():
        raise ValueError(
            f"initial={name!r} cannot choose the initial set of a multi-label run: "
            f"{type(strategy).__name__} sizes its k-means pseudo-labels by the number of classes, "
            "which multi-label y does not have. Use initial='random' (every label gets a 0 and "
            "a 1), another model-free strategy (typiclust, kmeans, kcenter, ...) or pool indices."
        )
    chooser = clone(learner).set_params(query_strategy=strategy)
    params = chooser.get_params(deep=False)
    if params.get("classes", 0) is None and y_pool.ndim == 1 and not is_regressor(chooser):
        # ProbCover's pseudo-labels: the number of classes, known in advance
        chooser.set_params(classes=np.unique(y_pool))
    return np.asarray(chooser.query(X_pool, budget=n_initial), dtype=np.intp)


def _evaluate(learner, X_test, y_test):
    y_pred = learner.predict(X_test)
    if y_test.ndim == 2:  # multi-label: a dict of scores
        return multilabel_scores(y_test, y_pred)
    if is_regressor(learner):
        return (
            float(np.sqrt(mean_squared_error(y_test, y_pred))),
            mean_absolute_error(y_test, y_pred),
            r2_score(y_test, y_pred),
        )
    return (
        accuracy_score(y_test, y_pred),
        f1_score(y_test, y_pred, average="macro", zero_division=0),
        balanced_accuracy_score(y_test, y_pred),
    )


def _seed_params(estimator, seed):
    """Set every unset ``random_state`` of ``estimator`` (deep) to ``seed``."""
    params = estimator.get_params(deep=True)
    to_set = {
        key: seed
        for key, value in params.items()
        if (key == "random_state" or key.endswith("__random_state")) and value is None
    }
    if to_set:
        estimator.set_params(**to_set)
    return estimator


def simulate(
    learner,
    X_pool,
    y_pool,
    X_test,
    y_test,
    *,
    n_initial,
    budget,
    n_rounds,
    initial="random",
    random_state=None,
    meta=None,
    stopping=None,
    stop_early=True,
):
    """Simulate pool-based active learning with a known-label oracle.

    A clone of ``learner`` is fitted on ``n_initial`` pool samples (round 0);
    then, ``n_rounds`` times, it queries ``budget`` samples from the rest of
    the pool, receives their true labels from ``y_pool`` and is refitted with
    :meth:`~skactive.ActiveLearner.teach`. After every fit the model is scored
    on the test set (accuracy, macro-F1, balanced accuracy; for a regressor
    RMSE, MAE and R²; for multi-label ``y`` subset accuracy, micro-F1,
    macro-F1 and Hamming loss), and the query and fit times are recorded.

    Parameters
    ----------
    learner : ActiveLearner
        Unfitted (it is cloned; the argument is not modified).
    X_pool, y_pool : array-like of shape (n_pool, ...) and (n_pool,)
        The pool and its labels (the oracle). A multi-label ``y_pool`` is a
        0/1 indicator matrix of shape (n_pool, n_labels) (``y_test`` then has
        the same columns) or a list of label sets (both are then binarised
        with one ``MultiLabelBinarizer``). ``X_pool`` may be a
        ``dask.array.Array``: queries score it on the workers (strategies with
        the tag ``supports_dask_pool``), and only the rows labelled are
        brought here.
    X_test, y_test : array-like
        Held-out evaluation set.
    n_initial : int
        Size of the initial labelled set.
    budget : int
        Samples queried per round.
    n_rounds : int
        Number of query rounds (``n_initial + n_rounds * budget <= n_pool``).
    initial : {"random", "balanced"}, strategy name or array-like of int, default="random"
        How the initial set is drawn. The name of a model-free strategy
        (``"typiclust"``, ``"probcover"``, ``"kmeans"``, ``"kcenter"``; see
        :func:`~skactive.experiments.get_strategy`) lets that strategy choose
        it from the unfitted learner (``learner.query(X_pool, n_initial)``, in
        the learner's feature space; ProbCover is told the number of classes
        of ``y_pool``, as in its paper, so it refuses multi-label ``y_pool``
        with a ``ValueError``; the others never read ``y_pool`` and work
        unchanged on multi-label runs). Otherwise: uniformly, round-robin over the classes
        (as balanced as ``y_pool`` allows; classifiers only), or these pool
        indices. For multi-label ``y_pool``, ``"random"`` redraws (up to 100
        times, then completes greedily) until every label has both a 0 and a
        1 in the initial set, and raises a ``ValueError`` for a label that is
        constant over the pool (see
        :func:`~skactive.experiments._multilabel_metrics.multilabel_initial_indices`);
        ``"balanced"`` takes, round-robin over the labels, rows where each is
        1. Other initial sets are used as given.
    random_state : int, RandomState instance or None, default=None
        Draws the initial set; it also seeds the learner (and, through it, its
        query strategy) and every unset ``random_state`` of the estimator
        with integers derived from it. The same seed gives the same run.
    meta : dict, default=None
        Stored unchanged in the result (e.g. dataset, strategy and seed names).
    stopping : criterion, str, list or dict, default=None
        Stopping criteria of :mod:`skactive.stopping` (instances or names such
        as ``"stabilizing-predictions"``; a dict names them), cloned and called
        after every fit, round 0 included. Criteria on a stop set get the whole
        pool, the others the samples still unlabelled. The result's
        ``meta["stop_rounds"]`` gives each criterion's first stop round (None:
        it never said stop) and ``meta["stopping_history"]`` its statistic per
        round.
    stop_early : bool, default=True
        With ``stopping``: end the run at the first round where a criterion
        says stop (the curves then end at that round; ``meta["stopped_at"]``
        is that round, or None). If False the run goes on and the criteria are
        only recorded (to see where each would have stopped).

    Returns
    -------
    result : SimulationResult

    Examples
    --------
    >>> from sklearn.svm import SVC
    >>> from skactive import ActiveLearner
    >>> from skactive.datasets import load_letter
    >>> from skactive.experiments import simulate
    >>> from skactive.strategies import AlampDiv
    >>> X, y = load_letter(return_X_y=True)
    >>> res = simulate(ActiveLearner(SVC(), AlampDiv()), X[:2000], y[:2000],
    ...                X[-1000:], y[-1000:], n_initial=100, budget=50,
    ...                n_rounds=3, random_state=0)
    >>> res.n_labels.tolist()
    [100, 150, 200, 250]
    >>> bool(res.accuracy[-1] > res.accuracy[0])
    True

    A regressor records RMSE, MAE and R² curves instead:

    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.linear_model import Ridge
    >>> from skactive.strategies import ImprovedGreedySampling
    >>> X, y = load_diabetes(return_X_y=True)
    >>> res = simulate(ActiveLearner(Ridge(alpha=0.01), ImprovedGreedySampling()),
    ...                X[:342], y[:342], X[342:], y[342:], n_initial=10,
    ...                budget=10, n_rounds=3, random_state=0)
    >>> res.rmse.shape, bool(res.rmse[-1] < res.rmse[0]), bool(res.r2[-1] > 0.3)
    ((4,), True, True)
    """
    n_initial = _check_int(n_initial, "n_initial", 1)
    budget = _check_int(budget, "budget", 1)
    n_rounds = _check_int(n_rounds, "n_rounds", 0)
    if not hasattr(learner, "teach") or not hasattr(learner, "query"):
        raise ValueError(
            "learner must be an ActiveLearner (with fit, query and teach), got "
            f"{type(learner).__name__}."
        )
    if is_label_sets(y_pool) or is_label_sets(y_test):  # one binariser for both
        y_pool, y_test = binarize_label_sets(y_pool, y_test)
    y_pool = np.asarray(y_pool)
    y_test = np.asarray(y_test)
    multilabel = is_multilabel_target(y_pool)
    if multilabel:
        y_pool = check_multilabel_indicator(y_pool, "y_pool")
        y_test = check_multilabel_indicator(y_test, "y_test")
    if not hasattr(X_pool, "shape"):
        X_pool = np.asarray(X_pool)
    if not hasattr(X_test, "shape"):
        X_test = np.asarray(X_test)
    n_pool = X_pool.shape[0]
    tail = y_pool.shape[1:] if multilabel else ()  # (n_labels,) for multi-label
    if y_pool.shape != (n_pool, *tail):
        raise ValueError(
            f"y_pool must have shape {(n_pool, *tail)} to match X_pool, got {y_pool.shape}."
        )
    if y_test.shape != (X_test.shape[0], *tail):
        raise ValueError(
            f"y_test must have shape {(X_test.shape[0], *tail)} to match X_test, "
            f"got {y_test.shape}."
        )
    regression = is_regressor(learner)
    if regression and multilabel:
        raise ValueError("y_pool is a 2-D label indicator matrix, but the learner is a "
                         "regressor: multi-output regression is not supported.")
    if regression and isinstance(initial, str) and initial == "balanced":
        raise ValueError(
            "initial='balanced' draws the same number of samples per class; the "
            "learner is a regressor: use initial='random' or pool indices."
        )
    rng = check_random_state(random_state)
    init_idx = _initial_indices(initial, y_pool, n_initial, rng)
    n_initial = n_initial if init_idx is None else init_idx.shape[0]
    needed = n_initial + n_rounds * budget
    if needed > n_pool:
        raise ValueError(
            f"n_initial + n_rounds * budget = {needed} exceeds the pool size "
            f"{n_pool}; lower n_rounds or budget."
        )
    learner_seed, estimator_seed = rng.randint(np.iinfo(np.int32).max, size=2)
    learner = clone(learner)
    if getattr(learner, "random_state", "absent") is None:
        learner.set_params(random_state=int(learner_seed))
    if getattr(learner, "estimator", None) is not None:
        # the strategy is seeded by the learner; only the estimator here
        learner.set_params(
            estimator=_seed_params(clone(learner.estimator), int(estimator_seed))
        )
    if init_idx is None:  # initial="typiclust", ...: the strategy picks it
        init_idx = _initial_by_strategy(initial, learner, X_pool, y_pool, n_initial, rng)

    labeled = list(init_idx)
    unlabeled = np.ones(n_pool, dtype=bool)
    unlabeled[init_idx] = False
    rows = {name: [] for name in _CURVE_FIELDS}
    names = REGRESSION_METRICS if regression else METRICS[:3]

    criteria = as_criteria(stopping)
    stop_rounds, stopped_at = {name: None for name in criteria}, None
    tic = time.perf_counter()
    if is_dask_array(X_pool):  # queries score it on the workers; labelled rows come here
        def take(idx):
            return np.asarray(X_pool[np.asarray(idx)].compute())
    else:
        def take(idx):
            return X_pool[idx]
    learner.fit(take(init_idx), y_pool[init_idx])
    fit_time = time.perf_counter() - tic
    query_time = 0.0
    for r in range(n_rounds + 1):
        if r > 0:
            candidates = np.flatnonzero(unlabeled)
            tic = time.perf_counter()
            picked = learner.query(X_pool[candidates], budget=budget)
            query_time = time.perf_counter() - tic
            new = candidates[picked]
            unlabeled[new] = False
            labeled.extend(new.tolist())
            tic = time.perf_counter()
            learner.teach(take(new), y_pool[new])
            fit_time = time.perf_counter() - tic
        rows["n_labels"].append(len(labeled))
        scores = _evaluate(learner, X_test, y_test)
        if not isinstance(scores, dict):
            scores = dict(zip(names, scores))
        for name in METRICS:  # the metrics of the other kinds of run: NaN
            rows[name].append(scores.get(name, np.nan))
        rows["query_time"].append(query_time)
        rows["fit_time"].append(fit_time)
        if criteria and run_criteria(criteria, learner, X_pool, unlabeled, r, stop_rounds):
            if stop_early:
                stopped_at = r
                break
    if criteria:
        meta = dict(meta or {}, stop_rounds=stop_rounds, stopped_at=stopped_at,
                    stopping_history={k: c.history_ for k, c in criteria.items()
                                      if hasattr(c, "history_")})
    labeled = np.asarray(labeled, dtype=np.int64)
    return SimulationResult(
        **rows, labeled_indices=labeled, labeled_y=y_pool[labeled], meta=meta
    )
