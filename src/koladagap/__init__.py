"""koladagap: gender-gap evidence for Swedish municipalities and regions from Kolada.

The public verbs return pandas DataFrames; ``source="sample"`` answers from the
real-data sample shipped with the package, offline. Everything below loads on first
use, so ``import koladagap`` stays cheap. The layers behind these names are described
in docs/architecture.md.

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
        Kolada,
        UnknownIdWarning,
        areas,
        gaps,
        groups,
        kpis,
        load_sample,
        municipalities,
        peers,
        screen,
        unit_types,
        units,
        values,
    )
    from koladagap.benchmarking.explore import available, rank, status
    from koladagap.benchmarking.plan import Meeting, Plan, load_plan
    from koladagap.benchmarking.run import PlanResult, run_plan
    from koladagap.engine.thresholds import KpiRule, Thresholds
    from koladagap.errors import (
        APIError,
        CacheError,
        ConfigError,
        CorruptCacheError,
        InputError,
        InvalidYearsError,
        KoladaGapError,
        OfflineMissingError,
        UnknownIdError,
    )
    from koladagap.kolada.frames import to_wide
    from koladagap.kolada.http import HTTPSettings
    from koladagap.render.i18n import ATTRIBUTION, ATTRIBUTION_PROCESSED
    from koladagap.render.pack import write_baseline_pack
    from koladagap.render.report import write_report

_WHERE = {
    "benchmarking.data": (
        "Kolada UnknownIdWarning areas gaps groups kpis load_sample municipalities peers screen "
        "unit_types units values"
    ),
    "benchmarking.explore": "available rank status",
    "benchmarking.plan": "Meeting Plan load_plan",
    "benchmarking.run": "PlanResult run_plan",
    "engine.thresholds": "KpiRule Thresholds",
    "errors": (
        "APIError CacheError ConfigError CorruptCacheError InputError InvalidYearsError "
        "KoladaGapError OfflineMissingError UnknownIdError"
    ),
    "kolada.frames": "to_wide",
    "kolada.http": "HTTPSettings",
    "render.i18n": "ATTRIBUTION ATTRIBUTION_PROCESSED",
    "render.pack": "write_baseline_pack",
    "render.report": "write_report",
}
_LAZY = {name: mod for mod, names in _WHERE.items() for name in names.split()}

__all__ = [
    "ATTRIBUTION",
    "ATTRIBUTION_PROCESSED",
    "APIError",
    "CacheError",
    "ConfigError",
    "CorruptCacheError",
    "HTTPSettings",
    "InputError",
    "InvalidYearsError",
    "Kolada",
    "KoladaGapError",
    "KpiRule",
    "Meeting",
    "OfflineMissingError",
    "Plan",
    "PlanResult",
    "Thresholds",
    "UnknownIdError",
    "UnknownIdWarning",
    "__version__",
    "areas",
    "available",
    "gaps",
    "groups",
    "kpis",
    "load_plan",
    "load_sample",
    "municipalities",
    "peers",
    "rank",
    "run_plan",
    "screen",
    "status",
    "to_wide",
    "unit_types",
    "units",
    "values",
    "write_baseline_pack",
    "write_report",
]


def __getattr__(name: str) -> Any:
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'koladagap' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"koladagap.{mod}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
