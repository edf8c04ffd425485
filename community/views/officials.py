"""The officials' pages: the referrals queue (data officers), the concerns queue and the
data-rights requests (reviewers of the kecamatan, lead reviewers)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import official_required
from accounts.models import AuditEvent
from accounts.services import audit_record
from accounts.storage import private_file_response
from core.forms import add_refusal, posted
from portal.models import Need
from portal.selectors.import_batches import entry_villages_for_user
from portal.services.manual_entry import EntryRefused

from ..forms import (
    ConcernAnswerForm,
    ReferralCloseForm,
    ReferralFilterForm,
    ReferralVerifyForm,
    RightsCloseForm,
    RightsRequestForm,
)
from ..models import Concern, Referral, RightsRequest
from ..permissions import CONCERN_ROLES, REFERRAL_ROLES, RIGHTS_ROLES, may_erase
from ..selectors import (
    concern_get_for_user,
    concern_queue,
    referral_detail_for_user,
    referral_get_for_user,
    referral_queue,
    rights_get_for_user,
    rights_queue,
    rights_recipient_for_user,
    rights_row,
)
from ..services.concerns import concern_answer
from ..services.referrals import audit_target as referral_target
from ..services.referrals import referral_close, referral_verify
from ..services.rights import (
    ERASING_KINDS,
    recipient_data_export,
    rights_request_close,
    rights_request_record,
)

PAGE_SIZE = 50


def _need_labels(codes) -> list[str]:
    return [str(Need(c).label) for c in codes or () if c in Need.values]


# --- Referrals -----------------------------------------------------------------------------------


@official_required(*REFERRAL_ROLES)
@require_safe
def referral_list(request):
    form = ReferralFilterForm(request.GET or None)
    filters = {"status": Referral.Status.OPEN, **form.filters()} if form.is_bound else {}
    rows = referral_queue(request.user, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page:
        row.need_labels = _need_labels(row.referral.needs)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "community/officials/referral_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@official_required(*REFERRAL_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def referral_detail(request, reference: str):
    form = ReferralCloseForm(posted(request))
    if request.method == "POST":
        referral = referral_get_for_user(request.user, reference)
        if form.is_valid():
            try:
                referral_close(referral=referral, actor=request.user, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as error:
                add_refusal(form, error)
            else:
                messages.success(
                    request,
                    _("Recorded: “%(outcome)s”. The reporter is told.")
                    % {"outcome": referral.get_status_display()},
                )
                return redirect("community:referral_detail", reference=referral.reference)
    row = referral_detail_for_user(request.user, reference)
    return render(
        request,
        "community/officials/referral_detail.html",
        {
            "row": row,
            "referral": row.referral,
            "need_labels": _need_labels(row.referral.needs),
            "history": row.referral.history.select_related("actor"),
            "form": form,
        },
    )


@official_required(*REFERRAL_ROLES)
@require_safe
def referral_photo(request, reference: str):
    referral = referral_get_for_user(request.user, reference)
    if not referral.photo:
        raise Http404
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.PII_VIEW,
        target=referral_target(referral),
        details={"page": "referral_photo"},
    )
    response = private_file_response(referral.photo, download_name=f"{referral.reference}.jpg")
    response["Content-Type"] = "image/jpeg"
    response["Content-Disposition"] = response["Content-Disposition"].replace(
        "attachment", "inline"
    )
    return response


@official_required(*REFERRAL_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def referral_verify_view(request, reference: str):
    referral = referral_get_for_user(request.user, reference)
    villages = entry_villages_for_user(request.user)
    initial = {"village": referral.village.code, "notes": referral.situation}
    form = ReferralVerifyForm(posted(request), villages=villages, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            recipient, warnings = referral_verify(
                referral=referral,
                actor=request.user,
                raw=form.raw_row(),
                note=form.cleaned_data["note"],
            )
        except (EntryRefused, ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
        else:
            messages.success(
                request,
                _("Verified: record %(record)s is a candidate for review. The reporter is told.")
                % {"record": recipient.public_id},
            )
            for warning in warnings:
                messages.warning(request, warning)
            return redirect(reverse("portal:review_record", args=[recipient.public_id]))
    if referral.status != Referral.Status.OPEN:
        return redirect("community:referral_detail", reference=referral.reference)
    return render(
        request,
        "community/officials/referral_verify.html",
        {"referral": referral, "form": form},
    )


# --- Concerns ------------------------------------------------------------------------------------


@official_required(*CONCERN_ROLES)
@require_safe
def concern_list(request):
    status = request.GET.get("status", Concern.Status.OPEN)
    if status not in (*Concern.Status.values, "all"):
        status = Concern.Status.OPEN
    concerns = concern_queue(request.user, status=None if status == "all" else status)
    page = Paginator(concerns, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "community/officials/concern_list.html",
        {"page": page, "status": status, "statuses": Concern.Status.choices[1:]},
    )


@official_required(*CONCERN_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def concern_detail(request, reference: str):
    concern = concern_get_for_user(request.user, reference)
    recipient = concern.recipient
    form = ConcernAnswerForm(posted(request), suspended=recipient.status == "suspended")
    if request.method == "POST" and form.is_valid():
        try:
            concern_answer(concern=concern, actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Answered: the reporter receives your answer."))
            return redirect("community:concern_list")
    return render(
        request,
        "community/officials/concern_detail.html",
        {
            "concern": concern,
            "recipient": recipient,
            "form": form,
            "others": Concern.objects.filter(recipient=recipient, status=Concern.Status.OPEN)
            .exclude(pk=concern.pk)
            .count(),
            "history": concern.history.select_related("actor"),
        },
    )


# --- Rights requests -----------------------------------------------------------------------------


@official_required(*RIGHTS_ROLES)
@require_safe
def rights_list(request):
    status = request.GET.get("status", RightsRequest.Status.OPEN)
    if status not in (*RightsRequest.Status.values, "all"):
        status = RightsRequest.Status.OPEN
    rows = rights_queue(request.user, status=None if status == "all" else status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "community/officials/rights_list.html",
        {"page": page, "status": status, "statuses": RightsRequest.Status.choices},
    )


@official_required(*RIGHTS_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def rights_create(request):
    form = RightsRequestForm(posted(request), initial={"record": request.GET.get("record", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        recipient = rights_recipient_for_user(request.user, data["record"].strip())
        try:
            rights = rights_request_record(
                recipient=recipient,
                actor=request.user,
                kind=data["kind"],
                requester=data["requester"],
                requester_name=data["requester_name"],
                details=data["details"],
                received_at=data["received_at"],
            )
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("The request is recorded; the clock is running."))
            return redirect("community:rights_detail", reference=rights.reference)
    return render(request, "community/officials/rights_form.html", {"form": form})


@official_required(*RIGHTS_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def rights_detail(request, reference: str):
    rights = rights_get_for_user(request.user, reference)
    erasing = rights.kind in ERASING_KINDS
    form = RightsCloseForm(posted(request), erasing=erasing)
    if request.method == "POST" and form.is_valid():
        try:
            rights_request_close(
                request=rights,
                actor=request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except (ValidationError, PermissionDenied) as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("The request is closed."))
            return redirect("community:rights_detail", reference=rights.reference)
    return render(
        request,
        "community/officials/rights_detail.html",
        {
            "row": rights_row(rights),
            "rights": rights,
            "recipient": rights.recipient,
            "form": form,
            "erasing": erasing,
            "may_erase": may_erase(request.user),
            "history": rights.history.select_related("actor"),
        },
    )


@official_required(*RIGHTS_ROLES)
@require_safe
@never_cache
def rights_export(request, reference: str):
    rights = rights_get_for_user(request.user, reference)
    if rights.kind != RightsRequest.Kind.ACCESS:
        raise Http404
    export = recipient_data_export(request=rights, actor=request.user)
    response = render(request, "community/officials/rights_export.html", {"export": export})
    if request.GET.get("download"):
        response["Content-Disposition"] = (
            f'attachment; filename="data-{rights.recipient.public_id}-{rights.reference}.html"'
        )
    response["Cache-Control"] = "private, no-store"
    return response
