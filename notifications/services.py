"""The outbox: write a notification with the event, send it at least once, never block."""

import datetime
import logging
import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import AuditEvent, User
from accounts.registry import AccountOwner
from accounts.services import audit_record

from .catalogue import kind
from .channels import DeliveryError, Message, channel_backend
from .models import Channel, Notification, Preference

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def notification_enqueue(
    *,
    template: str,
    dedup_key: str,
    context: dict[str, Any] | None = None,
    user: User | None = None,
    to_address: str = "",
    channel: str = Channel.EMAIL,
    language: str | None = None,
    send_after: datetime.datetime | None = None,
) -> Notification:
    """Write a notification in the caller's transaction and hand it to Celery once that
    transaction commits. The same ``dedup_key`` twice writes one row.

    To a user the channel and address follow their preferences (WhatsApp when they chose it
    and gave a number), unless ``to_address`` fixes the address (account mail goes to the
    address it is about); ``to_address`` alone is for people without an account.
    """
    spec = kind(template)
    if user is not None:
        if not to_address:
            channel, to_address = _route(user, channel)
        language = language or user.language
    if not to_address:
        raise ValueError("A notification needs a user or an address.")
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user,
                to_address=to_address,
                channel=channel,
                template=template,
                context=context or {},
                language=language or settings.LANGUAGE_CODE,
                mandatory=spec.mandatory,
                dedup_key=dedup_key[:200],
                send_after=send_after or timezone.now(),
            )
    except IntegrityError:
        return Notification.objects.get(dedup_key=dedup_key[:200])
    if notification.send_after <= timezone.now():
        _hand_over_on_commit([notification.pk])
    return notification


@dataclass(frozen=True)
class Outgoing:
    """One notification of a batch to one user (``notifications_enqueue``)."""

    template: str
    dedup_key: str
    context: dict[str, Any] = field(default_factory=dict)
    send_after: datetime.datetime | None = None


def notifications_enqueue(*, user: User, notifications: list[Outgoing]) -> list[Notification]:
    """Several notifications to one user (a booking and its reminders), as
    ``notification_enqueue`` writes each, at the cost of one: the user's preferences read
    once, the rows written in one INSERT. When one ``dedup_key`` is written already, each is
    written as ``notification_enqueue`` does (the rows come back in ``notifications``'
    order)."""
    if not notifications:
        return []
    channel, to_address = _route(user, Channel.EMAIL)
    now = timezone.now()
    fresh = [
        Notification(
            user=user,
            to_address=to_address,
            channel=channel,
            template=outgoing.template,
            context=outgoing.context,
            language=user.language or settings.LANGUAGE_CODE,
            mandatory=kind(outgoing.template).mandatory,
            dedup_key=outgoing.dedup_key[:200],
            send_after=outgoing.send_after or now,
        )
        for outgoing in notifications
    ]
    try:
        with transaction.atomic():
            Notification.objects.bulk_create(fresh)
    except IntegrityError:
        # A repeated event: one at a time, each written or found by its dedup_key.
        return [
            notification_enqueue(
                template=o.template,
                dedup_key=o.dedup_key,
                context=o.context,
                user=user,
                send_after=o.send_after,
            )
            for o in notifications
        ]
    _hand_over_on_commit([n.pk for n in fresh if n.send_after <= now])
    return fresh


def account_mail_enqueue(
    *, to_address: str, user: User | None, language: str, subject: str, text: str, html: str
) -> None:
    """allauth's account mail, rendered by accounts' adapter, as an outbox row."""
    notification_enqueue(
        template="account_mail",
        dedup_key=f"account_mail:{uuid.uuid4()}",
        user=user,
        to_address=to_address,
        language=language,
        context={"subject": subject, "text": text, "html": html},
    )


