"""What the portal tells people now, through the outbox."""

import io

import pytest

from notifications.models import Notification
from portal.models import Status
from portal.services.digest import review_digest_send
from portal.services.lifecycle import recipient_transition
from portal.services.staging import import_confirm, import_stage
from tests.factories import GENTENG, MUNCAR, make_official
from tests.factories.portal import RecipientFactory

CSV = (
    b"NIK,NAMA,JENIS KELAMIN,TANGGAL LAHIR,ALAMAT,KODE DESA\n"
    b"3510094107450003,Siti Aminah,P,01-07-1945,Krajan,35.10.09.2001\n"
    b"123,Bad,L,01-01-1950,X,35.10.09.2001\n"
)


def test_a_confirmed_import_tells_the_data_officer_its_counts(db):
    officer = make_official("data_officer")
    batch = import_stage(stream=io.BytesIO(CSV), file_name="januari.csv", actor=officer)
    assert not Notification.objects.exists()  # a preview is not an import
    import_confirm(batch_id=batch.pk, actor=officer)
    note = Notification.objects.get(template="import_finished")
    assert note.user == officer
    assert note.to_address == officer.email
    assert (note.context["created"], note.context["rejected"]) == (1, 1)
    assert note.context["batch_id"] == batch.pk
    assert "Siti" not in str(note.context)


@pytest.mark.parametrize(
    ("to_status", "decision"),
    [("published", "published"), ("changes_requested", "changes_requested"),
     ("withdrawn", "rejected")],
)  # fmt: skip
def test_a_reviewers_decision_is_told_to_whoever_submitted(db, to_status, decision):
    submitter = make_official("data_officer")
    reviewer = make_official("reviewer", kecamatan=(GENTENG,))
    record = RecipientFactory(publishable=True, kecamatan_code=GENTENG)
    recipient_transition(recipient=record, to_status=Status.IN_REVIEW, actor=submitter)
    recipient_transition(recipient=record, to_status=to_status, actor=reviewer, reason="Cek KTP")
    note = Notification.objects.get(template="listing_decision")
    assert note.user == submitter
    assert note.context["decision"] == decision
    assert note.context["public_id"] == record.public_id
    assert record.name not in str(note.context)


def test_no_decision_notice_for_moves_that_are_not_decisions(db):
    reviewer = make_official("reviewer", kecamatan=(GENTENG,))
    record = RecipientFactory(publishable=True, kecamatan_code=GENTENG, status="published")
    recipient_transition(recipient=record, to_status="suspended", actor=reviewer, reason="cek")
    assert not Notification.objects.exists()


def test_the_digest_goes_to_reviewers_with_a_queue_once_a_day(db):
    busy = make_official("reviewer", kecamatan=(GENTENG,))
    idle = make_official("reviewer", kecamatan=(MUNCAR,))
    RecipientFactory(kecamatan_code=GENTENG, status="in_review")
    RecipientFactory(kecamatan_code=GENTENG, status="candidate")
    RecipientFactory(kecamatan_code=MUNCAR, status="published", publishable=True)
    assert review_digest_send() == 1
    note = Notification.objects.get(template="review_digest")
    assert note.user == busy
    assert (note.context["in_review"], note.context["candidates"]) == (1, 1)
    assert not Notification.objects.filter(user=idle).exists()
    review_digest_send()
    assert Notification.objects.filter(template="review_digest").count() == 1


def test_the_same_dedup_key_writes_one_row(db):
    from notifications.services import notification_enqueue

    first = notification_enqueue(
        template="review_digest", dedup_key="k", to_address="a@example.org", context={}
    )
    second = notification_enqueue(
        template="review_digest", dedup_key="k", to_address="a@example.org", context={}
    )
    assert first.pk == second.pk
    assert Notification.objects.count() == 1


def test_account_mail_cannot_be_refused_and_its_context_is_encrypted(db):
    from django.db import connection

    from notifications.services import notification_enqueue

    note = notification_enqueue(
        template="account_mail",
        dedup_key="account_mail:x",
        to_address="a@example.org",
        context={"subject": "Kode", "text": "Kode Anda: ABCD-EFGH", "html": ""},
    )
    assert note.mandatory
    with connection.cursor() as cursor:
        cursor.execute("SELECT context FROM notifications_notification WHERE id = %s", [note.pk])
        assert "ABCD-EFGH" not in cursor.fetchone()[0]


def test_a_row_whose_attempts_keep_dying_is_given_up(db, settings):
    from datetime import timedelta

    from django.utils import timezone

    from notifications.services import notification_deliver, notification_enqueue

    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    note = notification_enqueue(
        template="review_digest", dedup_key="dying", to_address="a@example.org", context={}
    )
    # Three workers claimed it and died before finishing; the last lease has expired.
    Notification.objects.filter(pk=note.pk).update(
        status="sending", attempts=3, lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert notification_deliver(note.pk) == "failed"
    note.refresh_from_db()
    assert (note.status, note.attempts) == ("failed", 4)
    assert "gave up" in note.last_error
