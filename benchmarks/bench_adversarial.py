"""Query time of AdversarialDeepFool, AdversarialBIM, CDAL and CoreGCN next to
Entropy, on MNIST with the MLP (issue 9: pool 50 000, budget 100).

The learner is an :class:`~skactive.ActiveLearner` around
``ActiveNeuralNetClassifier(MLP)`` (784-256-10, ``--epochs`` epochs on
``--n-labeled`` labelled samples); every strategy queries the same fitted
learner, in the same run as Entropy, and the table gives the ratio of each
query time to Entropy's, as Table 2 of the ALFA-Mix paper (MNIST, MLP:
Entropy 1 s, DFAL 242 s, GCNAL 12 s, CDAL 5 s).

Reference for the attacks: the DeepAL+ / ALFA-Mix code attacks one sample
at a time (one forward and ``K`` backward passes per DeepFool iteration).
That loop is re-implemented here (with the closest-class fix, same
iteration caps) and timed on ``--ref-samples`` pool samples, then
extrapolated to the pool.

Usage::

    python benchmarks/bench_adversarial.py [--pool 50000] [--threads 1] [--quick]

Timings are wall-clock on a shared machine: expect noise of tens of percent.
"""

import argparse
import time

import numpy as np
import torch
from torch.nn import functional as F

from skactive import ActiveLearner
from skactive.datasets import load_dataset
from skactive.neural import MLP, ActiveNeuralNetClassifier
from skactive.strategies import CDAL, AdversarialBIM, AdversarialDeepFool, CoreGCN, Entropy


def timed(func):
    t0 = time.perf_counter()
    out = func()
    return time.perf_counter() - t0, out


def per_sample_deepfool(module, x, max_iter=50, overshoot=0.02):
    """One sample at a time, as the reference code (K backward passes / step)."""
    x0 = torch.as_tensor(x)[None]
    r = torch.zeros_like(x0)
    out = module(x0)
    k0 = int(out.argmax())
    for _ in range(max_iter):
        xi = (x0 + (1 + overshoot) * r).requires_grad_(True)
        out = module(xi)[0]
        if int(out.argmax()) != k0:
            break
        grads = [torch.autograd.grad(out[k], xi, retain_graph=True)[0] for k in range(len(out))]
        best, step = np.inf, None
        for k in range(len(out)):
            if k == k0:
                continue
            w = grads[k] - grads[k0]
            f = float((out[k] - out[k0]).detach())
            d = abs(f) / float(w.norm().detach())
            if d < best:
                best, step = d, abs(f) / float(w.norm()) ** 2 * w
        r = r + step
    return float(((1 + overshoot) * r).norm())


def per_sample_bim(module, x, eps=0.05, max_iter=100):
    x0 = torch.as_tensor(x)[None]
    eta = torch.zeros_like(x0)
    y0 = module(x0).argmax(dim=1)
    for _ in range(max_iter):
        xi = (x0 + eta).requires_grad_(True)
        out = module(xi)
        if int(out.argmax()) != int(y0):
            break
        (g,) = torch.autograd.grad(F.cross_entropy(out, y0), xi)
        eta = eta + eps * torch.sign(g)
    return float(eta.norm())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", type=int, default=50_000)
    parser.add_argument("--n-labeled", type=int, default=1000)
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--ref-samples", type=int, default=200)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--only", default="entropy,cdal,coregcn,deepfool,bim")
    parser.add_argument("--quick", action="store_true", help="pool 2000, 50 reference samples")
    args = parser.parse_args(argv)
    if args.quick:
        args.pool, args.ref_samples = 2000, 50
    if args.threads:
        torch.set_num_threads(args.threads)

    X, y = load_dataset("mnist", return_X_y=True)
    X = (X.reshape(len(X), -1)[:60_000] / 255.0).astype(np.float32)
    y = y[:60_000]
    perm = np.random.RandomState(0).permutation(len(X))
    lab, pool = perm[: args.n_labeled], perm[args.n_labeled : args.n_labeled + args.pool]
    net = ActiveNeuralNetClassifier(MLP, max_epochs=args.epochs, random_state=0)
    learner = ActiveLearner(net, random_state=0).fit(X[lab], y[lab])
    X_pool = X[pool]
    print(f"MNIST MLP, labelled {args.n_labeled}, pool {len(X_pool)}, budget {args.budget}, "
          f"torch threads {torch.get_num_threads()}", flush=True)

    strategies = {
        "entropy": ("Entropy", Entropy()),
        "cdal": ("CDAL", CDAL()),
        "coregcn": ("CoreGCN", CoreGCN(random_state=0)),
        "deepfool": ("AdversarialDeepFool", AdversarialDeepFool()),
        "bim": ("AdversarialBIM", AdversarialBIM()),
    }
    rows = {}
    for key in args.only.split(","):
        name, strategy = strategies[key]
        t, idx = timed(lambda: strategy.query(X_pool, learner, args.budget))
        rows[name] = t
        print(f"  {name}: {t:.2f} s", flush=True)

    module = learner.estimator_.module_
    refs = {}
    sub = X_pool[: args.ref_samples]
    for name, func in (("AdversarialDeepFool", per_sample_deepfool),
                       ("AdversarialBIM", per_sample_bim)):
        if name not in rows:
            continue
        t, _ = timed(lambda: [func(module, x) for x in sub])
        refs[name] = t * len(X_pool) / len(sub)
        print(f"  {name} per-sample loop: {t:.2f} s for {len(sub)} samples "
              f"-> {refs[name]:.0f} s extrapolated", flush=True)

    base = rows.get("Entropy")
    paper = {"Entropy": "1", "CDAL": "5", "CoreGCN": "12 (GCNAL)",
             "AdversarialDeepFool": "242 (DFAL)", "AdversarialBIM": "-"}
    print("\n| strategy | query (s) | / Entropy | ALFA-Mix Table 2 (s, Entropy = 1) "
          "| per-sample loop (s, extrapolated) |")
    print("|---|---|---|---|---|")
    for name, t in rows.items():
        ratio = f"{t / base:.0f}x" if base else "-"
        ref = f"{refs[name]:.0f}" if name in refs else "-"
        print(f"| {name} | {t:.2f} | {ratio} | {paper[name]} | {ref} |")
    return rows


if __name__ == "__main__":
    main()
