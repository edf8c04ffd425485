from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Kecamatan


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
