"""The reporter's signed link to their report's status page.

A reporter has no account: the link is what lets them follow their report. It names the
report by its kind and reference (``django.core.signing`` with its own salt, so no other signed
value of the portal opens it) and works ``COMMUNITY_STATUS_LINK_DAYS``; every message about a
step carries a freshly signed one. The page it opens tells the steps, never anything about the
person reported (``community.selectors.report_steps``).
"""

from __future__ import annotations

from urllib.parse import urljoin

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from ..models import Concern, Referral, ReporterContact

STATUS_SALT = "community.status"
_KINDS: dict[str, type[Referral] | type[Concern]] = {"r": Referral, "c": Concern}
# Only what the status page reads: never the encrypted columns (contact, what was written).
_STATUS_FIELDS = {
    Referral: (
        "pk",
        "reference",
        "status",
        "contact_channel",
        "contact_verified_at",
        "decided_at",
        "recipient_id",
    ),
    Concern: (
        "pk",
        "reference",
        "status",
        "contact_channel",
        "contact_verified_at",
        "suspended_listing",
        "answered_at",
    ),
}


class StatusLinkRefused(ValidationError):
    """The link is forged, altered, expired, or names no report (``code`` says which:
    ``invalid``, ``expired``, ``unknown``)."""


def status_token(report: ReporterContact) -> str:
    kind = "r" if isinstance(report, Referral) else "c"
    return signing.dumps([kind, report.reference], salt=STATUS_SALT)


def status_path(report: ReporterContact, *, language: str | None = None) -> str:
    with translation.override(language or report.language or settings.LANGUAGE_CODE):
        return reverse("community:report_status", args=[status_token(report)])


def status_url(report: ReporterContact) -> str:
    """The absolute address of the report's status page, in the reporter's language."""
    return urljoin(settings.PORTAL_BASE_URL + "/", status_path(report).lstrip("/"))


def report_from_status_token(token: str) -> Referral | Concern:
    """The report a status link names (only the columns its page reads). Raises
    StatusLinkRefused for a forged, altered or expired link, or one whose report is gone
    (an unconfirmed report is deleted after a day)."""
    try:
        kind, reference = signing.loads(
            token, salt=STATUS_SALT, max_age=settings.COMMUNITY_STATUS_LINK_DAYS * 86400
        )
        model = _KINDS[kind]
    except signing.SignatureExpired:
        raise StatusLinkRefused(
            _(
                "This link has expired. Every message we send you about your report carries "
                "a new one; or ask the programme, quoting your report's number."
            ),
            code="expired",
        ) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise StatusLinkRefused(
            _("This link is not valid. Check that it was copied whole."), code="invalid"
        ) from None
    report = model.objects.filter(reference=str(reference)).only(*_STATUS_FIELDS[model]).first()
    if report is None:
        raise StatusLinkRefused(
            _("There is no report for this link: a report not confirmed with its code is deleted."),
            code="unknown",
        )
    return report
