"""simulate, run_experiments (parallel, resumable), ExperimentResults, plots."""

import os

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.svm import SVC

from skactive import ActiveLearner
from skactive.datasets import load_letter
from skactive.experiments import (
    ExperimentResults,
    SimulationResult,
    aubc,
    available_strategies,
    get_estimator,
    get_strategy,
    register_strategy,
    run_experiments,
    simulate,
)
from skactive.experiments import _run as run_module
from skactive.strategies import AlampDiv, Margin, RandomSampling

SETTINGS = dict(n_initial=60, budget=20, n_rounds=2)


@pytest.fixture(scope="module")
def letter_small():
    X, y = load_letter(return_X_y=True)
    return X[:1500], y[:1500], X[-500:], y[-500:]


@pytest.fixture(scope="module")
def data(letter_small):
    return {"letter": letter_small}


# ------------------------------------------------------------------ simulate
def test_simulate_curve(letter_small):
    res = simulate(ActiveLearner(SVC(), AlampDiv()), *letter_small, random_state=0,
                   **SETTINGS)
    assert res.n_labels.tolist() == [60, 80, 100]
    for name in ("accuracy", "f1_macro", "balanced_accuracy", "query_time", "fit_time"):
        arr = getattr(res, name)
        assert arr.shape == (3,) and np.all(np.isfinite(arr)) and np.all(arr >= 0)
    assert res.query_time[0] == 0 and np.all(res.query_time[1:] > 0)
    assert np.all(res.accuracy <= 1)
    # labelled indices: unique pool indices, labels from the oracle
    X_pool, y_pool, X_test, y_test = letter_small
    assert res.labeled_indices.shape == (100,)
    assert np.unique(res.labeled_indices).size == 100
    np.testing.assert_array_equal(res.labeled_y, y_pool[res.labeled_indices])
    # the recorded accuracy is that of an SVC fitted on the labelled set
    svc = SVC().fit(X_pool[res.labeled_indices], y_pool[res.labeled_indices])
    assert res.accuracy[-1] == pytest.approx(svc.score(X_test, y_test))
    assert res.aubc() == pytest.approx(aubc(res.n_labels, res.accuracy))
    assert res.final_accuracy() == res.accuracy[-1]


def test_simulate_reproducible_and_does_not_mutate(letter_small):
    learner = ActiveLearner(SVC(), RandomSampling())
    a = simulate(learner, *letter_small, random_state=3, **SETTINGS)
    b = simulate(learner, *letter_small, random_state=3, **SETTINGS)
    c = simulate(learner, *letter_small, random_state=4, **SETTINGS)
    np.testing.assert_array_equal(a.labeled_indices, b.labeled_indices)
    np.testing.assert_array_equal(a.accuracy, b.accuracy)
    assert not np.array_equal(a.labeled_indices, c.labeled_indices)
    assert not hasattr(learner, "estimator_")
    assert learner.random_state is None


def test_simulate_same_initial_set_across_strategies(letter_small):
    a = simulate(ActiveLearner(SVC(), Margin()), *letter_small, random_state=1, **SETTINGS)
    b = simulate(ActiveLearner(SVC(), RandomSampling()), *letter_small, random_state=1,
                 **SETTINGS)
    np.testing.assert_array_equal(a.labeled_indices[:60], b.labeled_indices[:60])
    assert a.accuracy[0] == b.accuracy[0]


