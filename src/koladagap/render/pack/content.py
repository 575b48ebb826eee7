"""Which charts the pack holds, in order, and the text beside each on its slide.

The overview comes first (women and men per KPI, coloured by level), then per KPI
the trend with Riket and the peer median, the gap over time and the gap among all
kommuner (regioner for a region; not for counts, and not when too few have a gap).
A KPI with one value per year and no split by sex (a share of one sex, N00945) gets
its trend only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from koladagap.columns import KPI, MUNICIPALITY_ID, PERIOD
from koladagap.render import charts
from koladagap.render.charts.base import harmless_texts
from koladagap.render.i18n import ATTRIBUTION_PROCESSED, LEVEL_LABELS, LEVEL_ORDER, format_number
from koladagap.render.i18n.groups import is_about_children, sex_labels
from koladagap.render.i18n.measures import ONE_SEX, gap_heading, share_heading
from koladagap.render.i18n.pack import text
from koladagap.render.pack.model import MIN_RANKED, Chart, PackData, ranked_kind

log = logging.getLogger("koladagap")


def level_line(d: PackData, kpi: str) -> str:
    """``"Bedömning: Avvikelse – bevaka"``, or ``"Bedömning: …"`` without a level."""
    lang = d.inp.lang
    level = d.levels.get(kpi)
    if not level:
        return text(lang, "no_level")
    return f"{text(lang, 'level')}: {LEVEL_LABELS[lang][level]}"


def fact_lines(d: PackData, kpi: str, year: int | None = None) -> list[str]:
    """The KPI's values in ``year`` (default: the baseline): women, men and the gap.

    The gap is that year's women − men (the same number as ``gaps.csv``'s ``gap``);
    a one-sex share (N00945) shows the share and its distance from 50/50, labelled
    by :mod:`koladagap.render.i18n.measures`.
    """
    inp, lang = d.inp, d.inp.lang
    title = d.title(kpi)
    units = charts.kpi_units(title, lang)
    year = inp.baseline_year if year is None else int(year)
    row = d.own_row(kpi, year)
    lines = [f"{text(lang, 'baseline')} {year}" if year == inp.baseline_year else str(year)]
    if kpi in d.t_only:
        value = np.nan if row is None else float(row["total"])
        sex = d.one_sex.get(kpi)
        if sex:
            distance = format_number(value - 50.0, lang, sign=True)
            lines += [
                f"{share_heading(lang, sex)}: {charts.format_value(value, units, lang)}",
                f"{gap_heading(lang, kind=ONE_SEX)}: {distance}",
            ]
        else:
            lines.append(
                f"{text(lang, 'share_of', year=year)}: {charts.format_value(value, units, lang)}"
            )
    elif row is None or (np.isnan(row["women"]) and np.isnan(row["men"])):
        lines.append(text(lang, "no_data", year=year))
    else:
        women, men = sex_labels(title, lang)
        named = {"women": women, "men": men} if is_about_children(title) else {}
        lines += [
            f"{women.capitalize()}: {charts.format_value(float(row['women']), units, lang)}",
            f"{men.capitalize()}: {charts.format_value(float(row['men']), units, lang)}",
            f"{gap_heading(lang, **named)}: {charts.format_gap(float(row['gap']), units, lang)}",
        ]
    return lines


def slide_lines(d: PackData, kpi: str) -> list[str]:
    """Editable text for a KPI's slides: baseline values, the gap, the level and the reason."""
    inp, lang = d.inp, d.inp.lang
    lines = fact_lines(d, kpi)
    lines.append(level_line(d, kpi))
    reason = (inp.reasons or {}).get(kpi)
    if reason:
        lines.append(reason)
    lines.append(text(lang, "edit"))
    return lines


def overview_lines(d: PackData, kpis: Sequence[str]) -> list[str]:
    """Editable text for the overview slide: how many KPIs, and how many at each level."""
    lang = d.inp.lang
    lines = [f"{text(lang, 'baseline')} {d.inp.baseline_year}", text(lang, "n_kpis", n=len(kpis))]
    counts = pd.Series([d.levels.get(k) for k in kpis], dtype="string").dropna()
    if len(counts):
        lines.append(text(lang, "levels_head", year=d.inp.baseline_year) + ":")
        # the most serious first, as in every table (act, watch, info, none, …)
        for level, n in counts.value_counts().reindex(list(LEVEL_ORDER)).dropna().items():
            lines.append(f"{LEVEL_LABELS[lang][str(level)]}: {int(n)}")
    else:
        lines.append(text(lang, "no_level"))
    lines.append(text(lang, "edit"))
    return lines


def overview(d: PackData) -> Chart | None:
    """The overview chart (every KPI split by sex), or None when there is none."""
    inp = d.inp
    kpis = [k for k in inp.kpis if (k not in d.t_only or k in d.one_sex) and k in d.by_kpi]
    if not kpis:
        return None
    at_year = (d.own[PERIOD] == inp.baseline_year) & d.own[KPI].isin(kpis)
    latest = d.own.loc[at_year.to_numpy(dtype=bool)].set_index(KPI).reindex(kpis).reset_index()
    latest[PERIOD] = inp.baseline_year
    meta = pd.DataFrame({"id": kpis, "title": [d.title(k) for k in kpis]})
    if "short_title" in inp.kpi_meta:
        shorts = dict(zip(inp.kpi_meta["id"].astype(str), inp.kpi_meta["short_title"], strict=True))
        meta["short_title"] = [shorts.get(k) for k in kpis]

    draw = partial(
        charts.plot_dumbbell,
        latest,
        levels=d.levels or None,
        kpi_titles=meta,
        order=kpis,
        municipality_name=inp.organisation_name,
        year=inp.baseline_year,
        lang=inp.lang,
        one_sex=d.one_sex,
    )
    alt = text(inp.lang, "overview")
    return Chart(
        "01_oversikt", None, "overview", with_source(draw, kpis), overview_lines(d, kpis), alt
    )


