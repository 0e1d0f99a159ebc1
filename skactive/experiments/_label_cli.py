"""``python -m skactive label POOL.csv --target COLUMN --budget N``: a labelling
campaign on a CSV file, without writing Python.

Rows whose target cell is filled are the labelled set; the command fits the
learner on them, asks the query strategy for the next ``N`` rows and writes
them to ``NEXT.csv`` (first column ``row``: their 0-based data-row number in
``POOL.csv``, then the original columns). The person fills the target cells
of those rows in ``POOL.csv`` and runs the command again. Only the standard
``csv`` module and numpy are used (no pandas).
"""

import csv
import math
import warnings
from pathlib import Path

import numpy as np

__all__ = ["add_label_parser", "read_pool_csv", "run_label"]

_MISSING = {"", "na", "nan", "n/a", "null", "none", "?"}
_REGRESSORS = ("ridge", "svr", "rf-reg")


def add_label_parser(sub):
    """Add the ``label`` sub-command to an ``argparse`` sub-parsers object."""
    p = sub.add_parser(
        "label",
        help="label a CSV pool: fit on the rows with a target, write the next rows to label",
        description=(
            "Rows of POOL.csv whose TARGET cell is filled are the labelled set. The "
            "learner is fitted on them, the strategy picks the next BUDGET rows, and "
            "these are written to NEXT.csv: column 'row' = their 0-based data-row number "
            "in POOL.csv (the header is not counted), then the original columns. Fill "
            "their TARGET cells in POOL.csv and run the command again."
        ),
    )
    p.add_argument("pool", help="the CSV file (a header line, then one sample per line)")
    p.add_argument("--target", required=True, help="name of the label (target) column")
    p.add_argument("--budget", type=int, required=True, help="number of rows to label next")
    p.add_argument("--strategy", default=None,
                   help="query strategy (default: margin; igs for regression); "
                        "see `python -m skactive list`")
    p.add_argument("--estimator", default=None,
                   help="model (default: logreg; ridge for --task regression); "
                        "regressors: ridge, svr, rf-reg")
    p.add_argument("--task", choices=["auto", "classification", "regression"], default="auto",
                   help="auto: regression when the estimator is a regressor "
                        "(default: %(default)s)")
    p.add_argument("--drop", default="",
                   help="comma-separated columns that are not features (ids, free text)")
    p.add_argument("--delimiter", default=",", help="field separator (default: ',')")
    p.add_argument("--random-state", type=int, default=0,
                   help="seed: the same labels give the same picks (default: %(default)s)")
    p.add_argument("--out", default=None,
                   help="output CSV (default: POOL.next.csv next to POOL.csv)")
    p.add_argument("--cv", type=int, default=5,
                   help="folds of the cross-validated estimate, 0 = none (default: %(default)s)")
    return p


# ------------------------------------------------------------------ reading
def _is_missing(cell):
    return cell.strip().lower() in _MISSING


def _to_float(cell):
    if _is_missing(cell):
        return math.nan
    return float(cell)


