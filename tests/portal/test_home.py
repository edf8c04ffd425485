"""The home page: what the programme is and one call to give first, then the people least
funded this month, the impact figures (linking to /dampak/), how it works, why it can be
trusted, and share tags."""

import datetime
import re

from django.utils import timezone

from donations.models import CollectionPeriod
from outcomes.models import MonthlyOutcome
from tests.portal.test_listing_funding import words
from tests.portal.test_public_pages import listed


def test_one_call_to_give_comes_first_and_leads_to_a_person_to_help(client, db):
    listed()
    html = client.get("/en/").content.decode()
    main = html.split('<main id="main"', 1)[1]
    calls = re.findall(r"<a [^>]*data-primary-give[^>]*>", main)
    assert len(calls) == 1
    assert 'href="/en/lansia/"' in calls[0]
    # Before it, only the heading and the one sentence of what the programme is.
    before = main.split(calls[0], 1)[0]
    assert before.count("<h1") == 1
    assert before.count("<p") == 2  # the sentence, and the paragraph of the call itself
    assert "<h2" not in before
    assert "Local warung cook two meals a day" in before


def test_the_impact_figures_are_the_impact_pages_and_link_to_it(client, db):
    listed()
    month = timezone.localdate().replace(day=1)
    MonthlyOutcome.objects.create(
        month=month,
        kecamatan=None,
        reached=7,
        meals_delivered=1234,
        visits=5,
        warung_valid=3,
        computed_at=timezone.now(),
    )
    response = client.get("/en/")
    text = words(response)
    assert "1,234 meals delivered in" in text  # thousands grouped (core.numbers)
    assert "7 elderly people fed every day" in text
    assert "3 partner warung with a valid health inspection" in text
    assert 'href="/en/dampak/"' in response.content.decode()
    assert "<strong>1.234</strong>" in client.get("/").content.decode()


def test_without_stored_figures_the_home_page_still_counts_and_links(client, db):
    listed()
    response = client.get("/en/")
    assert response.context["impact"] is None
    assert "1 elderly person listed" in words(response)
    assert 'href="/en/dampak/"' in response.content.decode()


def test_why_it_can_be_trusted_names_the_permit_the_transparency_page_and_the_agencies(client, db):
    listed()
    today = timezone.localdate()
    CollectionPeriod.objects.create(
        name="Rantang Kasih",
        permit_number="503/123/429.110/2026",
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today + datetime.timedelta(days=300),
        cap_percent=10,
    )
    CollectionPeriod.objects.create(  # over: not cited
        name="Lama",
        permit_number="OLD/1",
        starts_on=today - datetime.timedelta(days=400),
        ends_on=today - datetime.timedelta(days=31),
    )
    response = client.get("/en/")
    text = words(response)
    assert "permit 503/123/429.110/2026" in text
    assert "at most 10%" in text
    assert "OLD/1" not in text
    assert 'href="/en/donasi/transparansi/"' in response.content.decode()
    for agency in ("Dinas Sosial", "Diskominfo", "Dinas Kesehatan", "Dinas Pendidikan"):
        assert agency in text


def test_the_home_page_has_share_tags_and_links(client, db):
    response = client.get("/")
    head = response.content.decode().split("</head>", 1)[0]
    tags = dict(
        re.findall(r'<meta (?:property|name)="((?:og|twitter):[\w:]+)" content="([^"]*)"', head)
    )
    assert {"og:title", "og:description", "og:url", "og:type", "twitter:card"} <= set(tags)
    assert tags["og:url"] == "http://127.0.0.1:8000/"
    assert 'class="share-link share-whatsapp"' in response.content.decode()
