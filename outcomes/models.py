"""The stored monthly outcome figures: counts only, what the public impact page and its open
data read."""

from django.db import models

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
