"""Transfers matched from the bank statement: the upload and its column mapping per account,
lines identified once, proposals by reference or exact amount, the second officer's one-step
confirmation (exactly once), the privacy of lines that are not gifts, and the 200-line statement.
"""

from __future__ import annotations

import datetime
import random
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import AuditEvent, Role
from donations.models import (
    CLEARING_BANK,
    Entry,
    Gift,
    StatementLine,
    StatementUpload,
)
from donations.services.statements import (
    references_in,
    statement_confirm,
    statement_lines_purge,
    statement_mapping_set,
    statement_upload,
)
from donations.services.transfer_codes import bank_account_default
from tests.factories import make_official
from tests.factories.finance import bank_gift

pytestmark = pytest.mark.django_db

HEADER = ("Tanggal", "Keterangan", "Debet", "Kredit", "Saldo")
MAPPING = {
    "date": "Tanggal",
    "description": "Keterangan",
    "debit": "Debet",
    "credit": "Kredit",
    "balance": "Saldo",
}
Outcome = StatementLine.Outcome


@pytest.fixture(autouse=True)
def _in_english():
    """The refusals are read in English here; their Indonesian is the catalogue's."""
    with translation.override("en"):
        yield


def idr(amount: int) -> str:
    """Rupiah as an Indonesian bank writes it: 1.250.000,00."""
    return f"{amount:,}".replace(",", ".") + ",00"


def statement(rows, *, encoding="utf-8-sig") -> bytes:
    """A bank export: a preamble, the header, rows (date, description, debit, credit,
    balance), a closing total."""
    lines = ["Rekening;0011223344;;;", "Periode;;;;", ";".join(HEADER)]
    for date, description, debit, credit, balance in rows:
        lines.append(
            ";".join(
                [
                    date.strftime("%d/%m/%Y"),
                    description,
                    idr(debit) if debit else "",
                    idr(credit) if credit else "",
                    balance if isinstance(balance, str) else idr(balance),
                ]
            )
        )
    lines.append("Saldo Akhir;;;;")
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def csv_file(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("mutasi.csv", data, content_type="text/csv")


def upload(actor, data: bytes, *, account=None) -> StatementUpload:
    """Upload a statement, mapping the account's columns on its first upload."""
    account = account or bank_account_default()
    record = statement_upload(account=account, actor=actor, upload=csv_file(data))
    if record.status == StatementUpload.Status.MAPPING:
        record = statement_mapping_set(record=record, actor=actor, mapping=MAPPING)
    return record


def proposed(record) -> dict[int, int]:
    return dict(record.lines.filter(outcome=Outcome.PROPOSED).values_list("pk", "gift_id"))


def confirm_all(record, actor):
    return statement_confirm(record=record, actor=actor, line_ids=list(proposed(record)))


def bank_received() -> int:
    return -(Entry.objects.filter(account=CLEARING_BANK).aggregate(s=Sum("amount"))["s"] or 0)


TODAY = timezone.localdate


# --- References -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "description",
    [
        "TRF RK-ABCDEFGH DARI SITI",
        "trf rk-abcd efgh",
        "RK ABCD-EFGH",
        "BERITA:RKABCDEFGH/SITI",
    ],
)
def test_a_reference_is_found_whatever_its_spaces_or_case(description):
    assert references_in(description) == ["RK-ABCDEFGH"]


def test_letters_that_are_never_in_a_reference_are_not_one():
    assert references_in("PARKIR 01234567 OLI") == []


# --- Upload and mapping ---------------------------------------------------------------------------


def test_the_first_upload_asks_for_the_columns_and_the_mapping_is_kept(
    officers, django_capture_on_commit_callbacks
):
    first, _second = officers
    account = bank_account_default()
    data = statement([(TODAY(), "SETORAN", 0, 100_000, 1_100_000)])
    record = statement_upload(account=account, actor=first, upload=csv_file(data))
    assert record.status == StatementUpload.Status.MAPPING
    assert record.staged  # kept only until it is read
    staged_name = record.staged.name
    with django_capture_on_commit_callbacks(execute=True):
        record = statement_mapping_set(record=record, actor=first, mapping=MAPPING)
    account.refresh_from_db()
    assert account.mapping == {**MAPPING, "amount": ""}
    assert record.status == StatementUpload.Status.OPEN and not record.staged
    assert not record.staged.storage.exists(staged_name)
    assert record.lines.count() == 1
    # The next upload of this account is read at once with the kept mapping.
    again = statement_upload(
        account=account,
        actor=first,
        upload=csv_file(statement([(TODAY(), "SETORAN 2", 0, 200_000, 1_300_000)])),
    )
    assert again.status == StatementUpload.Status.OPEN and again.credits_new == 1
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {AuditEvent.Action.STATEMENT_UPLOADED, AuditEvent.Action.STATEMENT_MAPPED} <= actions


