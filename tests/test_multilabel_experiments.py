"""Multi-label runs of simulate / run_experiments: metrics, initial sets,
lower-is-better handling, plots and the CLI default metric."""

import argparse
import warnings

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.multioutput import MultiOutputClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skactive import ActiveLearner
from skactive.datasets import load_dataset
from skactive.experiments import ExperimentResults, SimulationResult, run_experiments, simulate
from skactive.experiments._cli import _default_metric
from skactive.experiments._multilabel_metrics import (
    greater_is_better,
    multilabel_balanced_indices,
    multilabel_initial_indices,
    multilabel_scores,
)
from skactive.strategies import MaxLoss, RandomSampling

# hand case: 4 rows, 3 labels
Y_TRUE = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]])
Y_PRED = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 1, 1]])
# label 0: TP 2, FP 0, FN 0 -> F1 1; label 1: TP 1, FP 1, FN 1 -> 1/2;
# label 2: TP 1, FP 0, FN 1 -> 2/3. Pooled: TP 4, FP 1, FN 2 -> 8/11.
# wrong cells: (0, 2), (2, 1), (3, 1) -> 3/12; exact rows: row 1 -> 1/4.
EXPECTED = dict(f1_micro=8 / 11, f1_macro=(1 + 1 / 2 + 2 / 3) / 3,
                hamming_loss=3 / 12, subset_accuracy=1 / 4, accuracy=1 / 4)


def test_scores_hand_case():
    s = multilabel_scores(Y_TRUE, Y_PRED)
    for name, value in EXPECTED.items():
        assert s[name] == pytest.approx(value), name
    assert np.isnan(s["balanced_accuracy"])


def test_simulate_round0_with_a_lookup_model():
    # 1-NN on well separated points predicts the label row of the nearest pool row
    X_pool = np.array([[0.0], [10.0], [20.0], [30.0]])
    X_test = X_pool + 1.0
    learner = ActiveLearner(KNeighborsClassifier(n_neighbors=1), RandomSampling())
    res = simulate(learner, X_pool, Y_PRED, X_test, Y_TRUE, n_initial=4, budget=1,
                   n_rounds=0, initial=np.arange(4), random_state=0)
    assert res.is_multilabel and not res.is_regression
    for name, value in EXPECTED.items():
        assert res.curve(name)[0] == pytest.approx(value), name
    assert np.isnan(res.balanced_accuracy).all() and np.isnan(res.rmse).all()
    assert res.labeled_y.shape == (4, 3)
    assert "final_f1_micro=0.7273" in repr(res) and "final_hamming_loss=0.2500" in repr(res)


@pytest.fixture(scope="module")
def emotions():
    d = load_dataset("emotions")
    return d.X_train, d.y_train, d.X_test, d.y_test


def _ovr():
    return make_pipeline(StandardScaler(), OneVsRestClassifier(LogisticRegression()))


def test_simulate_on_emotions_records_every_curve(emotions, tmp_path):
    X, Y, Xt, Yt = emotions
    res = simulate(ActiveLearner(_ovr(), MaxLoss()), X, Y, Xt, Yt, n_initial=20,
                   budget=10, n_rounds=3, random_state=0)
    assert res.n_labels.tolist() == [20, 30, 40, 50]
    for name in ("f1_micro", "f1_macro", "hamming_loss", "subset_accuracy"):
        c = res.curve(name)
        assert c.shape == (4,) and np.all((c >= 0) & (c <= 1)), name
    np.testing.assert_array_equal(res.accuracy, res.subset_accuracy)
    # AUBC of the Hamming loss: the trapezoid mean error over the budget
    h = res.hamming_loss
    assert res.aubc("hamming_loss") == pytest.approx(((h[1:] + h[:-1]) / 2).mean())
    assert len(set(res.labeled_indices.tolist())) == 50
    np.testing.assert_array_equal(res.labeled_y, Y[res.labeled_indices])
    # same seed, same run; save / load keep the new curves
    again = simulate(ActiveLearner(_ovr(), MaxLoss()), X, Y, Xt, Yt, n_initial=20,
                     budget=10, n_rounds=3, random_state=0)
    np.testing.assert_array_equal(res.labeled_indices, again.labeled_indices)
    res.save(tmp_path / "r.npz")
    back = SimulationResult.load(tmp_path / "r.npz")
    np.testing.assert_array_equal(back.hamming_loss, res.hamming_loss)
    np.testing.assert_array_equal(back.labeled_y, res.labeled_y)
    assert back.is_multilabel
    assert {"f1_micro", "hamming_loss", "subset_accuracy"} <= set(res.to_dict())


