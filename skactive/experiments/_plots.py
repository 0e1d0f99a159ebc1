"""Figures of a study (matplotlib is an optional dependency)."""

from pathlib import Path

import numpy as np

from ._metrics import aubc
from ._multilabel_metrics import greater_is_better

__all__ = [
    "plot_class_distribution",
    "plot_learning_curves",
    "plot_penalty_matrix",
    "plot_queried_classes",
]


def _pyplot():
    try:
        import matplotlib

        if matplotlib.get_backend().lower() not in ("agg", "pdf", "svg", "ps", "cairo"):
            # headless-safe default for scripts and the CLI
            import os

            if not os.environ.get("DISPLAY") and not os.environ.get("MPLBACKEND"):
                matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "Plotting requires matplotlib; install it with "
            "`pip install skactive[plot]` or `pip install matplotlib`."
        ) from exc
    return plt


def plot_learning_curves(n_labels, curves, *, ax=None, title=None, ylabel="accuracy",
                         stops=None):
    """Mean learning curve per strategy with a ± one standard deviation band.

    The legend gives each strategy's AUBC (mean ± std over seeds), as in
    Figure 2 of the DeepAL+ survey. With ``stops``, a marker on each curve
    shows where each stopping criterion would have stopped (mean stop round
    over the seeds where it stopped; see :func:`~skactive.experiments.simulate`
    with ``stopping=``).

    Parameters
    ----------
    n_labels : array-like of shape (n_points,)
    curves : dict of {str: array-like of shape (n_seeds, n_points)}
    ax : matplotlib Axes, default=None
        New figure when None.
    title : str, default=None
    ylabel : str, default="accuracy"
    stops : dict of {str: dict of {str: list of int or None}}, default=None
        Per strategy, per stopping criterion, the stop round of each seed (None
        where it never said stop), e.g. from ``meta["stop_rounds"]`` of the
        runs.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from skactive.experiments import plot_learning_curves
    >>> ax = plot_learning_curves([100, 200, 300],
    ...                           {"random": [[0.5, 0.6, 0.7], [0.52, 0.61, 0.69]],
    ...                            "margin": [[0.5, 0.65, 0.75], [0.52, 0.66, 0.74]]})
    >>> ax.get_xlabel()
    'number of labelled samples'
    """
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    x = np.asarray(n_labels)
    markers = "osD^vP*Xhp<>"
    for k, (name, c) in enumerate(curves.items()):
        c = np.atleast_2d(np.asarray(c, dtype=float))
        mean, std = c.mean(axis=0), c.std(axis=0)
        area = np.atleast_1d(aubc(x, c))
        label = f"{name}: AUBC {area.mean():.3f} ± {area.std():.3f} (n={c.shape[0]})"
        line, = ax.plot(x, mean, marker=markers[k % len(markers)], markersize=4,
                        linewidth=1.8, label=label)
        ax.fill_between(x, mean - std, mean + std, color=line.get_color(), alpha=0.15,
                        linewidth=0)
        _mark_stops(ax, x, mean, (stops or {}).get(name), line.get_color())
    ax.set_xlabel("number of labelled samples")
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=9)
    if title:
        ax.set_title(title)
    return ax


def _mark_stops(ax, x, mean, stops, color):
    """Mark on a mean curve the mean round at which each criterion stopped."""
    markers = "v^<>PXd*"
    for k, (criterion, rounds) in enumerate((stops or {}).items()):
        got = [r for r in rounds if r is not None and r < len(x)]
        if not got:
            continue
        r = float(np.mean(got))
        xs = float(np.interp(r, np.arange(len(x)), x))
        ax.plot([xs], [float(np.interp(xs, x, mean))], linestyle="none",
                marker=markers[k % len(markers)], markersize=10, color=color,
                markeredgecolor="black",
                label=f"  stop: {criterion} at {xs:.0f} labels ({len(got)}/{len(rounds)} seeds)")


