import datetime

import pytest
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from accounts import pii
from accounts.models import AuditEvent
from tests.factories import make_official, totp_secret
from tests.pii_testapp.models import Dossier

NIK = "3510094107450003"
NAME = "Siti Aminah binti Soedarmo"
BIRTH = datetime.date(1945, 7, 1)


def raw_row(pk: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nik, name, birth_date FROM pii_testapp_dossier WHERE id = %s", [pk])
        return cursor.fetchone()


def test_encrypted_fields_are_not_readable_in_the_database(db):
    dossier = Dossier.objects.create(label="a", nik=NIK, name=NAME, birth_date=BIRTH)
    stored = raw_row(dossier.pk)
    for value in stored:
        assert value.startswith("gAAAAA")  # a Fernet token
    joined = " ".join(stored)
    assert NIK not in joined
    assert "Siti" not in joined
    assert "1945" not in joined

    again = Dossier.objects.get(pk=dossier.pk)
    assert (again.nik, again.name, again.birth_date) == (NIK, NAME, BIRTH)


def test_same_value_encrypts_differently_each_time(db):
    first = Dossier.objects.create(label="a", nik=NIK)
    second = Dossier.objects.create(label="b", nik=NIK)
    assert raw_row(first.pk)[0] != raw_row(second.pk)[0]


def test_empty_and_null_values_stay_as_they_are(db):
    dossier = Dossier.objects.create(label="a", nik=NIK, name="", birth_date=None)
    assert raw_row(dossier.pk)[1:] == ("", None)
    assert Dossier.objects.filter(birth_date__isnull=True).count() == 1


def test_encrypted_fields_refuse_to_be_searched(db):
    with pytest.raises(FieldError, match="keyed hash"):
        list(Dossier.objects.filter(nik=NIK))
    with pytest.raises(FieldError):
        list(Dossier.objects.filter(name__icontains="Siti"))


def test_keyed_hash_finds_equal_values_and_depends_on_the_key(db):
    assert pii.keyed_hash(NIK) == pii.keyed_hash(NIK)
    assert pii.keyed_hash(NIK) != pii.keyed_hash("3510094107450004")
    assert NIK not in pii.keyed_hash(NIK)
    first = pii.keyed_hash(NIK)
    with override_settings(NIK_HMAC_KEY="another-key"):
        assert pii.keyed_hash(NIK) != first
    with override_settings(NIK_HMAC_KEY=""), pytest.raises(ImproperlyConfigured):
        pii.keyed_hash(NIK)


def test_key_rotation_keeps_every_value_readable(db, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PII_ENCRYPTION_KEYS = [old]
    dossiers = [
        Dossier.objects.create(
            label=str(i),
            nik=f"35100941074500{i:02d}",
            name=f"Nama {i}",
            birth_date=BIRTH + datetime.timedelta(days=i),
        )
        for i in range(7)
    ]
    official = make_official()  # an enrolled TOTP seed is encrypted too
    secret_before = totp_secret(official)

    # The new key goes first; the old one still decrypts until rotation has run.
    settings.PII_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_pii_keys", batch_size=3)

    settings.PII_ENCRYPTION_KEYS = [new]
    for original in dossiers:
        reread = Dossier.objects.get(pk=original.pk)
        assert (reread.nik, reread.name, reread.birth_date) == (
            original.nik,
            original.name,
            original.birth_date,
        )
        Fernet(new.encode()).decrypt(raw_row(original.pk)[0].encode())
    assert totp_secret(official) == secret_before
    assert AuditEvent.objects.filter(action=AuditEvent.Action.KEYS_ROTATED).count() == 1


def test_without_rotation_a_removed_key_makes_values_unreadable(db, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PII_ENCRYPTION_KEYS = [old]
    dossier = Dossier.objects.create(label="a", nik=NIK)
    settings.PII_ENCRYPTION_KEYS = [new]
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        Dossier.objects.get(pk=dossier.pk)


def test_totp_seeds_are_stored_encrypted(db):
    official = make_official()
    stored = Authenticator.objects.get(user=official, type="totp").data["secret"]
    assert stored.startswith("gAAAAA")
