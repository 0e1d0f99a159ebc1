"""Skip the doctests of skactive.neural when the optional torch/skorch are missing."""

import importlib.util

if importlib.util.find_spec("torch") is None or importlib.util.find_spec("skorch") is None:
    collect_ignore_glob = ["*.py"]
