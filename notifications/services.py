"""The outbox: write a notification with the event, send it at least once, never block."""

import datetime
import logging
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
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
        transaction.on_commit(lambda: dispatch(notification.pk))
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
    for notification in fresh:
        if notification.send_after <= now:
            transaction.on_commit(partial(dispatch, notification.pk))
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


def dispatch(pk: int) -> bool:
    """Hand a row to Celery. Never raises: with the broker down the row stays pending and the
    minute beat sends it later (the broker connection gives up within seconds)."""
    from .tasks import send_notification  # noqa: PLC0415 -- tasks import this module

    try:
        send_notification.apply_async(args=(pk,), retry=False)
    except Exception:
        logger.warning("broker unavailable: notification %s waits for the beat", pk)
        return False
    return True


def notification_claim(pk: int) -> Notification | None:
    """Take a due row (or one whose lease expired) for sending, atomically: one UPDATE …
    RETURNING claims it and reads it back, so two workers can never both have it."""
    claimed = _claim(pk)
    return claimed[0] if claimed else None


def _claim(pk: int) -> tuple[Notification, bool] | None:
    # One statement per claim, and it answers everything the send needs: the row's columns,
    # and whether the person accepts its channel (NULL: no account or no saved choices, so
    # yes), read from the preferences in the same snapshot as the claim. Built into an
    # instance by hand: the ORM's raw-query path costs more than the statement.
    now = timezone.now()
    lease = now + timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
    adapt = connection.ops.adapt_datetimefield_value
    quote = connection.ops.quote_name
    S = Notification.Status
    fields = Notification._meta.concrete_fields
    table = quote(Notification._meta.db_table)
    preferences = quote(Preference._meta.db_table)
    columns = ", ".join(f"{table}.{quote(str(f.column))}" for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, lease_until = %s, attempts = attempts + 1 "  # noqa: S608
            "WHERE id = %s AND ((status = %s AND send_after <= %s) "
            f"OR (status = %s AND lease_until < %s)) RETURNING {columns}, "
            f"(SELECT CASE WHEN {table}.channel = %s THEN p.whatsapp ELSE p.email END "
            f"FROM {preferences} p WHERE p.user_id = {table}.user_id)",
            [
                *(S.SENDING, adapt(lease), pk, S.PENDING, adapt(now), S.SENDING, adapt(now)),
                Channel.WHATSAPP,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    *values, accepts = row
    for index, convert in _claim_converters():
        values[index] = convert(values[index], None, connection)
    notification = Notification.from_db(connection.alias, [f.attname for f in fields], values)
    return notification, accepts is None or bool(accepts)


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
    """Claim, render, send, record. Returns what happened ("sent", "skipped", "retry",
    "failed", or "not due" when another worker has it or it is done)."""
    claimed = _claim(pk)
    if claimed is None:
        return "not due"
    notification, accepts = claimed
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
        logger.exception("notification %s could not be sent", pk)
        return _failed(notification, f"{type(error).__name__}: {error}", permanent=False)
    _finish(notification, status=Notification.Status.SENT, provider_id=provider_id or "")
    return "sent"


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
    transaction.on_commit(lambda: dispatch(notification.pk))


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
