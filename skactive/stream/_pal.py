"""Probabilistic active learning in datastreams (Kottke, Krempl & Spiliopoulou 2015)."""

from numbers import Integral, Real

import numpy as np
from scipy.special import gammaln
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_array

from ._base import BaseStreamSelector
from ._budget import BalancedQuantileFilter

__all__ = ["StreamProbabilisticAL", "probabilistic_gain"]


def _label_vectors(n_classes, m):
    """All count vectors of ``m`` labels over ``n_classes`` classes, shape (L, K)."""
    if m == 0:
        return np.zeros((1, n_classes), dtype=int)
    out = []
    for first in range(m, -1, -1):
        if n_classes == 1:
            if first == m:
                out.append([m])
            continue
        for rest in _label_vectors(n_classes - 1, m - first):
            out.append([first, *rest])
    return np.asarray(out, dtype=int)


def probabilistic_gain(K, *, m_max=1, prior=1e-3):
    """Expected accuracy gain per label of PAL (0/1 loss, closed form).

    For kernel label frequencies ``k`` of a candidate (its label statistics)
    the true posterior is ``p ~ Dir(k + prior)``. Buying ``m`` labels there,
    ``l ~ DirMult(m, k + prior)``, changes the decision to
    ``argmax(k + l)``; the gain is

    .. math::

        G(k) = \\max_{1 \\le m \\le m_{max}} \\frac{1}{m}\\Big(
        E_l\\big[\\tfrac{\\alpha_{\\hat y(l)} + l_{\\hat y(l)}}{A + m}\\big]
        - \\tfrac{\\alpha_{\\hat y(0)}}{A}\\Big),\\quad
        \\alpha = k + prior,\\ A = \\textstyle\\sum_c \\alpha_c,

    the multi-class PAL of Kottke et al. (2016) with the 0/1 loss, which is
    scikit-activeml's ``cost_reduction`` (module
    ``skactiveml/pool/_probabilistic_al.py``, version 0.6) with ``C = 1 - I``.
    Ties in the decision go to the first class, as there.

    Parameters
    ----------
    K : array-like of shape (n_samples, n_classes)
        Label frequencies (non-negative).
    m_max : int, default=1
        Most labels considered at once (the paper's non-myopic extension).
    prior : float > 0, default=1e-3
        Dirichlet prior added to every class.

    Returns
    -------
    gain : ndarray of shape (n_samples,)

    Examples
    --------
    >>> from skactive.stream import probabilistic_gain
    >>> float(probabilistic_gain([[0.0, 0.0]], prior=1.0)[0])  # 1/2 - 1/3
    0.1666...
    """
    K = check_array(K, dtype=float, input_name="K")
    if (K < 0).any():
        raise ValueError("K (label frequencies) must be non-negative.")
    alpha = K + prior
    A = alpha.sum(1)
    current = alpha[np.arange(K.shape[0]), K.argmax(1)] / A
    gains = []
    for m in range(1, m_max + 1):
        L = _label_vectors(K.shape[1], m)  # (n_l, K)
        # log P(l) under DirMult(m, alpha): log m! - sum log l_j! + log G(A) - log G(A+m)
        #                                     + sum_j [log G(alpha_j + l_j) - log G(alpha_j)]
        log_coef = gammaln(m + 1) - gammaln(L + 1).sum(1)  # (n_l,)
        al = alpha[:, None, :] + L[None]  # (n, n_l, K)
        log_p = (log_coef[None] + gammaln(A)[:, None] - gammaln(A + m)[:, None]
                 + (gammaln(al) - gammaln(alpha)[:, None, :]).sum(2))
        y_hat = (K[:, None, :] + L[None]).argmax(2)  # decisions after the labels
        acc = np.take_along_axis(al, y_hat[..., None], 2)[..., 0] / (A + m)[:, None]
        gains.append(((np.exp(log_p) * acc).sum(1) - current) / m)
    return np.max(gains, axis=0)


