"""The officials' review of recipients: queue, record, corrections, profile, photo, moves."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import official_required
from core.forms import add_refusal, posted
from core.money import format_rupiah

from ..forms import (
    IdentityForm,
    PhotoConsentForm,
    PhotoForm,
    ProfileForm,
    QueueFilterForm,
    ReasonForm,
    RevealForm,
)
from ..models import Status
from ..permissions import (
    RECORD_WORK_ROLES,
    REGISTRY_ROLES,
    REVIEW_ROLES,
    may_review,
    may_work_on_record,
)
from ..selectors.photos import photo_consent_current
from ..selectors.review import (
    queue_rows,
    recipient_get_for_user,
    recipient_identity_for_user,
    recipient_moves,
    recipient_record_for_user,
    review_queue,
    villages_in_scope,
)
from ..services.lifecycle import TRANSITIONS, statuses_waiting_for
from ..services.review import (
    nik_reveal,
    photo_consent_record,
    photo_consent_withdraw,
    photo_set,
    recipient_identity_update,
    recipient_profile_update,
    review_transition,
    warnings_clear,
)

QUEUE_PAGE_SIZE = 50


def _back_to_record(recipient):
    return redirect("portal:review_record", public_id=recipient.public_id)


@official_required(*REGISTRY_ROLES)
@require_safe
@never_cache
def queue(request):
    waiting = statuses_waiting_for(request.user)
    form = QueueFilterForm(
        request.GET or None, villages=villages_in_scope(request.user), waiting=waiting
    )
    filters = form.filters()
    recipients = review_queue(request.user, **filters)
    page = Paginator(recipients, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/review/queue.html",
        {
            "form": form,
            "page": page,
            "rows": queue_rows(request.user, page.object_list),
            "query": query.urlencode(),
            "waiting": [Status(status).label for status in waiting],
            "shows_waiting": form.shows_waiting,
            "batch_id": filters["batch_id"],
        },
    )


@official_required(*REGISTRY_ROLES)
@require_safe
@never_cache
def record(request, public_id: str):
    data = recipient_record_for_user(request.user, public_id)
    return render(
        request,
        "portal/review/record.html",
        {
            "record": data,
            "recipient": data.recipient,
            "monthly_need": format_rupiah(data.recipient.monthly_need),
            "reveal_form": RevealForm(),
        },
    )


@official_required(*RECORD_WORK_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def reveal(request, public_id: str):
    recipient = recipient_get_for_user(request.user, public_id)
    form = RevealForm(posted(request))
    nik = ""
    if request.method == "POST" and form.is_valid():
        try:
            nik = nik_reveal(
                recipient=recipient, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_refusal(form, error)
    return render(
        request, "portal/review/reveal.html", {"recipient": recipient, "form": form, "nik": nik}
    )


@official_required(*RECORD_WORK_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def identity(request, public_id: str):
    if request.method != "POST":
        recipient = recipient_identity_for_user(request.user, public_id, page="identity_form")
        form = IdentityForm(initial=IdentityForm.initial_for(recipient))
    else:
        recipient = recipient_get_for_user(request.user, public_id)
        form = IdentityForm(request.POST)
        if form.is_valid():
            try:
                changed = recipient_identity_update(
                    recipient=recipient,
                    actor=request.user,
                    changes=form.changes(),
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                add_refusal(form, error)
            else:
                if changed:
                    messages.success(
                        request,
                        _("Corrected and locked against later imports: %(fields)s.")
                        % {"fields": ", ".join(_field_label(recipient, f) for f in changed)},
                    )
                else:
                    messages.info(request, _("Nothing was changed."))
                return _back_to_record(recipient)
    return render(request, "portal/review/identity.html", {"recipient": recipient, "form": form})


def _field_label(recipient, name: str) -> str:
    return str(recipient._meta.get_field(name).verbose_name)


@official_required(*REVIEW_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request, public_id: str):
    recipient = recipient_get_for_user(request.user, public_id)
    form = ProfileForm(posted(request), initial=ProfileForm.initial_for(recipient))
    if request.method == "POST" and form.is_valid():
        try:
            recipient_profile_update(recipient=recipient, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("The public profile is saved."))
            return _back_to_record(recipient)
    return render(request, "portal/review/profile.html", {"recipient": recipient, "form": form})


@official_required(*REVIEW_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def photo(request, public_id: str):
    recipient = recipient_get_for_user(request.user, public_id)
    form = PhotoForm(posted(request), posted(request, files=True))
    if request.method == "POST" and form.is_valid():
        try:
            photo_set(
                recipient=recipient, actor=request.user, image_file=form.cleaned_data["image"]
            )
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("The photo is saved, without its metadata."))
            return _back_to_record(recipient)
    return render(
        request,
        "portal/review/photo.html",
        {
            "recipient": recipient,
            "form": form,
            "consent": photo_consent_current(recipient),
            "can_withdraw": may_work_on_record(request.user),
        },
    )


@official_required(*REVIEW_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def photo_consent(request, public_id: str):
    recipient = recipient_get_for_user(request.user, public_id)
    form = PhotoConsentForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            photo_consent_record(recipient=recipient, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("The consent to a photo is recorded."))
            return redirect("portal:review_photo", public_id=recipient.public_id)
    return render(
        request, "portal/review/photo_consent.html", {"recipient": recipient, "form": form}
    )


@official_required(*RECORD_WORK_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def photo_withdraw(request, public_id: str):
    recipient = recipient_get_for_user(request.user, public_id)
    if request.method == "POST":
        if photo_consent_withdraw(recipient=recipient, actor=request.user):
            messages.success(request, _("Consent is withdrawn and the photo is deleted."))
        else:
            messages.info(request, _("There was no consent or photo to withdraw."))
        return _back_to_record(recipient)
    return render(
        request,
        "portal/review/photo_withdraw.html",
        {"recipient": recipient, "consent": photo_consent_current(recipient)},
    )


@official_required(*RECORD_WORK_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def warnings(request, public_id: str):
    recipient = recipient_get_for_user(request.user, public_id)
    if request.method == "POST":
        if warnings_clear(recipient=recipient, actor=request.user):
            messages.success(request, _("The warnings are marked as dealt with."))
        else:
            messages.info(request, _("This record has no warnings."))
        return _back_to_record(recipient)
    return render(request, "portal/review/warnings.html", {"recipient": recipient})


@official_required(*RECORD_WORK_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def transition(request, public_id: str, to_status: str):
    if to_status not in Status.values:
        raise Http404
    recipient = recipient_get_for_user(request.user, public_id)
    if to_status == Status.REACHED:
        # Meals: "reached" is made together with a meal plan, on the meals page.
        return redirect("meals:plan_create", public_id=recipient.public_id)
    move = TRANSITIONS.get((recipient.status, to_status))
    option = next(
        (m for m in recipient_moves(recipient, request.user) if m.to_status == to_status), None
    )
    form = ReasonForm(posted(request), required=bool(move and move.needs_reason))
    if request.method == "POST" and form.is_valid():
        try:
            review_transition(
                recipient=recipient,
                actor=request.user,
                to_status=to_status,
                reason=form.cleaned_data["reason"],
            )
        except (ValidationError, PermissionDenied) as error:
            # Nothing changed: the transition service refuses before it writes.
            add_refusal(form, error)
        else:
            messages.success(
                request,
                _("The record is now “%(status)s”.") % {"status": Status(to_status).label},
            )
            return _back_to_record(recipient)
    return render(
        request,
        "portal/review/transition.html",
        {
            "recipient": recipient,
            "form": form,
            "option": option,
            "to_status": Status(to_status),
            # What the record lacks for this move (the service refuses it the same way).
            "blocked": move.requires(recipient) if move and move.requires else "",
            "may_edit_profile": may_review(request.user),
        },
    )
