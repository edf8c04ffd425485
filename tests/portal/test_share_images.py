"""A listing's share image: a 1200x630 PNG drawn from the illustration, pseudonym, kecamatan,
needs and progress only (never a photo, docs/architecture.md), at an address that changes
when the progress does, cached and cheap."""

import io
import re
from html import unescape
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from accounts.models import Role
from portal.models import Need, PhotoConsent, Status
from portal.selectors.public import public_profile_get
from portal.services.lifecycle import recipient_transition
from portal.share_images import SIZE, share_card, share_image_png
from tests.factories import GENTENG, make_official
from tests.factories.donations import TEST_WEBHOOK_SECRET, paid_gift
from tests.portal.test_public_pages import listed


@pytest.fixture(autouse=True)
def _payments(settings):
    settings.PAYMENTS_SANDBOX = True
    settings.STRIPE_WEBHOOK_SECRET = TEST_WEBHOOK_SECRET
    settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300


def share_tags(client, url: str) -> dict[str, str]:
    head = client.get(url).content.decode().split("</head>", 1)[0]
    return {
        name: unescape(value)
        for name, value in re.findall(
            r'<meta (?:property|name)="((?:og|twitter):[\w:]+)" content="([^"]*)"', head
        )
    }


def image_path(client, person, prefix: str = "") -> str:
    url = share_tags(client, f"{prefix}/lansia/{person.public_id}/")["og:image"]
    return re.sub(r"^https?://[^/]+", "", url)


def test_a_listing_page_names_its_share_image_and_its_size(client, db):
    person = listed(pseudonym="Mbah Warsini")
    tags = share_tags(client, f"/lansia/{person.public_id}/")
    assert re.fullmatch(rf".*/lansia/{person.public_id}/og-[0-9a-f]{{12}}\.png", tags["og:image"])
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
    assert tags["og:image:type"] == "image/png"
    assert "Mbah Warsini" in tags["og:image:alt"]
    assert tags["og:url"].endswith(f"/lansia/{person.public_id}/")
    assert tags["twitter:card"] == "summary_large_image"
    # Each language has its own card (its words are the page's).
    english = share_tags(client, f"/en/lansia/{person.public_id}/")
    assert "/en/lansia/" in english["og:image"]
    assert english["og:url"].endswith(f"/en/lansia/{person.public_id}/")


def test_the_share_image_is_a_1200_by_630_png_cached_for_an_hour(client, db):
    person = listed()
    response = client.get(image_path(client, person))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=3600"
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.size) == ("PNG", SIZE) == ("PNG", (1200, 630))
    # Cheap: drawn once; then three queries (the person, their village's count, the month)
    # and the bytes kept.
    path = image_path(client, person)
    client.get(path)
    with (
        mock.patch("portal.views.public.share_image_png") as draw,
        CaptureQueriesContext(connection) as queries,
    ):
        again = client.get(path)
    assert again.content == response.content
    draw.assert_not_called()
    assert len(queries) == 3


def test_the_address_changes_when_a_gift_is_paid_and_an_old_one_leads_to_the_new(client, db):
    person = listed()
    before = image_path(client, person)
    paid_gift(amount=180_000, recipient=person)
    after = image_path(client, person)
    assert after != before
    old = client.get(before)
    assert old.status_code == 302
    assert old["Location"] == after
    assert client.get(after).status_code == 200
    # The same figures, the same address: a messenger's cached copy stays good.
    assert image_path(client, person) == after


def test_the_share_image_never_holds_a_photo_even_a_consented_one(client, db, private_root):
    # Two people alike in everything public; one has a consented photo, of a pure green no
    # drawing uses.
    with_photo = listed(pseudonym="Mbah Kembar", needs=(Need.DAILY_MEALS,))
    without = listed(pseudonym="Mbah Kembar", needs=(Need.DAILY_MEALS,))
    green = io.BytesIO()
    Image.new("RGB", (400, 400), (0, 255, 0)).save(green, format="JPEG")
    with_photo.photo.save("kembar.jpg", ContentFile(green.getvalue()), save=False)
    with_photo.photo_consent = PhotoConsent.objects.create(
        recipient=with_photo, given_by="Anak", relationship="anak", given_on="2026-01-05"
    )
    with_photo.save(update_fields=["photo", "photo_consent"])
    assert public_profile_get(with_photo.public_id).photo_url  # the page does show it

    # The photo is never read to draw the image.
    with mock.patch.object(default_storage, "open", side_effect=AssertionError("photo read")):
        response = client.get(image_path(client, with_photo))
    assert response.status_code == 200
    twin = client.get(image_path(client, without))
    assert response.content == twin.content
    image = Image.open(io.BytesIO(response.content)).convert("RGB")
    greens = [
        count
        for count, (r, g, b) in image.getcolors(maxcolors=1_000_000)
        if g > 200 and r < 80 and b < 80
    ]
    assert not greens


def test_the_card_holds_only_the_drawing_pseudonym_kecamatan_needs_and_progress(db):
    person = listed(
        pseudonym="Mbah Ngatinem",
        story="Cerita yang tidak pernah masuk gambar.",
        needs=(Need.HOME_REPAIR, Need.DAILY_MEALS),
    )
    profile = public_profile_get(person.public_id)
    card = share_card(profile, raised=180_000, need=720_000)
    assert card.illustration == "home_repair"
    assert card.pseudonym == "Mbah Ngatinem"
    assert "Genteng" in card.kecamatan
    assert "Home repair" in card.needs or "Perbaikan rumah" in card.needs
    assert card.percent == 25
    assert "Rp180.000" in card.raised
    assert "Rp540.000" in card.remaining
    written = " ".join(str(value) for value in vars(card).values())
    assert "Cerita" not in written
    assert profile.age_band not in written
    # Every drawing and a long pseudonym draw at the size.
    for needs in ((), (Need.DAILY_MEALS,), (Need.COMPANIONSHIP,), (Need.HOME_REPAIR,)):
        long = listed(pseudonym="Mbah Sastrowardoyo Kusumaningrat", needs=needs)
        drawn = share_card(public_profile_get(long.public_id), raised=0, need=720_000)
        assert Image.open(io.BytesIO(share_image_png(drawn))).size == SIZE


def test_a_listing_that_leaves_the_site_takes_its_image_along(client, db):
    person = listed()
    path = image_path(client, person)
    assert client.get(path).status_code == 200
    reviewer = make_official(Role.REVIEWER, kecamatan=(GENTENG,))
    recipient_transition(
        recipient=person, to_status=Status.WITHDRAWN, actor=reviewer, reason="Keluarga meminta."
    )
    assert client.get(path).status_code == 404
    never = listed(status=Status.CANDIDATE)
    assert client.get(f"/lansia/{never.public_id}/og-000000000000.png").status_code == 404
