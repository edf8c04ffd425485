"""The officials' person page on a phone (360 by 740) and a desktop, in both languages: nothing
scrolls sideways, the 30-day strip reads in words, and axe finds no serious violation."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import Role
from tests.e2e.axe import axe_violations, format_violations
from tests.factories import GENTENG, make_official
from tests.portal.test_person_page import month  # noqa: F401 -- the fixture

SHOTS = os.environ.get("PERSON_PAGE_SHOTS", "")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("viewport", [(360, 740), (1280, 900)])
def test_the_person_page_fits_a_phone_and_reads_without_colour(
    open_page,
    live_server,
    month,  # noqa: F811
    language,
    viewport,
):
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    client = Client()
    client.force_login(reviewer)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    width, height = viewport
    page = open_page(viewport={"width": width, "height": height})
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    with translation.override(language):
        url = reverse("portal:person", args=[month["person"].public_id])
    page.goto(url)
    assert page.locator("#timeline").is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px sideways at {width}px ({language})"
    strip = page.locator(".delivery-strip li")
    assert strip.count() == 30
    words = "Tidak di rumah" if language == "id" else "Not at home"
    assert strip.filter(has_text=words).count() == 2
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/person-{language}-{width}.png", full_page=True)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("language", ["id", "en"])
def test_a_coordinators_person_page_shows_their_students_flag_on_a_phone(
    open_page,
    live_server,
    month,  # noqa: F811
    language,
):
    """The coordinator's one section: their school's visit with its report's flag in words,
    the report unlinked (its page is the reviewers'), nothing sideways at 360 px."""
    coordinator = make_official(Role.SCHOOL_COORDINATOR, school=month["school"])
    client = Client()
    client.force_login(coordinator)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page = open_page(viewport={"width": 360, "height": 740})
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    with translation.override(language):
        url = reverse("portal:person", args=[month["person"].public_id])
    page.goto(url)
    assert page.locator("section.card.person-section").count() == 1
    flag = "Tampak sakit" if language == "id" else "Looks ill"
    assert page.locator("#visits").filter(has_text=flag).count() == 1
    assert page.locator("#timeline").filter(has_text=flag).count() == 1
    assert page.locator('#visits a[href*="/kunjungan/laporan/"]').count() == 0
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px sideways at 360px ({language})"
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/person-coordinator-{language}-360.png", full_page=True)
