"""Running stopping criteria inside a simulated loop (used by simulate)."""

import numpy as np
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


def criteria_spec(stopping):
    """A JSON-able description ``{name: {"class": path, "params": {...}}}`` of
    the criteria (None without), so that a study stores and rebuilds them."""
    import json

    criteria = as_criteria(stopping)
    if not criteria:
        return None
    spec = {}
    for name, crit in criteria.items():
        cls = type(crit)
        params = crit.get_params(deep=False)
        try:
            json.dumps(params)
        except TypeError:
            raise ValueError(
                f"stopping criterion {name!r} ({cls.__name__}) has parameters that are "
                "not JSON-serialisable; run_experiments stores the criteria with the "
                "study."
            ) from None
        spec[name] = {"class": f"{cls.__module__}.{cls.__qualname__}", "params": params}
    return spec


def criteria_from_spec(spec):
    """Rebuild ``{name: criterion}`` from :func:`criteria_spec`."""
    import importlib

    if not spec:
        return None
    out = {}
    for name, item in spec.items():
        module, _, qualname = item["class"].rpartition(".")
        cls = getattr(importlib.import_module(module), qualname)
        out[name] = cls(**item["params"])
    return out


def stop_report(results, metric="accuracy"):
    """Lines of text: per dataset, strategy and criterion, where the runs stopped
    (mean label count and score at the stop round, and how many seeds stopped)."""
    lines = []
    for d in results.datasets:
        for s in results.strategies:
            runs = results._select(d, s)
            names = list(dict.fromkeys(k for r in runs for k in (r.meta.get("stop_rounds")
                                                                 or {})))
            for name in names:
                rounds = [(r, r.meta["stop_rounds"].get(name)) for r in runs]
                got = [(r, k) for r, k in rounds if k is not None and k < len(r.n_labels)]
                if got:
                    labels = np.mean([r.n_labels[k] for r, k in got])
                    score = np.mean([r.curve(metric)[k] for r, k in got])
                    where = f"{labels:8.0f} labels, {metric} {score:.4f}"
                else:
                    where = "never stopped".rjust(15)
                lines.append(f"  {d:<14}{s:<16}{name:<28}{where} ({len(got)}/{len(runs)} seeds)")
    if lines:
        lines.insert(0, f"Stopping criteria (mean over the seeds where each stopped; full "
                        f"runs end at {results.n_labels(results.datasets[0])[-1]} labels):")
    return lines
