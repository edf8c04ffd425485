"""The sandbox checkout listens to the webhook's answer: an event the portal refused (400, 503)
is shown to the donor as the failure it is, never as "thank you", and the checkout is open
again, so paying once the fault is gone records the gift once."""

import pytest
from django.db import DatabaseError
from django.urls import reverse
from django.utils import translation

from donations.gateways import SignatureError
from donations.models import Gift, Transaction
from tests.factories.donations import active_sponsorship, gift_start, on_commit, sandbox_session


def _refuse_signature(monkeypatch):
    def refuse(*args, **kwargs):
        raise SignatureError("test: the portal does not know this secret")

    monkeypatch.setattr("donations.views.webhook.event_verify", refuse)
    return 400


def _refuse_database(monkeypatch):
    def refuse(*args, **kwargs):
        raise DatabaseError("test: the database is away")

    monkeypatch.setattr("donations.views.webhook.event_receive", refuse)
    return 503


FAULTS = [_refuse_signature, _refuse_database]


def _pay(client, record, outcome="pay"):
    with translation.override("en"):
        url = reverse("donations:sandbox_checkout", args=[record.checkout_session_id])
    with on_commit():
        return client.post(url, {"outcome": outcome})


def _refusal_said(response, status: int) -> None:
    assert response.status_code == 502
    html = response.content.decode()
    assert 'id="sandbox-error"' in html
    # In the donor's language, not the one the webhook's own request left active.
    assert '<html lang="en">' in html
    assert "SANDBOX — no real money" in html
    with translation.override("en"):
        assert (
            f"The portal refused the payment service&#x27;s message (status {status}), so "
            "nothing was recorded. You can try again."
        ) in html


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("outcome", ["pay", "delayed_success"])
def test_a_refused_payment_is_shown_as_a_failure_and_can_be_paid_again(
    client, recipient, monkeypatch, fault, outcome
):
    gift = gift_start(recipient=recipient)
    with monkeypatch.context() as patch:
        status = fault(patch)
        response = _pay(client, gift, outcome)
        _refusal_said(response, status)
        assert "Location" not in response  # no thank-you redirect
        assert 'name="outcome" value="pay"' in response.content.decode()  # the form again
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PENDING
    assert sandbox_session(gift).status == "open"
    assert not Transaction.objects.exists()

    # The fault is gone: paying again records the gift, once.
    response = _pay(client, gift, outcome)
    assert response.status_code == 302
    assert response["Location"] == sandbox_session(gift).success_url  # the thank-you page
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID
    assert Transaction.objects.filter(kind=Transaction.Kind.GIFT).count() == 1
    assert sandbox_session(gift).status == "complete"
    # A further post (a reload) shows the finished checkout and changes nothing.
    assert _pay(client, gift).status_code == 200
    assert Transaction.objects.filter(kind=Transaction.Kind.GIFT).count() == 1


@pytest.mark.parametrize("fault", FAULTS)
def test_a_refused_first_month_is_shown_and_can_be_paid_again(
    client, recipient, monkeypatch, fault
):
    sponsorship = gift_start(recipient=recipient, monthly=True, amount=100_000)
    with monkeypatch.context() as patch:
        status = fault(patch)
        _refusal_said(_pay(client, sponsorship), status)
    assert sandbox_session(sponsorship).status == "open"
    assert not Gift.objects.exists()

    assert _pay(client, sponsorship).status_code == 302
    sponsorship.refresh_from_db()
    assert sponsorship.status == sponsorship.Status.ACTIVE
    assert Gift.objects.filter(sponsorship=sponsorship, status=Gift.Status.PAID).count() == 1


@pytest.mark.parametrize("fault", FAULTS)
def test_a_refused_next_month_is_shown_not_redirected(client, recipient, monkeypatch, fault):
    sponsorship = active_sponsorship(recipient=recipient)
    with translation.override("en"):
        url = reverse("donations:sandbox_next_month", args=[sponsorship.public_ref])
    back = "/en/donasi/saya/"
    with monkeypatch.context() as patch:
        status = fault(patch)
        with on_commit():
            response = client.post(url, {"next": back})
        _refusal_said(response, status)
        assert "Location" not in response
        html = response.content.decode()
        assert f'action="{url}"' in html  # billing again is offered
        assert f'href="{back}"' in html
    assert Gift.objects.filter(sponsorship=sponsorship).count() == 1  # the first month only

    with on_commit():
        response = client.post(url, {"next": back})
    assert response.status_code == 302
    assert response["Location"] == back
    assert Gift.objects.filter(sponsorship=sponsorship, status=Gift.Status.PAID).count() == 2


@pytest.mark.parametrize("method", ["", "qris"])
def test_the_sandbox_posts_to_the_portals_own_address_not_to_testserver(
    recipient, settings, method
):
    """A server configured for its own name only (ALLOWED_HOSTS without the test client's
    "testserver", as the soak runs it) took every sandbox payment as refused: the sandbox
    posted its events as "testserver" and got 400 from Django's host check."""
    from django.test import Client

    from donations.gateways.midtrans.sandbox import transaction_settle

    settings.ALLOWED_HOSTS = ["portal.example.org"]
    settings.PORTAL_BASE_URL = "https://portal.example.org"
    gift = gift_start(recipient=recipient, method=method)
    if method:
        with on_commit():
            assert transaction_settle(gift.checkout_session_id) == 200
    else:
        donor = Client(HTTP_HOST="portal.example.org")
        url = reverse("donations:sandbox_checkout", args=[gift.checkout_session_id])
        with on_commit():
            response = donor.post(url, {"outcome": "pay"}, secure=True)
        assert response.status_code == 302, response.status_code
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID
