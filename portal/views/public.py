from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..selectors.regions import public_region_counts


@require_GET
def home(request):
    return render(request, "portal/home.html", {"counts": public_region_counts()})


@require_GET
def privacy(request):
    return render(request, "portal/privacy.html")
