from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.pii import EncryptedTextField
from accounts.storage import private_storage
from core.history import StatusHistory
from regions.models import Kecamatan


class Warung(models.Model):
    """A warung partner that cooks Rantang Kasih meals; the payee of disbursements."""

    class Contract(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        ENDED = "ended", _("Ended")

    name = models.CharField(_("name"), max_length=200)
    owner_name = models.CharField(_("owner"), max_length=200)
    address = models.CharField(_("address"), max_length=300)
    kecamatan = models.ForeignKey(
        Kecamatan, on_delete=models.PROTECT, related_name="warung", verbose_name=_("kecamatan")
    )
    daily_capacity = models.PositiveIntegerField(_("daily capacity (portions)"))
    contract_status = models.CharField(
        _("contract"), max_length=10, choices=Contract.choices, default=Contract.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kecamatan__name", "name"]
        verbose_name = _("warung partner")
        verbose_name_plural = _("warung partners")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(daily_capacity__gte=1), name="warung_capacity_positive"
            )
        ]

    def __str__(self) -> str:
        return self.name


# --- Health inspections (Dinas Kesehatan) ------------------------------------------------------


class ChecklistItem(models.TextChoices):
    """The inspection's checklist: hygiene first, then nutrition. Each item met scores one."""

    CLEAN_KITCHEN = "clean_kitchen", _("Kitchen and utensils clean")
    SAFE_WATER = "safe_water", _("Safe water for cooking and washing")
    HANDWASHING = "handwashing", _("Cooks wash their hands; soap at hand")
    FOOD_STORAGE = "food_storage", _("Raw and cooked food stored apart, covered, cool")
    PEST_FREE = "pest_free", _("No sign of pests")
    WASTE = "waste", _("Waste removed, drains clear")
    PACKAGING = "packaging", _("Meals packed clean and closed for delivery")
    PROTEIN = "protein", _("Each portion has a protein (egg, fish, tempe, tofu, meat)")
    VEGETABLES = "vegetables", _("Each portion has vegetables")
    SOFT_FOOD = "soft_food", _("Texture suits elderly people (soft, not too salty or spicy)")
    PORTION_SIZE = "portion_size", _("Portion size as agreed")


def checklist_score(items_met: Iterable[str]) -> int:
    """The share of the checklist met, 0-100 (unknown values count for nothing)."""
    met = set(items_met) & set(ChecklistItem.values)
    return round(100 * len(met) / len(ChecklistItem.values))


