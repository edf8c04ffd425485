"""Every kind of notification renders as an e-mail in both languages, completely, with a way
out for the kinds a person may refuse, and without an elderly person's personal data."""

import io
from collections.abc import Callable

import pytest
from django.conf import settings
from django.core import mail
from django.template.loader import get_template
from django.test import override_settings
from django.utils import timezone

from accounts.models import Role
from notifications.catalogue import KINDS
from notifications.models import Notification
from notifications.services import notification_enqueue, render
from portal.models import Status
from portal.services.digest import review_digest_send
from portal.services.lifecycle import recipient_transition
from portal.services.staging import import_confirm, import_stage
from tests.conftest import deliver_notifications
from tests.factories import GENTENG, UserFactory, make_official
from tests.factories.portal import RecipientFactory

MARKER = "MISSING-VARIABLE"

CSV = (
    b"NIK,NAMA,JENIS KELAMIN,TANGGAL LAHIR,ALAMAT,KODE DESA\n"
    b"3510094107450003,Siti Aminah,P,01-07-1945,Dusun Krajan,35.10.09.2001\n"
    b"123,Bad,L,01-01-1950,X,35.10.09.2001\n"
)


def marking_missing_variables():
    """Templates that print MARKER(name) wherever a variable is missing, instead of nothing."""
    engine = settings.TEMPLATES[0]
    options = {**engine["OPTIONS"], "string_if_invalid": f"{MARKER}(%s)"}
    return override_settings(TEMPLATES=[{**engine, "OPTIONS": options}])


# Each builder makes its notification through the event that writes it in the portal, so a
# change of a producer's context shows here, and returns the personal data that must not leak.
Built = tuple[Notification, list[str]]


def import_finished() -> Built:
    officer = make_official(Role.DATA_OFFICER)
    batch = import_stage(stream=io.BytesIO(CSV), file_name="januari.csv", actor=officer)
    import_confirm(batch_id=batch.pk, actor=officer)
    return (
        Notification.objects.get(template="import_finished"),
        ["Siti Aminah", "3510094107450003", "Dusun Krajan"],
    )


def listing_decision(to_status: str) -> Callable[[], Built]:
    def build() -> Built:
        submitter = make_official(Role.DATA_OFFICER)
        reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
        record = RecipientFactory(publishable=True, kecamatan_code=GENTENG)
        recipient_transition(recipient=record, to_status=Status.IN_REVIEW, actor=submitter)
        recipient_transition(
            recipient=record, to_status=to_status, actor=reviewer, reason="Foto belum jelas"
        )
        secrets = [record.name, record.nik, record.address, record.family_phone]
        return Notification.objects.get(template="listing_decision"), secrets

    return build


def review_digest() -> Built:
    make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    record = RecipientFactory(kecamatan_code=GENTENG, status=Status.IN_REVIEW)
    RecipientFactory(kecamatan_code=GENTENG, status=Status.CANDIDATE, warnings=["age"])
    review_digest_send()
    secrets = [record.name, record.nik, record.address, record.family_phone]
    return Notification.objects.get(template="review_digest"), secrets


def account_mail() -> Built:
    note = notification_enqueue(
        template="account_mail",
        dedup_key="account_mail:test",
        to_address="warga@example.org",
        context={
            "subject": "Kode verifikasi",
            "text": "Kode Anda: ABCD-EFGH",
            "html": "<p>Kode Anda: ABCD-EFGH</p>",
        },
    )
    return note, []


# --- Donations: each mail written by the event that sends it in the portal ------------------


def _listed():
    from tests.factories.portal import RecipientFactory

    person = RecipientFactory(publishable=True, status=Status.PUBLISHED)
    return person, [person.name, person.nik, person.address, person.family_phone]


def donation_receipt() -> Built:
    from tests.factories.donations import paid_gift

    person, secrets = _listed()
    paid_gift(recipient=person)
    return Notification.objects.get(template="donation_receipt"), secrets


