"""Reliability of the query strategies (issue 16): every strategy x every bad
input, a bounded fuzz over the scikit-learn-path strategies, and the cases of
the issue (sparse pools with networks, NaN named, pool dimensionality,
unsupported estimator types, validated public helpers). The study harness,
the CLI and the import graph are in ``test_reliability_studies.py``.

Fast by design: the issue's 80 x 4 data, networks of 16 units trained for two
epochs, bounded hypothesis examples.
"""

import inspect
import pickle
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from skactive import ActiveLearner
from skactive import strategies as S
from skactive.base import BaseQueryStrategy, get_query_tags
from skactive.exceptions import LearnerCapabilityError
from skactive.utils.estimator_checks import CONTRACT_PARAMS

X = np.random.RandomState(0).rand(80, 4).astype("float32")  # the data
Y = np.arange(80) % 2
Y_REG = X @ np.array([1.0, -2.0, 0.5, 3.0]) + 0.1 * np.random.RandomState(1).rand(80)
Y_ML = np.column_stack([Y, X[:, 0] > 0.5, X[:, 1] > 0.5]).astype(int)  # 3 labels


def _public_strategies():
    return [
        obj for name in S.__all__
        if inspect.isclass(obj := getattr(S, name))
        and issubclass(obj, BaseQueryStrategy) and obj.__name__ == name
    ]


STRATEGIES = _public_strategies()
# faster than the contract's parameters: tiny auxiliary networks, few epochs
FAST = {"CoreGCN": {"epochs": 2, "hidden_units": 8}, "VAAL": {"max_epochs": 1, "latent_dim": 4},
        "LADA": {"n_pairs": 8, "policy_epochs": 1}}


def _tags(cls):
    return get_query_tags(cls())


def _task(cls):
    return getattr(_tags(cls), "task", "classification")


def _is_net(cls):
    tags = _tags(cls)
    return tags.requires_neural_net or tags.requires_torch


def _make(cls):
    strategy = cls()
    params = {**CONTRACT_PARAMS.get(cls.__name__, {}), **FAST.get(cls.__name__, {})}
    names = strategy.get_params()
    strategy.set_params(**{k: v for k, v in params.items() if k in names})
    if "random_state" in names:
        strategy.set_params(random_state=0)
    return strategy


_LEARNERS = {}


def _learner(kind):
    """Fitted, taught-once learners on the issue's 80 x 4 data (cached)."""
    if kind in _LEARNERS:
        return _LEARNERS[kind]
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline

    y, fit_params = Y, lambda rows: {}
    if kind == "linear":
        est = LogisticRegression()
    elif kind == "forest":  # a committee, and it accepts NaN
        est = RandomForestClassifier(n_estimators=5, random_state=0)
    elif kind == "imputer":  # accepts NaN; the strategies see imputed features
        est = make_pipeline(SimpleImputer(), LogisticRegression())
    elif kind == "ridge":
        est, y = Ridge(), Y_REG
    elif kind == "multilabel":
        from sklearn.multiclass import OneVsRestClassifier

        est, y = OneVsRestClassifier(LogisticRegression()), Y_ML
    else:  # torch networks: plain MLP, loss-prediction net, WAAL net
        pytest.importorskip("torch")
        from skactive import neural
        from skactive.neural._lpl import LossPredictionNet
        from skactive.neural._waal import WAALNet

        common = dict(max_epochs=2, module__hidden_units=16, random_state=0)
        if kind == "lpl":
            est = LossPredictionNet(neural.MLP, **common)
        elif kind == "waal":
            est = WAALNet(neural.MLP, **common)
            fit_params = lambda rows: {"X_unlabeled": X[rows]}  # noqa: E731
        else:
            est = neural.ActiveNeuralNetClassifier(neural.MLP, module__dropout=0.2, **common)
    learner = ActiveLearner(est, random_state=0)
    learner.fit(X[:30], y[:30], **fit_params(slice(30, 80)))
    learner.teach(X[30:40], y[30:40], **fit_params(slice(40, 80)))
    _LEARNERS[kind] = learner
    return learner


def _kind(cls):
    tags = _tags(cls)
    if tags.requires_neural_net:
        name = cls.__name__
        return "lpl" if name in ("LPL", "LearningLoss") else "waal" if name == "WAAL" else "net"
    if _task(cls) == "regression":
        return "ridge"
    if getattr(tags, "multilabel", False):
        return "multilabel"
    return "forest" if tags.requires_samples else "linear"


