"""The public face on a phone, measured in a real browser: the call to give in the first screen,
every public section one click from the home page, the impact charts well-formed SVG, and no
serious or critical accessibility violation (axe-core) on any public template; in both
languages.

The phone is 360x740 CSS pixels (a cheap Android phone), with both the demonstration and the
sandbox banners shown: they push everything down, the stricter case. The first tests check the
instruments themselves on pages whose answer is known, so that a pass means something.

The hooks the pages carry for these measurements are constants below (PRIMARY_GIVE,
AMOUNT_PRESET, GIVE_SUBMIT): one place to change if the markup moves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role
from meals.services.deliveries import delivery_mark
from outcomes.services import outcomes_refresh
from portal.models import Status
from tests.conftest import missing_service
from tests.e2e.axe import AxeMissing, axe_source, axe_violations, format_violations
from tests.e2e.conftest import _CSP_LISTENER
from tests.factories import GENTENG, MUNCAR, make_official
from tests.factories.donations import active_sponsorship, gift_start, paid_gift
from tests.factories.meals import plan_for, warung_in
from tests.factories.portal import RecipientFactory

# The portal's tests run against the live server in its own transactional database; the checks
# of the instruments need neither.
live = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 768}
LANGUAGES = ["id", "en"]

# The primary call to give on a page (the home page, the listings, a listing) carries this
# attribute; one shown element carrying it must lie wholly in the first screen (a page may mark
# a second, e.g. a sticky bar, or the first card's button).
PRIMARY_GIVE = "[data-primary-give]"
# Only to say where the first call to give is when no element carries the hook: a link to a
# giving form (the fund's or a person's).
GIVE_LINK = "a[href$='/donasi/'], a[href*='/donasi/untuk/']"
# The giving form: a preset amount (the control a donor taps: a radio's label tile carrying the
# amount, or anything marked data-amount-preset), the amount typed when the form has no
# presets, and the button that sends it.
AMOUNT_PRESET = "form.give-form [data-amount-preset], form.give-form label[data-amount]"
AMOUNT_FIELD = "form.give-form input[name=amount]"
GIVE_SUBMIT = "form.give-form [type=submit]"


def in_language(language: str, name: str, args=()) -> str:
    with translation.override(language):
        return reverse(name, args=args)


# --- The instruments ---------------------------------------------------------------------------

# Where an element is on the screen with the page scrolled to the top, and whether a tap at its
# centre reaches it (not a banner, a sticky bar or a cookie notice lying over it).
_PLACE = """
(el) => {
  const r = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
  const onScreen = cx >= 0 && cy >= 0 && cx < innerWidth && cy < innerHeight;
  const hit = onScreen ? document.elementFromPoint(cx, cy) : null;
  const name = (n) => n ? n.tagName.toLowerCase() + (n.id ? "#" + n.id : "") +
    (n.classList.length ? "." + [...n.classList].join(".") : "") : "nothing";
  return {
    top: r.top, bottom: r.bottom, left: r.left, right: r.right,
    shown: r.width > 0 && r.height > 0 && style.visibility !== "hidden",
    scroll_y: window.scrollY, viewport: [innerWidth, innerHeight],
    reached: !!hit && (hit === el || el.contains(hit)), hit: name(hit),
    text: (el.innerText || el.value || "").trim().replace(/\\s+/g, " ").slice(0, 60),
  };
}
"""


@dataclass
class Place:
    top: float
    bottom: float
    left: float
    right: float
    shown: bool
    scroll_y: float
    viewport: list
    reached: bool
    hit: str
    text: str

    def in_first_screen(self, screen: dict) -> bool:
        return (
            self.shown
            and self.scroll_y == 0
            and self.top >= 0
            and self.left >= 0
            and self.bottom <= screen["height"]
            and self.right <= screen["width"]
            and self.reached
        )

    def __str__(self) -> str:
        covered = "" if self.reached else f", covered by {self.hit}"
        return (
            f"{self.text!r} at top {self.top:.0f} px, bottom {self.bottom:.0f} px, "
            f"x {self.left:.0f}-{self.right:.0f} px{covered}"
        )


def to_top(page) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    page.evaluate("document.fonts.ready.then(() => true)")


def places(page, selector: str) -> list[Place]:
    """Every element matching ``selector`` that is shown, placed with the page at its top."""
    to_top(page)
    found = [
        Place(**page.locator(selector).nth(i).evaluate(_PLACE))
        for i in range(page.locator(selector).count())
    ]
    return [place for place in found if place.shown]


def first_screen_problem(
    page, selector: str, what: str, *, screen: dict = PHONE, hint: str | None = None
) -> str | None:
    """None when an element matching ``selector`` lies wholly in the first screen (``screen``,
    page at its top) and a tap there reaches it; else what is wrong, in words. When nothing
    matches, says where the highest element matching ``hint`` is."""
    shown = places(page, selector)
    if not shown:
        present = page.locator(selector).count()
        problem = f"{what}: no element {selector} is shown" + (
            f" ({present} hidden)" if present else ""
        )
        nearest = sorted(places(page, hint), key=lambda place: place.top) if hint else []
        if nearest:
            problem += f"; the highest {hint} is {nearest[0]}"
        return problem
    if any(place.in_first_screen(screen) for place in shown):
        return None
    return (
        f"{what}: not wholly in the first {screen['width']}x{screen['height']} screen: "
        + "; ".join(str(place) for place in shown)
    )


def banners_problem(page) -> str | None:
    """Both banners must be shown: the measurements are for the stricter case."""
    shown = [p for p in places(page, ".env-banner") if p.shown]
    if len(shown) != 2 or not places(page, ".sandbox-banner"):
        return f"{page.url}: expected the demonstration and the sandbox banners, saw {len(shown)}"
    return None


# SVG well-formedness and the numbers of its geometry, checked in the page: each inline <svg>
# serialised and parsed again as image/svg+xml; every geometry attribute a plain number (with a
# unit where SVG allows one), viewBox four numbers, points pairs of numbers, a path's data
# numbers in the count each command takes. A decimal comma ("4,0") fails all of them.
_SVG_CHECK = r"""
() => {
  const NUMBER = "[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?";
  const LENGTH = new RegExp("^" + NUMBER + "(?:px|em|ex|rem|%|pt|pc|cm|mm|in)?$");
  const ONE = ["x", "y", "width", "height", "cx", "cy", "r", "rx", "ry", "x1", "y1", "x2", "y2",
               "dx", "dy", "font-size", "stroke-width", "opacity", "fill-opacity"];
  const LISTS = new Set(["text", "tspan"]);  // x, y, dx, dy may be lists there (spaces only)
  const ARITY = { m: 2, l: 2, t: 2, h: 1, v: 1, c: 6, s: 4, q: 4, a: 7, z: 0 };
  const numbers = (value) => value.trim() === "" ? [] : value.trim().split(/[\s,]+/);
  const isNumber = (token) => new RegExp("^" + NUMBER + "$").test(token) && isFinite(+token);
  const pathProblem = (d) => {
    const parts = d.match(/[MmLlHhVvCcSsQqTtAaZz][^MmLlHhVvCcSsQqTtAaZz]*/g) || [];
    if (parts.join("").replace(/\s/g, "") !== d.replace(/\s/g, "")) return "text outside commands";
    for (const part of parts) {
      const arity = ARITY[part[0].toLowerCase()];
      const rest = part.slice(1);
      const tokens = rest.match(new RegExp(NUMBER, "g")) || [];
      if (rest.replace(new RegExp(NUMBER, "g"), "").replace(/[\s,]/g, "") !== "")
        return "not a number in " + JSON.stringify(part);
      if (arity === 0 ? tokens.length : tokens.length === 0 || tokens.length % arity)
        return tokens.length + " numbers after " + part[0];
    }
    return null;
  };
  return [...document.querySelectorAll("svg")].map((svg, index) => {
    const source = new XMLSerializer().serializeToString(svg);
    const parsed = new DOMParser().parseFromString(source, "image/svg+xml");
    const error = parsed.querySelector("parsererror");
    const bad = [];
    for (const el of [parsed.documentElement, ...parsed.documentElement.querySelectorAll("*")]) {
      const tag = el.localName;
      for (const name of ONE) {
        const value = el.getAttribute(name);
        if (value === null) continue;
        const ok = LISTS.has(tag) && ["x", "y", "dx", "dy"].includes(name)
          ? value.trim().split(/\s+/).every((t) => LENGTH.test(t))
          : LENGTH.test(value.trim());
        if (!ok) bad.push(`<${tag} ${name}="${value}">`);
      }
      const viewBox = el.getAttribute("viewBox");
      if (viewBox !== null) {
        const parts = numbers(viewBox);
        if (parts.length !== 4 || !parts.every(isNumber)) bad.push(`<${tag} viewBox="${viewBox}">`);
      }
      const points = el.getAttribute("points");
      if (points !== null) {
        const parts = numbers(points);
        if (parts.length % 2 || !parts.every(isNumber)) bad.push(`<${tag} points="${points}">`);
      }
      const d = el.getAttribute("d");
      if (d !== null && tag === "path") {
        const problem = pathProblem(d);
        if (problem) bad.push(`<path d="${d.slice(0, 60)}">: ${problem}`);
      }
    }
    return {
      index,
      label: svg.getAttribute("aria-labelledby") || svg.id || svg.getAttribute("class") || "",
      chart: svg.matches("svg.chart"),
      shapes: svg.querySelectorAll("rect, circle, ellipse, line, polyline, polygon, path").length,
      parseError: error ? error.textContent.trim().slice(0, 200) : null,
      bad,
    };
  });
}
"""

# What Chromium says on the console when it throws an SVG attribute away ("Error: <rect>
# attribute width: Expected length, "4,0".").
SVG_CONSOLE = re.compile(r"<\w+> attribute [\w-]+:", re.IGNORECASE)


def svg_problems(page) -> tuple[list[dict], list[str]]:
    found = page.evaluate(_SVG_CHECK)
    problems = []
    for svg in found:
        where = f"{page.url} svg #{svg['index']} ({svg['label']})"
        if svg["parseError"]:
            problems.append(f"{where}: does not parse as SVG: {svg['parseError']}")
        for attribute in svg["bad"][:5]:
            problems.append(f"{where}: not a number: {attribute}")
        if len(svg["bad"]) > 5:
            problems.append(f"{where}: … and {len(svg['bad']) - 5} more")
    return found, problems


# --- Browser contexts --------------------------------------------------------------------------


def watched_page(browser, live_server, page_watch, **options):
    context = browser.new_context(base_url=live_server.url if live_server else None, **options)
    context.set_default_timeout(15_000)
    context.set_default_navigation_timeout(20_000)
    context.add_init_script(_CSP_LISTENER)
    page = context.new_page()
    page.on("console", page_watch.on_console)
    page.on("pageerror", page_watch.on_page_error)
    page.on("framenavigated", page_watch.on_frame_navigated)
    return context, page


@pytest.fixture
def phone(browser, live_server, page_watch, _close_db_connections):
    """A phone: 360x740, touch, the page's own viewport tag honoured (is_mobile)."""
    context, page = watched_page(
        browser, live_server, page_watch, viewport=PHONE, is_mobile=True, has_touch=True
    )
    yield page
    context.close()


