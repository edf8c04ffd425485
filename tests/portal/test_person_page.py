"""The person page for officials (issue 18; decisions.md "One target, many agencies"): one
person's month across every agency, and what each role of the matrix sees of it."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import AuditEvent, Role
from community.models import Concern, ContactChannel, Referral, RightsRequest
from core.time import today_wib
from meals.models import ChecklistItem, Delivery, Inspection
from meals.services.deliveries import delivery_mark
from meals.services.inspections import inspection_record
from portal.models import Status
from portal.services.review import review_transition
from tests.factories import GENTENG, MUNCAR, SchoolFactory, make_official
from tests.factories.donations import active_sponsorship, disbursement_paid, finance_officers
from tests.factories.finance import line
from tests.factories.meals import plan_for, warung_in
from tests.factories.portal import RecipientFactory
from tests.factories.volunteers import StudentFactory, VisitSlotFactory
from volunteers.models import Booking, VisitSlot
from volunteers.services.visits import report_file

R = Role
DONOR_NAME = "Budi Santoso Donatur"
WARUNG = "Warung Bu Tini"
TODAY = today_wib()


def _contact(**fields) -> dict:
    now = timezone.now()
    return {
        "contact_channel": ContactChannel.EMAIL,
        "contact": "warga@example.org",
        "contact_hash": "x" * 64,
        "consent_notice_version": "test",
        "consent_given_at": now,
        "contact_verified_at": now,
        **fields,
    }


# The week of marks before today: two absences, then delivered again.
MONTH_MARKS = ("delivered",) * 3 + ("not_home", "not_home") + ("delivered",) * 2


def build_month(*, marks=MONTH_MARKS, after_mark=None) -> dict:
    """One person's month across every agency: a resident's referral, review, publication, a
    monthly sponsor, a meal plan with two absences among the deliveries, a visit by a school
    with a flagged report, the warung's inspection failing, a concern and a rights request,
    a disbursement line. ``after_mark(day, mark)`` runs after each delivery mark."""
    school = SchoolFactory()
    person = RecipientFactory(kecamatan_code=GENTENG, publishable=True)
    referral = Referral.objects.create(
        **_contact(),
        status=Referral.Status.VERIFIED,
        kecamatan=person.kecamatan,
        village=person.village,
        recipient=person,
    )
    data_officer = make_official(R.DATA_OFFICER)
    reviewer = make_official(R.REVIEWER, kecamatan=(GENTENG,))
    review_transition(recipient=person, actor=data_officer, to_status=Status.IN_REVIEW)
    review_transition(recipient=person, actor=reviewer, to_status=Status.PUBLISHED)
    active_sponsorship(recipient=person, name=DONOR_NAME, amount=150_000)
    warung = warung_in(GENTENG, name=WARUNG)
    plan = plan_for(person, warung, starts_on=TODAY - datetime.timedelta(days=7))
    for offset, mark in enumerate(marks):
        day = TODAY - datetime.timedelta(days=len(marks) - offset)
        delivery_mark(plan=plan, day=day, mark=mark)
        if after_mark is not None:
            after_mark(day, mark)
    slot = VisitSlotFactory(
        recipient=person,
        school=school,
        starts_at=timezone.now() - datetime.timedelta(days=2),
    )
    booking = Booking.objects.create(
        slot=slot, student=StudentFactory(school=school), status=Booking.Status.ATTENDED
    )
    VisitSlot.objects.filter(pk=slot.pk).update(seats_taken=1)
    report, _created = report_file(
        booking=booking, wellbeing="poor", flags=["looks_ill"], note="Batuk terus"
    )
    inspection = inspection_record(
        actor=make_official(R.HEALTH_INSPECTOR),
        warung=warung,
        inspected_on=TODAY,
        items_met=[],
        result=Inspection.Result.FAIL,
        findings="Dapur kotor",
    )
    concern = Concern.objects.create(
        **_contact(),
        status=Concern.Status.OPEN,
        recipient=person,
        kind=Concern.Kind.WRONG_INFORMATION,
        message="Sudah pindah",
    )
    now = timezone.now()
    rights = RightsRequest.objects.create(
        recipient=person,
        kind=RightsRequest.Kind.ACCESS,
        requester=RightsRequest.Requester.FAMILY,
        requester_name="Siti Anak",
        received_at=now,
        due_at=now + datetime.timedelta(hours=72),
    )
    disbursement_paid(warung=warung, lines=[line(person)], officers=finance_officers())
    person.refresh_from_db()
    return {
        "person": person,
        "school": school,
        "plan": plan,
        "slot": slot,
        "report": report,
        "inspection": inspection,
        "referral": referral,
        "concern": concern,
        "rights": rights,
        "reviewer": reviewer,
        "warung": warung,
    }


@pytest.fixture
def month(db):
    return build_month()


def url_of(person) -> str:
    return reverse("portal:person", args=[person.public_id])


def open_page(client, user, person):
    client.force_login(user)
    with translation.override("en"):
        url = url_of(person)
    return client.get(url)


def sections_of(html: str) -> set[str]:
    return set(re.findall(r'<section id="(\w+)" class="card person-section"', html))


def timeline_sections(html: str) -> set[str]:
    return set(re.findall(r'<li class="timeline-(\w+)', html))


def opened(user, person) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=AuditEvent.Action.PII_VIEW,
            actor_ref=user.public_ref,
            target=f"portal.recipient:{person.public_id}",
        )
    )


ALL = {"registry", "meals", "visits", "money", "community"}


@pytest.mark.parametrize("role", [R.REVIEWER, R.LEAD_REVIEWER, R.ADMINISTRATOR])
def test_dinas_sosial_and_administrators_see_every_section_and_event(client, month, role):
    user = make_official(role, kecamatan=(GENTENG,) if role == R.REVIEWER else ())
    response = open_page(client, user, month["person"])
    assert response.status_code == 200
    html = response.content.decode()
    assert sections_of(html) == ALL
    assert timeline_sections(html) == ALL
    page = response.context["page"]
    texts = [event.text for event in page.timeline]
    # The two absences, the flagged report, the failed inspection, the concern, the request.
    assert sum("Not at home" in t for t in texts) == 2
    assert any("Looks ill" in t for t in texts)
    assert any("Fail" in t and WARUNG in t for t in texts)
    assert any("Wrong information" in t for t in texts)
    assert any("Access to the data" in t for t in texts)
    assert any("Published" in t for t in texts)
    # Newest first.
    assert [e.when for e in page.timeline] == sorted((e.when for e in page.timeline), reverse=True)
    strip = page.meals.strip
    assert len(strip) == 30
    assert [d.state for d in strip].count("not_home") == 2
    assert page.meals.counts["delivered"] == 5
    # The strip says each day in words, not colour only.
    assert "Not at home</span>" in html and "No mark</span>" in html
    # Donors' names are the finance officers' (and administrators').
    assert (DONOR_NAME in html) is (role == R.ADMINISTRATOR)
    assert month["person"].name not in html  # the identity is masked
    assert month["person"].nik not in html
    [event] = opened(user, month["person"])
    assert event.details["page"] == "person"
    assert set(event.details["sections"]) == ALL


def test_a_finance_officer_sees_the_status_and_the_money_with_donors_only(client, month):
    user = make_official(R.FINANCE_OFFICER)
    response = open_page(client, user, month["person"])
    assert response.status_code == 200
    html = response.content.decode()
    assert sections_of(html) == {"registry", "money"}
    assert timeline_sections(html) == {"money"}
    assert DONOR_NAME in html
    assert "status-reached" in html  # the status (a plan reached the person)
    assert WARUNG not in html.split('id="money"')[0]  # no meals above the money section
    assert "Not at home" not in html and "Looks ill" not in html
    assert month["person"].pseudonym not in html.split("<h1>")[1].split("</h1>")[1]
    assert opened(user, month["person"])[0].details["sections"] == ["registry", "money"]


def test_a_data_officer_sees_the_registry_and_only_the_referral(client, month):
    user = make_official(R.DATA_OFFICER)
    response = open_page(client, user, month["person"])
    html = response.content.decode()
    assert sections_of(html) == {"registry", "community"}
    assert timeline_sections(html) == {"registry", "community"}
    assert month["referral"].reference in html
    assert month["concern"].reference not in html
    assert month["rights"].reference not in html
    assert "Wrong information" not in html and "Access to the data" not in html
    assert DONOR_NAME not in html and "Raised this month" not in html


def _other_schools_visits(month) -> dict:
    """Another school's student on the same (reserved) slot, and another school's own visit,
    each with a flagged report."""
    other = SchoolFactory()
    guest = Booking.objects.create(
        slot=month["slot"], student=StudentFactory(school=other), status=Booking.Status.ATTENDED
    )
    guest_report, _created = report_file(
        booking=guest, wellbeing="fair", flags=["house_unsafe"], note="Atap bocor"
    )
    slot = VisitSlotFactory(
        recipient=month["person"],
        school=other,
        starts_at=timezone.now() - datetime.timedelta(days=5),
    )
    booking = Booking.objects.create(
        slot=slot, student=StudentFactory(school=other), status=Booking.Status.ATTENDED
    )
    report, _created = report_file(booking=booking, wellbeing="good", flags=["not_enough_food"])
    return {"school": other, "slot": slot, "reports": [guest_report, report]}


def test_the_coordinator_of_the_visiting_school_sees_its_visits_reports_and_flags(client, month):
    """decisions.md's matrix: slots, attendance, reports and flags of their own school's
    visits, and of no other school's."""
    others = _other_schools_visits(month)
    user = make_official(R.SCHOOL_COORDINATOR, school=month["school"])
    response = open_page(client, user, month["person"])
    assert response.status_code == 200
    html = response.content.decode()
    assert sections_of(html) == {"visits"}
    assert timeline_sections(html) == {"visits"}
    assert reverse("volunteers:official_slot", args=[month["slot"].pk]) in html
    # Their student's report: the wellbeing and the flag, on the section and the timeline.
    [view] = response.context["page"].visits
    assert [b.report for b in view.reports] == [month["report"]]
    assert view.booked == 1  # the other school's student is not theirs to count
    assert "Not doing well" in html and "Looks ill" in html
    texts = [e.text for e in response.context["page"].timeline]
    assert any("Looks ill" in t for t in texts)
    # The report's own page (with the note) stays the reviewers': no link to a refusal.
    assert reverse("volunteers:official_report", args=[month["report"].pk]) not in html
    assert "Batuk terus" not in html
    # Nothing of the other school: not its student's report on the shared slot, not its visit.
    assert "House unsafe" not in html and "Not enough food" not in html
    assert "Atap bocor" not in html
    assert reverse("volunteers:official_slot", args=[others["slot"].pk]) not in html
    for report in others["reports"]:
        assert reverse("volunteers:official_report", args=[report.pk]) not in html
    assert opened(user, month["person"])[0].details["sections"] == ["visits"]


