"""The gap women − men over time: each year, its trailing 3-year mean, Riket and the peers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib import transforms
from matplotlib.axes import Axes

from koladagap.columns import KPI, MUNICIPALITY_ID, PERIOD, RIKET_ID
from koladagap.errors import InputError
from koladagap.render.charts.base import (
    FONT,
    _direction_hints,
    _finish,
    _get_ax,
    _has_riket,
    _legend,
    _mark_baseline,
    _pad_zero,
    _peer_note,
    _reference_lines,
    _series,
    _title,
    _wrap,
    _year_axis,
    peers_name,
)
from koladagap.render.charts.labels import kpi_units
from koladagap.render.i18n import check_lang
from koladagap.render.i18n.charts import text
from koladagap.render.i18n.groups import sex_labels
from koladagap.render.style import OKABE_ITO


def rolling_mean3(gap: pd.Series) -> pd.Series:
    """Trailing 3-year mean (t−2..t) over a year-indexed gap series; needs all 3 years.

    Missing years must be present as NaN (reindex first); a NaN year gives NaN
    for the three means it belongs to.

    Examples:
        >>> s = pd.Series([1.0, 2.0, 3.0, float("nan"), 5.0], index=[2018, 2019, 2020, 2021, 2022])
        >>> rolling_mean3(s).tolist()[2:]
        [2.0, nan, nan]
    """
    return gap.rolling(3, min_periods=3).mean()


def plot_gap_trend(
    gaps: pd.DataFrame,
    kpi: str,
    municipality_id: str,
    *,
    baseline_year: int | None = None,
    riket: bool = True,
    peers: Sequence[str] = (),
    kpi_title: str | None = None,
    unit: str | None = None,
    municipality_name: str | None = None,
    peer_group_title: str = "",
    first_year: int | None = None,
    lang: str = "sv",
    ax: Axes | None = None,
) -> Axes:
    """The gap women − men over time with its trailing 3-year mean, zero line and baseline.

    ``gaps`` is :func:`koladagap.engine.measures.compute_gaps` output (or the
    gap table). A year whose gap cannot be computed is a break in the line,
    shaded and marked "kan inte beräknas", never drawn as zero. Riket's gap
    (thin dash-dot) and the peers' median gap (dotted) are drawn for context
    when present (not for counts). ``first_year`` trims the start of the
    chart; the 3-year mean of the first years shown still uses the years
    before it.

    Examples:
        >>> import koladagap.kolada.sample as s
        >>> from koladagap.kolada.frames import to_wide
        >>> v = s.sample_values()
        >>> g = to_wide(v[v["kpi"].eq("N15428") & v["municipality_id"].eq("0180")])
        >>> g["gap"] = g["women"] - g["men"]  # as engine.measures.compute_gaps does
        >>> ax = plot_gap_trend(g, "N15428", "0180", baseline_year=2018)
        >>> [ln.get_gid() for ln in ax.get_lines()][:3]
        ['zero', 'gap', 'gap_mean3']
    """
    lang = check_lang(lang)
    ax = _get_ax(ax)
    title = kpi_title or kpi
    name = municipality_name or municipality_id
    units = kpi_units(title, lang)
    women, men = sex_labels(title, lang)
    own = gaps.loc[(gaps[KPI] == kpi) & (gaps[MUNICIPALITY_ID] == municipality_id)]
    ok = own.loc[own["gap"].notna(), PERIOD]
    if ok.empty:
        raise InputError(f"no computable gap for KPI {kpi} and municipality {municipality_id}")
    all_years = np.arange(int(ok.min()), int(own[PERIOD].max()) + 1)
    gap_all = pd.Series(_series(gaps, kpi, municipality_id, all_years, "gap"), index=all_years)
    mean3 = rolling_mean3(gap_all)
    start = max(int(ok.min()), first_year) if first_year is not None else int(ok.min())
    years = all_years[all_years >= start]
    if not len(years):
        raise InputError(f"no years from {first_year} for KPI {kpi} and {municipality_id}")
    gap = gap_all.reindex(years).to_numpy(dtype="float64")
    ax.axhline(0, color="#222222", linewidth=1.0, gid="zero", zorder=2)
    ax.plot(
        years,
        gap,
        color="#222222",
        marker="o",
        markersize=6,
        linewidth=1.5,
        label=text(lang, "gap_year"),
        gid="gap",
        zorder=4,
    )
    ax.plot(
        years,
        mean3.reindex(years).to_numpy(dtype="float64"),
        color=OKABE_ITO["green"],
        linewidth=3.4,
        alpha=0.85,
        label=text(lang, "gap_mean3"),
        gid="gap_mean3",
        zorder=3,
    )
    notes: list[str] = []
    if units.is_count and (riket or peers):
        riket, peers = False, ()
        notes.append(text(lang, "note_counts"))
    notes += _gap_references(
        ax, gaps, kpi, municipality_id, years, riket, peers, lang, peer_group_title
    )
    missing = years[np.isnan(gap)]
    _mark_not_computable(ax, missing, lang)
    if len(missing):
        notes.append(text(lang, "note_missing_years", women=women, men=men))
    gap_unit = unit or units.gap_unit
    ax.set_ylabel(
        _wrap(text(lang, "gap_axis", women=women, men=men, unit=gap_unit), 36),
        fontsize=FONT["label"],
    )
    _title(ax, title, text(lang, "gap_sub", name=name, women=women, men=men))
    _year_axis(ax, lang, int(years[0]), int(years[-1]), baseline_year)
    _pad_zero(ax)
    _direction_hints(ax, women, men, lang, top="left", bottom="left")
    _mark_baseline(ax, baseline_year, lang)
    _legend(ax)
    return _finish(ax, lang, notes, {"left": 0.11, "right": 0.74, "below": 0.55})


def _gap_references(
    ax: Axes,
    gaps: pd.DataFrame,
    kpi: str,
    mid: str,
    years: np.ndarray,
    riket: bool,
    peers: Sequence[str],
    lang: str,
    peer_group_title: str,
) -> list[str]:
    riket = riket and mid != RIKET_ID and _has_riket(gaps, kpi)
    label = peers_name(lang, mid, peer_group_title)
    _reference_lines(
        ax, gaps, kpi, years, "gap", riket=riket, peers=peers, lang=lang, peers_label=label
    )
    notes = [text(lang, "note_riket")] if riket else []
    if peers:
        notes.append(_peer_note(lang, peers, peer_group_title, mid))
    return notes


def _mark_not_computable(ax: Axes, years: np.ndarray, lang: str) -> None:
    trans = transforms.blended_transform_factory(ax.transData, ax.transAxes)
    for y in years:  # a handful of years at most
        ax.axvspan(y - 0.4, y + 0.4, color="#EEEEEE", zorder=0, gid="not_computable")
        ax.text(
            y,
            0.5,
            text(lang, "not_computable"),
            transform=trans,
            rotation=90,
            ha="center",
            va="center",
            fontsize=FONT["note"],
            color="#555555",
            gid="not_computable_label",
        )


__all__ = ["plot_gap_trend", "rolling_mean3"]
