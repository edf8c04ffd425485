"""What the sponsors of a reached person are told (docs/architecture.md, "What the public may
see"): on their own page and in the monthly sponsor e-mail, the days their meals were
delivered and the visits by students that month. Counts only: never which warung, an
address, a school, a day or a time; only to that person's current sponsors; the page's
queries do not grow with the number of sponsorships."""

import datetime
import pathlib

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from donations.models import Sponsorship
from donations.selectors.donors import reached_months
from donations.services.receipts import donor_token
from donations.services.updates import sponsor_updates_send
from meals.models import Delivery
from portal import registry
from portal.models import Status
from tests.conftest import deliver_notifications
from tests.factories import SchoolFactory
from tests.factories.donations import active_sponsorship, outbox, paid_gift
from tests.factories.meals import plan_for, warung_in
from tests.factories.portal import RecipientFactory
from tests.factories.volunteers import StudentFactory, VisitSlotFactory
from volunteers.models import Booking, VisitSlot

UTC = datetime.UTC
OCTOBER_20 = datetime.datetime(2026, 10, 20, 3, 0, tzinfo=UTC)  # 10:00 WIB
OCTOBER = datetime.date(2026, 10, 1)
WARUNG_NAME = "Warung Bu Sri Rahayu"
WARUNG_ADDRESS = "Jl. Kenanga Gang Buntu 7"
SCHOOL_NAME = "SMA Negeri Pelita Genteng"
MEETING_POINT = "Pos Ronda Dusun Krajan"

pytestmark = pytest.mark.usefixtures("_october")


@pytest.fixture
def _october():
    with time_machine.travel(OCTOBER_20, tick=False):
        yield


def wib(day: int, hour: int = 9, month: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour - 7, 0, tzinfo=UTC)


def visit(person, school, *, starts_at, attended=True, cancelled=False) -> VisitSlot:
    slot = VisitSlotFactory(
        recipient=person, school=school, starts_at=starts_at, meeting_point=MEETING_POINT
    )
    for status in (Booking.Status.ATTENDED if attended else Booking.Status.ABSENT,) * 2:
        Booking.objects.create(slot=slot, student=StudentFactory(school=school), status=status)
    if cancelled:
        VisitSlot.objects.filter(pk=slot.pk).update(status=VisitSlot.Status.CANCELLED)
    return slot


def reached(*, meal_days: int, visits: int, sponsor: str):
    """A person sponsored by ``sponsor``, then reached (a plan at the warung from 14 October),
    with ``meal_days`` delivered days and ``visits`` visits this October, and the things the
    count must not count: a refusal, a day of September, a visit nobody attended, a cancelled
    visit and one in September."""
    person = RecipientFactory(publishable=True, status=Status.PUBLISHED)
    sponsorship = active_sponsorship(recipient=person, email=sponsor)
    warung = warung_in(name=WARUNG_NAME)
    warung.__class__.objects.filter(pk=warung.pk).update(address=WARUNG_ADDRESS)
    plan = plan_for(person, warung, starts_on=datetime.date(2026, 10, 14))
    for day in range(meal_days):
        Delivery.objects.create(
            plan=plan, day=datetime.date(2026, 10, 1 + day), mark="delivered", portions=2
        )
    Delivery.objects.create(plan=plan, day=datetime.date(2026, 10, 28), mark="refused", portions=2)
    Delivery.objects.create(plan=plan, day=datetime.date(2026, 9, 30), mark="delivered", portions=2)
    school = SchoolFactory(name=SCHOOL_NAME)
    for number in range(visits):
        visit(person, school, starts_at=wib(2 + number, hour=15))
    visit(person, school, starts_at=wib(12), attended=False)
    visit(person, school, starts_at=wib(13), cancelled=True)
    visit(person, school, starts_at=wib(29, month=9))
    person.refresh_from_db()
    assert person.status == Status.REACHED
    return person, sponsorship


def link(donor) -> str:
    # In English; the request before may have left English active in this thread.
    with translation.override("id"):
        return "/en" + reverse("donations:donor_link", args=[donor_token(donor)])


def donor_page(sponsorship: Sponsorship, client: Client | None = None) -> str:
    client = client or Client()
    response = client.get(link(sponsorship.donor))
    assert response.status_code == 200
    return response.content.decode()


def card(html: str, sponsorship: Sponsorship) -> str:
    start = html.index(f'id="sponsorship-{sponsorship.public_ref}"')
    end = html.find('<div class="card sponsorship"', start + 1)
    return html[start : end if end != -1 else html.index("</section>", start)]


