"""The upload page: stage a file, preview it, confirm or discard it; the history and reports;
the purge of files left staged."""

import csv
import datetime
import io
import os
import time

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import AuditEvent, Role
from accounts.storage import private_storage
from portal.models import ImportBatch, Recipient, RecipientTransition
from portal.services.staging import STAGED_DIR, import_stage, staged_imports_purge
from tests.factories import GENTENG, UserFactory, make_official

HEADER = ["NIK", "NAMA", "JENIS KELAMIN", "TANGGAL LAHIR", "ALAMAT", "KODE DESA"]
SITI = ["3510094107450003", "Siti Aminah", "P", "01-07-1945", "Dusun Krajan", "35.10.09.2001"]
MARUF = ["3510090101500001", "Ma'ruf", "L", "01/01/1950", "Jl. Mawar 1", "3510092002"]
BAD_NIK = ["3.51009E+15", "Salah", "L", "01-01-1950", "Jl. Salah", "35.10.09.2001"]

State = ImportBatch.State
ALLOWED = {Role.DATA_OFFICER, Role.ADMINISTRATOR}


def csv_bytes(rows, header=HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def xlsx_bytes(rows) -> bytes:
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _english(db):
    with translation.override("en"):
        yield


def upload(client, content: bytes, name="lansia.csv"):
    return client.post(reverse("portal:import_upload"), {"file": SimpleUploadedFile(name, content)})


def staged_files() -> list[str]:
    try:
        return private_storage().listdir(STAGED_DIR)[1]
    except FileNotFoundError:
        return []


def stage(actor, rows=(SITI, MARUF)) -> ImportBatch:
    return import_stage(stream=io.BytesIO(csv_bytes(rows)), file_name="x.csv", actor=actor)


# --- Preview -----------------------------------------------------------------------------------


def test_upload_stages_the_file_and_the_preview_shows_counts_without_changing_anything(
    client, officer
):
    response = upload(client, csv_bytes([SITI, MARUF, BAD_NIK]))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:import_detail", args=[batch.pk])

    assert batch.state == State.STAGED
    assert batch.channel == ImportBatch.Channel.UPLOAD
    assert batch.actor == officer
    assert batch.file_name == "lansia.csv"
    assert (batch.created, batch.updated, batch.unchanged, batch.rejected) == (2, 0, 0, 1)
    assert private_storage().exists(batch.staged_file)
    assert "lansia" not in batch.staged_file  # the uploaded name is not used on disk
    assert not Recipient.objects.exists()
    assert not RecipientTransition.objects.exists()

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Preview: nothing is saved yet" in html
    assert "would be created" in html
    assert "16 digits" in html  # the rejected row's reason
    assert page.context["preview"].batch.created == 2
    assert [line.row for line in page.context["preview"].lines] == [4]
    assert reverse("portal:import_report", args=[batch.pk]) in html
    assert not Recipient.objects.exists()


def test_a_long_report_is_capped_on_the_page_and_complete_in_the_download(client, officer):
    rows = [[f"3510{n:05d}", "X", "L", "01-01-1950", "Jl", "35.10.09.2001"] for n in range(130)]
    upload(client, csv_bytes(rows))
    batch = ImportBatch.objects.get()
    assert batch.rejected == 130
    page = client.get(reverse("portal:import_detail", args=[batch.pk]))
    assert len(page.context["preview"].lines) == 100
    assert page.context["preview"].truncated
    assert "Only the first 100 lines are shown." in page.content.decode()

    report = client.get(reverse("portal:import_report", args=[batch.pk]))
    lines = b"".join(report.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 130


# --- Confirm and discard -----------------------------------------------------------------------


def test_confirm_imports_the_staged_file_and_deletes_it(client, officer):
    upload(client, csv_bytes([SITI, MARUF, BAD_NIK]))
    batch = ImportBatch.objects.get()
    staged, preview_report = batch.staged_file, batch.report_file

    url = reverse("portal:import_detail", args=[batch.pk])
    response = client.post(url, {"action": "confirm"}, follow=True)
    assert "The file was imported: 2 created, 0 updated, 1 skipped." in response.content.decode()

    batch.refresh_from_db()
    assert batch.state == State.DONE
    assert (batch.created, batch.updated, batch.unchanged, batch.rejected) == (2, 0, 0, 1)
    assert Recipient.objects.count() == 2
    assert set(Recipient.objects.values_list("entered_by", flat=True)) == {officer.pk}
    assert batch.staged_file == ""
    assert not private_storage().exists(staged)
    assert staged_files() == []
    # The real import's report replaces the preview's.
    assert batch.report_file != preview_report
    assert private_storage().exists(batch.report_file)
    assert not private_storage().exists(preview_report)


def test_an_xlsx_file_is_staged_and_imported(client, officer):
    upload(client, xlsx_bytes([SITI, MARUF]), name="lansia.xlsx")
    batch = ImportBatch.objects.get()
    assert batch.state == State.STAGED and batch.created == 2
    client.post(reverse("portal:import_detail", args=[batch.pk]), {"action": "confirm"})
    assert Recipient.objects.count() == 2


def test_confirming_twice_imports_once(client, officer):
    upload(client, csv_bytes([SITI, MARUF]))
    batch = ImportBatch.objects.get()
    url = reverse("portal:import_detail", args=[batch.pk])

    client.post(url, {"action": "confirm"})
    second = client.post(url, {"action": "confirm"}, follow=True)

    assert "no longer waiting" in second.content.decode()
    assert Recipient.objects.count() == 2
    assert RecipientTransition.objects.count() == 2
    batch.refresh_from_db()
    # The second click did not run the file again (it would have counted 2 unchanged).
    assert (batch.created, batch.unchanged) == (2, 0)
    assert ImportBatch.objects.count() == 1


def test_discard_deletes_the_file_and_imports_nothing(client, officer):
    upload(client, csv_bytes([SITI, MARUF]))
    batch = ImportBatch.objects.get()
    staged = batch.staged_file
    url = reverse("portal:import_detail", args=[batch.pk])

    response = client.post(url, {"action": "discard"}, follow=True)
    assert "The file was discarded" in response.content.decode()
    batch.refresh_from_db()
    assert batch.state == State.DISCARDED
    assert batch.staged_file == ""
    assert not private_storage().exists(staged)

    client.post(url, {"action": "confirm"})
    batch.refresh_from_db()
    assert batch.state == State.DISCARDED
    assert not Recipient.objects.exists()


def test_a_staged_file_changed_on_disk_is_not_imported(client, officer):
    upload(client, csv_bytes([SITI]))
    batch = ImportBatch.objects.get()
    path = private_storage().path(batch.staged_file)
    with open(path, "wb") as f:
        f.write(csv_bytes([SITI, MARUF]))

    response = client.post(
        reverse("portal:import_detail", args=[batch.pk]), {"action": "confirm"}, follow=True
    )
    assert "has changed since its preview" in response.content.decode()
    batch.refresh_from_db()
    assert batch.state == State.STAGED
    assert not Recipient.objects.exists()


# --- Refused files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not a CSV or XLSX"),
        (b"judul\nsatu,dua\n", "No header row"),
        (b"", None),  # an empty upload is stopped by the form itself
    ],
)
def test_a_file_refused_whole_shows_why_and_keeps_nothing(client, officer, content, message):
    response = upload(client, content)
    assert response.status_code == 200
    if message:
        assert message in response.content.decode()
        # The refusal is recorded, as for every door; no file is kept, no person written.
        batch = ImportBatch.objects.get()
        assert batch.state == State.REFUSED and message in batch.refusal
        assert batch.staged_file == ""
    assert staged_files() == []
    assert not Recipient.objects.exists()


