"""TypiClust and ProbCover: formulas on hand-made cases, and cold starts."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skactive import ActiveLearner
from skactive.strategies import (
    ProbCover,
    TypiClust,
    ball_graph,
    max_coverage_greedy,
    purity_delta,
    typicality,
)
from skactive.strategies._probcover import nearest_impure_distance
from skactive.strategies._typiclust import cluster_visit_order, typiclust_select


def _blobs():
    """Three 1-d blobs: A around 0 (8 points), B = 100..109, C = 200..205."""
    A = np.array([-3.0, -2, -1, 0, 0.5, 1, 2, 3])
    B = 100.0 + np.arange(10)
    C = 200.0 + np.arange(6)
    return np.r_[A, B, C][:, None]


def _learner_with_labels(X_lab, y_lab, strategy):
    return ActiveLearner(LogisticRegression(), query_strategy=strategy).fit(X_lab, y_lab)


# ----------------------------------------------------------------- TypiClust
def test_typicality_by_hand():
    Z = np.array([[0.0], [1.0], [3.0], [4.0]])
    # k = min(20, 4 // 2) = 2 neighbours; squared distances (reference code)
    # 0: {1, 3} -> (1 + 9) / 2 = 5;  1: {0, 3} -> (1 + 4) / 2 = 2.5
    expected = 1 / (np.array([5.0, 2.5, 2.5, 5.0]) + 1e-5)
    np.testing.assert_allclose(typicality(Z), expected)
    # the paper's euclidean form: 0: (1 + 3) / 2 = 2;  1: (1 + 2) / 2 = 1.5
    expected = 1 / (np.array([2.0, 1.5, 1.5, 2.0]) + 1e-5)
    np.testing.assert_allclose(typicality(Z, squared=False), expected)
    # one neighbour each
    np.testing.assert_allclose(typicality(Z, n_neighbors=1), 1 / (1 + 1e-5))
    assert np.isnan(typicality(Z[:1])).all()


def test_cluster_visit_order_by_hand():
    # cluster 0: 7 points, 2 labelled; 1: 9 points; 2: 6 points; 3: 3 points (small)
    # 4: 6 points, 1 labelled
    labels = np.r_[[0, 0, 4], [0] * 5, [1] * 9, [2] * 6, [3] * 3, [4] * 5]
    visit, n_visitable = cluster_visit_order(labels, n_labeled=3, n_clusters=5)
    # unlabelled clusters first, largest first (1, 2); then 1 label (4); then 2
    # labels (0); the small cluster 3 last
    assert visit.tolist() == [1, 2, 4, 0, 3]
    assert n_visitable == 4


def test_typiclust_selects_most_typical_of_largest_uncovered_clusters():
    Z = _blobs()
    X_lab, y_lab = np.array([[0.2], [150.0]]), np.array([0, 1])
    # n_clusters = |L| + budget = 4: k-means finds A (+ the label at 0.2), B,
    # C, and the label at 150 alone (size 1 <= 5: not visited)
    learner = _learner_with_labels(X_lab, y_lab, TypiClust(space="input", random_state=0))
    idx, scores = learner.query(Z, budget=2, return_scores=True)
    # B (10 points, no label) first, k = min(20, 10 // 2) = 5 neighbours:
    # 101: {100, 102, 103, 104, 105} -> (1 + 1 + 4 + 9 + 16) / 5 = 6.2;
    # 102 ... 107: distances 1, 1, 2, 2, 3 -> 3.8, the highest typicality;
    # the tie goes to the smallest index, 102.  Then C (6 points, k = 3):
    # 201 ... 204: 1, 1, 2 -> 2; 200: 1, 2, 3 -> 14 / 3; tie -> 201.
    B0, C0 = 8, 18
    assert idx.tolist() == [B0 + 2, C0 + 1]
    np.testing.assert_allclose(scores[B0 + 1], 1 / (6.2 + 1e-5))
    np.testing.assert_allclose(scores[B0 + 2 : B0 + 8], 1 / (3.8 + 1e-5))
    np.testing.assert_allclose(scores[C0], 1 / (14 / 3 + 1e-5))
    np.testing.assert_allclose(scores[C0 + 1], 1 / (2.0 + 1e-5))
    assert np.isnan(scores[:8]).all()  # A holds a label and was not visited


def test_typiclust_cycles_when_budget_exceeds_clusters():
    Z = _blobs()[8:]  # B (rows 0-9) and C (rows 10-15)
    s = TypiClust(space="input", max_clusters=2, random_state=0)
    learner = _learner_with_labels(np.array([[0.0], [1.0]]), np.array([0, 1]), s)
    # with 2 clusters the two labels (0 and 1) join B's cluster (k-means
    # inertia ~18k, against ~36k for {0, 1} | {B, C}): C (no label) first
    idx = learner.query(Z, budget=4)
    # C: 201 (row 11, tie with 202-204, see above); B: 102 (row 2);
    # C without 201: k = min(20, 5 // 2) = 2; 203: {202, 204} -> 1 and
    # 204: {203, 205} -> 1, tie -> 203 (row 13); B without 102 (9 points,
    # k = 4): 105: {104, 106, 103, 107} -> (1 + 1 + 4 + 4) / 4 = 2.5 (also
    # 106, 107), 104: {103, 105, 106, 101} -> 3.75; tie -> 105 (row 5)
    assert idx.tolist() == [11, 2, 13, 5]


def test_typiclust_small_clusters_are_visited_last():
    labels = np.r_[[0] * 3, [1] * 6]
    Z = np.r_[[0.0, 1.0, 2.0], 10.0 + np.arange(6)][:, None]
    order = cluster_visit_order(labels, 0, 2)
    idx, _ = typiclust_select(Z, labels, order, 8)
    # the reference visits only clusters of more than 5 points (in turns):
    # cluster 1 is emptied first, then the small cluster 0 fills the budget
    assert (labels[idx[:6]] == 1).all() and (labels[idx[6:]] == 0).all()
    assert np.unique(idx).size == 8


def test_typiclust_minibatch_above_threshold():
    rng = np.random.RandomState(0)
    Z = rng.randn(400, 3)
    s = TypiClust(space="input", minibatch_above=5, random_state=0)
    learner = ActiveLearner(LogisticRegression(), query_strategy=s)
    idx = learner.query(Z, budget=10)
    assert np.unique(idx).size == 10
    # same seed, same picks
    np.testing.assert_array_equal(idx, clone(learner).query(Z, budget=10))


# ----------------------------------------------------------------- ProbCover
def test_nearest_impure_distance_by_hand():
    Z = np.array([[0.0], [1.0], [3.0], [4.0]])
    d = nearest_impure_distance(Z, np.array([0, 0, 1, 1]))
    np.testing.assert_allclose(d, [3.0, 2.0, 2.0, 3.0])
    np.testing.assert_allclose(nearest_impure_distance(Z, np.array([0, 0, 1, 1]), [1, 3]),
                               [2.0, 3.0])


def test_purity_delta_by_hand():
    d = np.array([3.0, 2.0, 2.0, 3.0])
    # open balls: pure iff delta <= d_imp; purity(2) = 1, purity(3) = 0.5
    assert purity_delta(d, alpha=0.95) == (2.0, 1.0)
    assert purity_delta(d, alpha=0.5) == (3.0, 0.5)
    assert purity_delta(d, alpha=0.5, deltas=[1.0, 2.5, 3.5]) == (2.5, 0.5)
    with pytest.warns(UserWarning, match="purity"):
        assert purity_delta(d, alpha=0.95, deltas=[5.0, 6.0]) == (5.0, 0.0)


def test_purity_delta_matches_brute_force():
    rng = np.random.RandomState(1)
    Z = rng.randn(120, 2)
    pseudo = (Z[:, 0] > 0).astype(int)
    d_imp = nearest_impure_distance(Z, pseudo)
    D = np.sqrt(((Z[:, None] - Z[None]) ** 2).sum(-1))

    def purity(delta):
        impure = (D < delta) & (pseudo[:, None] != pseudo[None])
        return 1 - impure.any(axis=1).mean()

    delta, pur = purity_delta(d_imp, alpha=0.9)
    assert purity(delta) >= 0.9 and purity(delta) == pur
    assert purity(delta + 1e-9) < 0.9  # the largest such radius


def test_ball_graph_and_labelled_coverage_by_hand():
    Z = np.array([[0.0], [1.0], [2.0], [10.0], [11.0]])
    indptr, indices = ball_graph(Z, 1.5)
    rows = [indices[indptr[i] : indptr[i + 1]].tolist() for i in range(5)]
    assert rows == [[0, 1], [0, 1, 2], [1, 2], [3, 4], [3, 4]]
    # a labelled point at 10.2 covers 10 and 11 (no self-loops for queries)
    lp, li = ball_graph(Z, 1.5, np.array([[10.2]]))
    assert lp.tolist() == [0, 2] and li.tolist() == [3, 4]


def test_coverage_gain_by_hand():
    Z = np.array([[0.0], [1.0], [2.0], [10.0], [11.0], [30.0]])
    indptr, indices = ball_graph(Z, 1.5)
    # gains: [2, 3, 2, 2, 2, 1] -> pick 1 (+3 covered: 0, 1, 2), then 3 (ties
    # with 4, smallest index; +2), then 5 (+1)
    sel, gains, covered = max_coverage_greedy(indptr, indices, 3)
    assert sel.tolist() == [1, 3, 5] and gains.tolist() == [3, 2, 1] and covered.all()
    # with 3 and 4 covered by a labelled ball, the second pick is 5
    pre = np.array([False, False, False, True, True, False])
    sel, gains, _ = max_coverage_greedy(indptr, indices, 2, pre)
    assert sel.tolist() == [1, 5] and gains.tolist() == [3, 1]


def _naive_greedy(Z, delta, Z_lab, budget):
    D = np.sqrt(((Z[:, None] - Z[None]) ** 2).sum(-1))
    A = D < delta
    covered = np.zeros(len(Z), bool)
    if len(Z_lab):
        covered |= (np.sqrt(((Z_lab[:, None] - Z[None]) ** 2).sum(-1)) < delta).any(0)
    out = []
    for _ in range(budget):
        gains = (A & ~covered).sum(1)
        i = int(np.argmax(gains))
        if gains[i] == 0:
            break
        out.append(i)
        covered |= A[i]
    return out


def test_probcover_matches_naive_greedy():
    rng = np.random.RandomState(3)
    Z = rng.randn(150, 3)
    Z_lab, y_lab = rng.randn(4, 3), np.array([0, 1, 0, 1])
    learner = _learner_with_labels(Z_lab, y_lab, ProbCover(space="input", delta=0.9))
    idx = learner.query(Z, budget=12)
    expected = _naive_greedy(Z, 0.9, Z_lab, 12)
    assert idx[: len(expected)].tolist() == expected


def test_probcover_auto_delta_is_purity_delta():
    Z = _blobs()
    s = ProbCover(space="input", n_classes=3, random_state=0)
    idx = s.query(Z, ActiveLearner(LogisticRegression(), query_strategy=s), 3)
    # pseudo-labels = the blobs. Distance to the nearest other-blob point:
    # A: 100 - a (97 ... 103); B: min(b - 3, 200 - b) (91 for 109 ... 98);
    # C: c - 109 (91 ... 96). alpha = 0.95 of 24 points: the ceil(22.8) = 23rd
    # largest = the second smallest = 91; purity(91) = 1 (open balls).
    assert s.delta_ == pytest.approx(91.0) and s.purity_ == 1.0
    # delta = 91 balls cover one blob each (B-C gap 91 is not < 91): the
    # largest blob B first (all its points tie: smallest index), then A, C
    assert idx.tolist() == [8, 0, 18] and s.coverage_ == 1.0


def test_probcover_labelled_balls_are_covered_and_random_fill():
    Z = _blobs()
    s = ProbCover(space="input", delta=20.0, random_state=0)
    learner = _learner_with_labels(np.array([[0.0], [101.0]]), np.array([0, 1]), s)
    idx = learner.query(Z, budget=5)
    # A and B are covered by the labels: the first pick is in C, the most
    # central point of C covering all of C (ties to the smallest index)
    assert idx[0] == 18
    assert np.unique(idx).size == 5  # the rest: random, never duplicates
    np.testing.assert_array_equal(idx, clone(learner).fit(
        np.array([[0.0], [101.0]]), np.array([0, 1])).query(Z, budget=5))


def test_probcover_needs_n_classes_without_labels():
    s = ProbCover(space="input")
    learner = ActiveLearner(LogisticRegression(), query_strategy=s)
    with pytest.raises(ValueError, match="n_classes"):
        learner.query(_blobs(), budget=2)
    learner.set_params(classes=[0, 1, 2])
    assert learner.query(_blobs(), budget=3).shape == (3,)


@pytest.mark.parametrize("delta", [0.9, 3.0])
def test_probcover_without_stored_graph_is_the_same_greedy(delta):
    # beyond max_edges the greedy recomputes balls instead of storing them
    rng = np.random.RandomState(4)
    Z = rng.randn(200, 3)
    Z_lab, y_lab = rng.randn(3, 3), np.array([0, 1, 0])
    picks = []
    for max_edges in (10**9, 1):
        s = ProbCover(space="input", delta=delta, max_edges=max_edges, random_state=0)
        learner = _learner_with_labels(Z_lab, y_lab, s)
        picks.append(learner.query(Z, budget=15, return_scores=True))
    np.testing.assert_array_equal(picks[0][0], picks[1][0])
    np.testing.assert_array_equal(picks[0][1], picks[1][1])
    with pytest.raises(ValueError, match="max_edges"):
        ball_graph(Z, delta, max_edges=3)


@pytest.mark.parametrize("shape, p", [((7, 13), 0.3), ((100, 1001), 0.01), ((3, 5), 0.0),
                                      ((1, 3), 1.0), ((40, 64), 0.05)])
def test_sparse_columns_is_nonzero(shape, p):
    from skactive.strategies._probcover import _sparse_columns

    mask = np.random.RandomState(0).rand(*shape) < p
    np.testing.assert_array_equal(_sparse_columns(mask), np.nonzero(mask)[1])


# ------------------------------------------------------------- zero labels
@pytest.mark.parametrize(
    "strategy",
    [TypiClust(random_state=0), ProbCover(random_state=0)],
    ids=["TypiClust", "ProbCover"],
)
def test_query_before_fit_on_pipeline_features(strategy):
    rng = np.random.RandomState(0)
    X = np.c_[_blobs()[:, 0], rng.normal(scale=1000.0, size=24)]
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    learner = ActiveLearner(pipe, query_strategy=strategy, classes=[0, 1, 2])
    idx = learner.query(X, budget=3)
    assert not hasattr(learner, "estimator_")  # query did not fit the learner
    np.testing.assert_array_equal(idx, learner.query(X, budget=3))  # same seed
    # the same as the strategy on the standardised pool's raw features
    raw = ActiveLearner(LogisticRegression(), classes=[0, 1, 2],
                        query_strategy=clone(strategy).set_params(space="input"))
    np.testing.assert_array_equal(idx, raw.query(StandardScaler().fit_transform(X), 3))
    # and not the same as on the unscaled pool (the noise column dominates)
    assert not np.array_equal(idx, raw.query(X, 3))


def test_unfitted_pipeline_features_are_fitted_on_the_pool():
    from skactive.utils import get_embedding

    X = np.array([[0.0, 10.0], [2.0, 30.0]])
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    Z = get_embedding(ActiveLearner(pipe), X)
    np.testing.assert_allclose(Z, [[-1.0, -1.0], [1.0, 1.0]])
    assert not hasattr(pipe[0], "mean_")  # the user's pipeline is untouched


def test_unfitted_grid_search_of_a_pipeline_uses_its_features():
    from sklearn.model_selection import GridSearchCV

    rng = np.random.RandomState(0)
    X = np.c_[_blobs()[:, 0], rng.normal(scale=1000.0, size=24)]
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    search = GridSearchCV(pipe, {"logisticregression__C": [0.1, 1.0]}, cv=2)
    s = TypiClust(random_state=0)
    idx = ActiveLearner(search, query_strategy=s).query(X, budget=3)
    np.testing.assert_array_equal(idx, ActiveLearner(pipe, query_strategy=s).query(X, 3))


@pytest.mark.parametrize("name", ["random", "kmeans", "kcenter", "typiclust", "probcover"])
def test_model_free_strategies_choose_the_initial_set(name):
    from skactive.experiments import get_strategy

    rng = np.random.RandomState(0)
    y = np.repeat([0, 1, 2], 40)
    X = rng.normal(size=(120, 2)) + 10.0 * y[:, None]
    learner = ActiveLearner(
        LogisticRegression(), query_strategy=get_strategy(name), classes=[0, 1, 2],
        random_state=0,
    )
    idx = learner.query(X, budget=5)
    assert np.unique(idx).size == 5
    if name != "random":  # the representative strategies reach every blob
        assert set(y[idx]) == {0, 1, 2}
    learner.fit(X[idx], y[idx])  # then the usual loop
    assert learner.query(X, budget=2).shape == (2,)


def test_model_based_strategy_before_fit_raises():
    from skactive.strategies import Margin

    learner = ActiveLearner(LogisticRegression(), query_strategy=Margin())
    with pytest.raises(NotFittedError, match="Margin needs a fitted model"):
        learner.query(_blobs(), budget=2)


def test_unfitted_network_embedding_raises():
    pytest.importorskip("torch")
    from skactive.neural import MLP, ActiveNeuralNetClassifier

    net = ActiveNeuralNetClassifier(MLP, max_epochs=1)
    learner = ActiveLearner(net, query_strategy=TypiClust())
    with pytest.raises(NotFittedError, match="space='input'"):
        learner.query(_blobs().astype(np.float32), budget=2)
    learner.set_params(query_strategy=TypiClust(space="input", random_state=0))
    assert learner.query(_blobs().astype(np.float32), budget=3).shape == (3,)


# --------------------------------------------------- simulate(initial=...)
def _letter_split():
    from skactive.datasets import load_letter

    X, y = load_letter(return_X_y=True)
    keep = np.flatnonzero(y < 6)
    return X[keep[:600]], y[keep[:600]], X[keep[600:900]], y[keep[600:900]]


def test_simulate_initial_typiclust_is_the_unfitted_query():
    from sklearn.utils import check_random_state

    from skactive.experiments import simulate
    from skactive.strategies import Margin

    X_pool, y_pool, X_test, y_test = _letter_split()
    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300))
    res = simulate(ActiveLearner(pipe, Margin()), X_pool, y_pool, X_test, y_test,
                   n_initial=6, budget=6, n_rounds=2, initial="typiclust", random_state=3)
    assert res.n_labels.tolist() == [6, 12, 18]
    # the same draws as simulate: two seeds for the learner and the estimator,
    # then the strategy's
    rng = check_random_state(3)
    rng.randint(np.iinfo(np.int32).max, size=2)
    seed = int(rng.randint(np.iinfo(np.int32).max))
    chooser = ActiveLearner(pipe, TypiClust(random_state=seed))
    np.testing.assert_array_equal(res.labeled_indices[:6], chooser.query(X_pool, 6))
    again = simulate(ActiveLearner(pipe, Margin()), X_pool, y_pool, X_test, y_test,
                     n_initial=6, budget=6, n_rounds=2, initial="typiclust", random_state=3)
    np.testing.assert_array_equal(res.labeled_indices, again.labeled_indices)


def test_simulate_initial_probcover_and_bad_names():
    from skactive.experiments import simulate

    X_pool, y_pool, X_test, y_test = _letter_split()
    learner = ActiveLearner(make_pipeline(StandardScaler(), LogisticRegression()))
    res = simulate(learner, X_pool, y_pool, X_test, y_test, n_initial=6, budget=6,
                   n_rounds=1, initial="probcover", random_state=0)
    assert np.unique(res.labeled_indices).size == 12
    with pytest.raises(ValueError, match="model-free strategy .*typiclust"):
        simulate(learner, X_pool, y_pool, X_test, y_test, n_initial=6, budget=6,
                 n_rounds=1, initial="margin", random_state=0)
    with pytest.raises(ValueError, match="initial must be"):
        simulate(learner, X_pool, y_pool, X_test, y_test, n_initial=6, budget=6,
                 n_rounds=1, initial="no-such-thing", random_state=0)


def test_run_experiments_initial_typiclust():
    from skactive.experiments import run_experiments

    data = {"letter6": _letter_split()}
    est = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300))
    res = run_experiments(data, "random,margin", est, seeds=2, n_rounds=1, budget=6,
                          n_initial=6, initial="typiclust", n_jobs=1, progress=False)
    runs = {(r.meta["strategy"], r.meta["seed"]): r for r in res.runs}
    # the initial set depends on the seed only: the same for every strategy
    for seed in (0, 1):
        np.testing.assert_array_equal(runs["random", seed].labeled_indices[:6],
                                      runs["margin", seed].labeled_indices[:6])
    with pytest.raises(ValueError, match="model-free"):
        run_experiments(data, "random", est, seeds=1, n_rounds=1, budget=6,
                        n_initial=6, initial="margin", n_jobs=1, progress=False)