def test_simulate_balanced_and_explicit_initial(letter_small):
    X_pool, y_pool, X_test, y_test = letter_small
    res = simulate(ActiveLearner(SVC(), Margin()), *letter_small, initial="balanced",
                   n_initial=52, budget=10, n_rounds=1, random_state=0)
    counts = np.bincount(res.labeled_y[:52], minlength=26)
    assert counts.min() == 2 and counts.max() == 2
    idx = np.arange(40)
    res = simulate(ActiveLearner(SVC(), Margin()), *letter_small, initial=idx,
                   n_initial=40, budget=10, n_rounds=1, random_state=0)
    np.testing.assert_array_equal(res.labeled_indices[:40], idx)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_initial=0, budget=10, n_rounds=1), "n_initial"),
        (dict(n_initial=10, budget=0, n_rounds=1), "budget"),
        (dict(n_initial=10, budget=10, n_rounds=-1), "n_rounds"),
        (dict(n_initial=10, budget=2.5, n_rounds=1), "integer"),
        (dict(n_initial=1000, budget=400, n_rounds=2), "exceeds the pool size"),
        (dict(n_initial=10, budget=10, n_rounds=1, initial="nope"), "initial"),
        (dict(n_initial=10, budget=10, n_rounds=1, initial=[0, 0, 1]), "unique"),
    ],
)
def test_simulate_bad_input(letter_small, kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate(ActiveLearner(SVC(), Margin()), *letter_small, **kwargs)


def test_simulate_rejects_plain_estimator_and_bad_y(letter_small):
    X_pool, y_pool, X_test, y_test = letter_small
    with pytest.raises(ValueError, match="ActiveLearner"):
        simulate(SVC(), *letter_small, **SETTINGS)
    with pytest.raises(ValueError, match="y_pool"):
        simulate(ActiveLearner(SVC()), X_pool, y_pool[:-1], X_test, y_test, **SETTINGS)


def test_result_save_load_and_frame(tmp_path, letter_small):
    res = simulate(ActiveLearner(SVC(), Margin()), *letter_small, random_state=0,
                   meta={"dataset": "l", "strategy": "margin", "seed": 0}, **SETTINGS)
    res.save(tmp_path / "r.npz")
    back = SimulationResult.load(tmp_path / "r.npz")
    np.testing.assert_array_equal(back.accuracy, res.accuracy)
    np.testing.assert_array_equal(back.labeled_indices, res.labeled_indices)
    assert back.meta == res.meta
    assert res.to_dict()["n_labels"] == [60, 80, 100]
    pytest.importorskip("pandas")
    frame = res.to_frame()
    assert list(frame["n_labels"]) == [60, 80, 100]
    assert set(frame["strategy"]) == {"margin"}
    with pytest.raises(ValueError, match="metric"):
        res.curve("loss")


# ------------------------------------------------------------------ registry
def test_registry():
    assert {"random", "margin", "alamp", "alamp-div"} <= set(available_strategies())
    assert isinstance(get_strategy("ALAMP_DIV"), AlampDiv)
    assert get_strategy("random", random_state=5).random_state == 5
    with pytest.raises(ValueError, match="Unknown strategy 'foo'"):
        get_strategy("foo")
    with pytest.raises(ValueError, match="Unknown estimator"):
        get_estimator("foo")
    register_strategy("test-margin", Margin)
    assert isinstance(get_strategy("test-margin"), Margin)
    with pytest.raises(ValueError, match="callable"):
        register_strategy("x", 3)


# ----------------------------------------------------------- run_experiments
def test_run_experiments_grid_and_metrics(data):
    res = run_experiments(data, "random,margin,alamp-div", "svc", seeds=[0, 1, 2],
                          n_jobs=1, progress=False, **SETTINGS)
    assert len(res.runs) == 9
    assert res.strategies == ["random", "margin", "alamp-div"]
    curves = res.curves("letter")
    assert all(c.shape == (3, 3) for c in curves.values())
    # paired seeds: same initial set, so the same round-0 accuracy
    np.testing.assert_array_equal(curves["random"][:, 0], curves["margin"][:, 0])
    a = res.aubc()["letter"]
    np.testing.assert_allclose(a["margin"], aubc([60, 80, 100], curves["margin"]))
    P, names = res.penalty_matrix()
    assert P.shape == (3, 3) and np.all(np.diag(P) == 0) and P.max() <= 1
    W, T, L, _ = res.win_tie_loss()
    np.testing.assert_array_equal(W + T + L, 2 * (1 - np.eye(3)))
    text = res.summary()
    assert "AUBC" in text and "alamp-div" in text
    assert "labels" in res.round_table()
    assert set(res.labels_to_target(0.0)["letter"].values()) == {60.0}
    # a run of the grid equals a direct simulate call with the same seed
    direct = simulate(ActiveLearner(SVC(), get_strategy("margin")), *data["letter"],
                      random_state=1, **SETTINGS)
    np.testing.assert_array_equal(res.curves("letter")["margin"][1], direct.accuracy)


def test_run_experiments_parallel_equals_sequential(data):
    kw = dict(seeds=2, progress=False, **SETTINGS)
    seq = run_experiments(data, "random,alamp", "svc", n_jobs=1, **kw)
    par = run_experiments(data, "random,alamp", "svc", n_jobs=2, backend="threading", **kw)
    for s in ("random", "alamp"):
        np.testing.assert_array_equal(seq.curves()[s], par.curves()[s])


def test_run_experiments_dask(data):
    pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    kw = dict(seeds=2, progress=False, **SETTINGS)
    seq = run_experiments(data, "random,margin", "svc", n_jobs=1, **kw)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster):
            with parallel_config(backend="dask"):
                res = run_experiments(data, "random,margin", "svc", **kw)
    assert len(res.runs) == 4
    for s in ("random", "margin"):
        np.testing.assert_array_equal(seq.curves()[s], res.curves()[s])


def test_run_experiments_resume(tmp_path, data, monkeypatch):
    kw = dict(seeds=2, n_jobs=1, progress=False, results_dir=tmp_path, **SETTINGS)
    first = run_experiments(data, "random,margin", "svc", **kw)
    files = sorted((tmp_path / "runs").glob("*.npz"))
    assert len(files) == 4
    assert not [f for f in (tmp_path / "runs").iterdir() if "tmp" in f.name]
    # simulate a study killed after 3 runs, while saving the 4th: one file is
    # missing and a temporary file of a dead process is left behind
    os.remove(tmp_path / "runs" / "letter__margin__seed1.npz")
    stale = tmp_path / "runs" / ".letter__margin__seed1.999999999.tmp.npz"
    stale.write_bytes(b"half-written")
    calls = []
    real = run_module.simulate

    def counting(*args, **kwargs):
        calls.append(kwargs["meta"]["strategy"] + str(kwargs["meta"]["seed"]))
        return real(*args, **kwargs)

    monkeypatch.setattr(run_module, "simulate", counting)
    second = run_experiments(data, "random,margin", "svc", **kw)
    assert calls == ["margin1"]  # nothing else recomputed
    assert not stale.exists()
    for s in ("random", "margin"):
        np.testing.assert_array_equal(first.curves()[s], second.curves()[s])
    # a new strategy adds runs to the same study
    run_experiments(data, "random,margin,alamp", "svc", **kw)
    assert calls == ["margin1", "alamp0", "alamp1"]
    loaded = ExperimentResults.load(tmp_path)
    assert len(loaded.runs) == 6
    np.testing.assert_array_equal(loaded.curves()["margin"], first.curves()["margin"])


