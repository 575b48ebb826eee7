"""Names that moved out of the engine: deprecated aliases for one release.

The engine names no levels for readers; the level names live in
:mod:`koladagap.render.i18n`. It is imported by name when an old name is asked
for, so the engine itself never depends on the render layer.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

from koladagap._deprecated import REMOVED_IN

MOVED: dict[str, str] = {
    "LEVEL_LABELS_SV": 'LEVEL_LABELS["sv"]',
    "LEVEL_LABELS_EN": 'LEVEL_LABELS["en"]',
    "level_labels": "level_labels",
}
"""Old engine name → its place in :mod:`koladagap.render.i18n`."""


def moved(module: str, name: str) -> Any:
    """The value of the moved ``name`` asked for on ``module``, with a DeprecationWarning.

    Raises:
        AttributeError: ``name`` is not a moved name (the usual module error).
    """
    if name not in MOVED:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    warnings.warn(
        f"{module}.{name} moved to koladagap.render.i18n.{MOVED[name]}; "
        f"the old name goes in koladagap {REMOVED_IN}",
        DeprecationWarning,
        stacklevel=3,
    )
    i18n = importlib.import_module("koladagap.render.i18n")
    if name == "level_labels":
        return i18n.level_labels
    return dict(i18n.LEVEL_LABELS[name[-2:].lower()])


__all__ = ["MOVED", "moved"]
