"""The chart of gaps inside the organisation: one bar per unit (:func:`plot_unit_gaps`).

The units' gaps come from :func:`koladagap.benchmarking.units.unit_gaps`; this
module only draws them, in the one palette (:data:`koladagap.render.style.LEVEL_COLOURS`)
and with the one level vocabulary (:mod:`koladagap.render.i18n`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from koladagap.benchmarking.units import OU_TYPES, UnitGaps
from koladagap.render.charts import _finish, _get_ax, short_title
from koladagap.render.i18n import (
    check_lang,
    format_number,
    format_setting,
    level_labels,
    level_names,
)
from koladagap.render.style import LEVEL_COLOURS, OKABE_ITO

if TYPE_CHECKING:
    from matplotlib.axes import Axes

_FLAGGED = ("act", "watch", "info")
"""The levels drawn in colour; every other bar is grey."""

OU_TYPES_EN: dict[str, str] = {
    "V11": "preschool",
    "V15": "compulsory school F-9",
    "V17": "upper secondary school",
    "V21": "home care, older people",
    "V23": "nursing home, older people",
    "V25": "LSS group home",
    "V26": "LSS daily activities",
    "V28": "LSS daily activities",
    "V29": "LSS group home",
    "V30": "LSS service housing",
    "V31": "SoL housing support",
    "V32": "SoL housing",
    "V34": "SoL occupational activities",
    "V36": "personal assistance",
    "V42": "occupational and daily activities",
    "V45": "services for violence in close relationships",
    "V60": "regional properties",
    "V70": "hospitals",
}
"""The English names of :data:`~koladagap.benchmarking.units.OU_TYPES` (same keys)."""


def unit_type_label(kind: str | None, lang: str = "sv") -> str:
    """A unit type as a reader sees it: ``"V15 grundskola F-9"``; unnamed: ``"V35"``.

    Examples:
        >>> unit_type_label("V70"), unit_type_label("V70", "en"), unit_type_label("V35")
        ('V70 sjukhus', 'V70 hospitals', 'V35')
    """
    if not kind:
        return "enheter" if check_lang(lang) == "sv" else "units"
    names = OU_TYPES if check_lang(lang) == "sv" else OU_TYPES_EN
    name = names.get(kind, "")
    return f"{kind} {name}".strip()


def unit_types_table(types: pd.DataFrame, lang: str = "sv") -> pd.DataFrame:
    """:func:`~koladagap.benchmarking.units.unit_types` for a reader: labels in ``lang``.

    Examples:
        >>> t = pd.DataFrame({"type": ["V70"], "label": ["sjukhus"], "n_units": [243],
        ...                   "example": ["Visby lasarett"]})
        >>> unit_types_table(t, "en").columns.tolist()
        ['type', 'label', 'n_units', 'example']
        >>> unit_types_table(t, "en")["label"].tolist()
        ['hospitals']
    """
    out = types.copy()
    if check_lang(lang) == "en":
        out["label"] = out["type"].map(OU_TYPES_EN).astype("string")
    return out


def plot_unit_gaps(
    ug: UnitGaps, kpi: str, *, lang: str = "sv", ax: Axes | None = None, top: int = 25
) -> Axes:
    """Units' gaps (women − men) for one KPI, with the organisation's gap and Riket's.

    Units whose gap cannot be computed are counted in the subtitle, never drawn as 0.
    """
    from matplotlib.patches import Patch

    ax = _get_ax(ax)
    sv = lang == "sv"
    t = ug.table.loc[ug.table["kpi"] == kpi]
    shown = t.loc[pd.to_numeric(t["gap"], errors="coerce").notna()].copy()
    shown["gap"] = shown["gap"].astype(float)
    shown = shown.sort_values("gap").tail(top) if len(shown) > top else shown.sort_values("gap")
    n_missing = int(len(t) - t["gap"].notna().sum())
    y = np.arange(len(shown))
    levels = shown["level"].astype(str)
    colours = [LEVEL_COLOURS[lv] if lv in _FLAGGED else "#BBBBBB" for lv in levels]
    ax.barh(y, shown["gap"].to_numpy(), color=colours, edgecolor="#333333", lw=0.5, gid="units")
    names = level_labels(lang)
    level_handles = [
        Patch(facecolor=LEVEL_COLOURS[lv], edgecolor="#333333", label=names[lv])
        for lv in _FLAGGED
        if (levels == lv).any()
    ]
    ax.set_yticks(y, [short_title(str(s), 40) for s in shown["unit_title"]])
    own = ug.organisation.set_index("kpi")["gap"].astype(float).get(kpi, np.nan)
    if np.isfinite(own):
        label = f"{ug.municipality[1]}: {format_number(own, lang, 1)}"
        ax.axvline(own, color=OKABE_ITO["black"], lw=2, gid="organisation", label=label)
    riket = float(ug.riket_gap.get(kpi, np.nan))
    if np.isfinite(riket):
        label = f"Riket: {format_number(riket, lang, 1)}"
        ax.axvline(riket, color=OKABE_ITO["black"], lw=1.5, ls="--", gid="riket", label=label)
    ax.axvline(0, color="#999999", lw=0.8)
    title = str(t["kpi_title"].iloc[0]) if len(t) and "kpi_title" in t else kpi
    kind = unit_type_label(ug.kind, lang)
    ax.set_title(
        f"{short_title(title, 80)}\n"
        + (
            f"Skillnad kvinnor/flickor − män/pojkar per enhet ({kind}), {ug.municipality[1]}"
            if sv
            else f"Gap women/girls − men/boys per unit ({kind}), {ug.municipality[1]}"
        ),
        loc="left",
        fontsize=12,
    )
    ax.set_xlabel("Skillnad (K − M)" if sv else "Gap (W − M)")
    note = (
        f"{n_missing} enheter utan könsuppdelat värde (kan inte beräknas) visas inte."
        if sv
        else f"{n_missing} units without a gender split (not computable) are not shown."
    )
    handles = level_handles + list(ax.get_legend_handles_labels()[0])
    if handles:
        ax.legend(handles=handles, loc="lower right", frameon=False)
    return _finish(
        ax, lang, [note] if n_missing else [], {"left": 0.2, "right": 0.97, "below": 0.6}
    )


_UNIT_HEADERS = {
    "sv": ("Nyckeltal", "Enhet", "Enhets-id", "År", "Kvinnor/flickor", "Män/pojkar",
           "Skillnad (K − M)", "Nivå", "Skäl", "Rang", "Driver kommunens skillnad"),
    "en": ("KPI", "Unit", "Unit id", "Year", "Women/girls", "Men/boys", "Gap (W − M)",
           "Level", "Reasons", "Rank", "Drives the municipality's gap"),
}  # fmt: skip
_UNIT_SOURCES = ("kpi", "unit_title", "ou_id", "period", "women", "men", "gap", "level",
                 "reasons", "rank", "drives")  # fmt: skip


def unit_table(ug: UnitGaps, lang: str = "sv") -> pd.DataFrame:
    """The units' table as a reader sees it: headers, level names and reasons in ``lang``.

    The reasons are :func:`~koladagap.render.explain.explain`'s sentences (a unit is
    compared with the units of the same kind), never the engine's codes; whether a
    unit drives the organisation's gap reads ``ja``/``nej`` (``yes``/``no``).
    """
    from koladagap.render.explain import explain

    t = ug.table
    heads = _UNIT_HEADERS[check_lang(lang)]
    out = pd.DataFrame({h: t[c] for h, c in zip(heads, _UNIT_SOURCES, strict=True)})
    out[heads[7]] = level_names(t["level"].astype(str), lang).to_numpy()
    out[heads[8]] = explain(t, lang, among="unit").to_numpy()
    drives = t["drives"].astype("boolean")
    words = drives.map({True: format_setting(True, lang), False: format_setting(False, lang)})
    out[heads[10]] = words.astype("string").to_numpy()
    return out


def unit_summary(ug: UnitGaps, kpis: list[str], lang: str = "sv") -> list[str]:
    """One line per KPI: how many units, how many cannot be assessed or are flagged, the gap."""
    t = ug.table
    org = ug.organisation.set_index("kpi")
    name = ug.municipality[1]
    sv = check_lang(lang) == "sv"
    lines = []
    for kpi in kpis:  # one line per KPI asked for: a handful
        rows = t.loc[t["kpi"] == kpi]
        lv = rows["level"].astype(str)
        best = rows.loc[rows["rank"] == 1, "unit_title"].astype(str).tolist()
        gap = format_number(float(org["gap"].get(kpi, float("nan"))), lang, 1)
        n_nc, n_small = int((lv == "not_computable").sum()), int((lv == "too_small").sum())
        n_flag = int(lv.isin(["watch", "act"]).sum())
        if sv:
            line = (
                f"{kpi}: {len(rows)} enheter; kan inte beräknas: {n_nc}; för få: {n_small}; "
                f"bevaka/åtgärda: {n_flag}; {name}s skillnad {gap}"
                + (f"; störst bidrag: {best[0]}" if best else "")
            )
        else:
            line = (
                f"{kpi}: {len(rows)} units; not computable: {n_nc}; too few: {n_small}; "
                f"watch/act: {n_flag}; {name} gap {gap}"
                + (f"; drives most: {best[0]}" if best else "")
            )
        lines.append(line)
    return lines


__all__ = [
    "OU_TYPES_EN",
    "plot_unit_gaps",
    "unit_summary",
    "unit_table",
    "unit_type_label",
    "unit_types_table",
]
