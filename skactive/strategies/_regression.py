"""Greedy sampling for regression (Wu, Lin & Huang 2019): GSx, GSy and iGS."""

import numpy as np
from sklearn.metrics import pairwise_distances, pairwise_distances_argmin_min
from sklearn.metrics.pairwise import pairwise_distances_chunked
from sklearn.utils._param_validation import StrOptions

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..utils._embedding import get_embedding
from ._diversity import greedy_farthest_first

__all__ = ["GreedySamplingX", "GreedySamplingY", "ImprovedGreedySampling", "greedy_sampling"]

_METRICS = {"euclidean", "manhattan", "cosine", "l1", "l2", "cityblock", "chebyshev"}

def _input_distances(Z, metric):
    """``distance_to(i)``: distances of every row of ``Z`` to row ``i``."""
    if metric in ("euclidean", "l2"):
        Z = Z.astype(np.float64, copy=False)
        sq = np.einsum("ij,ij->i", Z, Z)

        def distance_to(i):
            d = Z @ Z[i]
            d *= -2.0
            d += sq
            d += sq[i]
            np.maximum(d, 0.0, out=d)
            return np.sqrt(d, out=d)

        return distance_to

    def distance_to(i):
        return pairwise_distances(Z, Z[i : i + 1], metric=metric).ravel()

    return distance_to


def greedy_sampling(k, *, Z=None, Z_labeled=None, y_pred=None, y_labeled=None,
                    metric="euclidean"):
    r"""Greedy sampling of Wu, Lin & Huang (2019) in the input space, the
    output space or both.

    Each pick is the pool sample whose smallest distance to the labelled set
    (grown by the samples already picked) is the largest:
    :math:`n^* = \arg\max_n \min_m d_{nm}` with

    - GSx (only ``Z`` given): :math:`d_{nm} = \lVert z_n - z_m \rVert`;
    - GSy (only ``y_pred`` given): :math:`d_{nm} = |f(x_n) - y_m|`;
    - iGS (both): :math:`d_{nm} = \lVert z_n - z_m \rVert \, |f(x_n) - y_m|`.

    A picked sample joins the labelled set with its prediction ``y_pred`` as
    its target (its label is not known yet inside a batch). Only an
    ``O(n_pool)`` vector of distances is kept; the distances to the labelled
    set are computed in chunks, never as a full matrix. Ties go to the
    smallest index; once every remaining distance is 0 (duplicates), the
    remaining picks follow in index order.

    Parameters
    ----------
    k : int
        Number of samples to pick.
    Z, Z_labeled : ndarray of shape (n_pool, d) and (n_labeled, d), default=None
        Input-space features of the pool and of the labelled set.
    y_pred, y_labeled : ndarray of shape (n_pool,) and (n_labeled,), default=None
        Predictions for the pool and targets of the labelled set.
    metric : str, default="euclidean"
        Input-space metric (any of :func:`sklearn.metrics.pairwise_distances`).

    Returns
    -------
    selected : ndarray of shape (k,)
        Pool indices in selection order.
    pick_distances : ndarray of shape (k,)
        :math:`\min_m d_{nm}` of each pick when it was picked.
    min_distances : ndarray of shape (n_pool,)
        Final :math:`\min_m d_{nm}` of every sample (0 for the picks).

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.strategies import greedy_sampling
    >>> Z = np.array([[0.0], [1.0], [5.0], [9.0]])
    >>> sel, d, _ = greedy_sampling(2, Z=Z, Z_labeled=np.array([[0.0]]))
    >>> sel, d
    (array([3, 2]), array([9., 4.]))
    >>> greedy_sampling(2, y_pred=np.array([1.0, 3.0, 2.5]),
    ...                 y_labeled=np.array([1.0]))[0]
    array([1, 2])
    """
    use_x, use_y = Z is not None, y_pred is not None
    if not (use_x or use_y):
        raise ValueError("greedy_sampling needs Z (input space), y_pred (output space) or both.")
    n = Z.shape[0] if use_x else y_pred.shape[0]
    if use_y:
        y_pred = np.asarray(y_pred, dtype=np.float64).ravel()
        y_labeled = np.asarray(y_labeled, dtype=np.float64).ravel()
    n_labeled = Z_labeled.shape[0] if use_x else y_labeled.shape[0]
    if n_labeled == 0:
        min_d = np.full(n, np.inf)
    elif use_x and not use_y:
        min_d = pairwise_distances_argmin_min(Z, Z_labeled, metric=metric)[1]
        min_d = min_d.astype(np.float64)
    elif use_y and not use_x:
        # 1-d: the nearest labelled target by binary search, O(n log m)
        ys = np.sort(y_labeled)
        pos = np.searchsorted(ys, y_pred)
        lo = ys[np.clip(pos - 1, 0, ys.size - 1)]
        hi = ys[np.clip(pos, 0, ys.size - 1)]
        min_d = np.minimum(np.abs(y_pred - lo), np.abs(y_pred - hi))
    else:
        def reduce(D, offset):
            rows = slice(offset, offset + D.shape[0])
            D *= np.abs(y_pred[rows, None] - y_labeled[None, :])
            return D.min(axis=1)

        min_d = np.concatenate(
            list(pairwise_distances_chunked(Z, Z_labeled, reduce_func=reduce, metric=metric))
        )
    dist_x = _input_distances(Z, metric) if use_x else None

    def distance_to(i):
        if use_x and use_y:
            return dist_x(i) * np.abs(y_pred - y_pred[i])
        if use_x:
            return dist_x(i)
        return np.abs(y_pred - y_pred[i])

    selected, pick_d, min_d = greedy_farthest_first(min_d, k, distance_to)
    return selected, pick_d, min_d


