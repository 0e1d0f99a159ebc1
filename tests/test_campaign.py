"""skactive.Campaign: labelling state on a real pool, save / resume, bad input."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skactive import ActiveLearner, Campaign
from skactive.datasets import load_letter
from skactive.strategies import GreedySamplingX, Margin, RandomSampling


@pytest.fixture(scope="module")
def letter():
    X, y = load_letter(return_X_y=True)
    keep = np.flatnonzero(y < 4)[:400]  # A, B, C, D
    return X[keep].astype(float), y[keep]


def _learner(strategy=None, seed=0):
    est = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300))
    return ActiveLearner(est, strategy if strategy is not None else Margin(), random_state=seed)


def _rounds(campaign, y, n_rounds, budget=8):
    picks = []
    for _ in range(n_rounds):
        ids = campaign.query(budget)
        campaign.label(ids, y[ids])
        picks.append(ids)
    return picks


def test_loop_never_returns_labelled_rows(letter):
    X, y = letter
    campaign = Campaign(_learner(), X, random_state=0)
    assert campaign.labeled_mask_.sum() == 0
    picks = _rounds(campaign, y, 5)
    all_ids = np.concatenate(picks)
    assert np.unique(all_ids).size == all_ids.size == 40
    np.testing.assert_array_equal(campaign.labeled_ids_, all_ids)
    np.testing.assert_array_equal(campaign.labels_, y[all_ids])
    assert campaign.labeled_mask_.sum() == 40 and campaign.labeled_mask_[all_ids].all()
    hist = campaign.history_
    assert [h["strategy"] for h in hist] == ["random"] + ["Margin"] * 4
    assert [h["n_labeled"] for h in hist] == [0, 8, 16, 24, 32]
    assert all(h["query_seconds"] >= 0 and h["time"].endswith("+00:00") for h in hist)
    np.testing.assert_array_equal(hist[2]["ids"], picks[2])
    # the learner was taught round by round: previous model kept
    assert campaign.learner_.X_labeled_.shape == (40, 16)
    assert campaign.learner_.previous_estimator_ is not None
    # the learner passed in is untouched (cloned)
    assert not hasattr(campaign.learner, "estimator_")
    assert campaign.class_counts() == {
        int(c): int((y[all_ids] == c).sum()) for c in np.unique(y[all_ids])
    }


@pytest.mark.parametrize(
    "strategy", [Margin(), RandomSampling()], ids=["margin", "random-seeded-by-learner"]
)
def test_save_load_continues_exactly(letter, tmp_path, strategy):
    X, y = letter
    uninterrupted = Campaign(_learner(strategy), X, random_state=3)
    expected = _rounds(uninterrupted, y, 5)

    first = Campaign(_learner(strategy), X, random_state=3)
    got = _rounds(first, y, 2)
    path = first.save(tmp_path / "campaign.joblib")
    del first
    resumed = Campaign.load(path)
    got += _rounds(resumed, y, 3)
    for a, b in zip(expected, got):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(resumed.labeled_ids_, uninterrupted.labeled_ids_)
    assert len(resumed.history_) == 5


def test_save_before_any_label_keeps_the_random_start(letter, tmp_path):
    X, y = letter
    a = Campaign(_learner(), X, random_state=7)
    path = a.save(tmp_path / "c.joblib")
    np.testing.assert_array_equal(a.query(10), Campaign.load(path).query(10))
    with pytest.raises(ValueError, match="not a Campaign"):
        import joblib

        joblib.dump({"x": 1}, tmp_path / "other.joblib")
        Campaign.load(tmp_path / "other.joblib")


def test_same_seed_same_picks_other_seed_other_start(letter):
    X, y = letter
    a = _rounds(Campaign(_learner(), X, random_state=0), y, 2)
    b = _rounds(Campaign(_learner(), X, random_state=0), y, 2)
    c = _rounds(Campaign(_learner(), X, random_state=1), y, 1)
    np.testing.assert_array_equal(np.concatenate(a), np.concatenate(b))
    assert not np.array_equal(a[0], c[0])


def test_dataframe_pool(letter):
    pd = pytest.importorskip("pandas")
    X, y = letter
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(16)], index=np.arange(400) + 1000)
    campaign = Campaign(_learner(), frame, random_state=0)
    picks = _rounds(campaign, y, 3)
    # ids are positions, not the index labels; the same picks as for the array
    expected = _rounds(Campaign(_learner(), X, random_state=0), y, 3)
    for a, b in zip(picks, expected):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(campaign.learner_.feature_names_in_, frame.columns)


def test_bad_input(letter):
    X, y = letter
    campaign = Campaign(_learner(), X, random_state=0)
    ids = campaign.query(8)
    with pytest.raises(ValueError, match="not row ids of X_pool"):
        campaign.label([400], [0])
    with pytest.raises(ValueError, match="not row ids of X_pool"):
        campaign.label([-1], [0])
    with pytest.raises(ValueError, match="more than once"):
        campaign.label([1, 1], [0, 0])
    with pytest.raises(ValueError, match="integer row ids"):
        campaign.label([1.5], [0])
    with pytest.raises(ValueError, match="shape"):
        campaign.label(ids, y[ids][:-1])
    with pytest.raises(ValueError, match="missing labels"):
        campaign.label(ids[:2], [0.0, np.nan])
    with pytest.raises(ValueError, match="missing labels"):
        campaign.label(ids[:2], np.array([0, None], dtype=object))
    assert campaign.labeled_mask_.sum() == 0  # nothing recorded by failed calls
    campaign.label(ids, y[ids])
    campaign.label(ids[:3], y[ids[:3]])  # the same labels again: ignored
    assert campaign.labeled_ids_.size == 8
    other = (y[ids[:2]] + 1) % 4
    with pytest.raises(ValueError, match="allow_relabel=True"):
        campaign.label(ids[:2], other)
    with pytest.raises(ValueError, match="budget"):
        campaign.query(0)
    with pytest.raises(ValueError, match="unlabelled rows left"):
        campaign.query(393)
    with pytest.raises(ValueError, match="ActiveLearner"):
        Campaign(LogisticRegression(), X)
    with pytest.raises(ValueError, match="initial"):
        Campaign(_learner(), X, initial="first")
    with pytest.raises(ValueError, match="empty"):
        Campaign(_learner(), X[:0])


def test_relabel_when_allowed_refits(letter):
    X, y = letter
    campaign = Campaign(_learner(), X, allow_relabel=True, random_state=0)
    ids = campaign.query(20)
    campaign.label(ids, y[ids])
    before = campaign.learner_.estimator_
    new = (y[ids[:1]] + 1) % 4
    campaign.label(ids[:1], new)
    assert campaign.labels_[0] == new[0]
    assert campaign.labeled_ids_.size == 20
    assert campaign.learner_.estimator_ is not before
    np.testing.assert_array_equal(campaign.learner_.y_labeled_[0], new[0])


def test_every_row_labelled(letter):
    X, y = letter
    campaign = Campaign(_learner(), X[:30], random_state=0)
    campaign.label(np.arange(30), y[:30])
    with pytest.raises(ValueError, match="Every row of X_pool is labelled"):
        campaign.query(1)


def test_single_class_first_batch_waits_for_a_second_class(letter):
    X, y = letter
    campaign = Campaign(_learner(), X, random_state=0)
    only_a = np.flatnonzero(y == 0)[:5]
    with pytest.warns(UserWarning, match="single class"):
        campaign.label(only_a, y[only_a])
    ids = campaign.query(10)
    assert campaign.history_[-1]["strategy"] == "random"
    assert not np.isin(ids, only_a).any()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        campaign.label(ids, y[ids])  # now two classes or more: a model
    assert hasattr(campaign.learner_, "estimator_")
    assert campaign.learner_.X_labeled_.shape[0] == 15


def test_fitted_learner_keeps_its_labelled_set(letter):
    X, y = letter
    learner = _learner().fit(X[:20], y[:20])
    campaign = Campaign(learner, X[20:], random_state=0)
    ids = campaign.query(5)
    assert campaign.history_[0]["strategy"] == "Margin"
    campaign.label(ids, y[20:][ids])
    assert campaign.learner_.X_labeled_.shape[0] == 25
    assert learner.X_labeled_.shape[0] == 20  # the given learner is copied


def test_regression_campaign():
    rng = np.random.RandomState(0)
    X = rng.randn(200, 3)
    y = X @ [1.0, -2.0, 0.5] + 0.05 * rng.randn(200)
    campaign = Campaign(ActiveLearner(Ridge(), GreedySamplingX()), X, random_state=0)
    for _ in range(3):
        ids = campaign.query(5)
        campaign.label(ids, y[ids])
    assert campaign.labels_.dtype == np.float64
    assert campaign.learner_.score(X, y) > 0.95
    assert [h["strategy"] for h in campaign.history_] == ["random"] + ["GreedySamplingX"] * 2
    with pytest.raises(ValueError, match="numbers"):
        campaign.label([199], ["high"])


def test_initial_strategy_lets_a_model_free_strategy_choose(letter):
    X, y = letter
    campaign = Campaign(_learner(GreedySamplingX()), X, initial="strategy", random_state=0)
    ids = campaign.query(6)
    assert campaign.history_[0]["strategy"] == "GreedySamplingX"
    expected = ActiveLearner(_learner().estimator, GreedySamplingX()).query(X, 6)
    np.testing.assert_array_equal(ids, expected)
    campaign = Campaign(_learner(Margin()), X, initial="strategy")
    with pytest.raises(NotFittedError):
        campaign.query(3)  # margin needs a model


def test_relabel_with_a_longer_string_label():
    X = np.random.RandomState(0).randn(40, 2)
    y = np.where(X[:, 0] > 0, "a", "b")
    campaign = Campaign(_learner(), X, allow_relabel=True, random_state=0)
    campaign.label(np.arange(10), y[:10])
    campaign.label([0], ["other"])
    assert campaign.labels_[0] == "other"
    assert "other" in campaign.learner_.classes_
