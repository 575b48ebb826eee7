"""The baseline chart pack that key persons present at SKR's "Benchmarking 1".

For one organisation and a baseline year, :func:`write_baseline_pack` draws an
overview (women and men per KPI, coloured by level when levels are given)
and, per KPI, the trend with Riket and the peer median, the gap over time
and the gap among all kommuner. It writes them as PNG/SVG files in
``charts/``, one PDF (title page, index, one chart per page) and one 16:9
PPTX deck whose chart slides carry an editable text box with the baseline
values, the gap and the level. Every file is written to a temporary name and
moved into place, so a crash never leaves half a file.

:func:`baseline_pack_input` assembles the input from the shipped sample, the
cache or the API; :func:`baseline_pack_from_sample` is its offline shorthand.

Examples:
    >>> import tempfile
    >>> inp = baseline_pack_from_sample("0180", 2018, kpis=["N15428"])
    >>> with tempfile.TemporaryDirectory() as out:
    ...     [p.name for p in write_baseline_pack(inp, out, formats="png")]
    ['01_oversikt.png', 'N15428_1_trend.png', 'N15428_2_skillnad.png', 'N15428_3_kommuner.png']
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from koladagap.errors import InputError, InvalidYearsError, OfflineMissingError, UnknownIdError
from koladagap.kolada.frames import sex_labels, to_wide
from koladagap.kolada.metadata import municipality_kind, peer_group
from koladagap.kolada.schema import KPI, MUNICIPALITY_ID, PERIOD, parse_ids
from koladagap.render import charts

if TYPE_CHECKING:
    from koladagap.benchmarking.data import Kolada

log = logging.getLogger("koladagap")

FORMATS = ("png", "svg", "pdf", "pptx")
DEFAULT_FORMATS = ("png", "pdf", "pptx")
PNG_DPI = 150
MIN_RANKED = {"kommun": 30, "region": 10}  # the ranking chart needs this many with a gap
INDEX_LINES_PER_PAGE = 16
PARALLEL_MIN_CHARTS = 12  # below this, starting a child process costs more than it saves
WORKER_TIMEOUT = 600.0  # seconds the PDF child may take before it is killed


@dataclass(frozen=True, eq=False)
class PackInput:
    """Everything the baseline pack needs, assembled by the caller.

    Attributes:
        organisation_id: the municipality (or region) id, e.g. ``"0180"``.
        organisation_name: its name, e.g. ``"Stockholm"``.
        baseline_year: the data year shown at Benchmarking 1.
        kpis: KPI ids in the order they are presented.
        values: tidy values (``kpi, municipality_id, period, gender, value``)
            for the organisation, its peers, Riket (``0000``) and all
            kommuner (the ranking chart needs them; it is left out when
            fewer than 30 kommuner have a gap).
        kpi_meta: the KPI catalogue (``id, title``; optional ``short_title``
            for the overview's row labels).
        peers: the "Liknande kommuner" ids (the organisation not included).
        peer_group_title: the group's Kolada title, named in the notes.
        levels: optional KPI → level (``none/info/watch/act/...``) mapping, or
            a frame with ``kpi, level`` (and optionally ``municipality_id``,
            ``period``) from the deviation engine; see
            :func:`koladagap.render.charts.level_map`.
        reasons: optional KPI → plain-language reason for the level (from
            :func:`koladagap.render.explain.explain`), printed under the level on the
            KPI's slides.
        title: the pack's title; default "Utgångsläge inför Benchmarking 1".
        lang: ``"sv"`` (default) or ``"en"``.
        first_year: the first year shown in the time charts (all years if None).
    """

    organisation_id: str
    organisation_name: str
    baseline_year: int
    kpis: Sequence[str]
    values: pd.DataFrame
    kpi_meta: pd.DataFrame
    peers: Sequence[str] = ()
    peer_group_title: str = ""
    levels: Mapping[str, str] | pd.DataFrame | None = None
    reasons: Mapping[str, str] | None = None
    title: str | None = None
    lang: str = "sv"
    first_year: int | None = None

    def __post_init__(self) -> None:
        charts.check_lang(self.lang)
        if not self.kpis:
            raise InputError("PackInput.kpis is empty: name at least one KPI id")
        object.__setattr__(self, "kpis", tuple(dict.fromkeys(str(k) for k in self.kpis)))
        object.__setattr__(self, "peers", tuple(str(p) for p in self.peers))
        object.__setattr__(self, "baseline_year", int(self.baseline_year))
        missing = {KPI, MUNICIPALITY_ID, PERIOD, "gender", "value"} - set(self.values.columns)
        if missing:
            raise InputError(f"PackInput.values lacks the column(s) {sorted(missing)}")
        if not {"id", "title"} <= set(self.kpi_meta.columns):
            raise InputError("PackInput.kpi_meta needs the columns 'id' and 'title'")
        if self.first_year is not None and self.first_year > self.baseline_year:
            raise InvalidYearsError(
                f"first_year {self.first_year} is after the baseline year {self.baseline_year}"
            )

    @property
    def pack_title(self) -> str:
        """The title on the first page and slide."""
        return self.title or charts.text(self.lang, "pack_title")


@dataclass
class _Chart:
    stem: str
    kpi: str | None
    kind: str  # "overview", "trend", "gap", "rank"
    draw: Callable[..., object]  # called as draw(ax=...)
    slide_lines: list[str] = field(default_factory=list)
    alt_text: str = ""


# --- assembling the charts -----------------------------------------------------------


class _Data:
    """The frames and lookups every chart of one pack uses (computed once)."""

    def __init__(self, inp: PackInput) -> None:
        self.inp = inp
        vals = inp.values.loc[inp.values[KPI].isin(list(inp.kpis)).to_numpy(dtype=bool)]
        self.gaps = _with_gap(to_wide(vals))
        meta = inp.kpi_meta.dropna(subset=["id", "title"])
        self.titles: dict[str, str] = dict(
            zip(meta["id"].astype(str), meta["title"].astype(str), strict=True)
        )
        self.levels = charts.level_map(
            inp.levels, municipality_id=inp.organisation_id, year=inp.baseline_year
        )
        split = self.gaps.groupby(KPI, observed=True)[["women", "men"]].count().sum(axis=1)
        self.t_only = {str(k) for k, n in split.items() if n == 0}
        is_own = (self.gaps[MUNICIPALITY_ID] == inp.organisation_id).to_numpy(dtype=bool)
        self.own = self.gaps.loc[is_own]
        self.by_kpi: dict[str, pd.DataFrame] = {
            str(k): g for k, g in self.gaps.groupby(KPI, sort=False, observed=True)
        }
        self._check_baseline()

    def _check_baseline(self) -> None:
        inp = self.inp
        has = self.own[["women", "men", "total"]].notna().any(axis=1).to_numpy(dtype=bool)
        years = self.own.loc[has, PERIOD]
        if years.empty:
            raise InputError(
                f"no values for {inp.organisation_id} and the KPIs {', '.join(inp.kpis)}"
            )
        if not (years == inp.baseline_year).any():
            raise InvalidYearsError(
                f"no values for {inp.organisation_id} in the baseline year "
                f"{inp.baseline_year}: the data cover {int(years.min())}–{int(years.max())}"
            )

    def kpi_gaps(self, kpi: str) -> pd.DataFrame:
        return self.by_kpi.get(kpi, self.gaps.iloc[:0])

    def title(self, kpi: str) -> str:
        return self.titles.get(kpi, kpi)

    def own_row(self, kpi: str, year: int) -> pd.Series | None:
        hit = self.own.loc[((self.own[KPI] == kpi) & (self.own[PERIOD] == year)).to_numpy()]
        return None if hit.empty else hit.iloc[0]


def _with_gap(wide: pd.DataFrame) -> pd.DataFrame:
    """``wide`` with ``gap`` = women − men (NaN when either is missing, never zero).

    The same gap as :func:`koladagap.engine.measures.compute_gaps`; computed
    here so the pack does not import the deviation engine.
    """
    out = wide.copy()
    out["gap"] = out["women"].to_numpy(dtype="float64") - out["men"].to_numpy(dtype="float64")
    return out


def _level_line(d: _Data, kpi: str) -> str:
    lang = d.inp.lang
    level = d.levels.get(kpi)
    if not level:
        return charts.text(lang, "pack_no_level")
    return f"{charts.text(lang, 'pack_level')}: {charts.LEVEL_LABELS[lang][level]}"


def _slide_lines(d: _Data, kpi: str) -> list[str]:
    """Editable text for a KPI's slides: baseline values, the gap and the level."""
    inp, lang = d.inp, d.inp.lang
    title = d.title(kpi)
    units = charts.kpi_units(title, lang)
    year = inp.baseline_year
    row = d.own_row(kpi, year)
    lines = [f"{charts.text(lang, 'baseline')} {year}"]
    if kpi in d.t_only:
        value = np.nan if row is None else float(row["total"])
        lines.append(
            f"{charts.text(lang, 'pack_share_of', year=year)}: "
            f"{charts.format_value(value, units, lang)}"
        )
    elif row is None or (np.isnan(row["women"]) and np.isnan(row["men"])):
        lines.append(charts.text(lang, "pack_no_data", year=year))
    else:
        women, men = sex_labels(title, "en" if lang == "en" else "sv")
        lines += [
            f"{women.capitalize()}: {charts.format_value(float(row['women']), units, lang)}",
            f"{men.capitalize()}: {charts.format_value(float(row['men']), units, lang)}",
            f"{charts.text(lang, 'gap_word')}: {charts.format_gap(float(row['gap']), units, lang)}",
        ]
    lines.append(_level_line(d, kpi))
    reason = (inp.reasons or {}).get(kpi)
    if reason:
        lines.append(reason)
    lines.append(charts.text(lang, "pack_edit"))
    return lines


def _overview_lines(d: _Data, kpis: Sequence[str]) -> list[str]:
    lang = d.inp.lang
    lines = [
        f"{charts.text(lang, 'baseline')} {d.inp.baseline_year}",
        charts.text(lang, "pack_n_kpis", n=len(kpis)),
    ]
    counts = pd.Series([d.levels[k] for k in kpis if k in d.levels], dtype="string")
    if len(counts):
        lines.append(charts.text(lang, "pack_levels_head", year=d.inp.baseline_year) + ":")
        for level, n in counts.value_counts().reindex(list(charts.LEVELS)).dropna().items():
            lines.append(f"{charts.LEVEL_LABELS[lang][str(level)]}: {int(n)}")
    else:
        lines.append(charts.text(lang, "pack_no_level"))
    lines.append(charts.text(lang, "pack_edit"))
    return lines


def _overview(d: _Data) -> _Chart | None:
    inp = d.inp
    kpis = [k for k in inp.kpis if k not in d.t_only and k in d.by_kpi]
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
    )
    alt = charts.text(inp.lang, "pack_overview")
    return _Chart(
        "01_oversikt", None, "overview", _with_source(draw, kpis), _overview_lines(d, kpis), alt
    )


