"""Sphinx configuration for the koladagap manual (offline: no intersphinx)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from koladagap._version import __version__  # noqa: E402

project = "koladagap"
author = "koladagap developers"
release = __version__
extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
]
myst_enable_extensions = ["colon_fence", "deflist"]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
html_theme = "furo"
html_title = f"koladagap {release}"
autodoc_typehints = "description"
autodoc_member_order = "bysource"
napoleon_google_docstring = True
suppress_warnings = ["myst.header"]
language = "en"
