"""How the person of a signed-in request is read (accounts/backends.py): the user and their roles
in one query, sessions of the earlier backends still signed in, a revoked role gone on the very
next request, and a failed sign-in that checks the password once."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.backends import CARRIED_OVER, PATH
from accounts.models import Role
from accounts.services import role_grant, role_revoke
from tests.factories import PASSWORD, UserFactory
from tests.portal.test_navigation import links


def signed_in_queries(client, url: str) -> int:
    client.get(url)  # warm: the fragments, the templates
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200 and b"nav-to-sign_out" in response.content
    return len(captured.captured_queries)


def test_a_signed_in_page_reads_the_user_and_roles_in_one_query(client, db, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300  # the listings from the fragments: no query of theirs
    user = UserFactory()
    role_grant(user=user, role=Role.DONOR)
    client.force_login(user)
    # The session, then the user with their roles; on SQLite the roles are a query of their own.
    expected = 2 if connection.vendor == "postgresql" else 3
    assert signed_in_queries(client, "/lansia/") == expected
    assert signed_in_queries(client, "/en/lansia/") == expected


def test_the_roles_read_along_are_the_persons_roles(db):
    from accounts.models import User

    user = UserFactory()
    role_grant(user=user, role=Role.DONOR)
    role_grant(user=user, role=Role.STUDENT)
    with CaptureQueriesContext(connection) as captured:
        read = User.objects.get_with_roles(user.pk)
        roles = read.roles
    assert roles == {Role.DONOR, Role.STUDENT}
    assert len(captured.captured_queries) == (1 if connection.vendor == "postgresql" else 2)
    assert User.objects.get_with_roles(UserFactory().pk).roles == frozenset()


def old_session(user, backend: str) -> str:
    """A session signed in as Django's login() recorded it before: with ``backend``'s path."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


@pytest.mark.parametrize("backend", sorted(CARRIED_OVER))
def test_a_session_of_an_earlier_backend_stays_signed_in(client, db, settings, backend):
    user = UserFactory()
    role_grant(user=user, role=Role.STUDENT)
    client.cookies[settings.SESSION_COOKIE_NAME] = old_session(user, backend)
    for _ in range(2):
        html = client.get("/").content.decode()
        assert "nav-to-sign_out" in html
        assert "my_visits" in links(html).menu  # the roles came along
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert SessionStore(session_key=key)[BACKEND_SESSION_KEY] == PATH


def test_a_session_of_an_unknown_backend_is_not_signed_in(client, db, settings):
    client.cookies[settings.SESSION_COOKIE_NAME] = old_session(
        UserFactory(), "django.contrib.auth.backends.RemoteUserBackend"
    )
    assert "nav-to-sign_out" not in client.get("/").content.decode()


def test_signing_in_records_our_backend(client, db):
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == PATH
    assert "nav-to-sign_out" in client.get("/").content.decode()


def test_a_revoked_role_is_gone_on_the_very_next_request(client, db):
    user = UserFactory()
    role_grant(user=user, role=Role.STUDENT)
    client.force_login(user)
    assert "my_visits" in links(client.get("/").content.decode()).menu
    from accounts.models import User

    role_revoke(user=User.objects.get(pk=user.pk), role=Role.STUDENT)
    assert "my_visits" not in links(client.get("/").content.decode()).menu
    role_grant(user=User.objects.get(pk=user.pk), role=Role.STUDENT)
    assert "my_visits" in links(client.get("/").content.decode()).menu


class CountingHasher(MD5PasswordHasher):
    checks = 0

    def encode(self, password, salt):
        CountingHasher.checks += 1
        return super().encode(password, salt)


@pytest.mark.parametrize("known", [True, False], ids=["wrong password", "unknown e-mail"])
def test_a_failed_sign_in_hashes_the_password_once(client, db, settings, known):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    user = UserFactory()
    login = user.email if known else "nobody@example.org"
    CountingHasher.checks = 0
    response = client.post(reverse("account_login"), {"login": login, "password": "not-it-1234"})
    assert response.status_code == 200  # the form again, with its error
    assert CountingHasher.checks == 1
    assert "nav-to-sign_out" not in client.get("/").content.decode()


def test_a_session_of_a_deleted_or_deactivated_person_is_not_signed_in(db):
    gone, off = UserFactory(), UserFactory()
    for user in (gone, off):
        role_grant(user=user, role=Role.DONOR)
    first, second = Client(), Client()
    first.force_login(gone)
    second.force_login(off)
    gone.delete()
    off.is_active = False
    off.save(update_fields=["is_active"])
    for signed_out in (first, second):
        assert "nav-to-sign_out" not in signed_out.get("/").content.decode()