def notifications_withdraw(*, dedup_keys: Iterable[str]) -> int:
    """Delete rows not sent yet (a reminder of a visit that was cancelled). A row a worker
    has already claimed goes out: at least once, never blocked."""
    keys = [key[:200] for key in dedup_keys]
    deleted, _by_model = Notification.objects.filter(
        dedup_key__in=keys, status=Notification.Status.PENDING
    ).delete()
    return deleted


def _route(user: User, channel: str) -> tuple[str, str]:
    preference = Preference.objects.filter(user=user).first()
    if preference and preference.whatsapp and preference.whatsapp_number:
        return Channel.WHATSAPP, preference.whatsapp_number
    return Channel.EMAIL, user.email


class _HandOver:
    """The due rows a transaction wrote, handed to Celery together when it commits."""

    def __init__(self, pks: list[int]) -> None:
        self.pks = pks
        self.done = False

    def __call__(self) -> None:
        self.done = True
        dispatch_many(self.pks)


def _hand_over_on_commit(pks: list[int]) -> None:
    """Hand ``pks`` to Celery when the caller's transaction commits, in batches with every
    other due row it wrote (``dispatch_many``): a transaction that writes a thousand rows
    queues fifty tasks, not a thousand.

    One on-commit hook serves the whole transaction: a later row joins the hook an earlier
    one registered, as long as Django still holds it. That hook was registered inside every
    savepoint still open now (savepoints nest), so a rollback that would drop a hook
    registered now drops it too: no row that commits is left to the beat. A row written in a
    savepoint that rolled back may still be handed over with the rest: its id claims
    nothing."""
    if not pks:
        return
    # Django keeps (savepoint ids, hook, robust) for each hook; django-stubs knows two.
    for entry in connection.run_on_commit:
        hook = entry[1]
        if isinstance(hook, _HandOver) and not hook.done:
            hook.pks.extend(pks)
            return
    transaction.on_commit(_HandOver(list(pks)))


def dispatch_many(pks: Sequence[int]) -> int:
    """Hand rows to Celery, ``NOTIFICATION_BATCH_SIZE`` to a task; returns how many were
    handed. Never raises: with the broker down the rows stay pending and the minute beat
    sends them later (the broker connection gives up within seconds, and after the first
    refusal the rest are not tried: a request must not wait seconds per batch)."""
    from .tasks import send_notifications  # noqa: PLC0415 -- tasks import this module

    size = settings.NOTIFICATION_BATCH_SIZE
    handed = 0
    for start in range(0, len(pks), size):
        batch = list(pks[start : start + size])
        try:
            send_notifications.apply_async(args=(batch,), retry=False)
        except Exception:
            logger.warning(
                "broker unavailable: %s notification(s) wait for the beat", len(pks) - handed
            )
            break
        handed += len(batch)
    return handed


def notification_claim(pk: int) -> Notification | None:
    """Take a due row (or one whose lease expired) for sending, atomically: one UPDATE …
    RETURNING claims it and reads it back, so two workers can never both have it."""
    claimed = notifications_claim([pk])
    return claimed[0] if claimed else None


def notifications_claim(pks: Sequence[int]) -> list[Notification]:
    """Take the due rows of ``pks`` (or those whose lease expired) for sending, in one
    statement; a row another worker holds is not returned."""
    claimed, _lease = _claim(pks)
    return [notification for notification, _accepts in claimed]


