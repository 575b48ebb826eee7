"""The pack's PDF: a vector PDF written by matplotlib, with real, searchable text.

A title page, an index (each KPI and the page of each of its charts), then one chart
per page with its page number. The document's metadata names the pack, the source
and koladagap (Title, Subject, Author, Creator).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from koladagap.render import charts
from koladagap.render.charts.base import harmless_texts
from koladagap.render.i18n import ATTRIBUTION_PROCESSED
from koladagap.render.i18n.pack import text
from koladagap.render.pack.content import caption
from koladagap.render.pack.model import INDEX_LINES_PER_PAGE, Chart, PackData

INDEX_KINDS = ("trend", "gap", "rank")
"""The index table's page columns."""

IndexEntry = tuple[str, dict[str, int]]


def index_entries(d: PackData, chart_list: Sequence[Chart], first_page: int) -> list[IndexEntry]:
    """One index row per KPI (and the overview): its label and its pages by chart kind."""
    entries: dict[str, IndexEntry] = {}
    for page, chart in enumerate(chart_list, start=first_page):  # ~60 charts at most
        key = chart.kpi or ""
        if key not in entries:
            label = (
                f"{charts.short_title(d.title(key), 60)} ({key})"
                if key
                else text(d.inp.lang, "overview")
            )
            entries[key] = (label, {})
        kind = "trend" if chart.kind == "overview" else chart.kind
        entries[key][1][kind] = page
    return list(entries.values())


def n_index_pages(chart_list: Sequence[Chart]) -> int:
    """How many index pages the charts need."""
    n_entries = len({c.kpi for c in chart_list})
    return max(1, -(-n_entries // INDEX_LINES_PER_PAGE))


def first_chart_page(chart_list: Sequence[Chart]) -> int:
    """The page number of the first chart (after the title page and the index)."""
    return 2 + n_index_pages(chart_list)


def cover_lines(d: PackData) -> list[str]:
    """The lines under the title on the first page and slide."""
    inp, lang = d.inp, d.inp.lang
    lines = [
        text(lang, "baseline_year", year=inp.baseline_year),
        text(lang, "n_kpis", n=len(inp.kpis)).capitalize(),
    ]
    if inp.peer_group_title:
        lines.append(text(lang, "peers", title=inp.peer_group_title))
    lines.append(text(lang, "date", date=dt.date.today().isoformat()))
    return lines


def title_page(fig: Figure, d: PackData) -> None:
    """Draw the title page on ``fig``."""
    from koladagap.benchmarking.measurements import attribution

    inp = d.inp
    fig.clf()
    fig.text(0.07, 0.78, inp.pack_title, fontsize=26, fontweight="bold", va="top")
    fig.text(0.07, 0.64, f"{inp.organisation_name} ({inp.organisation_id})", fontsize=20, va="top")
    fig.text(0.07, 0.5, "\n".join(cover_lines(d)), fontsize=14, va="top", linespacing=1.6)
    source = attribution(inp.kpis)
    fig.text(0.07, 0.08, source, fontsize=12, color="#333333", gid="attribution")


def index_pages(pdf: PdfPages, fig: Figure, d: PackData, entries: Sequence[IndexEntry]) -> None:
    """The index as a table: each KPI, then the page of each of its charts."""
    lang = d.inp.lang
    columns = (0.655, 0.765, 0.885)  # centres of the page-number columns
    for start in range(0, len(entries), INDEX_LINES_PER_PAGE):
        fig.clf()
        fig.text(0.06, 0.9, text(lang, "index"), fontsize=20, fontweight="bold")
        fig.text(0.06, 0.86, text(lang, "pages"), fontsize=10.5, color="#555555")
        head: dict[str, Any] = {"fontsize": 11, "fontweight": "bold", "va": "baseline"}
        fig.text(0.06, 0.79, text(lang, "kpi"), **head)
        for x, kind in zip(columns, INDEX_KINDS, strict=True):
            fig.text(x, 0.79, caption(d, kind).capitalize(), ha="center", **head)
        for i, (label, pages) in enumerate(entries[start : start + INDEX_LINES_PER_PAGE]):
            y = 0.74 - i * 0.042
            fig.text(0.06, y, label, fontsize=11, va="baseline")
            for x, kind in zip(columns, INDEX_KINDS, strict=True):
                if kind in pages:
                    fig.text(x, y, str(pages[kind]), fontsize=11, ha="center", va="baseline")
        fig.text(0.06, 0.03, ATTRIBUTION_PROCESSED, fontsize=10.5, color="#333333")
        save_page(pdf, fig)


def number_page(fig: Figure, page: int) -> None:
    """Print the page number at the bottom right of a chart page."""
    fig.text(
        0.99, 0.015, str(page), ha="right", va="bottom", fontsize=10, color="#555555",
        gid="page_number",
    )  # fmt: skip


def save_page(pdf: PdfPages, fig: Figure) -> None:
    """Add ``fig`` as the next page of ``pdf`` (its texts made harmless first)."""
    harmless_texts(fig)
    pdf.savefig(fig)  # type: ignore[no-untyped-call]


def metadata(d: PackData) -> dict[str, Any]:
    """The PDF's document information: title, subject, author, creator."""
    inp = d.inp
    return {
        "Title": f"{inp.pack_title}: {inp.organisation_name}",
        "Subject": ATTRIBUTION_PROCESSED,
        "Author": "koladagap",
        "Creator": "koladagap",
    }


@contextlib.contextmanager
def open_pdf(
    d: PackData, chart_list: Sequence[Chart], path: Path, fig: Figure
) -> Iterator[PdfPages]:
    """The pack's PDF at ``path`` with its title page and index written; chart pages follow."""
    entries = index_entries(d, chart_list, first_chart_page(chart_list))
    with PdfPages(path, metadata=metadata(d)) as pdf:
        title_page(fig, d)
        save_page(pdf, fig)
        index_pages(pdf, fig, d, entries)
        yield pdf


__all__ = [
    "INDEX_KINDS",
    "cover_lines",
    "first_chart_page",
    "index_entries",
    "metadata",
    "n_index_pages",
    "number_page",
    "open_pdf",
    "save_page",
    "title_page",
]
