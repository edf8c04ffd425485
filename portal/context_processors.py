from django.conf import settings
from django.utils.translation import get_language_from_path


def _path_in_default_language(request) -> str:
    # Django's set_language view resolves `next` in the default language (its own URL has no
    # language prefix), so /en/privasi/ would not resolve and a switch back to Indonesian would
    # stay on the English page. Handing it the unprefixed path works in both directions.
    path = request.get_full_path()
    language = get_language_from_path(request.path_info)
    if language and language != settings.LANGUAGE_CODE:
        path = path[len(language) + 1 :]
    return path


def portal(request):
    user = getattr(request, "user", None)
    return {
        "PORTAL_ENV": settings.PORTAL_ENV,
        "PRIVACY_NOTICE_VERSION": settings.PRIVACY_NOTICE_VERSION,
        "is_official": bool(user and user.is_authenticated and user.is_official),
        "language_switch_next": _path_in_default_language(request),
    }
