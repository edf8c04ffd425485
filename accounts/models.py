import uuid
from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connections, models
from django.utils.translation import gettext_lazy as _

from core.compiled import built_once


class Role(models.TextChoices):
    """The roles of docs/architecture.md, "Roles and scope". A user may hold several."""

    DATA_OFFICER = "data_officer", _("Data officer (Diskominfo)")
    REVIEWER = "reviewer", _("Reviewer (Dinas Sosial)")
    LEAD_REVIEWER = "lead_reviewer", _("Lead reviewer (Dinas Sosial)")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    HEALTH_INSPECTOR = "health_inspector", _("Health inspector (Dinas Kesehatan)")
    SCHOOL_COORDINATOR = "school_coordinator", _("School coordinator")
    STUDENT = "student", _("Student")
    DONOR = "donor", _("Donor")
    ADMINISTRATOR = "administrator", _("Administrator")


# Officials are given their roles by an administrator (never by signing up) and must use TOTP.
OFFICIAL_ROLES = frozenset(
    {
        Role.DATA_OFFICER,
        Role.REVIEWER,
        Role.LEAD_REVIEWER,
        Role.FINANCE_OFFICER,
        Role.HEALTH_INSPECTOR,
        Role.SCHOOL_COORDINATOR,
        Role.ADMINISTRATOR,
    }
)


_NO_PK = -1  # stands for the primary key while the ORM builds the query (core.compiled)


def _roles_of_user() -> ArraySubquery:
    return ArraySubquery(RoleGrant.objects.filter(user=models.OuterRef("pk")).values("role"))


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_with_roles(self, pk: Any) -> "User":
        """One user, their roles read in the same query on PostgreSQL (an array of their grants'
        roles); elsewhere the roles are read when first asked, as for any user. For the user of
        each signed-in request (accounts.backends): the roles are never kept across requests,
        so a revoked role is gone on the very next one."""
        users = self.get_queryset()
        if connections[users.db].vendor != "postgresql":
            return users.get(pk=pk)
        # Built once per process: compiling the subquery on every request cost more than
        # running the query (a third of a millisecond against a fifth).
        sql = built_once(
            "user with roles",
            self.model,
            lambda: users.annotate(granted_roles=_roles_of_user()).filter(pk=_NO_PK),
            stand_ins=(_NO_PK,),
        )
        found = list(self.raw(sql, [self.model._meta.pk.to_python(pk)]))
        if not found:
            raise self.model.DoesNotExist
        user = found[0]
        user.__dict__["roles"] = frozenset(user.__dict__.pop("granted_roles"))
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person with an account: a donor, a student, an official. Signs in with e-mail."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    # The only handle the audit trail keeps: once the account is deleted nothing maps it back.
    public_ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]

    objects = UserManager()  # type: ignore[assignment, misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.email

    @cached_property
    def roles(self) -> frozenset[str]:
        return frozenset(self.role_grants.values_list("role", flat=True))

    @property
    def is_official(self) -> bool:
        return bool(self.roles & OFFICIAL_ROLES)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


