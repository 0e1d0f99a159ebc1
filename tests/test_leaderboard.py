"""The leaderboard protocol, its statistics and the demo/benchmark commands."""

import numpy as np
import pytest
from scipy import stats

from skactive.__main__ import main
from skactive.experiments import SimulationResult
from skactive.experiments._leaderboard import (
    _initial_indices,
    collect_runs,
    leaderboard_strategies,
    load_benchmark_data,
    regime_estimator,
    regime_settings,
    run_leaderboard,
)
from skactive.experiments._leaderboard_stats import (
    pick_diagnostics,
    read_results_csv,
    summarize_regime,
    write_results_csv,
)


def test_regimes_and_strategies():
    assert regime_settings("cold", 3) == {"n_initial": 3, "budget": 3, "n_rounds": 20}
    assert regime_settings("svc-cv", 4) == {"n_initial": 8, "budget": 8, "n_rounds": 15}
    with pytest.raises(ValueError, match="regime"):
        regime_settings("warm", 3)
    lr, svc = leaderboard_strategies("alamp"), leaderboard_strategies("svc-cv")
    assert lr[0] == "random" and {"margin", "entropy", "alfa-mix"} <= set(lr)
    # a kernel SVC has no probabilities and no linear head
    assert "entropy" not in svc and "badge" not in svc and "margin" in svc
    assert not {"coreset", "bald", "lada", "vaal"} & set(lr)


@pytest.mark.parametrize("regime", ["alamp", "svc-cv"])
def test_pool_fitted_scaler_is_not_refitted_on_the_labels(regime):
    """regime_estimator(X_pool=...) scales with the pool's statistics through
    every fit / teach of the learner (the scaler ablation)."""
    from sklearn.preprocessing import StandardScaler

    from skactive import ActiveLearner
    from skactive.strategies import Margin

    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 4)) * [1.0, 10.0, 0.1, 5.0] + [0.0, 3.0, -1.0, 2.0]
    y = (X[:, 0] + X[:, 1] / 10 > 0.3).astype(int)
    labeled = np.r_[np.flatnonzero(y == 0)[:4], np.flatnonzero(y == 1)[:4]]
    learner = ActiveLearner(regime_estimator(regime, X_pool=X), Margin())
    learner.fit(X[labeled], y[labeled])
    learner.teach(X[:10], y[:10])
    fitted = learner.estimator_
    pipe = fitted.best_estimator_ if regime == "svc-cv" else fitted
    pool_scaler = StandardScaler().fit(X)
    np.testing.assert_allclose(pipe[0].transform(X), pool_scaler.transform(X))
    refit = ActiveLearner(regime_estimator(regime), Margin()).fit(X[labeled], y[labeled])
    pipe = refit.estimator_.best_estimator_ if regime == "svc-cv" else refit.estimator_
    assert not np.allclose(pipe[0].transform(X), pool_scaler.transform(X))


def test_split_is_stratified_and_capped():
    X_pool, y_pool, X_test, y_test = load_benchmark_data("iris")
    assert X_pool.shape == (105, 4) and X_test.shape == (45, 4)
    np.testing.assert_array_equal(np.bincount(y_test), [15, 15, 15])
    X_pool, y_pool, X_test, y_test = load_benchmark_data("letter")
    assert X_pool.shape[0] == 3000 and X_test.shape[0] == 3000
    # stratified: class shares of pool and test agree to within a sample or two
    share = np.bincount(y_pool) / 3000 - np.bincount(y_test) / 3000
    assert np.abs(share).max() < 2 / 3000
    with pytest.raises(ValueError, match="Unknown"):
        load_benchmark_data("nope")


def test_initial_draw_has_two_classes():
    y = np.array([0] * 98 + [1, 2])
    for seed in range(20):
        idx = _initial_indices(y, 3, seed)
        assert np.unique(y[idx]).size >= 2 and np.unique(idx).size == 3
    # the same seed draws the same set
    np.testing.assert_array_equal(_initial_indices(y, 3, 5), _initial_indices(y, 3, 5))


def _run(dataset, strategy, seed, acc, regime="alamp"):
    n = np.arange(len(acc)) * 10 + 10
    nan = np.full(len(acc), np.nan)
    meta = {"regime": regime, "dataset": dataset, "strategy": strategy, "seed": seed,
            "wall_time": 1.0}
    return SimulationResult(n, acc, nan, nan, nan, nan, np.zeros(0, int),
                            np.zeros(0, int), meta)