def test_a_file_over_the_size_limit_is_refused(client, officer, settings):
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    content = csv_bytes([SITI]) + b"x" * (1024 * 1024)
    response = upload(client, content)
    assert "larger than 1 MB" in response.content.decode()
    assert staged_files() == []
    assert not Recipient.objects.exists()


# --- Purge -------------------------------------------------------------------------------------


def test_purge_deletes_only_files_staged_more_than_24_hours_ago(db):
    officer = make_official(Role.DATA_OFFICER)
    old, fresh = stage(officer), stage(officer, rows=[SITI])
    ImportBatch.objects.filter(pk=old.pk).update(
        started_at=timezone.now() - datetime.timedelta(hours=25)
    )
    old_file, fresh_file = old.staged_file, fresh.staged_file

    assert staged_imports_purge() == 1

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.state == State.DISCARDED and old.staged_file == ""
    assert not private_storage().exists(old_file)
    assert fresh.state == State.STAGED
    assert private_storage().exists(fresh_file)
    assert staged_imports_purge() == 0


def test_purge_deletes_old_files_no_staged_batch_holds(db):
    storage = private_storage()
    stale = storage.save(f"{STAGED_DIR}/left-by-a-crash.upload", ContentFile(b"NIK"))
    recent = storage.save(f"{STAGED_DIR}/being-staged.upload", ContentFile(b"NIK"))
    day_ago = time.time() - 25 * 3600
    os.utime(storage.path(stale), (day_ago, day_ago))

    assert staged_imports_purge() == 1
    assert not storage.exists(stale)
    assert storage.exists(recent)


