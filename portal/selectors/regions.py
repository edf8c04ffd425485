"""Reads for the registry's pages, filtered by the acting user's scope."""

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from accounts.selectors import get_in_scope, kecamatan_in_scope

from ..models import Kecamatan, Village


def region_list_for_user(user: User) -> QuerySet[Kecamatan]:
    return (
        kecamatan_in_scope(user)
        .annotate(
            desa_count=Count("villages", filter=Q(villages__kind=Village.Kind.DESA)),
            kelurahan_count=Count("villages", filter=Q(villages__kind=Village.Kind.KELURAHAN)),
        )
        .order_by("code")
    )


def region_get_for_user(user: User, *, code: str) -> Kecamatan:
    return get_in_scope(
        kecamatan_in_scope(user), user=user, target=f"portal.kecamatan:{code}", code=code
    )


def villages_of(kecamatan: Kecamatan) -> QuerySet[Village]:
    return kecamatan.villages.order_by("code")


def public_region_counts() -> dict[str, int]:
    return {
        "kecamatan": Kecamatan.objects.count(),
        "villages": Village.objects.count(),
    }
