"""The documentation keeps up with the code.

The strategy table and the API reference of ``doc/`` are generated from the
package at build time (``doc/sphinxext/skactive_docs.py``); the only
hand-written part is ``doc/strategy_notes.py`` (cost per query, when a
strategy helps). These tests fail when a new public strategy lacks its notes,
or when a public name would be missing from the API reference. They need
neither Sphinx nor torch.
"""

import importlib
import re
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "doc"
if not (DOC / "sphinxext" / "skactive_docs.py").is_file():  # installed package only
    pytest.skip("doc/ is not part of this checkout", allow_module_level=True)

sys.path.insert(0, str(DOC / "sphinxext"))
skactive_docs = importlib.import_module("skactive_docs")


def test_every_strategy_has_notes():
    notes = skactive_docs.load_notes(DOC)
    names = [name for name, _, _ in skactive_docs.public_strategies()]
    missing = [n for n in names if n not in notes]
    assert not missing, (
        f"Add cost / 'when it helps' entries for {missing} to doc/strategy_notes.py "
        "(keyed by class name)."
    )
    for name in names:
        assert set(notes[name]) >= {"cost", "when"}, name
        assert notes[name]["cost"].strip() and notes[name]["when"].strip(), name


def test_no_stale_notes():
    notes = skactive_docs.load_notes(DOC)
    names = {name for name, _, _ in skactive_docs.public_strategies()}
    stale = sorted(set(notes) - names)
    assert not stale, f"doc/strategy_notes.py has entries for unknown strategies {stale}."


def test_every_strategy_is_in_the_tables():
    notes = skactive_docs.load_notes(DOC)
    needs, missing = skactive_docs.strategy_table_rst(notes, "needs")
    cost, _ = skactive_docs.strategy_table_rst(notes, "cost")
    assert not missing
    strategies = importlib.import_module("skactive.strategies")
    from skactive.base import BaseQueryStrategy

    for name in strategies.__all__:
        obj = getattr(strategies, name)
        if isinstance(obj, type) and issubclass(obj, BaseQueryStrategy):
            # aliases (CoreSet) appear as "(alias ``CoreSet``)" on their class's row
            assert re.search(rf"skactive\.strategies\.{name}`|``{name}``", needs), name
            assert f"skactive.strategies.{obj.__name__}`" in cost, name


def test_every_strategy_row_has_a_paper_and_needs():
    for name, cls, _ in skactive_docs.public_strategies():
        assert skactive_docs.summary_line(cls), f"{name} has no docstring summary"
        assert skactive_docs.paper_short(cls), f"{name} has no References section"
        needs, _ = skactive_docs.strategy_needs(cls)
        assert all(isinstance(n, str) and n for n in needs), name


def test_api_reference_lists_every_public_name():
    rst = skactive_docs.api_rst(skip_missing=True)
    listed = set(re.findall(r"^   (\w+)$", rst, flags=re.M))
    documented_modules = set(re.findall(r"^\.\. currentmodule:: ([\w.]+)$", rst, flags=re.M))
    for modname in skactive_docs.public_modules():
        try:
            module = importlib.import_module(modname)
        except ImportError:  # skactive.neural without torch
            continue
        assert modname in documented_modules, modname
        for name in module.__all__:
            if name.startswith("__"):
                continue
            assert name in listed, f"{modname}.{name} is missing from the API reference"


def test_public_modules_found():
    modules = skactive_docs.public_modules()
    for name in ("skactive", "skactive.strategies", "skactive.experiments", "skactive.datasets",
                 "skactive.utils", "skactive.base"):
        assert name in modules


@pytest.mark.parametrize(
    "ref, expected",
    [
        ('A. Author, B. Other. "A title", ICML 2017, eq. 3.', "Author et al. 2017, *A title*"),
        ('F. Solo. "One author", arXiv:1901.05954, 2019.', "Solo 2019, *One author*"),
        ("DeepAL+ survey (Zhan et al. 2022), section 5; Beluch et al. 2018.",
         "DeepAL+ survey (Zhan et al. 2022), section 5"),
    ],
)
def test_paper_short(ref, expected):
    cls = type("S", (), {"__doc__": f"Summary.\n\nReferences\n----------\n{ref}\n"})
    assert skactive_docs.paper_short(cls) == expected


def test_tags_table_describes_every_tag():
    import dataclasses

    from skactive.base import QueryStrategyTags

    rst = skactive_docs.tags_table_rst()
    for field in dataclasses.fields(QueryStrategyTags):
        assert f"``{field.name}``" in rst
    assert "(undocumented)" not in rst, "document every tag in QueryStrategyTags' Attributes"
