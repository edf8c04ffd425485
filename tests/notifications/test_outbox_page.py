"""The officials' outbox: who may read it, what it shows, and sending a notification again."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent, Role
from notifications.models import Channel, Notification
from notifications.selectors import mask_address
from notifications.services import notification_enqueue
from tests.factories import GENTENG, UserFactory, make_official

OUTBOX = "notifications:outbox"


def write(n: int = 0, **fields) -> Notification:
    defaults = {
        "template": "review_digest",
        "dedup_key": f"test:{n}:{fields.get('to_address', '')}",
        "to_address": "warga@example.org",
        "context": {"waiting": 1},
    }
    return notification_enqueue(**{**defaults, **fields})


def fail(notification: Notification, error: str = "SMTP 550: mailbox unavailable") -> None:
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.FAILED, attempts=8, last_error=error
    )


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.ADMINISTRATOR, 200),
        (Role.LEAD_REVIEWER, 200),
        (Role.REVIEWER, 403),
        (Role.DATA_OFFICER, 403),
    ],
)
def test_only_administrators_and_lead_reviewers_open_the_outbox(client, db, role, expected):
    official = make_official(role, kecamatan=(GENTENG,) if role == Role.REVIEWER else ())
    client.force_login(official)
    assert client.get(reverse(OUTBOX)).status_code == expected


def test_a_donor_is_refused_and_a_visitor_is_sent_to_sign_in(client, db):
    response = client.get(reverse(OUTBOX))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    client.force_login(UserFactory())
    assert client.get(reverse(OUTBOX)).status_code == 403


def test_addresses_are_masked():
    assert mask_address("warga@example.org", Channel.EMAIL) == "wa…@example.org"
    assert mask_address("+6281234567890", Channel.WHATSAPP) == "+62…890"


def test_the_outbox_lists_newest_first_with_masked_addresses_and_no_content(client, db):
    older = write(1, to_address="warga@example.org")
    newer = write(
        2,
        template="account_mail",
        to_address="+6281234567890",
        channel=Channel.WHATSAPP,
        context={"subject": "Kode", "text": "Kode Anda: SECRET-CODE", "html": ""},
    )
    fail(older)
    client.force_login(make_official(Role.ADMINISTRATOR))
    response = client.get(reverse(OUTBOX))
    page = response.content.decode()
    assert [n.pk for n in response.context["page"]] == [newer.pk, older.pk]
    assert "wa…@example.org" in page
    assert "+62…890" in page
    assert "warga@example.org" not in page
    assert "+6281234567890" not in page
    assert "SECRET-CODE" not in page
    assert "SMTP 550: mailbox unavailable" in page


def test_the_outbox_filters_by_status_and_kind(client, db):
    failed = write(1)
    fail(failed)
    write(2)
    finished = write(3, template="import_finished")
    client.force_login(make_official(Role.LEAD_REVIEWER))

    listed = client.get(reverse(OUTBOX), {"status": "failed"}).context["page"]
    assert [n.pk for n in listed] == [failed.pk]
    listed = client.get(reverse(OUTBOX), {"template": "import_finished"}).context["page"]
    assert [n.pk for n in listed] == [finished.pk]
    listed = client.get(reverse(OUTBOX), {"status": "nonsense", "template": "x"}).context["page"]
    assert len(listed) == 3


def test_the_outbox_is_paginated(client, db):
    for n in range(51):
        write(n)
    client.force_login(make_official(Role.ADMINISTRATOR))
    first = client.get(reverse(OUTBOX)).context["page"]
    second = client.get(reverse(OUTBOX), {"page": 2}).context["page"]
    assert (len(first), len(second), first.paginator.num_pages) == (50, 1, 2)


def test_send_again_puts_the_row_back_in_the_queue_and_is_audited(client, db):
    notification = write(1)
    fail(notification)
    admin = make_official(Role.ADMINISTRATOR)
    client.force_login(admin)
    url = reverse(OUTBOX) + "?status=failed"

    response = client.post(url, {"notification": notification.pk})

    assert response.status_code == 302
    assert response["Location"] == url
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.last_error == ""
    event = AuditEvent.objects.get(action=AuditEvent.Action.NOTIFICATION_RESENT)
    assert event.actor_ref == admin.public_ref
    assert event.target == f"notifications.notification:{notification.pk}"


def test_send_again_is_refused_to_other_roles_and_to_unknown_rows(client, db):
    notification = write(1)
    fail(notification)
    client.force_login(make_official(Role.REVIEWER, kecamatan=(GENTENG,)))
    assert client.post(reverse(OUTBOX), {"notification": notification.pk}).status_code == 403
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED

    client.force_login(make_official(Role.LEAD_REVIEWER))
    assert client.post(reverse(OUTBOX), {"notification": 999999}).status_code == 404
    assert client.post(reverse(OUTBOX), {"notification": "x"}).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.NOTIFICATION_RESENT).exists()
