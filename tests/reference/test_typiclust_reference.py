"""TypiClust against a re-derivation of the authors' code.

Source: github.com/avihu111/TypiClust, commit
4097a71c348f60492ab22be0c4c9da224e637af6 (read, not copied),
``deep-al/pycls/al/typiclust.py``:

- ``num_clusters = min(len(lSet) + budgetSize, MAX_NUM_CLUSTERS=500)``; k-means
  (``KMeans`` up to 50 clusters, ``MiniBatchKMeans(batch_size=5000)`` beyond)
  on the features of ``lSet`` then ``uSet``;
- a table of clusters (id, size, number of labelled points), clusters of
  ``size <= MIN_CLUSTER_SIZE=5`` dropped, sorted by (labelled count, -size)
  (pandas' multi-column sort is stable: ties by cluster id);
- pick ``i`` visits cluster ``i % len(table)``; among its points not labelled
  nor selected, the one with the largest ``1 / (mean d + 1e-5)`` where ``d``
  are the *squared* L2 distances (faiss ``IndexFlatL2``) to its
  ``min(K_NN=20, n // 2)`` nearest other points (the first neighbour, the
  point itself, dropped); ``argmax`` takes the first maximum.

The k-means step is globally seeded in the reference; here both sides get
the clustering the strategy computes with its ``random_state`` (the same
call), so the comparison is of the selection rule, deterministically:
identical picks, in order.
"""

import numpy as np
import pytest
from sklearn.utils import check_random_state

from skactive import ActiveLearner
from skactive.strategies import TypiClust

from .conftest import jaccard


def _reference_typicality(F, k):
    D = ((F[:, None, :] - F[None, :, :]) ** 2).sum(-1)  # squared, as faiss
    D = np.sort(D, axis=1)[:, 1 : k + 1]  # drop the nearest (the point itself)
    return 1 / (D.mean(axis=1) + 1e-5)


def _reference_select(features, labels, n_lab, budget):
    labels = labels.copy()
    ids, sizes = np.unique(labels, return_counts=True)
    existing = np.bincount(labels[:n_lab], minlength=len(ids))
    table = [(c, s, e) for c, s, e in zip(ids, sizes, existing[ids]) if s > 5]
    table.sort(key=lambda r: (r[2], -r[1]))  # stable: ties keep the id order
    labels[:n_lab] = -1
    selected = []
    for i in range(budget):
        cluster = table[i % len(table)][0]
        idx = np.flatnonzero(labels == cluster)
        typ = _reference_typicality(features[idx], min(20, len(idx) // 2))
        best = idx[typ.argmax()]
        selected.append(best)
        labels[best] = -1
    return np.asarray(selected) - n_lab  # pool positions


@pytest.mark.parametrize("budget", [10, 30])
def test_typiclust_equals_reference_with_labels(digits_linear, linear_learner, budget):
    Z_lab, _, Z_pool, _ = digits_linear
    strategy = TypiClust(space="input", random_state=0)
    idx = strategy.query(Z_pool, linear_learner, budget)
    Z = np.vstack([Z_lab, Z_pool])
    n_clusters = min(len(Z_lab) + budget, 500)
    labels = TypiClust(space="input")._cluster(Z, n_clusters, check_random_state(0))
    ref = _reference_select(Z, labels, len(Z_lab), budget)
    np.testing.assert_array_equal(idx, ref)


@pytest.mark.parametrize("budget", [5, 20])
def test_typiclust_equals_reference_from_zero_labels(digits_linear, budget):
    _, _, Z_pool, _ = digits_linear
    strategy = TypiClust(space="input", random_state=1)
    idx = ActiveLearner(query_strategy=strategy).query(Z_pool, budget)
    labels = TypiClust(space="input")._cluster(Z_pool, budget, check_random_state(1))
    ref = _reference_select(Z_pool, labels, 0, budget)
    np.testing.assert_array_equal(idx, ref)
    assert jaccard(idx, ref) == 1.0


def test_typiclust_clustering_is_the_reference_choice(digits_linear):
    # KMeans up to 50 clusters, MiniBatchKMeans(batch_size=5000) beyond,
    # n_init as scikit-learn 1.0 (the reference environment): 10 and 3
    from sklearn.cluster import KMeans, MiniBatchKMeans

    _, _, Z_pool, _ = digits_linear
    s = TypiClust(space="input")
    lab_small = s._cluster(Z_pool, 50, check_random_state(0))
    ref_small = KMeans(50, n_init=10, random_state=check_random_state(0)).fit_predict(Z_pool)
    np.testing.assert_array_equal(lab_small, ref_small)
    lab_big = s._cluster(Z_pool, 51, check_random_state(0))
    ref_big = MiniBatchKMeans(
        51, batch_size=5000, n_init=3, random_state=check_random_state(0)
    ).fit_predict(Z_pool)
    np.testing.assert_array_equal(lab_big, ref_big)
