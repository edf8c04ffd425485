"""The dashboard and the bank-transfer queue: a gift's proof, the first officer's match, a
transfer found on the statement, and the second officer's confirmation or rejection."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import official_required
from accounts.storage import private_file_response, private_inline_response
from core.forms import add_refusal, posted

from ...forms_officials import MatchForm, RejectTransferForm, TransferRecordForm
from ...models import Gift
from ...permissions import (
    FINANCE_READ_ROLES,
    FINANCE_WORK_ROLES,
    may_check_transfer,
    may_decide_transfer,
    may_work_on_finance,
)
from ...selectors.officials import (
    BANK_QUEUE_STATUSES,
    bank_gifts,
    finance_dashboard,
    gift_get,
    gift_proof,
    gift_receipt,
    gift_refunds,
    officer_labels,
)
from ...selectors.proofs import gift_proof_display, gift_proof_picture
from ...services.bank import transfer_confirm, transfer_match, transfer_record, transfer_reject
from ...services.receipts import receipt_pdf
from ...services.transfer_refunds import refund_by_transfer
from .common import attach_labels


@official_required(*FINANCE_READ_ROLES)
@require_safe
def dashboard(request):
    return render(
        request,
        "donations/officials/dashboard.html",
        {"board": finance_dashboard(request.user), "can_work": may_work_on_finance(request.user)},
    )


@official_required(*FINANCE_READ_ROLES)
@require_safe
def transfer_queue(request):
    status = request.GET.get("status", "")
    if status not in BANK_QUEUE_STATUSES:
        status = ""
    gifts = bank_gifts(request.user, status=status or None)[:200]
    return render(
        request,
        "donations/officials/transfer_queue.html",
        {
            "gifts": gifts,
            "status": status,
            "statuses": [(value, Gift.Status(value).label) for value in BANK_QUEUE_STATUSES],
            "can_work": may_work_on_finance(request.user),
        },
    )


@official_required(*FINANCE_READ_ROLES)
@require_safe
@never_cache
def gift_detail(request, ref):
    gift = gift_get(request.user, ref)
    attach_labels([gift], "matched_by", "decided_by")
    refunds = gift_refunds(gift)
    attach_labels(refunds, "requested_by")
    user = request.user
    can_work = may_work_on_finance(user)
    return render(
        request,
        "donations/officials/gift_detail.html",
        {
            "gift": gift,
            "proof": gift_proof_display(user, gift),
            "refunds": refunds,
            "can_work": can_work,
            "can_match": can_work
            and gift.gateway == Gift.Gateway.BANK
            and gift.status in (Gift.Status.AWAITING_TRANSFER, Gift.Status.PROOF_SUBMITTED),
            "can_decide": may_decide_transfer(user, gift),
            "matched_by_me": gift.status == Gift.Status.MATCHED
            and not may_check_transfer(user, gift),
            # Through the gateway, or by transfer where it cannot (or the gift came by one).
            "can_refund": can_work and gift.status == Gift.Status.PAID,
            "refund_by_transfer": gift.status == Gift.Status.PAID and refund_by_transfer(gift),
            "match_form": MatchForm(initial={"received_amount": gift.amount}),
            "reject_form": RejectTransferForm(),
        },
    )


@official_required(*FINANCE_WORK_ROLES)
@require_safe
@never_cache
def gift_proof_download(request, ref):
    name, download_name = gift_proof(request.user, ref)
    return private_file_response(name, download_name=download_name)


@official_required(*FINANCE_WORK_ROLES)
@require_safe
@never_cache
def gift_proof_inline(request, ref):
    """The proof as a picture on the gift's page (a PDF's first page drawn), logged."""
    picture = gift_proof_picture(request.user, ref, log=request.method == "GET")
    return private_inline_response(
        picture.name,
        content_type=picture.content_type,
        filename=picture.filename,
        content=picture.content,
    )


@official_required(*FINANCE_WORK_ROLES)
@require_safe
@never_cache
def gift_receipt_download(request, ref):
    gift = gift_receipt(request.user, ref)
    response = HttpResponse(receipt_pdf(gift), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{gift.receipt_number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _action_page(request, gift, form, *, title: str, submit: str, danger: bool = False):
    return render(
        request,
        "donations/officials/gift_action.html",
        {"gift": gift, "form": form, "title": title, "submit": submit, "danger": danger},
    )


@official_required(*FINANCE_WORK_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def transfer_match_view(request, ref):
    gift = gift_get(request.user, ref)
    form = MatchForm(posted(request), initial={"received_amount": gift.amount})
    if request.method == "POST" and form.is_valid():
        try:
            transfer_match(gift=gift, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(
                request,
                _("Matched. A second finance officer must now confirm this transfer."),
            )
            return redirect("donations:fin_gift", ref=gift.public_ref)
    return _action_page(
        request,
        gift,
        form,
        title=_("Match with the bank statement"),
        submit=_("Record the match"),
    )


@official_required(*FINANCE_WORK_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def transfer_confirm_view(request, ref):
    gift = gift_get(request.user, ref)
    if request.method == "POST":
        try:
            transfer_confirm(gift=gift, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("Confirmed: the gift is received and the donor's receipt is sent.")
            )
        return redirect("donations:fin_gift", ref=gift.public_ref)
    return render(
        request,
        "donations/officials/gift_confirm.html",
        {
            "gift": gift,
            "matched_by_me": not may_check_transfer(request.user, gift),
            "matched_by": officer_labels([gift.matched_by_ref]).get(gift.matched_by_ref, ""),
        },
    )


@official_required(*FINANCE_WORK_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def transfer_reject_view(request, ref):
    gift = gift_get(request.user, ref)
    form = RejectTransferForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            transfer_reject(gift=gift, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Rejected. The donor is told the reason."))
            return redirect("donations:fin_gift", ref=gift.public_ref)
    return _action_page(
        request,
        gift,
        form,
        title=_("Reject this transfer"),
        submit=_("Reject and tell the donor"),
        danger=True,
    )


@official_required(*FINANCE_WORK_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def transfer_record_view(request):
    form = TransferRecordForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = data["person"]
        try:
            gift = transfer_record(
                actor=request.user,
                amount=data["amount"],
                statement_date=data["statement_date"],
                statement_line=data["statement_line"],
                email=data["email"],
                name=data["name"],
                recipient_id=person.pk if person else None,
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(
                request,
                _("Recorded and matched. A second finance officer must now confirm it."),
            )
            return redirect("donations:fin_gift", ref=gift.public_ref)
    return render(request, "donations/officials/transfer_record.html", {"form": form})
