"""Data rights: the rights of the person listed (UU 27/2022 PDP).

An official of the kecamatan (or a lead reviewer) records a request of the person or their
family; the portal keeps the 3x24-hour clock (the queue shows the time left; an overdue request
alerts the lead reviewers once); access gives a readable export with who has seen the data;
deletion and withdrawal take the listing down at once and end in erasure, which keeps the row,
its id, keyed NIK hash, pseudonym and kecamatan, and refuses a later import of the NIK."""

import csv
import datetime
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils.translation import gettext

from accounts.models import AuditEvent, Role
from accounts.pii import keyed_hash
from community.models import Referral, RightsRequest
from community.services.referrals import referral_confirm, referral_submit, referral_verify
from community.services.rights import (
    rights_overdue_alert,
    rights_request_close,
    rights_request_record,
)
from notifications.models import Notification
from portal.models import ImportBatch, PhotoConsent, Recipient, RecipientTransition, Status
from portal.services.imports import import_file
from tests.factories import GENTENG, MUNCAR, make_official
from tests.factories.community import code_for, village_of
from tests.factories.portal import PhotoConsentFactory, RecipientFactory

pytestmark = pytest.mark.django_db

WIB = datetime.timezone(datetime.timedelta(hours=7))


def published(**fields):
    person = RecipientFactory(publishable=True, status=Status.PUBLISHED, **fields)
    consent = PhotoConsentFactory(recipient=person)
    person.photo.save("foto123.jpg", ContentFile(b"\xff\xd8\xff fake jpeg"), save=False)
    person.photo_consent = consent
    person.save(update_fields=["photo", "photo_consent"])
    return person


def public_everywhere(client, person) -> dict[str, bool]:
    detail = f"/lansia/{person.public_id}/"
    return {
        "page": client.get(detail).status_code == 200,
        "photo": client.get(f"{detail}foto/").status_code == 200,
        "api": client.get(f"/api/v1/listings/{person.public_id}/").status_code == 200,
        "sitemap": person.public_id in client.get("/sitemap.xml").content.decode(),
    }


def record(client, person, kind, **extra):
    data = {
        "record": person.public_id,
        "kind": kind,
        "requester": "family",
        "requester_name": "Sulastri (putri)",
        "details": "",
        "received_at": "",
        "confirm": "on",
        **extra,
    }
    response = client.post(reverse("community:rights_create"), data)
    return response


def csv_of(person_nik: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["NIK", "NAMA", "JENIS KELAMIN", "TANGGAL LAHIR", "ALAMAT", "KODE DESA"])
    writer.writerow([person_nik, "Sumarno", "L", "12-05-1950", "Jl. Melati", "35.10.09.2001"])
    return buffer.getvalue().encode()


# --- Deletion -------------------------------------------------------------------------------------


