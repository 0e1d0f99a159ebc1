"""WAAL critic: how the sign of the gradient penalty changes what the critic learns.

Digits, labelled = classes 0-4, unlabelled = every class; the critic should
score the unseen classes 5-9 as "unlabelled". Reports the AUC of the critic's
score for "unseen class" per seed, for the official sign (the penalty
subtracted, ``critic_penalty="reference"``) and WGAN-GP's (added), with
``gamma_ratio="auto"`` (the official n_L / n_U), for two net sizes and the
net's learning rate. An AUC of exactly 0.5 means a constant (saturated) critic.

    python benchmarks/bench_waal_penalty.py --seeds 4
"""

import argparse

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.metrics import roc_auc_score

from skactive.neural import MLP, WAALNet


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--lr", type=float, nargs="+", default=[1e-3, 1e-2])
    args = ap.parse_args()
    torch.set_num_threads(1)
    X, y = load_digits(return_X_y=True)
    perm = np.random.RandomState(0).permutation(len(X))
    X, y = (X[perm] / 16).astype(np.float32), y[perm]
    settings = {  # name: (n_labelled, module hidden, critic hidden, epochs)
        "small (200 lab, 64/128, 15 ep)": (200, 64, 128, 15),
        "tiny (300 lab, 32/32, 20 ep)": (300, 32, 32, 20),
    }
    for name, (n_lab, h_mod, h_crit, epochs) in settings.items():
        lab = np.flatnonzero(y < 5)[:n_lab]
        rest = np.setdiff1d(np.arange(len(X)), lab)[:600]
        for lr in args.lr:
            for penalty in ("reference", "wgan-gp"):
                aucs = []
                for seed in range(args.seeds):
                    net = WAALNet(MLP, module__hidden_units=h_mod, critic__hidden_units=h_crit,
                                  max_epochs=epochs, lr=lr, critic_penalty=penalty,
                                  random_state=seed)
                    net.fit(X[lab], y[lab], X_unlabeled=X[rest])
                    aucs.append(roc_auc_score(y[rest] >= 5, net.critic_scores(X[rest])))
                print(f"{name}, lr={lr:g}, critic_penalty={penalty!r}: AUC per seed "
                      f"{np.round(aucs, 3).tolist()}, mean {np.mean(aucs):.3f}", flush=True)


if __name__ == "__main__":
    main()
