"""Disbursements to warung: recorded with proof and lines by one finance officer, approved by
a second; a pot pays only what it holds, and only for its own person's meals."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import AuditEvent, Role
from donations.models import (
    CLEARING_BANK,
    GENERAL,
    Decision,
    Disbursement,
    DisbursementLine,
    Transaction,
    recipient_account,
    warung_account,
)
from donations.services import ledger
from portal.models import Status
from tests.factories import make_official
from tests.factories.finance import (
    disbursement,
    fund,
    line,
    listed_person,
    officer,
    png_upload,
)
from tests.factories.meals import warung_in

pytestmark = pytest.mark.django_db


def decide_url(d):
    return reverse("donations:fin_disbursement_decide", kwargs={"pk": d.pk})


def form_data(payee, rows: list[dict]) -> dict:
    today = timezone.localdate().isoformat()
    data = {
        "warung": payee.pk,
        "reference": "TRF-BJ-0001",
        "paid_on": today,
        "proof": png_upload(),
        "proof_summary": "Transfer Bank Jatim 5 hari makan",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "60",
    }
    for i, row in enumerate(rows):
        data.update(
            {
                f"lines-{i}-person": row["person"],
                f"lines-{i}-period_start": today,
                f"lines-{i}-period_end": today,
                f"lines-{i}-portions": "10",
                f"lines-{i}-amount": row["amount"],
            }
        )
        if row.get("from_general"):
            data[f"lines-{i}-from_general"] = "on"
    return data


def test_a_disbursement_is_recorded_on_the_page_with_lines_and_pot_balances(client):
    first, second = officer(), officer()
    siti, slamet = listed_person(), listed_person()
    fund(first, second, amount=200_000, recipient=siti)
    payee = warung_in()
    client.force_login(first)
    url = reverse("donations:fin_disbursement_create")

    # A line with no amount: the form comes back, with each named person's pot balance.
    bad = form_data(payee, [{"person": siti.public_id, "amount": "120.000"}])
    bad["lines-1-person"] = f"#{slamet.pk}"
    response = client.post(url, bad)
    assert response.status_code == 200
    held = {person.pk: amount for _form, person, amount in response.context["lines"] if person}
    assert held == {siti.pk: 200_000, slamet.pk: 0}
    assert not Disbursement.objects.exists()

    response = client.post(
        url,
        form_data(
            payee,
            [
                {"person": siti.public_id, "amount": "120.000"},
                {"person": str(slamet.pk), "amount": "Rp60.000", "from_general": True},
            ],
        ),
    )
    assert response.status_code == 302
    recorded = Disbursement.objects.get()
    assert recorded.status == Decision.PROPOSED
    assert recorded.recorded_by_ref == first.public_ref
    lines = list(recorded.lines.values_list("recipient_id", "amount", "from_general"))
    assert lines == [(siti.pk, 120_000, False), (slamet.pk, 60_000, True)]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DISBURSEMENT_RECORDED).exists()


def test_an_unknown_person_or_one_not_listed_is_refused(client):
    payee = warung_in()
    candidate = listed_person(status=Status.CANDIDATE)
    client.force_login(officer())
    url = reverse("donations:fin_disbursement_create")
    response = client.post(url, form_data(payee, [{"person": "nobody-here", "amount": "1.000"}]))
    assert response.context["formset"].forms[0].errors["person"]
    response = client.post(
        url, form_data(payee, [{"person": candidate.public_id, "amount": "1.000"}])
    )
    assert gettext("Meals can be paid only for people listed or reached.") in str(
        response.context["form"].non_field_errors()
    )
    assert not Disbursement.objects.exists()


def test_the_officer_who_recorded_cannot_approve_and_a_second_approves_once(client):
    first, second = officer(), officer()
    siti = listed_person()
    fund(first, second, amount=200_000, recipient=siti)
    payee = warung_in()
    d = disbursement(first, [line(siti, amount=120_000)], warung=payee)

    client.force_login(first)
    response = client.post(decide_url(d), {"decision": "approve", "note": ""})
    assert response.status_code == 200
    assert gettext("A second finance officer must decide: you recorded it.") in str(
        response.context["form"].non_field_errors()
    )
    d.refresh_from_db()
    assert d.status == Decision.PROPOSED
    assert ledger.balance(recipient_account(siti.pk)) == 200_000

    client.force_login(second)
    assert client.post(decide_url(d), {"decision": "approve", "note": ""}).status_code == 302
    d.refresh_from_db()
    assert d.status == Decision.APPROVED
    assert d.decided_by_ref == second.public_ref
    assert ledger.balance(recipient_account(siti.pk)) == 80_000
    assert ledger.balance(warung_account(payee.pk)) == 0
    assert ledger.balance(CLEARING_BANK) == -200_000 + 120_000
    # Again: refused, nothing posted twice.
    response = client.post(decide_url(d), {"decision": "approve", "note": ""})
    assert response.status_code == 200
    assert Transaction.objects.filter(kind=Transaction.Kind.DISBURSEMENT).count() == 1
    assert Transaction.objects.filter(kind=Transaction.Kind.PAYMENT).count() == 1


def test_a_disbursement_larger_than_the_pot_is_refused_and_nothing_moves(client):
    first, second = officer(), officer()
    siti = listed_person()
    fund(first, second, amount=100_000, recipient=siti)
    d = disbursement(first, [line(siti, amount=100_001)])
    client.force_login(second)
    response = client.post(decide_url(d), {"decision": "approve", "note": ""})
    assert response.status_code == 200
    assert "Rp100.000" in str(response.context["form"].non_field_errors())
    d.refresh_from_db()
    assert d.status == Decision.PROPOSED
    assert ledger.balance(recipient_account(siti.pk)) == 100_000
    assert not Transaction.objects.filter(kind=Transaction.Kind.DISBURSEMENT).exists()


def test_a_persons_earmarked_money_cannot_pay_another_persons_line(client):
    first, second = officer(), officer()
    siti, slamet = listed_person(), listed_person()
    fund(first, second, amount=500_000, recipient=siti)  # Siti's pot is full
    d = disbursement(first, [line(slamet, amount=50_000)])  # Slamet's is empty
    client.force_login(second)
    response = client.post(decide_url(d), {"decision": "approve", "note": ""})
    assert response.status_code == 200
    d.refresh_from_db()
    assert d.status == Decision.PROPOSED
    assert ledger.balance(recipient_account(siti.pk)) == 500_000
    assert not DisbursementLine.objects.filter(recipient=siti).exists()

    # From the general fund, when it holds the money, Slamet's meals can be paid.
    fund(first, second, amount=50_000)
    d2 = disbursement(first, [line(slamet, amount=50_000, from_general=True)])
    assert client.post(decide_url(d2), {"decision": "approve", "note": ""}).status_code == 302
    assert ledger.balance(GENERAL) == 0
    assert ledger.balance(recipient_account(siti.pk)) == 500_000


def test_rejecting_a_disbursement_needs_a_note(client):
    first, second = officer(), officer()
    siti = listed_person()
    d = disbursement(first, [line(siti)])
    client.force_login(second)
    response = client.post(decide_url(d), {"decision": "reject", "note": " "})
    assert response.context["form"].errors["note"]
    assert client.post(decide_url(d), {"decision": "reject", "note": "Nota salah"}).status_code == (
        302
    )
    d.refresh_from_db()
    assert (d.status, d.decision_note) == (Decision.REJECTED, "Nota salah")
    assert not Transaction.objects.exists()


def test_the_proof_is_for_finance_officers_only_and_each_view_is_logged(client):
    first = officer()
    d = disbursement(first, [line(listed_person())])
    proof_url = reverse("donations:fin_disbursement_proof", kwargs={"pk": d.pk})
    detail_url = reverse("donations:fin_disbursement", kwargs={"pk": d.pk})

    client.force_login(make_official(Role.ADMINISTRATOR))
    assert client.get(proof_url).status_code == 403
    detail = client.get(detail_url)
    assert detail.status_code == 200
    assert proof_url not in detail.content.decode()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.PROOF_VIEWED).exists()

    client.force_login(first)
    response = client.get(proof_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    event = AuditEvent.objects.get(action=AuditEvent.Action.PROOF_VIEWED)
    assert (event.actor_ref, event.target) == (first.public_ref, f"donations.disbursement:{d.pk}")
    assert client.get(reverse("donations:fin_disbursement_proof", args=[d.pk + 1])).status_code == (
        404
    )