def test_a_deletion_request_erases_the_identity_and_a_later_import_is_refused(client, settings):
    person = published(kecamatan_code=GENTENG)
    nik, name, address, pseudonym = person.nik, person.name, person.address, person.pseudonym
    photo_path = settings.MEDIA_ROOT / person.photo.name
    assert photo_path.exists()
    # A resident's referral about the same person carries their words too.
    referral = referral_submit(
        village=person.village, needs=["daily_meals"], situation="Mbah tinggal sendiri",
        hamlet="Dusun Krajan", phone="081277776666", consent=True,
    )  # fmt: skip
    referral_confirm(referral=referral, code=code_for(referral))
    Referral.objects.filter(pk=referral.pk).update(recipient=person, status="verified")
    assert all(public_everywhere(client, person).values())

    # A reviewer of Genteng records the family's request: the listing goes at once.
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    client.force_login(reviewer)
    response = record(client, person, "deletion")
    assert response.status_code == 302, response.context["form"].errors
    request = RightsRequest.objects.get()
    person.refresh_from_db()
    assert person.status == Status.WITHDRAWN
    assert not PhotoConsent.objects.filter(recipient=person, withdrawn_at__isnull=True).exists()
    assert person.photo.name == ""
    assert not photo_path.exists()
    client.logout()
    assert not any(public_everywhere(client, person).values())

    # Erasure is the lead reviewers' (a second pair of eyes on the irreversible step).
    with pytest.raises(PermissionDenied):
        rights_request_close(request=request, actor=reviewer, outcome="done", note="dihapus")
    request.refresh_from_db()
    assert request.status == RightsRequest.Status.OPEN
    lead = make_official(Role.LEAD_REVIEWER)
    client.force_login(lead)
    url = reverse("community:rights_detail", args=[request.reference])
    refused = client.post(url, {"outcome": "done", "note": "Dihapus atas permintaan keluarga."})
    assert refused.status_code == 200
    assert refused.context["form"].errors["erase"]
    done = client.post(
        url, {"outcome": "done", "note": "Dihapus atas permintaan keluarga.", "erase": "on"}
    )
    assert done.status_code == 302
    client.logout()

    erased = Recipient.objects.get(pk=person.pk)
    assert erased.status == Status.ERASED
    assert (erased.nik, erased.name, erased.address, erased.rt, erased.rw) == ("", "", "", "", "")
    assert (erased.birth_date, erased.family_phone, erased.conditions, erased.notes) == (
        None,
        "",
        "",
        "",
    )
    assert (erased.story, erased.photo.name, erased.photo_consent) == ("", "", None)
    assert not PhotoConsent.objects.filter(recipient=erased).exists()
    # What the ledger and the figures refer to stays.
    assert (erased.pk, erased.public_id, erased.pseudonym) == (
        person.pk,
        person.public_id,
        pseudonym,
    )
    assert erased.nik_hash == keyed_hash(nik)
    assert erased.kecamatan.code == GENTENG
    referral.refresh_from_db()
    assert (referral.situation, referral.hamlet) == ("", "")
    request.refresh_from_db()
    assert request.status == RightsRequest.Status.DONE
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.RECIPIENT_ERASED, target=f"portal.recipient:{person.public_id}"
    ).exists()
    # Nothing of the identity is left in the database's rows of the person.
    stored = str(Recipient.objects.filter(pk=person.pk).values().get())
    for secret in (nik, name, address):
        assert secret not in stored
    assert not any(public_everywhere(client, person).values())
    # The history says who erased, without the identity.
    last = RecipientTransition.objects.filter(recipient=erased).last()
    assert (last.to_status, last.actor) == (Status.ERASED, lead)

    # A later Diskominfo import of the same NIK is refused with that reason.
    batch = import_file(io.BytesIO(csv_of(nik)), file_name="lagi.csv", channel="cli", actor=None)
    assert (batch.created, batch.updated, batch.rejected) == (0, 0, 1)
    assert Recipient.objects.filter(nik_hash=keyed_hash(nik)).count() == 1
    assert Recipient.objects.get(nik_hash=keyed_hash(nik)).name == ""
    from accounts.storage import private_storage

    report = private_storage().open(ImportBatch.objects.get(pk=batch.pk).report_file).read()
    reason = gettext(
        "This person's data was erased at their request: they cannot be imported again."
    )
    assert reason in report.decode("utf-8-sig")


def test_a_verified_referral_of_an_erased_person_is_refused_too(client):
    person = RecipientFactory(village=village_of())
    lead = make_official(Role.LEAD_REVIEWER)
    request = rights_request_record(
        recipient=person, actor=lead, kind="deletion", requester="self", requester_name="Sumarno"
    )
    nik = person.nik
    rights_request_close(request=request, actor=lead, outcome="done", note="dihapus")
    referral = referral_submit(
        village=village_of(), needs=["daily_meals"], phone="081277776666", consent=True
    )
    referral_confirm(referral=referral, code=code_for(referral))
    from portal.services.manual_entry import EntryRefused

    raw = {
        "nik": nik,
        "name": "Sumarno",
        "sex": "L",
        "birth_date": "12-05-1950",
        "address": "Jl. Melati",
        "village_code": village_of().code,
    }
    with pytest.raises(EntryRefused):
        referral_verify(referral=referral, actor=make_official(Role.DATA_OFFICER), raw=raw)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.OPEN


