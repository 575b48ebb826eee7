"""The network's deck for the table discussions at Benchmarking 2: ``natverk.pptx`` and ``.pdf``.

At most :data:`MAX_SLIDES` slides: the title (network, meeting, members, mentor),
the matrix as a heat map (over two slides beyond :data:`ROWS_PER_HEATMAP` KPIs), the
KPIs several members flag, where the mentor stands, the checklists side by side
(with the members' score sheets, ``result.scores``), then one slide per shared
problem area (an operating area flagged in two or more members) with the members'
gaps, the reasons and the table discussion's questions in an editable box.

The slides are laid out once (:class:`koladagap.render.pack.slides.Slide`) and drawn
twice, as the main pack deck is: editable PPTX text boxes with the charts' PNGs, and
a PDF with real, searchable text into which each chart's vector page is merged.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from koladagap._files import atomic_path
from koladagap.benchmarking.network_model import NetworkResult
from koladagap.errors import InputError
from koladagap.render.charts import short_title
from koladagap.render.i18n import ATTRIBUTION_PROCESSED, LEVEL_SHORT, check_lang
from koladagap.render.i18n.network import questions, text
from koladagap.render.network.charts import draw_area, draw_heatmap, draw_shared, row_labels
from koladagap.render.network.checklist import draw_checklist
from koladagap.render.network.model import (
    cells,
    flags_by,
    kpi_order,
    kpi_titles,
    mentor_name,
    n_members,
    organisations,
)
from koladagap.render.pack.deck import new_deck
from koladagap.render.pack.model import Chart
from koladagap.render.pack.outline import add_outline, compose, write_pdf
from koladagap.render.pack.slides import SLIDE_H, Box, Slide, add_pptx_slide
from koladagap.render.pack.write import drawing, frame_pages

MAX_SLIDES = 12
ROWS_PER_HEATMAP = 20
"""A heat map slide holds this many KPI rows; more are split over two slides."""
MAX_AREA_KPIS = 4
"""An area slide's chart shows at most this many KPIs."""
FORMATS = ("pptx", "pdf")
STEM = "natverk"


def write_network_deck(
    result: NetworkResult, out_dir: Path, formats: Sequence[str] = FORMATS
) -> list[Path]:
    """Write ``natverk.pptx`` and/or ``natverk.pdf`` into ``out_dir``; return the files.

    Raises:
        InputError: an unknown format, or python-pptx missing for ``"pptx"``.
    """
    check_lang(result.lang)
    fmts = tuple(dict.fromkeys(str(f).strip().lower() for f in formats))
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
        raise InputError(f"unknown deck format(s) {', '.join(bad) or '(none)'}: choose pptx, pdf")
    if "pptx" in fmts:
        new_deck()  # a clear error without python-pptx, before anything is drawn
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    slides = network_slides(result)
    shown = [i for i, s in enumerate(slides) if s.chart is not None]
    chart_list = [c for c in (slides[i].chart for i in shown) if c is not None]
    with drawing(chart_list, fmts) as results:  # the charts are drawn while the text is laid out
        frames = frame_pages(slides) if "pdf" in fmts else b""
        drawn = dict(zip(shown, results(), strict=True))
    written: list[Path] = []
    if "pptx" in fmts:
        prs = new_deck()
        for i, slide in enumerate(slides):
            add_pptx_slide(prs, slide, drawn.get(i, (None, None))[0])
        path = out / f"{STEM}.pptx"
        with atomic_path(path) as tmp:
            prs.save(str(tmp))
        written.append(path)
    if "pdf" in fmts:
        placements = {
            i: (pdf, slides[i].chart_geometry) for i, (_, pdf) in drawn.items() if pdf is not None
        }
        writer = compose(frames, placements, metadata(result), SLIDE_H)
        add_outline(writer, [(s.name, i, None) for i, s in enumerate(slides)])
        written.append(write_pdf(writer, out / f"{STEM}.pdf"))
    return written


def metadata(result: NetworkResult) -> dict[str, str]:
    """The PDF's document information."""
    return {
        "Title": f"{result.name}: {result.meeting}",
        "Subject": f"{text(result.lang, 'pdf_subject')} · {ATTRIBUTION_PROCESSED}",
        "Author": "koladagap",
        "Creator": "koladagap",
    }


# --- the slides ------------------------------------------------------------------------


def _title(s: str, sub: str = "") -> list[Box]:
    boxes = [Box((0.4, 0.2, 12.5, 0.7), [s], 26, bold_first=True, name="title")]
    if sub:
        boxes.append(Box((0.4, 0.85, 12.5, 0.45), [sub], 15, colour="444444", name="subtitle"))
    return boxes


def _chart(stem: str, alt: str, draw: Any) -> Chart:
    return Chart(stem=stem, kpi=None, kind="network", draw=draw, alt_text=alt)


