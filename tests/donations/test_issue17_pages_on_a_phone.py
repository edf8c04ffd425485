"""Issue 17's pages as read on a 360 px phone: what to pay to is label above value (a long label
such as "Account holder" or "Biller code" squeezed the number beside it into a sliver), a
virtual account's "Bank" is the bank, a statement's counts are labelled figures (not "1 debits"),
and a refund by transfer keeps its cancellation apart from the second officer's confirmation."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from donations.models import MidtransSandboxTransaction
from donations.services.transfer_refunds import transfer_refund_record
from tests.donations.test_statements import statement, upload
from tests.factories.donations import bank_gift_confirmed, gift_start, midtrans_gift_start


def url(language: str, name: str, *args) -> str:
    with translation.override(language):
        return reverse(name, args=args)


def css() -> str:
    from django.conf import settings

    return (settings.BASE_DIR / "static" / "css" / "portal.css").read_text()


def test_the_stacked_payment_facts_exist_in_the_stylesheet():
    sheet = css()
    assert re.search(r"\.pay-facts \{ grid-template-columns: minmax\(0, 1fr\)", sheet)
    assert ".transfer-refunds .cancel-refund {" in sheet
    assert ".stats.statement-facts { grid-template-columns: minmax(0, 1fr); }" in sheet


@pytest.mark.parametrize(
    ("method", "bank", "heading"),
    [
        ("va_bca", "BCA", "Virtual account BCA (sandbox)"),
        ("va_mandiri", "Mandiri", "Mandiri Bill (sandbox)"),
    ],
)
def test_a_virtual_account_page_names_its_bank_and_stacks_its_numbers(
    client, recipient, method, bank, heading
):
    gift = midtrans_gift_start(method, recipient=recipient)
    order = MidtransSandboxTransaction.objects.get(order_id=gift.checkout_session_id).order_id
    html = client.get(url("id", "donations:midtrans_sandbox", order)).content.decode()
    assert '<dl class="profile-facts pay-facts sandbox-va" id="sandbox-va">' in html
    assert f"<dd>{bank}</dd>" in html
    assert "<dd>virtual account" not in html
    assert f"<h1>{heading}</h1>" in html


def test_the_transfer_page_stacks_the_account_and_the_amount(client, recipient):
    gift = gift_start(bank=True, recipient=recipient)
    html = client.get(url("id", "donations:transfer", gift.public_ref)).content.decode()
    assert '<dl class="profile-facts pay-facts">' in html
    assert 'id="transfer-code-note"' in html


def test_a_statements_counts_are_labelled_figures(client, officers, recipient):
    first, _second = officers
    gift = gift_start(bank=True, recipient=recipient)
    today = timezone.localdate()
    record = upload(
        first,
        statement(
            [
                (today, f"TRF {gift.bank_reference}", 0, gift.amount, gift.amount),
                (today, "BIAYA ADM", 5_000, 0, gift.amount - 5_000),
            ]
        ),
    )
    client.force_login(first)
    html = client.get(url("en", "donations:fin_statement", record.pk)).content.decode()
    assert '<ul class="stats statement-facts">' in html
    assert re.search(r"<dt>Debits \(not kept\)</dt><dd>1</dd>", html)
    assert re.search(r"<dt>New credits</dt><dd>1</dd>", html)
    assert "1 debits" not in html
    html = client.get(url("id", "donations:fin_statement", record.pk)).content.decode()
    assert "<dt>Kredit baru</dt>" in html


def test_a_refund_by_transfer_keeps_the_cancellation_apart(client, recipient, officers):
    first, second = officers
    gift = bank_gift_confirmed(amount=80_000, recipient=recipient, officers=officers)
    transfer_refund_record(
        gift=gift,
        actor=first,
        amount=80_000,
        reason="salah transfer",
        payee_bank="BRI",
        payee_account="123456789012",
        payee_name="Sari Dewi",
    )
    client.force_login(second)
    html = client.get(url("en", "donations:fin_refund_create", gift.public_ref)).content.decode()
    assert '<ul id="transfer-refunds" class="transfer-refunds">' in html
    confirm, cancel = html.index('class="confirm-refund"'), html.index('class="cancel-refund"')
    assert confirm < cancel
