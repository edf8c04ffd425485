"""Cleaning uploaded files before they are stored: nothing of the original file is kept but
its content. Shared by every upload of the portal (listing photos, transfer and disbursement
proofs, and later inspection and referral photos).

- Images: a new JPEG built from the decoded pixels alone (no EXIF with its GPS position, no
  XMP, no comment, no colour profile), turned the way the phone meant, at most ``max_side``.
- PDFs: the pages rewritten into a new document without its metadata (author, software,
  dates, XMP), its scripts or its attachments.
"""

from __future__ import annotations

import io
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
IMAGE_MAX_PIXELS = 40_000_000


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


def image_clean_jpeg(upload: IO[bytes], *, max_side: int, unreadable: str) -> bytes:
    """The picture's pixels alone as a JPEG; ValidationError(``unreadable``) for anything
    that is not a JPEG, PNG or WebP picture of a sane size."""
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in IMAGE_FORMATS:
                raise ValidationError(unreadable)
            if probe.width * probe.height > IMAGE_MAX_PIXELS:
                raise ValidationError(_("The picture has too many pixels."))
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            # Turn the picture the way the phone meant before the orientation tag is dropped.
            picture = ImageOps.exif_transpose(image)
            if picture.mode != "RGB":
                rgba = picture.convert("RGBA")
                picture = Image.new("RGB", rgba.size, (255, 255, 255))
                picture.paste(rgba, mask=rgba.getchannel("A"))
            picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            clean = Image.frombytes("RGB", picture.size, picture.tobytes())
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise ValidationError(unreadable) from None
    buffer = io.BytesIO()
    clean.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    return buffer.getvalue()


def pdf_clean(upload: IO[bytes], *, unreadable: str, max_pages: int = 20) -> bytes:
    """The PDF's pages in a new document without metadata, scripts or attachments."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    upload.seek(0)
    if upload.read(5) != b"%PDF-":
        raise ValidationError(unreadable)
    upload.seek(0)
    try:
        reader = PdfReader(upload)
        if reader.is_encrypted:
            raise ValidationError(_("The PDF is protected by a password: send it without one."))
        if len(reader.pages) > max_pages:
            raise ValidationError(_("The PDF has more than %(n)d pages.") % {"n": max_pages})
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        writer.remove_annotations(subtypes=["/FileAttachment", "/Link"])
        writer.metadata = None
        buffer = io.BytesIO()
        writer.write(buffer)
    except ValidationError:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, RecursionError):
        raise ValidationError(unreadable) from None
    return buffer.getvalue()


def proof_clean(upload: IO[bytes], *, max_bytes: int) -> tuple[bytes, str]:
    """A proof of payment (photo, screenshot or PDF), cleaned: (content, content type)."""
    unreadable = _("Send the proof as a photo (JPEG, PNG, WebP) or a PDF.")
    size_check(upload, max_bytes=max_bytes, what=_("proof"))
    upload.seek(0)
    if upload.read(5) == b"%PDF-":
        return pdf_clean(upload, unreadable=unreadable), "application/pdf"
    return image_clean_jpeg(upload, max_side=2000, unreadable=unreadable), "image/jpeg"
