"""The site's menu and the addresses every page announces (canonical, one per language).

One place builds them for templates/base.html, through portal.context_processors: the links by
URL name, the page they mark as current, and what a signed-in person sees besides.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.encoding import escape_uri_path
from django.utils.functional import Promise as StrPromise
from django.utils.translation import get_language, get_language_from_path, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from attention.permissions import QUEUE_ROLES

# Query parameters that make another page of the same content (the listings' pages); every
# other parameter (a filter, a search) shows a view of a page whose address is the canonical.
CANONICAL_PARAMETERS = ("page",)
# The language each page is written in, for Open Graph (a territory is required there).
OG_LOCALES = {"id": "id_ID", "en": "en_US"}


# The addresses of the links every page shows (menu and footer), by what decides them: the URLconf,
# the script prefix, the language (Indonesian unprefixed, English under /en/) and the URL name.
# A route without arguments always reverses to the same address for those, so each is reversed
# once per process instead of some fifteen times per page; the names are a fixed few.
_addresses: dict[tuple[str | None, str, str | None, str], str] = {}


def address(name: str) -> str:
    """``reverse(name)`` of a route without arguments, remembered for this process."""
    key = (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), get_language(), name)
    found = _addresses.get(key)
    if found is None:
        found = _addresses[key] = reverse(name)
    return found


# The footer's links (templates/base.html), and the two addresses the header shows whoever
# is signed in or not.
SITE_LINKS = {
    "home": "portal:home",
    "sign_out": "account_logout",
    "privacy": "portal:privacy",
    "transparency": "donations:transparency",
    "certificate_verify": "volunteers:certificate_verify",
    "api_listings": "api_listing_list",
    "api_outcomes": "api_outcomes",
    "api_outcomes_csv": "api_outcomes_csv",
    "api_schema": "api_schema",
}


def site_links() -> dict[str, str]:
    return {key: address(name) for key, name in SITE_LINKS.items()}


@dataclass(frozen=True)
class NavLink:
    key: str  # names the link for the stylesheet and the tests
    label: str | StrPromise
    href: str
    # aria-current: "page" on the link to this very page, "true" on the section it belongs to.
    current: str = ""


@dataclass(frozen=True)
class SiteMenu:
    sections: list[NavLink]
    account: list[NavLink]
    signed_in: bool


def _mark(links: list[NavLink], path: str) -> list[NavLink]:
    """The link to ``path`` marked "page"; failing that, the longest link ``path`` lies under
    marked "true" (a listing's page is in the listings' section)."""
    exact = [link for link in links if link.href == path]
    if exact:
        chosen, current = exact[0], "page"
    else:
        under = [link for link in links if path.startswith(link.href)]
        if not under:
            return links
        chosen, current = max(under, key=lambda link: len(link.href)), "true"
    return [
        NavLink(link.key, link.label, link.href, current) if link is chosen else link
        for link in links
    ]


def site_menu(request: HttpRequest) -> SiteMenu:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    student = signed_in and user.has_role(Role.STUDENT)  # type: ignore[union-attr]
    sections = [
        NavLink(
            "listings", pgettext_lazy("site menu", "Elderly people"), address("portal:listing_list")
        ),
        NavLink("give", pgettext_lazy("site menu", "Give"), address("donations:give_fund")),
        # A student books visits from the slots; anyone else learns what the visits are.
        NavLink(
            "visits",
            _("Student visits"),
            address("volunteers:slot_list" if student else "volunteers:home"),
        ),
        NavLink("refer", _("Report an elderly neighbour"), address("community:referral_create")),
        NavLink("impact", _("Impact"), address("outcomes:impact")),
        NavLink("transparency", _("Transparency"), address("donations:transparency")),
    ]
    if signed_in:
        account = []
        if user.is_official:  # type: ignore[union-attr]
            account.append(NavLink("officials", _("Officials"), address("portal:officials_home")))
            if user.has_role(*QUEUE_ROLES):  # type: ignore[union-attr]
                account.append(
                    NavLink("attention", _("Attention queue"), address("attention:queue"))
                )
        account.append(NavLink("gifts", _("My gifts"), address("donations:donor_home")))
        if student:
            account.append(NavLink("my_visits", _("My visits"), address("volunteers:home")))
        account.append(NavLink("account", _("My account"), address("accounts:home")))
    else:
        account = [
            NavLink("sign_in", _("Sign in"), address("account_login")),
            NavLink("sign_up", _("Sign up"), address("account_signup")),
        ]
    marked = _mark(sections + account, request.path)
    return SiteMenu(
        sections=marked[: len(sections)], account=marked[len(sections) :], signed_in=signed_in
    )


def unprefixed_path(request: HttpRequest) -> str:
    """This page's path in the default language (Indonesian has no prefix, English /en/)."""
    path = escape_uri_path(request.path)
    current = get_language_from_path(request.path_info)
    if current and current != settings.LANGUAGE_CODE:
        path = path[len(current) + 1 :]
    return path


@dataclass(frozen=True)
class PageAddresses:
    canonical: str
    alternates: list[tuple[str, str]]  # (hreflang, address): each language, then x-default


def page_addresses(request: HttpRequest) -> PageAddresses:
    """Absolute addresses of this page: the canonical one and one per language, on
    PORTAL_BASE_URL, never on the Host a request claims."""
    path = unprefixed_path(request)
    kept = [(name, request.GET[name]) for name in CANONICAL_PARAMETERS if request.GET.get(name)]
    query = f"?{urlencode(kept)}" if kept else ""
    base = settings.PORTAL_BASE_URL
    addresses = {
        code: f"{base}{path if code == settings.LANGUAGE_CODE else f'/{code}{path}'}{query}"
        for code, _name in settings.LANGUAGES
    }
    default = addresses[settings.LANGUAGE_CODE]
    current = get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    return PageAddresses(
        canonical=addresses.get(current, default),
        alternates=[*addresses.items(), ("x-default", default)],
    )
