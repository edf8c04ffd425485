"""The attention queue: each kind opens from the service that causes its condition, with its
owner, kecamatan and deadline; one item per condition; it closes when the condition ends;
escalation after the deadline, once; one message per opening and per escalation."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from attention.models import Item, ItemStatus, Kind
from attention.services import item_open, item_resolve, item_take, items_escalate
from attention.sweep import attention_sweep
from core.time import WIB
from meals.models import ChecklistItem, Inspection
from meals.services.deliveries import delivery_mark
from meals.services.inspections import inspection_record, warung_standing_sync
from meals.services.plans import meal_plan_transition
from notifications.models import Notification
from tests.factories import GENTENG, MUNCAR, make_official
from tests.factories.meals import plan_for, warung_in
from tests.factories.portal import RecipientFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)


def listed(code=GENTENG):
    return RecipientFactory(kecamatan_code=code, publishable=True, status="published")


@pytest.fixture
def reviewer():
    return make_official(Role.REVIEWER, kecamatan=(GENTENG,))


@pytest.fixture
def lead():
    return make_official(Role.LEAD_REVIEWER)


@pytest.fixture
def warung():
    return warung_in(GENTENG)


@pytest.fixture
def plan(warung, reviewer):
    return plan_for(listed(), warung, actor=reviewer, starts_on=TODAY - 5 * DAY)


def items(kind):
    return list(Item.objects.filter(kind=kind))


# --- Missed deliveries --------------------------------------------------------------------------


def test_two_missed_marks_in_a_row_open_one_item_for_the_kecamatans_reviewers(plan, reviewer):
    delivery_mark(plan=plan, day=TODAY - 2 * DAY, mark="refused")
    assert not items(Kind.MISSED_DELIVERIES)
    before = timezone.now()
    delivery_mark(plan=plan, day=TODAY - DAY, mark="not_home")
    (item,) = items(Kind.MISSED_DELIVERIES)
    assert item.status == ItemStatus.OPEN and item.owner_role == Role.REVIEWER
    assert item.recipient_id == plan.recipient_id and item.kecamatan_id == plan.kecamatan_id
    assert (
        before + datetime.timedelta(hours=23)
        < item.deadline
        <= timezone.now() + (datetime.timedelta(hours=24))
    )
    # A third miss, and the same mark again: still one item and one alert, linking to it.
    delivery_mark(plan=plan, day=TODAY, mark="not_home")
    delivery_mark(plan=plan, day=TODAY, mark="not_home")
    assert len(items(Kind.MISSED_DELIVERIES)) == 1
    (alert,) = Notification.objects.filter(template="delivery_alert")
    assert alert.user == reviewer and alert.context["item_id"] == item.pk
    assert alert.dedup_key == f"delivery_alert:absent:{plan.pk}:{TODAY - 2 * DAY}:{reviewer.pk}"
    assert item.transitions.get().to_status == ItemStatus.OPEN


def test_a_delivered_mark_closes_missed_deliveries(plan):
    delivery_mark(plan=plan, day=TODAY - 2 * DAY, mark="not_home")
    delivery_mark(plan=plan, day=TODAY - DAY, mark="not_home")
    delivery_mark(plan=plan, day=TODAY, mark="delivered")
    (item,) = items(Kind.MISSED_DELIVERIES)
    assert item.status == ItemStatus.CLOSED and item.ended_at is not None
    assert [t.to_status for t in item.transitions.all()] == ["open", "closed"]
    # A new run of misses is a new condition: a second item.
    delivery_mark(plan=plan, day=TODAY + DAY, mark="not_home")
    delivery_mark(plan=plan, day=TODAY + 2 * DAY, mark="refused")
    assert [i.status for i in items(Kind.MISSED_DELIVERIES)] == ["closed", "open"]


@pytest.mark.parametrize("to_status,reason", [("paused", "travelling"), ("ended", "moved")])
def test_a_paused_or_ended_plan_closes_missed_deliveries(plan, reviewer, to_status, reason):
    from meals.services.plans import TRANSITIONS

    reason = sorted(TRANSITIONS[("active", to_status)].reasons)[0]
    delivery_mark(plan=plan, day=TODAY - 2 * DAY, mark="not_home")
    delivery_mark(plan=plan, day=TODAY - DAY, mark="not_home")
    meal_plan_transition(plan=plan, actor=reviewer, to_status=to_status, reason=reason, note="x")
    (item,) = items(Kind.MISSED_DELIVERIES)
    assert item.status == ItemStatus.CLOSED


# --- One per condition --------------------------------------------------------------------------


def test_opening_the_same_condition_twice_gives_the_same_item(plan):
    first, opened = item_open(
        Kind.CONCERN, key="c:1", kecamatan_id=plan.kecamatan_id, recipient=plan.recipient
    )
    second, again = item_open(
        Kind.CONCERN, key="c:1", kecamatan_id=plan.kecamatan_id, recipient=plan.recipient
    )
    assert opened and not again and first.pk == second.pk
    assert Item.objects.count() == 1


def test_the_database_refuses_a_second_live_item_for_a_condition(plan):
    from django.db import IntegrityError, transaction

    item_open(Kind.CONCERN, key="c:1", kecamatan_id=plan.kecamatan_id, recipient=plan.recipient)
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.create(
            kind=Kind.CONCERN,
            key="c:1",
            kecamatan_id=plan.kecamatan_id,
            recipient=plan.recipient,
            owner_role="reviewer",
            opened_at=timezone.now(),
            deadline=timezone.now(),
            escalate_at=timezone.now(),
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_openings_at_once_make_one_item():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    person = listed()
    results, barrier = [], threading.Barrier(2)

    def open_it():
        barrier.wait()
        try:
            results.append(
                item_open(
                    Kind.CONCERN,
                    key="race",
                    kecamatan_id=person.kecamatan_id,
                    recipient=person,
                    announce=False,
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=open_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Item.objects.filter(key="race").count() == 1
    assert sorted(opened for _item, opened in results) == [False, True]
    assert len({item.pk for item, _opened in results}) == 1


# --- Unmarked warung-day, inspection overdue, suspension -----------------------------------------


def at_wib(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=WIB)


def test_an_unmarked_warung_day_opens_at_21_wib_and_closes_with_a_mark(plan, warung, reviewer):
    assert attention_sweep(now=at_wib(TODAY, 20, 59))["unmarked_days"] == 0 or not any(
        i.key.endswith(TODAY.isoformat()) for i in items(Kind.UNMARKED_DAY)
    )
    attention_sweep(now=at_wib(TODAY, 21, 0))
    attention_sweep(now=at_wib(TODAY, 21, 15))
    today_items = [i for i in items(Kind.UNMARKED_DAY) if i.key.endswith(TODAY.isoformat())]
    (item,) = today_items
    assert item.warung_id == warung.pk and item.kecamatan_id == warung.kecamatan_id
    assert item.deadline == at_wib(TODAY + DAY, 12)
    assert Notification.objects.filter(template="attention_opened", user=reviewer).exists()
    delivery_mark(plan=plan, day=TODAY, mark="delivered")
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED
    # Marked now: the next sweep opens nothing again for the day.
    attention_sweep(now=at_wib(TODAY, 22))
    assert len([i for i in items(Kind.UNMARKED_DAY) if i.key.endswith(TODAY.isoformat())]) == 1


def test_a_marked_warung_day_opens_nothing(plan):
    delivery_mark(plan=plan, day=TODAY, mark="delivered")
    attention_sweep(now=at_wib(TODAY, 21, 30))
    assert not [i for i in items(Kind.UNMARKED_DAY) if i.key.endswith(TODAY.isoformat())]


def test_an_overdue_inspection_opens_for_health_inspectors_and_a_recorded_one_closes_it(warung):
    inspector = make_official(Role.HEALTH_INSPECTOR)
    Inspection.objects.filter(warung=warung).update(
        inspected_on=TODAY - 200 * DAY, next_due=TODAY - 10 * DAY
    )
    attention_sweep()
    attention_sweep()
    (item,) = items(Kind.INSPECTION_OVERDUE)
    assert item.owner_role == Role.HEALTH_INSPECTOR and item.warung_id == warung.pk
    assert item.deadline - item.opened_at == datetime.timedelta(days=7)
    (message,) = Notification.objects.filter(template="attention_opened")
    assert message.user == inspector
    inspection_record(
        actor=inspector,
        warung=warung,
        inspected_on=TODAY,
        items_met=ChecklistItem.values,
        result="pass",
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED


def test_a_suspension_with_live_plans_opens_an_item_and_the_lifting_closes_it(
    plan, warung, reviewer
):
    inspector = make_official(Role.HEALTH_INSPECTOR)
    inspection_record(
        actor=inspector,
        warung=warung,
        inspected_on=TODAY,
        items_met=[],
        result="fail",
        findings="Dapur kotor",
    )
    (item,) = items(Kind.WARUNG_SUSPENDED)
    assert item.kecamatan_id == warung.kecamatan_id and item.owner_role == Role.REVIEWER
    assert item.deadline - item.opened_at == datetime.timedelta(hours=48)
    (alert,) = Notification.objects.filter(template="warung_suspended")
    assert alert.context["item_id"] == item.pk and alert.user == reviewer
    warung_standing_sync(warung=warung)  # again: nothing new
    assert len(items(Kind.WARUNG_SUSPENDED)) == 1
    inspection_record(
        actor=inspector,
        warung=warung,
        inspected_on=TODAY,
        items_met=ChecklistItem.values,
        result="pass",
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED


def test_a_suspension_without_people_opens_no_item(warung, reviewer):
    inspector = make_official(Role.HEALTH_INSPECTOR)
    inspection_record(
        actor=inspector,
        warung=warung,
        inspected_on=TODAY,
        items_met=[],
        result="fail",
        findings="x",
    )
    assert not items(Kind.WARUNG_SUSPENDED)
    assert Notification.objects.filter(template="warung_suspended").exists()  # the alert stays


# --- Escalation -------------------------------------------------------------------------------


def test_an_item_escalates_once_after_its_deadline(plan, reviewer, lead):
    # A fixed morning: late in the WIB evening the sweep would also open (and, 25 hours on,
    # escalate) the next day's unmarked warung-day, so the clock must not decide the count.
    start = datetime.datetime.combine(TODAY, datetime.time(8), tzinfo=WIB)
    with time_machine.travel(start, tick=False):
        delivery_mark(plan=plan, day=TODAY - 2 * DAY, mark="not_home")
        delivery_mark(plan=plan, day=TODAY - DAY, mark="not_home")
    (item,) = items(Kind.MISSED_DELIVERIES)
    with time_machine.travel(start + datetime.timedelta(hours=23), tick=False):
        assert items_escalate() == 0
    with time_machine.travel(start + datetime.timedelta(hours=25), tick=False):
        assert items_escalate() == 1
        assert items_escalate() == 0
        attention_sweep()
    item.refresh_from_db()
    assert item.escalated_at == start + datetime.timedelta(hours=25)
    (message,) = Notification.objects.filter(template="attention_escalated")
    assert message.user == lead and message.dedup_key == f"attention_escalated:{item.pk}:{lead.pk}"
    assert message.context["item_id"] == item.pk


def test_a_rights_request_escalates_at_48_hours_of_its_72(reviewer, lead):
    from community.services.rights import rights_request_record

    person = listed()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        request = rights_request_record(
            recipient=person,
            actor=reviewer,
            kind="correction",
            requester="self",
            requester_name="S",
        )
    (item,) = items(Kind.RIGHTS_REQUEST)
    assert item.deadline == request.due_at
    assert item.escalate_at == start + datetime.timedelta(hours=48)
    with time_machine.travel(start + datetime.timedelta(hours=49), tick=False):
        assert items_escalate() == 1
    from community.services.rights import rights_request_close

    rights_request_close(request=request, actor=reviewer, outcome="done", note="diperbaiki")
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED


def test_a_closed_item_does_not_escalate(plan, lead):
    delivery_mark(plan=plan, day=TODAY - 2 * DAY, mark="not_home")
    delivery_mark(plan=plan, day=TODAY - DAY, mark="not_home")
    delivery_mark(plan=plan, day=TODAY, mark="delivered")
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3), tick=False):
        assert items_escalate() == 0


# --- Take and resolve ---------------------------------------------------------------------------


@pytest.fixture
def item(plan):
    return item_open(
        Kind.CONCERN,
        key="c:1",
        kecamatan_id=plan.kecamatan_id,
        recipient=plan.recipient,
        announce=False,
    )[0]


def test_take_then_resolve_with_a_note(item, reviewer):
    from django.core.exceptions import ValidationError

    item_take(item=item, actor=reviewer)
    item.refresh_from_db()
    assert item.status == ItemStatus.TAKEN and item.taken_by == reviewer
    with pytest.raises(ValidationError):
        item_resolve(item=item, actor=reviewer, note="   ")
    item.refresh_from_db()
    assert item.status == ItemStatus.TAKEN
    item_resolve(item=item, actor=reviewer, note="Sudah ditelepon")
    item.refresh_from_db()
    assert item.status == ItemStatus.RESOLVED and item.note == "Sudah ditelepon"
    assert [(t.to_status, t.actor) for t in item.transitions.all()] == [
        ("open", None),
        ("taken", reviewer),
        ("resolved", reviewer),
    ]


def test_another_kecamatans_reviewer_gets_404_and_may_not_take(client, item):
    from django.core.exceptions import PermissionDenied

    other = make_official(Role.REVIEWER, kecamatan=(MUNCAR,))
    with pytest.raises(PermissionDenied):
        item_take(item=item, actor=other)
    client.force_login(other)
    assert client.get(reverse("attention:item", args=[item.pk])).status_code == 404
    assert client.post(reverse("attention:take", args=[item.pk])).status_code == 404
    assert client.get(reverse("attention:queue")).context["page"].paginator.count == 0
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_a_taken_item_cannot_be_resolved_by_another_reviewer(item, reviewer):
    from django.core.exceptions import PermissionDenied

    colleague = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    item_take(item=item, actor=reviewer)
    item.refresh_from_db()
    with pytest.raises(PermissionDenied):
        item_resolve(item=item, actor=colleague, note="x")


def test_the_pages_take_and_resolve(client, item, reviewer, lead):
    client.force_login(reviewer)
    queue = client.get(reverse("attention:queue"))
    assert queue.status_code == 200 and item in queue.context["page"]
    assert 'class="table-wrap" tabindex="0" role="region"' in queue.content.decode()
    page = client.get(reverse("attention:item", args=[item.pk])).content.decode()
    assert f'href="/petugas/lansia/{item.recipient.public_id}/"' in page
    client.post(reverse("attention:take", args=[item.pk]))
    item.refresh_from_db()
    assert item.taken_by == reviewer
    refused = client.post(reverse("attention:item", args=[item.pk]), {"note": ""})
    assert refused.status_code == 400
    client.post(reverse("attention:item", args=[item.pk]), {"note": "Dikunjungi"})
    item.refresh_from_db()
    assert item.status == ItemStatus.RESOLVED
    # Lead reviewers see every item, resolved ones under "closed".
    client.force_login(lead)
    assert item in client.get(reverse("attention:queue") + "?closed=1").context["page"]


def test_concern_confirmed_opens_and_answered_closes(client, reviewer):
    from community.models import Concern
    from community.services.concerns import concern_answer
    from tests.factories.community import code_for, confirm, post_concern

    person = listed()
    post_concern(client, person.public_id)
    concern = Concern.objects.get()
    assert not items(Kind.CONCERN)
    confirm(client, concern, code_for(concern))
    (item,) = items(Kind.CONCERN)
    assert item.kecamatan_id == person.kecamatan_id
    assert item.deadline - item.opened_at == datetime.timedelta(hours=72)
    assert Notification.objects.filter(template="attention_opened", user=reviewer).count() == 1
    concern_answer(concern=concern, actor=reviewer, reply="Sudah diperiksa")
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED


# --- Where an item's person or warung links -----------------------------------------------------


def test_a_persons_item_links_to_the_person_page_in_the_queue_and_on_the_item(
    client, item, reviewer
):
    person = reverse("portal:person", args=[item.recipient.public_id])
    client.force_login(reviewer)
    for url in (reverse("attention:queue"), reverse("attention:item", args=[item.pk])):
        page = client.get(url).content.decode()
        assert f'href="{person}"' in page
        assert reverse("portal:review_record", args=[item.recipient.public_id]) not in page
    # The page opens for them (the link is not a 404).
    assert client.get(person).status_code == 200
    assert "is coming" not in client.get(reverse("attention:item", args=[item.pk])).content.decode()


def test_a_viewer_the_person_page_does_not_open_for_gets_the_review_record(
    client, item, reviewer, monkeypatch
):
    import portal.selectors.person as person_selectors

    monkeypatch.setattr(person_selectors, "may_open_person", lambda user, recipient, **kw: False)
    client.force_login(reviewer)
    page = client.get(reverse("attention:item", args=[item.pk])).content.decode()
    assert f'href="/petugas/registri/{item.recipient.public_id}/"' in page
    assert "/petugas/lansia/" not in page


def test_a_warungs_item_links_to_the_warung_page(client, warung, reviewer):
    found = item_open(
        Kind.WARUNG_SUSPENDED,
        key="warung:x",
        kecamatan_id=warung.kecamatan_id,
        warung=warung,
        announce=False,
    )[0]
    client.force_login(reviewer)
    for url in (reverse("attention:queue"), reverse("attention:item", args=[found.pk])):
        assert (
            f'href="{reverse("meals:warung", args=[warung.pk])}"'
            in client.get(url).content.decode()
        )


def test_the_queue_asks_the_matrix_once_per_kecamatan_not_per_item(client, reviewer, monkeypatch):
    import portal.selectors.person as person_selectors

    asked = []
    real = person_selectors.may_open_person
    monkeypatch.setattr(
        person_selectors,
        "may_open_person",
        lambda user, recipient, **kw: asked.append(recipient.pk) or real(user, recipient, **kw),
    )
    for n in range(5):
        person = listed()
        item_open(
            Kind.CONCERN,
            key=f"c:{n}",
            kecamatan_id=person.kecamatan_id,
            recipient=person,
            announce=False,
        )
    client.force_login(reviewer)
    page = client.get(reverse("attention:queue")).content.decode()
    assert page.count('href="/petugas/lansia/') == 5
    assert len(asked) == 1
