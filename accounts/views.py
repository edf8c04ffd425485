import json
import uuid

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from core.forms import add_refusal, posted

from .decorators import official_required, signed_in_required
from .forms import DeleteAccountForm, ProfileForm
from .models import AuditEvent, Consent
from .permissions import ADMIN_ROLES
from .selectors import audit_events_for_user, work_pages
from .services import account_data_export, account_delete, consent_give, consent_withdraw


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def home(request):
    user = request.user
    has_news = user.consents.filter(
        purpose=Consent.Purpose.NEWS, withdrawn_at__isnull=True
    ).exists()
    form = ProfileForm(posted(request), instance=user, initial={"news": has_news})
    if request.method == "POST" and form.is_valid():
        form.save()
        if form.cleaned_data["news"] and not has_news:
            consent_give(user=user, purpose=Consent.Purpose.NEWS, method="account settings")
        elif not form.cleaned_data["news"] and has_news:
            consent_withdraw(user=user, purpose=Consent.Purpose.NEWS)
        messages.success(request, _("Your settings are saved."))
        return redirect("accounts:home")
    return render(request, "accounts/home.html", {"form": form})


@signed_in_required
@require_safe
@never_cache
def start(request):
    """Where a person with several roles chooses which work to open after signing in."""
    return render(request, "accounts/start.html", {"pages": work_pages(request.user)})


@login_required
def data_export(request):
    data = account_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="rantang-kasih-data-{stamp}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete(request):
    form = DeleteAccountForm(posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            account_delete(user=request.user)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            logout(request)
            messages.success(request, _("Your account and its data have been deleted."))
            return redirect("portal:home")
    return render(request, "accounts/delete.html", {"form": form})


@official_required(*ADMIN_ROLES)
def audit_log(request):
    action = request.GET.get("action", "")
    if action not in AuditEvent.Action.values:
        action = ""
    actor_ref = request.GET.get("actor", "").strip()
    try:
        actor_ref = str(uuid.UUID(actor_ref)) if actor_ref else ""
    except ValueError:
        messages.error(request, _("That is not a valid person reference."))
        actor_ref = ""
    events = audit_events_for_user(request.user, action=action, actor_ref=actor_ref)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/audit_log.html",
        {
            "page": page,
            "actions": AuditEvent.Action.choices,
            "action": action,
            "actor": actor_ref,
        },
    )
