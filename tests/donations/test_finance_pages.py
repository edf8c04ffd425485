"""The finance officers' pages other than bank transfers and disbursements: the dashboard,
refunds, transfers between funds, collection periods and operating costs under the cap,
message moderation, what needs attention, and the warung partners."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import AuditEvent, Role
from donations.models import (
    GENERAL,
    CollectionPeriod,
    Decision,
    FundTransfer,
    Gift,
    MessageStatus,
    OperatingCost,
    Refund,
    Transaction,
    WebhookEvent,
    recipient_account,
)
from donations.services import ledger
from meals.models import Warung
from notifications.models import Notification
from regions.models import Kecamatan
from tests.factories import GENTENG, make_official
from tests.factories.finance import (
    bank_gift,
    fund,
    listed_person,
    matched_gift,
    officer,
    paid_card_gift,
)

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def this_year_period(**fields) -> CollectionPeriod:
    today = timezone.localdate()
    values = {
        "name": "Rantang Kasih 2026",
        "starts_on": today.replace(month=1, day=1),
        "ends_on": today.replace(month=12, day=31),
        "cap_percent": 10,
    }
    values.update(fields)
    return CollectionPeriod.objects.create(**values)


# --- The dashboard -----------------------------------------------------------------------------


def test_the_dashboard_counts_what_waits_and_shows_the_cap(client):
    first, second = officer(), officer()
    period = this_year_period()
    fund(first, second, amount=200_000)  # into the general fund, within the period
    bank_gift()  # a proof to match
    matched_gift(first)  # a match to confirm
    paid_card_gift(amount=100_000, message="Semoga sehat")  # a message waits
    WebhookEvent.objects.create(
        event_id="evt_1", type="charge.refunded", gateway="sandbox", payload={}, outcome="deferred"
    )
    client.force_login(first)
    response = client.get(reverse("donations:fin_dashboard"))
    assert response.status_code == 200
    board = response.context["board"]
    assert board.proofs_to_match == 1
    assert board.matches_to_confirm == 1
    assert board.messages_to_moderate == 1
    assert board.gateway_events == 1
    assert board.general_balance == 300_000  # the transfer and the card gift
    assert board.current_period.period == period
    assert board.current_period.totals.received == 300_000
    assert board.current_period.totals.cap == 30_000
    html = response.content.decode()
    assert "Rp300.000" in html and "Rp30.000" not in html  # (the share is 0,0%)
    # The share as every share is written (core.numbers), in the page's language.
    assert "0,0%" in html and "10%" in html and "0.0%" not in html and " %" not in html
    english = client.get("/en" + reverse("donations:fin_dashboard")).content.decode()
    assert "received: 0.0% (cap 10%)" in english


def test_an_administrator_reads_the_dashboard_and_lists_but_cannot_act(client):
    client.force_login(make_official(Role.ADMINISTRATOR))
    for name in ("fin_dashboard", "fin_transfers", "fin_periods", "fin_disbursements"):
        assert client.get(reverse(f"donations:{name}")).status_code == 200
    for name in ("fin_transfer_record", "fin_period_create", "fin_export"):
        assert client.get(reverse(f"donations:{name}")).status_code == 403


def test_a_reviewer_is_refused_the_finance_pages(client):
    client.force_login(make_official(Role.REVIEWER, kecamatan=(GENTENG,)))
    assert client.get(reverse("donations:fin_dashboard")).status_code == 403


# --- Refunds -----------------------------------------------------------------------------------


def test_a_gift_is_found_by_its_receipt_number_and_refunded(client):
    gift = paid_card_gift(amount=100_000)
    first = officer()
    client.force_login(first)
    response = client.get(reverse("donations:fin_refunds"), {"receipt": gift.receipt_number})
    assert response.context["found"].pk == gift.pk
    response = client.get(reverse("donations:fin_refunds"), {"receipt": "RK-1999-000001"})
    assert response.context["found"] is None
    assert response.context["searched"]

    refund_url = reverse("donations:fin_refund_create", kwargs={"ref": gift.public_ref})
    response = client.post(refund_url, {"amount": "40.000", "reason": ""})
    assert response.status_code == 200
    assert not Refund.objects.exists()

    response = client.post(refund_url, {"amount": "40.000", "reason": "Donatur salah nominal"})
    assert response.status_code == 302
    refund = Refund.objects.get()
    assert (refund.amount, refund.requested_by_ref) == (40_000, first.public_ref)
    assert Notification.objects.filter(template="donation_refunded").count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REFUND_REQUESTED).count() == 1

    # More than what is left is refused with the service's message.
    response = client.post(refund_url, {"amount": "70.000", "reason": "lagi"})
    assert gettext("At most %(left)s of this gift can still be refunded.") % {
        "left": "Rp60.000"
    } in str(response.context["form"].non_field_errors())
    assert Refund.objects.count() == 1

    listing = client.get(reverse("donations:fin_refunds"))
    assert [r.pk for r in listing.context["refunds"]] == [refund.pk]


def test_a_refund_the_gateway_did_not_confirm_is_kept_and_sent_again_with_the_same_key(
    client, monkeypatch
):
    """A lost answer must not lead to a second refund: the request is on record before the
    gateway is asked, and sending it again reuses its idempotency key."""
    from donations.gateways import GatewayError
    from donations.gateways.sandbox import SandboxGateway

    gift = paid_card_gift(amount=100_000)
    client.force_login(officer())
    keys = []
    real = SandboxGateway.refund_create

    def unreachable(self, **kwargs):
        keys.append(kwargs["idempotency_key"])
        raise GatewayError("timeout")

    monkeypatch.setattr(SandboxGateway, "refund_create", unreachable)
    refund_url = reverse("donations:fin_refund_create", kwargs={"ref": gift.public_ref})
    response = client.post(refund_url, {"amount": "40.000", "reason": "Salah nominal"})
    assert response.status_code == 200
    assert "did not confirm" in str(response.context["form"].non_field_errors()) or (
        response.context["form"].non_field_errors()
    )
    refund = Refund.objects.get()
    assert refund.status == Refund.Status.UNCONFIRMED
    assert not Notification.objects.filter(template="donation_refunded").exists()
    # What is on record counts: a second refund cannot go past the gift.
    response = client.post(refund_url, {"amount": "70.000", "reason": "lagi"})
    assert Refund.objects.count() == 1

    def reachable(self, **kwargs):
        keys.append(kwargs["idempotency_key"])
        return real(self, **kwargs)

    monkeypatch.setattr(SandboxGateway, "refund_create", reachable)
    send_url = reverse("donations:fin_refund_send", kwargs={"pk": refund.pk})
    assert client.post(send_url).status_code == 302
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SENT
    assert keys[0] == keys[-1] == f"refund-{refund.idempotency_key}"
    assert Notification.objects.filter(template="donation_refunded").count() == 1
    # Sending a confirmed refund again asks nothing more of the gateway.
    client.post(send_url)
    assert len(keys) == 2


def test_a_bank_gift_cannot_be_refunded_through_the_gateway(client):
    first, second = officer(), officer()
    gift = fund(first, second, amount=50_000)
    client.force_login(first)
    response = client.post(
        reverse("donations:fin_refund_create", kwargs={"ref": gift.public_ref}),
        {"amount": "10.000", "reason": "x"},
    )
    # The page asks for a refund by transfer instead (the donor's account to pay it to).
    assert response.status_code == 200
    assert "payee_account" in response.context["form"].errors
    assert not Refund.objects.exists()
    # And the service never asks a gateway for a bank gift, whatever the page did.
    from django.core.exceptions import ValidationError

    from donations.services.funds import refund_request

    with pytest.raises(ValidationError) as refused:
        refund_request(gift=gift, actor=first, amount=10_000, reason="x")
    refusal = gettext("Only a gift received through a payment service can be refunded here.")
    assert refusal in refused.value.messages
    assert not Refund.objects.exists()


# --- Transfers between funds -------------------------------------------------------------------


def test_a_transfer_between_funds_needs_a_second_officer(client):
    first, second = officer(), officer()
    person = listed_person()
    fund(first, second, amount=300_000, recipient=person)

    client.force_login(first)
    page = client.get(reverse("donations:fin_fund_transfer_propose"), {"pot": person.public_id})
    assert page.context["pot_held"] == 300_000
    response = client.post(
        reverse("donations:fin_fund_transfer_propose"),
        {
            "source": person.public_id,
            "target": "",
            "amount": "100.000",
            "reason": "Mbah sudah terjangkau APBD; sisa ke dana umum",
        },
    )
    assert response.status_code == 302
    proposal = FundTransfer.objects.get()
    decide = reverse("donations:fin_fund_transfer_decide", kwargs={"pk": proposal.pk})

    response = client.post(decide, {"decision": "approve", "note": ""})
    assert response.status_code == 200
    assert gettext("A second finance officer must decide: you proposed it.") in str(
        response.context["form"].non_field_errors()
    )
    proposal.refresh_from_db()
    assert proposal.status == Decision.PROPOSED
    assert ledger.balance(recipient_account(person.pk)) == 300_000

    client.force_login(second)
    response = client.post(decide, {"decision": "approve", "note": ""})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Decision.APPROVED
    assert ledger.balance(recipient_account(person.pk)) == 200_000
    assert ledger.balance(GENERAL) == 100_000
    # A second approval changes nothing.
    response = client.post(decide, {"decision": "approve", "note": ""})
    assert response.status_code == 200
    assert Transaction.objects.filter(kind=Transaction.Kind.TRANSFER).count() == 1


def test_rejecting_a_transfer_needs_a_note_and_moving_more_than_a_pot_holds_is_refused(client):
    first, second = officer(), officer()
    person = listed_person()
    fund(first, second, amount=50_000, recipient=person)
    client.force_login(first)
    url = reverse("donations:fin_fund_transfer_propose")
    response = client.post(
        url, {"source": person.public_id, "target": "", "amount": "60.000", "reason": "sisa"}
    )
    assert response.status_code == 200
    assert response.context["source_held"] == 50_000
    assert not FundTransfer.objects.exists()

    response = client.post(url, {"source": "", "target": "", "amount": "1.000", "reason": "x"})
    assert response.status_code == 200
    assert not FundTransfer.objects.exists()

    client.post(
        url, {"source": person.public_id, "target": "", "amount": "50.000", "reason": "sisa"}
    )
    proposal = FundTransfer.objects.get()
    client.force_login(second)
    decide = reverse("donations:fin_fund_transfer_decide", kwargs={"pk": proposal.pk})
    response = client.post(decide, {"decision": "reject", "note": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["note"]
    response = client.post(decide, {"decision": "reject", "note": "Belum ada keputusan Dinsos"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Decision.REJECTED
    assert ledger.balance(recipient_account(person.pk)) == 50_000


# --- Collection periods and the operating-cost cap ---------------------------------------------


def test_a_period_is_created_with_the_default_cap_and_overlaps_are_refused(client, settings):
    settings.OPERATING_COST_CAP_PERCENT = 8
    client.force_login(officer())
    url = reverse("donations:fin_period_create")
    assert client.get(url).context["form"]["cap_percent"].value() == 8
    data = {
        "name": "Pengumpulan 2026",
        "permit_number": "460/123/429.107/2026",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "cap_percent": "8",
    }
    assert client.post(url, data).status_code == 302
    period = CollectionPeriod.objects.get()
    assert (period.cap_percent, period.permit_number) == (8, "460/123/429.107/2026")

    overlapping = {**data, "name": "Tumpang", "starts_on": "2026-12-01", "ends_on": "2027-03-31"}
    response = client.post(url, overlapping)
    assert response.status_code == 200
    errors = str(response.context["form"].non_field_errors())
    assert str(period) in errors
    assert CollectionPeriod.objects.count() == 1

    backwards = {**data, "name": "Mundur", "starts_on": "2027-05-01", "ends_on": "2027-04-01"}
    assert client.post(url, backwards).context["form"].errors["ends_on"]
    following = {**data, "name": "2027", "starts_on": "2027-01-01", "ends_on": "2027-12-31"}
    assert client.post(url, following).status_code == 302
    assert CollectionPeriod.objects.count() == 2


def test_a_period_cannot_cover_days_with_money_already_recorded(client):
    """Each ledger transaction is tied to its period when posted and never rewritten: a
    period created afterwards over those days would leave them out of its cap."""
    first, second = officer(), officer()
    fund(first, second, amount=100_000)
    client.force_login(first)
    today = timezone.localdate()
    data = {
        "name": "Terlambat",
        "starts_on": today.replace(month=1, day=1).isoformat(),
        "ends_on": today.replace(month=12, day=31).isoformat(),
        "cap_percent": "10",
    }
    response = client.post(reverse("donations:fin_period_create"), data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not CollectionPeriod.objects.exists()
    tomorrow = today + datetime.timedelta(days=1)
    later = {**data, "starts_on": tomorrow.isoformat(), "ends_on": tomorrow.isoformat()}
    assert client.post(reverse("donations:fin_period_create"), later).status_code == 302
    assert AuditEvent.objects.filter(action=AuditEvent.Action.PERIOD_CREATED).count() == 1


def test_an_operating_cost_over_the_cap_is_refused_and_nothing_is_written(client):
    first, second = officer(), officer()
    period = this_year_period(cap_percent=10)
    fund(first, second, amount=100_000)  # 10 % of it: Rp10.000
    client.force_login(first)
    url = reverse("donations:fin_cost_create", kwargs={"pk": period.pk})
    today = timezone.localdate().isoformat()
    response = client.post(
        url, {"description": "Cetak brosur", "amount": "8.000", "incurred_on": today}
    )
    assert response.status_code == 302
    response = client.post(url, {"description": "Spanduk", "amount": "2.001", "incurred_on": today})
    assert response.status_code == 200
    message = str(response.context["form"].non_field_errors())
    assert "Rp10.001" in message and "Rp10.000" in message
    assert list(OperatingCost.objects.values_list("amount", flat=True)) == [8_000]
    assert Transaction.objects.filter(kind=Transaction.Kind.OPERATING_COST).count() == 1
    assert ledger.balance(GENERAL) == 92_000
    assert AuditEvent.objects.filter(action=AuditEvent.Action.COST_RECORDED).count() == 1
    # Exactly up to the cap is allowed.
    response = client.post(url, {"description": "Spanduk", "amount": "2.000", "incurred_on": today})
    assert response.status_code == 302
    detail = client.get(reverse("donations:fin_period", kwargs={"pk": period.pk}))
    assert detail.context["figures"].totals.operating == 10_000


# --- Messages and what needs attention ---------------------------------------------------------


def test_messages_are_moderated_by_a_finance_officer_and_the_decision_is_logged(client):
    shown = paid_card_gift(message="Semoga Mbah sehat selalu")
    hidden = paid_card_gift(message="Kunjungi situs judi")
    moderator = officer()
    client.force_login(moderator)
    queue = client.get(reverse("donations:fin_messages"))
    assert {g.pk for g in queue.context["gifts"]} == {shown.pk, hidden.pk}

    def moderate(gift, decision):
        return client.post(
            reverse("donations:fin_message_moderate", kwargs={"ref": gift.public_ref}),
            {"decision": decision},
        )

    assert moderate(shown, "approve").status_code == 302
    assert moderate(hidden, "reject").status_code == 302
    shown.refresh_from_db()
    hidden.refresh_from_db()
    assert shown.message_status == MessageStatus.APPROVED
    assert hidden.message_status == MessageStatus.REJECTED
    events = AuditEvent.objects.filter(action=AuditEvent.Action.MESSAGE_MODERATED)
    assert sorted(e.details["approved"] for e in events) == [False, True]
    assert {e.actor_ref for e in events} == {moderator.public_ref}
    # Decided once: a second decision is refused and changes nothing.
    response = moderate(hidden, "approve")
    assert response.status_code == 200
    hidden.refresh_from_db()
    assert hidden.message_status == MessageStatus.REJECTED
    assert not client.get(reverse("donations:fin_messages")).context["gifts"]


def test_flagged_gifts_and_waiting_events_are_listed_with_their_notes(client):
    gift = paid_card_gift()
    Gift.objects.filter(pk=gift.pk).update(
        status=Gift.Status.FLAGGED, flag_reason="gateway says 1 usd"
    )
    WebhookEvent.objects.create(
        event_id="evt_flag",
        type="charge.dispute.created",
        gateway="sandbox",
        payload={},
        outcome=WebhookEvent.Outcome.FLAGGED,
        note="amount disagrees",
    )
    WebhookEvent.objects.create(
        event_id="evt_done", type="x", gateway="sandbox", payload={}, outcome="processed"
    )
    client.force_login(officer())
    response = client.get(reverse("donations:fin_attention"))
    assert [g.pk for g in response.context["gifts"]] == [gift.pk]
    assert [e.event_id for e in response.context["events"]] == ["evt_flag"]
    html = response.content.decode()
    assert "gateway says 1 usd" in html and "amount disagrees" in html


def test_fees_not_booked_are_listed_with_why_and_counted_on_the_dashboard(client):
    refused = paid_card_gift(amount=80_000)
    Gift.objects.filter(pk=refused.pk).update(fee_refused="fee of 1 usd is not in rupiah")
    paid_card_gift()  # its fee is booked as usual: not listed
    client.force_login(officer())

    response = client.get(reverse("donations:fin_attention"))
    assert [g.pk for g in response.context["fees_refused"]] == [refused.pk]
    html = response.content.decode()
    assert "fee of 1 usd is not in rupiah" in html and refused.receipt_number in html
    assert gettext("Fees not booked") in html
    board = client.get(reverse("donations:fin_dashboard")).context["board"]
    assert board.fees_refused == 1


def test_nobody_without_a_finance_role_sees_the_fees_not_booked():
    from donations.selectors.officials import fees_refused

    gift = paid_card_gift()
    Gift.objects.filter(pk=gift.pk).update(fee_refused="fee of 1 usd is not in rupiah")
    assert list(fees_refused(officer())) == [gift]
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    assert not fees_refused(reviewer).exists()


# --- Warung partners ---------------------------------------------------------------------------


def test_a_warung_partner_is_added_and_a_duplicate_refused(client):
    client.force_login(officer())
    genteng = Kecamatan.objects.get(code=GENTENG)
    data = {
        "name": "Warung Bu Tini",
        "owner_name": "Tini",
        "address": "Jl. Raya Genteng 1",
        "kecamatan": genteng.pk,
        "daily_capacity": "40",
        "contract_status": "active",
    }
    assert client.post(reverse("meals:warung_create"), data).status_code == 302
    assert Warung.objects.get().daily_capacity == 40
    response = client.post(reverse("meals:warung_create"), {**data, "name": "warung bu tini"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    response = client.post(reverse("meals:warung_create"), {**data, "daily_capacity": "0"})
    assert response.context["form"].errors["daily_capacity"]
    assert Warung.objects.count() == 1
    assert "Warung Bu Tini" in client.get(reverse("meals:warung_list")).content.decode()
