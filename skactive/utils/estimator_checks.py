"""Contract checks that every query strategy must pass.

:func:`check_query_strategy` runs them all; :func:`yield_query_checks` yields
them one by one (``tests/test_common.py`` parametrises over every public
strategy with it, so a new strategy is checked automatically).
"""

import pickle
import warnings
from functools import partial

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import get_tags

from ..base import get_query_tags
from ..exceptions import LearnerCapabilityError

__all__ = [
    "CONTRACT_PARAMS",
    "check_query_strategy",
    "contract_instance",
    "default_learner_and_pool",
    "multilabel_learner_and_pool",
    "yield_query_checks",
]


#: Parameters that keep each strategy's contract checks fast (fewer epochs,
#: smaller auxiliary networks); used by ``tests/test_common.py``.
CONTRACT_PARAMS = {
    "CoreGCN": {"epochs": 20, "hidden_units": 32},
    "LADA": {"n_pairs": 60, "policy_epochs": 2},
    "VAAL": {"max_epochs": 1, "latent_dim": 8},
}


def contract_instance(cls):
    """An instance of strategy class ``cls`` with :data:`CONTRACT_PARAMS` applied.

    Examples
    --------
    >>> from skactive.strategies import Margin
    >>> from skactive.utils.estimator_checks import contract_instance
    >>> contract_instance(Margin)
    Margin()
    """
    strategy = cls()
    params = CONTRACT_PARAMS.get(cls.__name__, {})
    return strategy.set_params(**{k: v for k, v in params.items() if k in strategy.get_params()})


def _net_estimator(strategy, random_state):
    """A small torch MLP learner fitting the strategy, and extra fit parameters
    (as a function of the pool)."""
    from .. import neural

    name = type(strategy).__name__
    common = dict(max_epochs=5, random_state=random_state)
    if name in ("LPL", "LearningLoss"):
        from ..neural._lpl import LossPredictionNet

        return LossPredictionNet(neural.MLP, **common), lambda pool: {}
    if name == "WAAL":
        from ..neural._waal import WAALNet

        return WAALNet(neural.MLP, **common), lambda pool: {"X_unlabeled": pool}
    net = neural.ActiveNeuralNetClassifier(neural.MLP, module__dropout=0.2, **common)
    return net, lambda pool: {}


def default_learner_and_pool(strategy, n_pool=300, random_state=0):
    """A fitted learner that satisfies ``strategy``'s tags, and a pool.

    The data are real (the bundled ``letter`` set, five classes, standardised
    inside the pipeline). The learner is an
    :class:`~skactive.ActiveLearner` around
    ``make_pipeline(StandardScaler(), LogisticRegression())`` -- probabilities,
    decision values, a linear head on an embedding -- or a small
    ``RandomForestClassifier`` committee when the strategy needs stochastic
    samples, or a small :class:`~skactive.neural.ActiveNeuralNetClassifier`
    MLP (on standardised features; needs torch) when it needs a network (the
    loss-prediction or WAAL variant of the net for ``LPL`` and ``WAAL``). It
    has been taught once, so ``previous_estimator_`` is set.

    Multi-label strategies (``multilabel`` tag) get a multi-label learner:
    :func:`multilabel_learner_and_pool`.

    Regression strategies (``task="regression"`` tag) get a regression
    learner instead: scikit-learn's bundled diabetes data (real, 442 samples,
    10 features) and ``make_pipeline(StandardScaler(), Ridge())``, or a small
    ``RandomForestRegressor`` committee when the strategy needs samples.

    Returns
    -------
    learner : ActiveLearner
    X_pool : ndarray of shape (n_pool, 16)
        (n_pool, 10) for regression strategies; ``n_pool <= 362`` there.
    y_pool : ndarray of shape (n_pool,)

    Examples
    --------
    >>> from skactive.strategies import Margin
    >>> from skactive.utils.estimator_checks import default_learner_and_pool
    >>> learner, X_pool, y_pool = default_learner_and_pool(Margin())
    >>> X_pool.shape, learner.previous_estimator_ is not None
    ((300, 16), True)
    """
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from .._learner import ActiveLearner
    from ..datasets import load_letter

    if get_query_tags(strategy).task == "regression":
        return _regression_learner_and_pool(strategy, n_pool, random_state)
    if getattr(get_query_tags(strategy), "multilabel", False):
        return multilabel_learner_and_pool(strategy, n_pool, random_state)
    X, y = load_letter(return_X_y=True)
    keep = np.flatnonzero(y < 5)[: 80 + n_pool]
    rng = np.random.RandomState(random_state)
    keep = rng.permutation(keep)
    X, y = X[keep].astype(float), y[keep]
    tags = get_query_tags(strategy)
    pool_params = lambda pool: {}  # noqa: E731
    if tags.requires_neural_net:
        X = StandardScaler().fit_transform(X).astype(np.float32)
        estimator, pool_params = _net_estimator(strategy, random_state)
    elif tags.requires_samples:
        estimator = RandomForestClassifier(n_estimators=10, random_state=random_state)
    else:
        estimator = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    learner = ActiveLearner(estimator, query_strategy=strategy, random_state=random_state)
    learner.fit(X[:60], y[:60], **pool_params(X[60:]))
    learner.teach(X[60:80], y[60:80], **pool_params(X[80:]))
    return learner, X[80:], y[80:]


