"""Hand-written columns of the strategy table (doc/user_guide/strategies.rst).

Everything else in that table (name, summary, paper, what the strategy needs
from the learner) is read from the code at build time by
``doc/sphinxext/skactive_docs.py``. Every strategy class exported by
``skactive.strategies`` needs an entry here, keyed by its class name:
``tests/test_docs.py`` fails, and the docs build warns, when one is missing.

``cost``: the work of one query on a pool of ``n`` samples, with ``K``
classes, embedding size ``D``, budget ``b`` and ``T`` stochastic samples
(forward passes excluded unless they dominate). ``when``: when it helps,
in one or two sentences (reST allowed).
"""

STRATEGY_NOTES = {
    "RandomSampling": {
        "cost": "O(n)",
        "when": "The baseline every strategy must beat; surprisingly hard to beat with "
        "large budgets or very small initial sets.",
    },
    "Entropy": {
        "cost": "O(n K), one ``predict_proba``",
        "when": "Calibrated probabilistic models and many classes; cheap first choice.",
    },
    "LeastConfidence": {
        "cost": "O(n K), one ``predict_proba``",
        "when": "Like entropy, focusing on the top class only; robust with many classes.",
    },
    "VarRatio": {
        "cost": "O(n K), one ``predict_proba``",
        "when": "Same ranking as least confidence (1 - max p); kept for the survey's naming.",
    },
    "Margin": {
        "cost": "O(n K), one ``predict_proba`` or ``decision_function``",
        "when": "Strong, cheap default; works with ``SVC()`` at its defaults (no probabilities).",
    },
    "Alamp": {
        "cost": "O(n K), two models scored (current and previous)",
        "when": "Low budgets with SVMs or linear models on good features: favours "
        "samples whose margin the last update moved most.",
    },
    "AlampDiv": {
        "cost": "O(n K + n log n), two models scored",
        "when": "As alamp, and keeps the labelled set class-balanced; best with many classes "
        "and imbalanced pools.",
    },
    "MarginDiv": {
        "cost": "O(n K + n log n)",
        "when": "Margin sampling that also spreads the batch over predicted classes.",
    },
    "RandomDiv": {
        "cost": "O(n K)",
        "when": "A class-balanced random baseline: separates the effect of balancing from "
        "that of uncertainty.",
    },
    "KMeansSampling": {
        "cost": "k-means with ``b`` clusters: O(n b D) per iteration",
        "when": "Very first rounds (cold start), when the model's uncertainty is not yet "
        "informative.",
    },
    "KCenterGreedy": {
        "cost": "O(n (m + b) D), ``m`` labelled samples",
        "when": "Good embeddings and large batches: covers the pool, avoiding redundant "
        "picks (CoreSet).",
    },
    "ALBL": {
        "cost": "the sum of its arms' queries, plus O(b (A + n)) for the draws and "
        "one ``predict`` on the queried samples",
        "when": "You cannot tell in advance which strategy suits the data: an EXP4.P "
        "bandit mixes its arms (and random sampling) and moves weight to the arms whose "
        "picks raise the importance-weighted accuracy; see :doc:`/which_strategy`.",
    },
    "TCM": {
        "cost": "TypiClust's query while labels are few, then the warm strategy's",
        "when": "The default choice from zero or few labels: typical points while there are "
        "fewer than 3 labels per class (TypiClust), then AlfaMix (linear head) or Margin; "
        "best mean in the leaderboard's cold start, see :doc:`/which_strategy`.",
    },
    "TypiClust": {
        "cost": "k-means with ``m + b`` clusters, plus 20-NN within the visited clusters",
        "when": "Cold start and tiny budgets (a few labels per class): one typical, dense "
        "point per uncovered cluster; can choose the initial set before any model.",
    },
    "ProbCover": {
        "cost": "O(n^2 D) in row chunks (ball graph), sparse graph or O(n) memory; "
        "k-means with ``K`` clusters for the radius",
        "when": "Cold start on good embeddings: covers the most probability mass with "
        "pure-radius balls; can choose the initial set before any model.",
    },
    "GreedySamplingX": {
        "cost": "O(n (m + b) D), ``m`` labelled samples; no model call",
        "when": "Regression (or any model) from the very first rounds: covers the "
        "input space (Wu et al.'s GSx); the cheapest diverse choice.",
    },
    "GreedySamplingY": {
        "cost": "O((n + b) log m) plus one ``predict``",
        "when": "Regression once the model is roughly right: spreads the labelled "
        "targets over the output range (GSy).",
    },
    "ImprovedGreedySampling": {
        "cost": "O(n (m + b) D) plus one ``predict``",
        "when": "Regression, usually the best of the three greedy samplers (iGS): "
        "far from the labelled set in both input and output space.",
    },
    "ClusterMargin": {
        "cost": "HAC once, O(s^2 D) for ``s <= max_cluster_samples``; then O(n K)",
        "when": "Very large batches: margin uncertainty diversified over fixed clusters.",
    },
    "DBAL": {
        "cost": "weighted k-means on ``beta b`` candidates: O(beta b^2 D) per iteration",
        "when": "Medium batches: uncertain and diverse at a fraction of BADGE's cost.",
    },
    "BADGE": {
        "cost": "k-means++ seeding on gradient factors: O(n b (K + D))",
        "when": "Deep or linear models with any batch size: adapts between uncertainty "
        "(small batches) and diversity (large ones); a robust default.",
    },
    "AlfaMix": {
        "cost": "linear head: O(n D (K + A)) plus O(n A K) on the rows that may flip, once "
        "for every epsilon (``A`` anchors); other heads O(n A D K) per epsilon; + k-means "
        "on the candidates",
        "when": "Deep models in low and medium budgets: finds samples near the decision "
        "boundary in feature space, diversified by k-means.",
    },
    "BALD": {
        "cost": "``T`` stochastic forward passes, O(T n K)",
        "when": "Bayesian (MC dropout) nets or committees: separates model (epistemic) "
        "uncertainty from label noise.",
    },
    "BatchBALD": {
        "cost": "``b`` passes over the pool, each O(n M K C) for ``M`` joint configurations "
        "(exact ``C^i``, at most ``max_configs``, then sampled)",
        "when": "Batches from Bayesian nets or committees: BALD without its duplicates; needs "
        "``T`` well above the batch size (the joint information is capped at log ``T``).",
    },
    "QueryByCommittee": {
        "cost": "O(n M K) for ``M`` members; plus ``M`` fits when no fitted ensemble is given",
        "when": "Ensembles (forests, bagging, voting) or any model via bootstrap clones: "
        "vote entropy, KL to the consensus, or variance for regressors.",
    },
    "MeanSTD": {
        "cost": "``T`` stochastic forward passes, O(T n K)",
        "when": "MC dropout nets: mean standard deviation of the class probabilities.",
    },
    "EntropyDropout": {
        "cost": "``T`` stochastic forward passes, O(T n K)",
        "when": "Entropy of the averaged MC-dropout (or committee) prediction; better "
        "calibrated than a single net.",
    },
    "MarginDropout": {
        "cost": "``T`` stochastic forward passes, O(T n K)",
        "when": "Margin on the averaged MC-dropout (or committee) prediction.",
    },
    "LeastConfidenceDropout": {
        "cost": "``T`` stochastic forward passes, O(T n K)",
        "when": "Least confidence on the averaged MC-dropout (or committee) prediction.",
    },
    "CEAL": {
        "cost": "as its base strategy, plus O(n K) for the pseudo-labels",
        "when": "Deep models that benefit from extra (pseudo-labelled) training data at "
        "no annotation cost.",
    },
    "AdversarialBIM": {
        "cost": "up to ``max_iter`` forward/backward passes per pool sample (input gradients)",
        "when": "Deep nets: distance to the decision boundary measured in input space; "
        "expensive, for small or medium pools.",
    },
    "AdversarialDeepFool": {
        "cost": "up to ``max_iter`` DeepFool steps per sample, each with ``K`` input gradients",
        "when": "Deep nets (DFAL): margin in input space; more faithful than the "
        "softmax margin for over-confident nets, but costly.",
    },
    "CDAL": {
        "cost": "k-center greedy on class-probability vectors: O(n (m + b) K)",
        "when": "Any probabilistic model: diversity in prediction space (contextual "
        "diversity), cheap when ``K`` is small.",
    },
    "CoreGCN": {
        "cost": "trains a GCN on a graph of up to ``subset_size`` samples: O(s D h) "
        "per epoch (low-rank adjacency, never s x s), then k-center greedy",
        "when": "Deep models whose embedding graph separates labelled from unlabelled "
        "regions; heavy, for small pools or subsets.",
    },
    "LADA": {
        "cost": "trains a mixing policy, then ``T`` forward passes per mixed pair",
        "when": "Deep nets with data augmentation: scores the *augmented* samples a "
        "label would bring (look-ahead); costly.",
    },
    "LPL": {
        "cost": "one forward pass of the net and its loss-prediction module",
        "when": "Deep nets trained with a loss-prediction module "
        "(:class:`~skactive.neural.LossPredictionNet`): cheap at query time.",
    },
    "VAAL": {
        "cost": "trains a VAE and a discriminator (``max_epochs``) at every query",
        "when": "Image pools where the task model is weak: task-agnostic "
        "representativeness; costly.",
    },
    "WAAL": {
        "cost": "one forward pass of the net and its Wasserstein critic",
        "when": "Nets trained jointly with a critic on the unlabelled pool "
        "(:class:`~skactive.neural.WAALNet`): uncertain samples that also look unlabelled.",
    },
    # multi-label (learner fitted on a 2-D label indicator matrix)
    "BinaryMinimum": {
        "cost": "O(n L), one ``decision_function`` (or ``predict_proba``)",
        "when": "Multi-label SVMs and linear models: the sample with the least certain "
        "single label; a cheap first choice.",
    },
    "MaxLoss": {
        "cost": "O(n L), one ``decision_function`` (or ``predict_proba``)",
        "when": "Multi-label data where most samples carry one label: favours samples "
        "whose margins contradict a single-label reading.",
    },
    "MeanMaxLoss": {
        "cost": "O(n L), one ``decision_function`` (or ``predict_proba``)",
        "when": "Like Max Loss, averaged over the predicted labels: less biased towards "
        "samples with many labels.",
    },
    "MMC": {
        "cost": "O(n L log L) plus a logistic regression on the labelled set",
        "when": "Multi-label text-like data with varying label counts: the loss "
        "reduction under the predicted number of labels (strong in Yang et al.).",
    },
    "MinConfidence": {
        "cost": "O(n L), one ``predict_proba``",
        "when": "modAL's criterion (lowest per-label probability); kept for comparison "
        "with modAL.",
    },
    "AvgConfidence": {
        "cost": "O(n L), one ``predict_proba``",
        "when": "modAL's criterion (highest mean label probability): favours samples "
        "with many likely labels; for comparison with modAL.",
    },
    "MaxScore": {
        "cost": "O(n L), ``predict_proba`` and ``predict``",
        "when": "modAL's criterion (largest signed label score); for comparison with "
        "modAL.",
    },
    "AvgScore": {
        "cost": "O(n L), ``predict_proba`` and ``predict``",
        "when": "modAL's criterion (largest mean signed label score); for comparison "
        "with modAL.",
    },
}
