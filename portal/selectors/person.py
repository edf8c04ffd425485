"""The person page for officials: one elderly person's support across agencies, by section.

Which sections a user sees is decisions.md's matrix ("One target, many agencies", turn 2),
each asked of ``accounts.scope`` for its own purpose: a role that reaches the person for
nothing gets the same 404 as a person outside the scope (and ``scope.denied`` in the audit
log); each opening writes one ``pii.view`` event naming the sections shown.

The reads are bounded: one query per kind of record, whatever the number of deliveries,
visits or gifts (``bench/person_page.py`` prints the figures). The other apps are read here
through their models (their selectors have no per-person reads); nothing is written.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, Role, RoleGrant, User
from accounts.permissions import has_any_role
from accounts.scope import Purpose, kecamatan_in_scope
from accounts.services import audit_record
from community.models import Concern, Referral, RightsRequest
from community.permissions import may_decide_concerns, may_handle_rights, may_work_referrals
from core.money import format_rupiah
from core.time import today_wib
from donations.models import Decision, DisbursementLine, Gift, Sponsorship
from donations.permissions import may_read_finance
from donations.selectors.progress import Progress, listing_progress
from meals.models import (
    Delivery,
    Inspection,
    MealPlan,
    MealPlanTransition,
    PlanStatus,
    Suspension,
)
from meals.selectors.plans import plan_status_on
from volunteers.models import Booking, VisitSlot
from volunteers.services.common import coordinator_school_id

from ..models import Need, Recipient, RecipientTransition
from ..permissions import PERSON_PAGE_ROLES

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

REGISTRY, MEALS, VISITS, MONEY, COMMUNITY = "registry", "meals", "visits", "money", "community"
SECTIONS = (REGISTRY, MEALS, VISITS, MONEY, COMMUNITY)
STRIP_DAYS = 30
# The timeline shows the newest events; older ones stay on each agency's own pages.
TIMELINE_LIMIT = 200

# Whole community sections anywhere (a reviewer: in their grant).
_REGENCY_WHOLE_ROLES = frozenset({Role.LEAD_REVIEWER, Role.ADMINISTRATOR})


@dataclass(frozen=True)
class Access:
    """What of one person one user sees: each section's depth ("" for nothing)."""

    registry: str = ""  # "full" | "status"
    meals: bool = False
    visits: str = ""  # "full" | "school"
    school_id: int | None = None  # the coordinator's school, for "school"
    money: str = ""  # "full" | "donors"
    community: str = ""  # "full" | "referral"

    @property
    def sections(self) -> list[str]:
        shown = {
            REGISTRY: bool(self.registry),
            MEALS: self.meals,
            VISITS: bool(self.visits),
            MONEY: bool(self.money),
            COMMUNITY: bool(self.community),
        }
        return [name for name in SECTIONS if shown[name]]


class ScopeMemo:
    """One user's reach, read once for a page that links many people (the attention queue):
    the kecamatan of each purpose, a reviewer's grant, a coordinator's school and the people
    its visits are with. Each is read when first asked, then answered from memory; the
    answers are those of the queries ``person_access`` makes without it."""

    def __init__(self, user: User) -> None:
        self.user = user
        self._kecamatan: dict[Purpose, frozenset[int]] = {}
        self._reviewer_kecamatan: frozenset[int] | None = None
        self._school: tuple[int | None] | None = None
        self._school_people: frozenset[int] | None = None

    def reaches(self, purpose: Purpose, kecamatan_id: int) -> bool:
        if purpose not in self._kecamatan:
            self._kecamatan[purpose] = frozenset(
                kecamatan_in_scope(self.user, purpose=purpose).values_list("pk", flat=True)
            )
        return kecamatan_id in self._kecamatan[purpose]

    def reviewer_grant_has(self, kecamatan_id: int) -> bool:
        if self._reviewer_kecamatan is None:
            self._reviewer_kecamatan = frozenset(
                RoleGrant.objects.filter(user=self.user, role=Role.REVIEWER).values_list(
                    "kecamatan", flat=True
                )
            )
        return kecamatan_id in self._reviewer_kecamatan

    def school_id(self) -> int | None:
        if self._school is None:
            self._school = (coordinator_school_id(self.user),)
        return self._school[0]

    def school_visits(self, school_id: int, recipient: Recipient) -> bool:
        if self._school_people is None:
            self._school_people = frozenset(
                VisitSlot.objects.filter(_q_school(school_id)).values_list(
                    "recipient_id", flat=True
                )
            )
        return recipient.pk in self._school_people


