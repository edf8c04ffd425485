"""Targets the regency sets (issue 18): the five indicators against them on a hand-computed
month (May 2026), the append-only history (a later change never rewrites a past month), who
may set them, the public pages and open data; the officials-only lists and their scope."""

import datetime
import json
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import AuditEvent, Role
from donations.models import Transaction, recipient_account
from donations.services.ledger import ledger_post
from meals.services.deliveries import delivery_mark
from meals.services.plans import meal_plan_start
from outcomes.models import Indicator, OutcomeTarget
from outcomes.selectors.figures import outcome_figures
from outcomes.selectors.lists import people_list
from outcomes.selectors.targets import compare, targets_in_force
from outcomes.services import outcome_target_set, outcomes_refresh
from portal.models import RecipientTransition
from regions.models import Kecamatan
from tests.factories import GENTENG, MUNCAR, SchoolFactory, make_official
from tests.factories.meals import warung_in
from tests.factories.portal import RecipientFactory
from tests.factories.volunteers import StudentFactory, VisitSlotFactory
from volunteers.models import Booking

pytestmark = pytest.mark.django_db
WIB = datetime.timezone(datetime.timedelta(hours=7))
MAY = datetime.date(2026, 5, 1)
IND = Indicator


def moment(month: int, day: int, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=WIB)


def at(month: int, day: int, hour: int = 9):
    return time_machine.travel(moment(month, day, hour), tick=False)


def listed(kecamatan: str, month: int, day: int):
    """A person published on that day (the listing: their first move to ``published``)."""
    with at(month, day):
        person = RecipientFactory(kecamatan_code=kecamatan, publishable=True, status="published")
        RecipientTransition.objects.create(
            recipient=person, from_status="in_review", to_status="published"
        )
    return person


def visited(person, month: int, day: int) -> None:
    school = SchoolFactory()
    slot = VisitSlotFactory(recipient=person, school=school, starts_at=moment(month, day, 15))
    Booking.objects.create(
        slot=slot, student=StudentFactory(school=school), status=Booking.Status.ATTENDED
    )


@pytest.fixture
def may():
    """Genteng: P1 listed 1 April, reached 11 May (40 days), funded, visited 20 May, 8 days
    delivered; P2 listed 1 May, reached 21 May (20 days), nothing delivered, never visited;
    P3 listed 1 February, never reached. Muncar: P4 listed 21 April, reached 1 May (10 days),
    visited 5 May, every day delivered. Meals: 2 portions a day."""
    with at(1, 5):
        lead = make_official(Role.LEAD_REVIEWER, name="Ibu Lead")
        g, m = warung_in(GENTENG, name="G"), warung_in(MUNCAR, name="M")
    p3 = listed(GENTENG, 2, 1)
    p1 = listed(GENTENG, 4, 1)
    p4 = listed(MUNCAR, 4, 21)
    p2 = listed(GENTENG, 5, 1)
    with at(5, 1):
        plan4 = meal_plan_start(
            actor=lead, recipient=p4, warung=m, starts_on=MAY, portions_per_day=2
        )
    with at(5, 11):
        plan1 = meal_plan_start(
            actor=lead,
            recipient=p1,
            warung=g,
            starts_on=datetime.date(2026, 5, 11),
            portions_per_day=2,
        )
        ledger_post(
            kind=Transaction.Kind.GIFT,
            external_id="test:gift-p1",
            lines=[
                ("clearing:bank", -p1.monthly_need),
                (recipient_account(p1.pk), p1.monthly_need),
            ],
        )
    with at(5, 21):
        meal_plan_start(
            actor=lead,
            recipient=p2,
            warung=g,
            starts_on=datetime.date(2026, 5, 21),
            portions_per_day=2,
        )
    visited(p4, 5, 5)
    visited(p1, 5, 20)
    with at(6, 1):
        for day in range(11, 19):
            delivery_mark(plan=plan1, day=datetime.date(2026, 5, day), mark="delivered")
        for day in range(1, 32):
            delivery_mark(plan=plan4, day=datetime.date(2026, 5, day), mark="delivered")
    # Targets for 2026: set in January for the regency, Genteng's own reach on 15 May.
    with at(1, 5):
        outcome_target_set(actor=lead, year=2026, indicator=IND.REACHED, value="80")
        outcome_target_set(actor=lead, year=2026, indicator=IND.DELIVERED, value="90")
        outcome_target_set(actor=lead, year=2026, indicator=IND.VISITED, value="50")
        outcome_target_set(actor=lead, year=2026, indicator=IND.FUNDED, value="40")
        outcome_target_set(actor=lead, year=2026, indicator=IND.DAYS, value="30")
    with at(5, 15):
        outcome_target_set(
            actor=lead,
            year=2026,
            indicator=IND.REACHED,
            value="60",
            kecamatan=Kecamatan.objects.get(code=GENTENG),
        )
    return {"lead": lead, "p1": p1, "p2": p2, "p3": p3, "p4": p4}


