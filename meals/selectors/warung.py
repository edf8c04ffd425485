"""Reads for the meals pages, filtered by the acting user's role."""

from django.db.models import QuerySet

from accounts.models import User

from ..models import Warung
from ..permissions import may_keep_warung_register


def warung_list_for_user(user: User) -> QuerySet[Warung]:
    if not may_keep_warung_register(user):
        return Warung.objects.none()
    return Warung.objects.select_related("kecamatan").order_by("kecamatan__name", "name")
