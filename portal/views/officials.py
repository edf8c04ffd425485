from django.shortcuts import render

from accounts.decorators import official_required
from accounts.permissions import is_administrator
from accounts.selectors import work_pages

from ..permissions import REGISTRY_ROLES, may_import, may_read_registry
from ..selectors.regions import region_get_for_user, region_list_for_user, villages_of


@official_required()
def officials_home(request):
    grants = request.user.role_grants.select_related("school_link__school").prefetch_related(
        "kecamatan"
    )
    return render(
        request,
        "portal/officials_home.html",
        {
            # What waits for them on each of their pages that counts something.
            "work": [page for page in work_pages(request.user) if page.waiting is not None],
            "grants": grants,
            "can_see_regions": may_read_registry(request.user),
            "is_admin": is_administrator(request.user),
            "can_import": may_import(request.user),
        },
    )


@official_required(*REGISTRY_ROLES)
def region_list(request):
    return render(
        request, "portal/region_list.html", {"regions": region_list_for_user(request.user)}
    )


@official_required(*REGISTRY_ROLES)
def region_detail(request, code: str):
    kecamatan = region_get_for_user(request.user, code=code)
    return render(
        request,
        "portal/region_detail.html",
        {"kecamatan": kecamatan, "villages": villages_of(kecamatan)},
    )