class RoleGrant(models.Model):
    """One role held by one user, with its scope: a reviewer's kecamatan here, a school
    coordinator's school in volunteers (``SchoolCoordinator``). Written only by
    accounts.services."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    kecamatan = models.ManyToManyField(
        "regions.Kecamatan", blank=True, related_name="+", verbose_name=_("kecamatan")
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="one_grant_per_role"),
        ]

    def __str__(self) -> str:
        return self.get_role_display()


class Consent(models.Model):
    """Proof of consent: whose, for what, under which version of the notice, given and
    withdrawn when. A row is never deleted while the person's data is kept; withdrawing sets
    ``withdrawn_at``."""

    class Purpose(models.TextChoices):
        PRIVACY_NOTICE = "privacy_notice", _("Processing of account data (privacy notice)")
        NEWS = "news", _("Occasional news about Rantang Kasih")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=40, choices=Purpose.choices)
    notice_version = models.CharField(_("notice version"), max_length=20)
    given_at = models.DateTimeField(_("given at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    # How it was given: "signup form", "account settings"... never an IP address.
    method = models.CharField(_("how it was given"), max_length=60)

    class Meta:
        ordering = ["-given_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            # At most one live consent per person and purpose.
            models.UniqueConstraint(
                fields=["user", "purpose"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="one_live_consent_per_purpose",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.notice_version})"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit log is append-only.")

    def delete(self):
        raise TypeError("The audit log is append-only.")


def audit_action_choices():
    return AuditEvent.Action.choices


class AuditEvent(models.Model):
    """Append-only record of officials' actions and of every access to personal data.

    The actor is kept as ``public_ref``, never as a foreign key or an e-mail address, so a
    deleted account leaves a pseudonymous trail. A database trigger (migration 0002) refuses
    UPDATE and DELETE as well, whatever code runs.
    """

    class Action(models.TextChoices):
        PII_REVEAL = "pii.reveal", _("Personal data revealed")
        PII_VIEW = "pii.view", _("Personal data viewed")
        ACCESS_DENIED = "access.denied", _("Access refused (role)")
        SCOPE_DENIED = "scope.denied", _("Access refused (outside scope)")
        ROLE_GRANTED = "role.granted", _("Role granted")
        ROLE_REVOKED = "role.revoked", _("Role revoked")
        PASSWORD_LINK_ISSUED = "account.password_link", _("One-time password link issued")
        DATA_EXPORTED = "account.exported", _("Own data downloaded")
        ACCOUNT_DELETED = "account.deleted", _("Account deleted")
        CONSENT_GIVEN = "consent.given", _("Consent given")
        CONSENT_WITHDRAWN = "consent.withdrawn", _("Consent withdrawn")
        KEYS_ROTATED = "pii.keys_rotated", _("Encryption keys rotated")
        RECIPIENT_CORRECTED = "recipient.corrected", _("Recipient's identity corrected")
        RECIPIENT_WARNINGS_CLEARED = "recipient.warnings_cleared", _("Recipient's warnings cleared")
        IMPORT_REPORT_DOWNLOADED = "import.report_downloaded", _("Import report downloaded")
        API_TOKEN_CREATED = "api.token_created", _("API token created")
        NOTIFICATION_RESENT = "notification.resent", _("Notification sent again")
        # Donations (money moves only with a second officer; every step is on record).
        PROOF_VIEWED = "donation.proof_viewed", _("Proof of payment viewed")
        TRANSFER_MATCHED = "donation.transfer_matched", _("Bank transfer matched")
        # Outcomes: the regency's targets (issue 18).
        TARGET_SET = "outcomes.target_set", _("Outcome target set")
        TRANSFER_CONFIRMED = "donation.transfer_confirmed", _("Bank transfer confirmed")
        TRANSFER_REJECTED = "donation.transfer_rejected", _("Bank transfer rejected")
        STATEMENT_MAPPED = "donation.statement_mapped", _("Bank statement columns mapped")
        STATEMENT_UPLOADED = "donation.statement_uploaded", _("Bank statement uploaded")
        STATEMENT_VIEWED = "donation.statement_viewed", _("Bank statement lines viewed")
        STATEMENT_CONFIRMED = "donation.statement_confirmed", _("Bank statement matches confirmed")
        REFUND_REQUESTED = "donation.refund_requested", _("Refund requested")
        TRANSFER_REFUND_RECORDED = (
            "donation.transfer_refund_recorded",
            _("Refund by transfer recorded"),
        )
        TRANSFER_REFUND_CONFIRMED = (
            "donation.transfer_refund_confirmed",
            _("Refund by transfer confirmed"),
        )
        TRANSFER_REFUND_CANCELLED = (
            "donation.transfer_refund_cancelled",
            _("Refund by transfer cancelled"),
        )
        FUND_TRANSFER_PROPOSED = (
            "donation.fund_transfer_proposed",
            _("Transfer between funds proposed"),
        )
        FUND_TRANSFER_DECIDED = (
            "donation.fund_transfer_decided",
            _("Transfer between funds decided"),
        )
        PERIOD_CREATED = "donation.period_created", _("Collection period created")
        COST_RECORDED = "donation.cost_recorded", _("Operating cost recorded")
        DISBURSEMENT_RECORDED = "donation.disbursement_recorded", _("Disbursement recorded")
        DISBURSEMENT_DECIDED = "donation.disbursement_decided", _("Disbursement decided")
        MESSAGE_MODERATED = "donation.message_moderated", _("Donor's message moderated")
        DONATIONS_EXPORTED = "donation.exported", _("Donations exported")
        # Community reports and data rights.
        RIGHTS_REQUEST_RECORDED = "rights.recorded", _("Data-rights request recorded")
        RIGHTS_REQUEST_CLOSED = "rights.closed", _("Data-rights request closed")
        RIGHTS_DATA_EXPORTED = "rights.exported", _("A person's data exported (right of access)")
        RECIPIENT_ERASED = "recipient.erased", _("Recipient's identity erased")
        REFERRAL_DECIDED = "referral.decided", _("Community referral decided")
        CONCERN_ANSWERED = "concern.answered", _("Concern about a listing answered")
        # Meals.
        INSPECTION_RECORDED = "meals.inspection_recorded", _("Health inspection recorded")
        INSPECTION_PHOTO_VIEWED = "meals.inspection_photo_viewed", _("Inspection photo viewed")

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor_ref = models.UUIDField(_("who"), null=True, blank=True, db_index=True)
    # For actions with no signed-in person: "cli:add_official", "system".
    actor_label = models.CharField(_("who (system)"), max_length=60, blank=True)
    # A callable, so that a new action is a line above and not a migration.
    action = models.CharField(_("what"), max_length=40, choices=audit_action_choices, db_index=True)
    # What was acted on, as "<app.model>:<id or code>" or a path; never a personal value. A
    # stable format: the app is the one the model had when the format was set, so
    # "portal.kecamatan:35.10.09" stays although Kecamatan now lives in regions.
    target = models.CharField(_("on what"), max_length=200, blank=True)
    reason = models.TextField(_("why"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit log is append-only.")
