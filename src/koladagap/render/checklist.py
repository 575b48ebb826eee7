"""The self-assessment checklist for people: running text, the chart and the report.

The numbers come from :func:`koladagap.checklist.checklist_results`; this module
words and draws them. :func:`summary_lines` gives one line per level and meeting
(sum, mean, counts, movement), :func:`readiness_lines` one line per level on the
readiness rule, :func:`plot_checklist` the movement on one slide, and
:func:`write_checklist_report` the tables (xlsx, CSV) and the chart (PNG). Numbers
are formatted by :mod:`koladagap.render.i18n`, colours come from
:mod:`koladagap.render.style`.

Examples:
    >>> from koladagap.checklist import checklist_results, scores_from_frame, template_frame
    >>> t = template_frame("2019", ["Uppstart", "Benchmarking 1"])
    >>> t["Poäng (1–3)"] = [1] * 10 + [1, 2, 3, 3, 3, 3, 3, 3, 2, 2]
    >>> res = checklist_results(scores_from_frame(t))
    >>> summary_lines(res, "en")[1].split("; ")
    ['Benchmarking 1: sum 25 of 30, mean 2.5 (10 of 10 steps scored', '1 at 1, 3 at 2, 6 at 3)', \
'+15 since Uppstart (9 up, 0 down)']
"""

from __future__ import annotations

import math
import os
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import transforms
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from koladagap._files import atomic_path as _atomic
from koladagap.checklist import Checklist, ChecklistResult, Item, Readiness, ReadinessRule
from koladagap.checklist.model import norm_level_name
from koladagap.checklist.text import ATTRIBUTION
from koladagap.checklist.text import report_text as _r
from koladagap.checklist.writers import write_checklist_tables
from koladagap.errors import InputError
from koladagap.render.charts import SLIDE_SIZE
from koladagap.render.i18n import check_lang, format_number
from koladagap.render.style import OKABE_ITO

REPORT_DPI = 200
"""Resolution of the report's PNG: 2000 × 1125 pixels on the 16:9 slide."""

SESSION_STYLE: tuple[tuple[str, str], ...] = (
    (OKABE_ITO["grey"], "o"),
    (OKABE_ITO["sky"], "s"),
    (OKABE_ITO["green"], "D"),
    (OKABE_ITO["orange"], "p"),
    (OKABE_ITO["blue"], "v"),
    (OKABE_ITO["vermilion"], "P"),
    (OKABE_ITO["purple"], "X"),
    (OKABE_ITO["black"], "h"),
)
"""Colour and marker per meeting, in order (Okabe–Ito colours, distinct shapes)."""


def _lang(lang: str) -> str:
    """``lang`` checked by :func:`~koladagap.render.i18n.check_lang`, as an :class:`InputError`."""
    try:
        return check_lang(lang)
    except ValueError as err:
        raise InputError(str(err)) from None


def _signed(x: float, lang: str) -> str:
    """A change in score: ``+2``, ``−1``, ``±0``; ``–`` when unknown."""
    if math.isfinite(x) and x == 0:
        return "±0"
    return format_number(x, lang, decimals=0, sign=True)


def level_prefix(checklist: Checklist, level: str, lang: str = "sv") -> str:
    """``"Nämnd/förvaltning – "`` before a line about one level (``""`` without levels)."""
    return f"{checklist.level_name(level, lang).capitalize()} – " if level else ""


# --- running text -----------------------------------------------------------------------


