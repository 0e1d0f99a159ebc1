"""The results of a study: curves per (dataset, strategy, seed) and the metrics
that compare strategies."""

import json
import os
import warnings
from pathlib import Path

import numpy as np

from ._metrics import (
    aubc,
    final_accuracy,
    labels_to_target,
    penalty_matrix,
    win_tie_loss,
)
from ._multilabel_metrics import greater_is_better, oriented
from ._simulate import METRICS, SimulationResult

__all__ = ["ExperimentResults", "StudyFileError", "StudyFileWarning"]

#: Layout of a results folder: one file per run under ``runs/``, the study's
#: settings in ``study.json``.
RUNS_DIR = "runs"
STUDY_FILE = "study.json"
#: Suffix of unreadable files moved aside by :func:`move_aside`.
BAD_SUFFIX = ".corrupt"


class StudyFileError(ValueError):
    """A file of a results folder (a run file or ``study.json``) cannot be read.

    The message names the file and what to do; ``path`` holds it.

    Examples
    --------
    >>> from skactive.experiments._results import StudyFileError
    >>> issubclass(StudyFileError, ValueError)
    True
    """

    def __init__(self, message, path=None, reason=None):
        super().__init__(message)
        self.path = path
        self.reason = reason


class StudyFileWarning(UserWarning):
    """An unreadable file of a results folder was moved aside (and its run is
    recomputed)."""


def load_run(path):
    """Read one run file, raising :class:`StudyFileError` naming it when it
    is truncated, empty, not a run file or from an incompatible version.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from skactive.experiments._results import load_run
    >>> bad = pathlib.Path(tempfile.mkdtemp()) / "x.npz"
    >>> _ = bad.write_bytes(b"")
    >>> load_run(bad)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    skactive.experiments._results.StudyFileError: Run file .../x.npz cannot be read ...
    """
    with open(path, "rb") as fh:  # FileNotFoundError passes through
        head = fh.read(4)
        fh.seek(0)
        try:
            if not head:
                raise EOFError("empty file")
            if head != b"PK\x03\x04":  # every .npz is a zip archive
                raise ValueError("not an .npz archive")
            return SimulationResult.load(fh)
        except Exception as exc:  # zipfile.BadZipFile, EOFError, KeyError, ...
            if not head:
                reason = "it is empty"
            elif head != b"PK\x03\x04":
                reason = "it is not a NumPy .npz archive"
            else:
                reason = f"{type(exc).__name__}: {exc}"
    raise StudyFileError(
        f"Run file {path} cannot be read ({reason}). Rerunning the study "
        "(run_experiments with the same results_dir, or `python -m skactive run "
        "... --out DIR`) moves it aside and recomputes that run.",
        path,
        reason,
    )


def read_study(path):
    """Read ``study.json``; :class:`StudyFileError` naming it if unreadable."""
    try:
        with open(path) as fh:
            study = json.load(fh)
        if not isinstance(study, dict):
            raise ValueError(f"expected a JSON object, got {type(study).__name__}")
        return study
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
        raise StudyFileError(
            f"Study file {path} cannot be read ({reason}); a rerun of the study "
            "moves it aside and writes a new one.",
            path,
            reason,
        ) from None


def move_aside(path):
    """Rename an unreadable file to ``<name>.corrupt`` (``.corrupt.1``, ... if
    taken) so that it is kept for inspection but never read again; return the
    new path."""
    path = Path(path)
    target = path.with_name(path.name + BAD_SUFFIX)
    k = 0
    while target.exists():
        k += 1
        target = path.with_name(f"{path.name}{BAD_SUFFIX}.{k}")
    os.replace(path, target)
    return target


def _padded(curves, metric, width):
    """Curves as one array, shorter ones (runs stopped early) extended to
    ``width`` with their last value (0 for times)."""
    out = np.empty((len(curves), width))
    for i, c in enumerate(curves):
        c = np.asarray(c, dtype=float)
        out[i, : len(c)] = c
        out[i, len(c):] = 0.0 if metric.endswith("_time") else c[-1]
    return out


