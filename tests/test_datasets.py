"""Dataset loaders, the search path, the OpenML cache and imbalance helpers."""

import urllib.error

import numpy as np
import pytest
from sklearn.utils import Bunch

import sklearn.datasets
from skactive.datasets import (
    fetch_openml_cached,
    get_data_paths,
    imbalance_ratio,
    load_dataset,
    load_letter,
    make_imbalanced,
)


@pytest.mark.parametrize(
    "name, shape, n_train, n_classes",
    [
        ("letter", (20000, 16), 16000, 26),
        ("satimage", (6435, 36), 4435, 6),
        ("optdigits", (5620, 64), 3823, 10),
        ("page_blocks", (5473, 10), None, 5),
        ("shuttle", (58000, 9), 43500, 7),
        ("poker-hand", (25010, 10), None, 10),
    ],
)
def test_bundled_datasets(name, shape, n_train, n_classes):
    d = load_dataset(name)
    assert d.data.shape == shape
    assert np.unique(d.target).size == n_classes
    assert d.X_train.shape[0] + d.X_test.shape[0] == shape[0]
    if n_train is not None:
        assert d.has_official_split and d.X_train.shape[0] == n_train
        np.testing.assert_array_equal(d.X_train, d.data[:n_train])
    else:  # stratified 80/20, reproducible
        assert not d.has_official_split
        np.testing.assert_array_equal(d.y_test, load_dataset(name).y_test)


def test_letter_matches_load_letter():
    X, y = load_dataset("letter", return_X_y=True)
    X2, y2 = load_letter(return_X_y=True)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


def test_unknown_dataset():
    with pytest.raises(ValueError, match="Unknown dataset 'foo'"):
        load_dataset("foo")


def test_search_path_data_home_and_env(tmp_path, monkeypatch):
    X_tr, y_tr = np.zeros((4, 2, 2), np.uint8), np.array([0, 1, 0, 1])
    X_te, y_te = np.ones((2, 2, 2), np.uint8), np.array([1, 0])
    np.savez(tmp_path / "mnist.npz", X_train=X_tr, y_train=y_tr, X_test=X_te, y_test=y_te)
    d = load_dataset("mnist", data_home=tmp_path)
    assert d.X_train.shape == (4, 2, 2) and d.data.shape == (6, 2, 2)
    monkeypatch.setenv("SKACTIVE_DATA", str(tmp_path))
    assert get_data_paths()[0] == tmp_path
    X, y = load_dataset("mnist_784", return_X_y=True)
    assert X.shape == (6, 2, 2)


def test_missing_file_names_search_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SKACTIVE_DATA", raising=False)
    monkeypatch.setattr("pathlib.Path.home", lambda: tmp_path)
    import skactive.datasets._loaders as loaders

    monkeypatch.setattr(loaders, "__file__", str(tmp_path / "a" / "b" / "c.py"))
    with pytest.raises(FileNotFoundError, match="SKACTIVE_DATA"):
        load_dataset("cifar10", data_home=tmp_path / "nothing")


def test_fetch_openml_cached_offline_second_call(tmp_path, monkeypatch):
    calls = []

    def fake_fetch(data_id, data_home, **kwargs):
        calls.append((data_id, data_home, kwargs))
        return Bunch(data=np.arange(6.0).reshape(3, 2), target=np.array(["b", "a", "b"]))

    monkeypatch.setattr(sklearn.datasets, "fetch_openml", fake_fetch)
    X, y = fetch_openml_cached(6, data_home=tmp_path)
    assert calls[0][0] == 6 and calls[0][2]["as_frame"] is False
    np.testing.assert_array_equal(y, [1, 0, 1])
    assert (tmp_path / "skactive_openml" / "6.npz").is_file()

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(sklearn.datasets, "fetch_openml", offline)
    X2, y2 = fetch_openml_cached(6, data_home=tmp_path)  # from the cache
    np.testing.assert_array_equal(X2, X)
    with pytest.raises(OSError, match=r"not cached in .*155\.npz"):
        fetch_openml_cached(155, data_home=tmp_path)
    with pytest.raises(ValueError, match="data_id"):
        fetch_openml_cached("letter", data_home=tmp_path)


def test_imbalance_ratio_by_hand():
    # counts 3, 1 -> mu 2, sigma 1 -> 0.5
    assert imbalance_ratio([0, 0, 0, 1]) == pytest.approx(0.5)
    # counts 1, 2, 3 -> mu 2, sigma sqrt(2/3)
    assert imbalance_ratio([5, 6, 6, 7, 7, 7]) == pytest.approx(np.sqrt(2 / 3) / 2)
    assert imbalance_ratio(["a", "b"]) == 0
    with pytest.raises(ValueError, match="empty"):
        imbalance_ratio([])


@pytest.mark.parametrize("ir", [0.0, 0.3, 0.79])
def test_make_imbalanced_hits_target(ir):
    X, y = load_letter(return_X_y=True)
    X_imb, y_imb, achieved, idx = make_imbalanced(X, y, ir, random_state=0,
                                                  return_indices=True)
    assert achieved == pytest.approx(ir, abs=0.01)
    assert achieved == pytest.approx(imbalance_ratio(y_imb))
    np.testing.assert_array_equal(X_imb, X[idx])
    assert np.unique(y_imb).size == 26
    again = make_imbalanced(X, y, ir, random_state=0)
    np.testing.assert_array_equal(again[1], y_imb)


def test_make_imbalanced_bad_input():
    X, y = np.zeros((6, 1)), np.array([0, 0, 0, 1, 1, 1])
    with pytest.raises(ValueError, match="ir must be in"):
        make_imbalanced(X, y, ir=1.5)
    with pytest.raises(ValueError, match="two classes"):
        make_imbalanced(X, np.zeros(6), ir=0.1)
    with pytest.raises(ValueError, match="different numbers"):
        make_imbalanced(X[:3], y, ir=0.1)
