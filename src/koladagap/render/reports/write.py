"""Write the deviation report: pick the writer by the file's suffix, optionally per area."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from koladagap.errors import InputError
from koladagap.render.reports.build import build_report
from koladagap.render.reports.html import write_html
from koladagap.render.reports.model import Report
from koladagap.render.reports.text import write_md
from koladagap.render.reports.write_csv import slug, write_csv
from koladagap.render.reports.write_xlsx import write_xlsx

if TYPE_CHECKING:
    from koladagap.benchmarking.run import PlanResult

FORMATS = (".xlsx", ".csv", ".md", ".html")
"""The report's file formats, by suffix."""

WRITERS: dict[str, Callable[[Report, Path], list[Path]]] = {
    ".xlsx": write_xlsx,
    ".csv": write_csv,
    ".md": write_md,
    ".html": write_html,
}
"""The writer of each format: a :class:`~koladagap.render.reports.model.Report` to files."""


def check_report_path(path: Path) -> str:
    """The report format of ``path`` (its suffix), or an :class:`InputError` naming the choices.

    >>> check_report_path(Path("avvikelser.XLSX"))
    '.xlsx'
    >>> check_report_path(Path("avvikelser.pdf"))
    Traceback (most recent call last):
    ...
    koladagap.errors.InputError: invalid report file 'avvikelser.pdf': expected a name ending in .xlsx, .csv, .md or .html
    """  # noqa: E501
    ext = path.suffix.lower()
    if ext not in FORMATS:
        raise InputError(
            f"invalid report file {str(path)!r}: expected a name ending in "
            + ", ".join(FORMATS[:-1])
            + f" or {FORMATS[-1]}"
        )
    return ext


def write_report(
    result: PlanResult,
    out: str | os.PathLike[str],
    *,
    lang: str = "sv",
    split_by_area: bool = False,
) -> list[Path]:
    """Write the report to ``out`` (``.xlsx``, ``.csv``, ``.md`` or ``.html``); return the files.

    With ``split_by_area`` one more file per operating area is written next to it
    (``<name>-<area>.<ext>``) so each manager gets the flags of their own area.
    """
    path = Path(out)
    writer = WRITERS[check_report_path(path)]
    report = build_report(result, lang)
    written = writer(report, path)
    if split_by_area:
        for area in sorted(set(result.areas.values())):
            part = build_report(result.for_area(area), lang)
            part.header.insert(1, f"{report.text['area']}: {area}")
            written += writer(part, path.with_name(f"{path.stem}-{slug(area)}{path.suffix}"))
    return written


__all__ = ["FORMATS", "WRITERS", "check_report_path", "write_report"]
