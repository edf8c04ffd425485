"""Warung partners: a list and a form to add one (the payees of disbursements)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from accounts.decorators import official_required
from core.forms import add_refusal

from ..forms import WarungForm
from ..permissions import WARUNG_REGISTER_ROLES
from ..selectors import warung_list_for_user
from ..services import warung_create


@official_required(*WARUNG_REGISTER_ROLES)
@require_safe
def warung_list(request):
    return render(
        request, "meals/warung_list.html", {"warungs": warung_list_for_user(request.user)}
    )


@official_required(*WARUNG_REGISTER_ROLES)
@require_http_methods(["GET", "HEAD", "POST"])
def warung_new(request):
    form = WarungForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            warung = warung_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": warung.name})
            return redirect("meals:warung_list")
    return render(request, "meals/warung_form.html", {"form": form})