@pytest.fixture
def desktop(browser, live_server, page_watch, _close_db_connections):
    context, page = watched_page(browser, live_server, page_watch, viewport=DESKTOP)
    yield page
    context.close()


@pytest.fixture
def blank_phone(browser, page_watch):
    """A phone without the portal, for checking the instruments on pages written here."""
    context, page = watched_page(
        browser, None, page_watch, viewport=PHONE, is_mobile=True, has_touch=True
    )
    yield page
    context.close()


@pytest.fixture
def banners_shown(settings):
    """The demonstration banner shows outside prod, the sandbox banner with the sandbox on."""
    assert settings.PORTAL_ENV != "prod"
    settings.PAYMENTS_SANDBOX = True


@pytest.fixture
def axe():
    try:
        return axe_source()
    except AxeMissing as missing:
        missing_service(str(missing))


# --- Demo-like data ----------------------------------------------------------------------------


@dataclass
class Demo:
    listing: object  # the least funded: where a visitor is sent first
    funded: object
    paid_gift: object
    bank_gift: object


@pytest.fixture
def demo(banners_shown):
    """A few published listings in two kecamatan with this month's progress (a one-off gift, a
    monthly sponsor meeting the need), one person reached with a meal delivered today, a gift to
    the fund, a bank transfer awaiting payment, and the month's impact figures stored."""
    listings = [
        RecipientFactory(kecamatan_code=code, publishable=True, status=Status.PUBLISHED)
        for code in (GENTENG, GENTENG, MUNCAR, MUNCAR)
    ]
    listing, partly, funded, reached = listings
    paid_gift(recipient=partly, amount=150_000)
    active_sponsorship(recipient=funded, amount=funded.monthly_need)
    plan = plan_for(reached, warung_in(GENTENG), actor=make_official(Role.LEAD_REVIEWER))
    delivery_mark(plan=plan, day=timezone.localdate(), mark="delivered")
    fund_gift = paid_gift(amount=50_000, message="Semoga sehat selalu")
    bank_gift = gift_start(amount=75_000, bank=True)
    outcomes_refresh(month=timezone.localdate())
    return Demo(listing=listing, funded=funded, paid_gift=fund_gift, bank_gift=bank_gift)


