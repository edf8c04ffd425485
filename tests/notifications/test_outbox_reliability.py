"""The outbox under real conditions: a real Celery worker on the real Redis, a worker killed in
the middle of a task, the broker down while people use the portal, reminders that must wait,
and a provider that refuses.

"The provider" is the in-memory WhatsApp channel (``notifications.channels.memory.outbox``)
or Django's locmem mail outbox: the in-process worker runs in this process's threads, so both
see what it sent. The worker tests need PostgreSQL and Redis (``postgres``, ``redis_url``) and
commit for real (``transaction=True``), since a worker reads through its own connection.
"""

import os
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from notifications.channels import DeliveryError, Message, memory
from notifications.models import Channel, Notification, Preference
from notifications.services import notification_claim, notification_enqueue, notifications_claim
from notifications.tasks import dispatch_due, send_notification, send_notifications
from tests.conftest import deliver_notifications
from tests.factories import UserFactory
from tests.notifications.held_worker import FREE, HELD

BASE_DIR = Path(__file__).resolve().parents[2]
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1
QUEUES = ["notifications", "default"]
WAIT = 60  # seconds: an upper bound for a step that takes well under one
PHONE = "+6281234567890"

live = pytest.mark.django_db(transaction=True, serialized_rollback=True)


# --- Helpers -----------------------------------------------------------------------------------


