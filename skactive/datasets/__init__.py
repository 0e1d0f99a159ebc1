"""Real datasets bundled with skactive and their loaders (offline)."""

from ._base import load_letter

__all__ = ["load_letter"]
