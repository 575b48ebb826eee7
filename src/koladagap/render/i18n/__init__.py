"""Languages and number formats: every string a person reads is made here.

koladagap speaks Swedish (``"sv"``, the default) and English (``"en"``). This module
holds what every writer shares: the level names, the numbers (``3,5`` and ``1 234`` in
Swedish, ``3.5`` and ``1,234`` in English, a true minus sign), thresholds as a reader
writes them, and the attribution Kolada's terms ask for. The text tables of each writer
live beside it (``render.i18n.<writer>``) and use these formats, so a value is formatted
the same way in a chart, a workbook and a slide.

Examples:
    >>> format_number(-3.84, sign=True)
    '−3,8'
    >>> format_setting(3.5, "sv"), format_setting(3.5, "en"), format_setting((40, 60), "sv")
    ('3,5', '3.5', '40–60')
    >>> level_labels("en")["watch"]
    'Deviation – watch'
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from koladagap.labels import ATTRIBUTION, ATTRIBUTION_PROCESSED, Lang

LANGS: tuple[str, ...] = ("sv", "en")

MINUS = "−"
NBSP = "\u00a0"
DASH = "–"
"""What a missing number is printed as."""


def check_lang(lang: str) -> Lang:
    """``lang`` if it is a language koladagap speaks, else a one-line :class:`ValueError`.

    >>> check_lang("fi")
    Traceback (most recent call last):
    ...
    ValueError: language 'fi' is not supported; use 'sv' (svenska) or 'en' (English)
    """
    if lang not in LANGS:
        raise ValueError(
            f"language {lang!r} is not supported; use 'sv' (svenska) or 'en' (English)"
        )
    return "sv" if lang == "sv" else "en"


# --- levels --------------------------------------------------------------------------

LEVEL_LABELS: dict[str, dict[str, str]] = {
    "sv": {
        "not_computable": "Kan inte beräknas",
        "too_small": "För få för att bedöma",
        "excluded": "Undantagen",
        "none": "Ingen påtaglig skillnad",
        "info": "Könsskillnad (känt mönster)",
        "watch": "Avvikelse – bevaka",
        "act": "Avvikelse – åtgärda (avvikelseanmälan)",
    },
    "en": {
        "not_computable": "Not computable",
        "too_small": "Too few to judge",
        "excluded": "Excluded",
        "none": "No notable difference",
        "info": "Gender gap (known pattern)",
        "watch": "Deviation – watch",
        "act": "Deviation – act (deviation report)",
    },
}
"""The level names for readers: one vocabulary in charts, reports, the CLI and notebooks."""

LEVEL_SHORT: dict[str, dict[str, str]] = {
    "sv": {
        "none": "Ej påtaglig",
        "info": "Känt mönster",
        "watch": "Bevaka",
        "act": "Åtgärda",
        "not_computable": "Kan inte beräknas",
        "too_small": "För få",
        "excluded": "Undantagen",
    },
    "en": {
        "none": "Not notable",
        "info": "Known pattern",
        "watch": "Watch",
        "act": "Act",
        "not_computable": "Not computable",
        "too_small": "Too few",
        "excluded": "Excluded",
    },
}
"""Short level names where space is tight (legends, matrix cells): the same words."""


def level_labels(lang: str = "sv") -> dict[str, str]:
    """The level names for readers: Swedish (``"sv"``, default) or English (``"en"``).

    >>> level_labels()["act"]
    'Avvikelse – åtgärda (avvikelseanmälan)'
    """
    return dict(LEVEL_LABELS[check_lang(lang)])


def level_names(
    levels: pd.Series | Iterable[Any], lang: str = "sv", short: bool = False
) -> pd.Series:
    """The readers' names of a column of level codes (unknown codes stay as they are)."""
    table = (LEVEL_SHORT if short else LEVEL_LABELS)[check_lang(lang)]
    s = levels if isinstance(levels, pd.Series) else pd.Series(list(levels), dtype=object)
    return s.map(lambda v: table.get(str(v), v) if isinstance(v, str) else v)