def test_the_other_schools_coordinator_sees_only_its_own_visit_and_report(client, month):
    others = _other_schools_visits(month)
    user = make_official(R.SCHOOL_COORDINATOR, school=others["school"])
    response = open_page(client, user, month["person"])
    assert response.status_code == 200
    html = response.content.decode()
    assert sections_of(html) == {"visits"}
    # Its student on the first school's slot, and its own visit.
    views = {view.slot.pk: view for view in response.context["page"].visits}
    assert set(views) == {month["slot"].pk, others["slot"].pk}
    assert [b.report for b in views[month["slot"].pk].reports] == [others["reports"][0]]
    assert "House unsafe" in html and "Not enough food" in html
    assert "Looks ill" not in html and "Not doing well" not in html


def test_a_reviewer_still_sees_every_schools_reports_with_their_links(client, month):
    others = _other_schools_visits(month)
    response = open_page(client, month["reviewer"], month["person"])
    html = response.content.decode()
    for report in [month["report"], *others["reports"]]:
        assert reverse("volunteers:official_report", args=[report.pk]) in html
    assert "Looks ill" in html and "House unsafe" in html and "Not enough food" in html


def test_a_coordinator_of_another_school_gets_404_logged(client, month):
    user = make_official(R.SCHOOL_COORDINATOR, school=SchoolFactory())
    response = open_page(client, user, month["person"])
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.SCOPE_DENIED,
        actor_ref=user.public_ref,
        target=f"portal.recipient:{month['person'].public_id}",
    ).exists()
    assert not opened(user, month["person"])


