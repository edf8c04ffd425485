"""The ledger: balanced, append-only (the database refuses otherwise), idempotent by source,
and money leaves a pot only when the pot holds it, costs only within the cap."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from donations.models import (
    CLEARING_BANK,
    CLEARING_STRIPE,
    GENERAL,
    OPERATING,
    CollectionPeriod,
    Entry,
    OperatingCost,
    Transaction,
    recipient_account,
    warung_account,
)
from donations.services import ledger
from donations.services.funds import (
    LineInput,
    fund_transfer_decide,
    fund_transfer_propose,
    operating_cost_record,
    refund_request,
)
from tests.factories.donations import (
    bank_gift_confirmed,
    disbursement_paid,
    finance_officers,
    ledger_balances,
    on_commit,
    paid_gift,
    transfer_approved,
)

pytestmark = pytest.mark.django_db


# --- ledger_post -------------------------------------------------------------------------------


def test_posting_the_same_source_twice_is_one_transaction():
    lines = [(CLEARING_BANK, -10_000), (GENERAL, 10_000)]
    first = ledger.ledger_post(kind="gift", external_id="test:1", lines=lines)
    again = ledger.ledger_post(
        kind="gift", external_id="test:1", lines=[(CLEARING_BANK, -99), (GENERAL, 99)]
    )
    assert first.created and not again.created
    assert again.transaction.pk == first.transaction.pk
    assert Transaction.objects.count() == 1
    assert ledger_balances() == {CLEARING_BANK: -10_000, GENERAL: 10_000}


@pytest.mark.parametrize(
    "lines",
    [
        [(GENERAL, 10)],  # one entry
        [(CLEARING_BANK, -10), (GENERAL, 9)],  # does not balance
        [(CLEARING_BANK, 0), (GENERAL, 0)],  # zero entries
        [(CLEARING_BANK, -10.0), (GENERAL, 10.0)],  # not whole rupiah
        [(CLEARING_BANK, True), (GENERAL, -1)],  # a bool is not an amount
        [("cash", -10), (GENERAL, 10)],  # no such account
        [("recipient:0", -10), (GENERAL, 10)],
        [("recipient:x", -10), (GENERAL, 10)],
        [("payable:warung:", -10), (GENERAL, 10)],
    ],
)
def test_a_posting_that_breaks_a_rule_writes_nothing(lines):
    with pytest.raises(ledger.LedgerError):
        ledger.ledger_post(kind="gift", external_id="test:bad", lines=lines)
    assert not Transaction.objects.exists() and not Entry.objects.exists()


def test_an_entry_on_a_persons_pot_names_the_person(recipient):
    ledger.ledger_post(
        kind="gift",
        external_id="test:r",
        lines=[(CLEARING_BANK, -5), (recipient_account(recipient.pk), 5)],
    )
    entry = Entry.objects.get(account=recipient_account(recipient.pk))
    assert entry.recipient_id == recipient.pk
    assert Entry.objects.get(account=CLEARING_BANK).recipient_id is None


def test_a_transaction_falls_in_the_period_of_its_day(period):
    posted = ledger.ledger_post(
        kind="gift", external_id="test:p", lines=[(CLEARING_BANK, -5), (GENERAL, 5)]
    )
    assert posted.transaction.period == period
    outside = ledger.ledger_post(
        kind="gift",
        external_id="test:q",
        lines=[(CLEARING_BANK, -5), (GENERAL, 5)],
        occurred_at=timezone.now() - timezone.timedelta(days=400),
    )
    assert outside.transaction.period is None


# --- The database's own guard (PostgreSQL triggers) --------------------------------------------


def _one_transaction():
    return ledger.ledger_post(
        kind="gift", external_id="test:db", lines=[(CLEARING_BANK, -7), (GENERAL, 7)]
    ).transaction


@pytest.mark.parametrize(
    "change",
    [
        lambda t: Entry.objects.filter(transaction=t).update(amount=8),
        lambda t: Entry.objects.filter(transaction=t).delete(),
        lambda t: Transaction.objects.filter(pk=t.pk).update(memo="changed"),
    ],
    ids=["update-entry", "delete-entry", "update-transaction"],
)
def test_the_database_refuses_to_change_the_ledger(postgres, change):
    posted = _one_transaction()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        change(posted)
    assert ledger_balances() == {CLEARING_BANK: -7, GENERAL: 7}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_database_refuses_an_unbalanced_transaction_at_commit(postgres):
    with pytest.raises(DatabaseError, match="does not balance"), transaction.atomic():
        posted = Transaction.objects.create(
            kind="gift", external_id="test:unbalanced", occurred_at=timezone.now()
        )
        Entry.objects.create(transaction=posted, account=GENERAL, amount=10)
        Entry.objects.create(transaction=posted, account=CLEARING_BANK, amount=-9)
    assert not Transaction.objects.exists() and not Entry.objects.exists()
    # Entries written one statement at a time commit once they balance.
    with transaction.atomic():
        posted = Transaction.objects.create(
            kind="gift", external_id="test:balanced", occurred_at=timezone.now()
        )
        Entry.objects.create(transaction=posted, account=GENERAL, amount=10)
        Entry.objects.create(transaction=posted, account=CLEARING_BANK, amount=-10)
    assert Entry.objects.count() == 2


# --- Spending ----------------------------------------------------------------------------------


def test_a_transfer_cannot_take_more_than_the_pot_holds(recipient, officers):
    bank_gift_confirmed(amount=50_000, recipient=recipient, officers=officers)
    with pytest.raises(ValidationError):
        transfer_approved(source_id=recipient.pk, target_id=None, amount=50_001, officers=officers)
    transfer_approved(source_id=recipient.pk, target_id=None, amount=50_000, officers=officers)
    assert ledger_balances()[recipient_account(recipient.pk)] == 0
    assert ledger_balances()[GENERAL] == 50_000


def test_a_transfer_approved_after_the_pot_emptied_is_refused(recipient, officers):
    bank_gift_confirmed(amount=50_000, recipient=recipient, officers=officers)
    first, second = officers
    a = fund_transfer_propose(
        actor=first, source_id=recipient.pk, target_id=None, amount=30_000, reason="one"
    )
    b = fund_transfer_propose(
        actor=first, source_id=recipient.pk, target_id=None, amount=30_000, reason="two"
    )
    fund_transfer_decide(proposal=a, actor=second, approve=True)
    with pytest.raises(ValidationError):
        fund_transfer_decide(proposal=b, actor=second, approve=True)
    assert ledger_balances()[recipient_account(recipient.pk)] == 20_000
    assert Transaction.objects.filter(kind=Transaction.Kind.TRANSFER).count() == 1


def test_the_proposer_cannot_approve_their_own_transfer(recipient, officers):
    bank_gift_confirmed(amount=50_000, recipient=recipient, officers=officers)
    first, _second = officers
    proposal = fund_transfer_propose(
        actor=first, source_id=recipient.pk, target_id=None, amount=10_000, reason="x"
    )
    with pytest.raises(ValidationError):
        fund_transfer_decide(proposal=proposal, actor=first, approve=True)
    assert not Transaction.objects.filter(kind=Transaction.Kind.TRANSFER).exists()


def test_a_disbursement_pays_from_each_persons_own_pot(recipient, officers, warung):
    from tests.factories.portal import RecipientFactory

    other = RecipientFactory(publishable=True, status="published")
    bank_gift_confirmed(amount=100_000, recipient=recipient, officers=officers)
    bank_gift_confirmed(amount=40_000, recipient=None, officers=officers)
    today = timezone.localdate()
    disbursement_paid(
        warung=warung,
        officers=officers,
        lines=[
            LineInput(recipient.pk, today, today, 4, 60_000),
            LineInput(other.pk, today, today, 2, 30_000, from_general=True),
        ],
    )
    balances = ledger_balances()
    assert balances[recipient_account(recipient.pk)] == 40_000
    assert balances[GENERAL] == 10_000
    assert balances.get(warung_account(warung.pk), 0) == 0  # owed, then paid
    assert balances[CLEARING_BANK] == -140_000 + 90_000
    assert recipient_account(other.pk) not in balances  # their pot was never touched


def test_a_disbursement_larger_than_a_pot_is_refused_whole(recipient, officers, warung):
    bank_gift_confirmed(amount=50_000, recipient=recipient, officers=officers)
    bank_gift_confirmed(amount=50_000, recipient=None, officers=officers)
    today = timezone.localdate()
    before = ledger_balances()
    with pytest.raises(ValidationError):
        disbursement_paid(
            warung=warung,
            officers=officers,
            lines=[
                LineInput(recipient.pk, today, today, 2, 30_000),
                LineInput(recipient.pk, today, today, 2, 30_000),  # 60.000 > 50.000
                LineInput(recipient.pk, today, today, 1, 10_000, from_general=True),
            ],
        )
    assert ledger_balances() == before


def _cost(actor, period, amount):
    return operating_cost_record(
        actor=actor,
        period=period,
        description="Printing",
        amount=amount,
        incurred_on=timezone.localdate(),
    )


def test_operating_costs_stay_within_the_cap(period, officers):
    bank_gift_confirmed(amount=1_000_000, officers=officers)  # cap: 10 % = 100.000
    _cost(officers[0], period, 60_000)
    with pytest.raises(ValidationError):
        _cost(officers[0], period, 40_001)
    _cost(officers[0], period, 40_000)
    totals = ledger.period_totals(period)
    assert (totals.received, totals.operating, totals.cap) == (1_000_000, 100_000, 100_000)
    assert not totals.over_cap


def test_fees_count_against_the_cap(period, officers):
    gift = paid_gift(amount=1_000_000)  # the general fund; the sandbox's fee is recorded
    totals = ledger.period_totals(period)
    assert totals.operating == gift.fee > 0
    with pytest.raises(ValidationError):
        _cost(officers[0], period, totals.cap - gift.fee + 1)
    _cost(officers[0], period, totals.cap - gift.fee)
    assert ledger.period_totals(period).operating == totals.cap


def test_a_refund_lowers_what_was_received_and_so_the_cap(period, officers):
    bank_gift_confirmed(amount=1_000_000, officers=officers)
    gift = paid_gift(amount=1_000_000)
    with on_commit():
        refund_request(gift=gift, actor=officers[0], amount=1_000_000, reason="asked")
    totals = ledger.period_totals(period)
    assert totals.received == 1_000_000
    assert totals.cap == 100_000


def test_costs_are_paid_from_the_general_fund_only_if_it_holds_them(period, officers, recipient):
    # Plenty received (the cap allows it), but all of it earmarked: the general fund is empty.
    bank_gift_confirmed(amount=1_000_000, recipient=recipient, officers=officers)
    with pytest.raises(ValidationError):
        _cost(officers[0], period, 10_000)
    assert OPERATING not in ledger_balances()


def test_a_cost_outside_its_period_is_refused(period, officers):
    bank_gift_confirmed(amount=1_000_000, officers=officers)
    with pytest.raises(ValidationError):
        operating_cost_record(
            actor=officers[0],
            period=period,
            description="x",
            amount=1_000,
            incurred_on=period.ends_on + timezone.timedelta(days=1),
        )


# --- Concurrency (PostgreSQL) ------------------------------------------------------------------


def _together(functions) -> list[str]:
    """Run each function in its own thread and connection, released at once."""
    barrier = threading.Barrier(len(functions))
    results: list[str] = [""] * len(functions)

    def run(index, function):
        try:
            barrier.wait(timeout=10)
            function()
            results[index] = "ok"
        except ValidationError:
            results[index] = "refused"
        except Exception as error:  # pragma: no cover - shown in the assertion
            results[index] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_costs_at_once_cannot_both_slip_under_the_cap(postgres):
    officers = finance_officers(2)
    period = CollectionPeriod.objects.create(
        name="P",
        starts_on=timezone.localdate() - timezone.timedelta(days=10),
        ends_on=timezone.localdate() + timezone.timedelta(days=10),
        cap_percent=10,
    )
    bank_gift_confirmed(amount=1_000_000, officers=officers)  # cap 100.000

    for _round in range(3):
        results = _together(
            [lambda: _cost(officers[0], period, 30_000), lambda: _cost(officers[1], period, 30_000)]
        )
        assert sorted(results) in (["ok", "ok"], ["ok", "refused"], ["refused", "refused"])
    totals = ledger.period_totals(period)
    assert totals.operating <= totals.cap
    assert totals.operating == 90_000  # 30.000 three times: the fourth would pass 100.000
    assert OperatingCost.objects.count() == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_transfers_at_once_cannot_both_empty_one_pot(postgres):
    from tests.factories.portal import RecipientFactory

    officers = finance_officers(2)
    person = RecipientFactory(publishable=True, status="published")
    bank_gift_confirmed(amount=50_000, recipient=person, officers=officers)
    first, second = officers
    proposals = [
        fund_transfer_propose(
            actor=first, source_id=person.pk, target_id=None, amount=40_000, reason=str(n)
        )
        for n in range(2)
    ]
    results = _together(
        [
            lambda p=proposal: fund_transfer_decide(proposal=p, actor=second, approve=True)
            for proposal in proposals
        ]
    )
    assert sorted(results) == ["ok", "refused"]
    assert ledger.balance(recipient_account(person.pk)) == 10_000
    assert ledger.balance(CLEARING_STRIPE) == 0
