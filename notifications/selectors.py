"""Reads of the outbox and of people's notification choices, for the views."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core import signing
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.registry import AccountOwner

from .catalogue import KINDS
from .models import Channel, Notification, Preference
from .permissions import may_read_outbox
from .services import UNSUBSCRIBE_SALT, render

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

KIND_LABELS = {
    "account_mail": _("Account e-mail (codes, password, security)"),
    "import_finished": _("Import finished"),
    "listing_decision": _("Decision on a submitted record"),
    "review_digest": _("Daily review digest"),
}


def kind_choices() -> list[tuple[str, StrOrPromise]]:
    return [(key, KIND_LABELS.get(key, key)) for key in KINDS]


def preference_for(user: User) -> Preference:
    """The person's saved choices, or the defaults (unsaved) when they never chose."""
    return Preference.objects.filter(user=user).first() or Preference(user=user)


@dataclass(frozen=True)
class UnsubscribeTarget:
    user_id: int
    channel: str
    # False when the account was deleted since the e-mail went out: nothing left to turn off.
    account_exists: bool


def unsubscribe_target(token: str) -> UnsubscribeTarget:
    """Whom and which channel a signed unsubscribe token names, without changing anything.
    A forged or altered token raises ``signing.BadSignature``."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    try:
        user_id, channel = int(data["u"]), Channel(data["c"]).value
    except (KeyError, TypeError, ValueError) as error:
        raise signing.BadSignature("not an unsubscribe token") from error
    return UnsubscribeTarget(
        user_id=user_id,
        channel=channel,
        account_exists=User.objects.filter(pk=user_id).exists(),
    )


def mask_address(address: str, channel: str) -> str:
    """Enough of an address to tell two people apart, not enough to write to them:
    ``pe…@example.org``, ``+62…890``."""
    if channel == Channel.WHATSAPP:
        return f"{address[:3]}…{address[-3:]}" if len(address) > 6 else "…"
    local, at, domain = address.rpartition("@")
    if not at:
        return f"{address[:2]}…"
    return f"{local[:2]}…@{domain}"


def outbox_for_user(user: User, *, status: str = "", template: str = "") -> QuerySet[Notification]:
    """The outbox, newest first, as ``user`` may read it: all of it for an administrator or a
    lead reviewer, nothing for anyone else. The context (which may hold a sign-in code) is
    never loaded."""
    if not may_read_outbox(user):
        return Notification.objects.none()
    rows = Notification.objects.defer("context").order_by("-created_at", "-id")
    if status:
        rows = rows.filter(status=status)
    if template:
        rows = rows.filter(template=template)
    return rows


def outbox_page(
    user: User,
    *,
    status: str = "",
    template: str = "",
    page_number: int | str | None = None,
    per_page: int = 50,
) -> Page[Notification]:
    """One page of ``outbox_for_user``; each row carries ``masked_to`` and ``kind_label``."""
    rows = outbox_for_user(user, status=status, template=template)
    page = Paginator(rows, per_page).get_page(page_number)
    page.object_list = list(page.object_list)
    for notification in page.object_list:
        # Display-only attributes for the template, set on the page's instances.
        notification.masked_to = mask_address(notification.to_address, notification.channel)
        notification.kind_label = KIND_LABELS.get(notification.template, notification.template)
    return page


def notifications_of_owner(owner: AccountOwner) -> list[Notification]:
    """The outbox rows that reached the person: those written for their account, and those
    written for nobody's account to one of the addresses they proved (a receipt or a code
    sent before they had an account). ``to_address`` is encrypted, so the guest rows are
    read and compared one by one."""
    own = list(Notification.objects.filter(user=owner.user).order_by("created_at", "pk"))
    if not owner.verified_emails:
        return own
    emails = set(owner.verified_emails)
    guests = Notification.objects.filter(user__isnull=True, channel=Channel.EMAIL)
    found = [n for n in guests.order_by("created_at", "pk") if n.to_address.lower() in emails]
    return sorted(own + found, key=lambda n: (n.created_at, n.pk))


def _subject(notification: Notification) -> str:
    if notification.channel != Channel.EMAIL:
        return ""
    if notification.template == "account_mail":
        return str(notification.context.get("subject", ""))
    try:
        return render(notification).subject
    except Exception:
        return ""


def notifications_data_export(owner: AccountOwner) -> dict[str, Any]:
    """Notifications' part of the download: channel choices and what was sent (kind, subject,
    address, when), never a body (it may carry a code or a sign-in link)."""
    preference = Preference.objects.filter(user=owner.user).first()
    return {
        "preferences": (
            {
                "email": preference.email,
                "whatsapp": preference.whatsapp,
                "whatsapp_number": preference.whatsapp_number,
            }
            if preference
            else None
        ),
        "messages": [
            {
                "kind": n.template,
                "channel": n.channel,
                "to": n.to_address,
                "subject": _subject(n),
                "status": n.status,
                "written_at": n.created_at.isoformat(),
                "sent_at": n.sent_at.isoformat() if n.sent_at else None,
            }
            for n in notifications_of_owner(owner)
        ],
    }