def _with_source(draw: Callable[..., Any], kpis: Sequence[str]) -> Callable[..., Any]:
    """``draw``, with the footer naming the right source when own measurements are shown.

    Kolada's figures are "Källa: Kolada; egen bearbetning"; the organisation's own
    measurements are never attributed to Kolada ("Källa: egen mätning").
    """
    from koladagap.benchmarking.measurements import attribution

    source = attribution(kpis)
    if source == charts.ATTRIBUTION:
        return draw

    def drawn(*args: Any, **kwargs: Any) -> Any:
        ax = draw(*args, **kwargs)
        for t in ax.get_figure(root=True).texts:
            if t.get_gid() == "attribution":
                t.set_text(t.get_text().replace(charts.ATTRIBUTION, source))
        return ax

    return drawn


def _kpi_charts(d: _Data, kpi: str) -> list[_Chart]:
    inp = d.inp
    title = d.title(kpi)
    units = charts.kpi_units(title)
    lines = _slide_lines(d, kpi)
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
    out: list[_Chart] = []

    def add(n: int, kind: str, stem: str, draw: Callable[..., object]) -> None:
        alt = f"{short}: {_caption(d, kind)}"
        out.append(_Chart(f"{kpi}_{n}_{stem}", kpi, kind, _with_source(draw, [kpi]), lines, alt))

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
    same_kind = (municipality_kind(year_rows[MUNICIPALITY_ID]) == peer_kind).to_numpy()
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


