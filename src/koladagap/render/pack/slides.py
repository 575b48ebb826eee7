"""The main deck's slides, laid out once and drawn twice: as PPTX and as PDF pages.

A :class:`Slide` is a list of text :class:`Box` es and at most one chart, placed in
inches on the 13.333 × 7.5 in (16:9) slide. :func:`add_pptx_slide` puts it in the
deck (editable text boxes, the chart's PNG with alt text); :func:`frame_page` draws
the same boxes as real text on a matplotlib page of the slide's size, into which the
chart's own vector page is merged (:mod:`koladagap.render.pack.outline`), so the PDF
and the deck show the same thing.

Every box's font size is chosen by :func:`fit_size`, which estimates from the number
of characters and the font size how many lines the text wraps to and whether they fit
the box; the PDF wraps its lines the same way (:func:`wrap_lines`). A box's lines
hold no control characters and the PDF draws them without mathtext, so any title
from Kolada is shown as written.

Examples:
    >>> fit_size(["Kort rad"], (0, 0, 4.0, 1.0), 24)
    24.0
    >>> fit_size(["ord " * 200], (0, 0, 4.0, 1.0), 24)
    9.0
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from koladagap._cells import clean_title
from koladagap.render import charts
from koladagap.render.pack.model import Chart

SLIDE_W, SLIDE_H = 13.333, 7.5
"""The slide in inches (PowerPoint's 16:9 "widescreen")."""

CHAR_WIDTH = 0.6
"""A character's average width as a share of the font size (a little wide: safe)."""
LINE_HEIGHT = 1.2
"""A line's height as a multiple of the font size."""
PARA_SPACE = 0.3
"""The space after a paragraph as a multiple of its font size."""
INSET_X, INSET_Y = 0.1, 0.05
"""PowerPoint's default text box insets (inches, each side)."""
MIN_SIZE = 9.0

Geometry = tuple[float, float, float, float]


@dataclass
class Box:
    """A text box: inches (left, top, width, height), one paragraph a line.

    ``size`` is the largest font size (points); :func:`fit_size` picks the size used.
    ``field`` marks an editable field for the presenter (drawn with a frame);
    ``bold_first`` sets the first line in bold.
    """

    geometry: Geometry
    lines: list[str]
    size: float
    bold_first: bool = False
    field: bool = False
    colour: str = "1A1A1A"
    name: str = ""

    def __post_init__(self) -> None:
        """Each line without control characters (they would break the PPTX's XML)."""
        self.lines = [clean_title(line) for line in self.lines]

    @property
    def font_size(self) -> float:
        """The font size that fits the box."""
        return fit_size(self.lines, self.geometry, self.size)


@dataclass
class Slide:
    """One slide of the main deck: its boxes, its chart (left, top, width in inches)."""

    name: str
    boxes: list[Box] = field(default_factory=list)
    chart: Chart | None = None
    chart_at: tuple[float, float, float] = (0.25, 0.95, 8.7)

    @property
    def chart_geometry(self) -> Geometry:
        """Where the chart sits (inches): left, top, width, height."""
        left, top, width = self.chart_at
        return left, top, width, width * charts.SLIDE_SIZE[1] / charts.SLIDE_SIZE[0]


def chars_per_line(width_in: float, size: float) -> int:
    """How many characters of ``size`` points fit one line of a box ``width_in`` wide.

    >>> chars_per_line(4.0, 12)
    38
    """
    usable = max(width_in - 2 * INSET_X, 0.1) * 72
    return max(int(usable / (CHAR_WIDTH * size)), 1)


def wrap_lines(lines: Sequence[str], width_in: float, size: float) -> list[list[str]]:
    """Each paragraph wrapped to the box's width at ``size`` points (an empty one stays)."""
    n = chars_per_line(width_in, size)
    return [textwrap.wrap(line, n, break_on_hyphens=False) or [""] for line in lines]


def text_height(lines: Sequence[str], width_in: float, size: float) -> float:
    """The estimated height (inches) of ``lines`` at ``size`` points in a box ``width_in`` wide."""
    rows = sum(len(p) for p in wrap_lines(lines, width_in, size))
    return (rows * LINE_HEIGHT + len(lines) * PARA_SPACE) * size / 72


def fits(lines: Sequence[str], geometry: Geometry, size: float) -> bool:
    """Whether ``lines`` at ``size`` points fit the box (by :func:`text_height`)."""
    _, _, width, height = geometry
    return text_height(lines, width, size) <= height - 2 * INSET_Y


def fit_size(lines: Sequence[str], geometry: Geometry, size: float) -> float:
    """The largest size from ``size`` down to :data:`MIN_SIZE` (whole points) that fits."""
    s = float(size)
    while s > MIN_SIZE and not fits(lines, geometry, s):
        s -= 1.0
    return max(s, MIN_SIZE)


# --- PowerPoint ---------------------------------------------------------------------------


def add_pptx_slide(prs: Any, slide: Slide, png: bytes | None) -> Any:
    """Add ``slide`` to the deck ``prs`` (a blank layout) with the chart's ``png``."""
    from pptx.util import Inches

    s = prs.slides.add_slide(prs.slide_layouts[6])
    if slide.chart is not None and png is not None:
        left, top, width, _ = slide.chart_geometry
        pic = s.shapes.add_picture(io.BytesIO(png), Inches(left), Inches(top), width=Inches(width))
        alt = clean_title(slide.chart.alt_text)
        pic._element.nvPicPr.cNvPr.set("descr", alt)  # screen readers
    for box in slide.boxes:
        pptx_box(s, box)
    return s


def pptx_box(slide: Any, box: Box) -> Any:
    """An editable text box; a field gets a light fill and a frame."""
    from pptx.dml.color import RGBColor
    from pptx.enum.text import MSO_AUTO_SIZE
    from pptx.util import Inches, Pt

    shape = slide.shapes.add_textbox(*(Inches(v) for v in box.geometry))
    shape.name = box.name or shape.name
    tf = shape.text_frame
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE
    size = box.font_size
    for i, line in enumerate(box.lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.text = line
        p.font.size = Pt(size)
        p.font.bold = box.bold_first and i == 0
        p.space_after = Pt(size * PARA_SPACE)
        p.font.color.rgb = RGBColor.from_string(box.colour)  # type: ignore[no-untyped-call]
    if box.field:
        shape.fill.solid()
        shape.fill.fore_color.rgb = RGBColor.from_string("F4F4F4")  # type: ignore[no-untyped-call]
        shape.line.color.rgb = RGBColor.from_string("9A9A9A")  # type: ignore[no-untyped-call]
    return shape


# --- PDF ------------------------------------------------------------------------------------


def frame_page(fig: Figure, slide: Slide) -> None:
    """Draw ``slide``'s text boxes on ``fig`` (the slide's size); the chart is merged later."""
    fig.clf()
    for box in slide.boxes:
        _pdf_box(fig, box)


def _pdf_box(fig: Figure, box: Box) -> None:
    left, top, width, height = box.geometry
    size = box.font_size
    if box.field:
        fig.add_artist(
            Rectangle(
                (left / SLIDE_W, 1 - (top + height) / SLIDE_H),
                width / SLIDE_W,
                height / SLIDE_H,
                transform=fig.transFigure,
                facecolor="#F4F4F4",
                edgecolor="#9A9A9A",
                linewidth=0.8,
            )
        )
    y = top + INSET_Y
    for i, rows in enumerate(wrap_lines(box.lines, width, size)):
        fig.text(
            (left + INSET_X) / SLIDE_W,
            1 - y / SLIDE_H,
            "\n".join(rows),
            fontsize=size,
            fontweight="bold" if box.bold_first and i == 0 else "normal",
            color=f"#{box.colour}",
            va="top",
            ha="left",
            linespacing=LINE_HEIGHT,
            gid=box.name or None,
            parse_math=False,  # a "$" in a title is a dollar sign, never mathtext
        )
        y += (len(rows) * LINE_HEIGHT + PARA_SPACE) * size / 72


def new_page_figure() -> Figure:
    """A figure of the slide's size for the PDF's frame pages."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=(SLIDE_W, SLIDE_H))
    FigureCanvasAgg(fig)
    return fig


__all__ = [
    "CHAR_WIDTH",
    "SLIDE_H",
    "SLIDE_W",
    "Box",
    "Slide",
    "add_pptx_slide",
    "chars_per_line",
    "fit_size",
    "fits",
    "frame_page",
    "new_page_figure",
    "pptx_box",
    "text_height",
    "wrap_lines",
]
