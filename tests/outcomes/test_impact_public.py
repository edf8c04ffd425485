"""The public impact page and its open data: counts only, no personal data, and a cached
page that a refresh with new figures replaces at once."""

import csv
import datetime
import io

import pytest

from accounts.models import Role
from meals.services.deliveries import delivery_mark
from outcomes.services import outcomes_refresh
from tests.factories import GENTENG, make_official
from tests.factories.meals import plan_for, warung_in
from tests.factories.portal import RecipientFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


@pytest.fixture
def people():
    warung = warung_in(GENTENG)
    lead = make_official(Role.LEAD_REVIEWER)
    reached = RecipientFactory(kecamatan_code=GENTENG, publishable=True, status="published")
    plan = plan_for(reached, warung, actor=lead)
    delivery_mark(plan=plan, day=TODAY, mark="delivered", concern="Sesak napas")
    listed = RecipientFactory(kecamatan_code=GENTENG, publishable=True, status="published")
    elsewhere = RecipientFactory(kecamatan_code=GENTENG, status="served_elsewhere")
    outcomes_refresh(month=TODAY)
    return [reached, listed, elsewhere]


def secrets_of(people):
    values = []
    for person in people:
        values += [person.name, person.nik, person.address, person.family_phone, person.public_id]
        if person.pseudonym:
            values.append(person.pseudonym)
        if person.birth_date:
            values.append(person.birth_date.isoformat())
    return [v for v in values if v] + ["Sesak napas"]


def test_the_impact_page_shows_counts_and_no_person(client, people):
    response = client.get("/dampak/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page and 'id="impact-table"' in page
    regency = response.context["regency"]
    assert (regency.listed, regency.reached, regency.meals_delivered) == (2, 1, 2)
    for secret in secrets_of(people):
        assert secret not in page, secret
    assert not hasattr(regency, "served_elsewhere")
    assert client.get("/en/dampak/").status_code == 200


def test_open_data_has_public_figures_only(client, people):
    data = client.get("/api/v1/outcomes/").json()
    regency = next(row for row in data if row["kecamatan_code"] == "")
    assert (regency["listed"], regency["reached"], regency["meals_delivered"]) == (2, 1, 2)
    assert "served_elsewhere" not in regency and "not_home" not in regency
    response = client.get("/api/v1/outcomes/csv/", {"month": TODAY.strftime("%Y-%m")})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 26 and "served_elsewhere" not in rows[0]
    raw = client.get("/api/v1/outcomes/").content.decode() + response.content.decode()
    for secret in secrets_of(people):
        assert secret not in raw, secret


def test_a_bad_month_is_a_clear_400(client, people):
    response = client.get("/api/v1/outcomes/", {"month": "2026-13"})
    assert response.status_code == 400
    assert "month" in response.json()


def test_the_cached_page_is_replaced_when_the_figures_change(client, people, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 300
    first = client.get("/dampak/")
    assert first.context["regency"].reached == 1
    RecipientFactory(kecamatan_code=GENTENG, publishable=True, status="published")
    assert client.get("/dampak/").content == first.content  # served from the cache
    assert outcomes_refresh(month=TODAY) is True
    again = client.get("/dampak/")
    assert again.context["regency"].listed == 3


def test_the_officials_figures_show_everything_to_officials_only(client, people):
    client.force_login(make_official(Role.HEALTH_INSPECTOR))
    response = client.get("/petugas/makan/capaian/")
    assert response.status_code == 200
    _label, regency = response.context["rows"][0]
    assert (regency.served_elsewhere, regency.reached) == (1, 1)
    client.force_login(make_official(Role.SCHOOL_COORDINATOR))
    assert client.get("/petugas/makan/capaian/").status_code == 403