def network_slides(result: NetworkResult) -> list[Slide]:
    """The deck's slides, at most :data:`MAX_SLIDES`."""
    slides = [title_slide(result), *heatmap_slides(result), shared_slide(result)]
    slides.append(mentor_slide(result))
    if result.scores:
        slides.append(checklist_slide(result))
    room = MAX_SLIDES - len(slides)
    slides += area_slides(result, room)
    return slides[:MAX_SLIDES]


def title_slide(result: NetworkResult) -> Slide:
    """The network, the meeting, its members and the mentor."""
    lang = result.lang
    orgs = organisations(result)
    names = ", ".join(orgs.loc[orgs["role"] != "mentor", "name"])
    lines = [text(lang, "members_line", names=names)]
    if mentor_name(result):
        lines.append(text(lang, "mentor_line", name=mentor_name(result)))
    sub = text(lang, "subtitle", meeting=result.meeting, year=result.year)
    boxes = [
        Box((0.8, 1.8, 11.7, 1.3), [result.name], 36, bold_first=True, name="title"),
        Box((0.8, 3.1, 11.7, 0.7), [sub], 24, name="subtitle"),
        Box((0.8, 4.0, 11.7, 2.2), lines, 20, name="members"),
        Box((0.8, 6.7, 8.0, 0.45), [ATTRIBUTION_PROCESSED], 12, colour="444444"),
    ]
    return Slide(name=result.name, boxes=boxes)