def test_run_experiments_crash_keeps_finished_runs(tmp_path, data, monkeypatch):
    real = run_module.simulate

    def crashing(*args, **kwargs):
        if kwargs["meta"]["seed"] == 1:
            raise KeyboardInterrupt  # like a kill in the middle of the study
        return real(*args, **kwargs)

    monkeypatch.setattr(run_module, "simulate", crashing)
    kw = dict(n_jobs=1, progress=False, results_dir=tmp_path, **SETTINGS)
    with pytest.raises(KeyboardInterrupt):
        run_experiments(data, "random", "svc", seeds=[0, 1], **kw)
    names = sorted(f.name for f in (tmp_path / "runs").iterdir())
    assert names == ["letter__random__seed0.npz"]
    monkeypatch.setattr(run_module, "simulate", real)
    res = run_experiments(data, "random", "svc", seeds=[0, 1], **kw)
    assert len(res.runs) == 2


def test_run_experiments_settings_mismatch(tmp_path, data):
    kw = dict(seeds=1, n_jobs=1, progress=False, results_dir=tmp_path)
    run_experiments(data, "random", "svc", **kw, **SETTINGS)
    with pytest.raises(ValueError, match="budget"):
        run_experiments(data, "random", "svc", n_initial=60, budget=10, n_rounds=2, **kw)
    X_pool, y_pool, X_test, y_test = data["letter"]
    other = {"letter": (X_pool[::-1], y_pool[::-1], X_test, y_test)}
    with pytest.raises(ValueError, match="differs"):
        run_experiments(other, "random", "svc", **kw, **SETTINGS)
    with pytest.raises(ValueError, match="strategy_repr|made with"):
        run_experiments(data, {"random": Margin()}, "svc", **kw, **SETTINGS)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(datasets={}, strategies="random"), "datasets"),
        (dict(datasets="nope", strategies="random"), "Unknown dataset"),
        (dict(datasets=None, strategies="nope"), "Unknown strategy"),
        (dict(datasets=None, strategies="random", seeds=0), "seeds"),
        (dict(datasets=None, strategies="random", n_rounds=200), "exceeds"),
        (dict(datasets=None, strategies="random", estimator="nope"), "Unknown estimator"),
        (dict(datasets=None, strategies="random", progress="yes"), "progress"),
    ],
)
def test_run_experiments_bad_input(data, kwargs, match):
    kwargs = dict(kwargs)
    if kwargs["datasets"] is None:
        kwargs["datasets"] = data
    settings = dict(SETTINGS)
    settings.update({k: kwargs.pop(k) for k in list(kwargs) if k in settings})
    with pytest.raises(ValueError, match=match):
        run_experiments(**kwargs, **settings)


def test_run_experiments_named_dataset_max_pool():
    res = run_experiments("letter", "random", SVC(),
                          seeds=1, max_pool=300, n_initial=50, budget=25, n_rounds=1,
                          progress=False)
    assert res.datasets == ["letter"]
    assert res.runs[0].labeled_indices.max() < 300


def test_plots_written(tmp_path, data):
    pytest.importorskip("matplotlib")
    res = run_experiments(data, "random,margin", "svc", seeds=2, n_jobs=1,
                          progress=False, **SETTINGS)
    figures = res.plot(out_dir=tmp_path)
    assert set(figures) == {"letter_learning_curves", "letter_class_distribution",
                            "penalty_matrix"}
    for name in figures:
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000


def test_optional_dependencies_have_clear_errors(monkeypatch, data):
    import sys

    from skactive.experiments import plot_learning_curves

    res = simulate(ActiveLearner(SVC(), Margin()), *data["letter"], random_state=0,
                   **SETTINGS)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"skactive\[plot\]"):
        plot_learning_curves([1, 2], {"a": [[0.1, 0.2]]})
    with monkeypatch.context() as m:
        m.setitem(sys.modules, "pandas", None)
        with pytest.raises(ImportError, match=r"pandas"):
            res.to_frame()
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with pytest.raises(ImportError, match=r"tqdm"):
        run_experiments(data, "random", "svc", seeds=1, progress=True, **SETTINGS)
    # "auto" silently goes without a bar
    run_experiments(data, "random", "svc", seeds=1, progress="auto", **SETTINGS)
