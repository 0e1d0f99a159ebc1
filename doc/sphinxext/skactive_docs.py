"""Sphinx extension generating the parts of the docs that must follow the code.

- ``.. skactive-strategy-table:: needs`` renders one row per public query
  strategy of :mod:`skactive.strategies` (``__all__``): its name, docstring
  summary, paper (from the ``References`` section) and what it needs from the
  learner (from :func:`skactive.base.get_query_tags`);
  ``.. skactive-strategy-table:: cost`` the hand-written cost / "when it
  helps" columns of ``doc/strategy_notes.py``. A strategy without notes is a
  build warning (an error under ``-W``) and a failure of ``tests/test_docs.py``.
- At ``config-inited`` (before the sources are listed) ``api/index.rst`` is written
  with one ``autosummary`` block per public module, listing its ``__all__``, so
  that every public name gets a page.

The functions used here are importable without Sphinx (``tests/test_docs.py``
uses them).
"""

import dataclasses
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

# tag -> text of the "needs from the learner" column; tags added later to
# QueryStrategyTags fall back to their humanised field name.
TAG_LABELS = {
    "requires_proba": "probabilities (``predict_proba``)",
    "requires_scores": "class scores (``predict_proba`` or ``decision_function``)",
    "requires_labeled_data": "the labelled set (an ``ActiveLearner``)",
    "requires_embedding": "embeddings (``embed`` / a ``Pipeline``)",
    "requires_head_gradient": "head gradients (linear or torch head)",
    "requires_samples": "MC samples (dropout net or committee)",
    "requires_neural_net": "a torch net (``ActiveNeuralNetClassifier``)",
    "requires_torch": "PyTorch installed (trains an auxiliary network)",
    "uses_previous_model": "the previous model (``previous_estimator_``)",
    "multilabel": "a multi-label learner (2-D label indicators)",
}
# tags that do not describe a need of the learner
NOT_NEEDS = {"stochastic", "task", "requires_fitted_learner"}
# the ``task`` tag, shown first among the needs (classification: implied)
TASK_LABELS = {"regression": "a regressor", "both": "a classifier or a regressor"}

# Public modules documented in the API reference, in this order; public
# modules found later by walking the package are appended automatically.
API_MODULES = [
    "skactive",
    "skactive.strategies",
    "skactive.base",
    "skactive.experiments",
    "skactive.datasets",
    "skactive.neural",
    "skactive.utils",
    "skactive.utils.estimator_checks",
    "skactive.exceptions",
]
API_TITLES = {
    "skactive": "Active learner",
    "skactive.strategies": "Query strategies",
    "skactive.base": "Base class and tags",
    "skactive.experiments": "Experiments: simulation, metrics, plots",
    "skactive.datasets": "Datasets",
    "skactive.neural": "Neural networks (torch / skorch)",
    "skactive.utils": "Utilities",
    "skactive.utils.estimator_checks": "Contract checks for strategies",
    "skactive.exceptions": "Exceptions",
    "skactive.stopping": "Stopping criteria",
    "skactive.stream": "Stream-based active learning",
}
_SKIP_MODULES = {"skactive.__main__"}
# base-class packages whose inherited members are left out of class pages
_FOREIGN = {"sklearn", "skorch", "torch"}


# ----------------------------------------------------------------- strategies
def public_strategies():
    """``[(canonical_name, cls, aliases)]`` of the strategy classes in
    ``skactive.strategies.__all__``, sorted by name; aliases (``CoreSet`` for
    ``KCenterGreedy``) are folded into their class's row."""
    from skactive.base import BaseQueryStrategy

    module = importlib.import_module("skactive.strategies")
    rows = {}
    for name in module.__all__:
        obj = getattr(module, name)
        if not (inspect.isclass(obj) and issubclass(obj, BaseQueryStrategy)):
            continue
        canonical = obj.__name__ if obj.__name__ in module.__all__ else name
        entry = rows.setdefault(canonical, [canonical, obj, []])
        if name != canonical:
            entry[2].append(name)
    return [tuple(rows[k]) for k in sorted(rows, key=str.lower)]


