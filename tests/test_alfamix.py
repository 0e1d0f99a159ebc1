"""ALFA-Mix: hand-computed anchors, closed-form alpha, flips, epsilon growth, selection."""

import numpy as np
import pytest
from scipy.optimize import minimize
from sklearn.base import BaseEstimator, ClassifierMixin

from skactive import ActiveLearner
from skactive.exceptions import LearnerCapabilityError
from skactive.strategies import AlfaMix
from skactive.strategies._alfamix import (
    _closed_form_alpha,
    _epsilon_schedule,
    _LinearHead,
    _learn_alpha,
    _resolve_head,
)
from skactive.utils.estimator_checks import check_query_strategy


class FixedLinear(ClassifierMixin, BaseEstimator):
    """Linear classifier with hand-set weights: logits = X @ W.T + b."""

    def __init__(self, W=None, b=None):
        self.W = W
        self.b = b

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.n_features_in_ = np.asarray(X).shape[1]
        self.coef_ = np.asarray(self.W, dtype=float)
        self.intercept_ = np.asarray(self.b, dtype=float)
        return self

    def decision_function(self, X):
        return np.asarray(X, dtype=float) @ self.coef_.T + self.intercept_

    def predict(self, X):
        return self.classes_[self.decision_function(X).argmax(axis=1)]


# Two classes in 2-D, logits (-x, x): class 1 iff x > 0. The gradient of the
# cross-entropy at the predicted label points along -sign(x) e_1 (towards x=0),
# so a closed-form mix of step s = eps * ||z* - z_u|| flips iff s > |x|.
W2, B2 = [[-1.0, 0.0], [1.0, 0.0]], [0.0, 0.0]
X_LAB = np.array([[-2.0, 0.0], [-4.0, 0.0], [2.0, 0.0], [2.0, 2.0]])
Y_LAB = np.array([0, 0, 1, 1])  # anchors (-3, 0) and (2, 1)
POOL = np.array(
    [
        [0.5, 0.0],  # A: |D0| = 3.5 -> s = .70 > .5 flips; |D1| = 1.80 -> .36 no  (eps .2)
        [-0.4, 0.0],  # B: |D0| = 2.6, |D1| = 2.6 -> s = .52 > .4: both flip
        [5.0, 0.0],  # C: far; flips with anchor 0 once 8 eps > 5 (eps = .8)
        [-6.0, 1.0],  # D: far; flips with anchor 1 once 8 eps > 6 (eps = .8)
        [0.2, 3.0],  # E: |D0| = 4.39, |D1| = 2.69 -> both flip at eps .2
    ]
)


@pytest.fixture
def learner():
    return ActiveLearner(FixedLinear(W2, B2)).fit(X_LAB, Y_LAB)


def test_anchors_and_flips_by_hand(learner):
    s = AlfaMix(epsilon_scaling="none", random_state=0)
    idx, scores = s.query(POOL, learner, budget=2, return_scores=True)
    np.testing.assert_allclose(s.anchors_, [[-3.0, 0.0], [2.0, 1.0]])
    # 3 candidates > budget 2 at the first epsilon: no growth
    assert s.alpha_cap_ == pytest.approx(0.2)
    np.testing.assert_array_equal(s.candidate_mask_, [True, True, False, False, True])
    np.testing.assert_array_equal(scores, [1, 2, 0, 0, 2])
    assert s.n_candidates_ == 3
    assert set(idx) <= {0, 1, 4} and len(set(idx)) == 2


def test_epsilon_grows_until_candidates_exceed_budget(learner):
    s = AlfaMix(epsilon_scaling="none", random_state=0)
    idx, scores = s.query(POOL, learner, budget=3, return_scores=True)
    # 3 candidates is not more than 3: eps .4 adds anchor 1 for A, .6 nothing,
    # .8 makes C and D flip (8 * .8 = 6.4 > 5 and > 6)
    assert s.alpha_cap_ == pytest.approx(0.8)
    np.testing.assert_array_equal(scores, [2, 2, 1, 1, 2])
    assert s.candidate_mask_.all()
    assert len(set(idx)) == 3