def test_an_export_that_changed_its_columns_asks_for_the_mapping_again(officers):
    first, _second = officers
    upload(first, statement([(TODAY(), "SETORAN", 0, 100_000, 1_100_000)]))
    changed = b"Tgl;Uraian;Mutasi\r\n" + TODAY().strftime("%d/%m/%Y").encode() + b";X;+5.000\r\n"
    record = statement_upload(account=bank_account_default(), actor=first, upload=csv_file(changed))
    assert record.status == StatementUpload.Status.MAPPING


def test_a_statement_too_large_is_refused_and_nothing_is_kept(officers, settings):
    settings.BANK_STATEMENT_MAX_BYTES = 1024 * 1024
    data = statement([(TODAY(), "X" * 200, 0, 100_000, 1_000_000)] * 6000)
    assert len(data) > settings.BANK_STATEMENT_MAX_BYTES
    with pytest.raises(ValidationError, match="1 MB"):
        upload(officers[0], data)
    assert not StatementUpload.objects.exists()


def test_a_file_with_no_table_is_refused_with_a_message(officers):
    with pytest.raises(ValidationError, match="No table"):
        upload(officers[0], b"just some words\nand more\n")
    assert not StatementUpload.objects.exists()


def test_someone_who_is_not_a_finance_officer_cannot_upload():
    with pytest.raises(PermissionDenied):
        upload(make_official(Role.ADMINISTRATOR), statement([(TODAY(), "S", 0, 1, 1)]))


# --- Lines: identified once, only credits kept ----------------------------------------------------


def test_identical_lines_in_one_file_are_two_lines_and_a_reupload_adds_none(officers):
    first, _second = officers
    rows = [
        (TODAY(), "SETORAN TUNAI", 0, 100_000, ""),
        (TODAY(), "SETORAN TUNAI", 0, 100_000, ""),
        (TODAY(), "GAJI PEGAWAI", 2_000_000, 0, 500_000),
    ]
    record = upload(first, statement(rows))
    assert record.credits_new == 2 and record.debits == 1
    assert StatementLine.objects.count() == 2  # debits are never stored
    again = upload(first, statement(rows, encoding="cp1252"))
    assert again.credits_new == 0 and again.credits_known == 2
    assert again.status == StatementUpload.Status.CONFIRMED  # nothing to confirm
    # An overlapping statement: the known lines once, a third identical line is new.
    more = upload(first, statement([*rows, (TODAY(), "SETORAN TUNAI", 0, 100_000, "")]))
    assert (more.credits_new, more.credits_known) == (1, 2)
    assert StatementLine.objects.count() == 3


def test_lines_past_the_keeping_period_or_in_the_future_are_not_kept(officers, settings):
    old = TODAY() - datetime.timedelta(days=settings.BANK_STATEMENT_KEEP_DAYS + 1)
    future = TODAY() + datetime.timedelta(days=1)
    record = upload(
        officers[0],
        statement([(old, "OLD", 0, 100_000, 1), (future, "NEXT", 0, 100_000, 2)]),
    )
    assert record.credits_new == 0 and record.rows_skipped == 3  # and the closing total


# --- Proposals ------------------------------------------------------------------------------------


