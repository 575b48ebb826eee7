"""The main deck: at most :data:`MAX_SLIDES` slides for the 10 minutes at a meeting.

Benchmarking 1 (:func:`baseline_slides`): the title; the checklist self-assessment
when a score sheet is given; the overview of every KPI; the organisation's main
problems, one slide each (the flagged KPIs, "åtgärda" before "bevaka", then the
material gaps, each tier by size: the gap over its materiality threshold), with the
most telling chart, the reason in plain words and an editable field "Hur hänger det
ihop med andra utmaningar och mål?"; the own measurements; and "Förslag på nästa
steg", prefilled with the flagged KPIs. Problems beyond the slides left are named in
one line that points to the appendix.

Benchmarking 2 (:func:`followup_slides`): the prioritised KPIs (those with a target
in the plan) against the targets: the gap (or value) at the baseline and now, the
target, what is left to it and where the trend points by the target year.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from koladagap.render import charts
from koladagap.render.i18n import LEVEL_LABELS
from koladagap.render.i18n.groups import sex_labels
from koladagap.render.i18n.pack import text
from koladagap.render.pack.content import (
    fact_lines,
    kpi_charts,
    level_line,
    overview,
    overview_lines,
    with_source,
)
from koladagap.render.pack.model import Chart, PackData
from koladagap.render.pack.pdf import cover_lines
from koladagap.render.pack.slides import Box, Slide

MAX_SLIDES = 12
"""The main deck's most slides (10 minutes)."""

TIERS = {"act": 0, "watch": 1, "info": 2}
"""The order of the problems: "åtgärda", "bevaka", then the material gaps."""

SIZE_SCALE = {"pp": 5.0, "%": 10.0}
"""A material gap's size is divided by the default threshold of its unit to rank it."""

HEAD: tuple[float, float, float, float] = (0.35, 0.2, 12.6, 0.72)
FACTS = (9.15, 0.95, 3.95, 2.3)
NOTE = (9.15, 3.35, 3.95, 3.6)
REASON = (0.35, 5.88, 8.6, 1.1)
MORE = (0.35, 7.0, 12.6, 0.42)


def heading(s: str) -> Box:
    """The slide's heading."""
    return Box(HEAD, [s], 26, bold_first=True, name="heading")


def note_field(lang: str, geometry: tuple[float, float, float, float] = NOTE) -> Box:
    """The editable field "Hur hänger det ihop med andra utmaningar och mål?"."""
    lines = [text(lang, "connect"), text(lang, "write_here")]
    return Box(geometry, lines, 15, bold_first=True, field=True, name="note")


def problem_size(table: pd.DataFrame) -> pd.Series:
    """Each row's gap size over the default threshold of its unit (for ranking problems).

    A share's size is its excess gap over 5 percentage points, an amount's its
    relative size over 10 %, a one-sex share's distance from 50/50 over 10 points.

    >>> t = pd.DataFrame({"kind": ["share", "share_of_one_sex"], "gap": [8.0, -17.7],
    ...                   "reasons": ["material:8pp", "material:value 32.3"]})
    >>> problem_size(t).round(2).tolist()
    [1.6, 1.77]
    """
    from koladagap.render.explain import reason_codes

    codes = reason_codes(table["reasons"]).set_axis(table.index)
    scale = codes["unit"].map(SIZE_SCALE).astype(float)
    size = codes["size"].abs() / scale
    one_sex = table["kind"].astype("string").eq("share_of_one_sex").fillna(False)
    gap = pd.to_numeric(table["gap"], errors="coerce").abs() / 10.0
    return size.where(~one_sex.to_numpy(dtype=bool), gap).fillna(0.0)