def _caption(d: _Data, kind: str) -> str:
    """ "över tid", "skillnad", "bland kommuner" (or "bland regioner")."""
    those = charts.RANK_NOUN[d.inp.lang][charts.rank_kind(d.inp.organisation_id)]
    return charts.text(d.inp.lang, f"pack_{kind}", those=those)


def _charts(d: _Data) -> list[_Chart]:
    out: list[_Chart] = []
    overview = _overview(d)
    if overview is not None:
        out.append(overview)
    for kpi in d.inp.kpis:
        out.extend(_kpi_charts(d, kpi))
    return out


# --- atomic files ----------------------------------------------------------------------


def _file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def _atomic_path(path: Path, mode: int) -> Iterator[Path]:
    """A temporary path beside ``path``; moved onto ``path`` only when the block succeeds."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, mode)  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# --- PDF pages -------------------------------------------------------------------------


_INDEX_KINDS = ("trend", "gap", "rank")  # the index table's page columns


def _index_entries(
    d: _Data, chart_list: Sequence[_Chart], first_page: int
) -> list[tuple[str, dict[str, int]]]:
    """One index row per KPI (and the overview): its label and its pages by chart kind."""
    entries: dict[str, tuple[str, dict[str, int]]] = {}
    for page, chart in enumerate(chart_list, start=first_page):  # ~60 charts at most
        key = chart.kpi or ""
        if key not in entries:
            label = (
                f"{charts.short_title(d.title(key), 60)} ({key})"
                if key
                else charts.text(d.inp.lang, "pack_overview")
            )
            entries[key] = (label, {})
        kind = "trend" if chart.kind == "overview" else chart.kind
        entries[key][1][kind] = page
    return list(entries.values())


def _n_index_pages(chart_list: Sequence[_Chart]) -> int:
    n_entries = len({c.kpi for c in chart_list})
    return max(1, -(-n_entries // INDEX_LINES_PER_PAGE))


def _title_page(fig: Figure, d: _Data) -> None:
    inp = d.inp
    fig.clf()
    fig.text(0.07, 0.78, inp.pack_title, fontsize=26, fontweight="bold", va="top")
    fig.text(0.07, 0.64, f"{inp.organisation_name} ({inp.organisation_id})", fontsize=20, va="top")
    fig.text(0.07, 0.5, "\n".join(_cover_lines(d)), fontsize=14, va="top", linespacing=1.6)
    from koladagap.benchmarking.measurements import attribution

    source = attribution(inp.kpis)
    fig.text(0.07, 0.08, source, fontsize=12, color="#333333", gid="attribution")


def _cover_lines(d: _Data) -> list[str]:
    inp, lang = d.inp, d.inp.lang
    lines = [
        charts.text(lang, "pack_baseline", year=inp.baseline_year),
        charts.text(lang, "pack_n_kpis", n=len(inp.kpis)).capitalize(),
    ]
    if inp.peer_group_title:
        lines.append(charts.text(lang, "pack_peers", title=inp.peer_group_title))
    lines.append(charts.text(lang, "pack_date", date=dt.date.today().isoformat()))
    return lines


def _index_pages(
    pdf: PdfPages | _RasterPdf, fig: Figure, d: _Data, entries: Sequence[tuple[str, dict[str, int]]]
) -> None:
    """The index as a table: each KPI, then the page of each of its charts."""
    lang = d.inp.lang
    columns = (0.655, 0.765, 0.885)  # centres of the page-number columns
    for start in range(0, len(entries), INDEX_LINES_PER_PAGE):
        fig.clf()
        fig.text(0.06, 0.9, charts.text(lang, "pack_index"), fontsize=20, fontweight="bold")
        fig.text(0.06, 0.86, charts.text(lang, "pack_pages"), fontsize=10.5, color="#555555")
        head: dict[str, Any] = {"fontsize": 11, "fontweight": "bold", "va": "baseline"}
        fig.text(0.06, 0.79, charts.text(lang, "pack_kpi"), **head)
        for x, kind in zip(columns, _INDEX_KINDS, strict=True):
            label = _caption(d, kind).capitalize()
            fig.text(x, 0.79, label, ha="center", **head)
        for i, (label, pages) in enumerate(entries[start : start + INDEX_LINES_PER_PAGE]):
            y = 0.74 - i * 0.042
            fig.text(0.06, y, label, fontsize=11, va="baseline")
            for x, kind in zip(columns, _INDEX_KINDS, strict=True):
                if kind in pages:
                    fig.text(x, y, str(pages[kind]), fontsize=11, ha="center", va="baseline")
        fig.text(0.06, 0.03, charts.ATTRIBUTION, fontsize=10.5, color="#333333")
        _save_pdf_page(pdf, fig)


def _save_pdf_page(pdf: PdfPages | _RasterPdf, fig: Figure) -> None:
    pdf.savefig(fig)  # type: ignore[no-untyped-call]


class _RasterPdf:
    """Collects PNG pages and writes them as one PDF (see :mod:`.imagepdf`) on close.

    Chart pages reuse the image drawn for the PNG files and the deck, stamped with
    the page number, so each chart is drawn once.
    """

    def __init__(self, path: Path, title: str, subject: str) -> None:
        self.path, self.title, self.subject = path, title, subject
        self.pages: list[bytes | Future[bytes]] = []
        self.numbers: list[int | None] = []

    def savefig(self, fig: Figure) -> None:
        """A page drawn here (title, index): rendered to PNG now."""
        fig.canvas.draw()
        rgba = np.asarray(fig.canvas.buffer_rgba()).copy()  # type: ignore[attr-defined]
        self.pages.append(_encode_png(rgba))
        self.numbers.append(None)

    def add(self, page: bytes | Future[bytes], number: int) -> None:
        """A chart page: the chart's PNG (or its pending encoding) and its page number."""
        self.pages.append(page)
        self.numbers.append(number)

    def close(self) -> None:
        from koladagap.render.imagepdf import write_image_pdf

        pngs = [p.result() if isinstance(p, Future) else p for p in self.pages]
        write_image_pdf(
            pngs,
            self.path,
            dpi=PNG_DPI,
            title=self.title,
            subject=self.subject,
            numbers=self.numbers,
        )


