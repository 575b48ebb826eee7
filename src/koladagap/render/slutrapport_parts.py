"""The final report's pieces that are not Word: table rows, charts as PNG, text lines.

:mod:`koladagap.render.slutrapport` puts them into the document. The rows are
formatted by :mod:`koladagap.render.i18n` (``3,5`` and a true minus in Swedish), the
charts are the baseline pack's (:mod:`koladagap.render.pack`), drawn once on an Agg
figure and kept as PNG bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from koladagap.engine import FLAG_LEVELS
from koladagap.render.i18n import LEVEL_LABELS, LEVEL_SHORT, format_number, format_setting
from koladagap.render.i18n.measures import ONE_SEX, gap_heading, share_heading
from koladagap.render.i18n.movement import change_names, movement_names
from koladagap.render.i18n.slutrapport import text

if TYPE_CHECKING:
    from koladagap.benchmarking.final_report import FinalReportData
    from koladagap.benchmarking.run import PlanResult
    from koladagap.render.pack.model import Chart, PackData

MAX_TRENDS = 3
"""At most this many gap-over-time charts in the report (the flagged KPIs first)."""


def number(x: Any, lang: str, *, sign: bool = False) -> str:
    """A value as the report prints it (:func:`~koladagap.render.i18n.format_number`).

    >>> number(-90579.0, "sv", sign=True).replace("\\u00a0", " ")
    '−90 579'
    >>> number(None, "en")
    '–'
    """
    v = pd.to_numeric(pd.Series([x], dtype=object), errors="coerce").iloc[0]
    return format_number(None if pd.isna(v) else float(v), lang, sign=sign)


def kpi_titles(result: PlanResult) -> dict[str, str]:
    """KPI id → title, from the result's table."""
    t = result.table
    return dict(zip(t["kpi"].astype(str), t["kpi_title"].astype(str), strict=True))


def _one_sex(result: PlanResult) -> dict[str, str]:
    """KPI → ``"K"``/``"M"`` for the KPIs that are one sex's share (N00945)."""
    return {k: str(r.share_of or "K") for k, r in result.rules.items() if r.kind == ONE_SEX}


def baseline_rows(result: PlanResult, lang: str) -> tuple[list[str], list[list[str]], list[str]]:
    """The baseline table: header, rows (KPI, title, women, men, gap, level) and notes.

    A one-sex share has no women and men: its gap cell is the distance from 50/50,
    and a note says so with the share (:mod:`koladagap.render.i18n.measures`).
    """
    t = result.table
    one = _one_sex(result)
    header = [
        text(lang, "col_kpi"),
        text(lang, "col_title"),
        text(lang, "col_women"),
        text(lang, "col_men"),
        gap_heading(lang),
        text(lang, "col_level"),
    ]
    names = LEVEL_LABELS[lang]
    rows = [
        [
            str(k),
            str(title),
            number(w, lang),
            number(m, lang),
            number(g, lang, sign=True),
            names.get(str(lv), str(lv)),
        ]
        for k, title, w, m, g, lv in zip(
            t["kpi"], t["kpi_title"], t["women"], t["men"], t["gap"], t["level"], strict=True
        )
    ]
    distance = gap_heading(lang, kind=ONE_SEX)
    notes = [
        text(
            lang,
            "one_sex_note",
            kpi=k,
            share=share_heading(lang, one[k]),
            value=number(total, lang),
            distance=distance[:1].lower() + distance[1:],
        )
        for k, total in zip(t["kpi"].astype(str), t["total"], strict=True)
        if k in one
    ]
    return header, rows, notes


