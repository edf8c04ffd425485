"""Students: signing up with a school, the coordinator's confirmation, a guardian's consent for
a minor (UU PDP Pasal 25), the private calendar feed."""

import datetime
from dataclasses import dataclass
from urllib.parse import urljoin

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, Role, User
from accounts.services import audit_record, role_grant
from core.time import wib
from core.transitions import Workflow
from notifications.models import Channel
from notifications.selectors import mask_address

from ..models import (
    GuardianConsent,
    GuardianState,
    School,
    Student,
    StudentTransition,
    new_feed_token,
)
from ..selectors.students import bookings_ahead, guardian_link_of
from .bookings import student_bookings_release
from .common import coordinator_school_id
from .notices import guardian_consent_notify, student_decision_notify

DAY = datetime.timedelta(days=1)

GUARDIAN_SALT = "volunteers.guardian_consent"
# A student may ask for a guardian's link this many times a day: each is an e-mail to an
# address the student typed.
GUARDIAN_REQUESTS_PER_DAY = 3
# And not to the same address again within these minutes: an e-mail takes a moment to arrive,
# and a second tap on "send again" must not make a second one.
GUARDIAN_RESEND_MINUTES = 10
YOUNGEST, OLDEST = 10, 25

# The coordinator's decision on a student's membership: (from, to) allowed.
STUDENT_MOVES = {
    (Student.Status.PENDING, Student.Status.CONFIRMED),
    (Student.Status.PENDING, Student.Status.REJECTED),
    (Student.Status.CONFIRMED, Student.Status.REJECTED),
    (Student.Status.REJECTED, Student.Status.CONFIRMED),
}

STUDENTS: Workflow[Student, StudentTransition] = Workflow(
    model=Student,
    history=StudentTransition,
    link="student",
    moves={("", Student.Status.PENDING), *STUDENT_MOVES},
)


