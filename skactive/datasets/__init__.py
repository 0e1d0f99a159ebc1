"""Real datasets bundled with skactive and their loaders (offline)."""

from ._base import load_letter
from ._loaders import (
    fetch_openml_cached,
    get_data_paths,
    imbalance_ratio,
    load_dataset,
    make_imbalanced,
)

__all__ = [
    "fetch_openml_cached",
    "get_data_paths",
    "imbalance_ratio",
    "load_dataset",
    "load_letter",
    "make_imbalanced",
]
