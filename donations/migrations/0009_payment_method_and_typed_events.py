"""Gifts already paid get the method they were paid with (the portal offered cards and bank
transfers only), and stored gateway events become the typed events the handlers now replay
(donations.gateways.events): a deferred event stored in Stripe's shape would otherwise never
be applied. The Stripe parser is used as it is at this migration's time; an event it cannot
read becomes an ``unhandled`` one, which nothing replays."""

from django.db import migrations


def forwards(apps, schema_editor):
    from donations.gateways.events import Unhandled, event_dump  # noqa: PLC0415
    from donations.gateways.stripe.parse import event_parse  # noqa: PLC0415

    Gift = apps.get_model("donations", "Gift")
    WebhookEvent = apps.get_model("donations", "WebhookEvent")
    Gift.objects.filter(gateway="bank").update(payment_method="bank_transfer")
    Gift.objects.filter(gateway__in=["stripe", "sandbox"], status="paid").update(
        payment_method="card"
    )
    for record in WebhookEvent.objects.iterator():
        payload = record.payload or {}
        if "kind" in payload:
            continue
        try:
            event = event_parse(payload)
        except Exception:  # noqa: BLE001 -- anything unreadable is kept as unhandled
            event = Unhandled(
                event_id=record.event_id,
                occurred_at=record.received_at,
                gateway_type=record.type,
            )
        record.payload = event_dump(event)
        record.save(update_fields=["payload"])


class Migration(migrations.Migration):
    dependencies = [("donations", "0008_payment_method")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
