"""The strategy leaderboard: every scikit-learn-path strategy on many real
tabular datasets, in three budget regimes, compared with random sampling.

``python -m skactive benchmark`` runs it (resumable, in parts) and prints the
tables; ``benchmarks/leaderboard.py`` also writes the documentation page
"Which strategy should I use?" from the committed results file.

Protocol (one definition, used by the command, the page and the demo)
----------------------------------------------------------------------
* Data: each dataset is split once (``random_state=0``) into a stratified
  30 % test set and a 70 % pool; the pool is cut to at most 3000 samples and
  the test set to at most 3000 (both stratified subsamples, the same for every
  strategy and seed).
* ``K`` = number of classes. Regimes:

  - ``cold``: ``StandardScaler + LogisticRegression``; ``K`` initial labels,
    ``K`` per round, 20 rounds;
  - ``alamp``: ``StandardScaler + LogisticRegression``; ``2K`` initial labels,
    ``2K`` per round, 15 rounds;
  - ``svc-cv``: ``GridSearchCV(StandardScaler + SVC(), C in {0.1, 1, 10,
    100}, 3-fold)`` refitted on the labelled set at every round (the alamp
    paper chooses C by cross-validation on the labelled set; 2-fold while no
    class has 3 labels, see :class:`SmallSampleGridSearchCV`), budgets of the
    ``alamp`` regime.

* The initial set of seed ``k`` is drawn uniformly from the pool with
  ``RandomState(k)``, redrawn until it holds at least two classes (a
  classifier needs two); it is the same for every strategy (paired seeds).
  A dataset enters a regime only if ``n_initial + n_rounds * budget`` fits in
  its pool.
* Score: AUBC of the test-accuracy curve (trapezoids over label counts,
  round 0 included, divided by the label range), in points (x 100).
"""

import os
import time
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from .._learner import ActiveLearner
from ..base import get_query_tags
from ..utils._preprocessing import freeze_preprocessing
from ._registry import available_strategies, get_strategy
from ._simulate import SimulationResult, simulate

__all__ = [
    "LEADERBOARD_DATASETS",
    "collect_runs",
    "REGIMES",
    "leaderboard_strategies",
    "load_benchmark_data",
    "regime_estimator",
    "regime_settings",
    "run_leaderboard",
]

#: Regime name -> short description (the protocol is in the module docstring).
REGIMES = {
    "cold": "LogisticRegression, K initial, K per round, 20 rounds",
    "alamp": "LogisticRegression, 2K initial, 2K per round, 15 rounds",
    "svc-cv": "SVC with C by 3-fold GridSearchCV, 2K initial, 2K per round, 15 rounds",
}

#: (name, source): "skactive" = skactive.datasets.load_dataset (bundled),
#: "sklearn" = sklearn.datasets.load_<name>, "path" = <name>.npz with X, y on
#: skactive's data search path (skactive.datasets.get_data_paths).
LEADERBOARD_DATASETS = (
    ("letter", "skactive"),
    ("satimage", "skactive"),
    ("optdigits", "skactive"),
    ("page_blocks", "skactive"),
    ("shuttle", "skactive"),
    ("poker_hand", "skactive"),
    ("iris", "sklearn"),
    ("wine", "sklearn"),
    ("breast_cancer", "sklearn"),
    ("vehicle", "path"),
    ("vowel", "path"),
    ("ionosphere", "path"),
    ("sonar", "path"),
    ("dna", "path"),
    ("pima_diabetes", "path"),
    ("breast_w", "path"),
    ("house_votes_84", "path"),
    ("glass", "path"),
    ("soybean", "path"),
)

#: Registry names left out of the leaderboard: aliases and variants that
#: select exactly like a listed one (coreset = kcenter; var-ratio =
#: least-confidence for one model; gsx = farthest-first in the input space,
#: which is kcenter's space for these pipelines up to the scaler: identical
#: AUBC on letter and optdigits in the pilot), and CEAL (its point is
#: pseudo-labelling, not the query).
_SKIP = {"coreset", "var-ratio", "ceal", "gsx"}
_MAX_POOL = 3000
_MAX_TEST = 3000


# ------------------------------------------------------------------ data
def _stratified_subsample(y, n_keep, rng):
    """Indices of about ``n_keep`` samples, every class kept in proportion
    (at least one sample per class), sorted."""
    n = y.shape[0]
    if n_keep >= n:
        return np.arange(n)
    classes, counts = np.unique(y, return_counts=True)
    quota = np.maximum(1, np.floor(counts * n_keep / n).astype(int))
    # hand out what flooring left over to the largest remainders
    rest = n_keep - quota.sum()
    if rest > 0:
        frac = counts * n_keep / n - np.floor(counts * n_keep / n)
        for k in np.argsort(-frac)[:rest]:
            quota[k] += 1
    keep = [rng.permutation(np.flatnonzero(y == c))[:q] for c, q in zip(classes, quota)]
    return np.sort(np.concatenate(keep))


