"""The gap and deviation engine: pure functions, frames in, frames out.

- :mod:`.measures` — gap, relative gap, ratio and parity on the wide view;
- :mod:`.thresholds` — the method's thresholds and per-KPI rules (frozen dataclasses);
- :mod:`.rules` — the KPI table as :class:`KpiRule` objects and per-KPI arrays;
- :mod:`.levels` — :func:`evaluate`: materiality, credibility, reference and level
  for every KPI × municipality × year; :mod:`.result` builds its frame;
- :mod:`.credibility`, :mod:`.reference`, :mod:`.panel` — the vectorised parts;
- :mod:`.followup` — :func:`compare`: baseline → follow-up, flag movement, targets;

Examples:
    >>> from koladagap.engine import evaluate, Thresholds
    >>> from koladagap.kolada.sample import sample_values, sample_municipalities
    >>> strict = Thresholds().replace(**{"materiality.share_pp": 3.0})
    >>> res = evaluate(sample_values(), None, strict, year=2022, municipalities=["0180"],
    ...                municipality_meta=sample_municipalities())
    >>> sorted(set(res["level"]))
    ['excluded', 'info', 'none']
"""

from koladagap.engine.followup import COMPARE_COLUMNS, compare, flag_movement
from koladagap.engine.levels import (
    FLAG_LEVELS,
    LEVEL_LABELS_EN,
    LEVEL_LABELS_SV,
    LEVELS,
    Deviations,
    deviations,
    evaluate,
    level_labels,
)
from koladagap.engine.measures import compute_gaps
from koladagap.engine.result import RESULT_COLUMNS
from koladagap.engine.rules import resolve_rules, rules_from_table
from koladagap.engine.thresholds import (
    Credibility,
    FollowUp,
    KpiRule,
    Materiality,
    Reference,
    Thresholds,
)

__all__ = [
    "COMPARE_COLUMNS",
    "FLAG_LEVELS",
    "LEVELS",
    "LEVEL_LABELS_EN",
    "LEVEL_LABELS_SV",
    "RESULT_COLUMNS",
    "Credibility",
    "Deviations",
    "FollowUp",
    "KpiRule",
    "Materiality",
    "Reference",
    "Thresholds",
    "compare",
    "compute_gaps",
    "deviations",
    "evaluate",
    "flag_movement",
    "level_labels",
    "resolve_rules",
    "rules_from_table",
]
