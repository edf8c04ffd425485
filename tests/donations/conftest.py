"""Fixtures of the donations tests (helpers that are plain functions: tests/factories/donations.py).

Every test here runs with the sandbox gateway and a known webhook secret; Celery is eager in
the test settings, so a fee fetch queued on commit runs at once through the sandbox.
"""

import pytest

from portal.models import Status
from tests.factories.donations import (
    MIDTRANS_TEST_KEY,
    TEST_WEBHOOK_SECRET,
    CollectionPeriodFactory,
    finance_officers,
)
from tests.factories.meals import warung_in
from tests.factories.portal import RecipientFactory
from tests.midtrans_api import LocalMidtrans


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


@pytest.fixture(scope="session")
def midtrans_server():
    """One local Midtrans for the whole run (a real socket: the client's timeouts, headers and
    base addresses are what is tested)."""
    with LocalMidtrans(MIDTRANS_TEST_KEY) as api:
        yield api


@pytest.fixture
def midtrans(settings, midtrans_server):
    """Midtrans itself (not its sandbox) stands for QRIS, e-wallets and virtual accounts, at
    the local server; cards would go to Stripe (these tests open none)."""
    settings.PAYMENTS_SANDBOX = False
    settings.MIDTRANS_ENABLED = True
    settings.MIDTRANS_SERVER_KEY = MIDTRANS_TEST_KEY
    settings.MIDTRANS_PRODUCTION = False
    settings.MIDTRANS_API_BASE = midtrans_server.base
    settings.MIDTRANS_SNAP_BASE = midtrans_server.base
    settings.MIDTRANS_NOTIFICATION_URL = (
        "https://portal.example.org/donations/midtrans/notification/"
    )
    midtrans_server.failing = False
    midtrans_server.delay = 0.0
    midtrans_server.requests.clear()
    return midtrans_server
