import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.pii import EncryptedDateField, EncryptedTextField
from core.history import StatusHistory
from regions.models import Kecamatan, Village


def new_public_id() -> str:
    # 72 random bits, URL-safe: public addresses cannot be guessed or enumerated.
    return secrets.token_urlsafe(9)


class Status(models.TextChoices):
    """The recipient's lifecycle (docs/architecture.md). Transitions: portal.services.lifecycle."""

    CANDIDATE = "candidate", _("Candidate")
    IN_REVIEW = "in_review", _("In review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    PUBLISHED = "published", _("Published")
    SUSPENDED = "suspended", _("Suspended")
    REACHED = "reached", _("Reached")
    SERVED_ELSEWHERE = "served_elsewhere", _("Served elsewhere")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ERASED = "erased", _("Erased")


# On the programme's list and not taken down: visits may be arranged, a meal plan started and
# sponsors sent the month's news. Not what the public may see, which is PUBLIC_STATUSES in
# portal.services.lifecycle (published only): a reached person is no longer listed.
PUBLISHED_OR_REACHED = frozenset({Status.PUBLISHED, Status.REACHED})


class Sex(models.TextChoices):
    MALE = "L", _("Male")
    FEMALE = "P", _("Female")


class AgeBand(models.TextChoices):
    AGE_60_69 = "60-69", _("60–69")
    AGE_70_79 = "70-79", _("70–79")
    AGE_80_PLUS = "80+", _("80+")


class Condition(models.TextChoices):
    """KONDISI tags of the Diskominfo format. Officials-only: never shown to the public."""

    LIVES_ALONE = "hidup_sendiri", _("Lives alone")
    DISABILITY = "disabilitas", _("Disability")
    CHRONIC_ILLNESS = "sakit_kronis", _("Chronic illness")
    CANNOT_COOK = "tidak_mampu_masak", _("Cannot cook")
    UNFIT_HOUSE = "rumah_tidak_layak", _("Unfit house")


class Need(models.TextChoices):
    """Generic needs a public listing may name (never a health condition, never "lives
    alone")."""

    DAILY_MEALS = "daily_meals", _("Daily meals")
    COMPANIONSHIP = "companionship", _("Companionship")
    HOME_REPAIR = "home_repair", _("Home repair")


class Source(models.TextChoices):
    IMPORT = "import", _("Diskominfo import")
    MANUAL = "manual", _("Manual entry")
    REFERRAL = "referral", _("Community referral")


# Identity fields an import may write, and an official may correct (which locks them).
IDENTITY_FIELDS = (
    "nik",
    "name",
    "sex",
    "birth_date",
    "address",
    "rt",
    "rw",
    "village",
    "family_phone",
    "conditions",
    "notes",
    "data_collected_on",
)


# The public profile's parts a record needs before it is submitted for review or published
# (portal.services.lifecycle), each as the refusal names it.
PROFILE_REQUIRED = {
    "pseudonym": _("a pseudonym"),
    "story": _("a short story"),
    "public_needs": _("at least one need"),
    "monthly_need": _("the monthly need"),
}


def profile_missing(values: Mapping[str, Any]) -> list[str]:
    """The names of ``PROFILE_REQUIRED`` that ``values`` (a record's or a form's) leaves
    empty: an empty text, no need chosen, a monthly need of Rp0 or none."""
    return [name for name in PROFILE_REQUIRED if not values.get(name)]


class Recipient(models.Model):
    """An elderly resident known to the programme.

    Identity is encrypted (accounts.pii) and read only by officials through portal.selectors;
    the public sees a PublicProfile (portal.selectors.public) and nothing else.
    """

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CANDIDATE, db_index=True
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)

    # Identity: encrypted at rest. nik_hash finds a person again (and refuses the erased).
    # Place of birth and the family card number are in Diskominfo's files but not kept: the
    # programme does not need them (UU PDP: data minimisation).
    nik = EncryptedTextField(_("NIK"), max_length=16, blank=True)
    nik_hash = models.CharField(max_length=64, unique=True)
    name = EncryptedTextField(_("name"), max_length=200, blank=True)
    birth_date = EncryptedDateField(_("birth date"), null=True, blank=True)
    address = EncryptedTextField(_("address"), max_length=300, blank=True)
    rt = EncryptedTextField(_("RT"), max_length=5, blank=True)
    rw = EncryptedTextField(_("RW"), max_length=5, blank=True)
    family_phone = EncryptedTextField(_("family phone"), max_length=20, blank=True)
    # Comma-separated Condition values: health and social data, so encrypted too.
    conditions = EncryptedTextField(_("conditions"), blank=True)
    notes = EncryptedTextField(_("officials' notes"), blank=True)
    # In clear for statistics (docs/architecture.md, "Personal data").
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    age_band = models.CharField(_("age band"), max_length=5, choices=AgeBand.choices)
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="recipients", verbose_name=_("village")
    )
    kecamatan = models.ForeignKey(
        Kecamatan, on_delete=models.PROTECT, related_name="recipients", verbose_name=_("kecamatan")
    )
    data_collected_on = models.DateField(_("data collected on"), null=True, blank=True)

    # Review: warnings for an official, fields an official corrected (an import leaves them).
    warnings = models.JSONField(default=list, blank=True)
    locked_fields = models.JSONField(default=list, blank=True)
    # Keyed hash of the identity as last imported: an identical row is "unchanged" without
    # decrypting anything.
    import_fingerprint = models.CharField(max_length=64, blank=True)
    last_import = models.ForeignKey(
        "ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Maker-checker: neither may approve the record.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # The public profile, written by a reviewer.
    pseudonym = models.CharField(_("pseudonym"), max_length=40, blank=True)
    public_needs = models.JSONField(_("needs"), default=list, blank=True)
    story = models.TextField(_("story"), max_length=600, blank=True)
    monthly_need = models.BigIntegerField(_("monthly need (Rp)"), null=True, blank=True)
    photo = models.ImageField(_("photo"), upload_to="listings/", blank=True)
    photo_consent = models.ForeignKey(
        "PhotoConsent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        indexes = [
            models.Index(fields=["kecamatan", "status"]),
            models.Index(fields=["village", "status"]),
            # The public listing's order, over published rows only.
            models.Index(
                models.F("published_at").desc(),
                models.F("id").desc(),
                name="recipient_published_order",
                condition=models.Q(status="published"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(monthly_need__isnull=True) | models.Q(monthly_need__gte=0),
                name="monthly_need_not_negative",
            )
        ]

    def __str__(self) -> str:
        # Never the name: str() ends up in logs and the admin's history.
        return f"{self.pseudonym or _('Recipient')} ({self.public_id})"

    @property
    def nik_masked(self) -> str:
        return mask_nik(self.nik)

    @property
    def profile_missing(self) -> list[str]:
        """The required parts of the public profile this record lacks."""
        return profile_missing({name: getattr(self, name) for name in PROFILE_REQUIRED})

    @property
    def condition_list(self) -> list[str]:
        return [c for c in (self.conditions or "").split(",") if c]


def mask_nik(nik: str) -> str:
    """3510••••••••0003: the region and the serial, enough to tell two records apart."""
    if not nik:
        return ""
    return nik[:4] + "•" * (len(nik) - 8) + nik[-4:] if len(nik) > 8 else "•" * len(nik)


class FormerNik(models.Model):
    """The keyed hash of a NIK an official corrected: a later export that still carries the
    old NIK finds the same person instead of creating a second record."""

    nik_hash = models.CharField(max_length=64, unique=True)
    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="former_niks")
    replaced_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.nik_hash[:12]}…"


