from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Kecamatan


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
