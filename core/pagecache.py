"""Whole-page cache of the anonymous public site.

The public listing pages are read far more than they change, and rendering one costs some
twenty times a bare response. A page is cached only for a visitor who sends no cookie at all
(no session, no message waiting), only when the answer is a 200 that sets no cookie, under a
key that carries a version number: ``public_pages_changed`` raises the version whenever what
the public may see changes (a listing published, withdrawn, suspended, reached, erased, its
profile or photo edited), so a withdrawn person leaves the site at once, not after a timeout.
When the cache (Redis) is unreachable, pages are simply rendered (docs/architecture.md, "Redis
down"). A HEAD is answered from the entry of the GET of the same address, and fills it when
it is missing: the view renders both alike, and the server sends no body with a HEAD.

The pages live in their own cache alias, ``pages``, which never falls back to process memory
(core.cache): a copy in one process would not see another process raise the version.
"""

import hashlib
import logging
import threading
import time
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.utils import translation

logger = logging.getLogger(__name__)

VERSION_KEY = "public-pages:version"
ALIAS = "pages"

# A change made while Redis was down could not raise the version, and Redis comes back holding
# the pages cached before: this process raises it as soon as Redis answers again.
_bump_missed = threading.Event()


def _cache():
    return caches[ALIAS]


def _version() -> int:
    if _bump_missed.is_set():
        _bump()
    cache = _cache()
    cache.add(VERSION_KEY, 1, timeout=None)
    return cache.get(VERSION_KEY) or 1


def _bump() -> None:
    cache = _cache()
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:
            # The key was evicted: a value no earlier version can have had leaves old pages
            # behind.
            cache.set(VERSION_KEY, time.time_ns(), timeout=None)
    except Exception:
        _bump_missed.set()
        logger.warning("could not invalidate the public page cache", exc_info=True)
    else:
        _bump_missed.clear()


def public_pages_changed() -> None:
    """What the public may see has changed. The version is raised now (so this transaction's
    own later reads miss the cache) and again when the transaction commits (so a page another
    request rendered from the old data in between is never served)."""
    _bump()
    transaction.on_commit(_bump)


def cache_public_page(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
        # HEAD shares GET's entry: it is the same page, whose body the server leaves out.
        if seconds <= 0 or request.method not in ("GET", "HEAD") or request.COOKIES:
            return view(request, *args, **kwargs)
        try:
            key = "public-page:{}:{}:{}".format(
                _version(),
                translation.get_language(),
                hashlib.sha256(
                    f"{request.get_host()}{request.get_full_path()}".encode()
                ).hexdigest(),
            )
            cached = _cache().get(key)
        except Exception:
            logger.warning("public page cache unavailable", exc_info=True)
            return view(request, *args, **kwargs)
        if cached is not None:
            return cached
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies and not response.streaming:
            if hasattr(response, "render") and callable(response.render):
                response.render()
            try:
                _cache().set(key, response, seconds)
            except Exception:
                logger.warning("public page cache unavailable", exc_info=True)
        return response

    return wrapper