def summary_lines(result: ChecklistResult, lang: str = "sv") -> list[str]:
    """One line per level and meeting: sum, mean, counts and movement."""
    lang = _lang(lang)
    c = result.checklist
    lines: list[str] = []
    sm = result.summary.assign(
        prev=result.summary.groupby("level", sort=False)["session"].shift(1),
        first=result.summary.groupby("level", sort=False)["session"].transform("first"),
    )
    records: list[dict[Any, Any]] = sm.to_dict("records")
    for row in records:  # one printed line per meeting
        counts = ", ".join(_r(lang, "count_at", n=int(row[f"n_at_{k}"]), k=k) for k in c.scale)
        change = ""
        if not pd.isna(row["change_prev"]):
            change = _r(
                lang,
                "change_since",
                d=_signed(float(row["change_prev"]), lang),
                prev=row["prev"],
                up=int(row["n_up"]),
                down=int(row["n_down"]),
            )
            if row["first"] != row["prev"] and not pd.isna(row["change_first"]):
                d = _signed(float(row["change_first"]), lang)
                change += _r(lang, "change_since_first", d=d, first=row["first"])
        lines.append(
            _r(
                lang,
                "summary_line",
                prefix=level_prefix(c, str(row["level"]), lang),
                session=row["session"],
                sum=int(row["sum"]),
                max_sum=int(row["max_sum"]),
                mean=format_number(float(row["mean"]), lang, decimals=1),
                n_scored=int(row["n_scored"]),
                n_items=int(row["n_items"]),
                items=c.item_word(lang, plural=True),
                counts=counts,
                change=change,
            )
        )
    return lines


def readiness_line(result: ChecklistResult, r: Readiness, lang: str = "sv") -> str:
    """The readiness of one level as one line."""
    lang = _lang(lang)
    c = result.checklist
    line = _r(
        lang,
        "ready_line",
        prefix=level_prefix(c, r.level, lang),
        rule=result.rule.describe(c, lang),
        session=r.session,
        yes=_r(lang, "yes" if r.ready else "no"),
    )
    items = c.item_word(lang, plural=True)
    if r.blocking:
        line += _r(lang, "blocking_part", items=items, ids=", ".join(r.blocking))
    k = result.rule.more_than_half_at_least
    if k is not None and r.n_at_least < r.needed:
        higher = _r(lang, "or_higher") if k < c.scale_max else ""
        line += _r(
            lang,
            "few_part",
            n=r.n_at_least,
            total=r.n_items,
            k=k,
            higher=higher,
            need=r.needed,
        )
    if r.unscored and result.rule.require_all_scored:
        line += _r(lang, "unscored_part", ids=", ".join(r.unscored))
    if c.scale_max != 3 and result.rule == ReadinessRule.default(c):
        line += " " + _r(lang, "scale_note", lo=c.scale_min, hi=c.scale_max)
    return line


def readiness_lines(result: ChecklistResult, lang: str = "sv") -> list[str]:
    """One readiness line per level; a note when nothing is scored."""
    if not result.readiness:
        return [_r(_lang(lang), "no_scores")]
    return [readiness_line(result, r, lang) for r in result.readiness]


# --- the chart -----------------------------------------------------------------------


def plot_checklist(
    result: ChecklistResult,
    ax: Axes | None = None,
    lang: str = "sv",
    level: str | None = None,
) -> Axes:
    """Scores per item for each meeting on one slide, with the movement since the first.

    A dot plot: one row per item, the scale along x, one marker per meeting
    (Okabe–Ito colour *and* shape, so it survives grey print and colour-blind
    readers; the latest meeting has a black edge), an arrow from the first
    meeting's score to the latest, and the change since the first meeting in
    a column at the right. The readiness line is a note under the chart and
    the footer reads "Källa: egen självskattning". For a checklist with levels
    one level is drawn (default: the first with scores).

    On a new figure (``ax=None``) or a figure with this Axes only, the slide
    layout is set (16:9, title and subtitle at the top left).

    Artists carry a ``gid``: ``"session:<name>"`` (one :class:`Line2D` per
    meeting), ``"movement"`` (the arrows), ``"change"`` (the texts at the
    right), and figure texts ``"title"``, ``"subtitle"``, ``"readiness"``,
    ``"attribution"``.

    Raises:
        InputError: ``level`` is not a level of the checklist, or ``lang`` is not sv/en.
    """
    lang = _lang(lang)
    c = result.checklist
    lvl = _chart_level(result, level)
    if ax is None:
        ax = Figure(figsize=SLIDE_SIZE).add_subplot()
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    own_layout = len(fig.axes) == 1
    items = c.items_at(lvl)
    ys = pd.Series(np.arange(len(items), dtype=float), index=[it.id for it in items])
    s = result.scores.loc[result.scores["level"].eq(lvl)]
    sessions = [x for x in result.sessions if x in set(s["session"])]
    _draw_sessions(ax, s, sessions, ys)
    if len(sessions) > 1:
        _draw_movement(ax, result.items.loc[result.items["level"].eq(lvl)], sessions, ys, lang)
    _checklist_axes(ax, c, items, lang)
    note = _readiness_note(result, lvl, lang)
    bottom_in = _CHART_FOOT_IN + _CHART_NOTE_LINE_IN * (note.count("\n") + 1 if note else 0)
    legend_rows = _checklist_legend(ax, sessions, lang, own_layout, bottom_in)
    if not sessions:
        ax.text(0.5, 0.5, _r(lang, "chart_none"), transform=ax.transAxes, ha="center")
    _checklist_texts(ax, result, lvl, sessions, lang, own_layout, note)
    if own_layout:
        height = fig.get_figheight()
        fig.subplots_adjust(
            left=_CHART_LEFT if len(items) <= 10 else _CHART_LEFT + 0.04,
            right=_CHART_RIGHT,
            top=1 - _CHART_TOP_IN / height,
            bottom=(bottom_in + _CHART_LEGEND_IN * legend_rows + _CHART_TICKS_IN) / height,
        )
    return ax


