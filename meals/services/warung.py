"""Writes for warung partners."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from accounts.models import User
from regions.models import Kecamatan

from ..models import Warung
from ..permissions import may_keep_warung_register


def warung_create(
    *,
    actor: User,
    name: str,
    owner_name: str,
    address: str,
    kecamatan: Kecamatan,
    daily_capacity: int,
    contract_status: str = Warung.Contract.ACTIVE,
) -> Warung:
    """A warung partner, the payee of disbursements. The same name twice in one kecamatan is
    refused: a disbursement must name one warung without doubt."""
    if not may_keep_warung_register(actor):
        raise PermissionDenied
    name = name.strip()
    if not name or not owner_name.strip() or not address.strip():
        raise ValidationError(_("Give the warung's name, its owner and its address."))
    if daily_capacity < 1:
        raise ValidationError(_("The daily capacity must be at least one portion."))
    if contract_status not in Warung.Contract.values:
        raise ValidationError(_("Choose a contract status."))
    if Warung.objects.filter(kecamatan=kecamatan, name__iexact=name).exists():
        raise ValidationError(
            _("A warung named “%(name)s” is already a partner in %(kecamatan)s.")
            % {"name": name, "kecamatan": kecamatan.name}
        )
    return Warung.objects.create(
        name=name[:200],
        owner_name=owner_name.strip()[:200],
        address=address.strip()[:300],
        kecamatan=kecamatan,
        daily_capacity=daily_capacity,
        contract_status=contract_status,
    )
