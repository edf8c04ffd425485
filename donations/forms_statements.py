"""The finance officers' statement forms: the upload, the column mapping of an account, and
the second officer's confirmation (a checkbox per proposed match, all ticked)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import BankAccount

MAPPING_LABELS = {
    "date": _("Date"),
    "description": _("Description"),
    "credit": _("Credit (money in)"),
    "debit": _("Debit (money out)"),
    "amount": _("Signed amount (instead of credit and debit)"),
    "balance": _("Running balance"),
}
REQUIRED = ("date", "description")
# The header words banks' exports use (Indonesian and English), lower-cased: on an account's
# first upload a column whose header is one of these is proposed for its field, so the officer
# only checks the mapping. The officer's choice, once kept, wins.
HEADER_WORDS = {
    "date": ("tanggal", "tgl", "tanggal transaksi", "date", "transaction date", "posting date"),
    "description": ("keterangan", "uraian", "deskripsi", "description", "remarks", "details"),
    "credit": ("kredit", "credit", "cr", "mutasi kredit", "uang masuk"),
    "debit": ("debet", "debit", "db", "mutasi debet", "uang keluar"),
    "amount": ("mutasi", "jumlah", "nominal", "amount"),
    "balance": ("saldo", "balance", "saldo akhir", "running balance"),
}


def mapping_guess(headers: list[str]) -> dict[str, str]:
    """The field each header names by its usual words, each header used once."""
    guessed: dict[str, str] = {}
    for field, words in HEADER_WORDS.items():
        for header in headers:
            if header.strip().lower() in words and header not in guessed.values():
                guessed[field] = header
                break
    if "credit" in guessed and "amount" in guessed:
        del guessed["amount"]  # credit and debit columns, or a signed amount: not both
    return guessed


class StatementUploadForm(forms.Form):
    account = forms.ModelChoiceField(
        label=_("The programme's account"), queryset=BankAccount.objects.all(), empty_label=None
    )
    statement = forms.FileField(
        label=_("The bank's statement export (CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )
    remap = forms.BooleanField(
        label=_("Map this account's columns again (the bank changed its export)"),
        required=False,
    )


class MappingForm(forms.Form):
    """One choice per field, among the header cells of the staged file."""

    def __init__(self, *args, headers: list[str], initial_mapping: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("(not in this file)")), *[(name, name) for name in headers]]
        if not any(value in headers for value in initial_mapping.values()):
            initial_mapping = mapping_guess(headers)
        for name, label in MAPPING_LABELS.items():
            value = initial_mapping.get(name, "")
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=name in REQUIRED,
                initial=value if value in headers else "",
            )


class ConfirmForm(forms.Form):
    lines = forms.TypedMultipleChoiceField(
        label=_("Proposed matches to confirm"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, line_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["lines"]
        if not isinstance(field, forms.TypedMultipleChoiceField):  # for mypy
            raise TypeError(field)
        field.choices = [(pk, str(pk)) for pk in line_ids]
        field.initial = line_ids