def strategy_needs(cls):
    """Human-readable list of what ``cls()`` needs from the learner."""
    from skactive.base import get_query_tags

    tags = get_query_tags(cls())
    needs = []
    for field in dataclasses.fields(tags):
        if field.name in NOT_NEEDS or not getattr(tags, field.name):
            continue
        needs.append(TAG_LABELS.get(field.name, field.name.replace("_", " ")))
    task = getattr(tags, "task", "classification")
    if task in TASK_LABELS:
        needs.insert(0, TASK_LABELS[task])
    if not getattr(tags, "requires_fitted_learner", True):
        needs.append("no fitted model (can choose the initial set)")
    # class scores are implied by probabilities
    if TAG_LABELS["requires_proba"] in needs and TAG_LABELS["requires_scores"] in needs:
        needs.remove(TAG_LABELS["requires_scores"])
    return needs, bool(getattr(tags, "stochastic", False))


def _docstring(cls):
    return inspect.cleandoc(cls.__doc__ or "")


def summary_line(cls):
    """First sentence/paragraph of the docstring, on one line."""
    doc = _docstring(cls)
    first = doc.split("\n\n", 1)[0]
    return " ".join(first.split())


def references(cls):
    """The ``References`` section of the docstring as one string ('' if none)."""
    doc = _docstring(cls)
    match = re.search(r"^References\n-+\n(.*?)(?:\n\S[^\n]*\n-+\n|\Z)", doc, re.S | re.M)
    if not match:
        return ""
    return " ".join(match.group(1).split())


def paper_short(cls):
    """``Surname et al. YEAR, *Title*`` from the first reference, or ''."""
    ref = references(cls)
    if not ref:
        return ""
    title = re.search(r"[\"\u201c]([^\"\u201d]+)[\"\u201d]", ref)
    if not title:  # no quoted title: the first entry, as written
        text = re.split(r";|\.\s+(?=[A-Z])", ref, maxsplit=1)[0].strip()
    else:
        head = ref[: title.start()].replace("et al.", "").strip(" .,")
        first = head.split(",")[0].split() if head else []
        author = first[-1] if first else ""
        if author and ("," in head or "et al" in ref[: title.start()]):
            author += " et al."
        tail = re.split(r"[\"\u201c;]", ref[title.end():], maxsplit=1)[0]
        year = re.search(r"(?<![\d.:])(?:19|20)\d\d(?!\d)", tail)
        lead = " ".join(p for p in (author, year.group(0) if year else "") if p)
        name = title.group(1).strip().rstrip(",.")
        text = f"{lead}, *{name}*" if lead else f"*{name}*"
    if len(text) > 110:
        text = text[:107].rstrip() + "...*" * text.endswith("*")
    return text


def load_notes(doc_dir=None):
    """The hand-written columns, ``doc/strategy_notes.py``'s ``STRATEGY_NOTES``."""
    doc_dir = Path(doc_dir or Path(__file__).resolve().parents[1])
    namespace = {}
    exec((doc_dir / "strategy_notes.py").read_text(encoding="utf-8"), namespace)
    return namespace["STRATEGY_NOTES"]


def _escape(text):
    """Escape ``|`` (substitution syntax) outside backquoted roles/literals."""
    parts = re.split(r"(`[^`]*`)", text)
    return "".join(p if p.startswith("`") else p.replace("|", r"\|") for p in parts)


