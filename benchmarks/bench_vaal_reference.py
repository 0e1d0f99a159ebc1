"""Same-seed overlap of VAAL's picks with the authors' rule (issue 15 item 4).

The authors' rule is the re-derivation in ``tests/reference/test_vaal_reference.py``
(sinhasam/vaal, commit 67263f3). For every seed, VAAL (this checkout, or the
``vaal_scores`` of an older commit with ``--old-commit``) and the reference are
run on the same digits split with the same seed; the overlap is the Jaccard
index of the two selections. The reference against itself with *another* seed
gives the overlap that the training noise alone leaves (the "same law" scale).

    python benchmarks/bench_vaal_reference.py --seeds 5
    python benchmarks/bench_vaal_reference.py --seeds 5 --old-commit 20d2f3b
"""

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from skactive.neural import vaal_scores  # noqa: E402
from skactive.utils import top_k  # noqa: E402
from tests.reference.test_vaal_reference import (  # noqa: E402
    jaccard, ref_sample, ref_train, standardise,
)


def old_vaal_scores(commit):
    """``vaal_scores`` of ``skactive/neural/_vaal.py`` at ``commit``."""
    src = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:skactive/neural/_vaal.py"],
                         check=True, capture_output=True, text=True).stdout
    src = src.replace("from ._", "from skactive.neural._")
    path = Path(tempfile.mkdtemp()) / "old_vaal.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location("old_vaal", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.vaal_scores


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--n-labeled", type=int, default=200)
    ap.add_argument("--n-pool", type=int, default=1000)
    ap.add_argument("--budget", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--old-commit", default=None)
    args = ap.parse_args()
    torch.set_num_threads(1)
    X, _ = load_digits(return_X_y=True)
    X = (X[np.random.RandomState(0).permutation(len(X))] / 16.0).astype(np.float32)
    X_lab, X_pool = X[:args.n_labeled], X[args.n_labeled:args.n_labeled + args.n_pool]
    Xl, Xu = standardise(X_lab, X_pool)
    score = old_vaal_scores(args.old_commit) if args.old_commit else vaal_scores
    same, other = [], []
    refs = []
    for seed in range(args.seeds):
        vae, logit = ref_train(Xl, Xu, seed, latent_dim=32, epochs=args.epochs)
        refs.append(ref_sample(vae, logit, Xu, args.budget)[0])
        ours = top_k(score(X_lab, X_pool, max_epochs=args.epochs, random_state=seed), args.budget)
        same.append(jaccard(ours, refs[-1]))
    for seed in range(1, args.seeds):
        other.append(jaccard(refs[seed], refs[seed - 1]))
    label = f"commit {args.old_commit}" if args.old_commit else "this checkout"
    print(f"VAAL ({label}) vs authors' rule, same seed: Jaccard per seed "
          f"{np.round(same, 3).tolist()}, mean {np.mean(same):.3f}")
    if other:
        print(f"authors' rule vs itself, consecutive seeds: mean {np.mean(other):.3f} "
              f"(min {np.min(other):.3f}, max {np.max(other):.3f})")


if __name__ == "__main__":
    main()
