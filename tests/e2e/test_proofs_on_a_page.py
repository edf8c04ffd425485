"""A finance officer looks at donors' proofs of transfer on the gift's page, in Chromium, at a
desktop width and on a 360 x 740 phone, in both languages: a photo and a PDF's first page shown
whole within the page (no sideways scroll), a damaged PDF explained with its download, no
Content Security Policy violation, and one audit event per look. Screenshots go to
$SCREENSHOT_DIR when it is set."""

import io
import os
import re
import uuid

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image, ImageDraw, ImageFont
from reportlab.pdfgen.canvas import Canvas

from accounts.models import AuditEvent
from accounts.storage import private_storage
from donations.models import Gift
from donations.services import bank
from tests.factories.finance import bank_gift, officer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


def _login(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    host = re.sub(r"^https?://", "", live_server.url).split(":")[0]
    page.context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "domain": host,
                "path": "/",
            }
        ]
    )


def receipt_photo() -> SimpleUploadedFile:
    """A phone's photo of a transfer receipt: tall, with text to read."""
    image = Image.new("RGB", (900, 1600), (250, 250, 246))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(settings.BASE_DIR / "static/fonts/DejaVuSans.ttf"), 44)
    for row, text in enumerate(
        ["BANK JATIM", "Transfer berhasil", "Rp50.123", "ke Rantang Kasih", "Ref RK-PHOTO"]
    ):
        draw.text((60, 120 + row * 110), text, font=font, fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile("bukti.jpg", buffer.getvalue(), content_type="image/jpeg")


def receipt_pdf() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(595, 842))
    for number in (1, 2):
        canvas.setFont("Helvetica-Bold", 30)
        canvas.drawString(60, 760, "BANK JATIM - BUKTI TRANSFER")
        canvas.setFont("Helvetica", 22)
        canvas.drawString(60, 700, f"Halaman {number}: Rp75.456 ke Rantang Kasih")
        canvas.showPage()
    canvas.save()
    return SimpleUploadedFile("bukti.pdf", buffer.getvalue(), content_type="application/pdf")


def damaged_pdf_gift() -> Gift:
    gift = bank_gift(proof=False)
    name = private_storage().save(
        f"donations/proofs/{uuid.uuid4().hex}", ContentFile(b"%PDF-1.7\n% cut short")
    )
    Gift.objects.filter(pk=gift.pk).update(proof=name, proof_content_type="application/pdf")
    return Gift.objects.get(pk=gift.pk)


@pytest.mark.browser
def test_a_finance_officer_looks_at_proofs_on_the_page(
    open_page, live_server, assert_no_csp_violations
):
    reader = officer()
    photo = bank.proof_attach(gift=bank_gift(proof=False), upload=receipt_photo())
    pdf = bank.proof_attach(gift=bank_gift(proof=False), upload=receipt_pdf())
    damaged = damaged_pdf_gift()
    shots = os.environ.get("SCREENSHOT_DIR")
    pictures_shown = 0

    for viewport_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        for prefix in ("", "/en"):
            language = "en" if prefix else "id"
            for label, gift in (("photo", photo), ("pdf", pdf), ("damaged", damaged)):
                page = open_page(viewport=viewport)
                _login(page, live_server, reader)
                response = page.goto(f"{prefix}/petugas/keuangan/donasi/{gift.public_ref}/")
                assert response.status == 200
                assert page.locator("html").get_attribute("lang") == language
                # The download is offered in every case.
                assert page.locator("#proof-link").count() == 1
                if label == "damaged":
                    assert page.locator("#proof-unreadable").is_visible()
                    assert page.locator("#proof-picture").count() == 0
                else:
                    picture = page.locator("#proof-picture")
                    picture.scroll_into_view_if_needed()
                    page.wait_for_function(
                        "() => { const i = document.getElementById('proof-picture');"
                        " return i && i.complete && i.naturalWidth > 0; }"
                    )
                    pictures_shown += 1
                    box = picture.bounding_box()
                    assert box is not None and box["width"] > 100
                    # Whole within the column: never wider than the screen, never taller than
                    # most of it.
                    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
                    assert box["height"] <= viewport["height"]
                    if label == "pdf":
                        caption = page.locator("#proof-figure figcaption").inner_text()
                        assert "2" in caption
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{overflow}px sideways ({viewport_name}, {language})"
                if shots:
                    page.screenshot(
                        path=os.path.join(shots, f"proof-{label}-{viewport_name}-{language}.png"),
                        full_page=True,
                    )

    assert_no_csp_violations()
    # One event per picture shown (the browser asked for each once); none for the damaged
    # file, which showed nothing of itself.
    events = AuditEvent.objects.filter(action=AuditEvent.Action.PROOF_VIEWED)
    assert events.count() == pictures_shown == 8
    assert not events.filter(target=f"donations.gift:{damaged.pk}").exists()