class _GreedySampling(BaseQueryStrategy):
    """Shared query of the three greedy-sampling strategies."""

    _use_x = True
    _use_y = True

    def _features(self, learner, X):
        return get_embedding(learner, X, space=self.space)

    def _query(self, X_pool, learner, budget, random_state):
        kwargs = {}
        X_lab = getattr(learner, "X_labeled_", None)  # None: GSx before fit
        n_lab = 0 if X_lab is None else X_lab.shape[0]
        if self._use_x:
            kwargs["Z"] = self._features(learner, X_pool)
            kwargs["Z_labeled"] = (
                self._features(learner, X_lab) if n_lab else kwargs["Z"][:0]
            )
            kwargs["metric"] = self.metric
        if self._use_y:
            kwargs["y_pred"] = np.asarray(learner.predict(X_pool), dtype=np.float64)
            kwargs["y_labeled"] = learner.y_labeled_
        if self._use_x and not self._use_y and n_lab == 0:
            return self._query_from_centroid(kwargs, budget)
        selected, pick_d, min_d = greedy_sampling(budget, **kwargs)
        scores = min_d
        scores[selected] = pick_d
        return selected, scores

    @staticmethod
    def _query_from_centroid(kwargs, budget):
        """GSx without labelled samples: the paper's first pick is the pool
        sample closest to the pool's centroid; farthest-first from there."""
        Z = kwargs["Z"]
        first = int(np.argmin(((Z - Z.mean(axis=0)) ** 2).sum(axis=1)))
        kwargs["Z_labeled"] = Z[first : first + 1]
        selected, pick_d, min_d = greedy_sampling(min(budget, Z.shape[0] - 1) or 1, **kwargs)
        # ``first`` is at distance 0 and only comes back through the
        # duplicates fallback: drop it there
        keep = selected != first
        selected = np.r_[first, selected[keep]][:budget].astype(np.intp)
        if selected.shape[0] < budget:
            rest = np.setdiff1d(np.arange(Z.shape[0]), selected)
            selected = np.r_[selected, rest[: budget - selected.shape[0]]].astype(np.intp)
        scores = min_d
        picked_d = pick_d[keep][: budget - 1]
        scores[selected[1 : 1 + picked_d.shape[0]]] = picked_d
        scores[first] = picked_d.max() if picked_d.size else 0.0
        return selected, scores


class GreedySamplingX(_GreedySampling):
    r"""Greedy sampling in the input space (GSx, Wu, Lin & Huang 2019).

    Selects the pool sample farthest from the labelled set,
    :math:`n^* = \arg\max_n \min_m \lVert x_n - x_m \rVert`, then adds it to
    the set and repeats until ``budget`` samples are picked. It does not look
    at the model's predictions, so it works with classifiers too (it is then
    :class:`KCenterGreedy` with the paper's start rule). By default the
    features are those the model sees: the output of the pipeline's
    transformers (e.g. after a ``StandardScaler``), or the network's
    embedding; ``space="input"`` uses the raw ``X`` as the paper does.

    With an empty labelled set -- an :class:`~skactive.ActiveLearner` before
    ``fit`` can query GSx to choose its initial labelled set -- the first pick
    is the pool sample closest to the pool's centroid, as in the paper; the
    others follow by farthest-first selection from it. Deterministic: ties go to the smallest index (the
    paper does not say; scikit-activeml breaks ties at random).

    Scores: for selected samples the distance at which they were picked
    (non-increasing in selection order), for the others their final distance
    to the nearest labelled or selected sample.

    Parameters
    ----------
    space : {"embedding", "input"}, default="embedding"
        ``"embedding"``: the features the final estimator receives (pipeline
        transforms, network embedding); ``"input"``: ``X`` as given.
    metric : str, default="euclidean"
        Distance in that space (``"euclidean"`` has a fast path;
        ``"manhattan"``, ``"cosine"``, ...).

    References
    ----------
    D. Wu, C.-T. Lin, J. Huang. "Active learning for regression using
    greedy sampling", Information Sciences 474 (2019), pp. 90-105.
    GSx algorithm: :math:`d^x_n = \min_m \lVert x_n - x_m \rVert`, select
    :math:`\arg\max_n d^x_n`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from skactive import ActiveLearner
    >>> from skactive.strategies import GreedySamplingX
    >>> X_lab, y_lab = np.array([[0.0], [1.0]]), np.array([0.0, 1.0])
    >>> X_pool = np.array([[0.5], [3.0], [10.0], [6.0]])
    >>> learner = ActiveLearner(Ridge(), GreedySamplingX()).fit(X_lab, y_lab)
    >>> learner.query(X_pool, budget=2)  # 10 (farthest), then 6 (4 from 10 and 1)
    array([2, 3])
    """

    _use_y = False
    _parameter_constraints = {
        "space": [StrOptions({"embedding", "input"})],
        "metric": [StrOptions(_METRICS)],
    }

    def __init__(self, space="embedding", metric="euclidean"):
        self.space = space
        self.metric = metric

    def __query_tags__(self):
        # model-free: it can also choose the initial set of an unfitted learner
        return QueryStrategyTags(
            requires_labeled_data=True, task="both", requires_fitted_learner=False
        )


