from django.conf import settings
from django.utils.translation import get_language_from_path, get_language_info


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


def portal(request):
    user = getattr(request, "user", None)
    return {
        "PORTAL_ENV": settings.PORTAL_ENV,
        "PRIVACY_NOTICE_VERSION": settings.PRIVACY_NOTICE_VERSION,
        "is_official": bool(user and user.is_authenticated and user.is_official),
        "language_links": _language_links(request),
    }
