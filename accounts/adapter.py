from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # People are written to in the language they signed up in.
        user.language = translation.get_language() or user.language
        return super().save_user(request, user, form, commit=commit)

    def get_login_redirect_url(self, request):
        if request.user.is_authenticated and request.user.is_official:
            return reverse("portal:officials_home")
        return super().get_login_redirect_url(request)

    def send_mail(self, template_prefix, email, context):
        # allauth signs its mail with the requesting host name ("Hello from 127.0.0.1");
        # people should read the programme's name.
        site = SimpleNamespace(
            name=_("Rantang Kasih Banyuwangi"), domain=urlsplit(settings.PORTAL_BASE_URL).netloc
        )
        super().send_mail(template_prefix, email, {"current_site": site, **context})
