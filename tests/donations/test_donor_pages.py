"""A donor's own page: reached through the signed link in a receipt (guests) or the account;
forged, altered and expired links refused; a monthly sponsorship stopped through the gateway's
own event; the sandbox's "next month" for testing."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from donations.models import Gift, Sponsorship
from donations.services.receipts import donor_token
from tests.factories import UserFactory
from tests.factories.donations import active_sponsorship, gift_start, on_commit, outbox, paid_gift


def link(donor) -> str:
    return reverse("donations:donor_link", args=[donor_token(donor)])


# The page's links are signed with a timestamp to the second: the clock stands still so that
# the link the test expects is the one the page made (it failed when a second passed between).
@time_machine.travel(datetime.datetime(2026, 12, 3, 3, 0, tzinfo=datetime.UTC), tick=False)
def test_the_signed_link_shows_the_donors_gifts_and_sponsorships(client, recipient):
    gift = paid_gift(recipient=recipient, amount=50_000)
    sponsorship = active_sponsorship(recipient=recipient, amount=100_000)
    other = paid_gift(recipient=recipient, amount=77_000, email="orang.lain@example.org")
    response = client.get(link(gift.donor))
    assert response.status_code == 200
    html = response.content.decode()
    assert gift.receipt_number in html
    assert reverse("donations:receipt_pdf", args=[gift.public_ref]) in html
    assert 'data-status="paid"' in html
    assert recipient.pseudonym in html
    assert "Rp100.000" in html
    assert (
        reverse(
            "donations:sponsorship_cancel", args=[donor_token(gift.donor), sponsorship.public_ref]
        )
        in html
    )
    assert other.receipt_number not in html
    assert "Rp77.000" not in html
    for secret in (recipient.name, recipient.nik, recipient.address):
        assert secret not in html


def tamper(token: str) -> str:
    position = len(token) // 2
    replacement = "A" if token[position] != "A" else "B"
    return token[:position] + replacement + token[position + 1 :]


@pytest.mark.parametrize(
    "make",
    [
        lambda token: "not-a-token",
        lambda token: tamper(token),
        lambda token: token[:-2],
        lambda token: token.split(":")[0] + ":forged:signature",
    ],
    ids=["forged", "altered", "truncated", "resigned"],
)
def test_a_forged_or_altered_link_is_refused(client, recipient, make):
    gift = paid_gift(recipient=recipient)
    token = make(donor_token(gift.donor))
    response = client.get(reverse("donations:donor_link", args=[token]))
    assert response.status_code == 404
    assert gift.receipt_number not in response.content.decode()
    # No session was opened for the donor either.
    assert client.get(reverse("donations:receipt_pdf", args=[gift.public_ref])).status_code == 404


def test_an_expired_link_is_refused(client, recipient, settings):
    settings.DONOR_LINK_MAX_AGE_DAYS = 30
    gift = paid_gift(recipient=recipient)
    token = donor_token(gift.donor)
    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=29)):
        assert client.get(reverse("donations:donor_link", args=[token])).status_code == 200
    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=31)):
        response = Client().get(reverse("donations:donor_link", args=[token]))
    assert response.status_code == 404


def test_a_link_signed_with_another_salt_is_refused(client, recipient):
    from django.core import signing

    gift = paid_gift(recipient=recipient)
    token = signing.dumps({"d": gift.donor.key}, compress=True)  # a valid signature, other use
    assert client.get(reverse("donations:donor_link", args=[token])).status_code == 404


def test_my_gifts_needs_an_account_and_shows_the_accounts_gifts(client, recipient):
    url = reverse("donations:donor_home")
    assert client.get(url).status_code == 302  # to sign in
    person = UserFactory()
    client.force_login(person)
    assert client.get(url).status_code == 200  # nothing given yet
    gift = paid_gift(recipient=recipient, user=person)
    html = client.get(url).content.decode()
    assert gift.receipt_number in html


# --- Stopping a monthly sponsorship -----------------------------------------------------------


def cancel_url(sponsorship: Sponsorship, token: str | None = None) -> str:
    token = token or donor_token(sponsorship.donor)
    return reverse("donations:sponsorship_cancel", args=[token, sponsorship.public_ref])


def test_cancelling_a_sandbox_sponsorship_ends_it_through_the_webhook(client, recipient):
    sponsorship = active_sponsorship(recipient=recipient)
    with on_commit():
        response = client.post(cancel_url(sponsorship))
        # Until the gateway's event arrives (after commit), the sponsorship is still active.
        sponsorship.refresh_from_db()
        assert sponsorship.status == Sponsorship.Status.ACTIVE
    assert response.status_code == 302
    sponsorship.refresh_from_db()
    assert sponsorship.status == Sponsorship.Status.ENDED
    assert sponsorship.end_reason == "cancellation_requested"
    from donations.models import WebhookEvent

    assert WebhookEvent.objects.filter(
        type="customer.subscription.deleted", outcome="processed"
    ).exists()
    (note,) = outbox("sponsorship_ended")
    assert note.context["payment_failed"] is False
    # The page says it has ended, and offers no cancel button any more.
    html = client.get(link(sponsorship.donor)).content.decode()
    assert 'data-status="ended"' in html
    assert cancel_url(sponsorship) not in html


def test_cancelling_twice_says_it_is_not_active(client, recipient):
    sponsorship = active_sponsorship(recipient=recipient)
    with on_commit():
        client.post(cancel_url(sponsorship))
    response = client.post(f"/en{cancel_url(sponsorship)}", follow=True)
    assert "not active" in response.content.decode()
    assert len(outbox("sponsorship_ended")) == 1


def test_cancel_needs_a_post(client, recipient):
    sponsorship = active_sponsorship(recipient=recipient)
    assert client.get(cancel_url(sponsorship)).status_code == 405
    sponsorship.refresh_from_db()
    assert sponsorship.status == Sponsorship.Status.ACTIVE


def test_nobody_else_can_cancel_a_sponsorship(client, recipient):
    sponsorship = active_sponsorship(recipient=recipient)
    stranger = paid_gift(recipient=recipient, email="orang.lain@example.org").donor
    with on_commit():
        assert client.post(cancel_url(sponsorship, donor_token(stranger))).status_code == 404
        assert client.post(cancel_url(sponsorship, "forged-token")).status_code == 404
    sponsorship.refresh_from_db()
    assert sponsorship.status == Sponsorship.Status.ACTIVE


def test_the_listing_loses_a_sponsor_when_a_sponsorship_ends(client, recipient, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    sponsorship = active_sponsorship(recipient=recipient)
    detail = reverse("portal:listing_detail", args=[recipient.public_id])
    visitor = Client()
    assert 'data-sponsors="1"' in visitor.get(detail).content.decode()
    with on_commit():
        client.post(cancel_url(sponsorship))
    assert 'data-sponsors="0"' in visitor.get(detail).content.decode()


# --- The sandbox's next month -----------------------------------------------------------------


def test_the_sandbox_bills_the_next_month_from_the_donors_page(client, recipient):
    sponsorship = active_sponsorship(recipient=recipient, amount=100_000)
    page = link(sponsorship.donor)
    html = client.get(page).content.decode()
    next_month = reverse("donations:sandbox_next_month", args=[sponsorship.public_ref])
    assert next_month in html
    with on_commit():
        response = client.post(next_month, {"next": page})
    assert response.status_code == 302
    assert response["Location"] == page
    months = Gift.objects.filter(sponsorship=sponsorship)
    assert months.count() == 2
    assert all(month.status == Gift.Status.PAID for month in months)
    assert len(outbox("donation_receipt")) == 2


def test_next_month_refuses_to_redirect_elsewhere(client, recipient):
    sponsorship = active_sponsorship(recipient=recipient)
    next_month = reverse("donations:sandbox_next_month", args=[sponsorship.public_ref])
    with on_commit():
        response = client.post(next_month, {"next": "https://evil.example/"})
    assert response["Location"] == reverse("donations:thanks", args=[sponsorship.public_ref])


def test_no_next_month_button_without_the_sandbox(client, recipient, settings):
    sponsorship = active_sponsorship(recipient=recipient)
    settings.PAYMENTS_SANDBOX = False
    html = client.get(link(sponsorship.donor)).content.decode()
    assert reverse("donations:sandbox_next_month", args=[sponsorship.public_ref]) not in html
    next_month = reverse("donations:sandbox_next_month", args=[sponsorship.public_ref])
    assert client.post(next_month).status_code == 404


def test_a_bank_gift_waiting_links_to_its_transfer_page(client, recipient):
    gift = gift_start(recipient=recipient, bank=True)
    html = client.get(link(gift.donor)).content.decode()
    assert reverse("donations:transfer", args=[gift.public_ref]) in html
