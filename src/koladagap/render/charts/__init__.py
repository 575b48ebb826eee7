"""Matplotlib charts of gender gaps, sized and worded for a slide at Benchmarking 1.

Every function takes data and ``ax=None``, draws on the given Axes (or on a
new 16:9 figure), and returns the Axes. Nothing here shows a figure or picks a
backend. Text is Swedish by default (``lang="en"`` for English); the attribution
"Källa: Kolada; egen bearbetning" is always written at the foot of the figure.

Women and men are told apart by colour (Okabe–Ito vermilion and blue), marker
(circle, square) and line style (solid, dashed), so a chart survives a
grey-scale printer and colour-blind readers. Key artists carry a ``gid``
(``"women"``, ``"men"``, ``"riket_women"``, ``"peers_men"``, ``"gap"``,
``"gap_mean3"``, ``"baseline"``, ``"organisation"``, ``"peers"``, ``"riket"``…)
so tests and callers can find them.

The modules: :mod:`~koladagap.render.charts.base` (the slide figure, title, legend,
notes and footer), :mod:`~koladagap.render.charts.labels` (units and short titles read
from a KPI title, values with their unit), :mod:`~koladagap.render.charts.levels`
(:func:`level_map`), :mod:`~koladagap.render.charts.trend`,
:mod:`~koladagap.render.charts.gap`, :mod:`~koladagap.render.charts.overview` (the
dumbbell) and :mod:`~koladagap.render.charts.rank`. Colours come from
:mod:`koladagap.render.style`, words and numbers from :mod:`koladagap.render.i18n`.

Examples:
    >>> import koladagap.kolada.sample as s
    >>> from koladagap.kolada.frames import to_wide
    >>> from koladagap.render.charts import plot_kpi_trend
    >>> v = s.sample_values()
    >>> wide = to_wide(v[v["kpi"].eq("N15428") & v["municipality_id"].isin(["0180", "0000"])])
    >>> ax = plot_kpi_trend(wide, "N15428", "0180", municipality_name="Stockholm",
    ...                     kpi_title="Elever i åk 9 som är behöriga till yrkesprogram, "
    ...                     "hemkommun, andel (%)", baseline_year=2018)
    >>> [t.get_text().strip() for t in ax.get_legend().get_texts()]
    ['Stockholm', 'flickor', 'pojkar', 'Riket', 'flickor', 'pojkar']
    >>> [line.get_gid() for line in ax.get_lines()]
    ['women', 'men', 'riket_women', 'riket_men', 'baseline']
"""

from __future__ import annotations

from koladagap.columns import RIKET_ID
from koladagap.render.charts.base import (
    ATTRIBUTION,
    FONT,
    PEER_MIN,
    SLIDE_SIZE,
)
from koladagap.render.charts.base import _finish as _finish  # for render.units, for now
from koladagap.render.charts.base import _get_ax as _get_ax  # for render.units, for now
from koladagap.render.charts.gap import plot_gap_trend, rolling_mean3
from koladagap.render.charts.labels import (
    KpiUnits,
    format_gap,
    format_value,
    kpi_units,
    short_title,
)
from koladagap.render.charts.levels import level_map
from koladagap.render.charts.overview import dumbbell_index, plot_dumbbell
from koladagap.render.charts.rank import org_kind, plot_gap_among_municipalities, rank_kind
from koladagap.render.charts.trend import plot_kpi_trend
from koladagap.render.i18n import LEVEL_LABELS, LEVEL_SHORT, check_lang, format_number
from koladagap.render.i18n.charts import CHART_TEXT, RANK_NOUN, text
from koladagap.render.style import (
    LEVEL_COLOURS,
    LEVELS,
    NO_LEVEL_COLOUR,
    OKABE_ITO,
    SEX_STYLE,
)

__all__ = [
    "ATTRIBUTION",
    "CHART_TEXT",
    "FONT",
    "LEVELS",
    "LEVEL_COLOURS",
    "LEVEL_LABELS",
    "LEVEL_SHORT",
    "NO_LEVEL_COLOUR",
    "OKABE_ITO",
    "PEER_MIN",
    "RANK_NOUN",
    "RIKET_ID",
    "SEX_STYLE",
    "SLIDE_SIZE",
    "KpiUnits",
    "check_lang",
    "dumbbell_index",
    "format_gap",
    "format_number",
    "format_value",
    "kpi_units",
    "level_map",
    "org_kind",
    "plot_dumbbell",
    "plot_gap_among_municipalities",
    "plot_gap_trend",
    "plot_kpi_trend",
    "rank_kind",
    "rolling_mean3",
    "short_title",
    "text",
]
