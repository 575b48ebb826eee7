"""The deck key persons present at SKR's "Benchmarking 1" (and "Benchmarking 2").

For one organisation and a baseline year, :func:`write_baseline_pack` writes the
main deck, at most 12 slides for the 10 minutes (:mod:`.main`: title, checklist
self-assessment, the overview of every KPI, the main problems one slide each,
own measurements, proposed next steps) as PPTX and as a PDF of the same slides
(real text, vector charts, a bookmark per slide), and on demand the appendix:
every KPI's charts (the overview, then per KPI the trend with Riket and the peer
median, the gap over time and the gap among all kommuner) as a second deck and a
searchable vector PDF with bookmarks per KPI and chart. The charts shown are also
PNG/SVG files in ``charts/``. For a follow-up meeting the deck presents the
prioritised KPIs against the organisation's targets. Every file is written to a
temporary name and moved into place, so a crash never leaves half a file.

The pack draws what it is given and never fetches: :func:`pack_input` makes its
input from the baseline session's :class:`~koladagap.benchmarking.run.PlanResult`;
:func:`baseline_pack_input` gathers it for one organisation from the shipped sample,
the cache or the API, and :func:`baseline_pack_from_sample` is its offline shorthand.

The parts: :mod:`.model` (the input and its frames), :mod:`.content` (which charts,
and the slide text), :mod:`.main` (the main deck's slides), :mod:`.slides` (their
layout, as PPTX and PDF), :mod:`.outline` (pypdf: charts into pages, bookmarks),
:mod:`.pdf` and :mod:`.deck` (the appendix), :mod:`.write` (drawing and saving)
and :mod:`.inputs`.

Examples:
    >>> import tempfile
    >>> inp = baseline_pack_from_sample("0180", 2018, kpis=["N15428"])
    >>> with tempfile.TemporaryDirectory() as out:
    ...     [p.name for p in write_baseline_pack(inp, out, formats="png,pdf", appendix=True)]
    ... # doctest: +NORMALIZE_WHITESPACE
    ['01_oversikt.png', 'utgangslage_0180_2018.pdf', '01_oversikt.png', 'N15428_1_trend.png',
     'N15428_2_skillnad.png', 'N15428_3_kommuner.png', 'utgangslage_0180_2018_bilaga.pdf']
"""

from __future__ import annotations

from koladagap.render.pack.content import all_charts as _charts
from koladagap.render.pack.content import kpi_charts as _kpi_charts
from koladagap.render.pack.inputs import baseline_pack_from_sample, baseline_pack_input, pack_input
from koladagap.render.pack.model import DEFAULT_FORMATS, FORMATS, PackInput
from koladagap.render.pack.model import Chart as _Chart
from koladagap.render.pack.model import PackData as _Data
from koladagap.render.pack.write import parse_formats, write_baseline_pack

__all__ = [
    "DEFAULT_FORMATS",
    "FORMATS",
    "PackInput",
    "baseline_pack_from_sample",
    "baseline_pack_input",
    "pack_input",
    "parse_formats",
    "write_baseline_pack",
]

# names tests and older code reach for (not part of the public API)
_PRIVATE = (_Chart, _Data, _charts, _kpi_charts)