def _reaches(user: User, purpose: Purpose, kecamatan_id: int, memo: ScopeMemo | None) -> bool:
    if memo is not None:
        return memo.reaches(purpose, kecamatan_id)
    return kecamatan_in_scope(user, purpose=purpose).filter(pk=kecamatan_id).exists()


def _reviews_here(user: User, kecamatan_id: int, memo: ScopeMemo | None) -> bool:
    """Whole sections: a lead reviewer or administrator anywhere, a reviewer in their grant
    (not a data officer's regency, which reaches community for referrals only)."""
    if has_any_role(user, _REGENCY_WHOLE_ROLES):
        return True
    if not user.has_role(Role.REVIEWER):
        return False
    if memo is not None:
        return memo.reviewer_grant_has(kecamatan_id)
    return RoleGrant.objects.filter(user=user, role=Role.REVIEWER, kecamatan=kecamatan_id).exists()


def _q_school(school_id: int) -> Q:
    """A coordinator's school's visits: reserved for the school, or booked by its students."""
    return Q(school_id=school_id) | Q(
        pk__in=Booking.objects.filter(student__school_id=school_id)
        .exclude(status=Booking.Status.CANCELLED)
        .values("slot")
    )


def person_access(user: User, recipient: Recipient, *, memo: ScopeMemo | None = None) -> Access:
    """The matrix for ``user`` and ``recipient``: a few existence queries, no rows loaded;
    with ``memo`` (``ScopeMemo(user)``, one per page) the user's reach is read once for all
    the people asked about, so a page of many people makes the same few queries."""
    if memo is not None and memo.user.pk != user.pk:
        raise ValueError("a ScopeMemo answers for its own user only")
    if not has_any_role(user, PERSON_PAGE_ROLES):
        return Access()
    kecamatan_id = recipient.kecamatan_id
    registry = ""
    if _reaches(user, Purpose.REGISTRY, kecamatan_id, memo):
        registry = "full"
    elif user.has_role(Role.FINANCE_OFFICER):
        registry = "status"
    meals = _reaches(user, Purpose.MEALS, kecamatan_id, memo)
    visits, school_id = "", None
    # Reports carry health data: the visit-reports scope for all of them; a coordinator
    # (decisions.md's matrix) the slots, attendance, reports and flags of their own school's
    # visits, reports only of its own students.
    if _reaches(user, Purpose.VISIT_REPORTS, kecamatan_id, memo):
        visits = "full"
    elif user.has_role(Role.SCHOOL_COORDINATOR):
        school_id = coordinator_school_id(user) if memo is None else memo.school_id()
        if school_id is not None and (
            memo.school_visits(school_id, recipient)
            if memo is not None
            else VisitSlot.objects.filter(recipient=recipient).filter(_q_school(school_id)).exists()
        ):
            visits = "school"
    money = ""
    if _reaches(user, Purpose.MONEY, kecamatan_id, memo):
        money = "donors" if may_read_finance(user) else "full"
    community = ""
    if _reviews_here(user, kecamatan_id, memo):
        community = "full"
    elif user.has_role(Role.DATA_OFFICER) and _reaches(user, Purpose.COMMUNITY, kecamatan_id, memo):
        community = "referral"
    return Access(
        registry=registry,
        meals=meals,
        visits=visits,
        school_id=school_id,
        money=money,
        community=community,
    )


def may_open_person(user: User, recipient: Recipient, *, memo: ScopeMemo | None = None) -> bool:
    """For the links from other pages: shown only to those the page opens for (``memo``:
    see ``person_access``)."""
    return bool(person_access(user, recipient, memo=memo).sections)


# --- The page's data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    when: datetime.datetime
    section: str
    text: str
    url: str = ""
    # Deliveries and plan moves happen on a day, not at a time.
    date_only: bool = False
    attention: bool = False


