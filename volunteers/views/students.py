"""A student's own pages: signing up, browsing and booking visits, the visit, the report,
calendar files, hours and certificates. Every object is read through a selector that answers
404 (and logs ``scope.denied``) for anything not the student's own."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.forms import add_refusal, posted
from notifications.models import Channel
from notifications.selectors import mask_address

from ..documents import calendar_bytes, certificate_pdf
from ..forms import (
    CheckinForm,
    GuardianRequestForm,
    ReportForm,
    SlotFilterForm,
    StudentSignupForm,
)
from ..models import Booking, GuardianConsent
from ..permissions import booking_refusal
from ..selectors.students import (
    address_window,
    booking_address_for_student,
    booking_for_student,
    bookings_coming,
    bookings_of_student,
    certificate_for_student,
    certificates_of_student,
    guardian_link_of,
    kecamatan_with_open_slots,
    live_booking_of,
    open_slots_for_student,
    report_of_booking,
    reports_due,
    slot_for_student,
    student_for_user,
    student_hours,
    student_standing,
    waitlist_position,
)
from ..services.bookings import (
    BookingRefused,
    SlotFull,
    booking_cancel,
    booking_create,
    cancel_deadline,
)
from ..services.students import (
    GUARDIAN_REQUESTS_PER_DAY,
    feed_token_revoke,
    feed_token_rotate,
    guardian_consent_request,
    guardian_consent_resend,
    student_register,
)
from ..services.visits import (
    certificate_issue,
    checkin_by_code,
    checkin_window,
    report_file,
)
from .common import private_download, student_required

B = Booking.Status


@require_safe
def home(request):
    # The programme's page for anyone (the site's menu links here); a student's own page, and
    # the page they land on after signing in, once signed up. Signing up asks for an account
    # (signup is login_required).
    student = student_for_user(request.user)
    if student is None:
        return render(request, "volunteers/students/intro.html")
    minutes, visits = student_hours(student)
    standing = student_standing(student, with_delivery=True)
    coming = list(bookings_coming(student))
    now = timezone.now()
    return render(
        request,
        "volunteers/students/home.html",
        {
            "student": student,
            "standing": standing,
            "guardian": standing.guardian,
            "coming": coming,
            "check_in_now": [
                b
                for b in coming
                if b.status == B.CONFIRMED
                and checkin_window(b.slot)[0] <= now < checkin_window(b.slot)[1]
            ],
            "reports_due": list(reports_due(student)),
            "open_slots": list(open_slots_for_student(student).filter(mine=False)[:3])
            if standing.may_book
            else [],
            "bookings": bookings_of_student(student).exclude(pk__in=[b.pk for b in coming])[:50],
            "minutes": minutes,
            "hours": round(minutes / 60, 1),
            "visits": visits,
            "guardian_days": settings.VISITS_GUARDIAN_LINK_DAYS,
            "guardian_per_day": GUARDIAN_REQUESTS_PER_DAY,
            "guardian_age": settings.VISITS_GUARDIAN_CONSENT_UNDER_AGE,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request):
    if student_for_user(request.user) is not None:
        return redirect("volunteers:home")
    form = StudentSignupForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            student = student_register(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            request.user.__dict__.pop("roles", None)
            messages.success(
                request, _("You are signed up. Your school's coordinator will confirm it.")
            )
            if student.consents.exists():
                messages.info(
                    request,
                    _("We e-mailed your parent or guardian a link to give their consent."),
                )
            return redirect("volunteers:home")
    return render(request, "volunteers/students/signup.html", {"form": form})


def _link_sent_message(consent: GuardianConsent) -> str:
    return _(
        "We e-mailed a new link to %(address)s. It works for %(days)s days: ask them to open "
        "it and give their consent. You can book once they have."
    ) % {
        "address": mask_address(consent.guardian_email, Channel.EMAIL),
        "days": settings.VISITS_GUARDIAN_LINK_DAYS,
    }


@student_required
@require_http_methods(["GET", "HEAD", "POST"])
def guardian_request(request):
    form = GuardianRequestForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            consent = guardian_consent_request(student=request.student, **form.cleaned_data)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _link_sent_message(consent))
            return redirect("volunteers:home")
    return render(
        request,
        "volunteers/students/guardian_request.html",
        {"form": form, "guardian": guardian_link_of(request.student)},
    )


@student_required
@require_POST
def guardian_resend(request):
    """The same guardian, a new link (the home page's button; no page of its own)."""
    try:
        consent = guardian_consent_resend(student=request.student)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _link_sent_message(consent))
    return redirect("volunteers:home")


@student_required
@require_safe
def slot_list(request):
    student = request.student
    form = SlotFilterForm(request.GET or None, kecamatan=list(kecamatan_with_open_slots()))
    filters = form.cleaned_data if form.is_valid() else {}
    slots = open_slots_for_student(
        student, kecamatan_code=filters.get("kecamatan") or "", day=filters.get("day")
    )[:100]
    return render(
        request,
        "volunteers/students/slot_list.html",
        {"form": form, "slots": slots, "standing": student_standing(student)},
    )


