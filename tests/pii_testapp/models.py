"""A model used only by the tests of the encrypted fields and of key rotation (installed when
PORTAL_ENV=test). The registry's real models use the same fields."""

from django.db import models

from accounts.pii import EncryptedDateField, EncryptedTextField


class Dossier(models.Model):
    label = models.CharField(max_length=50)
    nik = EncryptedTextField(max_length=16)
    name = EncryptedTextField(blank=True)
    birth_date = EncryptedDateField(null=True, blank=True)
    nik_hash = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return self.label