def plot_penalty_matrix(P, names, *, ax=None, title=None):
    """The penalty matrix as an annotated heat map (row beats column).

    Parameters
    ----------
    P : array-like of shape (n_strategies, n_strategies)
        From :func:`penalty_matrix`.
    names : list of str
    ax : matplotlib Axes, default=None
    title : str, default=None

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from skactive.experiments import plot_penalty_matrix
    >>> ax = plot_penalty_matrix([[0, 0.5], [0.1, 0]], ["a", "b"])
    >>> len(ax.texts)
    4
    """
    plt = _pyplot()
    P = np.asarray(P, dtype=float)
    k = len(names)
    if ax is None:
        size = 2.2 + 0.85 * k
        _, ax = plt.subplots(figsize=(size + 1.2, size), layout="constrained")
    vmax = max(P.max(), 1e-12)
    im = ax.imshow(P, cmap="Reds", vmin=0, vmax=vmax)
    ax.set_yticks(range(k), names)
    ax.set_ylabel("winner (row)")
    for i in range(k):
        for j in range(k):
            if i == j:
                ax.text(j, i, "—", ha="center", va="center", color="grey", fontsize=10)
                continue
            color = "white" if P[i, j] > 0.6 * vmax else "black"
            ax.text(j, i, f"{P[i, j]:.2f}", ha="center", va="center", color=color,
                    fontsize=10)
    ax.figure.colorbar(im, ax=ax, shrink=0.8, label="share of rounds won")
    means = P.sum(axis=0) / max(k - 1, 1)
    ax.set_title(title or "Penalty matrix (paired t-test, α = 0.05)", fontsize=11)
    ax.set_xticks(range(k), [f"{n}\n{m:.2f}" for n, m in zip(names, means)],
                  rotation=0, ha="center", fontsize=9)
    ax.set_xlabel("loser (column); column mean below name: lower is better")
    return ax


def plot_class_distribution(n_labels, labeled_y, *, ax=None, title=None):
    """Imbalance profile of the labelled set per round (alamp paper, Fig. 4).

    Plots, for each strategy, the imbalance ratio ``ir = sigma / mu`` of the
    class counts of its labelled set after every round (mean ± std over
    seeds): lower means the strategy keeps the labelled set balanced. For
    multi-label runs the counts are the numbers of positives of each label.

    Parameters
    ----------
    n_labels : array-like of shape (n_points,)
    labeled_y : dict of {str: list of 1-d arrays}
        Per strategy, one array per seed with the labels in the order they
        were acquired (``SimulationResult.labeled_y``; for multi-label runs
        2-d 0/1 indicator arrays).
    ax : matplotlib Axes, default=None
    title : str, default=None

    Returns
    -------
    ax : matplotlib Axes

    References
    ----------
    U. Aggarwal, A. Popescu, C. Hudelot. "Optimizing Active Learning for Low
    Annotation Budgets", Figure 4 (imbalance profile).

    Examples
    --------
    >>> from skactive.experiments import plot_class_distribution
    >>> ax = plot_class_distribution([2, 4], {"a": [[0, 1, 0, 0], [1, 0, 1, 0]]})
    >>> ax.get_ylabel()
    'imbalance ratio σ/μ of labelled set'
    """
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    x = np.asarray(n_labels)
    classes = _classes(labeled_y.values())
    markers = "osD^vP*Xhp<>"
    for k, (name, seeds) in enumerate(labeled_y.items()):
        irs = []
        for y in seeds:
            y = np.asarray(y)
            row = []
            for n in x:
                counts = _counts(y[:n], classes)
                row.append(counts.std() / counts.mean())
            irs.append(row)
        irs = np.array(irs)
        mean, std = irs.mean(axis=0), irs.std(axis=0)
        line, = ax.plot(x, mean, marker=markers[k % len(markers)], markersize=4,
                        label=name)
        ax.fill_between(x, mean - std, mean + std, color=line.get_color(), alpha=0.15,
                        linewidth=0)
    ax.set_xlabel("number of labelled samples")
    ax.set_ylabel("imbalance ratio σ/μ of labelled set")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=9)
    ax.set_title(title or "Class balance of the queried samples (lower = more balanced)",
                 fontsize=11)
    return ax


def _classes(labeled_y):
    """Classes seen by any strategy (missing ones then count as 0), or the
    label columns of multi-label (2-d indicator) labels."""
    arrays = [np.asarray(y) for seeds in labeled_y for y in seeds]
    if arrays and arrays[0].ndim == 2:
        return np.arange(arrays[0].shape[1])
    return np.unique(np.concatenate(arrays))


def _counts(y, classes):
    """Samples per class, or positives per label for a 2-d indicator ``y``."""
    if y.ndim == 2:
        return y.sum(axis=0).astype(float)
    return np.array([(y == c).sum() for c in classes], dtype=float)


