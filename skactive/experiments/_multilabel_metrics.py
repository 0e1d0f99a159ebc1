"""Multi-label runs of :func:`~skactive.experiments.simulate`: the test
metrics, which metrics are lower-is-better, and the initial labelled set.

A run is multi-label when ``y_pool`` is a 2-D 0/1 indicator matrix (one
column per label). Its curves are:

- ``accuracy`` and ``subset_accuracy``: the share of test rows whose whole
  label set is predicted exactly (scikit-learn's ``accuracy_score`` on
  indicator matrices, and :meth:`skactive.ActiveLearner.score`);
- ``f1_micro``: F1 of all (row, label) decisions pooled,
  ``2 TP / (2 TP + FP + FN)`` summed over labels;
- ``f1_macro``: the mean over labels of each label's F1 (0 for a label with
  no true and no predicted positive);
- ``hamming_loss``: the share of wrong (row, label) decisions (lower is
  better);
- ``balanced_accuracy`` is undefined for multi-label targets (NaN).
"""

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, hamming_loss

__all__ = [
    "LOWER_IS_BETTER",
    "MULTILABEL_METRICS",
    "binarize_label_sets",
    "greater_is_better",
    "multilabel_balanced_indices",
    "multilabel_initial_indices",
    "multilabel_scores",
    "oriented",
]

#: curves that only multi-label runs fill (``f1_macro`` and ``accuracy`` are
#: shared with single-label runs)
MULTILABEL_METRICS = ("f1_micro", "hamming_loss", "subset_accuracy")
#: metrics where a smaller value is better: error curves
LOWER_IS_BETTER = frozenset({"rmse", "mae", "hamming_loss"})
#: random initial draws tried before the greedy completion
MAX_INITIAL_DRAWS = 100


def greater_is_better(metric):
    """False for error metrics (``rmse``, ``mae``, ``hamming_loss``).

    Examples
    --------
    >>> from skactive.experiments._multilabel_metrics import greater_is_better
    >>> greater_is_better("f1_micro"), greater_is_better("hamming_loss")
    (True, False)
    """
    return metric not in LOWER_IS_BETTER


def oriented(values, metric):
    """``values`` as "higher is better" scores: negated for error metrics.

    The penalty matrix, win-tie-loss counts and labels-to-target compare
    curves by "larger wins"; they are given ``oriented(curves, metric)`` (and
    ``-target`` for an error metric).

    Examples
    --------
    >>> from skactive.experiments._multilabel_metrics import oriented
    >>> oriented([0.2, 0.1], "hamming_loss").tolist()
    [-0.2, -0.1]
    """
    values = np.asarray(values, dtype=float)
    return values if greater_is_better(metric) else -values


def multilabel_scores(Y_true, Y_pred):
    """Test scores of one multi-label prediction.

    Parameters
    ----------
    Y_true, Y_pred : array-like of shape (n_samples, n_labels)
        0/1 indicator matrices.

    Returns
    -------
    scores : dict
        ``accuracy`` (= ``subset_accuracy``), ``f1_micro``, ``f1_macro``,
        ``hamming_loss`` and ``balanced_accuracy`` (NaN).

    Examples
    --------
    >>> from skactive.experiments._multilabel_metrics import multilabel_scores
    >>> s = multilabel_scores([[1, 0], [1, 1]], [[1, 0], [0, 1]])
    >>> s["subset_accuracy"], s["hamming_loss"], round(s["f1_micro"], 4)
    (0.5, 0.25, 0.8)
    """
    Y_true = np.asarray(Y_true)
    Y_pred = np.asarray(Y_pred)
    subset = float(accuracy_score(Y_true, Y_pred))
    return {
        "accuracy": subset,
        "subset_accuracy": subset,
        "f1_micro": float(f1_score(Y_true, Y_pred, average="micro", zero_division=0)),
        "f1_macro": float(f1_score(Y_true, Y_pred, average="macro", zero_division=0)),
        "hamming_loss": float(hamming_loss(Y_true, Y_pred)),
        "balanced_accuracy": np.nan,
    }


def binarize_label_sets(y_pool, y_test):
    """Label sets of the pool and of the test set as indicator matrices with
    the same columns (every label of either, in sorted order).

    Examples
    --------
    >>> from skactive.experiments._multilabel_metrics import binarize_label_sets
    >>> Yp, Yt = binarize_label_sets([{"a"}, {"a", "b"}], [{"c"}])
    >>> Yp.tolist(), Yt.tolist()
    ([[1, 0, 0], [1, 1, 0]], [[0, 0, 1]])
    """
    from sklearn.preprocessing import MultiLabelBinarizer

    sets = [[list(s) for s in y] for y in (y_pool, y_test)]
    mlb = MultiLabelBinarizer().fit(sets[0] + sets[1])
    return np.asarray(mlb.transform(sets[0])), np.asarray(mlb.transform(sets[1]))