def _regression_learner_and_pool(strategy, n_pool, random_state):
    """:func:`default_learner_and_pool` for regression strategies."""
    from sklearn.datasets import load_diabetes
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from .._learner import ActiveLearner

    X, y = load_diabetes(return_X_y=True)
    if n_pool + 80 > X.shape[0]:
        raise ValueError(
            f"n_pool must be <= {X.shape[0] - 80} for regression strategies, got {n_pool}."
        )
    keep = np.random.RandomState(random_state).permutation(X.shape[0])[: 80 + n_pool]
    X, y = X[keep], y[keep]
    if get_query_tags(strategy).requires_samples:
        estimator = RandomForestRegressor(n_estimators=10, random_state=random_state)
    else:
        estimator = make_pipeline(StandardScaler(), Ridge())
    learner = ActiveLearner(estimator, query_strategy=strategy, random_state=random_state)
    learner.fit(X[:60], y[:60])
    learner.teach(X[60:80], y[60:80])
    return learner, X[80:], y[80:]


def multilabel_learner_and_pool(strategy=None, n_pool=300, random_state=0):
    """A fitted multi-label learner and a pool, for multi-label strategies.

    The data are real: scikit-learn's bundled handwritten digits (8x8
    images, 64 features) with four attributes of the digit as labels -- even,
    at least 5, prime, a multiple of 3 -- so samples carry 0 to 3 labels.
    The learner is an :class:`~skactive.ActiveLearner` around
    ``make_pipeline(StandardScaler(), OneVsRestClassifier(LogisticRegression()))``
    (per-label probabilities and decision values), fitted on 60 samples and
    taught 20 more.

    Returns
    -------
    learner : ActiveLearner
    X_pool : ndarray of shape (n_pool, 64)
    Y_pool : ndarray of shape (n_pool, 4)

    Examples
    --------
    >>> from skactive.utils.estimator_checks import multilabel_learner_and_pool
    >>> learner, X_pool, Y_pool = multilabel_learner_and_pool()
    >>> learner.n_labels_, X_pool.shape, Y_pool.shape
    (4, (300, 64), (300, 4))
    """
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from .._learner import ActiveLearner

    X, digit = load_digits(return_X_y=True)
    Y = np.column_stack(
        [digit % 2 == 0, digit >= 5, np.isin(digit, (2, 3, 5, 7)), digit % 3 == 0]
    ).astype(int)
    keep = np.random.RandomState(random_state).permutation(X.shape[0])[: 80 + n_pool]
    X, Y = X[keep], Y[keep]
    estimator = make_pipeline(
        StandardScaler(), OneVsRestClassifier(LogisticRegression(max_iter=500))
    )
    learner = ActiveLearner(estimator, query_strategy=strategy, random_state=random_state)
    learner.fit(X[:60], Y[:60])
    learner.teach(X[60:80], Y[60:80])
    return learner, X[80:], Y[80:]


def _seeded(strategy):
    """A clone with ``random_state=0`` when the strategy has that parameter."""
    strategy = clone(strategy)
    if "random_state" in strategy.get_params(deep=False):
        strategy.set_params(random_state=0)
    return strategy