def test_label_sets_give_the_same_run(emotions):
    X, Y, Xt, Yt = emotions
    names = load_dataset("emotions").target_names
    sets = [{names[j] for j in np.flatnonzero(row)} for row in Y[:120]]
    sets_t = [{names[j] for j in np.flatnonzero(row)} for row in Yt]
    # the binariser sorts the label names: reorder the indicator columns to match
    order = np.argsort(names)
    a = simulate(ActiveLearner(_ovr(), RandomSampling()), X[:120], sets, Xt, sets_t,
                 n_initial=20, budget=10, n_rounds=2, random_state=1)
    b = simulate(ActiveLearner(_ovr(), RandomSampling()), X[:120], Y[:120, order], Xt,
                 Yt[:, order], n_initial=20, budget=10, n_rounds=2, random_state=1)
    np.testing.assert_array_equal(a.labeled_indices, b.labeled_indices)
    np.testing.assert_allclose(a.f1_micro, b.f1_micro)


def _rare_pool(n=200, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 4)
    Y = (rng.rand(n, 3) < 0.5).astype(int)
    Y[:, 2] = 0
    Y[7, 2] = 1  # label 2 has a single positive in the pool
    return X, Y


def test_random_initial_set_holds_both_values_of_every_label():
    X, Y = _rare_pool()
    for seed in range(5):
        idx = multilabel_initial_indices(Y, 5, np.random.RandomState(seed))
        assert len(set(idx.tolist())) == 5 and 7 in idx
        assert Y[idx].any(axis=0).all() and (Y[idx] == 0).any(axis=0).all()
    # and the per-label models that need both values now fit
    learner = ActiveLearner(MultiOutputClassifier(LogisticRegression()), RandomSampling())
    res = simulate(learner, X, Y, X[:50], Y[:50], n_initial=5, budget=5, n_rounds=2,
                   random_state=0)
    assert res.n_labels.tolist() == [5, 10, 15]


def test_initial_set_is_an_unchanged_draw_when_valid():
    rng = np.random.RandomState(3)
    Y = (rng.rand(100, 2) < 0.5).astype(int)
    idx = multilabel_initial_indices(Y, 30, np.random.RandomState(0))
    np.testing.assert_array_equal(idx, np.random.RandomState(0).permutation(100)[:30])


def test_greedy_completion_and_errors():
    Y = np.zeros((1000, 3), dtype=int)
    Y[[10, 20, 30], [0, 1, 2]] = 1  # one positive per label: a draw of 3 rarely hits all
    idx = multilabel_initial_indices(Y, 3, np.random.RandomState(0), max_draws=5)
    assert sorted(idx.tolist()) == [10, 20, 30]
    idx = multilabel_initial_indices(Y, 6, np.random.RandomState(0), max_draws=5)
    assert {10, 20, 30} <= set(idx.tolist()) and len(set(idx.tolist())) == 6
    with pytest.raises(ValueError, match="n_initial=2 is too small"):
        multilabel_initial_indices(Y, 2, np.random.RandomState(0), max_draws=5)
    Y[:, 1] = 0
    with pytest.raises(ValueError, match=r"Label column\(s\) \[1\] of y_pool"):
        multilabel_initial_indices(Y, 3, np.random.RandomState(0))


def test_balanced_initial_set_has_positives_of_every_label():
    X, Y = _rare_pool()
    idx = multilabel_balanced_indices(Y, 6, np.random.RandomState(0))
    assert len(set(idx.tolist())) == 6 and Y[idx].any(axis=0).all()
    res = simulate(ActiveLearner(_ovr(), RandomSampling()), X, Y, X[:30], Y[:30],
                   n_initial=6, budget=4, n_rounds=1, initial="balanced", random_state=0)
    assert 7 in res.labeled_indices[:6]


def test_bad_multilabel_inputs():
    X, Y = _rare_pool()
    learner = ActiveLearner(_ovr(), RandomSampling())
    with pytest.raises(ValueError, match=r"y_test must have shape \(30, 3\)"):
        simulate(learner, X, Y, X[:30], Y[:30, :2], n_initial=6, budget=2, n_rounds=1)
    with pytest.raises(ValueError, match="only 0 and 1"):
        simulate(learner, X, Y * 2, X[:30], Y[:30], n_initial=6, budget=2, n_rounds=1)
    with pytest.raises(ValueError, match="regressor"):
        simulate(ActiveLearner(LinearRegression(), RandomSampling()), X, Y, X[:30],
                 Y[:30], n_initial=6, budget=2, n_rounds=1)


