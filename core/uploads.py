"""Cleaning uploaded files before they are stored: nothing of the original file is kept but
its content. Shared by every upload of the portal (listing photos, transfer and disbursement
proofs, inspection and referral photos).

- Images: a new JPEG built from the decoded pixels alone (no EXIF with its GPS position, no
  XMP, no comment, no colour profile), turned the way the phone meant, at most ``max_side``,
  refused before decoding when it declares more pixels than a phone photo or screenshot has.
- PDFs: the pages rendered to pictures and placed in a new document: nothing of the
  original's structure (actions, scripts, forms, attachments, metadata) is carried over.
"""

from __future__ import annotations

import io
from typing import IO

import pypdfium2
import pypdfium2.raw as pdfium_c
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

IMAGE_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
# Pixel caps, checked from the file's header before anything is decoded. A picture compresses
# so well that a few kilobytes can declare tens of megapixels (a decompression bomb): a 34 KB
# PNG of 6000 x 6000 costs hundreds of megabytes to decode, on pages anyone may post to.
# A phone photo is about 12 MP (4032 x 3024) and some cheap phones take 16 MP; a JPEG is
# decoded at a half, a quarter or an eighth of its size (draft mode), so it may be larger.
JPEG_MAX_PIXELS = 16_800_000
# PNG and WebP have no reduced decoding: every pixel is decoded, four bytes each, and resized
# through a second full-size copy. A phone's screenshot is about 3 MP (1080 x 2400), a large
# tablet's 5.6 MP (2048 x 2732); anything larger is a photo that should come as a JPEG.
LOSSLESS_MAX_PIXELS = 6_000_000
# A PDF proof is re-made from its pages rendered at this resolution, readable for a bank
# receipt, with a cap per page so that a page declaring a huge MediaBox is rendered smaller,
# not into gigabytes (an A4 page at 150 dpi is 1240 x 1754, 2.2 MP).
PDF_RENDER_DPI = 150
PDF_PAGE_MAX_PIXELS = 4_000_000


def _size(upload: IO[bytes]) -> int:
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    return size