class Inspection(models.Model):
    class Result(models.TextChoices):
        PASS = "pass", _("Pass")
        PASS_WITH_NOTES = "pass_with_notes", _("Pass with notes")
        FAIL = "fail", _("Fail")

    warung = models.ForeignKey(Warung, on_delete=models.PROTECT, related_name="inspections")
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    inspected_on = models.DateField(_("inspected on"))
    # The ChecklistItem values that were met; the score is their share, 0-100.
    items_met = models.JSONField(_("items met"), default=list)
    score = models.PositiveSmallIntegerField(_("score"))
    findings = models.TextField(_("findings"), blank=True)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    next_due = models.DateField(_("next inspection due"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-inspected_on", "-id"]
        verbose_name = _("health inspection")
        verbose_name_plural = _("health inspections")
        constraints = [
            models.CheckConstraint(condition=models.Q(score__lte=100), name="inspection_score"),
            models.CheckConstraint(
                condition=models.Q(next_due__gt=models.F("inspected_on")),
                name="inspection_next_due_after",
            ),
        ]
        indexes = [models.Index(fields=["warung", "-inspected_on"])]

    def __str__(self) -> str:
        return f"{self.warung_id} {self.inspected_on} {self.result}"

    @property
    def passed(self) -> bool:
        return self.result != self.Result.FAIL

    @classmethod
    def min_score(cls, result: str) -> int:
        """The lowest score that allows ``result`` (settings, docs/operations.md)."""
        if result == cls.Result.PASS:
            return int(settings.INSPECTION_PASS_SCORE)
        if result == cls.Result.PASS_WITH_NOTES:
            return int(settings.INSPECTION_PASS_WITH_NOTES_SCORE)
        return 0  # an inspector may fail a warung whatever the score (one critical item)

    @classmethod
    def results_allowed(cls, score: int) -> list[str]:
        """The results a checklist score allows, best first; "fail" always. Checked when an
        inspection is recorded, never against stored ones: a record keeps the result it was
        given under the thresholds of its day."""
        return [result for result in cls.Result.values if score >= cls.min_score(result)]


def inspection_photo_path(instance, filename: str) -> str:
    return f"meals/inspections/{instance.inspection_id}/{filename}"


class InspectionPhoto(models.Model):
    """A photo of an inspection: private storage, re-encoded without metadata."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(storage=private_storage, upload_to=inspection_photo_path)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"photo {self.pk} of inspection {self.inspection_id}"


class Suspension(models.Model):
    """A warung suspended by a failed or overdue inspection: no new meal plans while it is
    open. A later passing inspection lifts it."""

    class Reason(models.TextChoices):
        FAILED = "failed", _("Failed inspection")
        OVERDUE = "overdue", _("Inspection overdue")

    warung = models.ForeignKey(Warung, on_delete=models.PROTECT, related_name="suspensions")
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    inspection = models.ForeignKey(
        Inspection, null=True, on_delete=models.PROTECT, related_name="suspensions"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # At most one open suspension per warung: a second failure or overdue check while
            # suspended changes nothing (and alerts nobody again).
            models.UniqueConstraint(
                fields=["warung"],
                condition=models.Q(lifted_at__isnull=True),
                name="one_open_suspension_per_warung",
            )
        ]

    def __str__(self) -> str:
        return f"{self.warung_id} {self.reason} {self.started_at:%Y-%m-%d}"


# --- Meal plans --------------------------------------------------------------------------------


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


class PlanReason(models.TextChoices):
    """Why a plan was paused or ended (meals.services.plans.TRANSITIONS says which goes where)."""

    STARTED = "started", _("Started")
    HOSPITAL = "hospital", _("In hospital")
    TRAVELLING = "travelling", _("Travelling")
    BACK = "back", _("Back home")
    MOVED = "moved", _("Moved away")
    DIED = "died", _("Died")
    OTHER = "other", _("Other")


LIVE_PLAN_STATUSES = (PlanStatus.ACTIVE, PlanStatus.PAUSED)


class MealPlan(models.Model):
    """A person's meals from one warung, from a date. ``kecamatan`` is where the person lived
    when the plan started: a person who moves gets a new plan, so the plans are also the
    record of where each person was on each day (the outcome figures count by it)."""

    recipient = models.ForeignKey(
        "portal.Recipient", on_delete=models.PROTECT, related_name="meal_plans"
    )
    warung = models.ForeignKey(Warung, on_delete=models.PROTECT, related_name="meal_plans")
    kecamatan = models.ForeignKey(Kecamatan, on_delete=models.PROTECT, related_name="+")
    portions_per_day = models.PositiveSmallIntegerField(_("portions a day"), default=2)
    starts_on = models.DateField(_("from"))
    # The last day meals are planned (set when the plan ends).
    ends_on = models.DateField(_("until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("meal plan")
        verbose_name_plural = _("meal plans")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient"],
                condition=models.Q(status__in=["active", "paused"]),
                name="one_live_plan_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(portions_per_day__gte=1, portions_per_day__lte=3),
                name="plan_portions_1_to_3",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="plan_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["warung", "status"])]

    def __str__(self) -> str:
        return f"plan {self.pk} ({self.status})"


class MealPlanTransition(StatusHistory):
    """One move of a meal plan: who, when, from, to, why, and the day it takes effect."""

    plan = models.ForeignKey(MealPlan, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=10, choices=PlanStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=PlanStatus.choices)
    # The why is a reason from a list, with the official's own words beside it.
    reason = models.CharField(max_length=12, choices=PlanReason.choices)
    note = models.CharField(max_length=300, blank=True)
    effective_on = models.DateField()

    class Meta(StatusHistory.Meta):
        ordering = ["effective_on", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status} ({self.effective_on})"


# --- Daily deliveries --------------------------------------------------------------------------


class Delivery(models.Model):
    """The courier's mark for one plan on one day. One per plan per day: a repeat updates."""

    class Mark(models.TextChoices):
        DELIVERED = "delivered", _("Delivered")
        NOT_HOME = "not_home", _("Not at home")
        REFUSED = "refused", _("Refused")

    plan = models.ForeignKey(MealPlan, on_delete=models.PROTECT, related_name="deliveries")
    day = models.DateField()
    mark = models.CharField(max_length=10, choices=Mark.choices)
    # Copied from the plan when marked: the figures sum one column instead of joining.
    portions = models.PositiveSmallIntegerField()
    # A courier's welfare concern, in their words: personal (health), so encrypted.
    concern = EncryptedTextField(blank=True)
    marked_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["day", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "day"], name="one_mark_per_plan_per_day")
        ]
        indexes = [models.Index(fields=["day", "mark"])]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.day} {self.mark}"
