"""Command line: ``python -m skactive run ...`` and ``python -m skactive plot DIR``."""

import argparse
import contextlib
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from ..stopping._loop import stop_report

__all__ = ["main"]

_DEMO = dict(
    dataset="letter",
    strategies="random,margin,alamp,alamp-div",
    estimator="svc",
    seeds="3",
    rounds=10,
    budget=100,
    n_initial=100,
    out="results/demo",
)


# rmse / mae / hamming_loss: lower is better (the penalty matrix, win-tie-loss
# and labels-to-target count the lower curve as the better one)
_METRIC_CHOICES = ["accuracy", "f1_macro", "balanced_accuracy", "r2", "rmse", "mae",
                   "f1_micro", "hamming_loss", "subset_accuracy"]


def _default_metric(args, results):
    """``--metric`` when given; else r2 when every run is a regression run,
    f1_micro when every run is multi-label."""
    if args.metric is not None:
        return args.metric
    if all(getattr(r, "is_regression", False) for r in results.runs):
        return "r2"
    if all(getattr(r, "is_multilabel", False) for r in results.runs):
        return "f1_micro"
    return "accuracy"


def _parse_seeds(text):
    """``N`` (seeds 0..N-1), ``a,b,c`` or ``lo-hi``; argparse reports errors."""
    text = str(text).strip()
    try:
        if "," in text:
            seeds = [int(s) for s in text.split(",") if s.strip()]
        elif "-" in text[1:]:
            lo, hi = text.split("-", 1)
            seeds = list(range(int(lo), int(hi) + 1))
        else:
            n = int(text)
            if n < 1:
                raise argparse.ArgumentTypeError(
                    f"a number of seeds must be >= 1, got {n} (seed lists: '0,3,7', "
                    "ranges: '0-4')"
                )
            seeds = list(range(n))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number of seeds N, a list '0,3,7' or a range '0-4', got {text!r}"
        ) from None
    if not seeds or len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise argparse.ArgumentTypeError(
            f"seeds must be non-negative, unique and non-empty, got {text!r}"
        )
    return seeds


def _add_run_args(p, demo=False):
    d = _DEMO if demo else {}
    p.add_argument("--dataset", default=d.get("dataset", "letter"),
                   help="dataset name(s), comma-separated (default: %(default)s)")
    p.add_argument("--strategies", default=d.get("strategies", "random,margin,alamp,alamp-div"),
                   help="strategy names, comma-separated (default: %(default)s)")
    p.add_argument("--estimator", default=d.get("estimator", "svc"),
                   help="classifier name (default: %(default)s)")
    p.add_argument("--seeds", type=_parse_seeds, default=d.get("seeds", "5"),
                   help="number of seeds N (0..N-1), a list '0,3,7' or a range '0-4' "
                        "(default: %(default)s)")
    p.add_argument("--rounds", type=int, default=d.get("rounds", 10),
                   help="query rounds (default: %(default)s)")
    p.add_argument("--budget", type=int, default=d.get("budget", 100),
                   help="samples queried per round (default: %(default)s)")
    p.add_argument("--n-initial", type=int, default=d.get("n_initial", 100),
                   help="size of the initial labelled set (default: %(default)s)")
    p.add_argument("--initial", default="random",
                   help="how the initial set is drawn: random, balanced, or a model-free "
                        "strategy (typiclust, probcover, kmeans, kcenter) choosing it "
                        "before any model is fitted (default: %(default)s)")
    p.add_argument("--stopping", default=None,
                   help="stopping criteria, comma-separated (stabilizing-predictions, "
                        "classification-change, overall-uncertainty, max-confidence): "
                        "where each stops is reported and marked on the curves")
    p.add_argument("--stop-early", action="store_true",
                   help="end each run at its first stop (default: only record the stops)")
    p.add_argument("--max-pool", type=int, default=None,
                   help="keep this many random pool samples (default: whole train split)")
    p.add_argument("--preprocessing", choices=["labels", "pool"], default="labels",
                   help="fit the estimator's scaler/imputer on the labelled set at every "
                        "round (labels, a plain pipeline) or once on the pool, frozen "
                        "(pool: no scaler estimated on a few labels) (default: %(default)s)")
    p.add_argument("--n-jobs", type=int, default=-1,
                   help="parallel runs, -1 = all cores (default: %(default)s)")
    p.add_argument("--backend", default=None,
                   help="joblib backend (loky, threading, dask, ...)")
    p.add_argument("--out", default=d.get("out"),
                   help="results folder: runs are saved there as they finish and a "
                        "restarted command resumes; plots are written there")
    p.add_argument("--data-home", default=None, help="extra folder searched for data")
    p.add_argument("--target", type=float, default=None,
                   help="also report the labels needed to reach this mean accuracy")
    p.add_argument("--metric", default=None, choices=_METRIC_CHOICES,
                   help="curve to report (default: accuracy; r2 for regression data)")
    p.add_argument("--no-plot", action="store_true", help="do not write PNG figures")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--verbose", action="store_true",
                   help="show the warnings of scikit-learn and the workers (hidden by "
                        "default)")


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m skactive",
        description="Simulated active-learning studies with skactive.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="run a study (datasets x strategies x seeds)")
    _add_run_args(p_run)
    from ._demo import add_commands  # demo, benchmark (the leaderboard)

    add_commands(sub)
    p_plot = sub.add_parser("plot", help="re-draw tables and figures of a results folder")
    p_plot.add_argument("results_dir")
    p_plot.add_argument("--metric", default=None, choices=_METRIC_CHOICES)
    p_plot.add_argument("--target", type=float, default=None)
    p_plot.add_argument("--no-plot", action="store_true")
    p_plot.add_argument("--verbose", action="store_true", help="show warnings")
    sub.add_parser("list", help="list strategy, estimator and dataset names")
    from ._label_cli import add_label_parser  # label POOL.csv (a labelling campaign)

    add_label_parser(sub)
    return parser


