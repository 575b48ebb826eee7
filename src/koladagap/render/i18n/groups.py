"""Who a KPI speaks of, in the reader's words: women and men, or girls and boys.

Kolada's gender codes K and M mean women and men, but a KPI about pupils or
children is read as girls and boys. The title tells which: a title that speaks of
pupils (``elever``), children (``barn``), school years (``åk 9``) or ages under 20
takes the children's words.

Examples:
    >>> sex_labels("Elever i åk 9 som är behöriga till yrkesprogram, hemkommun, andel (%)")
    ('flickor', 'pojkar')
    >>> sex_labels("Sammanräknad förvärvsinkomst i åldern 20-64 år (median), kr", "en")
    ('women', 'men')
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from koladagap.render.i18n import Lang

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


def sex_labels(title: str, lang: Lang | str = "sv") -> tuple[str, str]:
    """The words for K and M of a KPI: ``("kvinnor", "män")`` or ``("flickor", "pojkar")``.

    Any ``lang`` other than ``"en"`` gives Swedish.
    """
    table = GROUP_LABELS["en" if lang == "en" else "sv"]
    return table["children" if is_about_children(title) else "adults"]


def label_columns(titles: Iterable[str], lang: Lang | str = "sv") -> pd.DataFrame:
    """Vectorised :func:`sex_labels` for many titles: columns ``label_women``, ``label_men``.

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
    "GROUP_LABELS",
    "TOTAL_LABEL",
    "is_about_children",
    "label_columns",
    "sex_labels",
]
