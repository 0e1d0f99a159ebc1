"""``python -m skactive label POOL.csv``: the CSV labelling loop."""

import csv
import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_diabetes

from skactive.__main__ import main
from skactive.datasets import load_letter

LETTERS = "ABCD"


def _write(path, header, rows):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def _read(path):
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


@pytest.fixture()
def letter_pool(tmp_path):
    """A CSV of 300 letters A-D: an id column, 16 features, a 'letter' target
    filled for 8 rows (2 per class); the true labels are returned apart."""
    X, y = load_letter(return_X_y=True)
    keep = np.flatnonzero(y < 4)[:300]
    X, y = X[keep], y[keep]
    truth = np.array([LETTERS[c] for c in y])
    start = np.concatenate([np.flatnonzero(y == c)[:2] for c in range(4)])
    header = ["id"] + [f"f{i}" for i in range(16)] + ["letter"]
    rows = [
        [f"s{k}"] + [str(int(v)) for v in X[k]] + [truth[k] if k in start else ""]
        for k in range(300)
    ]
    path = tmp_path / "pool.csv"
    _write(path, header, rows)
    return path, truth


def _fill(path, next_path, truth, target="letter"):
    """The person: fill the target of the rows listed in NEXT.csv."""
    header, rows = _read(path)
    t = header.index(target)
    next_header, next_rows = _read(next_path)
    assert next_header == ["row"] + header
    for r in next_rows:
        k = int(r[0])
        assert r[1:] == rows[k]  # the original columns, unchanged
        assert rows[k][t] == ""  # never a labelled row
        rows[k][t] = str(truth[k])
    _write(path, header, rows)
    return [int(r[0]) for r in next_rows]


def test_loop_on_a_csv(letter_pool, tmp_path, capsys):
    path, truth = letter_pool
    out = tmp_path / "next.csv"
    args = ["label", str(path), "--target", "letter", "--budget", "10", "--drop", "id",
            "--out", str(out)]
    picked = []
    for round_ in range(4):
        assert main(args) == 0
        text = capsys.readouterr().out
        assert f"{8 + 10 * round_} labelled" in text
        assert "labelled per class: A " in text
        picked += _fill(path, out, truth)
    assert len(set(picked)) == 40
    assert "cross-validated (5-fold) accuracy:" in text
    acc = float(text.split("accuracy: ")[1].split(" ")[0])
    assert acc > 0.7
    # the labels written by the loop are the truth
    header, rows = _read(path)
    labelled = [k for k, r in enumerate(rows) if r[-1]]
    assert len(labelled) == 48
    assert all(rows[k][-1] == truth[k] for k in labelled)


def test_same_labels_same_picks_and_default_out(letter_pool):
    path, _ = letter_pool
    assert main(["label", str(path), "--target", "letter", "--budget", "7",
                 "--drop", "id", "--strategy", "random"]) == 0
    default_out = path.with_name("pool.next.csv")
    first = _read(default_out)[1]
    assert main(["label", str(path), "--target", "letter", "--budget", "7",
                 "--drop", "id", "--strategy", "random"]) == 0
    assert _read(default_out)[1] == first
    assert main(["label", str(path), "--target", "letter", "--budget", "7", "--drop", "id",
                 "--strategy", "random", "--random-state", "1"]) == 0
    assert _read(default_out)[1] != first


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--target", "label"], "no column 'label' in pool.csv; columns: id, f0"),
        (["--target", "letter"], "column 'id' is not numeric"),
        (["--target", "letter", "--drop", "id,nope"], "--drop names unknown columns"),
        (["--target", "letter", "--drop", "id", "--strategy", "nope"], "Unknown strategy"),
        (["--target", "letter", "--drop", "id", "--estimator", "ridge"], "must hold numbers"),
        (["--target", "letter", "--drop", "id", "--budget", "500"], "larger than the 292"),
        (["--target", "letter", "--drop", "id", "--strategy", "gsy"], "regression strategy"),
    ],
)
def test_one_line_errors(letter_pool, capsys, extra, message):
    path, _ = letter_pool
    argv = ["label", str(path), "--budget", "5"] + extra
    if "--budget" in extra:
        argv = ["label", str(path)] + extra
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_empty_labelled_set_and_nothing_left(tmp_path, capsys):
    header = ["a", "b", "y"]
    path = tmp_path / "p.csv"
    _write(path, header, [["1", "2", ""], ["3", "4", ""]])
    assert main(["label", str(path), "--target", "y", "--budget", "1"]) == 2
    err = capsys.readouterr().err
    assert "no labelled rows in p.csv" in err and len(err.strip().splitlines()) == 1
    _write(path, header, [["1", "2", "x"], ["3", "4", "z"]])
    assert main(["label", str(path), "--target", "y", "--budget", "1"]) == 2
    err = capsys.readouterr().err
    assert "nothing left to label" in err and len(err.strip().splitlines()) == 1
    assert main(["label", str(tmp_path / "absent.csv"), "--target", "y", "--budget", "1"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_single_class_so_far_gives_random_rows(tmp_path, capsys):
    rng = np.random.RandomState(0)
    rows = [[f"{v:.3f}" for v in rng.randn(2)] + ["yes" if k < 3 else ""] for k in range(30)]
    path = tmp_path / "p.csv"
    _write(path, ["a", "b", "y"], rows)
    assert main(["label", str(path), "--target", "y", "--budget", "4"]) == 0
    out = capsys.readouterr().out
    assert "only one class is labelled so far" in out
    next_rows = _read(path.with_name("p.next.csv"))[1]
    assert all(int(r[0]) >= 3 for r in next_rows) and len(next_rows) == 4


def test_regression_loop_with_missing_features(tmp_path, capsys):
    X, y = load_diabetes(return_X_y=True)
    X, y = X[:200], y[:200]
    header = [f"x{i}" for i in range(10)] + ["target"]
    rows = []
    for k in range(200):
        feats = [f"{v:.6f}" for v in X[k]]
        if k % 17 == 0:
            feats[3] = ""  # missing cells: the CLI imputes them
        rows.append(feats + [f"{y[k]:.1f}" if k < 10 else ""])
    path = tmp_path / "reg.csv"
    _write(path, header, rows)
    for _ in range(3):
        assert main(["label", str(path), "--target", "target", "--budget", "10",
                     "--estimator", "ridge"]) == 0
        _fill(path, path.with_name("reg.next.csv"), [f"{v:.1f}" for v in y], "target")
    text = capsys.readouterr().out
    assert "cross-validated (5-fold) R²:" in text and "RMSE:" in text
    assert "(ImprovedGreedySampling)" in text
    assert "labelled targets: min" in text
    assert main(["label", str(path), "--target", "target", "--budget", "3",
                 "--task", "regression", "--strategy", "gsx"]) == 0
    assert "40 labelled" in capsys.readouterr().out


def test_python_dash_m_entry_point(letter_pool):
    path, _ = letter_pool
    ok = subprocess.run(
        [sys.executable, "-m", "skactive", "label", str(path), "--target", "letter",
         "--budget", "3", "--drop", "id", "--cv", "0"],
        capture_output=True, text=True, timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert "wrote 3 rows to label (Margin)" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "skactive", "label", str(path), "--target", "nope",
         "--budget", "3"],
        capture_output=True, text=True, timeout=120,
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: no column 'nope'") and "Traceback" not in bad.stderr