@student_required
@require_http_methods(["GET", "HEAD", "POST"])
def slot_detail(request, pk: int):
    student = request.student
    slot = slot_for_student(request.user, student, pk)
    if request.method == "POST":
        try:
            booking, created = booking_create(
                slot_id=slot.pk,
                student=student,
                waitlist=request.POST.get("waitlist") == "1",
                seen=slot,
            )
        except SlotFull:
            return slot_full_answer(request, slot)
        except BookingRefused as error:
            messages.error(request, error.messages[0])
        else:
            if not created:
                messages.info(request, _("You already have this visit."))
            elif booking.status == B.WAITLISTED:
                messages.success(
                    request, _("You are on the waiting list. We tell you if a seat frees up.")
                )
            else:
                messages.success(request, _("Booked. We e-mailed you the details."))
            return redirect("volunteers:booking_detail", pk=booking.pk)
    standing = student_standing(student)
    return render(
        request,
        "volunteers/students/slot_detail.html",
        {
            "slot": slot,
            "full": slot.seats_left == 0,
            "standing": standing,
            # The rule the booking service applies: its reason replaces the button.
            "refusal": booking_refusal(standing, slot),
            "mine": live_booking_of(student, slot),
        },
    )


def slot_full_answer(request, slot) -> HttpResponse:
    """409 to a booking that found the visit full, with the offer of the waiting list. When
    a visit opens, most of its students get this at once: a small page of its own, rendered
    without the site's context processors (menus, addresses per language), nothing read."""
    context = {"slot": slot, "csrf_token": get_token(request)}
    html = render_to_string("volunteers/students/slot_full.html", context)
    return HttpResponse(html, status=409)


@student_required
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def booking_detail(request, pk: int):
    booking = booking_for_student(request.user, pk)
    form = CheckinForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            checkin_by_code(booking=booking, code=form.cleaned_data["code"])
        except BookingRefused as error:
            form.add_error("code", error)
        else:
            messages.success(request, _("You are checked in. Thank you for visiting!"))
            return redirect("volunteers:booking_detail", pk=booking.pk)
    slot = booking.slot
    now = timezone.now()
    opens, closes = checkin_window(slot)
    address_opens, _closes = address_window(slot)
    return render(
        request,
        "volunteers/students/booking_detail.html",
        {
            "booking": booking,
            "slot": slot,
            "address": booking_address_for_student(request.user, booking),
            "address_opens": address_opens,
            "position": waitlist_position(booking),
            "report": report_of_booking(booking),
            "form": form,
            "can_check_in": booking.status == B.CONFIRMED and opens <= now < closes,
            "can_cancel": (
                (booking.status == B.WAITLISTED and now < slot.starts_at)
                or (booking.status == B.CONFIRMED and now <= cancel_deadline(slot))
            ),
            "cancel_deadline": cancel_deadline(slot),
        },
    )


@student_required
@require_http_methods(["GET", "HEAD", "POST"])
def booking_cancel_view(request, pk: int):
    booking = booking_for_student(request.user, pk)
    if request.method == "POST":
        try:
            booking_cancel(booking=booking, actor=request.user)
        except (BookingRefused, ValidationError) as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("Your booking is cancelled."))
        return redirect("volunteers:booking_detail", pk=booking.pk)
    return render(
        request,
        "volunteers/students/booking_cancel.html",
        {
            "booking": booking,
            "slot": booking.slot,
            "cancel_deadline": cancel_deadline(booking.slot),
        },
    )


@student_required
@require_http_methods(["GET", "HEAD", "POST"])
def booking_report(request, pk: int):
    booking = booking_for_student(request.user, pk)
    report = report_of_booking(booking)
    form = ReportForm(posted(request))
    if request.method == "POST" and report is None and form.is_valid():
        try:
            report, _created = report_file(booking=booking, **form.cleaned_data)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Thank you: your report is saved."))
            if report.flagged:
                messages.info(request, _("The reviewers of the kecamatan have been alerted."))
            return redirect("volunteers:booking_detail", pk=booking.pk)
    return render(
        request,
        "volunteers/students/report_form.html",
        {"booking": booking, "slot": booking.slot, "report": report, "form": form},
    )


@student_required
@require_safe
def booking_ics(request, pk: int):
    booking = booking_for_student(request.user, pk)
    if booking.status not in (B.CONFIRMED, B.ATTENDED):
        messages.info(request, _("Only a booked visit goes into a calendar."))
        return redirect("volunteers:booking_detail", pk=booking.pk)
    content = calendar_bytes([booking], name=_("Rantang Kasih visit"))
    return private_download(
        content, content_type="text/calendar; charset=utf-8", filename=f"kunjungan-{booking.pk}.ics"
    )


@student_required
@require_http_methods(["GET", "HEAD", "POST"])
def calendar_settings(request):
    student = request.student
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            feed_token_revoke(student=student)
            messages.success(request, _("The calendar address no longer works."))
        else:
            feed_token_rotate(student=student)
            messages.success(request, _("Your calendar has a new private address."))
        return redirect("volunteers:calendar_settings")
    feed_url = ""
    if student.feed_token:
        feed_url = settings.PORTAL_BASE_URL + reverse(
            "volunteers:calendar_feed", args=[student.feed_token]
        )
    return render(request, "volunteers/students/calendar.html", {"feed_url": feed_url})


@student_required
@require_http_methods(["GET", "HEAD", "POST"])
def certificates(request):
    student = request.student
    if request.method == "POST":
        try:
            certificate = certificate_issue(student=student)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            return redirect("volunteers:certificate_pdf", pk=certificate.pk)
        return redirect("volunteers:certificates")
    minutes, visits = student_hours(student)
    return render(
        request,
        "volunteers/students/certificates.html",
        {
            "certificates": certificates_of_student(student),
            "hours": round(minutes / 60, 1),
            "visits": visits,
        },
    )


@student_required
@require_safe
def certificate_pdf_view(request, pk: int):
    certificate = certificate_for_student(request.user, pk)
    return private_download(
        certificate_pdf(certificate),
        content_type="application/pdf",
        filename=f"sertifikat-{certificate.code}.pdf",
    )