_CHART_LEFT, _CHART_RIGHT = 0.37, 0.90  # figure fractions: item labels left, changes right
_CHART_TOP_IN = 1.08  # title, subtitle and the change column's head
_CHART_FOOT_IN = 0.30  # the attribution line
_CHART_NOTE_LINE_IN = 0.19
_CHART_LEGEND_IN = 0.3  # per legend row
_CHART_TICKS_IN = 0.50


def _dodge(k: int) -> np.ndarray:
    """Horizontal offsets (scale units) that set the meetings side by side at a score."""
    step = 0.075 if k <= 5 else 0.36 / max(k - 1, 1)
    return (np.arange(k) - (k - 1) / 2) * step


_MARK_DY, _ARROW_DY = -0.1, 0.24  # rows: markers just above the centre, the arrow below


def _draw_sessions(ax: Axes, s: pd.DataFrame, sessions: Sequence[str], ys: pd.Series) -> None:
    k = len(sessions)
    dx = _dodge(k)
    for j, name in enumerate(sessions):
        colour, marker = SESSION_STYLE[j % len(SESSION_STYLE)]
        sub = s.loc[s["session"].eq(name)]
        last = j == k - 1
        ax.plot(
            sub["score"].astype(float).to_numpy() + dx[j],
            ys.reindex(sub["item"]).to_numpy(dtype=float) + _MARK_DY,
            linestyle="none",
            marker=marker,
            markersize=9.0 if last else 7.5,
            markerfacecolor=colour,
            markeredgecolor="#000000" if last else "white",
            markeredgewidth=1.0 if last else 0.6,
            color=colour,
            label=name,
            gid=f"session:{name}",
            zorder=4 if last else 3,
        )


