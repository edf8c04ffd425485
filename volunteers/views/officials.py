"""Officials' pages of the visits: organisers' slots, attendance, reviewers' reports and visits
per person, the coordinator's school."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import official_required
from core.forms import add_refusal, posted
from core.time import wib
from portal.selectors.person import may_open_person

from ..documents import csv_bytes
from ..forms import ReasonForm, SlotForm
from ..models import Booking, GuardianState, Student
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
    removal_preview,
    school_bookings,
    school_export_rows,
    school_roster,
    school_student_for,
)
from ..selectors.students import guardian_link_of
from ..services.slots import slot_cancel, slot_create
from ..services.students import Decision, StudentDecided, student_decide
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


def _name(student: Student) -> str:
    return student.user.name or student.user.email


def decision_message(decided: StudentDecided) -> str:
    """What the coordinator's decision did, and what the student gets, as the services did it
    (the e-mail is ``visit_school_decision``, always sent)."""
    student = decided.student
    names = {"name": _name(student), "school": student.school.name}
    if decided.decision == Decision.REFUSED:
        return (
            _(
                "%(name)s is marked as not a student of %(school)s and cannot book visits. We "
                "e-mailed them to say so. If this was a mistake, confirm them in the list below."
            )
            % names
        )
    if decided.decision == Decision.REMOVED:
        if decided.released:
            said = ngettext(
                "%(name)s is no longer a student of %(school)s here and cannot book visits. "
                "Their %(count)s booking of a visit still to come is cancelled (a freed seat "
                "goes to the waiting list); the hours already earned are kept. We e-mailed "
                "them to say so.",
                "%(name)s is no longer a student of %(school)s here and cannot book visits. "
                "Their %(count)s bookings of visits still to come are cancelled (freed seats "
                "go to the waiting lists); the hours already earned are kept. We e-mailed "
                "them to say so.",
                decided.released,
            )
            return said % {**names, "count": decided.released}
        return (
            _(
                "%(name)s is no longer a student of %(school)s here and cannot book visits. They "
                "had no visits still to come; the hours already earned are kept. We e-mailed them "
                "to say so."
            )
            % names
        )
    guardian = guardian_link_of(student)
    if not guardian.needs_consent:
        said = (
            _(
                "%(name)s is confirmed as a student of %(school)s and can book visits now. We "
                "e-mailed them to say so."
            )
            % names
        )
    elif guardian.state == GuardianState.WAITING and guardian.consent is not None:
        said = _(
            "%(name)s is confirmed as a student of %(school)s. They can book visits once their "
            "parent or guardian consents: the link e-mailed to the guardian on %(date)s is not "
            "answered yet. We e-mailed %(name)s to say so."
        ) % {**names, "date": date_format(wib(guardian.consent.requested_at), "j F Y")}
    else:
        said = (
            _(
                "%(name)s is confirmed as a student of %(school)s. They can book visits once a "
                "parent or guardian consents, and no consent link is waiting: %(name)s can send "
                "one from their visits page. We e-mailed them to say so."
            )
            % names
        )
    if decided.decision == Decision.RECONFIRMED:
        said += " " + _("Visits cancelled when they left are not booked again.")
    return said


@official_required(*COORDINATOR_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def school(request):
    user = request.user
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        if decision not in (Student.Status.CONFIRMED, Student.Status.REJECTED):
            messages.error(request, _("Choose to confirm or to refuse."))
            return redirect("volunteers:school")
        try:
            student = school_student_for(user, int(request.POST.get("student", "0") or 0))
        except ValueError:
            messages.error(request, _("Choose a student."))
            return redirect("volunteers:school")
        if student.status == Student.Status.CONFIRMED and decision == Student.Status.REJECTED:
            # Removing a confirmed student cancels their visits: only after its own page.
            return redirect("volunteers:school_student_remove", pk=student.pk)
        try:
            decided = student_decide(student=student, actor=user, to_status=decision)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, decision_message(decided))
        return redirect("volunteers:school")
    roster = school_roster(user)
    return render(
        request,
        "volunteers/officials/school.html",
        {
            "school": coordinator_school(user),
            "pending": [row for row in roster if row.student.status == Student.Status.PENDING],
            "roster": roster,
            "students": [row.student for row in roster],
            "bookings": school_bookings(user)[:200],
            "guardian_age": settings.VISITS_GUARDIAN_CONSENT_UNDER_AGE,
        },
    )


@official_required(*COORDINATOR_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def school_student_remove(request, pk: int):
    """Asks first (the GET, which changes nothing), then removes (the POST)."""
    user = request.user
    student = school_student_for(user, pk)
    if student.status != Student.Status.CONFIRMED:
        messages.info(
            request,
            _("%(name)s is not a confirmed student of your school: there is nothing to remove.")
            % {"name": _name(student)},
        )
        return redirect("volunteers:school")
    if request.method == "POST":
        try:
            decided = student_decide(student=student, actor=user, to_status=Student.Status.REJECTED)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, decision_message(decided))
        return redirect("volunteers:school")
    return render(
        request,
        "volunteers/officials/student_remove.html",
        {"student": student, "preview": removal_preview(student)},
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
