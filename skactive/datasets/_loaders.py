"""Dataset loaders by name, the data search path, the OpenML cache and
class-imbalance helpers."""

import os
from importlib import resources
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch, check_random_state

__all__ = [
    "fetch_openml_cached",
    "get_data_paths",
    "imbalance_ratio",
    "load_dataset",
    "make_imbalanced",
]

# name -> (file, OpenML id, official n_train or None, description)
_DATASETS = {
    "letter": ("letter.npz", 6, 16000, "UCI Letter Recognition, 26 classes"),
    "satimage": ("satimage.npz", 182, 4435, "UCI Statlog Landsat Satellite, 6 classes"),
    "optdigits": ("optdigits.npz", 28, 3823, "UCI optical digits 8x8, 10 classes"),
    "page_blocks": ("page_blocks.npz", 30, None, "UCI Page Blocks, 5 classes, imbalanced"),
    "shuttle": ("shuttle.npz", 40685, 43500, "UCI Statlog Shuttle, 7 classes, imbalanced"),
    "poker_hand": ("poker_hand.npz", 155, None, "UCI Poker Hand (training file), 10 classes"),
    "mnist": ("mnist.npz", 554, None, "MNIST 28x28 digits, original split"),
    "cifar10_subset": ("cifar10_subset.npz", 40927, None, "CIFAR-10 subset 10k/2k"),
    # regression (y is the float target)
    "boston_housing": ("boston_housing.npz", 531, None,
                       "Boston Housing, regression, 13 features (feature b has an "
                       "ethical problem: consider dropping column 11)"),
    "ozone": ("ozone.npz", None, None,
              "Los Angeles ozone 1976, regression, 12 features, X has NaN"),
    "servo": ("servo.npz", None, None, "UCI Servo rise time, regression, 12 features"),
    # multi-label (y is a 0/1 indicator matrix)
    "emotions": ("emotions.npz", None, None,
                 "MULAN emotions (music clips), multi-label, 72 features, 6 labels"),
}
#: datasets whose target is continuous (split without stratification)
_REGRESSION = ("boston_housing", "ozone", "servo")
#: datasets whose target is a 2-D 0/1 label-indicator matrix
_MULTILABEL = ("emotions",)
_ALIASES = {
    "page-blocks": "page_blocks",
    "poker-hand": "poker_hand",
    "pokerhand": "poker_hand",
    "cifar10": "cifar10_subset",
    "cifar-10": "cifar10_subset",
    "mnist_784": "mnist",
    "boston": "boston_housing",
    "boston-housing": "boston_housing",
}
_BUNDLED = ("letter", "satimage", "optdigits", "page_blocks", "shuttle", "poker_hand",
            "emotions")


def _resolve_name(name):
    if not isinstance(name, str):
        raise ValueError(f"Dataset name must be a string, got {name!r}.")
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in _DATASETS:
        raise ValueError(
            f"Unknown dataset {name!r}; available: {', '.join(_DATASETS)}."
        )
    return key


def get_data_paths(data_home=None):
    """Folders searched for dataset files, in order.

    1. ``data_home`` when given;
    2. the environment variable ``SKACTIVE_DATA`` (``os.pathsep``-separated);
    3. the data bundled inside the package (``skactive/datasets/data``);
    4. ``~/skactive_data``;
    5. ``shared/data`` and ``../shared/data`` relative to the current
       directory, then ``../shared/data`` next to the source checkout.

    Parameters
    ----------
    data_home : str or path-like, default=None

    Returns
    -------
    paths : list of pathlib.Path

    Examples
    --------
    >>> from skactive.datasets import get_data_paths
    >>> get_data_paths("/tmp/mydata")[0].as_posix()
    '/tmp/mydata'
    """
    paths = []
    if data_home is not None:
        paths.append(Path(data_home).expanduser())
    env = os.environ.get("SKACTIVE_DATA")
    if env:
        paths.extend(Path(p).expanduser() for p in env.split(os.pathsep) if p)
    paths.append(Path(str(resources.files("skactive.datasets").joinpath("data"))))
    paths.append(Path.home() / "skactive_data")
    cwd = Path.cwd()
    paths.extend([cwd / "shared" / "data", cwd.parent / "shared" / "data"])
    repo = Path(__file__).resolve().parents[2]
    paths.append(repo.parent / "shared" / "data")
    seen, out = set(), []
    for p in paths:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def _find_file(filename, data_home):
    paths = get_data_paths(data_home)
    for folder in paths:
        candidate = folder / filename
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"{filename} was not found. Searched: {', '.join(str(p) for p in paths)}. "
        "Put the file in one of these folders, pass data_home=..., or set the "
        "SKACTIVE_DATA environment variable."
    )


