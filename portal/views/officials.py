from django.shortcuts import render

from accounts.decorators import official_required
from accounts.models import Role

from ..selectors.regions import region_get_for_user, region_list_for_user, villages_of

# Roles that work on the registry of elderly residents by kecamatan.
REGION_ROLES = (
    Role.DATA_OFFICER,
    Role.REVIEWER,
    Role.LEAD_REVIEWER,
    Role.ADMINISTRATOR,
)


@official_required()
def officials_home(request):
    grants = request.user.role_grants.select_related("school").prefetch_related("kecamatan")
    return render(
        request,
        "portal/officials_home.html",
        {
            "grants": grants,
            "can_see_regions": request.user.has_role(*REGION_ROLES),
            "is_admin": request.user.has_role(Role.ADMINISTRATOR),
            "can_import": request.user.has_role(Role.DATA_OFFICER, Role.ADMINISTRATOR),
        },
    )


@official_required(*REGION_ROLES)
def region_list(request):
    return render(
        request, "portal/region_list.html", {"regions": region_list_for_user(request.user)}
    )


@official_required(*REGION_ROLES)
def region_detail(request, code: str):
    kecamatan = region_get_for_user(request.user, code=code)
    return render(
        request,
        "portal/region_detail.html",
        {"kecamatan": kecamatan, "villages": villages_of(kecamatan)},
    )