class ExperimentResults:
    """The runs of a study and the metrics that compare their strategies.

    Parameters
    ----------
    runs : list of SimulationResult
        Each with ``meta`` holding ``dataset``, ``strategy`` and ``seed``.
    settings : dict, default=None

    Attributes
    ----------
    runs : list of SimulationResult
    datasets, strategies : list of str
        In first-seen order.

    Examples
    --------
    >>> from skactive.datasets import load_letter
    >>> from skactive.experiments import run_experiments
    >>> X, y = load_letter(return_X_y=True)
    >>> res = run_experiments({"letter": (X[:1000], y[:1000], X[-500:], y[-500:])},
    ...                       "random,margin", "svc", seeds=3, n_rounds=2,
    ...                       budget=40, n_initial=100, progress=False)
    >>> res.curves("letter")["margin"].shape  # (seeds, rounds + 1)
    (3, 3)
    >>> P, names = res.penalty_matrix()
    >>> P.shape
    (2, 2)
    """

    def __init__(self, runs, settings=None):
        self.runs = list(runs)
        if not self.runs:
            raise ValueError("ExperimentResults needs at least one run.")
        self.settings = dict(settings or {})
        self.datasets = list(dict.fromkeys(r.meta["dataset"] for r in self.runs))
        self.strategies = list(dict.fromkeys(r.meta["strategy"] for r in self.runs))

    def __repr__(self):
        return (
            f"ExperimentResults(n_runs={len(self.runs)}, datasets={self.datasets}, "
            f"strategies={self.strategies})"
        )

    @classmethod
    def load(cls, results_dir):
        """Read every run stored under ``results_dir``.

        A run file that cannot be read (truncated, empty, not a run file)
        raises :class:`StudyFileError` naming it; rerunning the study moves
        it aside and recomputes it. An unreadable ``study.json`` only warns
        (:class:`StudyFileWarning`): the runs hold their own settings.

        Examples
        --------
        >>> import tempfile
        >>> from skactive.datasets import load_letter
        >>> from skactive.experiments import ExperimentResults, run_experiments
        >>> X, y = load_letter(return_X_y=True)
        >>> out = tempfile.mkdtemp()
        >>> _ = run_experiments({"l": (X[:600], y[:600], X[-300:], y[-300:])},
        ...                     "random", "svc", seeds=1, n_rounds=1, budget=20,
        ...                     n_initial=100, results_dir=out, progress=False)
        >>> len(ExperimentResults.load(out).runs)
        1
        """
        folder = Path(results_dir) / RUNS_DIR
        files = sorted(folder.glob("*.npz")) if folder.is_dir() else []
        files = [f for f in files if not f.name.startswith(".")]
        if not files:
            raise ValueError(f"No finished runs found in {folder}.")
        settings = {}
        study = Path(results_dir) / STUDY_FILE
        if study.is_file():
            try:
                settings = read_study(study)
            except StudyFileError as exc:  # the runs alone are enough to report
                warnings.warn(str(exc), StudyFileWarning, stacklevel=2)
        runs = [load_run(f) for f in files]
        order = {name: k for k, name in enumerate(settings.get("strategies", []))}
        runs.sort(key=lambda r: (order.get(r.meta["strategy"], len(order)),
                                 r.meta["strategy"], r.meta["dataset"], r.meta["seed"]))
        return cls(runs, settings=settings)

    def _select(self, dataset, strategy=None):
        runs = [r for r in self.runs if r.meta["dataset"] == dataset]
        if strategy is not None:
            runs = [r for r in runs if r.meta["strategy"] == strategy]
        return sorted(runs, key=lambda r: r.meta["seed"])

    def _dataset(self, dataset):
        if dataset is None:
            return self.datasets[0]
        if dataset not in self.datasets:
            raise ValueError(f"Unknown dataset {dataset!r}; have {self.datasets}.")
        return dataset

    def n_labels(self, dataset=None):
        """Label counts of the rounds of ``dataset`` (default: the first)."""
        runs = self._select(self._dataset(dataset))
        return max((r.n_labels for r in runs), key=len)  # runs stopped early are shorter

    def curves(self, dataset=None, metric="accuracy"):
        """``{strategy: array (n_seeds, n_rounds + 1)}`` for one dataset.

        Only seeds finished by every strategy are kept (paired seeds). Runs
        that a stopping criterion ended early are extended with their last
        value (0 for times) up to the longest run: the model no longer changes.
        """
        if metric not in METRICS + ("query_time", "fit_time"):
            raise ValueError(f"metric must be one of {METRICS}, got {metric!r}.")
        dataset = self._dataset(dataset)
        by_strategy = {s: {r.meta["seed"]: r for r in self._select(dataset, s)}
                       for s in self.strategies}
        by_strategy = {s: runs for s, runs in by_strategy.items() if runs}
        common = sorted(set.intersection(*(set(v) for v in by_strategy.values())))
        return {
            s: _padded([getattr(runs[k], metric) for k in common], metric,
                       max((len(r.n_labels) for r in self._select(dataset)), default=0))
            for s, runs in by_strategy.items()
        }

    def aubc(self, metric="accuracy"):
        """``{dataset: {strategy: AUBC per seed (ndarray)}}``, see :func:`aubc`."""
        return {
            d: {s: aubc(self.n_labels(d), c) for s, c in self.curves(d, metric).items()}
            for d in self.datasets
        }

    def final_accuracy(self, metric="accuracy"):
        """``{dataset: {strategy: F-acc per seed}}``, see :func:`final_accuracy`."""
        return {
            d: {s: final_accuracy(c) for s, c in self.curves(d, metric).items()}
            for d in self.datasets
        }

    def labels_to_target(self, target, metric="accuracy"):
        """``{dataset: {strategy: labels}}`` for the mean curve over seeds.

        For an error metric (``rmse``, ``mae``, ``hamming_loss``) the target
        is reached when the mean curve falls to ``target`` or below.
        """
        sign = 1.0 if greater_is_better(metric) else -1.0
        return {
            d: {
                s: labels_to_target(self.n_labels(d), sign * c.mean(axis=0), sign * target)
                for s, c in self.curves(d, metric).items()
            }
            for d in self.datasets
        }

    def penalty_matrix(self, alpha=0.05, metric="accuracy", include_initial=False):
        """Penalty matrix summed over datasets (max value = number of datasets).

        Round 0 (the initial set, shared by all strategies of a seed) is left
        out unless ``include_initial``. See :func:`penalty_matrix`. For an
        error metric (``rmse``, ``mae``, ``hamming_loss``) the lower curve wins.
        """
        start = 0 if include_initial else 1
        total = np.zeros((len(self.strategies),) * 2)
        for d in self.datasets:
            curves = {s: oriented(c[:, start:], metric)
                      for s, c in self.curves(d, metric).items()}
            if len(curves) < 2:  # nothing to compare on this dataset
                continue
            P, names = penalty_matrix(curves, alpha=alpha)
            idx = [self.strategies.index(n) for n in names]
            total[np.ix_(idx, idx)] += P
        return total, list(self.strategies)

    def win_tie_loss(self, margin=0.005, metric="accuracy", include_initial=False):
        """Win / tie / loss counts summed over datasets, see :func:`win_tie_loss`
        (for an error metric the lower curve wins)."""
        start = 0 if include_initial else 1
        k = len(self.strategies)
        W, T, L = (np.zeros((k, k), dtype=int) for _ in range(3))
        for d in self.datasets:
            curves = {s: oriented(c[:, start:], metric)
                      for s, c in self.curves(d, metric).items()}
            if len(curves) < 2:  # a one-strategy study: no pairs, all zeros
                continue
            w, t, l, names = win_tie_loss(curves, margin=margin)
            idx = np.ix_(*[[self.strategies.index(n) for n in names]] * 2)
            W[idx] += w
            T[idx] += t
            L[idx] += l
        return W, T, L, list(self.strategies)

    def summary_rows(self, metric="accuracy", margin=0.005):
        """One dict per (dataset, strategy): AUBC and F-acc mean/std, W/T/L."""
        W, T, L, names = self.win_tie_loss(margin=margin, metric=metric)
        wtl = {n: (W[i].sum(), T[i].sum(), L[i].sum()) for i, n in enumerate(names)}
        rows = []
        for d in self.datasets:
            n_labels = self.n_labels(d)
            for s, c in self.curves(d, metric).items():
                a = aubc(n_labels, c)
                f = final_accuracy(c)
                rows.append(
                    dict(
                        dataset=d,
                        strategy=s,
                        n_seeds=c.shape[0],
                        aubc_mean=float(np.mean(a)),
                        aubc_std=float(np.std(a)),
                        facc_mean=float(np.mean(f)),
                        facc_std=float(np.std(f)),
                        wins=int(wtl[s][0]),
                        ties=int(wtl[s][1]),
                        losses=int(wtl[s][2]),
                    )
                )
        return rows

    def summary(self, metric="accuracy", margin=0.005):
        """A plain-text table: AUBC, F-acc (mean ± std over seeds) and the
        win-tie-loss totals of each strategy (summed over datasets)."""
        rows = self.summary_rows(metric=metric, margin=margin)
        dw = max(14, *(len(r["dataset"]) + 2 for r in rows))
        sw = max(16, *(len(r["strategy"]) + 2 for r in rows))
        head = (
            f"{'dataset':<{dw}}{'strategy':<{sw}}{'seeds':>5}  {'AUBC':>15}  "
            f"{'F-acc':>15}  {'win-tie-loss':>13}"
        )
        better = "" if greater_is_better(metric) else " (lower is better)"
        lines = [f"{metric}{better}: AUBC and F-acc mean ± std over seeds; W-T-L vs "
                 f"other strategies over rounds (margin {margin:g})", head, "-" * len(head)]
        for r in rows:
            lines.append(
                f"{r['dataset']:<{dw}}{r['strategy']:<{sw}}{r['n_seeds']:>5}  "
                f"{r['aubc_mean']:>8.4f} ± {r['aubc_std']:.4f}  "
                f"{r['facc_mean']:>8.4f} ± {r['facc_std']:.4f}  "
                f"{r['wins']:>4}-{r['ties']}-{r['losses']}"
            )
        return "\n".join(lines)

    def round_table(self, dataset=None, metric="accuracy"):
        """A plain-text table of the mean score per round and strategy."""
        dataset = self._dataset(dataset)
        curves = self.curves(dataset, metric)
        n_labels = self.n_labels(dataset)
        names = list(curves)
        width = max(12, *(len(n) + 2 for n in names))
        lines = [f"{dataset}: mean {metric} over seeds per round",
                 f"{'round':>5} {'labels':>7}" + "".join(f"{n:>{width}}" for n in names)]
        for r, n in enumerate(n_labels):
            lines.append(
                f"{r:>5} {int(n):>7}"
                + "".join(f"{curves[s][:, r].mean():>{width}.4f}" for s in names)
            )
        return "\n".join(lines)

    def to_frame(self):
        """All rounds of all runs as one long :class:`pandas.DataFrame`."""
        import pandas as pd  # to_frame of each run raises a clear ImportError

        return pd.concat([r.to_frame() for r in self.runs], ignore_index=True)

    def plot(self, out_dir=None, dataset=None, metric="accuracy"):
        """Learning curves, penalty matrix and class-distribution figures.

        Returns ``{name: matplotlib Figure}``; with ``out_dir`` each is also
        saved as ``<name>.png``. Requires matplotlib.
        """
        from ._plots import plot_results

        return plot_results(self, out_dir=out_dir, dataset=dataset, metric=metric)
