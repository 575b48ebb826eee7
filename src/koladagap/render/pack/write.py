"""Writing the pack: the main deck and, on demand, the appendix; each chart drawn once.

The main deck (:func:`write_main`) draws only the charts its slides show, each as a
PNG (for the deck and ``charts/``) and a one-page vector PDF, in two forked worker
processes where the system allows (:func:`drawing`) while this process sets the
slides' text as PDF pages; pypdf then places each chart into its page and adds the
bookmarks (:mod:`koladagap.render.pack.outline`). The appendix
(:func:`write_appendix`) draws every KPI's charts in this process on one reused
figure: per chart the PNG, the SVG and the PDF page, a thread compressing the PNGs
meanwhile. Every file is written to a temporary name and moved into place
(:mod:`koladagap._files`), so a crash never leaves half a file.
"""

from __future__ import annotations

import contextlib
import io
import logging
import multiprocessing as mp
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib import image as mpl_image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from koladagap._files import atomic_path, write_atomic
from koladagap.errors import InputError
from koladagap.render import charts
from koladagap.render.i18n.pack import text
from koladagap.render.pack.content import all_charts, caption
from koladagap.render.pack.deck import chart_slide, new_deck, title_slide
from koladagap.render.pack.main import baseline_slides, followup_slides
from koladagap.render.pack.model import (
    DEFAULT_FORMATS,
    FORMATS,
    PNG_DPI,
    Chart,
    PackData,
    PackInput,
)
from koladagap.render.pack.outline import Bookmark, add_outline, compose, outlined, write_pdf
from koladagap.render.pack.pdf import (
    first_chart_page,
    metadata,
    number_page,
    open_pdf,
    save_page,
)
from koladagap.render.pack.slides import (
    SLIDE_H,
    Slide,
    add_pptx_slide,
    frame_page,
    new_page_figure,
)

if TYPE_CHECKING:
    from koladagap.benchmarking.run import PlanResult

log = logging.getLogger("koladagap")

PNG_OPTIONS: dict[str, Any] = {"compress_level": 3}
"""Pillow's PNG options (through matplotlib): fast compression, files ~10 % larger."""


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


def new_figure() -> Figure:
    """A slide-sized figure on an Agg canvas (no pyplot, no global state)."""
    fig = Figure(figsize=charts.SLIDE_SIZE, dpi=PNG_DPI)
    FigureCanvasAgg(fig)
    return fig


def encode_png(rgba: np.ndarray) -> bytes:
    """Pixels (``height × width × 4``, uint8, as Agg draws them) as PNG at :data:`PNG_DPI`."""
    buf = io.BytesIO()
    mpl_image.imsave(buf, rgba, format="png", dpi=PNG_DPI, pil_kwargs=dict(PNG_OPTIONS))
    return buf.getvalue()


def render_all(
    chart_list: Sequence[Chart],
    fig: Figure,
    chart_dir: Path,
    fmts: Sequence[str],
    pdf: PdfPages | None,
    prs: Any,
) -> list[Path]:
    """Draw each chart once and save it in every format asked for; return the files.

    A chart's pixels are compressed to PNG by a helper thread while the next chart is
    drawn (the compression releases the interpreter lock); files and slides keep the
    charts' order.
    """
    written: list[Path] = []
    need_png = "png" in fmts or prs is not None
    pending: deque[tuple[Chart, Future[bytes]]] = deque()

    def finish_one() -> None:
        chart, png = pending.popleft()
        if "png" in fmts:
            path = chart_dir / f"{chart.stem}.png"
            write_atomic(path, png.result())
            written.append(path)
        if prs is not None:
            chart_slide(prs, png.result(), chart)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="koladagap-png") as pool:
        for page, chart in enumerate(chart_list, start=first_chart_page(chart_list)):
            fig.clf()
            chart.draw(ax=fig.add_subplot())
            if need_png:
                fig.canvas.draw()
                rgba = np.asarray(fig.canvas.buffer_rgba()).copy()  # type: ignore[attr-defined]
                pending.append((chart, pool.submit(encode_png, rgba)))
            if "svg" in fmts:
                path = chart_dir / f"{chart.stem}.svg"
                with atomic_path(path) as tmp:
                    fig.savefig(tmp, format="svg")
                written.append(path)
            if pdf is not None:
                number_page(fig, page)
                save_page(pdf, fig)
            while len(pending) > 1:
                finish_one()
        while pending:
            finish_one()
    return written


