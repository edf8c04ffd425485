"""Officials' pages of the visits: organisers' slots, attendance, reviewers' reports and visits
per person, the coordinator's school."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import official_required
from core.forms import add_refusal, posted
from portal.selectors.person import may_open_person

from ..documents import csv_bytes
from ..forms import ReasonForm, SlotForm
from ..models import Booking, Student
from ..permissions import COORDINATOR_ROLES, ORGANISER_ROLES, REVIEWER_ROLES
from ..selectors.officials import (
    report_for_official,
    reports_for_official,
    roster,
    schools_for_organiser,
    slot_for_official,
    slots_for_official,
    visitable_people,
    visits_per_person,
)
from ..selectors.schools import (
    coordinator_school,
    school_bookings,
    school_export_rows,
    school_student_for,
    school_students,
)
from ..services.slots import slot_cancel, slot_create
from ..services.students import student_decide
from ..services.visits import attendance_mark, checkin_window
from .common import private_download

B = Booking.Status
# A visit stays among the upcoming ones until half a day after it started.
HALF_DAY = datetime.timedelta(hours=12)


@official_required(*ORGANISER_ROLES)
@require_safe
def slots(request):
    now = timezone.now()
    in_scope = slots_for_official(request.user)
    return render(
        request,
        "volunteers/officials/slots.html",
        {
            "upcoming": in_scope.filter(starts_at__gte=now - HALF_DAY)[:200],
            "past": in_scope.filter(starts_at__lt=now - HALF_DAY).order_by("-starts_at")[:50],
        },
    )


@official_required(*ORGANISER_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def slot_new(request):
    user = request.user
    form = SlotForm(
        posted(request), people=visitable_people(user), schools=schools_for_organiser(user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = slot_create(
                actor=user,
                recipient=data["person"],
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                capacity=data["capacity"],
                meeting_point=data["meeting_point"],
                what_to_bring=data["what_to_bring"],
                school=data["school"],
                repeat_weeks=data["repeat_weeks"],
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(
                request,
                _("%(count)s visit(s) created.") % {"count": len(made)},
            )
            return redirect("volunteers:official_slot", pk=made[0].pk)
    return render(request, "volunteers/officials/slot_form.html", {"form": form})


@official_required(*ORGANISER_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def slot_manage(request, pk: int):
    slot = slot_for_official(request.user, pk)
    bookings = roster(request.user, slot)
    if request.method == "POST":
        attended, absent = set(), set()
        for booking in bookings:
            choice = request.POST.get(f"b{booking.pk}", "")
            if choice == "attended":
                attended.add(booking.pk)
            elif choice == "absent":
                absent.add(booking.pk)
        try:
            changed = attendance_mark(
                slot=slot, actor=request.user, attended=attended, absent=absent
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(
                request, _("Attendance saved (%(count)s changed).") % {"count": changed}
            )
        return redirect("volunteers:official_slot", pk=slot.pk)
    opens, _closes = checkin_window(slot)
    return render(
        request,
        "volunteers/officials/slot_manage.html",
        {
            "slot": slot,
            "bookings": bookings,
            "attendance_open": timezone.now() >= opens and slot.status == "open",
            "can_cancel": slot.status == "open" and slot.starts_at > timezone.now(),
            # A coordinator opens slots of their school's kecamatan, the person page only
            # their own school's visits: the link only where it opens.
            "person_link": may_open_person(request.user, slot.recipient),
        },
    )


@official_required(*ORGANISER_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def slot_cancel_view(request, pk: int):
    slot = slot_for_official(request.user, pk)
    form = ReasonForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            slot_cancel(slot=slot, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("The visit is cancelled and the students are told."))
            return redirect("volunteers:official_slot", pk=slot.pk)
    return render(request, "volunteers/officials/slot_cancel.html", {"slot": slot, "form": form})


@official_required(*REVIEWER_ROLES)
@require_safe
def reports(request):
    flagged_only = request.GET.get("flagged") == "1"
    return render(
        request,
        "volunteers/officials/reports.html",
        {
            "reports": reports_for_official(request.user, flagged_only=flagged_only)[:200],
            "flagged_only": flagged_only,
        },
    )


@official_required(*REVIEWER_ROLES)
@require_safe
@never_cache
def report_detail(request, pk: int):
    report = report_for_official(request.user, pk)
    return render(request, "volunteers/officials/report_detail.html", {"report": report})


@official_required(*REVIEWER_ROLES)
@require_safe
def people(request):
    return render(
        request, "volunteers/officials/people.html", {"people": visits_per_person(request.user)}
    )


@official_required(*COORDINATOR_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def school(request):
    user = request.user
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        if decision not in (Student.Status.CONFIRMED, Student.Status.REJECTED):
            messages.error(request, _("Choose to confirm or to refuse."))
        else:
            try:
                student = school_student_for(user, int(request.POST.get("student", "0") or 0))
            except ValueError:
                messages.error(request, _("Choose a student."))
            else:
                try:
                    student_decide(student=student, actor=user, to_status=decision)
                except ValidationError as error:
                    messages.error(request, error.messages[0])
                else:
                    messages.success(request, _("Saved."))
        return redirect("volunteers:school")
    students = school_students(user)
    return render(
        request,
        "volunteers/officials/school.html",
        {
            "school": coordinator_school(user),
            "pending": [s for s in students if s.status == Student.Status.PENDING],
            "students": students,
            "bookings": school_bookings(user)[:200],
        },
    )


@official_required(*COORDINATOR_ROLES)
@require_safe
def school_export(request):
    school_obj = coordinator_school(request.user)
    header, rows = school_export_rows(request.user)
    stamp = timezone.localdate().isoformat()
    return private_download(
        csv_bytes(header, rows),
        content_type="text/csv; charset=utf-8",
        filename=f"siswa-{school_obj.npsn if school_obj else 'sekolah'}-{stamp}.csv",
    )
