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

Disputes follow the money (docs/architecture.md, "Money"): the model moves the pot when Stripe
withdraws the funds (the amount, and the dispute fee to operating) and when it reinstates them
(and a fee given back), never on ``created`` or ``closed``; an inquiry moves nothing. Each
dispute's events arrive in any order, some repeated (the same event again, or the same
movements in a new event), and the model is checked after every event.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import NamedTuple

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, event, example, given, settings
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


class Dispute(NamedTuple):
    """One dispute of a card gift, from its first event to its last (a new gift is paid first
    when every card gift is disputed or refunded already)."""

    gift: int  # which card gift, of those not disputed or refunded
    path: str  # how it ends: inquiry, lost, won, prevented (closed after the withdrawal)
    share: float = 1.0  # of the gift disputed
    fee: int = 225_000  # the dispute fee Stripe takes with the withdrawal, whole rupiah
    fee_back: bool = False  # Stripe gives the fee back with the reinstatement
    order: tuple[int, ...] = (0, 1, 2, 3)  # the events (in Stripe's order) as they arrive
    repeats: tuple[tuple[int, bool], ...] = ()  # an event sent again: by Stripe (same id,
    # True), or the same movements in another event (False)
    pot: int | None = None  # the new gift's, if one is needed
    amount: int = 100_000


PATHS = ["inquiry", "lost", "won", "prevented"]

disputes = st.builds(
    Dispute,
    gift=st.integers(0, 20),
    path=st.sampled_from(PATHS),
    share=st.sampled_from([1.0, 0.5]),
    fee=st.sampled_from([225_000, 15_000, 0]),
    fee_back=st.booleans(),
    order=st.permutations(range(4)).map(tuple),
    repeats=st.lists(st.tuples(st.integers(0, 3), st.booleans()), max_size=2).map(tuple),
    pot=pots,
    amount=amounts,
)