def pack_stem(inp: PackInput) -> str:
    """The files' common name: ``utgangslage_<id>_<year>`` (``uppfoljning_…`` for a follow-up)."""
    if inp.meeting:
        return f"uppfoljning_{inp.organisation_id}_{inp.year}"
    return f"utgangslage_{inp.organisation_id}_{inp.baseline_year}"


def write_baseline_pack(
    inp: PackInput | PlanResult,
    out_dir: Path | str,
    formats: str | Sequence[str] = DEFAULT_FORMATS,
    *,
    parallel: bool | None = None,
    vector_pdf: bool | None = None,
    appendix: bool = False,
) -> list[Path]:
    """Write the meeting's deck for ``inp`` into ``out_dir``; return the files written.

    ``inp`` is a :class:`PackInput` or the baseline session's
    :class:`~koladagap.benchmarking.run.PlanResult` (made into one by
    :func:`~koladagap.render.pack.pack_input`). ``formats`` (a list or a
    comma-separated string) is any of ``"png"`` and ``"svg"`` (one file per chart
    shown, in ``out_dir/charts/``), ``"pdf"`` and ``"pptx"``.

    The main deck (``utgangslage_<id>_<year>.pptx`` and ``.pdf``) has at most
    :data:`~koladagap.render.pack.main.MAX_SLIDES` slides for the 10 minutes at
    Benchmarking 1 (:mod:`koladagap.render.pack.main`); for a follow-up
    (``inp.meeting``, Benchmarking 2) it is ``uppfoljning_<id>_<year>``: the
    prioritised KPIs against their targets. The PDF shows the same slides as the
    deck, with real text and vector charts, and a bookmark per slide.

    The appendix holds every KPI's charts (the overview, then per KPI the trend,
    the gap over time and the gap among kommuner): ``<stem>_bilaga.pptx`` and a
    searchable vector ``<stem>_bilaga.pdf`` (title page, index, one chart per page,
    bookmarks per KPI and chart). It is drawn **on demand** (``appendix=True``,
    ``koladagap baseline --appendix``): the main deck draws only the few charts it
    shows and takes 4–5 s for 30 KPIs, while the appendix draws ~90 charts (about
    0.4 s each on a 2-core machine, 36–40 s), which does not fit the 10-second
    budget of a run (benchmarks/RESULTS.md, P4). Files are written atomically.

    ``parallel``: draw the main deck's charts in two forked worker processes
    (default: where the system can fork, has two cores and this process runs no
    other thread; ``False``: in this process). ``vector_pdf`` is ignored (the PDF
    is always vector) and accepted for one release.

    Raises:
        InputError: an unknown format, python-pptx missing for ``"pptx"``, or
            nothing to chart.
        InvalidYearsError: the organisation has no values in the baseline year.
    """
    del vector_pdf  # accepted for old callers; see the docstring
    if not isinstance(inp, PackInput):
        from koladagap.render.pack.inputs import pack_input

        inp = pack_input(inp)
    fmts = parse_formats(formats)
    if "pptx" in fmts:
        new_deck()  # a clear error without python-pptx, before anything is drawn
    d = PackData(inp)
    if not d.by_kpi:
        raise InputError(f"nothing to chart for {inp.organisation_id}: no values for its KPIs")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if "png" in fmts or "svg" in fmts:
        (out / "charts").mkdir(exist_ok=True)
    stem = pack_stem(inp)
    pointer = f"{stem}_bilaga.pdf" if appendix else None
    slides = followup_slides(d, pointer) if inp.meeting else baseline_slides(d, pointer)
    written = write_main(slides, d, out, stem, fmts, parallel)
    if appendix:
        written += write_appendix(d, out, f"{stem}_bilaga", fmts)
    log.info("pack for %s: %d files in %s", inp.organisation_id, len(written), out)
    return written


