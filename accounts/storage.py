"""Storage for uploads: private files that carry personal data, and public re-encoded photos.

``STORAGE_BACKEND=local`` (the default) keeps them on the host's disk: private files under
PRIVATE_MEDIA_ROOT, outside anything the web server or WhiteNoise serves, and public photos
under MEDIA_ROOT. ``STORAGE_BACKEND=s3`` keeps them in two buckets of an S3-compatible store
(config/settings.py), so several web hosts serve the same files.

Either way a private file has no URL: the only way out is ``private_file_response``, called by
a view after it has checked that the person may see the file, which streams it from the store.
"""

from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse
from storages.backends.s3 import S3Storage


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


class PrivateS3Storage(PrivateFiles, S3Storage):
    """The private bucket: every object private (no ACL grant to anyone), no public URL, and
    should a URL ever be asked for, the refusal above instead of a signed one."""

    def __init__(self, **kwargs):
        kwargs.update(default_acl="private", querystring_auth=True, custom_domain=None)
        # An upload never silently replaces another's object under the same name.
        kwargs.setdefault("file_overwrite", False)
        super().__init__(**kwargs)


class PublicS3Storage(S3Storage):
    """The public bucket, for re-encoded photos of people who consented. The portal still
    serves them through its own view (portal.views.public.listing_photo), which owns the
    caching that lets a withdrawn consent take a photo down within minutes."""

    def __init__(self, **kwargs):
        kwargs.setdefault("file_overwrite", False)
        kwargs.setdefault("querystring_auth", False)
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
