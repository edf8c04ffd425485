"""The review queue as a reviewer's day starts: by default what waits for the reader (the
statuses whose onward move their roles make, within their scope), newest first, each record
named as officials know it (name, pseudonym, village, age band, status, warnings), and an
import's records on their own."""

import csv
import datetime
import html
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import AuditEvent, Role
from portal.models import ImportBatch, Recipient, Status
from portal.services.imports import import_file
from portal.services.lifecycle import statuses_waiting_for
from tests.factories import GENTENG, MUNCAR, make_official
from tests.factories.portal import RecipientFactory

S = Status
R = Role
with translation.override("en"):
    QUEUE = reverse("portal:review_queue")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def reviewer(db):
    return make_official(R.REVIEWER, kecamatan=(GENTENG,))


def text(response) -> str:
    return html.unescape(response.content.decode())


def one_of_each_status(**kwargs) -> dict[str, Recipient]:
    return {
        status: RecipientFactory(status=status, publishable=True, **kwargs) for status in S.values
    }


def shown(client, **params) -> list[str]:
    return [row.recipient.public_id for row in client.get(QUEUE, params).context["rows"]]


# --- What waits for whom ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "waiting"),
    [
        (R.DATA_OFFICER, [S.CANDIDATE, S.CHANGES_REQUESTED]),
        (R.REVIEWER, [S.CANDIDATE, S.CHANGES_REQUESTED, S.IN_REVIEW, S.SUSPENDED]),
        (R.LEAD_REVIEWER, [S.CANDIDATE, S.CHANGES_REQUESTED, S.IN_REVIEW, S.SUSPENDED]),
        (R.ADMINISTRATOR, []),
    ],
)
def test_each_role_waits_on_the_statuses_whose_onward_move_it_makes(db, role, waiting):
    user = make_official(role, kecamatan=(GENTENG,) if role == R.REVIEWER else ())
    assert statuses_waiting_for(user) == waiting


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (R.DATA_OFFICER, {S.CANDIDATE, S.CHANGES_REQUESTED}),
        (R.REVIEWER, {S.CANDIDATE, S.CHANGES_REQUESTED, S.IN_REVIEW, S.SUSPENDED}),
        (R.ADMINISTRATOR, set(S.values)),
    ],
)
def test_the_queue_opens_on_what_waits_for_the_reader(client, db, role, expected):
    records = one_of_each_status()
    client.force_login(make_official(role, kecamatan=(GENTENG,) if role == R.REVIEWER else ()))
    assert set(shown(client)) == {records[status].public_id for status in expected}


def test_other_statuses_are_one_choice_away(client, reviewer):
    records = one_of_each_status()
    client.force_login(reviewer)
    assert set(shown(client, status="all")) == {r.public_id for r in records.values()}
    assert shown(client, status=S.PUBLISHED) == [records[S.PUBLISHED].public_id]
    page = text(client.get(QUEUE))
    assert "Waiting for you, newest first: Candidate, Changes requested, In review, Suspended." in (
        " ".join(page.split())
    )
    assert '<option value="" selected>Waiting for you</option>' in page
    assert '<option value="all">All statuses</option>' in page


def test_the_default_stays_within_the_reviewers_kecamatan(client, reviewer):
    genteng = RecipientFactory(status=S.IN_REVIEW, publishable=True)
    RecipientFactory(status=S.IN_REVIEW, publishable=True, kecamatan_code=MUNCAR)
    RecipientFactory(kecamatan_code=MUNCAR)
    client.force_login(reviewer)
    assert shown(client) == [genteng.public_id]
    assert shown(client, status="all") == [genteng.public_id]


def test_a_whole_nik_finds_its_person_whatever_the_status(client, reviewer):
    published = RecipientFactory(status=S.PUBLISHED, publishable=True)
    client.force_login(reviewer)
    assert published.public_id not in shown(client)
    assert shown(client, nik=published.nik) == [published.public_id]


def test_nothing_waiting_is_said_so(client, reviewer):
    RecipientFactory(status=S.PUBLISHED, publishable=True)
    client.force_login(reviewer)
    assert "Nothing waits for you." in text(client.get(QUEUE))


# --- Order -----------------------------------------------------------------------------------


def test_newest_first_so_a_new_import_is_on_top(client, reviewer):
    old = RecipientFactory()
    Recipient.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=3)
    )
    older_but_edited = RecipientFactory()
    Recipient.objects.filter(pk=older_but_edited.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=5), updated_at=timezone.now()
    )
    batch = import_csv([SITI])
    new = Recipient.objects.get(last_import=batch)
    client.force_login(reviewer)
    assert shown(client) == [new.public_id, old.public_id, older_but_edited.public_id]