# --- The instruments, checked on pages whose answer is known -----------------------------------

KNOWN_LAYOUT = """<!doctype html><html><head>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body { margin: 0 } .pad { height: %dpx } a { display: block; height: 48px }</style>
</head><body><div class="pad"></div><a href="/donasi/" data-primary-give>Give</a>
<div style="height: 2000px"></div>%s</body></html>"""


@pytest.mark.browser
def test_the_first_screen_measure_tells_inside_from_outside(blank_phone):
    # 692 + 48 = 740: the last pixel row of the screen; one pixel more is outside.
    blank_phone.set_content(KNOWN_LAYOUT % (692, ""))
    assert first_screen_problem(blank_phone, PRIMARY_GIVE, "known") is None
    blank_phone.set_content(KNOWN_LAYOUT % (693, ""))
    problem = first_screen_problem(blank_phone, PRIMARY_GIVE, "known")
    assert problem and "bottom 741 px" in problem
    # Scrolled down, the page is measured from its top all the same.
    blank_phone.evaluate("window.scrollTo(0, 500)")
    assert "bottom 741 px" in first_screen_problem(blank_phone, PRIMARY_GIVE, "known")
    # Inside the screen but under a bar fixed at the bottom: a tap does not reach it.
    bar = '<div class="bar" style="position: fixed; bottom: 0; height: 100px; width: 100%"></div>'
    blank_phone.set_content(KNOWN_LAYOUT % (650, bar))
    assert "covered by div.bar" in first_screen_problem(blank_phone, PRIMARY_GIVE, "known")
    # No hook at all: said, with where the first link to a giving form is.
    blank_phone.set_content(KNOWN_LAYOUT.replace(" data-primary-give", "") % (1500, ""))
    problem = first_screen_problem(blank_phone, PRIMARY_GIVE, "known", hint=GIVE_LINK)
    assert "no element [data-primary-give] is shown" in problem and "top 1500 px" in problem


