"""Fixtures of the donations tests (helpers that are plain functions: tests/factories/donations.py).

Every test here runs with the sandbox gateway and a known webhook secret; Celery is eager in
the test settings, so a fee fetch queued on commit runs at once through the sandbox.
"""

import pytest

from portal.models import Status
from tests.factories.donations import (
    TEST_WEBHOOK_SECRET,
    CollectionPeriodFactory,
    finance_officers,
)
from tests.factories.meals import warung_in
from tests.factories.portal import RecipientFactory


@pytest.fixture(autouse=True)
def _payments(settings):
    settings.PAYMENTS_SANDBOX = True
    settings.STRIPE_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET
    settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300
    settings.PAYMENTS_RECONCILE_AFTER_MINUTES = 60


@pytest.fixture
def recipient(db):
    """A published listing (a person's earmarked pot)."""
    return RecipientFactory(publishable=True, status=Status.PUBLISHED)


@pytest.fixture
def officers(db):
    """Two finance officers: one proposes or matches, the other approves or confirms."""
    return finance_officers(2)


@pytest.fixture
def period(db):
    """The collection period around today (cap 10 %)."""
    return CollectionPeriodFactory()


@pytest.fixture
def warung(db):
    return warung_in()
