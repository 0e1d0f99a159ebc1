"""Base class and capability tags of query strategies."""

import contextlib
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, is_regressor
from sklearn.utils import check_random_state

from .exceptions import LearnerCapabilityError
from .utils._pools import is_dask_array, query_dask_pool
from .utils._validation import (
    check_budget,
    check_pool,
    check_query_learner,
    named_feature_errors,
)
from .utils._multilabel import check_multilabel_learner

__all__ = ["BaseQueryStrategy", "QueryStrategyTags", "get_query_tags"]


@dataclass
class QueryStrategyTags:
    """What a query strategy needs from the learner.

    Capabilities are declared, not guessed: :meth:`BaseQueryStrategy.query`
    checks them before any work and raises
    :class:`~skactive.exceptions.LearnerCapabilityError` naming what is
    missing.

    Attributes
    ----------
    requires_proba : bool
        Needs ``predict_proba`` (e.g. entropy).
    requires_scores : bool
        Needs per-class scores: ``predict_proba`` or ``decision_function``
        (e.g. margin, alamp).
    requires_labeled_data : bool
        Needs the labelled set (``X_labeled_``, ``y_labeled_``) of an
        :class:`~skactive.ActiveLearner` (e.g. CoreSet).
    requires_embedding : bool
        Needs latent embeddings (``embed``).
    requires_head_gradient : bool
        Needs gradients of the loss at the classification head (BADGE).
    requires_samples : bool
        Needs stochastic predictions (MC dropout or a committee).
    requires_neural_net : bool
        Needs a torch network learner (a skorch
        :class:`~skactive.neural.ActiveNeuralNetClassifier`, possibly inside
        an :class:`~skactive.ActiveLearner`): input gradients, layer access or
        training hooks. The contract checks then use a small MLP learner.
    requires_torch : bool
        Needs PyTorch installed (it trains an auxiliary network, e.g. a VAE or
        a GCN), whatever the learner.
    uses_previous_model : bool
        Reads ``previous_estimator_`` when available (alamp).
    stochastic : bool
        The selection depends on ``random_state``.
    requires_fitted_learner : bool
        Needs a fitted model (the default). ``False`` for model-free
        strategies (random, TypiClust, ProbCover, k-means, k-center on the raw
        or a transformer's features), which can choose the initial labelled
        set from an unfitted :class:`~skactive.ActiveLearner`; the others
        raise :class:`~sklearn.exceptions.NotFittedError` there.
    task : {"classification", "regression", "both"}
        The learners the strategy works with: classifiers (the default),
        regressors (e.g. :class:`~skactive.strategies.GreedySamplingX`), or
        both (e.g. :class:`~skactive.strategies.RandomSampling`). A learner of
        the other kind raises :class:`~skactive.exceptions.LearnerCapabilityError`.
    supports_dask_pool : bool
        Scores each pool sample on its own, so a :class:`dask.array.Array`
        pool is scored blockwise on the workers (the strategy implements
        ``_pool_scorer(learner, random_state)``, see
        :func:`skactive.utils._pools.query_dask_pool`). Strategies without it
        need the whole pool in memory and refuse dask pools with a
        ``ValueError``.
    multilabel : bool
        A multi-label strategy: it needs a learner fitted on multi-label
        ``y`` (e.g. :class:`~skactive.strategies.BinaryMinimum`). Strategies
        without it that read the model (``requires_fitted_learner``) refuse a
        multi-label learner; model-free ones (random, k-center...) accept
        both. See :func:`skactive.utils._multilabel.check_multilabel_learner`.

    Examples
    --------
    >>> from skactive.base import QueryStrategyTags
    >>> QueryStrategyTags(requires_proba=True).requires_proba
    True
    """

    requires_proba: bool = False
    requires_scores: bool = False
    requires_labeled_data: bool = False
    requires_embedding: bool = False
    requires_head_gradient: bool = False
    requires_samples: bool = False
    requires_neural_net: bool = False
    requires_torch: bool = False
    uses_previous_model: bool = False
    stochastic: bool = False
    requires_fitted_learner: bool = True
    task: str = "classification"
    supports_dask_pool: bool = False
    multilabel: bool = False