def never_said(text: str, person) -> None:
    for secret in (
        WARUNG_NAME,
        WARUNG_ADDRESS,
        SCHOOL_NAME,
        MEETING_POINT,
        person.name,
        person.address,
        person.nik,
        "15:00",
        "3:00 p.m.",
        "2 October",
    ):
        assert secret not in text, secret


# --- The sponsor's own page -------------------------------------------------------------------


def test_a_sponsor_sees_the_meals_delivered_and_the_visits_this_month(db):
    person, sponsorship = reached(meal_days=12, visits=2, sponsor="sponsor@example.org")
    html = donor_page(sponsorship)
    news = card(html, sponsorship)
    assert f"{person.pseudonym} in October 2026, so far" in news
    assert 'data-meal-days="12"' in news
    assert "<strong>12</strong> days with meals delivered" in news
    assert 'data-visits="2"' in news
    assert "<strong>2</strong> visits by students" in news
    never_said(html, person)


def test_a_sponsor_sees_only_the_person_they_sponsor(db):
    first, first_sponsorship = reached(meal_days=5, visits=1, sponsor="a@example.org")
    second, second_sponsorship = reached(meal_days=9, visits=3, sponsor="b@example.org")
    html = donor_page(first_sponsorship)
    assert 'data-meal-days="5"' in html and 'data-visits="1"' in html
    assert 'data-meal-days="9"' not in html and 'data-visits="3"' not in html
    assert second.pseudonym not in html
    other = donor_page(second_sponsorship)
    assert 'data-meal-days="9"' in other and 'data-visits="3"' in other
    assert first.pseudonym not in other


def test_one_off_givers_and_past_sponsors_are_not_told(db):
    person = RecipientFactory(publishable=True, status=Status.PUBLISHED)
    one_off = paid_gift(recipient=person, amount=30_000, email="once@example.org")
    sponsorship = active_sponsorship(recipient=person, email="now@example.org")
    plan = plan_for(person, warung_in(name=WARUNG_NAME), starts_on=datetime.date(2026, 10, 14))
    Delivery.objects.create(
        plan=plan, day=datetime.date(2026, 10, 15), mark="delivered", portions=2
    )
    assert 'data-meal-days="1"' in donor_page(sponsorship)
    html = Client().get(link(one_off.donor)).content.decode()
    assert person.pseudonym in html  # their gift is listed, without the person's month
    assert "data-meal-days" not in html and "data-visits" not in html
    Sponsorship.objects.filter(pk=sponsorship.pk).update(status=Sponsorship.Status.ENDED)
    html = donor_page(sponsorship)
    assert person.pseudonym in html  # the ended sponsorship is still listed
    assert "data-meal-days" not in html and "data-visits" not in html


def test_a_sponsor_of_a_person_not_reached_is_told_nothing_of_meals_or_visits(db):
    person = RecipientFactory(publishable=True, status=Status.PUBLISHED)
    sponsorship = active_sponsorship(recipient=person)
    school = SchoolFactory(name=SCHOOL_NAME)
    visit(person, school, starts_at=wib(2))  # visits are arranged for published people too
    html = donor_page(sponsorship)
    assert person.pseudonym in html
    assert "data-meal-days" not in html and "data-visits" not in html
    assert reached_months([person.pk], day=OCTOBER) == {}


def test_the_donor_pages_queries_do_not_grow_with_its_sponsorships(db):
    _person, one = reached(meal_days=3, visits=1, sponsor="one@example.org")
    many = [reached(meal_days=3, visits=1, sponsor="many@example.org")[1] for _ in range(4)]
    assert len({s.donor_id for s in many}) == 1

    def queries(sponsorship) -> int:
        client = Client()
        donor_page(sponsorship, client)  # the session is written on the first opening
        with CaptureQueriesContext(connection) as captured:
            html = donor_page(sponsorship, client)
        assert html.count("data-meal-days=") == (4 if sponsorship in many else 1)
        return len(captured)

    assert queries(one) == queries(many[0])


def test_the_counts_come_from_one_query_each(db):
    person, _sponsorship = reached(meal_days=7, visits=2, sponsor="s@example.org")
    with CaptureQueriesContext(connection) as captured:
        months = reached_months([person.pk], day=OCTOBER)
    assert months[person.pk].meal_days == 7
    assert months[person.pk].visits == 2
    assert months[person.pk].month == OCTOBER
    assert len(captured) == 3  # who is reached, the meal days, the visits


# --- The monthly sponsor e-mail ---------------------------------------------------------------