def test_sqrt_dim_scaling_is_the_reference_default(learner):
    # eps / sqrt(2) at .2: A .70/sqrt2 = .495 < .5 and B .52/sqrt2 = .368 < .4 no
    # longer flip; E (.877 and .538, over sqrt 2, > .2) still does
    s = AlfaMix(epsilon_max=0.2, random_state=0)
    _, scores = s.query(POOL, learner, budget=1, return_scores=True)
    np.testing.assert_array_equal(scores, [0, 0, 0, 0, 2])


def test_closed_form_alpha_by_hand():
    # A with anchor 0: g/|g| = (-1, 0), |D| = 3.5, eps = .2 -> alpha = (.2, 0),
    # mix = .2 * (-3, 0) + .8 * (.5, 0) = (-.2, 0): the label flips.
    z_u, anchor, grad = np.array([0.5, 0.0]), np.array([-3.0, 0.0]), np.array([-0.3, 0.0])
    alpha = _closed_form_alpha(z_u, anchor, grad, 0.2)
    np.testing.assert_allclose(alpha, [0.2, 0.0], atol=1e-8)
    mix = alpha * anchor + (1 - alpha) * z_u
    np.testing.assert_allclose(mix, [-0.2, 0.0], atol=1e-8)


def test_closed_form_maximises_the_linearised_loss():
    """Eq. 5 agrees with a direct optimisation of eq. 4 over mixes of that size."""
    rng = np.random.RandomState(0)
    z_u, anchor, grad = rng.normal(size=(3, 5))
    eps = 0.3
    alpha = _closed_form_alpha(z_u, anchor, grad, eps)
    delta = anchor - z_u
    radius = eps * np.linalg.norm(delta)
    best = minimize(
        lambda a: -(a * delta) @ grad,
        x0=np.full(5, 0.01),
        jac=lambda a: -delta * grad,
        constraints=[{"type": "ineq", "fun": lambda a: radius**2 - np.sum((a * delta) ** 2)}],
        method="SLSQP",
    )
    assert (alpha * delta) @ grad == pytest.approx(radius * np.linalg.norm(grad))
    assert (alpha * delta) @ grad == pytest.approx(-best.fun, rel=1e-4)
    np.testing.assert_allclose(alpha * delta, best.x * delta, atol=1e-3)


@pytest.mark.parametrize("by_anchor", [False, True])
def test_exact_linear_thresholds_match_direct_evaluation(by_anchor, monkeypatch):
    import skactive.strategies._alfamix_kernels as module

    if by_anchor:
        monkeypatch.setattr(module, "_DENSE_MAX_PAIRS", 0)
    rng = np.random.RandomState(0)
    head = _LinearHead(rng.normal(size=(3, 2)), rng.normal(size=3))
    Z, anchors = rng.normal(size=(200, 2)), rng.normal(size=(3, 2))
    for direction in ("official", "gradient"):
        s = AlfaMix(direction=direction, random_state=0)
        for budget in (5, 150):
            f_exact, e1 = s._flips(Z, head, anchors, budget, None)
            f_direct, e2 = s._flips(Z, head, anchors, budget, None, exact_linear=False)
            assert e1 == e2
            np.testing.assert_array_equal(f_exact, f_direct)


