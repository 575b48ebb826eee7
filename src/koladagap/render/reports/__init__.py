"""The deviation report for managers: overview, avvikelseanmälan per flag, methods annex.

:func:`build_report` turns a :class:`~koladagap.benchmarking.run.PlanResult` into
one :class:`~.model.Report` (Swedish by default, ``lang="en"`` for English) whose
tables every writer shares:

- **overview** (*Översikt*): one row per KPI with the values, the gap, the level
  and why, the thresholds applied, the reference (robust z and percentile among
  all municipalities of the same type), the peers and Riket as context, and — at a
  follow-up — the baseline, the change and the movement of the flag, and the
  distance to the organisation's own target;
- **notices** (*Avvikelseanmälan*): one pre-filled notice per ``watch``/``act``
  row, with empty fields the organisation completes (causes, consequences for
  women/men or girls/boys, action, responsible, follow-up date);
- **units** (*Enheter*): gaps per organisational unit, when the plan asks for them;
- **annex** (*Metodbilaga*): every threshold, expectation and exclusion used.

:func:`write_report` writes it as ``.xlsx`` (one sheet per part, frozen header,
filters, level colours, column widths), ``.csv`` (one file per part), ``.md`` or
``.html``; optionally one file per operating area. Every output carries the source
line ("Källa: Kolada; egen bearbetning"; in a csv file the last column, ``source``).
:func:`report_frames` gives the same parts as labelled frames.

Every number sits under a label that says what it is: a share of one sex has its
share and its distance from 50/50 in their own columns, the baseline year's gap and
the multi-year means the follow-up compares are labelled apart, and the change is
computed from the printed means (:mod:`.followup`, docs/methods.md section 7).

Modules: :mod:`.model` (the table model), :mod:`.build`, :mod:`.followup` and
:mod:`.annex` (the tables of a result), :mod:`.write` (the entry point) and one module
per format (:mod:`.write_xlsx`, :mod:`.write_csv`, :mod:`.text` for md, :mod:`.html`).
The words are in :mod:`koladagap.render.i18n.report`.
"""

from __future__ import annotations

from koladagap.render.i18n import ATTRIBUTION_PROCESSED
from koladagap.render.reports.annex import annex_frame, annex_table
from koladagap.render.reports.build import build_report, report_frames
from koladagap.render.reports.model import Column, Report, ReportFrames, Table
from koladagap.render.reports.write import FORMATS, check_report_path, write_report

SOURCE = ATTRIBUTION_PROCESSED
"""The source line of a report of Kolada data: "Källa: Kolada; egen bearbetning"."""

__all__ = [
    "FORMATS",
    "SOURCE",
    "Column",
    "Report",
    "ReportFrames",
    "Table",
    "annex_frame",
    "annex_table",
    "build_report",
    "check_report_path",
    "report_frames",
    "write_report",
]
