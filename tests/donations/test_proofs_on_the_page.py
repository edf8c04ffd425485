"""Proofs shown on the finance officers' pages, not only downloaded: a photo inline, a PDF by its
first page drawn on the server; only for the officers who may open proofs; one audit event per
look at the proof; a damaged file explained, with the download."""

import io
import uuid

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from accounts import pii
from accounts.models import AuditEvent, Role
from accounts.previews import PREVIEW_CACHE_SECONDS, preview_key, private_pdf_preview
from accounts.storage import private_storage
from core.previews import PREVIEW_MAX_SIDE, PreviewUnavailable, pdf_first_page_png, sniff
from donations.models import Gift
from donations.services import bank
from tests.factories import UserFactory, make_official
from tests.factories.finance import bank_gift, disbursement, line, listed_person, officer

pytestmark = pytest.mark.django_db

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def pdf_bytes(pages: int = 2) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(595, 842))
    for number in range(1, pages + 1):
        canvas.setFont("Helvetica", 28)
        canvas.drawString(72, 760, f"BANK JATIM - TRANSFER BERHASIL - halaman {number}")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def pdf_gift(pages: int = 2) -> Gift:
    gift = bank_gift(proof=False)
    upload = SimpleUploadedFile("bukti.pdf", pdf_bytes(pages), content_type="application/pdf")
    return bank.proof_attach(gift=gift, upload=upload)


def broken_pdf_gift() -> Gift:
    """A proof that is no longer a readable PDF in the store (stored before the cleaner, or
    damaged there): written straight into private storage."""
    gift = bank_gift(proof=False)
    name = private_storage().save(
        f"donations/proofs/{uuid.uuid4().hex}", ContentFile(b"%PDF-1.7\n% cut short")
    )
    Gift.objects.filter(pk=gift.pk).update(proof=name, proof_content_type="application/pdf")
    gift.refresh_from_db()
    return gift


def url(name: str, gift) -> str:
    return reverse(f"donations:{name}", kwargs={"ref": gift.public_ref})


def looks(target: str | None = None):
    events = AuditEvent.objects.filter(action=AuditEvent.Action.PROOF_VIEWED)
    return events.filter(target=target) if target else events


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


# --- A photo -----------------------------------------------------------------------------------


def test_a_photo_proof_is_shown_on_the_gift_page_and_served_inline_with_safe_headers(client):
    gift = bank_gift()
    client.force_login(officer())
    page = client.get(url("fin_gift", gift))
    html = page.content.decode()
    assert f'src="{url("fin_gift_proof_inline", gift)}"' in html
    assert 'data-kind="image"' in html
    assert url("fin_gift_proof", gift) in html  # the download stays
    assert not looks().exists()  # the page itself shows nothing of the proof

    response = client.get(url("fin_gift_proof_inline", gift))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"  # what the bytes are, not what was sent
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert {"private", "no-store"} <= set(response["Cache-Control"].replace(",", " ").split())
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert body(response)[:3] == b"\xff\xd8\xff"
    (event,) = looks()
    assert event.target == f"donations.gift:{gift.pk}"
    assert event.details == {"shown": "page"}


def test_the_page_allows_its_own_pictures_in_its_content_security_policy(client):
    gift = bank_gift()
    client.force_login(officer())
    policy = client.get(url("fin_gift", gift))["Content-Security-Policy"]
    img_src = next(d for d in policy.split(";") if d.strip().startswith("img-src"))
    assert "'self'" in img_src.split()


@pytest.mark.parametrize(
    "role", [Role.ADMINISTRATOR, Role.LEAD_REVIEWER, Role.DATA_OFFICER, Role.REVIEWER]
)
def test_other_officials_get_no_picture_and_nothing_is_logged_as_seen(client, role):
    gift = bank_gift()
    client.force_login(make_official(role))
    assert client.get(url("fin_gift_proof_inline", gift)).status_code == 403
    assert not looks().exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCESS_DENIED).exists()


def test_an_administrator_reads_the_gift_page_without_the_picture(client):
    gift = bank_gift()
    client.force_login(make_official(Role.ADMINISTRATOR))
    html = client.get(url("fin_gift", gift)).content.decode()
    assert url("fin_gift_proof_inline", gift) not in html and "proof-picture" not in html
    assert not looks().exists()


def test_a_donor_and_a_visitor_get_no_picture(client):
    gift = bank_gift()
    client.force_login(UserFactory(email="donor@example.org"))
    assert client.get(url("fin_gift_proof_inline", gift)).status_code == 403
    client.logout()
    response = client.get(url("fin_gift_proof_inline", gift))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert not looks().exists()


def test_an_unknown_gift_or_one_without_proof_is_404_and_not_logged(client):
    client.force_login(officer())
    missing = reverse("donations:fin_gift_proof_inline", kwargs={"ref": uuid.uuid4()})
    assert client.get(missing).status_code == 404
    assert client.get(url("fin_gift_proof_inline", bank_gift(proof=False))).status_code == 404
    assert not looks().exists()


def test_each_look_is_one_event_and_a_head_request_is_none(client):
    gift = bank_gift()
    client.force_login(officer())
    for _look in range(2):  # the page, then the picture its <img> asks for
        client.get(url("fin_gift", gift))
        client.get(url("fin_gift_proof_inline", gift))
    assert looks().count() == 2
    assert client.head(url("fin_gift_proof_inline", gift)).status_code == 200
    assert looks().count() == 2
    client.get(url("fin_gift_proof", gift))  # a download is a look of its own
    assert list(looks().order_by("pk").values_list("details", flat=True)) == [
        {"shown": "page"},
        {"shown": "page"},
        {"shown": "download"},
    ]