def donation_refunded() -> Built:
    from donations.services.funds import refund_request
    from tests.factories.donations import finance_officers, on_commit, paid_gift

    person, secrets = _listed()
    gift = paid_gift(recipient=person)
    (officer,) = finance_officers(1)
    with on_commit():
        refund_request(gift=gift, actor=officer, amount=10_000, reason="salah nominal")
    return Notification.objects.get(template="donation_refunded"), secrets


def donation_refunded_by_transfer() -> Built:
    from donations.services.transfer_refunds import (
        transfer_refund_confirm,
        transfer_refund_record,
    )
    from tests.factories.donations import bank_gift_confirmed, finance_officers

    person, secrets = _listed()
    first, second = finance_officers(2)
    gift = bank_gift_confirmed(recipient=person, officers=[first, second])
    refund = transfer_refund_record(
        gift=gift,
        actor=first,
        amount=10_000,
        reason="salah nominal",
        payee_bank="BCA",
        payee_account="1234567890",
        payee_name="Sari",
    )
    transfer_refund_confirm(
        refund=refund, actor=second, reference="TRF-1", paid_on=timezone.localdate()
    )
    # The donor's account number is never in the message: its last four digits only.
    return Notification.objects.get(template="donation_refunded_by_transfer"), [
        *secrets,
        "1234567890",
        "Sari",
    ]


def transfer_rejected() -> Built:
    from donations.services.bank import transfer_reject
    from tests.factories.donations import finance_officers, gift_start

    person, secrets = _listed()
    gift = gift_start(recipient=person, bank=True)
    (officer,) = finance_officers(1)
    transfer_reject(gift=gift, actor=officer, reason="Tidak ada di rekening koran")
    return Notification.objects.get(template="transfer_rejected"), secrets


def transfer_instructions() -> Built:
    from tests.factories.donations import gift_start

    person, secrets = _listed()
    gift_start(recipient=person, bank=True)
    return Notification.objects.get(template="transfer_instructions"), secrets


def sponsorship_ended(reason: str) -> Callable[[], Built]:
    def build() -> Built:
        from tests.factories.donations import active_sponsorship, signed_post, stripe_event

        person, secrets = _listed()
        sponsorship = active_sponsorship(recipient=person)
        subscription = {
            "id": sponsorship.subscription_id,
            "object": "subscription",
            "status": "canceled",
            "cancellation_details": {"reason": reason},
        }
        from django.test import Client

        signed_post(Client(), stripe_event("customer.subscription.deleted", subscription))
        return Notification.objects.get(template="sponsorship_ended"), secrets

    return build


def _visit(make_notification: Callable) -> Callable[[], Built]:
    """Student visits (volunteers/): the notification of one visit event, and the visited
    person's identity, which no visit message may carry (the pseudonym and the meeting point
    only)."""

    def build() -> Built:
        from tests.factories.volunteers import VisitSlotFactory

        slot = VisitSlotFactory()
        person = slot.recipient
        notification = make_notification(slot)
        return notification, [person.name, person.nik, person.address, person.family_phone]

    return build


def sponsor_update() -> Built:
    from donations.services.updates import sponsor_updates_send
    from tests.factories.donations import active_sponsorship

    person, secrets = _listed()
    active_sponsorship(recipient=person, user=UserFactory())
    sponsor_updates_send()
    return Notification.objects.get(template="sponsor_update"), secrets


FINANCE_SUBJECTS = (
    "gift_flagged",
    "sponsorship_flagged",
    "invoice_after_end",
    "refund_flagged",
    "pot_negative",
    "dispute",
    "cap_exceeded",
    "event_unmatched",
)


def finance_alert(subject: str) -> Callable[[], Built]:
    def build() -> Built:
        from donations.services.giving import finance_alert as alert

        make_official(Role.FINANCE_OFFICER)
        if subject == "gift_flagged":
            # The real event: the gateway reports an amount that disagrees with the gift.
            from django.test import Client

            from tests.factories.donations import gift_start, session_obj, signed_post, stripe_event

            person, secrets = _listed()
            gift = gift_start(recipient=person)
            event = stripe_event(
                "checkout.session.completed", session_obj(gift, amount_sen=gift.amount)
            )
            signed_post(Client(), event)
        else:
            secrets = []
            alert(subject=subject, dedup_key=f"test:{subject}", detail="RK-2026-000001")
        return Notification.objects.get(template="finance_alert"), secrets

    return build


