"""Reads of community reports and data-rights requests, filtered by the acting user's scope,
and the referral figures for the outcome reports.

Referrals are the data officers' (the whole regency); concerns and rights requests belong to
the reviewers of the listing's kecamatan and to the lead reviewers (the community scope of
``accounts.scope``). Opening a page that shows what a reporter
wrote, or a person's identity, writes a ``pii.view`` audit event.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import AuditEvent, User
from accounts.registry import AccountOwner
from accounts.selectors import Purpose, get_in_scope, kecamatan_in_scope
from accounts.services import audit_record
from portal.models import Condition, Need, Recipient, RecipientTransition, Status
from portal.selectors.review import recipient_get_for_user
from regions.models import Kecamatan

from .models import Concern, ContactChannel, Referral, RightsRequest
from .permissions import may_decide_concerns, may_handle_rights, may_work_referrals
from .services.concerns import audit_target as concern_target
from .services.contacts import contact_hash
from .services.referrals import audit_target as referral_target
from .services.rights import audit_target as rights_target

R = Referral.Status
# What a condition in the registry says about the generic needs a reporter can tick: the
# "similar situation" of the duplicate check.
# Keyed by the stored value: a person's conditions are read as plain strings.
CONDITION_NEEDS: dict[str, Need] = {
    Condition.CANNOT_COOK: Need.DAILY_MEALS,
    Condition.LIVES_ALONE: Need.COMPANIONSHIP,
    Condition.UNFIT_HOUSE: Need.HOME_REPAIR,
}
# A person the programme already knows, in the duplicate check: anything but erased.
_KNOWN = [s for s in Status.values if s != Status.ERASED]


# --- Referrals -----------------------------------------------------------------------------------


def referrals_in_scope(user: User) -> QuerySet[Referral]:
    """Accepted referrals (contact verified) for data officers; nothing for anybody else."""
    if not may_work_referrals(user):
        return Referral.objects.none()
    return Referral.objects.exclude(status=R.UNVERIFIED).select_related("village", "kecamatan")


@dataclass
class ReferralRow:
    referral: Referral
    # Why it may be somebody already known: a known person with a similar situation in the
    # village, another open referral there. Empty when neither.
    known_similar: int = 0
    open_nearby: int = 0

    @property
    def likely_duplicate(self) -> bool:
        return bool(self.known_similar or self.open_nearby)


def referral_queue(
    user: User,
    *,
    kecamatan_code: str | None = None,
    status: str | None = R.OPEN,
    duplicates: bool | None = None,
) -> list[ReferralRow]:
    """The referrals queue, oldest first, each with its likely-duplicate flag.

    Reads clear columns only for the list; the duplicate check decrypts the conditions of
    the registry's people in the villages concerned (never shown), to compare situations.
    """
    referrals = referrals_in_scope(user).defer("hamlet", "landmark", "situation", "contact")
    if kecamatan_code:
        referrals = referrals.filter(kecamatan__code=kecamatan_code)
    if status:
        referrals = referrals.filter(status=status)
    rows = [ReferralRow(referral=r) for r in referrals.order_by("contact_verified_at", "pk")]
    _flag_duplicates(rows)
    if duplicates is not None:
        rows = [row for row in rows if row.likely_duplicate == duplicates]
    return rows


def _flag_duplicates(rows: list[ReferralRow]) -> None:
    villages = {row.referral.village_id for row in rows}
    if not villages:
        return
    open_referrals: dict[int, list[int]] = {}
    for pk, village_id in Referral.objects.filter(
        status=R.OPEN, village_id__in=villages
    ).values_list("pk", "village_id"):
        open_referrals.setdefault(village_id, []).append(pk)
    situations: dict[int, list[set[str]]] = {}
    known = Recipient.objects.filter(village_id__in=villages, status__in=_KNOWN).only(
        "pk", "village_id", "public_needs", "conditions"
    )
    for person in known:
        needs = set(person.public_needs or ())
        needs |= {CONDITION_NEEDS[c] for c in person.condition_list if c in CONDITION_NEEDS}
        situations.setdefault(person.village_id, []).append(needs)
    for row in rows:
        referral = row.referral
        wanted = set(referral.needs or ())
        row.open_nearby = len(
            [pk for pk in open_referrals.get(referral.village_id, []) if pk != referral.pk]
        )
        row.known_similar = len(
            [needs for needs in situations.get(referral.village_id, []) if wanted & needs]
        )


def referral_get_for_user(user: User, reference: str) -> Referral:
    return get_in_scope(
        referrals_in_scope(user),
        user=user,
        target=f"community.referral:{reference}",
        reference=reference,
    )


def referral_detail_for_user(user: User, reference: str) -> ReferralRow:
    """One referral with what the reporter wrote (logged ``pii.view``) and its flag."""
    referral = referral_get_for_user(user, reference)
    audit_record(
        actor=user,
        action=AuditEvent.Action.PII_VIEW,
        target=referral_target(referral),
        details={"page": "referral"},
    )
    row = ReferralRow(referral=referral)
    _flag_duplicates([row])
    return row


# --- Concerns ------------------------------------------------------------------------------------


def concerns_in_scope(user: User) -> QuerySet[Concern]:
    if not may_decide_concerns(user):
        return Concern.objects.none()
    return (
        Concern.objects.exclude(status=Concern.Status.UNVERIFIED)
        .filter(recipient__kecamatan__in=kecamatan_in_scope(user, purpose=Purpose.COMMUNITY))
        .select_related("recipient__kecamatan")
    )


def concern_queue(user: User, *, status: str | None = Concern.Status.OPEN) -> QuerySet[Concern]:
    """Concerns about listings in the user's kecamatan: take-downs first, then oldest."""
    concerns = concerns_in_scope(user).defer("message", "reply", "contact")
    if status:
        concerns = concerns.filter(status=status)
    return concerns.order_by("-suspended_listing", "contact_verified_at", "pk")


