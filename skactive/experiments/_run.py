"""Grids of simulated runs (datasets x strategies x seeds), in parallel and
resumable."""

import hashlib
import json
import os
import re
import threading
import time
import warnings
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed, parallel_config
from sklearn.base import clone

from .._learner import ActiveLearner
from ..stopping._loop import criteria_from_spec, criteria_spec
from ..utils._preprocessing import freeze_preprocessing
from ._registry import get_estimator, get_strategy
from ._results import (
    RUNS_DIR,
    STUDY_FILE,
    ExperimentResults,
    StudyFileError,
    StudyFileWarning,
    load_run,
    move_aside,
    read_study,
)
from ._simulate import simulate

__all__ = ["run_experiments"]


# ----------------------------------------------------------------- inputs
def _as_datasets(datasets, data_home, max_pool, random_state):
    """Normalise to {name: (X_pool, y_pool, X_test, y_test)}."""
    from ..datasets import load_dataset

    if isinstance(datasets, str):
        datasets = [d for d in datasets.split(",") if d]
    if isinstance(datasets, (list, tuple)):
        out = {}
        for name in datasets:
            if not isinstance(name, str):
                raise ValueError(
                    "datasets given as a list must hold dataset names; pass a dict "
                    "{name: (X_pool, y_pool, X_test, y_test)} for arrays."
                )
            d = load_dataset(name, data_home=data_home)
            out[d.name] = (d.X_train, d.y_train, d.X_test, d.y_test)
        datasets = out
    if not isinstance(datasets, dict) or not datasets:
        raise ValueError(
            "datasets must be a name, a list of names or a non-empty dict "
            f"{{name: (X_pool, y_pool, X_test, y_test)}}, got {datasets!r}."
        )
    out = {}
    for name, arrays in datasets.items():
        if isinstance(arrays, str):
            d = load_dataset(arrays, data_home=data_home)
            arrays = (d.X_train, d.y_train, d.X_test, d.y_test)
        if not isinstance(arrays, (tuple, list)) or len(arrays) != 4:
            raise ValueError(
                f"datasets[{name!r}] must be a tuple (X_pool, y_pool, X_test, y_test)."
            )
        X_pool, y_pool, X_test, y_test = arrays
        if max_pool is not None and X_pool.shape[0] > max_pool:
            keep = np.sort(
                np.random.RandomState(random_state).permutation(X_pool.shape[0])[:max_pool]
            )
            X_pool, y_pool = X_pool[keep], np.asarray(y_pool)[keep]
        out[str(name)] = (X_pool, np.asarray(y_pool), X_test, np.asarray(y_test))
    return out


def _as_strategies(strategies):
    """Normalise to {name: unfitted strategy}."""
    if isinstance(strategies, str):
        strategies = [s for s in strategies.split(",") if s]
    if isinstance(strategies, (list, tuple)):
        out = {}
        for s in strategies:
            if isinstance(s, str):
                out[s.strip().lower()] = get_strategy(s)
            else:
                out[type(s).__name__] = s
        strategies = out
    if not isinstance(strategies, dict) or not strategies:
        raise ValueError(
            "strategies must be a comma-separated string, a list of names or "
            f"strategies, or a dict {{name: strategy}}, got {strategies!r}."
        )
    return {
        str(k): (get_strategy(v) if isinstance(v, str) else v)
        for k, v in strategies.items()
    }