def by_code(result, code):
    return result[None] if code is None else result[Kecamatan.objects.get(code=code).pk]


def table(comparisons):
    return {c.indicator: (c.value, c.target, c.met) for c in comparisons}


def test_indicators_against_targets_equal_the_hand_computed_month(may):
    now = moment(6, 2)
    result = outcome_figures(month=MAY, now=now)
    genteng, muncar, regency = (by_code(result, k) for k in (GENTENG, MUNCAR, None))
    # Genteng: listed P1 P2 P3 = 3, reached P1 P2 = 2, funded P1 = 1, visited P1 = 1; newly
    # reached P1 (40 days) and P2 (20 days): median 30. Meals planned P1 21 days x 2 = 42,
    # P2 11 days x 2 = 22: 64; delivered 8 x 2 = 16.
    assert (genteng.listed, genteng.reached, genteng.funded, genteng.reached_visited) == (
        3,
        2,
        1,
        1,
    )
    assert (genteng.newly_reached, genteng.days_to_reach_median) == (2, 30.0)
    assert (genteng.meals_planned, genteng.meals_delivered) == (64, 16)
    # Muncar: P4 alone: 31 x 2 = 62 planned and delivered; 10 days.
    assert (muncar.listed, muncar.reached, muncar.funded, muncar.reached_visited) == (1, 1, 0, 1)
    assert (muncar.newly_reached, muncar.days_to_reach_median) == (1, 10.0)
    # The regency: the median of 40, 20, 10 is 20 (not a mean of the kecamatan's medians).
    assert (regency.listed, regency.reached, regency.funded, regency.reached_visited) == (
        4,
        3,
        1,
        2,
    )
    assert (regency.newly_reached, regency.days_to_reach_median) == (3, 20.0)

    targets = targets_in_force(MAY, now=now)
    genteng_pk = Kecamatan.objects.get(code=GENTENG).pk
    muncar_pk = Kecamatan.objects.get(code=MUNCAR).pk
    # Genteng: 2/3 = 66.7 % reached against its own 60 (met); 16/64 = 25.0 % delivered against
    # the regency's 90; 1/2 = 50.0 % visited against 50 (met: equal); 1/3 = 33.3 % funded
    # against 40; 30 days against 30 (met).
    assert table(compare(genteng, targets, genteng_pk)) == {
        IND.REACHED: (66.7, 60.0, True),
        IND.DELIVERED: (25.0, 90.0, False),
        IND.VISITED: (50.0, 50.0, True),
        IND.FUNDED: (33.3, 40.0, False),
        IND.DAYS: (30.0, 30.0, True),
    }
    # Muncar has no own target: the regency's. 1/1, 62/62, 1/1, 0/1, 10 days.
    assert table(compare(muncar, targets, muncar_pk)) == {
        IND.REACHED: (100.0, 80.0, True),
        IND.DELIVERED: (100.0, 90.0, True),
        IND.VISITED: (100.0, 50.0, True),
        IND.FUNDED: (0.0, 40.0, False),
        IND.DAYS: (10.0, 30.0, True),
    }
    # The regency: 3/4 = 75.0, 78/126 = 61.9, 2/3 = 66.7, 1/4 = 25.0, 20 days.
    regency_rows = compare(regency, targets, None)
    assert table(regency_rows) == {
        IND.REACHED: (75.0, 80.0, False),
        IND.DELIVERED: (61.9, 90.0, False),
        IND.VISITED: (66.7, 50.0, True),
        IND.FUNDED: (25.0, 40.0, False),
        IND.DAYS: (20.0, 30.0, True),
    }
    # Short by 5 points of reach; 10 days faster than the target.
    gaps = {c.indicator: c.gap for c in regency_rows}
    assert gaps[IND.REACHED] == 5.0 and gaps[IND.DAYS] == -10.0


