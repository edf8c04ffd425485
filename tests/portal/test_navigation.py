"""The site's menu and footer on every page: every public section one click from the home page,
in both languages, without script; the current page marked; what a signed-in person sees."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from portal.navigation import SITE_LINKS
from tests.factories import GENTENG, UserFactory, make_official
from tests.factories.portal import RecipientFactory

SECTIONS = {
    "listings": "/lansia/",
    "give": "/donasi/",
    "visits": "/kunjungan/",
    "refer": "/laporkan/",
    "impact": "/dampak/",
    "transparency": "/donasi/transparansi/",
}
FOOTER = [
    "/privasi/",
    "/donasi/transparansi/",
    "/sertifikat/cek/",
    "/api/v1/listings/",
    "/api/v1/outcomes/",
    "/api/v1/outcomes/csv/",
    "/api/schema/",
]


class Links(HTMLParser):
    """The links of the header's menu (by the key in their item's class) and of the footer
    (but the language switch's)."""

    def __init__(self):
        super().__init__()
        self.menu: dict[str, dict[str, str]] = {}
        self.footer: list[str] = []
        self.where: list[str] = []
        self.item = ""
        self.summary = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("header", "footer"):
            self.where.append(tag)
        if tag == "summary":
            self.summary = True
        if tag == "li" and (key := re.search(r"nav-to-(\w+)", attrs.get("class") or "")):
            self.item = key.group(1)
        if tag == "a" and self.where == ["header"] and self.item:
            self.menu[self.item] = attrs
        if tag == "a" and self.where == ["footer"] and "hreflang" not in attrs:
            self.footer.append(attrs["href"])  # the language switch aside

    def handle_endtag(self, tag):
        if tag in ("header", "footer"):
            self.where.pop()
        if tag == "li":
            self.item = ""


def links(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


@pytest.fixture
def listing(db):
    return RecipientFactory(publishable=True, status="published", kecamatan_code=GENTENG)


def public_pages(listing) -> list[str]:
    return [
        "/",
        "/privasi/",
        "/lansia/",
        f"/lansia/{listing.public_id}/",
        "/donasi/",
        "/donasi/transparansi/",
        "/dampak/",
        "/laporkan/",
        "/kunjungan/",
        "/sertifikat/cek/",
        "/akun/login/",
        "/akun/signup/",
    ]


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_every_public_page_has_the_menu_and_the_footer(client, listing, prefix):
    for url in public_pages(listing):
        html = client.get(prefix + url).content.decode()
        found = links(html)
        assert found.summary, url  # the phone's menu button: a <summary>, no script
        hrefs = {key: attrs["href"] for key, attrs in found.menu.items()}
        assert hrefs == {
            **{key: prefix + path for key, path in SECTIONS.items()},
            "sign_in": f"{prefix}/akun/login/",
            "sign_up": f"{prefix}/akun/signup/",
        }, url
        for path in FOOTER:
            expected = path if path.startswith("/api/") else prefix + path
            assert expected in found.footer, (url, expected)
        assert 'class="site-menu"' in html and "<details" in html


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_every_public_section_is_one_click_from_home(client, listing, prefix):
    found = links(client.get(f"{prefix}/").content.decode())
    targets = [attrs["href"] for attrs in found.menu.values()] + found.footer
    assert len(targets) >= len(SECTIONS) + len(FOOTER) + 2
    for href in targets:
        if href.startswith(("mailto:", "tel:")):
            continue
        response = client.get(href)
        assert response.status_code == 200, href
        if not href.startswith("/api/"):
            assert f'lang="{prefix.strip("/") or "id"}"' in response.content.decode()[:300], href


def current(html: str) -> dict[str, str]:
    return {
        key: attrs["aria-current"]
        for key, attrs in links(html).menu.items()
        if "aria-current" in attrs
    }


def test_the_current_page_is_marked_and_only_it(client, listing):
    assert current(client.get("/").content.decode()) == {}
    assert current(client.get("/lansia/").content.decode()) == {"listings": "page"}
    detail = client.get(f"/en/lansia/{listing.public_id}/").content.decode()
    assert current(detail) == {"listings": "true"}
    # The transparency page is under /donasi/ but is its own section, not "give".
    assert current(client.get("/donasi/transparansi/").content.decode()) == {"transparency": "page"}
    assert current(client.get("/donasi/").content.decode()) == {"give": "page"}
    assert current(client.get("/akun/login/").content.decode()) == {"sign_in": "page"}


def test_a_signed_in_donor_sees_their_gifts_account_and_a_sign_out(client, db):
    client.force_login(UserFactory())
    html = client.get("/").content.decode()
    menu = links(html).menu
    assert {key: attrs["href"] for key, attrs in menu.items() if key not in SECTIONS} == {
        "gifts": reverse("donations:donor_home"),
        "account": reverse("accounts:home"),
    }
    assert f'action="{reverse("account_logout")}"' in html
    assert current(client.get("/donasi/saya/").content.decode()) == {"gifts": "page"}


def test_a_student_sees_their_visits_and_the_visits_to_book(client, db):
    from tests.factories.volunteers import StudentFactory

    student = StudentFactory()
    client.force_login(student.user)
    menu = links(client.get("/").content.decode()).menu
    assert menu["my_visits"]["href"] == "/kunjungan/"
    assert menu["visits"]["href"] == "/kunjungan/jadwal/"


def test_an_official_sees_the_officials_link(client, db):
    client.force_login(make_official(Role.REVIEWER, kecamatan=(GENTENG,)))
    menu = links(client.get("/en/").content.decode()).menu
    assert menu["officials"]["href"] == "/en/petugas/"
    assert "sign_in" not in menu and "my_visits" not in menu


def test_the_footer_gives_the_programmes_contact(client, db, settings):
    settings.PORTAL_CONTACT_EMAIL = "kontak@example.org"
    settings.PORTAL_CONTACT_PHONE = "0333 123 456"
    html = client.get("/").content.decode()
    assert '<a href="mailto:kontak@example.org">kontak@example.org</a>' in html
    assert '<a href="tel:+62333123456">0333 123 456</a>' in html
    settings.PORTAL_CONTACT_PHONE = ""
    assert "tel:" not in client.get("/").content.decode()


def test_the_defaults_give_an_email_and_no_phone():
    from django.conf import settings

    assert "@" in settings.PORTAL_CONTACT_EMAIL
    assert settings.PORTAL_CONTACT_PHONE == ""


def test_officials_pages_use_the_wide_layout_and_public_pages_do_not(client, db):
    assert "<body>" in client.get("/").content.decode()
    client.force_login(make_official(Role.REVIEWER, kecamatan=(GENTENG,)))
    for url in ("/petugas/", "/petugas/registri/", "/en/petugas/wilayah/"):
        assert '<body class="layout-wide">' in client.get(url).content.decode(), url
    assert "<body>" in client.get("/akun/saya/").content.decode()


def test_the_stylesheet_lays_the_menu_out_without_script(client, db):
    from django.conf import settings

    css = (settings.BASE_DIR / "static" / "css" / "portal.css").read_text()
    assert "/* --- H1: navigation, layout" in css
    assert "::details-content" in css and ".layout-wide main" in css
    # Balanced braces: a rule left inside another's @media (a merge's slip) applies to one width.
    depth = 0
    for char in re.sub(r"/\*.*?\*/", "", css, flags=re.S):
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    assert depth == 0
    html = client.get("/").content.decode()
    header = html.split("<header", 1)[1].split("</header>", 1)[0]
    assert "<script" not in header and not re.search(r"\son[a-z]+=", header)


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_menu_and_footer_reverse_their_addresses_once_per_process(client, db, prefix):
    """Reversing a route walks the URLconf; the fifteen-odd links every page shows are the same
    for every request in a language, so a signed-in donor's second page reverses none of them
    (the privacy notice links nowhere else), and the addresses stay those of the language."""
    from unittest import mock

    from django.urls.resolvers import URLResolver

    client.force_login(UserFactory())
    client.get(f"{prefix}/privasi/")
    with mock.patch.object(
        URLResolver,
        "_reverse_with_prefix",
        autospec=True,
        side_effect=URLResolver._reverse_with_prefix,
    ) as reversing:
        html = client.get(f"{prefix}/privasi/").content.decode()
    assert reversing.call_count == 0
    found = links(html)
    assert found.menu["gifts"]["href"] == f"{prefix}/donasi/saya/"
    with translation.override("en" if prefix else "id"):
        footer = [reverse(name) for name in SITE_LINKS.values()][2:]
    assert found.footer[: len(FOOTER)] == footer
    assert footer[0] == f"{prefix}/privasi/" and footer[3] == "/api/v1/listings/"
