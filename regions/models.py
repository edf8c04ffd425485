"""Banyuwangi's kecamatan and villages: the bottom of the house, depending on nothing of ours."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kecamatan(models.Model):
    """One of Banyuwangi's 25 districts (Kepmendagri code such as 35.10.09). Loaded by a data
    migration from portal/data/wilayah_3510.csv; officials' scopes refer to these rows."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        # The rows were made when the model lived in portal; the table keeps its name so that
        # the move touched no data (regions/migrations/0001).
        db_table = "portal_kecamatan"
        ordering = ["name"]
        verbose_name = _("kecamatan")
        verbose_name_plural = _("kecamatan")

    def __str__(self) -> str:
        return self.name


class Village(models.Model):
    class Kind(models.TextChoices):
        DESA = "desa", _("desa")
        KELURAHAN = "kelurahan", _("kelurahan")

    code = models.CharField(_("code"), max_length=13, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    kecamatan = models.ForeignKey(
        Kecamatan, on_delete=models.PROTECT, related_name="villages", verbose_name=_("kecamatan")
    )

    class Meta:
        db_table = "portal_village"
        ordering = ["kecamatan__name", "name"]
        verbose_name = _("village")
        verbose_name_plural = _("villages")

    def __str__(self) -> str:
        return f"{self.name} ({self.kecamatan.name})"
