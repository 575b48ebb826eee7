"""The final report (slutrapport) to SKR as an editable Word document (python-docx).

:func:`write_final_report` follows the outline of SKR's final report for the
benchmarking programme: a title page; the starting point at Benchmarking 1 (the
KPIs, their gaps and levels in a table, and the overview chart); what happened by
the latest meeting (per KPI the gap at both ends, the change, the flag's movement,
the reason and the distance to the organisation's targets, with the gap over time
of the flagged KPIs); the checklist's movement and whether the model rule is met;
headed sections for the organisation's own text (success factors, challenges,
lessons, continued work), each with a short prompt in italics; and the method and
sources. Figures carry "Källa: Kolada; egen bearbetning".

The data come from :func:`koladagap.benchmarking.final_report.final_report_data`;
nothing here fetches. Swedish by default, English with ``lang="en"``.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from koladagap._cells import clean_frame, clean_text
from koladagap._files import atomic_path
from koladagap.errors import InputError
from koladagap.render import slutrapport_parts as parts
from koladagap.render.i18n import ATTRIBUTION_PROCESSED, check_lang
from koladagap.render.i18n.slutrapport import text

if TYPE_CHECKING:
    from koladagap.benchmarking.final_report import FinalReportData

PICTURE_CM = 16.0
"""The width of an embedded chart (an A4 page less its margins)."""
TABLE_PT = 9
"""The font size of the tables."""


def _docx() -> Any:
    """The ``docx`` module, or a one-line error naming the extra to install."""
    try:
        import docx
    except ImportError:
        raise InputError(text("sv", "no_docx")) from None
    return docx


def write_final_report(
    data: FinalReportData,
    out: str | os.PathLike[str],
    *,
    lang: str | None = None,
    checklist: Any = None,
    date: dt.date | None = None,
) -> Path:
    """Write the final report of ``data`` to ``out`` (a ``.docx``), atomically.

    Args:
        data: the plan's baseline and latest meeting, evaluated.
        out: the Word file to write.
        lang: ``"sv"`` or ``"en"``; default the plan's ``[report] lang``.
        checklist: a :class:`~koladagap.checklist.ChecklistResult` of the score
            sheet, for the checklist section (without it the section asks for one).
        date: the date on the title page (default today).

    Returns:
        The file written.

    Raises:
        InputError: python-docx is not installed, or ``lang`` is not sv/en.
    """
    docx = _docx()
    try:
        lg = check_lang(lang or data.plan.lang)
    except ValueError as err:
        raise InputError(str(err)) from None
    data = _harmless(data)
    doc = docx.Document()
    _page_setup(doc)
    _title_page(doc, data, lg, date or dt.date.today())
    _baseline(doc, data, lg)
    n_figures = _changes(doc, data, lg, first_figure=2)
    n_figures = _checklist(doc, checklist, lg, figure=n_figures)
    if data.network is not None:
        _network(doc, data, lg, figure=n_figures)
    for key in ("success", "challenges", "lessons", "next"):
        doc.add_heading(text(lg, f"h_{key}"), level=1)
        _italic(doc, text(lg, f"p_{key}"))
        doc.add_paragraph("")
    doc.add_heading(text(lg, "h_method"), level=1)
    for line in parts.method_lines(data.baseline, lg):
        doc.add_paragraph(line)
    _source(doc, _attribution(data))
    path = Path(out)
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return path


def _clean_result(res: Any, frames: Sequence[str], names: Sequence[str] = ()) -> Any:
    """``res`` (a dataclass) with its text frames and names through :mod:`koladagap._cells`."""
    import dataclasses

    import pandas as pd

    changes: dict[str, Any] = {}
    for f in frames:
        v = getattr(res, f, None)
        if isinstance(v, pd.DataFrame):
            changes[f] = clean_frame(v)
    for f in names:
        v = getattr(res, f, None)
        if isinstance(v, str):
            changes[f] = clean_text(v)
    return dataclasses.replace(res, **changes)


def _harmless(data: FinalReportData) -> FinalReportData:
    """``data`` whose texts (KPI titles, names, reasons) carry no control characters.

    Word's XML cannot hold them (python-docx refuses them), and a title from Kolada
    or an own-measurement file is not trusted to be free of them.
    """
    import dataclasses

    plan_fields = ("table", "comparison", "kpi_meta", "peers")
    return dataclasses.replace(
        data,
        baseline=_clean_result(data.baseline, plan_fields, ("organisation_name",)),
        latest=None
        if data.latest is None
        else _clean_result(data.latest, plan_fields, ("organisation_name",)),
        network=None
        if data.network is None
        else _clean_result(data.network, ("table", "kpis", "members"), ("name",)),
    )


def _page_setup(doc: Any) -> None:
    """A4 with 2,5 cm margins; Calibri 11 for the body."""
    from docx.shared import Cm, Pt

    for s in doc.sections:
        s.page_height, s.page_width = Cm(29.7), Cm(21.0)
        s.left_margin = s.right_margin = s.top_margin = s.bottom_margin = Cm(2.5)
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)


def _title_page(doc: Any, data: FinalReportData, lang: str, date: dt.date) -> None:
    from docx.enum.text import WD_BREAK

    doc.add_heading(text(lang, "title"), level=0)
    doc.add_paragraph(text(lang, "subtitle"))
    doc.add_paragraph(
        text(lang, "organisation", name=data.organisation_name, mid=data.plan.organisation)
    )
    first, last = data.period
    doc.add_paragraph(text(lang, "period", first=first, last=last))
    doc.add_paragraph(text(lang, "date", date=date.isoformat()))
    _italic(doc, text(lang, "made_by"))
    _source(doc, _attribution(data))
    doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)


def _baseline(doc: Any, data: FinalReportData, lang: str) -> None:
    res = data.baseline
    meeting, year = res.meeting.name, res.meeting.year
    doc.add_heading(text(lang, "h_baseline", meeting=meeting), level=1)
    doc.add_paragraph(text(lang, "baseline_intro", meeting=meeting, year=year))
    header, rows, notes = parts.baseline_rows(res, lang)
    _table(doc, header, rows, widths=(2.4, 5.8, 1.9, 1.9, 2.0, 3.0), numeric=(2, 3, 4))
    for note in notes:
        _small(doc, note)
    _source(doc, _attribution(data))
    png = parts.overview_png(parts.pack_data(res, lang))
    if png is not None:
        _picture(doc, png, text(lang, "overview_caption", meeting=meeting, year=year))
        _source(doc, _attribution(data))


def _changes(doc: Any, data: FinalReportData, lang: str, first_figure: int) -> int:
    """Section 2; returns the next figure's number."""
    from koladagap.benchmarking.final_report import changes
    from koladagap.benchmarking.measurements import is_own

    base, latest = data.baseline, data.latest
    name = latest.meeting.name if latest is not None else base.meeting.name
    doc.add_heading(text(lang, "h_changes", baseline=base.meeting.name, latest=name), level=1)
    c = changes(data)
    if latest is None or c.empty:
        _italic(doc, text(lang, "no_followup"))
        return first_figure
    doc.add_paragraph(
        text(
            lang,
            "changes_intro",
            year_b=base.meeting.year,
            latest=name,
            year_l=latest.meeting.year,
        )
    )
    header, rows = parts.change_rows(c, lang)
    _table(doc, header, rows, widths=(2.4, 2.2, 2.2, 3.6, 3.6, 3.0), numeric=(1, 2))
    _source(doc, _attribution(data))
    d = parts.pack_data(latest, lang)
    figure = first_figure
    for title, png in parts.trend_pngs(d, parts.flagged(c)):
        _picture(doc, png, text(lang, "trend_caption", n=figure, title=title))
        _source(doc, _attribution(data))
        figure += 1
    doc.add_heading(text(lang, "h_per_kpi"), level=2)
    for heading, lines in parts.kpi_paragraphs(data, c, d, lang):
        p = doc.add_paragraph()
        p.add_run(heading).bold = True
        for line in lines:
            doc.add_paragraph(line, style="List Bullet")
    own = [k for k in c["kpi"].astype(str) if is_own(k)]
    if own:
        doc.add_heading(text(lang, "h_own"), level=2)
        titles = parts.kpi_titles(latest)
        rows_own = c.set_index(c["kpi"].astype(str)).loc[own]
        for kpi, row in rows_own.iterrows():
            doc.add_paragraph(
                text(
                    lang,
                    "own_line",
                    kpi=kpi,
                    title=titles.get(str(kpi), ""),
                    before=parts.number(row["gap_baseline"], lang, sign=True),
                    year_b=row["baseline_year"],
                    after=parts.number(row["gap_followup"], lang, sign=True),
                    year_l=row["followup_year"],
                ),
                style="List Bullet",
            )
        from koladagap.benchmarking.measurements import attribution

        _source(doc, attribution(own))
    return figure


