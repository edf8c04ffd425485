"""Disbursements to warung: recorded with proof and lines per person and period by one
finance officer, approved or rejected by a second."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import official_required
from accounts.storage import private_file_response, private_inline_response
from core.forms import add_refusal, posted
from meals.forms import DeliveryPeriodForm
from meals.selectors.deliveries import disbursement_lines_from_deliveries

from ...forms_officials import DecisionForm, DisbursementForm, DisbursementLineFormSet
from ...models import Decision
from ...permissions import (
    FINANCE_READ_ROLES,
    FINANCE_WORK_ROLES,
    may_decide_disbursement,
    may_work_on_finance,
)
from ...selectors.officials import (
    disbursement_get,
    disbursement_lines,
    disbursement_proof,
    disbursements,
    pot_balance,
)
from ...selectors.proofs import disbursement_proof_display, disbursement_proof_picture
from ...services.funds import LineInput, disbursement_decide, disbursement_record
from .common import attach_labels, pot_lookup


@official_required(*FINANCE_READ_ROLES)
@require_safe
def disbursement_list(request):
    status = request.GET.get("status", "")
    if status not in Decision.values:
        status = ""
    return render(
        request,
        "donations/officials/disbursements.html",
        {
            "disbursements": disbursements(request.user, status=status or None)[:200],
            "status": status,
            "statuses": Decision.choices,
            "can_work": may_work_on_finance(request.user),
        },
    )


def _line_inputs(formset) -> list[LineInput]:
    lines = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data or not form.has_changed():
            continue
        lines.append(
            LineInput(
                recipient_id=data["person"].pk,
                period_start=data["period_start"],
                period_end=data["period_end"],
                portions=data["portions"],
                amount=data["amount"],
                from_general=data["from_general"],
            )
        )
    return lines


def _line_balances(formset) -> list:
    """Next to each line, what the pot it would be paid from holds now."""
    shown = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        person = data.get("person")
        if person is None:
            shown.append((form, None, None))
        elif data.get("from_general"):
            shown.append((form, person, pot_balance(None)))  # type: ignore[arg-type]
        else:
            shown.append((form, person, pot_balance(person.pk)))  # type: ignore[arg-type]
    return shown


def _lines_from_deliveries(request):
    """The lines meals.selectors computes from the deliveries a warung confirmed in a period:
    portions delivered x PORTION_COST_RUPIAH per person."""
    fill = DeliveryPeriodForm(
        request.GET if request.method != "POST" and "fill-warung" in request.GET else None,
        prefix="fill",
    )
    if not fill.is_bound or not fill.is_valid():
        return fill, None, None
    data = fill.cleaned_data
    drafts = disbursement_lines_from_deliveries(
        warung=data["warung"], start=data["start"], end=data["end"]
    )
    if not drafts:
        fill.add_error(None, _("No confirmed delivery of this warung in this period."))
    lines = [
        {
            "person": draft.public_id,
            "period_start": draft.period_start,
            "period_end": draft.period_end,
            "portions": draft.portions,
            "amount": draft.amount,
        }
        for draft in drafts
    ]
    return fill, lines, {"warung": data["warung"]}


@official_required(*FINANCE_WORK_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def disbursement_create(request):
    # Meals: "fill the lines from confirmed deliveries" (a GET with warung and period).
    fill, initial_lines, initial = _lines_from_deliveries(request)
    form = DisbursementForm(posted(request), posted(request, files=True), initial=initial)
    formset = DisbursementLineFormSet(posted(request), prefix="lines", initial=initial_lines)
    if request.method == "POST" and form.is_valid() & formset.is_valid():
        data = form.cleaned_data
        try:
            disbursement = disbursement_record(
                actor=request.user,
                warung=data["warung"],
                reference=data["reference"],
                paid_on=data["paid_on"],
                proof=data["proof"],
                proof_summary=data["proof_summary"],
                lines=_line_inputs(formset),
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(
                request, _("Recorded. A second finance officer must approve the disbursement.")
            )
            return redirect("donations:fin_disbursement", pk=disbursement.pk)
    return render(
        request,
        "donations/officials/disbursement_form.html",
        {
            "form": form,
            "formset": formset,
            "lines": _line_balances(formset),
            "general_held": pot_balance(None),
            "fill": fill,
            **pot_lookup(request),
        },
    )


@official_required(*FINANCE_READ_ROLES)
@require_safe
@never_cache
def disbursement_detail(request, pk: int):
    disbursement = disbursement_get(request.user, pk)
    attach_labels([disbursement], "recorded_by", "decided_by")
    can_work = may_work_on_finance(request.user)
    return render(
        request,
        "donations/officials/disbursement_detail.html",
        {
            "disbursement": disbursement,
            "proof": disbursement_proof_display(request.user, disbursement),
            "lines": disbursement_lines(disbursement),
            "can_work": can_work,
            "can_decide": may_decide_disbursement(request.user, disbursement),
        },
    )


@official_required(*FINANCE_WORK_ROLES)
@require_safe
@never_cache
def disbursement_proof_download(request, pk: int):
    name, download_name = disbursement_proof(request.user, pk)
    return private_file_response(name, download_name=download_name)


@official_required(*FINANCE_WORK_ROLES)
@require_safe
@never_cache
def disbursement_proof_inline(request, pk: int):
    """The proof as a picture on the disbursement's page (a PDF's first page drawn), logged."""
    picture = disbursement_proof_picture(request.user, pk, log=request.method == "GET")
    return private_inline_response(
        picture.name,
        content_type=picture.content_type,
        filename=picture.filename,
        content=picture.content,
    )


@official_required(*FINANCE_WORK_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def disbursement_decide_view(request, pk: int):
    disbursement = disbursement_get(request.user, pk)
    form = DecisionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            disbursement_decide(
                disbursement=disbursement,
                actor=request.user,
                approve=form.approve,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(
                request,
                _("Approved: the pots paid and the warung's payment is in the ledger.")
                if form.approve
                else _("Rejected."),
            )
            return redirect("donations:fin_disbursement", pk=disbursement.pk)
    return render(
        request,
        "donations/officials/disbursement_decide.html",
        {
            "disbursement": disbursement,
            "lines": disbursement_lines(disbursement),
            "form": form,
            "may_decide": may_decide_disbursement(request.user, disbursement),
        },
    )
