"""The Celery application: configured from Django's settings (the CELERY_ namespace)."""

import os

from celery import Celery
from celery.signals import task_prerun, worker_init
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("rantang_kasih")
# Where the broker is, and whether tasks run eagerly, depend on PORTAL_ENV (settings.py).
app.config_from_object("django.conf:settings", namespace="CELERY")
# Reliability, the same everywhere: a task is acknowledged after it ran and given back to the
# queue when its worker dies, each worker process holds one task at a time, a stuck task is
# ended. Redis gives an unacknowledged task to another worker after the visibility timeout
# (one hour, settings.py); the outbox's own lease (five minutes) resends sooner.
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_soft_time_limit=240,
    task_time_limit=300,
    task_default_queue="default",
    task_routes={"notifications.*": {"queue": "notifications"}},
    broker_connection_retry_on_startup=True,
)
app.autodiscover_tasks()


@worker_init.connect
def _refuse_unsafe_production(**kwargs):
    # A worker decrypts personal data and sends mail: it must refuse what the web refuses.
    # Celery logs and swallows an Exception raised by a signal handler, and the worker would
    # stay up doing nothing; SystemExit is not swallowed.
    # The checks read models: this module is loaded with the settings, before the apps are.
    from config.checks import raise_if_not_ready  # noqa: PLC0415

    try:
        raise_if_not_ready()
    except ImproperlyConfigured as error:
        raise SystemExit(str(error)) from None


@task_prerun.connect
def _database_usable(**kwargs):
    """A worker keeps its database connections between tasks (CELERY_DB_REUSE_MAX, and
    CONN_MAX_AGE in prod), and nothing in a worker does what Django does around each request
    (``close_old_connections``). After PostgreSQL restarted, every task of the process failed
    on the dead connection ("the connection is closed") until the worker was restarted: the
    soak (bench/soak.py) found the outbox stuck for good. Each task now starts with a
    connection that answers: one is asked (``SELECT 1``) and replaced when it does not."""
    from django.db import connections  # noqa: PLC0415

    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.is_usable():
            connection.close()