def _relu_problem(rng, n=400, D=12, K=4):
    """ReLU-like embeddings, class anchors exactly 0 on some units, and one discrete
    column whose class-constant value the anchors share with the pool."""
    centers = rng.normal(scale=0.3, size=(K, D))
    centers[rng.rand(K, D) < 0.3] = -3.0
    y_lab = np.repeat(np.arange(K), 5)
    Z_lab = np.maximum(centers[y_lab] + 0.5 * rng.normal(size=(len(y_lab), D)), 0)
    Z = np.maximum(centers[rng.randint(K, size=n)] + 0.5 * rng.normal(size=(n, D)), 0)
    Z_lab[:, 0] = np.where(y_lab % 2, 1.5, 0.5)
    Z[:, 0] = rng.choice([0.5, 1.5], size=n)
    head = _LinearHead(rng.normal(size=(K, D)), 0.1 * rng.normal(size=K))
    anchors = np.array([Z_lab[y_lab == k].mean(axis=0) for k in range(K)])
    return head, Z, Z_lab, anchors


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("by_anchor", [False, True])
def test_linear_shortcut_is_exact_with_masked_dimensions(dtype, by_anchor, monkeypatch):
    """Anchors that share values with samples (ReLU zeros, a discrete column):
    the corrected thresholds equal a direct evaluation of the reference's mixes,
    with the all-pairs products and anchor by anchor (used for many classes)."""
    import skactive.strategies._alfamix_kernels as module

    if by_anchor:
        monkeypatch.setattr(module, "_DENSE_MAX_PAIRS", 0)
    head, Z, Z_lab, anchors = _relu_problem(np.random.RandomState(1))
    assert (anchors == 0).any() and ((Z == 0)[:, None, :] & (anchors == 0)).any()
    assert (Z[:, None, 0] == anchors[None, :, 0]).any()
    s = AlfaMix(epsilon_scaling="none", random_state=0)
    for budget in (5, 50, 300):
        f_fast, e1 = s._flips(Z.astype(dtype), head, anchors, budget, None, Z_lab=Z_lab)
        f_direct, e2 = s._flips(Z, head, anchors, budget, None, exact_linear=False)
        assert e1 == e2
        np.testing.assert_array_equal(f_fast, f_direct)
    # the masked dimensions matter here: the whole-gradient move flips other pairs
    f_grad, _ = s.set_params(direction="gradient")._flips(Z, head, anchors, 50, None)
    f_off, _ = s.set_params(direction="official")._flips(Z, head, anchors, 50, None,
                                                         Z_lab=Z_lab)
    assert (f_grad != f_off).any()


def test_official_direction_leaves_equal_dimensions_still():
    # class 1 iff x > 0; u = (0.5, 0) is predicted 1, its gradient points along -e_0.
    # The anchor (0.5, 3) equals u in dimension 0: the reference's mix does not move
    # there (alpha_0 * 0), so it never flips; the whole-gradient move of length
    # eps * ||z* - u|| = .2 * 3 = .6 > .5 crosses x = 0.
    head = _LinearHead(np.array(W2), np.array(B2))
    Z, anchors = np.array([[0.5, 0.0]]), np.array([[0.5, 3.0]])
    for exact in (True, False):
        s = AlfaMix(epsilon_scaling="none", epsilon_max=0.2)
        assert not s._flips(Z, head, anchors, 0, None, exact_linear=exact)[0].any()
        s.set_params(direction="gradient")
        assert s._flips(Z, head, anchors, 0, None, exact_linear=exact)[0].all()
    alpha = _closed_form_alpha(Z[0], anchors[0], np.array([-1.0, 0.0]), 0.2)
    assert alpha[0] == pytest.approx(-0.6 / 1e-8) and alpha[1] == 0.0
    np.testing.assert_allclose(alpha * (anchors[0] - Z[0]), [0.0, 0.0])


def test_fill_never_duplicates(learner):
    # one fixed epsilon (paper's Algorithm 1): 3 candidates, 1 random fill-in
    s = AlfaMix(epsilon_scaling="none", epsilon_max=0.2, random_state=0)
    idx = s.query(POOL, learner, budget=4)
    np.testing.assert_array_equal(idx[:3], [1, 4, 0])  # by score, ties by index
    assert idx[3] in (2, 3) and len(set(idx)) == 4
    assert len(set(s.query(POOL, learner, budget=5))) == 5


def test_empty_candidate_set_falls_back_to_random(learner):
    pool = np.array([[50.0, 0.0], [-50.0, 0.0], [40.0, 3.0]])
    s = AlfaMix(epsilon_max=0.2, random_state=0)
    idx, scores = s.query(pool, learner, budget=2, return_scores=True)
    assert s.n_candidates_ == 0 and not scores.any() and len(set(idx)) == 2


def test_duplicate_candidates_fill_from_candidates(learner):
    # 6 identical candidates + 1 other: k-means finds 2 distinct clusters only
    pool = np.vstack([np.tile([[0.1, 0.0]], (6, 1)), [[-0.1, 0.0]], [[50.0, 0.0]]])
    s = AlfaMix(random_state=0)
    idx = s.query(pool, learner, budget=4)
    assert len(set(idx)) == 4 and 7 not in idx