def _load_arrays(name, source, data_home=None):
    if source == "skactive":
        from ..datasets import load_dataset

        d = load_dataset(name, data_home=data_home)
        X = np.concatenate([d.X_train, d.X_test])
        y = np.concatenate([d.y_train, d.y_test])
        return X, y
    if source == "sklearn":
        import sklearn.datasets

        return getattr(sklearn.datasets, f"load_{name}")(return_X_y=True)
    from ..datasets import get_data_paths

    for folder in get_data_paths(data_home):
        path = Path(folder) / f"{name}.npz"
        if path.is_file():
            with np.load(path) as arrays:
                return arrays["X"], arrays["y"]
    raise FileNotFoundError(f"{name}.npz is not on the data search path.")


def load_benchmark_data(name, *, data_home=None):
    """The leaderboard's ``(X_pool, y_pool, X_test, y_test)`` of one dataset.

    Stratified 30 % test split (``random_state=0``), pool and test set each
    cut to at most 3000 samples by a stratified subsample. Features are
    float64; labels are re-coded ``0..K-1``.

    Raises ``FileNotFoundError`` when the data file is not on the search path.

    Examples
    --------
    >>> from skactive.experiments._leaderboard import load_benchmark_data
    >>> X_pool, y_pool, X_test, y_test = load_benchmark_data("iris")
    >>> X_pool.shape, X_test.shape
    ((105, 4), (45, 4))
    """
    sources = dict(LEADERBOARD_DATASETS)
    if name not in sources:
        raise ValueError(
            f"Unknown leaderboard dataset {name!r}; available: {', '.join(sources)}."
        )
    X, y = _load_arrays(name, sources[name], data_home)
    X = np.asarray(X, dtype=float)
    _, y = np.unique(np.asarray(y), return_inverse=True)
    from sklearn.model_selection import train_test_split

    idx = np.arange(y.shape[0])
    pool, test = train_test_split(idx, test_size=0.3, stratify=y, random_state=0)
    rng = np.random.RandomState(0)
    pool = pool[_stratified_subsample(y[pool], _MAX_POOL, rng)]
    test = test[_stratified_subsample(y[test], _MAX_TEST, rng)]
    return X[pool], y[pool], X[test], y[test]


# --------------------------------------------------------------- regimes
def regime_settings(regime, n_classes):
    """``dict(n_initial, budget, n_rounds)`` of a regime for ``K`` classes.

    Examples
    --------
    >>> from skactive.experiments._leaderboard import regime_settings
    >>> regime_settings("alamp", 10)
    {'n_initial': 20, 'budget': 20, 'n_rounds': 15}
    """
    k = int(n_classes)
    if regime == "cold":
        return {"n_initial": k, "budget": k, "n_rounds": 20}
    if regime in ("alamp", "svc-cv"):
        return {"n_initial": 2 * k, "budget": 2 * k, "n_rounds": 15}
    raise ValueError(f"Unknown regime {regime!r}; available: {', '.join(REGIMES)}.")


class SmallSampleGridSearchCV(GridSearchCV):
    """``GridSearchCV`` whose integer ``cv`` shrinks to what the labelled set
    allows: ``StratifiedKFold(min(cv, largest class count))``.

    With ``2K`` labels of ``K`` classes the largest class has at least two
    members, so a 2-fold search is always possible, where a plain 3-fold
    ``GridSearchCV`` raises as soon as every class has fewer than 3 labels
    (4 labels of a binary problem).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.svm import SVC
    >>> from skactive.experiments._leaderboard import SmallSampleGridSearchCV
    >>> X, y = np.array([[0.0], [0.1], [1.0], [1.1]]), np.array([0, 0, 1, 1])
    >>> search = SmallSampleGridSearchCV(SVC(), {"C": [0.1, 10.0]}, cv=3).fit(X, y)
    >>> search.n_splits_, search.cv
    (2, 3)
    """

    def fit(self, X, y=None, **params):
        cv = self.cv
        if isinstance(cv, int) and y is not None:
            counts = np.unique(np.asarray(y), return_counts=True)[1]
            folds = int(min(cv, counts.max()))
            if folds < 2:
                raise ValueError("Cross-validation needs two labels of one class.")
            self.cv = StratifiedKFold(folds)
            try:
                return super().fit(X, y, **params)
            finally:
                self.cv = cv
        return super().fit(X, y, **params)


