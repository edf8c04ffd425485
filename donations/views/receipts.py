"""A gift's receipt as PDF, for its own donor only."""

from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ..models import Gift
from ..services.receipts import receipt_pdf
from .donor import donors_for_request


@require_safe
@never_cache
def receipt_pdf_view(request, ref):
    """Signed in as the donor, or come through their signed link in this browser session;
    anybody else's receipt is a 404, like one that does not exist. An erased donor's receipts
    are no donor's any more: finance officers open them from the gift's finance page."""
    donors = donors_for_request(request)
    if not donors:
        raise Http404
    gift = (
        Gift.objects.filter(public_ref=ref, donor__in=donors, receipt_number__isnull=False)
        .select_related("donor")
        .first()
    )
    if gift is None:
        raise Http404
    response = HttpResponse(receipt_pdf(gift), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{gift.receipt_number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
