"""The gap among all kommuner (or regions) in one year, sorted; organisation and peers marked."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from koladagap.columns import KPI, MUNICIPALITY_ID, PERIOD, RIKET_ID, org_kind
from koladagap.errors import InputError
from koladagap.render.charts.base import (
    FONT,
    RIKET_STYLE,
    _direction_hints,
    _finish,
    _get_ax,
    _legend,
    _number_formatter,
    _pad_zero,
    _title,
    _wrap,
    peers_name,
    rank_kind,
)
from koladagap.render.charts.labels import format_gap, kpi_units
from koladagap.render.i18n import check_lang
from koladagap.render.i18n.charts import RANK_NOUN, text
from koladagap.render.i18n.groups import sex_labels
from koladagap.render.style import OKABE_ITO


def plot_gap_among_municipalities(
    gaps: pd.DataFrame,
    municipality_id: str,
    *,
    peers: Sequence[str] = (),
    kpi: str | None = None,
    year: int | None = None,
    kpi_title: str | None = None,
    unit: str | None = None,
    municipality_name: str | None = None,
    lang: str = "sv",
    ax: Axes | None = None,
) -> Axes:
    """Every kommun's (or region's) gap in one year, sorted; the organisation and peers marked.

    ``gaps`` is :func:`~koladagap.engine.measures.compute_gaps` output for one
    KPI and year (use ``kpi``/``year`` to pick them from a larger frame). A
    kommun is ranked among kommuner, a region among regions (see
    :func:`rank_kind`); groups are dropped. Riket's gap, when the
    frame holds ``0000``, is a horizontal line. Kommuner without a computable
    gap are left out and counted in a note. The organisation is a large
    orange circle (``gid="organisation"``), its peers blue diamonds
    (``gid="peers"``), the rest small grey dots (``gid="kommuner"``). Not
    meant for counts, whose gaps follow the kommun's size.

    Examples:
        >>> df = pd.DataFrame({"kpi": "X", "municipality_id": ["0180", "0181", "0182", "0000"],
        ...                    "period": 2022, "gap": [3.0, -1.0, 5.0, 2.0]})
        >>> ax = plot_gap_among_municipalities(df, "0180", peers=["0182"])
        >>> org = [c for c in ax.collections if c.get_gid() == "organisation"][0]
        >>> [float(v) for v in org.get_offsets()[0]]  # rank 2 of 3, gap 3
        [2.0, 3.0]
    """
    lang = check_lang(lang)
    ax = _get_ax(ax)
    df = gaps
    if kpi is not None:
        df = df.loc[df[KPI] == kpi]
    if year is not None:
        df = df.loc[df[PERIOD] == year]
    for col in (KPI, PERIOD):
        if col in df and df[col].nunique() > 1:
            raise InputError(f"plot_gap_among_municipalities needs one {col}: pass {col}=")
    if year is None and PERIOD in df and len(df):
        year = int(df[PERIOD].iloc[0])
    title = kpi_title or (str(df[KPI].iloc[0]) if KPI in df and len(df) else "")
    name = municipality_name or municipality_id
    units = kpi_units(title, lang)
    women, men = sex_labels(title, lang)
    peer_kind = rank_kind(municipality_id)
    those = RANK_NOUN[lang][peer_kind]
    kind = org_kind(df[MUNICIPALITY_ID])
    kommuner = df.loc[(kind == peer_kind).to_numpy()]
    ranked = kommuner.dropna(subset=["gap"]).sort_values("gap", kind="stable")
    n = len(ranked)
    if n == 0:
        raise InputError(f"no {peer_kind} with a computable gap to rank")
    x = np.arange(1, n + 1, dtype=float)
    ids = ranked[MUNICIPALITY_ID].astype(str).to_numpy()
    g = ranked["gap"].to_numpy(dtype="float64")
    is_org = ids == municipality_id
    is_peer = np.isin(ids, list(peers)) & ~is_org
    rest = ~(is_org | is_peer)
    ax.axhline(0, color="#222222", linewidth=1.0, gid="zero", zorder=1)
    _draw_others(ax, x[rest], g[rest], small=n > 100, label=text(lang, "all_kommuner", those=those))
    if is_org.any():
        ax.scatter(
            x[is_org],
            g[is_org],
            s=170,
            color=OKABE_ITO["orange"],
            edgecolor="black",
            linewidth=1.6,
            label=name,
            gid="organisation",
            zorder=5,
        )
    if is_peer.any():
        ax.scatter(
            x[is_peer],
            g[is_peer],
            s=70,
            marker="D",
            color=OKABE_ITO["sky"],
            edgecolor="#1A1A1A",
            linewidth=1.0,
            label=text(lang, "peers", peers=peers_name(lang, municipality_id), n=len(peers)),
            gid="peers",
            zorder=4,
        )
    notes = _rank_riket(ax, df, lang)
    missing = len(kommuner) - n
    if missing:
        notes.append(text(lang, "note_rank_missing", n=missing, women=women, men=men, those=those))
    ax.set_xlim(0, n + 1)
    ax.set_xticks([])
    ax.set_xlabel(text(lang, "rank_x", n=n, Those=those.capitalize()), fontsize=FONT["label"])
    ax.set_ylabel(
        _wrap(text(lang, "gap_axis", women=women, men=men, unit=unit or units.gap_unit), 36),
        fontsize=FONT["label"],
    )
    ax.yaxis.set_major_formatter(_number_formatter(lang))
    _pad_zero(ax)
    if is_org.any():
        i = int(np.flatnonzero(is_org)[0])
        _label_organisation(ax, x[i], g[i], n, name, format_gap(g[i], units, lang), lang)
    else:
        notes.insert(0, text(lang, "org_missing", name=name, year=year))
    _direction_hints(ax, women, men, lang, top="left", bottom="right")
    ax.grid(axis="y", color="#E5E5E5")
    ax.tick_params(labelsize=FONT["tick"])
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _title(ax, title, text(lang, "rank_sub", women=women, men=men, year=year or "", those=those))
    _legend(ax)
    return _finish(ax, lang, notes, {"left": 0.11, "right": 0.74, "below": 0.45})


def _draw_others(ax: Axes, x: np.ndarray, g: np.ndarray, *, small: bool, label: str) -> None:
    """The other kommuner (regioner) as grey dots; none when all others are peers."""
    if len(x):  # a region whose peers are all the other regioner has no "others"
        ax.scatter(
            x, g, s=14 if small else 36, color="#A0A0A0", label=label, gid="kommuner",
            zorder=2, linewidths=0,
        )  # fmt: skip


def _label_organisation(
    ax: Axes, x: float, y: float, n: int, name: str, gap: str, lang: str
) -> None:
    """The organisation's gap and rank in a box, away from the crowded side of the curve."""
    lo, hi = ax.get_ylim()
    dy = -55 if (y - lo) > 0.6 * (hi - lo) else 45
    dx = -70 if x > n / 2 else 70
    ax.annotate(
        text(lang, "rank_note_org", name=name, gap=gap, rank=int(x), n=n),
        xy=(x, y),
        xytext=(dx, dy),
        textcoords="offset points",
        ha="center",
        va="center",
        fontsize=FONT["legend"],
        fontweight="bold",
        arrowprops={"arrowstyle": "-", "color": "black", "shrinkB": 7},
        bbox={"facecolor": "white", "edgecolor": "#777777", "pad": 3},
        gid="organisation_label",
        zorder=6,
    )


def _rank_riket(ax: Axes, df: pd.DataFrame, lang: str) -> list[str]:
    riket = df.loc[df[MUNICIPALITY_ID] == RIKET_ID, "gap"].dropna()
    if riket.empty:
        return []
    ax.axhline(
        float(riket.iloc[0]),
        color="black",
        linestyle=RIKET_STYLE,
        linewidth=1.4,
        label=text(lang, "riket"),
        gid="riket",
        zorder=3,
    )
    return [text(lang, "note_riket")]


__all__ = ["org_kind", "plot_gap_among_municipalities", "rank_kind"]
