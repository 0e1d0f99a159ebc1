r"""Multi-label query strategies: SVM-margin and loss-reduction criteria
(Brinker 2006; Li, Wang & Sung 2004; Yang et al. 2009, MMC).

Every strategy here reads the model through
:func:`skactive.utils._multilabel.multilabel_margins` -- one signed score per
sample and label, :math:`f_l(x)`, positive when label :math:`l` is
predicted -- so it works with any multi-label estimator: the
``decision_function`` of a one-vs-rest SVM (the papers' setting) or, without
one, :math:`f_l(x) = 2 P(y_l = 1 \mid x) - 1`. The confidence-based
criteria of modAL live in :mod:`skactive.strategies._multilabel_confidence`.
"""

from functools import partial

import numpy as np
from scipy.special import expit
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods, StrOptions

from ..base import BaseQueryStrategy, QueryStrategyTags
from ..utils import top_k
from ..utils._multilabel import multilabel_margins, multilabel_proba

__all__ = ["MMC", "BinaryMinimum", "MaxLoss", "MeanMaxLoss"]

_RESPONSE = {"auto": "auto", "decision_function": "decision", "predict_proba": "proba"}


def _block_scores(X, block_id=0, *, strategy, learner, **extra):
    """Scores of one block of a dask pool (``block_id`` unused: deterministic)."""
    return strategy._scores(X, learner, **extra)


class _MultiLabelMarginStrategy(BaseQueryStrategy):
    """Score every pool sample from the per-label margins, take the top."""

    _parameter_constraints = {
        "response_method": [StrOptions(set(_RESPONSE))],
    }

    def __init__(self, response_method="auto"):
        self.response_method = response_method

    def __query_tags__(self):
        proba = self.response_method == "predict_proba"
        return QueryStrategyTags(
            requires_scores=not proba, requires_proba=proba,
            multilabel=True, supports_dask_pool=True,
        )

    def _margins(self, X, learner):
        return multilabel_margins(learner, X, kind=_RESPONSE[self.response_method])[0]

    def _pool_scorer(self, learner, random_state):
        return partial(_block_scores, strategy=self, learner=learner)

    def _query(self, X_pool, learner, budget, random_state):
        scores = self._scores(X_pool, learner)
        return top_k(scores, budget), scores


class BinaryMinimum(_MultiLabelMarginStrategy):
    r"""Select the samples closest to the decision boundary of any one label.

    Brinker's "BinaryMin": with one binary classifier per label,

    .. math:: x^* = \arg\min_{x} \min_{l = 1..L} |f_l(x)|,

    the sample whose least certain label is least certain. The returned
    scores are :math:`-\min_l |f_l(x)|` (larger = selected earlier); ties go
    to the smaller pool index.

    Parameters
    ----------
    response_method : {"auto", "decision_function", "predict_proba"}, default="auto"
        Source of :math:`f_l(x)`: the estimator's decision values (the
        paper's SVM margins), or the probability margin
        :math:`2P(y_l = 1 \mid x) - 1` (so :math:`|f_l| = |2p - 1|`);
        ``"auto"`` uses decision values when the estimator has
        ``decision_function``, else probabilities.

    References
    ----------
    K. Brinker. "On Active Learning in Multi-label Classification". From Data
    and Information Analysis to Knowledge Engineering (GfKl 2005), Springer
    2006, pp. 206-213, section 3 ("binary minimum"). modAL 0.4.2,
    ``modAL/multilabel.py``, ``SVM_binary_minimum`` (same score; it reads the
    ``estimators_`` of a ``OneVsRestClassifier`` and returns one index).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.multiclass import OneVsRestClassifier
    >>> from sklearn.svm import SVC
    >>> from skactive import ActiveLearner
    >>> from skactive.strategies import BinaryMinimum
    >>> X = np.arange(8.0).reshape(-1, 1)                 # label 0: x > 2, label 1: x > 4
    >>> Y = np.c_[X[:, 0] > 2, X[:, 0] > 4].astype(int)
    >>> learner = ActiveLearner(OneVsRestClassifier(SVC(kernel="linear")), BinaryMinimum())
    >>> learner = learner.fit(X, Y)
    >>> X_pool = np.array([[-5.0], [2.5], [4.4], [12.0]])
    >>> learner.query(X_pool, budget=2)  # on label 0's boundary, then near label 1's
    array([1, 2])
    """

    def _scores(self, X, learner):
        return -np.abs(self._margins(X, learner)).min(axis=1)