def strategy_table_rst(notes, kind="needs"):
    """A strategy table as reST (a list-table), and the names lacking notes.

    ``kind="needs"``: strategy (with its summary), paper, needs from the
    learner. ``kind="cost"``: strategy, cost per query, when it helps.
    """
    if kind == "needs":
        header, widths = ("Strategy", "Paper", "Needs from the learner"), "40 28 32"
    elif kind == "cost":
        header, widths = ("Strategy", "Cost per query", "When it helps"), "22 33 45"
    else:
        raise ValueError(f"kind must be 'needs' or 'cost', got {kind!r}.")
    lines = [".. list-table::", "   :header-rows: 1", f"   :widths: {widths}",
             f"   :class: strategy-table strategy-table-{kind}", ""]
    lines += [f"   {'*' if i == 0 else ' '} - {h}" for i, h in enumerate(header)]
    missing = []
    for name, cls, aliases in public_strategies():
        note = notes.get(name)
        if note is None:
            missing.append(name)
            note = {"cost": "?", "when": "?"}
        label = f":class:`~skactive.strategies.{name}`"
        if aliases:
            label += " (alias " + ", ".join(f"``{a}``" for a in aliases) + ")"
        if kind == "needs":
            needs, stochastic = strategy_needs(cls)
            needs_text = "; ".join(needs) if needs else "nothing (any fitted classifier)"
            if stochastic:
                needs_text += "; uses ``random_state``"
            cells = [f"{label}\n\n       {_escape(summary_line(cls))}",
                     _escape(paper_short(cls)) or "--", needs_text]
        else:
            cells = [label, note["cost"], note["when"]]
        lines.append(f"   * - {cells[0]}")
        lines += [f"     - {c}" for c in cells[1:]]
    return "\n".join(lines) + "\n", missing


def _numpydoc_section(obj, section):
    """``{name: description}`` of a numpydoc parameter-like section."""
    doc = inspect.cleandoc(obj.__doc__ or "")
    match = re.search(rf"^{section}\n-+\n(.*?)(?:\n\S[^\n]*\n-+\n|\Z)", doc, re.S | re.M)
    out, name = {}, None
    for line in (match.group(1).splitlines() if match else []):
        if line and not line[0].isspace():
            name = line.split(":")[0].strip()
            out[name] = ""
        elif name and line.strip():
            out[name] = (out[name] + " " + line.strip()).strip()
    return out


def tags_table_rst():
    """The fields of :class:`~skactive.base.QueryStrategyTags` and their
    meaning (from its ``Attributes`` section), as a reST list-table."""
    from skactive.base import QueryStrategyTags

    described = _numpydoc_section(QueryStrategyTags, "Attributes")
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 25 75", "",
             "   * - Tag", "     - Meaning"]
    for field in dataclasses.fields(QueryStrategyTags):
        lines += [f"   * - ``{field.name}``",
                  f"     - {_escape(described.get(field.name, '(undocumented)'))}"]
    return "\n".join(lines) + "\n"


def dependency_files():
    """Source files the strategy tables are generated from."""
    import skactive

    root = Path(skactive.__file__).parent
    return sorted(root.joinpath("strategies").glob("*.py")) + [root / "base.py"]


# ------------------------------------------------------------------------ API
def public_modules():
    """Documented module names: :data:`API_MODULES`, then any other public
    module of the package that defines ``__all__``."""
    import skactive

    names = list(API_MODULES)
    for info in pkgutil.walk_packages(skactive.__path__, "skactive."):
        name = info.name
        if any(part.startswith("_") for part in name.split(".")) or name in _SKIP_MODULES:
            continue
        if name in names or name.endswith("conftest"):
            continue
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if getattr(module, "__all__", None):
            names.append(name)
    return names


