"""Query strategies: each selects which pool samples to label next.

Every strategy follows :class:`skactive.base.BaseQueryStrategy`:
``strategy.query(X_pool, learner, budget)`` returns unique pool indices, best
first.
"""

from ._adversarial import AdversarialBIM, AdversarialDeepFool
from ._albl import ALBL, exp4p_probabilities, exp4p_update, iw_accuracy
from ._alamp import Alamp, AlampDiv, MarginDiv, RandomDiv, alamp_score
from ._alfamix import AlfaMix
from ._bayesian import BALD, EntropyDropout, LeastConfidenceDropout, MarginDropout, MeanSTD
from ._badge import BADGE, badge_kmeanspp, gradient_sq_distances
from ._batchbald import BatchBALD, BatchBALDSaturationWarning
from ._ceal import CEAL
from ._cdal import CDAL, contextual_kcenter_greedy, symmetric_kl
from ._cluster_margin import ClusterMargin
from ._committee import QueryByCommittee, kl_disagreement, vote_entropy
from ._coregcn import CoreGCN
from ._dbal import DBAL
from ._diversity import CoreSet, KCenterGreedy, KMeansSampling, kcenter_greedy, nearest_to_centers
from ._hybrid import TCM
from ._lada import LADA
from ._lpl import LPL, LearningLoss
from ._multilabel import MMC, BinaryMinimum, MaxLoss, MeanMaxLoss
from ._multilabel_confidence import AvgConfidence, AvgScore, MaxScore, MinConfidence
from ._probcover import ProbCover, ball_graph, max_coverage_greedy, purity_delta
from ._random import RandomSampling
from ._regression import (
    GreedySamplingX,
    GreedySamplingY,
    ImprovedGreedySampling,
    greedy_sampling,
)
from ._typiclust import TypiClust, typicality
from ._uncertainty import Entropy, LeastConfidence, Margin, VarRatio
from ._vaal import VAAL
from ._waal import WAAL, waal_score

__all__ = [
    "ALBL",
    "AdversarialBIM",
    "AdversarialDeepFool",
    "Alamp",
    "AlampDiv",
    "AlfaMix",
    "AvgConfidence",
    "AvgScore",
    "BADGE",
    "BALD",
    "BatchBALD",
    "BatchBALDSaturationWarning",
    "BinaryMinimum",
    "CDAL",
    "CEAL",
    "ClusterMargin",
    "CoreGCN",
    "CoreSet",
    "DBAL",
    "Entropy",
    "EntropyDropout",
    "GreedySamplingX",
    "GreedySamplingY",
    "ImprovedGreedySampling",
    "KCenterGreedy",
    "KMeansSampling",
    "LADA",
    "LPL",
    "LearningLoss",
    "LeastConfidence",
    "LeastConfidenceDropout",
    "MMC",
    "Margin",
    "MarginDiv",
    "MarginDropout",
    "MaxLoss",
    "MaxScore",
    "MeanMaxLoss",
    "MeanSTD",
    "MinConfidence",
    "ProbCover",
    "QueryByCommittee",
    "RandomDiv",
    "RandomSampling",
    "TCM",
    "TypiClust",
    "VAAL",
    "VarRatio",
    "WAAL",
    "alamp_score",
    "badge_kmeanspp",
    "ball_graph",
    "contextual_kcenter_greedy",
    "exp4p_probabilities",
    "exp4p_update",
    "gradient_sq_distances",
    "iw_accuracy",
    "greedy_sampling",
    "kl_disagreement",
    "kcenter_greedy",
    "max_coverage_greedy",
    "nearest_to_centers",
    "purity_delta",
    "symmetric_kl",
    "typicality",
    "vote_entropy",
    "waal_score",
]
