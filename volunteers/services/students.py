"""Students: signing up with a school, the coordinator's confirmation, a guardian's consent for
a minor (UU PDP Pasal 25), the private calendar feed."""

import datetime
from urllib.parse import urljoin

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, Role, User
from accounts.services import audit_record, role_grant
from core.transitions import Workflow

from ..models import GuardianConsent, School, Student, StudentTransition, new_feed_token
from .common import coordinator_school_id
from .notices import guardian_consent_notify

GUARDIAN_SALT = "volunteers.guardian_consent"
# A student may ask for a guardian's link this many times a day: each is an e-mail to an
# address the student typed.
GUARDIAN_REQUESTS_PER_DAY = 3
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


@transaction.atomic
def guardian_consent_request(
    *, student: Student, guardian_name: str, guardian_email: str, relationship: str
) -> GuardianConsent:
    """Record the request and e-mail the guardian a signed link that expires after
    VISITS_GUARDIAN_LINK_DAYS."""
    guardian_email = guardian_email.strip().lower()
    try:
        validate_email(guardian_email)
    except ValidationError:
        raise ValidationError(_("The guardian's e-mail address is not valid.")) from None
    if guardian_email == student.user.email.lower():
        raise ValidationError(_("Give your parent's or guardian's own e-mail address, not yours."))
    since = timezone.now() - datetime.timedelta(days=1)
    if student.consents.filter(requested_at__gte=since).count() >= GUARDIAN_REQUESTS_PER_DAY:
        raise ValidationError(
            _("A link was sent several times today. Ask your guardian to check their e-mail.")
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


@transaction.atomic
def student_decide(*, student: Student, actor: User, to_status: str) -> Student:
    """A coordinator of the student's school confirms (or refuses) their membership."""
    if coordinator_school_id(actor) != student.school_id:
        raise PermissionDenied
    student = Student.objects.select_for_update().get(pk=student.pk)
    if (student.status, to_status) not in STUDENT_MOVES:
        raise ValidationError(_("That change is not possible for this student."))
    student.decided_by = actor
    student.decided_at = timezone.now()
    STUDENTS.move(student, to_status, actor=actor, fields=["decided_by", "decided_at"])
    return student


def feed_token_rotate(*, student: Student) -> str:
    """A new address for the student's calendar feed; the old one stops working."""
    student.feed_token = new_feed_token()
    student.save(update_fields=["feed_token"])
    return student.feed_token


def feed_token_revoke(*, student: Student) -> None:
    student.feed_token = ""
    student.save(update_fields=["feed_token"])
