"""One look for everything koladagap draws or colours: palette, sexes, levels.

Colours are Okabe–Ito (safe for colour-blind readers). Levels go from light to dark
as they rise so the order survives grey print; the text on a level's fill is black
(contrast ≥ 4.5 on every fill) except on the greys of "cannot assess", which use dark grey.
Charts, workbooks, HTML and slides all take their level colours from here.
"""

from __future__ import annotations

from typing import Any

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermilion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
}

SEX_STYLE: dict[str, dict[str, Any]] = {
    "women": {"color": OKABE_ITO["vermilion"], "marker": "o", "linestyle": "-"},
    "men": {"color": OKABE_ITO["blue"], "marker": "s", "linestyle": (0, (5, 2))},
}
"""Women: vermilion, circle, solid line; men: blue, square, dashed line."""

LEVELS = ("none", "info", "watch", "act", "not_computable", "too_small", "excluded")
"""The levels in the order legends show them."""

LEVEL_COLOURS: dict[str, str] = {
    "none": "#CCCCCC",
    "info": OKABE_ITO["sky"],
    "watch": OKABE_ITO["orange"],
    "act": OKABE_ITO["vermilion"],
    "not_computable": "#E4E4E4",
    "too_small": "#E4E4E4",
    "excluded": "#E4E4E4",
}
NO_LEVEL_COLOUR = "#9A9A9A"
"""Where no level applies (a series without evaluation)."""

_GREYS = {"not_computable", "too_small", "excluded"}


CELL_FILLS: dict[str, str] = {
    **LEVEL_COLOURS,
    "none": "#FFFFFF",
    "info": "#D5ECFA",  # the sky of ``info``, lightened: a known pattern is not a flag
}
"""Fills of whole table rows (workbook, HTML): the chart colours for the flags and for
"cannot assess", a tint of the same sky for ``info`` and white for ``none``, so the
rows that ask for action stand out in a long table."""


def level_fill(level: str) -> str:
    """The fill of a table row at ``level`` (white for an unknown code)."""
    return CELL_FILLS.get(level, "#FFFFFF")


def level_font(level: str) -> str:
    """The text colour on a level's fill: black, dark grey on the "cannot assess" greys."""
    return "#555555" if level in _GREYS else "#000000"


__all__ = [
    "CELL_FILLS",
    "LEVELS",
    "LEVEL_COLOURS",
    "NO_LEVEL_COLOUR",
    "OKABE_ITO",
    "SEX_STYLE",
    "level_fill",
    "level_font",
]
