"""The site's menu in a real browser, without script: a disclosure on a 360x740 phone, a row on
a 1366x768 screen; the banners one line each on the phone; officials' tables at a desktop's
width, scrolling sideways on a phone inside their wrapper (or as cards), never the page."""

import re

import pytest
from django.test import Client

from accounts.models import Role
from tests.factories import GENTENG, make_official
from tests.factories.portal import RecipientFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 768}
SECTIONS = [
    "/lansia/",
    "/donasi/",
    "/kunjungan/",
    "/laporkan/",
    "/dampak/",
    "/donasi/transparansi/",
]


def path_of(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("?")[0].split("#")[0]


def menu_link(page, href: str):
    return page.locator(f"header .site-menu a[href='{href}']")


@pytest.fixture
def phone(browser, live_server, page_watch, _close_db_connections):
    # Scripts off: the menu must work without them (docs/architecture.md, house style).
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, java_script_enabled=False
    )
    page = context.new_page()
    page.on("console", page_watch.on_console)
    yield page
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_on_a_phone_the_menu_opens_from_a_button_and_leads_to_every_section(
    phone, settings, prefix
):
    settings.PAYMENTS_SANDBOX = True
    phone.goto(f"{prefix}/")
    button = phone.locator("summary.site-menu-button")
    assert button.is_visible()
    # The brand and the button share the header's one line.
    header = phone.locator(".site-header").bounding_box()
    assert header["height"] < 70, header
    for href in SECTIONS:
        assert not menu_link(phone, prefix + href).is_visible()
    # The demonstration and sandbox banners: one short line each.
    banners = phone.locator(".env-banner").all()
    assert len(banners) == 2
    for banner in banners:
        assert banner.bounding_box()["height"] < 26, banner.inner_text()
    button.click()
    for href in SECTIONS:
        link = menu_link(phone, prefix + href)
        assert link.is_visible()
        box = link.bounding_box()
        assert box["height"] >= 44 and box["width"] > 200  # a full-width row to tap
    # Every section answers (tests/portal/test_navigation.py follows each link); one is
    # followed here, by a tap, to see the open menu take it.
    menu_link(phone, f"{prefix}/dampak/").click()
    phone.wait_for_load_state()
    assert path_of(phone) == f"{prefix}/dampak/"
    assert menu_link(phone, f"{prefix}/dampak/").get_attribute("aria-current") == "page"
    assert not menu_link(phone, f"{prefix}/dampak/").is_visible()  # closed on the new page
    # The page never scrolls sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.browser
def test_on_a_wide_screen_the_menu_is_a_row_without_a_button(page, settings):
    page.set_viewport_size(DESKTOP)
    page.goto("/en/dampak/")
    assert not page.locator("summary.site-menu-button").is_visible()
    tops = set()
    for href in SECTIONS:
        link = menu_link(page, "/en" + href)
        assert link.is_visible()
        tops.add(round(link.bounding_box()["y"]))
    assert len(tops) == 1  # one row
    assert menu_link(page, "/en/dampak/").get_attribute("aria-current") == "page"
    assert page.locator("header .site-menu a[href='/en/akun/login/']").is_visible()
    # Keyboard: the row's links take the focus in order, after the brand.
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the brand
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "/en/lansia/"


@pytest.mark.browser
def test_officials_tables_use_the_width_of_the_screen(browser, live_server, _close_db_connections):
    """A wide table (the unfunded people's list) scrolls inside its wrapper on a phone; the
    review queue, whose rows name people, reads on a phone as one card per row instead: in
    neither does the page scroll sideways."""
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    for _ in range(3):
        RecipientFactory(kecamatan_code=GENTENG, publishable=True, status="published")
    client = Client()
    client.force_login(reviewer)
    cookie = client.cookies["sessionid"]
    host = re.sub(r"^https?://", "", live_server.url).split(":")[0]
    widths = {}
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(base_url=live_server.url, viewport=viewport)
        context.add_cookies(
            [{"name": "sessionid", "value": cookie.value, "domain": host, "path": "/"}]
        )
        page = context.new_page()
        for table, address in (
            ("list", "/petugas/makan/capaian/orang/unfunded/"),
            ("queue", "/petugas/registri/?status=all"),
        ):
            page.goto(address)
            assert path_of(page) == address.split("?")[0]
            wrap = page.locator(".table-wrap").first
            widths[name, table] = (
                page.locator("main").bounding_box()["width"],
                wrap.evaluate("e => [e.scrollWidth, e.clientWidth]"),
                page.evaluate("document.documentElement.scrollWidth"),
            )
        context.close()
    for table in ("list", "queue"):
        main, _wrap, _page = widths["desktop", table]
        assert main > 1200, widths  # not the ~690 px column of the public pages
        _main, (scroll, client_width), page_width = widths["phone", table]
        # The list scrolls inside its wrapper, the queue's cards fit it...
        assert (scroll > client_width) == (table == "list"), widths
        assert page_width <= PHONE["width"], widths  # ...and the page does not scroll
