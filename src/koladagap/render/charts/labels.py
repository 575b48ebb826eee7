"""What a KPI's Kolada title says about its unit, and values written with that unit.

A Kolada title ends in its unit (``…, andel (%)``, ``…, kr``, ``…, antal``), and a
retired KPI in ``(-2021)``. The unit gives a chart its axis label, the unit of the gap
women − men (percentage points for a share) and the suffix of a value; the rest of the
title is the short title shown where space is tight. Control characters in a title
are dropped (:func:`koladagap._cells.clean_title`).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from koladagap._cells import clean_title
from koladagap.render.i18n import DASH, NBSP, format_number
from koladagap.render.i18n.charts import text


class KpiUnits(NamedTuple):
    """Units read from a KPI title."""

    value_label: str  # y-axis label for values ("Andel (%)", "kr", …)
    gap_unit: str  # unit of women − men ("procentenheter", "kr", …)
    suffix: str  # appended to a formatted value ("%", "kr", "dagar", "")
    is_share: bool
    is_count: bool = False  # a plain count ("antal"): depends on the population's size


_RETIRED = re.compile(r"\s*\(-\d{4}\)\s*$")
_UNIT_SEGMENT = re.compile(r"(%|\bkr\b|\bdagar\b|^antal\b|^index\b|\bpoäng\b)", re.IGNORECASE)


def _split_unit(title: str) -> tuple[str, str]:
    t = _RETIRED.sub("", clean_title(title)).strip()
    head, sep, last = t.rpartition(",")
    if sep and _UNIT_SEGMENT.search(last.strip()):
        return head.strip(), _RETIRED.sub("", last).strip()
    return t, ""


def kpi_units(title: str, lang: str = "sv") -> KpiUnits:
    """The value and gap units of a KPI from its Kolada title.

    Examples:
        >>> kpi_units("Gymnasieelever med examen inom 4 år, hemkommun, andel (%)").gap_unit
        'procentenheter'
        >>> kpi_units("Sammanräknad förvärvsinkomst i åldern 20-64 år (median), kr").suffix
        'kr'
        >>> kpi_units("Invånare totalt, antal").is_count
        True
    """
    _, unit = _split_unit(title)
    u = unit.lower()
    if "%" in u:
        return KpiUnits(text(lang, "share"), text(lang, "pp"), "%", True)
    if u.startswith("kr"):
        return KpiUnits(unit, unit, "kr", False)
    if u.startswith("dagar"):
        days = text(lang, "days")
        return KpiUnits(unit if lang == "sv" else days.capitalize(), days, days, False)
    if u.startswith("antal"):
        number = text(lang, "number")
        return KpiUnits(number.capitalize(), number, "", False, is_count=u == "antal")
    if unit:
        return KpiUnits(unit, unit, "", False)
    return KpiUnits(text(lang, "value"), "", "", False)


def short_title(title: str, max_len: int | None = None) -> str:
    """A KPI title without its unit segment and ``(-2021)`` marker, optionally shortened.

    Shortening cuts at a word boundary and ends with " …".

    Examples:
        >>> short_title("Arbetslöshet 16-24 år, årsmedelvärde, andel (%) av bef. (-2024)")
        'Arbetslöshet 16-24 år, årsmedelvärde'
        >>> short_title("Invånare totalt, antal", max_len=12)
        'Invånare …'
    """
    head, _ = _split_unit(title)
    if max_len is not None and len(head) > max_len:
        cut = head[: max_len - 2]
        if " " in cut[-12:]:
            cut = cut.rsplit(" ", 1)[0]
        head = cut.rstrip(" ,") + " …"
    return head


def format_value(x: float | None, units: KpiUnits, lang: str = "sv", sign: bool = False) -> str:
    """A value with its unit suffix: ``"74,3 %"``, ``"383 100 kr"``.

    Examples:
        >>> format_value(74.3, kpi_units("Examen, andel (%)"))  # a non-breaking space
        '74,3\\xa0%'
    """
    s = format_number(x, lang, sign=sign)
    return f"{s}{NBSP}{units.suffix}" if units.suffix and s != DASH else s


def format_gap(x: float | None, units: KpiUnits, lang: str = "sv") -> str:
    """A signed gap with its unit: ``"+3,8 p.e."``, ``"−46 800 kr"``.

    Examples:
        >>> format_gap(3.84, kpi_units("Examen, andel (%)"), "en")
        '+3.8\\xa0pp'
    """
    s = format_number(x, lang, sign=True)
    if s == DASH:
        return s
    unit = text(lang, "pp_short") if units.is_share else units.gap_unit
    return f"{s}{NBSP}{unit}" if unit else s


__all__ = ["KpiUnits", "format_gap", "format_value", "kpi_units", "short_title"]
