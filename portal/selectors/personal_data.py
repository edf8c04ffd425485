"""The registry's part of an elderly person's access request: their record, its public
listing, photo consents and history, as the officials' readable page shows them."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from ..models import Condition, Need, Recipient


def portal_recipient_export(recipient: Recipient) -> dict[str, Any]:
    conditions = [
        str(Condition(c).label) if c in Condition.values else c for c in recipient.condition_list
    ]
    return {
        "identity": [
            (_("NIK"), recipient.nik),
            (_("Name"), recipient.name),
            (_("Sex"), recipient.get_sex_display()),
            (_("Birth date"), recipient.birth_date),
            (_("Address"), recipient.address),
            (_("RT/RW"), "/".join(x for x in (recipient.rt, recipient.rw) if x)),
            (_("Village"), recipient.village.name),
            (_("Kecamatan"), recipient.kecamatan.name),
            (_("Family phone"), recipient.family_phone),
            (_("Conditions"), ", ".join(conditions)),
            (_("Officials' notes"), recipient.notes),
            (_("Data collected on"), recipient.data_collected_on),
        ],
        "profile": [
            (_("Status"), recipient.get_status_display()),
            (_("Pseudonym"), recipient.pseudonym),
            (_("Age band"), recipient.get_age_band_display()),
            (
                _("Needs"),
                ", ".join(str(Need(n).label) for n in recipient.public_needs if n in Need.values),
            ),
            (_("Story"), recipient.story),
            (_("Photo"), _("yes") if recipient.photo else _("no")),
        ],
        "consents": list(recipient.photo_consents.order_by("recorded_at")),
        "history": list(recipient.transitions.all()),
    }
