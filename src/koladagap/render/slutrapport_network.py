"""The final report's network section: the network's counts, the heat map and the words.

With ``koladagap slutrapport --network FILE`` the report gets a section on the
organisation's benchmarking network (a
:class:`~koladagap.benchmarking.network_model.NetworkResult` run for the plan's
latest meeting). The counts are :func:`koladagap.render.network.model.flags_by`'s (the
network workbook's and deck's), the chart is the deck's heat map
(:func:`koladagap.render.network.charts.draw_heatmap`) drawn once on an Agg figure.
:mod:`koladagap.render.slutrapport` puts them in the document.
"""

from __future__ import annotations

import io

import pandas as pd

from koladagap.benchmarking.network_model import NetworkResult
from koladagap.render.charts import short_title
from koladagap.render.i18n import LEVEL_SHORT
from koladagap.render.i18n.slutrapport import text
from koladagap.render.network.model import (
    FLAGS,
    flags_by,
    kpi_order,
    kpi_titles,
    matrix,
    mentor_name,
    n_members,
    organisations,
)

TITLE_CHARS = 60
"""A KPI's title in the table is cut to this many characters."""


def kpi_counts(result: NetworkResult) -> pd.DataFrame:
    """Per shared KPI: ``kpi, n, names, mentor_flag`` (most flagged first), as the deck counts.

    Only the network's shared KPIs (:func:`~koladagap.render.network.model.kpi_order`).
    """
    counts = flags_by(result, "kpi")
    return counts.loc[counts["kpi"].isin(kpi_order(result))].reset_index(drop=True)


def network_lines(result: NetworkResult, lang: str) -> list[str]:
    """The section's opening: the network and meeting, the members, the mentor."""
    orgs = organisations(result)
    members = orgs.loc[orgs["role"] != "mentor", "name"].astype(str)
    mentor = mentor_name(result)
    return [
        text(lang, "network_intro", name=result.name, meeting=result.meeting, year=result.year),
        text(lang, "network_members", members=", ".join(members)),
        text(lang, "network_mentor", mentor=mentor) if mentor else text(lang, "network_no_mentor"),
    ]


def network_rows(
    result: NetworkResult, organisation: str, lang: str
) -> tuple[list[str], list[list[str]]]:
    """The table: per shared KPI the id, title, how many members flag it, which, and the
    organisation's own level in short words (its column of the network's matrix)."""
    orgs = organisations(result)
    name = dict(zip(orgs["id"], orgs["name"], strict=True)).get(organisation, organisation)
    counts = kpi_counts(result)
    titles = kpi_titles(result)
    own = matrix(result, "level").get(organisation)
    levels = pd.Series(LEVEL_SHORT[lang])
    here = (
        counts["kpi"].map(own).map(levels).fillna("–")
        if own is not None
        else pd.Series("–", index=counts.index)
    )
    total = n_members(result)
    header = [
        text(lang, "col_kpi"),
        text(lang, "col_title"),
        text(lang, "col_n_flag"),
        text(lang, "col_who"),
        text(lang, "col_here", name=name),
    ]
    rows = [
        [k, short_title(titles.get(k, ""), TITLE_CHARS), text(lang, "n_of", n=n, total=total), w, h]
        for k, n, w, h in zip(
            counts["kpi"].astype(str),
            counts["n"].astype(int),
            counts["names"].astype(str),
            here.astype(str),
            strict=True,
        )
    ]
    return header, rows


def standing_line(result: NetworkResult, organisation: str, lang: str) -> str:
    """Where the organisation stands: how many shared KPIs it flags, how many of them others do."""
    orgs = organisations(result)
    name = dict(zip(orgs["id"], orgs["name"], strict=True)).get(organisation, organisation)
    counts = kpi_counts(result).set_index("kpi")
    own = matrix(result, "level").get(organisation)
    mine = (
        own.reindex(counts.index).isin(FLAGS)
        if own is not None
        else pd.Series(False, index=counts.index)
    )
    member = organisation != result.mentor
    others = counts["n"] - (1 if member else 0) * mine.astype(int)
    return text(
        lang,
        "network_stands",
        name=name,
        n=int(mine.sum()),
        total=len(counts),
        shared=int((mine & (others > 0)).sum()),
    )


def shared_line(result: NetworkResult, lang: str) -> str:
    """One sentence naming the operating areas flagged by several members (or none)."""
    areas = flags_by(result, "area_name")
    several = areas.loc[areas["n"] >= 2, "area_name"].astype(str).tolist()
    if not several:
        return text(lang, "network_none_shared")
    return text(lang, "network_shared", areas=", ".join(several))


def heatmap_png(result: NetworkResult) -> bytes:
    """The network's heat map (every shared KPI), its height grown with the rows, as PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from koladagap.render.charts import SLIDE_SIZE
    from koladagap.render.network.charts import draw_heatmap

    kpis = kpi_order(result)
    fig = Figure(figsize=(SLIDE_SIZE[0], max(SLIDE_SIZE[1], 1.2 + 0.42 * len(kpis))))
    FigureCanvasAgg(fig)
    draw_heatmap(result, kpis, fig.add_subplot())
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150)
    return buf.getvalue()


__all__ = [
    "heatmap_png",
    "kpi_counts",
    "network_lines",
    "network_rows",
    "shared_line",
    "standing_line",
]
