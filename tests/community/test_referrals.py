"""Community reports: "Laporkan lansia", a resident's referral of an elderly neighbour.

Accepted only with a verified contact; spam held off by the honeypot, the rate limits per
address and per contact, and the code (expiry, attempts); decided by a data officer; the
reporter hears every step, never a personal detail of the person."""

import datetime
import io

import pytest
import time_machine
from django.urls import reverse
from django.utils.translation import gettext
from PIL import Image

from accounts.models import AuditEvent, Role
from accounts.storage import private_storage
from community.models import Referral
from community.services.contacts import CodeRefused
from community.services.referrals import (
    referral_close,
    referral_confirm,
    referral_progress_notify,
    referral_submit,
)
from community.services.status import status_token
from notifications.models import Notification
from portal.models import Recipient, Source, Status
from portal.services.lifecycle import recipient_transition
from portal.services.review import recipient_profile_update
from tests.factories import GENTENG, MUNCAR, make_official
from tests.factories.community import (
    HAMLET,
    LANDMARK,
    PHONE,
    PHONE_E164,
    SITUATION,
    code_for,
    confirm,
    jpeg_with_exif,
    post_referral,
    referral_data,
    rendered,
    sent_to,
    village_of,
)
from tests.factories.portal import RecipientFactory, nik_for

pytestmark = pytest.mark.django_db

QUEUE = "/petugas/rujukan/"


def submitted(client, **overrides) -> Referral:
    response = post_referral(client, **overrides)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "/laporkan/kode/" in response["Location"]
    return Referral.objects.order_by("-pk").first()


def accepted(client, **overrides) -> Referral:
    referral = submitted(client, **overrides)
    response = confirm(client, referral)
    assert response.status_code == 302
    # The last page carries the report's number and its signed status link.
    assert response["Location"] == reverse(
        "community:report_received", args=[status_token(referral)]
    )
    referral.refresh_from_db()
    return referral


# --- Not accepted without a verified contact ------------------------------------------------------


def test_a_referral_waits_for_its_code_and_is_not_in_the_queue(client):
    referral = submitted(client)
    assert referral.status == Referral.Status.UNVERIFIED
    assert referral.contact == PHONE_E164
    assert referral.contact_channel == "phone"
    # The code went to the reporter's WhatsApp through the outbox; nothing else was sent.
    assert [n.template for n in sent_to(PHONE_E164)] == ["community_code"]
    assert sent_to(PHONE_E164)[0].channel == "whatsapp"

    officer = make_official(Role.DATA_OFFICER)
    client.force_login(officer)
    assert referral.reference not in client.get(QUEUE, {"status": ""}).content.decode()
    detail = reverse("community:referral_detail", args=[referral.reference])
    assert client.get(detail).status_code == 404


def test_the_right_code_accepts_the_referral_and_the_reporter_is_told(client):
    referral = accepted(client)
    assert referral.status == Referral.Status.OPEN
    assert referral.contact_verified_at is not None
    assert [n.template for n in sent_to(PHONE_E164)] == ["community_code", "referral_update"]

    client.force_login(make_official(Role.DATA_OFFICER))
    assert referral.reference in client.get(QUEUE).content.decode()


def test_a_wrong_code_is_refused_and_counted(client, settings):
    referral = submitted(client)
    right = code_for(referral)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = confirm(client, referral, wrong)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        gettext("This code is not right. You may try %(left)d more time(s).") % {"left": 4}
    ]
    referral.refresh_from_db()
    assert (referral.status, referral.code_attempts) == (Referral.Status.UNVERIFIED, 1)


def test_attempts_are_limited_even_for_the_right_code(client, settings):
    settings.COMMUNITY_CODE_MAX_ATTEMPTS = 3
    referral = submitted(client)
    right = code_for(referral)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(3):
        confirm(client, referral, wrong)
    with pytest.raises(CodeRefused):
        referral_confirm(referral=referral, code=right)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.UNVERIFIED


def test_an_expired_code_is_refused_and_a_new_one_works(client, settings):
    referral = submitted(client)
    old = code_for(referral)
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(
        minutes=settings.COMMUNITY_CODE_TTL_MINUTES + 1
    )
    with time_machine.travel(later, tick=False):
        with pytest.raises(CodeRefused):
            referral_confirm(referral=referral, code=old)
        from community.views.public import code_token

        response = client.post(
            reverse("community:report_code", args=[code_token(referral)]), {"action": "resend"}
        )
        assert response.status_code == 200
        new = code_for(referral)
        if new != old:
            with pytest.raises(CodeRefused):
                referral_confirm(referral=referral, code=old)
        referral_confirm(referral=referral, code=new)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.OPEN


