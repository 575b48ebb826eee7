"""Matplotlib charts of gender gaps, sized and worded for a slide at Benchmarking 1.

Every function takes data and ``ax=None``, draws on the given Axes (or on a
new 16:9 figure), and returns the Axes. Nothing here shows a figure or picks a
backend. Text is Swedish by default (``lang="en"`` for English); the attribution
"Källa: Kolada; egen bearbetning" is always written at the foot of the figure.

Women and men are told apart by colour (Okabe–Ito vermilion and blue), marker
(circle, square) and line style (solid, dashed), so a chart survives a
grey-scale printer and colour-blind readers. Key artists carry a ``gid``
(``"women"``, ``"men"``, ``"riket_women"``, ``"peers_men"``, ``"gap"``,
``"gap_mean3"``, ``"baseline"``, ``"organisation"``, ``"peers"``, ``"riket"``…)
so tests and callers can find them.

Examples:
    >>> import koladagap.kolada.sample as s
    >>> from koladagap.kolada.frames import to_wide
    >>> from koladagap.render.charts import plot_kpi_trend
    >>> v = s.sample_values()
    >>> wide = to_wide(v[v["kpi"].eq("N15428") & v["municipality_id"].isin(["0180", "0000"])])
    >>> ax = plot_kpi_trend(wide, "N15428", "0180", municipality_name="Stockholm",
    ...                     kpi_title="Elever i åk 9 som är behöriga till yrkesprogram, "
    ...                     "hemkommun, andel (%)", baseline_year=2018)
    >>> [t.get_text().strip() for t in ax.get_legend().get_texts()]
    ['Stockholm', 'flickor', 'pojkar', 'Riket', 'flickor', 'pojkar']
    >>> [line.get_gid() for line in ax.get_lines()]
    ['women', 'men', 'riket_women', 'riket_men', 'baseline']
"""

from __future__ import annotations

import logging
import math
import re
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from matplotlib import transforms
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from koladagap.engine.levels import LEVEL_LABELS_EN as _ENGINE_LABELS_EN
from koladagap.engine.levels import LEVEL_LABELS_SV as _ENGINE_LABELS_SV
from koladagap.errors import InputError
from koladagap.kolada.frames import sex_labels
from koladagap.kolada.metadata import municipality_kind

log = logging.getLogger("koladagap")

SLIDE_SIZE = (10.0, 5.625)  # inches, 16:9; fonts below are legible when shown full screen
ATTRIBUTION = "Källa: Kolada; egen bearbetning"
RIKET_ID = "0000"

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

# women: vermilion, circle, solid; men: blue, square, dashed
SEX_STYLE: dict[str, dict[str, Any]] = {
    "women": {"color": OKABE_ITO["vermilion"], "marker": "o", "linestyle": "-"},
    "men": {"color": OKABE_ITO["blue"], "marker": "s", "linestyle": (0, (5, 2))},
}

LEVELS = ("none", "info", "watch", "act", "not_computable", "too_small", "excluded")

# Light to dark as the level rises, so the order also survives grey print.
LEVEL_COLOURS = {
    "none": "#CCCCCC",
    "info": OKABE_ITO["sky"],
    "watch": OKABE_ITO["orange"],
    "act": OKABE_ITO["vermilion"],
    "not_computable": "#E4E4E4",
    "too_small": "#E4E4E4",
    "excluded": "#E4E4E4",
}
NO_LEVEL_COLOUR = "#9A9A9A"

LEVEL_LABELS: dict[str, dict[str, str]] = {
    "sv": dict(_ENGINE_LABELS_SV),
    "en": dict(_ENGINE_LABELS_EN),
}
"""The level names, the engine's own (one vocabulary in charts, decks and reports)."""

LEVEL_SHORT: dict[str, dict[str, str]] = {
    "sv": {
        "none": "Ej påtaglig",
        "info": "Känt mönster",
        "watch": "Bevaka",
        "act": "Åtgärda",
        "not_computable": "Kan ej bedömas",
        "too_small": "För få",
        "excluded": "Undantagen",
    },
    "en": {
        "none": "Not marked",
        "info": "Known pattern",
        "watch": "Monitor",
        "act": "Act",
        "not_computable": "Not assessable",
        "too_small": "Too few",
        "excluded": "Excluded",
    },
}