# --- PPTX --------------------------------------------------------------------------


def _new_deck() -> Any:
    try:
        from pptx import Presentation
        from pptx.util import Emu
    except ImportError as err:
        raise InputError(
            "the pptx format needs python-pptx: pip install 'koladagap[pptx]' "
            "(or leave pptx out of the formats)"
        ) from err
    prs = Presentation()
    prs.slide_width = Emu(12192000)  # PowerPoint's 16:9 "widescreen", 13.333 × 7.5 in
    prs.slide_height = Emu(6858000)
    return prs


LONG_LINE = 60
"""Lines longer than this (sentences) are set smaller in a slide's text box."""


def _textbox(
    slide: Any,
    box: tuple[float, float, float, float],
    lines: Sequence[str],
    size: float,
    bold_first: bool = False,
    colour: str | None = None,
) -> Any:
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    shape = slide.shapes.add_textbox(*(Inches(v) for v in box))
    tf = shape.text_frame
    tf.word_wrap = True
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.text = line
        # a sentence (the reason for a level) in a smaller size, so the box holds it
        line_size = size if len(line) <= LONG_LINE else max(10.0, round(size * 0.7))
        p.font.size = Pt(line_size)
        p.font.bold = bold_first and i == 0
        p.space_after = Pt(line_size * 0.4)
        if colour:
            p.font.color.rgb = RGBColor.from_string(colour)  # type: ignore[no-untyped-call]
    return shape


def _title_slide(prs: Any, d: _Data) -> None:
    inp = d.inp
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _textbox(slide, (0.8, 2.0, 11.7, 1.2), [inp.pack_title], 36, bold_first=True)
    name = f"{inp.organisation_name} ({inp.organisation_id})"
    _textbox(slide, (0.8, 3.2, 11.7, 0.8), [name], 26)
    _textbox(slide, (0.8, 4.1, 11.7, 1.8), _cover_lines(d), 18)
    _textbox(slide, (0.8, 6.7, 8.0, 0.4), [charts.ATTRIBUTION], 12, colour="444444")


def _chart_slide(prs: Any, png: bytes, chart: _Chart) -> None:
    from pptx.util import Inches

    slide = prs.slides.add_slide(prs.slide_layouts[6])
    width = 10.3
    top = (7.5 - width * charts.SLIDE_SIZE[1] / charts.SLIDE_SIZE[0]) / 2
    pic = slide.shapes.add_picture(io.BytesIO(png), Inches(0.15), Inches(top), width=Inches(width))
    pic._element.nvPicPr.cNvPr.set("descr", chart.alt_text)  # alt text for screen readers
    _textbox(slide, (10.6, 1.0, 2.55, 5.5), chart.slide_lines, 16, bold_first=True)


