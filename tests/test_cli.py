"""The command line: python -m skactive run / plot / list."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from skactive.__main__ import main

SMALL = ["--dataset", "letter", "--max-pool", "400", "--n-initial", "60",
         "--budget", "20", "--rounds", "2", "--n-jobs", "1", "--quiet"]


def test_run_and_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "res"
    status = main(["run", "--strategies", "random,margin,alamp-div", "--seeds", "2",
                   "--estimator", "svc", "--target", "0.3", "--out", str(out), *SMALL])
    assert status == 0
    text = capsys.readouterr().out
    assert "6 runs" in text
    assert "mean accuracy over seeds per round" in text
    assert "AUBC" in text and "F-acc" in text and "win-tie-loss" in text
    assert "Penalty matrix" in text and "Labels needed" in text
    for name in ("letter_learning_curves", "letter_class_distribution", "penalty_matrix"):
        png = out / f"{name}.png"
        assert png.stat().st_size > 10_000
        os.remove(png)
    assert len(list((out / "runs").glob("*.npz"))) == 6

    status = main(["plot", str(out)])
    assert status == 0
    text2 = capsys.readouterr().out
    assert "AUBC" in text2 and (out / "penalty_matrix.png").is_file()
    # the summary table is the same when re-drawn from disk
    table = text[text.index("accuracy: AUBC"):text.index("Penalty matrix")]
    assert table in text2


def test_bad_input(tmp_path, capsys):
    assert main(["run", "--strategies", "nope", *SMALL]) == 2
    assert "Unknown strategy 'nope'" in capsys.readouterr().err
    assert main(["plot", str(tmp_path)]) == 2
    assert "No finished runs" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", "--rounds", "x"])


def test_list(capsys):
    assert main(["list"]) == 0
    text = capsys.readouterr().out
    assert "alamp-div" in text and "svc" in text and "letter" in text


def test_killed_study_resumes_without_recomputing(tmp_path):
    """Kill the CLI mid-study, restart it: finished runs are kept as they are."""
    out = tmp_path / "res"
    args = ["run", "--strategies", "random,margin", "--seeds", "5", "--out", str(out),
            "--no-plot", *SMALL]
    repo = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(repo) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "skactive", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    runs = out / "runs"

    def finished_runs():  # pathlib's "*" also matches the hidden temporary files
        return {f.name: f.stat().st_mtime_ns for f in runs.glob("*.npz")
                if not f.name.startswith(".")}

    deadline = time.time() + 240  # generous: the machine may be loaded
    while time.time() < deadline and proc.poll() is None:
        if runs.is_dir() and len(finished_runs()) >= 2:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = finished_runs()
    assert finished, "no run finished before the kill"
    assert main(args) == 0
    after = finished_runs()
    assert len(after) == 10
    for name, mtime in finished.items():
        assert after[name] == mtime  # not recomputed
    assert not [f for f in runs.iterdir() if f.name.startswith(".")]  # no debris


def test_preprocessing_on_the_pool(tmp_path, capsys):
    """--preprocessing pool: the logreg pipeline's scaler is fitted on the pool
    (recorded in every run), and a labels study cannot resume it."""
    from skactive.experiments import ExperimentResults

    out = tmp_path / "res"
    args = ["run", "--strategies", "margin", "--seeds", "1", "--estimator", "logreg",
            "--no-plot", "--out", str(out), *SMALL]
    assert main([*args, "--preprocessing", "pool"]) == 0
    assert ExperimentResults.load(out).runs[0].meta["preprocessing"] == "pool"
    capsys.readouterr()
    assert main(args) == 2
    assert "preprocessing='pool'" in capsys.readouterr().err