def heatmap_slides(result: NetworkResult, kpis: Sequence[str] | None = None) -> list[Slide]:
    """The matrix as a heat map: one slide, or two (or more) halves of a long KPI list."""
    lang = result.lang
    ids = list(kpis) if kpis is not None else kpi_order(result)
    if not ids:
        return []
    n = max(1, -(-len(ids) // ROWS_PER_HEATMAP))
    size = -(-len(ids) // n)
    parts = [ids[i * size : (i + 1) * size] for i in range(n)]
    slides = []
    for i, part in enumerate(parts, start=1):
        head = text(lang, "heatmap") if n == 1 else text(lang, "heatmap_part", i=i, n=n)
        chart = _chart(f"natverk_matris_{i}", head, partial(draw_heatmap, result, part))
        boxes = _title(head, text(lang, "heatmap_lines"))
        slides.append(Slide(name=head, boxes=boxes, chart=chart, chart_at=(0.35, 1.3, 10.8)))
    return slides


def shared_slide(result: NetworkResult) -> Slide:
    """The KPIs several members flag (a bar per KPI) and, beside it, the areas in words."""
    lang = result.lang
    total = n_members(result)
    areas = flags_by(result, "area_name")
    areas = areas.loc[areas["n"] > 0]
    lines = [text(lang, "by_area")] + [
        text(lang, "area_line", area=a, n=n, total=total, names=names)
        for a, n, names in zip(areas["area_name"], areas["n"], areas["names"], strict=True)
    ]
    if areas.empty:
        lines.append(text(lang, "no_flags_at_all"))
    head = text(lang, "shared")
    chart = _chart("natverk_gemensamma", head, partial(draw_shared, result))
    sub = text(lang, "shared_sub")
    boxes = [
        *_title(head, sub),
        Box((9.6, 1.4, 3.5, 5.5), lines, 14, bold_first=True, name="areas"),
    ]
    return Slide(name=head, boxes=boxes, chart=chart, chart_at=(0.25, 1.35, 9.2))


def problem_kpis(result: NetworkResult) -> tuple[list[str], int]:
    """The KPIs flagged in two or more members (else in one), and that least count."""
    by_kpi = flags_by(result, "kpi")
    for least in (2, 1):
        hit = by_kpi.loc[by_kpi["n"] >= least, "kpi"]
        if len(hit):
            order = {k: i for i, k in enumerate(kpi_order(result))}
            return sorted(map(str, hit), key=lambda k: order.get(k, 0))[:ROWS_PER_HEATMAP], least
    return [], 0


def mentor_slide(result: NetworkResult) -> Slide:
    """The mentor's level beside the members' on the shared problem KPIs."""
    lang = result.lang
    head = text(lang, "mentor_title")
    kpis, least = problem_kpis(result)
    if not kpis:
        return Slide(name=head, boxes=[*_title(head), _wide([text(lang, "no_flags_at_all")])])
    sub = text(lang, "mentor_kpis") if least == 1 else text(lang, "mentor_shared")
    t = cells(result)
    mentor = t.loc[(t["role"] == "mentor").to_numpy(dtype=bool) & t["kpi"].isin(kpis)]
    labels = dict(zip(kpis, row_labels(result, kpis), strict=True))
    name = mentor_name(result) or text(lang, "mentor")
    clear = int((~mentor["flag"].to_numpy(dtype=bool)).sum())
    lines = [name, text(lang, "mentor_clear", mentor=name, n=clear, total=len(kpis))] + [
        f"{labels[k]}: {LEVEL_SHORT[lang].get(str(lv), str(lv))}"
        for k, lv in zip(mentor["kpi"], mentor["level"], strict=True)
    ]
    if least == 1:
        lines.insert(1, text(lang, "mentor_none"))
    chart = _chart("natverk_mentor", head, partial(draw_heatmap, result, kpis))
    boxes = [*_title(head, sub), Box((9.7, 1.4, 3.4, 5.6), lines, 14, bold_first=True)]
    return Slide(name=head, boxes=boxes, chart=chart, chart_at=(0.25, 1.3, 9.3))


def checklist_slide(result: NetworkResult) -> Slide:
    """The members' checklists side by side: mean score per meeting, readiness."""
    lang = result.lang
    head = text(lang, "ck_title")
    chart = _chart("natverk_checklista", head, partial(draw_checklist, result))
    boxes = _title(head, text(lang, "ck_lines"))
    return Slide(name=head, boxes=boxes, chart=chart, chart_at=(0.6, 1.35, 10.5))


def _wide(lines: list[str]) -> Box:
    return Box((0.6, 1.6, 12.0, 3.6), lines, 20, name="body")


def _questions_box() -> Any:
    return partial(Box, (0.4, 5.55, 12.5, 1.75), size=14, bold_first=True, field=True)


def _first_sentence(s: str) -> str:
    parts = re.split(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ])", s.strip(), maxsplit=1)
    return parts[0]


def area_slides(result: NetworkResult, room: int) -> list[Slide]:
    """One slide per shared problem area (flagged in ≥ 2 members), as many as there is room for.

    Without a shared area, one slide names the areas flagged in one member each.
    """
    lang = result.lang
    total = n_members(result)
    qs = [text(lang, "questions_head"), *questions(lang)]
    areas = flags_by(result, "area_name")
    shared = areas.loc[areas["n"] >= 2]
    if room <= 0:
        return []
    if shared.empty:
        single = areas.loc[areas["n"] == 1]
        pairs = zip(single["area_name"], single["names"], strict=True)
        found = [f"{a} ({names})" for a, names in pairs]
        line = text(lang, "no_shared_lines", areas="; ".join(found)) if found else ""
        lines = [line or text(lang, "no_flags_at_all")]
        head = text(lang, "no_shared_title")
        box = Box((0.6, 1.4, 12.0, 3.8), lines, 20, name="body")
        return [Slide(name=head, boxes=[*_title(head), box, _questions_box()(qs)])]
    t = cells(result)
    flagged = t.loc[t["flag"].to_numpy(dtype=bool) & (t["role"] != "mentor").to_numpy(dtype=bool)]
    slides = []
    rows = list(shared.itertuples(index=False))
    for k, row in enumerate(rows[:room]):
        head = text(lang, "area_title", area=row.area_name)
        sub = text(lang, "area_sub", n=row.n, total=total, names=row.names)
        hits = flagged.loc[flagged["area_name"] == row.area_name]
        order = {kk: i for i, kk in enumerate(kpi_order(result))}
        kpis = sorted(dict.fromkeys(hits["kpi"]), key=lambda kk: order.get(kk, 0))[:MAX_AREA_KPIS]
        reasons = _reasons(result, hits.loc[hits["kpi"].isin(kpis)])
        if k == room - 1 and len(rows) > room:
            rest = ", ".join(str(r.area_name) for r in rows[room:])
            reasons.append(text(lang, "more_areas", names=rest))
        draw = partial(draw_area, result, kpis)
        chart = _chart(f"natverk_omrade_{k + 1}", f"{head}. {sub}", draw)
        boxes = [
            *_title(head, sub),
            Box((7.75, 1.35, 5.3, 4.1), reasons, 13, bold_first=True, name="reasons"),
            _questions_box()(qs, name="questions"),
        ]
        slides.append(Slide(name=head, boxes=boxes, chart=chart, chart_at=(0.2, 1.35, 7.4)))
    return slides


def _reasons(result: NetworkResult, hits: pd.DataFrame) -> list[str]:
    """``"Vellinge, <KPI>: <reason>"`` per flagged member and KPI (first sentences if many)."""
    lang = result.lang
    titles = kpi_titles(result)
    labels = {k: short_title(titles.get(k, k)) for k in hits["kpi"]}
    short = len(hits) > 3
    lines = [text(lang, "reasons_head")]
    for member, kpi, reason in zip(hits["member"], hits["kpi"], hits["reason"], strict=True):
        why = _first_sentence(str(reason)) if short else str(reason)
        lines.append(f"{member}, {labels[kpi]}: {why}")
    return lines


__all__ = [
    "FORMATS",
    "MAX_SLIDES",
    "ROWS_PER_HEATMAP",
    "heatmap_slides",
    "mentor_slide",
    "metadata",
    "network_slides",
    "problem_kpis",
    "shared_slide",
    "title_slide",
    "write_network_deck",
]
