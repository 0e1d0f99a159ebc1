"""ALFA-Mix against an independent re-derivation of the authors' code.

Source: github.com/AminParvaneh/alpha_mix_active_learning, commit
b79d95458081efff6d9a3d17d50cf6b4fae6f98c, ``query_strategies/alpha_mix_sampling.py``
(``AlphaMixSampling.query``, ``find_candidate_set``, ``calculate_optimum_alpha``,
``generate_alpha``, ``clamp_alpha``, ``learn_alpha``, ``sample``) and ``main.py``
(argparse defaults: ``alpha_learning_iters=5``, ``alpha_learning_rate=0.1``,
``alpha_clf_coef=1.0``, ``alpha_l2_coef=0.01``). The functions below are written
in torch from reading that code, not copied:

- closed form: ``grads`` = autograd of the *mean* cross-entropy at the predicted
  label w.r.t. the unlabelled embeddings; per cap ``eps = cap / sqrt(D)``; per
  class ``i`` the anchor is the mean labelled embedding of class ``i`` (all
  labelled embeddings if there is none); ``alpha = (eps * ||z|| / ||g||) * g /
  (z + 1e-8)`` with ``z = anchor - u`` (no clamp); the mix ``(1 - alpha) * u +
  alpha * anchor`` is a candidate when its argmax differs from the prediction;
- cap loop: ``cap = 0; while cap < 1: cap += step``, candidates accumulated
  (``candidate += pred_change``), stop once there are more than ``n``;
- learned alpha: ``clamp(normal(cap/2, cap/2), 1e-8, cap)``; ``iters`` passes,
  each builds the mix, records flips, takes one step of a *new*
  ``torch.optim.Adam`` (lr divided by 10 once ``i >= iters * 2/3``) on
  ``-CE + 0.01 * ||alpha||`` (summed), then clamps;
- selection: ``KMeans(n_clusters=n)`` (scikit-learn 0.23: 10 restarts) on the
  L2-normalised candidates, the member nearest its own centre per cluster.

The inputs are sklearn's digits through a fixed linear map (dense), the same
followed by a ReLU (about half the entries 0, and class anchors exactly 0 on
some units: the case where the reference's move leaves a dimension still), and
the raw pixels / 16 (discrete values, constant columns); the head is a
``LogisticRegression`` on those embeddings. The reference runs in float64
here: in float32 its ``(1 - alpha) * u + alpha * anchor`` loses digits where
``alpha`` is ~1e8 (``u_d`` nearly equal to the anchor's), which is rounding
noise, not the rule. No ties were met in the candidate sets: every Jaccard
index is 1.0. In the k-means selection of the pixel case two members of a
cluster tie for the nearest to its centre (see ``ref_sample``).
"""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sklearn.cluster import KMeans  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from skactive import ActiveLearner  # noqa: E402
from skactive.strategies import AlfaMix  # noqa: E402
from skactive.strategies._alfamix import _LinearHead, _learn_alpha  # noqa: E402

from .._helpers import one_torch_thread  # noqa: E402, F401


@pytest.fixture(scope="module", autouse=True)
def one_thread(one_torch_thread):
    yield


# --------------------------------------------------- the authors' rule, re-derived
def ref_head(lr):
    W = torch.as_tensor(lr.coef_, dtype=torch.float64)
    b = torch.as_tensor(lr.intercept_, dtype=torch.float64)
    return lambda z: z @ W.T + b


def ref_anchor(lb_emb, Y, i):
    emb = lb_emb[Y == i]
    if emb.size(0) == 0:
        emb = lb_emb
    return emb.mean(dim=0).view(1, -1)


def ref_optimum_alpha(eps, anchor, ulb, grads):
    z = anchor - ulb
    return (eps * z.norm(dim=1) / grads.norm(dim=1)).unsqueeze(1).repeat(1, z.size(1)) \
        * grads / (z + 1e-8)


def ref_closed_form_caps(clf, lb_emb, Y, ulb, n_label, step, n):
    """Candidate sets (union so far) after each cap of the reference loop."""
    pred = clf(ulb).softmax(dim=1).sort(descending=True)[1][:, 0]
    var = ulb.clone().requires_grad_(True)
    grads = torch.autograd.grad(torch.nn.functional.cross_entropy(clf(var), pred), var)[0]
    candidate = torch.zeros(ulb.size(0), dtype=torch.bool)
    out, cap = [], 0.0
    while cap < 1.0:
        cap += step
        eps = cap / math.sqrt(ulb.size(1))
        for i in range(n_label):
            anchor = ref_anchor(lb_emb, Y, i).repeat(ulb.size(0), 1)
            alpha = ref_optimum_alpha(eps, anchor, ulb, grads)
            mix = (1 - alpha) * ulb + alpha * anchor
            candidate |= clf(mix).argmax(dim=1) != pred
        out.append((cap, candidate.numpy().copy()))
        if candidate.sum() > n:
            break
    return out


def ref_learn_alpha(clf, emb, labels, anchor, alpha, cap, iters=5, lr=0.1, l2=0.01):
    pred_changed = torch.zeros(labels.size(0), dtype=torch.bool)
    for i in range(iters):
        la = alpha.clone().requires_grad_(True)
        opt = torch.optim.Adam([la], lr=lr / (1.0 if i < iters * 2 / 3 else 10.0))
        out = clf((1 - la) * emb + la * anchor)
        pred_changed |= out.argmax(dim=1) != labels
        loss = -torch.nn.functional.cross_entropy(out, labels, reduction="none") \
            + l2 * la.norm(dim=1)
        loss.sum().backward()
        opt.step()
        alpha = torch.clamp(la.detach(), min=1e-8, max=cap)
    return pred_changed