def size_check(upload: IO[bytes], *, max_bytes: int, what: str) -> None:
    if _size(upload) > max_bytes:
        raise ValidationError(
            _("The %(what)s is larger than %(mb)d MB.")
            % {"what": what, "mb": max_bytes // (1024 * 1024)}
        )


def _too_many_pixels(max_pixels: int) -> ValidationError:
    return ValidationError(
        _(
            "The picture has too many pixels (at most %(mp)d megapixels): send a smaller "
            "photo or a screenshot."
        )
        % {"mp": max_pixels // 1_000_000}
    )


def image_clean_jpeg(upload: IO[bytes], *, max_side: int, unreadable: str) -> bytes:
    """The picture's pixels alone as a JPEG; ValidationError(``unreadable``) for anything
    that is not a JPEG, PNG or WebP picture of a sane size."""
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in IMAGE_FORMATS:
                raise ValidationError(unreadable)
            cap = JPEG_MAX_PIXELS if probe.format == "JPEG" else LOSSLESS_MAX_PIXELS
            if probe.width * probe.height > cap:
                raise _too_many_pixels(cap)
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            # Every step works on the picture made small first: one full-size decode at most
            # (none for a large JPEG), never a full-size copy.
            longest = max(image.size)
            if longest > max_side:
                target = tuple(max(1, side * max_side // longest) for side in image.size)
                # A JPEG is decoded straight at 1/2, 1/4 or 1/8 of its size where that still
                # covers the target; other formats ignore it.
                image.draft(None, target)  # type: ignore[arg-type]
            if image.mode in ("1", "P", "PA"):
                # A palette would be resized by nearest neighbour (unreadable text in a
                # screenshot): expand it first, at most LOSSLESS_MAX_PIXELS.
                image = image.convert("RGBA")  # type: ignore[assignment]
            image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            # Turn the picture the way the phone meant before the orientation tag is dropped.
            ImageOps.exif_transpose(image, in_place=True)
            if image.mode != "RGB":
                rgba = image if image.mode == "RGBA" else image.convert("RGBA")
                image = Image.new("RGB", rgba.size, (255, 255, 255))  # type: ignore[assignment]
                image.paste(rgba, mask=rgba.getchannel("A"))
            # Nothing of the original's metadata (a JPEG comment is written back from here).
            image.info = {}
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise ValidationError(unreadable) from None
    return buffer.getvalue()


def _locked_message() -> str:
    return _("The PDF is protected by a password: send it without one.")


def _page_jpeg(page, *, unreadable: str) -> tuple[io.BytesIO, tuple[float, float]]:
    """One page rendered as a JPEG, and the page's size in points."""
    try:
        width, height = page.get_size()
        if not (width > 0 and height > 0):
            raise ValidationError(unreadable)
        scale = PDF_RENDER_DPI / 72
        if width * height * scale * scale > PDF_PAGE_MAX_PIXELS:
            scale = (PDF_PAGE_MAX_PIXELS / (width * height)) ** 0.5
        # Without init_forms() PDFium runs no form or script: the page is only drawn.
        bitmap = page.render(scale=scale, may_draw_forms=False)
        try:
            picture = bitmap.to_pil()
            size = (picture.width / scale, picture.height / scale)
            jpeg = io.BytesIO()
            picture.convert("RGB").save(jpeg, "JPEG", quality=80, optimize=True)
        finally:
            bitmap.close()
    finally:
        page.close()
    jpeg.seek(0)
    return jpeg, size


def pdf_clean(upload: IO[bytes], *, unreadable: str, max_pages: int = 20) -> bytes:
    """A new PDF made of pictures of the original's pages, and of nothing else.

    A PDF can carry actions a viewer runs when it opens the file or a page, or when a field
    or an annotation is touched (JavaScript, launching a program, opening an address), forms,
    and embedded files. Copying pages carries them along in ways a blocklist never fully
    catches, so the finance officer's viewer is given pixels instead: each page rendered (no
    form or script is run to do it) and placed as a JPEG on a page of the same size."""
    upload.seek(0)
    if upload.read(5) != b"%PDF-":
        raise ValidationError(unreadable)
    upload.seek(0)
    data = upload.read()
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        locked = error.err_code == pdfium_c.FPDF_ERR_PASSWORD
        raise (
            ValidationError(_locked_message()) if locked else ValidationError(unreadable)
        ) from None
    try:
        # Refused even when it opens without a password: the donor can send it unlocked,
        # and a finance officer should see what the bank issued, not a restricted copy.
        if pdfium_c.FPDF_GetSecurityHandlerRevision(document.raw) != -1:
            raise ValidationError(_locked_message())
        if len(document) > max_pages:
            raise ValidationError(_("The PDF has more than %(n)d pages.") % {"n": max_pages})
        if len(document) == 0:
            raise ValidationError(unreadable)
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pageCompression=1)
        for index in range(len(document)):
            jpeg, page_size = _page_jpeg(document[index], unreadable=unreadable)
            canvas.setPageSize(page_size)
            canvas.drawImage(ImageReader(jpeg), 0, 0, *page_size)
            canvas.showPage()
        canvas.save()
    except ValidationError:
        raise
    except (pypdfium2.PdfiumError, OSError, ValueError, MemoryError):
        raise ValidationError(unreadable) from None
    finally:
        document.close()
    return buffer.getvalue()


def proof_clean(upload: IO[bytes], *, max_bytes: int) -> tuple[bytes, str]:
    """A proof of payment (photo, screenshot or PDF), cleaned: (content, content type)."""
    unreadable = _("Send the proof as a photo (JPEG, PNG, WebP) or a PDF.")
    size_check(upload, max_bytes=max_bytes, what=_("proof"))
    upload.seek(0)
    if upload.read(5) == b"%PDF-":
        return pdf_clean(upload, unreadable=unreadable), "application/pdf"
    return image_clean_jpeg(upload, max_side=2000, unreadable=unreadable), "image/jpeg"