def _claim(pks: Sequence[int]) -> tuple[list[tuple[Notification, bool]], datetime.datetime]:
    # One statement per batch, committed before any provider is called, and it answers
    # everything the sends need: the rows' columns, and whether each person accepts the
    # row's channel (NULL: no account or no saved choices, so yes), read from the preferences
    # in the same snapshot as the claim. On PostgreSQL the rows are taken with FOR UPDATE
    # SKIP LOCKED: a row another transaction holds at that moment (another worker's claim,
    # nearly always) is skipped rather than waited for, so two overlapping batches never
    # wait for each other nor deadlock on their rows' order; whatever such a transaction
    # leaves due, the beat sends. The conditions are asked again of the locked rows by the
    # UPDATE itself. Built into instances by hand: the ORM's raw-query path costs more than
    # the statement. Returns the claimed rows in the order of ``pks`` and the lease they hold.
    now = timezone.now()
    lease = now + timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
    if not pks:
        return [], lease
    adapt = connection.ops.adapt_datetimefield_value
    quote = connection.ops.quote_name
    S = Notification.Status
    fields = Notification._meta.concrete_fields
    table = quote(Notification._meta.db_table)
    preferences = quote(Preference._meta.db_table)
    columns = ", ".join(f"{table}.{quote(str(f.column))}" for f in fields)
    ids = ", ".join(["%s"] * len(pks))
    due = "((status = %s AND send_after <= %s) OR (status = %s AND lease_until < %s))"
    due_params = [S.PENDING, adapt(now), S.SENDING, adapt(now)]
    if connection.features.has_select_for_update_skip_locked:
        taken = (
            f"id IN (SELECT id FROM {table} WHERE id IN ({ids}) AND {due} "  # noqa: S608
            f"FOR UPDATE SKIP LOCKED) AND {due}"
        )
        taken_params = [*pks, *due_params, *due_params]
    else:  # SQLite (dev): one writer at a time
        taken = f"id IN ({ids}) AND {due}"
        taken_params = [*pks, *due_params]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, lease_until = %s, attempts = attempts + 1 "  # noqa: S608
            f"WHERE {taken} RETURNING {columns}, "
            f"(SELECT CASE WHEN {table}.channel = %s THEN p.whatsapp ELSE p.email END "
            f"FROM {preferences} p WHERE p.user_id = {table}.user_id)",
            [S.SENDING, adapt(lease), *taken_params, Channel.WHATSAPP],
        )
        rows = cursor.fetchall()
    names = [f.attname for f in fields]
    claimed: dict[int, tuple[Notification, bool]] = {}
    for row in rows:
        *values, accepts = row
        for index, convert in _claim_converters():
            values[index] = convert(values[index], None, connection)
        notification = Notification.from_db(connection.alias, names, values)
        claimed[notification.pk] = (notification, accepts is None or bool(accepts))
    in_order = [claimed.pop(pk) for pk in pks if pk in claimed]
    return in_order, lease


_CONVERTERS: dict[str, list[tuple[int, Any]]] = {}


def _claim_converters() -> list[tuple[int, Any]]:
    """What the ORM would apply to the claimed columns, by position: the fields' own
    ``from_db_value`` (decryption, JSON) and the backend's (SQLite's datetimes and booleans).
    The same for every claim of a process, so worked out once per database vendor."""
    found = _CONVERTERS.get(connection.vendor)
    if found is None:
        found = []
        for index, f in enumerate(Notification._meta.concrete_fields):
            column = f.get_col(Notification._meta.db_table)
            steps = [
                *connection.ops.get_db_converters(column),
                *column.get_db_converters(connection),
            ]
            if steps:
                found.append((index, partial(_converted, steps=steps, column=column)))
        _CONVERTERS[connection.vendor] = found
    return found


def _converted(value: Any, _expression: Any, db: Any, *, steps: list[Any], column: Any) -> Any:
    for step in steps:
        value = step(value, column, db)
    return value


def notification_deliver(pk: int) -> str:
    """Claim, render, send, record one row (``notifications_deliver`` of one)."""
    return notifications_deliver([pk])[0]


