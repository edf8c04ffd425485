"""A listing's page: the drawing chosen by the needs, the donors' approved messages ("doa dan
dukungan"), the students' visits this month as a count, the give bar on phones, and the share
links (WhatsApp first, plain links, nothing added to the address)."""

import datetime
import pathlib
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from accounts.models import Role
from core.time import WIB, month_start
from donations.models import Gift
from donations.services.erasure import donor_erase
from donations.services.giving import gift_message_moderate
from portal import illustrations
from portal.models import Need
from tests.factories import make_official
from tests.factories.donations import TEST_WEBHOOK_SECRET, paid_gift
from tests.factories.volunteers import StudentFactory, VisitSlotFactory
from tests.portal.test_listing_funding import words
from tests.portal.test_public_pages import listed
from volunteers.models import Booking, VisitSlot

ROOT = pathlib.Path(django_settings.BASE_DIR)


@pytest.fixture(autouse=True)
def _payments(settings):
    settings.PAYMENTS_SANDBOX = True
    settings.STRIPE_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET
    settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300


def page(client, person, language: str = "en"):
    prefix = "/en" if language == "en" else ""
    response = client.get(f"{prefix}/lansia/{person.public_id}/")
    assert response.status_code == 200
    return response


# --- The drawing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("needs", "drawing"),
    [
        ((Need.DAILY_MEALS,), "daily_meals"),
        ((Need.DAILY_MEALS, Need.COMPANIONSHIP), "companionship"),
        ((Need.HOME_REPAIR, Need.DAILY_MEALS), "home_repair"),
        ((Need.DAILY_MEALS, Need.HOME_REPAIR, Need.COMPANIONSHIP), "home_repair"),
        ((), "default"),
    ],
)
def test_the_drawing_is_chosen_by_the_needs(client, db, needs, drawing):
    person = listed(needs=needs)
    html = page(client, person).content.decode()
    assert f'src="/static/img/illustrations/{drawing}.svg"' in html
    # On the cards of the listings and the home page too.
    assert (
        f'src="/static/img/illustrations/{drawing}.svg"' in client.get("/lansia/").content.decode()
    )


def test_the_drawings_are_shipped_as_the_shapes_say_with_their_licence():
    for name in illustrations.NAMES:
        path = ROOT / "static" / illustrations.static_path(name)
        assert path.read_text(encoding="utf-8") == illustrations.svg(name), (
            f"{path} differs from portal/illustrations.py: run python -m portal.illustrations"
        )
        svg = path.read_text(encoding="utf-8")
        # Shapes only: no embedded picture, no script, no outside reference.
        for forbidden in ("<image", "<script", "href", "url("):
            assert forbidden not in svg, (name, forbidden)
    licence = (ROOT / "static" / "img" / "illustrations" / "LICENSE").read_text()
    assert "CC0" in licence
    assert "drawn for the Rantang Kasih" in licence


# --- Doa dan dukungan ---------------------------------------------------------------------------


def test_only_approved_messages_are_shown_with_a_name_only_when_chosen(client, db):
    person = listed(pseudonym="Mbah Sumarni")
    officer = make_official(Role.FINANCE_OFFICER)
    named = paid_gift(
        recipient=person,
        email="rina@example.org",
        name="Rina Wulandari",
        show_name=True,
        message="Semoga Mbah sehat selalu.",
    )
    unnamed = paid_gift(
        recipient=person,
        email="diam@example.org",
        name="Bambang Tersembunyi",
        show_name=False,
        message="Doa kami menyertai.",
    )
    waiting = paid_gift(recipient=person, email="tunggu@example.org", message="Belum diperiksa.")
    refused = paid_gift(recipient=person, email="tolak@example.org", message="Pesan ditolak.")
    for gift, approve in ((named, True), (unnamed, True), (refused, False)):
        gift_message_moderate(gift=gift, actor=officer, approve=approve)
    other = listed()
    elsewhere = paid_gift(recipient=other, email="lain@example.org", message="Untuk orang lain.")
    gift_message_moderate(gift=elsewhere, actor=officer, approve=True)

    text = words(page(client, person))
    assert "Prayers and support" in text
    assert "Semoga Mbah sehat selalu." in text
    assert "Rina Wulandari" in text
    assert "Doa kami menyertai." in text
    assert "Bambang Tersembunyi" not in text
    assert "A kind person" in text
    for hidden in ("Belum diperiksa.", "Pesan ditolak.", "Untuk orang lain."):
        assert hidden not in text
    assert Gift.objects.get(pk=waiting.pk).message_status == "pending"
    assert "Semoga Mbah sehat selalu." in words(page(client, person, "id"))


def test_an_erased_donor_leaves_neither_name_nor_message(client, db):
    person = listed()
    officer = make_official(Role.FINANCE_OFFICER)
    gift = paid_gift(
        recipient=person,
        email="hapus@example.org",
        name="Sutarmi Dihapus",
        show_name=True,
        message="Pesan yang akan dihapus.",
    )
    gift_message_moderate(gift=gift, actor=officer, approve=True)
    assert "Sutarmi Dihapus" in words(page(client, person))
    donor_erase(donor=Gift.objects.get(pk=gift.pk).donor)
    text = words(page(client, person))
    assert "Sutarmi Dihapus" not in text
    assert "Pesan yang akan dihapus." not in text


