"""Whole rupiah as people type and read them: ``parse_rupiah`` for what was typed,
``format_rupiah`` and ``rupiah`` for what is shown. A dot separates thousands in both
languages (docs/domain.md): it is how the amount is written on every receipt and banner in
Banyuwangi, and the rupiah has no minor unit in use."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# docs/architecture.md, "Money": digits with dots as thousands separators and an optional "Rp";
# a comma, a decimal part, a sign or letters is refused. "10.000" is ten thousand, never ten.
_RUPIAH = re.compile(r"\d{1,3}(?:\.\d{3})+|\d+")
_RUPIAH_PREFIX = re.compile(r"^rp\.?\s*", re.IGNORECASE)
# Fifteen digits (a thousand trillion rupiah) is far above any amount the programme handles
# and far below BigIntegerField's limit.
RUPIAH_MAX_DIGITS = 15


def parse_rupiah(value: Any) -> int:
    """Whole rupiah from what a person typed: "720.000", "Rp720.000", "Rp 720.000", "720000".

    Raises ValidationError with a message that says what to write instead.
    """
    if isinstance(value, bool):
        raise ValidationError(_("Write the amount in digits, for example 10.000."), "invalid")
    if isinstance(value, int):
        if value < 0:
            raise ValidationError(_("An amount cannot be negative."), "sign")
        return value
    text = _RUPIAH_PREFIX.sub("", str(value).strip().replace("\u00a0", " ")).strip()
    if not text:
        raise ValidationError(_("Write the amount in digits, for example 10.000."), "invalid")
    if text[0] in "+-−":
        raise ValidationError(_("An amount cannot have a sign: write 10.000."), "sign")
    if "," in text:
        raise ValidationError(
            _("Rupiah are whole: no comma or decimal part. Write ten thousand as 10.000."),
            "decimal",
        )
    if not _RUPIAH.fullmatch(text):
        if re.fullmatch(r"[\d.]+", text):
            raise ValidationError(
                _(
                    "A dot separates thousands (10.000 is ten thousand); rupiah have no "
                    "decimal part."
                ),
                "decimal",
            )
        raise ValidationError(
            _("Write the amount in digits, for example 10.000 or Rp10.000."), "invalid"
        )
    digits = text.replace(".", "")
    if len(digits.lstrip("0")) > RUPIAH_MAX_DIGITS:
        raise ValidationError(_("This amount is too large."), "too_large")
    return int(digits)


def format_rupiah(value: int | None) -> str:
    """720000 → "720.000" (the way it is typed and read in Indonesia)."""
    if value is None:
        return ""
    return f"{value:,}".replace(",", ".")


def rupiah(amount: int) -> str:
    """720000 → "Rp720.000"; a negative amount keeps its sign in front: "-Rp5.000"."""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{format_rupiah(abs(amount))}"
