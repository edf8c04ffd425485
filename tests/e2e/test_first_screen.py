"""The call to give on a 360x740 phone, with the demonstration and sandbox banners shown (the
stricter case): the primary give button of the home page, the listings and a listing is
fully inside the first 740 px, and on a listing the give bar never covers it."""

import pytest

from donations.models import CollectionPeriod
from portal.models import Need, Status
from tests.factories.portal import RecipientFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 360, "height": 740}


def bottom_of_primary(page) -> float:
    box = page.locator("[data-primary-give]").first.bounding_box()
    assert box is not None
    assert box["y"] >= 0
    return box["y"] + box["height"]


@pytest.mark.browser
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_primary_give_button_is_in_the_first_phone_screen(
    browser, live_server, settings, prefix
):
    settings.PAYMENTS_SANDBOX = True
    CollectionPeriod.objects.create(
        name="Demo", permit_number="DEMO/1", starts_on="2026-01-01", ends_on="2099-12-31"
    )
    people = [
        RecipientFactory(
            publishable=True,
            status=Status.PUBLISHED,
            pseudonym="Mbah Sastrowardoyo Kusumo",
            public_needs=[Need.DAILY_MEALS, Need.COMPANIONSHIP],
            story="Mbah suka bercerita tentang sawahnya dulu, dan senang ditemani minum teh "
            "di teras setiap sore sambil mendengarkan radio.",
        )
        for _ in range(3)
    ]
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    try:
        page = context.new_page()
        for path in ("/", "/lansia/", f"/lansia/{people[0].public_id}/"):
            page.goto(prefix + path)
            assert page.locator(".env-banner").count() == 2  # demonstration and sandbox
            assert bottom_of_primary(page) <= PHONE["height"], prefix + path

        # On a listing, the give bar waits until the reader scrolls: nothing covers the
        # listing's own button in the first screen.
        page.goto(f"{prefix}/lansia/{people[0].public_id}/")
        box = page.locator("[data-primary-give]").bounding_box()
        at_centre = page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y).closest('[data-primary-give]') !== null",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
        assert at_centre
        page.mouse.wheel(0, 900)
        visibility = "() => getComputedStyle(document.querySelector('.give-bar')).visibility"
        for _ in range(50):  # the page's CSP allows no eval: poll instead of wait_for_function
            if page.evaluate(visibility) == "visible":
                break
            page.wait_for_timeout(100)
        assert page.evaluate(visibility) == "visible"
        bar = page.locator(".give-bar").bounding_box()
        assert bar["y"] + bar["height"] <= PHONE["height"] + 1
    finally:
        context.close()