def concern_get_for_user(user: User, reference: str) -> Concern:
    concern = get_in_scope(
        concerns_in_scope(user),
        user=user,
        target=f"community.concern:{reference}",
        reference=reference,
    )
    audit_record(
        actor=user,
        action=AuditEvent.Action.PII_VIEW,
        target=concern_target(concern),
        details={"page": "concern"},
    )
    return concern


# --- The reporter's status page ------------------------------------------------------------------


class StepState(enum.StrEnum):
    DONE = "done"
    NOW = "now"  # what is happening now
    NEXT = "next"  # to come


@dataclass(frozen=True)
class ReportStep:
    key: str
    title: str
    state: StepState
    at: datetime.datetime | None = None
    explanation: str = ""


@dataclass(frozen=True)
class ReportStatus:
    reference: str
    kind: str  # "referral" or "concern"
    steps: list[ReportStep]
    closed: bool  # nothing more will happen


# What the reporter reads of a closing outcome: the step, never a detail of the person.
_OUTCOMES: dict[str, Any] = {
    R.VERIFIED: gettext_lazy(
        "Officials found the person and entered them in the programme's registry."
    ),
    R.ALREADY_KNOWN: gettext_lazy("Officials checked: the programme already knows this person."),
    R.NOT_ELIGIBLE: gettext_lazy(
        "Officials checked: the person does not meet the programme's conditions (for example "
        "the age of 60 or the income)."
    ),
    R.NOT_FOUND: gettext_lazy(
        "Officials looked for the person but could not find them. If you can describe the way "
        "better, send a new report."
    ),
}


def report_steps(report: Referral | Concern) -> ReportStatus:
    """The steps of one report as its reporter may read them through the status link: what
    happened when, in plain words. Nothing about the person reported, nor what the reporter
    wrote, nor an official's note or answer: a link can be forwarded. ``report`` may carry
    only the columns ``community.services.status`` loads."""
    if isinstance(report, Referral):
        return ReportStatus(report.reference, "referral", *_referral_steps(report))
    return ReportStatus(report.reference, "concern", *_concern_steps(report))