def test_a_forged_code_page_address_is_404(client):
    referral = submitted(client)
    response = client.post(
        reverse("community:report_code", args=["not-a-signed-token"]), {"code": "123456"}
    )
    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == Referral.Status.UNVERIFIED


# --- Spam: honeypot and rate limits -------------------------------------------------------------


def test_the_honeypot_accepts_nothing_and_sends_nothing(client):
    response = post_referral(client, website="http://spam.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("community:report_done")
    assert not Referral.objects.exists()
    assert not Notification.objects.exists()


def test_the_honeypot_is_hidden_from_people(client):
    html = client.get(reverse("community:referral_create")).content.decode()
    assert '<p hidden aria-hidden="true">' in html
    assert 'name="website"' in html
    assert 'tabindex="-1"' in html


def test_one_address_may_send_only_so_many_reports_an_hour(client, settings):
    settings.COMMUNITY_REPORTS_PER_IP_PER_HOUR = 2
    for n in range(2):
        submitted(client, phone=f"0812345678{n:02d}")
    response = post_referral(client, phone="081234567899")
    assert response.status_code == 429
    assert response.context["form"].non_field_errors() == [
        gettext("Too many reports from this connection. Please try again in an hour.")
    ]
    assert Referral.objects.count() == 2
    # Another address is not held back.
    other = client.post(
        reverse("community:referral_create"),
        referral_data(phone="081234567898"),
        REMOTE_ADDR="10.1.2.3",
    )
    assert other.status_code == 302
    # And the limit is the hour's: an hour later the first address may report again.
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(hours=1, minutes=1)
    with time_machine.travel(later, tick=False):
        assert post_referral(client, phone="081234567897").status_code == 302


def test_a_photo_from_an_address_over_its_limit_is_not_even_stored(client, settings, private_root):
    settings.COMMUNITY_REPORTS_PER_IP_PER_HOUR = 1
    post = reverse("community:referral_create")
    assert client.post(post, {**referral_data(), "photo": jpeg_with_exif()}).status_code == 302
    stored = sorted(path for path in private_root.rglob("*") if path.is_file())
    response = client.post(post, {**referral_data(phone="081234567899"), "photo": jpeg_with_exif()})
    assert response.status_code == 429
    assert Referral.objects.count() == 1
    assert sorted(path for path in private_root.rglob("*") if path.is_file()) == stored


def test_the_honeypot_also_spends_the_addresses_share(client, settings):
    settings.COMMUNITY_REPORTS_PER_IP_PER_HOUR = 1
    post_referral(client, website="bot")
    assert post_referral(client).status_code == 429
    assert not Referral.objects.exists()


def test_one_contact_receives_only_so_many_codes_a_day(client, settings):
    settings.COMMUNITY_CODES_PER_CONTACT_PER_DAY = 3
    referral = submitted(client)
    from community.views.public import code_token

    url = reverse("community:report_code", args=[code_token(referral)])
    for _ in range(2):
        assert client.post(url, {"action": "resend"}).status_code == 200
    refused = client.post(url, {"action": "resend"})
    assert refused.context["resend_problems"] == [
        gettext(
            "This phone number or e-mail address has received too many codes today. "
            "Please try again tomorrow."
        )
    ]
    assert len(sent_to(PHONE_E164, "community_code")) == 3
    # A new report to the same contact is refused whole: nothing written.
    response = post_referral(client)
    assert response.status_code == 200
    assert Referral.objects.count() == 1
    # Written the same, in another spelling of the same number.
    assert post_referral(client, phone="+62 812-3456-7890").status_code == 200
    assert Referral.objects.count() == 1


# --- Bad input: a clear error, nothing written ----------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"phone": "", "email": ""}, None),
        ({"phone": "12345"}, "phone"),
        ({"phone": "", "email": "not-an-address"}, "email"),
        ({"consent": None}, "consent"),
        ({"village": "99.99.99.9999"}, "village"),
        ({"needs": [], "situation": ""}, "situation"),
        ({"needs": ["lives_alone"]}, "needs"),
    ],
)
def test_a_bad_report_says_what_is_wrong_and_writes_nothing(client, overrides, field):
    response = post_referral(client, **overrides)
    assert response.status_code == 200
    form = response.context["form"]
    errors = form.errors.get(field) if field else form.non_field_errors()
    assert errors, form.errors
    assert not Referral.objects.exists()
    assert not Notification.objects.exists()