def load_dataset(name, *, data_home=None, return_X_y=False):
    """Load a real benchmark dataset by name, offline.

    Tabular sets (``letter``, ``satimage``, ``optdigits``, ``page_blocks``,
    ``shuttle``, ``poker_hand``) and the multi-label set ``emotions`` (MULAN,
    593 music clips, 72 features, 6 labels, published 391 / 202 split; ``y``
    is a 0/1 indicator matrix) are bundled with the package; the image sets
    (``mnist``, ``cifar10_subset``) and the regression sets
    (``boston_housing``, ``ozone`` -- whose ``X`` holds NaN -- and ``servo``)
    are looked up on the search path of :func:`get_data_paths`
    (``data_home``, ``$SKACTIVE_DATA``, the package, ``~/skactive_data``).

    Parameters
    ----------
    name : str
        Dataset name; ``poker-hand``, ``page-blocks`` and ``cifar10`` are
        accepted aliases.
    data_home : str or path-like, default=None
        Searched first.
    return_X_y : bool, default=False
        Return ``(X, y)`` (all rows; for image sets train then test).

    Returns
    -------
    bunch : :class:`~sklearn.utils.Bunch`
        ``data``, ``target`` (all rows), ``X_train, y_train, X_test, y_test``
        (the official split when there is one, otherwise a stratified 80/20
        split with ``random_state=0``; not stratified for regression sets),
        ``has_official_split``, ``openml_id``, ``name``, ``task``
        (``"classification"``, ``"regression"`` or ``"multilabel"``) and
        ``DESCR``; multi-label sets also carry ``target_names`` (one name per
        label column) and ``feature_names``.
    (X, y) : tuple if ``return_X_y``

    Examples
    --------
    >>> from skactive.datasets import load_dataset
    >>> d = load_dataset("letter")
    >>> d.X_train.shape, d.X_test.shape, d.openml_id
    ((16000, 16), (4000, 16), 6)
    >>> X, y = load_dataset("poker-hand", return_X_y=True)
    >>> X.shape
    (25010, 10)
    >>> e = load_dataset("emotions")
    >>> e.X_train.shape, e.y_train.shape, e.task
    ((391, 72), (391, 6), 'multilabel')
    """
    key = _resolve_name(name)
    filename, openml_id, n_train, descr = _DATASETS[key]
    if key in _BUNDLED and data_home is None and not os.environ.get("SKACTIVE_DATA"):
        path = Path(str(resources.files("skactive.datasets").joinpath("data", filename)))
    else:
        path = _find_file(filename, data_home)
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    if "X" in arrays:
        X, y = arrays["X"], arrays["y"]
        if return_X_y:
            return X, y
        official = n_train is not None
        if official:
            X_train, X_test = X[:n_train], X[n_train:]
            y_train, y_test = y[:n_train], y[n_train:]
        else:
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=0.2, stratify=None if key in _REGRESSION else y,
                random_state=0,
            )
    else:
        X_train, y_train = arrays["X_train"], arrays["y_train"]
        X_test, y_test = arrays["X_test"], arrays["y_test"]
        X = np.concatenate([X_train, X_test])
        y = np.concatenate([y_train, y_test])
        if return_X_y:
            return X, y
        official = True
    task = ("regression" if key in _REGRESSION
            else "multilabel" if key in _MULTILABEL else "classification")
    extra = {}
    if "label_names" in arrays:  # multi-label sets name their label columns
        extra["target_names"] = arrays["label_names"]
    if "feature_names" in arrays:
        extra["feature_names"] = arrays["feature_names"]
    return Bunch(
        data=X,
        target=y,
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        has_official_split=official,
        openml_id=openml_id,
        name=key,
        task=task,
        DESCR=f"{descr}" + (f" (OpenML {openml_id})" if openml_id else "")
        + f", read from {path}.",
        **extra,
    )


