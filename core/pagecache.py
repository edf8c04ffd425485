"""Whole-page cache of the anonymous public site.

The public pages are read far more than they change, and rendering one costs many times a bare
response. A page is served from the cache only to a visitor the page does not depend on: one
who sends no cookie, or only cookies that do not change the page (``HARMLESS_COOKIES``: the CSRF
cookie a give form leaves behind, the language cookie, which the key carries anyway). A session
or a ``messages`` cookie always bypasses it. A page is stored only when it is the same for every
such visitor: a 200 that sets no cookie and holds no CSRF token (a form's token belongs to one
visitor), rendered from an address without tracking parameters.

Addresses: ``utm_*``, ``fbclid`` and ``gclid`` (a link shared on WhatsApp or Facebook gains
them) are taken off the request before the view sees it, so the shared link is rendered, stored
and served as the plain one (its links, such as the language switch, carry no trace of them).
Any other parameter the view does not name (``params``) makes the request bypass the cache, so
random query strings cannot fill Redis.

Versions: each entry's key carries the versions of what the page shows (its *scopes*), raised by
``public_pages_changed(*scopes)``, so a withdrawn person leaves the site at once, not after a
timeout:

- ``SITE``: everything; every page carries it. Raised by a change whose reach is wide or unknown
  (a listing published, withdrawn, suspended, reached, erased, its profile or photo edited: a
  person can appear on any public page);
- ``LISTS``: the pages that list people (home, ``/lansia/``) with their progress and order;
- ``LEDGER``: the public accounts (transparency, the impact page's money);
- ``IMPACT``: the published outcome figures and targets;
- ``listing(public_id)``: one person's page.

A gift to one person raises ``LEDGER``, ``LISTS`` and that person's scope; a gift to the fund only
``LEDGER``: the other people's pages stay cached. A scope's version starts at the time in
nanoseconds, so a version evicted from Redis never comes back to a value an old entry carries.

When the cache (Redis) is unreachable, pages are simply rendered (docs/architecture.md, "Redis
down"); a change made meanwhile could not raise its version, so this process raises ``SITE`` as
soon as Redis answers again. A HEAD is answered from the entry of the GET of the same address,
and fills it when it is missing: the view renders both alike, and the server sends no body with
a HEAD.

The pages live in their own cache alias, ``pages``, which never falls back to process memory
(core.cache): a copy in one process would not see another process raise a version.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpResponse
from django.utils import translation

logger = logging.getLogger(__name__)

ALIAS = "pages"

SITE = "site"
LISTS = "lists"
LEDGER = "ledger"
IMPACT = "impact"


def listing(public_id: str) -> str:
    """The scope of one person's public page."""
    return f"listing:{public_id}"


# The cookies that do not change a public page: the one list (docs/architecture.md, "The page
# cache"). The session and messages cookies are never among them.
HARMLESS_COOKIES = frozenset({settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}) - {
    settings.SESSION_COOKIE_NAME,
    "messages",
}

# Added by links shared on social media and messengers; they change nothing on the page.
TRACKING_PARAMS = frozenset({"fbclid", "gclid"})
TRACKING_PREFIX = "utm_"

# A change made while Redis was down could not raise its version, and Redis comes back holding
# the pages cached before: this process raises SITE as soon as Redis answers again.
_bump_missed = threading.Event()


def _cache():
    return caches[ALIAS]


def _key(scope: str) -> str:
    return f"public-pages:v:{scope}"


def _versions(scopes: Iterable[str], *, also: str | None = None) -> tuple[list[int], object]:
    """The versions of SITE and ``scopes``, and the value under ``also``, in one round trip."""
    if _bump_missed.is_set():
        _bump([SITE])
    cache = _cache()
    keys = [_key(scope) for scope in dict.fromkeys([SITE, *scopes])]
    found = cache.get_many([*keys, also] if also else keys)
    for key in keys:
        if found.get(key) is None:
            # The first read, or the key was evicted: a value no earlier version can have had.
            cache.add(key, time.time_ns(), timeout=None)
            found[key] = cache.get(key)
    return [found[key] or 0 for key in keys], found.get(also) if also else None


