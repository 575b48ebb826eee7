"""The overview: one row per KPI, women and men as an index of their mean, coloured by level."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import transforms
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from koladagap.columns import KPI, PERIOD
from koladagap.errors import InputError
from koladagap.render.charts.base import FONT, _figure, _finish, _get_ax, _number_formatter
from koladagap.render.charts.labels import kpi_units, short_title
from koladagap.render.charts.levels import level_map
from koladagap.render.i18n import LEVEL_SHORT, NBSP, check_lang, format_number
from koladagap.render.i18n.charts import text
from koladagap.render.i18n.measures import share_heading
from koladagap.render.style import LEVEL_COLOURS, NO_LEVEL_COLOUR


def _titles_map(
    kpi_titles: Mapping[str, str] | pd.DataFrame | None, column: str = "title"
) -> dict[str, str]:
    if kpi_titles is None:
        return {}
    if isinstance(kpi_titles, pd.DataFrame):
        if column not in kpi_titles:
            return {}
        rows = kpi_titles.dropna(subset=[column])
        return dict(zip(rows["id"].astype(str), rows[column].astype(str), strict=True))
    return {str(k): str(v) for k, v in kpi_titles.items()} if column == "title" else {}


def dumbbell_index(latest: pd.DataFrame) -> pd.DataFrame:
    """Women and men as an index of their mean (mean of the two = 100).

    Adds ``women_index`` and ``men_index``. The mean of women and men is used
    rather than Kolada's total because the total is a sum for counts
    (inhabitants) and a weighted mean for shares. A missing value or a mean
    of zero or below gives NaN.

    Examples:
        >>> df = pd.DataFrame({"women": [80.0, 5.0], "men": [120.0, float("nan")]})
        >>> dumbbell_index(df)[["women_index", "men_index"]].values.tolist()[0]
        [80.0, 120.0]
    """
    out = latest.copy()
    k = out["women"].to_numpy(dtype="float64")
    m = out["men"].to_numpy(dtype="float64")
    base = (k + m) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = np.isfinite(base) & (base > 0)
        out["women_index"] = np.where(ok, k / base * 100, np.nan)
        out["men_index"] = np.where(ok, m / base * 100, np.nan)
    return out


DUMBBELL_LABEL_CHARS = 42


def plot_dumbbell(
    gaps_latest: pd.DataFrame,
    *,
    levels: Mapping[str, str] | pd.DataFrame | None = None,
    kpi_titles: Mapping[str, str] | pd.DataFrame | None = None,
    order: Sequence[str] | None = None,
    municipality_name: str | None = None,
    year: int | None = None,
    lang: str = "sv",
    ax: Axes | None = None,
    one_sex: Mapping[str, str] | None = None,
) -> Axes:
    """One row per KPI: women (●) and men (□) joined by a bar coloured by level.

    KPIs have different units, so both values are drawn as an index of their
    mean (mean of women and men = 100): the distance between the dots is the
    gap relative to the mean, comparable across rows. The real values stand in
    a column at the right (``"74,3 / 70,5 %"``), the level beside them when
    ``levels`` is given (a KPI → level mapping or frame, see :func:`level_map`).
    ``gaps_latest`` holds one organisation and one year per KPI (columns
    ``kpi, women, men``); ``kpi_titles`` maps KPI id → Kolada title (or is the
    catalogue frame with ``id, title`` and optionally ``short_title``, used for
    the row labels). Rows run top to bottom in ``order`` (else as given). The
    chart title carries ``gid="title"``.

    ``one_sex`` maps the KPIs that are one sex's share (N00945, the men's share of
    VAB days) to that sex (``"K"``/``"M"``). Such a row has no women and men: its
    ``total`` is the share, drawn as one marker (● women, □ men) at ``2 × share`` on
    the index axis, so that 50 % sits on the dashed 100 line (parity) and the bar
    from it is the share's distance from 50/50; the value column reads
    ``"Andel män 32,3 %"`` (``gid="one_sex"`` on the marker).

    Examples:
        >>> df = pd.DataFrame({"kpi": ["A", "B"], "women": [74.3, 2.0], "men": [70.5, 3.0]})
        >>> ax = plot_dumbbell(df, levels={"A": "info", "B": "watch"},
        ...                    kpi_titles={"A": "Examen, andel (%)", "B": "Bistånd, andel (%)"})
        >>> [t.get_text() for t in ax.get_yticklabels()]  # top to bottom
        ['Examen', 'Bistånd']
        >>> [t.get_text() for t in ax.texts if t.get_gid() == "level_text"]
        ['Känt mönster', 'Bevaka']
        >>> df = pd.DataFrame({"kpi": ["A", "V"], "women": [74.3, None], "men": [70.5, None],
        ...                    "total": [72.0, 32.3]})
        >>> ax = plot_dumbbell(df, one_sex={"V": "M"}, kpi_titles={"V": "VAB, män, andel (%)"})
        >>> [t.get_text().replace("\u00a0", " ") for t in ax.texts if t.get_gid() == "value_text"]
        ['74,3 / 70,5', 'Andel män 32,3 %']
    """
    lang = check_lang(lang)
    ax = _get_ax(ax)
    lv = level_map(levels)
    titles = _titles_map(kpi_titles)
    df = gaps_latest.drop_duplicates(KPI, keep="last").set_index(KPI, drop=False)
    if order is not None:
        df = df.reindex([k for k in order if k in df.index])
    if df.empty:
        raise InputError("no KPI rows to draw in the dumbbell chart")
    if year is None and PERIOD in df and df[PERIOD].nunique() == 1:
        year = int(df[PERIOD].iloc[0])
    df = dumbbell_index(df.reset_index(drop=True))
    n = len(df)
    y = np.arange(n)[::-1].astype(float)
    kpis = df[KPI].astype(str).tolist()
    row_levels = [lv.get(k, "") for k in kpis]
    wi = df["women_index"].to_numpy(dtype="float64")
    mi = df["men_index"].to_numpy(dtype="float64")
    sexes = {str(k): str(v).upper() for k, v in (one_sex or {}).items()}
    sex = np.array([sexes.get(k, "") for k in kpis], dtype=str)  # one per KPI row
    share = df["total"].to_numpy(dtype="float64") if "total" in df else np.full(n, np.nan)
    single = (sex != "") & np.isfinite(share)
    sx = np.where(single, share * 2.0, np.nan)  # 50 % on the 100 line
    ok = np.isfinite(wi) & np.isfinite(mi)
    missing = NO_LEVEL_COLOUR if not lv else LEVEL_COLOURS["not_computable"]
    colours = np.array([LEVEL_COLOURS.get(level, missing) for level in row_levels])
    size = 1.0 if n <= 12 else 0.8
    ax.hlines(
        y[ok],
        np.fmin(wi, mi)[ok],
        np.fmax(wi, mi)[ok],
        colors=colours[ok],
        linewidth=7 * size,
        zorder=2,
        gid="level_lines",
    )
    ax.scatter(
        wi[ok],
        y[ok],
        marker="o",
        s=80 * size,
        color="#1A1A1A",
        zorder=4,
        gid="women",
        label=text(lang, "women_any"),
    )
    ax.scatter(
        mi[ok],
        y[ok],
        marker="s",
        s=66 * size,
        color="white",
        edgecolor="#1A1A1A",
        linewidth=1.6,
        zorder=5,
        gid="men",
        label=text(lang, "men_any"),
    )
    if single.any():
        _one_sex_rows(ax, sx[single], y[single], sex[single], colours[single], size)
    ax.axvline(100, color="#777777", linewidth=1, linestyle=(0, (4, 3)), zorder=1, gid="index_mean")
    full = [titles.get(k, k) for k in kpis]
    shorts = _titles_map(kpi_titles, "short_title")
    labels = [
        shorts.get(k) or short_title(t, DUMBBELL_LABEL_CHARS) or k
        for t, k in zip(full, kpis, strict=True)
    ]
    tick_size = FONT["tick"] if n <= 12 else 10.0
    ax.set_yticks(y, labels, fontsize=tick_size)
    ax.set_ylim(-0.7, n - 0.3)
    _dumbbell_xlim(ax, np.concatenate([wi[ok], sx[single]]), mi[ok])
    for yy in y[~ok & ~single]:
        ax.text(
            100,
            yy,
            text(lang, "not_computable"),
            ha="center",
            va="center",
            fontsize=tick_size,
            color="#444444",
            style="italic",
            gid="not_computable",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
        )
    show_levels = any(row_levels)
    _dumbbell_columns(
        ax, df.assign(one_sex=np.where(single, sex, "")), y, full, row_levels, lang, tick_size
    )
    _dumbbell_legend(ax, show_levels, lang)
    ax.set_xlabel(text(lang, "dumbbell_axis"), fontsize=FONT["label"])
    ax.xaxis.set_major_formatter(_number_formatter(lang))
    ax.tick_params(axis="y", length=0)
    ax.tick_params(axis="x", labelsize=FONT["tick"])
    ax.grid(axis="x", color="#EEEEEE")
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    headline = text(lang, "dumbbell_title", name=municipality_name or "", year=year or "")
    ax.annotate(
        headline.strip(),
        xy=(0.01, 1.0),
        xycoords=("figure fraction", "axes fraction"),
        xytext=(0, 26),
        textcoords="offset points",
        ha="left",
        va="bottom",
        fontsize=FONT["title"],
        fontweight="bold",
        gid="title",
        annotation_clip=False,
    )
    note = text(lang, "dumbbell_note")
    right = 0.66 if show_levels else 0.76
    return _finish(ax, lang, [note], {"left": 0.39, "right": right, "top": 0.86, "below": 1.05})


def _dumbbell_xlim(ax: Axes, wi: np.ndarray, mi: np.ndarray) -> None:
    vals = np.concatenate([wi, mi, [100.0]])
    lo, hi = float(np.nanmin(vals)), float(np.nanmax(vals))
    pad = max((hi - lo) * 0.08, 2.0)
    ax.set_xlim(lo - pad, hi + pad)


def _one_sex_rows(
    ax: Axes, x: np.ndarray, y: np.ndarray, sex: np.ndarray, colours: np.ndarray, size: float
) -> None:
    """One-sex shares: a bar from the 100 line (50 %) to the share, one marker at the share."""
    ax.hlines(
        y, np.fmin(x, 100.0), np.fmax(x, 100.0), colors=list(colours), linewidth=7 * size, zorder=2,
        gid="one_sex_lines",
    )  # fmt: skip
    women = sex == "K"
    for mask, marker, face in ((women, "o", "#1A1A1A"), (~women, "s", "white")):
        if mask.any():
            ax.scatter(
                x[mask], y[mask], marker=marker, s=72 * size, color=face, edgecolor="#1A1A1A",
                linewidth=1.6, zorder=5, gid="one_sex",
            )  # fmt: skip


def _dumbbell_columns(
    ax: Axes,
    df: pd.DataFrame,
    y: np.ndarray,
    titles: Sequence[str],
    row_levels: Sequence[str],
    lang: str,
    size: float,
) -> None:
    """Values (women / men, with unit) and the level in two columns right of the Axes."""
    fig = _figure(ax)
    rows = transforms.blended_transform_factory(ax.transAxes, ax.transData)
    head = ax.transAxes
    col1 = transforms.offset_copy(rows, fig=fig, x=14, units="points")
    col2 = transforms.offset_copy(rows, fig=fig, x=150, units="points")
    kw: dict[str, Any] = {"fontsize": size, "va": "center", "ha": "left", "color": "#1A1A1A"}
    hkw: dict[str, Any] = {
        "fontsize": FONT["tick"],
        "va": "bottom",
        "ha": "left",
        "fontweight": "bold",
    }
    ax.text(
        1.0,
        1.0,
        text(lang, "dumbbell_values"),
        transform=transforms.offset_copy(head, fig=fig, x=14, y=4, units="points"),
        **hkw,
    )
    show_levels = any(row_levels)
    if show_levels:
        ax.text(
            1.0,
            1.0,
            text(lang, "dumbbell_level"),
            transform=transforms.offset_copy(head, fig=fig, x=150, y=4, units="points"),
            **hkw,
        )
    women = df["women"].to_numpy(dtype="float64")
    men = df["men"].to_numpy(dtype="float64")
    total = df["total"].to_numpy(dtype="float64") if "total" in df else np.full(len(df), np.nan)
    sex = df["one_sex"].astype(str).to_numpy() if "one_sex" in df else np.full(len(df), "")
    for i, t in enumerate(titles):  # one label per KPI row (~20), not data processing
        units = kpi_units(t, lang)
        suffix = f"{NBSP}{units.suffix}" if units.suffix else ""
        s = f"{format_number(women[i], lang)} / {format_number(men[i], lang)}{suffix}"
        if sex[i]:
            s = f"{share_heading(lang, sex[i])} {format_number(total[i], lang)}{NBSP}%"
        ax.text(1.0, y[i], s, transform=col1, gid="value_text", **kw)
        if show_levels and row_levels[i]:
            ax.text(
                1.0,
                y[i],
                LEVEL_SHORT[lang][row_levels[i]],
                transform=col2,
                gid="level_text",
                **kw,
            )


def _dumbbell_legend(ax: Axes, show_levels: bool, lang: str) -> None:
    handles: list[Any] = [
        Line2D([], [], marker="o", color="#1A1A1A", linestyle="none", markersize=8),
        Line2D(
            [],
            [],
            marker="s",
            markerfacecolor="white",
            markeredgecolor="#1A1A1A",
            markeredgewidth=1.6,
            linestyle="none",
            markersize=7.5,
        ),
    ]
    labels = [text(lang, "women_any"), text(lang, "men_any")]
    if show_levels:  # the level column names each row's colour; the legend keeps it short
        handles.append(Patch(color=NO_LEVEL_COLOUR))
        labels.append(text(lang, "dumbbell_bar"))
    fig = _figure(ax)
    below = transforms.offset_copy(
        transforms.blended_transform_factory(fig.transFigure, ax.transAxes),
        fig=fig,
        y=-46,
        units="points",
    )
    ax.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        bbox_transform=below,
        ncol=len(labels),
        frameon=False,
        fontsize=FONT["legend"],
        handlelength=1.6,
        columnspacing=1.4,
    )


__all__ = ["DUMBBELL_LABEL_CHARS", "dumbbell_index", "plot_dumbbell"]
