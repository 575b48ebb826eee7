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

from koladagap._version import __version__

if TYPE_CHECKING:
    from koladagap.benchmarking.data import (
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
    from koladagap.benchmarking.plan import load_plan
    from koladagap.benchmarking.run import run_plan
    from koladagap.kolada.frames import to_wide
    from koladagap.render.report import write_report

_LAZY = {
    "ATTRIBUTION": "benchmarking.data",
    "ATTRIBUTION_PROCESSED": "benchmarking.data",
    "Kolada": "benchmarking.data",
    "UnknownIdWarning": "benchmarking.data",
    "gaps": "benchmarking.data",
    "groups": "benchmarking.data",
    "kpis": "benchmarking.data",
    "load_sample": "benchmarking.data",
    "municipalities": "benchmarking.data",
    "peers": "benchmarking.data",
    "values": "benchmarking.data",
    "screen": "benchmarking.data",
    "to_wide": "kolada.frames",
    "load_plan": "benchmarking.plan",
    "run_plan": "benchmarking.run",
    "write_report": "render.report",
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
