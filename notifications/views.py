from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.decorators import official_required
from core.phones import phone_normalise

from . import services
from .models import Notification, Preference
from .permissions import OUTBOX_ROLES
from .selectors import (
    kind_choices,
    outbox_for_user,
    outbox_page,
    preference_for,
    unsubscribe_target,
)


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = Preference
        fields = ["email", "whatsapp", "whatsapp_number"]
        labels = {
            "email": gettext_lazy("Send me e-mail"),
            "whatsapp": gettext_lazy("Send me WhatsApp messages instead of e-mail"),
            "whatsapp_number": gettext_lazy("WhatsApp number"),
        }
        help_texts = {
            "whatsapp_number": gettext_lazy(
                "An Indonesian mobile number, such as 0812 3456 7890. Needed for WhatsApp."
            ),
        }
        widgets = {
            "whatsapp_number": forms.TextInput(
                attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}
            ),
        }

    def clean_whatsapp_number(self) -> str:
        raw = (self.cleaned_data.get("whatsapp_number") or "").strip()
        if not raw:
            return ""
        number = phone_normalise(raw)
        if number is None or not number.startswith("+62"):
            raise ValidationError(
                gettext_lazy("This is not a valid Indonesian phone number."), code="invalid"
            )
        return number

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("whatsapp")
            and not cleaned.get("whatsapp_number")
            and "whatsapp_number" not in self.errors
        ):
            self.add_error(
                "whatsapp_number",
                ValidationError(
                    gettext_lazy("To receive WhatsApp messages, give a valid WhatsApp number."),
                    code="required",
                ),
            )
        return cleaned


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request):
    data = request.POST if request.method == "POST" else None
    form = PreferenceForm(data, instance=preference_for(request.user))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your notification choices are saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/pages/preferences.html", {"form": form})


# Mail clients send RFC 8058's one-click POST with no cookie and no CSRF token; the signed
# token in the address is what protects this view.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    try:
        target = unsubscribe_target(token)
    except signing.BadSignature:
        return render(request, "notifications/pages/unsubscribe_invalid.html", status=400)
    if request.method == "POST":
        if target.account_exists:
            services.unsubscribe(user_id=target.user_id, channel=target.channel)
        return render(request, "notifications/pages/unsubscribe_done.html", {"target": target})
    return render(request, "notifications/pages/unsubscribe.html", {"target": target})


@official_required(*OUTBOX_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def outbox(request):
    if request.method == "POST":
        try:
            pk = int(request.POST.get("notification", ""))
        except ValueError:
            raise Http404 from None
        notification = get_object_or_404(outbox_for_user(request.user), pk=pk)
        services.notification_resend(notification=notification, actor=request.user)
        messages.success(request, _("The notification will be sent again shortly."))
        return redirect(request.get_full_path())
    status = request.GET.get("status", "")
    if status not in Notification.Status.values:
        status = ""
    kinds = kind_choices()
    template = request.GET.get("template", "")
    if template not in dict(kinds):
        template = ""
    page = outbox_page(
        request.user, status=status, template=template, page_number=request.GET.get("page")
    )
    return render(
        request,
        "notifications/pages/outbox.html",
        {
            "page": page,
            "statuses": Notification.Status.choices,
            "kinds": kinds,
            "status": status,
            "template": template,
        },
    )
