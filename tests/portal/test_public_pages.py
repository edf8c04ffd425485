"""The public site: home, the listings, a listing's page, robots.txt and the sitemap."""

import datetime
import itertools
import re
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.pii import keyed_hash
from portal.models import Need, PhotoConsent, Recipient, Source, Status
from portal.templatetags.rupiah import rupiah
from regions.models import Village
from tests.factories import GENTENG, MUNCAR

_serial = itertools.count(1)


def village_of(kecamatan: str = GENTENG, index: int = 0) -> Village:
    return Village.objects.filter(kecamatan__code=kecamatan).order_by("code")[index]


def listed(
    *,
    village: Village | None = None,
    status: str = Status.PUBLISHED,
    pseudonym: str | None = None,
    story: str = "Setiap pagi menunggu di teras rumahnya.",
    needs: tuple[str, ...] = (Need.DAILY_MEALS,),
    monthly_need: int = 720_000,
    published_at=None,
    **fields,
) -> Recipient:
    """A recipient with a complete public profile, in ``status`` (published by default).

    The status is written directly: these tests are about what the public sees of each
    status, not about the moves between them (portal.services.lifecycle tests those)."""
    n = next(_serial)
    nik = f"3510094101{n:06d}"
    village = village or village_of()
    if published_at is None and status != Status.CANDIDATE:
        published_at = timezone.now() - datetime.timedelta(minutes=n)
    return Recipient.objects.create(
        source=Source.MANUAL,
        nik=nik,
        nik_hash=keyed_hash(nik),
        name=f"Nama Asli Nomor {n:04d}",
        sex="P",
        age_band="70-79",
        village=village,
        kecamatan_id=village.kecamatan_id,
        pseudonym=pseudonym or f"Mbah Uji {n:04d}",
        story=story,
        public_needs=list(needs),
        monthly_need=monthly_need,
        status=status,
        published_at=published_at,
        **fields,
    )


def text_of(response) -> str:
    return unescape(response.content.decode())


# --- Home ---------------------------------------------------------------------------------------


def test_home_shows_the_figures_and_the_least_funded_listings(client, db):
    # Nobody has been given anything this month: the most recently listed come first.
    newest = listed(pseudonym="Mbah Terbaru", published_at=timezone.now())
    older = [listed() for _ in range(3)]
    listed(status=Status.REACHED)
    listed(status=Status.CANDIDATE, pseudonym="Mbah Belum Tampil")

    response = client.get("/en/")
    assert response.status_code == 200
    html = text_of(response)
    assert response.context["counts"]["listed"] == 4
    assert response.context["counts"]["reached"] == 1
    assert response.context["counts"]["kecamatan"] == 25
    assert "4 elderly people listed" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
    assert "Rp720.000" in html
    assert newest.pseudonym in html
    assert response.context["least_funded"][0].public_id == newest.public_id
    assert len(response.context["least_funded"]) == 3
    assert older[-1].pseudonym not in html  # only three
    assert "Mbah Belum Tampil" not in html
    assert reverse("portal:listing_list") in html


def test_every_link_on_the_home_page_leads_somewhere_that_exists(client, db):
    listed()
    for prefix in ("/", "/en/"):
        html = client.get(prefix).content.decode()
        for href in set(re.findall(r'href="([^"#][^"]*)"', html)):
            parts = urlsplit(unescape(href))
            if parts.netloc or parts.scheme in ("mailto", "tel"):
                continue  # another site's (the share links, canonical addresses), or a contact
            path = parts.path
            if path.startswith("/static/"):
                continue
            # Resolved by fetching: which patterns match depends on the path's language.
            if client.get(path).status_code == 404:
                pytest.fail(f"{href} on {prefix} leads nowhere")


def test_the_home_page_promises_no_feature_that_does_not_exist_yet(client, db):
    html = client.get("/en/").content.decode().lower()
    # Donations, sponsorship and student visits exist; volunteering other than students' does not.
    assert "volunteer" not in html
    assert 'href="/en/kunjungan/"' in html


