"""Every public query strategy goes through the same contract checks."""

import importlib.util
import inspect

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skactive import strategies
from skactive.base import BaseQueryStrategy, get_query_tags
from skactive.utils.estimator_checks import (
    contract_instance,
    default_learner_and_pool,
    yield_query_checks,
)


def _public_strategies():
    out = []
    for name in strategies.__all__:
        obj = getattr(strategies, name)
        if inspect.isclass(obj) and issubclass(obj, BaseQueryStrategy) and obj.__name__ == name:
            out.append(obj)
    return out


STRATEGIES = _public_strategies()
_CACHE = {}


def _needs_torch(cls):
    tags = get_query_tags(cls())
    needs = tags.requires_neural_net or tags.requires_torch
    return needs and importlib.util.find_spec("torch") is None


def _learner_and_pool(cls):
    if _needs_torch(cls):
        pytest.skip(f"{cls.__name__} needs a torch network; torch is not installed")
    if cls not in _CACHE:
        _CACHE[cls] = default_learner_and_pool(contract_instance(cls))
    return _CACHE[cls]


def _cases():
    for cls in STRATEGIES:
        if _needs_torch(cls):
            continue
        learner, X_pool, _ = _learner_and_pool(cls)
        for check, lrn, pool in yield_query_checks(contract_instance(cls), learner, X_pool):
            yield pytest.param(cls, check, lrn, pool, id=f"{cls.__name__}-{check.__name__}")


def test_strategies_are_found():
    names = {cls.__name__ for cls in STRATEGIES}
    assert {"RandomSampling", "Margin", "Alamp", "AlampDiv"} <= names


@pytest.mark.parametrize("cls, check, learner, X_pool", list(_cases()))
def test_query_contract(cls, check, learner, X_pool):
    check(contract_instance(cls), learner, X_pool)


def _trains_a_network(cls):
    tags = get_query_tags(cls())
    return tags.requires_neural_net or tags.requires_torch


def _check_random_sub_pool(cls, data):
    """Any sub-pool and any valid budget: unique, in-range, best-first indices."""
    learner, X_pool, _ = _learner_and_pool(cls)
    n = data.draw(st.integers(1, X_pool.shape[0]), label="n_pool")
    rows = data.draw(
        st.lists(st.integers(0, X_pool.shape[0] - 1), min_size=n, max_size=n, unique=True),
        label="rows",
    )
    budget = data.draw(st.integers(1, n), label="budget")
    strategy = contract_instance(cls)
    if "random_state" in strategy.get_params():
        strategy.set_params(random_state=data.draw(st.integers(0, 2**31 - 1)))
    idx = strategy.query(X_pool[rows], learner, budget)
    assert idx.shape == (budget,)
    assert np.unique(idx).size == budget
    assert idx.min() >= 0 and idx.max() < n


_SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize(
    "cls", [c for c in STRATEGIES if not _trains_a_network(c)], ids=lambda c: c.__name__
)
@settings(max_examples=15, **_SETTINGS)
@given(data=st.data())
def test_query_property_random_pools(cls, data):
    _check_random_sub_pool(cls, data)


# strategies that train a network inside query: fewer examples (time)
@pytest.mark.parametrize(
    "cls", [c for c in STRATEGIES if _trains_a_network(c)], ids=lambda c: c.__name__
)
@settings(max_examples=4, **_SETTINGS)
@given(data=st.data())
def test_query_property_random_pools_networks(cls, data):
    _check_random_sub_pool(cls, data)


def _registered_variants():
    """Registry names that build a strategy with other parameters than its
    class's defaults (e.g. ``qbc-variance``), one per distinct strategy."""
    from skactive.experiments import available_strategies, get_strategy

    seen, out = set(), []
    for name in available_strategies():
        try:
            strategy = get_strategy(name)
        except Exception:  # a custom factory that cannot build without args
            continue
        cls = type(strategy)
        if not issubclass(cls, BaseQueryStrategy) or _needs_torch(cls):
            continue
        if strategy.get_params() == cls().get_params() or repr(strategy) in seen:
            continue
        seen.add(repr(strategy))
        out.append((name, strategy))
    return out


def _variant_cases():
    for name, strategy in _registered_variants():
        learner, X_pool, _ = default_learner_and_pool(strategy)
        for check, lrn, pool in yield_query_checks(strategy, learner, X_pool):
            yield pytest.param(strategy, check, lrn, pool, id=f"{name}-{check.__name__}")


def test_registered_variants_are_found():
    names = {name for name, _ in _registered_variants()}
    assert {"qbc-kl", "qbc-variance"} <= names


@pytest.mark.parametrize("strategy, check, learner, X_pool", list(_variant_cases()))
def test_registered_variant_contract(strategy, check, learner, X_pool):
    from sklearn.base import clone

    check(clone(strategy), learner, X_pool)
