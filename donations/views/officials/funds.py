"""Refunds, transfers between funds, collection periods and their operating costs."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import official_required
from core.forms import add_refusal, posted

from ...forms_officials import (
    CollectionPeriodForm,
    DecisionForm,
    FundTransferForm,
    OperatingCostForm,
    ReceiptSearchForm,
    RefundForm,
    TransferRefundCancelForm,
    TransferRefundConfirmForm,
    TransferRefundForm,
)
from ...models import Decision
from ...permissions import (
    FINANCE_READ_ROLES,
    FINANCE_WORK_ROLES,
    may_confirm_transfer_refund,
    may_decide_fund_transfer,
    may_work_on_finance,
)
from ...selectors.officials import (
    collection_period_get,
    collection_periods,
    fund_transfer_get,
    fund_transfers,
    gift_by_receipt,
    gift_get,
    gift_refunds,
    operating_costs,
    pot_balance,
    refund_get,
    refunds_recent,
    transfer_refund_get,
)
from ...services.funds import (
    collection_period_create,
    fund_transfer_decide,
    fund_transfer_propose,
    operating_cost_record,
    refund_request,
    refund_send,
)
from ...services.transfer_refunds import (
    refund_by_transfer,
    refundable_left,
    transfer_refund_cancel,
    transfer_refund_confirm,
    transfer_refund_record,
)
from .common import attach_labels, pot_lookup

# --- Refunds -----------------------------------------------------------------------------------


@official_required(*FINANCE_READ_ROLES)
@require_safe
def refunds(request):
    form = ReceiptSearchForm(request.GET or None)
    found = None
    searched = False
    if form.is_bound and form.is_valid():
        searched = True
        found = gift_by_receipt(request.user, form.cleaned_data["receipt"])
    asked = list(refunds_recent(request.user))
    attach_labels(asked, "requested_by")
    return render(
        request,
        "donations/officials/refunds.html",
        {
            "form": form,
            "found": found,
            "searched": searched,
            "refunds": asked,
            "can_work": may_work_on_finance(request.user),
        },
    )


@official_required(*FINANCE_WORK_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def refund_create(request, ref):
    """Refund a gift through the gateway that took it, or by transfer from the programme's
    account where that gateway cannot give the payment back (or the gift came by transfer)."""
    gift = gift_get(request.user, ref)
    by_transfer = refund_by_transfer(gift)
    form: RefundForm | TransferRefundForm = (
        TransferRefundForm(posted(request)) if by_transfer else RefundForm(posted(request))
    )
    if request.method == "POST" and form.is_valid():
        try:
            if isinstance(form, TransferRefundForm):
                transfer_refund_record(gift=gift, actor=request.user, **form.cleaned_data)
            else:
                refund_request(gift=gift, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(
                request,
                _(
                    "The refund by transfer is recorded. Pay it from the programme's account; "
                    "a second finance officer then confirms the transfer, and only then the "
                    "ledger records it."
                )
                if by_transfer
                else _(
                    "The refund is asked of the payment service. The ledger records it when "
                    "the service confirms."
                ),
            )
            return redirect("donations:fin_refund_create", ref=gift.public_ref)
    transfer_refunds = list(gift.transfer_refunds.order_by("-recorded_at"))
    attach_labels(transfer_refunds, "recorded_by", "decided_by")
    for refund in transfer_refunds:
        refund.may_confirm = may_confirm_transfer_refund(request.user, refund)
    return render(
        request,
        "donations/officials/refund_form.html",
        {
            "gift": gift,
            "form": form,
            "by_transfer": by_transfer,
            "left": refundable_left(gift),
            "refunds": gift_refunds(gift),
            "transfer_refunds": transfer_refunds,
            "confirm_form": TransferRefundConfirmForm(),
            "cancel_form": TransferRefundCancelForm(),
        },
    )


@official_required(*FINANCE_WORK_ROLES)
@require_http_methods(["POST"])
def transfer_refund_confirm_view(request, pk: int):
    """The second officer: the refund's transfer was made (its reference and date)."""
    refund = transfer_refund_get(request.user, pk)
    form = TransferRefundConfirmForm(request.POST)
    if form.is_valid():
        try:
            transfer_refund_confirm(refund=refund, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The refund by transfer is confirmed and recorded."))
    else:
        messages.error(request, _("Write the transfer's reference and the date it was paid."))
    return redirect("donations:fin_refund_create", ref=refund.gift.public_ref)


@official_required(*FINANCE_WORK_ROLES)
@require_http_methods(["POST"])
def transfer_refund_cancel_view(request, pk: int):
    refund = transfer_refund_get(request.user, pk)
    form = TransferRefundCancelForm(request.POST)
    if form.is_valid():
        try:
            transfer_refund_cancel(refund=refund, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The refund by transfer is cancelled."))
    else:
        messages.error(request, _("Say why the refund is cancelled."))
    return redirect("donations:fin_refund_create", ref=refund.gift.public_ref)


@official_required(*FINANCE_WORK_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def refund_send_again(request, pk: int):
    """A refund the payment service did not confirm, sent again with its own idempotency key:
    if the first request did reach the service, this one returns the same refund."""
    refund = refund_get(request.user, pk)
    if request.method == "POST":
        try:
            refund_send(refund=refund, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The payment service confirmed the refund request."))
        return redirect("donations:fin_refund_create", ref=refund.gift.public_ref)
    return render(
        request,
        "donations/officials/refund_send_again.html",
        {"refund": refund, "gift": refund.gift},
    )


# --- Transfers between funds -------------------------------------------------------------------


@official_required(*FINANCE_READ_ROLES)
@require_safe
def fund_transfer_list(request):
    status = request.GET.get("status", "")
    if status not in Decision.values:
        status = ""
    transfers = list(fund_transfers(request.user, status=status or None)[:200])
    attach_labels(transfers, "proposed_by", "decided_by")
    return render(
        request,
        "donations/officials/fund_transfers.html",
        {
            "transfers": transfers,
            "status": status,
            "statuses": Decision.choices,
            "can_work": may_work_on_finance(request.user),
        },
    )


@official_required(*FINANCE_WORK_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def fund_transfer_propose_view(request):
    form = FundTransferForm(posted(request))
    source_held = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        source, target = data["source"], data["target"]
        source_held = pot_balance(source.pk if source else None)
        try:
            proposal = fund_transfer_propose(
                actor=request.user,
                source_id=source.pk if source else None,
                target_id=target.pk if target else None,
                amount=data["amount"],
                reason=data["reason"],
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(
                request, _("Proposed. A second finance officer must approve the transfer.")
            )
            return redirect("donations:fin_fund_transfer_decide", pk=proposal.pk)
    return render(
        request,
        "donations/officials/fund_transfer_form.html",
        {
            "form": form,
            "general_held": pot_balance(None),
            "source_held": source_held,
            **pot_lookup(request),
        },
    )


@official_required(*FINANCE_WORK_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def fund_transfer_decide_view(request, pk: int):
    proposal = fund_transfer_get(request.user, pk)
    form = DecisionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            fund_transfer_decide(
                proposal=proposal,
                actor=request.user,
                approve=form.approve,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(
                request,
                _("Approved: the money is moved.") if form.approve else _("Rejected."),
            )
            return redirect("donations:fin_fund_transfers")
    attach_labels([proposal], "proposed_by", "decided_by")
    return render(
        request,
        "donations/officials/fund_transfer_decide.html",
        {
            "proposal": proposal,
            "form": form,
            "source_held": pot_balance(proposal.source_id),
            "may_decide": may_decide_fund_transfer(request.user, proposal),
        },
    )


# --- Collection periods and operating costs ----------------------------------------------------


@official_required(*FINANCE_READ_ROLES)
@require_safe
def period_list(request):
    return render(
        request,
        "donations/officials/periods.html",
        {
            "periods": collection_periods(request.user),
            "can_work": may_work_on_finance(request.user),
        },
    )


@official_required(*FINANCE_WORK_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def period_create(request):
    form = CollectionPeriodForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            period = collection_period_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("The collection period is saved."))
            return redirect("donations:fin_period", pk=period.pk)
    return render(request, "donations/officials/period_form.html", {"form": form})


@official_required(*FINANCE_READ_ROLES)
@require_safe
def period_detail(request, pk: int):
    figures = collection_period_get(request.user, pk)
    return render(
        request,
        "donations/officials/period_detail.html",
        {
            "figures": figures,
            "period": figures.period,
            "costs": operating_costs(figures.period),
            "can_work": may_work_on_finance(request.user),
        },
    )


@official_required(*FINANCE_WORK_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def cost_create(request, pk: int):
    figures = collection_period_get(request.user, pk)
    form = OperatingCostForm(posted(request), posted(request, files=True))
    if request.method == "POST" and form.is_valid():
        try:
            operating_cost_record(actor=request.user, period=figures.period, **form.cleaned_data)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("The operating cost is recorded."))
            return redirect("donations:fin_period", pk=figures.period.pk)
    return render(
        request,
        "donations/officials/cost_form.html",
        {"figures": figures, "period": figures.period, "form": form},
    )
