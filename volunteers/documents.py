"""Files the visits hand out: calendar files, the certificate PDF, the coordinators' CSV.

Calendar files carry the pseudonym and the meeting point, never the address
(docs/architecture.md): a calendar is synced to phones and shared far beyond the portal's
control.
"""

import csv
import datetime
import io
from collections.abc import Iterable

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from core.numbers import format_count, format_hours

from .models import Booking, Certificate

PRODID = "-//Pemerintah Kabupaten Banyuwangi//Rantang Kasih//ID"
UID_DOMAIN = "rantangkasih.banyuwangikab.go.id"


def _event(booking: Booking) -> icalendar.Event:
    slot = booking.slot
    event = icalendar.Event()
    event.add("uid", f"visit-booking-{booking.pk}@{UID_DOMAIN}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", slot.starts_at.astimezone(datetime.UTC))
    event.add("dtend", slot.ends_at.astimezone(datetime.UTC))
    event.add(
        "summary",
        _("Rantang Kasih visit: %(pseudonym)s") % {"pseudonym": slot.recipient.pseudonym},
    )
    event.add("location", slot.meeting_point)
    lines = [
        _("Meeting point: %(place)s (%(kecamatan)s)")
        % {"place": slot.meeting_point, "kecamatan": slot.kecamatan.name},
    ]
    if slot.what_to_bring:
        lines.append(_("What to bring: %(what)s") % {"what": slot.what_to_bring})
    lines.append(settings.PORTAL_BASE_URL + reverse("volunteers:booking_detail", args=[booking.pk]))
    event.add("description", "\n".join(lines))
    event.add("status", "CONFIRMED")
    return event


def calendar_bytes(bookings: Iterable[Booking], *, name: str) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for booking in bookings:
        calendar.add_component(_event(booking))
    return calendar.to_ical()


# --- CSV ----------------------------------------------------------------------------------------

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_bytes(header: list[str], rows: Iterable[Iterable]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_safe(h) for h in header])
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    # With a BOM, Excel reads UTF-8 (names with accents) correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- The certificate ----------------------------------------------------------------------------


def certificate_pdf(certificate: Certificate) -> bytes:
    verify_url = settings.PORTAL_BASE_URL + reverse("volunteers:certificate_verify")
    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height), invariant=1)
    pdf.setTitle(_("Certificate of visit hours") + f" {certificate.code}")
    pdf.setAuthor("Rantang Kasih Banyuwangi")
    pdf.setStrokeColorRGB(0.54, 0.23, 0.07)
    pdf.setLineWidth(3)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    centre = width / 2
    pdf.setFont("Helvetica-Bold", 28)
    pdf.drawCentredString(centre, height - 45 * mm, _("Certificate of visit hours"))
    pdf.setFont("Helvetica", 14)
    pdf.drawCentredString(
        centre, height - 58 * mm, _("Rantang Kasih Banyuwangi · Dinas Pendidikan and Dinas Sosial")
    )
    pdf.drawCentredString(centre, height - 80 * mm, _("This certifies that"))
    pdf.setFont("Helvetica-Bold", 24)
    pdf.drawCentredString(centre, height - 95 * mm, certificate.student_name)
    pdf.setFont("Helvetica", 14)
    pdf.drawCentredString(centre, height - 107 * mm, certificate.school_name)
    pdf.drawCentredString(
        centre,
        height - 125 * mm,
        _("visited elderly residents of Banyuwangi for %(hours)s hours in %(visits)s visits.")
        % {
            "hours": format_hours(certificate.minutes),
            "visits": format_count(certificate.visits),
        },
    )
    issued = timezone.localtime(certificate.issued_at).date().isoformat()
    pdf.setFont("Helvetica", 11)
    pdf.drawCentredString(centre, 40 * mm, _("Issued on %(date)s") % {"date": issued})
    pdf.setFont("Helvetica-Bold", 13)
    pdf.drawCentredString(
        centre, 32 * mm, _("Verification code: %(code)s") % {"code": certificate.code}
    )
    pdf.setFont("Helvetica", 11)
    pdf.drawCentredString(centre, 25 * mm, _("Check it at %(url)s") % {"url": verify_url})
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