def draw_chart(fig: Figure, chart: Chart, fmts: Sequence[str]) -> tuple[bytes | None, bytes | None]:
    """Draw ``chart`` on ``fig``; its PNG (for png/pptx) and its one-page vector PDF (for pdf)."""
    fig.clf()
    chart.draw(ax=fig.add_subplot())
    png = pdf = None
    if "png" in fmts or "pptx" in fmts:
        fig.canvas.draw()
        png = encode_png(np.asarray(fig.canvas.buffer_rgba()).copy())  # type: ignore[attr-defined]
    if "pdf" in fmts:
        buf = io.BytesIO()
        fig.savefig(buf, format="pdf")
        pdf = buf.getvalue()
    return png, pdf


_JOBS: tuple[list[Chart], tuple[str, ...]] | None = None
"""The charts a forked worker draws (set before the fork, read by :func:`_draw_job`)."""
_FIG: Figure | None = None


def _draw_job(i: int) -> tuple[bytes | None, bytes | None]:
    """In a forked worker: draw chart ``i`` of :data:`_JOBS` on the worker's own figure."""
    global _FIG
    assert _JOBS is not None
    if _FIG is None:
        _FIG = new_figure()
    chart_list, fmts = _JOBS
    return draw_chart(_FIG, chart_list[i], fmts)


@contextlib.contextmanager
def drawing(
    chart_list: Sequence[Chart], fmts: Sequence[str], parallel: bool | None = None
) -> Iterator[Callable[[], list[tuple[bytes | None, bytes | None]]]]:
    """Start drawing each chart's PNG and one-page PDF; yield the call that returns them.

    With ``parallel`` (default: where the system can fork and has two cores or more)
    two forked worker processes draw the charts, sharing the data already in memory
    (nothing to import or pickle), while this process goes on (the PDF's text
    pages); else the charts are drawn in this process when the results are asked for.
    A process that runs other threads is never forked, whatever ``parallel`` says:
    a lock held by another thread at the fork would stay locked in the child (and
    Python 3.12+ warns of it), so the charts are then drawn here.
    """
    global _JOBS
    workers = min(2, os.cpu_count() or 1, len(chart_list))
    can_fork = "fork" in mp.get_all_start_methods()
    if parallel is None:
        parallel = workers > 1 and can_fork
    alone = threading.active_count() == 1
    if not parallel or workers < 2 or not can_fork or not alone:
        fig = new_figure()
        yield lambda: [draw_chart(fig, c, fmts) for c in chart_list]
        return
    _JOBS = (list(chart_list), tuple(fmts))
    try:
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            futures = [pool.submit(_draw_job, i) for i in range(len(chart_list))]
            yield lambda: [f.result() for f in futures]
    finally:
        _JOBS = None


def draw_charts(
    chart_list: Sequence[Chart], fmts: Sequence[str], parallel: bool | None = None
) -> list[tuple[bytes | None, bytes | None]]:
    """Each chart's PNG and one-page PDF, in order (see :func:`drawing`)."""
    with drawing(chart_list, fmts, parallel) as results:
        return results()


def frame_pages(slides: Sequence[Slide]) -> bytes:
    """The slides' text as PDF pages of the slide's size (the charts are placed later)."""
    page = new_page_figure()
    buf = io.BytesIO()
    with PdfPages(buf) as pages:
        for slide in slides:
            frame_page(page, slide)
            save_page(pages, page)
    return buf.getvalue()