class RecipientTransition(StatusHistory):
    """One move of a recipient through the lifecycle: who, when, from, to, why."""

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)


class PhotoConsent(models.Model):
    """Recorded consent to publish a photo of a recipient: who gave it (the person, or a
    family member for them), recorded by which official, when; withdrawn when."""

    recipient = models.ForeignKey(
        Recipient, on_delete=models.CASCADE, related_name="photo_consents"
    )
    given_by = EncryptedTextField(_("given by"), max_length=200)
    relationship = models.CharField(_("relationship"), max_length=60)
    given_on = models.DateField(_("given on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.relationship} {self.given_on}"


class ImportBatch(models.Model):
    """One import: who, when, which file (its hash) or API batch, the counts, the report."""

    class Channel(models.TextChoices):
        CLI = "cli", _("Command line")
        UPLOAD = "upload", _("Upload page")
        API = "api", _("API")
        MANUAL = "manual", _("Manual entry")

    class State(models.TextChoices):
        STAGED = "staged", _("Staged for confirmation")
        DONE = "done", _("Imported")
        DRY_RUN = "dry_run", _("Dry run")
        REFUSED = "refused", _("Refused whole")
        DISCARDED = "discarded", _("Discarded")

    channel = models.CharField(max_length=10, choices=Channel.choices)
    state = models.CharField(max_length=10, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=60, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    # The caller's own id for an API batch: a repeated POST returns the first result.
    external_id = models.CharField(max_length=100, blank=True)
    staged_file = models.CharField(max_length=255, blank=True)  # private storage name
    report_file = models.CharField(max_length=255, blank=True)  # private storage name
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    warned = models.PositiveIntegerField(default=0)
    refusal = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["actor", "external_id"],
                condition=~models.Q(external_id=""),
                name="one_api_batch_per_external_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def skipped(self) -> int:
        """Rows that changed nothing: identical to what was imported before, or rejected."""
        return self.unchanged + self.rejected

    @property
    def summary(self) -> str:
        return (
            f"created={self.created} updated={self.updated} "
            f"unchanged={self.unchanged} rejected={self.rejected}"
        )
