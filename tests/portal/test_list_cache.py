"""The cached list pages are keyed on the rows they show and every row before them: a gift to
someone on a page or before it empties it, a gift to anyone after it leaves it served, and a
cached list is never different from the same list rendered afresh (core.pagecache, "Lists")."""

import random
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import pagecache
from donations.models import CLEARING_BANK, recipient_account
from donations.selectors.progress import least_funded_first
from donations.services import ledger
from portal.selectors.public import PAGE_SIZE, public_listing_rows
from portal.views import public as public_views
from tests.factories import GENTENG, MUNCAR, UserFactory
from tests.factories.portal import RecipientFactory

# Pages 1 and 2 of the default order ("least funded first"), one kecamatan's list, the newest
# first and home: every kind of list the public reads.
LISTS = (
    "/lansia/",
    "/lansia/?page=2",
    f"/lansia/?kecamatan={GENTENG}",
    "/lansia/?order=newest",
    "/",
)


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300


@pytest.fixture
def people(db):
    """Two pages of people, in two kecamatan, nobody given to yet."""
    return [
        RecipientFactory(
            publishable=True,
            status="published",
            kecamatan_code=GENTENG if n % 2 else MUNCAR,
        )
        for n in range(PAGE_SIZE + 6)
    ]


@pytest.fixture(params=["anonymous", "signed-in"])
def visitor(request, client, db):
    """A visitor the page cache serves, or a signed-in person, whom the fragments serve."""
    if request.param == "signed-in":
        client.force_login(UserFactory())
    return client


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def order() -> list[str]:
    return public_listing_rows(order=least_funded_first, count=1000)


def give(person, amount=100_000, *, n=[0]) -> None:  # noqa: B006 -- a counter for the ids
    n[0] += 1
    ledger.ledger_post(
        kind="gift" if amount > 0 else "refund",
        external_id=f"test:list:{n[0]}",
        lines=[(CLEARING_BANK, -amount), (recipient_account(person.pk), amount)],
    )


