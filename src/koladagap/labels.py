"""Kolada's own words, shared by every layer: the sexes and the source line.

Kolada's gender codes K and M mean women and men (``kvinnor``/``män``), but a KPI
about pupils or children is read as girls and boys (``flickor``/``pojkar``). The
title tells which: a title that speaks of pupils (``elever``), children (``barn``),
school years (``åk 9``) or ages under 20 takes the children's words. T, both sexes
together, is ``totalt``.

Kolada's terms ask that its data be attributed: :data:`ATTRIBUTION` for figures
shown as published, :data:`ATTRIBUTION_PROCESSED` for anything computed from them.

This is a base module: it imports no layer of koladagap, and every layer may use it.

Examples:
    >>> sex_labels("Elever i åk 9 som är behöriga till yrkesprogram, hemkommun, andel (%)")
    ('flickor', 'pojkar')
    >>> sex_labels("Sammanräknad förvärvsinkomst i åldern 20-64 år (median), kr", "en")
    ('women', 'men')
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd

Lang = Literal["sv", "en"]
"""The languages koladagap speaks: Swedish (the default) and English."""

ATTRIBUTION = "Källa: Kolada"
"""Kolada's terms: data shown as published."""

ATTRIBUTION_PROCESSED = "Källa: Kolada; egen bearbetning"
"""Kolada's terms: anything computed here (gaps, levels, charts of them)."""

_CHILD_WORDS = re.compile(
    r"(?:\belev|elever\b|gymnasieelev|\bbarn\b|barn\s|\bflickor\b|\bpojkar\b|\båk\s?\d|"
    r"\bungdomar\b|\bunga\b|\bskolbarn|förskolebarn|\b\d{1,2}\s?-\s?1[0-9]\s?år\b)",
    re.IGNORECASE,
)

GROUP_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "sv": {"adults": ("kvinnor", "män"), "children": ("flickor", "pojkar")},
    "en": {"adults": ("women", "men"), "children": ("girls", "boys")},
}
"""The words for K and M: adults' and children's, in Swedish and English."""

TOTAL_LABEL = {"sv": "totalt", "en": "total"}
"""The word for T (both sexes together)."""


def is_about_children(title: str) -> bool:
    """True when a KPI title speaks of children or pupils (girls/boys rather than women/men).

    >>> is_about_children("Elever i åk 9 som är behöriga till yrkesprogram, hemkommun, andel (%)")
    True
    >>> is_about_children("Sammanräknad förvärvsinkomst i åldern 20-64 år (median), kr")
    False
    """
    return bool(_CHILD_WORDS.search(title or ""))


def sex_labels(title: str, lang: str = "sv") -> tuple[str, str]:
    """The words for K and M of a KPI: ``("kvinnor", "män")`` or ``("flickor", "pojkar")``.

    Any ``lang`` other than ``"en"`` gives Swedish.

    >>> sex_labels("Elever i åk 3", "en"), sex_labels("Inkomst, kr", "fi")
    (('girls', 'boys'), ('kvinnor', 'män'))
    """
    table = GROUP_LABELS["en" if lang == "en" else "sv"]
    return table["children" if is_about_children(title) else "adults"]


def label_columns(titles: Iterable[str], lang: str = "sv") -> pd.DataFrame:
    """Vectorised :func:`sex_labels` for many titles: columns ``label_women``, ``label_men``.

    A missing title takes the adults' words.

    >>> label_columns(["Elever i åk 9, andel (%)", "Inkomst, kr"]).values.tolist()
    [['flickor', 'pojkar'], ['kvinnor', 'män']]
    """
    t = pd.Series(list(titles), dtype="string").fillna("")
    child = t.str.contains(_CHILD_WORDS, regex=True).to_numpy(dtype=bool)
    lab = GROUP_LABELS["en" if lang == "en" else "sv"]
    return pd.DataFrame(
        {
            "label_women": np.where(child, lab["children"][0], lab["adults"][0]),
            "label_men": np.where(child, lab["children"][1], lab["adults"][1]),
        }
    )


__all__ = [
    "ATTRIBUTION",
    "ATTRIBUTION_PROCESSED",
    "GROUP_LABELS",
    "TOTAL_LABEL",
    "Lang",
    "is_about_children",
    "label_columns",
    "sex_labels",
]
