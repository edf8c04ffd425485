"""Several notifications to one user in one call (a booking and its reminders): the user's
preferences are read once and the rows written in one INSERT, however many there are."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

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