@dataclass(frozen=True)
class StripDay:
    day: datetime.date
    state: str  # delivered | not_home | refused | no_mark | not_planned
    label: StrOrPromise
    symbol: str


@dataclass
class MealsSection:
    plans: Sequence[MealPlan]
    current: MealPlan | None
    latest_inspection: Inspection | None
    suspended: bool
    strip: list[StripDay]
    counts: dict[str, int]


@dataclass(frozen=True)
class SlotView:
    slot: VisitSlot
    attended: int
    absent: int
    booked: int
    reports: list[Booking]  # bookings with a report (a coordinator: their students' only)


@dataclass(frozen=True)
class GiftView:
    gift: Gift
    donor_name: str  # "" unless finance


@dataclass
class MoneySection:
    progress: Progress
    gifts: list[GiftView]
    sponsorships: list[Sponsorship]
    lines: list[DisbursementLine]
    with_donors: bool


@dataclass
class CommunitySection:
    referrals: list[Referral]
    concerns: list[Concern]
    rights: list[RightsRequest]
    links: dict[str, bool]


@dataclass
class PersonPage:
    recipient: Recipient
    access: Access
    history: list[RecipientTransition] = field(default_factory=list)
    needs: list[StrOrPromise] = field(default_factory=list)
    meals: MealsSection | None = None
    visits: list[SlotView] | None = None
    money: MoneySection | None = None
    community: CommunitySection | None = None
    timeline: list[Event] = field(default_factory=list)
    timeline_cut: bool = False


def _at(day: datetime.date) -> datetime.datetime:
    """A day's events sort after that day's timed ones of the morning: noon WIB."""
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())


STRIP_STATES: dict[str, tuple[str, StrOrPromise]] = {
    Delivery.Mark.DELIVERED: ("✓", Delivery.Mark.DELIVERED.label),
    Delivery.Mark.NOT_HOME: ("✗", Delivery.Mark.NOT_HOME.label),
    Delivery.Mark.REFUSED: ("R", Delivery.Mark.REFUSED.label),
}


