"""``/donasi/transparansi/``: the public accounts of the collection."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.pagecache import LEDGER, cache_public_page

from ..selectors.transparency import transparency_report


@require_safe
@cache_public_page(LEDGER)
def transparency(request):
    # In the anonymous page cache: every ledger posting raises the public pages' version
    # (donations.services.ledger.ledger_post), so the figures add up at every moment.
    return render(request, "donations/transparency.html", {"report": transparency_report()})