def plot_queried_classes(n_initial, labeled_y, *, ax=None, title=None):
    """Heat map: how many queried samples each strategy took from each class.

    Counts the labels acquired after the initial set (mean over seeds), one
    row per strategy and one column per class: an even row means a
    class-balanced selection (compare the alamp paper, Figure 4).

    Parameters
    ----------
    n_initial : int
        Size of the initial labelled set (its labels are not counted).
    labeled_y : dict of {str: list of 1-d arrays}
        Per strategy, one array per seed of labels in acquisition order.
    ax : matplotlib Axes, default=None
    title : str, default=None

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from skactive.experiments import plot_queried_classes
    >>> ax = plot_queried_classes(1, {"a": [[0, 1, 1]], "b": [[1, 0, 0]]})
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['a', 'b']
    """
    plt = _pyplot()
    names = list(labeled_y)
    queried = {s: [np.asarray(y)[int(n_initial):] for y in labeled_y[s]] for s in names}
    classes = _classes(queried.values())
    M = np.array([np.mean([_counts(y, classes) for y in queried[s]], axis=0) for s in names])
    if ax is None:
        _, ax = plt.subplots(figsize=(min(14, 3 + 0.35 * len(classes)), 1.6 + 0.5 * len(names)),
                             layout="constrained")
    im = ax.imshow(M, cmap="viridis", aspect="auto")
    ax.set_yticks(range(len(names)), names)
    step = max(1, len(classes) // 30)
    ax.set_xticks(range(0, len(classes), step), [str(c) for c in classes[::step]],
                  fontsize=8)
    multilabel = np.asarray(queried[names[0]][0]).ndim == 2
    ax.set_xlabel("label (positives queried)" if multilabel else "class")
    if len(classes) * len(names) <= 160:
        for i in range(len(names)):
            for j in range(len(classes)):
                color = "black" if M[i, j] > 0.6 * M.max() else "white"
                ax.text(j, i, f"{M[i, j]:.0f}", ha="center", va="center", fontsize=7,
                        color=color)
    ax.figure.colorbar(im, ax=ax, label="queried samples (mean over seeds)", shrink=0.9)
    ax.set_title(title or "Classes of the queried samples", fontsize=11)
    return ax


def _stop_rounds(runs):
    """``{criterion: [stop round per run]}`` from the runs' ``meta["stop_rounds"]``."""
    out = {}
    for run in runs:
        for criterion, r in (run.meta.get("stop_rounds") or {}).items():
            out.setdefault(criterion, []).append(r)
    return out


def plot_results(results, out_dir=None, dataset=None, metric="accuracy"):
    """All figures of an :class:`ExperimentResults`; saved as PNG in ``out_dir``."""
    plt = _pyplot()
    datasets = [dataset] if dataset is not None else results.datasets
    figures = {}
    for d in datasets:
        n_labels = results.n_labels(d)
        curves = results.curves(d, metric)
        stops = {s: _stop_rounds(results._select(d, s)) for s in curves}
        lower = "" if greater_is_better(metric) else ", lower is better"
        ax = plot_learning_curves(n_labels, curves, ylabel=f"test {metric}",
                                  title=f"{d}: {metric} (mean ± std over seeds{lower})",
                                  stops={s: v for s, v in stops.items() if v})
        if lower:  # error curves fall: the legend goes above them
            ax.legend(loc="upper right", fontsize=9)
        figures[f"{d}_learning_curves"] = ax.figure
        labeled = {s: [r.labeled_y for r in results._select(d, s)] for s in curves}
        fig, (ax1, ax2) = plt.subplots(
            2, 1, figsize=(9, 8.5), layout="constrained",
            gridspec_kw={"height_ratios": [3, 1 + 0.35 * len(labeled)]},
        )
        plot_class_distribution(n_labels, labeled, ax=ax1, title=f"{d}: class balance "
                                "of the labelled set (lower = more balanced)")
        plot_queried_classes(n_labels[0], labeled, ax=ax2, title=f"{d}: queried samples "
                             f"per class (after the {int(n_labels[0])} initial ones)")
        figures[f"{d}_class_distribution"] = fig
    if len(results.strategies) > 1:
        n_seeds = min(c.shape[0] for d in results.datasets
                      for c in results.curves(d, metric).values())
        if n_seeds >= 2:
            P, names = results.penalty_matrix(metric=metric)
            where = ", ".join(results.datasets)
            ax = plot_penalty_matrix(P, names, title=f"Penalty matrix ({where}; "
                                     f"{metric}, paired t-test, α = 0.05)")
            figures["penalty_matrix"] = ax.figure
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        for name, fig in figures.items():
            fig.savefig(out / f"{name}.png", dpi=120, bbox_inches="tight", pad_inches=0.15)
            plt.close(fig)
    return figures
