from django import forms
from django.utils.translation import gettext_lazy as _

from .services import NOTE_MAX_LENGTH


class ResolveForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=NOTE_MAX_LENGTH,
    )
