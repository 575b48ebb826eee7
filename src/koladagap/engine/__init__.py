"""The gap and deviation engine: pure functions, frames in, frames out.

No files, no network, no language: the engine reads frames and writes frames
whose columns hold numbers and codes (``level``, ``disadvantaged``, the
machine-readable ``reasons``); the words a person reads are made in
:mod:`koladagap.render`.

- :mod:`.measures` — gap, relative gap, ratio and parity on the wide view;
- :mod:`.thresholds` — the method's thresholds and per-KPI rules (frozen dataclasses);
- :mod:`.rules` — a KPI table as :class:`KpiRule` objects and per-KPI arrays;
- :mod:`.levels` — :func:`evaluate`: materiality, credibility, reference and level
  for every KPI × municipality × year, in steps over an :class:`~.run.EngineRun`
  (:func:`run_engine`): :mod:`.gaps`, :mod:`.evidence`, :mod:`.decision`;
  :mod:`.result` builds its frame (:func:`evaluation` of a run);
- :mod:`.credibility`, :mod:`.funnel`, :mod:`.reference`, :mod:`.panel` — the
  vectorised statistics and the integer-coded panel;
- :mod:`.followup` — :func:`compare`: baseline → follow-up; its ends in
  :mod:`.ends`, the flag movement in :mod:`.movement`, targets in :mod:`.targets`;
- :mod:`.screen` — every kommun (or region) judged at one year.

The KPI table (:func:`koladagap.benchmarking.kpi_table.kpi_table`) belongs to the
benchmarking layer: pass it as ``kpi_table=`` when no rules are given.

Examples:
    >>> from koladagap.engine import evaluate, Thresholds
    >>> from koladagap.benchmarking.kpi_table import kpi_table
    >>> from koladagap.kolada.sample import sample_values, sample_municipalities
    >>> strict = Thresholds().replace(**{"materiality.share_pp": 3.0})
    >>> res = evaluate(sample_values(), None, strict, year=2022, municipalities=["0180"],
    ...                municipality_meta=sample_municipalities(), kpi_table=kpi_table())
    >>> sorted(set(res["level"]))
    ['excluded', 'info', 'none']
"""

from typing import Any

from koladagap.engine._moved import moved
from koladagap.engine.followup import COMPARE_COLUMNS, compare
from koladagap.engine.levels import evaluate, evaluation, run_engine
from koladagap.engine.measures import compute_gaps
from koladagap.engine.movement import flag_movement
from koladagap.engine.result import RESULT_COLUMNS
from koladagap.engine.rules import resolve_rules, rules_from_table
from koladagap.engine.run import FLAG_LEVELS, LEVELS
from koladagap.engine.thresholds import (
    Credibility,
    FollowUp,
    KpiRule,
    Materiality,
    Reference,
    Thresholds,
)


def __getattr__(name: str) -> Any:
    """``LEVEL_LABELS_SV``, ``LEVEL_LABELS_EN``, ``level_labels``, ``CHANGE_LABELS_SV``,
    ``CHANGE_LABELS_EN``: moved to :mod:`koladagap.render.i18n` (deprecated aliases
    for one release)."""
    return moved(__name__, name)


__all__ = [
    "COMPARE_COLUMNS",
    "FLAG_LEVELS",
    "LEVELS",
    "RESULT_COLUMNS",
    "Credibility",
    "FollowUp",
    "KpiRule",
    "Materiality",
    "Reference",
    "Thresholds",
    "compare",
    "compute_gaps",
    "evaluate",
    "evaluation",
    "flag_movement",
    "resolve_rules",
    "rules_from_table",
    "run_engine",
]
