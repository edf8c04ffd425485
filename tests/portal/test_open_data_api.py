"""Open data: /api/v1/listings/, read by anybody, built from the public profile only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone, translation
from rest_framework.permissions import AllowAny
from rest_framework.throttling import AnonRateThrottle

from portal.models import Need, PhotoConsent, Status
from tests.factories import GENTENG, MUNCAR
from tests.portal.test_public_pages import listed, spread, village_of

LIST_URL = "/api/v1/listings/"

PUBLIC_FIELDS = {
    "public_id",
    "url",
    "pseudonym",
    "age_band",
    "kecamatan",
    "kecamatan_code",
    "village",
    "needs",
    "need_codes",
    "story",
    "photo_url",
    "monthly_need",
    "published_at",
}


def test_the_addresses_are_the_documented_ones():
    assert reverse("api_listing_list") == LIST_URL
    assert reverse("api_listing_detail", args=["abc"]) == "/api/v1/listings/abc/"


def test_anybody_reads_the_listings_without_a_token(client, db):
    person = listed(pseudonym="Mbah Api", needs=(Need.DAILY_MEALS, Need.HOME_REPAIR))
    response = client.get(LIST_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["count"] == 1
    assert body["next"] is None
    assert body["previous"] is None
    [item] = body["results"]
    assert set(item) == PUBLIC_FIELDS
    assert item["public_id"] == person.public_id
    assert item["url"] == f"http://testserver/lansia/{person.public_id}/"
    assert item["pseudonym"] == "Mbah Api"
    assert item["age_band"] == "70–79"
    assert item["kecamatan"] == "Genteng"
    assert item["kecamatan_code"] == GENTENG
    assert item["village"] is None  # one person in the village: not named
    assert item["need_codes"] == ["daily_meals", "home_repair"]
    assert item["needs"] == [str(Need.DAILY_MEALS.label), str(Need.HOME_REPAIR.label)]
    assert item["monthly_need"] == 720_000
    assert item["photo_url"] is None
    assert item["published_at"] == timezone.localdate(person.published_at).isoformat()


def test_a_token_sent_along_changes_nothing(client, db):
    listed()
    response = client.get(LIST_URL, HTTP_AUTHORIZATION="Token not-a-real-token")
    assert response.status_code == 200


def test_the_views_are_open_and_throttled_whatever_the_default(db, settings):
    assert settings.REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] == [
        "rest_framework.permissions.IsAuthenticated"
    ]
    for url in (LIST_URL, "/api/v1/listings/abc/"):
        view = resolve(url).func.cls
        assert view.permission_classes == [AllowAny]
        assert view.throttle_classes == [AnonRateThrottle]
        assert view.authentication_classes == []
        assert set(view.http_method_names) == {"get", "head", "options"}


def test_writing_is_refused(client, db):
    person = listed()
    assert client.post(LIST_URL, {}).status_code == 405
    assert client.delete(f"{LIST_URL}{person.public_id}/").status_code == 405


def test_the_list_filters_by_kecamatan_need_and_words(client, db):
    genteng = listed(needs=(Need.DAILY_MEALS,), story="Menanam cabai di halaman.")
    muncar = listed(village=village_of(MUNCAR), needs=(Need.COMPANIONSHIP,))

    def shown(**params) -> set[str]:
        response = client.get(LIST_URL, params)
        assert response.status_code == 200, response.content
        return {item["public_id"] for item in response.json()["results"]}

    assert shown() == {genteng.public_id, muncar.public_id}
    assert shown(kecamatan=MUNCAR) == {muncar.public_id}
    assert shown(need="daily_meals") == {genteng.public_id}
    assert shown(q="cabai") == {genteng.public_id}
    assert shown(q="muncar") == {muncar.public_id}
    assert shown(kecamatan=GENTENG, need="companionship") == set()
    assert shown(q="") == {genteng.public_id, muncar.public_id}


@pytest.mark.parametrize(
    "params",
    [{"need": "hidup_sendiri"}, {"kecamatan": "Genteng"}, {"page": "0"}, {"page": "x"}],
)
def test_a_malformed_filter_is_a_400_that_says_which(client, db, params):
    response = client.get(LIST_URL, params)
    assert response.status_code == 400
    assert set(response.json()) == set(params)


def test_the_list_is_paginated_twelve_a_page_newest_first(client, db):
    people = [listed() for _ in range(14)]
    first = client.get(LIST_URL, {"need": "daily_meals"}).json()
    assert first["count"] == 14
    assert [i["public_id"] for i in first["results"]] == [p.public_id for p in people[:12]]
    assert first["next"] == "http://testserver/api/v1/listings/?need=daily_meals&page=2"
    assert first["previous"] is None

    second = client.get(first["next"]).json()
    assert [i["public_id"] for i in second["results"]] == [p.public_id for p in people[12:]]
    assert second["next"] is None
    assert second["previous"] == "http://testserver/api/v1/listings/?need=daily_meals"
    assert client.get(LIST_URL, {"page": 3}).status_code == 404


def test_one_listing(client, db):
    person = listed(pseudonym="Mbah Satu", monthly_need=800_000)
    response = client.get(f"{LIST_URL}{person.public_id}/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PUBLIC_FIELDS
    assert body["pseudonym"] == "Mbah Satu"
    assert body["monthly_need"] == 800_000
    assert client.get(f"{LIST_URL}no-such-id/").status_code == 404


def test_the_photo_url_is_absolute_and_only_with_consent(client, db, settings):
    person = listed(photo="listings/mbah.jpg")
    assert client.get(f"{LIST_URL}{person.public_id}/").json()["photo_url"] is None
    person.photo_consent = PhotoConsent.objects.create(
        recipient=person, given_by="Anak", relationship="anak", given_on="2026-01-05"
    )
    person.save(update_fields=["photo_consent"])
    photo = client.get(f"{LIST_URL}{person.public_id}/").json()["photo_url"]
    assert photo == f"http://testserver/lansia/{person.public_id}/foto/?v=mbah"


def test_english_labels_for_an_english_reader(client, db):
    person = listed(needs=(Need.COMPANIONSHIP,))
    body = client.get(f"{LIST_URL}{person.public_id}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["needs"] == ["Companionship"]
    assert body["need_codes"] == ["companionship"]
    with translation.override("id"):
        indonesian = str(Need.COMPANIONSHIP.label)
    assert indonesian != "Companionship"
    default = client.get(f"{LIST_URL}{person.public_id}/").json()
    assert default["needs"] == [indonesian]


def test_the_number_of_queries_does_not_grow_with_the_listings(client, db):
    def queries() -> int:
        client.get(LIST_URL)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST_URL).status_code == 200
        return len(captured.captured_queries)

    spread(3)
    few = queries()
    spread(27)
    assert queries() == few


def test_the_schema_documents_the_open_data(client, db):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/listings/" in response.content.decode()
    listing = schema["paths"]["/api/v1/listings/"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"kecamatan", "need", "q", "page"}
    assert all(not scheme for scheme in listing.get("security", []))  # no token needed
    assert "get" in schema["paths"]["/api/v1/listings/{public_id}/"]
    # The documented fields are the public profile's, nothing of the model behind it.
    assert set(schema["components"]["schemas"]["Listing"]["properties"]) == PUBLIC_FIELDS
    assert client.get("/api/schema/").status_code == 200


@pytest.mark.parametrize("status", [s for s in Status.values if s != Status.PUBLISHED], ids=str)
def test_nothing_but_published_is_in_the_open_data(client, db, status):
    hidden = listed(status=status)
    shown = listed()
    body = client.get(LIST_URL).json()
    assert [i["public_id"] for i in body["results"]] == [shown.public_id]
    assert client.get(f"{LIST_URL}{hidden.public_id}/").status_code == 404
