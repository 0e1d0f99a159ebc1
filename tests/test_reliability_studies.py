"""Reliability of studies and the CLI (issue 16): damaged run files and
``study.json`` are reported by name, moved aside and recomputed; writes are
atomic; a killed study resumes and its workers die with it; ``--seeds 0``,
one-strategy studies, image datasets and warnings in the CLI; the import
graph has no cycle and no file reaches 600 lines."""

import ast
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from skactive.__main__ import main
from skactive.base import BaseQueryStrategy
from skactive.datasets import load_letter
from skactive.experiments import ExperimentResults, run_experiments
from skactive.experiments._results import StudyFileError, StudyFileWarning
from skactive.strategies import RandomSampling

ROOT = Path(__file__).resolve().parents[1]
_X, _Y = load_letter(return_X_y=True)
DATA = {"letter": (_X[:300], _Y[:300], _X[-200:], _Y[-200:])}
STUDY = dict(seeds=2, n_rounds=1, budget=10, n_initial=60, progress=False)


def _study(out, strategies="random,margin", **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("always", StudyFileWarning)
        return run_experiments(DATA, strategies, "logreg", results_dir=out, **{**STUDY, **kw})


def _runs(out):
    return sorted(f for f in (Path(out) / "runs").glob("*.npz") if not f.name.startswith("."))


def _aubc(res):
    return {s: a.tolist() for s, a in res.aubc()["letter"].items()}


DAMAGE = {
    "truncated": lambda b: b[: len(b) // 3],
    "empty": lambda b: b"",
    "garbage": lambda b: b"not a run file " * 40,
    "zip_of_nothing": lambda b: b"PK\x03\x04" + b"\0" * 60,
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_run_file_named_moved_aside_recomputed(tmp_path, damage, capsys):
    out = tmp_path / "res"
    reference = _aubc(_study(out))
    bad = _runs(out)[1]
    bad.write_bytes(DAMAGE[damage](bad.read_bytes()))
    # loading (and `plot`) names the file
    with pytest.raises(StudyFileError, match=bad.name):
        ExperimentResults.load(out)
    assert main(["plot", str(out), "--no-plot"]) == 2
    assert str(bad) in capsys.readouterr().err
    # rerunning reports it, moves it aside and recomputes the same run
    with pytest.warns(StudyFileWarning, match=bad.name):
        res = _study(out)
    assert _aubc(res) == reference
    assert (bad.parent / (bad.name + ".corrupt")).is_file()
    assert len(_runs(out)) == 4 and len(ExperimentResults.load(out).runs) == 4


def test_damaged_study_json(tmp_path):
    out = tmp_path / "res"
    reference = _aubc(_study(out))
    study = out / "study.json"
    study.write_text(study.read_text()[:25])  # "Unterminated string ..."
    with pytest.warns(StudyFileWarning, match="study.json"):
        assert len(ExperimentResults.load(out).runs) == 4
    with pytest.warns(StudyFileWarning, match="study.json"):
        assert _aubc(_study(out)) == reference  # nothing recomputed or lost
    assert json.loads(study.read_text())["n_initial"] == 60
    assert (out / "study.json.corrupt").is_file()


def test_resume_refuses_runs_made_with_other_settings(tmp_path):
    out = tmp_path / "res"
    _study(out)
    (out / "study.json").unlink()  # only the run files know the settings now
    with pytest.raises(ValueError, match="budget"):
        _study(out, budget=11)


def test_writes_are_atomic_and_fsynced(tmp_path, monkeypatch):
    from skactive.experiments import _run
    from skactive.experiments._simulate import SimulationResult

    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(_run.os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    out = tmp_path / "res"
    _study(out, strategies="random", seeds=1)
    assert len(synced) >= 2  # the run file and study.json (plus the folder)

    def broken_save(self, fh):  # killed half-way through writing
        fh.write(b"PK\x03\x04 half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(SimulationResult, "save", broken_save)
    with pytest.raises(KeyboardInterrupt):
        _study(out, strategies="random", seeds=[0, 1])
    assert [f.name for f in (out / "runs").iterdir()] == ["letter__random__seed0.npz"]


class Slow(BaseQueryStrategy):
    """Random choice; in the killed study it first blocks its worker (60 s)."""

    def _query(self, X_pool, learner, budget, random_state):
        marker = os.environ.get("SKACTIVE_SLOW_MARKERS")
        if marker:
            Path(marker, str(os.getpid())).touch()
            time.sleep(60)
        return random_state.permutation(X_pool.shape[0])[:budget], None


_SCRIPT = textwrap.dedent('''
    import os, sys, time
    from pathlib import Path
    from skactive.base import BaseQueryStrategy
    from skactive.datasets import load_letter
    from skactive.experiments import run_experiments
    from skactive.strategies import RandomSampling

    class Slow(BaseQueryStrategy):
        def _query(self, X_pool, learner, budget, random_state):
            Path(os.environ["SKACTIVE_SLOW_MARKERS"], str(os.getpid())).touch()
            time.sleep(60)

    X, y = load_letter(return_X_y=True)
    data = {"letter": (X[:300], y[:300], X[-200:], y[-200:])}
    run_experiments(data, {"random": RandomSampling(), "slow": Slow()}, "logreg",
                    seeds=2, n_rounds=1, budget=10, n_initial=60, progress=False,
                    n_jobs=2, results_dir=sys.argv[1])
''')


def _dead(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return True
    return state in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killed_study_workers_exit_and_study_resumes(tmp_path):
    """Kill a study whose two workers are busy: they exit at once (not when
    their run ends), and the rerun keeps the finished runs."""
    out, markers = tmp_path / "res", tmp_path / "markers"
    markers.mkdir()
    env = dict(os.environ, SKACTIVE_SLOW_MARKERS=str(markers), OMP_NUM_THREADS="1",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               PYTHONWARNINGS="ignore")
    proc = subprocess.Popen([sys.executable, "-c", _SCRIPT, str(out)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 90
    while time.time() < deadline and proc.poll() is None and len(list(markers.iterdir())) < 2:
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
    workers = [int(p.name) for p in markers.iterdir()]
    assert len(workers) == 2, "both workers should be busy in the slow strategy"
    finished = {f.name: f.stat().st_mtime_ns for f in _runs(out)}
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    tic = time.time()
    while time.time() - tic < 10 and not all(_dead(pid) for pid in workers):
        time.sleep(0.05)
    alive = [pid for pid in workers if not _dead(pid)]
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    assert not alive, f"workers {alive} outlived the study"
    assert time.time() - tic < 5
    # resume: finished runs are kept untouched, the rest is computed
    res = _study(out, strategies={"random": RandomSampling(), "slow": Slow()})
    assert len(res.runs) == 4
    after = {f.name: f.stat().st_mtime_ns for f in _runs(out)}
    assert all(after[name] == mtime for name, mtime in finished.items())
    assert not [f for f in (out / "runs").iterdir() if f.name.startswith(".")]


# ------------------------------------------------------------ CLI
SMALL = ["--dataset", "letter", "--max-pool", "300", "--n-initial", "30", "--budget", "10",
         "--rounds", "1", "--n-jobs", "1", "--quiet", "--no-plot", "--estimator", "logreg"]


@pytest.mark.parametrize("seeds", ["0", "-2", "x", "1,1", "3-1"])
def test_cli_bad_seeds(seeds, capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--seeds", seeds, *SMALL])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--seeds" in err and "Traceback" not in err


def test_cli_one_strategy_study(tmp_path, capsys):
    out = tmp_path / "one"
    assert main(["run", "--strategies", "margin", "--seeds", "2", "--out", str(out), *SMALL]) == 0
    text = capsys.readouterr().out
    assert "AUBC" in text and "Penalty matrix" not in text
    assert len(_runs(out)) == 2
    assert main(["plot", str(out), "--no-plot"]) == 0


def test_cli_warnings_hidden_unless_verbose(capfd):
    # 30 labels of 26 letters: scikit-learn warns about the class count
    args = ["run", "--strategies", "random", "--seeds", "1", *SMALL]
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        assert main(args) == 0
    assert not shown and "Warning" not in capfd.readouterr().err
    with pytest.warns(UserWarning, match="unique classes"):
        assert main([*args, "--verbose"]) == 0


def test_cli_lists_image_estimators(capsys):
    assert main(["list"]) == 0
    text = capsys.readouterr().out
    assert "  mlp " in text and "  cnn " in text
    assert "mnist (images: --estimator cnn or mlp)" in text


def test_cli_image_dataset_needs_image_estimator(capsys):
    from tests._helpers import shared_data_path

    shared_data_path("mnist.npz")
    assert main(["run", "--dataset", "mnist", "--estimator", "svc", "--seeds", "1"]) == 2
    err = capsys.readouterr().err
    assert "images of shape (28, 28)" in err and "--estimator cnn or mlp" in err


def test_cli_mnist_with_mlp(capsys):
    pytest.importorskip("torch")
    from tests._helpers import shared_data_path

    shared_data_path("mnist.npz")
    args = ["run", "--dataset", "mnist", "--estimator", "mlp", "--strategies", "margin",
            "--seeds", "1", "--max-pool", "200", "--n-initial", "20", "--budget", "10",
            "--rounds", "1", "--n-jobs", "1", "--quiet", "--no-plot"]
    assert main(args) == 0
    assert "mnist" in capsys.readouterr().out


@pytest.mark.parametrize("shape", [(8, 8), (8, 8, 3), (3, 8, 8)])
def test_cnn_estimator_takes_images(shape):
    pytest.importorskip("torch")
    from skactive import ActiveLearner
    from skactive.experiments._image_estimators import image_cnn, set_image_geometry
    from skactive.strategies import Margin

    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(24, *shape)).astype(np.uint8)
    y = np.arange(24) % 2
    cnn = set_image_geometry(image_cnn(), shape).set_params(net__max_epochs=1)
    learner = ActiveLearner(cnn, Margin()).fit(X[:12], y[:12])
    assert np.unique(learner.query(X[12:], 3)).size == 3
    with pytest.raises(ValueError, match="square images"):
        set_image_geometry(image_cnn(), (8, 6))
# ------------------------------------------------------------ import graph
def _package(mod, path):
    return mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]


def _import_graph(package="skactive"):
    """Module -> imported skactive modules.

    Imports anywhere in a file count (a function-level import across packages
    still ties the layers together), except a function-level import of a
    module of the importer's own package (a registry filled on first use).
    Importing ``a.b.c`` also runs the packages ``a`` and ``a.b``, except the
    importer's own packages (already running when it runs).
    """
    root = ROOT / package
    mods = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    graph = {}
    for mod, path in mods.items():
        pkg = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
        own = {".".join(mod.split(".")[:k]) for k in range(1, mod.count(".") + 2)}
        tree = ast.parse(path.read_text())
        top = set()
        stack = list(tree.body)
        while stack:  # imports that run when the module is imported
            node = stack.pop()
            top.add(node)
            if isinstance(node, (ast.If, ast.Try)):
                stack.extend(node.body + node.orelse + getattr(node, "finalbody", []))
                for handler in getattr(node, "handlers", []):
                    stack.extend(handler.body)
        deps = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = pkg[: len(pkg) - node.level + 1] if node.level else []
                name = ".".join(base + ([node.module] if node.module else []))
                targets = [name] + [f"{name}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for t in targets:
                if t not in mods:
                    continue
                if node not in top and _package(t, mods[t]) == _package(mod, path):
                    continue  # lazy import inside the package
                parts = t.split(".")
                deps.update(".".join(parts[:k]) for k in range(1, len(parts) + 1))
        graph[mod] = deps - own
    return graph


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle():
    """The layers import downwards only: utils -> base -> strategies ->
    ActiveLearner -> neural transfer / experiments / estimator_checks."""
    cycles = _cycles(_import_graph())
    assert not cycles, f"import cycles: {cycles}"


def test_cycle_detector_finds_cycles():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_files_under_600_lines():
    long = {str(p.relative_to(ROOT)): n for p in list((ROOT / "skactive").rglob("*.py"))
            + list((ROOT / "tests").rglob("*.py"))
            if (n := len(p.read_text().splitlines())) >= 600}
    assert not long, f"files of 600 lines or more: {long}"
