"""Who a KPI speaks of, in the reader's words: women and men, or girls and boys.

Kolada's gender codes K and M mean women and men, but a KPI about pupils or
children is read as girls and boys. The words and the rule are Kolada's own and
shared by every layer: they are defined once in :mod:`koladagap.labels` and
re-exported here for the writers.

Examples:
    >>> sex_labels("Elever i åk 9 som är behöriga till yrkesprogram, hemkommun, andel (%)")
    ('flickor', 'pojkar')
    >>> sex_labels("Sammanräknad förvärvsinkomst i åldern 20-64 år (median), kr", "en")
    ('women', 'men')
"""

from __future__ import annotations

from koladagap.labels import _CHILD_WORDS as _CHILD_WORDS  # kept importable
from koladagap.labels import (
    GROUP_LABELS,
    TOTAL_LABEL,
    is_about_children,
    label_columns,
    sex_labels,
)

__all__ = [
    "GROUP_LABELS",
    "TOTAL_LABEL",
    "is_about_children",
    "label_columns",
    "sex_labels",
]