def wait_for(predicate, what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def whatsapp(dedup_key: str, **fields) -> Notification:
    """A due WhatsApp notification to someone without an account, written without a hand-over
    to Celery (the test decides what reaches the broker)."""
    fields.setdefault("to_address", PHONE)
    return Notification.objects.create(
        channel=Channel.WHATSAPP,
        template="import_finished",
        context={"file_name": "export.csv", "created": 3, "rejected": 0},
        dedup_key=dedup_key,
        **fields,
    )


def sent_to_provider(pk: int) -> list[Message]:
    return [m for m in memory.outbox if m.notification_id == pk]


class TaskLog:
    """Tasks that finished in this process (the in-process worker's, and any applied here):
    (task name, args, return value), in order."""

    def __init__(self):
        self.runs: list[tuple[str, tuple, object]] = []
        self._lock = threading.Lock()

    def __call__(self, sender=None, args=None, retval=None, **kwargs):
        with self._lock:
            self.runs.append((sender.name, tuple(args or ()), retval))

    def results(self, task, *args) -> list:
        with self._lock:
            return [r for name, a, r in self.runs if name == task.name and (not args or a == args)]

    def outcomes(self, pk: int) -> list:
        """What the send tasks that finished did to row ``pk``, in order: its part of a batch
        (``notifications.send_batch``), or a single-row task's (``notifications.send``)."""
        with self._lock:
            runs = list(self.runs)
        found = []
        for name, args, result in runs:
            if name == send_notification.name and args == (pk,):
                found.append(result)
            elif name == send_notifications.name and pk in args[0] and isinstance(result, list):
                found.append(result[list(args[0]).index(pk)])
        return found

    def wait_outcomes(self, pk: int, count: int = 1) -> list:
        """Wait until ``count`` send tasks finished with row ``pk``; return their outcomes."""
        return wait_for(
            lambda: len(self.outcomes(pk)) >= count and self.outcomes(pk),
            f"{count} send(s) of notification {pk}",
        )

    def wait(self, task, *args, count: int = 1) -> list:
        """Wait until ``task`` (with ``args``) finished ``count`` times; return its results."""
        return wait_for(
            lambda: len(self.results(task, *args)) >= count and self.results(task, *args),
            f"{count} run(s) of {task.name}{list(args) or ''}",
        )


@pytest.fixture(autouse=True)
def _empty_provider():
    memory.outbox.clear()
    yield
    memory.outbox.clear()


def _use_broker(url: str) -> None:
    """Point the app's producers at ``url``. The app keeps the connection and producer pools it
    took for the URL of the time (kombu keeps one per URL); drop them so that it takes the
    pools of ``url`` on its next publish."""
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


def _forget_queued_tasks(url: str) -> None:
    """Empty the worker queues of the test Redis database, and the messages a killed worker
    left unacknowledged there, so no test sees another's tasks."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        keys = [k for q in QUEUES for k in client.scan_iter(match=f"{q}*")]
        keys += [b"unacked", b"unacked_index", b"unacked_mutex"]
        client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def live_celery(postgres, redis_url, monkeypatch):
    """Celery as in production for one test: tasks go to the test Redis, not run eagerly.
    Yields the task log of the in-process worker(s) the test starts."""
    saved = {"task_always_eager": app.conf.task_always_eager, "broker_url": app.conf.broker_url}
    # An embedded worker would set up Celery's logging: root handlers, captured warnings. Leave
    # pytest's in place (the worker's log records still reach them).
    monkeypatch.setattr(app.log, "setup", lambda *args, **kwargs: None)
    app.conf.task_always_eager = False
    _use_broker(redis_url)
    _forget_queued_tasks(redis_url)
    log = TaskLog()
    task_postrun.connect(log, weak=False)
    try:
        yield log
    finally:
        task_postrun.disconnect(log)
        _forget_queued_tasks(redis_url)
        app.conf.task_always_eager = saved["task_always_eager"]
        _use_broker(saved["broker_url"])


@contextmanager
def in_process_worker(concurrency: int = 4):
    """A real worker in this process (threads, so several tasks may run at the same moment)
    consuming the queues a deployment's worker consumes."""
    pool = None
    try:
        with start_worker(
            app,
            pool="threads",
            concurrency=concurrency,
            perform_ping_check=False,
            queues=QUEUES,
            shutdown_timeout=30,
        ) as worker:
            pool = worker.pool
            yield worker
    finally:
        # The embedded worker's stop leaves its idle threads alive: end them too.
        if pool is not None:
            pool.executor.shutdown(wait=True, cancel_futures=True)


@pytest.fixture
def worker(live_celery):
    with in_process_worker():
        yield live_celery


# --- A real worker on the real Redis -----------------------------------------------------------


@live
def test_a_committed_notification_is_delivered_once_by_a_real_worker(worker):
    with transaction.atomic():
        notification = notification_enqueue(
            template="import_finished",
            dedup_key=f"reliability:{uuid.uuid4()}",
            to_address=PHONE,
            channel=Channel.WHATSAPP,
            context={"file_name": "export.csv", "created": 3, "rejected": 1},
        )
        # Not handed over before the commit: the worker could not see the row yet.
        assert worker.runs == []

    assert worker.wait_outcomes(notification.pk) == ["sent"]
    # The minute beat comes by and finds nothing left to send.
    dispatch_due.apply_async()
    assert worker.wait(dispatch_due) == [0]

    [message] = sent_to_provider(notification.pk)
    assert (message.to, message.template_name) == (PHONE, "import_finished")
    assert message.parameters == ["export.csv", "3", "1"]
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 1
    assert notification.provider_id == f"memory-{notification.pk}"
    assert notification.lease_until is None


@live
def test_the_same_task_delivered_twice_sends_once(worker):
    notification = whatsapp("reliability:twice")

    # Four threads: both copies may be taken at the same moment; the claim lets one through.
    send_notification.apply_async(args=[notification.pk])
    send_notification.apply_async(args=[notification.pk])

    assert sorted(worker.wait_outcomes(notification.pk, count=2)) == ["not due", "sent"]
    assert len(sent_to_provider(notification.pk)) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Notification.Status.SENT, 1)


