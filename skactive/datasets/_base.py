"""Loaders for the small real datasets bundled with skactive."""

from importlib import resources

import numpy as np
from sklearn.utils import Bunch

__all__ = ["load_letter"]

_LETTER_FEATURES = [
    "x-box", "y-box", "width", "high", "onpix", "x-bar", "y-bar", "x2bar",
    "y2bar", "xybar", "x2ybr", "xy2br", "x-ege", "xegvy", "y-ege", "yegvx",
]  # fmt: skip


def _load_npz(filename):
    with resources.files("skactive.datasets").joinpath("data", filename).open("rb") as fh:
        with np.load(fh) as data:
            return {key: data[key] for key in data.files}


def load_letter(*, return_X_y=False):
    """Load the UCI Letter Recognition dataset (OpenML 6, ``letter``).

    20,000 black-and-white capital letters from 20 fonts, distorted at random,
    described by 16 integer features (0..15) of pixel statistics; 26 balanced
    classes (A=0 ... Z=25, 734 to 813 samples each). Rows are in UCI file
    order: the usual split is the first 16,000 rows for training and the last
    4,000 for testing.

    =================   ==============
    Classes                         26
    Samples total                20000
    Dimensionality                  16
    Features            integer, 0..15
    =================   ==============

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (20000, 16) float32, ``target`` (20000,) int64,
        ``feature_names``, ``target_names`` (``"A"`` ... ``"Z"``) and ``DESCR``.
    (data, target) : tuple if ``return_X_y`` is True

    Notes
    -----
    Source: UCI Machine Learning Repository, Letter Recognition (P. W. Frey and
    D. J. Slate, 1991), licence CC BY 4.0; the bundled copy was read from a
    public copy of ``letter-recognition.data`` and checked against the UCI
    class counts and a second copy (see ``shared/data/README.md``).

    References
    ----------
    P. W. Frey, D. J. Slate. "Letter Recognition Using Holland-style Adaptive
    Classifiers", Machine Learning 6(2), 1991.

    Examples
    --------
    >>> from skactive.datasets import load_letter
    >>> X, y = load_letter(return_X_y=True)
    >>> X.shape, y.shape, int(y.max())
    ((20000, 16), (20000,), 25)
    """
    arrays = _load_npz("letter.npz")
    X, y = arrays["X"], arrays["y"]
    if return_X_y:
        return X, y
    return Bunch(
        data=X,
        target=y,
        feature_names=list(_LETTER_FEATURES),
        target_names=np.array([chr(ord("A") + i) for i in range(26)]),
        DESCR=load_letter.__doc__,
    )
