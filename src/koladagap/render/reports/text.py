"""The report as text: the ``.md`` writer (the ``.html`` one is :mod:`.html`).

Both read the same :class:`~koladagap.render.reports.model.Report`; every cell goes
through :meth:`~koladagap.render.reports.model.Table.texts` (the i18n formats), so
the page and the workbook say the same numbers in the same words. Text from Kolada or
the plan is escaped for Markdown (:func:`md_escape`): raw HTML, links, emphasis and
headings in a title are shown as written, never rendered.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from koladagap._cells import clean_text
from koladagap._files import write_atomic
from koladagap.render.reports.model import Column, Report, Table

SHORT = (
    "kpi",
    "kpi_title",
    "period",
    "women",
    "men",
    "share_K",
    "share_M",
    "gap",
    "distance",
    "disadvantaged",
    "level",
)
"""The overview's columns in the markdown page (with the follow-up's change and why);
the one-sex columns only when the report has a share of one sex."""

ALTERNATIVES = frozenset(
    {
        "women",
        "men",
        "total",
        "share_K",
        "share_M",
        "gap",
        "distance",
        "relative_gap",
        "peer_median_gap",
        "peer_median_distance",
        "riket_gap",
        "riket_distance",
        "gap_baseline",
        "distance_baseline",
    }
)
"""A notice's fields of which a KPI has one kind: the gap of women and men, or a one-sex
share's distance from 50/50. An empty one is left out of the notice."""

_EMPTY_FIELD = "…………"


def notice_fields(report: Report, row: pd.Series, i: int) -> list[tuple[str, str, bool]]:
    """Label, text and "to be completed" of each field of notice ``i`` (texts ``row``).

    One entry per column of :attr:`Report.notices`, in order (:func:`notice_items`
    leaves out the fields that do not apply to the notice's KPI).
    """
    return [
        (report.label(col.key, i), text, col.blank)
        for col, text in zip(report.notices.columns, row.tolist(), strict=True)
    ]


def notice_items(report: Report, row: pd.Series, i: int) -> list[tuple[Column, str, str, bool]]:
    """Column, label, text and "to be completed" of the fields that apply to notice ``i``.

    As :func:`notice_fields`, without the empty fields of the other kind of KPI
    (:data:`ALTERNATIVES`: a gap for a one-sex share, a share for a KPI split by sex).
    """
    fields = notice_fields(report, row, i)
    return [
        (col, label, text, blank)
        for col, (label, text, blank) in zip(report.notices.columns, fields, strict=True)
        if text or col.key not in ALTERNATIVES
    ]


# --- markdown --------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}<>|~!#])")
_MD_LINE_START = re.compile(r"^(\s*|\s*\d+)([-+=>.)])")


def md_escape(s: object) -> str:
    r"""``s`` as literal Markdown text on one line: HTML, links and emphasis escaped.

    ``&`` becomes ``&amp;`` (no character references), Markdown's punctuation gets a
    backslash, and a start that would make a list, quote or heading is escaped too.

    >>> print(md_escape("<img src=x onerror=alert(1)> [a](http://x) *b* & c"))
    \<img src=x onerror=alert(1)\> \[a\](http://x) \*b\* &amp; c
    >>> print(md_escape("- Skola"))
    \- Skola
    >>> print(md_escape("1. Skola"))
    1\. Skola
    """
    text = clean_text(str(s), newlines=False).replace("&", "&amp;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LINE_START.sub(r"\1\\\2", text)


def md_table(table: Table) -> str:
    """A table as a markdown table (cells formatted by the report's language)."""
    df = table.texts()
    head = "| " + " | ".join(md_escape(x) for x in table.labels) + " |"
    lines = [head, "|" + "---|" * len(table.columns)]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(md_escape(v) for v in row) + " |")
    return "\n".join(lines)


def write_md(report: Report, path: Path) -> list[Path]:
    """The report as one markdown page: overview (short), notices, units, annex, source."""
    t = report.text
    header = [md_escape(h) for h in report.header]
    lines = [f"# {header[0]}", ""] + [f"{h}  " for h in header[1:]] + [""]
    keys = [*SHORT, "change", "flag_movement", "reasons"]
    lines += [f"## {t['overview']}", "", md_table(report.overview.select(keys)), ""]
    lines += [f"## {t['notices']}", ""]
    if not len(report.notices):
        lines += [t["no_flags"], ""]
    titles = report.notices.texts()
    for i in range(len(report.notices)):
        row = titles.iloc[i]
        head = " ".join(md_escape(row[t[k]]) for k in ("kpi", "kpi_title"))
        lines += [f"### {head} – {md_escape(row[t['level']])}", ""]
        for _, label, text, blank in notice_items(report, row, i):
            value = md_escape(text) if text else (_EMPTY_FIELD if blank else "–")
            lines.append(f"- **{md_escape(label)}:** {value}")
        lines.append("")
    if report.units is not None:
        note = md_escape(report.units.note)
        lines += [f"## {t['units']}", "", note, "", md_table(report.units), ""]
    lines += [f"## {t['annex']}", "", md_table(report.annex), "", f"*{report.source}*", ""]
    write_atomic(path, "\n".join(lines))
    return [path]


__all__ = [
    "ALTERNATIVES",
    "SHORT",
    "md_escape",
    "md_table",
    "notice_fields",
    "notice_items",
    "write_md",
]
