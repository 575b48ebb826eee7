"""Sphinx configuration for the koladagap manual.

Offline by design: no intersphinx, no remote images, nothing fetched at build
time. Build with warnings as errors::

    sphinx-build -W --keep-going -b html docs docs/_build/html
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from koladagap._version import __version__

project = "koladagap"
author = "koladagap developers"
copyright = "koladagap developers; data: Källa: Kolada"
release = __version__
version = __version__
extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
html_theme = "furo"
html_title = f"koladagap {release}"
html_static_path: list[str] = []
autodoc_typehints = "description"
autodoc_member_order = "bysource"
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_ivar = True
suppress_warnings = ["myst.header"]
language = "en"

# Docstrings write an absolute change as |Δ| or |Δgap|; in reST a word between
# bars is a substitution reference, so escape the bars before parsing.
_ABS_BARS = re.compile(r"(?<!\\)\|(Δ\w*)\|")


def _escape_abs_bars(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    lines[:] = [_ABS_BARS.sub(r"\\|\1\\|", line) for line in lines]


def setup(app: Any) -> dict[str, Any]:
    app.connect("autodoc-process-docstring", _escape_abs_bars)
    return {"parallel_read_safe": True}
