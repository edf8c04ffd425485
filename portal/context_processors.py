from django.conf import settings


def portal(request):
    user = getattr(request, "user", None)
    return {
        "PORTAL_ENV": settings.PORTAL_ENV,
        "PRIVACY_NOTICE_VERSION": settings.PRIVACY_NOTICE_VERSION,
        "is_official": bool(user and user.is_authenticated and user.is_official),
    }
