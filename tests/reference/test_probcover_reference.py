"""ProbCover against a re-derivation of the authors' code and the paper.

Source: github.com/avihu111/TypiClust, commit
4097a71c348f60492ab22be0c4c9da224e637af6 (read, not copied),
``deep-al/pycls/al/prob_cover.py``:

- ``construct_graph``: edges ``x -> y`` iff ``cdist(x, y) < delta`` over the
  features of ``lSet`` then ``uSet`` (self-loops included), computed in row
  batches of 500 -- for ``i in range(n // 500)``, which leaves the last
  ``n % 500`` rows without edges (for ``n < 500``: no edge at all). skactive
  gives every row its edges (a documented deviation); the re-derivation
  below does too, so that the rest of the rule is compared;
- ``select_samples``: the targets of edges from ``lSet`` are covered and
  their incoming edges removed; then ``budget`` times: ``cur =
  argmax(bincount(x))`` (first maximum), its targets become covered, their
  incoming edges removed. When no edge is left the reference takes
  ``argmax`` of zeros (index 0); skactive draws the rest at random (the
  tests stop before).

``delta`` is a setting in the reference; the purity rule of the paper
(section 4.2: the largest ``delta`` with ``pi(delta) >= alpha``, ``pi`` the
share of points whose ball holds one k-means pseudo-label) is checked
against a brute-force search over all candidate radii.
"""

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.utils import check_random_state

from skactive import ActiveLearner
from skactive.strategies import ProbCover


def _reference_select(features, n_lab, delta, budget):
    D = np.sqrt(((features[:, None, :] - features[None, :, :]) ** 2).sum(-1))
    xs, ys = np.nonzero(D < delta)
    covered = np.unique(ys[np.isin(xs, np.arange(n_lab))])
    keep = ~np.isin(ys, covered)
    xs, ys = xs[keep], ys[keep]
    selected = []
    for _ in range(budget):
        degrees = np.bincount(xs, minlength=len(features))
        if degrees.max() == 0:
            break
        cur = degrees.argmax()
        new = ys[xs == cur]
        keep = ~np.isin(ys, new)
        xs, ys = xs[keep], ys[keep]
        selected.append(cur)
    return np.asarray(selected) - n_lab


@pytest.mark.parametrize("delta", [0.25, 0.4])
def test_probcover_equals_reference(digits_linear, linear_learner, delta):
    Z_lab, _, Z_pool, _ = digits_linear
    ref = _reference_select(np.vstack([Z_lab, Z_pool]), len(Z_lab), delta, 25)
    assert len(ref) == 25  # the coverage is not complete: no random fill
    idx = ProbCover(space="input", delta=delta).query(Z_pool, linear_learner, 25)
    np.testing.assert_array_equal(idx, ref)


def test_probcover_zero_labels_equals_reference(digits_linear):
    _, _, Z_pool, _ = digits_linear
    ref = _reference_select(Z_pool, 0, 0.3, 20)
    learner = ActiveLearner(query_strategy=ProbCover(space="input", delta=0.3))
    np.testing.assert_array_equal(learner.query(Z_pool, 20), ref)


def test_probcover_purity_delta_is_the_largest_pure_radius(digits_linear, linear_learner):
    Z_lab, _, Z_pool, _ = digits_linear
    strategy = ProbCover(space="input", random_state=0)
    strategy.query(Z_pool, linear_learner, 5)
    Z = np.vstack([Z_lab, Z_pool])
    pseudo = KMeans(10, n_init=3, random_state=check_random_state(0)).fit_predict(Z)
    D = np.sqrt(((Z[:, None, :] - Z[None, :, :]) ** 2).sum(-1))
    other = pseudo[:, None] != pseudo[None, :]

    def purity(delta):
        return 1 - ((D < delta) & other).any(axis=1).mean()

    assert strategy.purity_ == pytest.approx(purity(strategy.delta_))
    assert purity(strategy.delta_) >= 0.95
    # every candidate radius above it (the pairwise distances, where purity
    # changes) is below alpha
    above = np.unique(D[D > strategy.delta_])[:50]
    assert all(purity(d + 1e-12) < 0.95 for d in above)
