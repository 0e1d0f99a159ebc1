"""KCenterGreedy / CoreSet against re-derivations of two reference codes.

Sources (read, not copied):

- DeepAL+: github.com/SineZHAN/deepALplus, commit
  93c2884e40e9a0b55cd2cf9527d3d1ff9d7e0c20, ``query_strategies/kcenter_greedy.py``
  (``KCenterGreedy.query``): one euclidean distance matrix over the labelled
  and unlabelled embeddings; each pick is the unlabelled sample whose
  distance to its nearest labelled-or-picked sample is largest; the picked
  sample becomes a labelled column.
- BADGE's baseline: github.com/JordanAsh/badge, commit
  a2d18acd372cf0f61d9e75bfb0c879c107fbf9f6, ``query_strategies/core_set.py``
  (``CoreSet.furthest_first``): the same rule with a running minimum.

Deterministic: equal picks in the same order (Jaccard 1.0). Ties: none on
these continuous embeddings (both codes and skactive take the smallest index
through ``argmax``).
"""

import numpy as np

from skactive.strategies import CoreSet, KCenterGreedy

from .conftest import jaccard


def _deepalplus_kcenter(Z_lab, Z_pool, n):
    E = np.vstack([Z_lab, Z_pool])
    labeled = np.zeros(len(E), dtype=bool)
    labeled[: len(Z_lab)] = True
    sq = (E**2).sum(axis=1)
    dist = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * E @ E.T, 0))
    picks = []
    for _ in range(n):
        unl = np.flatnonzero(~labeled)
        best = unl[np.argmax(dist[np.ix_(unl, np.flatnonzero(labeled))].min(axis=1))]
        labeled[best] = True
        picks.append(best - len(Z_lab))
    return np.array(picks)


def _badge_furthest_first(Z_lab, Z_pool, n):
    min_dist = np.linalg.norm(Z_pool[:, None] - Z_lab[None], axis=2).min(axis=1)
    picks = []
    for _ in range(n):
        i = int(min_dist.argmax())
        picks.append(i)
        min_dist = np.minimum(min_dist, np.linalg.norm(Z_pool - Z_pool[i], axis=1))
    return np.array(picks)


def test_kcenter_equals_both_references(digits_linear, linear_learner):
    Z_lab, _, Z_pool, _ = digits_linear
    ref1 = _deepalplus_kcenter(Z_lab, Z_pool, 25)
    ref2 = _badge_furthest_first(Z_lab, Z_pool, 25)
    np.testing.assert_array_equal(ref1, ref2)
    for strategy in (KCenterGreedy(), CoreSet()):
        idx = strategy.query(Z_pool, linear_learner, budget=25)
        assert jaccard(idx, ref1) == 1.0
        np.testing.assert_array_equal(idx, ref1)  # and the same order