def _meals(recipient: Recipient, events: list[Event]) -> MealsSection:
    plans = list(
        MealPlan.objects.filter(recipient=recipient)
        .select_related("warung__kecamatan")
        .prefetch_related(
            Prefetch(
                "transitions",
                queryset=MealPlanTransition.objects.order_by("effective_on", "id"),
                to_attr="history",
            )
        )
    )
    live = [p for p in plans if p.status in (PlanStatus.ACTIVE, PlanStatus.PAUSED)]
    current = live[0] if live else (plans[0] if plans else None)
    warung_ids = {p.warung_id for p in plans}
    inspections = list(
        Inspection.objects.filter(warung__in=warung_ids).order_by("-inspected_on", "-id")
    )
    suspensions = list(Suspension.objects.filter(warung__in=warung_ids))
    latest = next((i for i in inspections if current and i.warung_id == current.warung_id), None)
    suspended = bool(
        current and any(s.warung_id == current.warung_id and not s.lifted_at for s in suspensions)
    )
    today = today_wib()
    first = today - datetime.timedelta(days=STRIP_DAYS - 1)
    plan_ids = [p.pk for p in plans]
    # One read of the marks: the strip's 30 days, and every mark other than "delivered" for
    # the timeline (a year of deliveries is ~365 rows; only the absences become events).
    marks = list(
        Delivery.objects.filter(plan__in=plan_ids)
        .exclude(mark=Delivery.Mark.DELIVERED, day__lt=first)
        .values_list("plan_id", "day", "mark")
    )
    by_day = {day: mark for _plan, day, mark in marks if day >= first}
    strip = []
    counts = {state: 0 for state in ("delivered", "not_home", "refused", "no_mark", "not_planned")}
    for offset in range(STRIP_DAYS):
        day = first + datetime.timedelta(days=offset)
        mark = by_day.get(day)
        label: StrOrPromise
        if mark:
            symbol, label = STRIP_STATES[Delivery.Mark(mark)]
            state = mark
        elif any(plan_status_on(p.history, day) == PlanStatus.ACTIVE for p in plans):
            state, symbol, label = "no_mark", "?", _("No mark")
        else:
            state, symbol, label = "not_planned", "–", _("No meals planned")
        counts[state] += 1
        strip.append(StripDay(day=day, state=state, label=label, symbol=symbol))
    for plan_id, day, mark in marks:
        if mark != Delivery.Mark.DELIVERED:
            events.append(
                Event(
                    when=_at(day),
                    section=MEALS,
                    text=_("Meal not delivered: %(mark)s") % {"mark": Delivery.Mark(mark).label},
                    url=reverse("meals:plan", args=[plan_id]),
                    date_only=True,
                    attention=True,
                )
            )
    for plan in plans:
        url = reverse("meals:plan", args=[plan.pk])
        for move in plan.history:
            text = (
                _("Meal plan started at %(warung)s") % {"warung": plan.warung.name}
                if not move.from_status
                else _("Meal plan %(status)s (%(reason)s)")
                % {
                    "status": PlanStatus(move.to_status).label.lower(),
                    "reason": move.get_reason_display(),
                }
            )
            events.append(
                Event(
                    when=_at(move.effective_on), section=MEALS, text=text, url=url, date_only=True
                )
            )
    since = min((p.starts_on for p in plans), default=today)
    names = {p.warung_id: p.warung.name for p in plans}
    for inspection in inspections:
        if inspection.inspected_on < since:
            continue
        events.append(
            Event(
                when=_at(inspection.inspected_on),
                section=MEALS,
                text=_("Inspection of %(warung)s: %(result)s (score %(score)s)")
                % {
                    "warung": names[inspection.warung_id],
                    "result": inspection.get_result_display(),
                    "score": inspection.score,
                },
                url=reverse("meals:inspection", args=[inspection.pk]),
                date_only=True,
                attention=inspection.result != Inspection.Result.PASS,
            )
        )
    for suspension in suspensions:
        events.append(
            Event(
                when=suspension.started_at,
                section=MEALS,
                text=_("%(warung)s suspended: %(reason)s")
                % {
                    "warung": names[suspension.warung_id],
                    "reason": suspension.get_reason_display(),
                },
                attention=True,
            )
        )
    return MealsSection(
        plans=plans,
        current=current,
        latest_inspection=latest,
        suspended=suspended,
        strip=strip,
        counts=counts,
    )


def _visits(recipient: Recipient, access: Access, events: list[Event]) -> list[SlotView]:
    bookings = (
        Booking.objects.exclude(status=Booking.Status.CANCELLED)
        .select_related("report")
        .order_by("pk")
    )
    whole = access.visits == "full"
    if not whole:
        # Another school's students' attendance and reports are not the coordinator's.
        bookings = bookings.filter(student__school_id=access.school_id or 0)
    slots = (
        VisitSlot.objects.filter(recipient=recipient)
        .select_related("school")
        .defer("checkin_code", "what_to_bring")
        .prefetch_related(Prefetch("bookings", queryset=bookings, to_attr="shown"))
        .order_by("-starts_at", "-pk")
    )
    if not whole:
        slots = slots.filter(_q_school(access.school_id or 0))
    now = timezone.now()
    views = []
    for slot in slots:
        reports = [b for b in slot.shown if hasattr(b, "report")]
        attended = sum(b.status == Booking.Status.ATTENDED for b in slot.shown)
        views.append(
            SlotView(
                slot=slot,
                attended=attended,
                absent=sum(b.status == Booking.Status.ABSENT for b in slot.shown),
                booked=len(slot.shown),
                reports=reports,
            )
        )
        url = reverse("volunteers:official_slot", args=[slot.pk])
        if slot.status == VisitSlot.Status.CANCELLED:
            text = _("Visit cancelled")
        elif slot.starts_at > now:
            text = _("Visit planned (%(booked)s of %(capacity)s students booked)") % {
                "booked": len(slot.shown),
                "capacity": slot.capacity,
            }
        else:
            text = _("Visit: %(attended)s students attended") % {"attended": attended}
        events.append(Event(when=slot.starts_at, section=VISITS, text=text, url=url))
        for booking in reports:
            report = booking.report
            flags = ", ".join(report.flag_labels)
            events.append(
                Event(
                    when=report.created_at,
                    section=VISITS,
                    text=(
                        _("Visit report: %(wellbeing)s; flagged: %(flags)s")
                        % {"wellbeing": report.wellbeing_label, "flags": flags}
                        if report.flagged
                        else _("Visit report: %(wellbeing)s")
                        % {"wellbeing": report.wellbeing_label}
                    ),
                    # The report's own page (with the student's free-text note) stays the
                    # reviewers' (volunteers.permissions.may_read_reports).
                    url=reverse("volunteers:official_report", args=[report.pk]) if whole else "",
                    attention=report.flagged,
                )
            )
    return views


