"""What waits for a reviewer and a data officer on their work pages, counted in the scope of
those pages (tests/accounts/test_landing.py: where they land)."""

import io

from django.utils import translation

from accounts.models import Role
from portal.models import ImportBatch, Status
from portal.selectors.import_batches import data_officer_waiting
from portal.selectors.review import reviewer_waiting
from portal.services.staging import import_discard, import_stage
from tests.factories import GENTENG, MUNCAR, make_official
from tests.factories.portal import RecipientFactory

ROW = b"NIK,NAMA,JENIS KELAMIN,TANGGAL LAHIR,ALAMAT,KODE DESA\n"


def counts(lines) -> list[int]:
    return [line.count for line in lines]


def test_a_reviewer_counts_the_records_of_their_kecamatan_only(db):
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    for _ in range(3):
        RecipientFactory(kecamatan_code=GENTENG, status=Status.IN_REVIEW)
    RecipientFactory(kecamatan_code=GENTENG, status=Status.CANDIDATE)
    RecipientFactory(kecamatan_code=MUNCAR, status=Status.IN_REVIEW)
    RecipientFactory(kecamatan_code=MUNCAR, status=Status.CANDIDATE)
    # Neither waits: one is decided, the other sent back to whoever entered it.
    RecipientFactory(kecamatan_code=GENTENG, status=Status.PUBLISHED, publishable=True)
    RecipientFactory(kecamatan_code=GENTENG, status=Status.CHANGES_REQUESTED)
    assert counts(reviewer_waiting(reviewer)) == [3, 1]


def test_a_record_the_reviewer_entered_or_edited_waits_for_another_reviewer(db):
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    other = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    RecipientFactory(kecamatan_code=GENTENG, status=Status.IN_REVIEW, entered_by=reviewer)
    RecipientFactory(kecamatan_code=GENTENG, status=Status.IN_REVIEW, last_edited_by=reviewer)
    RecipientFactory(kecamatan_code=GENTENG, status=Status.IN_REVIEW, entered_by=other)
    assert counts(reviewer_waiting(reviewer)) == [1, 0]
    assert counts(reviewer_waiting(other)) == [2, 0]


def test_a_reviewer_of_two_kecamatan_counts_both(db):
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG, MUNCAR))
    RecipientFactory(kecamatan_code=GENTENG, status=Status.IN_REVIEW)
    RecipientFactory(kecamatan_code=MUNCAR, status=Status.IN_REVIEW)
    assert counts(reviewer_waiting(reviewer)) == [2, 0]


def test_a_role_without_the_registry_counts_nothing_there(db):
    # The same selector for a health inspector: the registry is outside their scope.
    inspector = make_official(Role.HEALTH_INSPECTOR)
    RecipientFactory(kecamatan_code=GENTENG, status=Status.IN_REVIEW)
    assert counts(reviewer_waiting(inspector)) == [0, 0]


def test_the_reviewers_counts_are_said_in_words_with_a_link_to_each_filter(db):
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    RecipientFactory(kecamatan_code=GENTENG, status=Status.IN_REVIEW)
    with translation.override("en"):
        waiting, candidates = reviewer_waiting(reviewer)
        assert waiting.text == "1 record submitted and waiting for your review"
        assert waiting.url == "/en/petugas/registri/?status=in_review"
        assert candidates.text == "0 candidates not yet submitted for review"
        assert candidates.url == "/en/petugas/registri/?status=candidate"


def stage(actor, name: str = "x.csv") -> ImportBatch:
    return import_stage(
        stream=io.BytesIO(ROW + b"3510094107450003,Siti,P,01-07-1945,Krajan,35.10.09.2001\n"),
        file_name=name,
        actor=actor,
    )


def test_a_data_officer_counts_the_files_waiting_for_confirmation(db):
    officer = make_official(Role.DATA_OFFICER)
    colleague = make_official(Role.DATA_OFFICER)
    stage(officer)
    stage(colleague, "y.csv")  # every import is the regency's: any data officer confirms it
    discarded = stage(officer, "z.csv")
    import_discard(batch_id=discarded.pk, actor=officer)
    assert counts(data_officer_waiting(officer)) == [2]
    with translation.override("en"):
        (line,) = data_officer_waiting(officer)
        assert line.text == "2 uploaded files wait for confirmation"
        assert line.url == "/en/petugas/impor/riwayat/"


def test_a_role_without_the_imports_counts_no_file(db):
    stage(make_official(Role.DATA_OFFICER))
    assert counts(data_officer_waiting(make_official(Role.REVIEWER, kecamatan=(GENTENG,)))) == [0]
