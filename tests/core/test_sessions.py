"""Sessions (core.sessions): Django's database sessions, their read built once per process. The
database is the only place a session lives, so a sign-out is final at once."""

import datetime

from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import compiled
from core.sessions import SessionStore
from tests.factories import UserFactory


def test_a_saved_session_reads_back_in_one_query(db):
    session = SessionStore()
    session["answer"] = 42
    session.create()
    for _ in range(2):  # built, then from this process's memory
        with CaptureQueriesContext(connection) as captured:
            read = SessionStore(session_key=session.session_key)
            assert read["answer"] == 42
        assert len(captured.captured_queries) == 1
        assert read.session_key == session.session_key


def test_an_expired_or_unknown_session_is_empty_and_loses_its_key(db):
    session = SessionStore()
    session["answer"] = 42
    session.set_expiry(timezone.now() - datetime.timedelta(seconds=1))
    session.create()
    for key in (session.session_key, "x" * 32):
        read = SessionStore(session_key=key)
        assert read.load() == {}
        assert read.session_key is None


def test_the_query_is_built_once_per_process(db):
    compiled._built.clear()
    for _ in range(3):
        SessionStore(session_key="y" * 32).load()
    built = [key for key in compiled._built if key[0] == "session"]
    assert len(built) == (1 if connection.vendor == "postgresql" else 0)


def test_a_signed_out_session_is_not_usable_again(client, db, settings):
    client.force_login(UserFactory())
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert SessionStore(session_key=key).get(SESSION_KEY)
    client.post("/akun/logout/")
    assert SessionStore(session_key=key).load() == {}
    client.cookies[settings.SESSION_COOKIE_NAME] = key  # the old cookie, kept by someone
    assert "nav-to-sign_out" not in client.get("/").content.decode()
