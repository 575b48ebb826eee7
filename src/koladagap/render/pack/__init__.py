"""The baseline chart pack that key persons present at SKR's "Benchmarking 1".

For one organisation and a baseline year, :func:`write_baseline_pack` draws an
overview (women and men per KPI, coloured by level when levels are given)
and, per KPI, the trend with Riket and the peer median, the gap over time
and the gap among all kommuner. It writes them as PNG/SVG files in
``charts/``, one vector PDF with searchable text (title page, index, one chart
per page) and one 16:9 PPTX deck whose chart slides carry an editable text box
with the baseline values, the gap and the level. Every file is written to a
temporary name and moved into place, so a crash never leaves half a file.

The pack draws what it is given and never fetches: :func:`pack_input` makes its
input from the baseline session's :class:`~koladagap.benchmarking.run.PlanResult`;
:func:`baseline_pack_input` gathers it for one organisation from the shipped sample,
the cache or the API, and :func:`baseline_pack_from_sample` is its offline shorthand.

The parts: :mod:`.model` (the input and its frames), :mod:`.content` (which charts,
and the slide text), :mod:`.pdf`, :mod:`.deck` (PPTX), :mod:`.write` (drawing and
saving) and :mod:`.inputs`.

Examples:
    >>> import tempfile
    >>> inp = baseline_pack_from_sample("0180", 2018, kpis=["N15428"])
    >>> with tempfile.TemporaryDirectory() as out:
    ...     [p.name for p in write_baseline_pack(inp, out, formats="png")]
    ['01_oversikt.png', 'N15428_1_trend.png', 'N15428_2_skillnad.png', 'N15428_3_kommuner.png']
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