def ref_sample(feats, n, seed):
    """The reference's picks, one per non-empty cluster, as the set of members that
    tie (to 1e-12) for the smallest distance to the centre: the reference takes
    the first by argmin, so an exact tie (e.g. a two-member cluster, whose
    centre is their midpoint) is decided by rounding."""
    km = KMeans(n_clusters=n, n_init=10, random_state=np.random.RandomState(seed)).fit(feats)
    idx = km.predict(feats)
    dis = ((feats - km.cluster_centers_[idx]) ** 2).sum(axis=1)
    return [set(np.flatnonzero((idx == i) & (dis <= dis[idx == i].min() + 1e-12)))
            for i in range(n) if (idx == i).sum() > 0]


# ------------------------------------------------------------------------ inputs
def digits_case(kind):
    X, y = load_digits(return_X_y=True)
    rng = np.random.RandomState(0)
    if kind == "pixels":
        Z = X / 16.0
    else:
        M = rng.normal(size=(64, 32)) / 8.0
        Z = (X / 16.0 - 0.3) @ M
        if kind == "relu":
            Z = np.maximum(Z, 0.0)
    order = rng.permutation(len(y))
    lab, pool = order[:60], order[60:1060]
    learner = ActiveLearner(LogisticRegression(C=10.0, max_iter=2000)).fit(Z[lab], y[lab])
    return learner, Z[lab], y[lab], Z[pool]


def jaccard(a, b):
    union = np.count_nonzero(a | b)
    return 1.0 if union == 0 else np.count_nonzero(a & b) / union


CASES = ["dense", "relu", "pixels"]


@pytest.mark.parametrize("kind", CASES)
def test_closed_form_candidates_equal_the_reference_at_every_cap(kind):
    learner, Z_lab, y_lab, Z_pool = digits_case(kind)
    if kind != "dense":  # the masked dimensions are really there
        anchors = np.array([Z_lab[y_lab == k].mean(axis=0) for k in range(10)])
        assert ((Z_pool == 0)[:, None, :] & (anchors == 0)[None]).any()
    clf = ref_head(learner.estimator_)
    ref = ref_closed_form_caps(clf, torch.as_tensor(Z_lab), torch.as_tensor(y_lab),
                               torch.as_tensor(Z_pool), 10, 0.2, n=len(Z_pool))
    assert len(ref) == 5
    for cap, ref_mask in ref:
        s = AlfaMix(epsilon_max=cap, random_state=0)
        s.query(Z_pool, learner, budget=len(Z_pool))
        assert s.alpha_cap_ == cap
        assert jaccard(s.candidate_mask_, ref_mask) == 1.0, (kind, cap)
    assert 0 < ref[0][1].sum() < ref[-1][1].sum()


@pytest.mark.parametrize("kind", CASES)
def test_cap_loop_and_selection_equal_the_reference(kind):
    learner, Z_lab, y_lab, Z_pool = digits_case(kind)
    clf = ref_head(learner.estimator_)
    budget = 25
    ref = ref_closed_form_caps(clf, torch.as_tensor(Z_lab), torch.as_tensor(y_lab),
                               torch.as_tensor(Z_pool), 10, 0.2, n=budget)
    cap, ref_mask = ref[-1]
    s = AlfaMix(kmeans="reference", random_state=3)
    picks = s.query(Z_pool, learner, budget=budget)
    assert s.alpha_cap_ == cap and jaccard(s.candidate_mask_, ref_mask) == 1.0
    cand = np.flatnonzero(ref_mask)
    assert len(cand) > budget  # so the clustering runs
    feats = Z_pool[cand] / np.linalg.norm(Z_pool[cand], axis=1, keepdims=True)
    ties = [{cand[j] for j in tie} for tie in ref_sample(feats, budget, seed=3)]
    assert len(ties) == budget == len(picks)
    assert all(len(set(picks) & tie) == 1 for tie in ties)


@pytest.mark.parametrize("kind", ["dense", "relu"])
def test_learned_alpha_flips_equal_the_reference(kind):
    """Same initial alpha (the reference draws it with torch's global RNG): same flips."""
    learner, Z_lab, y_lab, Z_pool = digits_case(kind)
    Z_pool = Z_pool[:300]
    est = learner.estimator_
    head, clf = _LinearHead(est.coef_, est.intercept_), ref_head(est)
    anchors = np.array([Z_lab[y_lab == k].mean(axis=0) for k in range(10)])
    y_hat = head.logits(Z_pool).argmax(axis=1)
    emb, labels = torch.as_tensor(Z_pool), torch.as_tensor(y_hat)
    for cap in (0.03125, 0.25, 1.0):
        flips, _ = _learn_alpha(head, Z_pool, y_hat, anchors, cap, n_iter=5,
                                learning_rate=0.1, l2_penalty=0.01,
                                rng=np.random.RandomState(5))
        init = np.random.RandomState(5).normal(cap / 2, cap / 2, size=(300, 10, 32))
        init = np.clip(init, 1e-8, cap)
        ref = np.stack([
            ref_learn_alpha(clf, emb, labels,
                            torch.as_tensor(anchors[a]).view(1, -1).repeat(300, 1),
                            torch.as_tensor(init[:, a, :]), cap).numpy()
            for a in range(10)
        ], axis=1)
        assert ref.any()
        assert jaccard(flips.any(axis=1), ref.any(axis=1)) == 1.0, (kind, cap)
        np.testing.assert_array_equal(flips, ref)
