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
- ``LISTS``: the pages that list people (home, ``/lansia/``) in any way a change can reorder
  them all (money given back: a person moves up the list);
- ``PROGRESS``: every person's money, for the list pages too deep to be keyed on their rows;
- ``LEDGER``: the public accounts (transparency, the impact page's money);
- ``IMPACT``: the published outcome figures and targets;
- ``listing(public_id)``: one person's page, and their row on every list.

A gift to one person raises ``LEDGER``, ``PROGRESS`` and that person's scope; a gift to the fund
only ``LEDGER``: the other people's pages stay cached. A scope's version starts at the time in
nanoseconds, so a version evicted from Redis never comes back to a value an old entry carries.

Lists: a list page (in any order and filter) changes when a gift reaches someone on it *or
before it*: "least funded first" moves the person given to back, and everyone between moves up
a row. Someone after the page only moves further back. So a list page's entry carries, besides
its scopes, the versions of everyone from the list's first row to the page's last
(``depends_on_list``): a gift to one of them empties it, a gift to anyone else leaves it served.
That holds only while a gift can move a person back and never forward, so whatever lowers a
person's money (a refund, a dispute) raises ``LISTS``, and a page deeper than
``LIST_PREFIX_MAX`` rows is keyed on ``PROGRESS`` instead. The rows are read before the page
is rendered and again after: a page whose list moved meanwhile is served but not stored.

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
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
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
PROGRESS = "progress"
LEDGER = "ledger"
IMPACT = "impact"

# The deepest row a list page is keyed on row by row (five pages of twelve); deeper pages are
# keyed on PROGRESS.
LIST_PREFIX_MAX = 60


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
    versions, found = _read([SITE, *scopes], also=also)
    return versions, found


def _read(scopes: Iterable[str], *, also: str | None = None) -> tuple[list[int], object]:
    cache = _cache()
    keys = [_key(scope) for scope in dict.fromkeys(scopes)]
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


@dataclass(frozen=True)
class Dependency:
    """What else an entry was rendered under: the versions of ``scopes`` (read before the
    render), and whether what they were chosen by still holds after it."""

    scopes: tuple[str, ...]
    versions: tuple[int, ...]
    holds: Callable[[], bool]


# The dependencies of the entry being built (a page, a fragment), while its view renders.
_building: ContextVar[list[Dependency] | None] = ContextVar("pagecache_building", default=None)


def _never() -> bool:
    return False


def _always() -> bool:
    return True


def depends_on_list(rows: Callable[[], Sequence[str] | None]) -> None:
    """The page being built lists people: ``rows`` gives the public ids of the list's rows from
    its first to the page's last, in its order (None: deeper than ``LIST_PREFIX_MAX``). Their
    versions are read now, before the page is rendered, and ``rows`` is asked again after: the
    entry is stored only when the list has not moved in between. Nothing happens when nothing is
    being cached."""
    building = _building.get()
    if building is None:
        return
    try:
        first = rows()
        first = tuple(first) if first is not None else None
        scopes = (PROGRESS,) if first is None else tuple(listing(row) for row in first)
        versions = tuple(_read(scopes)[0])
    except Exception:
        logger.warning("public page cache unavailable", exc_info=True)
        cannot_store()
        return

    def holds() -> bool:
        again = rows()
        return (tuple(again) if again is not None else None) == first

    building.append(Dependency(scopes, versions, holds))


def cannot_store() -> None:
    """The entry being built (if any) must not be stored: part of it was built without its
    versions."""
    building = _building.get()
    if building is not None:
        building.append(Dependency((), (), _never))


def _still_current(dependencies: Sequence[Dependency]) -> bool:
    """Whether the versions an entry's dependencies were read at are the versions now."""
    scopes = [scope for dependency in dependencies for scope in dependency.scopes]
    if not scopes:
        return True
    now = _cache().get_many([_key(scope) for scope in scopes])
    return all(
        now.get(_key(scope)) == version
        for dependency in dependencies
        for scope, version in zip(dependency.scopes, dependency.versions, strict=True)
    )


class building_entry:
    """Collects the dependencies of an entry while it is built (``with building_entry() as
    found``); those of an entry built inside it (a fragment in a page) are its own too."""

    def __enter__(self) -> list[Dependency]:
        self._found: list[Dependency] = []
        self._token = _building.set(self._found)
        return self._found

    def __exit__(self, *exc_info) -> None:
        _building.reset(self._token)
        outer = _building.get()
        if outer is not None:
            outer.extend(self._found)


def served_from_entry(dependencies: Sequence[Dependency]) -> None:
    """An entry was served inside another one being built (a cached fragment in a page): the
    outer entry depends on what it did, at the versions just checked."""
    building = _building.get()
    if building is not None:
        building.extend(Dependency(d.scopes, d.versions, _always) for d in dependencies)


def entry_dependencies(found: Sequence[Dependency]) -> tuple[Dependency, ...] | None:
    """What to store with an entry built under ``found``; None when it must not be stored (its
    list moved while it rendered, or the cache failed)."""
    if not all(dependency.holds() for dependency in found):
        return None
    return tuple(Dependency(d.scopes, d.versions, _always) for d in found)


Stored = tuple[tuple[tuple[str, ...], tuple[int, ...]], ...]


def _stored(dependencies: Sequence[Dependency]) -> Stored:
    return tuple((d.scopes, d.versions) for d in dependencies)


def _loaded(stored: Stored) -> tuple[Dependency, ...]:
    return tuple(Dependency(tuple(scopes), tuple(versions), _always) for scopes, versions in stored)


# Which rows each entry this process has seen depends on (public ids, never versions nor
# content), so that a hit reads their versions in the same round trip as the entry's.
_remembered: dict[str, tuple[str, ...]] = {}
_REMEMBERED_MAX = 4096


def remember(key: str, dependencies: Sequence[Dependency]) -> None:
    if len(_remembered) >= _REMEMBERED_MAX:
        _remembered.clear()
    _remembered[key] = tuple(scope for dependency in dependencies for scope in dependency.scopes)


def lookup(scopes: Sequence[str], key: str) -> tuple[list[int], object, Callable[[Stored], bool]]:
    """The versions of SITE and ``scopes``, the entry under ``key``, and a check of the entry's
    other dependencies (its rows) at their versions now. One round trip when this process has
    seen the entry before (``remember``); a second one for the rows otherwise."""
    own = list(dict.fromkeys([SITE, *scopes]))
    remembered = [scope for scope in dict.fromkeys(_remembered.get(key, ())) if scope not in own]
    versions, found = _versions([*own, *remembered], also=key)
    known = dict(zip([*own, *remembered], versions, strict=True))

    def current(stored: Stored) -> bool:
        dependencies = _loaded(stored)
        remember(key, dependencies)
        if all(scope in known for d in dependencies for scope in d.scopes):
            return all(
                known[scope] == version
                for d in dependencies
                for scope, version in zip(d.scopes, d.versions, strict=True)
            )
        return _still_current(dependencies)

    return [known[scope] for scope in own], found, current


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
                versions, cached, current = lookup(
                    [scope(**kwargs) if callable(scope) else scope for scope in scopes], key
                )
                if (
                    isinstance(cached, tuple)
                    and len(cached) == 5
                    and cached[0] == versions
                    and current(cached[1])
                ):
                    _stored_under, _rows, status, headers, content = cached
                    return HttpResponse(content, status=status, headers=headers)
            except Exception:
                logger.warning("public page cache unavailable", exc_info=True)
                return view(request, *args, **kwargs)
            with building_entry() as found:
                response = view(request, *args, **kwargs)
                storable = _storable(request, response)
                if storable and hasattr(response, "render") and callable(response.render):
                    response.render()
            if storable:
                dependencies = entry_dependencies(found)
                if dependencies is not None:
                    entry = (
                        versions,
                        _stored(dependencies),
                        response.status_code,
                        dict(response.items()),
                        response.content,
                    )
                    try:
                        _cache().set(key, entry, seconds)
                    except Exception:
                        logger.warning("public page cache unavailable", exc_info=True)
                    else:
                        remember(key, dependencies)
            return response

        return wrapper

    return decorator
