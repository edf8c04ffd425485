from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import Kecamatan

from .models import Warung


class WarungForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    owner_name = forms.CharField(label=_("Owner"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=300)
    kecamatan = forms.ModelChoiceField(
        label=_("Kecamatan"), queryset=Kecamatan.objects.order_by("name")
    )
    daily_capacity = forms.IntegerField(
        label=_("Daily capacity (portions)"), min_value=1, max_value=10_000
    )
    contract_status = forms.ChoiceField(
        label=_("Contract"), choices=Warung.Contract.choices, initial=Warung.Contract.ACTIVE
    )