def test_a_reviewer_of_another_kecamatan_gets_404_and_the_denial_is_logged(client, month):
    user = make_official(R.REVIEWER, kecamatan=(MUNCAR,))
    response = open_page(client, user, month["person"])
    assert response.status_code == 404
    assert month["person"].pseudonym not in response.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.SCOPE_DENIED,
        actor_ref=user.public_ref,
        target=f"portal.recipient:{month['person'].public_id}",
    ).exists()
    assert not opened(user, month["person"])


def test_a_health_inspector_is_refused_at_the_door(client, month):
    user = make_official(R.HEALTH_INSPECTOR)
    assert open_page(client, user, month["person"]).status_code == 403
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.ACCESS_DENIED, actor_ref=user.public_ref
    ).exists()


def test_an_unknown_person_is_404_without_a_denial(client, db):
    user = make_official(R.LEAD_REVIEWER)
    client.force_login(user)
    assert client.get(reverse("portal:person", args=["XXXXXXXX"])).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SCOPE_DENIED).exists()


def test_each_opening_is_logged_once(client, month):
    user = month["reviewer"]
    client.force_login(user)
    for _ in range(3):
        assert client.get(url_of(month["person"])).status_code == 200
    events = opened(user, month["person"])
    assert len(events) == 3
    assert all(set(e.details["sections"]) == ALL for e in events)