def test_a_withdrawal_of_consent_also_takes_the_listing_down_at_once(client):
    person = published()
    lead = make_official(Role.LEAD_REVIEWER)
    rights_request_record(
        recipient=person, actor=lead, kind="withdrawal", requester="self", requester_name="S"
    )
    person.refresh_from_db()
    assert person.status == Status.WITHDRAWN
    assert not any(public_everywhere(client, person).values())


def test_a_refused_request_needs_a_reason_and_erases_nothing(client):
    person = published()
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    request = rights_request_record(
        recipient=person, actor=reviewer, kind="correction", requester="family", requester_name="S"
    )
    client.force_login(reviewer)
    url = reverse("community:rights_detail", args=[request.reference])
    assert client.post(url, {"outcome": "refused", "note": ""}).status_code == 200
    response = client.post(url, {"outcome": "refused", "note": "Bukan keluarga."})
    assert response.status_code == 302
    request.refresh_from_db()
    person.refresh_from_db()
    assert request.status == RightsRequest.Status.REFUSED
    assert person.status == Status.PUBLISHED  # a correction request takes nothing down
    assert person.name


def test_a_request_received_in_the_future_or_about_an_erased_person_is_refused(client):
    person = published()
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    client.force_login(reviewer)
    tomorrow = (datetime.datetime.now(tz=WIB) + datetime.timedelta(days=1)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    response = record(client, person, "access", received_at=tomorrow)
    assert response.status_code == 200
    assert response.context["form"].errors["received_at"]
    assert not RightsRequest.objects.exists()
    erased = RecipientFactory(status=Status.ERASED)
    response = record(client, erased, "access")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        gettext("This person's data is already erased.")
    ]
    assert not RightsRequest.objects.exists()


# --- Scope ----------------------------------------------------------------------------------------


def test_a_reviewer_of_another_kecamatan_gets_404_and_an_audit_event(client):
    muncar = published(kecamatan_code=MUNCAR)
    lead = make_official(Role.LEAD_REVIEWER)
    request = rights_request_record(
        recipient=muncar, actor=lead, kind="access", requester="self", requester_name="S"
    )
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    client.force_login(reviewer)
    assert request.reference not in client.get(reverse("community:rights_list")).content.decode()
    for name in ("rights_detail", "rights_export"):
        response = client.get(reverse(f"community:{name}", args=[request.reference]))
        assert response.status_code == 404
    events = AuditEvent.objects.filter(action=AuditEvent.Action.SCOPE_DENIED)
    assert {e.target for e in events} == {f"community.rightsrequest:{request.reference}"}
    assert all(e.actor_ref == reviewer.public_ref for e in events)
    # Recording a request about a record outside the scope: 404, audited, nothing written.
    response = record(client, muncar, "deletion")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.SCOPE_DENIED, target=f"portal.recipient:{muncar.public_id}"
    ).exists()
    assert RightsRequest.objects.count() == 1
    muncar.refresh_from_db()
    assert muncar.status == Status.PUBLISHED


# --- Access ---------------------------------------------------------------------------------------


def test_access_gives_a_readable_export_with_who_has_seen_the_data(client):
    person = published()
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,), name="Bu Rina Reviewer")
    client.force_login(reviewer)
    assert client.get(reverse("portal:review_record", args=[person.public_id])).status_code == 200
    request = rights_request_record(
        recipient=person, actor=reviewer, kind="access", requester="self", requester_name="S"
    )
    response = client.get(reverse("community:rights_export", args=[request.reference]))
    assert response.status_code == 200
    assert {"private", "no-store"} <= {
        part.strip() for part in response["Cache-Control"].split(",")
    }
    html = response.content.decode()
    for value in (person.nik, person.name, person.address, person.pseudonym):
        assert value in html
    seen = response.context["export"]["seen_by"]
    assert any("Bu Rina Reviewer" in row["who"] for row in seen)
    assert "Bu Rina Reviewer" in html
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.RIGHTS_DATA_EXPORTED, actor_ref=reviewer.public_ref
    ).exists()
    download = client.get(
        reverse("community:rights_export", args=[request.reference]), {"download": "1"}
    )
    assert download["Content-Disposition"].startswith("attachment;")