def test_learned_alpha_stays_in_box():
    rng = np.random.RandomState(0)
    head = _LinearHead(rng.normal(size=(3, 4)), rng.normal(size=3))
    Z, anchors = rng.normal(size=(30, 4)), rng.normal(size=(3, 4))
    y_hat = head.logits(Z).argmax(axis=1)
    for eps in (0.05, 0.5):
        flips, alpha = _learn_alpha(head, Z, y_hat, anchors, eps, n_iter=5, learning_rate=0.1,
                                    l2_penalty=0.01, rng=np.random.RandomState(0))
        assert alpha.shape == (30, 3, 4) and flips.shape == (30, 3)
        assert alpha.min() >= 1e-8 and alpha.max() <= eps  # clamp_alpha
    assert flips.any()


def test_learned_alpha_tests_the_initial_mix_and_not_the_last_step():
    """One iteration: the flips are those of the initial alpha, drawn from
    clamp(N(eps/2, eps/2), 1e-8, eps); its Adam step is taken but not tested."""
    rng = np.random.RandomState(0)
    head = _LinearHead(rng.normal(size=(3, 4)), rng.normal(size=3))
    Z, anchors = rng.normal(size=(50, 4)), 3 * rng.normal(size=(3, 4))
    y_hat = head.logits(Z).argmax(axis=1)
    eps = 0.5
    flips, alpha = _learn_alpha(head, Z, y_hat, anchors, eps, n_iter=1, learning_rate=0.1,
                                l2_penalty=0.01, rng=np.random.RandomState(7))
    a0 = np.clip(np.random.RandomState(7).normal(eps / 2, eps / 2, size=(50, 3, 4)), 1e-8, eps)
    mix = Z[:, None, :] + a0 * (anchors[None] - Z[:, None, :])
    np.testing.assert_array_equal(flips, head.logits(mix).argmax(axis=2) != y_hat[:, None])
    # the step is lr * sign(g) (a fresh Adam), then the clamp
    assert np.all(np.isclose(np.abs(alpha - a0), 0.1, atol=1e-6) | (alpha == eps)
                  | (alpha == 1e-8))


def test_learned_flips_more_as_epsilon_grows(learner):
    # with alpha in [0, eps]^D and eps = 1 the mix can reach the anchor itself
    s = AlfaMix(alpha_opt="learned", random_state=0)
    idx, scores = s.query(POOL, learner, budget=3, return_scores=True)
    assert s.n_candidates_ > 3 and len(set(idx)) == 3
    np.testing.assert_array_equal(s.candidate_mask_, scores > 0)


@pytest.mark.parametrize("alpha_opt", ["closed_form", "learned"])
def test_deterministic_and_on_letter(alpha_opt):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skactive.datasets import load_letter

    X, y = load_letter(return_X_y=True)
    est = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300))
    learner = ActiveLearner(est, query_strategy=AlfaMix(alpha_opt=alpha_opt, random_state=3))
    learner.fit(X[:200], y[:200])
    pool = X[200:1200]
    a = learner.query(pool, budget=20)
    assert len(set(a)) == 20
    np.testing.assert_array_equal(a, learner.query(pool, budget=20))
    learner.teach(pool[a], y[200:1200][a])
    assert learner.query(X[1200:1700], budget=20).shape == (20,)


def test_missing_class_and_single_sample_per_class():
    X = np.array([[-1.0, 0.0], [1.0, 0.0]])  # one labelled sample per class
    est = FixedLinear(W2, B2)
    learner = ActiveLearner(est, classes=[0, 1, 2]).fit(X, [0, 1])
    s = AlfaMix(random_state=0).fit()
    s.query(POOL, learner, budget=2)
    np.testing.assert_allclose(s.anchors_, [[-1, 0], [1, 0], [0, 0]])  # + global mean
    s.set_params(missing_anchor="skip").query(POOL, learner, budget=2)
    np.testing.assert_allclose(s.anchors_, [[-1, 0], [1, 0]])


