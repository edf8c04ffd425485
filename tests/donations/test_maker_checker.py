"""Each money decision is made by a second finance officer: for the officer who made the
record, the service refuses and the pages offer no button to decide it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext

from donations.models import Decision, Gift
from donations.services.bank import transfer_confirm, transfer_reject
from donations.services.funds import disbursement_decide, fund_transfer_propose
from tests.factories.finance import (
    disbursement,
    fund,
    line,
    listed_person,
    matched_gift,
    officer,
)

pytestmark = pytest.mark.django_db


def gift_url(name, gift):
    return reverse(f"donations:{name}", kwargs={"ref": gift.public_ref})


def test_the_matcher_is_offered_neither_confirm_nor_reject_and_the_service_refuses_both(client):
    first, second = officer(), officer()
    gift = matched_gift(first)

    client.force_login(first)
    html = client.get(gift_url("fin_gift", gift)).content.decode()
    assert 'id="second-officer-needed"' in html
    assert 'id="confirm-form"' not in html
    assert 'id="reject-form"' not in html
    confirm_page = client.get(gift_url("fin_transfer_confirm", gift)).content.decode()
    assert '<form method="post">' not in confirm_page
    with pytest.raises(ValidationError):
        transfer_confirm(gift=gift, actor=first)
    with pytest.raises(ValidationError):
        transfer_reject(gift=gift, actor=first, reason="salah")

    client.force_login(second)
    html = client.get(gift_url("fin_gift", gift)).content.decode()
    assert 'id="confirm-form"' in html
    assert 'id="reject-form"' in html
    gift.refresh_from_db()
    assert gift.status == Gift.Status.MATCHED


def test_the_proposer_of_a_transfer_between_funds_is_not_offered_the_decision(client):
    first, second = officer(), officer()
    person = listed_person()
    fund(first, second, amount=100_000, recipient=person)
    proposal = fund_transfer_propose(
        actor=first, source_id=person.pk, target_id=None, amount=50_000, reason="sisa"
    )
    page = reverse("donations:fin_fund_transfer_decide", kwargs={"pk": proposal.pk})

    client.force_login(first)
    html = client.get(page).content.decode()
    assert 'id="decide-form"' not in html
    assert gettext("You proposed this transfer: a second finance officer must decide it.") in html

    client.force_login(second)
    assert 'id="decide-form"' in client.get(page).content.decode()


def test_the_recorder_of_a_disbursement_is_not_offered_the_decision(client):
    first, second = officer(), officer()
    person = listed_person()
    fund(first, second, amount=200_000, recipient=person)
    d = disbursement(first, [line(person, amount=100_000)])
    detail = reverse("donations:fin_disbursement", kwargs={"pk": d.pk})
    decide = reverse("donations:fin_disbursement_decide", kwargs={"pk": d.pk})

    client.force_login(first)
    assert decide not in client.get(detail).content.decode()
    assert 'id="decide-form"' not in client.get(decide).content.decode()
    with pytest.raises(ValidationError):
        disbursement_decide(disbursement=d, actor=first, approve=True)

    client.force_login(second)
    assert decide in client.get(detail).content.decode()
    assert 'id="decide-form"' in client.get(decide).content.decode()
    d.refresh_from_db()
    assert d.status == Decision.PROPOSED