def _booked(slot, **kwargs):
    from tests.factories.volunteers import StudentFactory
    from volunteers.services.bookings import booking_create

    return booking_create(slot_id=slot.pk, student=StudentFactory(), **kwargs)[0]


def _first_after(event, slot, template):
    event(slot)
    return Notification.objects.filter(template=template).order_by("pk").first()


def _attended(slot):
    from volunteers.models import Booking

    booking = _booked(slot)
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.ATTENDED)
    booking.refresh_from_db()
    return booking


def _promoted(slot):
    from volunteers.models import VisitSlot
    from volunteers.services.bookings import booking_cancel

    VisitSlot.objects.filter(pk=slot.pk).update(capacity=2)
    slot.refresh_from_db()
    first = _booked(slot)
    _booked(slot)
    _booked(slot, waitlist=True)
    booking_cancel(booking=first, actor=first.student.user)
    return Notification.objects.get(template="visit_promoted")


def _slot_cancelled(slot):
    from volunteers.services.slots import slot_cancel

    _booked(slot)
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    slot_cancel(slot=slot, actor=reviewer, reason="Hujan deras")
    return Notification.objects.get(template="visit_slot_cancelled")


def _report_missing(slot):
    import datetime

    import time_machine

    from volunteers.services.visits import report_reminders_send

    _attended(slot)
    with time_machine.travel(slot.ends_at + datetime.timedelta(hours=4), tick=False):
        report_reminders_send()
    return Notification.objects.get(template="visit_report_missing")


def _report_flagged(slot):
    from volunteers.services.visits import report_file

    make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    report_file(booking=_attended(slot), wellbeing="poor", flags=["looks_ill"], note="Batuk")
    return Notification.objects.get(template="visit_report_flagged")


def visit_guardian_consent() -> Built:
    from tests.factories.volunteers import StudentFactory
    from volunteers.services.students import guardian_consent_request

    guardian_consent_request(
        student=StudentFactory(minor=True),
        guardian_name="Ibu Sri",
        guardian_email="sri@example.org",
        relationship="ibu",
    )
    return Notification.objects.get(template="visit_guardian_consent"), []


def visit_school_decision(start: str, to: str, *, minor: bool = False) -> Callable[[], Built]:
    def build() -> Built:
        from tests.factories.volunteers import StudentFactory, VisitSlotFactory
        from volunteers.services.bookings import booking_create
        from volunteers.services.students import student_decide

        student = StudentFactory(status=start, minor=minor)
        coordinator = make_official(Role.SCHOOL_COORDINATOR, school=student.school)
        secrets = []
        if start == "confirmed":  # leaving with a visit booked
            slot = VisitSlotFactory()
            booking_create(slot_id=slot.pk, student=student)
            secrets = [slot.recipient.name, slot.recipient.nik, slot.recipient.address]
        student_decide(student=student, actor=coordinator, to_status=to)
        return Notification.objects.get(template="visit_school_decision"), secrets

    return build


SAMPLES = {
    "import_finished": {
        "file_name": "januari.csv",
        "created": 3,
        "updated": 1,
        "unchanged": 0,
        "rejected": 1,
        "warned": 2,
        "batch_id": 1,
    },
    "listing_decision": {
        "decision": "changes_requested",
        "pseudonym": "Mbah Sum",
        "public_id": "RK7Q2M4X",
        "reason": "Foto belum jelas",
    },
    "sponsor_update": {
        "pseudonym": "Mbah Sum",
        "public_id": "RK7Q2M4X",
        "month": "Oktober 2026",
        "raised": 350_000,
        "need": 720_000,
        "funded": False,
        "sponsors": 2,
        "reached": False,
        "link": "http://testserver/donasi/saya/token/",
    },
    "finance_alert": {"subject": "cap_exceeded", "detail": "Pengumpulan 2026"},
    "review_digest": {
        "in_review": 2,
        "candidates": 1,
        "warnings": 1,
        "records": 3,
        "items": 3,
        "taken": 1,
        "kinds": [
            {"kind": "missed_deliveries", "count": 2, "oldest_hours": 50, "oldest_days": 2},
            {"kind": "concern", "count": 1, "oldest_hours": 5, "oldest_days": 0},
        ],
        "waiting": 6,
        "kecamatan": "Genteng",
        "date": "2026-11-30",
    },
}