def write_main(
    slides: Sequence[Slide],
    d: PackData,
    out: Path,
    stem: str,
    fmts: Sequence[str],
    parallel: bool | None = None,
) -> list[Path]:
    """The main deck (pptx), its PDF (same slides, bookmarks) and the charts it shows."""
    written: list[Path] = []
    shown = [i for i, s in enumerate(slides) if s.chart is not None]
    chart_list = [c for c in (slides[i].chart for i in shown) if c is not None]
    with drawing(chart_list, fmts, parallel) as results:
        frames = frame_pages(slides) if "pdf" in fmts else b""
        drawn = dict(zip(shown, results(), strict=True))
    for i, chart in zip(shown, chart_list, strict=True):
        png = drawn[i][0]
        if "png" in fmts and png is not None:
            path = out / "charts" / f"{chart.stem}.png"
            write_atomic(path, png)
            written.append(path)
    if "svg" in fmts:
        fig = new_figure()
        for chart in chart_list:  # rarely asked for: drawn again, here
            fig.clf()
            chart.draw(ax=fig.add_subplot())
            path = out / "charts" / f"{chart.stem}.svg"
            with atomic_path(path) as tmp:
                fig.savefig(tmp, format="svg")
            written.append(path)
    if "pdf" in fmts:
        placements = {
            i: (pdf, slides[i].chart_geometry) for i, (_, pdf) in drawn.items() if pdf is not None
        }
        writer = compose(frames, placements, metadata(d), SLIDE_H)
        add_outline(writer, [(s.name, i, None) for i, s in enumerate(slides)])
        written.append(write_pdf(writer, out / f"{stem}.pdf"))
    if "pptx" in fmts:
        prs = new_deck()
        for i, slide in enumerate(slides):
            add_pptx_slide(prs, slide, drawn.get(i, (None, None))[0])
        path = out / f"{stem}.pptx"
        with atomic_path(path) as tmp:
            prs.save(str(tmp))
        written.append(path)
    return written


def write_appendix(d: PackData, out: Path, stem: str, fmts: Sequence[str]) -> list[Path]:
    """Every KPI's charts: ``<stem>.pptx`` and a searchable vector ``<stem>.pdf`` with bookmarks.

    PNG and SVG files of every chart go to ``charts/`` when asked for.
    """
    chart_list = all_charts(d)
    prs = new_deck() if "pptx" in fmts else None
    fig = new_figure()
    written: list[Path] = []
    if prs is not None:
        title_slide(prs, d)
    pdf_buf = io.BytesIO() if "pdf" in fmts else None
    with contextlib.ExitStack() as stack:
        pdf: PdfPages | None = None
        if pdf_buf is not None:
            pdf = stack.enter_context(open_pdf(d, chart_list, pdf_buf, fig))  # type: ignore[arg-type]
        written += render_all(chart_list, fig, out / "charts", fmts, pdf, prs)
    if pdf_buf is not None:
        marks = appendix_bookmarks(d, chart_list)
        written.append(write_pdf(outlined(pdf_buf.getvalue(), marks), out / f"{stem}.pdf"))
    if prs is not None:
        path = out / f"{stem}.pptx"
        with atomic_path(path) as tmp:
            prs.save(str(tmp))
        written.append(path)
    return written


def appendix_bookmarks(d: PackData, chart_list: Sequence[Chart]) -> list[Bookmark]:
    """The appendix PDF's outline: the title, the index, each KPI and under it each chart."""
    lang = d.inp.lang
    first = first_chart_page(chart_list) - 1  # 0-based
    marks: list[Bookmark] = [(d.inp.pack_title, 0, None), (text(lang, "index"), 1, None)]
    parent: dict[str, int] = {}
    for page, chart in enumerate(chart_list, start=first):  # ~90 charts: one entry each
        if chart.kpi is None:
            marks.append((text(lang, "overview"), page, None))
            continue
        if chart.kpi not in parent:
            parent[chart.kpi] = len(marks)
            label = f"{charts.short_title(d.title(chart.kpi), 70)} ({chart.kpi})"
            marks.append((label, page, None))
        marks.append((caption(d, chart.kind).capitalize(), page, parent[chart.kpi]))
    return marks


__all__ = [
    "appendix_bookmarks",
    "draw_chart",
    "draw_charts",
    "drawing",
    "encode_png",
    "frame_pages",
    "new_figure",
    "pack_stem",
    "parse_formats",
    "render_all",
    "write_appendix",
    "write_baseline_pack",
    "write_main",
]
