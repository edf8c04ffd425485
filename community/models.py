"""Residents' referrals of elderly neighbours, concerns about public listings, and the data
rights of the people listed (UU 27/2022 PDP).

What a reporter writes about a person (hamlet, landmark, situation) and how to reach the
reporter are personal data: encrypted at rest (accounts.pii). The kecamatan and the village stay
in clear, for the queue's filters and the outcome figures.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.pii import EncryptedTextField
from core.history import StatusHistory


def new_reference() -> str:
    # What a reporter quotes when they ask about their report: short, random, unguessable
    # enough that it says nothing about how many reports exist.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone (WhatsApp)")
    EMAIL = "email", _("E-mail")


class ReporterContact(models.Model):
    """How to reach a member of the public who reported something, and the proof that the
    address is theirs: a code sent through the outbox and typed back before the report is
    accepted."""

    reference = models.CharField(
        _("reference"), max_length=12, unique=True, default=new_reference, editable=False
    )
    contact_channel = models.CharField(_("channel"), max_length=10, choices=ContactChannel.choices)
    contact = EncryptedTextField(_("contact"), max_length=254, blank=True)
    # Keyed hash of the normalised contact: the per-contact limits count without decrypting.
    contact_hash = models.CharField(max_length=64, db_index=True)
    language = models.CharField(_("language"), max_length=5, default=settings.LANGUAGE_CODE)
    consent_notice_version = models.CharField(_("privacy notice version"), max_length=20)
    consent_given_at = models.DateTimeField(_("consent to be contacted given at"))
    code_hash = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    codes_sent = models.PositiveSmallIntegerField(default=0)
    contact_verified_at = models.DateTimeField(
        _("contact verified at"), null=True, blank=True, db_index=True
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True, db_index=True)

    class Meta:
        abstract = True

    @property
    def is_verified(self) -> bool:
        return self.contact_verified_at is not None


class Referral(ReporterContact):
    """A resident's report of an elderly person the programme may not have reached."""

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", _("Waiting for the reporter's code")
        OPEN = "open", _("Received")
        VERIFIED = "verified", _("Verified: entered in the registry")
        ALREADY_KNOWN = "already_known", _("Already known")
        NOT_ELIGIBLE = "not_eligible", _("Not eligible")
        NOT_FOUND = "not_found", _("Not found")

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.UNVERIFIED
    )
    kecamatan = models.ForeignKey(
        "regions.Kecamatan", on_delete=models.PROTECT, related_name="+", verbose_name=_("kecamatan")
    )
    village = models.ForeignKey(
        "regions.Village", on_delete=models.PROTECT, related_name="+", verbose_name=_("village")
    )
    hamlet = EncryptedTextField(_("hamlet (dusun) or RT/RW"), max_length=100, blank=True)
    landmark = EncryptedTextField(_("landmark"), max_length=200, blank=True)
    # portal.models.Need values: generic, so in clear.
    needs = models.JSONField(_("needs"), default=list, blank=True)
    situation = EncryptedTextField(_("situation"), max_length=1000, blank=True)
    photo = models.CharField(max_length=255, blank=True)  # private storage name
    recipient = models.ForeignKey(
        "portal.Recipient",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
        verbose_name=_("registry record"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The last step the reporter was told about after the decision (listed, reached).
    last_step_told = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["contact_verified_at", "pk"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [models.Index(fields=["status", "kecamatan"])]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_status_display()})"


class Concern(ReporterContact):
    """A member of the public's report about a public listing ("Laporkan")."""

    class Kind(models.TextChoices):
        WRONG_INFORMATION = "wrong_information", _("Wrong information")
        ALREADY_HELPED = "already_helped", _("Already helped")
        PRIVACY = "privacy", _("Privacy concern")
        FRAUD = "fraud", _("Suspected fraud")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", _("Waiting for the reporter's code")
        OPEN = "open", _("Waiting for an answer")
        ANSWERED = "answered", _("Answered")

    class Decision(models.TextChoices):
        NONE = "", _("No change to the listing")
        REINSTATED = "reinstated", _("Published again")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.UNVERIFIED
    )
    recipient = models.ForeignKey(
        "portal.Recipient",
        on_delete=models.PROTECT,
        related_name="concerns",
        verbose_name=_("listing"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    message = EncryptedTextField(_("message"), max_length=1000, blank=True)
    # This concern took the listing down (a privacy concern from a verified contact).
    suspended_listing = models.BooleanField(_("took the listing down"), default=False)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reply = EncryptedTextField(_("reply"), max_length=2000, blank=True)
    decision = models.CharField(
        _("decision"), max_length=20, choices=Decision.choices, blank=True, default=""
    )

    class Meta:
        ordering = ["contact_verified_at", "pk"]
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        indexes = [models.Index(fields=["status", "contact_verified_at"])]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_kind_display()})"


class RightsRequest(models.Model):
    """A request of an elderly person (or their family) about their data, recorded by an
    official: the 3x24-hour clock runs from ``received_at``."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("Access to the data")
        CORRECTION = "correction", _("Correction")
        DELETION = "deletion", _("Deletion")
        WITHDRAWAL = "withdrawal", _("Withdrawal of consent")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused")

    class Requester(models.TextChoices):
        SELF = "self", _("The person themselves")
        FAMILY = "family", _("A family member")
        GUARDIAN = "guardian", _("A guardian or legal representative")

    reference = models.CharField(
        _("reference"), max_length=12, unique=True, default=new_reference, editable=False
    )
    recipient = models.ForeignKey(
        "portal.Recipient",
        on_delete=models.PROTECT,
        related_name="rights_requests",
        verbose_name=_("registry record"),
    )
    kind = models.CharField(_("request"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    requester = models.CharField(_("requested by"), max_length=20, choices=Requester.choices)
    requester_name = EncryptedTextField(_("requester's name"), max_length=200)
    details = EncryptedTextField(_("details"), max_length=2000, blank=True)
    received_at = models.DateTimeField(_("received at"))
    due_at = models.DateTimeField(_("due at"), db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    outcome_note = EncryptedTextField(_("outcome"), max_length=2000, blank=True)
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("data-rights request")
        verbose_name_plural = _("data-rights requests")

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_kind_display()})"


class History(StatusHistory):
    """One change of status of a referral, a concern or a rights request: who, when, from,
    to, and the official's note."""

    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.CASCADE, related_name="history"
    )
    concern = models.ForeignKey(
        Concern, null=True, blank=True, on_delete=models.CASCADE, related_name="history"
    )
    rights_request = models.ForeignKey(
        RightsRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="history"
    )
    # The official's note may name the reporter or the person: encrypted, unlike a reason.
    REASON_FIELD = "note"
    reason = None  # type: ignore[assignment]
    note = EncryptedTextField(blank=True)

    class Meta(StatusHistory.Meta):
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(referral__isnull=False, concern__isnull=True)
                    & models.Q(rights_request__isnull=True)
                )
                | (
                    models.Q(referral__isnull=True, concern__isnull=False)
                    & models.Q(rights_request__isnull=True)
                )
                | (
                    models.Q(referral__isnull=True, concern__isnull=True)
                    & models.Q(rights_request__isnull=False)
                ),
                name="history_of_exactly_one",
            )
        ]

    @property
    def to_label(self) -> str:
        model = Referral if self.referral_id else Concern if self.concern_id else RightsRequest
        return model.Status(self.to_status).label if self.to_status in model.Status.values else ""  # type: ignore[return-value]
