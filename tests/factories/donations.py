"""Helpers for the donations tests: money moves through the real services and the signed
webhook, never through hand-written ledger rows.

    event = stripe_event("charge.refunded", {...})          # a Stripe-shaped event
    response = signed_post(client, event)                   # signed with the test secret
    gift = paid_gift(recipient=r, amount=50_000)            # sandbox checkout paid → webhook
    sponsorship = active_sponsorship(recipient=r)           # first month paid → webhook
    gift = bank_gift_confirmed(amount=..., officers=(a, b)) # two officers, money in the ledger
    with on_commit():                                       # run on-commit callbacks (the
        refund_request(...)                                 # sandbox posts its events then)

Tests run inside a transaction, so on-commit callbacks (the sandbox's refund and cancellation
events, the fee fetch) run only inside ``on_commit()``. Celery is eager in the test settings:
a fee fetch queued on commit runs at once, through the sandbox gateway.
"""

from __future__ import annotations

import datetime
import itertools
import json
import time
import uuid
from contextlib import contextmanager
from typing import Any

import factory
import stripe
from django.conf import settings
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role
from donations import gateways
from donations.models import CollectionPeriod, Entry, Gift, SandboxSession, Sponsorship
from tests.factories import GENTENG, make_official

TEST_WEBHOOK_SECRET = "whsec_test_donations_only"
_event_numbers = itertools.count(1)


# --- Signed events -----------------------------------------------------------------------------


def stripe_event(
    event_type: str,
    obj: dict[str, Any],
    *,
    event_id: str | None = None,
    created: int | None = None,
    livemode: bool = False,
) -> dict[str, Any]:
    """An event as Stripe sends it (``evt_test_…`` ids: recorded as from Stripe, not the
    sandbox)."""
    return {
        "id": event_id or f"evt_test_{next(_event_numbers)}_{uuid.uuid4().hex[:12]}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()) if created is None else created,
        "livemode": livemode,
        "data": {"object": obj},
    }


