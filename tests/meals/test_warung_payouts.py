"""The warung's daily link shows the warung its own payments (disbursements) of this month
and the two before, and their state, in totals: never another warung's, never who the meals
were for beyond the day's list, never the proof or an officer's note."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.time import months_before, today_wib
from donations.services.funds import LineInput, disbursement_decide
from meals.registry import PayoutState
from tests.factories import GENTENG, MUNCAR
from tests.factories.finance import disbursement, fund, listed_person, officer
from tests.factories.meals import plan_for, warung_in

pytestmark = pytest.mark.django_db
TODAY = today_wib()
DAY = datetime.timedelta(days=1)
SINCE = months_before(TODAY, 2)  # this month and the two before


@pytest.fixture
def officers():
    return officer(), officer()


@pytest.fixture
def warung():
    return warung_in(GENTENG)


@pytest.fixture
def person(warung):
    person = listed_person(kecamatan_code=GENTENG, pseudonym="Mbah Sumi")
    plan_for(person, warung, starts_on=TODAY - 5 * DAY)
    return person


def link(warung, lang="/en"):
    from meals.services.deliveries import delivery_link_token

    return f"{lang}/antar/{delivery_link_token(warung=warung, day=TODAY)}/"


def line_for(person, *, amount, portions=10, start=None, end=None):
    return LineInput(
        recipient_id=person.pk,
        period_start=start or TODAY - 9 * DAY,
        period_end=end or TODAY - DAY,
        portions=portions,
        amount=amount,
        from_general=True,
    )


def pay(officers, warung, person, *, paid_on, reference, amount=120_000, decide=True, **line):
    """A disbursement recorded by one officer and, unless ``decide`` is False, approved (or,
    with ``decide="reject"``, rejected) by the other."""
    first, second = officers
    recorded = disbursement(
        first,
        [line_for(person, amount=amount, **line)],
        warung=warung,
        paid_on=paid_on,
        reference=reference,
    )
    if decide == "reject":
        return disbursement_decide(
            disbursement=recorded,
            actor=second,
            approve=False,
            note="Jumlah porsi Mbah Sumi salah",
        )
    if decide:
        return disbursement_decide(disbursement=recorded, actor=second, approve=True)
    return recorded


@pytest.fixture
def funded(officers):
    fund(*officers, amount=5_000_000)  # the general fund pays the lines


def test_the_link_shows_the_warungs_own_payments_of_three_months_with_their_state(
    client, officers, warung, person, funded
):
    pay(officers, warung, person, paid_on=TODAY, reference="TRF-PAID", amount=144_000)
    pay(officers, warung, person, paid_on=SINCE + 20 * DAY, reference="TRF-WAIT", decide=False)
    pay(officers, warung, person, paid_on=SINCE, reference="TRF-REJECTED", decide="reject")
    pay(officers, warung, person, paid_on=SINCE - DAY, reference="TRF-TOO-OLD")
    other = warung_in(MUNCAR, name="Warung Lain")
    someone = listed_person(kecamatan_code=MUNCAR, pseudonym="Mbah Lain")
    pay(officers, other, someone, paid_on=TODAY, reference="TRF-OTHER", amount=999_000)

    response = client.get(link(warung))
    assert response.status_code == 200
    page = response.content.decode()
    payouts = response.context["payouts"]
    assert [p.reference for p in payouts] == ["TRF-PAID", "TRF-WAIT", "TRF-REJECTED"]
    assert [p.state for p in payouts] == [
        PayoutState.PAID,
        PayoutState.CHECKING,
        PayoutState.NOT_CONFIRMED,
    ]
    assert f"Since {SINCE:%-d %B %Y} (this month and the two before)" in page
    assert "Latest payment: Rp144.000." in page
    assert f"Paid on {TODAY:%-d %B %Y}" in page
    assert "Being checked" in page and "a second finance officer still has to confirm" in page
    assert "Not confirmed" in page and f"transfer of {SINCE:%-d %B %Y}" in page
    assert "For 10 portions delivered from" in page
    # Nothing older than the window, nothing of another warung.
    for absent in ("TRF-TOO-OLD", "TRF-OTHER", "Rp999.000", "Mbah Lain"):
        assert absent not in page


def test_the_payments_say_nothing_of_the_people_the_proof_or_the_officers_note(
    client, officers, warung, person, funded
):
    # A person paid for who is no longer on the day's list (their plan was elsewhere).
    gone = listed_person(kecamatan_code=GENTENG, pseudonym="Mbah Pergi")
    pay(officers, warung, gone, paid_on=TODAY, reference="TRF-1")
    pay(officers, warung, person, paid_on=TODAY, reference="TRF-2", decide="reject")
    page = client.get(link(warung)).content.decode()
    assert "TRF-1" in page and "TRF-2" in page
    for secret in (
        "Mbah Pergi",
        gone.name,
        gone.nik,
        gone.address,
        person.name,
        person.nik,
        "Jumlah porsi",  # the officer's reason for rejecting
        "Transfer Bank Jatim",  # the proof's summary
        "/petugas/keuangan/",  # no way into the finance pages
    ):
        assert secret not in page


def test_a_link_without_payments_says_so(client, warung, person):
    page = client.get(link(warung)).content.decode()
    assert f"No payment to this warung recorded since {SINCE:%-d %B %Y}." in page


def test_the_payments_cost_one_query_however_many(client, officers, warung, person, funded):
    pay(officers, warung, person, paid_on=TODAY, reference="TRF-A")
    with CaptureQueriesContext(connection) as one:
        client.get(link(warung))
    for n in range(4):
        pay(officers, warung, person, paid_on=TODAY - n * DAY, reference=f"TRF-B{n}")
    with CaptureQueriesContext(connection) as five:
        response = client.get(link(warung))
    assert len(response.context["payouts"]) == 5
    assert len(five) == len(one)
    assert sum("donations_disbursement" in q["sql"] for q in five.captured_queries) == 1


def test_the_links_signature_still_guards_the_payments(client, officers, warung, person, funded):
    from django.core import signing

    from meals.services.deliveries import LINK_SALT, delivery_link_token

    pay(officers, warung, person, paid_on=TODAY, reference="TRF-SECRET")
    token = delivery_link_token(warung=warung, day=TODAY)
    expired = delivery_link_token(warung=warung, day=TODAY - 2 * DAY)
    other_salt = signing.dumps({"w": warung.pk, "d": TODAY.isoformat()}, salt="another")
    tampered = token[:-2] + ("aa" if not token.endswith("aa") else "bb")
    assert LINK_SALT != "another"
    for bad in (expired, other_salt, tampered, "garbage"):
        response = client.get(f"/en/antar/{bad}/")
        assert response.status_code == 404
        assert "TRF-SECRET" not in response.content.decode()
    assert "TRF-SECRET" in client.get(f"/en/antar/{token}/").content.decode()


def test_the_indonesian_page_shows_the_payments_in_rupiah(client, officers, warung, person, funded):
    pay(officers, warung, person, paid_on=TODAY, reference="TRF-ID", amount=1_440_000)
    response = client.get(link(warung, lang=""))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="payouts"' in page and "Rp1.440.000" in page and "TRF-ID" in page


def test_months_before_counts_whole_months_across_a_new_year():
    assert months_before(datetime.date(2026, 1, 31), 2) == datetime.date(2025, 11, 1)
    assert months_before(datetime.date(2026, 3, 1), 2) == datetime.date(2026, 1, 1)
    assert months_before(datetime.date(2026, 12, 15), 0) == datetime.date(2026, 12, 1)


def test_every_disbursement_decision_has_a_state_for_the_warung():
    from donations.models import Decision
    from donations.selectors.warung import STATES

    assert set(STATES) == set(Decision.values)
