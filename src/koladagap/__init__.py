"""koladagap: gender-gap evidence for Swedish municipalities and regions from Kolada.

The public verbs return pandas DataFrames; ``source="sample"`` answers from the
real-data sample shipped with the package, offline. Submodules load on first
use, so ``import koladagap`` stays cheap.

Examples:
    >>> import koladagap
    >>> koladagap.gaps("N17461", "0180", 2022, source="sample")[["women", "men", "gap"]].round(1)
       women   men  gap
    0   77.0  70.1  6.9
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .api import (
        ATTRIBUTION,
        ATTRIBUTION_PROCESSED,
        Kolada,
        UnknownIdWarning,
        gaps,
        groups,
        kpis,
        load_sample,
        municipalities,
        peers,
        values,
    )
    from .deviations import run_plan
    from .frames import to_wide
    from .plan import load_plan
    from .reports.deviations import write_report

_LAZY = {
    "ATTRIBUTION": "api",
    "ATTRIBUTION_PROCESSED": "api",
    "Kolada": "api",
    "UnknownIdWarning": "api",
    "gaps": "api",
    "groups": "api",
    "kpis": "api",
    "load_sample": "api",
    "municipalities": "api",
    "peers": "api",
    "values": "api",
    "screen": "api",
    "to_wide": "frames",
    "load_plan": "plan",
    "run_plan": "deviations",
    "write_report": "reports.deviations",
}

__all__ = [
    "ATTRIBUTION",
    "ATTRIBUTION_PROCESSED",
    "Kolada",
    "UnknownIdWarning",
    "__version__",
    "gaps",
    "groups",
    "kpis",
    "load_plan",
    "load_sample",
    "municipalities",
    "peers",
    "run_plan",
    "screen",
    "to_wide",
    "values",
    "write_report",
]


def __getattr__(name: str) -> Any:
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'koladagap' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{mod}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
