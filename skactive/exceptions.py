"""Exceptions raised by skactive."""

__all__ = ["LearnerCapabilityError"]


class LearnerCapabilityError(TypeError, ValueError):
    """A query strategy needs something the learner does not provide.

    Raised, for example, when :class:`~skactive.strategies.Entropy` is used
    with an ``SVC(probability=False)`` (no ``predict_proba``), or when a
    strategy that needs the labelled set is given a bare estimator instead of
    an :class:`~skactive.ActiveLearner`. It subclasses both :class:`TypeError`
    and :class:`ValueError`, so either ``except`` clause catches it.

    Examples
    --------
    >>> from skactive.exceptions import LearnerCapabilityError
    >>> issubclass(LearnerCapabilityError, ValueError)
    True
    """