def fetch_openml_cached(data_id, *, data_home=None, **kwargs):
    """OpenML dataset through scikit-learn's fetcher, cached for offline use.

    The first call downloads with :func:`sklearn.datasets.fetch_openml`
    (which keeps its own HTTP cache under ``data_home/openml``) and stores
    ``X, y`` as ``data_home/skactive_openml/<data_id>.npz``; later calls read
    that file and never touch the network.

    Parameters
    ----------
    data_id : int
        OpenML dataset id (6 = letter, 155 = pokerhand, 554 = mnist_784).
    data_home : str or path-like, default=None
        Cache folder; default ``sklearn.datasets.get_data_home()``.
    **kwargs
        Passed to ``fetch_openml`` (``as_frame`` is forced to False).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
        Labels encoded as integers 0..K-1 in sorted order of the originals.

    Raises
    ------
    OSError
        When the data is neither cached nor downloadable; the message names
        the cache path.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from skactive.datasets import fetch_openml_cached
    >>> home = tempfile.mkdtemp()
    >>> os.makedirs(os.path.join(home, "skactive_openml"))
    >>> np.savez(os.path.join(home, "skactive_openml", "6.npz"),
    ...          X=np.zeros((2, 3)), y=np.array([0, 1]))
    >>> X, y = fetch_openml_cached(6, data_home=home)  # read from the cache
    >>> X.shape
    (2, 3)
    """
    from sklearn.datasets import fetch_openml, get_data_home

    if isinstance(data_id, bool) or not isinstance(data_id, (int, np.integer)):
        raise ValueError(f"data_id must be an integer OpenML id, got {data_id!r}.")
    home = Path(get_data_home(data_home))
    cache = home / "skactive_openml" / f"{int(data_id)}.npz"
    if cache.is_file():
        with np.load(cache) as data:
            return data["X"], data["y"]
    kwargs["as_frame"] = False
    kwargs.pop("return_X_y", None)
    try:
        bunch = fetch_openml(data_id=int(data_id), data_home=str(home), **kwargs)
    except OSError as exc:  # URLError, HTTPError, socket errors
        raise OSError(
            f"OpenML dataset {data_id} is not cached in {cache} (nor in "
            f"sklearn's cache {home / 'openml'}) and could not be downloaded: "
            f"{exc}. Run once with network access, or copy the file there."
        ) from exc
    X = np.asarray(bunch.data)
    _, y = np.unique(np.asarray(bunch.target), return_inverse=True)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(f".tmp{os.getpid()}.npz")
    np.savez_compressed(tmp, X=X, y=y)
    os.replace(tmp, cache)
    return X, y


def imbalance_ratio(y):
    r"""Imbalance ratio :math:`ir = \sigma / \mu` of the class counts.

    :math:`\mu` and :math:`\sigma` are the mean and (population) standard
    deviation of the number of samples per class present in ``y``, as in
    Table 2 of the alamp paper; 0 for perfectly balanced data.

    Parameters
    ----------
    y : array-like of shape (n_samples,)

    Returns
    -------
    ir : float

    References
    ----------
    U. Aggarwal, A. Popescu, C. Hudelot. "Optimizing Active Learning for Low
    Annotation Budgets", section 5.1, Table 2.

    Examples
    --------
    >>> from skactive.datasets import imbalance_ratio
    >>> imbalance_ratio([0, 0, 0, 1])  # counts 3, 1: sigma 1, mu 2
    0.5
    """
    y = np.asarray(y)
    if y.size == 0:
        raise ValueError("y is empty; the imbalance ratio needs at least one label.")
    _, counts = np.unique(y, return_counts=True)
    return float(counts.std() / counts.mean())


