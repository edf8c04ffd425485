import pytest

from accounts.models import Role
from tests.factories import GENTENG, MUNCAR, make_official
from tests.factories.volunteers import StudentFactory, VisitSlotFactory


@pytest.fixture
def student(db):
    return StudentFactory()


@pytest.fixture
def slot(db):
    return VisitSlotFactory()


@pytest.fixture
def reviewer(db):
    return make_official(Role.REVIEWER, kecamatan=(GENTENG,))


@pytest.fixture
def muncar_reviewer(db):
    return make_official(Role.REVIEWER, kecamatan=(MUNCAR,))
