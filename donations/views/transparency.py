"""``/donasi/transparansi/``: the public accounts of the collection."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..selectors.transparency import transparency_report


@require_GET
def transparency(request):
    # Not in the anonymous page cache: fees and operating costs are recorded without the
    # public-page version changing, and these figures must add up at every moment.
    return render(request, "donations/transparency.html", {"report": transparency_report()})
