"""The monthly update to sponsors (beat: the 1st of each month, ``donations.sponsor_updates``).

Each active monthly sponsorship of a listed person gets one short e-mail about the month that
just ended: the person's pseudonym, what their pot raised against the monthly need, how many
sponsors they have, whether the programme now reaches them and, once it does, on how many days
their meals were delivered and how many times students visited that month (counts only: never
which warung, an address, a school, a day or a time). Nothing else about the person.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation

from notifications.models import Notification
from notifications.services import notification_enqueue
from portal.models import PUBLISHED_OR_REACHED, Recipient, Status

from ..models import Sponsorship
from ..selectors.donors import reached_months
from ..selectors.progress import listings_progress
from .receipts import donor_token


def sponsor_updates_send(*, today: datetime.date | None = None) -> int:
    """Write this month's update for every active sponsorship of a listed person; returns
    how many were written now. The dedup key names the sponsorship and the month, so a second
    run in the same month (a retried or doubled beat) writes nothing."""
    today = today or timezone.localdate()
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    month_key = today.strftime("%Y-%m")
    sponsorships = list(
        Sponsorship.objects.filter(
            status=Sponsorship.Status.ACTIVE,
            recipient__status__in=PUBLISHED_OR_REACHED,
            updates=True,
        )
        .select_related("donor", "donor__user")
        .order_by("pk")
    )
    if not sponsorships:
        return 0
    ids = {s.recipient_id for s in sponsorships if s.recipient_id is not None}
    # Public columns only: the person's identity is never loaded for a sponsor's e-mail.
    people = {
        row["pk"]: row
        for row in Recipient.objects.filter(pk__in=ids).values(
            "pk", "public_id", "pseudonym", "status", "monthly_need"
        )
    }
    progress = listings_progress(ids, day=last_month)
    # Sponsors now, not last month: the count the update reports.
    sponsors_now = listings_progress(ids)
    # The month reported, for the people the programme reaches now.
    reached = reached_months(ids, day=last_month)
    written = 0
    for sponsorship in sponsorships:
        recipient_id = sponsorship.recipient_id
        if recipient_id is None:
            continue  # not reached: the recipient__status filter keeps only linked ones
        person = people[recipient_id]
        listed = person["status"] == Status.PUBLISHED
        month_progress = progress[recipient_id]
        donor = sponsorship.donor
        language = donor.language or settings.LANGUAGE_CODE
        with translation.override(language):
            month_label = formats.date_format(last_month, "F Y")
            link = settings.PORTAL_BASE_URL + reverse(
                "donations:donor_link", args=[donor_token(donor)]
            )
        dedup_key = f"sponsor-update:{sponsorship.pk}:{month_key}"
        if Notification.objects.filter(dedup_key=dedup_key).exists():
            continue  # written by an earlier run this month
        with transaction.atomic():
            notification_enqueue(
                template="sponsor_update",
                dedup_key=dedup_key,
                to_address=donor.email,
                # A donor with an account may refuse these updates (they are not receipts).
                user=donor.user if donor.user is not None and donor.user.is_active else None,
                language=language,
                context={
                    "pseudonym": person["pseudonym"],
                    "public_id": person["public_id"] if listed else "",
                    "month": month_label,
                    "raised": month_progress.raised,
                    "need": month_progress.need,
                    "funded": month_progress.reached,
                    "sponsors": sponsors_now[recipient_id].sponsors,
                    "reached": person["status"] == Status.REACHED,
                    "meal_days": reached[recipient_id].meal_days if recipient_id in reached else 0,
                    "visits": reached[recipient_id].visits if recipient_id in reached else 0,
                    "link": link,
                },
            )
        written += 1
    return written
