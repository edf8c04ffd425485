"""Reads for the registry's pages, filtered by the acting user's scope."""

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from accounts.selectors import Purpose, get_in_scope, kecamatan_in_scope
from regions.models import Kecamatan, Village


# The region pages are registry pages (who may open them is the registry's roles), so they
# list the kecamatan of the registry's scope: a health inspector's regency-wide reach over
# warung, or a coordinator's school, opens no region.
def region_list_for_user(user: User) -> QuerySet[Kecamatan]:
    return (
        kecamatan_in_scope(user, purpose=Purpose.REGISTRY)
        .annotate(
            desa_count=Count("villages", filter=Q(villages__kind=Village.Kind.DESA)),
            kelurahan_count=Count("villages", filter=Q(villages__kind=Village.Kind.KELURAHAN)),
        )
        .order_by("code")
    )


def region_get_for_user(user: User, *, code: str) -> Kecamatan:
    return get_in_scope(
        kecamatan_in_scope(user, purpose=Purpose.REGISTRY),
        user=user,
        target=f"portal.kecamatan:{code}",
        code=code,
    )


def villages_of(kecamatan: Kecamatan) -> QuerySet[Village]:
    return kecamatan.villages.order_by("code")


def public_region_counts() -> dict[str, int]:
    return {
        "kecamatan": Kecamatan.objects.count(),
        "villages": Village.objects.count(),
    }
