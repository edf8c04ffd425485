"""``/donations/stripe/webhook/``: verify the signature, record once, apply.

Answers 400 to a body that is not signed by our secret (forged, altered, stale), 200 to every
verified event (new, repeated, deferred, ignored or flagged: each is recorded), and 503 only
when the database cannot record it, so that Stripe tries again later.
"""

import logging

from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..gateways import SignatureError, event_verify, gateway
from ..services.webhooks import event_receive

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 512 * 1024


@csrf_exempt
@require_POST
def stripe_webhook(request):
    if len(request.body) > MAX_BODY_BYTES:
        return HttpResponse(status=413)
    try:
        event = event_verify(request.body, request.headers.get("Stripe-Signature"))
    except SignatureError as error:
        logger.warning("webhook refused: %s", error)
        return JsonResponse({"error": "invalid signature"}, status=400)
    # The sandbox signs with the same secret and stands in for Stripe where it is enabled.
    gateway_name = gateway().name
    try:
        record, new = event_receive(event=event, gateway_name=gateway_name)
    except DatabaseError:
        logger.exception("webhook event %s could not be recorded", event.event_id)
        return JsonResponse({"error": "try again"}, status=503)
    return JsonResponse({"received": True, "duplicate": not new, "outcome": record.outcome})
