"""The euclidean fast path of kcenter_greedy: certified pick chains equal the
one-pass-per-pick greedy, float32 stays float32, duplicates are handled."""

import numpy as np
import pytest
from sklearn.metrics import pairwise_distances

from skactive.strategies import _diversity, kcenter_greedy


def _naive(Z, k, Z_start):
    chosen = []
    for _ in range(k):
        C = Z[chosen] if Z_start is None else np.vstack([Z_start, Z[chosen]])
        if len(C) == 0:
            chosen.append(0)
            continue
        d = pairwise_distances(Z, C).min(axis=1)
        d[chosen] = -1
        chosen.append(int(np.argmax(d)))
    return np.array(chosen)


@pytest.mark.parametrize("n, d, k, m", [(3000, 3, 200, 4), (2500, 8, 150, 0), (1500, 2, 400, 1)])
def test_chains_equal_naive_beyond_the_candidates(monkeypatch, n, d, k, m):
    # few candidates and short chains: the pool is larger than the candidate
    # set, chains break on the certificate and restart often
    monkeypatch.setattr(_diversity, "_CANDIDATES", 64)
    monkeypatch.setattr(_diversity, "_CHAIN", 16)
    rng = np.random.RandomState(n)
    Z = rng.normal(size=(n, d))
    Z_start = rng.normal(size=(m, d)) if m else None
    sel, pick_d, min_d = kcenter_greedy(Z, k, Z_start)
    np.testing.assert_array_equal(sel, _naive(Z, k, Z_start))
    assert np.all(np.diff(pick_d[1:]) <= 1e-9)  # non-increasing after the first
    C = Z[sel] if Z_start is None else np.vstack([Z_start, Z[sel]])
    np.testing.assert_allclose(min_d, pairwise_distances(Z, C).min(axis=1), atol=1e-6)


def test_chains_are_used(monkeypatch):
    """The pool is updated far fewer times than there are picks."""
    calls = []
    update = _diversity._update_min_sq
    monkeypatch.setattr(_diversity, "_update_min_sq",
                        lambda *a: calls.append(1) or update(*a))
    Z = np.random.RandomState(0).normal(size=(5000, 16))
    kcenter_greedy(Z, 200, Z[:10])
    assert len(calls) < 200 / 4, len(calls)


def test_float32_stays_float32():
    Z = np.random.RandomState(1).normal(size=(2000, 8)).astype(np.float32)
    sel, pick_d, min_d = kcenter_greedy(Z, 30, Z[:5])
    assert min_d.dtype == np.float32
    sel64, _, _ = kcenter_greedy(Z.astype(np.float64), 30, Z[:5].astype(np.float64))
    assert len(set(sel.tolist()) & set(sel64.tolist())) >= 29


def test_duplicates_fill_in_index_order_with_chains():
    Z = np.repeat(np.arange(5.0)[:, None], 400, axis=0)  # 5 distinct points, 2000 rows
    sel, pick_d, _ = kcenter_greedy(Z, 12, Z_start=np.array([[0.0]]))
    assert len(set(sel.tolist())) == 12
    np.testing.assert_array_equal(np.sort(Z[sel[:4], 0]), [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(pick_d[4:], 0.0, atol=1e-6)
    rest = np.setdiff1d(np.arange(len(Z)), sel[:4])[:8]
    np.testing.assert_array_equal(sel[4:], rest)  # the unpicked, in index order
