"""Names that moved from :mod:`koladagap.checklist` to :mod:`koladagap.render.checklist`.

The checklist sits beside benchmarking, below render, and never imports render.
Drawing and running text for people (the chart, the report, the summary and
readiness lines) now live in :mod:`koladagap.render.checklist`. For one release
the old names still work: they are looked up when first used, with
:mod:`importlib` and a :class:`DeprecationWarning`. This is a deprecated
convenience for code written for koladagap 0.x, not a dependency: nothing in
``src`` goes through it.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

from koladagap._deprecated import REMOVED_IN

RENDER = "koladagap.render.checklist"
"""Where the moved names live now."""

MOVED: frozenset[str] = frozenset(
    {"REPORT_DPI", "SESSION_STYLE", "plot_checklist", "write_checklist_report"}
)
"""Module-level names of :mod:`koladagap.checklist` that moved to :data:`RENDER`."""


def moved(old: str, name: str, stacklevel: int = 3) -> Any:
    """``RENDER.name``, warning that ``old`` moved there."""
    warnings.warn(
        f"{old} moved to {RENDER}.{name}; the old name goes in koladagap {REMOVED_IN}",
        DeprecationWarning,
        stacklevel=stacklevel,
    )
    return getattr(importlib.import_module(RENDER), name)


__all__ = ["MOVED", "RENDER", "moved"]