@live
def test_a_row_left_leased_by_a_dead_worker_is_sent_once_after_the_lease(worker):
    notification = whatsapp("reliability:dead-worker")
    # What a worker did before it died: it claimed the row (a lease of
    # NOTIFICATION_LEASE_SECONDS), and never called the provider.
    assert notification_claim(notification.pk) is not None

    # Within the lease the row is another worker's: neither the beat nor a copy of the task
    # sends it.
    dispatch_due.apply_async()
    assert worker.wait(dispatch_due) == [0]
    send_notification.apply_async(args=[notification.pk])
    assert worker.wait_outcomes(notification.pk) == ["not due"]
    assert sent_to_provider(notification.pk) == []

    # The lease runs out (the test with a killed worker process waits for a real one).
    Notification.objects.filter(pk=notification.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    dispatch_due.apply_async()
    assert worker.wait(dispatch_due, count=2)[-1] == 1
    assert worker.wait_outcomes(notification.pk, count=2)[-1] == "sent"
    # And the next minute's beat finds nothing.
    dispatch_due.apply_async()
    assert worker.wait(dispatch_due, count=3)[-1] == 0

    assert len(sent_to_provider(notification.pk)) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Notification.Status.SENT, 2)


def _database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _lock_waiters(dbname: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            [dbname],
        )
        return cursor.fetchone()[0]


@live
def test_a_worker_killed_mid_batch_leads_to_one_delivery_of_each_row_after_the_lease(
    live_celery, tmp_path
):
    """A real worker process takes a batch of three rows (one task, one claim), sends and marks
    the first, and is killed (SIGKILL) while the second is on its way to the provider, the
    third not reached. Once the lease has expired the beat sends the second and the third,
    once each, and never the first again; the dead worker's task, when Redis hands it back,
    sends nothing more."""
    import psycopg

    user = UserFactory()
    Preference.objects.create(user=user, whatsapp=True, whatsapp_number=PHONE)
    with transaction.atomic():
        first, held, third = (
            notification_enqueue(
                template="import_finished",
                dedup_key=f"reliability:killed:{n}",
                user=user,
                # The held worker's channel lets FREE through and waits before any other.
                context={"file_name": FREE if n == 1 else "x.csv", "created": n, "rejected": 0},
            )
            for n in (1, 2, 3)
        )
    assert {first.channel, held.channel, third.channel} == {Channel.WHATSAPP}
    rows = (first, held, third)

    # Hold the worker between its claim and the provider: its WhatsApp channel waits for an
    # advisory lock before it hands the message over (tests/notifications/held_worker.py), and
    # this connection holds that lock.
    db = connection.settings_dict
    blocker = psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"] or None,
        dbname=db["NAME"], connect_timeout=5,
    )  # fmt: skip
    log_path = tmp_path / "worker.log"
    process = None
    try:
        blocker.execute("SELECT pg_advisory_lock(%s)", [HELD])
        env = {
            **os.environ,
            "PORTAL_ENV": "test",
            "DJANGO_SETTINGS_MODULE": "tests.notifications.held_worker",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": settings.REDIS_URL,
            # A short lease that still covers the batch, as the worker's start-up demands.
            "NOTIFICATION_LEASE_SECONDS": "3",
            "NOTIFICATION_BATCH_SIZE": "3",
            "NOTIFICATION_SEND_SECONDS": "1",
        }
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
                    "-Q", ",".join(QUEUES), "--loglevel", "INFO", "--without-mingle",
                    "--without-gossip", "--without-heartbeat", "-n", f"doomed-{uuid.uuid4()}@%h",
                ],
                cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip

        def statuses() -> list[str]:
            found = dict(Notification.objects.values_list("pk", "status"))
            return [found[row.pk] for row in rows]

        def first_sent_second_stuck():
            assert process.poll() is None, log_path.read_text(errors="replace")
            S = Notification.Status
            return statuses() == [S.SENT, S.SENDING, S.SENDING] and _lock_waiters(db["NAME"]) > 0

        wait_for(first_sent_second_stuck, "the worker to send the first row and wait on the next")
        process.kill()
        process.wait(timeout=10)
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        blocker.rollback()
        blocker.close()

    for row in rows:
        row.refresh_from_db()
        assert row.attempts == 1
    assert first.status == Notification.Status.SENT and first.provider_id
    for row in (held, third):
        assert row.status == Notification.Status.SENDING
        assert row.sent_at is None and row.provider_id == ""
    # The dead worker's one task message is still in Redis, unacknowledged (acks_late).
    with app.connection_for_write() as conn:
        client = conn.default_channel.client
        dead_tags = list(client.hkeys("unacked"))
    assert len(dead_tags) == 1

    # A new worker; the beat runs once the dead worker's lease has expired.
    wait_for(lambda: timezone.now() > held.lease_until, "the lease to expire", 10)
    with in_process_worker():
        dispatch_due.apply_async()
        assert live_celery.wait(dispatch_due) == [2]
        assert live_celery.wait_outcomes(held.pk) == ["sent"]
        assert live_celery.wait_outcomes(third.pk) == ["sent"]
        dispatch_due.apply_async()
        assert live_celery.wait(dispatch_due, count=2)[-1] == 0

        # Later Redis gives the dead worker's message back (its visibility timeout passed):
        # the task runs again and sends nothing.
        with app.connection_for_write() as conn:
            for tag in dead_tags:
                conn.default_channel.qos.restore_by_tag(tag)
        assert live_celery.wait_outcomes(first.pk) == ["not due"]
        assert live_celery.wait_outcomes(held.pk, count=2)[-1] == "not due"
        assert live_celery.wait_outcomes(third.pk, count=2)[-1] == "not due"

    assert sent_to_provider(first.pk) == []  # sent by the dead worker, never again
    for row in (held, third):
        [message] = sent_to_provider(row.pk)
        assert message.to == PHONE
    expected = {first.pk: 1, held.pk: 2, third.pk: 2}
    for row in rows:
        row.refresh_from_db()
        assert (row.status, row.attempts) == (Notification.Status.SENT, expected[row.pk])


