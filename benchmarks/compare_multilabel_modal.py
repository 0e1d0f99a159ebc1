"""Score agreement of skactive's multi-label strategies with modAL's.

Shared cases, the *same fitted model* handed to both libraries (so only the
criteria differ):

* ``digits``: scikit-learn's bundled handwritten digits (real, 1797 x 64),
  four attributes of the digit as labels (even, >= 5, prime, multiple of 3);
* ``synthetic``: ``make_multilabel_classification(1000, 20 features,
  5 labels)``.

100 labelled samples (seeded draw), the rest is the pool; features scaled on
the labelled set. Models: ``OneVsRestClassifier(SVC(probability=True))``
(decision values and Platt probabilities) and
``OneVsRestClassifier(LogisticRegression())``. For each strategy: the
Spearman correlation of skactive's scores with modAL's utilities over the
pool, and the overlap of the top-k picks (k = 10). modAL's ``min_confidence``
is a minimum, so its utility is negated; ``SVM_binary_minimum`` returns only
one index, so its utility is rebuilt from the models it reads
(``estimators_``, as its code does) and the pick compared at k = 1. MMC has
no modAL counterpart; it is compared with modAL's ``max_loss`` (its
cardinality-1 special case on hard predictions). Run with the peers' venv,
where skactive is installed with ``pip install -e . --no-deps``:

    /work/peers-venv/bin/python benchmarks/compare_multilabel_modal.py
"""

import warnings

import numpy as np
from modAL import multilabel as mm
from modAL.models import ActiveLearner as ModalLearner
from scipy.stats import spearmanr
from sklearn.datasets import load_digits, make_multilabel_classification
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skactive import ActiveLearner
from skactive.strategies._multilabel import _hinge_under_single_label
from skactive.strategies import (
    MMC,
    AvgConfidence,
    AvgScore,
    BinaryMinimum,
    MaxLoss,
    MaxScore,
    MeanMaxLoss,
    MinConfidence,
)

K, N_LABELED, SEED = 10, 100, 0


def digits():
    X, d = load_digits(return_X_y=True)
    Y = np.column_stack([d % 2 == 0, d >= 5, np.isin(d, (2, 3, 5, 7)), d % 3 == 0])
    return X, Y.astype(int)


def synthetic():
    return make_multilabel_classification(
        n_samples=1000, n_features=20, n_classes=5, random_state=SEED
    )


def _all_values(func, model, X_pool, negate=False):
    """modAL's utility of every pool sample (``n_instances = n_pool``)."""
    idx, values = func(model, X_pool, n_instances=X_pool.shape[0])
    out = np.empty(X_pool.shape[0])
    out[idx] = -values if negate else values
    return out


def _binary_minimum_utility(model, X_pool):
    """What ``SVM_binary_minimum`` computes before its argmin (modAL reads
    ``classifier.estimator.estimators_``)."""
    D = np.array([svm.decision_function(X_pool) for svm in model.estimator.estimators_]).T
    return -np.min(np.abs(D), axis=1)


def _modal_top_k(func, model, X_pool, k, negate=False):
    idx, _ = func(model, X_pool, n_instances=k)
    return np.asarray(idx)


def compare(name, X, Y, base):
    rng = np.random.RandomState(SEED)
    perm = rng.permutation(X.shape[0])
    lab, pool = perm[:N_LABELED], perm[N_LABELED:]
    scaler = StandardScaler().fit(X[lab])
    X_lab, X_pool = scaler.transform(X[lab]), scaler.transform(X[pool])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ovr = OneVsRestClassifier(base).fit(X_lab, Y[lab])
    modal = ModalLearner(estimator=ovr)  # no training data: the fitted model as is
    learner = ActiveLearner(OneVsRestClassifier(base)).fit(X_lab, Y[lab])  # for MMC
    cases = [
        ("BinaryMinimum", BinaryMinimum(), ovr, None),
        ("MaxLoss", MaxLoss(), ovr, (mm.max_loss, False)),
        ("MeanMaxLoss", MeanMaxLoss(), ovr, (mm.mean_max_loss, False)),
        ("MMC (vs max_loss)", MMC(), learner, (mm.max_loss, False)),
        ("MinConfidence", MinConfidence(), ovr, (mm.min_confidence, True)),
        ("AvgConfidence", AvgConfidence(), ovr, (mm.avg_confidence, False)),
        ("MaxScore", MaxScore(), ovr, (mm.max_score, False)),
        ("AvgScore", AvgScore(), ovr, (mm.avg_score, False)),
    ]
    print(f"\n{name} / OneVsRest({type(base).__name__}): pool {X_pool.shape}, "
          f"{Y.shape[1]} labels, mean {Y[pool].sum(1).mean():.2f} labels per sample")
    print(f"{'strategy':<20} {'spearman':>9} {'top-k overlap':>14} {'modAL distinct':>15}")
    for label, strategy, model, ref in cases:
        ours_idx, ours = strategy.query(X_pool, model, K, return_scores=True)
        if ref is None:  # binary minimum: one index from modAL
            theirs = _binary_minimum_utility(modal, X_pool)
            pick = int(mm.SVM_binary_minimum(modal, X_pool))
            overlap = f"{int(pick == ours_idx[0])}/1"
        else:
            func, negate = ref
            theirs = _all_values(func, ovr, X_pool, negate)
            top = _modal_top_k(func, ovr, X_pool, K)
            overlap = f"{len(set(top) & set(ours_idx))}/{K}"
        rho = spearmanr(ours, theirs).statistic
        distinct = np.unique(np.round(theirs, 12)).size
        print(f"{label:<20} {rho:>9.3f} {overlap:>14} {distinct:>15}")
    # check: skactive's Max Loss formula on modAL's inputs (hard +-1 margins from
    # predict, most certain label from predict_proba) gives modAL's values exactly
    F_hard = 2.0 * ovr.predict(X_pool) - 1.0
    c = ovr.predict_proba(X_pool).argmax(axis=1)
    hard = _hinge_under_single_label(F_hard)[np.arange(len(c)), c]
    same = np.allclose(hard, _all_values(mm.max_loss, ovr, X_pool))
    print(f"MaxLoss formula on modAL's hard inputs equals modAL's max_loss: {same}")


def main():
    # SVC(probability=True) is deprecated in scikit-learn 1.9; modAL's SVM
    # criteria need an SVC inside the one-vs-rest model, so it is kept here
    warnings.filterwarnings("ignore", message="The `probability` parameter", category=FutureWarning)
    for name, loader in (("digits", digits), ("synthetic", synthetic)):
        X, Y = loader()
        for base in (SVC(probability=True, random_state=SEED),
                     LogisticRegression(max_iter=1000)):
            compare(name, X, Y, base)


if __name__ == "__main__":
    main()
