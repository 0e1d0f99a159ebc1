"""BADGE: factorised gradient distances and exact D^2 (k-means++) sampling."""

import itertools

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import pairwise_distances
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from skactive.exceptions import LearnerCapabilityError
from skactive.strategies import BADGE, badge_kmeanspp, gradient_sq_distances
from skactive.utils import gradient_embedding, head_gradient_factors


def _factors(n=6, K=3, D=4, seed=0):
    rng = np.random.RandomState(seed)
    P = rng.dirichlet(np.ones(K), size=n)
    A = np.eye(K)[P.argmax(axis=1)] - P
    H = rng.normal(size=(n, D)) * rng.uniform(0.2, 3.0, size=(n, 1))
    return A, H


def _materialise(A, H):
    return (A[:, :, None] * H[:, None, :]).reshape(len(A), -1)


def test_factorised_distances_equal_materialised():
    A, H = _factors(n=40, K=5, D=7)
    G = _materialise(A, H)
    centers = [3, 0, 17, 39]
    expected = pairwise_distances(G, G[centers], metric="sqeuclidean")
    np.testing.assert_allclose(gradient_sq_distances(A, H, centers), expected, atol=1e-12)


def test_first_center_is_largest_gradient_norm():
    A, H = _factors(n=50, K=4, D=3, seed=1)
    first = np.argmax(np.linalg.norm(_materialise(A, H), axis=1))
    for seed in range(5):
        assert badge_kmeanspp(A, H, 3, random_state=seed)[0] == first


def _exact_next(G, chosen):
    D2 = pairwise_distances(G, G[list(chosen)], metric="sqeuclidean").min(axis=1)
    D2[list(chosen)] = 0.0
    return D2 / D2.sum()


def _check_frequencies(counts, probs, n_draws):
    # 6 standard deviations plus one count: deterministic seeds, so no flakes;
    # a wrong distribution (e.g. D instead of D^2) is off by far more
    freq = counts / n_draws
    tol = 6 * np.sqrt(probs * (1 - probs) / n_draws) + 1.0 / n_draws
    assert np.all(np.abs(freq - probs) <= tol), (freq, probs)


def test_second_center_drawn_with_probability_d2():
    A, H = _factors(n=6, K=3, D=4, seed=6)
    G = _materialise(A, H)
    first = int(np.argmax(np.einsum("ij,ij->i", G, G)))
    probs = _exact_next(G, [first])
    n_draws = 3000
    counts = np.zeros(len(G))
    for seed in range(n_draws):
        sel = badge_kmeanspp(A, H, 2, random_state=seed)
        assert sel[0] == first
        counts[sel[1]] += 1
    assert counts[first] == 0
    _check_frequencies(counts, probs, n_draws)
    # sampling proportional to D instead of D^2 would be detected
    D = np.sqrt(probs)
    with pytest.raises(AssertionError):
        _check_frequencies(counts, D / D.sum(), n_draws)


def test_third_center_exact_despite_stale_bounds():
    # the third draw goes through the rejection step (one pending centre)
    A, H = _factors(n=5, K=3, D=2, seed=3)
    G = _materialise(A, H)
    first = int(np.argmax(np.einsum("ij,ij->i", G, G)))
    p2 = _exact_next(G, [first])
    joint = {}
    for j, l in itertools.permutations(range(len(G)), 2):
        if first not in (j, l):
            joint[j, l] = p2[j] * _exact_next(G, [first, j])[l]
    keys = sorted(joint)
    probs = np.array([joint[k] for k in keys])
    n_draws = 3000
    counts = np.zeros(len(keys))
    for seed in range(n_draws):
        sel = badge_kmeanspp(A, H, 3, random_state=seed)
        counts[keys.index((sel[1], sel[2]))] += 1
    _check_frequencies(counts, probs, n_draws)


def test_refresh_schedule_and_chunks_keep_it_valid():
    A, H = _factors(n=300, K=4, D=6, seed=4)
    a = badge_kmeanspp(A, H, 40, random_state=0)
    b = badge_kmeanspp(A, H, 40, random_state=0, chunk_size=17)
    np.testing.assert_array_equal(a, b)  # chunking changes no random draw
    c = badge_kmeanspp(A, H, 40, random_state=0, max_pending=1)
    assert len(set(c)) == 40 and c[0] == a[0]


def test_duplicates_never_repeated_and_not_drawn_while_others_remain():
    A, H = _factors(n=3, K=3, D=2, seed=5)
    A, H = np.repeat(A, 4, axis=0), np.repeat(H, 4, axis=0)  # 3 distinct points, 12 rows
    for seed in range(20):
        sel = badge_kmeanspp(A, H, 8, random_state=seed)
        assert len(set(sel)) == 8
        # the first three picks are the three distinct points
        assert len({i // 4 for i in sel[:3]}) == 3


@pytest.fixture(scope="module")
def letter_pipe():
    from skactive.datasets import load_letter

    X, y = load_letter(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300)).fit(X[:400], y[:400])
    return pipe, X[400:1400].astype(float)


def test_badge_query_uses_the_factorised_gradient_embedding(letter_pipe):
    pipe, X_pool = letter_pipe
    idx, scores = BADGE(random_state=0).query(X_pool, pipe, budget=15, return_scores=True)
    G = gradient_embedding(pipe, X_pool)
    np.testing.assert_allclose(scores, np.linalg.norm(G, axis=1))
    assert idx[0] == np.argmax(scores)
    A, H = head_gradient_factors(pipe, X_pool)
    np.testing.assert_array_equal(idx, badge_kmeanspp(A, H, 15, random_state=0))


def test_badge_with_decision_function_head_and_bias(letter_pipe):
    _, X_pool = letter_pipe
    from skactive.datasets import load_letter

    X, y = load_letter(return_X_y=True)
    svc = make_pipeline(StandardScaler(), LinearSVC()).fit(X[:400], y[:400])
    idx = BADGE(include_bias=True, random_state=0).query(X_pool, svc, budget=10)
    assert len(set(idx)) == 10


def test_badge_without_linear_head_raises(letter_pipe):
    _, X_pool = letter_pipe
    forest = RandomForestClassifier(n_estimators=3, random_state=0)
    forest.fit(X_pool[:100], np.arange(100) % 3)
    with pytest.raises(LearnerCapabilityError, match="BADGE needs the gradient"):
        BADGE().query(X_pool, forest, budget=2)
