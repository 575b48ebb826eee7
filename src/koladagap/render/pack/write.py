"""Writing the pack: each chart drawn once, saved in every format asked for, in order.

Everything is drawn in this process on one reused figure: per chart the PNG (for the
``charts/`` folder and the deck), the SVG, and the PDF page (matplotlib's vector PDF,
with the page number added); a thread compresses the PNGs meanwhile. Every file is
written to a temporary name and moved into place (:mod:`koladagap._files`), so a crash
never leaves half a file.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
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
from koladagap.render.pack.content import all_charts
from koladagap.render.pack.deck import chart_slide, new_deck, title_slide
from koladagap.render.pack.model import (
    DEFAULT_FORMATS,
    FORMATS,
    PNG_DPI,
    Chart,
    PackData,
    PackInput,
)
from koladagap.render.pack.pdf import first_chart_page, number_page, open_pdf, save_page

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


def write_baseline_pack(
    inp: PackInput | PlanResult,
    out_dir: Path | str,
    formats: str | Sequence[str] = DEFAULT_FORMATS,
    *,
    parallel: bool | None = None,
    vector_pdf: bool | None = None,
) -> list[Path]:
    """Write the baseline chart pack for ``inp`` into ``out_dir``; return the files written.

    ``inp`` is a :class:`PackInput` or the baseline session's
    :class:`~koladagap.benchmarking.run.PlanResult` (made into one by
    :func:`~koladagap.render.pack.pack_input`). ``formats`` (a list or a
    comma-separated string) is any of ``"png"`` and ``"svg"`` (one file per chart
    in ``out_dir/charts/``), ``"pdf"`` (``utgangslage_<id>_<year>.pdf``: title
    page, index, one chart per page; a vector PDF with searchable text) and
    ``"pptx"`` (the same name ``.pptx``: a 16:9 deck with a title slide and one
    slide per chart with an editable text box; needs ``koladagap[pptx]``). The
    charts are the overview, then per KPI the trend, the gap over time and the
    gap among kommuner (not for counts). Files are written atomically.

    ``parallel`` and ``vector_pdf`` are ignored (the PDF is always vector and
    everything is drawn in this process); they are accepted for one release.

    Raises:
        InputError: an unknown format, python-pptx missing for ``"pptx"``, or
            nothing to chart.
        InvalidYearsError: the organisation has no values in the baseline year.
    """
    del parallel, vector_pdf  # accepted for old callers; see the docstring
    if not isinstance(inp, PackInput):
        from koladagap.render.pack.inputs import pack_input

        inp = pack_input(inp)
    fmts = parse_formats(formats)
    prs = new_deck() if "pptx" in fmts else None
    d = PackData(inp)
    chart_list = all_charts(d)
    if not chart_list:
        raise InputError(f"nothing to chart for {inp.organisation_id}: no values for its KPIs")
    out = Path(out_dir)
    chart_dir = out / "charts"
    out.mkdir(parents=True, exist_ok=True)
    if "png" in fmts or "svg" in fmts:
        chart_dir.mkdir(exist_ok=True)
    stem = f"utgangslage_{inp.organisation_id}_{inp.baseline_year}"
    fig = new_figure()
    written: list[Path] = []
    if prs is not None:
        title_slide(prs, d)
    with contextlib.ExitStack() as stack:
        pdf: PdfPages | None = None
        pdf_path = out / f"{stem}.pdf"
        if "pdf" in fmts:
            tmp_pdf = stack.enter_context(atomic_path(pdf_path))
            pdf = stack.enter_context(open_pdf(d, chart_list, tmp_pdf, fig))
        written += render_all(chart_list, fig, chart_dir, fmts, pdf, prs)
    if pdf is not None:
        written.append(pdf_path)
    if prs is not None:
        pptx_path = out / f"{stem}.pptx"
        with atomic_path(pptx_path) as tmp:
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


__all__ = ["encode_png", "new_figure", "parse_formats", "render_all", "write_baseline_pack"]
