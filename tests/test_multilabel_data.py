"""The bundled multi-label data set ``emotions`` (MULAN) and its loader."""

from importlib import resources

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skactive import ActiveLearner
from skactive.datasets import load_dataset

LABELS = [
    "amazed-suprised", "happy-pleased", "relaxing-calm",
    "quiet-still", "sad-lonely", "angry-aggresive",
]  # fmt: skip


@pytest.fixture(scope="module")
def emotions():
    return load_dataset("emotions")


def test_file_is_package_data():
    # shipped inside the package (pyproject: "skactive.datasets" = ["data/*.npz"])
    path = resources.files("skactive.datasets").joinpath("data", "emotions.npz")
    assert path.is_file()
    assert len(path.read_bytes()) < 400_000


def test_published_shape_and_split(emotions):
    # MULAN: 593 instances, 72 numeric features, 6 labels; split 391 / 202
    assert emotions.task == "multilabel" and emotions.has_official_split
    assert emotions.X_train.shape == (391, 72) and emotions.y_train.shape == (391, 6)
    assert emotions.X_test.shape == (202, 72) and emotions.y_test.shape == (202, 6)
    assert emotions.data.shape == (593, 72) and emotions.target.shape == (593, 6)
    np.testing.assert_array_equal(emotions.data[:391], emotions.X_train)
    np.testing.assert_array_equal(emotions.target[391:], emotions.y_test)
    assert list(emotions.target_names) == LABELS
    assert len(emotions.feature_names) == 72
    assert emotions.feature_names[0] == "Mean_Acc1298_Mean_Mem40_Centroid"


def test_published_label_statistics(emotions):
    Y = emotions.target
    assert Y.dtype.kind == "i" and set(np.unique(Y)) == {0, 1}
    # MULAN's table: cardinality 1.869, density 0.311, 27 distinct label sets
    assert Y.sum() == 1108
    assert round(Y.sum(1).mean(), 3) == pytest.approx(1.868, abs=1e-3)  # 1108 / 593
    assert round(Y.mean(), 3) == 0.311
    assert len({tuple(r) for r in Y}) == 27
    assert Y.sum(1).min() == 1  # every clip has at least one emotion
    np.testing.assert_array_equal(emotions.y_train.sum(0), [119, 107, 168, 89, 95, 131])
    np.testing.assert_array_equal(emotions.y_test.sum(0), [54, 59, 96, 59, 73, 58])


def test_values_match_the_arff(emotions):
    X = emotions.X_train
    assert X.dtype == np.float64 and np.isfinite(emotions.data).all()
    # first row of emotions-train.arff
    np.testing.assert_array_equal(X[0, :4], [0.034741, 0.089665, 0.091225, -73.302422])
    np.testing.assert_array_equal(emotions.y_train[0], [0, 1, 1, 0, 0, 0])
    # feature 65 (BH_LowPeakBPM) and 67 (BH_HighPeakBPM) are integer beats per minute
    assert X[0, 65] == 68 and X[0, 67] == 136


def test_return_X_y():
    X, y = load_dataset("emotions", return_X_y=True)
    assert X.shape == (593, 72) and y.shape == (593, 6)


def test_active_learner_fits_the_indicator_matrix(emotions):
    model = make_pipeline(StandardScaler(), OneVsRestClassifier(LogisticRegression()))
    learner = ActiveLearner(model)
    learner.fit(emotions.X_train[:60], emotions.y_train[:60])
    proba = learner.predict_proba(emotions.X_test)
    assert proba.shape == (202, 6)
    assert learner.predict(emotions.X_test).shape == (202, 6)
