"""``{% site_chrome "top" %}``: the parts of templates/base.html that are the same for everyone
who sees the same menu — the banners, the header and its menu, the footer — rendered once per
process for each set of what they show.

What they show is a fixed few things: the language, the environment's banners, the footer's
addresses and the programme's contact (settings), the stylesheet's icon, and the menu: its
links (which a person's roles choose: a student's visits, an official's links) with the one
marked as this page. The key is all of that, spelled out, so a part is a pure function of its
key: a menu of other links, another marked link, another language or a changed setting is
another entry. None of it is data (nothing a database write could change: only a restart
with new code or settings), so the parts are kept in this process's memory rather than in the
page cache: no round trip to Redis, and the same with Redis down.

What is one person's stays in base.html, around the parts: the sign-out form with its CSRF
token, the messages, the language switch's addresses (this page's path and query string),
the head. A part is rendered from its own template without the request, so no context
processor runs and no CSRF token exists there; a part's template holding ``{% csrf_token %}``
is refused, and a rendered part that holds a token is never kept (docs/architecture.md,
"Front end").
"""

from __future__ import annotations

from django import template
from django.dispatch import receiver
from django.template.defaulttags import CsrfTokenNode
from django.template.loader import get_template
from django.templatetags.static import static
from django.utils.autoreload import file_changed
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from donations.templatetags.donation_tags import payments_sandbox

register = template.Library()

PARTS = {
    "top": "portal/_site_top.html",
    "footer_start": "portal/_site_footer_start.html",
    "footer_end": "portal/_site_footer_end.html",
}
# Languages, the menus people see and the link marked: some hundreds at most. Past this many (a
# setting changed in a test, say) the memory is simply emptied.
MAX_KEPT = 512

_kept: dict[tuple, dict[str, SafeString]] = {}


@receiver(file_changed, dispatch_uid="site_chrome_forget")
def _forget(sender, file_path, **kwargs) -> None:
    # runserver reloads templates it sees edited without restarting (django.template.
    # autoreload): the parts rendered from the old ones go with them.
    if file_path.suffix != ".py":
        _kept.clear()


def _menu_key(menu) -> tuple | None:
    if menu is None:
        return None
    return (
        menu.signed_in,
        *(
            (group, link.key, str(link.label), link.href, link.current)
            for group, links in (("sections", menu.sections), ("account", menu.account))
            for link in links
        ),
    )


def _key(context) -> tuple:
    links = context.get("site_links")
    contact = context.get("contact")
    return (
        get_language(),
        context.get("PORTAL_ENV"),
        payments_sandbox(),
        static("img/icon.svg"),
        tuple(links.items()) if links else None,
        tuple(contact.items()) if contact else None,
        _menu_key(context.get("site_menu")),
    )


def _render(context) -> dict[str, SafeString]:
    shown = {
        "PORTAL_ENV": context.get("PORTAL_ENV"),
        "payments_sandbox_on": payments_sandbox(),
        "site_links": context.get("site_links"),
        "contact": context.get("contact"),
        "site_menu": context.get("site_menu"),
    }
    parts = {}
    for name, template_name in PARTS.items():
        found = get_template(template_name)
        if found.template.nodelist.get_nodes_by_type(CsrfTokenNode):  # type: ignore[attr-defined]
            raise template.TemplateSyntaxError(
                f"{template_name} is kept for everyone: it may not hold a CSRF token"
            )
        parts[name] = found.render(shown)
    return {name: mark_safe(html) for name, html in parts.items()}  # noqa: S308


def site_chrome_parts(context) -> dict[str, SafeString]:
    """The parts for this page's context, from this process's memory when they are there."""
    cached = context.render_context.get("site_chrome")
    if cached is not None:
        return cached
    key = _key(context)
    parts = _kept.get(key)
    if parts is None:
        parts = _render(context)
        # Cannot happen (the parts are rendered without the request), and must not be kept if
        # it ever did: a token is one visitor's. (Asking the context for its token would make
        # one, and set a cookie on a page the page cache must keep.)
        if any("csrfmiddlewaretoken" in html for html in parts.values()):
            raise template.TemplateSyntaxError("a CSRF token reached a part kept for everyone")
        if len(_kept) >= MAX_KEPT:
            _kept.clear()
        _kept[key] = parts
    context.render_context["site_chrome"] = parts
    return parts


@register.simple_tag(takes_context=True)
def site_chrome(context, part: str) -> SafeString:
    return site_chrome_parts(context)[part]