def community(name: str, step: str | None = None) -> Callable[[], Built]:
    """Community reports: the reporter's code and updates, the lead reviewers'
    alerts, each made by the event that writes it."""

    def build() -> Built:
        import datetime

        from django.utils import timezone

        from community.services.concerns import concern_answer, concern_confirm, concern_submit
        from community.services.referrals import (
            referral_close,
            referral_confirm,
            referral_submit,
        )
        from community.services.rights import rights_overdue_alert, rights_request_record
        from tests.factories.community import code_for, village_of

        listing = RecipientFactory(publishable=True, kecamatan_code=GENTENG, status="published")
        secrets = [listing.name, listing.nik, listing.address, listing.family_phone]
        if name in ("community_code", "referral_update"):
            referral = referral_submit(
                village=village_of(GENTENG),
                needs=["daily_meals"],
                situation="Mbah Painem di Dusun Krajan",
                phone="081255556666",
                consent=True,
            )
            secrets = ["Painem", "Krajan", "+6281255556666"]
            if name == "referral_update":
                referral_confirm(referral=referral, code=code_for(referral))
                if step != "received":
                    officer = make_official(Role.DATA_OFFICER)
                    referral_close(referral=referral, actor=officer, outcome=step, note="Catatan")
                    secrets.append("Catatan")
            template = name
        elif name == "concern_update":
            concern = concern_submit(
                public_id=listing.public_id, kind="privacy", phone="081255556667", consent=True
            )
            concern_confirm(concern=concern, code=code_for(concern))
            if step == "answered":
                reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
                concern_answer(concern=concern, actor=reviewer, reply="Sudah kami periksa.",
                               decision="reinstated")  # fmt: skip
            template = name
        elif name == "concern_burst":
            make_official(Role.LEAD_REVIEWER)
            with override_settings(COMMUNITY_CONCERN_BURST_COUNT=1):
                concern = concern_submit(
                    public_id=listing.public_id, kind="fraud", phone="081255556668", consent=True
                )
                concern_confirm(concern=concern, code=code_for(concern))
            template = name
        else:  # rights_overdue
            make_official(Role.LEAD_REVIEWER)
            rights_request_record(
                recipient=listing,
                actor=make_official(Role.REVIEWER, kecamatan=(GENTENG,)),
                kind="deletion",
                requester="family",
                requester_name="Sulastri",
                received_at=timezone.now() - datetime.timedelta(days=4),
            )
            rights_overdue_alert()
            secrets.append("Sulastri")
            template = name
        notification = Notification.objects.filter(template=template).order_by("-pk").first()
        if notification.channel == "whatsapp":
            notification.channel = "email"  # the e-mail rendering is the one with the text
        return notification, secrets

    return build


def meals_alert(name: str, reason: str) -> Built:
    """Meals: a warung suspended (failed or overdue inspection) and a courier's alert (two
    absences in a row, a welfare concern), each made by the service that writes it."""
    import datetime

    from meals.models import ChecklistItem
    from meals.services.deliveries import delivery_mark
    from meals.services.inspections import inspection_record, inspections_overdue_check
    from tests.factories.meals import plan_for, warung_in

    make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    # A suspension comes from its own (failed or overdue) inspection, the warung's latest.
    warung = warung_in(GENTENG, inspected=name != "warung_suspended")
    today = datetime.date.today()
    person = RecipientFactory(publishable=True, kecamatan_code=GENTENG, status="published")
    secrets = [person.name, person.nik, person.address, person.family_phone]
    if name == "warung_suspended":
        inspection_record(
            actor=make_official(Role.HEALTH_INSPECTOR),
            warung=warung,
            inspected_on=today - datetime.timedelta(days=5),
            items_met=ChecklistItem.values,
            result="fail" if reason == "failed" else "pass",
            findings="Dapur kotor",
            next_due=today - datetime.timedelta(days=1) if reason == "overdue" else None,
        )
        inspections_overdue_check()
    else:
        plan = plan_for(person, warung, starts_on=today - datetime.timedelta(days=1))
        if reason == "concern":
            delivery_mark(plan=plan, day=today, mark="delivered", concern="Sesak napas")
            secrets.append("Sesak napas")
        else:
            delivery_mark(plan=plan, day=today - datetime.timedelta(days=1), mark="not_home")
            delivery_mark(plan=plan, day=today, mark="not_home")
    notification = Notification.objects.filter(template=name).order_by("-pk").first()
    return notification, secrets