_TASKS = ("classification", "regression", "both")


def _check_task(tags, learner, name):
    """Refuse a learner whose kind (classifier / regressor) the strategy does
    not support (``task`` tag)."""
    task = tags.task
    if task not in _TASKS:
        raise ValueError(f"{name} declares task={task!r}; expected one of {list(_TASKS)}.")
    if task == "both":
        return
    try:
        regression = is_regressor(learner)
    except Exception:  # third-party estimators with broken tags: assume a classifier
        regression = False
    if regression and task == "classification":
        raise LearnerCapabilityError(
            f"{name} is a classification strategy, but the learner "
            f"({type(learner).__name__}) is a regressor. Use a regression strategy "
            "(GreedySamplingX, GreedySamplingY, ImprovedGreedySampling, "
            "QueryByCommittee(method='variance')) or RandomSampling."
        )
    if not regression and task == "regression":
        raise LearnerCapabilityError(
            f"{name} is a regression strategy, but the learner "
            f"({type(learner).__name__}) is not a regressor. Wrap a regressor, e.g. "
            "ActiveLearner(Ridge()), or use a classification strategy."
        )


def get_query_tags(strategy):
    """Return the :class:`QueryStrategyTags` of a strategy (instance or class).

    Examples
    --------
    >>> from skactive.base import get_query_tags
    >>> from skactive.strategies import Entropy
    >>> get_query_tags(Entropy()).requires_proba
    True
    """
    return strategy.__query_tags__()


def _torch_modules(learner):
    """Torch modules held by the learner, its fitted (and previous) estimator,
    their pipeline steps and a search's best estimator (skorch: ``module_``,
    ``criterion_``, ``critic_``...). Duck-typed: no torch import."""
    seen, out, todo = set(), [], [learner]
    while todo:
        obj = todo.pop()
        if obj is None or id(obj) in seen:
            continue
        seen.add(id(obj))
        if callable(getattr(obj, "modules", None)) and \
                isinstance(getattr(obj, "training", None), bool):
            out.append(obj)
            continue
        todo += [getattr(obj, a, None) for a in ("estimator_", "previous_estimator_",
                                                  "best_estimator_")]
        todo += [step for _, step in getattr(obj, "steps", None) or []]
        if hasattr(obj, "module_"):  # a skorch net: its modules and criteria
            todo += [v for v in vars(obj).values() if callable(getattr(v, "modules", None))]
    return out


@contextlib.contextmanager
def _keep_torch_modes(learner):
    """Restore every train/eval flag of the learner's torch modules after a
    query (skorch's ``predict_proba`` leaves them in eval mode): strategies
    never change the learner."""
    flags = [(m, m.training) for module in _torch_modules(learner) for m in module.modules()]
    try:
        yield
    finally:
        for m, flag in flags:
            m.training = flag


