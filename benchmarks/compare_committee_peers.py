"""Query by committee side by side with modAL and scikit-activeml.

The same fitted random forest (its trees are the committee) scores the same
pool in the three libraries; the script prints the largest difference
between the score vectors and the query time of each (min of ``--repeat``
runs). Run it with an environment that has modAL and scikit-activeml
installed next to skactive, e.g.::

    pip install modAL-python scikit-activeml
    python benchmarks/compare_committee_peers.py [--pool 5000] [--trees 50] [--repeat 5]

Formulas: vote entropy is the same in all three (votes / M, natural log).
For the KL measure skactive and scikit-activeml use McCallum & Nigam's mean
over members of KL(p_m || mean p) (scikit-activeml clips probabilities at
1e-7 first), while modAL's ``max_disagreement_sampling`` takes the *maximum*
over members: the script compares modAL with that maximum computed from the
same member probabilities. For regression, scikit-activeml and modAL score
the standard deviation of the members' predictions, skactive the variance
(Burbidge et al. 2007): the same ranking, and the script compares std**2.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

from skactive.datasets import load_letter
from skactive.strategies import QueryByCommittee


def _best(func, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=int, default=5000)
    parser.add_argument("--trees", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")

    from modAL.disagreement import (
        KL_max_disagreement,
        max_std_sampling,
        vote_entropy,
    )
    from modAL.models import ActiveLearner as ModalLearner
    from modAL.models import Committee, CommitteeRegressor
    from skactiveml.classifier import SklearnClassifier
    from skactiveml.pool import QueryByCommittee as SkalQBC
    from skactiveml.regressor import SklearnRegressor

    X, y = load_letter(return_X_y=True)
    X_lab, y_lab = X[:500], y[:500]
    X_pool = X[500:500 + args.pool]
    rf = RandomForestClassifier(n_estimators=args.trees, random_state=0).fit(X_lab, y_lab)
    classes = rf.classes_

    rows = []
    # ---- skactive
    t_ve, (_, s_ve) = _best(lambda: QueryByCommittee().query(
        X_pool, rf, 10, return_scores=True), args.repeat)
    t_kl, (_, s_kl) = _best(lambda: QueryByCommittee(method="kl_divergence").query(
        X_pool, rf, 10, return_scores=True), args.repeat)

    # ---- modAL: a Committee of learners wrapping the same fitted trees
    committee = Committee([ModalLearner(estimator=t) for t in rf.estimators_])
    t_m_ve, m_ve = _best(lambda: vote_entropy(committee, X_pool), args.repeat)
    t_m_kl, m_kl = _best(lambda: KL_max_disagreement(committee, X_pool), args.repeat)
    P = np.stack([t.predict_proba(X_pool) for t in rf.estimators_])
    mean = P.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_max = np.nansum(P * np.log(P / mean), axis=2).max(axis=0)

    # ---- scikit-activeml: its wrapper around the same fitted forest
    ens = SklearnClassifier(rf, classes=classes)
    ens.estimator_ = rf  # fitted: scikit-activeml reads the members through estimators_
    ens.classes_ = classes
    ens.estimators_ = rf.estimators_
    ens.n_features_in_ = X.shape[1]
    ens._label_encoder = None

    def skal(method):
        _, util = SkalQBC(method=method).query(
            X_lab, y_lab, ensemble=ens, fit_ensemble=False, candidates=X_pool,
            batch_size=10, return_utilities=True)
        return util[0]

    t_s_ve, k_ve = _best(lambda: skal("vote_entropy"), args.repeat)
    t_s_kl, k_kl = _best(lambda: skal("KL_divergence"), args.repeat)

    rows += [
        ("vote entropy", "skactive", t_ve, 0.0),
        ("vote entropy", "modAL", t_m_ve, np.abs(m_ve - s_ve).max()),
        ("vote entropy", "scikit-activeml", t_s_ve, np.abs(k_ve - s_ve).max()),
        ("KL (mean)", "skactive", t_kl, 0.0),
        ("KL (mean)", "scikit-activeml", t_s_kl, np.abs(k_kl - s_kl).max()),
        ("KL (max; modAL)", "modAL vs max of the same P", t_m_kl, np.abs(m_kl - kl_max).max()),
    ]

    # ---- regression: variance (skactive) vs std (peers)
    Xr, yr = X[:, 1:], X[:, 0]  # predict one feature from the others
    rfr = RandomForestRegressor(n_estimators=args.trees, random_state=0).fit(Xr[:500], yr[:500])
    Xr_pool = Xr[500:500 + args.pool]
    t_v, (_, s_var) = _best(lambda: QueryByCommittee(method="variance").query(
        Xr_pool, rfr, 10, return_scores=True), args.repeat)
    creg = CommitteeRegressor([ModalLearner(estimator=t) for t in rfr.estimators_])
    t_m_v, (_, m_std) = _best(lambda: max_std_sampling(creg, Xr_pool, n_instances=10),
                              args.repeat)
    _, m_std_all = creg.predict(Xr_pool, return_std=True)
    reg = SklearnRegressor(rfr)
    reg.estimator_ = rfr
    reg.estimators_ = rfr.estimators_
    reg.n_features_in_ = Xr.shape[1]

    def skal_reg():
        _, util = SkalQBC().query(Xr[:500], yr[:500], ensemble=reg, fit_ensemble=False,
                                  candidates=Xr_pool, batch_size=10, return_utilities=True)
        return util[0]

    t_s_v, k_std = _best(skal_reg, args.repeat)
    rows += [
        ("variance", "skactive", t_v, 0.0),
        ("variance", "modAL (std**2)", t_m_v, np.abs(m_std_all ** 2 - s_var).max()),
        ("variance", "scikit-activeml (std**2)", t_s_v, np.abs(k_std ** 2 - s_var).max()),
    ]

    print(f"pool {args.pool}, committee of {args.trees} trees, min of {args.repeat} runs")
    print(f"| {'measure':<16} | {'library':<27} | {'query time (s)':>14} | "
          f"{'max |score diff|':>16} |")
    print(f"|{'-' * 18}|{'-' * 29}|{'-' * 16}|{'-' * 18}|")
    for measure, lib, t, diff in rows:
        print(f"| {measure:<16} | {lib:<27} | {t:>14.4f} | {diff:>16.2e} |")


if __name__ == "__main__":
    main()