def test_the_queries_do_not_grow_with_deliveries_or_visits(
    client, month, django_assert_max_num_queries
):
    user = make_official(R.ADMINISTRATOR)
    client.force_login(user)
    person, plan = month["person"], month["plan"]
    with CaptureQueriesContext(connection) as first:
        assert client.get(url_of(person)).status_code == 200
    # Two months more of marks (a third of them absences) and five more visits.
    for offset in range(8, 68):
        mark = "refused" if offset % 3 == 0 else "delivered"
        Delivery.objects.create(
            plan=plan, day=TODAY - datetime.timedelta(days=offset), mark=mark, portions=2
        )
    for weeks in range(1, 6):
        slot = VisitSlotFactory(
            recipient=person, starts_at=timezone.now() - datetime.timedelta(weeks=weeks)
        )
        Booking.objects.create(slot=slot, student=StudentFactory(), status=Booking.Status.ATTENDED)
    with django_assert_max_num_queries(len(first)):
        response = client.get(url_of(person))
    assert response.status_code == 200
    assert len(response.context["page"].visits) == 6


def test_the_record_the_plan_and_the_visit_pages_link_to_the_person_page(client, month):
    client.force_login(month["reviewer"])
    link = url_of(month["person"])
    pages = [
        reverse("portal:review_record", args=[month["person"].public_id]),
        reverse("meals:plan", args=[month["plan"].pk]),
        reverse("volunteers:official_slot", args=[month["slot"].pk]),
        reverse("volunteers:official_report", args=[month["report"].pk]),
    ]
    for page in pages:
        assert link in client.get(page).content.decode(), page


def test_a_coordinator_sees_the_link_only_for_their_schools_visit(client, month):
    # A slot in the coordinator's school's kecamatan opens for them, but not reserved for
    # their school: no link to a page that would refuse them.
    other = make_official(R.SCHOOL_COORDINATOR, school=SchoolFactory())
    client.force_login(other)
    response = client.get(reverse("volunteers:official_slot", args=[month["slot"].pk]))
    assert response.status_code == 200
    assert url_of(month["person"]) not in response.content.decode()
    own = make_official(R.SCHOOL_COORDINATOR, school=month["school"])
    client.force_login(own)
    response = client.get(reverse("volunteers:official_slot", args=[month["slot"].pk]))
    assert url_of(month["person"]) in response.content.decode()


# --- The month's attention items (decisions.md's table) -------------------------------------


def live_items(kind=None):
    from attention.models import Item, ItemStatus

    items = Item.objects.filter(status__in=[ItemStatus.OPEN, ItemStatus.TAKEN])
    return list(items.filter(kind=kind) if kind else items)


def outbox(template: str) -> list:
    from notifications.models import Notification

    return list(Notification.objects.filter(template=template))