def _draw_movement(
    ax: Axes, w: pd.DataFrame, sessions: Sequence[str], ys: pd.Series, lang: str
) -> None:
    dx = _dodge(len(sessions))
    a = w[sessions[0]].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    b = w[sessions[-1]].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    y = ys.reindex(w["item"]).to_numpy(dtype=float)
    moved = np.isfinite(a) & np.isfinite(b) & (a != b)
    x0s, x1s = (a[moved] + dx[0]).tolist(), (b[moved] + dx[-1]).tolist()
    for x0, x1, yy in zip(x0s, x1s, (y[moved] + _ARROW_DY).tolist(), strict=True):
        ax.annotate(
            "",
            xy=(x1, yy),
            xytext=(x0, yy),
            arrowprops={
                "arrowstyle": "-|>",
                "color": "#6E6E6E",
                "lw": 1.5,
                "shrinkA": 0,
                "shrinkB": 0,
                "mutation_scale": 11,
            },
            zorder=2,
            gid="movement",
        )
    trans = ax.get_yaxis_transform()
    changes = w["change_first"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    for yy, d in zip(y.tolist(), changes.tolist(), strict=True):
        moved_d = math.isfinite(d) and d != 0
        ax.text(
            1.03,
            yy,
            _signed(d, lang),
            transform=trans,
            ha="left",
            va="center",
            fontsize=10.5,
            fontweight="bold" if moved_d else "normal",
            color="#000000" if moved_d else "#666666",
            gid="change",
        )
    ax.text(
        1.03,
        1.01,
        _r(lang, "chart_change", first=sessions[0]),
        transform=ax.transAxes,
        ha="left",
        va="bottom",
        fontsize=9.5,
        color="#333333",
        gid="change_head",
    )


def _chart_level(result: ChecklistResult, level: str | None) -> str:
    c = result.checklist
    if not c.levels:
        if level:
            raise InputError(f"checklist {c.version} has no levels; leave level out")
        return ""
    if level is None:
        with_scores = [lvl for lvl in c.levels if result.scores["level"].eq(lvl).any()]
        return (with_scores or list(c.levels))[0]
    norm = norm_level_name(level)
    if norm not in c.levels:
        raise InputError(
            f"invalid level {level!r}: checklist {c.version} has {', '.join(c.levels)}"
        )
    return norm


def _checklist_axes(ax: Axes, c: Checklist, items: Sequence[Item], lang: str) -> None:
    n = len(items)
    size, width = (10.0, 44) if n <= 10 else (8.5, 66)
    labels = [textwrap.fill(f"{it.id}. {it.label(lang)}", width) for it in items]
    ax.set_yticks(np.arange(n), labels, fontsize=size)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xticks(
        list(c.scale),
        [f"{k}\n{textwrap.fill(c.scale_label(k, lang), 24)}".strip() for k in c.scale],
        fontsize=9.5,
    )
    ax.set_xlim(c.scale_min - 0.3, c.scale_max + 0.3)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color="#DDDDDD", lw=0.8, zorder=0)
    for yy in np.arange(n - 1) + 0.5:
        ax.axhline(yy, color="#EEEEEE", lw=0.6, zorder=0, gid="separator")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_axisbelow(True)


def _checklist_legend(
    ax: Axes, sessions: Sequence[str], lang: str, own_layout: bool, bottom_in: float
) -> int:
    """The legend under the chart; returns its number of rows."""
    k = len(sessions)
    handles = [
        Line2D(
            [],
            [],
            linestyle="none",
            marker=SESSION_STYLE[j % len(SESSION_STYLE)][1],
            markerfacecolor=SESSION_STYLE[j % len(SESSION_STYLE)][0],
            markeredgecolor="#000000" if j == k - 1 else "white",
            markersize=8,
            label=name,
        )
        for j, name in enumerate(sessions)
    ]
    if k > 1:
        handles.append(
            Line2D(
                [0, 1],
                [0, 0],
                color="#6E6E6E",
                lw=1.4,
                marker=">",
                markevery=[1],
                label=_r(lang, "chart_movement", first=sessions[0]),
            )
        )
    if not handles:
        return 0
    # one row when the labels fit across the slide (about 126 characters), else more
    width = sum(len(str(h.get_label())) + 5 for h in handles)
    rows = max(1, math.ceil(width / 126))
    ncol = math.ceil(len(handles) / rows)
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    if own_layout:
        anchor: dict[str, Any] = {
            "loc": "lower center",
            "bbox_to_anchor": (0.5, (bottom_in + 0.02) / fig.get_figheight()),
            "bbox_transform": fig.transFigure,
        }
    else:
        anchor = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.18)}
    ax.legend(
        handles=handles,
        ncol=ncol,
        frameon=False,
        fontsize=9.5,
        handletextpad=0.3,
        columnspacing=1.1,
        handlelength=1.6,
        **anchor,
    )
    return rows


def _readiness_note(result: ChecklistResult, lvl: str, lang: str) -> str:
    ready = [r for r in result.readiness if r.level == lvl]
    if not ready:
        return ""
    line = readiness_line(result, ready[0], lang)
    if lvl:  # the title names the level
        line = line.removeprefix(level_prefix(result.checklist, lvl, lang))
    return textwrap.fill(line, 118)


