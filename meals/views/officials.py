"""The officials' meals pages under /petugas/makan/: warung and their inspections, meal plans,
delivery links and printable lists."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import official_required
from accounts.storage import private_file_response
from core.forms import add_refusal, posted
from core.time import today_wib

from ..forms import InspectionForm, PlanMoveForm, PlanStartForm
from ..models import ChecklistItem, Inspection, PlanStatus, checklist_score
from ..permissions import (
    INSPECTION_PHOTO_ROLES,
    INSPECTOR_ROLES,
    MEALS_READ_ROLES,
    PLAN_ROLES,
    may_inspect,
    may_plan_meals,
    may_see_inspection_photos,
)
from ..selectors.deliveries import delivery_rows
from ..selectors.officials import (
    inspection_get,
    inspection_photo,
    plan_candidate_get,
    plan_get,
    plan_history,
    plans_of_person,
    today_link_days,
    warung_for_new_plans,
    warung_in_scope,
    warung_page,
)
from ..services.deliveries import delivery_link_token
from ..services.inspections import inspection_record
from ..services.plans import TRANSITIONS, meal_plan_start, meal_plan_transition, plan_moves


@official_required(*MEALS_READ_ROLES)
@require_safe
def home(request):
    return render(
        request,
        "meals/officials/home.html",
        {
            "warungs": warung_in_scope(request.user),
            "can_inspect": may_inspect(request.user),
        },
    )


@official_required(*MEALS_READ_ROLES)
@require_safe
@never_cache
def warung_detail(request, pk: int):
    page = warung_page(request.user, pk)
    # (day, signed link): the link is "" where the official may print their own people's
    # list but not hand out the whole day's (see may_hand_delivery_link).
    links = []
    if may_plan_meals(request.user):
        for day in today_link_days(today_wib()):
            link = ""
            if page.may_hand_link:
                token = delivery_link_token(warung=page.warung, day=day)
                link = request.build_absolute_uri(reverse("meals:delivery_list", args=[token]))
            links.append((day, link))
    return render(
        request,
        "meals/officials/warung.html",
        {
            "page": page,
            "links": links,
            "can_inspect": may_inspect(request.user),
            "can_plan": may_plan_meals(request.user),
            "today": today_wib(),
        },
    )


@official_required(*PLAN_ROLES)
@require_safe
@never_cache
def warung_print(request, pk: int, day: str):
    try:
        date = datetime.date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    page = warung_page(request.user, pk)
    rows = delivery_rows(page.warung, date, viewer=request.user, channel="official")
    return render(
        request,
        "meals/delivery_print.html",
        {"warung": page.warung, "day": date, "rows": rows},
    )


@official_required(*INSPECTOR_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def inspection_new(request, pk: int):
    page = warung_page(request.user, pk)
    form = InspectionForm(posted(request), posted(request, files=True), today=today_wib())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = inspection_record(
                actor=request.user,
                warung=page.warung,
                inspected_on=data["inspected_on"],
                items_met=data["items_met"],
                result=data["result"],
                findings=data["findings"],
                next_due=data["next_due"],
                photos=data["photos"],
            )
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("The inspection is recorded."))
            return redirect("meals:inspection", pk=inspection.pk)
    return render(
        request,
        "meals/officials/inspection_form.html",
        {
            "form": form,
            "warung": page.warung,
            # What static/js/inspection.js needs to repeat the server's rule as boxes are
            # ticked: the score of each count of items met, and each result's lowest score.
            "scores": ",".join(
                str(checklist_score(ChecklistItem.values[:n]))
                for n in range(len(ChecklistItem.values) + 1)
            ),
            "min_scores": [(r, Inspection.min_score(r)) for r in Inspection.Result.values],
        },
    )


@official_required(*MEALS_READ_ROLES)
@require_safe
@never_cache
def inspection_detail(request, pk: int):
    inspection = inspection_get(request.user, pk)
    return render(
        request,
        "meals/officials/inspection.html",
        {
            "inspection": inspection,
            "photos": list(inspection.photos.all()),
            "can_see_photos": may_see_inspection_photos(request.user),
            "checklist": ChecklistItem.choices,
        },
    )


@official_required(*INSPECTION_PHOTO_ROLES)
@require_safe
@never_cache
def inspection_photo_download(request, pk: int, photo_id: int):
    photo = inspection_photo(request.user, pk, photo_id)
    return private_file_response(photo.image.name, download_name=f"inspeksi-{pk}-{photo.pk}.jpg")  # type: ignore[arg-type]


@official_required(*PLAN_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def plan_new(request, public_id: str):
    """Give a listed person a meal plan: this is how they become "reached"."""
    recipient = plan_candidate_get(request.user, public_id)
    form = PlanStartForm(
        posted(request),
        warung_queryset=warung_for_new_plans(recipient),
        initial={"starts_on": today_wib(), "portions_per_day": 2},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = meal_plan_start(
                actor=request.user,
                recipient=recipient,
                warung=data["warung"],
                starts_on=data["starts_on"],
                portions_per_day=data["portions_per_day"],
                note=data["note"],
            )
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("The meal plan is made; the person is reached."))
            return redirect("meals:plan", pk=plan.pk)
    return render(
        request,
        "meals/officials/plan_form.html",
        {"form": form, "recipient": recipient, "plans": plans_of_person(recipient)},
    )


@official_required(*PLAN_ROLES)
@require_safe
@never_cache
def plan_detail(request, pk: int):
    plan = plan_get(request.user, pk)
    return render(
        request,
        "meals/officials/plan.html",
        {
            "plan": plan,
            "history": plan_history(plan),
            "moves": [
                (to, PlanStatus(to).label, PlanMoveForm(reasons=reasons))
                for to, reasons in plan_moves(plan)
            ],
            "deliveries": list(plan.deliveries.order_by("-day")[:31]),
        },
    )


@official_required(*PLAN_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def plan_move(request, pk: int, to_status: str):
    plan = plan_get(request.user, pk)
    move = TRANSITIONS.get((plan.status, to_status))
    if to_status not in PlanStatus.values:
        raise Http404
    form = PlanMoveForm(posted(request), reasons=sorted(move.reasons) if move else ())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meal_plan_transition(
                plan=plan,
                actor=request.user,
                to_status=to_status,
                reason=data["reason"],
                note=data["note"],
                effective_on=data["effective_on"],
            )
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
        else:
            messages.success(
                request,
                _("The meal plan is now “%(status)s”.") % {"status": PlanStatus(to_status).label},
            )
            return redirect("meals:plan", pk=plan.pk)
    return render(
        request,
        "meals/officials/plan_move.html",
        {
            "plan": plan,
            "form": form,
            "to_status": PlanStatus(to_status),
            "allowed": move is not None,
        },
    )