# --- The listings -------------------------------------------------------------------------------


def test_listing_page_shows_published_people_newest_first_twelve_a_page(client, db):
    people = [listed() for _ in range(14)]  # listed() publishes each one minute earlier
    first = client.get("/lansia/")
    assert first.status_code == 200
    shown = [p.public_id for p in first.context["page"]]
    assert shown == [p.public_id for p in people[:12]]
    assert first.context["page"].paginator.count == 14

    second = client.get("/lansia/", {"page": 2})
    assert [p.public_id for p in second.context["page"]] == [p.public_id for p in people[12:]]
    # Out of range or nonsense: the nearest page, never an error.
    assert client.get("/lansia/", {"page": 99}).context["page"].number == 2
    assert client.get("/lansia/", {"page": "x"}).context["page"].number == 1


def test_pagination_links_keep_the_filters(client, db):
    for _ in range(13):
        listed(needs=(Need.COMPANIONSHIP,))
    html = client.get("/lansia/", {"need": "companionship", "q": "teras"}).content.decode()
    next_link = re.search(r'<a href="([^"]+)" rel="next"', html).group(1)
    assert unescape(next_link) == "?need=companionship&q=teras&page=2"


def test_filters_by_kecamatan_need_and_words(client, db):
    genteng = listed(needs=(Need.DAILY_MEALS, Need.HOME_REPAIR), story="Atap dapurnya bocor.")
    muncar = listed(village=village_of(MUNCAR), needs=(Need.COMPANIONSHIP,))
    named = listed(pseudonym="Mbah Sumirah", needs=(Need.DAILY_MEALS,))

    def shown(**params) -> set[str]:
        response = client.get("/lansia/", params)
        assert response.status_code == 200
        return {p.public_id for p in response.context["page"]}

    assert shown(kecamatan=MUNCAR) == {muncar.public_id}
    assert shown(kecamatan=GENTENG) == {genteng.public_id, named.public_id}
    assert shown(need="home_repair") == {genteng.public_id}
    assert shown(need="daily_meals") == {genteng.public_id, named.public_id}
    assert shown(q="sumirah") == {named.public_id}
    assert shown(q="dapurnya") == {genteng.public_id}
    assert shown(q="Muncar") == {muncar.public_id}  # the kecamatan's name
    assert shown(kecamatan=GENTENG, need="companionship") == set()
    # A hand-edited address drops the filter it cannot read, and keeps the page working.
    assert shown(kecamatan="99.99.99", need="hidup_sendiri") == {
        genteng.public_id,
        muncar.public_id,
        named.public_id,
    }


def test_the_filter_form_works_without_javascript_and_labels_every_field(client, db):
    listed()
    html = client.get("/lansia/").content.decode()
    form = re.search(r"<form method=\"get\"[^>]*>.*?</form>", html, re.S).group(0)
    assert f'action="{reverse("portal:listing_list")}"' in form
    for name in ("kecamatan", "need", "q"):
        assert f'name="{name}"' in form
        assert f'<label for="id_{name}">' in form
    assert 'type="search"' in form
    assert '<button type="submit">' in form
    # Every kecamatan is offered, with how many people are listed there; two orders.
    assert form.count("<option") == 25 + 1 + len(Need.values) + 1 + 2
    assert "Genteng (1)" in form


def test_a_listing_page_shows_the_public_profile(client, db):
    person = listed(
        pseudonym="Mbah Karsinah",
        story="Suka bercerita tentang sawahnya dulu.",
        needs=(Need.DAILY_MEALS, Need.COMPANIONSHIP),
        monthly_need=750_000,
    )
    response = client.get(reverse("portal:listing_detail", args=[person.public_id]))
    assert response.status_code == 200
    html = text_of(response)
    assert "<h1>Mbah Karsinah</h1>" in html
    assert "Suka bercerita tentang sawahnya dulu." in html
    assert "Rp750.000" in html
    assert "70–79" in html
    assert "Genteng" in html
    assert str(Need.DAILY_MEALS.label) in html
    assert f"?kecamatan={GENTENG}" in html