def _money(recipient: Recipient, access: Access, events: list[Event]) -> MoneySection:
    with_donors = access.money == "donors"
    progress = listing_progress(recipient.pk, need=recipient.monthly_need)
    gifts_qs = Gift.objects.filter(recipient=recipient, status=Gift.Status.PAID).order_by(
        "-paid_at", "-pk"
    )
    if not with_donors:
        # The donor's name is encrypted and not theirs to read: not even loaded.
        gifts_qs = gifts_qs.defer("donor_name", "message")
    gifts = [GiftView(gift=g, donor_name=(g.donor_name if with_donors else "")) for g in gifts_qs]
    sponsorships = list(
        Sponsorship.objects.filter(recipient=recipient)
        .exclude(started_at=None)
        .defer("donor_name")
        .order_by("-started_at")
    )
    lines = list(
        DisbursementLine.objects.filter(recipient=recipient)
        .select_related("disbursement__warung")
        .defer("disbursement__proof")
        .order_by("-period_start", "-pk")
    )
    for view in gifts:
        gift = view.gift
        amount = gift.received_amount or gift.amount
        text = (
            _("Gift of Rp%(amount)s from %(donor)s")
            % {"amount": format_rupiah(amount), "donor": view.donor_name or _("a donor")}
            if with_donors
            else _("Gift of Rp%(amount)s") % {"amount": format_rupiah(amount)}
        )
        if gift.sponsorship_id:
            text = f"{text} ({_('monthly sponsorship')})"
        events.append(Event(when=gift.paid_at or gift.created_at, section=MONEY, text=text))
    for sponsorship in sponsorships:
        events.append(
            Event(
                when=sponsorship.started_at or sponsorship.created_at,
                section=MONEY,
                text=_("Monthly sponsorship began"),
            )
        )
        if sponsorship.ended_at:
            events.append(
                Event(when=sponsorship.ended_at, section=MONEY, text=_("Monthly sponsorship ended"))
            )
    for line in lines:
        if line.disbursement.status == Decision.REJECTED:
            continue
        events.append(
            Event(
                when=_at(line.disbursement.paid_on),
                section=MONEY,
                text=_("Paid to %(warung)s for meals %(start)s – %(end)s: Rp%(amount)s")
                % {
                    "warung": line.disbursement.warung.name,
                    "start": line.period_start.isoformat(),
                    "end": line.period_end.isoformat(),
                    "amount": format_rupiah(line.amount),
                },
                date_only=True,
            )
        )
    return MoneySection(
        progress=progress,
        gifts=gifts,
        sponsorships=sponsorships,
        lines=lines,
        with_donors=with_donors,
    )