def _report(results, args, out, file):
    metric = args.metric = _default_metric(args, results)
    for d in results.datasets:
        print(results.round_table(d, metric), file=file)
        print(file=file)
    print(results.summary(metric=metric), file=file)
    print(file=file)
    if len(results.strategies) > 1:
        n_seeds = min(c.shape[0] for d in results.datasets
                      for c in results.curves(d, metric).values())
        if n_seeds >= 2:
            P, names = results.penalty_matrix(metric=metric)
            width = max(10, *(len(n) + 2 for n in names))
            print("Penalty matrix (row beats column in this share of rounds; paired "
                  "t-test over seeds, alpha=0.05):", file=file)
            print(" " * width + "".join(f"{n:>{width}}" for n in names), file=file)
            for i, n in enumerate(names):
                print(f"{n:<{width}}" + "".join(f"{v:>{width}.2f}" for v in P[i]),
                      file=file)
            print(file=file)
    lines = stop_report(results, metric)
    if lines:
        print("\n".join(lines) + "\n", file=file)
    if args.target is not None:
        from ._multilabel_metrics import greater_is_better

        op = ">=" if greater_is_better(metric) else "<="
        print(f"Labels needed to reach mean {metric} {op} {args.target}:", file=file)
        for d, per in results.labels_to_target(args.target, metric).items():
            for s, n in per.items():
                shown = "not reached" if np.isnan(n) else str(int(n))
                print(f"  {d:<14}{s:<16}{shown}", file=file)
        print(file=file)
    if out is not None and not args.no_plot:
        try:
            figures = results.plot(out_dir=out, metric=metric)
        except ImportError as exc:
            print(f"(no figures: {exc})", file=file)
        else:
            for name in figures:
                print(f"wrote {Path(out) / (name + '.png')}", file=file)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"warning: {message}", file=sys.stderr)


@contextlib.contextmanager
def _warnings_shown(verbose):
    """Hide library warnings (in this process and in joblib's worker
    processes, through ``PYTHONWARNINGS``) unless ``verbose``; reports about
    unreadable study files stay visible."""
    if verbose:
        yield
        return
    from ._results import StudyFileWarning

    old = os.environ.get("PYTHONWARNINGS")
    os.environ["PYTHONWARNINGS"] = "ignore"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            warnings.simplefilter("always", StudyFileWarning)
            warnings.showwarning = _show_warning
            yield
    finally:
        if old is None:
            os.environ.pop("PYTHONWARNINGS", None)
        else:
            os.environ["PYTHONWARNINGS"] = old


