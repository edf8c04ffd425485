"""One row of a Diskominfo file: the rules of docs/import-format.md that accept it, reject it,
or warn."""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.pii import keyed_hash
from core.forms import nik_digits
from core.phones import phone_normalise
from regions.models import Village

from ...models import AgeBand, Condition, Sex
from .reading import normalise_header


@dataclass
class Villages:
    """Banyuwangi's 217 villages, by code and by (kecamatan, village) name."""

    by_code: dict[str, Village]
    by_names: dict[tuple[str, str], Village]

    @classmethod
    def load(cls) -> Villages:
        villages = list(Village.objects.select_related("kecamatan"))
        return cls(
            by_code={v.code: v for v in villages},
            by_names={(_place(v.kecamatan.name), _place(v.name)): v for v in villages},
        )


_PLACE_PREFIX = re.compile(r"^(desa|kelurahan|kel\.?|kecamatan|kec\.?)\s+", re.IGNORECASE)


def _place(name: str) -> str:
    name = re.sub(r"\s+", " ", str(name).strip().lower())
    return _PLACE_PREFIX.sub("", name).strip()


@dataclass
class Row:
    """A validated row: either ``reason`` (rejected) or ``data`` (accepted), and warnings."""

    number: int
    nik: str = ""
    nik_hash: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    reason: str = ""
    service_status: str = ""
    # Filled by ``prepare_rows`` for an accepted row: the identity's fingerprint, and the
    # encrypted identity columns ready to store.
    fingerprint: str = ""
    sealed: dict[str, Any] = field(default_factory=dict)

    @property
    def rejected(self) -> bool:
        return bool(self.reason)


def parse_date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    patterns = (
        (r"(\d{1,2})[-/](\d{1,2})[-/](\d{4})", ("d", "m", "y")),
        (r"(\d{4})-(\d{1,2})-(\d{1,2})", ("y", "m", "d")),
    )
    for pattern, order in patterns:
        match = re.fullmatch(pattern, text)
        if match:
            parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
            try:
                return datetime.date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                return None
    return None


def age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_band(birth: datetime.date, today: datetime.date) -> str:
    age = age_on(birth, today)
    if age >= 80:
        return AgeBand.AGE_80_PLUS
    if age >= 70:
        return AgeBand.AGE_70_79
    return AgeBand.AGE_60_69


def _sex(value: Any) -> str | None:
    text = str(value).strip().lower()
    if text in {"l", "laki-laki", "laki laki", "lk"}:
        return Sex.MALE
    if text in {"p", "perempuan", "pr", "w", "wanita"}:
        return Sex.FEMALE
    return None


def _rt_rw(value: Any) -> str:
    text = str(int(value)) if isinstance(value, int | float) else str(value).strip()
    return text.zfill(3) if text.isdigit() else text