# --- Visits this month ----------------------------------------------------------------------------


def _visit(person, *, starts_at, attended: bool = True, cancelled: bool = False, school=None):
    slot = VisitSlotFactory(
        recipient=person,
        starts_at=starts_at,
        meeting_point="Pos Ronda Dusun Krajan",
        **({"school": school} if school else {}),
    )
    student = StudentFactory()
    Booking.objects.create(
        slot=slot,
        student=student,
        status=Booking.Status.ATTENDED if attended else Booking.Status.CONFIRMED,
    )
    if cancelled:
        VisitSlot.objects.filter(pk=slot.pk).update(status=VisitSlot.Status.CANCELLED)
    return slot


def test_the_visits_of_this_month_are_a_count_never_a_school_a_day_or_a_time(client, db):
    person = listed()
    first = datetime.datetime.combine(
        month_start(timezone.now().astimezone(WIB).date()), datetime.time(0, 5), tzinfo=WIB
    )
    held = [_visit(person, starts_at=first), _visit(person, starts_at=first)]
    _visit(person, starts_at=first, attended=False)  # booked, nobody came (yet)
    _visit(person, starts_at=first, cancelled=True)
    _visit(person, starts_at=first - datetime.timedelta(days=2))  # last month
    response = page(client, person)
    text = words(response)
    assert "Visited by students 2 times this month." in text
    html = unescape(response.content.decode())
    for slot in held:
        school = slot.bookings.get().student.school
        assert school.name not in html
        assert slot.meeting_point not in html
        local = slot.starts_at.astimezone(WIB)
        for written in (
            local.strftime("%H:%M"),
            local.strftime("%H.%M"),
            local.strftime("%d/%m/%Y"),
            local.date().isoformat(),
        ):
            assert written not in html.split("<main", 1)[1]


def test_no_visit_this_month_says_nothing(client, db):
    person = listed()
    assert "Visited by students" not in words(page(client, person))


# --- The give bar and the first screen ------------------------------------------------------------


def test_the_call_to_give_comes_before_the_story_and_stays_at_hand_on_phones(client, db):
    person = listed()
    html = page(client, person).content.decode()
    give = f'href="/en/donasi/untuk/{person.public_id}/"'
    primary = re.search(rf"<a [^>]*data-primary-give[^>]*{re.escape(give)}", html)
    assert primary, "the listing's own give button"
    assert html.index(primary.group(0)) < html.index("profile-story")
    # The give bar: the last part of the listing, sticky to the bottom of the screen on phones.
    bar = re.search(r'<div class="give-bar">.*?</div>', html, re.S).group(0)
    assert give in bar
    assert html.index(bar) > html.index("report-link")
    css = (ROOT / "static" / "css" / "portal.css").read_text()
    rule = re.search(r"\.give-bar \{([^}]*)\}", css).group(1)
    assert "position: sticky" in rule
    assert "bottom: 0" in rule


# --- Sharing --------------------------------------------------------------------------------------

SERVICES = ["whatsapp", "facebook", "x", "telegram"]
HOSTS = {"whatsapp": "wa.me", "facebook": "www.facebook.com", "x": "x.com", "telegram": "t.me"}


def share_links(html: str) -> list[tuple[str, str]]:
    block = re.search(r'<ul class="share-links">(.*?)</ul>', html, re.S).group(1)
    return [
        (service, unescape(href))
        for service, href in re.findall(r'<a class="share-link share-(\w+)" href="([^"]+)"', block)
    ]


@pytest.mark.parametrize("where", ["home", "listing", "listing_id"])
def test_share_links_are_plain_links_whatsapp_first_with_the_bare_address(client, db, where):
    person = listed(pseudonym="Mbah Sarinah")
    path = {
        "home": "/en/",
        "listing": f"/en/lansia/{person.public_id}/",
        "listing_id": f"/lansia/{person.public_id}/",
    }[where]
    response = client.get(path)
    html = response.content.decode()
    links = share_links(html)
    assert [service for service, _href in links] == SERVICES
    address = django_settings.PORTAL_BASE_URL + path
    for service, href in links:
        parts = urlsplit(href)
        assert (parts.scheme, parts.netloc) == ("https", HOSTS[service]), href
        query = parse_qs(parts.query)
        shared = (query.get("u") or query.get("url") or query["text"])[0]
        # The page's own address, nothing added: no tracking parameter, no fragment.
        assert shared.endswith(address), (service, shared)
        assert "utm_" not in href
        assert "fbclid" not in href
    if where != "home":
        whatsapp = parse_qs(urlsplit(links[0][1]).query)["text"][0]
        assert "Mbah Sarinah" in whatsapp
    # The copy-link field holds the same address; its button is a same-origin script.
    assert f'value="{address}" readonly' in html
    assert re.search(r'<script src="/static/js/share\.js" defer></script>', html)
    assert (ROOT / "static" / "js" / "share.js").exists()
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    # No other site's script or frame anywhere on the page.
    assert not re.search(r"<script[^>]+src=\"https?://", html)
    assert "<iframe" not in html
