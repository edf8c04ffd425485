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


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    """Uploads, staged imports and reports go under the test's own directory, never into a
    developer's var/. Returns the private root."""
    from django.core.files.storage import storages

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "private": {
            "BACKEND": "accounts.storage.PrivateStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }
    storages._storages.clear()
    # A FileField resolves its callable storage once, when the models load: point every
    # private file field at this test's storage too.
    from django.apps import apps
    from django.db.models import FileField

    from accounts.storage import PrivateStorage

    private = storages["private"]
    patched = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, FileField) and isinstance(field.storage, PrivateStorage):
                patched.append((field, field.storage))
                field.storage = private
    yield tmp_path / "private"
    for field, original in patched:
        field.storage = original
    storages._storages.clear()


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