def change_rows(c: pd.DataFrame, lang: str) -> tuple[list[str], list[list[str]]]:
    """The change table: KPI, the gap at both ends, the change, the levels and the flag."""
    year_b = _year(c["baseline_year"])
    year_l = _year(c["followup_year"])
    header = [
        text(lang, "col_kpi"),
        text(lang, "col_gap_b", year=year_b),
        text(lang, "col_gap_l", year=year_l),
        text(lang, "col_change"),
        text(lang, "col_levels"),
        text(lang, "col_movement"),
    ]
    short = LEVEL_SHORT[lang]
    change = change_names(c["change"], lang).fillna("–")
    moved = movement_names(c["flag_movement"], lang).fillna("–")
    levels = [
        f"{short.get(str(a), '–')} → {short.get(str(b), '–')}"
        for a, b in zip(c["level_baseline"], c["level_followup"], strict=True)
    ]
    rows = [
        [str(k), number(gb, lang, sign=True), number(gl, lang, sign=True), ch, lv, mv]
        for k, gb, gl, ch, lv, mv in zip(
            c["kpi"], c["gap_baseline"], c["gap_followup"], change, levels, moved, strict=True
        )
    ]
    return header, rows


def _year(years: pd.Series) -> str:
    """The year of a column, or the years' span when they differ (``2021–2022``)."""
    y = pd.to_numeric(years, errors="coerce").dropna().astype(int)
    if y.empty:
        return ""
    return str(y.max()) if y.min() == y.max() else f"{y.min()}–{y.max()}"


def kpi_paragraphs(
    data: FinalReportData, c: pd.DataFrame, d: PackData | None, lang: str
) -> list[tuple[str, list[str]]]:
    """Per KPI: its heading and the lines under it (gaps, change, flag, reason, target)."""
    from koladagap.render.explain import reasons_by_kpi
    from koladagap.render.pack.main import prioritised, target_lines

    latest = data.latest
    assert latest is not None
    reasons = reasons_by_kpi(latest.table, lang)
    titles = kpi_titles(latest)
    targets = prioritised(d) if d is not None else pd.DataFrame()
    change = change_names(c["change"], lang).fillna("–")
    moved = movement_names(c["flag_movement"], lang).fillna("–")
    names = LEVEL_LABELS[lang]
    one = _one_sex(latest)
    out: list[tuple[str, list[str]]] = []
    for i, kpi in enumerate(c["kpi"].astype(str)):
        row = c.iloc[i]
        lines = [
            text(
                lang,
                "kpi_line_one_sex" if kpi in one else "kpi_line",
                before=number(row["gap_baseline"], lang, sign=True),
                after=number(row["gap_followup"], lang, sign=True),
                year_b=_year(pd.Series([row["baseline_year"]])),
                year_l=_year(pd.Series([row["followup_year"]])),
                change=change.iloc[i],
            )
            + (
                text(lang, "flag_line", movement=moved.iloc[i])
                if str(row["flag_movement"]) not in ("none", "<NA>", "nan")
                else ""
            ),
            text(
                lang,
                "now",
                level=names.get(str(row["level_followup"]), "–"),
                reason=reasons.get(kpi, ""),
            ).strip(),
        ]
        if d is not None and kpi in targets.index:
            lines += target_lines(d, targets.loc[[kpi]].iloc[0])
        else:
            lines.append(text(lang, "no_target"))
        out.append((f"{kpi} {titles.get(kpi, '')}".strip(), lines))
    return out


def flagged(c: pd.DataFrame) -> list[str]:
    """KPIs flagged at either end, flagged now first (for the gap-over-time charts)."""
    now = c["level_followup"].astype("string").isin(FLAG_LEVELS).fillna(False)
    before = c["level_baseline"].astype("string").isin(FLAG_LEVELS).fillna(False)
    kpis = c["kpi"].astype(str)
    return list(dict.fromkeys([*kpis[now.to_numpy(bool)], *kpis[before.to_numpy(bool)]]))


def pack_data(result: PlanResult, lang: str) -> PackData:
    """The baseline pack's frames of ``result`` (what its charts draw)."""
    from koladagap.render.pack import pack_input
    from koladagap.render.pack.model import PackData

    return PackData(pack_input(result, lang=lang))


def chart_png(chart: Chart) -> bytes:
    """``chart`` drawn once on a slide-sized Agg figure, as PNG bytes."""
    from koladagap.render.pack.write import draw_chart, new_figure

    png, _ = draw_chart(new_figure(), chart, ("png",))
    assert png is not None
    return png


def overview_png(d: PackData) -> bytes | None:
    """The overview chart (women and men per KPI, by level), or None without one."""
    from koladagap.render.pack.content import overview

    chart = overview(d)
    return None if chart is None else chart_png(chart)