@live
def test_with_the_broker_down_the_action_succeeds_and_the_beat_sends_later(
    live_celery, client, caplog
):
    _use_broker(UNREACHABLE_BROKER)
    # A person signs up (allauth's verification code goes through the outbox)...
    response = client.post(
        reverse("account_signup"),
        {
            "email": "warga@example.org",
            "password1": "sebuah-kata-sandi-panjang",
            "password2": "sebuah-kata-sandi-panjang",
            "privacy_consent": "on",
        },
    )
    # ... and a service writes a notification in a transaction that commits.
    with transaction.atomic():
        direct = notification_enqueue(
            template="import_finished",
            dedup_key="reliability:broker-down",
            to_address=PHONE,
            channel=Channel.WHATSAPP,
            context={"file_name": "export.csv", "created": 1, "rejected": 0},
        )

    assert response.status_code == 302
    account_mail = Notification.objects.get(template="account_mail")
    assert account_mail.to_address == "warga@example.org"
    for row in (account_mail, direct):
        row.refresh_from_db()
        assert (row.status, row.attempts) == (Notification.Status.PENDING, 0)
    assert "broker unavailable" in caplog.text
    assert mail.outbox == [] and memory.outbox == []

    # The broker returns; the minute beat sends what waited, once.
    _use_broker(settings.REDIS_URL)
    with in_process_worker():
        dispatch_due.apply_async()
        assert live_celery.wait(dispatch_due) == [2]
        assert live_celery.wait_outcomes(account_mail.pk) == ["sent"]
        assert live_celery.wait_outcomes(direct.pk) == ["sent"]
        dispatch_due.apply_async()
        assert live_celery.wait(dispatch_due, count=2)[-1] == 0

    [code_mail] = mail.outbox
    assert code_mail.to == ["warga@example.org"]
    assert len(sent_to_provider(direct.pk)) == 1
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