def _hinge_under_single_label(F):
    r"""``L[i, j] = sum_l max(0, 1 - m^j_l F[i, l])`` with ``m^j = 2 e_j - 1``:
    the binary SVMs' hinge loss if sample ``i`` had label ``j`` only.
    Factorised: the all-negative loss, corrected in column ``j``."""
    neg = np.maximum(0.0, 1.0 + F)  # loss of label l if it is absent (m_l = -1)
    pos = np.maximum(0.0, 1.0 - F)  # ... if it is present (m_l = +1)
    return neg.sum(axis=1, keepdims=True) - neg + pos


class MaxLoss(_MultiLabelMarginStrategy):
    r"""Max Loss: the largest SVM loss if the sample had only its most
    certain label (Li, Wang & Sung 2004).

    With :math:`c(x) = \arg\max_l f_l(x)` (the most certainly present label)
    and the hypothesised label vector :math:`m_l = +1` for :math:`l = c(x)`,
    :math:`-1` otherwise, the score is the hinge loss of the binary
    classifiers on that labelling,

    .. math:: \mathrm{ML}(x) = \sum_{l=1}^{L} \max\bigl(0,\ 1 - m_l f_l(x)\bigr),

    highest first (ties to the smaller index). A sample whose second-best
    label is also predicted, or whose best label is weak, has a large loss.

    Parameters
    ----------
    response_method : {"auto", "decision_function", "predict_proba"}, default="auto"
        Source of :math:`f_l(x)`, see :class:`BinaryMinimum`; the paper uses
        SVM decision values.

    Notes
    -----
    The formula follows the two public implementations, which agree on its
    structure: modAL 0.4.2 (``modAL/multilabel.py``, ``max_loss`` via
    ``_SVM_loss(..., most_certain_classes)``) and JCLAL
    (``MultiLabelMaxLossQueryStrategy``). modAL computes it on the *hard*
    predictions :math:`\pm 1` of ``predict`` instead of :math:`f_l(x)`, so
    its losses are multiples of 2 with many ties; this class uses the real
    margins, as the paper's SVM loss does. The most certain label comes from
    :math:`f` here (modAL: ``predict_proba``), identical for monotone
    calibrations.

    References
    ----------
    X. Li, L. Wang, E. Sung. "Multilabel SVM active learning for image
    classification". ICIP 2004, pp. 2207-2210, "Max Loss" strategy.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.multiclass import OneVsRestClassifier
    >>> from sklearn.svm import SVC
    >>> from skactive import ActiveLearner
    >>> from skactive.strategies import MaxLoss
    >>> X = np.arange(8.0).reshape(-1, 1)                 # label 0: x > 2, label 1: x > 4
    >>> Y = np.c_[X[:, 0] > 2, X[:, 0] > 4].astype(int)
    >>> learner = ActiveLearner(OneVsRestClassifier(SVC(kernel="linear")), MaxLoss())
    >>> learner = learner.fit(X, Y)
    >>> X_pool = np.array([[3.5], [4.4], [12.0]])  # f = (1, -1), (1.9, -0.1), (9.5, 7.5)
    >>> idx, scores = learner.query(X_pool, budget=1, return_scores=True)
    >>> idx, scores.round(1)  # x = 12 has a second label: far from "label 0 only"
    (array([2]), array([0. , 0.9, 8.5]))
    """

    def _scores(self, X, learner):
        F = self._margins(X, learner)
        L = _hinge_under_single_label(F)
        best = F.argmax(axis=1)
        return L[np.arange(F.shape[0]), best]