# --- the pack ----------------------------------------------------------------------


def parse_formats(formats: str | Sequence[str]) -> tuple[str, ...]:
    """The formats asked for, from ``"png,pdf"`` or ``["png", "pdf"]``, checked and deduplicated.

    Examples:
        >>> parse_formats("PNG, pdf,png")
        ('png', 'pdf')
    """
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    fmts = tuple(dict.fromkeys(str(f).strip().lower() for f in items if str(f).strip()))
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
        raise InputError(
            f"unknown pack format(s) {', '.join(bad) or '(none)'}: choose from {', '.join(FORMATS)}"
        )
    return fmts


def write_baseline_pack(
    inp: PackInput,
    out_dir: Path | str,
    formats: str | Sequence[str] = DEFAULT_FORMATS,
    *,
    parallel: bool | None = None,
    vector_pdf: bool = False,
) -> list[Path]:
    """Write the baseline chart pack for ``inp`` into ``out_dir``; return the files written.

    ``formats`` (a list or a comma-separated string) is any of ``"png"`` and
    ``"svg"`` (one file per chart in ``out_dir/charts/``), ``"pdf"``
    (``utgangslage_<id>_<year>.pdf``: title page, index, one chart per page)
    and ``"pptx"`` (the same name ``.pptx``: a 16:9 deck with a title slide
    and one slide per chart with an editable text box; needs
    ``koladagap[pptx]``). The charts are the overview, then per KPI the
    trend, the gap over time and the gap among kommuner (not for counts).
    Files are written atomically (a temporary name, then a rename).

    By default the PDF's pages are the chart images drawn for the PNGs and the
    deck (150 dpi, the page number stamped on), so each chart is drawn once.
    ``vector_pdf=True`` makes a vector PDF instead (crisp at any zoom, text
    selectable), which draws every chart a second time; with ``parallel=True``
    a child Python process draws it while this one draws the PNGs and the deck
    (``None``: when the pack has at least 12 charts and the machine more than
    one CPU). If the child fails, the PDF is drawn here instead.

    Raises:
        InputError: an unknown format, python-pptx missing for ``"pptx"``, or
            nothing to chart.
        InvalidYearsError: the organisation has no values in the baseline year.
    """
    fmts = parse_formats(formats)
    prs = _new_deck() if "pptx" in fmts else None
    d = _Data(inp)
    chart_list = _charts(d)
    if not chart_list:
        raise InputError(f"nothing to chart for {inp.organisation_id}: no values for its KPIs")
    out = Path(out_dir)
    chart_dir = out / "charts"
    out.mkdir(parents=True, exist_ok=True)
    if "png" in fmts or "svg" in fmts:
        chart_dir.mkdir(exist_ok=True)
    mode = _file_mode()
    stem = f"utgangslage_{inp.organisation_id}_{inp.baseline_year}"
    raster = prs is not None or "png" in fmts or "svg" in fmts
    if parallel is None:
        parallel = len(chart_list) >= PARALLEL_MIN_CHARTS and (os.cpu_count() or 1) > 1
    parallel = parallel and bool(sys.executable)  # an embedded Python cannot start a child
    written: list[Path] = []
    with contextlib.ExitStack() as stack:
        pdf: PdfPages | _RasterPdf | None = None
        worker: _PdfWorker | None = None
        pdf_path = out / f"{stem}.pdf"
        if "pdf" in fmts:
            tmp_pdf = stack.enter_context(_atomic_path(pdf_path, mode))
            if not vector_pdf:
                pdf = stack.enter_context(_open_pdf(d, chart_list, tmp_pdf, raster=True))
            elif raster and parallel:
                worker = stack.enter_context(_PdfWorker(inp, tmp_pdf))
            else:
                pdf = stack.enter_context(_open_pdf(d, chart_list, tmp_pdf))
        if prs is not None:
            _title_slide(prs, d)
        helper: _PngWorker | None = None
        if parallel and not vector_pdf and "svg" not in fmts and raster:
            # a child process draws every other chart; this one draws the rest
            helper = stack.enter_context(_PngWorker(inp, range(1, len(chart_list), 2)))
        written += _render_all(chart_list, chart_dir, fmts, pdf, prs, mode, helper=helper)
        if worker is not None and not worker.wait():
            with _open_pdf(d, chart_list, tmp_pdf) as pdf:
                _render_all(chart_list, chart_dir, ("pdf",), pdf, None, mode)
        if "pdf" in fmts:
            stack.close()  # close the PDF, then move it into place
            written.append(pdf_path)
    if prs is not None:
        pptx_path = out / f"{stem}.pptx"
        with _atomic_path(pptx_path, mode) as tmp:
            prs.save(str(tmp))
        written.append(pptx_path)
    log.info(
        "baseline pack for %s: %d charts, %d files in %s",
        inp.organisation_id,
        len(chart_list),
        len(written),
        out,
    )
    return written


