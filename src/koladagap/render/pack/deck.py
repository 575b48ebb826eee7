"""The pack's PowerPoint deck (16:9): a title slide, then one slide per chart.

Each chart slide holds the chart's PNG (with alt text for screen readers) and, beside
it, an editable text box with the baseline values, the gap and the level, so that the
key persons can add their comments before Benchmarking 1. Needs ``koladagap[pptx]``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from koladagap._cells import clean_title
from koladagap.errors import InputError
from koladagap.render import charts
from koladagap.render.i18n import ATTRIBUTION_PROCESSED
from koladagap.render.pack.model import Chart, PackData
from koladagap.render.pack.pdf import cover_lines

LONG_LINE = 60
"""Lines longer than this (sentences) are set smaller in a slide's text box."""


def new_deck() -> Any:
    """An empty 16:9 presentation; a clear :class:`InputError` without python-pptx."""
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


def textbox(
    slide: Any,
    box: tuple[float, float, float, float],
    lines: Sequence[str],
    size: float,
    bold_first: bool = False,
    colour: str | None = None,
) -> Any:
    """An editable text box at ``box`` (inches: left, top, width, height), one paragraph a line."""
    from pptx.dml.color import RGBColor
    from pptx.util import Inches, Pt

    shape = slide.shapes.add_textbox(*(Inches(v) for v in box))
    tf = shape.text_frame
    tf.word_wrap = True
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.text = clean_title(line)
        # a sentence (the reason for a level) in a smaller size, so the box holds it
        line_size = size if len(line) <= LONG_LINE else max(10.0, round(size * 0.7))
        p.font.size = Pt(line_size)
        p.font.bold = bold_first and i == 0
        p.space_after = Pt(line_size * 0.4)
        if colour:
            p.font.color.rgb = RGBColor.from_string(colour)  # type: ignore[no-untyped-call]
    return shape


def title_slide(prs: Any, d: PackData) -> None:
    """The deck's first slide: the pack's title, the organisation and the cover lines."""
    inp = d.inp
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    textbox(slide, (0.8, 2.0, 11.7, 1.2), [inp.pack_title], 36, bold_first=True)
    name = f"{inp.organisation_name} ({inp.organisation_id})"
    textbox(slide, (0.8, 3.2, 11.7, 0.8), [name], 26)
    textbox(slide, (0.8, 4.1, 11.7, 1.8), cover_lines(d), 18)
    textbox(slide, (0.8, 6.7, 8.0, 0.4), [ATTRIBUTION_PROCESSED], 12, colour="444444")


def chart_slide(prs: Any, png: bytes, chart: Chart) -> None:
    """A slide with the chart's picture and its editable text box."""
    from pptx.util import Inches

    slide = prs.slides.add_slide(prs.slide_layouts[6])
    width = 10.3
    top = (7.5 - width * charts.SLIDE_SIZE[1] / charts.SLIDE_SIZE[0]) / 2
    pic = slide.shapes.add_picture(io.BytesIO(png), Inches(0.15), Inches(top), width=Inches(width))
    pic._element.nvPicPr.cNvPr.set("descr", chart.alt_text)  # alt text for screen readers
    textbox(slide, (10.6, 1.0, 2.55, 5.5), chart.slide_lines, 16, bold_first=True)


__all__ = ["LONG_LINE", "chart_slide", "new_deck", "textbox", "title_slide"]
