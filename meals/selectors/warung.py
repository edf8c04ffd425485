"""Reads for the meals pages, filtered by the acting user's role."""

from django.db.models import QuerySet

from accounts.models import User

from ..models import Warung
from ..services.warung import WARUNG_ROLES


def warung_list_for_user(user: User) -> QuerySet[Warung]:
    if not user.has_role(*WARUNG_ROLES):
        return Warung.objects.none()
    return Warung.objects.select_related("kecamatan").order_by("kecamatan__name", "name")