def test_the_english_pages_live_under_en(client, db):
    person = listed()
    listing = client.get("/en/lansia/")
    detail = client.get(f"/en/lansia/{person.public_id}/")
    for response in (listing, detail):
        assert response.status_code == 200
        assert '<html lang="en">' in response.content.decode()
    assert "Elderly people waiting for meals" in listing.content.decode()
    assert "Daily meals" in detail.content.decode()


def test_a_photo_is_shown_only_with_a_standing_consent(client, db, settings):
    with_consent = listed(photo="listings/with-consent.jpg")
    with_consent.photo_consent = PhotoConsent.objects.create(
        recipient=with_consent, given_by="Anak kandung", relationship="anak", given_on="2026-01-05"
    )
    with_consent.save(update_fields=["photo_consent"])
    no_consent = listed(photo="listings/no-consent.jpg")
    withdrawn = listed(photo="listings/withdrawn.jpg")
    withdrawn.photo_consent = PhotoConsent.objects.create(
        recipient=withdrawn,
        given_by="Cucu",
        relationship="cucu",
        given_on="2026-01-05",
        withdrawn_at=timezone.now(),
    )
    withdrawn.save(update_fields=["photo_consent"])
    # Somebody else's consent does not cover this person's photo.
    borrowed = listed(photo="listings/borrowed.jpg")
    borrowed.photo_consent = with_consent.photo_consent
    borrowed.save(update_fields=["photo_consent"])

    def page(person) -> str:
        return client.get(
            reverse("portal:listing_detail", args=[person.public_id])
        ).content.decode()

    assert f'src="/lansia/{with_consent.public_id}/foto/?v=with-consent"' in page(with_consent)
    assert "no-consent.jpg" not in page(no_consent)
    assert "withdrawn.jpg" not in page(withdrawn)
    assert "borrowed.jpg" not in page(borrowed)
    # Without a photo, the only image is the drawing chosen by the needs: never a likeness.
    images = re.findall(r"<img [^>]*>", page(no_consent).split("<main", 1)[1])
    assert images
    assert all('src="/static/img/illustrations/' in image for image in images), images


@pytest.mark.parametrize("kind", ["list", "detail"])
def test_share_tags_carry_only_the_pseudonym_the_kecamatan_and_generic_text(client, db, kind):
    person = listed(pseudonym="Mbah Ponirah", story="Cerita yang hanya ada di halamannya.")
    url = (
        reverse("portal:listing_list")
        if kind == "list"
        else reverse("portal:listing_detail", args=[person.public_id])
    )
    html = client.get(url).content.decode()
    head = html.split("</head>", 1)[0]
    tags = dict(
        re.findall(r'<meta (?:property|name)="((?:og|twitter):\w+)" content="([^"]*)"', head)
    )
    assert set(tags) >= {"og:title", "og:description", "og:type", "twitter:card"}
    shared = " ".join(tags.values())
    assert "Cerita yang hanya ada" not in shared
    if kind == "list":
        assert tags["twitter:card"] == "summary"
        assert "og:image" not in tags
    else:
        assert "Mbah Ponirah" in tags["og:title"]
        assert "Genteng" in tags["og:title"]
        # The drawn card (tests/portal/test_share_images.py), never the photo.
        assert tags["twitter:card"] == "summary_large_image"
        assert re.fullmatch(
            rf"http://127\.0\.0\.1:8000/lansia/{person.public_id}/og-[0-9a-f]{{12}}\.png",
            tags["og:image"],
        )
        assert tags["og:url"] == f"http://127.0.0.1:8000/lansia/{person.public_id}/"