def signature(payload: str, *, secret: str | None = None, timestamp: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(
        payload, secret or settings.STRIPE_WEBHOOK_SECRET, timestamp=timestamp
    )


def signed_post(
    client: Client,
    event: dict[str, Any] | str,
    *,
    secret: str | None = None,
    timestamp: int | None = None,
    body: str | None = None,
    header: str | None = None,
):
    """POST ``event`` to the webhook, signed with the settings' secret (or ``secret``, at
    ``timestamp``). ``body`` replaces what is sent after signing (an altered body);
    ``header=""`` sends no signature at all."""
    payload = event if isinstance(event, str) else json.dumps(event)
    headers = {}
    if header is None:
        headers["stripe-signature"] = signature(payload, secret=secret, timestamp=timestamp)
    elif header:
        headers["stripe-signature"] = header
    return client.post(
        reverse("donations_webhook"),
        data=payload if body is None else body,
        content_type="application/json",
        headers=headers,
    )


def session_obj(
    record: Gift | Sponsorship,
    *,
    payment_status: str = "paid",
    amount_sen: int | None = None,
    currency: str = "idr",
    payment_intent: str | None = None,
    subscription: str | None = None,
) -> dict[str, Any]:
    """The ``checkout.session`` object Stripe would send for our gift or sponsorship."""
    monthly = isinstance(record, Sponsorship)
    key = "sponsorship" if monthly else "gift"
    return {
        "id": record.checkout_session_id or f"cs_test_{uuid.uuid4().hex[:16]}",
        "object": "checkout.session",
        "mode": "subscription" if monthly else "payment",
        "status": "complete",
        "payment_status": payment_status,
        "amount_total": record.amount * 100 if amount_sen is None else amount_sen,
        "currency": currency,
        "metadata": {key: str(record.public_ref)},
        "client_reference_id": str(record.public_ref),
        "payment_intent": None
        if monthly
        else (payment_intent or f"pi_test_{uuid.uuid4().hex[:16]}"),
        "subscription": (subscription or f"sub_test_{uuid.uuid4().hex[:16]}") if monthly else None,
        "customer": f"cus_test_{uuid.uuid4().hex[:8]}" if monthly else None,
    }


def charge_obj(
    gift: Gift,
    *,
    amount_refunded: int,
    charge_id: str | None = None,
    currency: str = "idr",
    payment_intent: str | None = None,
) -> dict[str, Any]:
    """A ``charge`` of a gift; ``amount_refunded`` in whole rupiah (Stripe's running total)."""
    payment_intent = payment_intent or gift.payment_intent_id
    return {
        "id": charge_id or f"ch_test_{payment_intent[-12:]}",
        "object": "charge",
        "amount": gift.amount * 100,
        "amount_refunded": amount_refunded * 100,
        "currency": currency,
        "payment_intent": payment_intent,
        "refunded": amount_refunded == gift.amount,
    }


def dispute_obj(
    gift: Gift,
    *,
    amount: int | None = None,
    status: str = "needs_response",
    dispute_id: str | None = None,
) -> dict[str, Any]:
    return {
        "id": dispute_id or f"dp_test_{uuid.uuid4().hex[:12]}",
        "object": "dispute",
        "amount": (gift.amount if amount is None else amount) * 100,
        "currency": "idr",
        "payment_intent": gift.payment_intent_id,
        "status": status,
    }


def invoice_obj(
    sponsorship: Sponsorship,
    *,
    invoice_id: str | None = None,
    amount_sen: int | None = None,
    subscription: str | None = None,
    payment_intent: str | None = None,
) -> dict[str, Any]:
    """An ``invoice`` (today's API shape) billing one month of ``sponsorship``."""
    return {
        "id": invoice_id or f"in_test_{uuid.uuid4().hex[:16]}",
        "object": "invoice",
        "status": "paid",
        "amount_paid": sponsorship.amount * 100 if amount_sen is None else amount_sen,
        "currency": "idr",
        "parent": {
            "type": "subscription_details",
            "subscription_details": {
                "subscription": subscription or sponsorship.subscription_id,
                "metadata": {"sponsorship": str(sponsorship.public_ref)},
            },
        },
        "payments": {
            "object": "list",
            "data": [
                {
                    "payment": {
                        "payment_intent": payment_intent or f"pi_test_{uuid.uuid4().hex[:16]}"
                    }
                }
            ],
        },
    }


@contextmanager
def on_commit():
    """Run the on-commit callbacks queued inside the block (also those they queue)."""
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        yield callbacks


# --- Gifts through the services ----------------------------------------------------------------


def gift_start(
    *,
    amount: int = 50_000,
    recipient=None,
    email: str = "donor@example.org",
    name: str = "",
    show_name: bool = False,
    monthly: bool = False,
    bank: bool = False,
    method: str = "",
    message: str = "",
    language: str = "id",
    user=None,
    open_checkout: bool = True,
) -> Gift | Sponsorship:
    """A donor's attempt through ``giving_start`` (and the sandbox checkout opened); ``method``
    as the give form sends it ("" is a card)."""
    from donations.services.giving import GiftIntent, checkout_open, giving_start

    intent = GiftIntent(
        amount=amount,
        monthly=monthly,
        bank_transfer=bank,
        recipient_id=recipient.pk if recipient is not None else None,
        description="Rantang Kasih: test",
        email=email,
        name=name,
        show_name=show_name,
        message=message,
        language=language,
        attempt=uuid.uuid4(),
        method=method,
    )
    record = giving_start(intent=intent, user=user)
    if open_checkout and not bank:
        checkout_open(
            record=record,
            description=intent.description,
            success_url="https://example.org/thanks/",
            cancel_url="https://example.org/back/",
        )
    return record


def sandbox_pay(record: Gift | Sponsorship, *, outcome: str = "pay", client: Client | None = None):
    """Pay an opened sandbox checkout as the donor would (its page posts the signed events).
    Returns the record as it is now."""
    client = client or Client()
    with on_commit():
        response = client.post(
            reverse("donations:sandbox_checkout", args=[record.checkout_session_id]),
            {"outcome": outcome},
        )
    assert response.status_code == 302, response.status_code
    record.refresh_from_db()
    return record


def paid_gift(*, amount: int = 50_000, recipient=None, **kwargs) -> Gift:
    """A one-off card gift paid through the sandbox and the signed webhook (fee recorded)."""
    gift = gift_start(amount=amount, recipient=recipient, **kwargs)
    sandbox_pay(gift)
    assert gift.status == Gift.Status.PAID, gift.status
    return gift


def active_sponsorship(*, amount: int = 100_000, recipient=None, **kwargs) -> Sponsorship:
    """A monthly sponsorship whose first month was paid through the sandbox."""
    sponsorship = gift_start(amount=amount, recipient=recipient, monthly=True, **kwargs)
    sandbox_pay(sponsorship)
    assert sponsorship.status == Sponsorship.Status.ACTIVE, sponsorship.status
    return sponsorship


def sandbox_session(record: Gift | Sponsorship) -> SandboxSession:
    return SandboxSession.objects.get(session_id=record.checkout_session_id)


def finance_officers(count: int = 2):
    """Finance officers (with TOTP), e.g. a proposer and a second to approve."""
    return [make_official(Role.FINANCE_OFFICER, kecamatan=(GENTENG,)) for _ in range(count)]


def bank_gift_confirmed(*, amount: int = 50_000, recipient=None, officers=None, **kwargs) -> Gift:
    """A bank transfer matched by one finance officer and confirmed by a second."""
    from donations.services.bank import transfer_confirm, transfer_match

    first, second = officers or finance_officers()
    gift = gift_start(amount=amount, recipient=recipient, bank=True, **kwargs)
    transfer_match(
        gift=gift,
        actor=first,
        received_amount=amount,
        statement_date=timezone.localdate(),
        statement_line="TRF TEST",
    )
    with on_commit():
        gift = transfer_confirm(gift=gift, actor=second)
    return gift


class CollectionPeriodFactory(factory.django.DjangoModelFactory):
    """A permitted collection period around today (cap 10 % unless told)."""

    class Meta:
        model = CollectionPeriod

    name = factory.Sequence(lambda n: f"Pengumpulan {n}")
    permit_number = "PUB/TEST"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=90))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=275))
    cap_percent = 10


