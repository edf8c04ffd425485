"""The shared transition helper: a refused move changes nothing, a conditional move lost to
another writes nothing, a bulk move writes one history row per record in one insert."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from core.transitions import Rule, TransitionRefused, Workflow
from donations.models import Gift, GiftTransition
from donations.services.transitions import GIFTS
from tests.factories import UserFactory, make_official
from tests.factories.donations import gift_start

pytestmark = pytest.mark.django_db

G = Gift.Status


def _rows(gift: Gift) -> list[tuple[str, str]]:
    return list(gift.transitions.values_list("from_status", "to_status"))


def test_a_new_record_starts_its_history():
    gift = gift_start()
    assert _rows(gift) == [("", G.PENDING)]
    assert gift.transitions.get().actor_label == "donor"


def test_a_move_not_in_the_table_is_refused_and_changes_nothing():
    gift = gift_start()
    GIFTS.move(gift, G.EXPIRED, actor_label="reconciliation")

    with pytest.raises(TransitionRefused):
        GIFTS.move(gift, G.MATCHED, actor_label="test")

    gift.refresh_from_db()
    assert gift.status == G.EXPIRED
    assert _rows(gift) == [("", G.PENDING), (G.PENDING, G.EXPIRED)]


def test_an_unknown_status_is_refused():
    gift = gift_start()
    with pytest.raises(TransitionRefused):
        GIFTS.move(gift, "lost", actor_label="test")
    assert Gift.objects.get(pk=gift.pk).status == G.PENDING


def test_a_move_saves_the_status_and_named_fields_and_writes_who_and_why():
    gift = gift_start()
    officer = UserFactory()
    gift.flag_reason = "looked odd"
    GIFTS.move(gift, G.FLAGGED, actor=officer, reason="looked odd", fields=["flag_reason"])

    gift.refresh_from_db()
    assert (gift.status, gift.flag_reason) == (G.FLAGGED, "looked odd")
    row = gift.transitions.last()
    assert (row.from_status, row.to_status, row.actor, row.reason) == (
        G.PENDING,
        G.FLAGGED,
        officer,
        "looked odd",
    )


def test_a_conditional_move_lost_to_a_concurrent_one_returns_none_and_writes_nothing():
    gift = gift_start()
    first, second = Gift.objects.get(pk=gift.pk), Gift.objects.get(pk=gift.pk)

    assert GIFTS.move_if(first, G.FAILED, actor_label="gateway") is not None
    # ``second`` was read as pending too: its move finds the row moved already.
    assert GIFTS.move_if(second, G.EXPIRED, actor_label="gateway") is None

    gift.refresh_from_db()
    assert gift.status == G.FAILED
    assert second.status == G.PENDING  # the loser's copy is not pretended to have moved
    assert _rows(gift) == [("", G.PENDING), (G.PENDING, G.FAILED)]


def test_a_bulk_move_writes_one_history_row_each_in_one_insert():
    gifts = [gift_start() for _ in range(3)]
    GIFTS.move(gifts[0], G.FAILED, actor_label="gateway")  # not pending: left alone

    with CaptureQueriesContext(connection) as queries:
        moved = GIFTS.move_many(
            Gift.objects.all(), G.EXPIRED, origin=G.PENDING, actor_label="reconciliation"
        )

    assert moved == 2
    table = GiftTransition._meta.db_table
    inserts = [q for q in queries if q["sql"].startswith(f'INSERT INTO "{table}"')]
    assert len(inserts) == 1
    assert set(Gift.objects.values_list("status", flat=True)) == {G.FAILED, G.EXPIRED}
    bulk = GiftTransition.objects.filter(actor_label="reconciliation")
    assert sorted(bulk.values_list("gift_id", flat=True)) == sorted(g.pk for g in gifts[1:])
    assert set(bulk.values_list("from_status", "to_status")) == {(G.PENDING, G.EXPIRED)}


def test_a_bulk_move_with_nothing_to_move_writes_nothing():
    gift = gift_start()
    moved = GIFTS.move_many(
        Gift.objects.exclude(pk=gift.pk), G.EXPIRED, origin=G.PENDING, actor_label="x"
    )
    assert moved == 0
    assert not GiftTransition.objects.filter(to_status=G.EXPIRED).exists()


def test_a_bulk_move_not_in_the_table_is_refused_and_changes_nothing():
    gift = gift_start()
    with pytest.raises(TransitionRefused):
        GIFTS.move_many(Gift.objects.all(), G.MATCHED, origin=G.PENDING, actor_label="x")
    assert Gift.objects.get(pk=gift.pk).status == G.PENDING
    assert _rows(gift) == [("", G.PENDING)]


def test_rules_check_roles_reasons_and_the_maker():
    workflow = Workflow(
        model=Gift,
        history=GiftTransition,
        link="gift",
        moves={
            (G.PENDING, G.FLAGGED): Rule(
                roles=frozenset({Role.FINANCE_OFFICER}), maker_checker=True, needs_reason=True
            )
        },
        is_maker=lambda gift, actor: actor.pk == gift.maker_pk,
        maker_message="not you",
    )
    gift = gift_start()
    officer, other, stranger = (
        make_official(Role.FINANCE_OFFICER, totp=False),
        make_official(Role.FINANCE_OFFICER, totp=False),
        UserFactory(),
    )
    gift.maker_pk = officer.pk

    with pytest.raises(PermissionDenied):
        workflow.move(gift, G.FLAGGED, actor=stranger, reason="why")
    with pytest.raises(TransitionRefused, match="not you"):
        workflow.move(gift, G.FLAGGED, actor=officer, reason="why")
    with pytest.raises(TransitionRefused):
        workflow.move(gift, G.FLAGGED, actor=other, reason="  ")
    assert Gift.objects.get(pk=gift.pk).status == G.PENDING
    assert workflow.allowed(gift, officer) == []
    assert workflow.allowed(gift, other) == [G.FLAGGED]

    workflow.move(gift, G.FLAGGED, actor=other, reason="why")
    assert Gift.objects.get(pk=gift.pk).status == G.FLAGGED