def test_the_month_opens_one_item_per_condition_each_closing_when_it_ends(db):
    """The month with a third absence in the run: the items that open (missed deliveries on the
    second absence, the report's flag, the warung suspended with a live plan there), owned by
    Genteng's reviewers, one per condition and one message per opening; the delivered mark
    closes the first, a note resolves the flag, a passing inspection lifts the suspension."""
    from attention.models import Item, ItemStatus, Kind
    from attention.services import item_resolve

    marks = ("delivered",) * 3 + ("not_home", "not_home", "refused", "delivered")
    seen: list[tuple[str, int]] = []

    def after_mark(day, mark):
        seen.append((mark, len(live_items(Kind.MISSED_DELIVERIES))))

    world = build_month(marks=marks, after_mark=after_mark)
    person, reviewer = world["person"], world["reviewer"]
    # None before the second absence; one from it, the third adding none; closed on delivery.
    assert [n for _mark, n in seen] == [0, 0, 0, 0, 1, 1, 0]
    [missed] = Item.objects.filter(kind=Kind.MISSED_DELIVERIES)
    assert missed.status == ItemStatus.CLOSED
    assert missed.recipient == person and missed.kecamatan == person.kecamatan
    assert missed.owner_role == R.REVIEWER
    assert (
        missed.key == f"plan:{world['plan'].pk}:{(TODAY - datetime.timedelta(days=4)).isoformat()}"
    )
    assert missed.ended_at is not None and missed.note
    # One alert for the run (the third absence is the same condition), to the kecamatan's
    # one reviewer, carrying the item.
    [alert] = outbox("delivery_alert")
    assert alert.user == reviewer and alert.context["item_id"] == missed.pk

    [flag] = live_items(Kind.REPORT_FLAG)
    assert flag.recipient == person and flag.kecamatan == person.kecamatan
    assert flag.owner_role == R.REVIEWER
    assert flag.key == f"report:{world['report'].pk}"
    # Looks ill: a day to act.
    assert flag.deadline - flag.opened_at <= datetime.timedelta(hours=24, seconds=5)
    [flag_message] = outbox("visit_report_flagged")
    assert flag_message.user == reviewer and flag_message.context["item_id"] == flag.pk

    [suspended] = live_items(Kind.WARUNG_SUSPENDED)
    assert suspended.warung == world["warung"] and suspended.recipient is None
    assert suspended.kecamatan == world["warung"].kecamatan
    assert suspended.owner_role == R.REVIEWER
    [suspended_message] = outbox("warung_suspended")
    assert suspended_message.user == reviewer
    assert suspended_message.context["item_id"] == suspended.pk
    # Those kinds send their own alert, not a second "attention_opened".
    assert outbox("attention_opened") == []
    assert len(live_items()) == 2

    # The flag closes only with a note.
    with pytest.raises(ValidationError):
        item_resolve(item=flag, actor=reviewer, note="  ")
    flag.refresh_from_db()
    assert flag.status == ItemStatus.OPEN
    item_resolve(item=flag, actor=reviewer, note="Puskesmas Genteng dihubungi, kunjungan besok.")
    flag.refresh_from_db()
    assert flag.status == ItemStatus.RESOLVED and flag.taken_by == reviewer
    assert flag.note == "Puskesmas Genteng dihubungi, kunjungan besok."

    # A passing inspection lifts the suspension and closes its item.
    inspection_record(
        actor=make_official(R.HEALTH_INSPECTOR),
        warung=world["warung"],
        inspected_on=TODAY,
        items_met=ChecklistItem.values,
        result=Inspection.Result.PASS,
    )
    suspended.refresh_from_db()
    assert suspended.status == ItemStatus.CLOSED
    assert live_items() == []
    # Closing sends nothing: still one message per opening.
    assert len(outbox("delivery_alert")) == len(outbox("visit_report_flagged")) == 1
    assert len(outbox("warung_suspended")) == 1


# --- Links to the person page from the officials' lists and the review queue ------------------


def test_the_roles_of_the_lists_and_the_queue_all_open_the_person_page():
    """The lists and the queue show people of the viewer's registry scope, and the registry
    section opens for exactly that scope: so every row's link opens (below, for real)."""
    from outcomes.permissions import LIST_ROLES
    from portal.permissions import PERSON_PAGE_ROLES, REGISTRY_ROLES

    assert LIST_ROLES <= PERSON_PAGE_ROLES
    assert REGISTRY_ROLES <= PERSON_PAGE_ROLES


