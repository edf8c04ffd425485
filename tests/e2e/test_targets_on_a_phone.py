"""The impact page and the officials' outcome page with their targets on a 360 x 740 phone,
in both languages: no sideways scroll of the page (the tables scroll inside their frame), the
standing written in words. Screenshots go to $SCREENSHOT_DIR when it is set."""

import os
import re

import pytest
from django.test import Client

from accounts.models import Role
from core.time import today_wib
from outcomes.services import outcome_target_set, outcomes_refresh
from tests.factories import GENTENG, MUNCAR, make_official
from tests.factories.meals import warung_in
from tests.factories.portal import RecipientFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PHONE = {"width": 360, "height": 740}


def _login(context, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    host = re.sub(r"^https?://", "", live_server.url).split(":")[0]
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "domain": host,
                "path": "/",
            }
        ]
    )


# Each "N,N%" in the target tables, and those a line break cuts (more than one line box).
SHARES_ON_ONE_LINE = """() => {
  const found = [], broken = [];
  for (const table of document.querySelectorAll(".targets-table")) {
    const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/\\d[\\d.,]*%/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        found.push(match[0]);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(match[0]);
      }
    }
  }
  return {found, broken};
}"""


@pytest.mark.browser
def test_targets_read_on_a_phone_in_both_languages(browser, live_server, _close_db_connections):
    from meals.services.plans import meal_plan_start

    lead = make_official(Role.LEAD_REVIEWER)
    warung = warung_in(GENTENG)
    for code in (GENTENG, GENTENG, MUNCAR):
        RecipientFactory(kecamatan_code=code, publishable=True, status="published")
    meal_plan_start(
        actor=lead,
        recipient=RecipientFactory(kecamatan_code=GENTENG, publishable=True, status="published"),
        warung=warung,
        starts_on=today_wib(),
    )
    year = today_wib().year
    for indicator, value in (
        ("reached_share", "80"),
        ("funded_share", "50"),
        ("days_to_reach", "30"),
    ):
        outcome_target_set(actor=lead, year=year, indicator=indicator, value=value)
    outcomes_refresh(month=today_wib())
    shots = os.environ.get("SCREENSHOT_DIR")
    pages = {
        "impact-id": ("/dampak/", "Dibandingkan dengan target kabupaten|Against the regency"),
        "impact-en": ("/en/dampak/", "Against the regency's targets"),
        "officials-id": (
            "/petugas/makan/capaian/",
            "Dibandingkan dengan target|Against the targets",
        ),
        "officials-en": ("/en/petugas/makan/capaian/", "Against the targets"),
    }
    for name, (url, heading) in pages.items():
        context = browser.new_context(base_url=live_server.url, viewport=PHONE)
        if name.startswith("officials"):
            _login(context, live_server, lead)
        page = context.new_page()
        response = page.goto(url)
        assert response.status == 200, url
        body = page.inner_text("body")
        assert re.search(heading, body), (url, heading)
        # The standing is written, not only coloured.
        assert re.search(r"short by|kurang|target met|tercapai|no target|belum ada", body), url
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
        # Every share is written as core.numbers writes it ("50,0%" / "50.0%", no space) and
        # sits on one line in the narrow table cells.
        shares = page.evaluate(SHARES_ON_ONE_LINE)
        assert shares["found"], url
        assert not shares["broken"], (url, shares["broken"])
        assert not re.search(r"\d\s%", body), url
        decimal = "." if name.endswith("-en") else ","
        assert all(decimal in share for share in shares["found"] if share != "0%"), shares
        if shots:
            page.screenshot(path=os.path.join(shots, f"{name}.png"), full_page=True)
        context.close()
