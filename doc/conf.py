"""Sphinx configuration of the skactive documentation.

Build (warnings are errors), from the repository root::

    python -m sphinx -W --keep-going -b html doc doc/_build/html

Add ``-D plot_gallery=0`` to skip running the examples (the gallery pages
then show the code without outputs), or set ``SKACTIVE_DOCS_EXAMPLES`` to a
regular expression to run only the matching examples. The build is offline: no intersphinx
inventories are fetched and the theme loads nothing from the network.
"""

import os
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "sphinxext"))

import skactive  # noqa: E402

# -- Project -----------------------------------------------------------------
project = "skactive"
author = "The skactive developers"
copyright = "2024, The skactive developers"
version = release = skactive.__version__

# -- General -----------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "skactive_docs",
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints",
                    "auto_examples/*.ipynb", "auto_examples/*.py", "auto_examples/*.zip"]
default_role = "literal"
root_doc = "index"
nitpicky = False
suppress_warnings = []

# MathJax is loaded by the reader's browser (Sphinx's default CDN) on pages
# with math only; set SKACTIVE_MATHJAX_PATH to a local copy for offline reading.
if os.environ.get("SKACTIVE_MATHJAX_PATH"):
    mathjax_path = os.environ["SKACTIVE_MATHJAX_PATH"]

# -- autodoc / autosummary / numpydoc ----------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True}
autodoc_typehints = "none"
autoclass_content = "class"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- sphinx-gallery ----------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    # examples whose file name matches are executed (all by default);
    # SKACTIVE_DOCS_EXAMPLES="plot_(alamp|compare)" runs a subset, the others
    # are rendered without outputs
    "filename_pattern": "/" + os.environ.get("SKACTIVE_DOCS_EXAMPLES", "plot_"),
    "within_subsection_order": "FileNameSortKey",
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("skactive",),
    "reference_url": {"skactive": None},  # local links only, nothing fetched
    "remove_config_comments": True,
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    "show_memory": False,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "download_all_examples": False,
}

warnings.filterwarnings("ignore", category=UserWarning,
                        message="Matplotlib is currently using agg")
# examples/plot_svm_vs_finetune.py also saves its figure as a PNG: keep it out
# of the source tree
os.environ.setdefault("SKACTIVE_EXAMPLE_OUT", str(HERE / "_build" / "svm_vs_finetune.png"))

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skactive {version}"
html_static_path = ["_static"]
html_css_files = ["skactive.css"]
html_show_sourcelink = False
html_copy_source = False
html_theme_options = {
    # nothing is fetched at build time or loaded from third parties at view time
    "check_switcher": False,
    "analytics": {},
    "icon_links": [],
    "navbar_align": "left",
    "navbar_end": ["theme-switcher"],
    "primary_sidebar_end": [],
    # the wide strategy tables get the whole width
    "secondary_sidebar_items": {
        "**": ["page-toc"],
        "user_guide/strategies": [],
        "auto_examples/index": [],
        # exact names: the theme refuses two wildcard patterns for one page
        **{f"auto_examples/{p.stem}": [] for p in (HERE.parent / "examples").glob("plot_*.py")},
    },
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "show_prev_next": True,
}
html_context = {"default_mode": "light"}
html_sidebars = {"index": [], "getting_started": []}
