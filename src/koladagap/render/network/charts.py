"""The network deck's charts: the level heat map, the shared flags, one problem area's gaps.

Each draws on the Axes it is given (the pack's slide figure, :data:`charts.SLIDE_SIZE`),
with matplotlib's object API only (no pyplot), and writes "Källa: Kolada; egen
bearbetning" at the foot. Fills are :func:`koladagap.render.style.level_fill` (the
workbook's), bars :data:`koladagap.render.style.LEVEL_COLOURS` (the charts').
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from koladagap.benchmarking.network_model import NetworkResult
from koladagap.render.charts import short_title
from koladagap.render.i18n import ATTRIBUTION_PROCESSED, LEVEL_SHORT, check_lang, format_number
from koladagap.render.i18n.charts import text as chart_text
from koladagap.render.i18n.network import text
from koladagap.render.network.model import cells, flags_by, kpi_titles, matrix, organisations
from koladagap.render.style import LEVEL_COLOURS, LEVELS, NO_LEVEL_COLOUR, level_fill, level_font

LABEL_CHARS = 44
"""A KPI's row label is cut to this many characters."""


def _figure(ax: Axes) -> Figure:
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    return fig


def attribution(fig: Figure, lang: str, line: str | None = None) -> None:
    """The source line at the foot of the figure (``gid="attribution"``): Kolada by default."""
    if line is None:
        extra = chart_text(lang, "attribution_extra")
        line = ATTRIBUTION_PROCESSED + (f" · {extra}" if extra else "")
    fig.text(0.01, 0.012, line, fontsize=9.5, color="#333333", gid="attribution")


def row_labels(
    result: NetworkResult, kpis: Sequence[str], max_len: int | None = LABEL_CHARS
) -> list[str]:
    """Short KPI titles; a one-sex share's ends in " *" (its number is the distance from 50/50)."""
    titles = kpi_titles(result)
    t = cells(result)
    one_sex = set(t.loc[t["one_sex"].to_numpy(dtype=bool), "kpi"])
    return [short_title(titles.get(k, k), max_len) + (" *" if k in one_sex else "") for k in kpis]


