"""A Celery worker outlives a restart of PostgreSQL: the next task gets a working connection."""

import pytest
from celery.signals import task_prerun
from django.db import connection

from tests.conftest import missing_service

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _server_drops_our_connection() -> None:
    """What a restart of PostgreSQL does to a connection a worker kept: the server ends it."""
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    admin = connection.get_new_connection(connection.get_connection_params())
    try:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        admin.close()


def test_a_task_after_the_database_restarted_runs_on_a_new_connection():
    if connection.vendor != "postgresql":
        missing_service("this test needs PostgreSQL (set DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    _server_drops_our_connection()

    # What the worker sends before each task.
    task_prerun.send(sender=None, task_id="after-restart", task=None, args=(), kwargs={})

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_a_working_connection_is_kept_between_tasks():
    if connection.vendor != "postgresql":
        missing_service("this test needs PostgreSQL (set DATABASE_URL)")
    connection.ensure_connection()
    before = connection.connection.info.backend_pid
    task_prerun.send(sender=None, task_id="next", task=None, args=(), kwargs={})
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert connection.connection.info.backend_pid == before
