"""The queue page's queries do not grow with its items: the official's roles and scope are
read once per page, not once per item's person (nor per kecamatan of those people)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from attention.models import Item, Kind
from attention.services import item_open
from regions.models import Kecamatan
from tests.factories import make_official
from tests.factories.portal import RecipientFactory

pytestmark = pytest.mark.django_db
N = 4


def codes(count):
    return list(Kecamatan.objects.order_by("code").values_list("code", flat=True)[:count])


def open_items(count):
    """``count`` concerns, each about a person in another kecamatan (the matrix asked
    once per kecamatan would still grow with them)."""
    start = Item.objects.count()
    for n, code in enumerate(codes(count), start=start):
        person = RecipientFactory(kecamatan_code=code, publishable=True, status="published")
        item_open(
            Kind.CONCERN,
            key=f"c:{n}",
            kecamatan_id=person.kecamatan_id,
            recipient=person,
            announce=False,
        )


def queue_queries(client, user, count):
    Item.objects.all().delete()
    open_items(count)
    client.force_login(user)
    client.get(reverse("attention:queue"))  # the session and its caches warm
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("attention:queue")).content.decode()
    assert page.count('href="/petugas/lansia/') == count
    return len(queries)


@pytest.mark.parametrize(
    "official",
    [
        lambda: make_official(Role.LEAD_REVIEWER),
        lambda: make_official(Role.REVIEWER, kecamatan=tuple(codes(3 * N))),
    ],
    ids=["lead_reviewer", "kecamatan_reviewer"],
)
def test_the_queue_reads_the_same_queries_for_n_and_3n_items(client, official):
    user = official()
    few = queue_queries(client, user, N)
    many = queue_queries(client, user, 3 * N)
    assert few == many, f"{few} queries for {N} items, {many} for {3 * N}"