operations = st.one_of(
    st.tuples(st.just("gift"), pots, amounts, st.sampled_from(["card", "bank"])),
    st.tuples(st.just("refund"), st.integers(0, 20), st.sampled_from([0.25, 0.5, 1.0])),
    disputes,
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
        self.received = 0  # for the cap: gifts less refunds and withdrawals, plus reinstatements
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
    if isinstance(operation, Dispute):
        cards = _disputable(gifts)
        if not cards:
            paying = ("gift", operation.pot, operation.amount, "card")
            _apply(paying, model, officers, warung, period, gifts, client)
            _invariants(model, period)
            cards = gifts[-1:]
        _dispute(operation, model, cards, client, period)
        return
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


# --- Disputes, as Stripe sends them ------------------------------------------------------------


def _balance_transaction(amount: int, fee: int) -> dict:
    """A dispute's balance transaction: ``amount`` whole rupiah (negative: withdrawn), ``fee``
    what Stripe took (negative: gave back), both in sen as Stripe reports IDR."""
    return {
        "id": f"txn_test_{uuid.uuid4().hex[:12]}",
        "object": "balance_transaction",
        "amount": amount * 100,
        "fee": fee * 100,
        "net": (amount - fee) * 100,
        "currency": "idr",
        "reporting_category": "dispute" if amount < 0 else "dispute_reversal",
    }


def _dispute_events(gift: Gift, dispute_id: str, amount: int, path: str, fee: int, back: bool):
    """The events of one dispute in the order Stripe sends them, each with the balance
    transactions that had happened by then."""
    withdrawal = _balance_transaction(-amount, fee)
    reinstatement = _balance_transaction(amount, -fee if back else 0)

    def event(event_type: str, status: str, *movements: dict) -> dict:
        return stripe_event(
            event_type,
            {
                "id": dispute_id,
                "object": "dispute",
                "amount": amount * 100,
                "currency": "idr",
                "payment_intent": gift.payment_intent_id,
                "charge": f"ch_test_{gift.pk}",
                "status": status,
                "balance_transactions": list(movements),
            },
        )

    if path == "inquiry":  # Stripe withdraws nothing for an inquiry
        return [
            event("charge.dispute.created", "warning_needs_response"),
            event("charge.dispute.closed", "warning_closed"),
        ]
    opened = event("charge.dispute.created", "needs_response")
    withdrawn = event("charge.dispute.funds_withdrawn", "needs_response", withdrawal)
    if path == "lost":
        return [opened, withdrawn, event("charge.dispute.closed", "lost", withdrawal)]
    both = (withdrawal, reinstatement)
    return [
        opened,
        withdrawn,
        event("charge.dispute.closed", path, *both),
        event("charge.dispute.funds_reinstated", path, *both),
    ]


def _disputable(gifts: list[Gift]) -> list[Gift]:
    """Card gifts with no dispute or refund yet (a charge is disputed once; a disputed one is
    not refunded)."""
    return list(
        Gift.objects.filter(pk__in=[g.pk for g in gifts], disputed=False, refunds__isnull=True)
        .exclude(gateway=Gift.Gateway.BANK)
        .order_by("pk")
    )


def _dispute(operation: Dispute, model: Model, cards: list[Gift], client, period) -> None:
    path, fee, back = operation.path, operation.fee, operation.fee_back
    gift = cards[operation.gift % len(cards)]
    amount = int(gift.amount * operation.share)
    dispute_id = f"du_test_{uuid.uuid4().hex[:12]}"
    events = _dispute_events(gift, dispute_id, amount, path, fee, back)
    arrivals = [events[i] for i in operation.order if i < len(events)]
    for which, same in operation.repeats:
        again = events[which % len(events)]
        arrivals.append(again if same else {**again, "id": f"{again['id']}_again"})
    # What the run covered (pytest --hypothesis-show-statistics).
    event(f"dispute {path}")
    if path in ("won", "prevented") and fee and back:
        event("dispute fee given back")
    types = [sent["type"] for sent in arrivals]
    if path in ("won", "prevented") and types.index(
        "charge.dispute.funds_reinstated"
    ) < types.index("charge.dispute.funds_withdrawn"):
        event("dispute reinstated before withdrawn")
    if operation.repeats:
        event("dispute events repeated")

    pot = fund_account(gift.recipient_id)
    posted: set[str] = set()
    seen: set[str] = set()

    def withdraw() -> None:
        if "withdrawal" in posted:
            return
        posted.add("withdrawal")
        model.move(pot, CLEARING_STRIPE, amount)
        model.move(pot, OPERATING, fee)
        model.received -= amount
        model.operating += fee

    def reinstate() -> None:
        if "reinstatement" in posted:
            return
        posted.add("reinstatement")
        model.move(CLEARING_STRIPE, pot, amount)
        model.received += amount
        if back:
            model.move(OPERATING, pot, fee)
            model.operating -= fee

    for sent in arrivals:
        response = signed_post(client, sent)
        assert response.status_code == 200, response.content
        answer = response.json()
        assert answer["duplicate"] == (sent["id"] in seen)
        assert answer["outcome"] == "processed"  # the gift is paid: nothing waits
        seen.add(sent["id"])
        withdrawn_before = "withdrawal" in posted
        if sent["type"] == "charge.dispute.funds_withdrawn":
            withdraw()
        elif sent["type"] == "charge.dispute.funds_reinstated":
            withdraw()  # the reinstatement's dispute lists the withdrawal too: both post
            reinstate()
        elif sent["type"] == "charge.dispute.created":
            told = outbox("finance_alert").filter(dedup_key__startswith=f"dispute:{dispute_id}:")
            assert told.exists()
        if not withdrawn_before and "withdrawal" in posted and model.balances[pot] < 0:
            told = outbox("finance_alert").filter(
                dedup_key__startswith=f"pot-negative:{pot}:{sent['id']}:"
            )
            assert told.exists()
        _invariants(model, period)

    assert Gift.objects.get(pk=gift.pk).disputed
    assert (
        posted
        == {
            "inquiry": set(),
            "lost": {"withdrawal"},
            "won": {"withdrawal", "reinstatement"},
            "prevented": {"withdrawal", "reinstatement"},
        }[path]
    )
    expected = set()
    if "withdrawal" in posted:
        expected |= {"dispute"} | ({"dispute-fee"} if fee else set())
    if "reinstatement" in posted:
        expected |= {"dispute-won"} | ({"dispute-fee-reinstated"} if fee and back else set())
    keys = Transaction.objects.filter(external_id__endswith=f":{dispute_id}").values_list(
        "external_id", flat=True
    )
    assert sorted(keys) == sorted(f"{key}:{dispute_id}" for key in expected)


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
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operations, min_size=1, max_size=10))
# Every path of a dispute, run each time whatever the draw: in Stripe's order,
@example(
    ops=[
        ("gift", 0, 200_000, "card"),
        Dispute(gift=0, path="inquiry"),
        Dispute(gift=0, path="lost", pot=1, amount=10_000),  # the fee takes the pot below zero
        Dispute(gift=0, path="won", share=0.5, fee=15_000, pot=None, amount=300_000),
        ("cost", 20_000),
    ]
)
# and out of order and repeated (a reinstatement before its withdrawal, a fee given back).
@example(
    ops=[
        Dispute(gift=0, path="prevented", fee_back=True, repeats=((3, True), (1, False))),
        Dispute(gift=0, path="won", pot=0, order=(3, 2, 1, 0), repeats=((1, False),)),
        Dispute(gift=0, path="lost", pot=1, order=(2, 1, 0), repeats=((1, True), (2, False))),
        ("refund", 0, 1.0),
    ]
)
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
