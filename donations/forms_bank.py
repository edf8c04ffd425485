"""The donor's proof of a bank transfer. The file's type and size are checked, and its
metadata stripped, by ``core.uploads.proof_clean`` in ``donations.services.bank``."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ProofForm(forms.Form):
    proof = forms.FileField(
        label=_("Proof of transfer (photo, screenshot or PDF)"),
        help_text=_("A photo or screenshot of the transfer receipt, or the bank's PDF."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,.pdf"}),
    )
