"""Private storage for uploads that carry personal data.

Files live under PRIVATE_MEDIA_ROOT, outside anything the web server or WhiteNoise serves,
and have no URL: the only way out is ``private_file_response``, called by a view after it has
checked that the person may see the file.
"""

from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse


class PrivateStorage(FileSystemStorage):
    def __init__(self, **kwargs):
        kwargs["base_url"] = None
        super().__init__(**kwargs)

    def url(self, name):
        raise NotImplementedError(
            "Private files have no URL; serve them with accounts.storage.private_file_response "
            "from a view that checks permission."
        )


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
