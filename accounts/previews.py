"""Private files shown on a page rather than only downloaded: what kind of file a stored upload
is (by its bytes) and a stored PDF's first page drawn as a picture, kept for a while.

Apart from ``accounts.storage`` so that loading the models does not load PDFium.
"""

import hashlib

from django.core.cache import cache

from core.previews import HEAD_BYTES, PagePicture, PreviewUnavailable, pdf_first_page_png, sniff

from . import pii
from .storage import private_storage

# How long a PDF's first page, once drawn, is kept for the next look: an officer's sitting
# with one proof. The cache, not the private storage: a rendering kept as a file would be one
# more copy of the proof to delete when the proof is replaced or erased, while a cache entry
# goes by itself. It is encrypted with the personal-data keys (the cache may be a Redis that
# writes snapshots to disk), and keyed by the stored name, a random path never used twice, so
# a replaced proof can never be shown from an old rendering.
PREVIEW_CACHE_SECONDS = 3600
_UNREADABLE = "unreadable"


def private_file_type(name: str) -> str | None:
    """What the stored file's bytes are (core.previews.sniff): JPEG, PNG, WebP, PDF or None."""
    try:
        with private_storage().open(name, "rb") as stored:
            return sniff(stored.read(HEAD_BYTES))
    except OSError:  # gone from the store: nothing to show
        return None


def preview_key(name: str) -> str:
    return "private-preview:" + hashlib.sha256(name.encode()).hexdigest()


def private_pdf_preview(name: str) -> PagePicture | None:
    """The first page of a private PDF drawn as a PNG (core.previews), from the cache when it
    was drawn in the last PREVIEW_CACHE_SECONDS; None when the file does not open or draw."""
    key = preview_key(name)
    kept = cache.get(key)
    if kept == _UNREADABLE:
        return None
    if isinstance(kept, tuple):
        token, width, height, pages = kept
        png = pii.decrypt_bytes(token)
        if png is not None:
            return PagePicture(png, width, height, pages)
    try:
        with private_storage().open(name, "rb") as stored:
            data = stored.read()
    except OSError:  # the store did not answer: not kept as unreadable, tried again next time
        return None
    try:
        picture = pdf_first_page_png(data)
    except PreviewUnavailable:
        cache.set(key, _UNREADABLE, PREVIEW_CACHE_SECONDS)
        return None
    cache.set(
        key,
        (pii.encrypt_bytes(picture.png), picture.width, picture.height, picture.pages),
        PREVIEW_CACHE_SECONDS,
    )
    return picture