@contextlib.contextmanager
def _open_pdf(
    d: _Data, chart_list: Sequence[_Chart], path: Path, *, raster: bool = False
) -> Iterator[Any]:
    """The pack's PDF at ``path`` with its title page and index written; chart pages follow.

    ``raster``: a PDF of page images (:class:`_RasterPdf`), else matplotlib's vector PDF.
    """
    inp = d.inp
    meta = {
        "Title": f"{inp.pack_title}: {inp.organisation_name}",
        "Subject": charts.ATTRIBUTION,
        "Creator": "koladagap",
    }
    fig = _new_figure()
    entries = _index_entries(d, chart_list, _first_chart_page(chart_list))
    if raster:
        pages = _RasterPdf(path, meta["Title"], meta["Subject"])
        _title_page(fig, d)
        _save_pdf_page(pages, fig)
        _index_pages(pages, fig, d, entries)
        yield pages
        pages.close()
        return
    with PdfPages(path, metadata=meta) as pdf:
        _title_page(fig, d)
        _save_pdf_page(pdf, fig)
        _index_pages(pdf, fig, d, entries)
        yield pdf


def _first_chart_page(chart_list: Sequence[_Chart]) -> int:
    return 2 + _n_index_pages(chart_list)


def _new_figure() -> Figure:
    fig = Figure(figsize=charts.SLIDE_SIZE, dpi=PNG_DPI)
    FigureCanvasAgg(fig)
    return fig


class _Child:
    """A child Python process running one entry point of this module on a pickled job.

    The job is written to a private temporary folder; the child is a plain
    ``python -c`` process, not :mod:`multiprocessing`, so the caller's ``__main__`` is
    never re-imported and no process is forked. A context manager: leaving it kills a
    child still running and removes the folder.
    """

    entry = ""  # the name of a ``*_worker_main(job_path)`` function of this module
    what = "worker"  # for the log line when the child fails

    def __init__(self, job: dict[str, Any]) -> None:
        self.job_dir = Path(tempfile.mkdtemp(prefix="koladagap-pack-"))
        self.job = job
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        job = self.job_dir / "job.pickle"
        with job.open("wb") as fh:
            pickle.dump(self.job, fh, protocol=5)
        src = str(Path(__file__).resolve().parents[2])  # the folder holding koladagap
        env = dict(os.environ, MPLBACKEND="Agg")
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
        code = f"import sys; from koladagap.render.pack import {self.entry} as m; m(sys.argv[1])"
        with (self.job_dir / "stderr.txt").open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", code, str(job)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=env,
            )
        return self

    def _succeeded(self, fallback: str) -> bool:
        """Wait for the child; log its error output (and ``fallback``) when it failed."""
        assert self.proc is not None
        try:
            code = self.proc.wait(timeout=WORKER_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            code = -1
        if code == 0:
            return True
        tail = (self.job_dir / "stderr.txt").read_text("utf-8", "replace").strip()[-2000:]
        log.warning("the %s failed (exit %s); %s: %s", self.what, code, fallback, tail)
        return False

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.job_dir, ignore_errors=True)


class _PdfWorker(_Child):
    """The pack's vector PDF drawn by a child process, which writes it to ``pdf_path``."""

    entry = "_pdf_worker_main"
    what = "PDF worker"

    def __init__(self, inp: PackInput, pdf_path: Path) -> None:
        super().__init__({"inp": inp, "pdf": str(pdf_path)})

    def wait(self) -> bool:
        """True when the child wrote the PDF; False (logged) when it failed or hung."""
        return self._succeeded("drawing the PDF here")


def _render_split(
    chart_list: Sequence[_Chart],
    chart_dir: Path,
    fmts: Sequence[str],
    pdf: PdfPages | _RasterPdf | None,
    prs: Any,
    mode: int,
    helper: _PngWorker,
) -> list[Path]:
    """As :func:`_render_all` (raster formats only), with ``helper`` drawing part of the charts."""
    written: list[Path] = []
    first_page = _first_chart_page(chart_list)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="koladagap-png") as pool:
        futures = _split_futures(chart_list, _new_figure(), pool, helper)
        for i, (chart, fut) in enumerate(zip(chart_list, futures, strict=True)):
            if isinstance(pdf, _RasterPdf):
                pdf.add(fut, first_page + i)
            _save_png(chart, fut.result(), chart_dir, fmts, prs, mode, written)
    return written


def _save_png(
    chart: _Chart,
    png: bytes,
    chart_dir: Path,
    fmts: Sequence[str],
    prs: Any,
    mode: int,
    written: list[Path],
) -> None:
    """One chart's PNG as a file (when asked) and as a slide of the deck."""
    if "png" in fmts:
        path = chart_dir / f"{chart.stem}.png"
        with _atomic_path(path, mode) as tmp:
            tmp.write_bytes(png)
        written.append(path)
    if prs is not None:
        _chart_slide(prs, png, chart)


def _split_futures(
    chart_list: Sequence[_Chart], fig: Figure, pool: ThreadPoolExecutor, helper: _PngWorker
) -> list[Future[bytes]]:
    """PNGs of every chart, in order: this process's share drawn here, the rest by ``helper``.

    Charts the helper failed to deliver are drawn here.
    """
    out: dict[int, Future[bytes]] = {}
    for i, chart in enumerate(chart_list):
        if i not in helper.indices:
            out[i] = pool.submit(_encode_png, _draw_rgba(fig, chart))
    theirs = helper.result()
    for i, chart in enumerate(chart_list):
        if i in out:
            continue
        if i in theirs:
            done: Future[bytes] = Future()
            done.set_result(theirs[i])
            out[i] = done
        else:
            out[i] = pool.submit(_encode_png, _draw_rgba(fig, chart))
    return [out[i] for i in range(len(chart_list))]


