"""All eight multi-label strategies against random on the bundled MULAN
``emotions`` set (the setting of ``examples/plot_multilabel.py``).

StandardScaler + OneVsRestClassifier(LogisticRegression()), published
391 / 202 split, 20 random initial clips (every label with both values),
15 rounds of 10, seeds 0..2 (pass another count as the first argument).
Prints the AUBC / F-acc / win-tie-loss table of micro-F1, macro-F1, Hamming
loss (lower is better) and subset accuracy.

    python benchmarks/bench_multilabel_emotions.py [n_seeds]
"""

import sys
import time

from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skactive.datasets import load_dataset
from skactive.experiments import run_experiments

STRATEGIES = ("random,ml-binary-minimum,ml-max-loss,ml-mean-max-loss,ml-mmc,"
              "ml-min-confidence,ml-avg-confidence,ml-max-score,ml-avg-score")


def main(n_seeds=3):
    d = load_dataset("emotions")
    model = make_pipeline(StandardScaler(), OneVsRestClassifier(LogisticRegression()))
    tic = time.perf_counter()
    res = run_experiments({"emotions": (d.X_train, d.y_train, d.X_test, d.y_test)},
                          STRATEGIES, model, seeds=n_seeds, n_initial=20, budget=10,
                          n_rounds=15, progress=False)
    print(f"{len(res.runs)} runs in {time.perf_counter() - tic:.1f} s\n")
    for metric in ("f1_micro", "f1_macro", "hamming_loss", "subset_accuracy"):
        print(res.summary(metric=metric), end="\n\n")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
