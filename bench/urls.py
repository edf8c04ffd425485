"""URLs of bench/public_pages.py (through bench.settings), and of nothing else.

Every route of the portal, plus ``/bench/bare/``: a view that returns a few bytes without
touching the database or a template. It runs behind the same middleware in the same server,
so it is the floor the public pages are compared with.
"""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as portal_urlpatterns


def bare_view(request):
    return HttpResponse(b"ok\n", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare_view, name="bench_bare"), *portal_urlpatterns]