# --- A PDF -------------------------------------------------------------------------------------


def test_a_pdf_proof_is_shown_by_its_first_page_drawn_as_a_png(client):
    gift = pdf_gift(pages=2)
    assert gift.proof_content_type == "application/pdf"
    client.force_login(officer())
    page = client.get("/en" + url("fin_gift", gift))
    html = page.content.decode()
    assert 'data-kind="pdf"' in html
    assert "The first of the PDF's 2 pages" in html
    assert url("fin_gift_proof", gift) in html

    response = client.get(url("fin_gift_proof_inline", gift))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    png = body(response)
    assert png.startswith(PNG_MAGIC)
    with Image.open(io.BytesIO(png)) as drawn:
        assert max(drawn.size) == PREVIEW_MAX_SIDE
        assert drawn.size[1] > drawn.size[0]  # an A4 page, upright
    assert looks().count() == 1


def test_the_drawing_is_kept_encrypted_in_the_cache_and_not_drawn_again(client, monkeypatch):
    gift = pdf_gift(pages=1)
    first = private_pdf_preview(gift.proof.name)
    assert first is not None and first.pages == 1
    token, width, height, pages = cache.get(preview_key(gift.proof.name))
    assert (width, height, pages) == (first.width, first.height, 1)
    assert PNG_MAGIC not in token and first.png not in token  # encrypted
    assert pii.decrypt_bytes(token) == first.png

    def no_second_drawing(*args, **kwargs):
        raise AssertionError("drawn again")

    monkeypatch.setattr("accounts.previews.pdf_first_page_png", no_second_drawing)
    again = private_pdf_preview(gift.proof.name)
    assert again is not None and again.png == first.png
    assert PREVIEW_CACHE_SECONDS == 3600


def test_a_replaced_proof_is_never_shown_from_the_old_drawing(client):
    gift = pdf_gift(pages=1)
    old = private_pdf_preview(gift.proof.name)
    gift = bank.proof_attach(
        gift=gift,
        upload=SimpleUploadedFile("b.pdf", pdf_bytes(pages=3), content_type="application/pdf"),
    )
    new = private_pdf_preview(gift.proof.name)
    assert old is not None and new is not None
    assert (old.pages, new.pages) == (1, 3)


def test_a_damaged_pdf_is_explained_and_offered_for_download(client):
    gift = broken_pdf_gift()
    client.force_login(officer())
    html = client.get("/en" + url("fin_gift", gift)).content.decode()
    assert 'id="proof-unreadable"' in html
    assert "cannot be shown on the page" in html
    assert url("fin_gift_proof_inline", gift) not in html
    assert url("fin_gift_proof", gift) in html
    assert not looks().exists()
    # The picture is refused (nothing shown, nothing logged); the download still works.
    assert client.get(url("fin_gift_proof_inline", gift)).status_code == 404
    assert not looks().exists()
    download = client.get(url("fin_gift_proof", gift))
    assert download.status_code == 200 and body(download).startswith(b"%PDF-1.7")
    assert looks().count() == 1


def test_the_damaged_message_is_in_indonesian_on_the_indonesian_page(client):
    gift = broken_pdf_gift()
    client.force_login(officer())
    html = client.get(url("fin_gift", gift)).content.decode()
    assert 'id="proof-unreadable"' in html and 'lang="id"' in html


def test_a_stored_file_that_is_no_picture_is_not_served_inline(client):
    gift = bank_gift(proof=False)
    name = private_storage().save("donations/proofs/x", ContentFile(b"<svg onload=alert(1)>"))
    Gift.objects.filter(pk=gift.pk).update(proof=name, proof_content_type="image/jpeg")
    client.force_login(officer())
    html = client.get(url("fin_gift", gift)).content.decode()
    assert 'id="proof-unreadable"' in html
    assert client.get(url("fin_gift_proof_inline", gift)).status_code == 404


def test_drawing_refuses_what_is_not_a_readable_pdf():
    for data in (b"", b"%PDF-1.4\n", b"\xff\xd8\xff", pdf_bytes()[:200]):
        with pytest.raises(PreviewUnavailable):
            pdf_first_page_png(data)


def test_the_kind_of_a_file_is_told_by_its_bytes():
    assert sniff(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert sniff(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff(b"%PDF-1.7") == "application/pdf"
    assert sniff(b"<svg") is None and sniff(b"GIF89a") is None


# --- A disbursement ----------------------------------------------------------------------------


def test_a_disbursements_proof_is_shown_on_its_page_to_the_finance_officers(client):
    first, second = officer(), officer()
    made = disbursement(first, [line(listed_person())])
    page_url = reverse("donations:fin_disbursement", kwargs={"pk": made.pk})
    picture_url = reverse("donations:fin_disbursement_proof_inline", kwargs={"pk": made.pk})
    client.force_login(second)
    html = client.get(page_url).content.decode()
    assert f'src="{picture_url}"' in html
    assert not looks().exists()
    response = client.get(picture_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    (event,) = looks()
    assert (event.actor_ref, event.target) == (
        second.public_ref,
        f"donations.disbursement:{made.pk}",
    )

    client.force_login(make_official(Role.ADMINISTRATOR))
    assert picture_url not in client.get(page_url).content.decode()
    assert client.get(picture_url).status_code == 403
    missing = reverse("donations:fin_disbursement_proof_inline", kwargs={"pk": made.pk + 1})
    client.force_login(first)
    assert client.get(missing).status_code == 404
    assert looks().count() == 1
