"""Storage for uploads: private files that carry personal data, and public re-encoded photos.

``STORAGE_BACKEND=local`` (the default) keeps them on the host's disk: private files under
PRIVATE_MEDIA_ROOT, outside anything the web server or WhiteNoise serves, and public photos
under MEDIA_ROOT. ``STORAGE_BACKEND=s3`` keeps them in two buckets of an S3-compatible store
(config/settings.py, ``accounts.storage_s3``, imported only then: boto3 costs a fifth of a
second at every start), so several web hosts serve the same files.

Either way a private file has no URL: the only ways out are ``private_file_response`` (a
download) and ``private_inline_response`` (a picture shown on a page), called by a view after it
has checked that the person may see the file, which stream it from the store.
"""

from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse, HttpResponse


class PrivateFiles:
    """Marks a storage as private: it refuses to make a URL of any kind, even a signed one."""

    def url(self, name, *args, **kwargs):
        raise NotImplementedError(
            "Private files have no URL; serve them with accounts.storage.private_file_response "
            "from a view that checks permission."
        )


class PrivateStorage(PrivateFiles, FileSystemStorage):
    def __init__(self, **kwargs):
        kwargs["base_url"] = None
        super().__init__(**kwargs)


def private_storage() -> PrivateStorage:
    return storages["private"]  # type: ignore[return-value]


def private_file_response(name: str, *, download_name: str | None = None) -> FileResponse:
    """Stream a private file. The caller has checked permission and logged the access."""
    response = FileResponse(
        private_storage().open(name, "rb"),
        as_attachment=True,
        filename=download_name or name.rsplit("/", 1)[-1],
    )
    # Never kept by a shared cache or the browser's back-forward cache.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def private_inline_response(
    name: str, *, content_type: str, filename: str, content: bytes | None = None
) -> HttpResponse | FileResponse:
    """A private picture shown on a page: the stored file streamed (or ``content``, a
    rendering of it), inline, with the content type its bytes proved. The caller has checked
    permission, logged the look, and refuses anything that is not a picture."""
    if not content_type.startswith("image/"):
        raise ValueError(f"{content_type} is not shown inline")
    response: HttpResponse | FileResponse
    if content is None:
        response = FileResponse(private_storage().open(name, "rb"), content_type=content_type)
    else:
        response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    # Drawn by the portal's own pages only; another site cannot embed it even with the
    # officer's cookies.
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
