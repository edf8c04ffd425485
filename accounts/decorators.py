from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .models import OFFICIAL_ROLES, AuditEvent
from .selectors import user_has_totp
from .services import audit_record


def _enrolment_first(request):
    """An official without TOTP is sent to enrol, whatever the page (None: go on)."""
    user = request.user
    if user.is_official and not user_has_totp(user):
        messages.warning(
            request,
            _("Officials must set up two-factor authentication before opening this page."),
        )
        return redirect("mfa_activate_totp")
    return None


def signed_in_required(view):
    """Open a view to anyone signed in; an official without TOTP enrols first, as on every
    official page (a page listing an official's work is one)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return _enrolment_first(request) or view(request, *args, **kwargs)

    return wrapper


def official_required(*roles: str):
    """Open a view to officials holding one of ``roles`` (any official role when none given).

    In this order: a visitor signs in; an official without TOTP enrols first, whatever the
    page; a user without one of the roles gets 403 and the attempt is logged. Scope (which
    kecamatan, which school) is the selectors' business, not this decorator's.
    """
    allowed = frozenset(roles) or OFFICIAL_ROLES

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            enrol = _enrolment_first(request)
            if enrol is not None:
                return enrol
            if not user.has_role(*allowed):
                audit_record(
                    actor=user, action=AuditEvent.Action.ACCESS_DENIED, target=request.path
                )
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.official_roles = allowed
        return wrapper

    return decorator