def regime_estimator(regime, X_pool=None):
    """A new unfitted classifier of a regime (see :data:`REGIMES`).

    With ``X_pool``, its ``StandardScaler`` is fitted on ``X_pool`` and frozen
    (:func:`~skactive.utils.freeze_preprocessing`) instead of being refitted
    on the labelled set at every fit (``benchmarks/scaler_ablation.py``).

    Examples
    --------
    >>> from skactive.experiments._leaderboard import regime_estimator
    >>> regime_estimator("cold")[-1]
    LogisticRegression(max_iter=1000)
    >>> import numpy as np
    >>> type(regime_estimator("svc-cv", X_pool=np.eye(3)).estimator[0]).__name__
    'FrozenEstimator'
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    if regime in ("cold", "alamp"):
        est = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    elif regime == "svc-cv":
        est = SmallSampleGridSearchCV(
            make_pipeline(StandardScaler(), SVC()),
            {"svc__C": [0.1, 1.0, 10.0, 100.0]},
            cv=3,
        )
    else:
        raise ValueError(f"Unknown regime {regime!r}; available: {', '.join(REGIMES)}.")
    return est if X_pool is None else freeze_preprocessing(est, X_pool)


def _fits_learner(strategy, regime):
    tags = get_query_tags(strategy)
    if tags.requires_neural_net or tags.requires_torch or tags.requires_samples:
        return False
    if getattr(tags, "task", "classification") == "regression":
        return False
    if getattr(tags, "multilabel", False):  # multi-label strategies: not these runs
        return False
    if regime == "svc-cv" and (tags.requires_proba or tags.requires_head_gradient):
        return False  # kernel SVC: no probabilities, no linear head
    return True


def leaderboard_strategies(regime):
    """Registry names of the strategies run in ``regime``: every registered
    strategy that needs no torch network, no committee and -- for ``svc-cv``
    -- no probabilities and no linear head, less aliases.

    Examples
    --------
    >>> from skactive.experiments._leaderboard import leaderboard_strategies
    >>> "entropy" in leaderboard_strategies("alamp")
    True
    >>> "entropy" in leaderboard_strategies("svc-cv")
    False
    """
    names = []
    for name in available_strategies():
        if name in _SKIP:
            continue
        try:
            strategy = get_strategy(name)
        except Exception:  # a custom factory that cannot build without args
            continue
        if _fits_learner(strategy, regime):
            names.append(name)
    return ["random"] + [n for n in names if n != "random"]


# ------------------------------------------------------------------ runs
def _initial_indices(y_pool, n_initial, seed):
    """Uniform draw of ``n_initial`` pool indices, redrawn (same stream) until
    two classes are present."""
    rng = np.random.RandomState(seed)
    for _ in range(1000):
        idx = rng.permutation(y_pool.shape[0])[:n_initial]
        if np.unique(y_pool[idx]).size >= 2:
            return idx
    raise ValueError("Could not draw an initial set with two classes.")


def _run_path(out_dir, regime, dataset, strategy, seed):
    return Path(out_dir) / regime / f"{dataset}__{strategy}__seed{seed}.npz"


def simulate_regime(regime, strategy_name, seed, data, *, scaler="labels", meta=None):
    """One run of the leaderboard's protocol: ``regime``'s classifier and
    budgets, the strategy ``strategy_name`` and the seed's initial set on
    ``data = (X_pool, y_pool, X_test, y_test)``; returns the
    :class:`SimulationResult`.

    ``scaler="pool"`` fits the classifier's scaler once on ``X_pool``
    (``regime_estimator(regime, X_pool=...)``) instead of on the labels.
    Warnings of the small labelled sets (CV folds missing a class, lbfgs
    iterations) are silenced.
    """
    import warnings

    X_pool, y_pool, X_test, y_test = data
    settings = regime_settings(regime, np.unique(y_pool).size)
    estimator = regime_estimator(regime, X_pool=X_pool if scaler == "pool" else None)
    learner = ActiveLearner(estimator, get_strategy(strategy_name))
    init = _initial_indices(y_pool, settings["n_initial"], seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return simulate(learner, X_pool, y_pool, X_test, y_test,
                        n_initial=settings["n_initial"], budget=settings["budget"],
                        n_rounds=settings["n_rounds"], initial=init,
                        random_state=seed, meta=meta)


def _one_run(regime, dataset, strategy_name, seed, data, settings, path):
    meta = dict(settings, regime=regime, dataset=dataset, strategy=strategy_name,
                seed=seed, strategy_repr=repr(get_strategy(strategy_name)))
    tic = time.perf_counter()
    result = simulate_regime(regime, strategy_name, seed, data, meta=meta)
    result.meta["wall_time"] = time.perf_counter() - tic
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npz")
    result.save(tmp)
    os.replace(tmp, path)
    return result


def _cost(regime, data, settings):
    """Rough relative cost, to start the longest runs first."""
    n_pool = data[0].shape[0]
    factor = 13 if regime == "svc-cv" else 1
    return factor * n_pool * settings["n_rounds"] * (1 + settings["budget"] / 50)


def run_leaderboard(out_dir, *, regimes=None, datasets=None, strategies=None,
                    seeds=range(5), n_jobs=None, force=(), data_home=None,
                    cheap_first=False, verbose=0, log=None):
    """Run (or resume) the leaderboard grid; return the finished runs.

    Every (regime, dataset, strategy, seed) run is saved at once to
    ``out_dir/<regime>/<dataset>__<strategy>__seed<k>.npz`` and skipped when
    that file exists with the same strategy parameters, so the grid can be
    run in parts (any subset of regimes, datasets, strategies, seeds) and a
    killed run loses only the runs in flight. Runs in ``force`` (strategy
    names) are recomputed.

    Parameters
    ----------
    out_dir : path-like
    regimes, datasets, strategies : list of str, default=None
        ``None``: all regimes, all datasets found, the regime's strategies
        (:func:`leaderboard_strategies`).
    seeds : iterable of int, default=range(5)
    n_jobs : int, default=None
        joblib workers.
    force : iterable of str
        Strategy names whose runs are recomputed.
    cheap_first : bool, default=False
        Run the cheapest runs first (many datasets finished early) instead of
        the most expensive first (better load balance).
    log : file-like, default=None
        Where to print progress lines.

    Returns
    -------
    runs : list of SimulationResult
        With ``meta`` keys ``regime``, ``dataset``, ``strategy``, ``seed``.
    """
    regimes = list(regimes or REGIMES)
    for r in regimes:
        if r not in REGIMES:
            raise ValueError(f"Unknown regime {r!r}; available: {', '.join(REGIMES)}.")
    names = list(datasets or [d for d, _ in LEADERBOARD_DATASETS])
    seeds = [int(s) for s in seeds]
    force = set(force or ())
    data = {}
    for name in names:
        try:
            data[name] = load_benchmark_data(name, data_home=data_home)
        except FileNotFoundError as exc:
            if log is not None:
                print(f"skipped dataset {name}: {exc}", file=log)
    done, todo = [], []
    for regime in regimes:
        strats = list(strategies or leaderboard_strategies(regime))
        strats = [s for s in strats if _fits_learner(get_strategy(s), regime)]
        for name, arrays in data.items():
            settings = regime_settings(regime, np.unique(arrays[1]).size)
            need = settings["n_initial"] + settings["n_rounds"] * settings["budget"]
            if need > arrays[0].shape[0]:
                continue
            for s in strats:
                rep = repr(get_strategy(s))
                for seed in seeds:
                    path = _run_path(out_dir, regime, name, s, seed)
                    if path.is_file() and s not in force:
                        old = SimulationResult.load(path)
                        if old.meta.get("strategy_repr") == rep:
                            done.append(old)
                            continue
                    todo.append((regime, name, s, seed, settings, path))
    todo.sort(key=lambda t: (1 if cheap_first else -1) * _cost(t[0], data[t[1]], t[4]))
    if log is not None:
        print(f"{len(done)} runs found, {len(todo)} to run", file=log, flush=True)
    new = []
    if todo:
        tasks = (delayed(_one_run)(r, d, s, k, data[d], st, p) for r, d, s, k, st, p in todo)
        parallel = Parallel(n_jobs=n_jobs, verbose=verbose, return_as="generator_unordered")
        tic = time.perf_counter()
        for i, res in enumerate(parallel(tasks), 1):
            new.append(res)
            if log is not None:
                m = res.meta
                print(f"[{i}/{len(todo)} {time.perf_counter() - tic:7.0f}s] {m['regime']} "
                      f"{m['dataset']} {m['strategy']} seed{m['seed']}: "
                      f"AUBC {100 * res.aubc():.2f} ({m['wall_time']:.1f}s)",
                      file=log, flush=True)
    return done + new


def collect_runs(out_dir):
    """Every saved run under ``out_dir`` (all regimes)."""
    runs = []
    for path in sorted(Path(out_dir).glob("*/*.npz")):
        if not path.name.startswith("."):
            runs.append(SimulationResult.load(path))
    return runs