def with_source(draw: Callable[..., Any], kpis: Sequence[str]) -> Callable[..., Any]:
    """``draw``, with the footer naming the right source and every text made harmless.

    Kolada's figures are "Källa: Kolada; egen bearbetning"; the organisation's own
    measurements are never attributed to Kolada ("Källa: egen mätning"). Titles and
    names from Kolada or the plan lose their control characters and never start
    matplotlib's mathtext (:func:`koladagap.render.charts.base.harmless_texts`).
    """
    from koladagap.benchmarking.measurements import attribution

    source = attribution(kpis)

    def drawn(*args: Any, **kwargs: Any) -> Any:
        ax = draw(*args, **kwargs)
        fig = ax.get_figure(root=True)
        if source != ATTRIBUTION_PROCESSED:
            for t in fig.texts:
                if t.get_gid() == "attribution":
                    t.set_text(t.get_text().replace(ATTRIBUTION_PROCESSED, source))
        harmless_texts(fig)
        return ax

    return drawn


def kpi_charts(d: PackData, kpi: str) -> list[Chart]:
    """The charts of one KPI: trend, gap over time and the ranking, as the data allow."""
    inp = d.inp
    title = d.title(kpi)
    units = charts.kpi_units(title)
    lines = slide_lines(d, kpi)
    org = inp.organisation_id
    common: dict[str, Any] = {
        "kpi_title": title,
        "municipality_name": inp.organisation_name,
        "lang": inp.lang,
    }
    over_time: dict[str, Any] = {
        **common,
        "peers": inp.peers,
        "baseline_year": inp.baseline_year,
        "peer_group_title": inp.peer_group_title,
        "first_year": inp.first_year,
    }
    own = d.own.loc[(d.own[KPI] == kpi).to_numpy(dtype=bool)]
    frame = d.kpi_gaps(kpi)
    short = charts.short_title(title, 70)
    out: list[Chart] = []

    def add(n: int, kind: str, stem: str, draw: Callable[..., object]) -> None:
        alt = f"{short}: {caption(d, kind)}"
        out.append(Chart(f"{kpi}_{n}_{stem}", kpi, kind, with_source(draw, [kpi]), lines, alt))

    if kpi in d.t_only:  # one value per year, no women/men: a share of one sex (N00945)
        if own["total"].notna().any() and units.is_share:
            trend = partial(charts.plot_kpi_trend, frame, kpi, org, parity_target=50.0)
            add(1, "trend", "trend", partial(trend, **over_time))
        else:
            log.warning("KPI %s has no values for women or men and is not a share: skipped", kpi)
        return out
    if own[["women", "men"]].notna().any().any():
        add(1, "trend", "trend", partial(charts.plot_kpi_trend, frame, kpi, org, **over_time))
    if own["gap"].notna().any():
        add(2, "gap", "skillnad", partial(charts.plot_gap_trend, frame, kpi, org, **over_time))
    year_rows = frame.loc[(frame[PERIOD] == inp.baseline_year).to_numpy(dtype=bool)]
    peer_kind = charts.rank_kind(org)
    same_kind = (ranked_kind(year_rows[MUNICIPALITY_ID]) == peer_kind).to_numpy(dtype=bool)
    n_ranked = int(year_rows.loc[same_kind, "gap"].notna().sum())
    if units.is_count:
        log.info("KPI %s is a count: no ranking chart (counts follow size)", kpi)
    elif n_ranked < MIN_RANKED[peer_kind]:
        log.info("KPI %s: %d kommuner with a gap, no ranking chart", kpi, n_ranked)
    else:
        rank = partial(charts.plot_gap_among_municipalities, year_rows, org, peers=inp.peers)
        add(3, "rank", charts.RANK_NOUN["sv"][peer_kind], partial(rank, **common))
    if not out:
        log.warning("KPI %s: no values for %s to chart", kpi, org)
    return out


def caption(d: PackData, kind: str) -> str:
    """ "över tid", "skillnad", "bland kommuner" (or "bland regioner")."""
    those = charts.RANK_NOUN[d.inp.lang][charts.rank_kind(d.inp.organisation_id)]
    return text(d.inp.lang, kind, those=those)


def all_charts(d: PackData) -> list[Chart]:
    """Every chart of the pack, in the order of the PDF and the deck."""
    out: list[Chart] = []
    first = overview(d)
    if first is not None:
        out.append(first)
    for kpi in d.inp.kpis:
        out.extend(kpi_charts(d, kpi))
    return out


__all__ = [
    "all_charts",
    "caption",
    "fact_lines",
    "kpi_charts",
    "level_line",
    "overview",
    "overview_lines",
    "slide_lines",
    "with_source",
]
