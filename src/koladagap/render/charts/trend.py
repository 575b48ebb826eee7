"""The KPI over time: women and men for one organisation, with Riket and the peers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from koladagap.columns import KPI, MUNICIPALITY_ID, PERIOD, RIKET_ID
from koladagap.errors import InputError
from koladagap.render.charts.base import (
    FONT,
    PEERS_STYLE,
    RIKET_STYLE,
    _bold_headers,
    _finish,
    _get_ax,
    _has_riket,
    _header_handle,
    _legend,
    _mark_baseline,
    _peer_median,
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
from koladagap.render.style import OKABE_ITO, SEX_STYLE


def plot_kpi_trend(
    wide: pd.DataFrame,
    kpi: str,
    municipality_id: str,
    *,
    riket: bool = True,
    peers: Sequence[str] = (),
    kpi_title: str | None = None,
    unit: str | None = None,
    municipality_name: str | None = None,
    baseline_year: int | None = None,
    peer_group_title: str = "",
    parity_target: float | None = None,
    first_year: int | None = None,
    lang: str = "sv",
    ax: Axes | None = None,
) -> Axes:
    """Women and men over time for one organisation, with Riket and the peer median.

    ``wide`` is :func:`koladagap.to_wide` output (or the gap table) holding
    the organisation, and Riket (``0000``) and the peers when asked for. The
    organisation is drawn thick (women solid circles, men dashed squares),
    Riket thin dash-dot, the peers' median dotted; years without a value are
    breaks in the line. ``parity_target`` (e.g. 50) switches to a KPI whose
    value is itself one sex's share (N00945): the total is drawn against a
    parity line and the 40–60 band. ``first_year`` trims the start. For a
    count ("…, antal") Riket and peers are left out: counts follow size.

    Examples:
        >>> import koladagap.kolada.sample as s
        >>> from koladagap.kolada.frames import to_wide
        >>> v = s.sample_values()
        >>> w = to_wide(v[v["kpi"].eq("N00906") & v["municipality_id"].eq("0180")])
        >>> ax = plot_kpi_trend(w, "N00906", "0180", riket=False, kpi_title="Inkomst, kr")
        >>> [ln.get_gid() for ln in ax.get_lines()]
        ['women', 'men']
    """
    lang = check_lang(lang)
    ax = _get_ax(ax)
    title = kpi_title or kpi
    name = municipality_name or municipality_id
    units = kpi_units(title, lang)
    own = wide.loc[(wide[KPI] == kpi) & (wide[MUNICIPALITY_ID] == municipality_id)]
    value_cols = ["total"] if parity_target is not None else ["women", "men"]
    present = own.dropna(subset=value_cols, how="all")[PERIOD]
    if first_year is not None:
        present = present[present >= first_year]
    if present.empty:
        raise InputError(f"no values for KPI {kpi} and municipality {municipality_id} to plot")
    years = np.arange(int(present.min()), int(present.max()) + 1)
    notes: list[str] = []
    if units.is_count and (riket or peers):
        riket, peers = False, ()
        notes.append(text(lang, "note_counts"))
    riket = riket and municipality_id != RIKET_ID and _has_riket(wide, kpi)
    if parity_target is not None:
        _draw_share_of_one_sex(
            ax, wide, kpi, municipality_id, years, riket, peers, name, parity_target, lang,
            peers_name(lang, municipality_id, peer_group_title),
        )  # fmt: skip
        sub = text(lang, "share_sub", name=name)
    else:
        women, men = sex_labels(title, lang)
        _draw_sex_lines(
            ax, wide, kpi, municipality_id, years, riket, peers, name, lang, (women, men),
            peers_name(lang, municipality_id, peer_group_title),
        )  # fmt: skip
        sub = text(lang, "trend_sub", name=name, women=women, men=men)
    if riket:
        notes.append(text(lang, "note_riket"))
    if peers:
        notes.append(_peer_note(lang, peers, peer_group_title, municipality_id))
    _title(ax, title, sub)
    ax.set_ylabel(_wrap(unit or units.value_label, 36), fontsize=FONT["label"])
    _year_axis(ax, lang, int(years[0]), int(years[-1]), baseline_year)
    _mark_baseline(ax, baseline_year, lang)
    return _finish(ax, lang, notes, {"left": 0.1, "right": 0.74, "below": 0.55})


def _draw_sex_lines(
    ax: Axes,
    wide: pd.DataFrame,
    kpi: str,
    mid: str,
    years: np.ndarray,
    riket: bool,
    peers: Sequence[str],
    name: str,
    lang: str,
    labels: tuple[str, str],
    peers_label: str,
) -> None:
    handles: list[Any] = []
    names: list[str] = []
    headers: set[str] = set()

    def block(
        header: str, prefix: str, values: Mapping[str, np.ndarray], kw: dict[str, Any]
    ) -> None:
        h, lab = _header_handle(header)
        handles.append(h)
        names.append(lab)
        headers.add(header)
        for sex, label in zip(("women", "men"), labels, strict=True):
            st = SEX_STYLE[sex]
            style = dict(kw)
            style.setdefault("linestyle", st["linestyle"])
            (line,) = ax.plot(
                years,
                values[sex],
                color=st["color"],
                marker=st["marker"],
                label=f"  {label}",
                gid=f"{prefix}{sex}",
                **style,
            )
            handles.append(line)
            names.append(f"  {label}")

    own = {s: _series(wide, kpi, mid, years, s) for s in ("women", "men")}
    block(name, "", own, {"linewidth": 2.8, "markersize": 7, "zorder": 4})
    thin = {"markersize": 4.5, "markerfacecolor": "white", "zorder": 3}
    if riket:
        ref = {s: _series(wide, kpi, RIKET_ID, years, s) for s in ("women", "men")}
        block(
            text(lang, "riket"),
            "riket_",
            ref,
            {"linewidth": 1.3, "linestyle": RIKET_STYLE, **thin},
        )
    if peers:
        med = {s: _peer_median(wide, kpi, peers, years, s) for s in ("women", "men")}
        block(
            _wrap(text(lang, "peers_median", peers=peers_label), 20),
            "peers_",
            med,
            {"linewidth": 1.6, "linestyle": PEERS_STYLE, **thin},
        )
    leg = _legend(ax, handles, names, numpoints=2)  # a dashed sample shows its dashes
    _bold_headers(leg, headers)


def _draw_share_of_one_sex(
    ax: Axes,
    wide: pd.DataFrame,
    kpi: str,
    mid: str,
    years: np.ndarray,
    riket: bool,
    peers: Sequence[str],
    name: str,
    target: float,
    lang: str,
    peers_label: str,
) -> None:
    ax.axhspan(
        target - 10,
        target + 10,
        color=OKABE_ITO["green"],
        alpha=0.12,
        label=text(lang, "parity_band"),
        gid="parity_band",
        zorder=0,
    )
    ax.axhline(
        target,
        color=OKABE_ITO["green"],
        linewidth=1.5,
        label=text(lang, "parity_line"),
        gid="parity_line",
        zorder=1,
    )
    ax.plot(
        years,
        _series(wide, kpi, mid, years, "total"),
        color=OKABE_ITO["black"],
        marker="o",
        markersize=7,
        linewidth=2.8,
        label=name,
        gid="total",
        zorder=4,
    )
    _reference_lines(
        ax, wide, kpi, years, "total", riket=riket, peers=peers, lang=lang, markers=True,
        peers_label=peers_label,
    )  # fmt: skip
    lo = float(np.nanmin([*ax.get_ylim(), target - 15]))
    hi = float(np.nanmax([*ax.get_ylim(), target + 15]))
    ax.set_ylim(max(0.0, lo), min(100.0, hi))
    _legend(ax)


__all__ = ["plot_kpi_trend"]