def problems(d: PackData) -> list[str]:
    """The main problems, most severe first: flagged (act, watch), then material gaps."""
    t = d.inp.table
    kpis = [k for k in d.inp.kpis if k in d.by_kpi]
    if t is None or t.empty:
        flagged = [k for k in kpis if d.levels.get(k) in ("act", "watch")]
        return sorted(flagged, key=lambda k: TIERS[d.levels[k]])
    t = t.loc[t["kpi"].astype(str).isin(kpis).to_numpy(dtype=bool)].drop_duplicates("kpi")
    level = t["kpi"].astype(str).map(d.levels).astype("string").fillna("")
    material = (
        t["material"].astype("boolean").fillna(False)
        if "material" in t
        else pd.Series(False, index=t.index, dtype="boolean")
    )
    keep = level.isin(["act", "watch"]) | (level.eq("info") & material)
    t = t.loc[keep.to_numpy(dtype=bool)]
    order = pd.DataFrame(
        {
            "kpi": t["kpi"].astype(str),
            "tier": level[keep].map(TIERS).astype(int),
            "size": problem_size(t),
        }
    ).sort_values(["tier", "size"], ascending=[True, False], kind="stable")
    return order["kpi"].tolist()


PREFER = {"act": ("rank", "gap", "trend"), "watch": ("rank", "gap", "trend")}
"""The most telling chart of a flagged KPI: unusual among kommuner (the ranking)."""
PREFER_MATERIAL = ("gap", "trend", "rank")
"""… of a material gap: the gap over the years."""


def telling_chart(d: PackData, kpi: str) -> Chart | None:
    """The chart that shows best why ``kpi`` is a problem."""
    found = {c.kind: c for c in kpi_charts(d, kpi)}
    prefer = PREFER.get(d.levels.get(kpi, ""), PREFER_MATERIAL)
    return next((found[k] for k in prefer if k in found), None)


def title_slide(d: PackData, extra: list[str]) -> Slide:
    """The title slide: the title, the organisation, the year, peers, date, the appendix."""
    inp = d.inp
    from koladagap.benchmarking.measurements import attribution

    lines = cover_lines(d)
    if inp.meeting_year:
        lines.insert(0, text(inp.lang, "followup_year", year=inp.meeting_year))
    return Slide(
        f"{inp.pack_title}: {inp.organisation_name}",
        [
            Box((0.8, 1.6, 11.7, 1.4), [inp.pack_title], 36, bold_first=True, name="title"),
            Box((0.8, 3.0, 11.7, 0.8), [f"{inp.organisation_name} ({inp.organisation_id})"], 26),
            Box((0.8, 3.9, 11.7, 2.6), lines + extra, 18, name="cover"),
            Box((0.8, 6.7, 9.0, 0.45), [attribution(inp.kpis)], 12, colour="444444"),
        ],
    )


def checklist_slide(d: PackData) -> Slide | None:
    """The checklist self-assessment: its chart and the readiness lines."""
    result = d.inp.checklist
    if result is None:
        return None
    from koladagap.render.checklist import plot_checklist, summary_lines

    lang = d.inp.lang
    title = text(lang, "checklist")
    chart = Chart("00_checklista", None, "checklist", partial(plot_checklist, result, lang=lang))
    chart.alt_text = title
    latest = str(result.sessions[-1]) if result.sessions else ""
    lines = [line for line in summary_lines(result, lang) if latest and latest in line]
    facts = Box((9.15, 0.95, 3.95, 4.2), lines, 16, name="facts")
    comment = Box((9.15, 5.3, 3.95, 1.3), [text(lang, "comment")], 14, field=True, name="note")
    return Slide(title, [heading(title), facts, comment], chart)


def overview_slide(d: PackData) -> Slide | None:
    """The overview of every KPI, with the level counts beside it."""
    chart = overview(d)
    if chart is None:
        return None
    lang = d.inp.lang
    title = text(lang, "overview_heading", year=d.inp.baseline_year)
    lines = overview_lines(d, list(d.inp.kpis))[:-1]  # without "Kommentar: …"
    facts = Box((10.1, 0.95, 3.05, 4.2), lines, 16, bold_first=True, name="facts")
    comment = Box((10.1, 5.3, 3.05, 1.3), [text(lang, "comment")], 14, field=True, name="note")
    return Slide(title, [heading(title), facts, comment], chart, (0.15, 0.95, 9.8))


