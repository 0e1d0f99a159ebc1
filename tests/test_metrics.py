"""Metrics of skactive.experiments against values computed by hand."""

import numpy as np
import pytest

from skactive.experiments import (
    aubc,
    final_accuracy,
    labels_to_target,
    penalty_matrix,
    win_tie_loss,
)


def test_aubc_three_points_by_hand():
    # trapezoids: (0.5 + 0.7) / 2 * 100 + (0.7 + 0.8) / 2 * 100 = 60 + 75 = 135
    # normalised by the quota 300 - 100 = 200 -> 0.675
    assert aubc([100, 200, 300], [0.5, 0.7, 0.8]) == pytest.approx(0.675)


def test_aubc_uneven_steps_by_hand():
    # (0.2 + 0.4) / 2 * 10 + (0.4 + 1.0) / 2 * 30 = 3 + 21 = 24 -> 24 / 40 = 0.6
    assert aubc([0, 10, 40], [0.2, 0.4, 1.0]) == pytest.approx(0.6)


def test_aubc_constant_curve_and_stacked_seeds():
    assert aubc([1, 2, 5], [0.3, 0.3, 0.3]) == pytest.approx(0.3)
    values = aubc([100, 200, 300], [[0.5, 0.7, 0.8], [0.3, 0.3, 0.3]])
    np.testing.assert_allclose(values, [0.675, 0.3])


@pytest.mark.parametrize(
    "n_labels, scores, match",
    [
        ([100, 100, 200], [0.1, 0.2, 0.3], "strictly increasing"),
        ([100, 200], [0.1, 0.2, 0.3], "one per entry"),
        ([100], [0.1], "two points"),
        ([[100, 200]], [0.1, 0.2], "1-dimensional"),
    ],
)
def test_aubc_bad_input(n_labels, scores, match):
    with pytest.raises(ValueError, match=match):
        aubc(n_labels, scores)


def test_final_accuracy():
    assert final_accuracy([0.1, 0.5, 0.9]) == pytest.approx(0.9)
    np.testing.assert_allclose(final_accuracy([[0.1, 0.2], [0.3, 0.4]]), [0.2, 0.4])
    with pytest.raises(ValueError, match="non-empty"):
        final_accuracy([])


def test_labels_to_target():
    assert labels_to_target([200, 400, 600], [0.3, 0.55, 0.6], 0.5) == 400
    assert labels_to_target([200, 400, 600], [0.5, 0.55, 0.6], 0.5) == 200  # >= counts
    assert np.isnan(labels_to_target([200, 400, 600], [0.3, 0.4, 0.45], 0.5))
    out = labels_to_target([1, 2, 3], [[0.1, 0.6, 0.7], [0.6, 0.7, 0.8], [0, 0, 0]], 0.6)
    np.testing.assert_array_equal(out, [2, 1, np.nan])


def test_penalty_matrix_by_hand():
    # 3 seeds, 2 rounds. Round 0: a - b = [0.10, 0.11, 0.09] -> mean 0.1, sd 0.01,
    # t = sqrt(3) * 0.1 / 0.01 = 17.3 > t_{0.975, 2} = 4.303 -> a beats b.
    # Round 1: a - b = [0.0, -0.01, 0.01] -> mean 0 -> no win.
    curves = {
        "a": [[0.60, 0.70], [0.62, 0.71], [0.61, 0.72]],
        "b": [[0.50, 0.70], [0.51, 0.72], [0.52, 0.71]],
    }
    P, names = penalty_matrix(curves)
    assert names == ["a", "b"]
    np.testing.assert_allclose(P, [[0.0, 0.5], [0.0, 0.0]])


def test_penalty_matrix_threshold_and_alpha():
    # differences [0.1, 0.2, 0.0]: mean 0.1, sd 0.1, t = sqrt(3) = 1.732.
    # two-sided 95 %: t_crit = 4.303 -> not significant;
    # alpha = 0.5: t_crit = t_{0.75, 2} = 0.8165 -> significant.
    curves = {"a": [[0.6], [0.7], [0.5]], "b": [[0.5], [0.5], [0.5]]}
    P, _ = penalty_matrix(curves)
    assert P[0, 1] == 0
    P, _ = penalty_matrix(curves, alpha=0.5)
    assert P[0, 1] == 1.0 and P[1, 0] == 0


def test_penalty_matrix_zero_variance_and_ties():
    # constant non-zero difference is a sure win; identical curves never win
    curves = {
        "a": [[0.6, 0.5, 0.5], [0.7, 0.5, 0.6]],
        "b": [[0.5, 0.5, 0.5], [0.6, 0.5, 0.6]],
        "c": [[0.5, 0.5, 0.5], [0.6, 0.5, 0.6]],
    }
    P, names = penalty_matrix(curves)
    np.testing.assert_allclose(P, [[0, 1 / 3, 1 / 3], [0, 0, 0], [0, 0, 0]])


def test_penalty_matrix_bad_input():
    with pytest.raises(ValueError, match="at least two strategies"):
        penalty_matrix({"a": [[0.5, 0.6]]})
    with pytest.raises(ValueError, match="same shape"):
        penalty_matrix({"a": [[0.5, 0.6]], "b": [[0.5, 0.6, 0.7]]})
    with pytest.raises(ValueError, match="at least 2 seeds"):
        penalty_matrix({"a": [[0.5, 0.6]], "b": [[0.5, 0.6]]})
    with pytest.raises(ValueError, match="alpha"):
        penalty_matrix({"a": [[0.5], [0.6]], "b": [[0.5], [0.6]]}, alpha=1.5)


def test_win_tie_loss_by_hand():
    # mean over the two seeds, per round:
    #   a: [0.60, 0.700, 0.80]   b: [0.50, 0.698, 0.90]   c: [0.60, 0.705, 0.80]
    # a-b: +0.1 win, +0.002 tie, -0.1 loss
    # a-c: 0 tie, -0.005 tie (exactly the margin), 0 tie
    # b-c: -0.1 loss, -0.007 loss, +0.1 win
    curves = {
        "a": [[0.60, 0.69, 0.80], [0.60, 0.71, 0.80]],
        "b": [[0.50, 0.698, 0.90], [0.50, 0.698, 0.90]],
        "c": [[0.60, 0.705, 0.80], [0.60, 0.705, 0.80]],
    }
    wins, ties, losses, names = win_tie_loss(curves)
    assert names == ["a", "b", "c"]
    np.testing.assert_array_equal(wins, [[0, 1, 0], [1, 0, 1], [0, 2, 0]])
    np.testing.assert_array_equal(ties, [[0, 1, 3], [1, 0, 0], [3, 0, 0]])
    np.testing.assert_array_equal(losses, wins.T)
    np.testing.assert_array_equal(wins + ties + losses, 3 * (1 - np.eye(3)))


def test_win_tie_loss_margin():
    curves = {"a": [[0.51]], "b": [[0.50]]}
    wins, ties, _, _ = win_tie_loss(curves, margin=0.005)
    assert wins[0, 1] == 1
    wins, ties, _, _ = win_tie_loss(curves, margin=0.02)
    assert wins[0, 1] == 0 and ties[0, 1] == 1
    with pytest.raises(ValueError, match="margin"):
        win_tie_loss(curves, margin=-1)