def test_summary_by_hand():
    # AUBC of a flat curve = its value; differences in points per seed:
    # d1: a - random = +2, +4, +3 (mean 3); d2: -1, -1, -1 (mean -1); d3: 0, 1, -1
    base = {"d1": 0.5, "d2": 0.6, "d3": 0.7}
    gain = {"d1": [0.02, 0.04, 0.03], "d2": [-0.01] * 3, "d3": [0.0, 0.01, -0.01]}
    runs = []
    for d in base:
        for seed in range(3):
            runs.append(_run(d, "random", seed, [base[d]] * 4))
            runs.append(_run(d, "a", seed, [base[d] + gain[d][seed]] * 4))
    s = summarize_regime(runs, "alamp")
    row = next(r for r in s["rows"] if r["strategy"] == "a")
    diffs = np.array([3.0, -1.0, 0.0])
    assert row["mean"] == pytest.approx(diffs.mean())
    half = stats.t.ppf(0.975, 2) * diffs.std(ddof=1) / np.sqrt(3)
    assert row["ci_low"] == pytest.approx(diffs.mean() - half)
    assert row["ci_high"] == pytest.approx(diffs.mean() + half)
    # d1 significant win; d2 constant -1 (no spread) beyond 0.5 -> loss; d3 tie
    assert (row["wins"], row["ties"], row["losses"]) == (1, 1, 1)
    assert row["worst"] == ("d2", pytest.approx(-1.0))
    assert row["mean_rank"] == pytest.approx((1 + 2 + 1.5) / 3)
    P, names = s["penalty"]
    # d1: a wins every query round; d2: random wins every round; d3: no round
    i, j = names.index("a"), names.index("random")
    assert P[i, j] == pytest.approx(1.0) and P[j, i] == pytest.approx(1.0)
    assert summarize_regime(runs, "cold") is None


def test_results_file_round_trip(tmp_path):
    runs = [_run("d1", "random", 0, [0.5, 0.6, 0.7]), _run("d1", "a", 0, [0.5, 0.7, 0.8])]
    path = tmp_path / "lb.csv"
    write_results_csv(runs, path)
    back = read_results_csv(path)
    assert len(back) == 2
    a = next(r for r in back if r.meta["strategy"] == "a")
    np.testing.assert_allclose(a.accuracy, [0.5, 0.7, 0.8])
    assert a.aubc() == pytest.approx(runs[1].aubc(), abs=1e-6)


def test_run_in_parts_resumes_and_diagnoses(tmp_path):
    out = tmp_path / "lb"
    runs = run_leaderboard(out, regimes=["cold"], datasets=["iris"],
                           strategies=["random", "margin"], seeds=[0, 1])
    assert len(runs) == 4
    files = sorted(p.name for p in (out / "cold").glob("*.npz"))
    assert files[0] == "iris__margin__seed0.npz"
    # a second call finds every run; a new seed adds only its runs
    before = (out / "cold" / files[0]).stat().st_mtime_ns
    runs = run_leaderboard(out, regimes=["cold"], datasets=["iris"],
                           strategies=["random", "margin"], seeds=[0, 1, 2])
    assert len(runs) == 6 and len(collect_runs(out)) == 6
    assert (out / "cold" / files[0]).stat().st_mtime_ns == before
    r = next(r for r in runs if r.meta["strategy"] == "margin")
    assert r.n_labels.tolist() == list(range(3, 64, 3))  # K=3 initial, 3 per round
    diag = pick_diagnostics(runs)
    assert {d["strategy"] for d in diag} == {"random", "margin"}
    assert all(0 <= d["class_tv"] <= 1 and d["missed_classes"] >= 0 for d in diag)


def test_cli_demo_and_benchmark(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--datasets", "iris,wine", "--strategies", "margin", "--n-jobs",
                 "1", "--seeds", "2", "--out", str(out), "--no-plot"]) == 0
    text = capsys.readouterr().out
    assert "margin against random" in text and "95% CI" in text
    assert "iris" in text and "mean gain over 2 datasets" in text
    csv = tmp_path / "lb.csv"
    assert main(["benchmark", "--regimes", "alamp", "--datasets", "iris", "--strategies",
                 "random,margin", "--seeds", "2", "--out", str(out), "--csv", str(csv)]) == 0
    assert main(["benchmark", "--from-csv", str(csv)]) == 0
    text = capsys.readouterr().out
    assert "regime alamp" in text and "margin" in text
