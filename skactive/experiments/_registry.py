"""Names of strategies and estimators, as used by the CLI and run_experiments."""

import functools
import importlib

from ._image_estimators import image_cnn, image_mlp

__all__ = [
    "available_estimators",
    "available_strategies",
    "get_estimator",
    "get_strategy",
    "register_strategy",
]

# name -> class name in skactive.strategies (resolved lazily, so strategies
# added by other modules appear as soon as they exist)
_STRATEGY_CLASSES = {
    "random": "RandomSampling",
    "margin": "Margin",
    "entropy": "Entropy",
    "least-confidence": "LeastConfidence",
    "var-ratio": "VarRatio",
    "alamp": "Alamp",
    "alamp-div": "AlampDiv",
    "margin-div": "MarginDiv",
    "random-div": "RandomDiv",
    "kmeans": "KMeansSampling",
    "coreset": "CoreSet",
    "kcenter": "KCenterGreedy",
    "typiclust": "TypiClust",
    "tcm": "TCM",
    "probcover": "ProbCover",
    "cluster-margin": "ClusterMargin",
    "badge": "BADGE",
    "alfa-mix": "AlfaMix",
    "albl": "ALBL",
    "dbal": "DBAL",
    "bald": "BALD",
    "batchbald": "BatchBALD",
    "batch-bald": "BatchBALD",
    "mean-std": "MeanSTD",
    "entropy-dropout": "EntropyDropout",
    "margin-dropout": "MarginDropout",
    "least-confidence-dropout": "LeastConfidenceDropout",
    "cdal": "CDAL",
    "ceal": "CEAL",
    "coregcn": "CoreGCN",
    "vaal": "VAAL",
    # regression (GSx also works with classifiers)
    "gsx": "GreedySamplingX",
    "gsy": "GreedySamplingY",
    "igs": "ImprovedGreedySampling",
    "qbc": "QueryByCommittee",
    "query-by-committee": "QueryByCommittee",
    # (class name, parameters): one name per committee disagreement measure
    "qbc-vote-entropy": ("QueryByCommittee", {"method": "vote_entropy"}),
    "qbc-kl": ("QueryByCommittee", {"method": "kl_divergence"}),
    "qbc-kl-divergence": ("QueryByCommittee", {"method": "kl_divergence"}),
    "qbc-variance": ("QueryByCommittee", {"method": "variance"}),  # regressors
    # multi-label (tag multilabel: a learner fitted on 2-D label indicators);
    # single-label runs such as the leaderboard filter them out by that tag
    "ml-binary-minimum": "BinaryMinimum",
    "ml-max-loss": "MaxLoss",
    "ml-mean-max-loss": "MeanMaxLoss",
    "ml-mmc": "MMC",
    "ml-min-confidence": "MinConfidence",
    "ml-avg-confidence": "AvgConfidence",
    "ml-max-score": "MaxScore",
    "ml-avg-score": "AvgScore",
    # these need a torch network learner (skactive.neural)
    "bim": "AdversarialBIM",
    "deepfool": "AdversarialDeepFool",
    "lada": "LADA",
    "lpl": "LPL",
    "waal": "WAAL",
}
_CUSTOM_STRATEGIES = {}


