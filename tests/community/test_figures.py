"""Community reports: referrals received, verified and reached per kecamatan per month (WIB),
the figures the outcome reports read (community.selectors.referral_figures)."""

import datetime

import pytest
import time_machine

from accounts.models import Role
from community.selectors import referral_figures
from community.services.referrals import referral_confirm, referral_submit, referral_verify
from portal.models import Status
from portal.services.lifecycle import recipient_transition
from regions.models import Kecamatan
from tests.factories import GENTENG, MUNCAR, make_official
from tests.factories.community import code_for, village_of

pytestmark = pytest.mark.django_db

WIB = datetime.timezone(datetime.timedelta(hours=7))


def received(at, *, kecamatan=GENTENG, phone="081200000001"):
    with time_machine.travel(at, tick=False):
        referral = referral_submit(
            village=village_of(kecamatan), needs=["daily_meals"], phone=phone, consent=True
        )
        return referral_confirm(referral=referral, code=code_for(referral))


def test_months_are_counted_in_wib_per_kecamatan():
    officer = make_official(Role.DATA_OFFICER)
    lead = make_official(Role.LEAD_REVIEWER)
    # 31 December 23:30 WIB is still December; 1 January 00:30 WIB is January (17:30 UTC).
    december = received(datetime.datetime(2026, 12, 31, 23, 30, tzinfo=WIB), phone="081200000001")
    january = received(datetime.datetime(2027, 1, 1, 0, 30, tzinfo=WIB), phone="081200000002")
    received(
        datetime.datetime(2027, 1, 5, 9, 0, tzinfo=WIB), kecamatan=MUNCAR, phone="081200000003"
    )
    with time_machine.travel(datetime.datetime(2027, 1, 10, 10, 0, tzinfo=WIB), tick=False):
        person, _warnings = referral_verify(
            referral=december,
            actor=officer,
            raw={
                "nik": "3510094107450003",
                "name": "Siti",
                "sex": "P",
                "birth_date": "01-07-1945",
                "address": "Krajan",
                "village_code": village_of().code,
            },
        )
    person.pseudonym, person.story = "Mbah Siti", "Cerita."
    person.public_needs, person.monthly_need = ["daily_meals"], 720_000
    person.save()
    recipient_transition(recipient=person, to_status=Status.IN_REVIEW, actor=officer)
    recipient_transition(recipient=person, to_status=Status.PUBLISHED, actor=lead)
    with time_machine.travel(datetime.datetime(2027, 2, 1, 0, 15, tzinfo=WIB), tick=False):
        recipient_transition(recipient=person, to_status=Status.REACHED, actor=lead)
    assert january.status == "open"

    figures = {(f.kecamatan_code, f.month): f for f in referral_figures()}
    dec, jan, feb = datetime.date(2026, 12, 1), datetime.date(2027, 1, 1), datetime.date(2027, 2, 1)
    assert (figures[(GENTENG, dec)].received, figures[(GENTENG, dec)].verified) == (1, 0)
    assert (figures[(GENTENG, jan)].received, figures[(GENTENG, jan)].verified) == (1, 1)
    assert figures[(GENTENG, feb)].reached == 1
    assert figures[(MUNCAR, jan)].received == 1
    assert figures[(MUNCAR, jan)].kecamatan == "Muncar"
    assert len(figures) == 4

    only_january = referral_figures(since=jan, until=datetime.date(2027, 1, 31))
    assert {(f.kecamatan_code, f.received, f.verified, f.reached) for f in only_january} == {
        (GENTENG, 1, 1, 0),
        (MUNCAR, 1, 0, 0),
    }
    muncar_only = referral_figures(kecamatan=Kecamatan.objects.filter(code=MUNCAR))
    assert [f.kecamatan_code for f in muncar_only] == [MUNCAR]


def test_an_unverified_referral_is_not_counted():
    referral_submit(village=village_of(), needs=["daily_meals"], phone="081200000009", consent=True)
    assert referral_figures() == []