def _community(
    user: User, recipient: Recipient, access: Access, events: list[Event]
) -> CommunitySection:
    whole = access.community == "full"
    # Clear columns only: the reporters' contact and words stay on the queues' own pages.
    referrals = list(
        Referral.objects.filter(recipient=recipient)
        .only("pk", "reference", "status", "created_at", "decided_at", "recipient_id")
        .order_by("-created_at")
    )
    concerns: list[Concern] = []
    rights: list[RightsRequest] = []
    if whole:
        concerns = list(
            Concern.objects.filter(recipient=recipient)
            .exclude(status=Concern.Status.UNVERIFIED)
            .only(
                "pk",
                "reference",
                "status",
                "kind",
                "decision",
                "created_at",
                "contact_verified_at",
                "answered_at",
                "recipient_id",
            )
            .order_by("-created_at")
        )
        rights = list(
            RightsRequest.objects.filter(recipient=recipient)
            .only(
                "pk",
                "reference",
                "kind",
                "status",
                "received_at",
                "due_at",
                "completed_at",
                "recipient_id",
            )
            .order_by("-received_at")
        )
    links = {
        "referral": may_work_referrals(user),
        "concern": may_decide_concerns(user),
        "rights": may_handle_rights(user),
    }
    for referral in referrals:
        url = (
            reverse("community:referral_detail", args=[referral.reference])
            if links["referral"]
            else ""
        )
        events.append(
            Event(
                when=referral.created_at,
                section=COMMUNITY,
                text=_("A resident's referral (%(reference)s): %(status)s")
                % {"reference": referral.reference, "status": referral.get_status_display()},
                url=url,
            )
        )
    for concern in concerns:
        url = (
            reverse("community:concern_detail", args=[concern.reference])
            if links["concern"]
            else ""
        )
        events.append(
            Event(
                when=concern.contact_verified_at or concern.created_at,
                section=COMMUNITY,
                text=_("Concern about the listing: %(kind)s")
                % {"kind": concern.get_kind_display()},
                url=url,
                attention=concern.status == Concern.Status.OPEN,
            )
        )
        if concern.answered_at:
            events.append(
                Event(
                    when=concern.answered_at,
                    section=COMMUNITY,
                    text=_("Concern answered: %(decision)s")
                    % {"decision": concern.get_decision_display()},
                    url=url,
                )
            )
    for request in rights:
        url = (
            reverse("community:rights_detail", args=[request.reference]) if links["rights"] else ""
        )
        events.append(
            Event(
                when=request.received_at,
                section=COMMUNITY,
                text=_("Data-rights request: %(kind)s") % {"kind": request.get_kind_display()},
                url=url,
                attention=request.status == RightsRequest.Status.OPEN,
            )
        )
        if request.completed_at:
            events.append(
                Event(
                    when=request.completed_at,
                    section=COMMUNITY,
                    text=_("Data-rights request closed: %(status)s")
                    % {"status": request.get_status_display()},
                    url=url,
                )
            )
    return CommunitySection(referrals=referrals, concerns=concerns, rights=rights, links=links)


def person_page(user: User, public_id: str) -> PersonPage:
    """The person page of ``public_id`` as ``user`` may see it; 404 (logged when the person
    exists) for a user the matrix gives no section of this person. Logs the opening."""
    target = f"portal.recipient:{public_id}"
    recipient = (
        Recipient.objects.select_related("village", "kecamatan").filter(public_id=public_id).first()
    )
    if recipient is None:
        raise Http404
    access = person_access(user, recipient)
    if not access.sections:
        audit_record(actor=user, action=AuditEvent.Action.SCOPE_DENIED, target=target)
        raise Http404
    page = PersonPage(recipient=recipient, access=access)
    events: list[Event] = []
    if access.registry == "full":
        page.history = list(recipient.transitions.select_related("actor"))
        page.needs = [Need(n).label if n in Need.values else n for n in recipient.public_needs]
        for step in page.history:
            text = _("Registry: %(status)s") % {"status": step.get_to_status_display()}
            if step.reason:
                text = f"{text} — {step.reason}"
            events.append(
                Event(
                    when=step.created_at,
                    section=REGISTRY,
                    text=text,
                    url=reverse("portal:review_record", args=[public_id]),
                )
            )
    if access.meals:
        page.meals = _meals(recipient, events)
    if access.visits:
        page.visits = _visits(recipient, access, events)
    if access.money:
        page.money = _money(recipient, access, events)
    if access.community:
        page.community = _community(user, recipient, access, events)
    events.sort(key=lambda event: event.when, reverse=True)
    page.timeline = events[:TIMELINE_LIMIT]
    page.timeline_cut = len(events) > TIMELINE_LIMIT
    audit_record(
        actor=user,
        action=AuditEvent.Action.PII_VIEW,
        target=target,
        details={"page": "person", "sections": access.sections},
    )
    return page
