from django import forms
from django.urls import reverse_lazy
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from .models import Consent, User
from .services import consent_give


def _privacy_label():
    return format_html(
        _('I have read the <a href="{}">privacy notice</a> and agree to it.'),
        reverse_lazy("portal:privacy"),
    )


class SignupForm(forms.Form):
    """Extra fields of allauth's signup form (ACCOUNT_SIGNUP_FORM_CLASS)."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        required=False,
        help_text=_("How we address you. Optional."),
    )
    privacy_consent = forms.BooleanField(
        label=lazy(_privacy_label, SafeString)(),
        required=True,
        error_messages={"required": _("An account needs your consent to the privacy notice.")},
    )
    news = forms.BooleanField(
        label=_("Send me occasional news about Rantang Kasih."), required=False
    )

    def signup(self, request, user: User) -> None:
        user.name = self.cleaned_data["name"]
        user.save(update_fields=["name"])
        consent_give(user=user, purpose=Consent.Purpose.PRIVACY_NOTICE, method="signup form")
        if self.cleaned_data["news"]:
            consent_give(user=user, purpose=Consent.Purpose.NEWS, method="signup form")


class ProfileForm(forms.ModelForm):
    news = forms.BooleanField(
        label=_("Send me occasional news about Rantang Kasih."), required=False
    )

    class Meta:
        model = User
        fields = ["name", "language"]
        help_texts = {"language": _("The language of the e-mail we send you.")}


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account and its data are deleted for good."),
        required=True,
    )

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if not user.has_usable_password():
            del self.fields["password"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password
