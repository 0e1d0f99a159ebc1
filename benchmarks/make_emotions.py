"""Rebuild ``skactive/datasets/data/emotions.npz`` from MULAN's ARFF files.

Source: https://github.com/tsoumakas/mulan, commit
43f6389095ad71984264db4387a8074b22bc7d4a, ``data/multi-label/emotions/``
(``emotions-train.arff``: 391 rows, ``emotions-test.arff``: 202 rows, the
published split). SHA-256 of the two files (they equal the Git-LFS object ids
of the copies in https://github.com/mrapp-ke/Boomer-Datasets, an independent
redistribution):

- emotions-train.arff  bbe704106c79bb8fb99c1d1d2e9bde081d6a2daeb01f100862f11fd91a3c1f98
- emotions-test.arff   f13d4b746b7b5c8eb484bd751d6ac463d4560dff998a93516a5c1fe35daf6c8f

Usage (offline, with the two files in FOLDER)::

    python benchmarks/make_emotions.py FOLDER
"""

import hashlib
import sys
from pathlib import Path

import numpy as np

N_FEATURES, N_LABELS = 72, 6
SHA256 = {
    "emotions-train.arff": "bbe704106c79bb8fb99c1d1d2e9bde081d6a2daeb01f100862f11fd91a3c1f98",
    "emotions-test.arff": "f13d4b746b7b5c8eb484bd751d6ac463d4560dff998a93516a5c1fe35daf6c8f",
}


def read_arff(path):
    """Attribute names and the dense numeric data rows of a MULAN ARFF file."""
    names, rows, in_data = [], [], False
    for line in Path(path).read_text().splitlines():
        s = line.strip()
        if not s or s.startswith("%"):
            continue
        if in_data:
            rows.append([float(v) for v in s.split(",")])
        elif s.lower().startswith("@attribute"):
            names.append(s.split()[1])
        elif s.lower() == "@data":
            in_data = True
    return names, np.array(rows)


def main(folder):
    arrays = {}
    for part, fname in (("train", "emotions-train.arff"), ("test", "emotions-test.arff")):
        path = Path(folder) / fname
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != SHA256[fname]:
            raise SystemExit(f"{fname}: sha256 {digest} differs from the recorded one")
        names, data = read_arff(path)
        assert len(names) == N_FEATURES + N_LABELS and data.shape[1] == len(names)
        arrays[f"X_{part}"] = data[:, :N_FEATURES]
        labels = data[:, N_FEATURES:]
        assert set(np.unique(labels)) <= {0.0, 1.0}
        arrays[f"y_{part}"] = labels.astype(np.int64)
    arrays["feature_names"] = np.array(names[:N_FEATURES])
    arrays["label_names"] = np.array(names[N_FEATURES:])
    out = Path(__file__).resolve().parents[1] / "skactive" / "datasets" / "data" / "emotions.npz"
    np.savez_compressed(out, **arrays)
    y = np.vstack([arrays["y_train"], arrays["y_test"]])
    print(f"wrote {out}: train {arrays['X_train'].shape}, test {arrays['X_test'].shape}, "
          f"cardinality {y.sum(1).mean():.3f}, density {y.mean():.3f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