def _received(report: Referral | Concern, title: str) -> ReportStep:
    if report.contact_verified_at is None:
        return ReportStep(
            "received",
            _("Waiting for your code"),
            StepState.NOW,
            explanation=_("Type the code we sent you: until then the report is not accepted."),
        )
    explanation = _("We never tell anybody who reported.")
    return ReportStep("received", title, StepState.DONE, report.contact_verified_at, explanation)


def _referral_steps(referral: Referral) -> tuple[list[ReportStep], bool]:
    steps = [_received(referral, _("Report received"))]
    title = _("Checked on the spot")
    if referral.status == R.UNVERIFIED:
        return [*steps, ReportStep("checked", title, StepState.NEXT)], False
    if referral.status == R.OPEN:
        explanation = _(
            "Officials visit the place you described to find the person and see whether the "
            "programme can help."
        )
        return [*steps, ReportStep("checked", title, StepState.NOW, None, explanation)], False
    steps.append(
        ReportStep(
            "checked", title, StepState.DONE, referral.decided_at, str(_OUTCOMES[referral.status])
        )
    )
    if referral.status != R.VERIFIED:
        return steps, True
    # After the visit the person follows the registry's review: the first moves to listed
    # and to reached are the steps (read from the lifecycle's history, dates only).
    first: dict[str, datetime.datetime] = dict(
        RecipientTransition.objects.filter(
            recipient=referral.recipient_id, to_status__in=[Status.PUBLISHED, Status.REACHED]
        )
        .values_list("to_status")
        .annotate(at=Min("created_at"))
        .order_by()
    )
    listed_at, reached_at = first.get(Status.PUBLISHED), first.get(Status.REACHED)
    listed_title = _("Listed by Dinas Sosial")
    if listed_at or reached_at:
        explanation = _(
            "Dinas Sosial reviewed the situation and listed the person, so that donors can help "
            "with daily meals."
        )
        steps.append(ReportStep("listed", listed_title, StepState.DONE, listed_at, explanation))
    else:
        explanation = _("Dinas Sosial reviews what help the programme can give.")
        steps.append(ReportStep("listed", listed_title, StepState.NOW, None, explanation))
    reached_title = _("Receives daily meals")
    if reached_at:
        explanation = _("A warung near the person's home now cooks their daily meals.")
        steps.append(ReportStep("reached", reached_title, StepState.DONE, reached_at, explanation))
        return steps, True
    if listed_at:
        explanation = _("Dinas Sosial arranges the daily meals with a warung nearby.")
        steps.append(ReportStep("reached", reached_title, StepState.NOW, None, explanation))
    else:
        steps.append(ReportStep("reached", reached_title, StepState.NEXT))
    return steps, False


def _concern_steps(concern: Concern) -> tuple[list[ReportStep], bool]:
    steps = [_received(concern, _("Concern received"))]
    if concern.contact_verified_at is not None and concern.suspended_listing:
        explanation = _("It stays off the public site until a reviewer of Dinas Sosial decides.")
        steps.append(
            ReportStep(
                "taken_down",
                _("Listing taken off the public site"),
                StepState.DONE,
                concern.contact_verified_at,
                explanation,
            )
        )
    title = _("Answered by Dinas Sosial")
    if concern.status == Concern.Status.UNVERIFIED:
        return [*steps, ReportStep("answered", title, StepState.NEXT)], False
    if concern.status == Concern.Status.OPEN:
        explanation = _("A reviewer of Dinas Sosial looks into it and will answer you.")
        return [*steps, ReportStep("answered", title, StepState.NOW, None, explanation)], False
    explanation = (
        _("The answer was sent to you by WhatsApp.")
        if concern.contact_channel == ContactChannel.PHONE
        else _("The answer was sent to you by e-mail.")
    )
    steps.append(ReportStep("answered", title, StepState.DONE, concern.answered_at, explanation))
    return steps, True