def _query(strategy, learner, X_pool, budget, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        return strategy.query(X_pool, learner, budget, **kwargs)


def check_query_indices(strategy, learner, X_pool):
    """Indices are unique ints in range, ``budget`` of them, for several budgets."""
    n = X_pool.shape[0]
    for budget in sorted({1, 2, 7, min(n, 25), n}):
        idx = _query(clone(strategy), learner, X_pool, budget)
        assert isinstance(idx, np.ndarray), f"query must return an ndarray, got {type(idx)}"
        assert np.issubdtype(idx.dtype, np.integer), f"indices dtype {idx.dtype} is not int"
        assert idx.shape == (budget,), f"expected shape ({budget},), got {idx.shape}"
        assert np.unique(idx).size == budget, "indices contain duplicates"
        assert idx.min() >= 0 and idx.max() < n, "indices out of range"


def check_query_reproducible(strategy, learner, X_pool):
    """The same ``random_state`` gives the same selection and scores."""
    s1, s2 = _seeded(strategy), _seeded(strategy)
    i1, sc1 = _query(s1, learner, X_pool, 10, return_scores=True)
    i2, sc2 = _query(s2, learner, X_pool, 10, return_scores=True)
    np.testing.assert_array_equal(i1, i2, err_msg="same random_state, different indices")
    np.testing.assert_array_equal(sc1, sc2, err_msg="same random_state, different scores")


def check_query_no_mutation(strategy, learner, X_pool):
    """Querying changes neither the learner nor the pool."""
    before = pickle.dumps(learner)
    X_copy = X_pool.copy()
    _query(clone(strategy), learner, X_pool, 5)
    assert pickle.dumps(learner) == before, "query mutated the learner"
    np.testing.assert_array_equal(X_pool, X_copy, err_msg="query mutated X_pool")


def check_query_clone(strategy, learner, X_pool):
    """``clone`` keeps the parameters and the behaviour."""
    cloned = clone(strategy)
    assert type(cloned) is type(strategy)
    p1, p2 = strategy.get_params(deep=False), cloned.get_params(deep=False)
    assert p1.keys() == p2.keys(), "clone changed the parameter names"
    strategy = _seeded(strategy)
    cloned = clone(strategy)
    np.testing.assert_array_equal(
        _query(strategy, learner, X_pool, 5), _query(cloned, learner, X_pool, 5)
    )


def _expect_error(exc_type, match, func):
    try:
        func()
    except exc_type as exc:
        if match and match not in str(exc):
            raise AssertionError(f"error message {str(exc)!r} does not mention {match!r}")
        return
    raise AssertionError(f"no {exc_type.__name__} raised ({match!r})")


def check_query_bad_budget(strategy, learner, X_pool):
    """budget < 1, budget > n_pool and non-integer budgets raise ValueError."""
    n = X_pool.shape[0]
    for budget in (0, -1, n + 1, 1.5):
        _expect_error(
            ValueError, "budget", partial(_query, clone(strategy), learner, X_pool, budget)
        )


def check_query_bad_pool(strategy, learner, X_pool):
    """Empty pools, NaN/inf and a wrong number of features raise ValueError.

    NaN is accepted when the learner's tags say ``allow_nan`` (e.g. a random
    forest, which handles missing values); infinity never is.
    """
    s = clone(strategy)
    _expect_error(ValueError, "X_pool", partial(_query, s, learner, X_pool[:0], 1))
    allow_nan = get_tags(learner).input_tags.allow_nan
    for bad in (np.inf,) if allow_nan else (np.nan, np.inf):
        X_bad = X_pool.astype(float)
        X_bad[3, 0] = bad
        _expect_error(ValueError, "X_pool", partial(_query, s, learner, X_bad, 2))
    if X_pool.ndim == 2:
        _expect_error(ValueError, "features", partial(_query, s, learner, X_pool[:, :-1], 2))


def check_query_unfitted_learner(strategy, learner, X_pool):
    """An unfitted learner raises NotFittedError, unless the strategy is
    model-free (tag ``requires_fitted_learner=False``): then it chooses
    ``budget`` unique pool samples (the initial set; the learner's label set
    is given in advance, as ``ActiveLearner(classes=...)``) and the learner
    stays unfitted."""
    unfitted = clone(learner)
    if get_query_tags(strategy).requires_fitted_learner:
        _expect_error(
            NotFittedError, "fit", partial(_query, clone(strategy), unfitted, X_pool, 2)
        )
        return
    params = unfitted.get_params(deep=False)
    if params.get("classes", False) is None and hasattr(learner, "classes_"):
        unfitted.set_params(classes=learner.classes_)
    before = pickle.dumps(unfitted)
    for budget in (1, 7):
        idx = _query(clone(strategy), unfitted, X_pool, budget)
        assert idx.shape == (budget,) and np.unique(idx).size == budget, (
            "a model-free strategy must choose unique indices from an unfitted learner"
        )
    assert pickle.dumps(unfitted) == before, "query fitted or changed the unfitted learner"


def check_query_scores(strategy, learner, X_pool):
    """``return_scores=True`` gives one float score per pool sample."""
    idx, scores = _query(_seeded(strategy), learner, X_pool, 5, return_scores=True)
    assert scores.shape == (X_pool.shape[0],), f"scores shape {scores.shape}"
    assert scores.dtype.kind == "f", f"scores dtype {scores.dtype}"
    assert not np.isinf(scores).any(), "scores must be finite or NaN"
    np.testing.assert_array_equal(
        idx,
        _query(_seeded(strategy), learner, X_pool, 5),
        err_msg="return_scores=True changed the selection",
    )


def check_query_bare_estimator(strategy, learner, X_pool):
    """A bare fitted estimator works, unless the labelled set is needed (then a
    clear LearnerCapabilityError)."""
    bare = learner.estimator_
    if get_query_tags(strategy).requires_labeled_data:
        _expect_error(
            LearnerCapabilityError,
            "ActiveLearner",
            partial(_query, clone(strategy), bare, X_pool, 3),
        )
    else:
        idx = _query(clone(strategy), bare, X_pool, 3)
        assert np.unique(idx).size == 3


_OTHER_KIND = {}


def check_query_learner_kind(strategy, learner, X_pool):
    """A multi-label strategy refuses a single-label learner, and a
    single-label strategy that reads the model refuses a multi-label one
    (LearnerCapabilityError, a ValueError); model-free strategies accept both."""
    tags = get_query_tags(strategy)
    if getattr(tags, "multilabel", False):
        kind, match = "single", "multi-label strategy"
    elif tags.requires_fitted_learner and tags.task != "regression":
        kind, match = "multi", None
    else:
        return
    if kind not in _OTHER_KIND:
        if kind == "single":
            from ..strategies import Margin

            _OTHER_KIND[kind] = default_learner_and_pool(Margin(), n_pool=30)
        else:
            _OTHER_KIND[kind] = multilabel_learner_and_pool(n_pool=30)
    other, pool, _ = _OTHER_KIND[kind]
    _expect_error(
        LearnerCapabilityError, match, partial(_query, clone(strategy), other, pool, 2)
    )


_CHECKS = (
    check_query_indices,
    check_query_reproducible,
    check_query_no_mutation,
    check_query_clone,
    check_query_bad_budget,
    check_query_bad_pool,
    check_query_unfitted_learner,
    check_query_scores,
    check_query_bare_estimator,
    check_query_learner_kind,
)


def yield_query_checks(strategy, learner=None, X_pool=None):
    """Yield ``(check, learner, X_pool)`` for every contract check.

    Parameters
    ----------
    strategy : BaseQueryStrategy
    learner : fitted learner, default=None
        If None, :func:`default_learner_and_pool` provides one and a pool.
    X_pool : array-like, default=None
        Required when ``learner`` is given.

    Examples
    --------
    >>> from skactive.strategies import Margin
    >>> from skactive.utils.estimator_checks import yield_query_checks
    >>> len(list(yield_query_checks(Margin()))) > 5
    True
    """
    if learner is None:
        learner, X_pool, _ = default_learner_and_pool(strategy)
    elif X_pool is None:
        raise ValueError("X_pool is required when a learner is given.")
    X_pool = np.asarray(X_pool)
    for check in _CHECKS:
        yield check, learner, X_pool


def check_query_strategy(strategy, learner=None, X_pool=None):
    """Run every contract check on ``strategy``; raise AssertionError on failure.

    Parameters
    ----------
    strategy : BaseQueryStrategy
    learner : fitted learner, default=None
        A learner satisfying the strategy's tags; default from
        :func:`default_learner_and_pool`.
    X_pool : array-like, default=None
        Pool to query (required with ``learner``).

    Examples
    --------
    >>> from skactive.strategies import Margin
    >>> from skactive.utils.estimator_checks import check_query_strategy
    >>> check_query_strategy(Margin())
    """
    for check, lrn, pool in yield_query_checks(strategy, learner, X_pool):
        try:
            check(strategy, lrn, pool)
        except AssertionError as exc:
            raise AssertionError(f"{check.__name__} failed for {strategy!r}: {exc}") from exc