LEVEL_ORDER: tuple[str, ...] = (
    "act",
    "watch",
    "info",
    "none",
    "not_computable",
    "too_small",
    "excluded",
)
"""The levels in the order a summary counts them: flags first, cannot-assess last."""


def level_counts(levels: pd.Series | Iterable[Any], lang: str = "sv", short: bool = True) -> str:
    """How many rows have each level, in the one vocabulary: ``"Åtgärda: 2; Undantagen: 1"``.

    Every level present is named (:data:`LEVEL_SHORT`, or :data:`LEVEL_LABELS` with
    ``short=False``), so an excluded KPI is "Undantagen" here as in every table.

    >>> level_counts(["act", "none", "act", "excluded"])
    'Åtgärda: 2; Ej påtaglig: 1; Undantagen: 1'
    >>> level_counts(["too_small"], "en", short=False)
    'Too few to judge: 1'
    """
    table = (LEVEL_SHORT if short else LEVEL_LABELS)[check_lang(lang)]
    s = levels if isinstance(levels, pd.Series) else pd.Series(list(levels), dtype=object)
    counts = s.astype("string").value_counts()
    return "; ".join(f"{table[k]}: {int(counts[k])}" for k in LEVEL_ORDER if k in counts)


# --- numbers ---------------------------------------------------------------------------


def format_number(
    x: float | None, lang: str = "sv", decimals: int | None = None, sign: bool = False
) -> str:
    """A number as a Swedish (``1 234,5``, non-breaking space) or English (``1,234.5``) string.

    ``decimals=None`` gives no decimals from 1000 up, else one. NaN gives ``"–"``.
    Negative numbers take a true minus sign; ``sign=True`` also marks positive ones.

    Examples:
        >>> format_number(383100.0).replace("\\u00a0", " ")
        '383 100'
        >>> format_number(-3.84, sign=True)
        '−3,8'
        >>> format_number(3.84, "en", sign=True)
        '+3.8'
        >>> format_number(float("nan"))
        '–'
    """
    if x is None or not math.isfinite(float(x)):
        return DASH
    x = float(x)
    if decimals is None:
        decimals = 0 if abs(x) >= 1000 else 1
    s = f"{abs(x):,.{decimals}f}"
    if lang != "en":
        s = s.replace(",", NBSP).replace(".", ",")
    if round(abs(x), decimals) == 0:
        return s
    if x < 0:
        return MINUS + s
    return ("+" + s) if sign else s


def format_numbers(
    x: pd.Series | Iterable[Any], lang: str = "sv", decimals: int = 1, sign: bool = False
) -> pd.Series:
    """:func:`format_number` over a column (vectorised rounding; ``"–"`` where missing)."""
    v = pd.to_numeric(pd.Series(x) if not isinstance(x, pd.Series) else x, errors="coerce")
    arr = v.to_numpy(dtype=float)
    out = [format_number(a, lang, decimals, sign) for a in np.round(arr, decimals)]
    return pd.Series(out, index=v.index, dtype=object)


def format_setting(value: Any, lang: str = "sv") -> str:
    """A threshold or expectation as a reader writes it: ``3,5`` in Swedish, ``40–60`` for a band.

    Up to four significant digits, no trailing zeros; booleans as ``ja``/``nej`` (``yes``/``no``).
    """
    if isinstance(value, list | tuple) and len(value) == 2:
        return f"{format_setting(value[0], lang)}–{format_setting(value[1], lang)}"
    if isinstance(value, bool | np.bool_):
        return ("ja" if value else "nej") if lang == "sv" else ("yes" if value else "no")
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if not math.isfinite(float(value)):
            return DASH
        text = f"{float(value):.4g}"
        if "e" in text:
            text = f"{float(value):.0f}"
        if lang == "sv":
            text = text.replace(".", ",")
        return text.replace("-", MINUS)
    return str(value)


__all__ = [
    "ATTRIBUTION",
    "ATTRIBUTION_PROCESSED",
    "DASH",
    "LANGS",
    "LEVEL_LABELS",
    "LEVEL_ORDER",
    "LEVEL_SHORT",
    "Lang",
    "check_lang",
    "format_number",
    "format_numbers",
    "format_setting",
    "level_counts",
    "level_labels",
    "level_names",
]