def _draw_rgba(fig: Figure, chart: _Chart) -> np.ndarray:
    """Draw one chart on ``fig`` and return a copy of its pixels."""
    fig.clf()
    chart.draw(ax=fig.add_subplot())
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()  # type: ignore[attr-defined]


class _PngWorker(_Child):
    """A child process that draws some of the charts as PNG.

    Drawing is the pack's cost (matplotlib lays out every text), so on a machine
    with more than one CPU a child draws every other chart while this process
    draws the rest. If the child fails, the missing charts are drawn here.
    """

    entry = "_png_worker_main"
    what = "chart worker"

    def __init__(self, inp: PackInput, indices: Iterable[int]) -> None:
        self.indices = frozenset(indices)
        super().__init__({"inp": inp, "indices": sorted(self.indices)})
        self.job["out"] = str(self.job_dir / "out.pickle")

    def result(self) -> dict[int, bytes]:
        """The child's PNGs by chart index; empty (logged) when it failed."""
        out = self.job_dir / "out.pickle"
        if self._succeeded("drawing its charts here") and out.exists():
            with out.open("rb") as fh:
                got: dict[int, bytes] = pickle.load(fh)  # written by our own child just now
            return got
        return {}


def _png_worker_main(job_path: str) -> None:
    """Entry point of the chart child process: draw the asked charts, pickle their PNGs."""
    with open(job_path, "rb") as fh:
        job = pickle.load(fh)  # our own job file, in a private folder we just made
    chart_list = _charts(_Data(job["inp"]))
    fig = _new_figure()
    pngs = {i: _encode_png(_draw_rgba(fig, chart_list[i])) for i in job["indices"]}
    tmp = Path(job["out"] + ".tmp")
    with tmp.open("wb") as fh:
        pickle.dump(pngs, fh, protocol=5)
    tmp.replace(job["out"])


def _pdf_worker_main(job_path: str) -> None:
    """Entry point of the PDF child process: read the job, write the PDF."""
    with open(job_path, "rb") as fh:
        job = pickle.load(fh)  # our own job file, in a private folder we just made
    inp: PackInput = job["inp"]
    d = _Data(inp)
    chart_list = _charts(d)
    with _open_pdf(d, chart_list, Path(job["pdf"])) as pdf:
        _render_all(chart_list, Path(job["pdf"]).parent, ("pdf",), pdf, None, 0)


def _encode_png(rgba: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgba[..., :3], "RGB").save(
        buf, format="png", compress_level=3, dpi=(PNG_DPI, PNG_DPI)
    )
    return buf.getvalue()


def _render_all(
    chart_list: Sequence[_Chart],
    chart_dir: Path,
    fmts: Sequence[str],
    pdf: PdfPages | _RasterPdf | None,
    prs: Any,
    mode: int,
    *,
    helper: _PngWorker | None = None,
) -> list[Path]:
    """Draw each chart once and save it in every format asked for, in order."""
    if helper is not None:
        return _render_split(chart_list, chart_dir, fmts, pdf, prs, mode, helper)
    written: list[Path] = []
    need_png = "png" in fmts or prs is not None or isinstance(pdf, _RasterPdf)
    if not (need_png or "svg" in fmts or pdf is not None):
        return written
    fig = _new_figure()
    pending: deque[tuple[_Chart, Future[bytes]]] = deque()

    def finish_one() -> None:
        chart, fut = pending.popleft()
        _save_png(chart, fut.result(), chart_dir, fmts, prs, mode, written)

    first_page = _first_chart_page(chart_list)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="koladagap-png") as pool:
        for page, chart in enumerate(chart_list, start=first_page):
            fig.clf()
            chart.draw(ax=fig.add_subplot())
            if need_png:
                fig.canvas.draw()
                rgba = np.asarray(fig.canvas.buffer_rgba()).copy()  # type: ignore[attr-defined]
                pending.append((chart, pool.submit(_encode_png, rgba)))
            if "svg" in fmts:
                path = chart_dir / f"{chart.stem}.svg"
                with _atomic_path(path, mode) as tmp:
                    fig.savefig(tmp, format="svg")
                written.append(path)
            if isinstance(pdf, _RasterPdf):
                pdf.add(pending[-1][1], page)  # the same PNG as the file and the slide
            elif pdf is not None:
                fig.text(
                    0.99,
                    0.015,
                    str(page),
                    ha="right",
                    va="bottom",
                    fontsize=10,
                    color="#555555",
                    gid="page_number",
                )
                _save_pdf_page(pdf, fig)
            while len(pending) > 1:
                finish_one()
        while pending:
            finish_one()
    return written


# --- inputs from the sample, the cache or the API ----------------------------------------