# --- Rights requests -----------------------------------------------------------------------------


def rights_in_scope(user: User) -> QuerySet[RightsRequest]:
    if not may_handle_rights(user):
        return RightsRequest.objects.none()
    return RightsRequest.objects.filter(
        recipient__kecamatan__in=kecamatan_in_scope(user, purpose=Purpose.COMMUNITY)
    ).select_related("recipient__kecamatan")


@dataclass
class RightsRow:
    request: RightsRequest
    seconds_left: int  # negative once overdue
    overdue: bool = field(init=False)

    def __post_init__(self) -> None:
        self.overdue = self.seconds_left <= 0

    @property
    def time_left(self) -> str:
        """“2 d 5 h 10 m” left, or the same overdue (the template says which)."""
        minutes = abs(self.seconds_left) // 60
        days, rest = divmod(minutes, 24 * 60)
        hours, minutes = divmod(rest, 60)
        parts = [f"{days} d"] if days else []
        if days or hours:
            parts.append(f"{hours} h")
        parts.append(f"{minutes} m")
        return " ".join(parts)


def rights_row(request: RightsRequest, now: datetime.datetime | None = None) -> RightsRow:
    now = now or timezone.now()
    end = request.completed_at or now
    return RightsRow(request=request, seconds_left=int((request.due_at - end).total_seconds()))


def rights_queue(user: User, *, status: str | None = RightsRequest.Status.OPEN) -> list[RightsRow]:
    """Requests in the user's scope, the most urgent first, with the time left."""
    requests = rights_in_scope(user).defer("requester_name", "details", "outcome_note")
    if status:
        requests = requests.filter(status=status)
    now = timezone.now()
    return [rights_row(r, now) for r in requests.order_by("due_at", "pk")]


def rights_get_for_user(user: User, reference: str) -> RightsRequest:
    request = get_in_scope(
        rights_in_scope(user),
        user=user,
        target=f"community.rightsrequest:{reference}",
        reference=reference,
    )
    audit_record(
        actor=user,
        action=AuditEvent.Action.PII_VIEW,
        target=rights_target(request),
        details={"page": "rights_request"},
    )
    return request


def rights_recipient_for_user(user: User, public_id: str) -> Recipient:
    """The record a rights request is about: in the user's scope, or 404 (and audited)."""
    return recipient_get_for_user(user, public_id)


# --- Outcome figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralFigures:
    kecamatan_code: str
    kecamatan: str
    month: datetime.date  # first day of the month, in WIB
    received: int  # accepted (contact verified) in that month
    verified: int  # found and entered in the registry in that month
    reached: int  # referred people who reached ``reached`` in that month