def problem_slide(d: PackData, kpi: str, n: int, of: int) -> Slide:
    """One problem: its chart, values and level, the reason and the note field."""
    lang = d.inp.lang
    short = charts.short_title(d.title(kpi), 52)
    head = text(lang, "problem_heading", n=n, of=of, title=short)
    facts = Box(FACTS, [*fact_lines(d, kpi), level_line(d, kpi)], 16, name="facts")
    reason = (d.inp.reasons or {}).get(kpi, "")
    boxes = [heading(head), facts, note_field(lang)]
    if reason:
        boxes.append(Box(REASON, [reason], 15, name="reason"))
    return Slide(f"{short} ({kpi})", boxes, telling_chart(d, kpi))


def own_slide(d: PackData) -> Slide | None:
    """The organisation's own measurements (ids ``EGEN-…``) in one overview."""
    from koladagap.benchmarking.measurements import is_own

    own = [k for k in d.inp.kpis if is_own(k) and k in d.by_kpi]
    if not own:
        return None
    lang = d.inp.lang
    year = d.inp.baseline_year
    have = d.own[["kpi", "period"]].astype({"kpi": str})
    latest = have.loc[have["kpi"].isin(own).to_numpy(dtype=bool)].groupby("kpi")["period"].max()
    lines: list[str] = []
    for k in own:  # a handful of own KPIs: one line each
        y = int(latest.get(k, year))
        facts = fact_lines(d, k, y)
        lines.append(f"{charts.short_title(d.title(k), 40)} ({y}): " + "; ".join(facts[1:]))
    rows = d.own.loc[d.own["kpi"].isin(own).to_numpy(dtype=bool)]
    rows = rows.loc[(rows["period"] == rows["kpi"].map(latest)).to_numpy(dtype=bool)]
    draw = partial(
        charts.plot_dumbbell,
        rows,
        kpi_titles={k: d.title(k) for k in own},
        order=own,
        municipality_name=d.inp.organisation_name,
        lang=lang,
        levels=d.levels or None,
    )
    title = text(lang, "own")
    chart = Chart("00_egna", None, "overview", with_source(draw, own), [], title)
    box = Box((9.15, 0.95, 3.95, 6.0), lines, 15, name="facts")
    return Slide(title, [heading(title), box], chart)


def next_slide(
    d: PackData, kpis: list[str], appendix: str | None, *, chosen: bool = False
) -> Slide:
    """ "Förslag på nästa steg", prefilled with the flagged KPIs as improvement areas.

    ``chosen``: ``kpis`` are the areas already (the prioritised KPIs of a follow-up).
    """
    lang = d.inp.lang
    flagged = kpis if chosen else [k for k in kpis if d.levels.get(k) in ("act", "watch")]
    head = text(lang, "next_areas") if flagged else text(lang, "next_none")
    shown = flagged or kpis[:5]
    lines = [head] + [
        f"• {charts.short_title(d.title(k), 70)} ({k}): {LEVEL_LABELS[lang][d.levels[k]]}"
        if k in d.levels
        else f"• {charts.short_title(d.title(k), 70)} ({k})"
        for k in shown
    ]
    lines.append(text(lang, "next_more"))
    boxes = [
        heading(text(lang, "next")),
        Box((0.6, 1.2, 12.1, 5.3), lines, 20, bold_first=True, field=True, name="note"),
    ]
    if appendix:
        boxes.append(Box((0.6, 6.65, 12.1, 0.45), [appendix], 12, colour="444444"))
    return Slide(text(lang, "next"), boxes)


def baseline_slides(d: PackData, appendix_name: str | None = None) -> list[Slide]:
    """The Benchmarking 1 deck's slides (at most :data:`MAX_SLIDES`)."""
    lang = d.inp.lang
    pointer = text(lang, "appendix_pointer", file=appendix_name) if appendix_name else None
    fixed = [checklist_slide(d), overview_slide(d), own_slide(d)]
    head = [s for s in fixed[:2] if s is not None]
    own = [s for s in fixed[2:] if s is not None]
    found = problems(d)
    room = MAX_SLIDES - 2 - len(head) - len(own)
    shown = found[:room]
    slides = [title_slide(d, [pointer] if pointer else [])] + head
    slides += [problem_slide(d, k, i, len(found)) for i, k in enumerate(shown, start=1)]
    rest = found[len(shown) :]
    if rest and shown:
        items = ", ".join(f"{charts.short_title(d.title(k), 30)} ({k})" for k in rest)
        slides[-1].boxes.append(Box(MORE, [text(lang, "more", items=items)], 12, name="more"))
    slides += own
    slides.append(next_slide(d, found, pointer))
    return slides


