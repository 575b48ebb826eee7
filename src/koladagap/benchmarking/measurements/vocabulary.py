"""The words a measurements file may use: sheet names, column headers and cell words.

Every table maps a canonical name to the words accepted for it, Swedish first
(the first alias is the one named in error messages). The canonical kinds and
directions are the engine's (:data:`~koladagap.engine.thresholds.KINDS`,
:data:`~koladagap.engine.thresholds.DIRECTIONS`); the gender codes are Kolada's
(:data:`~koladagap.columns.GENDERS`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from koladagap.columns import GENDERS, WIDE_GENDER
from koladagap.engine.thresholds import DIRECTIONS, KINDS

# --- column headers -------------------------------------------------------------------

DEF_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "kpi", "nyckeltal"),
    "title": ("benämning", "title", "titel", "namn", "name"),
    "unit": ("enhet", "unit"),
    "kind": ("typ", "kind", "type"),
    "direction": ("riktning", "direction"),
    "organisation": ("organisation", "organization", "organisation id", "kommun", "region"),
    "about_children": ("barn/elever", "barn", "elever", "children", "about children"),
    "share_of": ("andel av", "share of"),
    "expected": ("förväntad skillnad", "förväntat", "expected"),
    "description": ("beskrivning", "description"),
}
"""Headers of the KPI sheet (``Nyckeltal``)."""
DEF_REQUIRED = ("id", "title", "unit", "kind", "direction", "organisation")
"""Columns every KPI sheet has and every KPI fills in."""

VAL_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "kpi", "nyckeltal"),
    "period": ("år", "ar", "year", "period"),
    "gender": ("kön", "kon", "gender", "sex"),
    "value": ("värde", "varde", "value"),
    "count": ("antal", "count", "n"),
    "women": ("kvinnor", "flickor", "women", "girls"),
    "men": ("män", "pojkar", "men", "boys"),
    "total": ("totalt", "total", "alla"),
    "n_women": ("antal kvinnor", "antal flickor", "n women", "n girls", "count women"),
    "n_men": ("antal män", "antal pojkar", "n men", "n boys", "count men"),
    "n_total": ("antal totalt", "n total", "count total"),
}
"""Headers of the values sheet (``Värden``), long and wide layout."""
WIDE_VALUE = WIDE_GENDER
"""Wide layout: value column → gender code."""
WIDE_COUNT = {"women": "n_women", "men": "n_men", "total": "n_total"}
"""Wide layout: value column → its count column."""

# --- sheets (xlsx) and parts (csv) ------------------------------------------------------

SHEETS = {
    "definitions": ("nyckeltal", "kpis", "definitioner", "definitions"),
    "values": ("värden", "varden", "values", "data"),
}
"""Accepted names (case-folded) of the two sheets or CSV parts."""


@dataclass(frozen=True)
class Part:
    """One of the two tables of a measurements file."""

    which: str
    """``"definitions"`` or ``"values"`` (a key of :data:`SHEETS`)."""
    aliases: Mapping[str, Sequence[str]]
    """Its column headers."""
    name: str
    """Its Swedish name, used in labels and messages."""


PARTS = (Part("definitions", DEF_ALIASES, "Nyckeltal"), Part("values", VAL_ALIASES, "Värden"))
"""The KPI definitions, then the values: the order every reader returns them in."""


def part_of(name: str) -> str | None:
    """Which table a sheet or CSV part named ``name`` is (``None``: neither).

    >>> part_of(" Värden "), part_of("KPIs"), part_of("Instruktioner")
    ('values', 'definitions', None)
    """
    key = name.strip().casefold()
    return next((w for w, names in SHEETS.items() if key in names), None)


# --- cell words (compared after :func:`~.sheet.norm_word`) --------------------------------

KIND_WORDS: dict[str, str] = {
    **{k: k for k in KINDS},
    "andel": "share",
    "belopp": "amount",
    "mått": "amount",
    "andel_av_ett_kön": "share_of_one_sex",
    "andel_ett_kön": "share_of_one_sex",
    "könsandel": "share_of_one_sex",
    "skillnad": "gap_value",
}
DIRECTION_WORDS: dict[str, str] = {
    **{d: d for d in DIRECTIONS},
    "högre_är_bättre": "higher_is_better",
    "lägre_är_bättre": "lower_is_better",
    "behov": "need",
    "jämn_fördelning": "parity_target",
    "paritet": "parity_target",
}
GENDER_WORDS: dict[str, str] = {
    **{g.lower(): g for g in GENDERS},
    **dict.fromkeys(("kvinnor", "kvinna", "flickor", "flicka", "women", "woman"), "K"),
    **dict.fromkeys(("girls", "girl", "female"), "K"),
    **dict.fromkeys(("män", "man", "pojkar", "pojke", "men", "boys", "boy", "male"), "M"),
    **dict.fromkeys(("totalt", "total", "alla", "samtliga", "all"), "T"),
}
BOOL_WORDS: dict[str, bool] = {
    **dict.fromkeys(("ja", "j", "yes", "y", "x", "sant", "true", "1"), True),
    **dict.fromkeys(("nej", "n", "no", "falskt", "false", "0"), False),
}
SHARE_KINDS = ("share", "share_of_one_sex")
"""Kinds whose values are percentages (0–100)."""
T_KINDS = ("share_of_one_sex", "gap_value")
"""Kinds whose value is given with ``Kön = T``."""

__all__ = [
    "BOOL_WORDS",
    "DEF_ALIASES",
    "DEF_REQUIRED",
    "DIRECTION_WORDS",
    "GENDER_WORDS",
    "KIND_WORDS",
    "PARTS",
    "SHARE_KINDS",
    "SHEETS",
    "T_KINDS",
    "VAL_ALIASES",
    "WIDE_COUNT",
    "WIDE_VALUE",
    "Part",
    "part_of",
]
