"""A stored upload shown on a page instead of only downloaded: what kind of file it is, told by
its bytes (never by a name or a stored content type), and a PDF's first page as a picture.

The files shown here were cleaned when they were uploaded (``core.uploads``: a re-encoded JPEG,
or a PDF rebuilt from pictures of its pages), so PDFium only draws pixels; a file that does not
open (damaged in storage, or stored before the cleaner existed) raises ``PreviewUnavailable``
and the page offers the download instead.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdfium2

# What the bytes start with, and the content type a browser is told (with nosniff).
_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
PDF = "application/pdf"
HEAD_BYTES = 16
# A first page drawn at most this many pixels on its longer side: a bank's receipt reads at
# this size on a desktop screen and the picture stays a few hundred kilobytes to a couple of
# megabytes, whatever size the page declares.
PREVIEW_MAX_SIDE = 1200


class PreviewUnavailable(Exception):
    """The file cannot be drawn: the page says so and offers the download."""


@dataclass(frozen=True)
class PagePicture:
    png: bytes
    width: int
    height: int
    pages: int  # in the whole document


def sniff(head: bytes) -> str | None:
    """The content type the first bytes prove (JPEG, PNG, WebP, PDF), or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def pdf_first_page_png(data: bytes, *, max_side: int = PREVIEW_MAX_SIDE) -> PagePicture:
    """The first page as a PNG at most ``max_side`` pixels on its longer side, with the number
    of pages. Raises PreviewUnavailable when the document does not open or draw."""
    if not data.startswith(b"%PDF-"):
        raise PreviewUnavailable
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        raise PreviewUnavailable from None
    try:
        pages = len(document)
        if pages == 0:
            raise PreviewUnavailable
        page = document[0]
        try:
            width, height = page.get_size()
            if not (width > 0 and height > 0):
                raise PreviewUnavailable
            # Without init_forms() PDFium runs no form or script: the page is only drawn.
            bitmap = page.render(scale=max_side / max(width, height), may_draw_forms=False)
            try:
                picture = bitmap.to_pil().convert("RGB")
                buffer = io.BytesIO()
                picture.save(buffer, "PNG")
            finally:
                bitmap.close()
        finally:
            page.close()
    except PreviewUnavailable:
        raise
    except (pypdfium2.PdfiumError, OSError, ValueError, MemoryError):
        raise PreviewUnavailable from None
    finally:
        document.close()
    return PagePicture(buffer.getvalue(), picture.width, picture.height, pages)
