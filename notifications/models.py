from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.pii import EncryptedJSONField, EncryptedTextField

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WHATSAPP = "whatsapp", _("WhatsApp")


class Notification(models.Model):
    """One message to one person, in the outbox before it is sent.

    Written in the same transaction as the event it reports; a Celery task claims it with a
    lease (``pending`` → ``sending``), with the other rows of its batch, sends it and marks it
    ``sent`` before it sends the next. A worker that dies after
    the claim leaves a lease that expires, and the minute beat sends the row again: at least
    once, repeated only if the crash fell between the provider's acceptance and our commit (a
    repeated e-mail has the row's own Message-ID, ``services.message_id``).
    """

    # Display-only, not columns: the outbox page's selector sets them on the instances it shows.
    masked_to: str
    kind_label: "StrOrPromise"

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent (the person opted out)")

    # Deleting an account deletes its notifications (their addresses are personal data).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    # The address at the time of writing (an e-mail address or a +62 phone number): guests
    # and guardians have no account. Personal data, so encrypted.
    to_address = EncryptedTextField(_("to"), max_length=254)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    template = models.CharField(_("template"), max_length=60)
    # What the templates need. Encrypted: account mail carries codes and password links.
    context = EncryptedJSONField(_("context"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=5, default=settings.LANGUAGE_CODE)
    # Receipts and security mail: sent whatever the person's preferences.
    mandatory = models.BooleanField(_("cannot be refused"), default=False)
    dedup_key = models.CharField(_("dedup key"), max_length=200, unique=True)
    send_after = models.DateTimeField(_("send after"), default=timezone.now, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    provider_id = models.CharField(_("provider's id"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "send_after"])]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"{self.template} ({self.get_status_display()})"


class Preference(models.Model):
    """Which channels a person accepts for messages they may refuse."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.BooleanField(_("by e-mail"), default=True)
    whatsapp = models.BooleanField(_("by WhatsApp"), default=False)
    whatsapp_number = EncryptedTextField(_("WhatsApp number"), max_length=20, blank=True)

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"
