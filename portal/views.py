from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.decorators import official_required
from accounts.models import Role

from .health import health_report
from .selectors import public_region_counts, region_get_for_user, region_list_for_user, villages_of

# Roles that work on the registry of elderly residents by kecamatan.
REGION_ROLES = (
    Role.DATA_OFFICER,
    Role.REVIEWER,
    Role.LEAD_REVIEWER,
    Role.ADMINISTRATOR,
)


@require_GET
def home(request):
    return render(request, "portal/home.html", {"counts": public_region_counts()})


@require_GET
def privacy(request):
    return render(request, "portal/privacy.html")


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


@never_cache
@require_GET
def healthz(request):
    healthy, report = health_report()
    return JsonResponse(
        {"status": "ok" if healthy else "down", "checks": report}, status=200 if healthy else 503
    )
