"""
==============================
A labelling campaign on a CSV
==============================

A person with a table of unlabelled samples can run active learning without
writing Python: ``python -m skactive label POOL.csv --target COLUMN --budget N``
fits a model on the rows whose target cell is filled, asks the query
strategy for the next ``N`` rows, and writes them to ``POOL.next.csv`` with
their row numbers. The person fills those target cells in ``POOL.csv`` and
runs the command again.

Here the person is simulated: a CSV of 600 handwritten letters A-E (16
numeric features each, the ``letter`` data) starts with 10 labels; each
round the command suggests 20 rows and we copy their true letters into the
file. The printed summary tracks the cross-validated accuracy on the
labelled rows. The last part does the same from Python with
:class:`skactive.Campaign`, saved to disk and resumed between two sessions.
"""

# %%
# The pool file
# -------------
# An ``id`` column (not a feature: ``--drop id``), 16 features, and a
# ``letter`` column that is empty except for 2 rows per class.
import contextlib
import csv
import io
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skactive import ActiveLearner, Campaign
from skactive.__main__ import main
from skactive.datasets import load_letter
from skactive.strategies import Margin

X, y = load_letter(return_X_y=True)
keep = np.flatnonzero(y < 5)[:600]
X, truth = X[keep], np.array(list("ABCDE"))[y[keep]]
start = np.concatenate([np.flatnonzero(truth == c)[:2] for c in "ABCDE"])

folder = Path(tempfile.mkdtemp())
pool_csv = folder / "letters.csv"
with open(pool_csv, "w", newline="") as fh:
    writer = csv.writer(fh)
    writer.writerow(["id"] + [f"f{j}" for j in range(16)] + ["letter"])
    for k in range(600):
        writer.writerow([f"img{k:04d}"] + X[k].tolist() + [truth[k] if k in start else ""])

# %%
# One round of the command line
# -----------------------------
# The same as ``python -m skactive label letters.csv --target letter
# --budget 20 --drop id`` in a shell (margin sampling and a standardised
# logistic regression by default; ``--strategy`` and ``--estimator`` change
# them, ``python -m skactive list`` shows the names).
argv = ["label", str(pool_csv), "--target", "letter", "--budget", "20", "--drop", "id"]
main(argv)

# %%
# The file it wrote: column ``row`` is the 0-based data-row number in
# ``letters.csv`` (the header line is not counted), then the original columns.
next_csv = folder / "letters.next.csv"
with open(next_csv, newline="") as fh:
    for line in list(csv.reader(fh))[:4]:
        print(", ".join(line[:4]), "...", line[-1] or "(empty)")


# %%
# The labelling loop
# ------------------
# ``fill`` plays the person: it writes the true letter of every suggested row
# into ``letters.csv``. The command is then run again, 8 times.
def fill(pool_path, next_path):
    with open(pool_path, newline="") as fh:
        rows = list(csv.reader(fh))
    with open(next_path, newline="") as fh:
        for line in list(csv.reader(fh))[1:]:
            k = int(line[0])
            rows[k + 1][-1] = truth[k]  # + 1: the header line
    with open(pool_path, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)


n_labels, cv_accuracy = [], []
for _ in range(8):
    fill(pool_csv, next_csv)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(argv)
    summary = out.getvalue()
    n_labels.append(int(summary.split(" labelled")[0].split()[-1]))
    cv_accuracy.append(float(summary.split("accuracy: ")[1].split()[0]))
print(summary)

# %%
# The estimate is computed on the labelled rows, which margin sampling chose
# because they were hard: it is pessimistic about the accuracy on the whole
# pool, but it shows the trend.
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(n_labels, cv_accuracy, marker="o")
ax.set_xlabel("labelled rows in letters.csv")
ax.set_ylabel("cross-validated accuracy")
ax.set_title("The summary line, round after round")
fig.tight_layout()

# %%
# The same campaign from Python
# -----------------------------
# :class:`~skactive.Campaign` keeps the state in memory: ``query`` returns row
# ids of the pool (never labelled ones), ``label`` records the answers and
# refits. ``save`` writes everything (pool, labels, model, random state) with
# joblib; the loaded campaign continues with exactly the picks the
# uninterrupted one would have made.
learner = ActiveLearner(make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
                        Margin(), random_state=0)
campaign = Campaign(learner, X, random_state=0)
campaign.label(start, truth[start])  # the 10 labels we started with
for _ in range(3):  # first session
    ids = campaign.query(20)
    campaign.label(ids, truth[ids])
campaign.save(folder / "letters.campaign")

campaign = Campaign.load(folder / "letters.campaign")  # next day
ids = campaign.query(20)
campaign.label(ids, truth[ids])
print(f"{campaign.labeled_mask_.sum()} labelled; per class {campaign.class_counts()}")
for step in campaign.history_:
    print(step["round"], step["strategy"], step["n_labeled"], step["ids"][:5], "...")