def _checklist(doc: Any, result: Any, lang: str, figure: int) -> int:
    """Section 3; returns the next figure's number."""
    from koladagap.render.checklist import readiness_lines

    doc.add_heading(text(lang, "h_checklist"), level=1)
    if result is None:
        _italic(doc, text(lang, "no_scores"))
        return figure
    doc.add_paragraph(text(lang, "checklist_intro"))
    header, rows = parts.checklist_rows(result, lang)
    _table(doc, header, rows, widths=(6.0, 3.0, 3.0, 4.0), numeric=(1, 2, 3))
    for line in parts.verdict_lines(result, lang):
        p = doc.add_paragraph()
        p.add_run(line).bold = True
    for line in readiness_lines(result, lang):
        _small(doc, line)
    item = result.checklist.item_word(lang)
    caption = text(lang, "checklist_caption", n=figure, item=item)
    _picture(doc, parts.checklist_png(result, lang), caption)
    _source(doc, text(lang, "checklist_source"))
    return figure + 1


def _network(doc: Any, data: FinalReportData, lang: str, figure: int) -> None:
    """The network's results: who is in it, the shared flags' counts, the heat map."""
    from koladagap.render import slutrapport_network as net

    result = data.network
    assert result is not None
    org = str(data.plan.organisation)
    doc.add_heading(text(lang, "h_network"), level=1)
    for line in net.network_lines(result, lang):
        doc.add_paragraph(line)
    doc.add_paragraph(net.standing_line(result, org, lang))
    header, rows = net.network_rows(result, org, lang)
    _table(doc, header, rows, widths=(2.4, 5.4, 1.9, 4.0, 2.3), numeric=(2,))
    _small(doc, text(lang, "network_note"))
    doc.add_paragraph(net.shared_line(result, lang))
    _source(doc, ATTRIBUTION_PROCESSED)
    caption = text(lang, "network_caption", n=figure, meeting=result.meeting, year=result.year)
    _picture(doc, net.heatmap_png(result), caption)
    _source(doc, ATTRIBUTION_PROCESSED)