@pytest.mark.parametrize("kind", ["list", "detail"])
def test_public_pages_need_no_inline_script_or_style(client, db, kind):
    person = listed()
    url = "/lansia/" if kind == "list" else f"/lansia/{person.public_id}/"
    response = client.get(url)
    html = response.content.decode()
    assert " style=" not in html
    assert "<style" not in html
    # A script only from this site's static files, never inline.
    for script in re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S):
        assert script.strip() == ""
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert re.search(r'src="/static/[^"]+\.js"', tag), tag
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_amounts_are_written_with_dots_between_thousands():
    assert rupiah(720_000) == "Rp720.000"
    assert rupiah(12_000) == "Rp12.000"
    assert rupiah(1_500_000_000) == "Rp1.500.000.000"
    assert rupiah(0) == "Rp0"
    assert rupiah(-5_000) == "-Rp5.000"
    assert rupiah(None) == ""
    assert rupiah("not money") == ""
    rendered = Template("{% load rupiah %}{{ amount|rupiah }}").render(Context({"amount": 720000}))
    assert rendered == "Rp720.000"


# --- robots.txt and the sitemap -------------------------------------------------------------------


def test_robots_txt_allows_the_public_pages_and_points_to_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Allow: /" in lines
    for private in ("/petugas/", "/akun/", "/admin/", "/api/"):
        assert f"Disallow: {private}" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert not any(line in {"Disallow: /", "Disallow: /lansia/"} for line in lines)


def test_the_sitemap_lists_home_the_listings_and_published_people_in_both_languages(client, db):
    person = listed()
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    locations = set(re.findall(r"<loc>([^<]+)</loc>", response.content.decode()))
    assert locations == {
        "http://testserver/",
        "http://testserver/en/",
        "http://testserver/lansia/",
        "http://testserver/en/lansia/",
        f"http://testserver/lansia/{person.public_id}/",
        f"http://testserver/en/lansia/{person.public_id}/",
    }
    assert 'hreflang="en"' in response.content.decode()


# --- Queries --------------------------------------------------------------------------------------


def queries_for(client, url: str) -> int:
    client.get(url)  # anything cached on a first request is not the listing's cost
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def spread(count: int) -> None:
    """``count`` published people across several villages and kecamatan, some with photos."""
    villages = list(Village.objects.order_by("code")[:7])
    for n in range(count):
        person = listed(village=villages[n % len(villages)], photo=f"listings/{n}.jpg")
        if n % 2:
            person.photo_consent = PhotoConsent.objects.create(
                recipient=person, given_by="Keluarga", relationship="anak", given_on="2026-01-05"
            )
            person.save(update_fields=["photo_consent"])


@pytest.mark.parametrize("url", ["/lansia/", "/", "/lansia/?need=daily_meals&q=Mbah"])
def test_the_number_of_queries_does_not_grow_with_the_listings(client, db, url):
    spread(3)
    few = queries_for(client, url)
    spread(27)
    many = queries_for(client, url)
    assert few == many, (few, many)


def test_the_listing_page_costs_a_handful_of_queries(client, db):
    spread(30)
    # The kecamatan filter, the count, the rows, the villages' counts, and (donations) the
    # month's progress of every card on the page in one query.
    assert queries_for(client, "/lansia/") == 5


def test_a_photo_is_served_only_while_published_with_a_standing_consent(client, db):
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from portal.services.lifecycle import recipient_transition
    from tests.factories import make_official
    from tests.factories.portal import PhotoConsentFactory, RecipientFactory

    person = RecipientFactory(publishable=True, status="published")
    consent = PhotoConsentFactory(recipient=person)
    person.photo.save("abc123.jpg", ContentFile(b"\xff\xd8\xff fake jpeg"), save=False)
    person.photo_consent = consent
    person.save(update_fields=["photo", "photo_consent"])

    detail = client.get(f"/lansia/{person.public_id}/").content.decode()
    photo_url = f"/lansia/{person.public_id}/foto/?v=abc123"
    assert photo_url in detail
    assert "/media/" not in detail
    response = client.get(photo_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")

    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at"])
    assert client.get(photo_url).status_code == 404

    consent.withdrawn_at = None
    consent.save(update_fields=["withdrawn_at"])
    reviewer = make_official("reviewer", kecamatan=("35.10.09",))
    recipient_transition(recipient=person, to_status="suspended", actor=reviewer, reason="cek")
    assert client.get(photo_url).status_code == 404
