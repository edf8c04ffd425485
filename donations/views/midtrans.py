"""``/donations/midtrans/notification/``: verify the signature, ask Midtrans's status API,
record what it says once.

A minimal stand-in (the Midtrans gateway's own branch brings the full view, which keeps this
URL name and contract): 400 to a body that is not signed with our server key, 503 when the
status cannot be had or the database cannot record it (Midtrans tries again), 200 otherwise.
The notification's own fields are never recorded: only the status API's answer is.
"""

import json
import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .. import gateways
from ..gateways import GatewayError
from ..gateways.midtrans import parse
from ..services.webhooks import event_receive

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024


@csrf_exempt
@require_POST
def midtrans_notification(request):
    if len(request.body) > MAX_BODY_BYTES:
        return HttpResponse(status=413)
    try:
        body = json.loads(request.body)
    except ValueError:
        body = None
    if not isinstance(body, dict) or not parse.signature_valid(body, settings.MIDTRANS_SERVER_KEY):
        logger.warning("midtrans notification refused: bad signature")
        return JsonResponse({"error": "invalid signature"}, status=400)
    name = "midtrans_sandbox" if settings.PAYMENTS_SANDBOX else "midtrans"
    gateway = gateways.gateway_named(name)
    try:
        event = gateway.transaction_event(str(body["order_id"]))
    except GatewayError:
        logger.warning("midtrans status of %s could not be had", body.get("order_id"))
        return JsonResponse({"error": "try again"}, status=503)
    try:
        record, new = event_receive(event=event, gateway_name=name)
    except DatabaseError:
        logger.exception("midtrans event %s could not be recorded", event.event_id)
        return JsonResponse({"error": "try again"}, status=503)
    return JsonResponse({"received": True, "duplicate": not new, "outcome": record.outcome})