# --- Benchmarking 2 ---------------------------------------------------------------------------


def prioritised(d: PackData) -> pd.DataFrame:
    """The target rows of the KPIs with a target, in the plan's order (may be empty)."""
    t = d.inp.targets
    if t is None or t.empty or "target_year" not in t:
        return pd.DataFrame()
    has = t["target_year"].notna() & (
        t["target_gap"].notna() | t.get("target_value", pd.Series(np.nan, index=t.index)).notna()
    )
    t = t.loc[has.to_numpy(dtype=bool)].drop_duplicates("kpi").set_index("kpi", drop=False)
    return t.reindex([k for k in d.inp.kpis if k in t.index])


def _num(row: pd.Series, col: str) -> float:
    v = pd.to_numeric(pd.Series([row.get(col)]), errors="coerce").iloc[0]
    return float(v) if pd.notna(v) else float("nan")


def target_lines(d: PackData, row: pd.Series) -> list[str]:
    """The target, what is left to it (from the year's value) and where the trend points."""
    lang, kpi = d.inp.lang, str(row["kpi"])
    units = charts.kpi_units(d.title(kpi), lang)
    year, ty = d.inp.year, int(row["target_year"])
    now = d.own_row(kpi, year)
    tg, tv = _num(row, "target_gap"), _num(row, "target_value")
    lines: list[str] = []
    if np.isfinite(tg):
        gap = float(now["gap"]) if now is not None else float("nan")
        lines.append(text(lang, "target_gap", year=ty, value=charts.format_gap(tg, units, lang)))
        lines.append(text(lang, "to_target", value=charts.format_gap(gap - tg, units, lang)))
        trend, on = _num(row, "gap_trend_at_target"), row.get("gap_on_track")
        if np.isfinite(trend):
            value = charts.format_gap(trend, units, lang)
            lines.append(text(lang, "trend_at", value=value, year=ty))
    else:
        # a one-sex share (N00945) has only its total: the share is what the target is for
        who = "total" if kpi in d.t_only else _behind(d, kpi)
        label = dict(zip(("women", "men"), sex_labels(d.title(kpi), lang), strict=True))
        value = charts.format_value(tv, units, lang)
        if who in label:
            lines.append(text(lang, "target_value", who=label[who], year=ty, value=value))
        else:
            lines.append(text(lang, "target_share", year=ty, value=value))
        value_now = float(now[who]) if now is not None else float("nan")
        lines.append(text(lang, "to_target", value=charts.format_gap(tv - value_now, units, lang)))
        trend, on = _num(row, "value_trend_at_target"), row.get("value_on_track")
        if np.isfinite(trend):
            value = charts.format_value(trend, units, lang)
            lines.append(text(lang, "trend_at", value=value, year=ty))
    lines.append(text(lang, _track_key(on)))
    return lines


def _behind(d: PackData, kpi: str) -> str:
    """The sex behind in the meeting's year (``women``/``men``), else ``total`` (as the engine)."""
    t = d.inp.table
    if t is None or "disadvantaged" not in t:
        return "total"
    hit = t.loc[t["kpi"].astype(str).eq(kpi).to_numpy(dtype=bool), "disadvantaged"]
    who = str(hit.iloc[0]) if len(hit) and pd.notna(hit.iloc[0]) else ""
    return {"women": "women", "men": "men", "1": "women", "2": "men"}.get(who, "total")


def _track_key(on: Any) -> str:
    if on is None or pd.isna(on):
        return "no_trend"
    return "on_track" if bool(on) else "off_track"