def test_proposals_by_reference_and_by_exact_amount_and_the_refusals(officers, settings):
    first, _second = officers
    by_ref = bank_gift(amount=100_000, proof=False)
    by_amount = bank_gift(amount=150_000, proof=False)
    off = bank_gift(amount=200_000, proof=False)
    ref_off = bank_gift(amount=250_000, proof=False)
    settings.BANK_TRANSFER_UNIQUE_CODE = False
    twins = [bank_gift(amount=75_000, proof=False) for _ in range(2)]
    ref = by_ref.bank_reference.replace("-", " ").lower()
    record = upload(
        first,
        statement(
            [
                (TODAY(), f"TRF {ref} SITI", 0, by_ref.amount, 1),
                (TODAY(), "TRF DARI BUDI", 0, by_amount.amount, 2),
                (TODAY(), "TRF DARI ANI", 0, off.amount + 1, 3),
                (TODAY(), f"TRF {ref_off.bank_reference}", 0, ref_off.amount - 1, 4),
                (TODAY(), "TRF DARI DEWI", 0, 75_000, 5),
            ]
        ),
    )
    lines = {line.amount: line for line in record.lines.all()}
    assert (lines[by_ref.amount].outcome, lines[by_ref.amount].via) == (
        Outcome.PROPOSED,
        "reference",
    )
    assert (lines[by_amount.amount].outcome, lines[by_amount.amount].gift) == (
        Outcome.PROPOSED,
        by_amount,
    )
    assert lines[off.amount + 1].outcome == Outcome.UNMATCHED  # one rupiah off
    assert lines[ref_off.amount - 1].outcome == Outcome.LOOK
    assert lines[75_000].outcome == Outcome.AMBIGUOUS  # two open transfers of 75.000
    assert set(proposed(record).values()) == {by_ref.pk, by_amount.pk}
    assert {twin.pk for twin in twins}.isdisjoint(proposed(record).values())


def test_a_credit_older_than_the_gift_is_not_its_transfer(officers):
    gift = bank_gift(amount=100_000, proof=False)
    yesterday = TODAY() - datetime.timedelta(days=1)
    record = upload(officers[0], statement([(yesterday, "SETORAN", 0, gift.amount, 1)]))
    assert record.lines.get().outcome == Outcome.UNMATCHED


def test_the_reference_of_a_gift_already_paid_is_never_matched_to_another_by_amount(officers):
    first, second = officers
    paid = bank_gift(amount=100_000, proof=False)
    record = upload(first, statement([(TODAY(), f"TRF {paid.bank_reference}", 0, paid.amount, 1)]))
    confirm_all(record, second)
    paid.refresh_from_db()
    assert paid.status == Gift.Status.PAID
    # Its amount is free again and a new donor gets it; the first donor pays a second time.
    Gift.objects.filter(pk=paid.pk).update(transfer_code=None)
    newcomer = bank_gift(amount=100_000, proof=False)
    Gift.objects.filter(pk=newcomer.pk).update(amount=paid.amount)
    again = upload(
        first, statement([(TODAY(), f"TRF LAGI {paid.bank_reference}", 0, paid.amount, 9)])
    )
    assert again.lines.get().outcome == Outcome.UNMATCHED


# --- Confirmation ---------------------------------------------------------------------------------


def test_the_uploader_cannot_confirm_and_a_second_officer_confirms_once(officers):
    first, second = officers
    gift = bank_gift(amount=100_000, proof=False)
    record = upload(first, statement([(TODAY(), f"TRF {gift.bank_reference}", 0, gift.amount, 1)]))
    with pytest.raises(ValidationError, match="you uploaded"):
        confirm_all(record, first)
    result = confirm_all(record, second)
    assert [g.pk for g in result.confirmed] == [gift.pk]
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID
    assert gift.received_amount == gift.amount and gift.statement_date == TODAY()
    assert gift.matched_by_ref == first.public_ref and gift.decided_by_ref == second.public_ref
    assert gift.statement_line.startswith("TRF RK-")
    assert bank_received() == gift.amount
    with pytest.raises(ValidationError, match="already been confirmed"):
        confirm_all(record, second)
    assert bank_received() == gift.amount
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TRANSFER_CONFIRMED).count() == 1


def test_an_unticked_proposal_is_not_confirmed_and_descriptions_go_on_closing(officers):
    first, second = officers
    gifts = [bank_gift(amount=100_000, proof=False) for _ in range(2)]
    record = upload(
        first,
        statement(
            [(TODAY(), f"TRF {g.bank_reference}", 0, g.amount, i) for i, g in enumerate(gifts)]
            + [(TODAY(), "TRF DARI PIHAK LAIN", 0, 123_456, 9)]
        ),
    )
    keep = next(pk for pk, gift_id in proposed(record).items() if gift_id == gifts[0].pk)
    statement_confirm(record=record, actor=second, line_ids=[keep])
    statuses = dict(Gift.objects.filter(pk__in=[g.pk for g in gifts]).values_list("pk", "status"))
    assert statuses == {gifts[0].pk: Gift.Status.PAID, gifts[1].pk: Gift.Status.AWAITING_TRANSFER}
    assert not StatementLine.objects.exclude(description="").exists()
    other = StatementLine.objects.get(amount=123_456)
    assert other.outcome == Outcome.NOT_GIFT and other.fingerprint and other.date == TODAY()


