"""Query time against pool size: skactive, the numpy floor and the peers, in one run.

For each pool size, each strategy is timed for skactive, for the smallest
numpy computation that gives the same selection (the *floor*), and for
scikit-activeml and modAL where they have the strategy, interleaved (every
repeat runs all of them on the same data in turn; the minimum over the
repeats is kept). The machine, the load and the versions are printed and
stored with the results.

Run it in an environment that has the peers (they are never skactive
dependencies), e.g. a throwaway virtual environment with ``pip install
scikit-activeml modAL-python matplotlib`` and ``pip install -e . --no-deps``::

    OMP_NUM_THREADS=1 python benchmarks/bench_peers.py \\
        --sizes 10000,30000,100000,300000,1000000 --out doc/_static/performance/bench_peers.json \\
        --plot doc/_static/performance/query_time.png

``--plot-only`` redraws the figure from an existing JSON file. Peers missing
from the environment are skipped (and said so in the output).

Setting: 64 float32 features, 10 classes, a logistic regression fitted on
100 labelled samples, budget 100. Floors: ``predict_proba`` + the score +
``np.argpartition`` for the uncertainty strategies; for k-center, one
matrix-vector product per pick (the textbook greedy's pass over the pool,
which skactive's certified pick chains go below); for BADGE, the two
matrix-vector products per pick of the factorised gradient distances.
"""

import argparse
import json
import os
import platform
import sys
import time
import warnings

import numpy as np
import scipy
import sklearn
from sklearn.linear_model import LogisticRegression

import skactive
from skactive import ActiveLearner
from skactive.strategies import BADGE, Entropy, KCenterGreedy, LeastConfidence, Margin
from skactive.utils import head_gradient_factors

try:
    import skactiveml
    from skactiveml.classifier import SklearnClassifier
    from skactiveml.pool import CoreSet as SkalCoreSet
    from skactiveml.pool import UncertaintySampling as SkalUncertainty
except ImportError:  # pragma: no cover - optional peer
    skactiveml = None
try:
    import modAL
    import modAL.uncertainty as modal_unc
except ImportError:  # pragma: no cover - optional peer
    modAL = None

N_FEATURES, N_CLASSES, N_LABELED, BUDGET = 64, 10, 100, 100


def make_data(n, seed=0):
    rng = np.random.RandomState(seed)
    centers = rng.normal(size=(N_CLASSES, N_FEATURES)).astype(np.float32)
    y = rng.randint(N_CLASSES, size=n + N_LABELED)
    X = centers[y] + rng.normal(scale=1.5, size=(len(y), N_FEATURES)).astype(np.float32)
    return X, y


def _entropy(P):
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.einsum("ij,ij->i", P, np.log(np.where(P > 0, P, 1.0)))


def _floor_top(scores, k):
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]


def floor_uncertainty(kind):
    def run(clf, X_pool, X_lab):
        P = clf.predict_proba(X_pool)
        if kind == "entropy":
            s = _entropy(P)
        elif kind == "margin":
            top2 = np.partition(P, P.shape[1] - 2, axis=1)[:, -2:]
            s = top2[:, 0] - top2[:, 1]
        else:
            s = 1.0 - P.max(axis=1)
        return _floor_top(s, BUDGET)
    return run


def floor_kcenter(clf, X_pool, X_lab):
    z = X_pool[0]
    buf = np.empty(X_pool.shape[0], dtype=X_pool.dtype)
    for _ in range(BUDGET):
        np.dot(X_pool, z, out=buf)
    return buf


def floor_badge(clf, X_pool, X_lab):
    A, H = head_gradient_factors(clf, X_pool)
    a, h = np.empty(len(A), A.dtype), np.empty(len(H), H.dtype)
    for i in range(BUDGET):
        np.dot(A, A[i], out=a)
        np.dot(H, H[i], out=h)
    return a


def skal_uncertainty(method):
    def run(ctx):
        return ctx["skal_unc"][method].query(ctx["X_all"], ctx["y_all"], ctx["skal_clf"],
                                             fit_clf=False, batch_size=BUDGET)
    return run


def modal_run(func):
    def run(ctx):
        return func(ctx["clf"], ctx["X_pool"], n_instances=BUDGET)
    return run


def skal_coreset(ctx):
    return SkalCoreSet(random_state=0).query(ctx["X_all"], ctx["y_all"], batch_size=BUDGET)