@pytest.mark.parametrize(
    "role, kecamatan, page",
    [
        (R.REVIEWER, (GENTENG,), "outcomes"),
        (R.LEAD_REVIEWER, (), "outcomes"),
        (R.REVIEWER, (GENTENG,), "queue"),
        (R.DATA_OFFICER, (), "queue"),
    ],
)
def test_the_lists_and_the_queue_link_each_person_to_a_page_that_opens(
    client, db, role, kecamatan, page
):
    genteng = RecipientFactory(kecamatan_code=GENTENG, publishable=True, status="published")
    muncar = RecipientFactory(kecamatan_code=MUNCAR, publishable=True, status="published")
    user = make_official(role, kecamatan=kecamatan)
    client.force_login(user)
    url = (
        reverse("outcomes:people", args=["unfunded"])
        if page == "outcomes"
        else reverse("portal:review_queue") + "?status=all"
    )
    html = client.get(url).content.decode()
    links = set(re.findall(r'href="(/[^"]*/lansia/[\w-]+/)"', html))
    expected = {genteng} if kecamatan else {genteng, muncar}
    assert links == {url_of(person) for person in expected}
    for link in links:
        assert client.get(link).status_code == 200, link
    if page == "outcomes":
        # The list's row goes to the person page, not the record.
        assert reverse("portal:review_record", args=[genteng.public_id]) not in html
    else:
        # The queue keeps the record (its work) beside the person page.
        assert reverse("portal:review_record", args=[genteng.public_id]) in html


# --- One page of many people: the reach read once ----------------------------------------------


def test_a_scope_memo_answers_the_matrix_as_the_queries_do(month):
    """``ScopeMemo`` (the attention queue's: the viewer's reach read once per page) gives
    every role of the matrix the same sections as ``person_access`` without it, for people
    inside and outside their scope, asked in either order through one memo."""
    from accounts.models import RoleGrant
    from portal.selectors.person import ScopeMemo, may_open_person, person_access
    from regions.models import Kecamatan
    from volunteers.models import SchoolCoordinator

    other_school = SchoolFactory()
    VisitSlotFactory(recipient=month["person"], school=other_school)
    muncar = RecipientFactory(kecamatan_code=MUNCAR, publishable=True, status="published")
    both = make_official(R.REVIEWER, kecamatan=(MUNCAR,))
    grant = RoleGrant.objects.create(user=both, role=R.SCHOOL_COORDINATOR)
    SchoolCoordinator.objects.create(grant=grant, school=month["school"])
    both.__dict__.pop("roles", None)
    data_and_finance = make_official(R.DATA_OFFICER)
    RoleGrant.objects.create(user=data_and_finance, role=R.FINANCE_OFFICER)
    data_and_finance.__dict__.pop("roles", None)
    two_kecamatan = make_official(R.REVIEWER, kecamatan=(GENTENG,))
    two_kecamatan.role_grants.get().kecamatan.add(Kecamatan.objects.get(code=MUNCAR))
    users = [
        make_official(R.REVIEWER, kecamatan=(GENTENG,)),
        make_official(R.REVIEWER, kecamatan=(MUNCAR,)),
        two_kecamatan,
        make_official(R.LEAD_REVIEWER),
        make_official(R.ADMINISTRATOR),
        make_official(R.DATA_OFFICER),
        make_official(R.FINANCE_OFFICER),
        make_official(R.HEALTH_INSPECTOR),
        make_official(R.SCHOOL_COORDINATOR, school=month["school"]),
        make_official(R.SCHOOL_COORDINATOR, school=other_school),
        make_official(R.SCHOOL_COORDINATOR),
        both,
        data_and_finance,
    ]
    people = [month["person"], muncar]
    for user in users:
        expected = [person_access(user, person) for person in people]
        for order in (people, people[::-1]):
            memo = ScopeMemo(user)
            got = {person.pk: person_access(user, person, memo=memo) for person in order}
            assert [got[person.pk] for person in people] == expected, user.roles
            assert [may_open_person(user, p, memo=memo) for p in people] == [
                bool(access.sections) for access in expected
            ]
    with pytest.raises(ValueError):
        person_access(users[0], muncar, memo=ScopeMemo(users[1]))
