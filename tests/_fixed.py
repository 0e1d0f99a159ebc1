"""A classifier with fixed outputs, to check strategy math by hand."""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


class FixedProba(ClassifierMixin, BaseEstimator):
    """Returns ``table[int(x[0])]`` as the class probabilities of sample ``x``."""

    def __init__(self, table=None, use_decision=False):
        self.table = table
        self.use_decision = use_decision

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def _rows(self, X):
        return np.asarray(self.table, dtype=float)[np.asarray(X)[:, 0].astype(int)]

    def predict(self, X):
        return self.classes_[self._rows(X).argmax(axis=1)]

    def __getattr__(self, name):
        # predict_proba or decision_function, never both
        if name == "predict_proba" and not self.__dict__.get("use_decision", False):
            return self._rows
        if name == "decision_function" and self.__dict__.get("use_decision", False):
            return self._rows
        raise AttributeError(name)