@pytest.mark.browser
def test_the_svg_check_refuses_a_decimal_comma(blank_phone, page_watch):
    good = (
        '<svg viewBox="0 0 320 40"><rect x="0" y="4.5" width="40.0" height="12"></rect>'
        '<polyline points="0,0 10,5.5"></polyline><path d="M0 0L10,10h5Z"></path>'
        '<text x="1" y="9" font-size="9">4,0</text></svg>'
    )
    blank_phone.set_content(f"<!doctype html><body>{good}</body>")
    found, problems = svg_problems(blank_phone)
    assert len(found) == 1 and found[0]["shapes"] == 3 and problems == []
    bad = good.replace('width="40.0"', 'width="4,0"').replace("10,5.5", "10,5,5")
    bad = bad.replace("M0 0L10,10", "M0,0,0L10,10")
    blank_phone.set_content(f"<!doctype html><body>{bad}</body>")
    _found, problems = svg_problems(blank_phone)
    assert any('width="4,0"' in p for p in problems), problems
    assert any('points="0,0 10,5,5"' in p for p in problems), problems
    assert any("3 numbers after M" in p for p in problems), problems
    # Chromium itself throws the attribute away, and says so on the console.
    assert any(SVG_CONSOLE.search(m) for m in page_watch.messages), page_watch.messages


@pytest.mark.browser
def test_axe_reports_a_known_violation(axe, blank_phone):
    blank_phone.set_content(
        '<!doctype html><html lang="id"><head><title>t</title></head><body><main>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<p style="color: #777; background: #888">Teks</p></main></body></html>'
    )
    violations = axe_violations(blank_phone)
    assert {v["id"] for v in violations} >= {"image-alt", "color-contrast"}
    report = format_violations("known page", violations)
    assert "[critical] image-alt" in report and "<img" in report


# --- The call to give in the first screen ------------------------------------------------------