CHART_TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "attribution_extra": "",
        "year": "År",
        "value": "Värde",
        "riket": "Riket",
        "peers_median": "Liknande kommuner (median)",
        "peers": "Liknande kommuner ({n})",
        "all_kommuner": "Övriga {those}",
        "baseline": "Utgångsläge",
        "trend_sub": "{name}: {women} och {men} över tid",
        "share_sub": "{name} över tid",
        "gap_sub": "{name}: skillnad {women} − {men} över tid",
        "rank_sub": "Skillnad {women} − {men} i alla {those} {year}",
        "gap_axis": "Skillnad {women} − {men} ({unit})",
        "gap_year": "Skillnad per år",
        "gap_mean3": "Glidande 3-årsmedelvärde",
        "not_computable": "kan ej beräknas",
        "higher_women": "▲ {women} högre",
        "higher_men": "▼ {men} högre",
        "note_riket": "Riket = Koladas värde för hela landet.",
        "note_peers": "Liknande kommuner: median av {n} kommuner{title}, minst {k} med värde.",
        "note_missing_years": "Tomrum i linjen = år då skillnaden inte kan beräknas "
        "(uppgift för {women} eller {men} saknas).",
        "note_counts": "Antal beror på kommunens storlek; därför visas inte Riket och "
        "liknande kommuner.",
        "note_rank_missing": "{n} {those} saknar uppgift för {women} eller {men} och visas inte.",
        "rank_x": "{Those} sorterade efter skillnad (n = {n})",
        "rank_note_org": "{name}: {gap}\nplats {rank} av {n}",
        "org_missing": "{name}: skillnaden kan ej beräknas {year}",
        "parity_line": "Lika fördelning (50\u00a0%)",
        "parity_band": "Jämn könsfördelning (40–60\u00a0%)",
        "dumbbell_title": "{name} {year}: kvinnor och män (flickor och pojkar) per nyckeltal",
        "dumbbell_axis": "Värde i förhållande till medelvärdet av kvinnor och män (= 100)",
        "dumbbell_values": "Kvinnor / män",
        "dumbbell_level": "Bedömning",
        "dumbbell_bar": "Skillnad (färg = bedömning)",
        "dumbbell_note": "Kvinnors (flickors) och mäns (pojkars) värden visas i förhållande "
        "till medelvärdet av de två (= 100), så att nyckeltal med olika enheter kan "
        "jämföras. De faktiska värdena står till höger.",
        "women_any": "Kvinnor / flickor",
        "men_any": "Män / pojkar",
        "share": "Andel (%)",
        "pp": "procentenheter",
        "pp_short": "p.e.",
        "days": "dagar",
        "number": "antal",
        "gap_word": "Skillnad",
        "pack_title": "Utgångsläge inför Benchmarking 1",
        "pack_baseline": "Basår (utgångsläge): {year}",
        "pack_peers": "Jämförelsegrupp: {title}",
        "pack_date": "Framtagen {date} med koladagap",
        "pack_index": "Innehåll",
        "pack_kpi": "Nyckeltal",
        "pack_pages": "Sidnummer för varje diagram",
        "pack_overview": "Översikt: kvinnor och män per nyckeltal",
        "pack_trend": "över tid",
        "pack_gap": "skillnad",
        "pack_rank": "bland {those}",
        "pack_level": "Bedömning",
        "pack_no_level": "Bedömning: …",
        "pack_edit": "Kommentar: …",
        "pack_no_data": "Uppgift saknas {year}",
        "pack_share_of": "Värde {year}",
        "pack_levels_head": "Bedömningar {year}",
        "pack_n_kpis": "{n} nyckeltal",
    },
    "en": {
        "attribution_extra": "Source: Kolada; own processing",
        "year": "Year",
        "value": "Value",
        "riket": "Sweden (Riket)",
        "peers_median": "Similar municipalities (median)",
        "peers": "Similar municipalities ({n})",
        "all_kommuner": "Other {those}",
        "baseline": "Baseline",
        "trend_sub": "{name}: {women} and {men} over time",
        "share_sub": "{name} over time",
        "gap_sub": "{name}: difference {women} − {men} over time",
        "rank_sub": "Difference {women} − {men} in all {those}, {year}",
        "gap_axis": "Difference {women} − {men} ({unit})",
        "gap_year": "Difference per year",
        "gap_mean3": "3-year moving average",
        "not_computable": "not computable",
        "higher_women": "▲ {women} higher",
        "higher_men": "▼ {men} higher",
        "note_riket": "Sweden = Kolada's figure for the whole country.",
        "note_peers": "Similar municipalities: median of {n}{title}, when at least {k} have "
        "a value.",
        "note_missing_years": "Breaks in the line = years when the difference cannot be "
        "computed (value for {women} or {men} missing).",
        "note_counts": "Counts depend on the municipality's size, so Sweden and similar "
        "municipalities are not shown.",
        "note_rank_missing": "{n} {those} lack a value for {women} or {men} and are not shown.",
        "rank_x": "{Those} sorted by difference (n = {n})",
        "rank_note_org": "{name}: {gap}\nrank {rank} of {n}",
        "org_missing": "{name}: difference not computable in {year}",
        "parity_line": "Equal split (50\u00a0%)",
        "parity_band": "Gender-balanced (40–60\u00a0%)",
        "dumbbell_title": "{name} {year}: women and men (girls and boys) per key figure",
        "dumbbell_axis": "Value relative to the mean of women and men (= 100)",
        "dumbbell_values": "Women / men",
        "dumbbell_level": "Assessment",
        "dumbbell_bar": "Difference (colour = assessment)",
        "dumbbell_note": "Values for women (girls) and men (boys) are shown relative to the "
        "mean of the two (= 100), so key figures with different units can be compared. "
        "The actual values are on the right.",
        "women_any": "Women / girls",
        "men_any": "Men / boys",
        "share": "Share (%)",
        "pp": "percentage points",
        "pp_short": "pp",
        "days": "days",
        "number": "number",
        "gap_word": "Difference",
        "pack_title": "Baseline for Benchmarking 1",
        "pack_baseline": "Baseline year: {year}",
        "pack_peers": "Peer group: {title}",
        "pack_date": "Produced {date} with koladagap",
        "pack_index": "Contents",
        "pack_kpi": "Key figure",
        "pack_pages": "Page number of each chart",
        "pack_overview": "Overview: women and men per key figure",
        "pack_trend": "over time",
        "pack_gap": "difference",
        "pack_rank": "among {those}",
        "pack_level": "Assessment",
        "pack_no_level": "Assessment: …",
        "pack_edit": "Comment: …",
        "pack_no_data": "No data for {year}",
        "pack_share_of": "Value {year}",
        "pack_levels_head": "Assessments {year}",
        "pack_n_kpis": "{n} key figures",
    },
}

# what the ranking chart ranks: kommuner for a kommun, regioner for a region
RANK_NOUN: dict[str, dict[str, str]] = {
    "sv": {"kommun": "kommuner", "region": "regioner"},
    "en": {"kommun": "municipalities", "region": "regions"},
}

FONT = {"title": 14.0, "label": 12.0, "tick": 11.0, "legend": 11.0, "note": 10.5}
PEER_MIN = 4  # the peer median is shown when at least this many peers have a value


# --- text helpers --------------------------------------------------------------------


def check_lang(lang: str) -> str:
    """``lang`` if it is ``"sv"`` or ``"en"``; otherwise an :class:`InputError`."""
    if lang not in CHART_TEXT:
        raise InputError(f"invalid lang {lang!r}: expected 'sv' or 'en'")
    return lang


def text(lang: str, key: str, **kwargs: Any) -> str:
    """One chart string from :data:`CHART_TEXT`, formatted.

    Examples:
        >>> text("en", "gap_axis", women="girls", men="boys", unit="pp")
        'Difference girls − boys (pp)'
    """
    return CHART_TEXT[check_lang(lang)][key].format(**kwargs)