def _checklist_texts(
    ax: Axes,
    result: ChecklistResult,
    lvl: str,
    sessions: Sequence[str],
    lang: str,
    own_layout: bool,
    note: str,
) -> None:
    c = result.checklist
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    head = c.title(lang)
    lv = _r(lang, "chart_level", level=c.level_name(lvl, lang).capitalize()) if lvl else ""
    summ = result.summary.loc[result.summary["level"].eq(lvl)]
    sub = ""
    if len(summ):
        max_sum = int(summ["max_sum"].iloc[0])
        word = c.item_word(lang)
        if len(summ) == 1:
            total = int(summ["sum"].iloc[0])
            sub = _r(
                lang,
                "chart_sub_one",
                level=lv,
                item=word,
                session=sessions[0],
                sum=total,
                max_sum=max_sum,
            )
        else:
            sums = " → ".join(str(int(x)) for x in summ["sum"])
            sub = _r(lang, "chart_sub", level=lv, item=word, sums=sums, max_sum=max_sum)
        sub = sub[:1].upper() + sub[1:]
    footer = ATTRIBUTION + ("" if lang == "sv" else " · Source: own self-assessment")
    height = fig.get_figheight()
    inch = transforms.blended_transform_factory(fig.transFigure, fig.dpi_scale_trans)
    texts: list[tuple[str, float, str, dict[str, Any]]] = [
        (footer, 0.07, "attribution", {"fontsize": 9.5, "color": "#333333"}),
    ]
    if note:
        texts.append((note, _CHART_FOOT_IN, "readiness", {"fontsize": 10, "fontweight": "bold"}))
    if own_layout:
        texts += [
            (head, height - 0.14, "title", {"fontsize": 14, "fontweight": "bold", "va": "top"}),
            (sub, height - 0.50, "subtitle", {"fontsize": 11, "color": "#333333", "va": "top"}),
        ]
    else:
        ax.set_title(head + ("\n" + sub if sub else ""), loc="left", fontsize=12)
    for t in [t for t in fig.texts if t.get_gid() in {x[2] for x in texts}]:
        t.remove()
    for text, y_in, gid, style in texts:
        kw = {"va": "bottom", "color": "#000000", **style}
        fig.text(0.012, y_in, text, ha="left", gid=gid, transform=inch, **kw)


# --- the report --------------------------------------------------------------------------


def write_checklist_report(
    result: ChecklistResult, out_dir: str | os.PathLike[str], lang: str = "sv"
) -> list[Path]:
    """Write the tables (xlsx and csv) and the chart (PNG, one per level) to ``out_dir``.

    Files (Swedish names by default): ``checklista.xlsx`` (sheets summary, per
    item, scores and comments, readiness), ``checklista_per_moment.csv``,
    ``checklista_sammanfattning.csv`` and ``checklista.png`` (for 2024:
    ``checklista_overgripande.png`` and ``checklista_namnd.png``). Every file
    is written to a temporary name and moved into place.

    Returns:
        The files written.
    """
    lang = _lang(lang)
    written = write_checklist_tables(result, out_dir, lang)
    out, stem = Path(out_dir), _r(lang, "file_stem")
    levels = [r.level for r in result.readiness] or list(result.checklist.levels[:1]) or [""]
    for lvl in levels:
        suffix = f"_{_ascii(lvl)}" if lvl else ""
        p = out / f"{stem}{suffix}.png"
        fig = Figure(figsize=SLIDE_SIZE)
        plot_checklist(result, fig.add_subplot(), lang=lang, level=lvl or None)
        with _atomic(p) as tmp:
            fig.savefig(tmp, format="png", dpi=REPORT_DPI)
        written.append(p)
    return written


def _ascii(s: str) -> str:
    """A level as a file-name part: ``nämnd`` → ``namnd``."""
    return s.translate(str.maketrans("åäöÅÄÖ", "aaoAAO")).replace("/", "_")


__all__ = [
    "REPORT_DPI",
    "SESSION_STYLE",
    "level_prefix",
    "plot_checklist",
    "readiness_line",
    "readiness_lines",
    "summary_lines",
    "write_checklist_report",
]
