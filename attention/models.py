"""The attention queue: one item per condition that an official must act on.

docs/architecture.md, "The attention queue", and decisions.md's table: each kind has its
opening condition, the role that owns it, a deadline and an escalation to the lead reviewers.
An item is opened and closed by explicit calls from the services that cause and end its
condition (``attention.services``), plus one beat task for the time-based kinds.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.history import StatusHistory
from regions.models import Kecamatan


class Kind(models.TextChoices):
    MISSED_DELIVERIES = "missed_deliveries", _("Missed deliveries")
    UNMARKED_DAY = "unmarked_day", _("Unmarked warung-day")
    REPORT_FLAG = "report_flag", _("Visit report flag")
    WARUNG_SUSPENDED = "warung_suspended", _("Warung suspended with people")
    INSPECTION_OVERDUE = "inspection_overdue", _("Inspection overdue")
    CONCERN = "concern", _("Concern about a listing")
    RIGHTS_REQUEST = "rights_request", _("Data-rights request")


class ItemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    TAKEN = "taken", _("Taken")
    # An official acted and said what they did.
    RESOLVED = "resolved", _("Resolved")
    # The condition ended (a delivered mark, a recorded inspection, a decided concern).
    CLOSED = "closed", _("Closed")


LIVE_STATUSES = (ItemStatus.OPEN, ItemStatus.TAKEN)


class Item(models.Model):
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    # Names the condition within its kind ("plan:12", "warung:3:2026-01-05"): one live item
    # per condition, enforced by the partial unique index below.
    key = models.CharField(max_length=80)
    recipient = models.ForeignKey(
        "portal.Recipient", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    warung = models.ForeignKey(
        "meals.Warung", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kecamatan = models.ForeignKey(
        Kecamatan, on_delete=models.PROTECT, related_name="+", verbose_name=_("kecamatan")
    )
    owner_role = models.CharField(_("owner"), max_length=32)
    opened_at = models.DateTimeField(_("opened at"))
    deadline = models.DateTimeField(_("deadline"))
    # When it goes to the lead reviewers: the deadline, except a rights request's (48 hours of
    # its 72).
    escalate_at = models.DateTimeField()
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.OPEN
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    taken_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # What the official did, or why the condition ended.
    note = models.TextField(_("note"), blank=True)
    # The record the item came from, for its page's link ("meals.mealplan:12").
    source = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("attention item")
        verbose_name_plural = _("attention items")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"],
                condition=models.Q(status__in=["open", "taken"]),
                name="one_live_item_per_condition",
            ),
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False) | models.Q(warung__isnull=False),
                name="item_names_a_person_or_a_warung",
            ),
        ]
        indexes = [models.Index(fields=["status", "escalate_at"], name="item_escalation")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"

    def get_absolute_url(self) -> str:
        return reverse("attention:item", kwargs={"pk": self.pk})

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


class ItemTransition(StatusHistory):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=10, choices=ItemStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=ItemStatus.choices)
