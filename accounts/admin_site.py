from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from .permissions import is_administrator
from .selectors import user_has_totp


class PortalAdminSite(admin.AdminSite):
    """Django's admin, for administrators only, behind allauth's login and TOTP."""

    site_header = _("Rantang Kasih administration")
    site_title = _("Rantang Kasih")
    index_title = _("Accounts and settings")

    def has_permission(self, request) -> bool:
        user = request.user
        return bool(
            user.is_active and user.is_staff and is_administrator(user) and user_has_totp(user)
        )

    def login(self, request, extra_context=None):
        # One way in for everybody: allauth's login (rate limits, e-mail verification, TOTP).
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.GET.get("next", request.get_full_path()))
        if user.is_official and not user_has_totp(user):
            return redirect("mfa_activate_totp")
        if self.has_permission(request):
            return redirect("admin:index")
        raise PermissionDenied