def register_strategy(name, factory):
    """Make ``factory`` (a strategy class or a callable returning an unfitted
    strategy) available under ``name`` for :func:`get_strategy` and the CLI.

    Examples
    --------
    >>> from skactive.experiments import get_strategy, register_strategy
    >>> from skactive.strategies import Margin
    >>> register_strategy("my-margin", Margin)
    >>> get_strategy("my-margin")
    Margin()
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}.")
    if not callable(factory):
        raise ValueError(f"factory must be callable, got {factory!r}.")
    _CUSTOM_STRATEGIES[name.lower()] = factory


def _strategy_factory(name):
    key = name.strip().lower().replace("_", "-")
    if key in _CUSTOM_STRATEGIES:
        return _CUSTOM_STRATEGIES[key]
    if key in _STRATEGY_CLASSES:
        strategies = importlib.import_module("skactive.strategies")
        entry = _STRATEGY_CLASSES[key]
        cls_name, params = entry if isinstance(entry, tuple) else (entry, None)
        cls = getattr(strategies, cls_name, None)
        if cls is None or not params:
            return cls
        return functools.partial(cls, **params)
    return None


def available_strategies():
    """Names accepted by :func:`get_strategy` whose class exists, sorted.

    Examples
    --------
    >>> from skactive.experiments import available_strategies
    >>> {"random", "margin", "alamp", "alamp-div"} <= set(available_strategies())
    True
    """
    names = set(_CUSTOM_STRATEGIES)
    names.update(n for n in _STRATEGY_CLASSES if _strategy_factory(n) is not None)
    return sorted(names)


def get_strategy(name, random_state=None):
    """A new query strategy from its registry name (e.g. ``"alamp-div"``).

    Parameters
    ----------
    name : str
        See :func:`available_strategies`; case and ``_``/``-`` are ignored.
    random_state : int, RandomState instance or None, default=None
        Set on strategies that have a ``random_state`` parameter.

    Returns
    -------
    strategy : BaseQueryStrategy

    Examples
    --------
    >>> from skactive.experiments import get_strategy
    >>> get_strategy("alamp-div")
    AlampDiv()
    >>> get_strategy("random", random_state=0)
    RandomSampling(random_state=0)
    """
    if not isinstance(name, str):
        raise ValueError(f"Strategy name must be a string, got {name!r}.")
    factory = _strategy_factory(name)
    if factory is None:
        raise ValueError(
            f"Unknown strategy {name!r}; available: {', '.join(available_strategies())}."
        )
    strategy = factory()
    if random_state is not None and "random_state" in strategy.get_params(deep=False):
        strategy.set_params(random_state=random_state)
    return strategy


def _svc():
    from sklearn.svm import SVC

    return SVC()


def _svc_scaled():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    return make_pipeline(StandardScaler(), SVC())


def _svc_cv():
    from sklearn.model_selection import GridSearchCV
    from sklearn.svm import SVC

    return GridSearchCV(SVC(), {"C": [0.1, 1.0, 10.0, 100.0]}, cv=3)


def _logreg():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def _rf():
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=100)


def _knn():
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), KNeighborsClassifier())


def _ovr_logreg():
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), OneVsRestClassifier(LogisticRegression(max_iter=1000)))


def _ridge():
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(SimpleImputer(), StandardScaler(), Ridge())


def _svr():
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVR

    return make_pipeline(SimpleImputer(), StandardScaler(), SVR())


def _rf_reg():
    from sklearn.ensemble import RandomForestRegressor

    return RandomForestRegressor(n_estimators=100)


_ESTIMATORS = {
    "svc": (_svc, "SVC() at its defaults (RBF kernel), as in the alamp paper"),
    "svc-scaled": (_svc_scaled, "StandardScaler + SVC()"),
    "svc-cv": (_svc_cv, "SVC with C chosen by 3-fold CV on the labelled set"),
    "logreg": (_logreg, "StandardScaler + LogisticRegression"),
    "rf": (_rf, "RandomForestClassifier(n_estimators=100)"),
    "knn": (_knn, "StandardScaler + KNeighborsClassifier"),
    "ovr-logreg": (_ovr_logreg, "multi-label: StandardScaler + OneVsRestClassifier("
                   "LogisticRegression), one binary model per label"),
    # networks (need torch); they also take the image datasets (mnist, cifar10)
    "mlp": (image_mlp, "flattened pixels/rows + StandardScaler + skactive MLP (torch)"),
    "cnn": (image_cnn, "images: skactive SmallCNN through skorch (torch)"),
    # regressors (the imputer fills NaN, e.g. in the ozone data, with column means)
    "ridge": (_ridge, "regression: SimpleImputer + StandardScaler + Ridge"),
    "svr": (_svr, "regression: SimpleImputer + StandardScaler + SVR() (RBF kernel)"),
    "rf-reg": (_rf_reg, "regression: RandomForestRegressor(n_estimators=100), NaN allowed"),
}


def available_estimators():
    """Estimator names accepted by :func:`get_estimator`, with descriptions.

    Examples
    --------
    >>> from skactive.experiments import available_estimators
    >>> "svc" in available_estimators()
    True
    """
    return {name: desc for name, (_, desc) in _ESTIMATORS.items()}


def get_estimator(name):
    """A new unfitted estimator from its name (``"svc"``, ``"logreg"``, ...;
    regressors: ``"ridge"``, ``"svr"``, ``"rf-reg"``).

    Examples
    --------
    >>> from skactive.experiments import get_estimator
    >>> get_estimator("svc")
    SVC()
    """
    key = str(name).strip().lower().replace("_", "-")
    if key not in _ESTIMATORS:
        raise ValueError(
            f"Unknown estimator {name!r}; available: {', '.join(_ESTIMATORS)}."
        )
    return _ESTIMATORS[key][0]()