@pytest.mark.browser
@live
def test_the_primary_give_button_is_in_the_first_phone_screen(
    phone, demo, assert_no_csp_violations
):
    problems = []
    for language in LANGUAGES:
        pages = {
            "home": in_language(language, "portal:home"),
            "listings": in_language(language, "portal:listing_list"),
            "a listing": in_language(language, "portal:listing_detail", [demo.listing.public_id]),
        }
        for what, url in pages.items():
            response = phone.goto(url)
            assert response.status == 200, f"{url}: {response.status}"
            problems += filter(None, [banners_problem(phone)])
            problems += filter(
                None, [first_screen_problem(phone, PRIMARY_GIVE, f"{what} {url}", hint=GIVE_LINK)]
            )
    assert not problems, "\n".join(problems)
    assert_no_csp_violations()


def choose_amount(page) -> tuple[str, str | None]:
    """Tap the first preset amount (typing one when the form has none): how it was chosen, and
    what is wrong when the preset itself was not in the first screen (a donor would scroll)."""
    problem = first_screen_problem(page, AMOUNT_PRESET, "the first preset amount")
    presets = page.locator(AMOUNT_PRESET)
    for i in range(presets.count()):
        if presets.nth(i).is_visible():
            presets.nth(i).tap()
            return f"tapped preset {' '.join(presets.nth(i).inner_text().split())!r}", problem
    page.locator(AMOUNT_FIELD).fill("150000")
    return f"no preset ({AMOUNT_PRESET}); typed 150000 in {AMOUNT_FIELD}", None


@pytest.mark.browser
@live
def test_the_give_form_submit_is_in_the_first_screen_once_an_amount_is_chosen(
    phone, demo, assert_no_csp_violations
):
    problems = []
    for language in LANGUAGES:
        forms = {
            "the fund": in_language(language, "donations:give_fund"),
            "a listing": in_language(language, "donations:give_listing", [demo.listing.public_id]),
        }
        for what, url in forms.items():
            response = phone.goto(url)
            assert response.status == 200, f"{url}: {response.status}"
            problems += filter(None, [banners_problem(phone)])
            how, preset_problem = choose_amount(phone)
            if preset_problem:
                problems.append(f"giving form for {what} {url}: {preset_problem}")
            problem = first_screen_problem(phone, GIVE_SUBMIT, f"giving form for {what} {url}")
            if problem:
                problems.append(f"{problem} ({how})")
    assert not problems, "\n".join(problems)
    assert_no_csp_violations()


# --- Every public section one click from the home page -----------------------------------------


@dataclass(frozen=True)
class Section:
    key: str
    what: str
    url_name: str


PUBLIC_SECTIONS = [
    Section("listings", "the elderly listed", "portal:listing_list"),
    Section("give", "give to the fund", "donations:give_fund"),
    Section("visits", "student visits", "volunteers:home"),
    Section("refer", "report an elderly neighbour", "community:referral_create"),
    Section("impact", "impact", "outcomes:impact"),
    Section("transparency", "transparency", "donations:transparency"),
    Section("privacy", "privacy", "portal:privacy"),
    Section("certificate", "certificate check", "volunteers:certificate_verify"),
]

# Each link on the page: its index among the page's links, the path it leads to on this site,
# and whether it is shown (a link in a closed menu is not one click away).
_LINKS = """
() => [...document.querySelectorAll("a[href]")].map((a, index) => {
  const url = new URL(a.href, document.baseURI);
  const r = a.getBoundingClientRect();
  return {
    index, path: url.origin === location.origin ? url.pathname : null,
    shown: r.width > 0 && r.height > 0 && getComputedStyle(a).visibility !== "hidden",
  };
})
"""


@pytest.mark.browser
@live
def test_every_public_section_is_one_click_from_home(
    desktop, banners_shown, assert_no_csp_violations
):
    RecipientFactory(publishable=True, status=Status.PUBLISHED)
    problems = []
    for language in LANGUAGES:
        home = in_language(language, "portal:home")
        for section in PUBLIC_SECTIONS:
            target = in_language(language, section.url_name)
            desktop.goto(home)
            links = [link for link in desktop.evaluate(_LINKS) if link["path"] == target]
            shown = [link for link in links if link["shown"]]
            if not shown:
                hidden = f" ({len(links)} hidden)" if links else ""
                problems.append(f"{section.what}: no link to {target} shown on {home}{hidden}")
                continue
            with desktop.expect_navigation() as navigation:
                desktop.locator("a[href]").nth(shown[0]["index"]).click()
            response = navigation.value
            landed = re.sub(r"^https?://[^/]+", "", desktop.url).split("?")[0].split("#")[0]
            lang = desktop.evaluate("document.documentElement.lang")
            if response.status != 200 or landed != target:
                problems.append(
                    f"{section.what}: the link to {target} on {home} answered "
                    f"{response.status} at {landed}"
                )
            elif lang != language:
                problems.append(f"{section.what}: {target} is in {lang!r}, not {language!r}")
    assert not problems, "\n".join(problems)
    assert_no_csp_violations()