# --- Reading the ledger ------------------------------------------------------------------------


def ledger_balances() -> dict[str, int]:
    """Every account's balance, from the entries."""
    from django.db.models import Sum

    rows = Entry.objects.order_by().values("account").annotate(total=Sum("amount"))
    return {row["account"]: row["total"] for row in rows}


def outbox(template: str):
    """Notification rows written for ``template`` (the outbox, before delivery)."""
    from notifications.models import Notification

    return Notification.objects.filter(template=template)


def proof_upload(name: str = "proof.png"):
    """A small real picture, as a proof of payment (the upload cleaner re-encodes it)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 120, 40)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def disbursement_paid(*, warung, lines, officers, paid_on=None):
    """A disbursement recorded by one finance officer and approved by the second.
    ``lines``: LineInput rows (``donations.services.funds.LineInput``)."""
    from donations.services.funds import disbursement_decide, disbursement_record

    first, second = officers
    disbursement = disbursement_record(
        actor=first,
        warung=warung,
        reference="TRF-TEST",
        paid_on=paid_on or timezone.localdate(),
        proof=proof_upload(),
        proof_summary="Transfer to the warung for meals",
        lines=list(lines),
    )
    return disbursement_decide(disbursement=disbursement, actor=second, approve=True)


def transfer_approved(*, source_id, target_id, amount, officers, reason="Test decision"):
    """A transfer between pots proposed by one finance officer and approved by the second."""
    from donations.services.funds import fund_transfer_decide, fund_transfer_propose

    first, second = officers
    proposal = fund_transfer_propose(
        actor=first, source_id=source_id, target_id=target_id, amount=amount, reason=reason
    )
    return fund_transfer_decide(proposal=proposal, actor=second, approve=True)


def gateway_stands_in(monkeypatch, gateway, *, names=("stripe", "sandbox")) -> None:
    """``gateway`` (a Stripe faked at its HTTP, say) answers as the card gateway and for every
    record made with a gateway of ``names``: the services find a record's gateway by its name."""
    real = gateways.gateway_named
    monkeypatch.setattr(
        "donations.gateways.gateway_named", lambda name: gateway if name in names else real(name)
    )


# --- Midtrans ----------------------------------------------------------------------------------

MIDTRANS_TEST_KEY = "SB-Mid-server-test_donations_only"


def midtrans_gift(
    *,
    method: str = "qris",
    amount: int = 50_000,
    recipient=None,
    email: str = "donor@example.org",
    open_checkout: bool = True,
) -> Gift:
    """A one-off gift by a Midtrans method (QRIS, an e-wallet, a virtual account), its Snap
    transaction opened through ``checkout_open`` (against the local Midtrans of the test)."""
    from donations.services.giving import checkout_open, donor_get_or_create
    from donations.services.transitions import DONOR, GIFTS

    donor = donor_get_or_create(email=email, language="id")
    gift = Gift(
        donor=donor,
        recipient=recipient,
        amount=amount,
        gateway=gateways.gateway_for_method(method).name,
        payment_method=method,
        language="id",
    )
    GIFTS.move(gift, Gift.Status.PENDING, actor_label=DONOR)
    if open_checkout:
        checkout_open(
            record=gift,
            description="Rantang Kasih: Nenek Melati",
            success_url="https://example.org/thanks/",
            cancel_url="https://example.org/back/",
        )
    return gift


def midtrans_notify(client: Client, body: dict[str, Any] | None = None, *, raw: str | None = None):
    """POST a notification to the Midtrans endpoint as Midtrans does (JSON)."""
    return client.post(
        reverse("donations_midtrans_notification"),
        data=json.dumps(body) if raw is None else raw,
        content_type="application/json",
    )


# --- The Midtrans sandbox ------------------------------------------------------------------------


def midtrans_gift_start(method: str, *, amount: int = 50_000, recipient=None, **kwargs) -> Gift:
    """A one-off gift to be paid by ``method`` (QRIS, an e-wallet, a virtual account) through
    the Midtrans sandbox, its checkout opened (the sandbox's transaction and page)."""
    from donations.services.giving import checkout_open

    gift = gift_start(
        amount=amount, recipient=recipient, method=method, open_checkout=False, **kwargs
    )
    assert isinstance(gift, Gift)
    assert gift.gateway == Gift.Gateway.MIDTRANS_SANDBOX, gift.gateway  # PAYMENTS_SANDBOX off?
    with translation.override(gift.language):  # the thank-you page in the donor's language
        thanks = reverse("donations:thanks", args=[gift.public_ref])
    checkout_open(
        record=gift,
        description="Rantang Kasih: test",
        success_url=thanks,
        cancel_url="https://example.org/back/",
    )
    return gift


def midtrans_pay(gift: Gift, *, outcome: str = "pay", client: Client | None = None):
    """Tap ``outcome`` on the Midtrans sandbox's page (it posts the signed notification to the
    real endpoint); the response."""
    client = client or Client()
    with on_commit():
        return client.post(
            reverse("donations:midtrans_sandbox", args=[gift.checkout_session_id]),
            {"outcome": outcome},
        )
