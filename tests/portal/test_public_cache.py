"""The whole-page cache of the anonymous public site never shows what is no longer public."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core import pagecache
from donations.models import CLEARING_BANK, GENERAL, recipient_account
from donations.services import ledger
from portal.services.lifecycle import recipient_transition
from portal.services.review import recipient_profile_update
from tests.factories import GENTENG, UserFactory, make_official
from tests.factories.portal import RecipientFactory


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300


@pytest.fixture
def listing(db):
    return RecipientFactory(publishable=True, status="published", kecamatan_code=GENTENG)


def queries(client, url, **extra) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **extra).status_code == 200
    return len(captured.captured_queries)


def test_a_repeated_anonymous_visit_is_served_from_the_cache(client, listing):
    for url in ("/", "/lansia/", f"/lansia/{listing.public_id}/", "/en/lansia/"):
        assert queries(client, url) > 0
        assert queries(client, url) == 0


def test_a_visitor_with_a_cookie_is_never_served_from_the_cache(client, listing):
    client.get("/lansia/")
    client.cookies["sessionid"] = "anything"
    assert queries(client, "/lansia/") > 0


@pytest.fixture(params=["anonymous", "signed-in"])
def visitor(request, client, db):
    """Who reads the pages: a visitor the page cache serves, or a signed-in person, who gets
    the same content from the fragment cache (core.fragments). Neither may see stale data."""
    if request.param == "signed-in":
        client.force_login(UserFactory())
    return client


@pytest.mark.parametrize("to_status", ["suspended", "withdrawn", "reached"])
def test_a_listing_that_leaves_the_public_site_leaves_the_cache_at_once(
    visitor, listing, to_status
):
    detail = f"/lansia/{listing.public_id}/"
    assert listing.pseudonym in visitor.get("/lansia/").content.decode()
    assert visitor.get(detail).status_code == 200
    reviewer = make_official("reviewer", kecamatan=(GENTENG,))
    recipient_transition(recipient=listing, to_status=to_status, actor=reviewer, reason="cek")
    assert visitor.get(detail).status_code == 404
    assert listing.pseudonym not in visitor.get("/lansia/").content.decode()


def test_an_edited_profile_is_shown_at_once(visitor, listing):
    detail = f"/lansia/{listing.public_id}/"
    visitor.get(detail)
    visitor.get("/lansia/")
    reviewer = make_official("reviewer", kecamatan=(GENTENG,))
    recipient_profile_update(
        recipient=listing,
        actor=reviewer,
        pseudonym="Mbah Baru",
        age_band=listing.age_band,
        public_needs=["daily_meals"],
        story="Cerita yang baru.",
        monthly_need=720_000,
    )
    assert "Mbah Baru" in visitor.get(detail).content.decode()
    assert "Mbah Baru" in visitor.get("/lansia/").content.decode()


def test_pages_render_when_the_cache_is_down(visitor, listing, settings):
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        },
    }
    for url in ("/lansia/", f"/lansia/{listing.public_id}/"):
        response = visitor.get(url)
        assert response.status_code == 200
        assert listing.pseudonym in response.content.decode()


# --- Scopes: what a change empties, and what it leaves cached --------------------------------


@pytest.fixture
def other(db):
    return RecipientFactory(publishable=True, status="published", kecamatan_code=GENTENG)


def _warm(client, *urls):
    for url in urls:
        # The impact page's first visit of a month stores the month's figures (and raises its
        # version) while it renders: the next visit fills the cache.
        client.get(url)
        client.get(url)
        assert queries(client, url) == 0, url


def test_a_gift_to_one_person_empties_their_page_and_the_lists_only(client, listing, other):
    mine, theirs = f"/lansia/{listing.public_id}/", f"/lansia/{other.public_id}/"
    _warm(client, "/", "/lansia/", mine, theirs, "/donasi/transparansi/")
    ledger.ledger_post(
        kind="gift",
        external_id="test:person",
        lines=[(CLEARING_BANK, -50_000), (recipient_account(listing.pk), 50_000)],
    )
    for url in ("/", "/lansia/", mine, "/donasi/transparansi/"):
        assert queries(client, url) > 0, url
    assert queries(client, theirs) == 0


def test_a_gift_to_the_fund_leaves_the_people_pages_cached(client, listing, other):
    people = ("/", "/lansia/", f"/lansia/{listing.public_id}/", f"/lansia/{other.public_id}/")
    _warm(client, *people, "/donasi/transparansi/")
    ledger.ledger_post(
        kind="gift", external_id="test:fund", lines=[(CLEARING_BANK, -50_000), (GENERAL, 50_000)]
    )
    assert queries(client, "/donasi/transparansi/") > 0
    for url in people:
        assert queries(client, url) == 0, url


def test_a_listing_change_empties_every_public_page(client, listing, other):
    pages = ("/", "/lansia/", f"/lansia/{other.public_id}/", "/donasi/transparansi/", "/dampak/")
    _warm(client, *pages)
    reviewer = make_official("reviewer", kecamatan=(GENTENG,))
    recipient_transition(recipient=listing, to_status="withdrawn", actor=reviewer, reason="cek")
    for url in pages:
        assert queries(client, url) > 0, url


def test_a_lost_version_starts_again_at_a_value_no_old_entry_carries(client, listing):
    client.get("/lansia/")
    before = pagecache.versions_token([pagecache.LISTS])
    caches[pagecache.ALIAS].delete("public-pages:v:lists")
    assert pagecache.versions_token([pagecache.LISTS]) != before
    assert queries(client, "/lansia/") > 0


# --- Who is served from the cache ------------------------------------------------------------


@pytest.mark.parametrize("cookie", ["csrftoken", "django_language"])
def test_a_cookie_that_does_not_change_the_page_is_served_from_the_cache(client, listing, cookie):
    client.get("/lansia/")
    client.cookies[cookie] = "a" * 32 if cookie == "csrftoken" else "id"
    assert queries(client, "/lansia/") == 0


@pytest.mark.parametrize("cookie", ["sessionid", "messages", "something_else"])
def test_any_other_cookie_bypasses_the_cache(client, listing, cookie):
    client.get("/lansia/")
    client.cookies[cookie] = "anything"
    # Rendered (its templates ran), though its listings may come from cached fragments.
    assert client.get("/lansia/").templates
    assert client.get("/lansia/").templates


def test_a_shared_link_with_tracking_parameters_is_served_from_the_plain_entry(client, listing):
    shared = "/lansia/?utm_source=whatsapp&utm_medium=share&fbclid=abc&gclid=x"
    plain = client.get("/en/lansia/").content.decode()
    assert "utm_source" not in client.get(f"/en{shared}").content.decode()
    assert queries(client, "/lansia/") > 0
    assert queries(client, shared) == 0
    # Rendered for the shared link first, the page is the plain one (its language switch too).
    assert queries(client, f"/lansia/?page=1&utm_campaign=x&kecamatan={GENTENG}") > 0
    page = client.get(f"/lansia/?kecamatan={GENTENG}&page=1").content.decode()
    assert "utm_" not in page and f"kecamatan={GENTENG}" in page
    assert client.get("/en/lansia/?fbclid=1").content.decode() == plain


def test_known_parameters_share_an_entry_in_any_order(client, listing):
    assert queries(client, f"/lansia/?kecamatan={GENTENG}&order=newest") > 0
    assert queries(client, f"/lansia/?order=newest&kecamatan={GENTENG}") == 0


def test_an_unknown_parameter_bypasses_the_cache_and_stores_nothing(client, listing):
    pages = caches[pagecache.ALIAS]
    keys_before = len(pages._cache)  # LocMemCache: the entries themselves
    for n in range(5):
        assert queries(client, f"/lansia/?x{n}=1") > 0
        assert queries(client, f"/lansia/?x{n}=1") > 0
    assert len(pages._cache) == keys_before


def test_a_page_holding_a_csrf_token_is_never_stored(settings, rf):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    rendered = []

    @pagecache.cache_public_page()
    def form_page(request):
        rendered.append(1)
        return HttpResponse(f'<input name="csrfmiddlewaretoken" value="{get_token(request)}">')

    for _ in range(2):
        request = rf.get("/a-form/")
        request.COOKIES["csrftoken"] = "b" * 32
        assert form_page(request).status_code == 200
    assert len(rendered) == 2


def test_a_signed_in_page_is_never_stored_nor_served_a_stored_one(client, listing):
    """The permission side of the cached paths: whoever is signed in gets their own page, and
    nobody after them gets it."""
    official = make_official("reviewer", kecamatan=(GENTENG,), name="Petugas Bernama Jelas")
    for url in ("/lansia/", f"/lansia/{listing.public_id}/", "/"):
        client.get(url)  # an anonymous visitor fills the cache
        signed_in = Client()
        signed_in.force_login(official)
        page = signed_in.get(url).content.decode()
        assert "csrfmiddlewaretoken" in page  # their sign-out form: a page of theirs
        for visitor in (Client(), client):
            later = visitor.get(url).content.decode()
            assert "csrfmiddlewaretoken" not in later and "Petugas Bernama Jelas" not in later
