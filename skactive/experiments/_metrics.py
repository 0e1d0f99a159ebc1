"""Metrics that compare active-learning curves: plain arrays in, arrays out."""

import numpy as np
from scipy import stats

__all__ = [
    "aubc",
    "final_accuracy",
    "labels_to_target",
    "penalty_matrix",
    "win_tie_loss",
]


def _check_curve(n_labels, scores):
    n_labels = np.asarray(n_labels, dtype=float)
    scores = np.asarray(scores, dtype=float)
    if n_labels.ndim != 1:
        raise ValueError(
            f"n_labels must be 1-dimensional, got an array of shape {n_labels.shape}."
        )
    if scores.shape[-1:] != n_labels.shape:
        raise ValueError(
            f"scores must have {n_labels.shape[0]} values along its last axis (one "
            f"per entry of n_labels), got an array of shape {scores.shape}."
        )
    if n_labels.shape[0] < 2:
        raise ValueError(
            f"At least two points are needed for a curve, got {n_labels.shape[0]}."
        )
    if np.any(np.diff(n_labels) <= 0):
        raise ValueError(
            f"n_labels must be strictly increasing, got {n_labels.tolist()}."
        )
    return n_labels, scores


def aubc(n_labels, scores):
    r"""Area under the budget curve (AUBC), normalised by the quota.

    Trapezoids over the label counts, including round 0 (the initial labelled
    set), divided by the labels spent after it:

    .. math::
        AUBC = \frac{1}{n_T - n_0} \sum_{t=1}^{T}
               \frac{(n_t - n_{t-1})(s_{t-1} + s_t)}{2}

    so a constant curve at accuracy ``a`` has AUBC ``a``. This is the AUBC of
    the DeepAL+ survey (Zhan et al., section 4, "AUBC (acc)"), computed on the
    accuracy-budget curve.

    Parameters
    ----------
    n_labels : array-like of shape (n_points,)
        Number of labelled samples at each point, strictly increasing.
    scores : array-like of shape (n_points,) or (n_curves, n_points)
        Score (e.g. test accuracy) at each point; several curves (e.g. one
        per seed) can be stacked along the first axis.

    Returns
    -------
    value : float or ndarray of shape (n_curves,)

    References
    ----------
    X. Zhan, Q. Wang, K. Huang, H. Xiong, D. Dou, A. B. Chan. "A Comparative
    Survey of Deep Active Learning" (DeepAL+), 2022, section 4.

    Examples
    --------
    >>> from skactive.experiments import aubc
    >>> aubc([100, 200, 300], [0.5, 0.7, 0.8])  # (0.6 * 100 + 0.75 * 100) / 200
    0.675
    """
    n_labels, scores = _check_curve(n_labels, scores)
    widths = np.diff(n_labels)
    heights = (scores[..., 1:] + scores[..., :-1]) / 2.0
    area = (heights * widths).sum(axis=-1) / (n_labels[-1] - n_labels[0])
    return float(area) if np.ndim(area) == 0 else area