def _as_seeds(seeds):
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ValueError(f"seeds, as a count, must be >= 1, got {seeds}.")
        return list(range(int(seeds)))
    seeds = [int(s) for s in seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be non-empty and unique, got {seeds}.")
    return seeds


def _safe(name):
    return re.sub(r"[^A-Za-z0-9.+-]+", "_", str(name))


def _run_path(results_dir, dataset, strategy, seed):
    return Path(results_dir) / RUNS_DIR / f"{_safe(dataset)}__{_safe(strategy)}__seed{seed}.npz"


def _fingerprint(X_pool, y_pool, X_test, y_test):
    """Cheap content hash, so that resumed runs use the same data."""
    h = hashlib.sha1()
    for a in (X_pool, y_pool, X_test, y_test):
        a = np.ascontiguousarray(np.asarray(a))
        h.update(str((a.shape, a.dtype)).encode())
        h.update(a[:: max(1, a.shape[0] // 256)].tobytes())
    return h.hexdigest()[:16]


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _remove_stale_tmp(folder):
    """Remove temporary files left by a study killed while saving a run."""
    for f in Path(folder).glob(".*.tmp.*"):
        parts = f.name.split(".")
        pid = int(parts[-3]) if len(parts) >= 4 and parts[-3].isdigit() else None
        if pid is None or not _pid_alive(pid):
            try:
                f.unlink()
            except OSError:
                pass


# ----------------------------------------------------------------- file I/O
def _fsync_dir(folder):
    """Make a rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_atomic(path, write, suffix):
    """Write ``path`` through a temporary file in the same folder: ``write(fh)``
    fills it, it is flushed and fsync-ed, then renamed over ``path``. A killed
    process leaves either the old file or the new one, never half a file."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{suffix}")
    try:
        with open(tmp, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
    _fsync_dir(path.parent)


def _save_run(result, path):
    _write_atomic(path, result.save, ".npz")


# ----------------------------------------------------------------- workers
_WATCHDOG = []


def _exit_with_parent(parent_pid):
    """In a worker process of a study, exit as soon as the study process dies.

    joblib's loky workers otherwise finish their current run (and idle) after
    the parent is killed. Only processes whose parent *is* the study process
    are watched (not the study process itself, nor dask workers elsewhere).
    """
    if _WATCHDOG or os.getpid() == parent_pid or os.getppid() != parent_pid:
        return

    def watch():
        while True:
            time.sleep(0.2)
            if os.getppid() != parent_pid:  # re-parented: the study process died
                os._exit(1)

    thread = threading.Thread(target=watch, name="skactive-exit-with-parent", daemon=True)
    thread.start()
    _WATCHDOG.append(thread)


def _one_run(learner, data, meta, settings, path, parent_pid=None):
    if parent_pid is not None:
        _exit_with_parent(parent_pid)
    X_pool, y_pool, X_test, y_test = data
    result = simulate(
        learner,
        X_pool,
        y_pool,
        X_test,
        y_test,
        n_initial=settings["n_initial"],
        budget=settings["budget"],
        n_rounds=settings["n_rounds"],
        initial=settings["initial"],
        stopping=criteria_from_spec(settings.get("stopping")),
        stop_early=settings.get("stop_early", False),
        random_state=meta["seed"],
        meta=meta,
    )
    if path is not None:  # atomic: a killed study never leaves a half-written file
        _save_run(result, path)
    return result


def _progress(total, progress, desc):
    if progress is False:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError as exc:
        if progress == "auto":
            return None
        raise ImportError(
            "progress=True requires tqdm; install it with "
            "`pip install skactive[experiments]` or `pip install tqdm`."
        ) from exc
    return tqdm(total=total, desc=desc, unit="run")


def run_experiments(
    datasets,
    strategies,
    estimator=None,
    *,
    seeds=5,
    n_rounds=10,
    budget=100,
    n_initial=100,
    initial="random",
    stopping=None,
    stop_early=False,
    n_jobs=None,
    backend=None,
    results_dir=None,
    max_pool=None,
    data_home=None,
    preprocessing="labels",
    progress="auto",
    verbose=0,
):
    """Run every (dataset, strategy, seed) simulation, in parallel.

    Each run is :func:`simulate` with an :class:`~skactive.ActiveLearner` made
    of a clone of ``estimator`` and of the strategy. The seed draws the
    initial labelled set -- the same for every strategy, so seeds are paired
    across strategies -- and seeds the strategy and the estimator.

    Runs go through :class:`joblib.Parallel`, so any joblib backend works:
    ``"loky"`` (default), ``"threading"``, or ``"dask"`` to use a
    ``distributed.Client`` and move a study to a cluster (the workers then
    need ``results_dir`` on a shared file system).

    With ``results_dir``, each finished run is written at once to
    ``results_dir/runs/<dataset>__<strategy>__seed<k>.npz`` (written to a
    temporary file, fsync-ed, then renamed: never half-written), and a
    restarted call loads the finished runs instead of recomputing them: a
    killed study resumes with nothing lost. A run file that cannot be read
    (e.g. damaged by a disk problem) is reported by name in a
    ``StudyFileWarning``, renamed to ``<name>.npz.corrupt`` and recomputed.
    ``results_dir/study.json`` keeps the settings; resuming with other
    settings raises a ``ValueError`` (an unreadable ``study.json`` is moved
    aside the same way; the run files keep their own settings). Worker
    processes exit as soon as the calling process dies.

    Parameters
    ----------
    datasets : str, list of str or dict
        Dataset names for :func:`skactive.datasets.load_dataset` (official
        train/test split; train = pool), or ``{name: (X_pool, y_pool,
        X_test, y_test)}``.
    strategies : str, list or dict
        Registry names (``"random,margin,alamp,alamp-div"``, see
        :func:`available_strategies`), strategy instances, or
        ``{name: strategy}``.
    estimator : classifier or str, default=None
        Classifier (or name for :func:`get_estimator`); ``None`` = ``SVC()``.
    seeds : int or iterable of int, default=5
        ``5`` means seeds 0..4.
    n_rounds, budget, n_initial, initial
        See :func:`simulate` (``budget`` is per round).
    stopping : criterion, str, list or dict, default=None
        Stopping criteria (:mod:`skactive.stopping`), run in every simulation,
        see :func:`simulate`; each run's ``meta["stop_rounds"]`` says where
        each stopped, the learning-curve figure marks it and the CLI prints it.
        Their parameters are stored with the study (JSON).
    stop_early : bool, default=False
        End each run at its first stop. The default only records the stop
        rounds, so that all curves cover the same rounds; with True, the
        curves of runs that stopped are extended with their last value (the
        model no longer changes) when strategies are compared.
    n_jobs : int, default=None
        Parallel runs (``-1``: all cores); see :class:`joblib.Parallel`.
    backend : str, default=None
        joblib backend; ``None`` uses the active one (e.g. inside
        ``joblib.parallel_config(backend="dask")``).
    results_dir : str or path-like, default=None
        Where to store runs (resumable).
    max_pool : int, default=None
        Keep this many random pool samples per dataset (fixed subsample).
    data_home : str, default=None
        Passed to :func:`~skactive.datasets.load_dataset`.
    preprocessing : {"labels", "pool"}, default="labels"
        Where the estimator's label-free preprocessing (the leading scalers,
        imputers, ... of a pipeline) is fitted: ``"labels"`` refits it with
        the model on the labelled set at every round (a plain pipeline);
        ``"pool"`` fits it once on each dataset's pool and freezes it
        (:func:`~skactive.utils.freeze_preprocessing`), which keeps a scaler
        from being estimated on a few labels.
    progress : bool or "auto", default="auto"
        tqdm progress bar over runs ("auto": if tqdm is installed).
    verbose : int, default=0
        joblib verbosity.

    Returns
    -------
    results : ExperimentResults

    Examples
    --------
    >>> from skactive.datasets import load_letter
    >>> from skactive.experiments import run_experiments
    >>> X, y = load_letter(return_X_y=True)
    >>> data = {"letter": (X[:1000], y[:1000], X[-500:], y[-500:])}
    >>> res = run_experiments(data, "random,margin", "svc", seeds=2,
    ...                       n_rounds=2, budget=40, n_initial=100,
    ...                       progress=False)
    >>> len(res.runs)
    4
    >>> sorted(res.aubc()["letter"])
    ['margin', 'random']
    """
    if isinstance(estimator, str):
        estimator = get_estimator(estimator)
    elif estimator is None:
        estimator = get_estimator("svc")
    if not hasattr(estimator, "fit"):
        raise ValueError(f"estimator must be a classifier or a name, got {estimator!r}.")
    if progress not in (True, False, "auto"):
        raise ValueError(f"progress must be True, False or 'auto', got {progress!r}.")
    seeds = _as_seeds(seeds)
    strategies = _as_strategies(strategies)
    data = _as_datasets(datasets, data_home, max_pool, random_state=0)
    if isinstance(initial, str):
        init_setting = initial
        if initial not in ("random", "balanced"):
            from ._simulate import initial_strategy

            initial_strategy(initial)  # a model-free strategy name, else ValueError
    else:
        raise ValueError(
            "initial must be 'random', 'balanced' or a model-free strategy name "
            "(e.g. 'typiclust') in run_experiments (pool indices differ per dataset)."
        )
    settings = {
        "n_initial": int(n_initial),
        "budget": int(budget),
        "n_rounds": int(n_rounds),
        "initial": init_setting,
    }
    if preprocessing not in ("labels", "pool"):
        raise ValueError(f"preprocessing must be 'labels' or 'pool', got {preprocessing!r}.")
    if preprocessing == "pool":  # recorded only when set: older studies resume unchanged
        settings["preprocessing"] = "pool"
    if stopping is not None:
        settings["stopping"] = criteria_spec(stopping)
        settings["stop_early"] = bool(stop_early)
    # validate the settings once, on the smallest pool, before any work
    for name, (X_pool, *_rest) in data.items():
        need = settings["n_initial"] + settings["n_rounds"] * settings["budget"]
        if need > X_pool.shape[0]:
            raise ValueError(
                f"n_initial + n_rounds * budget = {need} exceeds the pool size "
                f"{X_pool.shape[0]} of dataset {name!r}."
            )
    fingerprints = {name: _fingerprint(*arrays) for name, arrays in data.items()}
    study = dict(settings, estimator=repr(estimator), datasets=fingerprints,
                 strategies=list(strategies))

    # a frozen step survives clone(): fitted once per dataset, shared by its runs
    estimators = {name: freeze_preprocessing(estimator, X_pool) if preprocessing == "pool"
                  else estimator for name, (X_pool, *_rest) in data.items()}
    done, todo = [], []
    if results_dir is not None:
        results_dir = Path(results_dir)
        (results_dir / RUNS_DIR).mkdir(parents=True, exist_ok=True)
        _remove_stale_tmp(results_dir / RUNS_DIR)
        _remove_stale_tmp(results_dir)
        _check_study(results_dir, study)
    for dname in data:
        for sname, strategy in strategies.items():
            for seed in seeds:
                meta = dict(
                    settings,
                    dataset=dname,
                    strategy=sname,
                    seed=seed,
                    estimator=repr(estimator),
                    strategy_repr=repr(strategy),
                    fingerprint=fingerprints[dname],
                )
                path = None
                if results_dir is not None:
                    path = _run_path(results_dir, dname, sname, seed)
                    old = _load_finished(path, meta) if path.is_file() else None
                    if old is not None:
                        done.append(old)
                        continue
                learner = ActiveLearner(clone(estimators[dname]), clone(strategy))
                todo.append((learner, dname, meta, path))

    bar = _progress(len(todo) + len(done), progress, "runs") if todo else None
    if bar is not None:
        bar.update(len(done))
    new = []
    if todo:
        tasks = (
            delayed(_one_run)(learner, data[dname], meta, settings, path, os.getpid())
            for learner, dname, meta, path in todo
        )
        config = {} if backend is None else {"backend": backend}
        with parallel_config(**config):
            parallel = Parallel(n_jobs=n_jobs, verbose=verbose, return_as="generator")
            for result in parallel(tasks):
                new.append(result)
                if bar is not None:
                    bar.update(1)
    if bar is not None:
        bar.close()
    runs = sorted(done + new, key=lambda r: (list(data).index(r.meta["dataset"]),
                                            list(strategies).index(r.meta["strategy"]),
                                            r.meta["seed"]))
    return ExperimentResults(runs, settings=settings)


def _load_finished(path, meta):
    """The stored run at ``path``, or None (then it is recomputed) when the
    file cannot be read: it is reported by name and moved aside."""
    try:
        old = load_run(path)
    except StudyFileError as exc:
        moved = move_aside(path)
        warnings.warn(f"Run file {path} cannot be read ({exc.reason}): moved to "
                      f"{moved.name}; recomputing this run.", StudyFileWarning, stacklevel=3)
        return None
    for key in ("n_initial", "budget", "n_rounds", "initial", "estimator",
                "fingerprint", "strategy_repr"):
        if key in old.meta and old.meta[key] != meta[key]:
            raise ValueError(
                f"{path} was made with {key}={old.meta[key]!r}, but this call uses "
                f"{key}={meta[key]!r} (strategy {meta['strategy']!r}); use another "
                "results_dir or the same settings to resume."
            )
    return old


def _check_study(results_dir, study):
    path = results_dir / STUDY_FILE
    old = None
    if path.is_file():
        try:
            old = read_study(path)
        except StudyFileError as exc:  # the run files still hold their settings
            moved = move_aside(path)
            warnings.warn(f"Study file {path} cannot be read ({exc.reason}): moved to "
                          f"{moved.name}; writing a new one (the run files keep their "
                          "settings).", StudyFileWarning, stacklevel=3)
    if old is not None:
        for key in ("n_initial", "budget", "n_rounds", "initial", "estimator",
                    "preprocessing"):
            if old.get(key) != study.get(key):
                raise ValueError(
                    f"{results_dir} holds a study with {key}={old.get(key)!r}, but "
                    f"this call uses {key}={study.get(key)!r}. Use another results_dir "
                    "or the same settings to resume."
                )
        for name, fp in study["datasets"].items():
            if name in old.get("datasets", {}) and old["datasets"][name] != fp:
                raise ValueError(
                    f"Dataset {name!r} differs from the one stored in {results_dir}; "
                    "use another results_dir."
                )
        merged = dict(old)
        merged["datasets"] = {**old.get("datasets", {}), **study["datasets"]}
        merged["strategies"] = list(dict.fromkeys(old.get("strategies", [])
                                                  + study["strategies"]))
    else:
        merged = study
    text = json.dumps(merged, indent=2, sort_keys=True).encode()
    _write_atomic(path, lambda fh: fh.write(text), ".json")


# ----------------------------------------------------------------- results