def trend_pngs(d: PackData, kpis: Sequence[str]) -> list[tuple[str, bytes]]:
    """The gap over time of up to :data:`MAX_TRENDS` of ``kpis``: (title, PNG)."""
    from koladagap.render.pack.content import kpi_charts

    out: list[tuple[str, bytes]] = []
    for kpi in kpis:
        gap = [c for c in kpi_charts(d, kpi) if c.kind == "gap"]
        if gap:
            out.append((d.title(kpi), chart_png(gap[0])))
        if len(out) >= MAX_TRENDS:
            break
    return out


def checklist_png(result: Any, lang: str) -> bytes:
    """The checklist's movement chart (:func:`koladagap.render.checklist.plot_checklist`)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from koladagap.render.charts import SLIDE_SIZE
    from koladagap.render.checklist import plot_checklist

    fig = Figure(figsize=SLIDE_SIZE)
    FigureCanvasAgg(fig)
    plot_checklist(result, fig.add_subplot(), lang=lang)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150)
    return buf.getvalue()


def checklist_rows(result: Any, lang: str) -> tuple[list[str], list[list[str]]]:
    """Per level and meeting: the meeting, sum (of the maximum), mean, change since the first."""
    s = result.summary
    first = result.sessions[0] if result.sessions else ""
    header = [
        text(lang, "col_meeting"),
        text(lang, "col_sum"),
        text(lang, "col_mean"),
        text(lang, "col_change_first", first=first),
    ]
    levels = result.checklist.levels
    rows = [
        [
            (f"{result.checklist.level_name(lv, lang)}: " if levels else "") + str(session),
            f"{int(total)} / {int(top)}",
            format_number(float(mean), lang, decimals=1),
            "–" if pd.isna(ch) else format_number(float(ch), lang, decimals=0, sign=True),
        ]
        for lv, session, total, top, mean, ch in zip(
            s["level"],
            s["session"],
            s["sum"],
            s["max_sum"],
            s["mean"],
            s["change_first"],
            strict=True,
        )
    ]
    return header, rows


def verdict_lines(result: Any, lang: str) -> list[str]:
    """Whether the model rule is met, per level judged (at the latest scored meeting)."""
    levels = result.checklist.levels
    return [
        (f"{result.checklist.level_name(r.level, lang)}: " if levels else "")
        + text(lang, "rule_met" if r.ready else "rule_not_met", meeting=r.session)
        for r in result.readiness
    ]


def method_lines(result: PlanResult, lang: str) -> list[str]:
    """The thresholds used, in a few sentences, and where the full list is."""
    from koladagap.render.i18n.report import DATA_SOURCES

    t = result.thresholds
    m = t.materiality
    kind = "regioner" if result.organisation_kind == "region" else "kommuner"
    return [
        text(
            lang,
            "method_data",
            data=DATA_SOURCES[lang].get(result.data_source, result.data_source),
        ),
        text(
            lang,
            "method_material",
            share_pp=format_setting(m.share_pp, lang),
            share_rel=format_setting(m.share_relative * 100, lang),
            share_min=format_setting(m.share_min_pp, lang),
            relative=format_setting(m.relative * 100, lang),
            band=format_setting(tuple(m.one_sex_band), lang),
        ),
        text(
            lang,
            "method_reference",
            kind=text(lang, kind),
            watch=format_setting(t.reference.watch_z, lang),
            act=format_setting(t.reference.act_z, lang),
            q=format_setting(t.reference.act_fdr_q, lang),
            years=t.reference.pool_years,
        ),
        text(
            lang,
            "method_followup",
            pp=format_setting(t.followup.min_change_pp, lang),
            z=format_setting(t.followup.z, lang),
        ),
        text(lang, "method_annex"),
    ]


__all__ = [
    "MAX_TRENDS",
    "baseline_rows",
    "change_rows",
    "chart_png",
    "checklist_png",
    "checklist_rows",
    "flagged",
    "kpi_paragraphs",
    "kpi_titles",
    "method_lines",
    "number",
    "overview_png",
    "pack_data",
    "trend_pngs",
    "verdict_lines",
]