# --- The impact charts -------------------------------------------------------------------------


@pytest.mark.browser
@live
def test_every_impact_chart_parses_as_svg(phone, demo, page_watch):
    problems = []
    for language in LANGUAGES:
        url = in_language(language, "outcomes:impact")
        said_before = len(page_watch.messages)
        response = phone.goto(url)
        assert response.status == 200, f"{url}: {response.status}"
        found, wrong = svg_problems(phone)
        charts = [svg for svg in found if svg["chart"]]
        assert len(charts) >= 2, f"{url}: expected the people and meals charts, found {found}"
        assert all(chart["shapes"] for chart in charts), f"{url}: an empty chart: {charts}"
        problems += wrong
        thrown = [m for m in page_watch.messages[said_before:] if SVG_CONSOLE.search(m)]
        if thrown:
            problems.append(f"Chromium threw {len(thrown)} SVG attribute(s) away, e.g. {thrown[0]}")
    assert not problems, "\n".join(problems)


# --- Accessibility: axe-core on one URL per public template ------------------------------------


@dataclass(frozen=True)
class PublicPage:
    what: str
    url_name: str | None  # None: a path that is no page (the 404 template)
    arg: str | None = None  # which of the demo's objects the address takes
    status: int = 200


NOT_FOUND = "/halaman-yang-tidak-ada/"
AXE_PAGES = [
    PublicPage("home", "portal:home"),
    PublicPage("listing index", "portal:listing_list"),
    PublicPage("a listing", "portal:listing_detail", "listing"),
    PublicPage("give to the fund", "donations:give_fund"),
    PublicPage("give to a listing", "donations:give_listing", "listing"),
    PublicPage("thank-you", "donations:thanks", "paid_gift"),
    PublicPage("bank transfer", "donations:transfer", "bank_gift"),
    PublicPage("transparency", "donations:transparency"),
    PublicPage("impact", "outcomes:impact"),
    PublicPage("privacy", "portal:privacy"),
    PublicPage("sign in", "account_login"),
    PublicPage("sign up", "account_signup"),
    PublicPage("student visits", "volunteers:home"),
    PublicPage("report a neighbour", "community:referral_create"),
    PublicPage("report received", "community:report_done"),
    PublicPage("concern about a listing", "community:concern_create", "listing"),
    PublicPage("certificate check", "volunteers:certificate_verify"),
    PublicPage("not found", None, status=404),
]


def address_of(entry: PublicPage, language: str, demo: Demo) -> str:
    if entry.url_name is None:
        return NOT_FOUND if language == "id" else f"/{language}{NOT_FOUND}"
    args = []
    if entry.arg:
        thing = getattr(demo, entry.arg)
        args = [getattr(thing, "public_id", None) or thing.public_ref]
    return in_language(language, entry.url_name, args)


@pytest.mark.browser
@live
def test_no_serious_accessibility_violation_on_public_pages(
    axe, phone, demo, assert_no_csp_violations
):
    reports = []
    for language in LANGUAGES:
        for entry in AXE_PAGES:
            url = address_of(entry, language, demo)
            response = phone.goto(url)
            landed = re.sub(r"^https?://[^/]+", "", phone.url)
            if response.status != entry.status or landed != url:
                reports.append(
                    f"{entry.what} {url}: expected {entry.status} there, got {response.status} "
                    f"at {landed} (not the template meant)"
                )
            # What a disclosure folds away (the phone's menu, the listings' filter) is checked
            # as a visitor who opens it sees it.
            phone.evaluate(
                "document.querySelectorAll('details').forEach((d) => { d.open = true; })"
            )
            violations = axe_violations(phone)
            if violations:
                reports.append(format_violations(f"{entry.what} {url}", violations))
    assert not reports, "\n\n".join(reports)
    assert_no_csp_violations()
