"""Each outbox e-mail carries a Message-ID of its own row, ``<rk-<id>.<written at>@<domain>>``:
the same on every attempt and on a repeat (at least once), different between rows, and not
replaced by Django's ``make_msgid``."""

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from notifications import services
from notifications.models import Channel, Notification
from notifications.services import notification_enqueue
from tests.conftest import deliver_notifications
from tests.factories import UserFactory

BASE_DIR = Path(__file__).resolve().parents[2]
# RFC 5322 3.6.4: msg-id = "<" id-left "@" id-right ">", both dot-atom-text here.
ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
DOT_ATOM = rf"{ATEXT}(?:\.{ATEXT})*"
MSG_ID = re.compile(rf"<{DOT_ATOM}@{DOT_ATOM}>")


class WorkerKilled(BaseException):
    """What the process sees of a SIGKILL: nothing after this point runs."""


def enqueue(dedup_key: str, person=None) -> Notification:
    notification_enqueue(
        template="import_finished",
        dedup_key=dedup_key,
        user=person or UserFactory(),
        context={"file_name": "export.csv", "created": 3, "rejected": 0, "batch_id": 1},
    )
    return Notification.objects.get(dedup_key=dedup_key)


def header(message, name: str) -> list[str]:
    """Every value of a header as it goes on the wire (after Django built the MIME message)."""
    return message.message().get_all(name) or []


def test_a_repeat_after_a_worker_died_between_sending_and_marking_has_the_same_message_id(
    db, monkeypatch
):
    notification = enqueue("message-id:repeat")

    # The first worker hands the mail to the provider and is killed before it marks the row.
    def killed(*args, **kwargs):
        raise WorkerKilled

    with monkeypatch.context() as patch:
        patch.setattr(services, "_finish", killed)
        with pytest.raises(WorkerKilled):
            deliver_notifications()
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENDING and len(mail.outbox) == 1

    # Its lease runs out; the beat sends the row again.
    Notification.objects.filter(pk=notification.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert deliver_notifications() == ["sent"]

    first, repeat = mail.outbox
    (sent_first,) = header(first, "Message-ID")
    assert header(repeat, "Message-ID") == [sent_first]
    assert sent_first == services.message_id(notification)
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Notification.Status.SENT, 2)
    assert notification.provider_id == services.message_id(notification)
    # One row for the dedup key, whatever was repeated.
    assert Notification.objects.filter(dedup_key="message-id:repeat").count() == 1


def test_two_rows_have_different_message_ids_even_for_the_same_person(db):
    person = UserFactory()
    enqueue("message-id:one", person)
    enqueue("message-id:two", person)
    assert deliver_notifications() == ["sent", "sent"]
    ids = [header(m, "Message-ID") for m in mail.outbox]
    assert len(ids[0]) == len(ids[1]) == 1
    assert ids[0] != ids[1]


def test_the_message_id_is_a_valid_msg_id_on_the_html_mail_with_the_set_domain(db, settings):
    settings.NOTIFICATION_MESSAGE_ID_DOMAIN = "mail.rantangkasih.example"
    notification = enqueue("message-id:html")
    assert deliver_notifications() == ["sent"]
    (message,) = mail.outbox
    assert [kind for _body, kind in message.alternatives] == ["text/html"]
    wire = message.message()
    assert wire.get_content_type() == "multipart/alternative"
    (value,) = wire.get_all("Message-ID")
    assert MSG_ID.fullmatch(value), value
    assert value == f"<rk-{notification.pk}.{value.split('.', 1)[1]}"
    assert value.endswith("@mail.rantangkasih.example>")
    # The unsubscribe headers are still there beside it.
    assert wire["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_account_mail_also_carries_the_rows_message_id(db):
    notification_enqueue(
        template="account_mail",
        dedup_key="message-id:account",
        user=UserFactory(),
        context={"subject": "Kode", "text": "Kode Anda: ABCD", "html": "<p>Kode Anda: ABCD</p>"},
    )
    assert deliver_notifications() == ["sent"]
    notification = Notification.objects.get(dedup_key="message-id:account")
    assert header(mail.outbox[0], "Message-ID") == [services.message_id(notification)]


def test_whatsapp_messages_carry_no_mail_header(db):
    notification = Notification.objects.create(
        to_address="+6281234567890",
        channel=Channel.WHATSAPP,
        template="import_finished",
        context={"file_name": "export.csv", "created": 3, "rejected": 0},
        dedup_key="message-id:whatsapp",
    )
    assert services.render(notification).headers == {}


def settings_in_a_fresh_process(**environ: str) -> subprocess.CompletedProcess:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DEFAULT_FROM_EMAIL", "PORTAL_BASE_URL"}
    }
    env.pop("NOTIFICATION_MESSAGE_ID_DOMAIN", None)
    code = "from config import settings; print(settings.NOTIFICATION_MESSAGE_ID_DOMAIN)"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**env, **environ},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_domain_defaults_to_the_senders_and_a_bad_one_stops_the_start():
    found = settings_in_a_fresh_process(DEFAULT_FROM_EMAIL="Portal <noreply@portal.example.id>")
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == "portal.example.id"

    refused = settings_in_a_fresh_process(NOTIFICATION_MESSAGE_ID_DOMAIN="not a domain>")
    assert refused.returncode != 0
    assert "NOTIFICATION_MESSAGE_ID_DOMAIN" in refused.stderr
