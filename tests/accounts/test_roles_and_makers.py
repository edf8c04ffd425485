"""The shared pieces of who may do what: maker-checker, and who holds a role."""

import pytest

from accounts.models import Role
from accounts.permissions import is_second_person
from accounts.selectors import lead_reviewers, reviewers_of_kecamatan, users_with_role
from tests.factories import GENTENG, MUNCAR, UserFactory, make_official

pytestmark = pytest.mark.django_db


def test_a_maker_is_known_by_key_or_by_public_ref_and_nobody_made_is_no_maker():
    maker, other = UserFactory(), UserFactory()
    assert not is_second_person(maker, maker.pk)
    assert not is_second_person(maker, None, maker.public_ref)
    assert is_second_person(other, maker.pk, maker.public_ref)
    assert is_second_person(other, None)
    assert is_second_person(other)


def test_users_with_a_role_are_the_active_ones_once_each():
    lead = make_official(Role.LEAD_REVIEWER)
    gone = make_official(Role.LEAD_REVIEWER)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    make_official(Role.REVIEWER, kecamatan=[GENTENG])
    assert list(lead_reviewers()) == [lead]
    assert list(users_with_role(Role.LEAD_REVIEWER)) == [lead]


def test_a_kecamatan_without_active_reviewers_falls_back_to_the_lead_reviewers():
    lead = make_official(Role.LEAD_REVIEWER)
    both = make_official(Role.REVIEWER, kecamatan=[GENTENG, MUNCAR])
    away = make_official(Role.REVIEWER, kecamatan=[GENTENG])
    away.is_active = False
    away.save(update_fields=["is_active"])
    granted = both.role_grants.get().kecamatan
    genteng, muncar = granted.get(code=GENTENG).pk, granted.get(code=MUNCAR).pk
    assert list(reviewers_of_kecamatan(genteng)) == [both]
    assert list(reviewers_of_kecamatan(muncar)) == [both]

    both.is_active = False
    both.save(update_fields=["is_active"])
    assert list(reviewers_of_kecamatan(genteng)) == [lead]