POOL = X[40:]


def _raises(exc, match, func):
    with pytest.raises(exc) as info:
        func()
    if match is not None:
        assert match in str(info.value), f"{str(info.value)!r} does not mention {match!r}"
    return info.value


def _valid(idx, n, budget):
    assert isinstance(idx, np.ndarray) and np.issubdtype(idx.dtype, np.integer)
    assert idx.shape == (budget,) and np.unique(idx).size == budget
    assert idx.min() >= 0 and idx.max() < n


def _query(strategy, pool, learner, budget=3):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return strategy.query(pool, learner, budget)


# ------------------------------------------------------------ bad-input matrix
def _bad_budget(budget):
    def case(s, learner):
        _raises(ValueError, "budget", lambda: _query(s, POOL, learner, budget))
    return case


def _bad_pool(make_pool, match="X_pool", exc=ValueError):
    def case(s, learner):
        _raises(exc, match, lambda: _query(s, make_pool(), learner))
    return case


def _nan_pool(value):
    def make():
        pool = POOL.copy()
        pool[3, 1] = value
        return pool
    return make


def _works(make_pool, budget=3):
    def case(s, learner):
        pool = make_pool()
        n = pool.shape[0]
        _valid(_query(s, pool, learner, min(budget, n)), n, min(budget, n))
    return case


def case_unfitted(s, learner):
    unfitted = clone(learner)
    if getattr(get_query_tags(s), "requires_fitted_learner", True):
        _raises(NotFittedError, None, lambda: _query(s, POOL, unfitted))


def case_no_learner(s, learner):
    _raises(TypeError, "learner", lambda: _query(s, POOL, None))


def case_sparse(s, learner):
    """Sparse pools work (networks get a dense copy) or fail naming sparse input."""
    try:
        idx = _query(s, sparse.csr_matrix(POOL), learner)
    except (ValueError, TypeError) as exc:
        assert "sparse" in str(exc).lower(), f"unclear error for a sparse pool: {exc!r}"
    else:
        _valid(idx, POOL.shape[0], 3)


def case_dataframe(s, learner):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(POOL, columns=[f"x{i}" for i in range(4)])
    _valid(_query(s, frame, learner), POOL.shape[0], 3)


def case_no_mutation(s, learner):
    """Neither the learner (torch module modes included) nor the pool change."""
    before, pool = pickle.dumps(learner), POOL.copy()
    modes = _module_modes(learner)
    _query(s, pool, learner)
    assert _module_modes(learner) == modes, "query changed a torch module's train/eval mode"
    assert pickle.dumps(learner) == before, "query mutated the learner"
    np.testing.assert_array_equal(pool, POOL, err_msg="query mutated X_pool")


def _module_modes(learner):
    est = getattr(learner, "estimator_", learner)
    out = {}
    for name, value in vars(est).items():
        if hasattr(value, "training") and hasattr(value, "modules"):
            out[name] = [m.training for m in value.modules()]
    return out


def case_nan_accepting_forest(s, learner):
    """A learner that accepts NaN: strategies work, or say which argument holds
    NaN (X_pool) and which strategy cannot use it."""
    if _kind(type(s)) not in ("linear", "forest"):
        pytest.skip("only for scikit-learn classification strategies")
    forest = _learner("forest")
    try:
        idx = _query(s, _nan_pool(np.nan)(), forest)
    except LearnerCapabilityError:
        return  # needs a linear head / proba the forest does not have: unrelated
    except ValueError as exc:
        msg = str(exc)
        assert "X_pool" in msg and type(s).__name__ in msg, f"unclear NaN error: {msg!r}"
    else:
        _valid(idx, POOL.shape[0], 3)


def case_nan_accepting_imputer(s, learner):
    """With an imputing pipeline, strategies that work on the learner's features
    see imputed ones; those that read the raw rows (VAAL) name X_pool."""
    if _kind(type(s)) != "linear":
        pytest.skip("only for strategies of a linear scikit-learn learner")
    try:
        idx = _query(s, _nan_pool(np.nan)(), _learner("imputer"))
    except ValueError as exc:
        msg = str(exc)
        assert "X_pool" in msg and type(s).__name__ in msg, f"unclear NaN error: {msg!r}"
    else:
        _valid(idx, POOL.shape[0], 3)


