"""Names that moved out of the engine: deprecated aliases for one release.

The engine names nothing for readers; the level names live in
:mod:`koladagap.render.i18n`, the follow-up's change names in
:mod:`koladagap.render.i18n.movement`. They are imported by name when an old name
is asked for, so the engine itself never depends on the render layer.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

from koladagap._deprecated import REMOVED_IN

RENDER = "koladagap.render.i18n"
"""The package the moved names live in."""

MOVED: dict[str, str] = {
    "LEVEL_LABELS_SV": 'LEVEL_LABELS["sv"]',
    "LEVEL_LABELS_EN": 'LEVEL_LABELS["en"]',
    "level_labels": "level_labels",
    "CHANGE_LABELS_SV": 'movement.CHANGE_LABELS["sv"]',
    "CHANGE_LABELS_EN": 'movement.CHANGE_LABELS["en"]',
}
"""Old engine name → its place under :data:`RENDER` (``module.NAME["key"]``)."""


def moved(module: str, name: str) -> Any:
    """The value of the moved ``name`` asked for on ``module``, with a DeprecationWarning.

    A moved dictionary is handed back as a copy, so changing it changes nothing in render.

    Raises:
        AttributeError: ``name`` is not a moved name (the usual module error).
    """
    if name not in MOVED:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    place = MOVED[name]
    warnings.warn(
        f"{module}.{name} moved to {RENDER}.{place}; the old name goes in koladagap {REMOVED_IN}",
        DeprecationWarning,
        stacklevel=3,
    )
    path, _, key = place.partition("[")
    sub, _, attr = path.rpartition(".")
    value = getattr(importlib.import_module(f"{RENDER}.{sub}" if sub else RENDER), attr)
    return dict(value[key.strip('"]')]) if key else value


__all__ = ["MOVED", "RENDER", "moved"]