def referral_figures(
    *,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    kecamatan: QuerySet[Kecamatan] | None = None,
) -> list[ReferralFigures]:
    """Referrals received, verified and reached per kecamatan per month (WIB), for the
    outcome figures. Counts only: nothing about a person or a reporter. ``since``/``until``
    are WIB dates (inclusive); ``kecamatan`` restricts (a user's scope, when the caller
    reads for one). Months with nothing are left out."""
    tz = timezone.get_default_timezone()

    def bounds(column: str) -> Q:
        q = Q()
        if since:
            start = datetime.datetime.combine(since, datetime.time.min, tzinfo=tz)
            q &= Q(**{f"{column}__gte": start})
        if until:
            end = datetime.datetime.combine(
                until + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
            )
            q &= Q(**{f"{column}__lt": end})
        return q

    figures: dict[tuple[str, datetime.date], dict[str, int]] = {}
    names: dict[str, str] = {}

    def add(rows: Iterable[Mapping[str, Any]], what: str) -> None:
        for row in rows:
            month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
            key = (row["code"], month)
            names[row["code"]] = row["name"]
            figures.setdefault(key, {"received": 0, "verified": 0, "reached": 0})[what] += row["n"]

    referrals = Referral.objects.all()
    if kecamatan is not None:
        referrals = referrals.filter(kecamatan__in=kecamatan)
    columns = {"code": F("kecamatan__code"), "name": F("kecamatan__name")}
    add(
        referrals.filter(bounds("contact_verified_at"), contact_verified_at__isnull=False)
        .annotate(month=TruncMonth("contact_verified_at", tzinfo=tz))
        .values("month", **columns)
        .annotate(n=Count("pk"))
        .order_by(),
        "received",
    )
    add(
        referrals.filter(bounds("decided_at"), status=R.VERIFIED)
        .annotate(month=TruncMonth("decided_at", tzinfo=tz))
        .values("month", **columns)
        .annotate(n=Count("pk"))
        .order_by(),
        "verified",
    )
    reached = RecipientTransition.objects.filter(
        bounds("created_at"),
        to_status=Status.REACHED,
        recipient__referrals__status=R.VERIFIED,
    )
    if kecamatan is not None:
        reached = reached.filter(recipient__kecamatan__in=kecamatan)
    add(
        reached.annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values("month", code=F("recipient__kecamatan__code"), name=F("recipient__kecamatan__name"))
        .annotate(n=Count("recipient", distinct=True))
        .order_by(),
        "reached",
    )
    ordered = sorted(figures.items(), key=lambda item: (item[0][1], names[item[0][0]]))
    return [
        ReferralFigures(kecamatan_code=code, kecamatan=names[code], month=month, **counts)
        for (code, month), counts in ordered
    ]


def reports_of_owner(owner: AccountOwner) -> tuple[list[Referral], list[Concern]]:
    """The referrals and concerns an account holder confirmed from one of the e-mail
    addresses they proved, found by the keyed hash the reports keep. A phone number is never
    proven to be an account's: reports made by phone are nobody's account data."""
    hashes = [contact_hash(email) for email in owner.verified_emails]
    if not hashes:
        return [], []
    mine = Q(contact_channel=ContactChannel.EMAIL, contact_hash__in=hashes)
    mine &= Q(contact_verified_at__isnull=False)
    return (
        list(Referral.objects.filter(mine).select_related("kecamatan", "village").order_by("pk")),
        list(Concern.objects.filter(mine).select_related("recipient").order_by("pk")),
    )


def _iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def community_data_export(owner: AccountOwner) -> dict[str, Any]:
    """Community's part of the download: the reports the person confirmed by e-mail, with
    what they wrote and what became of them (never the officials' notes)."""
    referrals, concerns = reports_of_owner(owner)
    return {
        "referrals": [
            {
                "reference": r.reference,
                "contact": r.contact,
                "written_at": _iso(r.created_at),
                "confirmed_at": _iso(r.contact_verified_at),
                "kecamatan": r.kecamatan.name,
                "village": r.village.name,
                "hamlet": r.hamlet,
                "landmark": r.landmark,
                "situation": r.situation,
                "needs": list(r.needs),
                "photo": bool(r.photo),
                "status": r.status,
            }
            for r in referrals
        ],
        "concerns": [
            {
                "reference": c.reference,
                "contact": c.contact,
                "written_at": _iso(c.created_at),
                "confirmed_at": _iso(c.contact_verified_at),
                "kind": c.kind,
                "listing": c.recipient.pseudonym if c.recipient else None,
                "message": c.message,
                "status": c.status,
                "reply": c.reply,
            }
            for c in concerns
        ],
    }


def community_recipient_export(recipient: Recipient) -> dict[str, Any]:
    """What residents reported about the person and the requests made in their name."""
    return {
        "referrals": list(Referral.objects.filter(recipient=recipient).order_by("created_at")),
        "concerns": list(Concern.objects.filter(recipient=recipient).order_by("created_at")),
        "requests": list(recipient.rights_requests.order_by("received_at")),
    }
