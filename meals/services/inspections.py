"""Health inspections of the warung (Dinas Kesehatan) and the suspension they decide.

A warung's standing follows its latest inspection (by date): a failed one, or one whose next
inspection is overdue, suspends the warung (no new meal plans; the reviewers of its
kecamatan are alerted once); a later passing one lifts the suspension. The beat task
``meals.inspections_overdue`` runs ``warung_standing_sync`` daily for every warung.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, User
from accounts.services import audit_record
from attention.models import Kind
from attention.services import item_open, items_close
from core import uploads
from core.time import today_wib

from ..models import (
    LIVE_PLAN_STATUSES,
    ChecklistItem,
    Inspection,
    InspectionPhoto,
    MealPlan,
    Suspension,
    Warung,
    checklist_score,
)
from ..permissions import may_inspect
from ..selectors.standing import latest_inspection
from .notices import warung_suspended_notify

PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_SIDE = 1600


def inspection_score(items_met: Iterable[str]) -> int:
    """The share of the checklist met, 0-100."""
    return checklist_score(items_met)


def inspection_result_refusal(*, score: int, result: str) -> str:
    """Why ``score`` does not allow ``result``, in words; "" when it does."""
    if result in Inspection.results_allowed(score):
        return ""
    return _(
        "A score of %(score)s/100 does not allow “%(result)s”: it needs at least "
        "%(needed)s/100. Tick the items that were met, or choose another result (“%(fail)s” "
        "is always possible)."
    ) % {
        "score": score,
        "result": Inspection.Result(result).label,
        "needed": Inspection.min_score(result),
        "fail": Inspection.Result.FAIL.label,
    }


def inspection_record(
    *,
    actor: User,
    warung: Warung,
    inspected_on: datetime.date,
    items_met: list[str],
    result: str,
    findings: str = "",
    next_due: datetime.date | None = None,
    photos: Iterable[IO[bytes]] = (),
) -> Inspection:
    """Record an inspection and apply what it decides for the warung. Refuses, changing
    nothing: a role other than health inspector, a date in the future, an unknown checklist
    item or result, a result the checklist score does not allow (``Inspection.results_allowed``:
    the thresholds in settings; "fail" always), a failure or notes without findings, a next due
    date not after the inspection, more than ``MEALS_INSPECTION_MAX_PHOTOS`` photos or one that
    is not a picture."""
    if not may_inspect(actor):
        raise PermissionDenied(_("Only health inspectors record inspections."))
    today = today_wib()
    if inspected_on > today:
        raise ValidationError({"inspected_on": _("The inspection date cannot be in the future.")})
    unknown = set(items_met) - set(ChecklistItem.values)
    if unknown:
        raise ValidationError(
            _("Unknown checklist item: %(items)s.") % {"items": ", ".join(sorted(unknown))}
        )
    if result not in Inspection.Result.values:
        raise ValidationError(_("Choose a result."))
    refusal = inspection_result_refusal(score=checklist_score(items_met), result=result)
    if refusal:
        raise ValidationError({"result": refusal})
    findings = findings.strip()
    if result != Inspection.Result.PASS and not findings:
        raise ValidationError(_("Write the findings: a failure or notes need them."))
    if next_due is None:
        days = (
            settings.MEALS_REINSPECTION_DAYS
            if result == Inspection.Result.FAIL
            else settings.MEALS_INSPECTION_INTERVAL_DAYS
        )
        next_due = inspected_on + datetime.timedelta(days=days)
    if next_due <= inspected_on:
        raise ValidationError(_("The next inspection must be due after this one."))
    photos = list(photos)
    if len(photos) > settings.MEALS_INSPECTION_MAX_PHOTOS:
        raise ValidationError(
            _("At most %(n)d photos.") % {"n": settings.MEALS_INSPECTION_MAX_PHOTOS}
        )
    cleaned = []
    for photo in photos:
        uploads.size_check(photo, max_bytes=PHOTO_MAX_BYTES, what=_("photo"))
        cleaned.append(
            uploads.image_clean_jpeg(
                photo,
                max_side=PHOTO_MAX_SIDE,
                unreadable=_("A photo could not be read: send a JPEG, PNG or WebP picture."),
            )
        )
    with transaction.atomic():
        Warung.objects.select_for_update().get(pk=warung.pk)
        inspection = Inspection.objects.create(
            warung=warung,
            inspector=actor,
            inspected_on=inspected_on,
            items_met=sorted(set(items_met)),
            score=checklist_score(items_met),
            findings=findings[:4000],
            result=result,
            next_due=next_due,
        )
        for number, content in enumerate(cleaned, start=1):
            stored = InspectionPhoto(inspection=inspection)
            stored.image.save(f"{number}.jpg", ContentFile(content), save=False)
            stored.save()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.INSPECTION_RECORDED,
            target=f"meals.warung:{warung.pk}",
            details={"inspection": inspection.pk, "result": result, "score": inspection.score},
        )
        warung_standing_sync(warung=warung, today=today)
        items_close(
            Kind.INSPECTION_OVERDUE,
            note=_("Inspection recorded on %(date)s.") % {"date": inspected_on.isoformat()},
            warung_id=warung.pk,
        )
    return inspection


def warung_standing_sync(
    *, warung: Warung, today: datetime.date | None = None
) -> Suspension | None:
    """Suspend or lift as the latest inspection decides; return the open suspension, if any.

    Idempotent: an open suspension is never opened twice (a partial unique index backs
    this), so its alert goes out once however often this runs."""
    today = today or today_wib()
    with transaction.atomic():
        Warung.objects.select_for_update().get(pk=warung.pk)
        open_ = Suspension.objects.filter(warung=warung, lifted_at__isnull=True).first()
        latest = latest_inspection(warung)
        if latest is None:
            return open_  # never inspected: not suspended by an inspection
        if latest.result == Inspection.Result.FAIL:
            reason = Suspension.Reason.FAILED
        elif latest.next_due < today:
            reason = Suspension.Reason.OVERDUE
        else:
            if open_ is not None:
                open_.lifted_at = timezone.now()
                open_.lifted_by = latest
                open_.save(update_fields=["lifted_at", "lifted_by"])
                items_close(
                    Kind.WARUNG_SUSPENDED,
                    note=_("The suspension is lifted by a passing inspection."),
                    key=f"suspension:{open_.pk}",
                )
            return None
        if open_ is not None:
            return open_
        suspension = Suspension.objects.create(warung=warung, reason=reason, inspection=latest)
        item = None
        if MealPlan.objects.filter(warung=warung, status__in=LIVE_PLAN_STATUSES).exists():
            item, _opened = item_open(
                Kind.WARUNG_SUSPENDED,
                key=f"suspension:{suspension.pk}",
                kecamatan_id=warung.kecamatan_id,
                warung=warung,
                source=f"meals.warung:{warung.pk}",
                announce=False,
            )
        warung_suspended_notify(suspension=suspension, item=item)
        return suspension


def inspections_overdue_check(*, today: datetime.date | None = None) -> int:
    """The daily check: every warung with a contract whose latest inspection is overdue is
    suspended (once). Returns how many suspensions are open afterwards."""
    today = today or today_wib()
    suspended = 0
    for warung in Warung.objects.exclude(contract_status=Warung.Contract.ENDED).select_related(
        "kecamatan"
    ):
        if warung_standing_sync(warung=warung, today=today) is not None:
            suspended += 1
    return suspended
