"""PDF finishing with pypdf: charts merged into slide pages, bookmarks, atomic writing.

matplotlib writes the pages (real text, vector charts); pypdf then places each chart's
own vector page into its slide page (:func:`compose`) and adds the outline, the
bookmarks a PDF reader shows beside the pages (:func:`add_outline`). The file is
written to a temporary name and moved into place (:func:`write_pdf`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from koladagap._files import atomic_path

Placement = tuple[bytes, tuple[float, float, float, float]]
"""A chart's one-page PDF and where it goes (inches: left, top, width, height)."""

Bookmark = tuple[str, int, int | None]
"""An outline entry: its title, its page (0-based) and its parent's entry index or None."""


def compose(
    pages_pdf: bytes,
    placements: Mapping[int, Placement],
    metadata: Mapping[str, str],
    page_height_in: float,
) -> Any:
    """A :class:`pypdf.PdfWriter` of ``pages_pdf`` with each placed chart drawn into its page.

    ``placements`` maps a page (0-based) to the chart's PDF and its box on the page;
    the chart is scaled to the box's width, keeping its proportions. The chart page
    becomes a form XObject of the slide page (its content is copied, not parsed:
    much faster than merging pages).
    """
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pages_pdf)))
    for page_no, (chart_pdf, (left, top, width, height)) in placements.items():
        chart_page = PdfReader(io.BytesIO(chart_pdf)).pages[0]
        scale = width * 72 / float(chart_page.mediabox.width)
        bottom = (page_height_in - top - height) * 72
        _draw_form(writer, page_no, chart_page, (scale, left * 72, bottom))
    writer.add_metadata({f"/{k}": v for k, v in metadata.items()})
    return writer


def _draw_form(writer: Any, page_no: int, chart_page: Any, at: tuple[float, float, float]) -> None:
    """Draw ``chart_page`` on page ``page_no`` as a form XObject, scaled and moved by ``at``.

    matplotlib's pages share one resource dictionary, so each page's form has its own name.
    """
    page = writer.pages[page_no]
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
    )

    contents = chart_page["/Contents"].get_object()
    parts = contents if isinstance(contents, ArrayObject) else [contents]
    form = DecodedStreamObject()
    form.set_data(b"\n".join(p.get_object().get_data() for p in parts))
    box = chart_page.mediabox
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(
                [FloatObject(float(v)) for v in (box.left, box.bottom, box.right, box.top)]
            ),
            NameObject("/Resources"): chart_page["/Resources"].get_object().clone(writer),
        }
    )
    name = f"/KgChart{page_no}"
    resources = page["/Resources"].get_object()
    if "/XObject" not in resources:
        resources[NameObject("/XObject")] = DictionaryObject()
    resources["/XObject"].get_object()[NameObject(name)] = writer._add_object(form)
    scale, tx, ty = at
    draw = DecodedStreamObject()
    draw.set_data(f"q {scale:.6f} 0 0 {scale:.6f} {tx:.3f} {ty:.3f} cm {name} Do Q".encode())
    old = page.raw_get("/Contents")
    old_list = list(old.get_object()) if isinstance(old.get_object(), ArrayObject) else [old]
    page[NameObject("/Contents")] = ArrayObject([*old_list, writer._add_object(draw)])


def add_outline(writer: Any, bookmarks: Sequence[Bookmark]) -> None:
    """Add the bookmarks, in order; a child names its parent by index in ``bookmarks``."""
    made: list[Any] = []
    for title, page, parent in bookmarks:
        made.append(
            writer.add_outline_item(
                title=title, page_number=page, parent=made[parent] if parent is not None else None
            )
        )


def outlined(pdf: bytes, bookmarks: Sequence[Bookmark]) -> Any:
    """A :class:`pypdf.PdfWriter` of ``pdf`` (its pages and metadata) with ``bookmarks``."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter(clone_from=reader)
    add_outline(writer, bookmarks)
    return writer


def write_pdf(writer: Any, path: Path) -> Path:
    """Write ``writer`` to ``path`` atomically; return ``path``."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        writer.write(fh)
    return path


__all__ = ["Bookmark", "Placement", "add_outline", "compose", "outlined", "write_pdf"]