def test_a_transfer_matched_by_hand_meanwhile_is_left_as_the_officer_decided(officers):
    from donations.services.bank import transfer_match

    first, second = officers
    third = make_official(Role.FINANCE_OFFICER)
    gift = bank_gift(amount=100_000, proof=False)
    record = upload(first, statement([(TODAY(), f"TRF {gift.bank_reference}", 0, gift.amount, 1)]))
    transfer_match(
        gift=gift,
        actor=third,
        received_amount=gift.amount,
        statement_date=TODAY(),
        statement_line="BY HAND",
    )
    result = confirm_all(record, second)
    assert result.confirmed == [] and len(result.refused) == 1
    gift.refresh_from_db()
    assert gift.status == Gift.Status.MATCHED and gift.statement_line == "BY HAND"
    assert bank_received() == 0


def test_lines_past_90_days_are_purged_by_the_beat_task(officers, settings):
    from donations.tasks import statement_lines_purge_task

    assert "donations.statement_lines_purge" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    upload(officers[0], statement([(TODAY(), "SETORAN", 0, 100_000, 1)]))
    later = TODAY() + datetime.timedelta(days=settings.BANK_STATEMENT_KEEP_DAYS)
    assert statement_lines_purge(today=later) == 0
    assert StatementLine.objects.count() == 1
    assert statement_lines_purge(today=later + datetime.timedelta(days=1)) == 1
    assert not StatementLine.objects.exists()
    assert statement_lines_purge_task() == 0


def test_a_staged_file_never_mapped_is_deleted_after_a_day(officers):
    record = statement_upload(
        account=bank_account_default(),
        actor=officers[0],
        upload=csv_file(statement([(TODAY(), "S", 0, 100_000, 1)])),
    )
    name = record.staged.name
    StatementUpload.objects.filter(pk=record.pk).update(
        uploaded_at=timezone.now() - datetime.timedelta(days=2)
    )
    statement_lines_purge()
    record.refresh_from_db()
    assert record.status == StatementUpload.Status.EXPIRED and not record.staged
    assert not record.staged.storage.exists(name)


# --- Pages ----------------------------------------------------------------------------------------