def test_the_form_is_in_indonesian_first_and_phone_first(client):
    html = client.get(reverse("community:referral_create")).content.decode()
    assert '<html lang="id">' in html
    assert html.index('name="phone"') < html.index('name="email"')
    assert 'type="tel"' in html


def test_the_photo_is_reencoded_without_metadata_in_private_storage(client, private_root):
    response = client.post(
        reverse("community:referral_create"),
        {**referral_data(), "photo": jpeg_with_exif()},
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.photo.startswith("community/referrals/")
    stored = private_storage().open(referral.photo).read()
    assert b"KameraRahasia" not in stored
    assert b"114.3691" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()
    assert (private_root / referral.photo).exists()


def test_a_file_that_is_not_a_photo_is_refused(client):
    upload = io.BytesIO(b"%PDF-1.4 not a picture")
    upload.name = "ktp.pdf"
    response = client.post(
        reverse("community:referral_create"), {**referral_data(), "photo": upload}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Referral.objects.exists()


def test_the_officials_see_the_photo_and_the_look_is_logged(client):
    client.post(
        reverse("community:referral_create"), {**referral_data(), "photo": jpeg_with_exif()}
    )
    referral = Referral.objects.get()
    referral_confirm(referral=referral, code=code_for(referral))
    officer = make_official(Role.DATA_OFFICER)
    client.force_login(officer)
    response = client.get(reverse("community:referral_photo", args=[referral.reference]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.PII_VIEW, target=f"community.referral:{referral.reference}"
    ).exists()


# --- The queue: filters and the likely-duplicate flag ---------------------------------------------


def open_referral(village=None, needs=("daily_meals",), phone="081211112222") -> Referral:
    village = village or village_of()
    referral = referral_submit(
        village=village, needs=list(needs), phone=phone, consent=True, situation="x"
    )
    return referral_confirm(referral=referral, code=code_for(referral))


def flags(client) -> dict[str, bool]:
    response = client.get(QUEUE)
    return {row.referral.reference: row.likely_duplicate for row in response.context["page"]}


def test_a_lone_referral_is_not_flagged(client):
    referral = open_referral()
    client.force_login(make_official(Role.DATA_OFFICER))
    assert flags(client) == {referral.reference: False}


def test_two_open_referrals_in_one_village_flag_each_other(client):
    first = open_referral(phone="081211110001")
    second = open_referral(phone="081211110002")
    elsewhere = open_referral(village=village_of(MUNCAR), phone="081211110003")
    client.force_login(make_official(Role.DATA_OFFICER))
    assert flags(client) == {
        first.reference: True,
        second.reference: True,
        elsewhere.reference: False,
    }


def test_a_known_person_with_a_similar_situation_flags_the_referral(client):
    # The registry's condition "cannot cook" is the situation of "daily meals".
    RecipientFactory(village=village_of(), conditions="tidak_mampu_masak")
    RecipientFactory(village=village_of(MUNCAR), conditions="rumah_tidak_layak")
    similar = open_referral(needs=("daily_meals",), phone="081211110001")
    different = open_referral(
        village=village_of(MUNCAR), needs=("daily_meals",), phone="081211110002"
    )
    client.force_login(make_official(Role.DATA_OFFICER))
    response = client.get(QUEUE)
    rows = {row.referral.reference: row for row in response.context["page"]}
    assert rows[similar.reference].known_similar == 1
    assert rows[different.reference].likely_duplicate is False
    only_flagged = client.get(QUEUE, {"status": "open", "duplicates": "yes"})
    assert [r.referral.reference for r in only_flagged.context["page"]] == [similar.reference]


def test_an_erased_person_does_not_flag_a_referral(client):
    RecipientFactory(village=village_of(), conditions="tidak_mampu_masak", status=Status.ERASED)
    referral = open_referral()
    client.force_login(make_official(Role.DATA_OFFICER))
    assert flags(client) == {referral.reference: False}


def test_the_queue_filters_by_kecamatan(client):
    genteng = open_referral(phone="081211110001")
    muncar = open_referral(village=village_of(MUNCAR), phone="081211110002")
    client.force_login(make_official(Role.DATA_OFFICER))
    response = client.get(QUEUE, {"kecamatan": MUNCAR, "status": "open"})
    assert [r.referral.reference for r in response.context["page"]] == [muncar.reference]
    assert genteng.reference not in response.content.decode()


def test_opening_a_referral_is_logged_and_shows_what_the_reporter_wrote(client):
    referral = accepted(client)
    officer = make_official(Role.DATA_OFFICER)
    client.force_login(officer)
    page = client.get(reverse("community:referral_detail", args=[referral.reference]))
    html = page.content.decode()
    assert HAMLET in html and LANDMARK in html and SITUATION in html
    event = AuditEvent.objects.get(action=AuditEvent.Action.PII_VIEW)
    assert event.actor_ref == officer.public_ref
    assert event.target == f"community.referral:{referral.reference}"


# --- Outcomes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["already_known", "not_eligible", "not_found"])
def test_a_closing_outcome_needs_a_note_and_is_told_to_the_reporter(client, outcome):
    referral = accepted(client)
    officer = make_official(Role.DATA_OFFICER)
    client.force_login(officer)
    url = reverse("community:referral_detail", args=[referral.reference])
    refused = client.post(url, {"outcome": outcome, "note": ""})
    assert refused.status_code == 200
    assert refused.context["form"].errors["note"]
    referral.refresh_from_db()
    assert referral.status == Referral.Status.OPEN

    done = client.post(url, {"outcome": outcome, "note": "Dikunjungi 3 Desember."})
    assert done.status_code == 302
    referral.refresh_from_db()
    assert referral.status == outcome
    assert referral.decided_by == officer
    note = sent_to(PHONE_E164, "referral_update")[-1]
    assert note.context["step"] == outcome
    text = rendered(note)
    assert "Dikunjungi" not in text  # the officials' note stays with the officials
    # Decided once: a second outcome is refused, nothing changes.
    again = client.post(url, {"outcome": "not_found", "note": "x"})
    assert again.status_code == 200
    referral.refresh_from_db()
    assert referral.status == outcome


def test_only_data_officers_decide(client):
    referral = accepted(client)
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    with pytest.raises(Exception) as caught:
        referral_close(referral=referral, actor=reviewer, outcome="not_found", note="x")
    assert caught.type.__name__ == "PermissionDenied"
    referral.refresh_from_db()
    assert referral.status == Referral.Status.OPEN


SITI = {
    "nik": "3510094107450003",
    "name": "Siti Painem",
    "sex": "P",
    "birth_date": "1945-07-01",
    "address": "Dusun Krajan",
    "rt": "002",
    "rw": "001",
    "family_phone": "",
    "notes": "",
    "data_collected_on": "",
    "service_status": "",
}


def verify(client, referral, **overrides):
    url = reverse("community:referral_verify", args=[referral.reference])
    data = {**SITI, "village": referral.village.code, **overrides}
    return client.post(url, data)


def test_referral_verified_candidate_published_and_the_reporter_hears_nothing_personal(client):
    referral = accepted(client)
    officer = make_official(Role.DATA_OFFICER)
    client.force_login(officer)
    response = verify(client, referral)
    assert response.status_code == 302, response.context["form"].errors
    referral.refresh_from_db()
    assert referral.status == Referral.Status.VERIFIED
    person = referral.recipient
    assert (person.status, person.source) == (Status.CANDIDATE, Source.REFERRAL)
    assert person.entered_by == officer
    assert response["Location"] == reverse("portal:review_record", args=[person.public_id])
    assert person.transitions.get().reason == gettext("Entered after a verified community referral")

    # The normal review: profile written by one reviewer, submitted, approved by another.
    writer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    recipient_profile_update(
        recipient=person,
        actor=writer,
        pseudonym="Mbah Sri",
        public_needs=["daily_meals"],
        story="Suka bercerita tentang sawah.",
    )
    recipient_transition(recipient=person, to_status=Status.IN_REVIEW, actor=officer)
    approver = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    recipient_transition(recipient=person, to_status=Status.PUBLISHED, actor=approver)
    assert referral_progress_notify() == 1
    assert referral_progress_notify() == 0  # told once
    recipient_transition(recipient=person, to_status=Status.REACHED, actor=approver)
    assert referral_progress_notify() == 1

    steps = [n.context["step"] for n in sent_to(PHONE_E164, "referral_update")]
    assert steps == ["received", "verified", "listed", "reached"]
    secrets = [
        SITI["nik"],
        SITI["name"],
        "Painem",
        SITI["address"],
        HAMLET,
        LANDMARK,
        SITUATION,
        referral.village.name,
        "Mbah Sri",
        person.public_id,
    ]
    for note in sent_to(PHONE_E164):
        assert note.channel == "whatsapp"
        note.channel = "email"  # the e-mail rendering carries the most text: check it too
        text = rendered(note)
        for secret in secrets:
            assert secret not in text, (note.template, note.context.get("step"), secret)


def test_a_reporter_without_a_phone_gets_the_code_by_email(client):
    from django.core import mail

    from tests.conftest import deliver_notifications

    referral = submitted(client, phone="", email="Warga@Example.org")
    assert referral.contact == "warga@example.org"
    deliver_notifications()
    assert len(mail.outbox) == 1
    assert code_for(referral) in mail.outbox[0].body
    assert mail.outbox[0].to == ["warga@example.org"]


def test_a_nik_already_in_the_registry_is_refused_and_the_referral_stays_open(client):
    known = RecipientFactory(village=village_of())
    referral = accepted(client)
    client.force_login(make_official(Role.DATA_OFFICER))
    response = verify(client, referral, nik=known.nik)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        gettext(
            "A person with this NIK is already in the registry: correct their "
            "record instead of entering them again."
        )
    ]
    referral.refresh_from_db()
    assert (referral.status, referral.recipient) == (Referral.Status.OPEN, None)
    assert Recipient.objects.count() == 1
    assert [n.context["step"] for n in sent_to(PHONE_E164, "referral_update")] == ["received"]


def test_the_nik_rules_apply_to_a_verified_referral(client):
    referral = accepted(client)
    client.force_login(make_official(Role.DATA_OFFICER))
    response = verify(client, referral, nik="3510091203480000")  # serial 0000
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        gettext("The NIK's serial number is 0000.")
    ]
    young = nik_for(GENTENG, "P", datetime.date(1990, 1, 1), 5)
    response = verify(client, referral, nik=young, birth_date="1990-01-01")
    assert response.context["form"].non_field_errors() == [
        gettext("The person is under %(age)d on the data-collection date.") % {"age": 60}
    ]
    referral.refresh_from_db()
    assert referral.status == Referral.Status.OPEN
    assert not Recipient.objects.exists()


# --- Retention ------------------------------------------------------------------------------------


def test_unverified_reports_are_deleted_after_a_day_with_their_photo(client, settings):
    from community.services.retention import retention_purge

    client.post(
        reverse("community:referral_create"), {**referral_data(), "photo": jpeg_with_exif()}
    )
    waiting = Referral.objects.get()
    kept = open_referral(phone="081299990000")
    photo = waiting.photo
    assert private_storage().exists(photo)
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(
        hours=settings.COMMUNITY_UNVERIFIED_RETENTION_HOURS + 1
    )
    with time_machine.travel(later, tick=False):
        assert retention_purge()["deleted"] == 1
    assert list(Referral.objects.all()) == [kept]
    assert not private_storage().exists(photo)


def test_a_decided_referral_loses_its_reporters_contact_after_its_retention(client, settings):
    from community.services.retention import retention_purge

    referral = accepted(client)
    referral_close(
        referral=referral, actor=make_official(Role.DATA_OFFICER), outcome="not_found", note="x"
    )
    assert retention_purge()["wiped"] == 0
    later = datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(
        days=settings.COMMUNITY_CLOSED_RETENTION_DAYS + 1
    )
    with time_machine.travel(later, tick=False):
        assert retention_purge()["wiped"] == 1
    referral.refresh_from_db()
    assert (referral.contact, referral.situation, referral.hamlet, referral.landmark) == (
        "",
        "",
        "",
        "",
    )
    assert referral.status == "not_found"  # the figures keep it


# --- At rest ---------------------------------------------------------------------------------


def test_the_phone_is_stored_encrypted_and_found_by_its_keyed_hash(client):
    from django.db import connection

    referral = submitted(client)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contact, situation, hamlet FROM community_referral WHERE id = %s",
            [referral.pk],
        )
        stored = cursor.fetchone()
    for value in stored:
        assert PHONE_E164 not in value and "Painem" not in value and "Krajan" not in value
    assert PHONE not in str(stored)
