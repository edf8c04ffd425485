"""Several notifications to one user in one call (a booking and its reminders): the user's
preferences are read once and the rows written in one INSERT, however many there are. And
the due rows of one transaction, however they were written, go to Celery together when it
commits: ``NOTIFICATION_BATCH_SIZE`` to a task."""

import datetime

import pytest
from celery.signals import task_postrun
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.channels import memory
from notifications.models import Channel, Notification, Preference
from notifications.services import Outgoing, notification_enqueue, notifications_enqueue
from tests.factories import UserFactory


def batch(prefix: str, count: int) -> list[Outgoing]:
    later = timezone.now() + datetime.timedelta(days=1)
    return [
        Outgoing(template="visit_reminder", dedup_key=f"{prefix}:{n}", send_after=later)
        for n in range(count)
    ]


def queries_of(user, notifications: list[Outgoing]) -> int:
    with CaptureQueriesContext(connection) as queries:
        notifications_enqueue(user=user, notifications=notifications)
    return len(queries.captured_queries)


def test_the_queries_of_a_batch_do_not_grow_with_its_size(db):
    user = UserFactory()
    Preference.objects.create(user=user)
    assert queries_of(user, batch("one", 1)) == queries_of(user, batch("five", 5))
    assert Notification.objects.filter(user=user).count() == 6


def test_a_batch_follows_the_preferences_and_is_sent_when_due(
    db, django_capture_on_commit_callbacks
):
    user = UserFactory(language="en")
    Preference.objects.create(user=user, whatsapp=True, whatsapp_number="+6281234567890")
    later = timezone.now() + datetime.timedelta(hours=5)
    with django_capture_on_commit_callbacks() as callbacks:
        rows = notifications_enqueue(
            user=user,
            notifications=[
                Outgoing(template="visit_booked", dedup_key="b:1", context={"slot_id": 7}),
                Outgoing(template="visit_reminder", dedup_key="r:1", send_after=later),
            ],
        )
    assert [row.dedup_key for row in rows] == ["b:1", "r:1"]
    for row in Notification.objects.filter(user=user):
        assert (row.channel, row.to_address, row.language) == (
            Channel.WHATSAPP,
            "+6281234567890",
            "en",
        )
    assert Notification.objects.get(dedup_key="b:1").context == {"slot_id": 7}
    assert Notification.objects.get(dedup_key="r:1").send_after == later
    assert len(callbacks) == 1  # the due one goes to Celery, the reminder waits for the beat


def test_a_repeated_batch_writes_nothing_and_returns_the_rows(db):
    user = UserFactory()
    first = notification_enqueue(template="visit_booked", dedup_key="b:2", user=user)
    rows = notifications_enqueue(
        user=user,
        notifications=[
            Outgoing(template="visit_booked", dedup_key="b:2"),
            Outgoing(template="visit_reminder", dedup_key="r:2"),
        ],
    )
    assert rows[0].pk == first.pk
    assert rows[1].dedup_key == "r:2"
    assert Notification.objects.filter(user=user).count() == 2


@pytest.fixture
def handed_over():
    """The ids each send task was given, task by task (Celery runs them eagerly in tests)."""
    batches: list[list[int]] = []

    def record(sender=None, args=None, **kwargs):
        if sender.name == "notifications.send_batch":
            batches.append(list(args[0]))

    task_postrun.connect(record, weak=False)
    yield batches
    task_postrun.disconnect(record)


def due(prefix: str, count: int) -> list[int]:
    return [
        notification_enqueue(
            template="import_finished",
            dedup_key=f"{prefix}:{n}",
            to_address="+6281234567890",
            channel=Channel.WHATSAPP,
            context={"file_name": "export.csv", "created": n, "rejected": 0},
        ).pk
        for n in range(count)
    ]


def test_the_due_rows_of_a_transaction_go_to_celery_in_batches(
    db, settings, django_capture_on_commit_callbacks, handed_over
):
    settings.NOTIFICATION_BATCH_SIZE = 20
    user = UserFactory()
    memory.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        singles = due("single", 45)
        context = {"file_name": "export.csv", "created": 1, "rejected": 0, "batch_id": 7}
        booked, _reminder = notifications_enqueue(user=user, notifications=[
            Outgoing(template="import_finished", dedup_key="b:3", context=context),
            Outgoing(template="visit_reminder", dedup_key="r:3", send_after=timezone.now()
                     + datetime.timedelta(days=1)),
        ])  # fmt: skip
        assert handed_over == []  # nothing before the commit

    assert len(callbacks) == 1  # one hook for the transaction, not one per row
    assert handed_over == [singles[:20], singles[20:40], [*singles[40:], booked.pk]]
    assert sorted(m.notification_id for m in memory.outbox) == singles
    assert Notification.objects.get(pk=booked.pk).status == Notification.Status.SENT


def test_a_savepoint_that_rolls_back_leaves_the_rest_of_the_transaction_handed_over(
    db, django_capture_on_commit_callbacks, handed_over
):
    with django_capture_on_commit_callbacks(execute=True):
        [first] = due("kept", 1)
        with pytest.raises(RuntimeError), transaction.atomic():
            [undone] = due("undone", 1)
            raise RuntimeError
        [last] = due("kept-too", 1)
    # The rolled-back row's id goes along and claims nothing.
    assert handed_over == [[first, undone, last]]
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}

    handed_over.clear()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            due("undone-first", 1)  # the hook it registered goes with the savepoint
            raise RuntimeError
        after = due("after", 2)
    assert handed_over == [after]
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