def draw_heatmap(result: NetworkResult, kpis: Sequence[str], ax: Axes) -> Axes:
    """KPI rows × organisation columns on the level's fill, the gap in each cell.

    The mentor's column comes last, after a wider gap line; the legend names the
    levels present (:data:`koladagap.render.i18n.LEVEL_SHORT`).
    """
    lang = check_lang(result.lang)
    orgs = organisations(result)
    levels = matrix(result, "level").reindex(list(kpis))
    texts = matrix(result, "cell").reindex(list(kpis))
    lv = levels.astype(object).where(levels.notna(), "")
    rgb = np.array(
        [[to_rgb(level_fill(str(v)) if v else "#FFFFFF") for v in row] for row in lv.to_numpy()]
    ).reshape(len(kpis), len(orgs), 3)
    ax.imshow(rgb, aspect="auto", interpolation="nearest")
    for (i, j), cell in np.ndenumerate(texts.to_numpy(dtype=object)):
        if isinstance(cell, str):
            colour = level_font(str(lv.iat[i, j]))
            ax.text(j, i, cell, ha="center", va="center", fontsize=9.5, color=colour, gid="cell")
    ax.set_xticks(np.arange(len(orgs)), [h.replace(" (", "\n(") for h in orgs["header"]])
    ax.xaxis.tick_top()
    ax.tick_params(axis="x", length=0, labelsize=10.5)
    ax.set_yticks(np.arange(len(kpis)), row_labels(result, kpis))
    ax.tick_params(axis="y", length=0, labelsize=9.5)
    ax.set_xticks(np.arange(len(orgs) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(kpis) + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="#9A9A9A", linewidth=0.6)
    ax.tick_params(which="minor", length=0)
    n_mentor = int((orgs["role"] == "mentor").sum())
    if n_mentor:
        ax.axvline(len(orgs) - n_mentor - 0.5, color="#1A1A1A", linewidth=2.2)
    for side in ax.spines.values():
        side.set_visible(False)
    present = [v for v in LEVELS if v in set(lv.to_numpy().ravel())]
    handles = [
        Patch(facecolor=level_fill(v), edgecolor="#9A9A9A", label=LEVEL_SHORT[lang][v])
        for v in present
    ]
    fig = _figure(ax)
    fig.subplots_adjust(left=0.36, right=0.99, top=0.88, bottom=0.13)
    fig.legend(
        handles=handles,
        loc="lower right",
        bbox_to_anchor=(0.995, 0.0),
        ncol=-(-len(handles) // 2) or 1,
        frameon=False,
        fontsize=10,
        handlelength=1.6,
    )
    if any(label.endswith(" *") for label in row_labels(result, kpis)):
        fig.text(0.01, 0.055, text(lang, "one_sex_note"), fontsize=9.5, color="#333333")
    attribution(fig, lang)
    return ax


def draw_shared(result: NetworkResult, ax: Axes, top: int = 12) -> Axes:
    """How many members flag each KPI (stacked: act, watch), their names at the bar's end."""
    lang = check_lang(result.lang)
    by_kpi = flags_by(result, "kpi")
    by_kpi = by_kpi.loc[by_kpi["n"] > 0].head(top)
    fig = _figure(ax)
    attribution(fig, lang)
    n_members = int((organisations(result)["role"] != "mentor").sum())
    if by_kpi.empty:
        ax.set_axis_off()
        ax.text(0.5, 0.5, text(lang, "shared_none"), ha="center", va="center", fontsize=14)
        return ax
    t = cells(result)
    t = t.loc[(t["role"] != "mentor").to_numpy(dtype=bool)]
    counts = pd.crosstab(t["kpi"], t["level"]).reindex(index=list(by_kpi["kpi"]), fill_value=0)
    y = np.arange(len(by_kpi))[::-1]
    left = np.zeros(len(by_kpi))
    for lv in ("act", "watch"):
        n = counts[lv].to_numpy(dtype=float) if lv in counts else np.zeros(len(by_kpi))
        ax.barh(y, n, left=left, color=LEVEL_COLOURS[lv], label=LEVEL_SHORT[lang][lv], height=0.6)
        left += n
    for yi, end, names in zip(y, left, by_kpi["names"], strict=True):
        ax.text(end + 0.08, yi, names, va="center", fontsize=10, gid="names")
    ax.set_yticks(y, row_labels(result, list(by_kpi["kpi"])))
    ax.set_xlim(0, max(n_members, 1) + 1.6)
    ax.set_xticks(np.arange(max(n_members, 1) + 1))
    ax.set_xlabel(text(lang, "shared_axis"), fontsize=11)
    ax.tick_params(labelsize=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="lower right", frameon=False, fontsize=10)
    fig.subplots_adjust(left=0.36, right=0.98, top=0.95, bottom=0.16)
    return ax


def draw_area(result: NetworkResult, kpis: Sequence[str], ax: Axes) -> Axes:
    """One panel per KPI: each organisation's gap as a bar in its level's colour.

    KPIs have different units, so each has its own axis; the numbers are the gaps
    in the reader's format (a one-sex share's distance from 50/50, marked "*").
    """
    lang = check_lang(result.lang)
    fig = _figure(ax)
    fig.delaxes(ax)
    orgs = organisations(result)
    t = cells(result)
    labels = row_labels(result, kpis, 90)
    axes = fig.subplots(len(kpis), 1, squeeze=False)[:, 0]
    for a, kpi, label in zip(axes, kpis, labels, strict=True):
        rows = t.loc[t["kpi"] == kpi].set_index("municipality_id").reindex(list(orgs["id"]))
        gap = pd.to_numeric(rows["gap"], errors="coerce").to_numpy(dtype=float)
        colours = [LEVEL_COLOURS.get(str(v), NO_LEVEL_COLOUR) for v in rows["level"]]
        x = np.arange(len(orgs))
        a.bar(x, np.nan_to_num(gap), color=colours, width=0.6, edgecolor="#555555", linewidth=0.5)
        a.axhline(0, color="#1A1A1A", linewidth=0.8)
        for xi, g in zip(x, gap, strict=True):
            a.text(
                xi, g if np.isfinite(g) else 0, format_number(g, lang, sign=True),
                ha="center", va="bottom" if not np.isfinite(g) or g >= 0 else "top",
                fontsize=9.5, gid="gap",
            )  # fmt: skip
        a.set_title(label, loc="left", fontsize=10.5, fontweight="bold")
        a.set_xticks(x, [h.replace(" (", "\n(") for h in orgs["header"]], fontsize=9.5)
        a.tick_params(axis="y", labelsize=8.5)
        a.margins(y=0.3)
        for side in ("top", "right"):
            a.spines[side].set_visible(False)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.94, bottom=0.17, hspace=0.9)
    present = [v for v in LEVELS if v in set(t.loc[t["kpi"].isin(list(kpis)), "level"])]
    handles = [Patch(facecolor=LEVEL_COLOURS[v], label=LEVEL_SHORT[lang][v]) for v in present]
    fig.legend(
        handles=handles, loc="lower right", bbox_to_anchor=(0.995, 0.0), ncol=len(handles) or 1,
        frameon=False, fontsize=9.5,
    )  # fmt: skip
    attribution(fig, lang)
    return axes[0]  # type: ignore[no-any-return]


__all__ = ["LABEL_CHARS", "attribution", "draw_area", "draw_heatmap", "draw_shared", "row_labels"]