def test_the_pages_upload_map_review_and_confirm(client, officers):
    first, second = officers
    gift = bank_gift(amount=100_000, proof=False)
    client.force_login(first)
    data = statement(
        [
            (TODAY(), f"TRF {gift.bank_reference}", 0, gift.amount, 1),
            (TODAY(), "<script>alert(1)</script> =HYPERLINK(x)", 0, 777_000, 2),
        ]
    )
    response = client.post(
        reverse("donations:fin_statements"),
        {"account": bank_account_default().pk, "statement": csv_file(data)},
    )
    record = StatementUpload.objects.get()
    assert response["Location"] == reverse("donations:fin_statement_map", args=[record.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Keterangan" in page and "Kredit" in page
    response = client.post(response["Location"], MAPPING)
    assert response["Location"] == reverse("donations:fin_statement", args=[record.pk])
    page = client.get(response["Location"]).content.decode()
    assert gift.bank_reference in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert 'class="table-wrap" tabindex="0" role="region"' in page
    assert "you uploaded this statement" in page
    assert AuditEvent.objects.filter(action=AuditEvent.Action.STATEMENT_VIEWED).exists()
    client.force_login(second)
    page = client.get(reverse("donations:fin_statement", args=[record.pk])).content.decode()
    line = record.lines.get(outcome=Outcome.PROPOSED)
    assert f'value="{line.pk}" id="line-{line.pk}" checked' in page
    url = reverse("donations:fin_statement_confirm", args=[record.pk])
    client.post(url, {"lines": [line.pk]})
    client.post(url, {"lines": [line.pk]})  # a second click
    gift.refresh_from_db()
    assert gift.status == Gift.Status.PAID and bank_received() == gift.amount


def test_a_first_mapping_proposes_the_columns_whose_headers_name_them():
    from donations.forms_statements import MappingForm, mapping_guess

    assert mapping_guess(["Tanggal", "Keterangan", "Cabang", "Debet", "Kredit", "Saldo"]) == MAPPING
    english = ["Date", "Description", "Amount", "Balance"]
    assert mapping_guess(english) == {
        "date": "Date",
        "description": "Description",
        "amount": "Amount",
        "balance": "Balance",
    }
    form = MappingForm(headers=list(HEADER), initial_mapping={})
    assert {name: field.initial for name, field in form.fields.items() if field.initial} == MAPPING
    # A mapping the account keeps wins over the guess.
    kept = {**MAPPING, "description": "Saldo", "balance": ""}
    form = MappingForm(headers=list(HEADER), initial_mapping=kept)
    assert form.fields["description"].initial == "Saldo" and form.fields["balance"].initial == ""


def test_a_bad_file_on_the_page_is_a_clear_error_and_nothing_is_kept(client, officers):
    client.force_login(officers[0])
    response = client.post(
        reverse("donations:fin_statements"),
        {"account": bank_account_default().pk, "statement": csv_file(b"PK\x03\x04zip")},
    )
    assert response.status_code == 200
    assert "not a CSV file" in response.content.decode()
    assert not StatementUpload.objects.exists()


@pytest.mark.parametrize(
    "role", [Role.ADMINISTRATOR, Role.LEAD_REVIEWER, Role.DATA_OFFICER, Role.DONOR]
)
def test_only_finance_officers_open_the_statement_pages(client, officers, role):
    record = upload(officers[0], statement([(TODAY(), "SETORAN", 0, 100_000, 1)]))
    client.force_login(make_official(role) if role != Role.DONOR else _donor())
    for name, args in [
        ("fin_statements", []),
        ("fin_statement", [record.pk]),
        ("fin_statement_map", [record.pk]),
    ]:
        assert client.get(reverse(f"donations:{name}", args=args)).status_code == 403
    response = client.post(reverse("donations:fin_statement_confirm", args=[record.pk]))
    assert response.status_code == 403
    record.refresh_from_db()
    assert record.status == StatementUpload.Status.OPEN


def _donor():
    from tests.factories import UserFactory

    return UserFactory(email="donor@example.org")


# --- The 200-line statement -----------------------------------------------------------------------


def test_a_200_line_statement_matches_exactly_the_intended_gifts(officers, settings):
    """Transfers to match by reference and by unique amount, amounts one rupiah off, a
    reference with the wrong amount, an amount two open transfers share, a donor paying twice,
    identical lines, lines that are not gifts, and an earlier statement uploaded again."""
    first, second = officers
    rng = random.Random(17)
    today = TODAY()
    days = [today - datetime.timedelta(days=n) for n in (2, 1, 0)]
    bases = [100_000, 150_000, 250_000, 500_000]
    by_reference = [bank_gift(amount=rng.choice(bases), proof=False) for _ in range(12)]
    by_amount = [bank_gift(amount=rng.choice(bases), proof=False) for _ in range(10)]
    one_off = [bank_gift(amount=rng.choice(bases), proof=False) for _ in range(5)]
    reference_off = [bank_gift(amount=rng.choice(bases), proof=False) for _ in range(2)]
    paid_twice = bank_gift(amount=100_000, proof=False)
    unpaid = [bank_gift(amount=rng.choice(bases), proof=False) for _ in range(3)]
    settings.BANK_TRANSFER_UNIQUE_CODE = False
    shared = [bank_gift(amount=300_000, proof=False) for _ in range(2)]
    open_amounts = {g.amount for g in Gift.objects.all()}

    def styled(reference: str) -> str:
        return rng.choice(
            [
                reference,
                reference.lower(),
                reference.replace("-", " "),
                reference[:7] + " " + reference[7:],
            ]
        )

    rows: list[tuple[datetime.date, str, int, int]] = []  # date, description, debit, credit
    rows += [
        (rng.choice(days), f"TRSF E-BANKING CR {styled(g.bank_reference)} DONASI", 0, g.amount)
        for g in by_reference
    ]
    rows += [
        (today, f"TRSF E-BANKING CR 0{n}05/FTSCY/WS9 HAMBA ALLAH", 0, g.amount)
        for n, g in enumerate(by_amount)
    ]
    rows += [
        (today, "TRSF E-BANKING CR SEDEKAH", 0, g.amount + rng.choice((-1, 1))) for g in one_off
    ]
    rows += [(today, f"SETORAN {g.bank_reference}", 0, g.amount + 1) for g in reference_off]
    rows += [(today, "TRSF E-BANKING CR DONASI", 0, paid_twice.amount)] * 2  # identical
    rows += [(today, "TRSF E-BANKING CR BANTUAN", 0, 300_000)]  # two open transfers of it
    rows += [(today, "SETORAN TUNAI KAS KECIL", 0, 2_000_000)] * 2  # identical, not a gift
    rows += [
        (rng.choice(days), f"GAJI PEGAWAI {n:03d}", rng.randrange(2, 6) * 1_000_000, 0)
        for n in range(50)
    ]
    rows += [(rng.choice(days), "BIAYA ADM", 15_000, 0) for _ in range(25)]
    while len(rows) < 200:
        amount = rng.randrange(10, 5_000) * 1_000
        if amount in open_amounts or amount in {300_000, 2_000_000}:
            continue
        rows.append((rng.choice(days), f"TRF DARI REKANAN {len(rows):03d}", 0, amount))
    rows.sort(key=lambda row: row[0])
    balance = 50_000_000
    full = []
    for date, description, debit, credit in rows:
        balance += credit - debit
        identical = description in {"TRSF E-BANKING CR DONASI", "SETORAN TUNAI KAS KECIL"}
        full.append((date, description, debit, credit, "" if identical else balance))
    assert len(full) == 200
    assert not any(
        "RK" in row[1] for row in full if "DONASI" not in row[1] and "SETORAN RK" not in row[1]
    )

    # Two overlapping exports, confirmed in turn, then the first uploaded again.
    earlier, later = statement(full[:130]), statement(full[90:], encoding="cp1252")
    first_upload = upload(first, earlier)
    proposals = set(proposed(first_upload).values())
    confirm_all(first_upload, second)
    second_upload = upload(first, later)
    assert second_upload.credits_known == sum(1 for row in full[90:130] if row[3])
    proposals |= set(proposed(second_upload).values())
    confirm_all(second_upload, second)
    repeated = upload(first, earlier)
    assert repeated.credits_new == 0 and not proposed(repeated)

    intended = {g.pk for g in by_reference + by_amount}
    assert proposals == intended
    paid = set(Gift.objects.filter(status=Gift.Status.PAID).values_list("pk", flat=True))
    assert paid == intended
    assert bank_received() == sum(g.amount for g in by_reference + by_amount)
    waiting = {g.pk for g in one_off + reference_off + unpaid + shared + [paid_twice]}
    assert (
        set(Gift.objects.filter(status=Gift.Status.AWAITING_TRANSFER).values_list("pk", flat=True))
        == waiting
    )
    credits = sum(1 for row in full if row[3])
    assert StatementLine.objects.count() == credits  # each credit once, identical ones twice
    assert not StatementLine.objects.exclude(description="").exists()


# --- Two officers at once (PostgreSQL) ------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_officers_confirming_at_once_record_the_money_once(postgres):
    from tests.factories.donations import finance_officers

    first, second, third = finance_officers(3)
    gifts = [bank_gift(amount=100_000, proof=False) for _ in range(3)]
    record = upload(
        first,
        statement(
            [(TODAY(), f"TRF {g.bank_reference}", 0, g.amount, i) for i, g in enumerate(gifts)]
        ),
    )
    ids = list(proposed(record))
    barrier = threading.Barrier(2)
    results: list[str] = []

    def run(actor):
        try:
            barrier.wait(timeout=10)
            statement_confirm(record=record, actor=actor, line_ids=ids)
            results.append("ok")
        except ValidationError:
            results.append("refused")
        except Exception as error:  # pragma: no cover - shown in the assertion
            results.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(actor,)) for actor in (second, third)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["ok", "refused"]
    assert bank_received() == sum(g.amount for g in gifts)
    assert Gift.objects.filter(status=Gift.Status.PAID).count() == 3