def _result(strategy, seed, hamming, f1):
    n = len(hamming)
    return SimulationResult(
        n_labels=[10 * (k + 1) for k in range(n)], accuracy=f1, f1_macro=f1,
        balanced_accuracy=[np.nan] * n, query_time=[0.0] * n, fit_time=[0.0] * n,
        labeled_indices=np.arange(10 * n), labeled_y=np.zeros((10 * n, 2), dtype=int),
        meta={"dataset": "d", "strategy": strategy, "seed": seed},
        f1_micro=f1, hamming_loss=hamming, subset_accuracy=f1,
    )


def test_lower_is_better_in_the_comparisons():
    # "good" has the lower Hamming loss in every query round, for every seed
    runs = [
        _result("good", 0, [0.30, 0.20, 0.10], [0.5, 0.6, 0.7]),
        _result("good", 1, [0.30, 0.21, 0.12], [0.5, 0.6, 0.7]),
        _result("good", 2, [0.30, 0.19, 0.11], [0.5, 0.6, 0.7]),
        _result("bad", 0, [0.30, 0.25, 0.20], [0.5, 0.5, 0.5]),
        _result("bad", 1, [0.30, 0.27, 0.22], [0.5, 0.5, 0.5]),
        _result("bad", 2, [0.30, 0.26, 0.21], [0.5, 0.5, 0.5]),
    ]
    res = ExperimentResults(runs)
    assert not greater_is_better("hamming_loss") and greater_is_better("f1_micro")
    # AUBC of seed 0: (0.25 * 10 + 0.15 * 10) / 20 = 0.2
    assert res.aubc("hamming_loss")["d"]["good"][0] == pytest.approx(0.2)
    P, names = res.penalty_matrix(metric="hamming_loss")
    assert names == ["good", "bad"]
    np.testing.assert_allclose(P, [[0.0, 1.0], [0.0, 0.0]])  # good beats bad in both rounds
    W, T, L, _ = res.win_tie_loss(metric="hamming_loss")
    assert W.tolist() == [[0, 2], [0, 0]] and L.tolist() == [[0, 0], [2, 0]]
    # the higher-is-better metric agrees
    assert res.win_tie_loss(metric="f1_micro")[0].tolist() == [[0, 2], [0, 0]]
    # Hamming loss <= 0.205: good's mean curve 0.30, 0.20, 0.11 -> 20 labels; bad's
    # 0.30, 0.26, 0.21 never
    reached = res.labels_to_target(0.205, metric="hamming_loss")["d"]
    assert reached["good"] == 20.0 and np.isnan(reached["bad"])
    text = res.summary(metric="hamming_loss")
    assert "hamming_loss (lower is better)" in text
    good_row = next(line for line in text.splitlines() if line.startswith("d ") and "good" in line)
    assert good_row.rstrip().endswith("2-0-0")
    args = argparse.Namespace(metric=None)
    assert _default_metric(args, res) == "f1_micro"


def test_run_experiments_and_plots(emotions, tmp_path):
    pytest.importorskip("matplotlib")
    X, Y, Xt, Yt = emotions
    res = run_experiments({"emotions": (X[:150], Y[:150], Xt, Yt)}, "random,ml-max-loss",
                          _ovr(), seeds=2, n_rounds=2, budget=10, n_initial=20,
                          progress=False)
    assert len(res.runs) == 4 and all(r.is_multilabel for r in res.runs)
    for metric in ("f1_micro", "f1_macro", "hamming_loss", "subset_accuracy"):
        a = res.aubc(metric)["emotions"]
        assert set(a) == {"random", "ml-max-loss"} and a["random"].shape == (2,)
    # the same seed draws the same initial set for both strategies
    first = [r.labeled_indices[:20].tolist() for r in res.runs if r.meta["seed"] == 0]
    assert first[0] == first[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        figs = res.plot(out_dir=tmp_path, metric="hamming_loss")
    ax = figs["emotions_learning_curves"].axes[0]
    assert "lower is better" in ax.get_title() and ax.get_ylabel() == "test hamming_loss"
    assert (tmp_path / "emotions_class_distribution.png").is_file()
    heat = figs["emotions_class_distribution"].axes[1]
    assert heat.get_xlabel() == "label (positives queried)"
    assert len(heat.get_xticks()) == 6