class BaseQueryStrategy(BaseEstimator):
    """Base class of every query strategy (template method).

    Subclasses implement :meth:`_query` only; the public :meth:`query`
    validates the pool, the budget and the learner's capabilities, resolves
    ``random_state``, calls ``_query`` and checks its output (unique in-range
    integer indices, best first). Hyper-parameters live in ``__init__`` and are
    stored unchanged, so :func:`~sklearn.base.clone` and ``get_params`` work.

    Subclasses declare what they need by overriding :meth:`__query_tags__`.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.base import BaseQueryStrategy
    >>> class FirstK(BaseQueryStrategy):
    ...     def _query(self, X_pool, learner, budget, random_state):
    ...         return np.arange(budget), None
    >>> from sklearn.linear_model import LogisticRegression
    >>> clf = LogisticRegression().fit([[0.0], [1.0]], [0, 1])
    >>> FirstK().query(np.zeros((5, 1)), clf, budget=2)
    array([0, 1])
    """

    _parameter_constraints: dict = {}

    def __query_tags__(self):
        return QueryStrategyTags()

    def fit(self, X=None, y=None, **fit_params):
        """Fit optional state of the strategy (most strategies have none).

        Returns
        -------
        self : object
        """
        return self

    def query(self, X_pool, learner, budget=1, *, return_scores=False):
        """Select the ``budget`` pool samples to label, best first.

        Parameters
        ----------
        X_pool : array-like of shape (n_pool, ...)
            Unlabelled samples, in any shape the learner accepts. An
            ``np.memmap`` is scored chunk by chunk; a ``dask.array.Array`` is
            scored blockwise on the workers by strategies with the tag
            ``supports_dask_pool`` (the others raise a ``ValueError``).
        learner : estimator
            A fitted :class:`~skactive.ActiveLearner` or any fitted classifier
            (strategies that need the labelled set then raise).
        budget : int, default=1
            Number of samples to select, ``1 <= budget <= n_pool``.
        return_scores : bool, default=False
            Also return one score per pool sample (larger means selected
            earlier; NaN where the strategy has no per-sample score).

        Returns
        -------
        indices : ndarray of shape (budget,)
            Unique indices into ``X_pool``, best first.
        scores : ndarray of shape (n_pool,)
            Only if ``return_scores=True`` (a lazy dask array for a dask pool).
        """
        self._validate_params()
        name = type(self).__name__
        tags = self.__query_tags__()
        if hasattr(learner, "fit"):  # a missing learner is reported below
            _check_task(tags, learner, name)
        check_query_learner(learner, tags, name)
        check_multilabel_learner(learner, tags, name)
        if is_dask_array(X_pool):  # scored on the workers; only indices come back
            with _keep_torch_modes(learner):
                return query_dask_pool(
                    self, X_pool, learner, budget,
                    check_random_state(getattr(self, "random_state", None)),
                    return_scores=return_scores,
                )
        # networks take dense input: sparse pools are densified (memory-guarded)
        X_pool = check_pool(X_pool, learner, dense=tags.requires_neural_net,
                            strategy_name=name)
        n_pool = X_pool.shape[0]
        budget = check_budget(budget, n_pool)
        random_state = check_random_state(getattr(self, "random_state", None))
        with named_feature_errors(name, X_pool, learner), _keep_torch_modes(learner):
            indices, scores = self._query(X_pool, learner, budget, random_state)
        indices = self._check_indices(indices, budget, n_pool)
        if not return_scores:
            return indices
        if scores is None:
            scores = np.full(n_pool, np.nan)
        scores = np.asarray(scores, dtype=float)
        if scores.shape != (n_pool,):
            raise RuntimeError(
                f"{name}._query returned scores of shape {scores.shape}, "
                f"expected ({n_pool},)."
            )
        return indices, scores

    def _query(self, X_pool, learner, budget, random_state):
        """Compute the selection.

        Parameters
        ----------
        X_pool : validated pool
        learner : fitted estimator with the declared capabilities
        budget : int, validated
        random_state : numpy.random.RandomState

        Returns
        -------
        indices : ndarray of shape (budget,)
        scores : ndarray of shape (n_pool,) or None
        """
        raise NotImplementedError(f"{type(self).__name__} must implement _query.")

    def _check_indices(self, indices, budget, n_pool):
        name = type(self).__name__
        indices = np.asarray(indices)
        if indices.shape != (budget,) or not np.issubdtype(indices.dtype, np.integer):
            raise RuntimeError(
                f"{name}._query must return {budget} integer indices, got an array "
                f"of shape {indices.shape} and dtype {indices.dtype}."
            )
        if budget and (indices.min() < 0 or indices.max() >= n_pool):
            raise RuntimeError(f"{name}._query returned indices outside [0, {n_pool}).")
        if np.unique(indices).shape[0] != budget:
            raise RuntimeError(f"{name}._query returned duplicate indices.")
        return indices.astype(np.intp, copy=False)
