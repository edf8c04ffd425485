"""The 07:00 digest: each official's attention items (taken by them, or open for their role in
their scope) by kind with the oldest's age, linking to the queue; the reviewers' waiting
records folded in; nothing when nothing waits; one per official per day."""

import datetime

import pytest
import time_machine
from django.core import mail

from accounts.models import Role
from attention.models import Kind
from attention.services import item_open, item_take, items_escalate
from core.time import WIB
from notifications.models import Notification
from portal.services.digest import review_digest_send
from tests.conftest import deliver_notifications
from tests.factories import GENTENG, MUNCAR, make_official
from tests.factories.meals import warung_in
from tests.factories.portal import RecipientFactory

pytestmark = pytest.mark.django_db
MORNING = datetime.datetime(2026, 5, 12, 7, 0, tzinfo=WIB)
HOUR = datetime.timedelta(hours=1)


def person(code=GENTENG):
    return RecipientFactory(kecamatan_code=code, publishable=True, status="published")


def digest_of(user):
    return Notification.objects.get(template="review_digest", user=user)


@pytest.fixture
def opened():
    """Three days before the morning: a concern; 30 hours before: two missed deliveries
    (one in Genteng, one in Muncar); a warung's overdue inspection."""
    made = {}
    with time_machine.travel(MORNING - 72 * HOUR, tick=False):
        one = person()
        made["concern"] = item_open(
            Kind.CONCERN, key="c:1", kecamatan_id=one.kecamatan_id, recipient=one, announce=False
        )[0]
    with time_machine.travel(MORNING - 30 * HOUR, tick=False):
        for n, code in enumerate((GENTENG, GENTENG, MUNCAR)):
            who = person(code)
            made[f"missed{n}"] = item_open(
                Kind.MISSED_DELIVERIES,
                key=f"plan:{n}",
                kecamatan_id=who.kecamatan_id,
                recipient=who,
                announce=False,
            )[0]
        warung = warung_in(GENTENG)
        made["inspection"] = item_open(
            Kind.INSPECTION_OVERDUE,
            key="w:1",
            kecamatan_id=warung.kecamatan_id,
            warung=warung,
            announce=False,
        )[0]
    return made


def test_each_official_gets_their_items_by_kind_with_the_oldest_age(opened):
    genteng = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    muncar = make_official(Role.REVIEWER, kecamatan=(MUNCAR,))
    inspector = make_official(Role.HEALTH_INSPECTOR)
    idle = make_official(Role.REVIEWER, kecamatan=("35.10.03",))
    with time_machine.travel(MORNING - 2 * HOUR, tick=False):
        # Genteng's reviewer takes one missed delivery (still theirs); the other stays open.
        item_take(item=opened["missed0"], actor=genteng)
    with time_machine.travel(MORNING, tick=False):
        assert review_digest_send() == 3
    mine = digest_of(genteng).context
    assert mine["items"] == 3 and mine["taken"] == 1
    assert [
        (r["kind"], r["count"], r["oldest_hours"], r["oldest_days"]) for r in mine["kinds"]
    ] == [
        ("missed_deliveries", 2, 30, 1),
        ("concern", 1, 72, 3),
    ]
    assert mine["records"] == 0 and mine["waiting"] == 3
    assert [(r["kind"], r["count"]) for r in digest_of(muncar).context["kinds"]] == [
        ("missed_deliveries", 1)
    ]
    assert [(r["kind"], r["count"]) for r in digest_of(inspector).context["kinds"]] == [
        ("inspection_overdue", 1)
    ]
    assert not Notification.objects.filter(user=idle).exists()


def test_a_taken_item_is_in_its_takers_digest_only(opened):
    genteng = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    colleague = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    with time_machine.travel(MORNING - HOUR, tick=False):
        item_take(item=opened["concern"], actor=genteng)
    with time_machine.travel(MORNING, tick=False):
        review_digest_send()
    assert ("concern", 1) in [(r["kind"], r["count"]) for r in digest_of(genteng).context["kinds"]]
    assert "concern" not in [r["kind"] for r in digest_of(colleague).context["kinds"]]


def test_lead_reviewers_get_the_escalated_items(opened):
    lead = make_official(Role.LEAD_REVIEWER)
    with time_machine.travel(MORNING - 12 * HOUR, tick=False):
        review_digest_send()
    # Nothing past its deadline yet: no digest for the lead reviewer.
    assert not Notification.objects.filter(user=lead, template="review_digest").exists()
    with time_machine.travel(MORNING, tick=False):
        items_escalate()
        review_digest_send()
    kinds = {r["kind"]: r["count"] for r in digest_of(lead).context["kinds"]}
    # The concern (72 h) and the three missed deliveries (24 h) are past; the inspection
    # (a week) is not.
    assert kinds == {"concern": 1, "missed_deliveries": 3}


def test_nothing_waits_nothing_is_sent_and_a_second_run_sends_nothing_more(opened):
    make_official(Role.REVIEWER, kecamatan=("35.10.03",))
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    with time_machine.travel(MORNING, tick=False):
        assert review_digest_send() == 1
        review_digest_send()
    assert Notification.objects.filter(template="review_digest").count() == 1
    # The next morning: a new one.
    with time_machine.travel(MORNING + 24 * HOUR, tick=False):
        review_digest_send()
    assert Notification.objects.filter(template="review_digest", user=reviewer).count() == 2


def test_the_review_queue_is_folded_in(db):
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    RecipientFactory(kecamatan_code=GENTENG, status="in_review")
    with time_machine.travel(MORNING, tick=False):
        assert review_digest_send() == 1
    context = digest_of(reviewer).context
    assert (context["items"], context["records"], context["in_review"]) == (0, 1, 1)


def test_the_email_links_to_the_queue_and_names_no_person(opened, settings):
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    with time_machine.travel(MORNING, tick=False):
        review_digest_send()
        deliver_notifications()
    (message,) = [m for m in mail.outbox if reviewer.email in m.to]
    text = message.body
    assert "/petugas/perhatian/" in text
    assert "/petugas/perhatian/\n" in text  # the queue, not an item's page
    for item in opened.values():
        if item.recipient is not None:
            assert item.recipient.name not in text
            assert item.recipient.public_id not in text
    assert "3 days" in text or "3 hari" in text