def _load_datasets(args):
    """Datasets by name, checked against the estimator: image sets need an
    image-capable estimator (``mlp``, ``cnn``), whose input geometry is set
    from the data."""
    from ..datasets import load_dataset
    from ._image_estimators import IMAGE_ESTIMATORS, set_image_geometry
    from ._registry import get_estimator

    estimator = get_estimator(args.estimator)
    key = str(args.estimator).strip().lower().replace("_", "-")
    data, shapes = {}, {}
    for name in [d for d in str(args.dataset).split(",") if d.strip()]:
        d = load_dataset(name.strip(), data_home=args.data_home)
        data[d.name] = (d.X_train, d.y_train, d.X_test, d.y_test)
        shapes[d.name] = tuple(d.X_train.shape[1:])
    images = {n: s for n, s in shapes.items() if len(s) > 1}
    if images and key not in IMAGE_ESTIMATORS:
        name, shape = next(iter(images.items()))
        raise ValueError(
            f"Dataset {name!r} holds images of shape {shape}, but the estimator "
            f"{args.estimator!r} takes tabular rows; use --estimator "
            f"{' or '.join(sorted(IMAGE_ESTIMATORS))} (they need PyTorch)."
        )
    if key == "cnn" and shapes:
        if len(set(shapes.values())) > 1:
            raise ValueError(
                f"--estimator cnn needs images of one shape; got {shapes}. Run the "
                "datasets one at a time."
            )
        estimator = set_image_geometry(estimator, next(iter(shapes.values())))
    return data, estimator


def _cmd_run(args, file):
    from ._run import run_experiments

    seeds = args.seeds
    data, estimator = _load_datasets(args)
    tic = time.perf_counter()
    results = run_experiments(
        data,
        args.strategies,
        estimator,
        seeds=seeds,
        n_rounds=args.rounds,
        budget=args.budget,
        n_initial=args.n_initial,
        initial=args.initial,
        stopping=[s for s in args.stopping.split(",") if s.strip()] if args.stopping else None,
        stop_early=args.stop_early,
        n_jobs=args.n_jobs,
        backend=args.backend,
        results_dir=args.out,
        max_pool=args.max_pool,
        data_home=args.data_home,
        preprocessing=args.preprocessing,
        progress=False if args.quiet else "auto",
    )
    elapsed = time.perf_counter() - tic
    print(f"{len(results.runs)} runs ({', '.join(results.datasets)} x "
          f"{len(results.strategies)} strategies x {len(seeds)} seeds) in "
          f"{elapsed:.1f} s", file=file)
    print(file=file)
    _report(results, args, args.out, file)
    if args.out is not None:
        print(f"results in {args.out} (re-draw with: python -m skactive plot {args.out})",
              file=file)
    return 0


def _cmd_plot(args, file):
    from ._results import ExperimentResults

    results = ExperimentResults.load(args.results_dir)
    _report(results, args, args.results_dir, file)
    return 0


def _cmd_list(file):
    from ..datasets._loaders import _DATASETS
    from ._image_estimators import IMAGE_ESTIMATORS
    from ._registry import available_estimators, available_strategies

    print("strategies: " + ", ".join(available_strategies()), file=file)
    print("estimators:", file=file)
    for name, desc in available_estimators().items():
        print(f"  {name:<12}{desc}", file=file)
    images = sorted(IMAGE_ESTIMATORS)
    names = [f"{n} (images: --estimator {' or '.join(images)})" if n in _IMAGE_DATASETS
             else n for n in _DATASETS]
    print("datasets: " + ", ".join(names), file=file)
    return 0


#: Datasets whose samples are images (listed with the estimators that take them).
_IMAGE_DATASETS = ("mnist", "cifar10_subset")


def main(argv=None):
    """Entry point of ``python -m skactive`` and of the ``skactive`` script.

    Sub-commands: ``run`` (a study; see ``--help``), ``demo`` (the
    recommended strategy against random on the bundled datasets, with
    confidence intervals), ``benchmark`` (the strategy leaderboard),
    ``plot DIR`` (re-draw from saved results) and ``list``.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    status : int
        0 on success, 2 on bad input.

    Examples
    --------
    >>> from skactive.__main__ import main
    >>> main(["list"])  # doctest: +ELLIPSIS
    strategies: ...
    0
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    file = sys.stdout
    try:
        with _warnings_shown(getattr(args, "verbose", True)):
            if args.command in ("demo", "benchmark"):
                from ._demo import run_command

                return run_command(args, file)
            if args.command == "run":
                return _cmd_run(args, file)
            if args.command == "plot":
                return _cmd_plot(args, file)
            if args.command == "label":
                from ._label_cli import run_label

                return run_label(args, file)
            return _cmd_list(file)
    except (ValueError, FileNotFoundError, ImportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
