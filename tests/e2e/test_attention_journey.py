"""The attention queue on a phone (360 by 740), in a real browser: a reviewer opens the link of
a missed-deliveries alert e-mail, reads the item, opens the person page and comes back, takes
the item and resolves it with a note; axe finds no serious violation on the queue and the item.

Texts are matched by ids, names and hrefs, not by wording."""

import datetime
import re

import pytest

from accounts.models import Role
from attention.models import Item, ItemStatus, Kind
from meals.services.deliveries import delivery_mark
from notifications.models import Notification
from notifications.services import render
from tests.e2e.axe import axe_violations, format_violations
from tests.e2e.test_finance_journey import path_of, sign_in_with_totp
from tests.factories import GENTENG, make_official
from tests.factories.meals import plan_for, warung_in
from tests.factories.portal import RecipientFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PHONE = {"width": 360, "height": 740}
DAY = datetime.timedelta(days=1)


def no_sideways_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px sideways on {page.url}"


def test_from_the_alert_email_to_a_resolved_item_on_a_phone(open_page, live_server):
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    person = RecipientFactory(kecamatan_code=GENTENG, publishable=True, status="published")
    today = datetime.date.today()
    plan = plan_for(person, warung_in(GENTENG), actor=reviewer, starts_on=today - 5 * DAY)
    delivery_mark(plan=plan, day=today - 2 * DAY, mark="not_home")
    delivery_mark(plan=plan, day=today - DAY, mark="refused")
    item = Item.objects.get(kind=Kind.MISSED_DELIVERIES)

    # The alert e-mail as the outbox renders it; its item link, taken from the text.
    alert = Notification.objects.get(template="delivery_alert", user=reviewer)
    text = render(alert).text
    links = re.findall(r"https?://\S+/petugas/perhatian/\d+/", text)
    assert links, text
    item_path = re.sub(r"^https?://[^/]+", "", links[0])
    assert item_path == f"/petugas/perhatian/{item.pk}/"

    page = open_page(viewport=PHONE)
    sign_in_with_totp(page, reviewer)
    page.goto(item_path)
    assert path_of(page) == item_path
    no_sideways_scroll(page)
    violations = axe_violations(page)
    assert not violations, format_violations("item page", violations)

    # The person page, and back.
    person_path = f"/petugas/lansia/{person.public_id}/"
    with page.expect_navigation():
        page.locator(f'a[href="{person_path}"]').first.click()
    assert path_of(page) == person_path
    assert page.locator("h1").is_visible()
    with page.expect_navigation():
        page.go_back()
    assert path_of(page) == item_path

    # Take it.
    with page.expect_navigation():
        page.locator(f'form[action="/petugas/perhatian/{item.pk}/ambil/"] button').click()
    item.refresh_from_db()
    assert item.status == ItemStatus.TAKEN and item.taken_by == reviewer
    assert page.locator(f'form[action="/petugas/perhatian/{item.pk}/ambil/"]').count() == 0

    # An empty note is refused, nothing changes; then resolved with a note.
    with page.expect_navigation():
        page.locator("form:has(textarea[name=note]) button[type=submit]").click()
    item.refresh_from_db()
    assert item.status == ItemStatus.TAKEN
    page.fill("textarea[name=note]", "Ditelepon; keluarga menjemput makanan di warung.")
    with page.expect_navigation():
        page.locator("form:has(textarea[name=note]) button[type=submit]").click()
    item.refresh_from_db()
    assert item.status == ItemStatus.RESOLVED
    assert item.note == "Ditelepon; keluarga menjemput makanan di warung."
    no_sideways_scroll(page)

    # The queue: resolved items under "closed"; axe on both tabs.
    page.goto("/petugas/perhatian/")
    no_sideways_scroll(page)
    violations = axe_violations(page)
    assert not violations, format_violations("queue", violations)
    page.goto("/petugas/perhatian/?closed=1")
    assert page.locator(f'a[href="{item_path}"]').count() == 1
    violations = axe_violations(page)
    assert not violations, format_violations("closed queue", violations)
