"""The stored monthly outcome figures: counts only, what the public impact page and its open
data read."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from regions.models import Kecamatan


class MonthlyOutcome(models.Model):
    """The outcome indicators of one WIB month for one kecamatan (``kecamatan`` null: the
    regency). Counts only, computed by outcomes.services.outcomes_refresh: the public
    impact page and its open data read these rows, never the registry."""

    month = models.DateField()  # the first day of the month
    kecamatan = models.ForeignKey(Kecamatan, null=True, on_delete=models.PROTECT, related_name="+")
    listed = models.PositiveIntegerField(default=0)
    reached = models.PositiveIntegerField(default=0)
    funded = models.PositiveIntegerField(default=0)
    served_elsewhere = models.PositiveIntegerField(default=0)
    meals_planned = models.PositiveIntegerField(default=0)
    meals_delivered = models.PositiveIntegerField(default=0)
    not_home = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    warung_active = models.PositiveIntegerField(default=0)
    warung_valid = models.PositiveIntegerField(default=0)
    visits = models.PositiveIntegerField(default=0)
    referrals_verified = models.PositiveIntegerField(default=0)
    reached_visited = models.PositiveIntegerField(default=0)
    newly_reached = models.PositiveIntegerField(default=0)
    days_to_reach_median = models.FloatField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        # The table kept its name when the figures moved out of meals: nothing to copy.
        db_table = "meals_monthlyoutcome"
        ordering = ["month", "kecamatan__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "kecamatan"], name="one_outcome_per_month_kecamatan"
            ),
            models.UniqueConstraint(
                fields=["month"],
                condition=models.Q(kecamatan__isnull=True),
                name="one_regency_outcome_per_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.kecamatan_id or 'regency'}"


class Indicator(models.TextChoices):
    """The outcome indicators the regency sets targets for (outcomes.selectors.targets
    computes each from the monthly figures)."""

    REACHED = "reached_share", _("Share of listed people reached")
    DELIVERED = "delivered_share", _("Share of planned meals delivered")
    VISITED = "visited_share", _("Share of reached people visited in the month")
    FUNDED = "funded_share", _("Share of listed people funded")
    DAYS = "days_to_reach", _("Median days from listing to reached")


class OutcomeTargetQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Targets are append-only: set a new one.")

    def delete(self):
        raise TypeError("Targets are append-only: set a new one.")


class OutcomeTarget(models.Model):
    """One setting of a target: for a year, the regency (``kecamatan`` null) or one
    kecamatan, one indicator. Rows are only ever added: the target in force at a moment is
    the latest row set before it, so a month keeps being compared with the target that was in
    force at its end, whatever is set later."""

    year = models.PositiveSmallIntegerField(_("year"))
    kecamatan = models.ForeignKey(
        Kecamatan, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    indicator = models.CharField(_("indicator"), max_length=20, choices=Indicator.choices)
    # A share in percent (0-100) or a number of days (>= 0), one decimal.
    value = models.DecimalField(_("target"), max_digits=6, decimal_places=1)
    # The official who set it (officials' pages only; public output never carries it).
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField()
    reason = models.TextField(_("reason"), blank=True)

    objects = OutcomeTargetQuerySet.as_manager()

    class Meta:
        ordering = ["set_at", "id"]
        indexes = [models.Index(fields=["year", "indicator", "set_at"], name="target_lookup")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__gte=0), name="outcome_target_not_negative"
            ),
            models.CheckConstraint(
                condition=~models.Q(
                    indicator__in=[
                        "reached_share",
                        "delivered_share",
                        "visited_share",
                        "funded_share",
                    ]
                )
                | models.Q(value__lte=100),
                name="outcome_target_share_at_most_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.kecamatan_id or 'regency'} {self.indicator}={self.value}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Targets are append-only: set a new one.")
        super().save(*args, **kwargs)
