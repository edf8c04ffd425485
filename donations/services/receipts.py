"""Receipts and the donor's signed link.

A guest has no account: the receipt e-mail carries a signed link naming the donor (their keyed
hash, never the address), which opens their gifts and sponsorships for
``DONOR_LINK_MAX_AGE_DAYS``. Signed-in donors reach the same page from their account.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen import canvas

from core.money import rupiah
from portal.models import Recipient

from ..models import Donor, Gift
from .ledger import period_for

_SALT = "donations.donor-link"


def donor_token(donor: Donor) -> str:
    return signing.dumps({"d": donor.key}, salt=_SALT, compress=True)


def donor_from_token(token: str) -> Donor | None:
    """The donor a link names, or None for a forged, altered or expired link."""
    try:
        data = signing.loads(
            token, salt=_SALT, max_age=settings.DONOR_LINK_MAX_AGE_DAYS * 24 * 3600
        )
    except signing.BadSignature:
        return None
    key = data.get("d") if isinstance(data, dict) else None
    return Donor.objects.filter(key=key).first() if isinstance(key, str) else None


def receipt_link(gift: Gift) -> str:
    """The absolute address of the donor's gifts page, in the donor's language."""
    with translation.override(gift.donor.language or settings.LANGUAGE_CODE):
        path = reverse("donations:donor_link", args=[donor_token(gift.donor)])
    return settings.PORTAL_BASE_URL + path


# --- The receipt as PDF ------------------------------------------------------------------------


def _for_whom(gift: Gift) -> str:
    if gift.recipient_id is None:
        return _("Rantang Kasih fund")
    # The pseudonym only: a receipt can be forwarded, printed and filed; it never carries
    # the person's identity.
    pseudonym = (
        Recipient.objects.filter(pk=gift.recipient_id).values_list("pseudonym", flat=True).first()
    )
    return _("Meals for %(pseudonym)s (a Rantang Kasih listing)") % {
        "pseudonym": pseudonym or _("a listed elderly person")
    }


def receipt_lines(gift: Gift) -> list[tuple[str, str]]:
    """(label, value) rows of a receipt, in the active language."""
    amount = gift.received_amount or gift.amount
    paid_at = timezone.localtime(gift.paid_at) if gift.paid_at else None
    rows = [
        (_("Receipt number"), gift.receipt_number or ""),
        (_("Date received (WIB)"), paid_at.strftime("%d-%m-%Y %H:%M") if paid_at else ""),
        (_("Amount"), rupiah(amount)),
        (_("For"), _for_whom(gift)),
    ]
    if gift.transfer_code:
        rows.append(
            (
                _("Unique transfer code"),
                _("Of which %(code)s is the unique transfer code: part of your gift.")
                % {"code": rupiah(gift.transfer_code)},
            )
        )
    if gift.sponsorship_id:
        rows.append((_("Kind of gift"), _("One month of a monthly sponsorship")))
    else:
        rows.append((_("Kind of gift"), _("One-off gift")))
    rows.append((_("Paid by"), gift.paid_by))
    if gift.bank_reference:
        rows.append((_("Transfer reference"), gift.bank_reference))
    # The name frozen on the gift: an issued receipt never changes, not by a later gift
    # under another name nor by the donor's erasure.
    if gift.donor_name.strip():
        rows.append((_("Donor"), gift.donor_name.strip()))
    period = period_for(gift.paid_at) if gift.paid_at else None
    if period is not None:
        permit = f"{period.name} ({period.permit_number})" if period.permit_number else period.name
        rows.append((_("Collection permit"), permit))
    if gift.refunded:
        rows.append((_("Refunded"), rupiah(gift.refunded)))
        rows.append((_("Amount kept after refunds"), rupiah(max(amount - gift.refunded, 0))))
    if gift.disputed:
        rows.append((_("Card dispute"), _("The payment was disputed with the card issuer.")))
    return rows


def receipt_pdf(gift: Gift) -> bytes:
    """The receipt of a received gift as a one-page A4 PDF, in the donor's language.

    It states the receipt number, the date in WIB, the amount, what the gift was for (a
    listing's pseudonym or the fund), the donor's name if they gave one, any refund, and, for
    the sandbox gateway, that no real payment was made.
    """
    with translation.override(gift.donor.language or gift.language or settings.LANGUAGE_CODE):
        title = _("Donation receipt")
        rows = receipt_lines(gift)
        sandbox = gift.sandbox
        texts = {
            "issuer": _("Rantang Kasih Banyuwangi"),
            "programme": _("Free daily meals for poor elderly residents of Kabupaten Banyuwangi"),
            "sandbox": _("SANDBOX — not a real payment"),
            "thanks": _(
                "Thank you. Every gift is recorded in the public accounts of the collection: "
                "see where each rupiah went on the transparency page."
            ),
            "link": settings.PORTAL_BASE_URL + reverse("donations:transparency"),
            "footer": _("This receipt was issued by the Rantang Kasih portal."),
        }
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    pdf.setTitle(f"{title} {gift.receipt_number or ''}".strip())
    pdf.setAuthor(texts["issuer"])
    pdf.setCreator(texts["issuer"])
    width, height = A4
    left = 20 * mm
    y = height - 25 * mm
    pdf.setFont("Helvetica-Bold", 18)
    pdf.drawString(left, y, texts["issuer"])
    y -= 7 * mm
    pdf.setFont("Helvetica", 10)
    pdf.drawString(left, y, texts["programme"])
    y -= 14 * mm
    if sandbox:
        pdf.setFont("Helvetica-Bold", 16)
        pdf.drawString(left, y, texts["sandbox"])
        y -= 12 * mm
    pdf.setFont("Helvetica-Bold", 15)
    pdf.drawString(left, y, title)
    y -= 10 * mm
    for label, value in rows:
        pdf.setFont("Helvetica-Bold", 11)
        pdf.drawString(left, y, label)
        pdf.setFont("Helvetica", 11)
        pdf.drawString(left + 60 * mm, y, value[:80])
        y -= 7 * mm
    y -= 6 * mm
    pdf.setFont("Helvetica", 10)
    for line in [*simpleSplit(texts["thanks"], "Helvetica", 10, width - 2 * left), texts["link"]]:
        pdf.drawString(left, y, line)
        y -= 5.5 * mm
    pdf.setFont("Helvetica-Oblique", 9)
    pdf.drawString(left, 15 * mm, texts["footer"])
    if sandbox:
        pdf.setFont("Helvetica-Bold", 9)
        pdf.drawRightString(width - left, 15 * mm, texts["sandbox"])
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
