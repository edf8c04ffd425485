"""Personal data at rest: encrypted model fields and the keyed hash.

Fields are encrypted with MultiFernet over ``settings.PII_ENCRYPTION_KEYS``: the first key
encrypts, every key decrypts, so a new key is put first, ``rotate_pii_keys`` re-encrypts every
row under it, and only then is the old key removed. Encrypted columns cannot be searched; find
a person by a keyed hash kept beside the ciphertext (``keyed_hash``).
"""

import datetime
import hashlib
import hmac
import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("PII_ENCRYPTION_KEYS is empty: personal data cannot be stored.")
    return MultiFernet([Fernet(key) for key in keys])


def _cipher() -> MultiFernet:
    return _multifernet(tuple(settings.PII_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return _cipher().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A personal-data value cannot be decrypted with PII_ENCRYPTION_KEYS: a key that "
            "encrypted it is missing from the list."
        ) from None


def encrypt_bytes(data: bytes) -> bytes:
    return _cipher().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes | None:
    """The bytes, or None when no key of PII_ENCRYPTION_KEYS opens the token (for copies that
    can simply be made again, such as a cached rendering)."""
    try:
        return _cipher().decrypt(token)
    except InvalidToken:
        return None


def reencrypt(token: str) -> str:
    """The same value under the first key (MultiFernet.rotate keeps the original timestamp)."""
    return _cipher().rotate(token.encode()).decode()


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of an identifier under NIK_HMAC_KEY: equal inputs give equal hashes, and
    without the key the hash cannot be tested against the 10^16 possible NIKs."""
    key = settings.NIK_HMAC_KEY
    if not key:
        raise ImproperlyConfigured("NIK_HMAC_KEY is empty: identifiers cannot be hashed.")
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


class Sealed(str):
    """A value already encrypted for an EncryptedTextField (see ``EncryptedTextField.seal``):
    saved as it is. Lets bulk work encrypt in other processes."""


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token. Empty string and NULL are stored as they are."""

    description = "Text encrypted at rest"
    searchable_lookups = frozenset({"isnull"})

    def to_plain(self, value: Any) -> str:
        return value

    def from_plain(self, value: str) -> Any:
        return value

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, Sealed):
            return str(value)
        value = self.to_python(value)
        if value is None or value == "":
            return value
        return encrypt(self.to_plain(value))

    def seal(self, value: Any) -> Any:
        """The value as it will be stored (a Sealed token; empty and None stay)."""
        prepared = self.get_prep_value(value)
        return Sealed(prepared) if prepared else prepared

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return self.from_plain(decrypt(value))

    def get_lookup(self, lookup_name):
        if lookup_name not in self.searchable_lookups:
            raise FieldError(
                f"{self.model.__name__}.{self.name} is encrypted and cannot be searched with "
                f"'{lookup_name}'; search its keyed hash instead."
            )
        return super().get_lookup(lookup_name)


class EncryptedDateField(EncryptedTextField):
    """A date (such as a birth date) stored as an encrypted ISO string."""

    description = "Date encrypted at rest"
    # What django-stubs' plugin reads as the attribute's types (annotations only, no value).
    _pyi_private_set_type: datetime.date | str  # type: ignore[assignment]
    _pyi_private_get_type: datetime.date  # type: ignore[assignment]

    def to_python(self, value):
        if value is None or value == "" or isinstance(value, datetime.date | Sealed):
            return value
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            return models.DateField().to_python(value)

    def to_plain(self, value: datetime.date) -> str:
        return value.isoformat()

    def from_plain(self, value: str) -> datetime.date:
        return datetime.date.fromisoformat(value)

    def formfield(self, **kwargs):
        return forms.DateField(**{"required": not self.blank, "label": self.verbose_name, **kwargs})


class EncryptedJSONField(EncryptedTextField):
    """JSON (dicts, lists) stored as an encrypted token: for context that may carry a code or
    a link (a notification's), which the database must not hold in clear."""

    description = "JSON encrypted at rest"
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def to_python(self, value):
        if isinstance(value, str) and not isinstance(value, Sealed) and value:
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def get_prep_value(self, value):
        if isinstance(value, Sealed):
            return str(value)
        if value is None:
            return None
        return encrypt(json.dumps(value, ensure_ascii=False, default=str))

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return json.loads(decrypt(value))

    def formfield(self, **kwargs):
        return None


def encrypted_fields_by_model() -> dict[type[models.Model], list[str]]:
    """Every installed model with encrypted fields, and the names of those fields."""
    found = {}
    for model in apps.get_models():
        names = [
            f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)
        ]
        if names:
            found[model] = names
    return found
