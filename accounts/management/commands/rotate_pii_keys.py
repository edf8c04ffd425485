from allauth.mfa.models import Authenticator
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import pii
from accounts.models import AuditEvent
from accounts.services import audit_record

# Authenticator.data keys that hold a value encrypted by accounts.mfa_adapter.
MFA_ENCRYPTED_KEYS = ("secret", "seed")


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value under the first key of PII_ENCRYPTION_KEYS. Run it "
        "after putting a new key first; remove an old key only after it has finished."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        total = 0
        for model, fields in pii.encrypted_fields_by_model().items():
            count = self.rotate_model(model, fields, batch_size)
            total += count
            self.stdout.write(f"{model._meta.label}: {count} rows re-encrypted")
        count = self.rotate_authenticators(batch_size)
        total += count
        self.stdout.write(f"mfa.Authenticator: {count} rows re-encrypted")
        audit_record(
            actor=None,
            actor_label="cli:rotate_pii_keys",
            action=AuditEvent.Action.KEYS_ROTATED,
            details={"rows": total},
        )
        self.stdout.write(f"rotated={total}")

    def rotate_model(self, model, fields, batch_size) -> int:
        # Loading decrypts with any key; saving encrypts with the first. Batches keep memory
        # bounded and each batch is its own transaction, so an interrupted run can be re-run.
        count = 0
        pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), batch_size):
            with transaction.atomic():
                rows = list(
                    model._default_manager.select_for_update()
                    .filter(pk__in=pks[start : start + batch_size])
                    .only("pk", *fields)
                )
                model._default_manager.bulk_update(rows, fields)
            count += len(rows)
        return count

    def rotate_authenticators(self, batch_size) -> int:
        count = 0
        with transaction.atomic():
            for authenticator in Authenticator.objects.select_for_update().iterator(
                chunk_size=batch_size
            ):
                changed = False
                for key in MFA_ENCRYPTED_KEYS:
                    if authenticator.data.get(key):
                        authenticator.data[key] = pii.reencrypt(authenticator.data[key])
                        changed = True
                if changed:
                    authenticator.save(update_fields=["data"])
                    count += 1
        return count