def test_the_monthly_update_tells_a_reached_persons_sponsor_the_months_meals_and_visits(db):
    person, sponsorship = reached(meal_days=17, visits=2, sponsor="sponsor@example.org")
    sponsorship.donor.language = "en"
    sponsorship.donor.save(update_fields=["language"])
    with time_machine.travel(datetime.datetime(2026, 11, 1, 1, 0, tzinfo=UTC), tick=False):
        # A day of November is not October's.
        plan = person.meal_plans.get()
        Delivery.objects.create(
            plan=plan, day=datetime.date(2026, 11, 1), mark="delivered", portions=2
        )
        assert sponsor_updates_send(today=datetime.date(2026, 11, 1)) == 1
        (note,) = outbox("sponsor_update")
        assert note.context["reached"] is True
        assert note.context["meal_days"] == 17
        assert note.context["visits"] == 2
        assert deliver_notifications() == ["sent"]
    (message,) = [m for m in mail.outbox if person.pseudonym in m.subject]
    assert f"In October 2026, {person.pseudonym}'s meals were delivered on 17 days." in message.body
    assert f"Students visited {person.pseudonym} 2 times in October 2026." in message.body
    html = message.alternatives[0][0]
    assert "were delivered on 17 days" in html
    never_said(message.body, person)
    never_said(html, person)
    never_said(str(note.context), person)


def test_the_update_of_a_person_not_reached_says_nothing_of_meals_or_visits(db):
    person = RecipientFactory(publishable=True, status=Status.PUBLISHED)
    sponsorship = active_sponsorship(recipient=person)
    sponsorship.donor.language = "en"
    sponsorship.donor.save(update_fields=["language"])
    visit(person, SchoolFactory(name=SCHOOL_NAME), starts_at=wib(2))
    with time_machine.travel(datetime.datetime(2026, 11, 1, 1, 0, tzinfo=UTC), tick=False):
        sponsor_updates_send(today=datetime.date(2026, 11, 1))
        (note,) = outbox("sponsor_update")
        assert note.context["meal_days"] == 0 and note.context["visits"] == 0
        assert deliver_notifications() == ["sent"]
    (message,) = [m for m in mail.outbox if person.pseudonym in m.subject]
    assert "were delivered on" not in message.body
    assert "Students visited" not in message.body


def test_a_reached_person_without_deliveries_or_visits_that_month_gets_neither_sentence(db):
    person, sponsorship = reached(meal_days=0, visits=0, sponsor="quiet@example.org")
    sponsorship.donor.language = "en"
    sponsorship.donor.save(update_fields=["language"])
    with time_machine.travel(datetime.datetime(2026, 11, 1, 1, 0, tzinfo=UTC), tick=False):
        sponsor_updates_send(today=datetime.date(2026, 11, 1))
        assert deliver_notifications() == ["sent"]
    (message,) = [m for m in mail.outbox if person.pseudonym in m.subject]
    assert "now reached by the programme" in message.body
    assert "were delivered on" not in message.body
    assert "Students visited" not in message.body


# --- Where the counts come from -----------------------------------------------------------------


def test_the_visits_reach_donations_through_the_portals_hook(db):
    """donations may not import the visits app (docs/architecture.md, "Layers"): the visits
    app fills portal.registry, and donations asks it."""
    person, _sponsorship = reached(meal_days=0, visits=3, sponsor="s@example.org")
    assert registry.visits_in_month([person.pk], day=OCTOBER) == {person.pk: 3}
    root = pathlib.Path(django_settings.BASE_DIR) / "donations"
    for path in root.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        source = path.read_text()
        assert "from volunteers" not in source and "import volunteers" not in source, path


def test_the_counts_are_on_no_other_page(db):
    """Only the sponsor's own page (and the e-mail) tell them: not the thank-you page anyone
    with its address may open, not the transparency page, the giving pages or the listing."""
    person, sponsorship = reached(meal_days=6, visits=2, sponsor="s@example.org")
    visitor = Client()
    with translation.override("id"):
        pages = [
            reverse("donations:thanks", args=[sponsorship.public_ref]),
            reverse("donations:transparency"),
            reverse("donations:give_fund"),
            reverse("portal:listing_list"),
            reverse("portal:home"),
        ]
        listing = reverse("portal:listing_detail", args=[person.public_id])
    for url in pages:
        for prefix in ("", "/en"):
            html = visitor.get(prefix + url).content.decode()
            assert "data-meal-days" not in html and "days with meals delivered" not in html, url
            assert "visits by students" not in html, url
    assert visitor.get(listing).status_code == 404  # reached: no longer public
