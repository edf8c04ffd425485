"""The Diskominfo import: one pipeline behind every door (CLI, upload page, API, manual form).

``docs/import-format.md`` is the specification; each rule below names it.
Files are streamed (CSV line by line, XLSX through openpyxl's read-only mode) and written in
chunks, so memory does not grow with the file, apart from a set of 8-byte digests that finds a
NIK repeated within one file.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import json
import multiprocessing
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.pii import keyed_hash
from accounts.storage import private_storage
from notifications.phones import phone_normalise

from ..models import (
    IDENTITY_FIELDS,
    AgeBand,
    Condition,
    FormerNik,
    ImportBatch,
    Recipient,
    RecipientTransition,
    Sex,
    Source,
    Status,
    Village,
    mask_nik,
)
from .lifecycle import TRANSITIONS, recipient_transition

CHUNK_ROWS = 500
HEADER_SEARCH_ROWS = 20

# Header names as docs/import-format.md gives them, normalised (see ``normalise_header``).
COLUMNS = {
    "nik": "nik",
    # Read so that they are not reported as unknown, and dropped: the programme needs
    # neither (UU PDP: data minimisation).
    "no_kk": "ignored",
    "nama": "name",
    "jenis_kelamin": "sex",
    "tempat_lahir": "ignored",
    "tanggal_lahir": "birth_date",
    "alamat": "address",
    "rt": "rt",
    "rw": "rw",
    "rt_rw": "rt_rw",
    "kode_desa": "village_code",
    "desa": "village_name",
    "kelurahan": "village_name",
    "desa_kelurahan": "village_name",
    "kecamatan": "kecamatan_name",
    "no_hp_keluarga": "family_phone",
    "kondisi": "conditions",
    "status_layanan": "service_status",
    "catatan": "notes",
    "tanggal_pendataan": "data_collected_on",
}


class FileRefused(Exception):
    """The file cannot be read at all: nothing is written."""


def normalise_header(value: Any) -> str:
    return re.sub(r"[\s_\-]+", "_", str(value or "").strip().lower()).strip("_")


# --- Reading -----------------------------------------------------------------------------------


@dataclass
class Table:
    """The rows of a file as dicts of raw cell values keyed by our field names."""

    rows: Iterator[tuple[int, dict[str, Any]]]
    unknown_columns: list[str]


def _map_header(cells: Iterable[Any]) -> tuple[dict[int, str], list[str]] | None:
    mapping, unknown = {}, []
    for position, cell in enumerate(cells):
        name = normalise_header(cell)
        if not name:
            continue
        if name in COLUMNS:
            mapping[position] = COLUMNS[name]
        else:
            unknown.append(str(cell).strip())
    known = set(mapping.values())
    if "nik" in known and len(known - {"nik"}) >= 3:
        return mapping, unknown
    return None


def _table(records: Iterator[list[Any]]) -> Table:
    """Find the header within the first rows (title rows above it are common), then yield the
    data rows below it with their row numbers as the spreadsheet shows them."""
    number = 0
    for record in records:
        number += 1
        found = _map_header(record)
        if found:
            mapping, unknown = found
            break
        if number >= HEADER_SEARCH_ROWS:
            raise FileRefused(_no_header())
    else:
        raise FileRefused(_no_header())

    def rows():
        n = number
        for record in records:
            n += 1
            row = {}
            for position, key in mapping.items():
                value = record[position] if position < len(record) else None
                if isinstance(value, str):
                    value = value.strip()
                if value not in (None, ""):
                    row.setdefault(key, value)
            if row:  # blank lines are not rows
                yield n, row

    return Table(rows=rows(), unknown_columns=unknown)


def _no_header() -> str:
    return _(
        "No header row with a NIK column and at least three other known columns was found in "
        "the first %(n)d rows."
    ) % {"n": HEADER_SEARCH_ROWS}


def _detect_encoding(stream: IO[bytes]) -> str:
    start = stream.read(4)
    stream.seek(0)
    if start.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(1 << 16):
            if b"\x00" in chunk:
                raise FileRefused(_("This is not a CSV or XLSX file."))
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        # Excel's "CSV" on Indonesian Windows writes Windows-1252.
        return "cp1252"
    finally:
        stream.seek(0)


def _csv_records(stream: IO[bytes]) -> Iterator[list[str]]:
    encoding = _detect_encoding(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        sample = text.read(1 << 15)
        text.seek(0)
        yield from csv.reader(text, delimiter=_guess_delimiter(sample))
    finally:
        # The stream is the caller's: a wrapper that is garbage-collected would close it.
        text.detach()


def _guess_delimiter(sample: str) -> str:
    # The header decides: whichever of ',' and ';' yields a header with more known columns.
    best, best_score = ",", -1
    for delimiter in (",", ";"):
        lines = sample.splitlines()[:HEADER_SEARCH_ROWS]
        score = max(
            (
                len({COLUMNS.get(normalise_header(c)) for c in row} - {None})
                for row in csv.reader(lines, delimiter=delimiter)
            ),
            default=0,
        )
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _xlsx_records(stream: IO[bytes]) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise FileRefused(_("The XLSX file cannot be read: it may be damaged.")) from error
    sheet = workbook.worksheets[0]
    return (list(row) for row in sheet.iter_rows(values_only=True))


def read_table(stream: IO[bytes]) -> Table:
    """Open a CSV or XLSX file (by content, not by name) and find its header."""
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise FileRefused(_("The file is empty."))
    if size > settings.IMPORT_MAX_BYTES:
        raise FileRefused(
            _("The file is larger than %(mb)d MB: split it into smaller files.")
            % {"mb": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
        )
    if stream.read(4) == b"PK\x03\x04":
        stream.seek(0)
        return _table(_xlsx_records(stream))
    stream.seek(0)
    return _table(_csv_records(stream))


# --- One row -----------------------------------------------------------------------------------


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


def clean_nik(value: Any) -> str | None:
    """A NIK as 16 digits, or None. Spaces, non-breaking spaces
    and a leading apostrophe (Excel's "text" marker) are removed; a number in scientific
    notation has lost digits."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A numeric spreadsheet cell: Excel keeps 15 significant digits, so a 16-digit NIK
        # stored as a number has lost its last digit even when it looks whole.
        return None
    text = str(value).replace("\u00a0", "").replace(" ", "").lstrip("'")
    return text if re.fullmatch(r"\d{16}", text) else None


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

    nik = clean_nik(raw.get("nik", ""))
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


# --- Writing -----------------------------------------------------------------------------------


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warned: int = 0
    # (row number, masked NIK, "rejected" | "warning", reason) for the report.
    report: list[tuple[int, str, str, str]] = field(default_factory=list)


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


def _chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_ENCRYPTED = None


def _encrypted_fields():
    global _ENCRYPTED
    if _ENCRYPTED is None:
        from accounts.pii import EncryptedTextField

        _ENCRYPTED = {
            f.attname: f
            for f in Recipient._meta.concrete_fields
            if isinstance(f, EncryptedTextField) and f.attname in IDENTITY_FIELDS
        }
    return _ENCRYPTED


def prepare_rows(
    raw_rows: list[tuple[int, dict[str, Any]]], *, villages: Villages, today: datetime.date
) -> list[Row]:
    """Validate rows, and for accepted ones compute the fingerprint and the encrypted identity
    columns (the CPU-heavy part of an import, which ``Pipeline.run`` may spread over
    processes)."""
    fields = _encrypted_fields()
    rows = []
    for number, raw in raw_rows:
        row = validate_row(number, raw, villages=villages, today=today)
        if not row.rejected:
            # Ids rather than the model instance: rows may travel between processes.
            village = row.data.pop("village")
            row.data["village_id"] = village.pk
            row.data["kecamatan_id"] = village.kecamatan_id
            row.fingerprint = fingerprint(row.data)
            row.sealed = {
                name: f.seal(row.data[name]) for name, f in fields.items() if name in row.data
            }
        rows.append(row)
    return rows


_WORKER_STATE: dict[str, Any] = {}


def _worker_init(villages: Villages, today: datetime.date) -> None:
    _WORKER_STATE.update(villages=villages, today=today)


def _prepare_in_worker(raw_rows: list[tuple[int, dict[str, Any]]]) -> list[Row]:
    return prepare_rows(raw_rows, **_WORKER_STATE)


class Pipeline:
    """Validates and writes rows in chunks. ``run`` is the one entry point every door uses."""

    def __init__(self, *, batch: ImportBatch, actor: User | None, source: str = Source.IMPORT):
        self.batch = batch
        self.actor = actor
        self.source = source
        self.label = f"import:{batch.channel}"
        self.villages = Villages.load()
        self.today = timezone.localdate()
        self.seen: set[bytes] = set()
        self.outcome = Outcome()

    def run(self, rows: Iterable[tuple[int, dict[str, Any]]], *, workers: int = 1) -> Outcome:
        """Validate and write ``rows``. With ``workers`` > 1 (the command line, on PostgreSQL)
        validation and encryption of each chunk run in that many forked processes while this
        one writes: they are most of an import's work, and Fernet holds the GIL."""
        chunks = _chunks(rows, CHUNK_ROWS)
        if workers > 1 and connection.vendor == "postgresql":
            context = multiprocessing.get_context("fork")
            with context.Pool(
                workers, initializer=_worker_init, initargs=(self.villages, self.today)
            ) as pool:
                for prepared in pool.imap(_prepare_in_worker, chunks):
                    self._write(self._dedupe(prepared))
        else:
            for chunk in chunks:
                self._write(
                    self._dedupe(prepare_rows(chunk, villages=self.villages, today=self.today))
                )
        return self.outcome

    def _dedupe(self, rows: list[Row]) -> list[Row]:
        # The file's order decides: the first row with a NIK wins, later ones are rejected.
        for row in rows:
            if not row.rejected:
                digest = bytes.fromhex(row.nik_hash)[:8]
                if digest in self.seen:
                    row.reason = _("This NIK already appeared in an earlier row of the file.")
                self.seen.add(digest)
        return rows

    def _note(self, row: Row, kind: str, reason: str) -> None:
        self.outcome.report.append((row.number, mask_nik(row.nik), kind, reason))

    @transaction.atomic
    def _write(self, rows: list[Row]) -> None:
        accepted = [r for r in rows if not r.rejected]
        hashes = [r.nik_hash for r in accepted]
        columns = ("pk", "nik_hash", "status", "import_fingerprint", "locked_fields", "warnings")
        existing = {
            r.nik_hash: r for r in Recipient.objects.filter(nik_hash__in=hashes).only(*columns)
        }
        unknown = [h for h in hashes if h not in existing]
        if unknown:
            # A NIK an official corrected still names the same person in a later export.
            for former in FormerNik.objects.filter(nik_hash__in=unknown).select_related(
                "recipient"
            ):
                existing[former.nik_hash] = former.recipient
        to_create: list[dict[str, Any]] = []
        for row in rows:
            known = None if row.rejected else existing.get(row.nik_hash)
            if known is not None and known.status == Status.ERASED:
                row.reason = _(
                    "This person's data was erased at their request: they cannot be imported again."
                )
            if row.rejected:
                self.outcome.rejected += 1
                self._note(row, "rejected", row.reason)
                continue
            for code in row.warnings:
                self._note(row, "warning", warning_label(code))
            current = existing.get(row.nik_hash)
            if current is None:
                to_create.append(self._new(row))
            else:
                self._update(current, row)
            if row.warnings:
                self.outcome.warned += 1
        if to_create:
            _insert(Recipient, to_create)
            ids = dict(
                Recipient.objects.filter(
                    nik_hash__in=[r["nik_hash"] for r in to_create]
                ).values_list("nik_hash", "pk")
            )
            reason = {
                Source.MANUAL: _("Entered by hand"),
                Source.REFERRAL: _("Entered after a verified community referral"),
            }.get(self.source, _("Imported"))
            actor_id = self.actor.pk if self.actor else None
            label = "" if self.actor else self.label
            _insert(
                RecipientTransition,
                [
                    {
                        "recipient_id": ids[r["nik_hash"]],
                        "from_status": "",
                        "to_status": r["status"],
                        "actor_id": actor_id,
                        "actor_label": label,
                        "reason": reason,
                    }
                    for r in to_create
                ],
            )
            self.outcome.created += len(to_create)

    def _new(self, row: Row) -> dict[str, Any]:
        """The new record's columns ({attname: value}) for ``_insert``."""
        return {
            **row.data,
            **row.sealed,
            "nik_hash": row.nik_hash,
            "age_band": age_band(row.data["birth_date"], self.today),
            "status": (
                Status.SERVED_ELSEWHERE if row.service_status == "terjangkau" else Status.CANDIDATE
            ),
            "source": self.source,
            "warnings": sorted(set(row.warnings)),
            "import_fingerprint": row.fingerprint,
            "last_import_id": self.batch.pk,
            "entered_by_id": self.actor.pk if self.actor else None,
        }

    def _update(self, current: Recipient, row: Row) -> None:
        print_ = row.fingerprint
        warnings = set(current.warnings) | set(row.warnings)
        changed: list[str] = []
        if print_ != current.import_fingerprint:
            # Only a row that differs from what was last imported is decrypted and compared.
            stored = Recipient.objects.get(pk=current.pk)
            for name, value in row.data.items():
                if getattr(stored, name) == value:
                    continue
                # The village decides the kecamatan: locking the village locks both.
                field_name = VILLAGE_COLUMNS.get(name, name)
                if field_name in stored.locked_fields:
                    code = f"locked_field_differs:{field_name}"
                    if code not in warnings:
                        self._note(row, "warning", warning_label(code))
                    warnings.add(code)
                    continue
                setattr(current, name, value)
                changed.append(name)
            if "birth_date" in changed:
                current.age_band = age_band(row.data["birth_date"], self.today)
                changed.append("age_band")
        fields = list(changed)
        if print_ != current.import_fingerprint:
            current.import_fingerprint = print_
            fields.append("import_fingerprint")
        if warnings != set(current.warnings):
            current.warnings = sorted(warnings)
            fields.append("warnings")
        moved = False
        if row.service_status == "terjangkau" and (
            (current.status, Status.SERVED_ELSEWHERE) in TRANSITIONS
        ):
            recipient_transition(
                recipient=current,
                to_status=Status.SERVED_ELSEWHERE,
                actor=None,
                actor_label=self.label,
                reason=_("The import says this person is already served (terjangkau)."),
            )
            moved = True
        if changed or moved:
            current.last_import = self.batch
            fields.append("last_import")
            self.outcome.updated += 1
        else:
            self.outcome.unchanged += 1
        if fields:
            current.save(update_fields=[*fields, "updated_at"])


def _insert(model, rows: list[dict[str, Any]]) -> None:
    """Insert new rows given as {attname: value}; missing fields take the model's defaults.

    On PostgreSQL through COPY, values converted once per column kind, without model
    instances: for a large import, Django's bulk_create spent more time building objects and
    its INSERT than the server spent storing them. Encryption is the field's own."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows], batch_size=CHUNK_ROWS)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    converters = [_column_converter(f) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    defaults = [_default_maker(f, timezone.now()) for f in fields]
    plan = list(zip(fields, converters, defaults, strict=True))
    sql = f"COPY {table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(
                [
                    convert(row[f.attname] if f.attname in row else default())
                    for f, convert, default in plan
                ]
            )


def _default_maker(field, now):
    """A function giving the field's value for a row that does not set it: a fresh value for
    a callable default (a public id), the same value otherwise."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda: now
    if field.has_default() and callable(field.default):
        return field.get_default
    value = field.get_default()
    return lambda: value


def _column_converter(field):
    from django.db.models import JSONField

    from accounts.pii import EncryptedTextField

    if isinstance(field, EncryptedTextField):
        return lambda value: field.get_prep_value(value)
    if isinstance(field, JSONField):
        return lambda value: json.dumps(value)
    return lambda value: value


class _DryRun(Exception):
    pass


def _write_report(outcome: Outcome, batch: ImportBatch) -> str:
    """Save the report (row, masked NIK, outcome, reason) in private storage; its name."""
    with tempfile.TemporaryFile(mode="w+b") as buffer:
        text = io.TextIOWrapper(buffer, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow([_("row"), "NIK", _("outcome"), _("reason")])
        for number, nik, kind, reason in outcome.report:
            # The outcome is a code ("rejected" or "warning") that programs can rely on; the
            # reason is in the reader's language.
            writer.writerow([number, nik, kind, reason])
        text.flush()
        buffer.seek(0)
        name = private_storage().save(
            f"imports/{batch.started_at:%Y/%m}/report-{batch.pk}.csv", File(buffer)
        )
        text.detach()
    return name


def import_rows(
    rows: Iterable[tuple[int, dict[str, Any]]],
    *,
    batch: ImportBatch,
    actor: User | None,
    dry_run: bool = False,
    source: str = Source.IMPORT,
    preface: Iterable[tuple[int, str, str, str]] = (),
    workers: int = 1,
) -> Outcome:
    """Run rows through the pipeline and record the outcome on ``batch`` (saved first, so its
    id is in the report's name). A dry run goes through exactly the same writes inside a
    transaction that is then rolled back."""
    if batch.pk is None:
        batch.save()
    pipeline = Pipeline(batch=batch, actor=actor, source=source)
    pipeline.outcome.report.extend(preface)
    if dry_run:
        try:
            with transaction.atomic():
                pipeline.run(rows, workers=workers)
                raise _DryRun
        except _DryRun:
            pass
    else:
        pipeline.run(rows, workers=workers)
    outcome = pipeline.outcome
    batch.created, batch.updated = outcome.created, outcome.updated
    batch.unchanged, batch.rejected, batch.warned = (
        outcome.unchanged,
        outcome.rejected,
        outcome.warned,
    )
    batch.report_file = _write_report(outcome, batch)
    batch.finished_at = timezone.now()
    batch.save()
    return outcome


def import_finished_notify(batch: ImportBatch) -> None:
    """Tell the official who ran an import what it did (in the import's transaction)."""
    from notifications.services import notification_enqueue

    if batch.actor is None:
        return
    notification_enqueue(
        template="import_finished",
        dedup_key=f"import_finished:{batch.pk}",
        user=batch.actor,
        context={
            "file_name": batch.file_name or batch.external_id,
            "created": batch.created,
            "updated": batch.updated,
            "unchanged": batch.unchanged,
            "rejected": batch.rejected,
            "warned": batch.warned,
            "batch_id": batch.pk,
        },
    )


def sha256_of(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    while chunk := stream.read(1 << 16):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def import_file(
    stream: IO[bytes],
    *,
    file_name: str,
    channel: str,
    actor: User | None,
    actor_label: str = "",
    dry_run: bool = False,
    workers: int = 1,
) -> ImportBatch:
    """Import a Diskominfo file. Raises FileRefused (after recording the refusal) when the file
    cannot be read at all; nothing about recipients is written then."""
    batch = ImportBatch(
        channel=channel,
        state=ImportBatch.State.DRY_RUN if dry_run else ImportBatch.State.DONE,
        actor=actor,
        actor_label=actor_label,
        file_name=file_name[:255],
        file_sha256=sha256_of(stream),
    )
    try:
        table = read_table(stream)
    except FileRefused as error:
        batch.state = ImportBatch.State.REFUSED
        batch.refusal = str(error)
        batch.finished_at = timezone.now()
        batch.save()
        raise
    batch.save()
    preface = []
    if table.unknown_columns:
        preface.append((0, "", "warning", unknown_columns_note(table.unknown_columns)))
    import_rows(
        table.rows, batch=batch, actor=actor, dry_run=dry_run, preface=preface, workers=workers
    )
    return batch


def unknown_columns_note(columns: list[str]) -> str:
    return _("Unknown columns, ignored: %(columns)s") % {"columns": ", ".join(columns)}


__all__ = [
    "FileRefused",
    "ImportBatch",
    "Outcome",
    "import_file",
    "import_rows",
    "read_table",
    "validate_row",
    "warning_label",
]