def attention_message(name: str):
    """The attention queue's own messages: a concern item opened for the reviewers, and an
    item escalated to the lead reviewers, each made by its service."""
    import datetime

    from django.utils import timezone

    from attention.services import item_open, items_escalate

    make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    make_official(Role.LEAD_REVIEWER)
    person = RecipientFactory(publishable=True, kecamatan_code=GENTENG, status="published")
    item_open("concern", key="templates", kecamatan_id=person.kecamatan_id, recipient=person)
    if name == "attention_escalated":
        items_escalate(now=timezone.now() + datetime.timedelta(days=4))
    notification = Notification.objects.filter(template=name).order_by("-pk").first()
    return notification, [person.name, person.nik, person.address, person.family_phone]


BUILDERS = {
    "import_finished": import_finished,
    "listing_decision/published": listing_decision(Status.PUBLISHED),
    "listing_decision/changes_requested": listing_decision(Status.CHANGES_REQUESTED),
    "listing_decision/rejected": listing_decision(Status.WITHDRAWN),
    "review_digest": review_digest,
    "account_mail": account_mail,
    "donation_receipt": donation_receipt,
    "donation_refunded": donation_refunded,
    "donation_refunded_by_transfer": donation_refunded_by_transfer,
    "transfer_rejected": transfer_rejected,
    "transfer_instructions": transfer_instructions,
    "sponsorship_ended/cancelled": sponsorship_ended("cancellation_requested"),
    "sponsorship_ended/payment_failed": sponsorship_ended("payment_failed"),
    "sponsor_update": sponsor_update,
    **{f"finance_alert/{subject}": finance_alert(subject) for subject in FINANCE_SUBJECTS},
    # Student visits (volunteers/).
    "visit_guardian_consent": visit_guardian_consent,
    "visit_school_decision/confirmed": visit_school_decision("pending", "confirmed"),
    "visit_school_decision/confirmed_minor": visit_school_decision(
        "pending", "confirmed", minor=True
    ),
    "visit_school_decision/reconfirmed": visit_school_decision("rejected", "confirmed"),
    "visit_school_decision/refused": visit_school_decision("pending", "rejected"),
    "visit_school_decision/removed": visit_school_decision("confirmed", "rejected"),
    "visit_booked": _visit(lambda slot: _first_after(_booked, slot, "visit_booked")),
    "visit_promoted": _visit(_promoted),
    "visit_reminder": _visit(lambda slot: _first_after(_booked, slot, "visit_reminder")),
    "visit_slot_cancelled": _visit(_slot_cancelled),
    "visit_report_missing": _visit(_report_missing),
    "visit_report_flagged": _visit(_report_flagged),
    # Community reports and data rights.
    "community_code": community("community_code"),
    **{
        f"referral_update/{step}": community("referral_update", step)
        for step in ("received", "already_known", "not_eligible", "not_found")
    },
    "concern_update/taken_down": community("concern_update", "taken_down"),
    "concern_update/answered": community("concern_update", "answered"),
    "concern_burst": community("concern_burst"),
    "rights_overdue": community("rights_overdue"),
    # Meals.
    "warung_suspended/failed": lambda: meals_alert("warung_suspended", "failed"),
    "warung_suspended/overdue": lambda: meals_alert("warung_suspended", "overdue"),
    "delivery_alert/not_home": lambda: meals_alert("delivery_alert", "not_home"),
    "delivery_alert/concern": lambda: meals_alert("delivery_alert", "concern"),
    # The attention queue.
    "attention_opened": lambda: attention_message("attention_opened"),
    "attention_escalated": lambda: attention_message("attention_escalated"),
}
# Mail to donors links to the donor's own pages, not to the officials' area.
DONOR_KINDS = {
    "donation_receipt",
    "donation_refunded",
    "donation_refunded_by_transfer",
    "transfer_rejected",
    "transfer_instructions",
    "sponsorship_ended",
    "sponsor_update",
}
# Kinds a person may refuse carry an unsubscribe link.
REFUSABLE = [name for name in BUILDERS if not KINDS[name.split("/")[0]].mandatory]
OFFICIALS_MAIL = [name for name in REFUSABLE if name.split("/")[0] not in DONOR_KINDS]
# Where a kind's links lead: officials' pages, or a student's own visit pages.
LINK_PREFIX = {
    "visit_booked": "/kunjungan/",
    "visit_promoted": "/kunjungan/",
    "visit_reminder": "/kunjungan/",
    "visit_slot_cancelled": "/kunjungan/",
    "visit_report_missing": "/kunjungan/",
}


