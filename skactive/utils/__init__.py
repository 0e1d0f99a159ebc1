"""Utilities: validation, per-class scores, selection helpers, preprocessing fitted on
the pool, contract checks."""

from ._embedding import (
    check_embedding_learner,
    get_embedding,
    get_linear_head,
    gradient_embedding,
    head_gradient_factors,
    head_logits,
    resolve_learner,
)
from ._scores import (
    chunked_predict,
    class_scores,
    entropy,
    iter_pool_chunks,
    margin,
    pool_chunk_size,
    reduce_class_scores,
)
from ._preprocessing import freeze_preprocessing
from ._samples import has_samples, predict_proba_samples, reduce_proba_samples
from ._selection import round_robin_by_group, top_k
from ._validation import (
    NonFiniteFeaturesError,
    check_budget,
    check_finite_features,
    check_n_select,
    check_pool,
    check_probabilities,
    check_query_learner,
    check_same_n_rows,
    check_supported_estimator,
    densify_pool,
    named_feature_errors,
)

__all__ = [
    "NonFiniteFeaturesError",
    "check_budget",
    "check_embedding_learner",
    "check_finite_features",
    "check_n_select",
    "check_pool",
    "check_probabilities",
    "check_query_learner",
    "check_same_n_rows",
    "check_supported_estimator",
    "chunked_predict",
    "class_scores",
    "densify_pool",
    "entropy",
    "freeze_preprocessing",
    "get_embedding",
    "get_linear_head",
    "gradient_embedding",
    "head_gradient_factors",
    "has_samples",
    "head_logits",
    "iter_pool_chunks",
    "margin",
    "named_feature_errors",
    "pool_chunk_size",
    "predict_proba_samples",
    "reduce_class_scores",
    "reduce_proba_samples",
    "resolve_learner",
    "round_robin_by_group",
    "top_k",
]
