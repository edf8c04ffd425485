"""The parts of base.html kept for everyone who sees the same menu (portal/templatetags/
site_chrome.py): each person still sees only their own name, menu and CSRF token, and no CSRF
token can get into a kept part."""

import re

import pytest
from django.template import TemplateSyntaxError, engines
from django.test import Client

from accounts.models import Role
from portal.templatetags import site_chrome
from tests.factories import GENTENG, UserFactory, make_official
from tests.portal.test_navigation import links

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _empty_memory():
    site_chrome._kept.clear()
    yield
    site_chrome._kept.clear()


def kept_html() -> str:
    return "".join(html for parts in site_chrome._kept.values() for html in parts.values())


def test_two_people_signed_in_in_turn_see_only_their_own_name_and_menu(db):
    from tests.factories.volunteers import StudentFactory

    student = StudentFactory().user
    official = make_official(Role.LEAD_REVIEWER, kecamatan=(GENTENG,))
    people = {student: Client(), official: Client()}
    for person, client in people.items():
        client.force_login(person)
    for _ in range(2):  # the second round is served from the kept parts
        for person, client in people.items():
            other = official if person is student else student
            for url in ("/akun/", "/en/akun/", "/", "/lansia/"):
                response = client.get(url, follow=True)
                assert response.status_code == 200
                html = response.content.decode()
                assert other.email not in html and other.name not in html
                menu = links(html).menu
                if person is student:
                    assert {"my_visits", "gifts", "account"} <= set(menu)
                    assert "officials" not in menu and "attention" not in menu
                else:
                    assert {"officials", "attention", "gifts", "account"} <= set(menu)
                    assert "my_visits" not in menu
            assert person.email in client.get("/akun/", follow=True).content.decode()
    kept = kept_html()
    for person in people:
        assert person.email not in kept and person.name not in kept


def test_each_person_gets_their_own_csrf_token_and_no_kept_part_holds_one(db):
    tokens = []
    for _ in range(2):
        client = Client()
        client.force_login(UserFactory())
        html = client.get("/lansia/").content.decode()
        found = TOKEN.findall(html)
        assert len(found) == 1  # the sign-out form's, outside the kept parts
        tokens.append(found[0])
    assert tokens[0] != tokens[1]
    assert site_chrome._kept
    kept = kept_html()
    assert "csrfmiddlewaretoken" not in kept
    assert all(token not in kept for token in tokens)


def test_the_kept_parts_templates_hold_no_csrf_token():
    from django.template.defaulttags import CsrfTokenNode
    from django.template.loader import get_template

    for name in site_chrome.PARTS.values():
        assert not get_template(name).template.nodelist.get_nodes_by_type(CsrfTokenNode)


def test_a_part_that_would_hold_a_csrf_token_is_refused_and_not_kept(db, client, monkeypatch):
    monkeypatch.setattr(
        site_chrome, "get_template", lambda name: engines["django"].from_string("{% csrf_token %}")
    )
    with pytest.raises(TemplateSyntaxError):
        client.get("/")
    assert not site_chrome._kept


def test_a_part_is_kept_per_language_menu_and_marked_link(db, client):
    for url in ("/", "/lansia/", "/en/", "/en/lansia/", "/", "/en/lansia/"):
        assert client.get(url).status_code == 200
    # Two languages by (nothing marked, the listings marked), the repeats served from memory.
    assert len(site_chrome._kept) == 4
    client.force_login(UserFactory())
    client.get("/")
    assert len(site_chrome._kept) == 5


def test_a_changed_setting_is_shown_at_once(db, client, settings):
    settings.PORTAL_CONTACT_PHONE = "0333 111 222"
    assert "0333 111 222" in client.get("/").content.decode()
    settings.PORTAL_CONTACT_PHONE = "0333 999 888"
    html = client.get("/").content.decode()
    assert "0333 999 888" in html and "0333 111 222" not in html


def test_the_kept_parts_ask_nothing_of_redis(db, client, settings):
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2},
        },
    }
    client.force_login(UserFactory())
    for _ in range(2):
        html = client.get("/en/").content.decode()
        assert "nav-to-sign_out" in html and "site-footer" in html


def test_an_edited_template_is_forgotten_as_runserver_reloads_it(db, client, settings):
    from pathlib import Path

    from django.utils.autoreload import file_changed

    client.get("/")
    assert site_chrome._kept
    file_changed.send(sender=None, file_path=Path(settings.BASE_DIR) / "accounts" / "models.py")
    assert site_chrome._kept
    template = Path(settings.BASE_DIR) / "templates" / "portal" / "_site_top.html"
    file_changed.send(sender=None, file_path=template)
    assert not site_chrome._kept
