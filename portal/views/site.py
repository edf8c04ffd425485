"""Files asked for at fixed addresses, outside the languages: /favicon.ico.

Browsers and feed readers ask for /favicon.ico whatever a page's <link rel="icon"> says; the
answer is the committed file (drawn by bench/draw_site_images.py), read once per process.
"""

from functools import cache

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

FAVICON = settings.BASE_DIR / "static" / "img" / "favicon.ico"


@cache
def _favicon() -> bytes:
    return FAVICON.read_bytes()


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request):
    return HttpResponse(_favicon(), content_type="image/x-icon")
