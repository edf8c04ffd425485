"""The thank-you page says one true thing about the payment, from its state now, and invites
the donor to share: a WhatsApp link first, then the link to copy, plain links to the
listing's public page (or the fund's giving page), nothing added to them."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from donations.models import Gift, Sponsorship
from portal.models import Status
from tests.factories.donations import gift_start, sandbox_pay

WAITING = "waiting for the payment service to confirm"
RECEIVED = "was received"
FAILED = "nothing was charged"


def thanks(client, record) -> str:
    response = client.get(f"/en{reverse('donations:thanks', args=[record.public_ref])}")
    assert response.status_code == 200
    return response.content.decode()


def status_region(html: str) -> str:
    return re.search(r"<div class=\"thanks-state\".*?</div>\s*</div>", html, re.S).group(0)


def whatsapp(html: str) -> str:
    href = re.search(r'<a class="button share-whatsapp" href="([^"]+)"', html).group(1)
    return href.replace("&amp;", "&")


def test_a_paid_gift_is_received_with_its_receipt_number_and_nothing_else(
    client, recipient, settings
):
    gift = sandbox_pay(gift_start(recipient=recipient))
    html = thanks(client, gift)
    region = status_region(html)
    assert 'data-status="paid"' in region
    assert "Your payment was received." in region
    assert gift.receipt_number in region
    assert "on its way to your e-mail address" in region
    # The old page said both: received, and the receipt comes "once the payment is confirmed".
    assert WAITING not in html
    assert "once the payment is confirmed" not in html
    assert "data-poll" not in html


def test_a_pending_gift_is_waiting_and_the_page_looks_again(client, recipient):
    gift = gift_start(recipient=recipient)
    html = thanks(client, gift)
    region = status_region(html)
    assert 'data-status="pending"' in region
    assert WAITING in region
    assert "data-poll" in region
    assert f'href="/en/donasi/terima-kasih/{gift.public_ref}/">Refresh this page' in region
    assert RECEIVED not in html
    assert "receipt, number" not in html


@pytest.mark.parametrize(
    ("outcome", "status", "said"),
    [
        ("delayed_failure", Gift.Status.FAILED, "The payment failed: nothing was charged."),
        (None, Gift.Status.EXPIRED, "The payment was not completed: nothing was charged."),
    ],
)
def test_a_failed_or_abandoned_gift_says_so_and_offers_to_try_again(
    client, recipient, outcome, status, said
):
    gift = gift_start(recipient=recipient)
    if outcome:
        sandbox_pay(gift, outcome=outcome)
    else:
        Gift.objects.filter(pk=gift.pk).update(status=status)
    html = thanks(client, gift)
    region = status_region(html)
    assert f'data-status="{status}"' in region
    assert said in region
    assert f'href="/en/donasi/untuk/{recipient.public_id}/">Try again</a>' in region
    for other in (WAITING, RECEIVED, "receipt, number"):
        assert other not in html
    assert "share-whatsapp" not in html  # nothing to share about a gift that did not happen


def test_a_monthly_sponsorship_is_active_with_its_first_months_receipt(client, recipient):
    sponsorship = sandbox_pay(gift_start(recipient=recipient, monthly=True, amount=100_000))
    first = Gift.objects.get(sponsorship=sponsorship)
    html = thanks(client, sponsorship)
    region = status_region(html)
    assert 'data-status="active"' in region
    assert "Your monthly sponsorship is active" in region
    assert first.receipt_number in region
    assert "stop the sponsorship" in region
    assert WAITING not in html


def test_a_sponsorship_waiting_for_its_first_month_says_only_that(client, recipient):
    sponsorship = gift_start(recipient=recipient, monthly=True)
    html = thanks(client, sponsorship)
    assert "waiting for the payment service to confirm your first month" in status_region(html)
    assert "is active" not in html
    assert "receipt, number" not in html


def test_an_abandoned_sponsorship_offers_to_try_again(client, db):
    sponsorship = gift_start(monthly=True)
    Sponsorship.objects.filter(pk=sponsorship.pk).update(status=Sponsorship.Status.ABANDONED)
    region = status_region(thanks(client, sponsorship))
    assert "not completed: nothing was charged" in region
    assert 'href="/en/donasi/">Try again</a>' in region


def test_a_bank_transfers_thank_you_is_its_instructions(client, recipient):
    gift = gift_start(recipient=recipient, bank=True)
    response = client.get(reverse("donations:thanks", args=[gift.public_ref]))
    assert response.status_code == 302
    assert response["Location"] == reverse("donations:transfer", args=[gift.public_ref])


# --- Sharing ----------------------------------------------------------------------------------


def test_the_donor_is_invited_to_share_the_listing_on_whatsapp_first(client, recipient, settings):
    settings.PORTAL_BASE_URL = "https://rantangkasih.example.id"
    # The sandbox posts its events to the portal's own address, which the host check allows.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "rantangkasih.example.id"]
    gift = sandbox_pay(gift_start(recipient=recipient))
    html = thanks(client, gift)
    listing_url = f"https://rantangkasih.example.id/en/lansia/{recipient.public_id}/"
    link = whatsapp(html)
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wa.me", "/")
    (text,) = parse_qs(parts.query)["text"]
    assert text.endswith(" " + listing_url)
    assert recipient.pseudonym in text
    # Nothing added: no tracking parameter, no third-party script.
    assert "utm_" not in link and "fbclid" not in link
    assert (
        re.search(r'<input type="text" id="share-url" value="([^"]+)" readonly>', html).group(1)
        == listing_url
    )
    assert html.index("share-whatsapp") < html.index('id="share-url"')
    assert 'data-copy-link="' + listing_url + '"' in html
    # The copy button needs the script: hidden until it shows it.
    assert re.search(r"<button [^>]*data-copy-link[^>]*hidden>", html)
    for secret in (recipient.name, recipient.address, recipient.nik):
        assert secret not in html


def test_a_gift_to_the_fund_shares_the_funds_giving_page(client, db, settings):
    settings.PORTAL_BASE_URL = "https://rantangkasih.example.id"
    # The sandbox posts its events to the portal's own address, which the host check allows.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "rantangkasih.example.id"]
    gift = sandbox_pay(gift_start())
    html = thanks(client, gift)
    (text,) = parse_qs(urlsplit(whatsapp(html)).query)["text"]
    assert text.endswith(" https://rantangkasih.example.id/en/donasi/")


def test_a_person_no_longer_listed_is_not_shared(client, recipient, settings):
    settings.PORTAL_BASE_URL = "https://rantangkasih.example.id"
    # The sandbox posts its events to the portal's own address, which the host check allows.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "rantangkasih.example.id"]
    gift = sandbox_pay(gift_start(recipient=recipient))
    recipient.status = Status.REACHED
    recipient.save(update_fields=["status"])
    html = thanks(client, gift)
    (text,) = parse_qs(urlsplit(whatsapp(html)).query)["text"]
    assert text.endswith(" https://rantangkasih.example.id/en/donasi/")
    assert recipient.public_id not in html
    assert recipient.pseudonym not in html


def test_a_waiting_gift_may_be_shared_too(client, recipient):
    html = thanks(client, gift_start(recipient=recipient))
    assert "share-whatsapp" in html


def test_a_bank_transfer_donor_is_invited_to_share_from_the_instructions(
    client, recipient, settings
):
    settings.PORTAL_BASE_URL = "https://rantangkasih.example.id"
    # The sandbox posts its events to the portal's own address, which the host check allows.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "rantangkasih.example.id"]
    gift = gift_start(recipient=recipient, bank=True)
    response = client.get(f"/en{reverse('donations:transfer', args=[gift.public_ref])}")
    html = response.content.decode()
    assert gift.bank_reference in html
    (text,) = parse_qs(urlsplit(whatsapp(html)).query)["text"]
    assert text.endswith(f" https://rantangkasih.example.id/en/lansia/{recipient.public_id}/")
    Gift.objects.filter(pk=gift.pk).update(status=Gift.Status.REJECTED)
    html = client.get(f"/en/donasi/transfer/{gift.public_ref}/").content.decode()
    assert "share-whatsapp" not in html
