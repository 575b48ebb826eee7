"""The report as ``.csv`` files: the overview, the notices, the annex (and the units).

Numbers are written as plain decimals (a point, no thousands separator) so other
programs read them; settings and texts as the reader reads them. Each file is plain
CSV that ``pandas.read_csv`` reads with its defaults: the attribution is the last
column, ``source`` ("Källa: Kolada; egen bearbetning"), on every row. A text cell
that a spreadsheet could read as a formula (``=``, ``+``, ``-``, ``@``) starts with a
single quote (:func:`koladagap._cells.csv_frame`); numbers are never quoted.
"""

from __future__ import annotations

import re
from pathlib import Path

from koladagap._cells import csv_frame
from koladagap._files import write_atomic
from koladagap.render.reports.model import Report

SOURCE_COLUMN = "source"
"""The last column of every CSV koladagap writes: its attribution (Kolada's terms)."""


def slug(text: str) -> str:
    """A file-name part of ``text``: ``"Avvikelseanmälan"`` → ``"avvikelseanmalan"``.

    >>> slug("Skola & förskola")
    'skola-forskola'
    """
    table = str.maketrans("åäöÅÄÖéÉ", "aaoAAOeE")
    return re.sub(r"[^A-Za-z0-9]+", "-", text.translate(table)).strip("-").lower() or "omrade"


def write_csv(report: Report, path: Path) -> list[Path]:
    """One file per table: ``path`` the overview, ``<stem>-<table>.csv`` the others."""
    out = []
    units = [report.units] if report.units is not None else []
    for i, table in enumerate([report.overview, report.notices, report.annex, *units]):
        target = path if i == 0 else path.with_name(f"{path.stem}-{slug(table.name)}.csv")
        frame = table.frame()
        frame[SOURCE_COLUMN] = report.source
        write_atomic(target, csv_frame(frame).to_csv(index=False))
        out.append(target)
    return out


__all__ = ["SOURCE_COLUMN", "slug", "write_csv"]