def render_in(notification: Notification, language: str):
    notification.language = language
    with marking_missing_variables():
        return render(notification)


def test_every_kind_of_the_catalogue_has_its_three_templates():
    for key in KINDS:
        for name in ("subject.txt", "body.txt", "body.html"):
            get_template(f"notifications/{key}/{name}")


def test_the_builders_cover_every_kind():
    assert {name.split("/")[0] for name in BUILDERS} == set(KINDS)


@pytest.mark.parametrize("name", BUILDERS)
@pytest.mark.parametrize("language", ["id", "en"])
def test_each_kind_renders_completely_without_personal_data(db, name, language):
    notification, secrets = BUILDERS[name]()
    message = render_in(notification, language)
    rendered = "\n".join([message.subject, message.text, message.html])
    assert MARKER not in rendered
    assert message.subject.strip()
    assert message.text.strip()
    assert message.html.strip()
    for secret in secrets:
        assert secret not in rendered, secret
    if name != "account_mail":
        assert f'lang="{language}"' in message.html
        assert "<script" not in message.html
        assert "<img" not in message.html


@pytest.mark.parametrize("name", OFFICIALS_MAIL)
def test_indonesian_and_english_renderings_differ_and_link_in_their_language(db, name):
    notification, _secrets = BUILDERS[name]()
    indonesian = render_in(notification, "id")
    english = render_in(notification, "en")
    assert (indonesian.subject, indonesian.text, indonesian.html) != (
        english.subject,
        english.text,
        english.html,
    )
    base = settings.PORTAL_BASE_URL
    prefix = LINK_PREFIX.get(name, "/petugas/")
    assert f"{base}/en{prefix}" in english.text
    assert f"{base}/en{prefix}" in english.html
    assert f"{base}{prefix}" in indonesian.text
    assert f"{base}/en/" not in indonesian.text
    assert f"{base}/en/notifikasi/berhenti/" in english.text
    assert f"{base}/notifikasi/berhenti/" in indonesian.text


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("listing_decision/published", ["is published", "Nothing more is needed"]),
        ("listing_decision/changes_requested", ["Changes requested", "submit it for review"]),
        ("listing_decision/rejected", ["was rejected", "will not be published"]),
    ],
)
def test_a_decision_says_plainly_what_happened_and_what_to_do(db, name, words):
    notification, _secrets = BUILDERS[name]()
    message = render_in(notification, "en")
    public_id = notification.context["public_id"]
    assert public_id in message.subject
    assert f"/en/petugas/registri/{public_id}/" in message.text
    for word in words:
        assert word in message.subject + message.text
        assert word in message.subject + message.html
    assert "Foto belum jelas" in message.text
    assert "Foto belum jelas" in message.html


def test_text_bodies_are_not_html_escaped(db):
    officer = make_official(Role.DATA_OFFICER)
    notification_enqueue(
        template="import_finished",
        dedup_key="import_finished:escape",
        user=officer,
        context={**SAMPLES["import_finished"], "file_name": "Januari & Februari.csv"},
    )
    message = render_in(Notification.objects.get(), "en")
    assert "Januari & Februari.csv" in message.subject
    assert "Januari & Februari.csv" in message.text
    assert "Januari &amp; Februari.csv" in message.html


