"""The report as one HTML page: rows coloured by level, notices as forms to complete.

It reads the same :class:`~koladagap.render.reports.model.Report` as the other writers
(every cell through :meth:`~koladagap.render.reports.model.Table.texts`).
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from koladagap._files import write_atomic
from koladagap.render.reports.model import Report, Table
from koladagap.render.reports.text import notice_fields
from koladagap.render.style import level_fill, level_font

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;font-size:13px;margin-bottom:1.5em}
th,td{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#f2f2f2;position:sticky;top:0}
.notice{border:1px solid #999;padding:0.5em 1em;margin:1em 0;page-break-inside:avoid}
.blank{border-bottom:1px dotted #666;min-width:30em;display:inline-block}
td.long{min-width:26em}
footer{margin-top:2em;font-style:italic}
"""


def html_table(table: Table, coloured: bool = False) -> str:
    """A table as HTML; ``coloured`` fills each row with its level's colour."""
    e = html.escape
    df = table.texts()
    levels = table.levels if coloured and table.levels is not None else None
    out = [
        "<table><thead><tr>",
        *(f"<th>{e(c)}</th>" for c in table.labels),
        "</tr></thead><tbody>",
    ]
    for i, row in enumerate(df.itertuples(index=False)):
        style = ""
        if levels is not None:
            lv = str(levels.iloc[i]) if pd.notna(levels.iloc[i]) else ""
            style = f' style="background:{level_fill(lv)};color:{level_font(lv)}"'
        out.append(f"<tr{style}>")
        for text in row:
            cls = ' class="long"' if len(str(text)) > 80 else ""  # a sentence: room to read it
            out.append(f"<td{cls}>{e(str(text))}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def write_html(report: Report, path: Path) -> list[Path]:
    """The report as one HTML page, rows coloured by level, notices as forms to complete."""
    t = report.text
    e = html.escape
    parts = [
        f'<!DOCTYPE html><html lang="{report.lang}"><head><meta charset="utf-8">',
        f"<title>{e(report.header[0])}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(report.header[0])}</h1>",
        "".join(f"<p>{e(h)}</p>" for h in report.header[1:]),
        f"<h2>{e(t['overview'])}</h2>",
        html_table(report.overview, coloured=True),
        f"<h2>{e(t['notices'])}</h2>",
    ]
    if not len(report.notices):
        parts.append(f"<p>{e(t['no_flags'])}</p>")
    titles = report.notices.texts()
    for i in range(len(report.notices)):
        row = titles.iloc[i]
        parts.append('<section class="notice">')
        parts.append(f"<h3>{e(row[t['kpi']])} {e(row[t['kpi_title']])}</h3><dl>")
        for label, text, blank in notice_fields(report, row, i):
            value = '<span class="blank">&nbsp;</span>' if blank else e(text)
            parts.append(f"<dt><b>{e(label)}</b></dt><dd>{value}</dd>")
        parts.append("</dl></section>")
    if report.units is not None:
        parts += [f"<h2>{e(t['units'])}</h2><p>{e(report.units.note)}</p>"]
        parts.append(html_table(report.units))
    parts += [
        f"<h2>{e(t['annex'])}</h2>",
        html_table(report.annex),
        f"<footer>{e(report.source)}</footer></body></html>",
    ]
    write_atomic(path, "".join(parts))
    return [path]


__all__ = ["html_table", "write_html"]
