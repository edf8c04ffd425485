"""Student visits: schools, students, visit slots, bookings, reports, certificates.

Rules about one row live here (constraints); everything across rows (capacity, the waiting
list, overlap, consent, reminders) is in ``volunteers.services``.
"""

import datetime
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.pii import EncryptedDateField, EncryptedJSONField, EncryptedTextField
from core.history import StatusHistory
from portal.models import Recipient
from regions.models import Kecamatan

# Check-in codes and certificate codes are read aloud and typed on phones: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_checkin_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def new_certificate_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def new_feed_token() -> str:
    # 192 random bits: a calendar feed is authenticated by its address alone.
    return secrets.token_urlsafe(24)


class School(models.Model):
    """A school whose students visit elderly residents; its coordinators' scope."""

    npsn = models.CharField(
        _("NPSN"),
        max_length=8,
        unique=True,
        validators=[RegexValidator(r"^\d{8}$", _("An NPSN is exactly 8 digits."))],
        help_text=_("Nomor Pokok Sekolah Nasional, 8 digits."),
    )
    name = models.CharField(_("name"), max_length=200)
    kecamatan = models.ForeignKey(
        Kecamatan, on_delete=models.PROTECT, related_name="schools", verbose_name=_("kecamatan")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(npsn__regex=r"^[0-9]{8}$"), name="school_npsn_8_digits"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.npsn})"


class SchoolCoordinator(models.Model):
    """The school a school coordinator's role is for: one row per coordinator's grant, going
    with it when the role is revoked. Written only through accounts.services.role_grant."""

    grant = models.OneToOneField(
        "accounts.RoleGrant",
        on_delete=models.CASCADE,
        related_name="school_link",
        verbose_name=_("role"),
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="coordinators", verbose_name=_("school")
    )

    class Meta:
        verbose_name = _("school coordinator")
        verbose_name_plural = _("school coordinators")

    def __str__(self) -> str:
        return str(self.school)


class Student(models.Model):
    """A student's membership of a school, confirmed by one of its coordinators."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the school's confirmation")
        CONFIRMED = "confirmed", _("Confirmed by the school")
        REJECTED = "rejected", _("Not a student of the school")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="student"
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="students", verbose_name=_("school")
    )
    class_name = models.CharField(_("class"), max_length=40)
    # Children's data is specific personal data (UU PDP): the exact birth date is encrypted;
    # only whether the student is under age matters to the portal.
    birth_date = EncryptedDateField(_("birth date"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The private iCal feed of the student's bookings; empty when revoked.
    feed_token = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["class_name", "pk"]
        verbose_name = _("student")
        verbose_name_plural = _("students")

    def __str__(self) -> str:
        return f"{self.user} ({self.school.npsn})"

    def age_on(self, day: datetime.date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class GuardianConsent(models.Model):
    """A parent's or guardian's consent to a minor's visits (UU PDP Pasal 25): requested by
    the student, given by the guardian through a signed link sent to them."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="consents")
    guardian_name = EncryptedTextField(_("guardian's name"), max_length=150)
    guardian_email = EncryptedTextField(_("guardian's e-mail address"), max_length=254)
    relationship = models.CharField(_("relationship"), max_length=40)
    notice_version = models.CharField(max_length=20)
    requested_at = models.DateTimeField(auto_now_add=True)
    given_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("guardian's consent")
        verbose_name_plural = _("guardians' consents")

    def __str__(self) -> str:
        return f"{self.relationship} {self.given_at or '…'}"

    @property
    def standing(self) -> bool:
        return self.given_at is not None and self.withdrawn_at is None


class GuardianState:
    """Where a student's guardian's consent stands, as
    ``volunteers.selectors.students.guardian_link_of`` reads it."""

    NOT_NEEDED = "not_needed"  # 18 or older
    GIVEN = "given"
    WAITING = "waiting"  # a link sent and still working, not answered
    EXPIRED = "expired"  # the latest link expired unanswered
    WITHDRAWN = "withdrawn"  # the guardian withdrew their consent
    NOT_SENT = "not_sent"  # a minor with no request on record