def shown(client, url) -> str:
    """The page's content as a visitor reads it: the per-response nonce and token taken out."""
    html = client.get(url).content.decode()
    html = re.sub(r'nonce="[^"]*"', "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def fresh(client, url, settings) -> str:
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    try:
        return shown(client, url)
    finally:
        settings.PUBLIC_PAGE_CACHE_SECONDS = 300


def warm(client, *urls) -> None:
    for url in urls:
        client.get(url)
        assert queries(client, url) == 0, url


def by_public_id(people, public_id):
    return next(p for p in people if p.public_id == public_id)


def test_a_gift_to_someone_after_a_page_leaves_it_served_from_the_cache(client, people):
    warm(client, "/lansia/", "/")
    last = by_public_id(people, order()[-1])  # on page 2
    give(last)
    assert queries(client, "/lansia/") == 0
    assert queries(client, "/") == 0
    # ... and the person's own page and page 2 show the gift.
    assert queries(client, "/lansia/?page=2") > 0
    assert queries(client, f"/lansia/{last.public_id}/") > 0


def test_a_gift_to_someone_on_the_first_page_empties_the_pages_after_it_too(client, people):
    warm(client, "/lansia/", "/lansia/?page=2", "/")
    first = by_public_id(people, order()[0])
    moved_up = order()[PAGE_SIZE]  # the first of page 2 moves up to page 1
    give(first)
    for url in ("/lansia/", "/lansia/?page=2", "/"):
        assert queries(client, url) > 0, url
    assert moved_up in client.get("/lansia/").content.decode()
    assert first.public_id in client.get("/lansia/?page=2").content.decode()


def test_money_given_back_empties_every_list(client, people):
    given = by_public_id(people, order()[0])
    give(given)
    assert given.public_id == order()[-1]
    warm(client, "/lansia/", "/")
    give(given, -100_000)  # back to the front of the list, past everyone
    assert queries(client, "/lansia/") > 0
    assert given.public_id in client.get("/lansia/").content.decode()


def test_a_cached_list_is_always_the_list_rendered_afresh(visitor, people, settings):
    rng = random.Random(21)
    for step in range(12):
        for url in LISTS:
            assert shown(visitor, url) == fresh(visitor, url, settings), (step, url)
        person = rng.choice(people)
        give(person, 50_000 if step % 5 else -20_000)


def test_a_list_that_moves_while_its_page_renders_is_not_stored(client, people, monkeypatch):
    first = by_public_id(people, order()[0])
    real = public_views.public_listing_page
    moved = []

    def a_gift_lands_meanwhile(**kwargs):
        if not moved:
            moved.append(True)
            give(first)
        return real(**kwargs)

    monkeypatch.setattr(public_views, "public_listing_page", a_gift_lands_meanwhile)
    client.get("/lansia/")
    # Served as rendered, but not kept: the next visitor gets it rendered again, in the new
    # order (the gift moved the person to page 2).
    assert queries(client, "/lansia/") > 0
    assert first.public_id not in client.get("/lansia/").content.decode()


def test_a_page_deeper_than_the_rows_it_can_be_keyed_on_follows_every_gift(
    client, people, settings, monkeypatch
):
    monkeypatch.setattr(public_views, "LIST_PREFIX_MAX", PAGE_SIZE)
    warm(client, "/lansia/", "/lansia/?page=2")
    give(by_public_id(people, order()[-1]))  # after page 1, on page 2
    assert queries(client, "/lansia/") == 0
    assert queries(client, "/lansia/?page=2") > 0


def test_a_list_whose_versions_cannot_be_read_is_not_stored(client, people, monkeypatch):
    def unreachable(*args, **kwargs):
        raise ConnectionError("Redis went away")

    with monkeypatch.context() as patched:
        patched.setattr(pagecache, "_read", unreachable)
        with pagecache.building_entry() as found:
            pagecache.depends_on_list(lambda: ["x"])
    assert pagecache.entry_dependencies(found) is None


def test_a_list_that_moves_while_its_rows_are_read_is_not_stored(client, people, monkeypatch):
    """The rows are read, then a gift lands, then their versions are read (already raised):
    the page rendered after it is right, but it was keyed on the rows before the gift, which
    miss the person who moved up. Stored, a gift to that person would leave it stale."""
    before = order()
    first, moved_up = by_public_id(people, before[0]), by_public_id(people, before[PAGE_SIZE])
    real = public_views.public_listing_rows
    landed = []

    def a_gift_lands_meanwhile(**kwargs):
        rows = real(**kwargs)
        if not landed:
            landed.append(True)
            give(first)
        return rows

    monkeypatch.setattr(public_views, "public_listing_rows", a_gift_lands_meanwhile)
    assert moved_up.public_id in client.get("/lansia/").content.decode()
    give(moved_up)
    assert moved_up.public_id not in client.get("/lansia/").content.decode()


@pytest.fixture
def cache_calls(monkeypatch):
    """The calls the page cache makes to its cache while a request is answered."""
    from django.core.cache import caches

    cache, calls, inside = caches[pagecache.ALIAS], [], []
    for name in ("get", "get_many", "add", "set"):
        real = getattr(cache, name)

        def counted(*args, _name=name, _real=real, **kwargs):
            # The test backend's get_many calls its own get per key: one call from outside.
            if not inside:
                calls.append(_name)
            inside.append(_name)
            try:
                return _real(*args, **kwargs)
            finally:
                inside.pop()

        monkeypatch.setattr(cache, name, counted)
    return calls


def test_a_list_page_once_seen_is_served_in_one_round_trip(client, people, cache_calls):
    warm(client, "/lansia/", "/")
    for url in ("/lansia/", "/"):
        cache_calls.clear()
        assert queries(client, url) == 0
        assert cache_calls == ["get_many"], url


@pytest.mark.parametrize("gift", [False, True])
def test_a_process_that_has_not_seen_an_entry_checks_its_rows(client, people, gift):
    warm(client, "/lansia/")
    pagecache._remembered.clear()  # another worker, or this one after a restart
    if gift:
        give(by_public_id(people, order()[0]))
    assert (queries(client, "/lansia/") > 0) is gift