def read_pool_csv(path, target, *, drop=(), delimiter=","):
    """Read a pool CSV with the :mod:`csv` module.

    Parameters
    ----------
    path : str or path-like
    target : str
        The label column; empty cells (or ``NA``, ``nan``, ``?``) are unlabelled.
    drop : sequence of str, default=()
        Columns that are neither features nor the target.
    delimiter : str, default=","

    Returns
    -------
    header : list of str
    rows : list of list of str
        Data rows as read (blank lines skipped).
    X : ndarray of shape (n_rows, n_features)
        Numeric features (missing cells are NaN).
    labels : list of str
        The target cell of every row, stripped ('' when missing).
    feature_names : list of str

    Examples
    --------
    >>> import tempfile, os
    >>> from skactive.experiments._label_cli import read_pool_csv
    >>> path = os.path.join(tempfile.mkdtemp(), "pool.csv")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("x1,x2,label\\n1,2,cat\\n3,,\\n5,6,dog\\n")
    >>> header, rows, X, labels, names = read_pool_csv(path, "label")
    >>> X.tolist(), labels, names
    ([[1.0, 2.0], [3.0, nan], [5.0, 6.0]], ['cat', '', 'dog'], ['x1', 'x2'])
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file.")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        header = next(reader, None)
        if not header:
            raise ValueError(f"{path} is empty: expected a header line with column names.")
        header = [h.strip() for h in header]
        rows = [r for r in reader if any(c.strip() for c in r)]
    if target not in header:
        raise ValueError(
            f"no column {target!r} in {path.name}; columns: {', '.join(header)}."
        )
    unknown = [c for c in drop if c not in header]
    if unknown:
        raise ValueError(f"--drop names unknown columns {unknown}; columns: {', '.join(header)}.")
    for k, r in enumerate(rows):
        if len(r) != len(header):
            raise ValueError(
                f"{path.name}: data row {k} has {len(r)} fields, the header has {len(header)}."
            )
    t = header.index(target)
    features = [j for j, h in enumerate(header) if j != t and h not in set(drop)]
    if not features:
        raise ValueError(f"{path.name} has no feature columns besides {target!r}.")
    X = np.empty((len(rows), len(features)))
    for jj, j in enumerate(features):
        for k, r in enumerate(rows):
            try:
                X[k, jj] = _to_float(r[j])
            except ValueError:
                raise ValueError(
                    f"column {header[j]!r} is not numeric (data row {k}: {r[j]!r}); "
                    f"encode it as numbers or leave it out with --drop {header[j]}."
                ) from None
    labels = ["" if _is_missing(r[t]) else r[t].strip() for r in rows]
    return header, rows, X, labels, [header[j] for j in features]


# ------------------------------------------------------------------ model
def _make_learner(args, task, has_nan):
    from sklearn.base import is_regressor
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline

    from .._learner import ActiveLearner, _allows_nan
    from ._registry import get_estimator, get_strategy

    name = args.estimator or ("ridge" if task == "regression" else "logreg")
    estimator = get_estimator(name)
    regression = is_regressor(estimator)
    if task == "classification" and regression:
        raise ValueError(f"--estimator {name} is a regressor, but --task is classification.")
    if task == "regression" and not regression:
        raise ValueError(
            f"--estimator {name} is a classifier, but --task is regression; use one of "
            f"{', '.join(_REGRESSORS)}."
        )
    if has_nan and not _allows_nan(estimator):
        estimator = make_pipeline(SimpleImputer(), estimator)  # empty feature cells
    strategy = args.strategy or ("igs" if regression else "margin")
    return ActiveLearner(
        estimator, get_strategy(strategy), random_state=args.random_state
    ), regression


def _cv_estimate(learner, X, y, regression, folds, seed):
    """(text) cross-validated accuracy, or R² and RMSE, on the labelled rows."""
    from sklearn.base import clone
    from sklearn.model_selection import KFold, StratifiedKFold, cross_validate

    if folds < 2:
        return None
    if regression:
        folds = min(folds, y.shape[0] // 2)
        if folds < 2:
            return "cross-validated estimate: needs at least 4 labelled rows"
        cv = KFold(folds, shuffle=True, random_state=seed)
        scoring = {"r2": "r2", "rmse": "neg_root_mean_squared_error"}
    else:
        counts = np.unique(y, return_counts=True)[1]
        folds = min(folds, int(counts.min()))
        if counts.size < 2 or folds < 2:
            return "cross-validated accuracy: needs at least 2 labelled rows of every class"
        cv = StratifiedKFold(folds, shuffle=True, random_state=seed)
        scoring = {"accuracy": "accuracy"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cross_validate(clone(learner.estimator), X, y, cv=cv, scoring=scoring)
    if regression:
        r2, rmse = res["test_r2"], -res["test_rmse"]
        return (f"cross-validated ({folds}-fold) R²: {r2.mean():.3f} ± {r2.std():.3f}, "
                f"RMSE: {rmse.mean():.4g} ± {rmse.std():.2g}")
    acc = res["test_accuracy"]
    return f"cross-validated ({folds}-fold) accuracy: {acc.mean():.3f} ± {acc.std():.3f}"


# ------------------------------------------------------------------ command
def run_label(args, file):
    """Run ``python -m skactive label``; returns the exit status (0)."""
    from .._campaign import Campaign

    if args.budget is None or args.budget < 1:
        raise ValueError(f"--budget must be >= 1, got {args.budget}.")
    drop = [c.strip() for c in args.drop.split(",") if c.strip()]
    if args.target in drop:
        raise ValueError(f"--drop names the target column {args.target!r}.")
    header, rows, X, labels, _ = read_pool_csv(
        args.pool, args.target, drop=drop, delimiter=args.delimiter
    )
    pool = Path(args.pool)
    labelled = np.array([i for i, v in enumerate(labels) if v], dtype=np.intp)
    n_unlabelled = len(rows) - labelled.size
    if labelled.size == 0:
        raise ValueError(
            f"no labelled rows in {pool.name}: column {args.target!r} is empty in all "
            f"{len(rows)} rows. Fill it for a few rows (ideally every class) and run again."
        )
    if n_unlabelled == 0:
        raise ValueError(
            f"every row of {pool.name} has a {args.target!r}: nothing left to label."
        )
    if args.budget > n_unlabelled:
        raise ValueError(
            f"--budget {args.budget} is larger than the {n_unlabelled} unlabelled rows."
        )
    task = args.task
    if task == "auto":
        task = "regression" if args.estimator in _REGRESSORS else "classification"
    learner, regression = _make_learner(args, task, bool(np.isnan(X).any()))
    if regression:
        try:
            y = np.array([float(labels[i]) for i in labelled])
        except ValueError:
            raise ValueError(
                f"column {args.target!r} must hold numbers for regression."
            ) from None
    else:
        y = np.array([labels[i] for i in labelled], dtype=object).astype(str)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        campaign = Campaign(learner, X, random_state=args.random_state)
        campaign.label(labelled, y)
        ids = campaign.query(args.budget)
        estimate = _cv_estimate(
            campaign.learner_, X[labelled], y, regression, args.cv, args.random_state
        )
    out = Path(args.out) if args.out else pool.with_name(pool.stem + ".next.csv")
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, delimiter=args.delimiter)
        writer.writerow(["row"] + header)
        for i in ids:
            writer.writerow([int(i)] + rows[i])

    print(f"{pool.name}: {len(rows)} rows, {labelled.size} labelled, "
          f"{n_unlabelled} unlabelled (target {args.target!r})", file=file)
    if regression:
        print(f"labelled targets: min {y.min():.4g}, mean {y.mean():.4g}, max {y.max():.4g}",
              file=file)
    else:
        counts = campaign.class_counts()
        print("labelled per class: " + ", ".join(f"{k} {v}" for k, v in counts.items()),
              file=file)
    if estimate:
        print(estimate, file=file)
    step = campaign.history_[-1]["strategy"]
    if step == "random":
        print("only one class is labelled so far: these rows were drawn at random", file=file)
    for w in caught:
        if "single class" not in str(w.message):
            print(f"warning: {str(w.message).splitlines()[0]}", file=file)
    print(f"wrote {len(ids)} rows to label ({step}) to {out}; column 'row' = 0-based data-row "
          f"number in {pool.name} (header not counted)", file=file)
    print(f"fill their {args.target!r} cells in {pool.name} and run the command again",
          file=file)
    return 0