def format_number(
    x: float | None, lang: str = "sv", decimals: int | None = None, sign: bool = False
) -> str:
    """A number as a Swedish (``1 234,5``, non-breaking space) or English (``1,234.5``) string.

    ``decimals=None`` gives no decimals from 1000 up, else one. NaN gives ``"–"``.
    Negative numbers take a true minus sign.

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
        return "–"
    x = float(x)
    if decimals is None:
        decimals = 0 if abs(x) >= 1000 else 1
    s = f"{abs(x):,.{decimals}f}"
    if lang != "en":
        s = s.replace(",", "\u00a0").replace(".", ",")
    if round(abs(x), decimals) == 0:
        return s
    if x < 0:
        return "−" + s
    return ("+" + s) if sign else s


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
    t = _RETIRED.sub("", title or "").strip()
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
    return f"{s}\u00a0{units.suffix}" if units.suffix and s != "–" else s


def format_gap(x: float | None, units: KpiUnits, lang: str = "sv") -> str:
    """A signed gap with its unit: ``"+3,8 p.e."``, ``"−46 800 kr"``.

    Examples:
        >>> format_gap(3.84, kpi_units("Examen, andel (%)"), "en")
        '+3.8\\xa0pp'
    """
    s = format_number(x, lang, sign=True)
    if s == "–":
        return s
    unit = text(lang, "pp_short") if units.is_share else units.gap_unit
    return f"{s}\u00a0{unit}" if unit else s


def _wrap(s: str, width: int) -> str:
    return "\n".join(textwrap.wrap(s, width=width, break_on_hyphens=False)) if s else s


def _number_formatter(lang: str) -> FuncFormatter:
    def fmt(x: float, _pos: int | None) -> str:
        if abs(x) >= 1000 or float(x).is_integer():
            return format_number(x, lang, decimals=0)
        decimals = 1 if abs(x * 10 - round(x * 10)) < 1e-9 else 2
        return format_number(x, lang, decimals=decimals)

    return FuncFormatter(fmt)


# --- levels ----------------------------------------------------------------------------


def level_map(
    levels: Mapping[str, str] | pd.DataFrame | None,
    *,
    municipality_id: str | None = None,
    year: int | None = None,
) -> dict[str, str]:
    """KPI id → level from a mapping or a frame with ``kpi`` and ``level`` columns.

    A frame may hold more than one organisation or year (the deviation
    engine's output): it is narrowed to ``municipality_id`` when it has a
    ``municipality_id`` column and to the latest ``period`` up to ``year``
    when it has a ``period`` column. Levels are matched case-insensitively
    against :data:`LEVELS`; anything else is an :class:`InputError`.

    Examples:
        >>> level_map({"N15428": "Watch"})
        {'N15428': 'watch'}
        >>> df = pd.DataFrame({"kpi": ["A", "A", "A"], "municipality_id": ["0180", "0180", "1280"],
        ...                    "period": [2017, 2018, 2018], "level": ["info", "act", "none"]})
        >>> level_map(df, municipality_id="0180", year=2018)
        {'A': 'act'}
    """
    if levels is None:
        return {}
    if isinstance(levels, pd.DataFrame):
        if not {"kpi", "level"} <= set(levels.columns):
            raise InputError("the levels frame needs the columns 'kpi' and 'level'")
        df = levels.dropna(subset=["kpi", "level"])
        if municipality_id is not None and "municipality_id" in df:
            df = df.loc[(df["municipality_id"].astype(str) == municipality_id).to_numpy()]
        if "period" in df:
            if year is not None:
                df = df.loc[(df["period"] <= year).to_numpy()]
            df = df.sort_values("period", kind="stable").drop_duplicates("kpi", keep="last")
        if df["kpi"].duplicated().any():
            dup = sorted(df.loc[df["kpi"].duplicated(), "kpi"].astype(str).unique())
            raise InputError(
                f"the levels frame has more than one level for KPI(s) {', '.join(dup)}: "
                "give one row per KPI or the columns municipality_id and period"
            )
        pairs = zip(df["kpi"].astype(str), df["level"].astype(str), strict=True)
    else:
        pairs = zip(map(str, levels.keys()), map(str, levels.values()), strict=True)
    out = {k: v.strip().lower() for k, v in pairs}
    bad = sorted(set(out.values()) - set(LEVELS))
    if bad:
        raise InputError(f"unknown level(s) {bad}: expected one of {', '.join(LEVELS)}")
    return out


# --- figure plumbing ---------------------------------------------------------------


def _get_ax(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(figsize=SLIDE_SIZE)
    return new_ax  # type: ignore[no-any-return]


def _figure(ax: Axes) -> Figure:
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    return fig


NOTE_LINE_IN = 0.18  # height of one note line, inches
FOOTER_IN = 0.07  # the attribution's distance from the bottom edge, inches
TITLE_LINE_IN = 0.245  # height of one title line, inches


def _fig_text(ax: Axes, gid: str, s: str, y_in: float) -> None:
    """A figure-level text ``y_in`` inches above the bottom edge, replaced if present."""
    fig = _figure(ax)
    for t in fig.texts:
        if t.get_gid() == gid:
            t.set_text(s)
            return
    trans = transforms.blended_transform_factory(fig.transFigure, fig.dpi_scale_trans)
    fig.text(
        0.01,
        y_in,
        s,
        fontsize=FONT["note"],
        color="#333333",
        ha="left",
        va="bottom",
        gid=gid,
        transform=trans,
    )


def _finish(
    ax: Axes,
    lang: str,
    notes: Sequence[str] = (),
    margins: Mapping[str, float] | None = None,
) -> Axes:
    """Footer attribution, notes above it and (on a one-Axes figure) the slide layout.

    ``margins`` holds ``left`` and ``right`` as figure fractions, ``below``:
    the inches the chart needs under its Axes (tick labels, axis label, a
    legend), and optionally ``top`` (a figure fraction; else room is left
    for the left-aligned title's lines). Notes and the footer come on top.
    """
    extra = text(lang, "attribution_extra")
    _fig_text(ax, "attribution", ATTRIBUTION + (f" · {extra}" if extra else ""), FOOTER_IN)
    note = "\n".join(_wrap(n, 124) for n in dict.fromkeys(notes) if n)
    n_lines = note.count("\n") + 1 if note else 0
    if note:
        _fig_text(ax, "note", note, FOOTER_IN + NOTE_LINE_IN + 0.08)
    fig = _figure(ax)
    if margins is not None and len(fig.axes) == 1:
        m = dict(margins)
        height = fig.get_figheight()
        below_in = m.pop("below", 0.55)
        foot_in = FOOTER_IN + NOTE_LINE_IN * (1 + n_lines) + 0.12
        m["bottom"] = (foot_in + below_in) / height
        if "top" not in m:
            title_lines = ax.get_title(loc="left").count("\n") + 1
            m["top"] = 1 - (0.12 + TITLE_LINE_IN * title_lines + 0.36) / height
        fig.subplots_adjust(**m)
    return ax


def _title(ax: Axes, headline: str, sub: str) -> None:
    ax.set_title(
        _wrap(headline, 76) + ("\n" + sub if sub else ""),
        loc="left",
        fontsize=FONT["title"],
        fontweight="bold",
        pad=24,
        y=1.0,  # a fixed position: skips matplotlib's costly automatic title placement
    )


def _mark_baseline(ax: Axes, baseline_year: int | None, lang: str) -> None:
    if baseline_year is None:
        return
    ax.axvline(
        baseline_year, color="#444444", linewidth=1.3, linestyle="-", zorder=1, gid="baseline"
    )
    lo, hi = ax.get_xlim()
    where = (baseline_year - lo) / (hi - lo) if hi > lo else 0.5
    ha = "right" if where > 0.8 else ("left" if where < 0.2 else "center")
    ax.annotate(
        f"{text(lang, 'baseline')} {baseline_year}",
        xy=(baseline_year, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(0, 4),
        textcoords="offset points",
        ha=ha,
        va="bottom",
        fontsize=FONT["note"],
        fontweight="bold",
        color="#222222",
        gid="baseline_label",
        annotation_clip=False,
    )


def _year_axis(ax: Axes, lang: str, first: int, last: int, baseline_year: int | None) -> None:
    lo = min(first, baseline_year) if baseline_year is not None else first
    hi = max(last, baseline_year) if baseline_year is not None else last
    ax.set_xlim(lo - 0.5, hi + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=12))
    ax.set_xlabel(text(lang, "year"), fontsize=FONT["label"])
    ax.yaxis.set_major_formatter(_number_formatter(lang))
    ax.grid(axis="y", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=FONT["tick"])
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _series(frame: pd.DataFrame, kpi: str, mid: str, years: np.ndarray, col: str) -> np.ndarray:
    rows = frame.loc[(frame["kpi"] == kpi) & (frame["municipality_id"] == mid)]
    s = rows.groupby("period")[col].mean()
    return s.reindex(years).to_numpy(dtype="float64")


def _peer_median(
    frame: pd.DataFrame, kpi: str, peers: Sequence[str], years: np.ndarray, col: str
) -> np.ndarray:
    rows = frame.loc[(frame["kpi"] == kpi) & frame["municipality_id"].isin(list(peers))]
    g = rows.groupby("period")[col]
    med = g.median().where(g.count() >= min(PEER_MIN, len(peers)))
    return med.reindex(years).to_numpy(dtype="float64")


def _legend(
    ax: Axes, handles: Sequence[Any] | None = None, labels: Sequence[str] | None = None
) -> Any:
    """The legend right of the Axes, long labels wrapped."""
    if handles is None or labels is None:
        handles, labels = ax.get_legend_handles_labels()
    wrapped = [lab if lab.startswith("  ") or "\n" in lab else _wrap(lab, 20) for lab in labels]
    return ax.legend(
        list(handles),
        wrapped,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize=FONT["legend"],
        handlelength=3.2,
    )


def _peer_note(lang: str, peers: Sequence[str], title: str) -> str:
    return text(
        lang,
        "note_peers",
        n=len(peers),
        title=f" ({title})" if title else "",
        k=min(PEER_MIN, len(peers)),
    )


def _header_handle(label: str) -> tuple[Line2D, str]:
    return Line2D([], [], linestyle="none", marker="none"), label


def _bold_headers(leg: Any, headers: set[str]) -> None:
    for t in leg.get_texts():
        if t.get_text() in headers:
            t.set_fontweight("bold")


def _has_riket(frame: pd.DataFrame, kpi: str) -> bool:
    return bool(((frame["municipality_id"] == RIKET_ID) & (frame["kpi"] == kpi)).any())


# --- 1. KPI trend ------------------------------------------------------------------


def plot_kpi_trend(
    wide: pd.DataFrame,
    kpi: str,
    municipality_id: str,
    *,
    riket: bool = True,
    peers: Sequence[str] = (),
    kpi_title: str | None = None,
    unit: str | None = None,
    municipality_name: str | None = None,
    baseline_year: int | None = None,
    peer_group_title: str = "",
    parity_target: float | None = None,
    first_year: int | None = None,
    lang: str = "sv",
    ax: Axes | None = None,
) -> Axes:
    """Women and men over time for one organisation, with Riket and the peer median.

    ``wide`` is :func:`koladagap.to_wide` output (or the gap table) holding
    the organisation, and Riket (``0000``) and the peers when asked for. The
    organisation is drawn thick (women solid circles, men dashed squares),
    Riket thin dash-dot, the peers' median dotted; years without a value are
    breaks in the line. ``parity_target`` (e.g. 50) switches to a KPI whose
    value is itself one sex's share (N00945): the total is drawn against a
    parity line and the 40–60 band. ``first_year`` trims the start. For a
    count ("…, antal") Riket and peers are left out: counts follow size.

    Examples:
        >>> import koladagap.kolada.sample as s
        >>> from koladagap.kolada.frames import to_wide
        >>> v = s.sample_values()
        >>> w = to_wide(v[v["kpi"].eq("N00906") & v["municipality_id"].eq("0180")])
        >>> ax = plot_kpi_trend(w, "N00906", "0180", riket=False, kpi_title="Inkomst, kr")
        >>> [ln.get_gid() for ln in ax.get_lines()]
        ['women', 'men']
    """
    lang = check_lang(lang)
    ax = _get_ax(ax)
    title = kpi_title or kpi
    name = municipality_name or municipality_id
    units = kpi_units(title, lang)
    own = wide.loc[(wide["kpi"] == kpi) & (wide["municipality_id"] == municipality_id)]
    value_cols = ["total"] if parity_target is not None else ["women", "men"]
    present = own.dropna(subset=value_cols, how="all")["period"]
    if first_year is not None:
        present = present[present >= first_year]
    if present.empty:
        raise InputError(f"no values for KPI {kpi} and municipality {municipality_id} to plot")
    years = np.arange(int(present.min()), int(present.max()) + 1)
    notes: list[str] = []
    if units.is_count and (riket or peers):
        riket, peers = False, ()
        notes.append(text(lang, "note_counts"))
    riket = riket and municipality_id != RIKET_ID and _has_riket(wide, kpi)
    if parity_target is not None:
        _draw_share_of_one_sex(
            ax, wide, kpi, municipality_id, years, riket, peers, name, parity_target, lang
        )
        sub = text(lang, "share_sub", name=name)
    else:
        women, men = sex_labels(title, "en" if lang == "en" else "sv")
        _draw_sex_lines(
            ax, wide, kpi, municipality_id, years, riket, peers, name, lang, (women, men)
        )
        sub = text(lang, "trend_sub", name=name, women=women, men=men)
    if riket:
        notes.append(text(lang, "note_riket"))
    if peers:
        notes.append(_peer_note(lang, peers, peer_group_title))
    _title(ax, title, sub)
    ax.set_ylabel(_wrap(unit or units.value_label, 36), fontsize=FONT["label"])
    _year_axis(ax, lang, int(years[0]), int(years[-1]), baseline_year)
    _mark_baseline(ax, baseline_year, lang)
    return _finish(ax, lang, notes, {"left": 0.1, "right": 0.74, "below": 0.55})


def _draw_sex_lines(
    ax: Axes,
    wide: pd.DataFrame,
    kpi: str,
    mid: str,
    years: np.ndarray,
    riket: bool,
    peers: Sequence[str],
    name: str,
    lang: str,
    labels: tuple[str, str],
) -> None:
    handles: list[Any] = []
    names: list[str] = []
    headers: set[str] = set()

    def block(
        header: str, prefix: str, values: Mapping[str, np.ndarray], kw: dict[str, Any]
    ) -> None:
        h, lab = _header_handle(header)
        handles.append(h)
        names.append(lab)
        headers.add(header)
        for sex, label in zip(("women", "men"), labels, strict=True):
            st = SEX_STYLE[sex]
            style = dict(kw)
            style.setdefault("linestyle", st["linestyle"])
            (line,) = ax.plot(
                years,
                values[sex],
                color=st["color"],
                marker=st["marker"],
                label=f"  {label}",
                gid=f"{prefix}{sex}",
                **style,
            )
            handles.append(line)
            names.append(f"  {label}")

    own = {s: _series(wide, kpi, mid, years, s) for s in ("women", "men")}
    block(name, "", own, {"linewidth": 2.8, "markersize": 7, "zorder": 4})
    thin = {"markersize": 4.5, "markerfacecolor": "white", "zorder": 3}
    if riket:
        ref = {s: _series(wide, kpi, RIKET_ID, years, s) for s in ("women", "men")}
        block(
            text(lang, "riket"),
            "riket_",
            ref,
            {"linewidth": 1.3, "linestyle": (0, (6, 2, 1, 2)), **thin},
        )
    if peers:
        med = {s: _peer_median(wide, kpi, peers, years, s) for s in ("women", "men")}
        block(
            _wrap(text(lang, "peers_median"), 20),
            "peers_",
            med,
            {"linewidth": 1.6, "linestyle": (0, (1, 1.5)), **thin},
        )
    leg = _legend(ax, handles, names)
    _bold_headers(leg, headers)


def _draw_share_of_one_sex(
    ax: Axes,
    wide: pd.DataFrame,
    kpi: str,
    mid: str,
    years: np.ndarray,
    riket: bool,
    peers: Sequence[str],
    name: str,
    target: float,
    lang: str,
) -> None:
    ax.axhspan(
        target - 10,
        target + 10,
        color=OKABE_ITO["green"],
        alpha=0.12,
        label=text(lang, "parity_band"),
        gid="parity_band",
        zorder=0,
    )
    ax.axhline(
        target,
        color=OKABE_ITO["green"],
        linewidth=1.5,
        label=text(lang, "parity_line"),
        gid="parity_line",
        zorder=1,
    )
    ax.plot(
        years,
        _series(wide, kpi, mid, years, "total"),
        color=OKABE_ITO["black"],
        marker="o",
        markersize=7,
        linewidth=2.8,
        label=name,
        gid="total",
        zorder=4,
    )
    thin: dict[str, Any] = {"markersize": 4.5, "markerfacecolor": "white", "zorder": 3}
    if riket:
        ax.plot(
            years,
            _series(wide, kpi, RIKET_ID, years, "total"),
            color="#555555",
            linestyle=(0, (6, 2, 1, 2)),
            linewidth=1.3,
            marker="s",
            label=text(lang, "riket"),
            gid="riket_total",
            **thin,
        )
    if peers:
        ax.plot(
            years,
            _peer_median(wide, kpi, peers, years, "total"),
            color=OKABE_ITO["blue"],
            linestyle=(0, (1, 1.5)),
            linewidth=1.6,
            marker="D",
            label=text(lang, "peers_median"),
            gid="peers_total",
            **thin,
        )
    lo = float(np.nanmin([*ax.get_ylim(), target - 15]))
    hi = float(np.nanmax([*ax.get_ylim(), target + 15]))
    ax.set_ylim(max(0.0, lo), min(100.0, hi))
    _legend(ax)


# --- 2. gap trend ------------------------------------------------------------------


def rolling_mean3(gap: pd.Series) -> pd.Series:
    """Trailing 3-year mean (t−2..t) over a year-indexed gap series; needs all 3 years.

    Missing years must be present as NaN (reindex first); a NaN year gives NaN
    for the three means it belongs to.

    Examples:
        >>> s = pd.Series([1.0, 2.0, 3.0, float("nan"), 5.0], index=[2018, 2019, 2020, 2021, 2022])
        >>> rolling_mean3(s).tolist()[2:]
        [2.0, nan, nan]
    """
    return gap.rolling(3, min_periods=3).mean()


def plot_gap_trend(
    gaps: pd.DataFrame,
    kpi: str,
    municipality_id: str,
    *,
    baseline_year: int | None = None,
    riket: bool = True,
    peers: Sequence[str] = (),
    kpi_title: str | None = None,
    unit: str | None = None,
    municipality_name: str | None = None,
    peer_group_title: str = "",
    first_year: int | None = None,
    lang: str = "sv",
    ax: Axes | None = None,
) -> Axes:
    """The gap women − men over time with its trailing 3-year mean, zero line and baseline.

    ``gaps`` is :func:`koladagap.engine.measures.compute_gaps` output (or the
    gap table). A year whose gap cannot be computed is a break in the line,
    shaded and marked "kan ej beräknas", never drawn as zero. Riket's gap
    (thin dash-dot) and the peers' median gap (dotted) are drawn for context
    when present (not for counts). ``first_year`` trims the start of the
    chart; the 3-year mean of the first years shown still uses the years
    before it.

    Examples:
        >>> import koladagap.kolada.sample as s
        >>> from koladagap.kolada.frames import to_wide
        >>> v = s.sample_values()
        >>> g = to_wide(v[v["kpi"].eq("N15428") & v["municipality_id"].eq("0180")])
        >>> g["gap"] = g["women"] - g["men"]  # as engine.measures.compute_gaps does
        >>> ax = plot_gap_trend(g, "N15428", "0180", baseline_year=2018)
        >>> [ln.get_gid() for ln in ax.get_lines()][:3]
        ['zero', 'gap', 'gap_mean3']
    """
    lang = check_lang(lang)
    ax = _get_ax(ax)
    title = kpi_title or kpi
    name = municipality_name or municipality_id
    units = kpi_units(title, lang)
    women, men = sex_labels(title, "en" if lang == "en" else "sv")
    own = gaps.loc[(gaps["kpi"] == kpi) & (gaps["municipality_id"] == municipality_id)]
    ok = own.loc[own["gap"].notna(), "period"]
    if ok.empty:
        raise InputError(f"no computable gap for KPI {kpi} and municipality {municipality_id}")
    all_years = np.arange(int(ok.min()), int(own["period"].max()) + 1)
    gap_all = pd.Series(_series(gaps, kpi, municipality_id, all_years, "gap"), index=all_years)
    mean3 = rolling_mean3(gap_all)
    start = max(int(ok.min()), first_year) if first_year is not None else int(ok.min())
    years = all_years[all_years >= start]
    if not len(years):
        raise InputError(f"no years from {first_year} for KPI {kpi} and {municipality_id}")
    gap = gap_all.reindex(years).to_numpy(dtype="float64")
    ax.axhline(0, color="#222222", linewidth=1.0, gid="zero", zorder=2)
    ax.plot(
        years,
        gap,
        color="#222222",
        marker="o",
        markersize=6,
        linewidth=1.5,
        label=text(lang, "gap_year"),
        gid="gap",
        zorder=4,
    )
    ax.plot(
        years,
        mean3.reindex(years).to_numpy(dtype="float64"),
        color=OKABE_ITO["green"],
        linewidth=3.4,
        alpha=0.85,
        label=text(lang, "gap_mean3"),
        gid="gap_mean3",
        zorder=3,
    )
    notes: list[str] = []
    if units.is_count and (riket or peers):
        riket, peers = False, ()
        notes.append(text(lang, "note_counts"))
    notes += _gap_references(
        ax, gaps, kpi, municipality_id, years, riket, peers, lang, peer_group_title
    )
    missing = years[np.isnan(gap)]
    _mark_not_computable(ax, missing, lang)
    if len(missing):
        notes.append(text(lang, "note_missing_years", women=women, men=men))
    gap_unit = unit or units.gap_unit
    ax.set_ylabel(
        _wrap(text(lang, "gap_axis", women=women, men=men, unit=gap_unit), 36),
        fontsize=FONT["label"],
    )
    _title(ax, title, text(lang, "gap_sub", name=name, women=women, men=men))
    _year_axis(ax, lang, int(years[0]), int(years[-1]), baseline_year)
    _pad_zero(ax)
    _direction_hints(ax, women, men, lang, top="left", bottom="left")
    _mark_baseline(ax, baseline_year, lang)
    _legend(ax)
    return _finish(ax, lang, notes, {"left": 0.11, "right": 0.74, "below": 0.55})


def _gap_references(
    ax: Axes,
    gaps: pd.DataFrame,
    kpi: str,
    mid: str,
    years: np.ndarray,
    riket: bool,
    peers: Sequence[str],
    lang: str,
    peer_group_title: str,
) -> list[str]:
    notes: list[str] = []
    if riket and mid != RIKET_ID and _has_riket(gaps, kpi):
        ax.plot(
            years,
            _series(gaps, kpi, RIKET_ID, years, "gap"),
            color="#555555",
            linestyle=(0, (6, 2, 1, 2)),
            linewidth=1.3,
            label=text(lang, "riket"),
            gid="riket_gap",
            zorder=3,
        )
        notes.append(text(lang, "note_riket"))
    if peers:
        ax.plot(
            years,
            _peer_median(gaps, kpi, peers, years, "gap"),
            color=OKABE_ITO["blue"],
            linestyle=(0, (1, 1.5)),
            linewidth=1.8,
            label=text(lang, "peers_median"),
            gid="peers_gap",
            zorder=3,
        )
        notes.append(_peer_note(lang, peers, peer_group_title))
    return notes


def _mark_not_computable(ax: Axes, years: np.ndarray, lang: str) -> None:
    trans = transforms.blended_transform_factory(ax.transData, ax.transAxes)
    for y in years:  # a handful of years at most
        ax.axvspan(y - 0.4, y + 0.4, color="#EEEEEE", zorder=0, gid="not_computable")
        ax.text(
            y,
            0.5,
            text(lang, "not_computable"),
            transform=trans,
            rotation=90,
            ha="center",
            va="center",
            fontsize=FONT["note"],
            color="#555555",
            gid="not_computable_label",
        )


def _pad_zero(ax: Axes) -> None:
    """Include zero in the y range and leave room in the corners for the direction hints."""
    lo, hi = ax.get_ylim()
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    pad = (hi - lo) * 0.12 or 1.0
    ax.set_ylim(lo - pad, hi + pad)


def _direction_hints(ax: Axes, women: str, men: str, lang: str, *, top: str, bottom: str) -> None:
    """ "▲ women higher" in a top corner and "▼ men higher" in a bottom corner."""
    kw: dict[str, Any] = {
        "transform": ax.transAxes,
        "fontsize": FONT["note"],
        "color": "#333333",
        "zorder": 6,
        "bbox": {"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.0},
    }
    for corner, y, va, key, gid in (
        (top, 0.98, "top", "higher_women", "hint_women"),
        (bottom, 0.02, "bottom", "higher_men", "hint_men"),
    ):
        x, ha = (0.01, "left") if corner == "left" else (0.99, "right")
        ax.text(x, y, text(lang, key, women=women, men=men), va=va, ha=ha, gid=gid, **kw)


# --- 3. dumbbell --------------------------------------------------------------------


def _titles_map(
    kpi_titles: Mapping[str, str] | pd.DataFrame | None, column: str = "title"
) -> dict[str, str]:
    if kpi_titles is None:
        return {}
    if isinstance(kpi_titles, pd.DataFrame):
        if column not in kpi_titles:
            return {}
        rows = kpi_titles.dropna(subset=[column])
        return dict(zip(rows["id"].astype(str), rows[column].astype(str), strict=True))
    return {str(k): str(v) for k, v in kpi_titles.items()} if column == "title" else {}


def dumbbell_index(latest: pd.DataFrame) -> pd.DataFrame:
    """Women and men as an index of their mean (mean of the two = 100).

    Adds ``women_index`` and ``men_index``. The mean of women and men is used
    rather than Kolada's total because the total is a sum for counts
    (inhabitants) and a weighted mean for shares. A missing value or a mean
    of zero or below gives NaN.

    Examples:
        >>> df = pd.DataFrame({"women": [80.0, 5.0], "men": [120.0, float("nan")]})
        >>> dumbbell_index(df)[["women_index", "men_index"]].values.tolist()[0]
        [80.0, 120.0]
    """
    out = latest.copy()
    k = out["women"].to_numpy(dtype="float64")
    m = out["men"].to_numpy(dtype="float64")
    base = (k + m) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = np.isfinite(base) & (base > 0)
        out["women_index"] = np.where(ok, k / base * 100, np.nan)
        out["men_index"] = np.where(ok, m / base * 100, np.nan)
    return out


DUMBBELL_LABEL_CHARS = 46


def plot_dumbbell(
    gaps_latest: pd.DataFrame,
    *,
    levels: Mapping[str, str] | pd.DataFrame | None = None,
    kpi_titles: Mapping[str, str] | pd.DataFrame | None = None,
    order: Sequence[str] | None = None,
    municipality_name: str | None = None,
    year: int | None = None,
    lang: str = "sv",
    ax: Axes | None = None,
) -> Axes:
    """One row per KPI: women (●) and men (□) joined by a bar coloured by level.

    KPIs have different units, so both values are drawn as an index of their
    mean (mean of women and men = 100): the distance between the dots is the
    gap relative to the mean, comparable across rows. The real values stand in
    a column at the right (``"74,3 / 70,5 %"``), the level beside them when
    ``levels`` is given (a KPI → level mapping or frame, see :func:`level_map`).
    ``gaps_latest`` holds one organisation and one year per KPI (columns
    ``kpi, women, men``); ``kpi_titles`` maps KPI id → Kolada title (or is the
    catalogue frame with ``id, title`` and optionally ``short_title``, used for
    the row labels). Rows run top to bottom in ``order`` (else as given). The
    chart title carries ``gid="title"``.

    Examples:
        >>> df = pd.DataFrame({"kpi": ["A", "B"], "women": [74.3, 2.0], "men": [70.5, 3.0]})
        >>> ax = plot_dumbbell(df, levels={"A": "info", "B": "watch"},
        ...                    kpi_titles={"A": "Examen, andel (%)", "B": "Bistånd, andel (%)"})
        >>> [t.get_text() for t in ax.get_yticklabels()]  # top to bottom
        ['Examen', 'Bistånd']
        >>> [t.get_text() for t in ax.texts if t.get_gid() == "level_text"]
        ['Känt mönster', 'Bevaka']
    """
    lang = check_lang(lang)
    ax = _get_ax(ax)
    lv = level_map(levels)
    titles = _titles_map(kpi_titles)
    df = gaps_latest.drop_duplicates("kpi", keep="last").set_index("kpi", drop=False)
    if order is not None:
        df = df.reindex([k for k in order if k in df.index])
    if df.empty:
        raise InputError("no KPI rows to draw in the dumbbell chart")
    if year is None and "period" in df and df["period"].nunique() == 1:
        year = int(df["period"].iloc[0])
    df = dumbbell_index(df.reset_index(drop=True))
    n = len(df)
    y = np.arange(n)[::-1].astype(float)
    kpis = df["kpi"].astype(str).tolist()
    row_levels = [lv.get(k, "") for k in kpis]
    wi = df["women_index"].to_numpy(dtype="float64")
    mi = df["men_index"].to_numpy(dtype="float64")
    ok = np.isfinite(wi) & np.isfinite(mi)
    missing = NO_LEVEL_COLOUR if not lv else LEVEL_COLOURS["not_computable"]
    colours = np.array([LEVEL_COLOURS.get(level, missing) for level in row_levels])
    size = 1.0 if n <= 12 else 0.8
    ax.hlines(
        y[ok],
        np.fmin(wi, mi)[ok],
        np.fmax(wi, mi)[ok],
        colors=colours[ok],
        linewidth=7 * size,
        zorder=2,
        gid="level_lines",
    )
    ax.scatter(
        wi[ok],
        y[ok],
        marker="o",
        s=80 * size,
        color="#1A1A1A",
        zorder=4,
        gid="women",
        label=text(lang, "women_any"),
    )
    ax.scatter(
        mi[ok],
        y[ok],
        marker="s",
        s=66 * size,
        color="white",
        edgecolor="#1A1A1A",
        linewidth=1.6,
        zorder=5,
        gid="men",
        label=text(lang, "men_any"),
    )
    ax.axvline(100, color="#777777", linewidth=1, linestyle=(0, (4, 3)), zorder=1, gid="index_mean")
    full = [titles.get(k, k) for k in kpis]
    shorts = _titles_map(kpi_titles, "short_title")
    labels = [
        shorts.get(k) or short_title(t, DUMBBELL_LABEL_CHARS) or k
        for t, k in zip(full, kpis, strict=True)
    ]
    tick_size = FONT["tick"] if n <= 12 else 10.0
    ax.set_yticks(y, labels, fontsize=tick_size)
    ax.set_ylim(-0.7, n - 0.3)
    _dumbbell_xlim(ax, wi[ok], mi[ok])
    for yy in y[~ok]:
        ax.text(
            100,
            yy,
            text(lang, "not_computable"),
            ha="center",
            va="center",
            fontsize=tick_size,
            color="#444444",
            style="italic",
            gid="not_computable",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
        )
    show_levels = any(row_levels)
    _dumbbell_columns(ax, df, y, full, row_levels, lang, tick_size)
    _dumbbell_legend(ax, show_levels, lang)
    ax.set_xlabel(text(lang, "dumbbell_axis"), fontsize=FONT["label"])
    ax.xaxis.set_major_formatter(_number_formatter(lang))
    ax.tick_params(axis="y", length=0)
    ax.tick_params(axis="x", labelsize=FONT["tick"])
    ax.grid(axis="x", color="#EEEEEE")
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    headline = text(lang, "dumbbell_title", name=municipality_name or "", year=year or "")
    ax.annotate(
        headline.strip(),
        xy=(0.01, 1.0),
        xycoords=("figure fraction", "axes fraction"),
        xytext=(0, 26),
        textcoords="offset points",
        ha="left",
        va="bottom",
        fontsize=FONT["title"],
        fontweight="bold",
        gid="title",
        annotation_clip=False,
    )
    note = text(lang, "dumbbell_note")
    right = 0.66 if show_levels else 0.76
    return _finish(ax, lang, [note], {"left": 0.39, "right": right, "top": 0.86, "below": 1.05})


def _dumbbell_xlim(ax: Axes, wi: np.ndarray, mi: np.ndarray) -> None:
    vals = np.concatenate([wi, mi, [100.0]])
    lo, hi = float(np.nanmin(vals)), float(np.nanmax(vals))
    pad = max((hi - lo) * 0.08, 2.0)
    ax.set_xlim(lo - pad, hi + pad)


def _dumbbell_columns(
    ax: Axes,
    df: pd.DataFrame,
    y: np.ndarray,
    titles: Sequence[str],
    row_levels: Sequence[str],
    lang: str,
    size: float,
) -> None:
    """Values (women / men, with unit) and the level in two columns right of the Axes."""
    fig = _figure(ax)
    rows = transforms.blended_transform_factory(ax.transAxes, ax.transData)
    head = ax.transAxes
    col1 = transforms.offset_copy(rows, fig=fig, x=14, units="points")
    col2 = transforms.offset_copy(rows, fig=fig, x=150, units="points")
    kw: dict[str, Any] = {"fontsize": size, "va": "center", "ha": "left", "color": "#1A1A1A"}
    hkw: dict[str, Any] = {
        "fontsize": FONT["tick"],
        "va": "bottom",
        "ha": "left",
        "fontweight": "bold",
    }
    ax.text(
        1.0,
        1.0,
        text(lang, "dumbbell_values"),
        transform=transforms.offset_copy(head, fig=fig, x=14, y=4, units="points"),
        **hkw,
    )
    show_levels = any(row_levels)
    if show_levels:
        ax.text(
            1.0,
            1.0,
            text(lang, "dumbbell_level"),
            transform=transforms.offset_copy(head, fig=fig, x=150, y=4, units="points"),
            **hkw,
        )
    women = df["women"].to_numpy(dtype="float64")
    men = df["men"].to_numpy(dtype="float64")
    for i, t in enumerate(titles):  # one label per KPI row (~20), not data processing
        units = kpi_units(t, lang)
        suffix = f"\u00a0{units.suffix}" if units.suffix else ""
        s = f"{format_number(women[i], lang)} / {format_number(men[i], lang)}{suffix}"
        ax.text(1.0, y[i], s, transform=col1, gid="value_text", **kw)
        if show_levels and row_levels[i]:
            ax.text(
                1.0,
                y[i],
                LEVEL_SHORT[lang][row_levels[i]],
                transform=col2,
                gid="level_text",
                **kw,
            )


def _dumbbell_legend(ax: Axes, show_levels: bool, lang: str) -> None:
    handles: list[Any] = [
        Line2D([], [], marker="o", color="#1A1A1A", linestyle="none", markersize=8),
        Line2D(
            [],
            [],
            marker="s",
            markerfacecolor="white",
            markeredgecolor="#1A1A1A",
            markeredgewidth=1.6,
            linestyle="none",
            markersize=7.5,
        ),
    ]
    labels = [text(lang, "women_any"), text(lang, "men_any")]
    if show_levels:  # the level column names each row's colour; the legend keeps it short
        handles.append(Patch(color=NO_LEVEL_COLOUR))
        labels.append(text(lang, "dumbbell_bar"))
    fig = _figure(ax)
    below = transforms.offset_copy(
        transforms.blended_transform_factory(fig.transFigure, ax.transAxes),
        fig=fig,
        y=-46,
        units="points",
    )
    ax.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        bbox_transform=below,
        ncol=len(labels),
        frameon=False,
        fontsize=FONT["legend"],
        handlelength=1.6,
        columnspacing=1.4,
    )


# --- 4. gap among municipalities -------------------------------------------------------


def plot_gap_among_municipalities(
    gaps: pd.DataFrame,
    municipality_id: str,
    *,
    peers: Sequence[str] = (),
    kpi: str | None = None,
    year: int | None = None,
    kpi_title: str | None = None,
    unit: str | None = None,
    municipality_name: str | None = None,
    lang: str = "sv",
    ax: Axes | None = None,
) -> Axes:
    """Every kommun's (or region's) gap in one year, sorted; the organisation and peers marked.

    ``gaps`` is :func:`~koladagap.engine.measures.compute_gaps` output for one
    KPI and year (use ``kpi``/``year`` to pick them from a larger frame). A
    kommun is ranked among kommuner, a region among regions (see
    :func:`rank_kind`); groups are dropped. Riket's gap, when the
    frame holds ``0000``, is a horizontal line. Kommuner without a computable
    gap are left out and counted in a note. The organisation is a large
    orange circle (``gid="organisation"``), its peers blue diamonds
    (``gid="peers"``), the rest small grey dots (``gid="kommuner"``). Not
    meant for counts, whose gaps follow the kommun's size.

    Examples:
        >>> df = pd.DataFrame({"kpi": "X", "municipality_id": ["0180", "0181", "0182", "0000"],
        ...                    "period": 2022, "gap": [3.0, -1.0, 5.0, 2.0]})
        >>> ax = plot_gap_among_municipalities(df, "0180", peers=["0182"])
        >>> org = [c for c in ax.collections if c.get_gid() == "organisation"][0]
        >>> [float(v) for v in org.get_offsets()[0]]  # rank 2 of 3, gap 3
        [2.0, 3.0]
    """
    lang = check_lang(lang)
    ax = _get_ax(ax)
    df = gaps
    if kpi is not None:
        df = df.loc[df["kpi"] == kpi]
    if year is not None:
        df = df.loc[df["period"] == year]
    for col in ("kpi", "period"):
        if col in df and df[col].nunique() > 1:
            raise InputError(f"plot_gap_among_municipalities needs one {col}: pass {col}=")
    if year is None and "period" in df and len(df):
        year = int(df["period"].iloc[0])
    title = kpi_title or (str(df["kpi"].iloc[0]) if "kpi" in df and len(df) else "")
    name = municipality_name or municipality_id
    units = kpi_units(title, lang)
    women, men = sex_labels(title, "en" if lang == "en" else "sv")
    peer_kind = rank_kind(municipality_id)
    those = RANK_NOUN[lang][peer_kind]
    kind = municipality_kind(df["municipality_id"])
    kommuner = df.loc[(kind == peer_kind).to_numpy()]
    ranked = kommuner.dropna(subset=["gap"]).sort_values("gap", kind="stable")
    n = len(ranked)
    if n == 0:
        raise InputError(f"no {peer_kind} with a computable gap to rank")
    x = np.arange(1, n + 1, dtype=float)
    ids = ranked["municipality_id"].astype(str).to_numpy()
    g = ranked["gap"].to_numpy(dtype="float64")
    is_org = ids == municipality_id
    is_peer = np.isin(ids, list(peers)) & ~is_org
    rest = ~(is_org | is_peer)
    ax.axhline(0, color="#222222", linewidth=1.0, gid="zero", zorder=1)
    ax.scatter(
        x[rest],
        g[rest],
        s=14 if n > 100 else 36,
        color="#A0A0A0",
        label=text(lang, "all_kommuner", those=those),
        gid="kommuner",
        zorder=2,
        linewidths=0,
    )
    if is_org.any():
        ax.scatter(
            x[is_org],
            g[is_org],
            s=170,
            color=OKABE_ITO["orange"],
            edgecolor="black",
            linewidth=1.6,
            label=name,
            gid="organisation",
            zorder=5,
        )
    if is_peer.any():
        ax.scatter(
            x[is_peer],
            g[is_peer],
            s=70,
            marker="D",
            color=OKABE_ITO["sky"],
            edgecolor="#1A1A1A",
            linewidth=1.0,
            label=text(lang, "peers", n=len(peers)),
            gid="peers",
            zorder=4,
        )
    notes = _rank_riket(ax, df, lang)
    missing = len(kommuner) - n
    if missing:
        notes.append(text(lang, "note_rank_missing", n=missing, women=women, men=men, those=those))
    ax.set_xlim(0, n + 1)
    ax.set_xticks([])
    ax.set_xlabel(text(lang, "rank_x", n=n, Those=those.capitalize()), fontsize=FONT["label"])
    ax.set_ylabel(
        _wrap(text(lang, "gap_axis", women=women, men=men, unit=unit or units.gap_unit), 36),
        fontsize=FONT["label"],
    )
    ax.yaxis.set_major_formatter(_number_formatter(lang))
    _pad_zero(ax)
    if is_org.any():
        i = int(np.flatnonzero(is_org)[0])
        _label_organisation(ax, x[i], g[i], n, name, format_gap(g[i], units, lang), lang)
    else:
        notes.insert(0, text(lang, "org_missing", name=name, year=year))
    _direction_hints(ax, women, men, lang, top="left", bottom="right")
    ax.grid(axis="y", color="#E5E5E5")
    ax.tick_params(labelsize=FONT["tick"])
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _title(ax, title, text(lang, "rank_sub", women=women, men=men, year=year or "", those=those))
    _legend(ax)
    return _finish(ax, lang, notes, {"left": 0.11, "right": 0.74, "below": 0.45})


def rank_kind(municipality_id: str) -> str:
    """What an organisation is ranked among: ``"region"`` for a region, else ``"kommun"``.

    Examples:
        >>> rank_kind("0180"), rank_kind("0001")
        ('kommun', 'region')
    """
    kind = municipality_kind(pd.Series([municipality_id], dtype="string")).iloc[0]
    return "region" if kind == "region" else "kommun"


def _label_organisation(
    ax: Axes, x: float, y: float, n: int, name: str, gap: str, lang: str
) -> None:
    """The organisation's gap and rank in a box, away from the crowded side of the curve."""
    lo, hi = ax.get_ylim()
    dy = -55 if (y - lo) > 0.6 * (hi - lo) else 45
    dx = -70 if x > n / 2 else 70
    ax.annotate(
        text(lang, "rank_note_org", name=name, gap=gap, rank=int(x), n=n),
        xy=(x, y),
        xytext=(dx, dy),
        textcoords="offset points",
        ha="center",
        va="center",
        fontsize=FONT["legend"],
        fontweight="bold",
        arrowprops={"arrowstyle": "-", "color": "black", "shrinkB": 7},
        bbox={"facecolor": "white", "edgecolor": "#777777", "pad": 3},
        gid="organisation_label",
        zorder=6,
    )


def _rank_riket(ax: Axes, df: pd.DataFrame, lang: str) -> list[str]:
    riket = df.loc[df["municipality_id"] == RIKET_ID, "gap"].dropna()
    if riket.empty:
        return []
    ax.axhline(
        float(riket.iloc[0]),
        color="black",
        linestyle=(0, (6, 2, 1, 2)),
        linewidth=1.4,
        label=text(lang, "riket"),
        gid="riket",
        zorder=3,
    )
    return [text(lang, "note_riket")]


__all__ = [
    "ATTRIBUTION",
    "CHART_TEXT",
    "LEVELS",
    "LEVEL_COLOURS",
    "LEVEL_LABELS",
    "LEVEL_SHORT",
    "OKABE_ITO",
    "SEX_STYLE",
    "SLIDE_SIZE",
    "KpiUnits",
    "check_lang",
    "dumbbell_index",
    "format_gap",
    "format_number",
    "format_value",
    "kpi_units",
    "level_map",
    "plot_dumbbell",
    "plot_gap_among_municipalities",
    "plot_gap_trend",
    "plot_kpi_trend",
    "rank_kind",
    "rolling_mean3",
    "short_title",
    "text",
]