class GreedySamplingY(_GreedySampling):
    r"""Greedy sampling in the output space (GSy, Wu, Lin & Huang 2019).

    Selects the pool sample whose predicted target is farthest from every
    labelled target, :math:`n^* = \arg\max_n \min_m |f(x_n) - y_m|`. Within a
    batch the model is not refitted: a picked sample joins the labelled set
    with its prediction :math:`f(x_n)` as target, so the next pick avoids its
    neighbourhood in the output space (the paper selects one sample per
    refit; scikit-activeml's ``GreedySamplingTarget(method="GSy")`` does the
    same as here for batches). The paper starts GSy with GSx samples until
    the model can be fitted; here the learner is already fitted.

    Deterministic: ties go to the smallest index. Scores as in
    :class:`GreedySamplingX`, with output-space distances.

    References
    ----------
    D. Wu, C.-T. Lin, J. Huang. "Active learning for regression using
    greedy sampling", Information Sciences 474 (2019), pp. 90-105.
    GSy algorithm: :math:`d^y_n = \min_m |f(x_n) - y_m|`, select
    :math:`\arg\max_n d^y_n`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from skactive import ActiveLearner
    >>> from skactive.strategies import GreedySamplingY
    >>> X_lab, y_lab = np.array([[0.0], [1.0]]), np.array([0.0, 1.0])
    >>> X_pool = np.array([[0.4], [-3.0], [2.0], [-2.5]])  # f(x) = x
    >>> learner = ActiveLearner(LinearRegression(), GreedySamplingY()).fit(X_lab, y_lab)
    >>> learner.query(X_pool, budget=2)
    array([1, 2])
    """

    _use_x = False

    def __query_tags__(self):
        return QueryStrategyTags(requires_labeled_data=True, task="regression")


class ImprovedGreedySampling(_GreedySampling):
    r"""Improved greedy sampling (iGS, Wu, Lin & Huang 2019): input and output
    space together.

    Selects :math:`n^* = \arg\max_n \min_m \lVert x_n - x_m \rVert\,
    |f(x_n) - y_m|`: the product of the two distances is taken per labelled
    sample, then the minimum over the labelled set (as in the paper and in
    scikit-activeml's ``GreedySamplingTarget(method="GSi")``; it is not the
    product of the two minima). Input-space features as in
    :class:`GreedySamplingX`; batches as in :class:`GreedySamplingY` (picks
    join the labelled set with their predictions as targets). The distances
    to the labelled set are computed in chunks.

    Deterministic: ties go to the smallest index.

    Parameters
    ----------
    space : {"embedding", "input"}, default="embedding"
        Input-space features, see :class:`GreedySamplingX`.
    metric : str, default="euclidean"
        Input-space distance.

    References
    ----------
    D. Wu, C.-T. Lin, J. Huang. "Active learning for regression using
    greedy sampling", Information Sciences 474 (2019), pp. 90-105.
    iGS algorithm: :math:`d^{xy}_n = \min_m d^x_{nm} d^y_{nm}`, select
    :math:`\arg\max_n d^{xy}_n`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from skactive import ActiveLearner
    >>> from skactive.strategies import ImprovedGreedySampling
    >>> X_lab, y_lab = np.array([[0.0], [1.0]]), np.array([0.0, 1.0])
    >>> X_pool = np.array([[0.4], [-3.0], [2.0], [-2.5]])
    >>> learner = ActiveLearner(LinearRegression(), ImprovedGreedySampling())
    >>> learner.fit(X_lab, y_lab).query(X_pool, budget=2)
    array([1, 2])
    """

    _parameter_constraints = {
        "space": [StrOptions({"embedding", "input"})],
        "metric": [StrOptions(_METRICS)],
    }

    def __init__(self, space="embedding", metric="euclidean"):
        self.space = space
        self.metric = metric

    def __query_tags__(self):
        return QueryStrategyTags(requires_labeled_data=True, task="regression")