def _profile_counts(available, lam, order):
    """Counts that decay exponentially with rate ``lam`` along ``order``."""
    K = len(available)
    ranks = np.empty(K)
    ranks[order] = np.arange(K) / max(K - 1, 1)
    frac = np.exp(-lam * ranks)
    return np.maximum(1, np.floor(available.min() * frac)).astype(np.int64)


def make_imbalanced(X, y, ir, *, random_state=None, return_indices=False):
    r"""Subsample classes so that the class counts reach ``ir = sigma / mu``.

    The classes are put in a random order and class ``k`` of ``K`` keeps
    :math:`n_{min} e^{-\lambda k / (K-1)}` samples (at least one), where
    :math:`n_{min}` is the smallest class count of ``y``; :math:`\lambda` is
    found by bisection so that :func:`imbalance_ratio` of the result is as
    close to ``ir`` as integer counts allow. This induces imbalance in a
    balanced set as the alamp paper does for Cifar100 and Food-101 (Table 2,
    ir about 0.74 to 0.79).

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
    y : array-like of shape (n_samples,)
    ir : float
        Target imbalance ratio, ``0 <= ir < sqrt(K - 1)``.
    random_state : int, RandomState instance or None, default=None
        Class order and which samples are kept.
    return_indices : bool, default=False
        Also return the kept row indices.

    Returns
    -------
    X_sub, y_sub : subsampled arrays (original row order kept)
    ir_achieved : float
    indices : ndarray, only if ``return_indices``

    References
    ----------
    U. Aggarwal, A. Popescu, C. Hudelot. "Optimizing Active Learning for Low
    Annotation Budgets", section 5.1, Table 2.

    Examples
    --------
    >>> from skactive.datasets import load_letter, make_imbalanced
    >>> X, y = load_letter(return_X_y=True)
    >>> X_imb, y_imb, ir = make_imbalanced(X, y, ir=0.75, random_state=0)
    >>> round(ir, 2)
    0.75
    """
    y = np.asarray(y)
    if not hasattr(X, "shape"):
        X = np.asarray(X)
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y have different numbers of samples: {X.shape[0]} and {y.shape[0]}."
        )
    classes, y_idx, available = np.unique(y, return_inverse=True, return_counts=True)
    K = len(classes)
    if K < 2:
        raise ValueError("y must contain at least two classes to induce imbalance.")
    max_ir = np.sqrt(K - 1)
    if not 0 <= ir < max_ir:
        raise ValueError(f"ir must be in [0, {max_ir:.3f}) for {K} classes, got {ir!r}.")
    rng = check_random_state(random_state)
    order = rng.permutation(K)

    def ir_of(lam):
        c = _profile_counts(available, lam, order)
        return c.std() / c.mean()

    lo, hi = 0.0, 1.0
    while ir_of(hi) < ir and hi < 1e3:
        hi *= 2
    for _ in range(60):
        mid = (lo + hi) / 2
        if ir_of(mid) < ir:
            lo = mid
        else:
            hi = mid
    lam = lo if abs(ir_of(lo) - ir) <= abs(ir_of(hi) - ir) else hi
    counts = _profile_counts(available, lam, order)
    keep = [
        rng.choice(np.flatnonzero(y_idx == k), size=counts[k], replace=False)
        for k in range(K)
    ]
    indices = np.sort(np.concatenate(keep))
    out = (X[indices], y[indices], imbalance_ratio(y[indices]))
    return out + (indices,) if return_indices else out