@live
def test_a_reminder_is_not_sent_before_its_time_and_the_beat_twice_sends_once(live_celery):
    later = timezone.now() + timedelta(hours=1)
    with transaction.atomic():
        reminder = notification_enqueue(
            template="import_finished",
            dedup_key="reliability:reminder",
            to_address=PHONE,
            channel=Channel.WHATSAPP,
            context={"file_name": "export.csv", "created": 1, "rejected": 0},
            send_after=later,
        )

    # Not handed to Celery at the commit, not taken by the beat, not sent by a stray task.
    with in_process_worker():
        dispatch_due.apply_async()
        assert live_celery.wait(dispatch_due) == [0]
        send_notification.apply_async(args=[reminder.pk])
        assert live_celery.wait_outcomes(reminder.pk) == ["not due"]
    assert sent_to_provider(reminder.pk) == []
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (Notification.Status.PENDING, 0)

    # Its time comes, and the beat runs twice before a worker gets to the first hand-over
    # (a backlog, or two schedulers): two tasks for the row in Redis, one message.
    Notification.objects.filter(pk=reminder.pk).update(
        send_after=timezone.now() - timedelta(seconds=1)
    )
    assert dispatch_due.apply().get() == 1
    assert dispatch_due.apply().get() == 1
    with in_process_worker():
        outcomes = live_celery.wait_outcomes(reminder.pk, count=3)
    assert outcomes[0] == "not due" and sorted(outcomes[1:]) == ["not due", "sent"]

    assert len(sent_to_provider(reminder.pk)) == 1
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (Notification.Status.SENT, 1)


@live
def test_two_workers_claiming_overlapping_batches_never_both_get_a_row(postgres):
    rows = [whatsapp(f"reliability:overlap:{n}").pk for n in range(6)]
    others: list[list[int]] = []

    def second_worker():
        try:
            others.append([n.pk for n in notifications_claim(rows[2:])])
        finally:
            connection.close()

    # The first worker's claim holds its rows (not committed yet) while the second claims an
    # overlapping batch: the second gets the rest at once, neither waiting nor taking a row.
    with transaction.atomic():
        mine = [n.pk for n in notifications_claim(rows[:4])]
        thread = threading.Thread(target=second_worker)
        thread.start()
        thread.join(timeout=WAIT)
        assert not thread.is_alive(), "the second claim waited for the first"
    assert mine == rows[:4]
    assert others == [rows[4:]]

    # Many workers at the same moment, each with a batch overlapping the others'.
    more = [whatsapp(f"reliability:race:{n}").pk for n in range(60)]
    start = threading.Barrier(6)
    claimed: list[list[int]] = []

    def racing(offset: int):
        try:
            start.wait(timeout=WAIT)
            batch = more[offset:] + more[:offset]
            claimed.append([n.pk for n in notifications_claim(batch[:40])])
        finally:
            connection.close()

    threads = [threading.Thread(target=racing, args=(10 * n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT)
    taken = [pk for batch in claimed for pk in batch]
    assert len(claimed) == 6
    assert len(taken) == len(set(taken)) == 60
    assert set(Notification.objects.filter(pk__in=more).values_list("attempts", flat=True)) == {1}


# --- Without a worker: when it is due, and what a refusal does ----------------------------------


def test_send_after_in_the_future_is_not_sent_early(db):
    reminder = whatsapp("reliability:early", send_after=timezone.now() + timedelta(minutes=30))

    assert deliver_notifications() == []
    assert dispatch_due.apply().get() == 0
    assert send_notification.apply(args=[reminder.pk]).get() == "not due"
    assert memory.outbox == []

    Notification.objects.filter(pk=reminder.pk).update(send_after=timezone.now())
    assert deliver_notifications() == ["sent"]
    assert deliver_notifications() == []
    assert len(sent_to_provider(reminder.pk)) == 1


class UnavailableChannel:
    """The provider is down for now (a timeout, a 5xx, a rate limit)."""

    def send(self, message: Message) -> str:
        raise DeliveryError("503 Service Unavailable")


class RefusingChannel:
    """The provider refuses this message for good (an invalid number, a rejected template)."""

    def send(self, message: Message) -> str:
        raise DeliveryError("131026 Message undeliverable", permanent=True)


class BrokenChannel:
    """A bug or an unexpected failure in a channel."""

    def send(self, message: Message) -> str:
        raise RuntimeError("socket closed")


def use_whatsapp(settings, backend: type) -> None:
    settings.NOTIFICATION_BACKENDS = {
        **settings.NOTIFICATION_BACKENDS,
        "whatsapp": f"{backend.__module__}.{backend.__qualname__}",
    }


def make_due(notification: Notification) -> None:
    Notification.objects.filter(pk=notification.pk).update(send_after=timezone.now())


@pytest.mark.parametrize(
    ("backend", "error"),
    [
        (UnavailableChannel, "503 Service Unavailable"),
        (BrokenChannel, "RuntimeError: socket closed"),
    ],
)
def test_a_temporary_error_waits_longer_each_time_and_counts_attempts(db, settings, backend, error):
    use_whatsapp(settings, backend)
    notification = whatsapp("reliability:temporary")
    delays = []
    for attempt in (1, 2, 3):
        before = timezone.now()
        assert deliver_notifications() == ["retry"]
        notification.refresh_from_db()
        assert notification.status == Notification.Status.PENDING
        assert notification.attempts == attempt
        assert notification.lease_until is None
        assert notification.last_error == error
        delays.append((notification.send_after - before).total_seconds())
        # Not retried before its new time, by the beat or by a copy of the task.
        assert deliver_notifications() == []
        assert send_notification.apply(args=[notification.pk]).get() == "not due"
        make_due(notification)

    # 1, 2, 4 minutes, ±20 % jitter.
    for delay, minutes in zip(delays, (1, 2, 4), strict=True):
        assert 0.8 * 60 * minutes - 1 <= delay <= 1.2 * 60 * minutes + 1

    # The provider recovers: sent once, and the error is cleared.
    use_whatsapp(settings, memory.MemoryChannel)
    assert deliver_notifications() == ["sent"]
    assert deliver_notifications() == []
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Notification.Status.SENT, 4)
    assert notification.last_error == ""
    assert len(sent_to_provider(notification.pk)) == 1


def test_a_temporary_error_gives_up_after_the_last_attempt(db, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    use_whatsapp(settings, UnavailableChannel)
    notification = whatsapp("reliability:gives-up")
    outcomes = []
    for _attempt in range(3):
        outcomes += deliver_notifications()
        make_due(notification)
    assert outcomes == ["retry", "retry", "failed"]
    assert deliver_notifications() == []
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Notification.Status.FAILED, 3)


def test_a_permanent_error_fails_at_once_and_is_not_retried(db, settings):
    use_whatsapp(settings, RefusingChannel)
    notification = whatsapp("reliability:permanent")

    assert send_notification.apply(args=[notification.pk]).get() == "failed"
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == 1
    assert notification.lease_until is None
    assert notification.sent_at is None
    assert "131026" in notification.last_error

    make_due(notification)
    assert dispatch_due.apply().get() == 0
    assert deliver_notifications() == []
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Notification.Status.FAILED, 1)