def case_nan_refused(s, learner):
    """NaN is refused, naming X_pool, when the learner does not accept it."""
    from sklearn.utils import get_tags

    if get_tags(learner).input_tags.allow_nan:
        pytest.skip("the learner accepts NaN (see nan_accepting_*)")
    _raises(ValueError, "X_pool", lambda: _query(s, _nan_pool(np.nan)(), learner))


CASES = {
    "budget_0": _bad_budget(0),
    "budget_negative": _bad_budget(-1),
    "budget_too_large": _bad_budget(POOL.shape[0] + 1),
    "budget_float": _bad_budget(1.5),
    "budget_bool": _bad_budget(True),
    "budget_str": _bad_budget("3"),
    "pool_none": _bad_pool(lambda: None),
    "pool_empty": _bad_pool(lambda: POOL[:0]),
    "pool_nan": case_nan_refused,
    "pool_inf": _bad_pool(_nan_pool(np.inf)),
    "pool_strings": _bad_pool(lambda: POOL.astype(str).astype(object) + "a"),
    "pool_1d": _bad_pool(lambda: POOL[:, 0]),
    "pool_3d": _bad_pool(lambda: POOL.reshape(-1, 2, 2)),
    "pool_features": _bad_pool(lambda: POOL[:, :3], "features"),
    "learner_unfitted": case_unfitted,
    "learner_none": case_no_learner,
    "pool_one_row": _works(lambda: POOL[:1], budget=1),
    "pool_duplicates": _works(lambda: np.repeat(POOL[:1], 12, axis=0), budget=5),
    "pool_float64": _works(lambda: POOL.astype(np.float64)),
    "pool_int": _works(lambda: (POOL * 10).astype(np.int64)),
    "pool_fortran": _works(lambda: np.asfortranarray(POOL)),
    "pool_sparse": case_sparse,
    "pool_dataframe": case_dataframe,
    "no_mutation": case_no_mutation,
    "nan_accepting_forest": case_nan_accepting_forest,
    "nan_accepting_imputer": case_nan_accepting_imputer,
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("cls", STRATEGIES, ids=lambda c: c.__name__)
def test_bad_input_matrix(cls, case):
    if _is_net(cls):
        pytest.importorskip("torch")
    strategy = _make(cls)
    learner = _learner(_kind(cls))
    if _kind(cls) == "ridge" and case.startswith("nan_accepting"):
        pytest.skip("classification learners")
    CASES[case](strategy, learner)


# ------------------------------------------------------------ bounded fuzz
SKLEARN_PATH = [c for c in STRATEGIES if not _is_net(c)]
_ARG_NAMES = ("X_pool", "budget", "learner", "features")


@pytest.mark.parametrize("cls", SKLEARN_PATH, ids=lambda c: c.__name__)
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzz_pools(cls, data):
    """Random pools (size, scale, duplicates, dtype) and budgets: valid unique
    indices, or a ValueError naming an argument; never another exception, and
    the pool is left unchanged."""
    learner = _learner(_kind(cls))
    n = data.draw(st.integers(1, 25), label="n_pool")
    scale = data.draw(st.sampled_from([1e-6, 1.0, 1e6]), label="scale")
    n_distinct = data.draw(st.integers(1, n), label="n_distinct")
    rows = np.random.RandomState(data.draw(st.integers(0, 2**16))).rand(n_distinct, 4)
    pool = (rows[np.arange(n) % n_distinct] * scale).astype(
        data.draw(st.sampled_from([np.float32, np.float64]), label="dtype"))
    budget = data.draw(st.integers(-1, n + 1), label="budget")
    copy = pool.copy()
    strategy = _make(cls)
    if "random_state" in strategy.get_params():
        strategy.set_params(random_state=data.draw(st.integers(0, 2**31 - 1)))
    try:
        idx = _query(strategy, pool, learner, budget)
    except ValueError as exc:
        assert any(a in str(exc) for a in _ARG_NAMES), f"unclear error: {exc!r}"
        assert not 1 <= budget <= n, f"valid input refused: {exc!r}"
    else:
        assert 1 <= budget <= n
        _valid(idx, n, budget)
    np.testing.assert_array_equal(pool, copy)


# ------------------------------------------------------------ issue items
NET_STRATEGIES = ["AdversarialBIM", "AdversarialDeepFool", "LADA", "LPL", "LearningLoss", "WAAL"]


@pytest.mark.parametrize("name", NET_STRATEGIES)
def test_sparse_pool_with_net_strategies(name):
    """Item 1: networks get a dense copy of a sparse pool, same selection."""
    pytest.importorskip("torch")
    cls = getattr(S, name)
    learner = _learner(_kind(cls))
    dense = _query(_make(cls), POOL, learner)
    np.testing.assert_array_equal(_query(_make(cls), sparse.csr_matrix(POOL), learner), dense)


def test_sparse_pool_memory_guard(monkeypatch):
    """Item 1: a sparse pool too large to densify is a clear error."""
    pytest.importorskip("torch")
    from skactive.utils import _validation

    monkeypatch.setattr(_validation, "MAX_DENSE_POOL_BYTES", 100)
    exc = _raises(ValueError, "sparse", lambda: _query(
        _make(S.AdversarialBIM), sparse.csr_matrix(POOL), _learner("net")))
    assert "AdversarialBIM" in str(exc) and "GiB" in str(exc)


@pytest.mark.parametrize("name", ["VAAL", "KCenterGreedy", "CoreGCN", "KMeansSampling",
                                  "ClusterMargin", "DBAL"])
def test_nan_pool_named(name):
    """Item 2: a NaN-accepting learner; feature-based strategies name X_pool,
    the rows, and themselves (DBAL: the NaN row is among its candidates)."""
    cls = getattr(S, name)
    if _is_net(cls):
        pytest.importorskip("torch")
    pool = np.repeat(POOL[:1], 40, axis=0) + 1e-3 * POOL[:40]
    pool[:, 1] = np.nan  # every row: also DBAL's candidates
    exc = _raises(ValueError, "X_pool", lambda: _query(_make(cls), pool, _learner("forest")))
    assert name in str(exc) and "NaN" in str(exc) and "SimpleImputer" in str(exc)


def test_nan_in_labelled_set_named():
    lab = X[:40].copy()
    lab[5, 0] = np.nan
    from sklearn.ensemble import RandomForestClassifier

    forest = ActiveLearner(RandomForestClassifier(n_estimators=3, random_state=0)).fit(lab, Y[:40])
    exc = _raises(ValueError, "X_labeled_", lambda: _query(S.KCenterGreedy(), POOL, forest))
    assert "KCenterGreedy" in str(exc)


@pytest.mark.parametrize("name", ["RandomSampling", "VAAL", "Margin", "KCenterGreedy"])
def test_pool_dimensionality_checked(name):
    """Item 3: a 3-D pool for a learner fitted on 2-D data."""
    cls = getattr(S, name)
    if _is_net(cls):
        pytest.importorskip("torch")
    exc = _raises(ValueError, "X_pool", lambda: _query(_make(cls), POOL.reshape(-1, 2, 2),
                                                        _learner("linear")))
    assert "(2, 2)" in str(exc) and "(4,)" in str(exc)
    if not _tags(cls).requires_labeled_data:  # a bare fitted estimator
        bare = _learner("linear").estimator_
        _raises(ValueError, "2-D", lambda: _query(_make(cls), POOL.reshape(-1, 2, 2), bare))


@pytest.mark.parametrize("make", ["KMeans", "PCA", "IsolationForest", "KernelDensity"])
def test_unsupported_estimator_types(make):
    """Item 5: what the learner wraps is said, not an AttributeError."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.ensemble import IsolationForest
    from sklearn.neighbors import KernelDensity

    est = {"KMeans": KMeans(2, n_init=1), "PCA": PCA(), "IsolationForest": IsolationForest(),
           "KernelDensity": KernelDensity()}[make]
    exc = _raises(ValueError, "classifier or a regressor",
                  lambda: ActiveLearner(est).fit(X, Y))
    assert make in str(exc)


def test_regressor_and_classifier_still_accepted():
    from sklearn.linear_model import Ridge
    from sklearn.svm import SVC

    ActiveLearner(SVC()).fit(X, Y)
    ActiveLearner(Ridge()).fit(X, Y_REG)


_Z = np.random.RandomState(0).rand(10, 3)
_A = np.random.RandomState(1).rand(10, 2)
_P = np.full((4, 2), 0.5)
_Z_NAN = _Z.copy()
_Z_NAN[0, 0] = np.nan
HELPER_CASES = {
    "kcenter_k_too_large": (lambda: S.kcenter_greedy(_Z, 11), "k must be in [1, 10]"),
    "kcenter_k_zero": (lambda: S.kcenter_greedy(_Z, 0), "'k' parameter"),
    "kcenter_nan": (lambda: S.kcenter_greedy(_Z_NAN, 3), "Z contains NaN"),
    "kcenter_start_features": (lambda: S.kcenter_greedy(_Z, 3, _Z[:2, :2]), "Z_start"),
    "kcenter_metric": (lambda: S.kcenter_greedy(_Z, 3, metric=3), "'metric' parameter"),
    "badge_k_zero": (lambda: S.badge_kmeanspp(_A, _Z, 0), "'k' parameter"),
    "badge_k_too_large": (lambda: S.badge_kmeanspp(_A, _Z, 11), "k must be in"),
    "badge_rows": (lambda: S.badge_kmeanspp(_A[:5], _Z, 2), "same number of rows"),
    "badge_nan": (lambda: S.badge_kmeanspp(_A, _Z_NAN, 2), "H contains NaN"),
    "gsd_rows": (lambda: S.gradient_sq_distances(_A[:5], _Z, [0]), "same number of rows"),
    "gsd_centers": (lambda: S.gradient_sq_distances(_A, _Z, [10]), "centers"),
    "gsd_centers_float": (lambda: S.gradient_sq_distances(_A, _Z, [0.5]), "centers"),
    "gsd_g2": (lambda: S.gradient_sq_distances(_A, _Z, [0], g2=np.ones(3)), "g2"),
    "alamp_shapes": (lambda: S.alamp_score([0.1, 0.2], [0.1, 0.2, 0.3]), "same shape"),
    "alamp_negative": (lambda: S.alamp_score([-0.1], [0.2]), "non-negative"),
    "alamp_2d": (lambda: S.alamp_score([[0.1]], [[0.2]]), "1-D"),
    "waal_critic": (lambda: S.waal_score(_P, [0.1, 0.2]), "critic"),
    "waal_negative": (lambda: S.waal_score(-_P, [0.1] * 4), "probabilities"),
    "waal_selection": (lambda: S.waal_score(_P, [0.1] * 4, selection=-1), "'selection'"),
    "skl_negative": (lambda: S.symmetric_kl(-_P, _P), "probabilities"),
    "skl_not_normalised": (lambda: S.symmetric_kl(_P * 0.5, _P), "sum to 1"),
    "skl_classes": (lambda: S.symmetric_kl(_P, np.full((2, 3), 1 / 3)), "classes"),
    "skl_eps": (lambda: S.symmetric_kl(_P, _P, eps=0), "'eps' parameter"),
    "ckg_k_zero": (lambda: S.contextual_kcenter_greedy(_P, 0), "'k' parameter"),
    "ckg_k_too_large": (lambda: S.contextual_kcenter_greedy(_P, 5), "k must be in"),
}


@pytest.mark.parametrize("case", list(HELPER_CASES))
def test_public_helpers_validate(case):
    """Item 6: sklearn-style errors naming the argument."""
    func, match = HELPER_CASES[case]
    _raises(ValueError, match, func)


def test_public_helpers_still_compute():
    np.testing.assert_array_equal(S.kcenter_greedy(np.array([[0.0], [1.0], [5.0], [9.0]]), 2,
                                                   Z_start=np.array([[0.0]]))[0], [3, 2])
    assert S.badge_kmeanspp(_A, _Z, 10, random_state=0).size == 10
    assert S.gradient_sq_distances(_A, _Z, np.array([], dtype=int)).shape == (10, 0)
    np.testing.assert_allclose(S.alamp_score([0.8, 0.5, 0.0], [0.2, 0.5, 0.0]), [0.6, 0, 0])
    assert S.symmetric_kl(_P, _P).shape == (4, 4)
    assert S.waal_score(_P, np.zeros(4)).shape == (4,)