def test_access_gathers_meals_and_visits_through_the_registry(client):
    from meals.models import Delivery
    from tests.factories.meals import plan_for, warung_in
    from tests.factories.volunteers import StudentFactory, VisitSlotFactory
    from volunteers.models import Booking, VisitReport

    person = published()
    plan = plan_for(person, warung_in(GENTENG, name="Warung Bu Sri"))
    Delivery.objects.create(
        plan=plan, day=plan.starts_on, mark="delivered", portions=2, concern="Batuk sejak Senin"
    )
    slot = VisitSlotFactory(recipient=person)
    booking = Booking.objects.create(
        slot=slot, student=StudentFactory(), status=Booking.Status.ATTENDED
    )
    VisitReport.objects.create(booking=booking, wellbeing="fair", note="Minta dibacakan koran")
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    client.force_login(reviewer)
    request = rights_request_record(
        recipient=person, actor=reviewer, kind="access", requester="self", requester_name="S"
    )
    response = client.get(reverse("community:rights_export", args=[request.reference]))
    html = response.content.decode()
    for value in ("Warung Bu Sri", "Batuk sejak Senin", "Minta dibacakan koran", person.nik):
        assert value in html
    # Which student came is the student's data, not the person's.
    assert booking.student.user.email not in html


def test_access_finds_what_was_logged_before_the_regions_moved(client):
    # Audit targets are a stable format, "<app.model>:<id or code>" as the model was named
    # when the event was written: Kecamatan moved from portal into regions, and the trail
    # keeps "portal.*" strings written before and after.
    person = published()
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,), name="Pak Lama")
    AuditEvent.objects.create(
        actor_ref=reviewer.public_ref,
        action=AuditEvent.Action.PII_REVEAL,
        target=f"portal.recipient:{person.public_id}",
        reason="written by the code of before the move",
    )
    request = rights_request_record(
        recipient=person, actor=reviewer, kind="access", requester="self", requester_name="S"
    )
    client.force_login(reviewer)
    response = client.get(reverse("community:rights_export", args=[request.reference]))
    seen = response.context["export"]["seen_by"]
    assert any(
        row["reason"] == "written by the code of before the move" and "Pak Lama" in row["who"]
        for row in seen
    )


def test_only_an_access_request_has_an_export(client):
    person = published()
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    request = rights_request_record(
        recipient=person, actor=reviewer, kind="correction", requester="self", requester_name="S"
    )
    client.force_login(reviewer)
    assert (
        client.get(reverse("community:rights_export", args=[request.reference])).status_code == 404
    )


# --- The 3x24-hour clock --------------------------------------------------------------------------


def test_the_clock_shows_the_time_left_and_alerts_the_lead_reviewers_once_when_overdue(client):
    leads = [make_official(Role.LEAD_REVIEWER), make_official(Role.LEAD_REVIEWER)]
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    person = published()
    received = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=WIB)  # Tuesday 09:00 WIB
    with time_machine.travel(received, tick=False):
        request = rights_request_record(
            recipient=person,
            actor=reviewer,
            kind="correction",
            requester="family",
            requester_name="Sulastri",
        )
    assert request.due_at == datetime.datetime(2026, 12, 4, 9, 0, tzinfo=WIB)
    client.force_login(reviewer)

    with time_machine.travel(datetime.datetime(2026, 12, 3, 8, 30, tzinfo=WIB), tick=False):
        row = client.get(reverse("community:rights_list")).context["page"][0]
        assert (row.overdue, row.time_left) == (False, "1 d 0 h 30 m")
        assert rights_overdue_alert() == 0

    # One second before the deadline: not yet.
    with time_machine.travel(datetime.datetime(2026, 12, 4, 8, 59, 59, tzinfo=WIB), tick=False):
        assert rights_overdue_alert() == 0
        assert not client.get(reverse("community:rights_list")).context["page"][0].overdue
    assert not Notification.objects.filter(template="rights_overdue").exists()

    # At the deadline it is overdue, and the beat alerts every lead reviewer once.
    with time_machine.travel(datetime.datetime(2026, 12, 4, 9, 0, tzinfo=WIB), tick=False):
        assert rights_overdue_alert() == 1
        row = client.get(reverse("community:rights_list")).context["page"][0]
        assert row.overdue
    with time_machine.travel(datetime.datetime(2026, 12, 4, 9, 15, tzinfo=WIB), tick=False):
        assert rights_overdue_alert() == 0  # the beat runs again: nothing more
        page = client.get(reverse("community:rights_list"))
        assert page.context["page"][0].time_left == "15 m"
        assert "overdue" in page.content.decode()
    alerts = Notification.objects.filter(template="rights_overdue")
    assert sorted(a.user_id for a in alerts) == sorted(lead.pk for lead in leads)
    assert all(a.context["reference"] == request.reference for a in alerts)
    request.refresh_from_db()
    assert request.overdue_alerted_at == datetime.datetime(2026, 12, 4, 9, 0, tzinfo=WIB)


