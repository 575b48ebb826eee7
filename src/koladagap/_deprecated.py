"""Aliases for the module paths of koladagap 0.x before the layered layout.

Each old module (``koladagap.plan``, ``koladagap.api`` …) is a two-line file that calls
:func:`alias`: importing it warns once and hands back the new module, so old imports keep
working for one release.
"""

from __future__ import annotations

import importlib
import sys
import warnings

REMOVED_IN = "0.3"


def alias(old: str, new: str) -> None:
    """Make module ``old`` the module ``new``, with a :class:`DeprecationWarning`."""
    warnings.warn(
        f"{old} moved to {new}; the old name goes in koladagap {REMOVED_IN}",
        DeprecationWarning,
        stacklevel=3,
    )
    sys.modules[old] = importlib.import_module(new)