def test_a_later_target_never_rewrites_a_past_month(may):
    lead = may["lead"]
    genteng_pk = Kecamatan.objects.get(code=GENTENG).pk
    with at(6, 10):
        outcome_target_set(
            actor=lead, year=2026, indicator=IND.REACHED, value="70", reason="Revised"
        )
    now = moment(6, 12)
    # May ended before the change: still 80 for the regency, Genteng's own 60.
    may_targets = targets_in_force(MAY, now=now)
    assert may_targets[(None, IND.REACHED)] == Decimal("80.0")
    assert may_targets[(genteng_pk, IND.REACHED)] == Decimal("60.0")
    # April ended before Genteng had its own: the regency's 80 for it.
    april = targets_in_force(datetime.date(2026, 4, 1), now=now)
    assert (genteng_pk, IND.REACHED) not in april and april[(None, IND.REACHED)] == Decimal("80.0")
    # June, running: the new 70.
    assert targets_in_force(datetime.date(2026, 6, 1), now=now)[(None, IND.REACHED)] == 70
    # Every setting is kept, with who and when.
    history = list(
        OutcomeTarget.objects.filter(indicator=IND.REACHED, kecamatan=None).values_list(
            "value", "set_by", "set_at"
        )
    )
    assert [(v, by) for v, by, _ in history] == [
        (Decimal("80.0"), lead.pk),
        (Decimal("70.0"), lead.pk),
    ]
    assert history[1][2] == moment(6, 10)
    # And the rows cannot be rewritten.
    with pytest.raises(TypeError):
        OutcomeTarget.objects.filter(year=2026).update(value=1)
    row = OutcomeTarget.objects.first()
    row.value = Decimal("1")
    with pytest.raises(TypeError):
        row.save()


@pytest.mark.parametrize(
    ("indicator", "value", "message"),
    [
        (IND.REACHED, "101", "between 0 and 100"),
        (IND.FUNDED, "-1", "between 0 and 100"),
        (IND.DAYS, "-0.5", "fewer than 0"),
        (IND.DAYS, "lots", "as a number"),
        (IND.VISITED, "NaN", "as a number"),
        ("nothing", "10", "Unknown indicator"),
    ],
)
def test_bad_targets_are_refused_and_change_nothing(indicator, value, message):
    lead = make_official(Role.LEAD_REVIEWER)
    with pytest.raises(ValidationError, match=message):
        outcome_target_set(actor=lead, year=2026, indicator=indicator, value=value)
    assert not OutcomeTarget.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.TARGET_SET).exists()


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.DATA_OFFICER, Role.FINANCE_OFFICER])
def test_only_lead_reviewers_and_administrators_set_targets(role, client):
    official = make_official(role, kecamatan=(GENTENG,) if role == Role.REVIEWER else ())
    with pytest.raises(PermissionDenied):
        outcome_target_set(actor=official, year=2026, indicator=IND.REACHED, value="50")
    client.force_login(official)
    url = reverse("outcomes:targets")
    response = client.post(url, {"year": 2026, "indicator": IND.REACHED, "value": "50"})
    assert response.status_code == 403
    assert not OutcomeTarget.objects.exists()


