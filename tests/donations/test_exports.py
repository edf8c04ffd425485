"""CSV exports: safe against formula injection, in WIB days, without donors' addresses, and on
record."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Role
from donations.exports import csv_safe, csv_text
from donations.models import CollectionPeriod, Gift
from donations.services.funds import operating_cost_record
from tests.factories import make_official
from tests.factories.finance import (
    disbursement,
    fund,
    line,
    listed_person,
    officer,
    paid_card_gift,
)
from tests.factories.meals import warung_in


@pytest.mark.parametrize(
    "dangerous",
    [
        '=HYPERLINK("http://evil.example","klik")',
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_a_cell_that_a_spreadsheet_would_evaluate_becomes_text(dangerous):
    assert csv_safe(dangerous) == "'" + dangerous


@pytest.mark.parametrize(
    "harmless", ["RK-2026-000001", "Warung Bu Tini", "", "Rp10.000", "a=b", "1+1", " =x"]
)
def test_other_text_is_left_alone(harmless):
    assert csv_safe(harmless) == harmless


def test_numbers_the_portal_computed_stay_numbers():
    assert csv_safe(-8_000) == "-8000"
    assert csv_safe(120_000) == "120000"
    assert csv_safe(None) == ""
    assert csv_safe(True) == "1"


def test_the_written_file_reads_back_with_the_apostrophes():
    text = csv_text([["=1+1", -5, "ok", "\r@x"]])
    assert next(csv.reader(io.StringIO(text))) == ["'=1+1", "-5", "ok", "'\r@x"]


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def export(client, kind, start, end):
    return client.post(
        reverse("donations:fin_export"),
        {"kind": kind, "start": start.isoformat(), "end": end.isoformat()},
    )


@pytest.mark.django_db
def test_gifts_are_exported_by_wib_day_without_donors_addresses(client):
    person = listed_person()
    late = paid_card_gift(amount=75_000, recipient=person)
    early = paid_card_gift(amount=20_000)
    # 18:30 UTC on 31 March is 01:30 WIB on 1 April: it belongs to April.
    Gift.objects.filter(pk=late.pk).update(
        paid_at=datetime.datetime(2026, 3, 31, 18, 30, tzinfo=datetime.UTC)
    )
    Gift.objects.filter(pk=early.pk).update(
        paid_at=datetime.datetime(2026, 3, 31, 16, 0, tzinfo=datetime.UTC)
    )
    exporter = officer()
    client.force_login(exporter)
    rows = read_csv(export(client, "gifts", datetime.date(2026, 4, 1), datetime.date(2026, 4, 30)))
    header, body = rows[0], rows[1:]
    assert len(header) == 9
    assert len(body) == 1
    row = body[0]
    assert row[0] == late.receipt_number
    assert row[1] == "2026-04-01 01:30"
    assert row[2] == "75000"
    assert row[8] == f"{person.pseudonym} ({person.public_id})"
    text = "".join(",".join(r) for r in rows)
    assert "donor@example.org" not in text
    event = AuditEvent.objects.get(action=AuditEvent.Action.DONATIONS_EXPORTED)
    assert event.actor_ref == exporter.public_ref
    assert event.target == "donations.export:gifts"
    assert event.details == {"start": "2026-04-01", "end": "2026-04-30"}


@pytest.mark.django_db
def test_disbursement_and_ledger_exports_neutralise_what_officers_typed(client):
    first, second = officer(), officer()
    today = timezone.localdate()
    period = CollectionPeriod.objects.create(
        name="2026",
        starts_on=today.replace(month=1, day=1),
        ends_on=today.replace(month=12, day=31),
    )
    siti = listed_person()
    fund(first, second, amount=300_000, recipient=siti)
    fund(first, second, amount=100_000)
    payee = warung_in(name='=HYPERLINK("http://evil.example","Warung")')
    disbursement(
        first,
        [line(siti, amount=120_000)],
        warung=payee,
        reference="@SUM(A1)",
        proof_summary="-1+1 nota",
    )
    operating_cost_record(
        actor=first,
        period=period,
        description="+cmd|' /C calc'!A0",
        amount=5_000,
        incurred_on=today,
    )
    client.force_login(first)

    rows = read_csv(export(client, "disbursements", today, today))
    assert len(rows) == 2
    row = rows[1]
    assert row[2] == '\'=HYPERLINK("http://evil.example","Warung")'
    assert row[3] == "'@SUM(A1)"
    assert row[5] == "'-1+1 nota"
    assert row[-1] == "120000"

    rows = read_csv(export(client, "ledger", today, today))
    memos = {r[4] for r in rows[1:]}
    assert "'+cmd|' /C calc'!A0" in memos
    amounts = [int(r[6]) for r in rows[1:]]
    assert sum(amounts) == 0  # every transaction balances, so the export does
    assert -5_000 in amounts  # a negative amount is still a number
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DONATIONS_EXPORTED).count() == 2


@pytest.mark.django_db
def test_a_backwards_or_too_long_range_is_refused_and_not_logged(client):
    client.force_login(officer())
    today = timezone.localdate()
    response = export(client, "gifts", today, today - datetime.timedelta(days=1))
    assert response.status_code == 200
    assert response.context["form"].errors["end"]
    response = export(client, "ledger", today - datetime.timedelta(days=400), today)
    assert response.context["form"].errors["end"]
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DONATIONS_EXPORTED).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.LEAD_REVIEWER])
def test_only_finance_officers_export(client, role):
    client.force_login(make_official(role))
    today = timezone.localdate()
    assert export(client, "gifts", today, today).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DONATIONS_EXPORTED).exists()