def validate_row(
    number: int, raw: dict[str, Any], *, villages: Villages, today: datetime.date
) -> Row:
    """Apply the row rules of docs/import-format.md to one row."""
    row = Row(number=number)

    def reject(reason: str) -> Row:
        row.reason = reason
        return row

    nik = nik_digits(raw.get("nik", ""))
    row.nik = nik or str(raw.get("nik", ""))[:32]
    if nik is None:
        return reject(
            _("The NIK is not 16 digits (a number in scientific notation has lost digits).")
        )
    day, month, serial = int(nik[6:8]), int(nik[8:10]), nik[12:]
    if not (1 <= day <= 31 or 41 <= day <= 71) or not 1 <= month <= 12:
        return reject(_("The NIK's date part is impossible."))
    if serial == "0000":
        return reject(_("The NIK's serial number is 0000."))
    row.nik_hash = keyed_hash(nik)

    for key, column in (("name", "NAMA"), ("sex", "JENIS KELAMIN"), ("address", "ALAMAT")):
        if key not in raw:
            return reject(_("%(column)s is missing.") % {"column": column})
    sex = _sex(raw["sex"])
    if sex is None:
        return reject(_("JENIS KELAMIN must be L or P."))
    birth = parse_date(raw.get("birth_date", ""))
    if birth is None:
        return reject(_("The birth date is missing or impossible."))

    collected = today
    if "data_collected_on" in raw:
        parsed = parse_date(raw["data_collected_on"])
        if parsed is None or parsed > today:
            row.warnings.append("collection_date_invalid")
        else:
            collected = parsed
    if birth > collected or age_on(birth, collected) < settings.LANSIA_MIN_AGE:
        return reject(
            _("The person is under %(age)d on the data-collection date.")
            % {"age": settings.LANSIA_MIN_AGE}
        )

    village = None
    if "village_code" in raw:
        code = str(raw["village_code"]).strip()
        if re.fullmatch(r"\d{10}", code):
            code = f"{code[:2]}.{code[2:4]}.{code[4:6]}.{code[6:]}"
        village = villages.by_code.get(code)
    elif "village_name" in raw and "kecamatan_name" in raw:
        village = villages.by_names.get(
            (_place(raw["kecamatan_name"]), _place(raw["village_name"]))
        )
    if village is None:
        return reject(_("The village is not one of Banyuwangi's 217."))

    # Accepted; what follows only warns.
    if not nik.startswith("3510"):
        row.warnings.append("nik_outside_banyuwangi")
    nik_sex = Sex.FEMALE if day > 40 else Sex.MALE
    if nik_sex != sex:
        row.warnings.append("nik_sex_mismatch")
    nik_day = day - 40 if day > 40 else day
    if (nik_day, month, int(nik[10:12])) != (birth.day, birth.month, birth.year % 100):
        row.warnings.append("nik_birth_date_mismatch")

    conditions = []
    for tag in re.split(r"[;,]", str(raw.get("conditions", ""))):
        tag = normalise_header(tag)
        if not tag:
            continue
        if tag in Condition.values:
            if tag not in conditions:
                conditions.append(tag)
        else:
            row.warnings.append(f"unknown_condition:{tag[:30]}")

    phone = ""
    if "family_phone" in raw:
        phone = phone_normalise(raw["family_phone"]) or ""
        if not phone:
            row.warnings.append("phone_invalid")
    rt, rw = raw.get("rt", ""), raw.get("rw", "")
    if "rt_rw" in raw and not (rt or rw):
        rt, _sep, rw = str(raw["rt_rw"]).partition("/")
    status = normalise_header(raw.get("service_status", ""))
    if status and status not in {"belum_terjangkau", "terjangkau"}:
        row.warnings.append(f"unknown_service_status:{status[:30]}")
        status = ""
    row.service_status = status

    row.data = {
        "nik": nik,
        "name": re.sub(r"\s+", " ", str(raw["name"])).strip()[:200],
        "sex": sex,
        "birth_date": birth,
        "address": re.sub(r"\s+", " ", str(raw["address"])).strip()[:300],
        "rt": _rt_rw(rt) if rt != "" else "",
        "rw": _rt_rw(rw) if rw != "" else "",
        "village": village,
        "family_phone": phone,
        "conditions": ",".join(conditions),
        "notes": str(raw.get("notes", "")).strip()[:2000],
        "data_collected_on": collected,
    }
    return row


VILLAGE_COLUMNS = {"village_id": "village", "kecamatan_id": "village"}


def fingerprint(data: dict[str, Any]) -> str:
    """A keyed hash of an accepted row's identity: equal rows, equal fingerprints."""
    canonical = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in data.items()}
    return keyed_hash("fingerprint:" + json.dumps(canonical, sort_keys=True, ensure_ascii=False))


WARNING_LABELS = {
    "nik_outside_banyuwangi": lambda: _("The NIK was registered outside Banyuwangi."),
    "nik_sex_mismatch": lambda: _("The sex encoded in the NIK disagrees with JENIS KELAMIN."),
    "nik_birth_date_mismatch": lambda: _(
        "The birth date encoded in the NIK disagrees with TANGGAL LAHIR."
    ),
    "unknown_condition": lambda: _("Unknown KONDISI tag (ignored)"),
    "phone_invalid": lambda: _("NO HP KELUARGA is not a valid phone number (not stored)."),
    "unknown_service_status": lambda: _("Unknown STATUS LAYANAN (ignored)"),
    "collection_date_invalid": lambda: _(
        "TANGGAL PENDATAAN is invalid or in the future: the import date was used."
    ),
    "locked_field_differs": lambda: _(
        "An official corrected this field; the import's different value was not applied"
    ),
}


def warning_label(code: str) -> str:
    """A warning code as a person reads it, e.g. ``unknown_condition:buta`` →
    "Unknown KONDISI tag (ignored): buta"."""
    key, _sep, detail = code.partition(":")
    label = WARNING_LABELS.get(key, lambda: key)()
    return f"{label}: {detail}" if detail else label