def with_target(draw: Callable[..., Any], row: pd.Series, lang: str) -> Callable[..., Any]:
    """``draw``, then the target as a line and a star at the target year, with the trend."""
    from koladagap.render.style import OKABE_ITO

    gap_target = np.isfinite(_num(row, "target_gap"))
    target = _num(row, "target_gap" if gap_target else "target_value")
    trend = _num(row, "gap_trend_at_target" if gap_target else "value_trend_at_target")
    ty = int(row["target_year"])

    def drawn(*args: Any, **kwargs: Any) -> Any:
        ax = draw(*args, **kwargs)
        lo, hi = ax.get_xlim()
        ax.set_xlim(lo, max(hi, ty + 0.6))
        ax.axhline(target, color=OKABE_ITO["green"], linewidth=1.6, linestyle="--", gid="target")
        ax.plot([ty], [target], marker="*", markersize=15, color=OKABE_ITO["green"], gid="target")
        ax.annotate(
            text(lang, "target_line", year=ty), (ty, target), xytext=(-6, 8),
            textcoords="offset points", ha="right", color=OKABE_ITO["green"], fontsize=11,
        )  # fmt: skip
        if np.isfinite(trend):
            ax.plot([ty], [trend], marker="D", color=OKABE_ITO["black"], gid="trend_at_target")
        return ax

    return drawn


def target_chart(d: PackData, row: pd.Series) -> Chart | None:
    """The KPI's gap (or values) over time with the target drawn in."""
    kpi = str(row["kpi"])
    kind = "gap" if np.isfinite(_num(row, "target_gap")) else "trend"
    found = {c.kind: c for c in kpi_charts(d, kpi)}
    chart = found.get(kind) or found.get("trend")
    if chart is None:
        return None
    return Chart(
        f"{kpi}_mal", kpi, chart.kind, with_target(chart.draw, row, d.inp.lang), [], chart.alt_text
    )


def followup_slides(d: PackData, appendix_name: str | None = None) -> list[Slide]:
    """The Benchmarking 2 deck's slides: the prioritised KPIs against their targets."""
    lang, year = d.inp.lang, d.inp.year
    pointer = text(lang, "appendix_pointer", file=appendix_name) if appendix_name else None
    rows = prioritised(d)
    slides = [title_slide(d, [pointer] if pointer else [])]
    head = text(lang, "targets_heading", year=year)
    if rows.empty:
        lines = [text(lang, "target_none")]
    else:
        on = rows.get("gap_on_track", pd.Series(pd.NA, index=rows.index))
        on = on.where(rows["target_gap"].notna(), rows.get("value_on_track", on))
        known = on.dropna().astype(bool)
        lines = [
            text(lang, "n_targets", n=len(rows)),
            text(lang, "n_on_track", n=int(known.sum())),
            text(lang, "n_off_track", n=int((~known).sum())),
            text(lang, "n_unknown", n=int(len(rows) - len(known))),
        ]
        lines += [f"• {charts.short_title(d.title(k), 60)} ({k})" for k in rows.index]
    slides.append(Slide(head, [heading(head), Box((0.6, 1.2, 12.1, 5.6), lines, 20)]))
    room = MAX_SLIDES - 3
    for i, (kpi, row) in enumerate(list(rows.iterrows())[:room], start=1):
        short = charts.short_title(d.title(str(kpi)), 64)
        facts = [*fact_lines(d, str(kpi)), *fact_lines(d, str(kpi), year)]
        boxes = [
            heading(text(lang, "problem_heading", n=i, of=len(rows), title=short)),
            Box(FACTS[:2] + (FACTS[2], 2.9), facts, 15, name="facts"),
            Box((9.15, 3.95, 3.95, 1.8), target_lines(d, row), 15, name="target"),
            note_field(lang, (0.35, 5.88, 8.6, 1.1)),
        ]
        slides.append(Slide(f"{short} ({kpi})", boxes, target_chart(d, row)))
    flagged = [k for k in d.inp.kpis if d.levels.get(k) in ("act", "watch")]
    slides.append(next_slide(d, list(rows.index) or flagged, pointer, chosen=not rows.empty))
    return slides


__all__ = [
    "MAX_SLIDES",
    "baseline_slides",
    "followup_slides",
    "prioritised",
    "problem_size",
    "problems",
    "target_lines",
    "telling_chart",
]