def _attribution(data: FinalReportData) -> str:
    """The source line of the report's figures: Kolada processed, own measurements, or both."""
    from koladagap.benchmarking.measurements import attribution

    res = data.latest if data.latest is not None else data.baseline
    return attribution(res.table["kpi"].astype(str))


def _table(
    doc: Any,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    numeric: Sequence[int] = (),
) -> None:
    """A table with a bold header row, in :data:`TABLE_PT` points; ``numeric`` columns
    (their indexes) are right-aligned."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    if doc.paragraphs:  # the line that introduces the table stays with it
        doc.paragraphs[-1].paragraph_format.keep_with_next = True
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for i, (cell, label) in enumerate(zip(table.rows[0].cells, header, strict=True)):
        run = cell.paragraphs[0].add_run(label)
        run.bold = True
        run.font.size = Pt(TABLE_PT)
        if i in numeric:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for values in rows:
        cells = table.add_row().cells
        for i, (cell, value) in enumerate(zip(cells, values, strict=True)):
            run = cell.paragraphs[0].add_run(value)
            run.font.size = Pt(TABLE_PT)
            if i in numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _keep_together(table)
    table.autofit = False  # the widths below hold in Word and LibreOffice alike
    for column, w in zip(table.columns, widths, strict=False):
        column.width = Cm(w)
        for cell in column.cells:
            cell.width = Cm(w)


def _keep_together(table: Any) -> None:
    """Keep a table on one page where it fits, its header row repeated where it does not.

    Every row but the last keeps with the next (Word and LibreOffice honour it in
    tables), so a header row is never left alone at the foot of a page.
    """
    from docx.oxml import OxmlElement

    header = OxmlElement("w:tblHeader")
    table.rows[0]._tr.get_or_add_trPr().append(header)
    for row in table.rows[:-1]:
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.keep_with_next = True


def _picture(doc: Any, png: bytes, caption: str) -> None:
    from docx.shared import Cm

    doc.add_picture(io.BytesIO(png), width=Cm(PICTURE_CM))
    _italic(doc, caption)


def _italic(doc: Any, line: str) -> None:
    doc.add_paragraph().add_run(line).italic = True


def _small(doc: Any, line: str) -> None:
    from docx.shared import Pt

    doc.add_paragraph().add_run(line).font.size = Pt(TABLE_PT)


def _source(doc: Any, line: str) -> None:
    from docx.shared import Pt

    run = doc.add_paragraph().add_run(line)
    run.font.size = Pt(8)
    run.italic = True


__all__ = ["PICTURE_CM", "write_final_report"]