def _rbf(X, Z, gamma):
    d2 = (X * X).sum(1)[:, None] + (Z * Z).sum(1)[None] - 2.0 * X @ Z.T
    return np.exp(-gamma * np.maximum(d2, 0.0))


class StreamProbabilisticAL(BaseStreamSelector):
    """Probabilistic active learning for datastreams (Kottke et al. 2015).

    Each arriving sample ``x`` gets the *spatial usefulness*
    ``density(x) * gain(k(x))`` (Kottke et al. 2015, Section 3.2):

    * ``k_c(x) = sum_j K(x, x_j) [y_j = c]`` -- kernel label frequencies of
      the labelled samples (the last ``label_window`` of them), the label
      statistics of PAL;
    * ``gain`` -- the expected accuracy gain of PAL (:func:`probabilistic_gain`,
      multi-class form with ``m_max`` and ``prior``);
    * ``density(x) = mean_j K(x, x_j)`` over the last ``density_window``
      arriving samples, labelled or not (1 while none was seen yet);
    * ``K(x, x') = exp(-gamma ||x - x'||^2)``.

    The *temporal usefulness* (is this utility high for the stream?) is the
    budget manager's job: the balanced incremental quantile filter
    (:class:`BalancedQuantileFilter`, Section 3.3) by default; only filter
    managers are accepted, since PAL has no threshold of its own. The
    selector keeps its own label statistics, so it needs the labels:
    :meth:`update` takes ``y`` (the labels of the queried samples). The
    learner is used only for its ``classes_`` when ``classes`` is None.
    The utilities of a batch come from the state at its start (the label
    statistics and the density window grow in :meth:`update`); the budget
    manager still decides the batch's samples in order.

    Parameters
    ----------
    budget : float in (0, 1], default=0.1
    budget_manager : BalancedQuantileFilter or None, default=None
        None: ``BalancedQuantileFilter(w=100, w_tol=50)``.
    classes : array-like or None, default=None
        All classes (None: ``learner.classes_``).
    gamma : float > 0 or None, default=None
        RBF kernel coefficient (None: ``1 / n_features``; scale the features).
    m_max : int, default=1
        Non-myopic horizon of PAL (scikit-activeml's default is 2).
    prior : float > 0, default=1e-3
        Dirichlet prior of PAL.
    density_window : int, default=100
        Arrivals the density is estimated over.
    label_window : int or None, default=None
        Labelled samples kept for the label statistics (None: all).

    Attributes
    ----------
    classes_ : ndarray
    X_window_ : ndarray
        The last ``density_window`` arrivals.
    X_labeled_, y_labeled_ : ndarray
        The labelled samples behind the label statistics (``y`` as class indices).
    budget_manager_, n_seen_, n_queried_, random_state_
        See :class:`BaseStreamSelector`.

    References
    ----------
    D. Kottke, G. Krempl and M. Spiliopoulou. Probabilistic active learning in
    datastreams. IDA 2015, LNCS 9385, pp. 145-157.
    D. Kottke, G. Krempl, D. Lang, J. Teschner and M. Spiliopoulou.
    Multi-class probabilistic active learning. ECAI 2016, pp. 586-594
    (closed form of the expected gain).

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.stream import StreamProbabilisticAL
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(30, 2)); y = (X[:, 0] > 0).astype(int)
    >>> sel = StreamProbabilisticAL(budget=0.2, classes=[0, 1])
    >>> for t in range(0, 30, 5):
    ...     idx = sel.query(X[t:t + 5])
    ...     _ = sel.update(X[t:t + 5], idx, y=y[t:t + 5][idx])
    >>> int(sel.n_seen_), int(sel.n_queried_) == len(sel.y_labeled_)
    (30, True)
    """

    _parameter_constraints: dict = {
        **BaseStreamSelector._parameter_constraints,
        "classes": ["array-like", None],
        "gamma": [Interval(Real, 0, None, closed="neither"), None],
        "m_max": [Interval(Integral, 1, None, closed="left")],
        "prior": [Interval(Real, 0, None, closed="neither")],
        "density_window": [Interval(Integral, 1, None, closed="left")],
        "label_window": [Interval(Integral, 1, None, closed="left"), None],
    }
    _requires_learner = False
    _manager_kind = "filter"
    #: utilities depend on the selector's state (refreshed between batches)
    _stateful_utilities = True

    def __init__(self, budget=0.1, budget_manager=None, classes=None, gamma=None, m_max=1,
                 prior=1e-3, density_window=100, label_window=None):
        super().__init__(budget=budget, budget_manager=budget_manager)
        self.classes = classes
        self.gamma = gamma
        self.m_max = m_max
        self.prior = prior
        self.density_window = density_window
        self.label_window = label_window

    def _default_budget_manager(self):
        return BalancedQuantileFilter()

    def _init_strategy_state(self):
        self.X_window_ = None
        self.X_labeled_ = None
        self.y_labeled_ = np.zeros(0, dtype=int)

    def _check_X(self, X, learner):
        X = check_array(X, dtype=float, input_name="X_arriving")
        if self.X_window_ is not None and X.shape[1] != self.X_window_.shape[1]:
            raise ValueError(
                f"X_arriving has {X.shape[1]} features, the stream so far had "
                f"{self.X_window_.shape[1]}."
            )
        return X

    def _classes(self, learner):
        if not hasattr(self, "classes_"):
            if self.classes is not None:
                classes = np.asarray(self.classes)
            elif learner is not None and hasattr(learner, "classes_"):
                classes = np.asarray(learner.classes_)
            else:
                raise ValueError(
                    "StreamProbabilisticAL needs the classes: pass classes=... or a "
                    "fitted learner (its classes_)."
                )
            self.classes_ = np.unique(classes)
        return self.classes_

    def _utilities(self, X, learner):
        classes = self._classes(learner)
        gamma = self.gamma if self.gamma is not None else 1.0 / X.shape[1]
        K = np.zeros((X.shape[0], classes.size))
        if self.y_labeled_.size:
            W = _rbf(X, self.X_labeled_, gamma)
            for c in range(classes.size):
                K[:, c] = W[:, self.y_labeled_ == c].sum(1)
        density = _rbf(X, self.X_window_, gamma).mean(1) if self.X_window_ is not None else 1.0
        return density * probabilistic_gain(K, m_max=self.m_max, prior=self.prior)

    def update(self, X_arriving, queried, learner=None, *, y=None):
        """Advance the state; ``y``: labels of ``X_arriving[queried]``, in order.

        See :meth:`BaseStreamSelector.update`.
        """
        self._init_state()
        self._y_update = y
        try:
            return super().update(X_arriving, queried, learner)
        finally:
            self.__dict__.pop("_y_update", None)

    def _after_update(self, X, mask):
        y = self.__dict__.pop("_y_update", None)
        classes = self._classes(None)
        if mask.any():
            if y is None:
                raise ValueError(
                    "StreamProbabilisticAL.update needs y, the labels of the queried samples."
                )
            y = np.asarray(y).ravel()
            if y.shape[0] != mask.sum():
                raise ValueError(
                    f"y has {y.shape[0]} labels for {int(mask.sum())} queried samples."
                )
            pos = np.searchsorted(classes, y)
            known = classes[np.minimum(pos, classes.size - 1)] == y
            if (pos >= classes.size).any() or not known.all():
                raise ValueError(f"y holds labels outside classes {classes.tolist()}.")
            Xl = X[mask] if self.X_labeled_ is None else np.vstack([self.X_labeled_, X[mask]])
            yl = np.concatenate([self.y_labeled_, pos])
            if self.label_window is not None:
                Xl, yl = Xl[-self.label_window:], yl[-self.label_window:]
            self.X_labeled_, self.y_labeled_ = Xl, yl
        Xw = X if self.X_window_ is None else np.vstack([self.X_window_, X])
        self.X_window_ = Xw[-self.density_window:]