def test_a_request_closed_in_time_is_never_alerted(client):
    make_official(Role.LEAD_REVIEWER)
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    person = published()
    request = rights_request_record(
        recipient=person, actor=reviewer, kind="access", requester="self", requester_name="S"
    )
    rights_request_close(request=request, actor=reviewer, outcome="done", note="Diserahkan.")
    later = datetime.datetime.now(tz=WIB) + datetime.timedelta(days=4)
    with time_machine.travel(later, tick=False):
        assert rights_overdue_alert() == 0
    assert not Notification.objects.filter(template="rights_overdue").exists()


def test_the_clock_runs_from_when_the_request_was_received_not_recorded(client):
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    person = published()
    now = datetime.datetime(2026, 12, 5, 10, 0, tzinfo=WIB)
    with time_machine.travel(now, tick=False):
        client.force_login(reviewer)
        response = record(client, person, "access", received_at="2026-12-02T11:00")
        assert response.status_code == 302
        request = RightsRequest.objects.get()
        assert request.received_at == datetime.datetime(2026, 12, 2, 11, 0, tzinfo=WIB)
        assert request.due_at == datetime.datetime(2026, 12, 5, 11, 0, tzinfo=WIB)
        row = client.get(reverse("community:rights_list")).context["page"][0]
        assert row.time_left == "1 h 0 m"


def test_erasing_a_person_keeps_the_ledger_whole_and_stops_their_sponsors(client, settings):
    """The money given for a person stays in the accounts under their pseudonym: balances,
    the public totals and the donor's receipt are unchanged; their monthly sponsors stop
    being charged (and are told), and the pot's remainder waits for a transfer decision."""
    from donations.models import Entry, Gift, Sponsorship, recipient_account
    from donations.selectors.transparency import transparency_kecamatan, transparency_totals
    from donations.services.ledger import balance
    from donations.services.reconcile import payments_reconcile
    from tests.factories.donations import active_sponsorship, on_commit, paid_gift

    person = published(kecamatan_code=GENTENG)
    with on_commit():
        gift = paid_gift(amount=200_000, recipient=person)
        sponsorship = active_sponsorship(amount=720_000, recipient=person)
    pot = recipient_account(person.pk)
    entries_before = list(Entry.objects.order_by("pk").values_list("account", "amount"))
    pot_before = balance(pot)
    summary_before = (transparency_totals(), transparency_kecamatan())
    assert pot_before > 0

    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    client.force_login(reviewer)
    assert record(client, person, "deletion").status_code == 302
    request = RightsRequest.objects.get()
    rights_request_close(
        request=request, actor=make_official(Role.LEAD_REVIEWER), outcome="done",
        note="Dihapus",
    )  # fmt: skip
    person.refresh_from_db()
    assert person.status == Status.ERASED

    assert list(Entry.objects.order_by("pk").values_list("account", "amount")) == entries_before
    assert balance(pot) == pot_before
    assert (transparency_totals(), transparency_kecamatan()) == summary_before
    gift.refresh_from_db()
    assert (gift.status, gift.recipient_id) == (Gift.Status.PAID, person.pk)
    assert gift.recipient.pseudonym == person.pseudonym

    with on_commit():
        stopped = payments_reconcile()
    assert stopped.sponsorships_stopped == 1
    sponsorship.refresh_from_db()
    assert sponsorship.status == Sponsorship.Status.ENDED
    assert Notification.objects.filter(template="sponsorship_ended").count() == 1
    # Nothing more is charged, and a second reconciliation asks nothing more.
    assert payments_reconcile().sponsorships_stopped == 0
