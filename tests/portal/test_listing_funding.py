"""Least funded first: the listings and the home page order people by this WIB month's raised ÷
need (docs/architecture.md, "Definitions used everywhere"), with the one selector every
progress figure uses; a listing counts everyone giving, one-off and monthly."""

import datetime
import re

import pytest
from django.utils import timezone

from core.time import WIB, month_start
from donations.models import Gift
from donations.selectors.progress import listings_progress
from donations.services.giving import gift_settle
from tests.factories.donations import (
    TEST_WEBHOOK_SECRET,
    active_sponsorship,
    charge_obj,
    gift_start,
    on_commit,
    paid_gift,
    signed_post,
    stripe_event,
)
from tests.portal.test_public_pages import listed, text_of


@pytest.fixture(autouse=True)
def _payments(settings):
    settings.PAYMENTS_SANDBOX = True
    settings.STRIPE_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET
    settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300


def words(response) -> str:
    """The page's text as a reader sees it: no tags, single spaces."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text_of(response)))


def shown(client, url: str = "/en/lansia/", **params) -> list[str]:
    response = client.get(url, params)
    assert response.status_code == 200
    return [profile.public_id for profile in response.context["page"]]


def paid_last_month(*, amount: int, recipient, email: str = "lalu@example.org") -> Gift:
    """A gift received in the previous WIB month (it counts for that month, not this one)."""
    first = month_start(timezone.now().astimezone(WIB).date())
    before = datetime.datetime.combine(
        first - datetime.timedelta(days=3), datetime.time(12), tzinfo=WIB
    )
    gift = gift_start(amount=amount, recipient=recipient, email=email)
    with on_commit():
        assert (
            gift_settle(
                gift=gift, amount=amount, currency="idr", payment_id=None, occurred_at=before
            )
            == "paid"
        )
    gift.refresh_from_db()
    return gift


def test_the_listings_come_least_funded_first_and_say_so(client, db):
    half = listed(pseudonym="Mbah Separuh")  # the newest
    nothing = listed(pseudonym="Mbah Belum")
    tenth = listed(pseudonym="Mbah Sepersepuluh", monthly_need=1_000_000)
    earlier = listed(pseudonym="Mbah Bulan Lalu")  # the oldest
    paid_gift(amount=360_000, recipient=half)  # 50 %
    paid_gift(amount=100_000, recipient=tenth)  # 10 %
    paid_last_month(amount=720_000, recipient=earlier)  # funded, but last month

    order = shown(client)
    # Nothing raised this month: first the newer of the two, then 10 %, then 50 %.
    assert order == [nothing.public_id, earlier.public_id, tenth.public_id, half.public_id]
    html = words(client.get("/en/lansia/"))
    assert "Those with the least raised this month come first." in html

    # The home page's "still need help" are the first three of the same order.
    home = client.get("/en/")
    assert [p.public_id for p in home.context["least_funded"]] == order[:3]


def test_the_order_is_the_one_the_progress_figures_give(client, db):
    people = [listed(monthly_need=need) for need in (720_000, 500_000, 900_000, 600_000)]
    for person, amount in zip(people, (100_000, 400_000, 90_000, 300_000), strict=True):
        paid_gift(amount=amount, recipient=person)
    progress = listings_progress([p.pk for p in people])
    expected = sorted(people, key=lambda p: progress[p.pk].raised / progress[p.pk].need)
    assert shown(client) == [p.public_id for p in expected]


def test_a_refunded_gift_no_longer_lifts_its_listing(client, db):
    first, second = listed(), listed()  # first is the newer
    gift = paid_gift(amount=360_000, recipient=first)
    assert shown(client) == [second.public_id, first.public_id]
    # Given back in full through the gateway's event: raised is net of refunds.
    with on_commit():
        refund = stripe_event("charge.refunded", charge_obj(gift, amount_refunded=360_000))
        assert signed_post(client, refund).status_code == 200
    assert shown(client) == [first.public_id, second.public_id]
    assert listings_progress([first.pk])[first.pk].donors == 0


def test_newest_first_can_still_be_chosen_and_a_bad_order_is_ignored(client, db):
    older, newer = listed(published_at=timezone.now() - datetime.timedelta(days=2)), listed()
    paid_gift(amount=500_000, recipient=newer)
    assert shown(client) == [older.public_id, newer.public_id]
    assert shown(client, order="newest") == [newer.public_id, older.public_id]
    assert shown(client, order="anything") == [older.public_id, newer.public_id]
    html = text_of(client.get("/en/lansia/", {"order": "newest"}))
    assert "The most recently listed come first." in html
    # The order chosen is kept by the pagination links.
    for _ in range(12):
        listed()
    page = client.get("/lansia/", {"order": "newest"}).content.decode()
    assert 'href="?order=newest&amp;page=2"' in page


def test_the_filter_is_folded_away_until_it_is_used(client, db):
    listed()
    html = client.get("/lansia/").content.decode()
    details = re.search(r"<details[^>]*>", html).group(0)
    assert "open" not in details  # one line on a phone; the cards follow it at once
    assert re.search(r"</details>\s*<article class=\"listing-card\"", html)
    used = client.get("/lansia/", {"need": "daily_meals"}).content.decode()
    assert re.search(r"<details[^>]*\bopen\b", used)


def test_a_listing_counts_every_donor_one_off_and_monthly(client, db):
    person = listed()
    paid_gift(amount=50_000, recipient=person, email="satu@example.org")
    paid_gift(amount=25_000, recipient=person, email="satu@example.org")  # the same donor
    active_sponsorship(amount=100_000, recipient=person, email="bulanan@example.org")
    gift_start(amount=10_000, recipient=person, email="belum@example.org")  # not paid
    refunded = paid_gift(amount=30_000, recipient=person, email="kembali@example.org")
    Gift.objects.filter(pk=refunded.pk).update(refunded=30_000)
    paid_last_month(amount=40_000, recipient=person)

    progress = listings_progress([person.pk])[person.pk]
    assert (progress.donors, progress.sponsors) == (2, 1)
    response = client.get(f"/en/lansia/{person.public_id}/")
    html = response.content.decode()
    assert 'data-donors="2"' in html
    assert 'data-sponsors="1"' in html
    assert "2 donors (1 monthly)" in words(response)


def test_a_listing_says_what_is_still_needed_this_month(client, db):
    person = listed(monthly_need=720_000)
    paid_gift(amount=180_000, recipient=person)
    html = words(client.get(f"/en/lansia/{person.public_id}/"))
    assert "Rp180.000 of Rp720.000 this month" in html
    assert "25%" in html
    assert "Rp540.000 still needed" in html

    paid_gift(amount=600_000, recipient=person)
    html = words(client.get(f"/en/lansia/{person.public_id}/"))
    assert "100%" in html
    assert "This month's meals are funded" in html
    assert "still needed" not in html
