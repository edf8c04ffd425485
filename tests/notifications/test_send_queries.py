"""What one message costs the worker's database: the claim (which also reads the person's
choice for the channel) and the mark, two statements, whoever it is to; and a batch of N: one
claim for all of them, then N marks, each its own statement."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.channels import memory
from notifications.models import Channel, Notification, Preference
from notifications.services import (
    notification_deliver,
    notification_enqueue,
    notifications_deliver,
)
from tests.factories import UserFactory

PHONE = "+6281234567890"
CONTEXT = {"file_name": "export.csv", "created": 3, "rejected": 0, "batch_id": 7}


def delivered(notification: Notification) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        outcome = notification_deliver(notification.pk)
    return outcome, len(queries.captured_queries)


def test_a_message_to_a_person_with_saved_choices_is_two_statements(db):
    person = UserFactory()
    Preference.objects.create(user=person, whatsapp=True, whatsapp_number=PHONE)
    notification = notification_enqueue(
        template="import_finished", dedup_key="queries:person", user=person, context=CONTEXT
    )
    assert delivered(notification) == ("sent", 2)
    (message,) = [m for m in memory.outbox if m.notification_id == notification.pk]
    assert (message.channel, message.to, message.parameters) == (
        Channel.WHATSAPP,
        PHONE,
        ["export.csv", "3", "0"],
    )
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT


def test_a_message_to_an_address_is_two_statements(db):
    notification = notification_enqueue(
        template="import_finished",
        dedup_key="queries:address",
        to_address=PHONE,
        channel=Channel.WHATSAPP,
        context=CONTEXT,
    )
    assert delivered(notification) == ("sent", 2)


@pytest.mark.parametrize(
    ("channel", "choices", "outcome"),
    [
        (Channel.WHATSAPP, {"whatsapp": False, "email": True}, "skipped"),
        (Channel.WHATSAPP, {"whatsapp": True, "email": False}, "sent"),
        (Channel.EMAIL, {"whatsapp": True, "email": False}, "skipped"),
        (Channel.EMAIL, {"whatsapp": False, "email": True}, "sent"),
    ],
)
def test_the_claim_reads_the_choice_for_the_rows_own_channel(db, channel, choices, outcome):
    person = UserFactory()
    Preference.objects.create(user=person, whatsapp_number=PHONE, **choices)
    notification = notification_enqueue(
        template="import_finished",
        dedup_key=f"choice:{channel}:{outcome}",
        user=person,
        to_address=PHONE if channel == Channel.WHATSAPP else person.email,
        channel=channel,
        context=CONTEXT,
    )
    result = delivered(notification)
    notification.refresh_from_db()
    assert result == (outcome, 2), notification.last_error
    assert notification.status == outcome


def test_a_batch_is_claimed_in_one_statement_and_each_row_marked_on_its_own(db):
    choosing = UserFactory()
    Preference.objects.create(user=choosing, whatsapp=True, whatsapp_number=PHONE)
    refusing = UserFactory()
    Preference.objects.create(user=refusing, email=False)
    rows = [
        notification_enqueue(
            template="import_finished", dedup_key=f"batch:{n}", to_address=PHONE,
            channel=Channel.WHATSAPP, context=CONTEXT,
        )
        for n in range(3)
    ]  # fmt: skip
    rows.append(
        notification_enqueue(
            template="import_finished", dedup_key="batch:person", user=choosing, context=CONTEXT
        )
    )
    rows.append(
        notification_enqueue(
            template="import_finished", dedup_key="batch:refusing", user=refusing, context=CONTEXT
        )
    )
    pks = [row.pk for row in rows]
    memory.outbox.clear()

    with CaptureQueriesContext(connection) as queries:
        outcomes = notifications_deliver(pks)

    assert outcomes == ["sent", "sent", "sent", "sent", "skipped"]
    claim, *marks = [q["sql"] for q in queries.captured_queries]
    assert claim.startswith("UPDATE") and "RETURNING" in claim
    assert all(str(pk) in claim for pk in pks)
    # Then one UPDATE per row, committed before the next row's send, each of one row.
    assert len(marks) == len(pks)
    for mark, pk in zip(marks, pks, strict=True):
        assert mark.startswith("UPDATE") and f"WHERE id = {pk} " in mark
    assert [m.notification_id for m in memory.outbox] == pks[:4]
    statuses = dict(Notification.objects.filter(pk__in=pks).values_list("pk", "status"))
    assert [statuses[pk] for pk in pks] == ["sent"] * 4 + ["skipped"]


def test_a_batch_skips_what_is_not_due_without_a_statement_more(db):
    due = notification_enqueue(
        template="import_finished", dedup_key="batch:due", to_address=PHONE,
        channel=Channel.WHATSAPP, context=CONTEXT,
    )  # fmt: skip
    later = notification_enqueue(
        template="import_finished", dedup_key="batch:later", to_address=PHONE,
        channel=Channel.WHATSAPP, context=CONTEXT,
        send_after=due.send_after + datetime.timedelta(hours=1),
    )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        outcomes = notifications_deliver([later.pk, due.pk, 2_000_000_000])
    assert outcomes == ["not due", "sent", "not due"]
    assert len(queries.captured_queries) == 2
