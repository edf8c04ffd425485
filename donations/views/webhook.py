"""The gateways' notification endpoints: verify, record once, apply.

``/donations/stripe/webhook/`` answers 400 to a body that is not signed by our secret (forged,
altered, stale), 200 to every verified event (new, repeated, deferred, ignored or flagged: each
is recorded), and 503 only when the database cannot record it, so that Stripe tries again later.

``/donations/midtrans/notification/`` answers 400 to a body that is not JSON signed with the
server key; for a signed one it asks the status API what became of the order and records that
answer (never the notification's own claim), 200 once recorded (a repeat: 200, duplicate), and
503 when the status API cannot be asked or the database cannot record, so that Midtrans sends
the notification again later. 404 while Midtrans is not enabled.
"""

import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..gateways import GatewayError, SignatureError, event_verify, gateway
from ..gateways.midtrans import notification_gateway, notification_verify
from ..services.webhooks import event_receive, event_receive_confirmed

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


@csrf_exempt
@require_POST
def midtrans_notification(request):
    if not settings.MIDTRANS_ENABLED:
        raise Http404
    if len(request.body) > MAX_BODY_BYTES:
        return HttpResponse(status=413)
    try:
        notification = notification_verify(request.body)
    except SignatureError as error:
        logger.warning("Midtrans notification refused: %s", error)
        return JsonResponse({"error": "invalid signature"}, status=400)
    source = notification_gateway()
    try:
        confirmed = source.transaction_event(notification.order_id)
    except GatewayError as error:
        logger.warning("Midtrans's status of a notified order could not be asked: %s", error)
        return JsonResponse({"error": "try again"}, status=503)
    try:
        record, new, disagreement = event_receive_confirmed(
            claimed=notification.claimed, confirmed=confirmed, gateway_name=source.name
        )
    except DatabaseError:
        logger.exception("Midtrans event %s could not be recorded", confirmed.event_id)
        return JsonResponse({"error": "try again"}, status=503)
    return JsonResponse(
        {
            "received": True,
            "duplicate": not new,
            "outcome": record.outcome,
            "confirmed": not disagreement,
        }
    )
