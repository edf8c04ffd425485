"""The fragments of the public pages that are the same for everyone (core.fragments): cached
for the visitors the page cache cannot serve, never stale, never anybody's own. (That a
withdrawn or edited listing, or Redis down, is right for them is in test_public_cache.py,
which runs those tests for both kinds of visitor.)"""

import pickle

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from donations.models import CLEARING_BANK, recipient_account
from donations.services import ledger
from tests.factories import GENTENG, UserFactory
from tests.factories.portal import RecipientFactory


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300


@pytest.fixture
def listing(db):
    return RecipientFactory(publishable=True, status="published", kecamatan_code=GENTENG)


@pytest.fixture
def donor(db):
    return UserFactory(name="Siti Donatur Rahasia")


@pytest.fixture
def signed_in(client, donor):
    client.force_login(donor)
    return client


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def fragments() -> list[str]:
    # The locmem backend of the tests keeps pickled values by key; a fragment's entry is the
    # versions it was built under, the rows it depends on and its parts.
    store = caches["pages"]._cache  # type: ignore[attr-defined]
    return [
        html
        for key, value in store.items()
        if ":fragment:" in key
        for html in pickle.loads(value)[-1].values()  # noqa: S301  (our own cache, in a test)
    ]


def test_a_signed_in_person_gets_the_listings_from_the_fragment_cache(signed_in, listing):
    for url in ("/lansia/", f"/lansia/{listing.public_id}/", "/en/lansia/"):
        first = queries(signed_in, url)
        again = queries(signed_in, url)
        assert again < first
        assert listing.pseudonym in signed_in.get(url).content.decode()


def test_a_visitor_the_page_cache_refuses_gets_the_listings_from_the_fragment_cache(
    client, listing
):
    client.cookies["sessionid"] = "nobody's"
    for url in ("/lansia/", f"/lansia/{listing.public_id}/"):
        first = queries(client, url)
        assert queries(client, url) < first


def test_a_gift_to_a_person_shows_at_once_in_their_fragments(signed_in, listing):
    detail = f"/lansia/{listing.public_id}/"
    for url in (detail, "/lansia/"):
        signed_in.get(url)
        assert 'data-raised="0"' in signed_in.get(url).content.decode()
    ledger.ledger_post(
        kind="gift",
        external_id="test:fragment",
        lines=[(CLEARING_BANK, -50_000), (recipient_account(listing.pk), 50_000)],
    )
    for url in (detail, "/lansia/"):
        assert 'data-raised="50000"' in signed_in.get(url).content.decode()


def test_an_unknown_parameter_renders_the_listings_and_keeps_nothing(signed_in, listing):
    for n in range(3):
        assert listing.pseudonym in signed_in.get(f"/lansia/?x{n}=1").content.decode()
    assert fragments() == []


def test_a_fragment_holds_no_csrf_token_and_nobody_s_name(signed_in, donor, listing):
    for url in ("/lansia/", f"/lansia/{listing.public_id}/"):
        page = signed_in.get(url).content.decode()
        assert "csrfmiddlewaretoken" in page  # the sign-out form, outside the fragments
    cached = fragments()
    assert cached, "nothing was cached"
    assert any(listing.pseudonym in html for html in cached)
    for html in cached:
        assert "csrfmiddlewaretoken" not in html
        assert donor.name not in html
        assert donor.email not in html