def test_the_beat_hands_due_rows_over_in_batches(db, settings):
    settings.NOTIFICATION_BATCH_SIZE = 20
    rows = [whatsapp(f"reliability:beat-batch:{n}").pk for n in range(45)]
    log = TaskLog()
    task_postrun.connect(log, weak=False)
    try:
        assert dispatch_due.apply().get() == 45
    finally:
        task_postrun.disconnect(log)
    batches = [args[0] for name, args, _result in log.runs if name == send_notifications.name]
    assert batches == [rows[:20], rows[20:40], rows[40:]]
    assert [log.outcomes(pk) for pk in rows] == [["sent"]] * 45
    assert sorted(m.notification_id for m in memory.outbox) == rows


class FailingForOne:
    """The provider refuses one number for now, and takes the others."""

    def send(self, message: Message) -> str:
        if message.to == UNLUCKY:
            raise DeliveryError("503 Service Unavailable")
        return memory.MemoryChannel().send(message)


UNLUCKY = "+6281299990000"


def test_a_failure_of_one_row_in_a_batch_retries_only_that_row(db, settings):
    use_whatsapp(settings, FailingForOne)
    first = whatsapp("reliability:batch-fail:1")
    unlucky = whatsapp("reliability:batch-fail:2", to_address=UNLUCKY)
    third = whatsapp("reliability:batch-fail:3")
    batch = [first.pk, unlucky.pk, third.pk]

    assert send_notifications.apply(args=[batch]).get() == ["sent", "retry", "sent"]
    rows = Notification.objects.in_bulk(batch)
    assert [rows[pk].status for pk in batch] == ["sent", "pending", "sent"]
    assert rows[unlucky.pk].attempts == 1 and rows[unlucky.pk].send_after > timezone.now()
    assert rows[unlucky.pk].last_error == "503 Service Unavailable"

    # The same batch again (a copy of the task, or the beat): nothing is due, nothing sent.
    assert send_notifications.apply(args=[batch]).get() == ["not due"] * 3
    make_due(unlucky)
    use_whatsapp(settings, memory.MemoryChannel)
    assert send_notifications.apply(args=[batch]).get() == ["not due", "sent", "not due"]
    for row in (first, unlucky, third):
        assert len(sent_to_provider(row.pk)) == 1
    rows = Notification.objects.in_bulk(batch)
    assert [(rows[pk].status, rows[pk].attempts) for pk in batch] == [
        ("sent", 1),
        ("sent", 2),
        ("sent", 1),
    ]


