"""The deviation report's public names, where they have always been imported from.

The report lives in the package :mod:`koladagap.render.reports` (one table model,
one writer per format); this module re-exports its public names so that
``from koladagap.render.report import write_report`` keeps working.
"""

from __future__ import annotations

from koladagap.render.reports import (
    FORMATS,
    SOURCE,
    ReportFrames,
    annex_frame,
    check_report_path,
    report_frames,
    write_report,
)

__all__ = [
    "FORMATS",
    "SOURCE",
    "ReportFrames",
    "annex_frame",
    "check_report_path",
    "report_frames",
    "write_report",
]