def _age(born: datetime.date, today: datetime.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@transaction.atomic
def student_register(
    *,
    user: User,
    school: School,
    class_name: str,
    birth_date: datetime.date,
    guardian_name: str = "",
    guardian_email: str = "",
    relationship: str = "",
) -> Student:
    """Sign ``user`` up as a student of ``school``. The school's coordinator then confirms
    it; a student under VISITS_GUARDIAN_CONSENT_UNDER_AGE also names a parent or guardian,
    who gets a link to consent."""
    if Student.objects.filter(user=user).exists():
        raise ValidationError(_("You are already signed up as a student."))
    class_name = class_name.strip()
    if not class_name:
        raise ValidationError(_("Give your class, such as XI IPA 2."))
    today = timezone.localdate()
    age = _age(birth_date, today)
    if birth_date > today or not YOUNGEST <= age <= OLDEST:
        raise ValidationError(
            _("Check the birth date: students are between %(youngest)s and %(oldest)s years old.")
            % {"youngest": YOUNGEST, "oldest": OLDEST}
        )
    minor = age < settings.VISITS_GUARDIAN_CONSENT_UNDER_AGE
    if minor and not (guardian_name.strip() and guardian_email.strip() and relationship.strip()):
        raise ValidationError(
            _(
                "You are under %(age)s: give the name, e-mail address and relationship of a "
                "parent or guardian, who will be asked to consent."
            )
            % {"age": settings.VISITS_GUARDIAN_CONSENT_UNDER_AGE}
        )
    student = Student(user=user, school=school, class_name=class_name, birth_date=birth_date)
    STUDENTS.move(student, Student.Status.PENDING, actor=user)
    role_grant(user=user, role=Role.STUDENT, actor=user)
    if minor:
        guardian_consent_request(
            student=student,
            guardian_name=guardian_name,
            guardian_email=guardian_email,
            relationship=relationship,
        )
    return student


def guardian_link(consent: GuardianConsent, *, language: str) -> str:
    token = signing.dumps({"c": consent.pk}, salt=GUARDIAN_SALT, compress=True)
    with translation.override(language):
        path = reverse("volunteers:guardian_consent", args=[token])
    return urljoin(settings.PORTAL_BASE_URL + "/", path.lstrip("/"))


def _when(moment: datetime.datetime) -> str:
    return date_format(wib(moment), "j F Y, H:i")


@transaction.atomic
def guardian_consent_request(
    *, student: Student, guardian_name: str, guardian_email: str, relationship: str
) -> GuardianConsent:
    """Record the request and e-mail the guardian a signed link that expires after
    VISITS_GUARDIAN_LINK_DAYS. At most GUARDIAN_REQUESTS_PER_DAY in 24 hours, and not to the
    same address within GUARDIAN_RESEND_MINUTES (counted in the database under the student's
    row lock, so two taps or two tabs cannot pass together, with or without Redis)."""
    guardian_email = guardian_email.strip().lower()
    try:
        validate_email(guardian_email)
    except ValidationError:
        raise ValidationError(_("The guardian's e-mail address is not valid.")) from None
    if guardian_email == student.user.email.lower():
        raise ValidationError(_("Give your parent's or guardian's own e-mail address, not yours."))
    Student.objects.select_for_update().filter(pk=student.pk).first()
    now = timezone.now()
    recent = list(
        student.consents.filter(requested_at__gte=now - datetime.timedelta(days=1)).order_by(
            "requested_at"
        )
    )
    if len(recent) >= GUARDIAN_REQUESTS_PER_DAY:
        raise ValidationError(
            _(
                "A link was sent %(count)s times in the last 24 hours. Ask your guardian to "
                "check their e-mail, the spam folder too. You can send another from %(when)s WIB."
            )
            % {
                "count": len(recent),
                "when": _when(recent[-GUARDIAN_REQUESTS_PER_DAY].requested_at + DAY),
            },
            code="too_many",
        )
    pause = datetime.timedelta(minutes=GUARDIAN_RESEND_MINUTES)
    same = [
        c for c in recent if c.guardian_email == guardian_email and c.requested_at > now - pause
    ]
    if same:
        raise ValidationError(
            _(
                "We sent a link to %(address)s at %(sent)s WIB. E-mail can take a few minutes "
                "to arrive: ask them to look in the spam folder too. You can send it again "
                "from %(when)s WIB."
            )
            % {
                "address": mask_address(guardian_email, Channel.EMAIL),
                "sent": date_format(wib(same[-1].requested_at), "H:i"),
                "when": date_format(wib(same[-1].requested_at + pause), "H:i"),
            },
            code="too_soon",
        )
    consent = GuardianConsent.objects.create(
        student=student,
        guardian_name=guardian_name.strip(),
        guardian_email=guardian_email,
        relationship=relationship.strip(),
        notice_version=settings.PRIVACY_NOTICE_VERSION,
    )
    guardian_consent_notify(
        consent=consent, link=guardian_link(consent, language=student.user.language)
    )
    return consent


def guardian_consent_resend(*, student: Student) -> GuardianConsent:
    """Send the guardian of the student's latest request a new link (a new request with the
    same name, address and relationship, under the same limits). Refused when no consent is
    needed or it is given, when there is no request to repeat, and after a withdrawal (the
    guardian said no: asking again is the student's explicit choice, through the form)."""
    link = guardian_link_of(student)
    if link.state == GuardianState.NOT_NEEDED:
        raise ValidationError(
            _("You are %(age)s or older: you need no guardian's consent.")
            % {"age": settings.VISITS_GUARDIAN_CONSENT_UNDER_AGE},
            code="not_needed",
        )
    if link.state == GuardianState.GIVEN:
        raise ValidationError(
            _("Your parent or guardian has already given their consent."), code="given"
        )
    if link.consent is None:
        raise ValidationError(
            _("No link was sent yet: give your parent's or guardian's name and e-mail address."),
            code="none",
        )
    if link.state == GuardianState.WITHDRAWN:
        raise ValidationError(
            _(
                "Your parent or guardian withdrew their consent, so we do not send them the "
                "link again on our own. To ask them or another guardian, fill in the form."
            ),
            code="withdrawn",
        )
    return guardian_consent_request(
        student=student,
        guardian_name=link.consent.guardian_name,
        guardian_email=link.consent.guardian_email,
        relationship=link.consent.relationship,
    )


def guardian_consent_from_token(token: str) -> GuardianConsent:
    """The consent a guardian's link names; ValidationError for a forged, altered or expired
    link."""
    try:
        data = signing.loads(
            token, salt=GUARDIAN_SALT, max_age=settings.VISITS_GUARDIAN_LINK_DAYS * 86400
        )
        pk = int(data["c"])
    except signing.SignatureExpired:
        raise ValidationError(
            _("This link has expired. Ask the student to send you a new one."), code="expired"
        ) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ValidationError(_("This link is not valid."), code="invalid") from None
    consent = GuardianConsent.objects.select_related("student__user", "student__school").filter(
        pk=pk
    )
    if not consent.exists():
        raise ValidationError(_("This link is not valid."), code="invalid")
    return consent.get()


@transaction.atomic
def guardian_consent_give(*, token: str) -> GuardianConsent:
    consent = guardian_consent_from_token(token)
    consent = GuardianConsent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        raise ValidationError(_("This consent was withdrawn. Ask the student for a new link."))
    if consent.given_at is None:
        consent.given_at = timezone.now()
        consent.save(update_fields=["given_at"])
        audit_record(
            actor=None,
            actor_label="guardian link",
            action=AuditEvent.Action.CONSENT_GIVEN,
            target=f"volunteers.guardianconsent:{consent.pk}",
            details={
                "purpose": "student visits (guardian)",
                "notice_version": consent.notice_version,
            },
        )
    return consent


@transaction.atomic
def guardian_consent_withdraw(*, token: str) -> GuardianConsent:
    consent = guardian_consent_from_token(token)
    consent = GuardianConsent.objects.select_for_update().get(pk=consent.pk)
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
        audit_record(
            actor=None,
            actor_label="guardian link",
            action=AuditEvent.Action.CONSENT_WITHDRAWN,
            target=f"volunteers.guardianconsent:{consent.pk}",
            details={"purpose": "student visits (guardian)"},
        )
    return consent


class Decision:
    """What a coordinator's decision was, by the move it made."""

    CONFIRMED = "confirmed"  # a pending student confirmed
    RECONFIRMED = "reconfirmed"  # a student marked "not my student" confirmed after all
    REFUSED = "refused"  # a pending student refused
    REMOVED = "removed"  # a confirmed student no longer the school's


DECISIONS = {
    (Student.Status.PENDING, Student.Status.CONFIRMED): Decision.CONFIRMED,
    (Student.Status.REJECTED, Student.Status.CONFIRMED): Decision.RECONFIRMED,
    (Student.Status.PENDING, Student.Status.REJECTED): Decision.REFUSED,
    (Student.Status.CONFIRMED, Student.Status.REJECTED): Decision.REMOVED,
}


@dataclass(frozen=True)
class StudentDecided:
    student: Student
    decision: str
    # Bookings of visits still to come cancelled because the student left the school.
    released: int = 0


def student_decide(*, student: Student, actor: User, to_status: str) -> StudentDecided:
    """A coordinator of the student's school confirms (or refuses) their membership, and the
    student is e-mailed the decision. A student who is no longer the school's gives up their
    visits still to come (seats to the waiting lists, reminders withdrawn); the visits they
    made, their reports, hours and certificates stay.

    The decision commits first, under the student's row lock: from then on no booking can be
    made (``booking_create`` reads the status under the same lock). The bookings are released
    after it, each under its slot's lock, never while holding the student's (writers lock the
    slot first: services/bookings.py)."""
    if coordinator_school_id(actor) != student.school_id:
        raise PermissionDenied
    with transaction.atomic():
        student = (
            Student.objects.select_for_update(of=("self",))
            .select_related("user", "school")
            .get(pk=student.pk)
        )
        move = (student.status, to_status)
        if move not in STUDENT_MOVES:
            raise ValidationError(_("That change is not possible for this student."))
        decision = DECISIONS[move]
        student.decided_by = actor
        student.decided_at = timezone.now()
        history = STUDENTS.move(
            student, to_status, actor=actor, fields=["decided_by", "decided_at"]
        )
        leaving = to_status == Student.Status.REJECTED
        student_decision_notify(
            student=student,
            decision=decision,
            key=f"{student.pk}:{history.pk}",
            cancelled=bookings_ahead(student).count() if leaving else 0,
            consent_needed=guardian_link_of(student).needs_consent,
        )
    released = 0
    if leaving:
        released = student_bookings_release(
            student=student, actor=actor, reason="no longer a student of the school"
        )
    return StudentDecided(student=student, decision=decision, released=released)


def feed_token_rotate(*, student: Student) -> str:
    """A new address for the student's calendar feed; the old one stops working."""
    student.feed_token = new_feed_token()
    student.save(update_fields=["feed_token"])
    return student.feed_token


def feed_token_revoke(*, student: Student) -> None:
    student.feed_token = ""
    student.save(update_fields=["feed_token"])