class MeanMaxLoss(_MultiLabelMarginStrategy):
    r"""Mean Max Loss: the SVM loss averaged over the predicted labels
    (Li, Wang & Sung 2004).

    With the predicted label set :math:`\hat Y(x) = \{l : f_l(x) > 0\}`
    (the most certain label alone when none is predicted: every sample has a
    label in the paper's setting) and :math:`\mathrm{L}_j(x)` the hinge loss
    of the binary classifiers if :math:`x` had label :math:`j` only
    (:math:`m^j_l = +1` for :math:`l = j`, :math:`-1` otherwise),

    .. math::

        \mathrm{MML}(x) = \frac{1}{|\hat Y(x)|} \sum_{j \in \hat Y(x)}
        \mathrm{L}_j(x), \qquad
        \mathrm{L}_j(x) = \sum_{l=1}^{L} \max\bigl(0,\ 1 - m^j_l f_l(x)\bigr),

    highest first (ties to the smaller index). It equals :class:`MaxLoss`
    on samples with at most one predicted label.

    Parameters
    ----------
    response_method : {"auto", "decision_function", "predict_proba"}, default="auto"
        Source of :math:`f_l(x)`, see :class:`BinaryMinimum`.

    Notes
    -----
    JCLAL's ``MultiLabelMeanMaxLossQueryStrategy`` averages over the labels
    it predicts, as here. modAL 0.4.2 (``modAL/multilabel.py``,
    ``mean_max_loss``) averages over *all* :math:`L` hypotheses
    :math:`m^j` the hinge of the dot product
    :math:`\max(0, 1 - \langle m^j, \hat y \rangle)` with the hard
    predictions :math:`\hat y \in \{\pm 1\}^L`, a different (and mostly
    tied) number; see ``benchmarks/compare_multilabel_modal.py``.

    References
    ----------
    X. Li, L. Wang, E. Sung. "Multilabel SVM active learning for image
    classification". ICIP 2004, pp. 2207-2210, "Mean Max Loss" strategy.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.multiclass import OneVsRestClassifier
    >>> from sklearn.svm import SVC
    >>> from skactive import ActiveLearner
    >>> from skactive.strategies import MeanMaxLoss
    >>> X = np.arange(8.0).reshape(-1, 1)                 # label 0: x > 2, label 1: x > 4
    >>> Y = np.c_[X[:, 0] > 2, X[:, 0] > 4].astype(int)
    >>> learner = ActiveLearner(OneVsRestClassifier(SVC(kernel="linear")), MeanMaxLoss())
    >>> learner = learner.fit(X, Y)
    >>> X_pool = np.array([[3.5], [4.4], [12.0]])  # f = (1, -1), (1.9, -0.1), (9.5, 7.5)
    >>> idx, scores = learner.query(X_pool, budget=1, return_scores=True)
    >>> idx, scores.round(1)  # x = 12: mean of L_0 = 8.5 and L_1 = 10.5
    (array([2]), array([0. , 0.9, 9.5]))
    """

    def _scores(self, X, learner):
        F = self._margins(X, learner)
        L = _hinge_under_single_label(F)
        predicted = F > 0
        none = ~predicted.any(axis=1)
        predicted[none, F[none].argmax(axis=1)] = True
        return (L * predicted).sum(axis=1) / predicted.sum(axis=1)


