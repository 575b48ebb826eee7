"""A PDF made of PNG pages, written directly: one page per image, no re-encoding.

A PNG's compressed pixel data (its ``IDAT`` chunks) is a valid PDF ``FlateDecode``
stream with the PNG predictor, so each image goes into the PDF as it is. The
baseline pack uses this for the PDF when the charts are drawn as PNG anyway: each
chart is then drawn once, not a second time by matplotlib's PDF backend.

Only what the pack writes is supported: 8-bit RGB or grey, non-interlaced PNG.

Examples:
    >>> import io, pathlib, tempfile
    >>> from PIL import Image
    >>> buf = io.BytesIO(); Image.new("RGB", (300, 150), "white").save(buf, "png")
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.pdf"
    >>> write_image_pdf([buf.getvalue()] * 2, p, dpi=150, title="Test")
    >>> data = p.read_bytes()
    >>> data.startswith(b"%PDF-1.4"), data.count(b"/Type /Page "), data.rstrip().endswith(b"%%EOF")
    (True, 2, True)
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class PNGFormatError(ValueError):
    """A PNG this writer cannot embed (not 8-bit RGB/grey, interlaced, or damaged)."""


def _png_parts(png: bytes) -> tuple[int, int, int, bytes]:
    """``(width, height, colours, idat)`` of an 8-bit non-interlaced RGB or grey PNG."""
    if not png.startswith(_SIGNATURE):
        raise PNGFormatError("not a PNG file")
    pos = len(_SIGNATURE)
    width = height = colours = 0
    idat: list[bytes] = []
    while pos + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        data = png[pos + 8 : pos + 8 + length]
        if len(data) != length:
            raise PNGFormatError("PNG chunk cut off")
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", data)
            if depth != 8 or ctype not in (0, 2) or interlace:
                raise PNGFormatError(
                    f"PNG must be 8-bit RGB or grey, not interlaced (depth {depth}, type {ctype})"
                )
            colours = 3 if ctype == 2 else 1
        elif kind == b"IDAT":
            idat.append(data)
        elif kind == b"IEND":
            break
        pos += 12 + length
    if not (width and height and idat):
        raise PNGFormatError("PNG without a header or image data")
    return width, height, colours, b"".join(idat)


def _text(s: str) -> bytes:
    """A PDF text string (UTF-16BE with a byte-order mark, so åäö survive)."""
    return b"<FEFF" + s.encode("utf-16-be").hex().upper().encode() + b">"


def write_image_pdf(
    pages: Sequence[bytes],
    path: str | Path,
    *,
    dpi: float,
    title: str = "",
    subject: str = "",
    numbers: Sequence[int | None] | None = None,
) -> None:
    """Write ``pages`` (PNG bytes) as a PDF, one image per page at ``dpi``.

    ``numbers``: a page number to print at the bottom right of each page (or
    ``None`` for none), as text over the image.

    Raises:
        PNGFormatError: a page is not an 8-bit RGB or grey, non-interlaced PNG.
    """
    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    tree = add(b"")
    info = add(
        b"<< /Title " + _text(title) + b" /Subject " + _text(subject) + b" /Producer (koladagap) >>"
    )
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    kids: list[int] = []
    for i, png in enumerate(pages):
        width, height, colours, idat = _png_parts(png)
        space = b"/DeviceRGB" if colours == 3 else b"/DeviceGray"
        image = add(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s "
            b"/BitsPerComponent 8 /Filter /FlateDecode /DecodeParms << /Predictor 15 "
            b"/Colors %d /BitsPerComponent 8 /Columns %d >> /Length %d >>\nstream\n"
            % (width, height, space, colours, width, len(idat))
            + idat
            + b"\nendstream"
        )
        w_pt, h_pt = width * 72.0 / dpi, height * 72.0 / dpi
        draw = b"q %.3f 0 0 %.3f 0 0 cm /Im0 Do Q" % (w_pt, h_pt)
        number = numbers[i] if numbers is not None and i < len(numbers) else None
        if number is not None:
            label = str(number).encode()
            x = w_pt * 0.99 - 5.56 * len(label)  # Helvetica digits are 0.556 em at 10 pt
            draw += b" BT /F1 10 Tf 0.333 0.333 0.333 rg %.2f %.2f Td (%s) Tj ET" % (
                x,
                h_pt * 0.015 + 2,
                label,
            )
        content = add(b"<< /Length %d >>\nstream\n" % len(draw) + draw + b"\nendstream")
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.3f %.3f] "
                b"/Resources << /XObject << /Im0 %d 0 R >> /Font << /F1 %d 0 R >> >> "
                b"/Contents %d 0 R >>" % (tree, w_pt, h_pt, image, font, content)
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % tree
    objects[tree - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        catalog,
        info,
        xref,
    )
    Path(path).write_bytes(bytes(out))


__all__ = ["PNGFormatError", "write_image_pdf"]
