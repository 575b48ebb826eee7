"""What every chart shares: the slide figure, title, legend, notes, footer and time axis.

A chart draws on the Axes it is given (or on a new 16:9 figure from :func:`_get_ax`)
and ends with :func:`_finish`, which writes the attribution at the foot of the figure,
the notes above it and, on a one-Axes figure, the slide layout. Sizes are in inches
and points so that a chart reads the same on a slide, a page and a screen.

Titles and names come from Kolada and the plan: :func:`_finish` makes every text of
the figure harmless (:func:`harmless_texts`): control characters and bidi overrides
dropped, ``$`` escaped so that matplotlib never reads a title as mathtext.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import transforms
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import FixedFormatter, FuncFormatter, MaxNLocator

from koladagap._cells import clean_text, no_mathtext
from koladagap.columns import KPI, MUNICIPALITY_ID, PERIOD, RIKET_ID, org_kind
from koladagap.render.i18n import ATTRIBUTION_PROCESSED, format_number
from koladagap.render.i18n.charts import text
from koladagap.render.style import OKABE_ITO

SLIDE_SIZE = (10.0, 5.625)
"""Inches, 16:9; the fonts in :data:`FONT` are legible when the figure is shown full screen."""
ATTRIBUTION = ATTRIBUTION_PROCESSED
"""The footer of every chart (Kolada's terms for processed data)."""

FONT = {"title": 14.0, "label": 12.0, "tick": 11.0, "legend": 11.0, "note": 10.5}
PEER_MIN = 4
"""The peer median is shown for a year when at least this many peers have a value."""

NOTE_LINE_IN = 0.18  # height of one note line, inches
FOOTER_IN = 0.07  # the attribution's distance from the bottom edge, inches
TITLE_LINE_IN = 0.245  # height of one title line, inches
RIKET_STYLE = (0, (6, 2, 1, 2))  # Riket: thin dash-dot
PEERS_STYLE = (0, (1, 1.5))  # the peers' median: dotted


# --- text ----------------------------------------------------------------------------


def _wrap(s: str, width: int) -> str:
    return "\n".join(textwrap.wrap(s, width=width, break_on_hyphens=False)) if s else s


def _number_formatter(lang: str) -> FuncFormatter:
    """Tick labels in the language's number format, with no more decimals than needed."""

    def fmt(x: float, _pos: int | None) -> str:
        if abs(x) >= 1000 or float(x).is_integer():
            return format_number(x, lang, decimals=0)
        decimals = 1 if abs(x * 10 - round(x * 10)) < 1e-9 else 2
        return format_number(x, lang, decimals=decimals)

    return FuncFormatter(fmt)


# --- the figure ----------------------------------------------------------------------


def _get_ax(ax: Axes | None) -> Axes:
    """``ax``, or the Axes of a new slide-sized figure."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(figsize=SLIDE_SIZE)
    return new_ax  # type: ignore[no-any-return]


def _figure(ax: Axes) -> Figure:
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    return fig


def _fig_text(ax: Axes, gid: str, s: str, y_in: float) -> None:
    """A figure-level text ``y_in`` inches above the bottom edge, replaced if present."""
    fig = _figure(ax)
    for t in fig.texts:
        if t.get_gid() == gid:
            t.set_text(s)
            return
    trans = transforms.blended_transform_factory(fig.transFigure, fig.dpi_scale_trans)
    fig.text(
        0.01,
        y_in,
        s,
        fontsize=FONT["note"],
        color="#333333",
        ha="left",
        va="bottom",
        gid=gid,
        transform=trans,
    )


def _harmless(s: str) -> str:
    """A text as drawn: no control characters, ``$`` escaped (never mathtext)."""
    return no_mathtext(clean_text(s))


def _harmless_func(func: Any) -> Any:
    """A tick formatter's function whose labels are made harmless (names drawn as ticks)."""

    def label(x: float, pos: int | None = None) -> str:
        return _harmless(str(func(x, pos)))

    label.harmless = True  # type: ignore[attr-defined]
    return label


def harmless_texts(fig: Figure) -> None:
    r"""Make every text of ``fig`` harmless to draw (titles, labels, legends, tick labels).

    Control characters and bidi overrides are dropped (a newline stays) and each
    ``$`` is escaped, so a title such as ``"$x^{$"`` is drawn as written instead of
    failing in matplotlib's mathtext parser. Fixed tick labels (names) are changed
    at their formatter (fixed labels and label functions), so ticks drawn later say
    the same.

    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_title("Kostnad $x$\x07")
    >>> harmless_texts(fig)
    >>> print(ax.get_title())
    Kostnad \$x\$
    >>> plt.close(fig)
    """
    for t in fig.findobj(Text):
        s = t.get_text()
        if s and _harmless(s) != s:
            t.set_text(_harmless(s))
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for major in (True, False):
                f = axis.get_major_formatter() if major else axis.get_minor_formatter()
                if isinstance(f, FixedFormatter):
                    f.seq = [_harmless(str(x)) for x in f.seq]
                elif isinstance(f, FuncFormatter) and not getattr(f.func, "harmless", False):
                    f.func = _harmless_func(f.func)


def _finish(
    ax: Axes,
    lang: str,
    notes: Sequence[str] = (),
    margins: Mapping[str, float] | None = None,
) -> Axes:
    """Footer attribution, notes above it and (on a one-Axes figure) the slide layout.

    ``margins`` holds ``left`` and ``right`` as figure fractions, ``below``:
    the inches the chart needs under its Axes (tick labels, axis label, a
    legend), and optionally ``top`` (a figure fraction; else room is left
    for the left-aligned title's lines). Notes and the footer come on top.
    """
    extra = text(lang, "attribution_extra")
    _fig_text(ax, "attribution", ATTRIBUTION + (f" · {extra}" if extra else ""), FOOTER_IN)
    note = "\n".join(_wrap(n, 124) for n in dict.fromkeys(notes) if n)
    n_lines = note.count("\n") + 1 if note else 0
    if note:
        _fig_text(ax, "note", note, FOOTER_IN + NOTE_LINE_IN + 0.08)
    fig = _figure(ax)
    if margins is not None and len(fig.axes) == 1:
        m = dict(margins)
        height = fig.get_figheight()
        below_in = m.pop("below", 0.55)
        foot_in = FOOTER_IN + NOTE_LINE_IN * (1 + n_lines) + 0.12
        m["bottom"] = (foot_in + below_in) / height
        if "top" not in m:
            title_lines = ax.get_title(loc="left").count("\n") + 1
            m["top"] = 1 - (0.12 + TITLE_LINE_IN * title_lines + 0.36) / height
        fig.subplots_adjust(**m)
    harmless_texts(fig)
    return ax


def _title(ax: Axes, headline: str, sub: str) -> None:
    """The KPI's title, wrapped, over a subtitle, left-aligned above the Axes."""
    ax.set_title(
        _harmless(_wrap(clean_text(headline, newlines=False), 76) + ("\n" + sub if sub else "")),
        loc="left",
        fontsize=FONT["title"],
        fontweight="bold",
        pad=24,
        y=1.0,  # a fixed position: skips matplotlib's costly automatic title placement
    )


# --- the legend ----------------------------------------------------------------------


def _legend(
    ax: Axes,
    handles: Sequence[Any] | None = None,
    labels: Sequence[str] | None = None,
    numpoints: int = 1,
) -> Any:
    """The legend right of the Axes, long labels wrapped.

    ``numpoints=2`` puts a line's marker at both ends of its sample, so the middle
    shows the line style (a dashed line's gaps are not hidden behind one marker).
    """
    if handles is None or labels is None:
        handles, labels = ax.get_legend_handles_labels()
    wrapped = [lab if lab.startswith("  ") or "\n" in lab else _wrap(lab, 20) for lab in labels]
    return ax.legend(
        list(handles),
        wrapped,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
        fontsize=FONT["legend"],
        handlelength=3.2,
        numpoints=numpoints,
    )


def _header_handle(label: str) -> tuple[Line2D, str]:
    """An invisible legend entry: a heading over the lines that follow."""
    return Line2D([], [], linestyle="none", marker="none"), label


def _bold_headers(leg: Any, headers: set[str]) -> None:
    for t in leg.get_texts():
        if t.get_text() in headers:
            t.set_fontweight("bold")


# --- the time axis and its series --------------------------------------------------------


def _mark_baseline(ax: Axes, baseline_year: int | None, lang: str) -> None:
    """A vertical line at the baseline year, labelled above the Axes."""
    if baseline_year is None:
        return
    ax.axvline(
        baseline_year, color="#444444", linewidth=1.3, linestyle="-", zorder=1, gid="baseline"
    )
    lo, hi = ax.get_xlim()
    where = (baseline_year - lo) / (hi - lo) if hi > lo else 0.5
    ha = "right" if where > 0.8 else ("left" if where < 0.2 else "center")
    ax.annotate(
        f"{text(lang, 'baseline')} {baseline_year}",
        xy=(baseline_year, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(0, 4),
        textcoords="offset points",
        ha=ha,
        va="bottom",
        fontsize=FONT["note"],
        fontweight="bold",
        color="#222222",
        gid="baseline_label",
        annotation_clip=False,
    )


def _year_axis(ax: Axes, lang: str, first: int, last: int, baseline_year: int | None) -> None:
    """Whole years along x (the baseline year included), numbers in the language's format."""
    lo = min(first, baseline_year) if baseline_year is not None else first
    hi = max(last, baseline_year) if baseline_year is not None else last
    ax.set_xlim(lo - 0.5, hi + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=12))
    ax.set_xlabel(text(lang, "year"), fontsize=FONT["label"])
    ax.yaxis.set_major_formatter(_number_formatter(lang))
    ax.grid(axis="y", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=FONT["tick"])
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _series(frame: pd.DataFrame, kpi: str, mid: str, years: np.ndarray, col: str) -> np.ndarray:
    """``col`` of one KPI and organisation for each of ``years`` (NaN where missing)."""
    rows = frame.loc[(frame[KPI] == kpi) & (frame[MUNICIPALITY_ID] == mid)]
    s = rows.groupby(PERIOD)[col].mean()
    return s.reindex(years).to_numpy(dtype="float64")


def _peer_median(
    frame: pd.DataFrame, kpi: str, peers: Sequence[str], years: np.ndarray, col: str
) -> np.ndarray:
    """The peers' median of ``col`` per year, where at least :data:`PEER_MIN` have a value."""
    rows = frame.loc[(frame[KPI] == kpi) & frame[MUNICIPALITY_ID].isin(list(peers))]
    g = rows.groupby(PERIOD)[col]
    med = g.median().where(g.count() >= min(PEER_MIN, len(peers)))
    return med.reindex(years).to_numpy(dtype="float64")


def rank_kind(municipality_id: str) -> str:
    """What an organisation is ranked among: ``"region"`` for a region, else ``"kommun"``.

    Examples:
        >>> rank_kind("0180"), rank_kind("0001")
        ('kommun', 'region')
    """
    kind = org_kind(pd.Series([municipality_id], dtype="string")).iloc[0]
    return "region" if kind == "region" else "kommun"


def peers_name(lang: str, municipality_id: str, title: str = "") -> str:
    """What the peers are called: "Liknande kommuner", "Liknande regioner" or "Övriga regioner".

    A kommun's peers are Kolada's "Liknande kommuner"; a region's are Kolada's
    "Liknande regioner" when the group's title says so, else the other regioner.

    >>> peers_name("sv", "0180"), peers_name("sv", "0001", "Övriga regioner")
    ('Liknande kommuner', 'Övriga regioner')
    >>> peers_name("en", "0001", "Liknande regioner, socioekonomi")
    'Similar regions'
    """
    if rank_kind(municipality_id) != "region":
        return text(lang, "peers_kommun")
    similar = title.strip().lower().startswith("liknande")
    return text(lang, "peers_region" if similar else "peers_regions_all")


def _peer_note(lang: str, peers: Sequence[str], title: str, municipality_id: str = "") -> str:
    from koladagap.render.i18n import check_lang
    from koladagap.render.i18n.charts import RANK_NOUN

    name = peers_name(lang, municipality_id, title)
    those = RANK_NOUN[check_lang(lang)][rank_kind(municipality_id)] if municipality_id else ""
    return text(
        lang,
        "note_peers",
        peers=name,
        n=len(peers),
        those=those or RANK_NOUN[check_lang(lang)]["kommun"],
        title=f" ({title})" if title and title != name else "",
        k=min(PEER_MIN, len(peers)),
    )


def _has_riket(frame: pd.DataFrame, kpi: str) -> bool:
    return bool(((frame[MUNICIPALITY_ID] == RIKET_ID) & (frame[KPI] == kpi)).any())


def _reference_lines(
    ax: Axes,
    frame: pd.DataFrame,
    kpi: str,
    years: np.ndarray,
    col: str,
    *,
    riket: bool,
    peers: Sequence[str],
    lang: str,
    markers: bool = False,
    peers_label: str = "",
) -> None:
    """Riket's ``col`` (thin grey dash-dot) and the peers' median (dotted blue) behind the own.

    ``markers`` marks each year (Riket squares, peers diamonds, hollow); the lines'
    gids are ``riket_<col>`` and ``peers_<col>``.
    """
    kw: dict[str, Any] = {"zorder": 3}
    if markers:
        kw |= {"markersize": 4.5, "markerfacecolor": "white"}
    if riket:
        ax.plot(
            years,
            _series(frame, kpi, RIKET_ID, years, col),
            color="#555555",
            linestyle=RIKET_STYLE,
            linewidth=1.3,
            marker="s" if markers else "None",
            label=text(lang, "riket"),
            gid=f"riket_{col}",
            **kw,
        )
    if peers:
        ax.plot(
            years,
            _peer_median(frame, kpi, peers, years, col),
            color=OKABE_ITO["blue"],
            linestyle=PEERS_STYLE,
            linewidth=1.6 if markers else 1.8,
            marker="D" if markers else "None",
            label=text(lang, "peers_median", peers=peers_label or text(lang, "peers_kommun")),
            gid=f"peers_{col}",
            **kw,
        )


# --- gaps: zero and direction ------------------------------------------------------------


def _pad_zero(ax: Axes) -> None:
    """Include zero in the y range and leave room in the corners for the direction hints."""
    lo, hi = ax.get_ylim()
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    pad = (hi - lo) * 0.12 or 1.0
    ax.set_ylim(lo - pad, hi + pad)


def _direction_hints(ax: Axes, women: str, men: str, lang: str, *, top: str, bottom: str) -> None:
    """ "▲ women higher" in a top corner and "▼ men higher" in a bottom corner."""
    kw: dict[str, Any] = {
        "transform": ax.transAxes,
        "fontsize": FONT["note"],
        "color": "#333333",
        "zorder": 6,
        "bbox": {"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.0},
    }
    for corner, y, va, key, gid in (
        (top, 0.98, "top", "higher_women", "hint_women"),
        (bottom, 0.02, "bottom", "higher_men", "hint_men"),
    ):
        x, ha = (0.01, "left") if corner == "left" else (0.99, "right")
        ax.text(x, y, text(lang, key, women=women, men=men), va=va, ha=ha, gid=gid, **kw)