@pytest.mark.parametrize("role", [Role.LEAD_REVIEWER, Role.ADMINISTRATOR])
def test_the_target_form_sets_audits_and_refreshes_the_public_pages(role, client):
    from core import pagecache

    official = make_official(role)
    client.force_login(official)
    url = reverse("outcomes:targets")
    before = pagecache.versions_token([pagecache.IMPACT])
    response = client.post(
        url,
        {"year": 2026, "kecamatan": GENTENG, "indicator": IND.DAYS, "value": "21,5", "reason": "x"},
    )
    assert response.status_code == 302
    target = OutcomeTarget.objects.get()
    assert (target.value, target.kecamatan.code, target.set_by) == (
        Decimal("21.5"),
        GENTENG,
        official,
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.TARGET_SET)
    assert event.actor_ref == official.public_ref and event.target.endswith(GENTENG)
    assert pagecache.versions_token([pagecache.IMPACT]) != before
    # The target as the page's language writes it (core.numbers), with its unit.
    assert "21,5 hari" in client.get("/petugas/makan/capaian/target/").content.decode()
    assert "21.5 days" in client.get("/en/petugas/makan/capaian/target/").content.decode()


def test_the_target_form_shows_a_translated_error_and_changes_nothing(client):
    client.force_login(make_official(Role.LEAD_REVIEWER))
    for url in ("/en/petugas/makan/capaian/target/", "/petugas/makan/capaian/target/"):
        response = client.post(url, {"year": 2026, "indicator": IND.REACHED, "value": "150"})
        assert response.status_code == 400
        assert 'id="id_value-errors"' in response.content.decode()
    assert "between 0 and 100" in response.content.decode() or "antara 0" in (
        response.content.decode()
    )
    response = client.post(
        "/en/petugas/makan/capaian/target/", {"year": 1900, "indicator": IND.DAYS, "value": "3"}
    )
    assert response.status_code == 400
    assert not OutcomeTarget.objects.exists()


def test_a_target_change_refreshes_the_cached_impact_page(may, client, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    with at(6, 3):
        outcomes_refresh(month=datetime.date(2026, 6, 1))
        url = "/en/dampak/?bulan=2026-06"
        before = client.get(url).content.decode()
        assert "30.0 days" in before and "12.0 days" not in before
        assert client.get(url).content.decode() == before  # served from the cache
        outcome_target_set(actor=may["lead"], year=2026, indicator=IND.DAYS, value="12")
        after = client.get(url).content.decode()
    assert "12.0 days" in after and "30.0 days" not in after


def test_public_pages_and_open_data_carry_targets_but_no_single_persons_days(may, client):
    with at(6, 2):
        outcomes_refresh(month=MAY)
        rows = client.get("/api/v1/outcomes/?month=2026-05").json()
        csv_text = client.get("/api/v1/outcomes/csv/?month=2026-05").content.decode()
        page = client.get("/en/dampak/?bulan=2026-05").content.decode()
    regency = next(r for r in rows if r["kecamatan_code"] == "")
    assert regency["reached_share"] == 75.0 and regency["reached_share_target"] == 80.0
    assert regency["days_to_reach_target"] == 30.0
    # Three people made the median (fewer than five): not public.
    assert regency["days_to_reach"] is None
    genteng = next(r for r in rows if r["kecamatan_code"] == GENTENG)
    assert genteng["reached_share_target"] == 60.0 and genteng["days_to_reach"] is None
    assert "reached_share_target" in csv_text.splitlines()[0]
    assert "Against the regency" in page and "short by 5.0 points" in page
    for person in (may["p1"], may["p2"], may["p3"], may["p4"]):
        for text in (json.dumps(rows), csv_text, page):
            assert person.pseudonym not in text
            assert person.name not in text
            assert person.public_id not in text
    assert "Ibu Lead" not in page and "Ibu Lead" not in json.dumps(rows)


def test_the_officials_page_ranks_kecamatan_by_distance_to_target(may, client):
    client.force_login(may["lead"])
    with at(6, 2):
        outcomes_refresh(month=MAY)
        response = client.get(reverse("outcomes:figures"), {"bulan": "2026-05", "urut": IND.FUNDED})
    assert response.status_code == 200
    ranked = [label for label, _rows in response.context["ranked"]]
    # Funded: Muncar 0 % against 40 (40 points short) before Genteng 33.3 % (6.7 short);
    # kecamatan without people (no figure) after them.
    assert ranked[:2] == ["Muncar", "Genteng"]
    body = response.content.decode()
    assert body.count('id="targets"') == 1
    assert re.search(r"<title>[^<]*</title>", body)  # the title holds no markup
    # Officials see the median the public does not.
    assert "20.0 days" in body or "20,0 hari" in body


def names(rows):
    return [row.pseudonym for row in rows]


def test_the_officials_lists_hold_the_hand_computed_people(may):
    lead = may["lead"]
    p1, p2, p3, p4 = (may[k] for k in ("p1", "p2", "p3", "p4"))
    now = moment(5, 31, 12)
    # Over 60 days listed and not reached: P3 (1 February to 31 May: 119 days).
    not_reached = people_list(lead, "not-reached", now=now)
    assert names(not_reached) == [p3.pseudonym] and not_reached[0].days_to_reach == 119
    # Reached and not visited for 30 days: P2 (never visited; P1 on 20 May, P4 on 5 May).
    not_visited = people_list(lead, "not-visited", now=now)
    assert names(not_visited) == [p2.pseudonym]
    assert not_visited[0].days_to_reach == 20 and not_visited[0].last_visit_on is None
    # Unfunded in May: all but P1, longest listed first; P4 reached after 10 days.
    unfunded = people_list(lead, "unfunded", now=now)
    assert names(unfunded) == [p3.pseudonym, p4.pseudonym, p2.pseudonym]
    assert [row.days_to_reach for row in unfunded] == [119, 10, 20]
    assert p1.pseudonym not in names(unfunded)
    # Each opening is logged.
    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.PII_VIEW, target__startswith="outcomes.list:"
        ).count()
        == 3
    )


