"""Links that share a public page: WhatsApp first (what Indonesians share on), then Facebook, X
and Telegram. Plain links to each service's own share address: no third-party script (the CSP
allows none), nothing added to the shared address (no tracking parameter), and nothing about a
person beyond what its page shows publicly (the text is the caller's: a pseudonym, a
kecamatan, the month's progress)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings


@dataclass(frozen=True)
class ShareLink:
    service: str  # a stable key, for the CSS and for tests
    name: str  # the service's own name, the same in every language
    href: str


def absolute(path: str) -> str:
    """The public address of a path on this site (PORTAL_BASE_URL, never the request's Host
    header, which a visitor chooses)."""
    return settings.PORTAL_BASE_URL + path


def share_links(url: str, text: str) -> list[ShareLink]:
    return [
        ShareLink("whatsapp", "WhatsApp", "https://wa.me/?" + urlencode({"text": f"{text} {url}"})),
        ShareLink(
            "facebook",
            "Facebook",
            "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
        ),
        ShareLink("x", "X", "https://x.com/intent/post?" + urlencode({"text": text, "url": url})),
        ShareLink(
            "telegram",
            "Telegram",
            "https://t.me/share/url?" + urlencode({"url": url, "text": text}),
        ),
    ]
