from django.conf import settings
from django.templatetags.static import static
from django.utils.translation import get_language, get_language_from_path, get_language_info

from core.phones import phone_normalise

from .navigation import OG_LOCALES, page_addresses, site_links, site_menu, unprefixed_path


def _language_links(request) -> list[tuple[str, str, str]]:
    """(code, name in that language, address of this page in that language). Plain links, not
    a form: every page has an address per language (Indonesian unprefixed, English under
    /en/), and a form would put a CSRF cookie on every public page, which no cache may keep."""
    path = request.get_full_path()
    current = get_language_from_path(request.path_info)
    if current and current != settings.LANGUAGE_CODE:
        path = path[len(current) + 1 :]
    links = []
    for code, _name in settings.LANGUAGES:
        href = path if code == settings.LANGUAGE_CODE else f"/{code}{path}"
        links.append((code, get_language_info(code)["name_local"], href))
    return links


def _contact() -> dict[str, str]:
    phone = settings.PORTAL_CONTACT_PHONE
    return {
        "email": settings.PORTAL_CONTACT_EMAIL,
        "phone": phone,
        "phone_href": f"tel:{phone_normalise(phone) or ''.join(phone.split())}" if phone else "",
    }


def _og(language: str) -> dict[str, object]:
    return {
        "locale": OG_LOCALES.get(language, OG_LOCALES[settings.LANGUAGE_CODE]),
        "alternate_locales": [v for k, v in OG_LOCALES.items() if k != language],
        "image": settings.PORTAL_BASE_URL + static(f"img/og-default-{language}.png"),
    }


def portal(request):
    user = getattr(request, "user", None)
    language = get_language() or settings.LANGUAGE_CODE
    return {
        "PORTAL_ENV": settings.PORTAL_ENV,
        "PRIVACY_NOTICE_VERSION": settings.PRIVACY_NOTICE_VERSION,
        "is_official": bool(user and user.is_authenticated and user.is_official),
        "language_links": _language_links(request),
        "site_menu": site_menu(request),
        "site_links": site_links(),
        "page_addresses": page_addresses(request),
        "og": _og(language if language in OG_LOCALES else settings.LANGUAGE_CODE),
        "contact": _contact(),
        # Officials work in tables: their pages (all under /petugas/) get a desktop's width.
        "wide_layout": unprefixed_path(request).startswith("/petugas/"),
    }
