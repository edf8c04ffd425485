"""Properties of the ledger after any sequence of what money can do, all through the real
services (sandbox checkout and signed webhook, bank confirmation, refunds, disputes,
transfers, operating costs, disbursements), checked against a plain model of the pots:

- every transaction sums to zero; the balances are the sums of the entries and equal the model;
- a transfer, a cost or a disbursement is accepted exactly when its pots hold the money (and a
  cost only within the cap), so they never push a pot below zero; only refunds and disputes
  may, and the finance officers are then told;
- operating costs are within the cap at every recorded cost;
- earmarked money leaves a person's pot only for their own fee, refund or dispute, their own
  disbursement lines, or an approved transfer.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from donations.gateways.sandbox import sandbox_fee
from donations.models import (
    CLEARING_BANK,
    CLEARING_STRIPE,
    GENERAL,
    OPERATING,
    Decision,
    DisbursementLine,
    Entry,
    FundTransfer,
    Gift,
    Transaction,
    fund_account,
)
from donations.services import ledger
from donations.services.funds import LineInput, operating_cost_record, refund_request
from portal.models import Status
from tests.factories.donations import (
    CollectionPeriodFactory,
    bank_gift_confirmed,
    disbursement_paid,
    dispute_obj,
    finance_officers,
    on_commit,
    outbox,
    paid_gift,
    signed_post,
    stripe_event,
    transfer_approved,
)
from tests.factories.meals import warung_in
from tests.factories.portal import RecipientFactory

pytestmark = pytest.mark.django_db

PEOPLE = 2
pots = st.sampled_from([None, *range(PEOPLE)])  # None: the general fund; n: the n-th person
amounts = st.integers(min_value=10_000, max_value=400_000).map(lambda a: a - a % 1_000)

operations = st.one_of(
    st.tuples(st.just("gift"), pots, amounts, st.sampled_from(["card", "bank"])),
    st.tuples(st.just("refund"), st.integers(0, 20), st.sampled_from([0.25, 0.5, 1.0])),
    st.tuples(st.just("dispute"), st.integers(0, 20), st.booleans()),
    st.tuples(st.just("transfer"), pots, pots, amounts),
    st.tuples(st.just("cost"), st.integers(min_value=1_000, max_value=60_000)),
    st.tuples(
        st.just("disburse"),
        st.lists(
            st.tuples(st.integers(0, PEOPLE - 1), amounts, st.booleans()), min_size=1, max_size=3
        ),
    ),
)


class Model:
    """What the ledger should say, from what was asked and what should have been accepted."""

    def __init__(self, people):
        self.people = people
        self.balances: Counter[str] = Counter()
        self.received = 0  # for the cap: gifts less refunds and disputes, plus disputes won
        self.operating = 0

    def pot(self, index):
        return fund_account(None if index is None else self.people[index].pk)

    def move(self, source: str, target: str, amount: int) -> None:
        self.balances[source] -= amount
        self.balances[target] += amount

    def nonzero(self) -> dict[str, int]:
        return {account: amount for account, amount in self.balances.items() if amount}


def _invariants(model: Model, period) -> None:
    unbalanced = Entry.objects.values("transaction").annotate(total=Sum("amount")).exclude(total=0)
    assert not unbalanced.exists()
    by_entries: Counter[str] = Counter()
    for account, amount in Entry.objects.values_list("account", "amount"):
        by_entries[account] += amount
    actual = {account: amount for account, amount in by_entries.items() if amount}
    assert actual == model.nonzero()
    assert ledger.balances(actual) == actual
    totals = ledger.period_totals(period)
    assert (totals.received, totals.operating) == (model.received, model.operating)


def _earmarked_leaves_only_rightly() -> None:
    for entry in Entry.objects.filter(
        account__startswith="recipient:", amount__lt=0
    ).select_related("transaction__gift", "transaction__transfer"):
        posted = entry.transaction
        person = entry.recipient_id
        if posted.kind in (Transaction.Kind.FEE, Transaction.Kind.REFUND, Transaction.Kind.DISPUTE):
            assert posted.gift.recipient_id == person
        elif posted.kind == Transaction.Kind.TRANSFER:
            assert posted.transfer.source_id == person
            assert posted.transfer.status == Decision.APPROVED
        elif posted.kind == Transaction.Kind.DISBURSEMENT:
            own = DisbursementLine.objects.filter(
                disbursement=posted.disbursement_id, recipient_id=person, from_general=False
            ).aggregate(total=Sum("amount"))["total"]
            assert own == -entry.amount
        else:
            raise AssertionError(f"{posted.kind} took money from {entry.account}")


def _apply(operation, model: Model, officers, warung, period, gifts: list[Gift], client) -> None:
    kind = operation[0]
    if kind == "gift":
        _kind, target, amount, method = operation
        recipient = None if target is None else model.people[target]
        if method == "card":
            gift = paid_gift(amount=amount, recipient=recipient)
            fee = sandbox_fee(amount)
            assert gift.fee == fee
            model.move(CLEARING_STRIPE, model.pot(target), amount)
            model.move(model.pot(target), OPERATING, fee)
            model.operating += fee
        else:
            gift = bank_gift_confirmed(amount=amount, recipient=recipient, officers=officers)
            model.move(CLEARING_BANK, model.pot(target), amount)
        model.received += amount
        gifts.append(gift)

    elif kind == "refund":
        _kind, index, share = operation
        cards = [g for g in gifts if g.gateway != Gift.Gateway.BANK]
        if not cards:
            return
        gift = Gift.objects.get(pk=cards[index % len(cards)].pk)
        if gift.disputed:
            return  # a disputed charge is not refunded (Stripe refuses)
        asked = gift.refunds.aggregate(total=Sum("amount"))["total"] or 0
        amount = max(int(gift.amount * share) - int(gift.amount * share) % 1_000, 1_000)
        expected_ok = asked + amount <= gift.amount
        try:
            with on_commit():  # the sandbox posts charge.refunded when this commits
                refund_request(gift=gift, actor=officers[0], amount=amount, reason="asked")
            accepted = True
        except ValidationError:
            accepted = False
        assert accepted == expected_ok
        if accepted:
            pot = fund_account(gift.recipient_id)
            model.move(pot, CLEARING_STRIPE, amount)
            model.received -= amount
            if model.balances[pot] < 0:
                assert outbox("finance_alert").filter(dedup_key__startswith="pot-negative").exists()

    elif kind == "dispute":
        _kind, index, won = operation
        cards = [g for g in gifts if g.gateway != Gift.Gateway.BANK and not g.refunds.exists()]
        if not cards:
            return
        gift = Gift.objects.get(pk=cards[index % len(cards)].pk)
        if gift.disputed:
            return
        dispute = dispute_obj(gift)
        assert (
            signed_post(client, stripe_event("charge.dispute.created", dispute)).status_code == 200
        )
        pot = fund_account(gift.recipient_id)
        model.move(pot, CLEARING_STRIPE, gift.amount)
        model.received -= gift.amount
        if won:
            signed_post(client, stripe_event("charge.dispute.closed", {**dispute, "status": "won"}))
            model.move(CLEARING_STRIPE, pot, gift.amount)
            model.received += gift.amount

    elif kind == "transfer":
        _kind, source, target, amount = operation
        if source == target:
            return
        expected_ok = model.balances[model.pot(source)] >= amount
        source_id = None if source is None else model.people[source].pk
        target_id = None if target is None else model.people[target].pk
        try:
            transfer_approved(
                source_id=source_id, target_id=target_id, amount=amount, officers=officers
            )
            accepted = True
        except ValidationError:
            accepted = False
        assert accepted == expected_ok
        if accepted:
            model.move(model.pot(source), model.pot(target), amount)
            assert model.balances[model.pot(source)] >= 0

    elif kind == "cost":
        _kind, amount = operation
        cap = max(model.received, 0) * period.cap_percent // 100
        expected_ok = model.operating + amount <= cap and model.balances[GENERAL] >= amount
        try:
            operating_cost_record(
                actor=officers[0],
                period=period,
                description="Printing",
                amount=amount,
                incurred_on=timezone.localdate(),
            )
            accepted = True
        except ValidationError:
            accepted = False
        assert accepted == expected_ok
        if accepted:
            model.move(GENERAL, OPERATING, amount)
            model.operating += amount
            totals = ledger.period_totals(period)
            assert totals.operating <= totals.cap
            assert model.balances[GENERAL] >= 0

    elif kind == "disburse":
        _kind, rows = operation
        today = timezone.localdate()
        lines = [
            LineInput(model.people[person].pk, today, today, 1, amount, from_general=general)
            for person, amount, general in rows
        ]
        needed: Counter[str] = Counter()
        for line in lines:
            needed[GENERAL if line.from_general else fund_account(line.recipient_id)] += line.amount
        expected_ok = all(model.balances[account] >= amount for account, amount in needed.items())
        try:
            disbursement_paid(warung=warung, lines=lines, officers=officers)
            accepted = True
        except ValidationError:
            accepted = False
        assert accepted == expected_ok
        if accepted:
            for account, amount in needed.items():
                model.move(account, CLEARING_BANK, amount)  # via the warung, paid at once
                assert model.balances[account] >= 0


@pytest.fixture
def world(db):
    people = [RecipientFactory(publishable=True, status=Status.PUBLISHED) for _ in range(PEOPLE)]
    return {
        "people": people,
        "officers": finance_officers(2),
        "warung": warung_in(),
        "period": CollectionPeriodFactory(cap_percent=10),
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operations, min_size=1, max_size=10))
def test_the_ledger_holds_after_any_sequence(world, client, ops):
    # Each example runs in a savepoint rolled back at its end: examples do not see each other.
    with transaction.atomic():
        model = Model(world["people"])
        gifts: list[Gift] = []
        for operation in ops:
            _apply(
                operation,
                model,
                world["officers"],
                world["warung"],
                world["period"],
                gifts,
                client,
            )
            _invariants(model, world["period"])
        _earmarked_leaves_only_rightly()
        transfers = FundTransfer.objects.filter(status=Decision.APPROVED).count()
        assert Transaction.objects.filter(kind=Transaction.Kind.TRANSFER).count() == transfers
        transaction.set_rollback(True)