def api_rst(skip_missing=False):
    """The API reference page, one autosummary block per public module.

    With ``skip_missing``, modules whose optional dependencies are missing
    (``skactive.neural`` without torch) are left out instead of raising.
    """
    out = [
        ".. This file is generated by doc/sphinxext/skactive_docs.py; do not edit.",
        "",
        ".. _api:",
        "",
        "=============",
        "API reference",
        "=============",
        "",
        "Every public name of skactive, module by module (each module's ``__all__``).",
        "",
    ]
    for modname in public_modules():
        try:
            module = importlib.import_module(modname)
        except ImportError:
            if skip_missing:
                continue
            raise
        names = [n for n in module.__all__ if not n.startswith("__")]
        if not names:
            continue
        title = f"``{modname}``: {API_TITLES.get(modname, modname)}"
        doc = inspect.getdoc(module) or ""
        summary = doc.split("\n\n", 1)[0]
        out += [title, "=" * len(title), "", f".. automodule:: {modname}", "   :no-members:",
                "   :no-index:", "", summary, "", ".. currentmodule:: " + modname, ""]
        classes = [n for n in names if inspect.isclass(getattr(module, n))]
        functions = [n for n in names if n not in classes]
        # stubs use _templates/autosummary/{class,function}.rst (by object type)
        for label, group in (("Classes", classes), ("Functions", functions)):
            if not group:
                continue
            out += [f".. rubric:: {label}", "", ".. autosummary::", "   :toctree: generated/",
                    "   :nosignatures:", ""]
            out += [f"   {n}" for n in group]
            out.append("")
    return "\n".join(out)


def write_api(app, config=None):
    path = Path(app.srcdir) / "api" / "index.rst"
    path.parent.mkdir(exist_ok=True)
    text = api_rst()
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


# ------------------------------------------------------------------- Sphinx
def setup(app):
    from docutils.parsers.rst import Directive
    from docutils.statemachine import StringList
    from docutils import nodes
    from sphinx.util import logging

    logger = logging.getLogger(__name__)

    class StrategyTable(Directive):
        has_content = False
        optional_arguments = 1

        def run(self):
            env = self.state.document.settings.env
            kind = self.arguments[0] if self.arguments else "needs"
            # re-read the page when the notes or the strategies change
            env.note_dependency(str(Path(app.srcdir) / "strategy_notes.py"))
            for path in dependency_files():
                env.note_dependency(str(path))
            rst, missing = strategy_table_rst(load_notes(app.srcdir), kind)
            for name in missing if kind == "cost" else ():
                logger.warning(
                    "strategy %s has no entry in doc/strategy_notes.py (cost, when it helps)",
                    name, location=(env.docname, self.lineno))
            node = nodes.container()
            self.state.nested_parse(StringList(rst.splitlines(), source="strategy-table"),
                                    self.content_offset, node)
            return node.children

    def skip_member(app, what, name, obj, skip, options):
        # Class pages show skactive's own and inherited skactive methods (e.g.
        # ``query`` on every strategy), not those of scikit-learn / skorch /
        # torch base classes (get_params, skorch's NeuralNet API...), whose
        # docstrings refer to their own docs. That includes scikit-learn's
        # metadata-routing setters (set_fit_request, ...) generated per class.
        if re.fullmatch(r"set_\w+_request", name):
            return True
        func = getattr(obj, "__func__", obj)
        if isinstance(func, property):
            func = func.fget
        module = getattr(func, "__module__", None) or ""
        if what == "class" and module.split(".")[0] in _FOREIGN:
            return True
        return None

    class TagsTable(Directive):
        has_content = False

        def run(self):
            env = self.state.document.settings.env
            for path in dependency_files():
                env.note_dependency(str(path))
            node = nodes.container()
            self.state.nested_parse(StringList(tags_table_rst().splitlines(), source="tags"),
                                    self.content_offset, node)
            return node.children

    app.add_directive("skactive-strategy-table", StrategyTable)
    app.add_directive("skactive-tags-table", TagsTable)
    app.connect("autodoc-skip-member", skip_member, priority=100)
    # before Sphinx lists the source files and autosummary generates the stubs
    app.connect("config-inited", write_api)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}


__all__ = ["api_rst", "public_modules", "public_strategies", "strategy_table_rst",
           "tags_table_rst"]
