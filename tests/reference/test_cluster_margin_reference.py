"""ClusterMargin against a re-derivation of the paper's Algorithm 1.

There is no official code. Source: G. Citovsky et al., "Batch Active Learning
at Scale", NeurIPS 2021, section 3 and Algorithm 1 (Cluster-Margin):

1. once, before the first round: hierarchical agglomerative clustering with
   average linkage of the pool embedding (here scipy's ``linkage`` +
   ``fcluster(maxclust=k)``, an implementation independent of skactive's
   scikit-learn one);
2. every round: the ``k_m`` pool samples of smallest margin; their clusters,
   sorted by the number of candidates they hold, ascending; round-robin over
   the sorted clusters, one candidate drawn uniformly at random from each
   non-exhausted cluster per visit, until ``k_t`` samples are chosen;
3. the clustering is kept: a pool sample keeps its cluster in later rounds.

Stochastic: the clusters visited and their order are deterministic (ties
between clusters with as many candidates: skactive takes the smaller
cluster label, the paper leaves it open, so the test compares the candidate
counts of the visit sequence), the member drawn inside a cluster is uniform
(chi-square test over seeds).
"""

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.linear_model import LogisticRegression

from skactive import ActiveLearner
from skactive.strategies import ClusterMargin

from .conftest import chi2_pvalue

K = 15


def _margin(learner, Z):
    P = np.sort(learner.predict_proba(Z), axis=1)
    return P[:, -1] - P[:, -2]


def _hac(Z, k):
    return fcluster(linkage(Z, method="average"), t=k, criterion="maxclust")


def _same_partition(a, b):
    pairs = set(zip(a.tolist(), b.tolist()))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def _visit_sequence(cand_clusters, budget):
    """Candidate counts of the clusters in the order Algorithm 1 visits them."""
    labels, counts = np.unique(cand_clusters, return_counts=True)
    order = np.argsort(counts, kind="stable")
    left = dict(zip(labels[order].tolist(), counts[order].tolist()))
    seq = []
    while len(seq) < budget:
        for c in labels[order].tolist():
            if left[c] > 0 and len(seq) < budget:
                seq.append(dict(zip(labels.tolist(), counts.tolist()))[c])
                left[c] -= 1
    return seq


def test_round_one_equals_algorithm_1(digits_linear, linear_learner):
    _, _, Z_pool, _ = digits_linear
    budget, ratio = 8, 4
    ref_clusters = _hac(Z_pool, K)
    m = _margin(linear_learner, Z_pool)
    cand = np.argsort(m, kind="stable")[: budget * ratio]
    expected_seq = _visit_sequence(ref_clusters[cand], budget)
    for seed in range(5):
        s = ClusterMargin(n_clusters=K, margin_ratio=ratio, random_state=seed)
        idx = s.query(Z_pool, linear_learner, budget=budget)
        assert _same_partition(s.cluster_labels_, ref_clusters)
        assert set(idx.tolist()) <= set(cand.tolist())
        counts = {c: np.sum(ref_clusters[cand] == c) for c in np.unique(ref_clusters[cand])}
        assert [counts[c] for c in ref_clusters[idx]] == expected_seq


def test_member_drawn_uniformly_in_its_cluster(digits_linear, linear_learner):
    """The first visit of the largest candidate cluster draws each of its
    candidates with the same probability."""
    _, _, Z_pool, _ = digits_linear
    budget, ratio = 20, 2  # budget >= number of clusters: every cluster is visited
    ref_clusters = _hac(Z_pool, K)
    cand = np.argsort(_margin(linear_learner, Z_pool), kind="stable")[: budget * ratio]
    labels, counts = np.unique(ref_clusters[cand], return_counts=True)
    big = labels[np.argmax(counts)]
    members = cand[ref_clusters[cand] == big]
    assert len(members) >= 4
    drawn = []
    for seed in range(150):
        idx = ClusterMargin(n_clusters=K, margin_ratio=ratio, random_state=seed).query(
            Z_pool, linear_learner, budget=budget)
        first = [i for i in idx if ref_clusters[i] == big][0]
        drawn.append(int(np.flatnonzero(members == first)[0]))
    assert chi2_pvalue(drawn, np.full(len(members), 1 / len(members))) > 0.01


def test_membership_kept_across_rounds(digits_linear):
    """Three rounds of an ActiveLearner loop: every pool sample keeps its
    round-1 cluster, although the model (and so the embedding of a pipeline
    or a net) and the pool change; a sample new to the pool joins the
    cluster of the nearest centroid."""
    Z_lab, y_lab, Z_pool, y_pool = digits_linear
    learner = ActiveLearner(
        LogisticRegression(max_iter=5000),
        ClusterMargin(n_clusters=K, margin_ratio=4, random_state=0),
    ).fit(Z_lab, y_lab)
    rows = np.arange(len(Z_pool))  # row ids of the current pool
    idx = learner.query(Z_pool, budget=10)
    first = dict(zip(rows.tolist(), learner.query_strategy_.cluster_labels_.tolist()))
    assert _same_partition(learner.query_strategy_.cluster_labels_, _hac(Z_pool, K))
    for _ in range(2):
        learner.teach(Z_pool[rows[idx]], y_pool[rows[idx]])
        rows = np.delete(rows, idx)
        perm = np.random.RandomState(len(rows)).permutation(len(rows))
        rows = rows[perm]  # the pool may come in any order
        idx = learner.query(Z_pool[rows], budget=10)
        labels = learner.query_strategy_.cluster_labels_
        assert labels.tolist() == [first[r] for r in rows.tolist()]
    # a new sample: nearest centroid of the round-1 clusters
    strategy = learner.query_strategy_
    new = Z_pool[:1] + 1e-3
    strategy.query(np.vstack([Z_pool[rows], new]), learner, budget=2)
    d = np.linalg.norm(strategy.cluster_centers_ - new, axis=1)
    assert strategy.cluster_labels_[-1] == np.argmin(d)