def versions_token(scopes: Iterable[str] = ()) -> str:
    """A short text that changes whenever one of ``scopes`` (or SITE) changes: for the keys of
    whatever is cached of the public pages, fragments included. Raises when the cache is down."""
    return ".".join(str(version) for version in _versions(scopes)[0])


def _bump(scopes: Iterable[str]) -> None:
    cache = _cache()
    try:
        for scope in dict.fromkeys(scopes):
            try:
                cache.incr(_key(scope))
            except ValueError:
                # The key was evicted: a value no earlier version can have had leaves old
                # pages behind.
                cache.set(_key(scope), time.time_ns(), timeout=None)
    except Exception:
        _bump_missed.set()
        logger.warning("could not invalidate the public page cache", exc_info=True)
    else:
        _bump_missed.clear()


def public_pages_changed(*scopes: str) -> None:
    """What the public may see in ``scopes`` has changed (no scope: anything may have, SITE).
    The versions are raised now (so this transaction's own later reads miss the cache) and
    again when the transaction commits (so a page another request rendered from the old data
    in between is never served)."""
    chosen = list(scopes) or [SITE]
    _bump(chosen)
    transaction.on_commit(lambda: _bump(chosen))


def _cacheable_visitor(request) -> bool:
    return HARMLESS_COOKIES.issuperset(request.COOKIES)


def _address(request, params: frozenset[str]) -> str | None:
    """The query string of the key (the page's parameters, sorted), with any tracking
    parameters taken off the request; None when it has a parameter the page does not know."""
    kept: list[tuple[str, str]] = []
    tracked = False
    for name in request.GET:
        if name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIX):
            tracked = True
        elif name in params:
            kept.extend((name, value) for value in request.GET.getlist(name))
        else:
            return None
    if tracked:
        untracked = request.GET.copy()
        for name in list(untracked):
            if name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIX):
                del untracked[name]
        untracked._mutable = False
        request.GET = untracked
        request.META["QUERY_STRING"] = untracked.urlencode()
    return urlencode(sorted(kept))


def _storable(request, response) -> bool:
    return (
        response.status_code == 200
        and not response.cookies
        and not response.streaming
        # The page holds a CSRF token: that visitor's, never another's.
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def cache_public_page(*scopes: str | Callable[..., str], params: Iterable[str] = ()) -> Callable:
    """Cache a public view's page for the visitors it does not depend on, under the versions of
    ``scopes`` (SITE always; a callable scope is given the view's URL arguments, as
    ``listing`` is a ``public_id``); ``params`` names the query parameters the page reads."""
    known = frozenset(params)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
            # HEAD shares GET's entry: it is the same page, whose body the server leaves out.
            if (
                seconds <= 0
                or request.method not in ("GET", "HEAD")
                or not _cacheable_visitor(request)
            ):
                return view(request, *args, **kwargs)
            query = _address(request, known)
            if query is None:
                return view(request, *args, **kwargs)
            # One entry per address and language, holding the versions it was rendered under:
            # the versions and the entry come in one round trip, and an entry of older versions
            # is a miss (and is overwritten, so old pages do not pile up in Redis).
            key = "public-page:{}:{}".format(
                translation.get_language(),
                hashlib.sha256(f"{request.get_host()}{request.path}?{query}".encode()).hexdigest(),
            )
            try:
                versions, cached = _versions(
                    (scope(**kwargs) if callable(scope) else scope for scope in scopes), also=key
                )
            except Exception:
                logger.warning("public page cache unavailable", exc_info=True)
                return view(request, *args, **kwargs)
            if isinstance(cached, tuple) and cached[0] == versions:
                _stored_under, status, headers, content = cached
                return HttpResponse(content, status=status, headers=headers)
            response = view(request, *args, **kwargs)
            if _storable(request, response):
                if hasattr(response, "render") and callable(response.render):
                    response.render()
                entry = (versions, response.status_code, dict(response.items()), response.content)
                try:
                    _cache().set(key, entry, seconds)
                except Exception:
                    logger.warning("public page cache unavailable", exc_info=True)
            return response

        return wrapper

    return decorator