class VisitSlot(models.Model):
    """A visit to one elderly person at one time, for a few students."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CANCELLED = "cancelled", _("Cancelled")

    recipient = models.ForeignKey(
        Recipient, on_delete=models.PROTECT, related_name="visit_slots", verbose_name=_("person")
    )
    # The recipient's kecamatan when the slot was made: the scope of reviewers and the filter
    # students browse by, without touching the recipient's encrypted row.
    kecamatan = models.ForeignKey(
        Kecamatan, on_delete=models.PROTECT, related_name="visit_slots", verbose_name=_("kecamatan")
    )
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(15), MaxValueValidator(480)]
    )
    capacity = models.PositiveSmallIntegerField(_("students"))
    # Seats held by confirmed, attended or absent bookings: changed only under the slot's row
    # lock, and the database refuses more than the capacity whatever the code does.
    seats_taken = models.PositiveSmallIntegerField(default=0)
    meeting_point = models.CharField(_("meeting point"), max_length=200)
    what_to_bring = models.TextField(_("what to bring"), max_length=500, blank=True)
    school = models.ForeignKey(
        School,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visit_slots",
        verbose_name=_("only for the school"),
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # Slots made together ("every Saturday for a month") share a series.
    series = models.UUIDField(null=True, blank=True, db_index=True)
    checkin_code = models.CharField(max_length=8, default=new_checkin_code)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("visit slot")
        verbose_name_plural = _("visit slots")
        indexes = [models.Index(fields=["kecamatan", "status", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="slot_capacity_min"),
            models.CheckConstraint(
                condition=models.Q(seats_taken__lte=models.F("capacity")),
                name="slot_never_more_bookings_than_seats",
            ),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=15, duration_minutes__lte=480),
                name="slot_duration_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} ({self.pk})"

    @property
    def ends_at(self) -> datetime.datetime:
        return self.starts_at + datetime.timedelta(minutes=self.duration_minutes)

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)


class Booking(models.Model):
    """A student's place on a slot (or in its waiting list). Status moves only through
    ``volunteers.services.bookings.booking_transition``."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Booked")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")
        ABSENT = "absent", _("Did not attend")

    slot = models.ForeignKey(VisitSlot, on_delete=models.CASCADE, related_name="bookings")
    # A visit that happened stays on the record of the person visited (they were served):
    # the student's deleted account leaves its bookings and reports without a student.
    student = models.ForeignKey(
        Student, null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    # The waiting list's order: when the student joined it.
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    attended_at = models.DateTimeField(null=True, blank=True)
    # Wrong check-in codes typed: refused beyond VISITS_CHECKIN_MAX_ATTEMPTS.
    checkin_failures = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            # A double submit, or two tabs, can never hold two places for one student.
            models.UniqueConstraint(
                fields=["slot", "student"],
                condition=~models.Q(status="cancelled"),
                name="one_live_booking_per_student_and_slot",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} ({self.pk})"


# Statuses that hold a seat of the slot.
SEATED = (Booking.Status.CONFIRMED, Booking.Status.ATTENDED, Booking.Status.ABSENT)


class BookingTransition(StatusHistory):
    """One move of a booking: who, when, from, to, why."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=10, choices=Booking.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Booking.Status.choices)

    class Meta(StatusHistory.Meta):
        ordering = ["created_at", "pk"]


class StudentTransition(StatusHistory):
    """One decision on a student's membership of their school."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=10, choices=Student.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Student.Status.choices)


class VisitSlotTransition(StatusHistory):
    """One move of a visit slot (made, cancelled): who, when, why."""

    slot = models.ForeignKey(VisitSlot, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=10, choices=VisitSlot.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=VisitSlot.Status.choices)


class Wellbeing(models.TextChoices):
    GOOD = "good", _("Doing well")
    FAIR = "fair", _("So-so")
    POOR = "poor", _("Not doing well")


class Flag(models.TextChoices):
    LOOKS_ILL = "looks_ill", _("Looks ill")
    NOT_ENOUGH_FOOD = "not_enough_food", _("Not enough food")
    HOUSE_UNSAFE = "house_unsafe", _("House unsafe")
    WANTS_MORE_VISITS = "wants_more_visits", _("Wants more visits")


class VisitReport(models.Model):
    """How the person was doing, by one attending student. Health data: encrypted, read only
    by its author and the officials of the kecamatan."""

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="report")
    wellbeing = EncryptedTextField(_("how the person is doing"), max_length=10)
    flags = EncryptedJSONField(_("flags"), default=list, blank=True)
    note = EncryptedTextField(_("note"), max_length=1000, blank=True)
    # In clear so that officials can list the reports needing attention without decrypting.
    flagged = models.BooleanField(default=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("visit report")
        verbose_name_plural = _("visit reports")

    def __str__(self) -> str:
        return f"report {self.pk}"

    @property
    def wellbeing_label(self) -> str:
        return str(dict(Wellbeing.choices).get(self.wellbeing, self.wellbeing))

    @property
    def flag_labels(self) -> list[str]:
        labels = dict(Flag.choices)
        return [str(labels[f]) for f in self.flags or [] if f in labels]


class Certificate(models.Model):
    """A certificate of hours as issued: what it said, checkable by its code."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="certificates")
    code = models.CharField(max_length=16, unique=True, default=new_certificate_code)
    # What the certificate states, frozen when issued (the public check shows these only).
    student_name = models.CharField(max_length=150)
    school_name = models.CharField(max_length=200)
    minutes = models.PositiveIntegerField()
    visits = models.PositiveIntegerField()
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return self.code

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)
