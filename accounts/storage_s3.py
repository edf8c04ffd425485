"""The object-store backends of ``STORAGE_BACKEND=s3`` (accounts.storage says why there are
two). A module of their own, so that a host on the local disk never imports boto3."""

from storages.backends.s3 import S3Storage

from .storage import PrivateFiles


class PrivateS3Storage(PrivateFiles, S3Storage):
    """The private bucket: every object private (no ACL grant to anyone), no public URL, and
    should a URL ever be asked for, PrivateFiles' refusal instead of a signed one."""

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