# --- Naming ----------------------------------------------------------------------------------


def row_of(response, recipient):
    return next(r for r in response.context["rows"] if r.recipient.pk == recipient.pk)


def test_each_record_is_named_with_where_how_old_its_status_and_warnings(client, reviewer):
    person = RecipientFactory(
        name="Sumarni Wiryo",
        pseudonym="Mbah Sum",
        story="",
        warnings=["nik_sex_mismatch"],
    )
    client.force_login(reviewer)
    response = client.get(QUEUE)
    row = row_of(response, person)
    assert row.name == "Sumarni Wiryo"
    assert row.warnings == [
        "The public profile needs a short story, at least one need, the monthly need.",
        "The sex encoded in the NIK disagrees with JENIS KELAMIN.",
    ]
    cells = text(response)
    for shown_text in (
        "Sumarni Wiryo",
        "“Mbah Sum”",
        person.village.name,
        "(Genteng)",
        person.get_age_band_display(),
        "Candidate",
        "The public profile needs a short story",
        "The sex encoded in the NIK disagrees with JENIS KELAMIN.",
    ):
        assert shown_text in cells, shown_text
    assert reverse("portal:review_record", args=[person.public_id]) in cells


def test_a_whole_profile_raises_no_profile_warning(client, reviewer):
    person = RecipientFactory(publishable=True)
    client.force_login(reviewer)
    assert row_of(client.get(QUEUE), person).warnings == []


def test_a_record_the_reviewer_edited_says_another_reviewer_decides(client, reviewer):
    mine = RecipientFactory(status=S.IN_REVIEW, publishable=True, last_edited_by=reviewer)
    theirs = RecipientFactory(status=S.IN_REVIEW, publishable=True)
    client.force_login(reviewer)
    response = client.get(QUEUE)
    assert row_of(response, mine).needs_other_reviewer
    assert not row_of(response, theirs).needs_other_reviewer
    assert "another reviewer decides" in text(response)


def test_only_the_page_shown_is_decrypted_and_each_person_on_it_logged(client, reviewer):
    for _ in range(52):
        RecipientFactory(history=False)
    client.force_login(reviewer)
    client.get(QUEUE)
    views = AuditEvent.objects.filter(action=AuditEvent.Action.PII_VIEW)
    assert views.count() == 50
    assert len(set(views.values_list("target", flat=True))) == 50
    second = client.get(QUEUE, {"page": 2})
    assert len(second.context["rows"]) == 2, second.context["form"].errors
    assert views.count() == 52


# --- An import's records ---------------------------------------------------------------------

HEADER = ["NIK", "NAMA", "JENIS KELAMIN", "TANGGAL LAHIR", "ALAMAT", "KODE DESA"]
SITI = ["3510094107450003", "Siti Aminah", "P", "01-07-1945", "Dusun Krajan", "35.10.09.2001"]
MARUF = ["3510090101500001", "Ma'ruf", "L", "01/01/1950", "Jl. Mawar 1", "3510092002"]


def import_csv(rows) -> ImportBatch:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return import_file(
        io.BytesIO(buffer.getvalue().encode()), file_name="x.csv", channel="cli", actor=None
    )


def test_an_import_shows_the_records_it_created_or_updated_in_any_status(client, reviewer):
    first = import_csv([SITI])
    siti = Recipient.objects.get(last_import=first)
    Recipient.objects.filter(pk=siti.pk).update(status=S.PUBLISHED)
    second = import_csv([[*SITI[:4], "Dusun Baru", SITI[5]], MARUF])
    RecipientFactory()  # not from either import
    client.force_login(reviewer)
    maruf = Recipient.objects.exclude(pk=siti.pk).get(last_import=second)
    assert set(shown(client, batch=second.pk)) == {siti.public_id, maruf.public_id}
    assert shown(client, batch=first.pk) == []  # Siti was last updated by the second
    page = " ".join(text(client.get(QUEUE, {"batch": second.pk})).split())
    assert f"The records of import {second.pk}: those it created or last updated" in page
    assert reverse("portal:import_detail", args=[second.pk]) in page
    assert '<option value="all" selected>All statuses</option>' in page  # as shown


def test_a_bad_import_number_is_ignored(client, reviewer):
    waiting = RecipientFactory()
    client.force_login(reviewer)
    assert shown(client, batch="x") == [waiting.public_id]
    assert shown(client, batch="-1") == [waiting.public_id]