def strategies():
    """name -> {implementation: callable(ctx)}."""
    out = {
        "Entropy": {"skactive": lambda c: Entropy().query(c["X_pool"], c["learner"], BUDGET),
                    "numpy floor": lambda c: floor_uncertainty("entropy")(c["clf"], c["X_pool"],
                                                                          None)},
        "Margin": {"skactive": lambda c: Margin().query(c["X_pool"], c["learner"], BUDGET),
                   "numpy floor": lambda c: floor_uncertainty("margin")(c["clf"], c["X_pool"],
                                                                        None)},
        "LeastConfidence": {
            "skactive": lambda c: LeastConfidence().query(c["X_pool"], c["learner"], BUDGET),
            "numpy floor": lambda c: floor_uncertainty("lc")(c["clf"], c["X_pool"], None)},
        "KCenterGreedy": {
            "skactive": lambda c: KCenterGreedy().query(c["X_pool"], c["learner"], BUDGET),
            "numpy floor": lambda c: floor_kcenter(None, c["X_pool"], None)},
        "BADGE": {"skactive": lambda c: BADGE(random_state=0).query(c["X_pool"], c["clf"],
                                                                    BUDGET),
                  "numpy floor": lambda c: floor_badge(c["clf"], c["X_pool"], None)},
    }
    if skactiveml is not None:
        out["Entropy"]["scikit-activeml"] = skal_uncertainty("entropy")
        out["Margin"]["scikit-activeml"] = skal_uncertainty("margin_sampling")
        out["LeastConfidence"]["scikit-activeml"] = skal_uncertainty("least_confident")
        out["KCenterGreedy"]["scikit-activeml"] = skal_coreset
    if modAL is not None:
        out["Entropy"]["modAL"] = modal_run(modal_unc.entropy_sampling)
        out["Margin"]["modAL"] = modal_run(modal_unc.margin_sampling)
        out["LeastConfidence"]["modAL"] = modal_run(modal_unc.uncertainty_sampling)
    return out


def context(n):
    X, y = make_data(n)
    X_lab, y_lab, X_pool = X[:N_LABELED], y[:N_LABELED], X[N_LABELED:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = LogisticRegression(max_iter=200).fit(X_lab, y_lab)
        learner = ActiveLearner(LogisticRegression(max_iter=200)).fit(X_lab, y_lab)
    ctx = {"X_pool": X_pool, "clf": clf, "learner": learner}
    if skactiveml is not None:
        y_all = np.full(len(X), np.nan)
        y_all[:N_LABELED] = y_lab
        skal_clf = SklearnClassifier(LogisticRegression(max_iter=200),
                                     classes=np.arange(N_CLASSES), missing_label=np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            skal_clf.fit(X, y_all)
        ctx.update(X_all=X, y_all=y_all, skal_clf=skal_clf, skal_unc={
            m: SkalUncertainty(method=m, random_state=0)
            for m in ("entropy", "margin_sampling", "least_confident")})
    return ctx


def machine():
    info = {
        "platform": platform.platform(), "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(), "loadavg_at_start": list(os.getloadavg()),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "versions": {"skactive": skactive.__version__, "numpy": np.__version__,
                     "scipy": scipy.__version__, "scikit-learn": sklearn.__version__},
    }
    if skactiveml is not None:
        info["versions"]["scikit-activeml"] = skactiveml.__version__
    if modAL is not None:
        info["versions"]["modAL"] = getattr(modAL, "__version__", "0.4.2")
    return info


def run(sizes, repeats, slow_cutoff):
    table = strategies()
    results = {"setting": {"n_features": N_FEATURES, "n_classes": N_CLASSES,
                           "n_labeled": N_LABELED, "budget": BUDGET, "dtype": "float32",
                           "repeats": repeats, "statistic": "min over repeats (seconds)"},
               "machine": machine(), "times": {}}
    print(json.dumps(results["machine"]), flush=True)
    for n in sizes:
        ctx = context(n)
        times = {(s, impl): [] for s, impls in table.items() for impl in impls}
        for rep in range(repeats):
            for s, impls in table.items():
                for impl, func in impls.items():
                    if rep and times[(s, impl)] and min(times[(s, impl)]) > slow_cutoff:
                        continue  # slow: one run is enough on a loaded machine
                    t0 = time.perf_counter()
                    func(ctx)
                    times[(s, impl)].append(time.perf_counter() - t0)
        for (s, impl), ts in times.items():
            results["times"].setdefault(s, {}).setdefault(impl, {})[str(n)] = round(min(ts), 5)
        print(json.dumps({"n_pool": n, "times": {f"{s} / {i}": round(min(t), 4)
                                                 for (s, i), t in times.items()}}), flush=True)
    results["machine"]["loadavg_at_end"] = list(os.getloadavg())
    return results


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(results["times"])
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3.2), sharey=True)
    styles = {"skactive": ("C0", "o-"), "numpy floor": ("k", "--"),
              "scikit-activeml": ("C1", "s-"), "modAL": ("C2", "^-")}
    for ax, name in zip(np.atleast_1d(axes), names):
        for impl, per_size in results["times"][name].items():
            n = np.array([int(k) for k in per_size])
            t = np.array(list(per_size.values()))
            color, style = styles.get(impl, ("C3", "x-"))
            ax.loglog(n, t, style, color=color, label=impl, ms=4)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("pool size")
        ax.grid(True, which="both", alpha=0.3)
    np.atleast_1d(axes)[0].set_ylabel("query time (s), budget 100")
    handles, labels = [], []
    for ax in np.atleast_1d(axes):
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.savefig(path, dpi=110)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,30000,100000,300000,1000000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--slow-cutoff", type=float, default=5.0,
                        help="seconds above which a method is run only once per size")
    parser.add_argument("--out", default="doc/_static/performance/bench_peers.json")
    parser.add_argument("--plot", default="doc/_static/performance/query_time.png")
    parser.add_argument("--plot-only", action="store_true")
    args = parser.parse_args(argv)
    if args.plot_only:
        with open(args.out) as fh:
            results = json.load(fh)
    else:
        results = run([int(s) for s in args.sizes.split(",")], args.repeats, args.slow_cutoff)
        os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
        with open(args.out, "w") as fh:
            json.dump(results, fh, indent=1)
    if args.plot:
        plot(results, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