def test_the_purge_runs_hourly_from_celery_beat_and_as_a_command(db, capsys):
    from config.celery import app
    from portal.tasks import staged_imports_purge_task

    entry = django_settings.CELERY_BEAT_SCHEDULE["portal.staged_imports_purge"]
    assert entry["task"] == "portal.staged_imports_purge"
    assert entry["schedule"] == datetime.timedelta(hours=1)
    assert "portal.staged_imports_purge" in app.tasks

    officer = make_official(Role.DATA_OFFICER)

    def stage_two_days_ago():
        batch = stage(officer)
        ImportBatch.objects.filter(pk=batch.pk).update(
            started_at=timezone.now() - datetime.timedelta(days=2)
        )

    stage_two_days_ago()
    assert staged_imports_purge_task.delay().get() == 1
    stage_two_days_ago()
    call_command("purge_staged_imports")
    assert capsys.readouterr().out.strip() == "deleted=1"
    assert staged_files() == []


# --- History and reports -----------------------------------------------------------------------


def test_the_history_lists_every_import_with_who_when_hash_and_counts(client, officer):
    upload(client, csv_bytes([SITI, BAD_NIK]), name="januari.csv")
    batch = ImportBatch.objects.get()
    client.post(reverse("portal:import_detail", args=[batch.pk]), {"action": "confirm"})
    batch.refresh_from_db()

    response = client.get(reverse("portal:import_history"))
    html = response.content.decode()
    assert "januari.csv" in html
    assert batch.file_sha256 in html
    assert officer.name in html
    assert "1 created, 0 updated, 0 unchanged, 1 rejected" in html
    assert reverse("portal:import_report", args=[batch.pk]) in html


def test_a_data_officer_downloads_a_report_and_the_access_is_logged(client, officer):
    batch = stage(officer, rows=[SITI, BAD_NIK])
    response = client.get(reverse("portal:import_report", args=[batch.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "3.51009E+15"[:4] in text and "16 digits" in text
    assert "3510094107450003" not in text  # NIKs are masked

    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT_REPORT_DOWNLOADED)
    assert event.actor_ref == officer.public_ref
    assert event.target == f"portal.importbatch:{batch.pk}"


def test_a_reviewer_cannot_download_a_report(client, db):
    batch = stage(make_official(Role.DATA_OFFICER), rows=[SITI])
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    client.force_login(reviewer)
    assert client.get(reverse("portal:import_report", args=[batch.pk])).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT_REPORT_DOWNLOADED).exists()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.ACCESS_DENIED, actor_ref=reviewer.public_ref
    ).exists()


def test_an_unknown_import_is_404(client, officer):
    assert client.get(reverse("portal:import_detail", args=[999])).status_code == 404
    assert client.get(reverse("portal:import_report", args=[999])).status_code == 404


# --- Who may open these pages ------------------------------------------------------------------


def pages(batch) -> list[str]:
    return [
        reverse("portal:import_upload"),
        reverse("portal:import_history"),
        reverse("portal:import_detail", args=[batch.pk]),
        reverse("portal:import_report", args=[batch.pk]),
    ]


def user_with(role):
    if role == Role.DONOR:
        return UserFactory()
    return make_official(
        role, kecamatan=(GENTENG,) if role == Role.REVIEWER else (), totp=role != Role.STUDENT
    )


@pytest.mark.parametrize("role", Role.values)
def test_only_data_officers_and_administrators_open_the_import_pages(client, db, role):
    batch = stage(make_official(Role.DATA_OFFICER), rows=[SITI])
    client.force_login(user_with(role))
    for url in pages(batch):
        assert client.get(url).status_code == (200 if role in ALLOWED else 403), url
    response = client.post(reverse("portal:import_detail", args=[batch.pk]), {"action": "confirm"})
    assert response.status_code == (302 if role in ALLOWED else 403)
    assert Recipient.objects.exists() == (role in ALLOWED)


def test_a_visitor_is_sent_to_sign_in(client, db):
    batch = stage(make_official(Role.DATA_OFFICER), rows=[SITI])
    for url in pages(batch):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    client.post(reverse("portal:import_detail", args=[batch.pk]), {"action": "confirm"})
    batch.refresh_from_db()
    assert batch.state == State.STAGED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_confirmations_import_once(postgres):
    import threading

    from django.db import connection

    from portal.services.staging import import_confirm

    officer = make_official(Role.DATA_OFFICER)
    batch = stage(officer)
    barrier = threading.Barrier(2)
    results = []

    def confirm():
        try:
            barrier.wait()
            results.append(import_confirm(batch_id=batch.pk, actor=officer)[1])
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False, True]
    assert Recipient.objects.count() == 2
    batch.refresh_from_db()
    assert (batch.state, batch.created, batch.unchanged) == (State.DONE, 2, 0)
