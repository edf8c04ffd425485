"""Bank statements: the upload (and the column mapping of an account's first one), the
proposed matches, and the second officer's confirmation in one step."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.decorators import official_required
from core.forms import add_refusal, posted

from ...forms_statements import ConfirmForm, MappingForm, StatementUploadForm
from ...models import BankAccount, StatementUpload
from ...permissions import FINANCE_WORK_ROLES
from ...selectors.officials import officer_labels
from ...selectors.statements import statement_get, statement_review, statement_uploads
from ...services.statements import (
    may_confirm_statement,
    staged_headers,
    statement_confirm,
    statement_mapping_set,
    statement_upload,
)
from ...services.transfer_codes import bank_account_default


@official_required(*FINANCE_WORK_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def statement_list(request):
    default = bank_account_default()
    form = StatementUploadForm(
        posted(request), posted(request, files=True), initial={"account": default}
    )
    if request.method == "POST" and form.is_valid():
        try:
            record = statement_upload(
                account=form.cleaned_data["account"],
                actor=request.user,
                upload=form.cleaned_data["statement"],
                remap=form.cleaned_data["remap"],
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            if record.status == StatementUpload.Status.MAPPING:
                return redirect("donations:fin_statement_map", pk=record.pk)
            return redirect("donations:fin_statement", pk=record.pk)
    uploads = list(statement_uploads(request.user)[:50])
    return render(
        request,
        "donations/officials/statements.html",
        {"form": form, "uploads": uploads, "accounts": BankAccount.objects.all()},
    )


@official_required(*FINANCE_WORK_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def statement_map(request, pk):
    record = statement_get(request.user, pk)
    if record.status != StatementUpload.Status.MAPPING:
        return redirect("donations:fin_statement", pk=record.pk)
    headers = staged_headers(record)
    form = MappingForm(
        posted(request), headers=headers, initial_mapping=record.account.mapping or {}
    )
    if request.method == "POST" and form.is_valid():
        try:
            statement_mapping_set(record=record, actor=request.user, mapping=form.cleaned_data)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(
                request, _("The columns are kept for this account and the statement is read.")
            )
            return redirect("donations:fin_statement", pk=record.pk)
    return render(
        request,
        "donations/officials/statement_map.html",
        {"record": record, "form": form, "headers": headers},
    )


@official_required(*FINANCE_WORK_ROLES)
@require_http_methods(["GET", "HEAD"])
@never_cache
def statement_detail(request, pk):
    record = statement_get(request.user, pk)
    if record.status == StatementUpload.Status.MAPPING:
        return redirect("donations:fin_statement_map", pk=record.pk)
    review = statement_review(request.user, record)
    ids = [line.pk for line in review.proposed]
    labels = officer_labels([record.uploaded_by_ref, record.confirmed_by_ref])
    return render(
        request,
        "donations/officials/statement_detail.html",
        {
            "record": record,
            "review": review,
            "form": ConfirmForm(line_ids=ids),
            "can_confirm": may_confirm_statement(request.user, record),
            "uploaded_by": labels.get(record.uploaded_by_ref, ""),
            "confirmed_by": labels.get(record.confirmed_by_ref, ""),
            "proposed_sum": sum(line.amount for line in review.proposed),
        },
    )


@official_required(*FINANCE_WORK_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def statement_confirm_view(request, pk):
    if request.method != "POST":  # the confirmation form is on the statement's page
        return statement_detail(request, pk)
    record = statement_get(request.user, pk)
    ids = list(record.lines.values_list("pk", flat=True))
    form = ConfirmForm(request.POST, line_ids=ids)
    if not form.is_valid():
        messages.error(request, _("Those lines are not in this statement."))
        return redirect("donations:fin_statement", pk=record.pk)
    try:
        result = statement_confirm(
            record=record, actor=request.user, line_ids=form.cleaned_data["lines"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        count = len(result.confirmed)
        messages.success(
            request,
            ngettext(
                "Confirmed %(count)d transfer: the ledger holds it and the donor's receipt "
                "is sent.",
                "Confirmed %(count)d transfers: the ledger holds them and the donors' "
                "receipts are sent.",
                count,
            )
            % {"count": count},
        )
        for line, reason in result.refused:
            messages.warning(
                request,
                _("Line %(row)d was not confirmed: %(reason)s")
                % {"row": line.row_number, "reason": reason},
            )
    return redirect("donations:fin_statement", pk=record.pk)