def _missing(Y, idx):
    """``(label, value)`` pairs absent from the rows ``idx`` of ``Y``."""
    sub = Y[idx]
    has_one = sub.any(axis=0)
    has_zero = (sub == 0).any(axis=0)
    return [(j, v) for j in range(Y.shape[1]) for v, ok in ((1, has_one[j]), (0, has_zero[j]))
            if not ok]


def multilabel_initial_indices(Y_pool, n_initial, rng, max_draws=MAX_INITIAL_DRAWS):
    """A random initial set in which every label has both a 0 and a 1.

    Many multi-label models fit one binary classifier per label and fail on
    a label seen with one value only (``MultiOutputClassifier`` and
    ``ClassifierChain`` of a ``LogisticRegression`` raise; a
    ``OneVsRestClassifier`` predicts that label constantly). The rule:

    1. draw ``n_initial`` pool rows uniformly, as for single-label runs;
       keep the draw if every label column has both values in it;
    2. otherwise draw again, up to ``max_draws`` draws in all (the kept set
       is then uniform among the valid ones);
    3. if none is valid, build the set greedily: for each label (in random
       order) not yet positive in the set, a random pool row where it is 1 is
       put in; then the same for the value 0; the rest of the set is the
       first other rows of the last draw. A ``ValueError`` says when
       ``n_initial`` is smaller than the rows this needs.

    A label column that is constant over the whole pool can never get both
    values: ``ValueError`` naming it.

    Parameters
    ----------
    Y_pool : ndarray of shape (n_pool, n_labels)
        0/1 indicator matrix.
    n_initial : int
    rng : RandomState
    max_draws : int, default=100

    Returns
    -------
    indices : ndarray of shape (n_initial,)

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.experiments._multilabel_metrics import multilabel_initial_indices
    >>> Y = np.zeros((20, 2), dtype=int); Y[0, 0] = Y[1, 1] = 1
    >>> idx = multilabel_initial_indices(Y, 3, np.random.RandomState(0))
    >>> sorted(set(idx.tolist()) & {0, 1}), bool(Y[idx].any(axis=0).all())
    ([0, 1], True)
    """
    Y_pool = np.asarray(Y_pool)
    n_pool = Y_pool.shape[0]
    constant = _missing(Y_pool, np.arange(n_pool))
    if constant:
        cols = sorted({j for j, _ in constant})
        raise ValueError(
            f"Label column(s) {cols} of y_pool take a single value over the whole pool "
            "(all 0 or all 1), so no initial set can hold both values and a per-label "
            "classifier cannot be fitted; remove these columns from y_pool and y_test."
        )
    for _ in range(max(1, int(max_draws))):
        order = rng.permutation(n_pool)
        idx = order[:n_initial]
        if not _missing(Y_pool, idx):
            return idx
    # greedy completion of the last draw
    forced = []
    for v in (1, 0):  # positives first: they are usually the rare value
        for j in rng.permutation(Y_pool.shape[1]):
            if not (Y_pool[forced, j] == v).any():
                forced.append(int(rng.choice(np.flatnonzero(Y_pool[:, j] == v))))
    if len(forced) > n_initial:
        raise ValueError(
            f"n_initial={n_initial} is too small for a multi-label initial set in which "
            f"every label has both a 0 and a 1: {len(forced)} rows are needed here "
            f"({Y_pool.shape[1]} labels). Raise n_initial or pass pool indices as initial."
        )
    taken = set(forced)
    rest = [i for i in order if i not in taken][: n_initial - len(forced)]
    return np.asarray(forced + rest, dtype=np.intp)


def multilabel_balanced_indices(Y_pool, n_initial, rng):
    """``initial="balanced"`` for a multi-label pool: round-robin over the
    labels (in random order), each turn adding a random not yet chosen row
    where that label is 1, so that rare labels get positives early.

    Examples
    --------
    >>> import numpy as np
    >>> from skactive.experiments._multilabel_metrics import multilabel_balanced_indices
    >>> Y = np.array([[1, 0], [1, 0], [1, 0], [0, 1]])
    >>> idx = multilabel_balanced_indices(Y, 2, np.random.RandomState(0))
    >>> Y[idx].sum(axis=0).tolist()
    [1, 1]
    """
    Y_pool = np.asarray(Y_pool)
    members = [rng.permutation(np.flatnonzero(Y_pool[:, j] == 1))
               for j in rng.permutation(Y_pool.shape[1])]
    chosen, seen = [], set()
    pos = [0] * len(members)
    while len(chosen) < n_initial and any(p < len(m) for p, m in zip(pos, members)):
        for k, m in enumerate(members):
            while pos[k] < len(m) and m[pos[k]] in seen:
                pos[k] += 1
            if pos[k] < len(m) and len(chosen) < n_initial:
                seen.add(m[pos[k]])
                chosen.append(int(m[pos[k]]))
                pos[k] += 1
    if len(chosen) < n_initial:  # rows with no label at all fill the rest
        rest = [i for i in rng.permutation(Y_pool.shape[0]) if i not in seen]
        chosen.extend(rest[: n_initial - len(chosen)])
    return np.asarray(chosen, dtype=np.intp)