def final_accuracy(scores):
    """Score after the last round (F-acc of the DeepAL+ survey).

    Parameters
    ----------
    scores : array-like of shape (n_points,) or (n_curves, n_points)

    Returns
    -------
    value : float or ndarray of shape (n_curves,)

    References
    ----------
    X. Zhan et al. "A Comparative Survey of Deep Active Learning", section 4
    ("F-acc": accuracy when the quota is spent).

    Examples
    --------
    >>> from skactive.experiments import final_accuracy
    >>> final_accuracy([[0.5, 0.7, 0.8], [0.4, 0.6, 0.9]])
    array([0.8, 0.9])
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim == 0 or scores.shape[-1] == 0:
        raise ValueError(f"scores must be a non-empty curve, got shape {scores.shape}.")
    last = scores[..., -1]
    return float(last) if np.ndim(last) == 0 else last


def labels_to_target(n_labels, scores, target):
    """Fewest labels with which a curve reaches ``target``.

    The alamp paper compares strategies this way ("50 percent accuracy for
    Cifar100 is reached with 1400 samples for alamp-div", section 5.2). The
    first point whose score is ``>= target`` is returned, without
    interpolation between rounds; ``nan`` when the curve never reaches it.

    Parameters
    ----------
    n_labels : array-like of shape (n_points,)
    scores : array-like of shape (n_points,) or (n_curves, n_points)
        Pass the mean curve over seeds to compare strategies.
    target : float

    Returns
    -------
    n : float or ndarray of shape (n_curves,)
        Number of labels (``nan`` if never reached).

    References
    ----------
    U. Aggarwal, A. Popescu, C. Hudelot. "Optimizing Active Learning for Low
    Annotation Budgets", section 5.2.

    Examples
    --------
    >>> from skactive.experiments import labels_to_target
    >>> labels_to_target([200, 400, 600], [0.3, 0.55, 0.6], target=0.5)
    400.0
    >>> labels_to_target([200, 400, 600], [0.3, 0.4, 0.45], target=0.5)
    nan
    """
    n_labels, scores = _check_curve(n_labels, scores)
    reached = scores >= target
    first = np.argmax(reached, axis=-1)
    out = np.where(reached.any(axis=-1), n_labels[first], np.nan)
    return float(out) if np.ndim(out) == 0 else out


def _check_curves(curves):
    if not isinstance(curves, dict) or len(curves) < 2:
        raise ValueError(
            "curves must be a dict {strategy: array of shape (n_seeds, n_rounds)} "
            f"with at least two strategies, got {type(curves).__name__} "
            f"of length {len(curves) if hasattr(curves, '__len__') else 'n/a'}."
        )
    names = list(curves)
    arrays = [np.atleast_2d(np.asarray(curves[name], dtype=float)) for name in names]
    shape = arrays[0].shape
    for name, arr in zip(names, arrays):
        if arr.ndim != 2 or arr.shape != shape:
            raise ValueError(
                f"All curves must have the same shape (n_seeds, n_rounds); "
                f"{names[0]!r} has {shape} but {name!r} has {arr.shape}."
            )
    return names, np.stack(arrays)


def penalty_matrix(curves, alpha=0.05):
    r"""Pairwise penalty matrix of Ash et al., as used by ALFA-Mix.

    For each pair of strategies ``(i, j)`` and each round ``r``, a two-sided
    paired t-test over seeds compares their scores: with
    :math:`d = s_i - s_j` over the ``n`` seeds,
    :math:`t = \sqrt{n}\,\bar d / \hat\sigma_d`; strategy ``i`` beats ``j``
    when :math:`t > t_{1-\alpha/2,\,n-1}`, and then ``P[i, j]`` grows by
    ``1 / n_rounds``. ``P[i, j]`` is thus the share of rounds where ``i`` is
    significantly better than ``j`` (row = winner, column = loser). Rounds
    where the differences are all equal and non-zero count as significant;
    rounds with identical scores never do. Summing the matrices of several
    settings (datasets, budgets) gives the matrices shown in the papers.

    Parameters
    ----------
    curves : dict of {str: array-like of shape (n_seeds, n_rounds)}
        Scores of each strategy, seeds paired across strategies (same initial
        set per seed). Pass only the query rounds if round 0 is shared.
    alpha : float, default=0.05
        Significance level of the two-sided test (95 % in the papers).

    Returns
    -------
    P : ndarray of shape (n_strategies, n_strategies)
        Zero diagonal.
    names : list of str
        Row/column order.

    References
    ----------
    J. T. Ash, C. Zhang, A. Krishnamurthy, J. Langford, A. Agarwal. "Deep Batch
    Active Learning by Diverse, Uncertain Gradient Lower Bounds" (BADGE), ICLR
    2020, section 5; A. Parvaneh et al. "Active Learning by Feature Mixing"
    (ALFA-Mix), CVPR 2022, section 4.2.

    Examples
    --------
    >>> from skactive.experiments import penalty_matrix
    >>> curves = {"a": [[0.6, 0.7], [0.62, 0.71], [0.61, 0.72]],
    ...           "b": [[0.5, 0.7], [0.51, 0.72], [0.52, 0.71]]}
    >>> P, names = penalty_matrix(curves)
    >>> P
    array([[0. , 0.5],
           [0. , 0. ]])
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}.")
    names, S = _check_curves(curves)
    n_strat, n_seeds, n_rounds = S.shape
    if n_seeds < 2:
        raise ValueError(
            f"The paired t-test needs at least 2 seeds per strategy, got {n_seeds}."
        )
    t_crit = stats.t.ppf(1 - alpha / 2, df=n_seeds - 1)
    diff = S[:, None, :, :] - S[None, :, :, :]  # (i, j, seed, round)
    mean = diff.mean(axis=2)
    std = diff.std(axis=2, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.sqrt(n_seeds) * mean / std
    # zero variance: significant iff the mean difference is non-zero
    t = np.where(std > 0, t, np.where(mean > 0, np.inf, -np.inf))
    wins = t > t_crit
    P = wins.sum(axis=-1) / n_rounds
    np.fill_diagonal(P, 0.0)
    return P, names


def win_tie_loss(curves, margin=0.005):
    """Win / tie / loss counts between strategies over rounds.

    For each pair ``(i, j)`` and each round, the mean scores over seeds are
    compared: ``i`` wins when it is ahead by more than ``margin``, loses when
    behind by more than ``margin``, and ties otherwise -- the 0.5 % margin of
    the DeepAL+ survey (Table 3), applied round by round.

    Parameters
    ----------
    curves : dict of {str: array-like of shape (n_seeds, n_rounds)}
    margin : float, default=0.005
        Absolute score difference (0.005 = 0.5 percentage points of accuracy).

    Returns
    -------
    wins, ties, losses : ndarray of shape (n_strategies, n_strategies)
        ``wins[i, j]`` = rounds where ``i`` beats ``j``; ``losses = wins.T``.
        Diagonals are zero. Sum a row for one strategy's total.
    names : list of str

    References
    ----------
    X. Zhan et al. "A Comparative Survey of Deep Active Learning" (DeepAL+),
    section 5, Table 3.

    Examples
    --------
    >>> from skactive.experiments import win_tie_loss
    >>> curves = {"a": [[0.60, 0.70, 0.80]], "b": [[0.50, 0.698, 0.90]]}
    >>> wins, ties, losses, names = win_tie_loss(curves)
    >>> wins.tolist(), ties.tolist(), losses.tolist()
    ([[0, 1], [1, 0]], [[0, 1], [1, 0]], [[0, 1], [1, 0]])
    """
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin!r}.")
    names, S = _check_curves(curves)
    mean = S.mean(axis=1)  # (strategy, round)
    diff = mean[:, None, :] - mean[None, :, :]
    # round away float noise so that a difference equal to the margin is a tie
    diff = np.round(diff, 12)
    wins = (diff > margin).sum(axis=-1)
    losses = (diff < -margin).sum(axis=-1)
    ties = mean.shape[1] - wins - losses
    np.fill_diagonal(ties, 0)
    return wins, ties, losses, names
