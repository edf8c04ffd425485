import os
import shutil

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils import translation

from tests.factories import UserFactory

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def missing_service(reason: str) -> None:
    """Skip with a visible reason, or fail when CI demands every service."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_sessionstart(session):
    # In CI the whole suite runs on PostgreSQL; SQLite there would hide what matters.
    if REQUIRE_SERVICES and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise pytest.UsageError("REQUIRE_SERVICES=1 needs DATABASE_URL pointing at PostgreSQL.")


@pytest.fixture(autouse=True)
def _default_language():
    # Django's test client leaves the last request's language active in the test's thread,
    # which would make reverse() in the next line of a test produce /en/ addresses.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth's rate limits and TOTP used-code markers live in the cache, public pages in theirs.
    for alias in settings.CACHES:
        caches[alias].clear()
    yield
    for alias in settings.CACHES:
        caches[alias].clear()


def use_upload_storages(settings, uploads: dict) -> list:
    """Point STORAGES' default and private entries, and every private file field (which resolves
    its callable storage once, when the models load), at ``uploads``. Returns what to restore."""
    from django.apps import apps
    from django.core.files.storage import storages
    from django.db.models import FileField

    from accounts.storage import PrivateFiles

    settings.STORAGES = {**settings.STORAGES, **uploads}
    storages._storages.clear()
    private = storages["private"]
    patched = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, FileField) and isinstance(field.storage, PrivateFiles):
                patched.append((field, field.storage))
                field.storage = private
    return patched


def restore_upload_storages(patched: list) -> None:
    from django.core.files.storage import storages

    for field, original in patched:
        field.storage = original
    storages._storages.clear()


@pytest.fixture(scope="session")
def s3_server():
    """An S3 API server on 127.0.0.1 (moto in server mode), started once per session, with the
    private and public buckets. Returns its endpoint URL."""
    from tests.s3 import start_s3_server

    server, endpoint = start_s3_server()
    yield endpoint
    server.stop()


def s3_uploads(endpoint: str, prefix: str) -> dict:
    """STORAGES entries for the two buckets on the test server, under a prefix of the test's
    own, so tests share the buckets without seeing each other's objects."""
    from tests.s3 import PRIVATE_BUCKET, PUBLIC_BUCKET, s3_storage_options

    return {
        "default": {
            "BACKEND": "accounts.storage_s3.PublicS3Storage",
            "OPTIONS": {**s3_storage_options(endpoint, PUBLIC_BUCKET), "location": prefix},
        },
        "private": {
            "BACKEND": "accounts.storage_s3.PrivateS3Storage",
            "OPTIONS": {**s3_storage_options(endpoint, PRIVATE_BUCKET), "location": prefix},
        },
    }


@pytest.fixture
def s3_storage(request, settings, tmp_path):
    """Uploads of this test go to the S3 test server (both buckets), under a prefix of its own.
    Returns the prefix."""
    endpoint = request.getfixturevalue("s3_server")
    prefix = f"t-{tmp_path.name}-{os.getpid()}"
    patched = use_upload_storages(settings, s3_uploads(endpoint, prefix))
    yield prefix
    restore_upload_storages(patched)


# TEST_STORAGE=s3 runs every test that does not ask for a local path with uploads in the S3 test
# server, e.g. the permission matrix (docs/operations.md, "Object storage").
TEST_STORAGE = os.environ.get("TEST_STORAGE", "local")


@pytest.fixture(autouse=True)
def private_root(request, settings, tmp_path):
    """Uploads, staged imports and reports go under the test's own directory, never into a
    developer's var/. Returns the private root."""
    settings.MEDIA_ROOT = tmp_path / "media"
    if TEST_STORAGE == "s3" and "s3_storage" not in request.fixturenames:
        endpoint = request.getfixturevalue("s3_server")
        uploads = s3_uploads(endpoint, f"t-{tmp_path.name}-{os.getpid()}")
    else:
        uploads = {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "private": {
                "BACKEND": "accounts.storage.PrivateStorage",
                "OPTIONS": {"location": tmp_path / "private"},
            },
        }
    patched = use_upload_storages(settings, uploads)
    yield tmp_path / "private"
    restore_upload_storages(patched)


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        missing_service("this test needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def redis_url():
    url = settings.REDIS_URL
    if not url:
        missing_service("this test needs Redis (set REDIS_URL)")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        missing_service(f"Redis at {url} does not answer")
    return url


@pytest.fixture
def chromium_path():
    if not (shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)):
        missing_service(f"Chromium is not installed at {CHROMIUM}")
    return CHROMIUM


@pytest.fixture
def user(db):
    return UserFactory()


def deliver_notifications() -> list[str]:
    """What the minute beat does: send every due row of the outbox, now. Tests run inside a
    transaction, so the on-commit hand-over to Celery never fires there."""
    from notifications.services import notification_deliver, notifications_due

    return [notification_deliver(pk) for pk in notifications_due()]