def notifications_deliver(pks: Sequence[int]) -> list[str]:
    """Claim the due rows of ``pks`` in one statement, then render, send and record each on
    its own, in order. Returns what happened to each id of ``pks``: "sent", "skipped",
    "retry", "failed", "not due" (another worker has it, it is done, or not due yet), or
    "handed back" (the lease would not have covered its send: see below).

    Each row is marked in its own committed statement as soon as its provider has answered,
    so a crash repeats at most the one message in flight; the claimed rows not reached yet
    keep their lease until it expires, and the beat sends them. The lease covers the batch
    (``NOTIFICATION_BATCH_SIZE`` x ``NOTIFICATION_SEND_SECONDS`` <=
    ``NOTIFICATION_LEASE_SECONDS``, refused otherwise by ``config.checks``); should the
    sends still run slower than that, no send starts with less than
    ``NOTIFICATION_SEND_SECONDS`` of the lease left: the rest are handed back (pending again,
    their attempt not counted) and to Celery, never sent while another worker may claim
    them."""
    claimed, lease = _claim(pks)
    outcomes = dict.fromkeys(pks, "not due")
    margin = timedelta(seconds=settings.NOTIFICATION_SEND_SECONDS)
    for index, (notification, accepts) in enumerate(claimed):
        if timezone.now() + margin > lease:
            rest = [n.pk for n, _accepts in claimed[index:]]
            _hand_back(rest, lease)
            dispatch_many(rest)
            outcomes.update(dict.fromkeys(rest, "handed back"))
            break
        outcomes[notification.pk] = _deliver(notification, accepts)
    return [outcomes[pk] for pk in pks]


def _deliver(notification: Notification, accepts: bool) -> str:
    if notification.attempts > settings.NOTIFICATION_MAX_ATTEMPTS:
        # Claimed again and again after expired leases: whatever it does kills its worker.
        return _failed(notification, "gave up: no attempt finished", permanent=True)
    if not notification.mandatory and not accepts:
        _finish(notification, status=Notification.Status.SKIPPED)
        return "skipped"
    try:
        message = render(notification)
        provider_id = channel_backend(notification.channel).send(message)
    except DeliveryError as error:
        return _failed(notification, str(error), permanent=error.permanent)
    except Exception as error:  # a bug or an outage must not lose the row
        logger.exception("notification %s could not be sent", notification.pk)
        return _failed(notification, f"{type(error).__name__}: {error}", permanent=False)
    _finish(notification, status=Notification.Status.SENT, provider_id=provider_id or "")
    return "sent"


def _hand_back(pks: list[int], lease: datetime.datetime) -> None:
    # Only rows still under this batch's own lease: one whose lease has expired and that
    # another worker claimed since holds a later one.
    Notification.objects.filter(
        pk__in=pks, status=Notification.Status.SENDING, lease_until=lease
    ).update(
        status=Notification.Status.PENDING,
        lease_until=None,
        attempts=F("attempts") - 1,
    )


def _finish(notification: Notification, *, status: str, provider_id: str = "") -> None:
    # One plain UPDATE: this runs once per message, and the ORM's update costs more than the
    # statement.
    sent_at = timezone.now() if status == Notification.Status.SENT else None
    table = connection.ops.quote_name(Notification._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, sent_at = %s, provider_id = %s, "  # noqa: S608
            "lease_until = NULL, last_error = '' WHERE id = %s AND status = %s",
            [
                status,
                connection.ops.adapt_datetimefield_value(sent_at),
                provider_id[:200],
                notification.pk,
                Notification.Status.SENDING,
            ],
        )


def _failed(notification: Notification, error: str, *, permanent: bool) -> str:
    give_up = permanent or notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
    # Exponential backoff with jitter, at most an hour: 1, 2, 4, 8… minutes.
    delay = min(60 * 2 ** (notification.attempts - 1), 3600) * random.uniform(0.8, 1.2)  # noqa: S311
    Notification.objects.filter(pk=notification.pk, status=Notification.Status.SENDING).update(
        status=Notification.Status.FAILED if give_up else Notification.Status.PENDING,
        send_after=timezone.now() + timedelta(seconds=delay),
        lease_until=None,
        last_error=error[:2000],
    )
    return "failed" if give_up else "retry"


