"""The whole-page cache of the anonymous public site never shows what is no longer public."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.services.lifecycle import recipient_transition
from portal.services.review import recipient_profile_update
from tests.factories import GENTENG, make_official
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


@pytest.mark.parametrize("to_status", ["suspended", "withdrawn", "reached"])
def test_a_listing_that_leaves_the_public_site_leaves_the_cache_at_once(client, listing, to_status):
    detail = f"/lansia/{listing.public_id}/"
    assert listing.pseudonym in client.get("/lansia/").content.decode()
    assert client.get(detail).status_code == 200
    reviewer = make_official("reviewer", kecamatan=(GENTENG,))
    recipient_transition(recipient=listing, to_status=to_status, actor=reviewer, reason="cek")
    assert client.get(detail).status_code == 404
    assert listing.pseudonym not in client.get("/lansia/").content.decode()


def test_an_edited_profile_is_shown_at_once(client, listing):
    detail = f"/lansia/{listing.public_id}/"
    client.get(detail)
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
    assert "Mbah Baru" in client.get(detail).content.decode()


def test_pages_render_when_the_cache_is_down(client, listing, settings):
    settings.CACHES = {
        **settings.CACHES,
        "pages": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        },
    }
    response = client.get(f"/lansia/{listing.public_id}/")
    assert response.status_code == 200
    assert listing.pseudonym in response.content.decode()