def baseline_pack_input(
    municipality_id: str,
    baseline_year: int,
    *,
    kpis: Sequence[str] | str | None = None,
    source: str | Kolada = "sample",
    lang: str = "sv",
    levels: Mapping[str, str] | pd.DataFrame | None = None,
    first_year: int | None = None,
    title: str | None = None,
    family: str = "övergripande",
    reasons: Mapping[str, str] | None = None,
) -> PackInput:
    """A :class:`PackInput` for one organisation from ``source``.

    ``source`` is ``"sample"`` (the shipped real-data sample, offline),
    ``"cache"`` (offline), ``"api"`` or a :class:`koladagap.Kolada`. The
    values cover every kommun and Riket (for the ranking and the reference
    lines); if the cache only holds some kommuner, the pack is made from
    those (and has no ranking chart). ``kpis=None`` takes every KPI the
    sample or the cache holds. Peers are the organisation's "Liknande
    kommuner" group in ``family`` (none for a region or Riket). The time
    charts start 8 years before the baseline unless ``first_year`` is given.
    """
    mid = parse_ids(municipality_id, "municipality")[0]
    ids = parse_ids(kpis, "kpi") if kpis is not None else []
    if isinstance(source, str) and source == "sample":
        name, ids, peers, group_title, values, meta = _gather_sample(mid, ids, family)
    else:
        name, ids, peers, group_title, values, meta = _gather_kolada(source, mid, ids, family)
    return PackInput(
        organisation_id=mid,
        organisation_name=name,
        baseline_year=baseline_year,
        kpis=ids,
        values=values,
        kpi_meta=meta.reset_index(drop=True),
        peers=peers,
        peer_group_title=group_title,
        levels=levels,
        reasons=reasons,
        lang=lang,
        first_year=first_year if first_year is not None else baseline_year - 8,
        title=title,
    )


_Gathered = tuple[str, list[str], list[str], str, pd.DataFrame, pd.DataFrame]


def _gather_sample(mid: str, ids: list[str], family: str) -> _Gathered:
    """Name, KPIs, peers, group title, values and KPI titles from the shipped sample.

    Reads the sample directly (not through :class:`koladagap.Kolada`), so the
    demo pack needs nothing but the sample files.
    """
    from koladagap.kolada.sample import (
        sample_kpis,
        sample_municipalities,
        sample_municipality_groups,
        sample_values,
    )

    munis = sample_municipalities()
    hit = munis.loc[(munis["id"] == mid).to_numpy(dtype=bool), "title"]
    if hit.empty:
        raise UnknownIdError("municipality", [mid], "not in the shipped sample")
    name = str(hit.iloc[0])
    values = sample_values()
    have = set(values[KPI].unique())
    ids = ids or sorted(have)
    unknown = [k for k in ids if k not in have]
    if unknown:
        raise UnknownIdError("kpi", unknown, "not in the shipped sample")
    try:
        _, group_title, peers = peer_group(sample_municipality_groups(), name, family)
    except InputError:
        log.info("no 'Liknande kommuner' group for %s: the pack has no peers", name)
        group_title, peers = "", []
    values = values.loc[values[KPI].isin(ids).to_numpy(dtype=bool)].reset_index(drop=True)
    catalogue = sample_kpis()
    meta = catalogue.loc[catalogue["id"].isin(ids).to_numpy(dtype=bool), ["id", "title"]]
    return name, ids, peers, group_title, values, meta


def _gather_kolada(source: str | Kolada, mid: str, ids: list[str], family: str) -> _Gathered:
    """The same as :func:`_gather_sample` from the cache or the API via :class:`Kolada`."""
    from koladagap.benchmarking.data import Kolada

    kg = source if isinstance(source, Kolada) else Kolada(mode=source)  # type: ignore[arg-type]
    name = kg.municipality_name(mid)
    ids = ids or kg.available_kpis()
    if not ids:
        raise InputError("no KPIs for the pack: name them (the cache holds none)")
    try:
        peer_frame = kg.peers(mid, family)
        peers = peer_frame["id"].astype(str).tolist()
        group_title = str(peer_frame["group_title"].iloc[0]) if len(peer_frame) else ""
    except InputError:
        log.info("no 'Liknande kommuner' group for %s: the pack has no peers", name)
        peers, group_title = [], ""
    try:
        values = kg.values(ids, None)
    except OfflineMissingError:
        log.warning("the cache lacks some kommuner: the pack has no ranking among kommuner")
        values = kg.values(ids, [mid, *peers, charts.RIKET_ID])
    catalogue = kg.kpis()
    meta = catalogue.loc[catalogue["id"].isin(ids).to_numpy(dtype=bool), ["id", "title"]]
    return name, ids, peers, group_title, values, meta


def baseline_pack_from_sample(
    municipality_id: str = "0180",
    baseline_year: int = 2018,
    kpis: Sequence[str] | str | None = None,
    lang: str = "sv",
    levels: Mapping[str, str] | pd.DataFrame | None = None,
) -> PackInput:
    """:func:`baseline_pack_input` on the shipped sample (offline; 19 KPIs by default).

    Examples:
        >>> inp = baseline_pack_from_sample("0180", 2018, kpis="N15428,N00906")
        >>> inp.organisation_name, inp.kpis, len(inp.peers)
        ('Stockholm', ('N15428', 'N00906'), 7)
    """
    return baseline_pack_input(
        municipality_id, baseline_year, kpis=kpis, source="sample", lang=lang, levels=levels
    )


__all__ = [
    "DEFAULT_FORMATS",
    "FORMATS",
    "PackInput",
    "baseline_pack_from_sample",
    "baseline_pack_input",
    "parse_formats",
    "write_baseline_pack",
]