def notifications_due(limit: int = 1000) -> list[int]:
    """Rows to send now: pending and due, or sending with an expired lease."""
    now = timezone.now()
    due = Q(status=Notification.Status.PENDING, send_after__lte=now) | Q(
        status=Notification.Status.SENDING, lease_until__lt=now
    )
    return list(
        Notification.objects.filter(due).order_by("send_after").values_list("pk", flat=True)[:limit]
    )


def notification_resend(*, notification: Notification, actor: User) -> None:
    """An official sends a notification again (failed, or sent and lost by the person)."""
    Notification.objects.filter(pk=notification.pk).exclude(
        status=Notification.Status.SENDING
    ).update(
        status=Notification.Status.PENDING,
        send_after=timezone.now(),
        lease_until=None,
        last_error="",
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.NOTIFICATION_RESENT,
        target=f"notifications.notification:{notification.pk}",
    )
    _hand_over_on_commit([notification.pk])


# --- Rendering ---------------------------------------------------------------------------------


def unsubscribe_token(user_id: int, channel: str) -> str:
    return signing.dumps({"u": user_id, "c": channel}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(user_id: int, channel: str) -> str:
    path = reverse("notifications:unsubscribe", args=[unsubscribe_token(user_id, channel)])
    return settings.PORTAL_BASE_URL + path


def render(notification: Notification) -> Message:
    spec = kind(notification.template)
    context = {**notification.context, "base_url": settings.PORTAL_BASE_URL}
    message = Message(
        notification_id=notification.pk, channel=notification.channel, to=notification.to_address
    )
    with translation.override(notification.language):
        if notification.channel == Channel.WHATSAPP:
            names = settings.NOTIFICATION_WHATSAPP_TEMPLATES
            message.template_name = names.get(notification.template, notification.template)
            message.template_language = notification.language
            message.parameters = [str(context.get(k, "")) for k in spec.whatsapp_parameters]
            return message
        if not notification.mandatory and notification.user_id:
            context["unsubscribe_url"] = unsubscribe_url(notification.user_id, Channel.EMAIL)
        folder = f"notifications/{notification.template}"
        message.subject = " ".join(render_to_string(f"{folder}/subject.txt", context).split())
        message.text = render_to_string(f"{folder}/body.txt", context)
        message.html = render_to_string(f"{folder}/body.html", context)
    # Ours, not Django's make_msgid: the same on every attempt, so a repeat is the same message.
    message.headers = {"Message-ID": message_id(notification)}
    if "unsubscribe_url" in context:
        message.headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        message.headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def message_id(notification: Notification) -> str:
    """The row's e-mail Message-ID, ``<rk-<id>.<written at, UTC µs>@<domain>>``: stable for the
    row (every attempt, every repeat), unique between rows; the time keeps a restored or
    another environment's database from reusing an id for a different message."""
    written = notification.created_at.astimezone(datetime.UTC).strftime("%Y%m%d%H%M%S%f")
    return f"<rk-{notification.pk}.{written}@{settings.NOTIFICATION_MESSAGE_ID_DOMAIN}>"


def unsubscribe(*, user_id: int, channel: str) -> Preference:
    """Turn off one channel for one person (the view has read them from a signed token with
    ``selectors.unsubscribe_target``, which refuses forged or altered ones)."""
    preference, _created = Preference.objects.get_or_create(user_id=user_id)
    if channel == Channel.WHATSAPP:
        preference.whatsapp = False
        preference.save(update_fields=["whatsapp"])
    else:
        preference.email = False
        preference.save(update_fields=["email"])
    return preference


def notifications_data_erase(owner: AccountOwner) -> None:
    """Notifications' part of a deletion: the rows written for the account go with it (their
    foreign key cascades), with its preferences; those sent to one of its proved addresses
    before it existed are deleted here."""
    from .selectors import notifications_of_owner  # noqa: PLC0415 -- selectors import this module

    guest_rows = [n.pk for n in notifications_of_owner(owner) if n.user_id is None]
    Notification.objects.filter(pk__in=guest_rows).delete()