class MMC(_MultiLabelMarginStrategy):
    r"""Maximum loss reduction with Maximal Confidence (Yang et al. 2009).

    For each pool sample, MMC predicts its label vector :math:`\hat y` with
    a *label-cardinality predictor*, then scores the expected loss reduction
    of the binary SVMs under that labelling:

    .. math:: \mathrm{MMC}(x) = \sum_{l=1}^{L} \frac{1 - \hat y_l f_l(x)}{2},

    highest first (ties to the smaller index). The labelling
    :math:`\hat y \in \{\pm 1\}^L` ("maximal confidence") is built as in the
    paper's label prediction step:

    1. per-label probabilities :math:`p_l(x)` of the current model are
       sorted in decreasing order and normalised to sum to 1;
    2. a classifier (``cardinality_estimator``, a logistic regression by
       default) trained on these vectors of the *labelled* samples, with
       their number of labels :math:`|y|` as target, predicts the number of
       labels :math:`m(x)` of each pool sample;
    3. the :math:`m(x)` most probable labels get :math:`\hat y_l = +1`, the
       others :math:`-1`.

    When the labelled set has a single label count, that count is used for
    every sample (the predictor cannot be trained).

    Parameters
    ----------
    response_method : {"auto", "decision_function", "predict_proba"}, default="auto"
        Source of :math:`f_l(x)` in the loss, see :class:`BinaryMinimum`
        (the paper: SVM decision values).
    cardinality_estimator : classifier, default=None
        Predicts the number of labels from the sorted, normalised
        probabilities; cloned and fitted at every query. ``None`` means
        ``LogisticRegression(max_iter=1000)`` (multinomial).

    Notes
    -----
    The probabilities of step 1 are the model's ``predict_proba``
    (:func:`~skactive.utils._multilabel.multilabel_proba`); for a model with
    decision values only (``OneVsRestClassifier(SVC())``) they are the
    logistic function of :math:`f_l(x)`, which keeps the label order (the
    paper calibrates its SVM outputs into probabilities; only their order and
    normalised shape matter). libact (``maximum_margin_reduction.py``) and
    ALiPy (``QueryMultiLabelMMC``) follow the same steps with
    :math:`f = 2p - 1` from a probabilistic SVM (``response_method=
    "predict_proba"`` here) and pick one sample at random among the tied
    best; here ties go to the smaller index and a batch is the top
    ``budget`` (``tests/reference/test_multilabel_reference.py`` pins the
    libact variant, score for score). modAL 0.4.2 has no MMC: its ``max_loss`` is the special case
    :math:`m(x) = 1` on hard predictions (see :class:`MaxLoss`).

    References
    ----------
    B. Yang, J.-T. Sun, T. Wang, Z. Chen. "Effective multi-label active
    learning for text classification". KDD 2009, pp. 917-926, section 4
    (the SVM loss reduction and the label prediction by a logistic
    regression on sorted normalised probabilities). Reference code: libact,
    ``libact/query_strategies/multilabel/maximum_margin_reduction.py``
    (commit cac4c1e).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_multilabel_classification
    >>> from sklearn.multiclass import OneVsRestClassifier
    >>> from sklearn.svm import SVC
    >>> from skactive import ActiveLearner
    >>> from skactive.strategies import MMC
    >>> X, Y = make_multilabel_classification(n_samples=80, n_classes=4, random_state=0)
    >>> learner = ActiveLearner(OneVsRestClassifier(SVC()), MMC()).fit(X[:30], Y[:30])
    >>> idx, scores = learner.query(X[30:], budget=3, return_scores=True)
    >>> idx.shape, bool(scores[idx[0]] == scores.max())
    ((3,), True)
    """

    _parameter_constraints = {
        **_MultiLabelMarginStrategy._parameter_constraints,
        "cardinality_estimator": [HasMethods(["fit", "predict"]), None],
    }

    def __init__(self, response_method="auto", cardinality_estimator=None):
        super().__init__(response_method=response_method)
        self.cardinality_estimator = cardinality_estimator

    def __query_tags__(self):
        tags = super().__query_tags__()
        tags.requires_labeled_data = True
        return tags

    def _probabilities(self, X, learner, F=None):
        """``P(label = 1)``; the logistic of the decision values for models
        without ``predict_proba`` (then ``F`` are decision values)."""
        if hasattr(learner, "predict_proba"):
            return multilabel_proba(learner, X)
        if F is None:
            F = multilabel_margins(learner, X, kind="decision")[0]
        return expit(F)

    @staticmethod
    def _cardinality_features(P):
        """Sorted (decreasing), normalised probability vectors."""
        S = -np.sort(-P, axis=1)
        total = S.sum(axis=1, keepdims=True)
        return np.divide(S, total, out=np.full_like(S, 1.0 / S.shape[1]), where=total > 0)

    def _fit_cardinality(self, learner):
        """The label-count predictor trained on the labelled set, or an int
        (the only label count there)."""
        counts = np.asarray(learner.y_labeled_).sum(axis=1).astype(int)
        if np.unique(counts).size < 2:
            return int(counts[0])
        features = self._cardinality_features(self._probabilities(learner.X_labeled_, learner))
        if self.cardinality_estimator is None:
            from sklearn.linear_model import LogisticRegression

            model = LogisticRegression(max_iter=1000)
        else:
            model = clone(self.cardinality_estimator)
        return model.fit(features, counts)

    def _pool_scorer(self, learner, random_state):
        return partial(_block_scores, strategy=self, learner=learner,
                       cardinality=self._fit_cardinality(learner))

    def _scores(self, X, learner, cardinality=None):
        if cardinality is None:
            cardinality = self._fit_cardinality(learner)
        F = self._margins(X, learner)
        P = self._probabilities(X, learner, F)
        n, n_labels = F.shape
        if isinstance(cardinality, int):
            m = np.full(n, cardinality)
        else:
            m = np.asarray(cardinality.predict(self._cardinality_features(P)))
        m = np.clip(np.rint(m).astype(int), 0, n_labels)
        # rank of each label in the sample's decreasing probability order
        order = np.argsort(-P, axis=1, kind="stable")
        rank = np.empty_like(order)
        rank[np.arange(n)[:, None], order] = np.arange(n_labels)
        y_hat = np.where(rank < m[:, None], 1.0, -1.0)
        return ((1.0 - y_hat * F) / 2.0).sum(axis=1)