def test_a_row_marked_sent_is_never_sent_again_by_a_repeated_task(db):
    rows = [whatsapp(f"reliability:repeated:{n}").pk for n in range(3)]
    assert send_notifications.apply(args=[rows]).get() == ["sent"] * 3
    # A copy of the batch, the beat, the single-row task: all find nothing to claim.
    assert send_notifications.apply(args=[rows]).get() == ["not due"] * 3
    assert dispatch_due.apply().get() == 0
    assert send_notification.apply(args=[rows[0]]).get() == "not due"
    assert [len(sent_to_provider(pk)) for pk in rows] == [1, 1, 1]


def test_the_single_row_task_queued_before_batches_still_sends(db):
    notification = whatsapp("reliability:single")
    assert send_notification.apply(args=[notification.pk]).get() == "sent"
    assert send_notification.apply(args=[notification.pk]).get() == "not due"
    assert len(sent_to_provider(notification.pk)) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Notification.Status.SENT, 1)


class SlowChannel:
    """Each send takes 1.6 seconds of the clock (moved by the test's time machine)."""

    traveller = None

    def send(self, message: Message) -> str:
        SlowChannel.traveller.shift(timedelta(seconds=1.6))
        return memory.MemoryChannel().send(message)


def test_a_batch_slower_than_its_lease_hands_back_the_rows_it_would_not_cover(db, settings):
    """The lease (4 s here) would cover 4 sends of the allowance (1 s), but each send takes
    1.6 s: no send starts with less than the allowance left, so the third row is handed back
    (pending, its attempt not counted) and to Celery, which sends it under a lease of its
    own. Never a row sent while another worker could have claimed it."""
    settings.NOTIFICATION_LEASE_SECONDS = 4
    settings.NOTIFICATION_SEND_SECONDS = 1
    settings.NOTIFICATION_BATCH_SIZE = 4
    use_whatsapp(settings, SlowChannel)
    rows = [whatsapp(f"reliability:slow:{n}").pk for n in range(3)]
    log = TaskLog()
    task_postrun.connect(log, weak=False)
    try:
        with time_machine.travel(timezone.now(), tick=False) as traveller:
            SlowChannel.traveller = traveller
            # Sends start at 0 and 1.6 s; at 3.2 s only 0.8 s of the lease is left.
            outcomes = send_notifications.apply(args=[rows]).get()
    finally:
        task_postrun.disconnect(log)
        SlowChannel.traveller = None
    assert outcomes == ["sent", "sent", "handed back"]
    # Handed to Celery again at once (eager in tests): sent under its own lease.
    assert log.outcomes(rows[2]) == ["sent", "handed back"]
    assert [len(sent_to_provider(pk)) for pk in rows] == [1, 1, 1]
    assert set(Notification.objects.filter(pk__in=rows).values_list("attempts", flat=True)) == {1}