def test_errors(learner):
    with pytest.raises(LearnerCapabilityError, match="ActiveLearner"):
        AlfaMix().query(POOL, learner.estimator_, budget=1)
    from sklearn.tree import DecisionTreeClassifier

    tree = ActiveLearner(DecisionTreeClassifier()).fit(X_LAB, Y_LAB)
    with pytest.raises(LearnerCapabilityError, match="gradient"):
        AlfaMix().query(POOL, tree, budget=1)
    with pytest.raises(ValueError, match="alpha_opt"):
        AlfaMix(alpha_opt="adam").query(POOL, learner, budget=1)


def test_schedule():
    # the reference's loop: cap = 0; while cap < 1: cap += step
    assert _epsilon_schedule(0.2, 1.0) == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    assert len(_epsilon_schedule(0.2, 1.0)) == 5
    assert len(_epsilon_schedule(0.03125, 1.0)) == 32
    assert _epsilon_schedule(0.3, 1.0) == pytest.approx([0.3, 0.6, 0.9, 1.2])
    assert len(_epsilon_schedule(0.1, 1.0)) == 11  # 10 x 0.1 sums to 0.9999999999999999
    assert _epsilon_schedule(0.5, 0.2) == [0.5]


def test_torch_head_matches_linear_head(learner):
    torch = pytest.importorskip("torch")

    class TorchHeadNet(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            self.classes_ = np.unique(y)
            self.n_features_in_ = 2
            lin = torch.nn.Linear(2, 2)
            with torch.no_grad():
                lin.weight.copy_(torch.tensor(W2))
                lin.bias.zero_()
            self.module_ = torch.nn.Module()
            self.module_.head = torch.nn.Sequential(lin)
            return self

        def predict(self, X):
            return self.classes_[np.asarray(X)[:, 0] > 0]

    net = ActiveLearner(TorchHeadNet()).fit(X_LAB, Y_LAB)
    assert not _resolve_head(net).linear
    for opt in ("closed_form", "learned"):
        kw = dict(alpha_opt=opt, epsilon_scaling="none", random_state=0)
        _, s_torch = AlfaMix(**kw).query(POOL, net, budget=3, return_scores=True)
        _, s_np = AlfaMix(**kw).query(POOL, learner, budget=3, return_scores=True)
        np.testing.assert_array_equal(s_torch, s_np)


def test_contract():
    check_query_strategy(AlfaMix(alpha_opt="learned"))


def test_fast_kmeans_is_close_to_the_reference():
    from skactive.strategies._alfamix_kernels import _kmeans_pp, _kmeans_representatives

    rng = np.random.RandomState(0)
    F = rng.normal(size=(3000, 16)) + 3 * rng.normal(size=(30, 16))[rng.randint(30, size=3000)]
    F /= np.linalg.norm(F, axis=1, keepdims=True)
    seeds = _kmeans_pp(F, 25, np.random.RandomState(0))
    assert len(np.unique(seeds, axis=0)) == 25

    def inertia(rows):  # picks as centres: sum of squared distances to the nearest
        d2 = ((F[:, None, :] - F[rows][None]) ** 2).sum(axis=2)
        return d2.min(axis=1).sum()

    ref = _kmeans_representatives(F, 25, False, np.random.RandomState(0))
    fast = _kmeans_representatives(F, 25, True, np.random.RandomState(0))
    assert len(set(fast)) == len(fast) == 25 == len(ref)
    assert inertia(fast) <= 1.05 * inertia(ref)


def test_kmeans_auto_is_the_reference_for_small_candidate_sets(learner):
    rng = np.random.RandomState(0)
    pool = rng.normal(scale=0.5, size=(200, 2))
    s = AlfaMix(random_state=0)
    a = s.query(pool, learner, budget=5)
    assert 5 < s.n_candidates_ <= 10_000  # clustered, and 5 * n_candidates <= 50 000
    b = AlfaMix(kmeans="reference", random_state=0).query(pool, learner, budget=5)
    c = AlfaMix(kmeans="fast", random_state=0).query(pool, learner, budget=5)
    np.testing.assert_array_equal(a, b)
    assert len(set(c)) == 5
