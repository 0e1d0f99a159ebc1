"""Running stopping criteria inside a simulated loop (used by simulate)."""

from sklearn.base import clone

from ._base import BaseStoppingCriterion, get_criterion

__all__ = []


def as_criteria(stopping):
    """``{name: fresh criterion}`` from a criterion, a name, a list or a dict."""
    if stopping is None:
        return {}
    if isinstance(stopping, (str, BaseStoppingCriterion)) or hasattr(stopping, "should_stop"):
        stopping = [stopping]
    if isinstance(stopping, dict):
        items = list(stopping.items())
    elif isinstance(stopping, (list, tuple)):
        items = []
        for c in stopping:
            name = c if isinstance(c, str) else type(c).__name__
            items.append((name, c))
    else:
        raise ValueError(
            "stopping must be a stopping criterion, a criterion name, a list of them or a "
            f"dict {{name: criterion}}, got {stopping!r}."
        )
    out = {}
    for name, c in items:
        crit = get_criterion(c) if isinstance(c, str) else c
        if not hasattr(crit, "should_stop"):
            raise ValueError(f"stopping[{name!r}] = {crit!r} has no should_stop method.")
        key, k = str(name), 2
        while key in out:
            key, k = f"{name}_{k}", k + 1
        out[key] = clone(crit)
    return out


def run_criteria(criteria, learner, X_pool, unlabeled, r, stop_rounds):
    """Call every criterion after round ``r``; return the names that say stop.

    Criteria with ``input == "stop_set"`` get the whole pool (a fixed set),
    the others the samples still unlabelled (skipped when none is left).
    ``stop_rounds`` records each criterion's first stop round.
    """
    said = []
    rest = None
    for name, crit in criteria.items():
        if getattr(crit, "input", "pool") == "stop_set":
            X = X_pool
        else:
            if rest is None:
                rest = X_pool[unlabeled]
            if rest.shape[0] == 0:
                continue
            X = rest
        if crit.should_stop(learner, X):
            said.append(name)
            if stop_rounds.get(name) is None:
                stop_rounds[name] = r
    return said
