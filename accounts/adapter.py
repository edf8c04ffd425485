from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from . import registry
from .selectors import landing_url


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # People are written to in the language they signed up in.
        user.language = translation.get_language() or user.language
        return super().save_user(request, user, form, commit=commit)

    def get_login_redirect_url(self, request):
        # allauth asks this only when no safe ``next`` was given (and after the TOTP step).
        return landing_url(request.user)

    def send_mail(self, template_prefix, email, context):
        """allauth's account mail (codes, password links, security notices) goes through the
        outbox like every other message, marked as one a person cannot refuse."""
        # allauth signs its mail with the requesting host name ("Hello from 127.0.0.1");
        # people should read the programme's name.
        site = SimpleNamespace(
            name=_("Rantang Kasih Banyuwangi"), domain=urlsplit(settings.PORTAL_BASE_URL).netloc
        )
        message = self.render_mail(
            template_prefix,
            email,
            {"request": allauth_context.request, "email": email, "current_site": site, **context},
        )
        html = next(
            (body for body, kind in getattr(message, "alternatives", []) if kind == "text/html"),
            "",
        )
        registry.account_mail_sender()(
            to_address=email,
            # Tied to the account when there is one, so that deleting it deletes these too.
            user=get_user_model().objects.filter(email__iexact=email).first(),
            language=translation.get_language() or settings.LANGUAGE_CODE,
            subject=message.subject,
            text=message.body,
            html=html,
        )