@pytest.mark.parametrize("template", sorted(SAMPLES))
def test_mail_a_person_may_refuse_carries_one_click_unsubscribe(db, template):
    person = UserFactory()
    notification_enqueue(
        template=template, dedup_key=f"{template}:1", user=person, context=SAMPLES[template]
    )
    assert deliver_notifications() == ["sent"]
    (message,) = mail.outbox
    assert message.to == [person.email]
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<{settings.PORTAL_BASE_URL}/notifikasi/berhenti/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = unsubscribe.strip("<>")
    assert link in message.body
    html = next(body for body, kind in message.alternatives if kind == "text/html")
    assert f'href="{link}"' in html


def test_account_mail_has_no_unsubscribe(db):
    person = UserFactory()
    notification_enqueue(
        template="account_mail",
        dedup_key="account_mail:1",
        user=person,
        context={"subject": "Kode", "text": "Kode Anda: ABCD", "html": "<p>Kode Anda: ABCD</p>"},
    )
    assert deliver_notifications() == ["sent"]
    (message,) = mail.outbox
    assert "List-Unsubscribe" not in message.extra_headers
    assert "List-Unsubscribe-Post" not in message.extra_headers
    assert "berhenti" not in message.body


# --- Donations --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in BUILDERS if n.split("/")[0] in DONOR_KINDS])
def test_donor_mail_differs_by_language_and_links_to_the_donors_page(db, name):
    notification, _secrets = BUILDERS[name]()
    indonesian = render_in(notification, "id")
    english = render_in(notification, "en")
    assert (indonesian.subject, indonesian.text, indonesian.html) != (
        english.subject,
        english.text,
        english.html,
    )
    assert "/petugas/" not in english.text + indonesian.text
    link = notification.context.get("link")
    if link:
        # The donor's own pages: their gifts, or the transfer they still have to make.
        assert "/donasi/saya/" in link or "/donasi/transfer/" in link
        assert link in english.text
        assert f'href="{link}"' in english.html


def test_a_receipt_mail_gives_the_number_the_pseudonym_and_the_way_to_the_pdf(db):
    notification, _secrets = donation_receipt()
    message = render_in(notification, "en")
    number = notification.context["receipt_number"]
    assert number in message.subject
    assert number in message.text
    assert notification.context["for_listing"] in message.text
    assert "PDF" in message.text
    assert "PDF" in message.html
    assert "SANDBOX" in message.subject  # paid through the sandbox gateway


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("sponsorship_ended/cancelled", "has ended"),
        ("sponsorship_ended/payment_failed", "payment failed"),
    ],
)
def test_an_ended_sponsorship_says_why(db, name, words):
    notification, _secrets = BUILDERS[name]()
    message = render_in(notification, "en")
    assert words in message.subject
    assert words in message.html


def test_a_rejected_transfer_gives_the_reason_and_the_reference(db):
    notification, _secrets = transfer_rejected()
    message = render_in(notification, "en")
    assert notification.context["reference"] in message.subject
    for body in (message.text, message.html):
        assert "Tidak ada di rekening koran" in body


@pytest.mark.parametrize("subject", FINANCE_SUBJECTS)
def test_each_finance_alert_says_in_a_sentence_what_happened(db, subject):
    notification, _secrets = finance_alert(subject)()
    message = render_in(notification, "en")
    assert notification.context["subject"] == subject
    assert "Something in the donations needs" not in message.text
    assert "_" not in message.subject  # a sentence, not the code
    assert f"{settings.PORTAL_BASE_URL}/en/petugas/keuangan/" in message.text
    assert f"{settings.PORTAL_BASE_URL}/en/petugas/keuangan/" in message.html
    # Each code has its own subject and sentence.
    for part in ("subject.txt", "body.txt"):
        texts = {finance_alert_text(code, part) for code in FINANCE_SUBJECTS}
        assert len(texts) == len(FINANCE_SUBJECTS)


def finance_alert_text(code: str, part: str) -> str:
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("en"):
        return render_to_string(f"notifications/finance_alert/{part}", {"subject": code})
