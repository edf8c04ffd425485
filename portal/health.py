"""What /healthz/ checks: the database, the cache and the Celery broker."""

import logging
import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import connection

from config.celery import app as celery_app

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    for alias in settings.CACHES:
        # The default cache keeps answering from process memory while Redis is down
        # (core.cache): the check asks Redis itself, so that an outage still shows.
        cache = getattr(caches[alias], "redis_only", caches[alias])
        key, value = f"healthz:{uuid.uuid4().hex}", "ok"
        cache.set(key, value, timeout=10)
        if cache.get(key) != value:
            raise RuntimeError(f"the cache {alias!r} did not return what was just stored")
        cache.delete(key)


def check_broker() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)


CHECKS = {"database": check_database, "cache": check_cache, "broker": check_broker}


def health_report() -> tuple[bool, dict[str, str]]:
    report = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:
            # The reason goes to the log, not to an unauthenticated caller.
            logger.exception("health check %s failed", name)
            report[name] = "down"
        else:
            report[name] = "ok"
    return all(v == "ok" for v in report.values()), report