def test_the_lists_keep_to_the_reviewers_kecamatan(may, client):
    now = moment(5, 31, 12)
    genteng = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    muncar = make_official(Role.REVIEWER, kecamatan=(MUNCAR,))
    other_code = Kecamatan.objects.exclude(code__in=[GENTENG, MUNCAR]).first().code
    elsewhere = make_official(Role.REVIEWER, kecamatan=(other_code,))
    assert names(people_list(genteng, "unfunded", now=now)) == [
        may["p3"].pseudonym,
        may["p2"].pseudonym,
    ]
    assert names(people_list(muncar, "unfunded", now=now)) == [may["p4"].pseudonym]
    for kind in ("not-reached", "not-visited", "unfunded"):
        assert people_list(elsewhere, kind, now=now) == []
        assert people_list(muncar, kind, now=now) == [] or kind == "unfunded"
    # The page links each person to the person page, by pseudonym only.
    client.force_login(genteng)
    with at(5, 31, 12):
        body = client.get(reverse("outcomes:people", args=["unfunded"])).content.decode()
    assert f"/petugas/lansia/{may['p3'].public_id}/" in body
    assert may["p3"].name not in body and may["p4"].pseudonym not in body


@pytest.mark.parametrize("role", [Role.DATA_OFFICER, Role.FINANCE_OFFICER, Role.HEALTH_INSPECTOR])
def test_roles_without_every_section_may_not_open_the_lists(role, client):
    client.force_login(make_official(role))
    assert client.get(reverse("outcomes:people", args=["unfunded"])).status_code == 403


def test_an_unknown_list_is_not_found(client):
    client.force_login(make_official(Role.LEAD_REVIEWER))
    assert client.get(reverse("outcomes:people", args=["everyone"])).status_code == 404


def test_a_share_is_written_as_every_share_is_with_nothing_to_break_at():
    # core.numbers: the sign against the number ("50,0%"), so a phone never breaks the two
    # apart in the 360 px target table (tests/e2e/test_targets_on_a_phone.py measures it).
    from types import SimpleNamespace

    from django.utils import translation

    from outcomes.templatetags.outcome_tags import indicator_target, indicator_value

    share = SimpleNamespace(value=50.0, target=62.5, unit="%")
    days = SimpleNamespace(value=21.5, target=30, unit="days")
    with translation.override("id"):
        assert (indicator_value(share), indicator_target(share)) == ("50,0%", "62,5%")
        assert indicator_value(days).startswith("21,5 ")
    with translation.override("en"):
        assert (indicator_value(share), indicator_target(share)) == ("50.0%", "62.5%")
        assert indicator_target(days) == "30.0 days"
