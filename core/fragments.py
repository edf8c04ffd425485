"""Cached fragments of the public pages: the parts that are the same for everyone.

The whole-page cache (core.pagecache) serves only visitors who send no cookie but harmless ones.
Everybody else — a signed-in donor or student, a visitor with a message waiting — gets the page
rendered, and most of that page (a listing's cards, a person's story and figures) is
the same for all of them. ``cached_fragments`` keeps such parts, rendered, in the page cache's
alias under a key that carries:

- the versions of what they show (their scopes: ``LISTS`` and the rows up to the page's last
  for the listings, ``listing(public_id)`` for a person's page, and ``SITE`` always: see
  ``core.pagecache``), so that a withdrawn or edited person leaves a fragment at once, as they
  leave a cached page;
- the language and the WIB day, since the figures are this month's and the dates are read in
  WIB;
- whatever else the fragment varies on (the page's query string, a listing's public id).

A fragment is rendered without the request (``render_to_string`` with no request runs no
context processor), so it cannot hold a CSRF token, a session's messages or a signed-in
person's name: the per-person parts of a page stay outside, in the page's own template. When
the cache is unreachable the fragments are simply built (docs/architecture.md, "Redis down").
"""

import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping

from django.conf import settings
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from . import pagecache

logger = logging.getLogger(__name__)

Fragments = Mapping[str, SafeString]


def cached_fragments(
    name: str,
    *,
    scopes: Iterable[str],
    vary: Iterable[str] | None,
    build: Callable[[], Mapping[str, str]],
) -> Fragments:
    """The fragments ``build`` renders (name → HTML), from the cache when they are there, under
    the versions of ``scopes``; ``vary=None`` renders without keeping them (an address the
    cache must not be filled with).

    ``build`` may raise (Http404 for a listing no longer public): nothing is cached then."""
    seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
    if seconds <= 0 or vary is None:
        return _safe(build())
    # As the page cache does: one entry per fragment and address, holding the versions it was
    # built under, read with the versions in one round trip.
    key = "fragment:{}:{}:{}:{}".format(
        name,
        translation.get_language(),
        timezone.localdate().isoformat(),
        hashlib.sha256("\0".join(vary).encode()).hexdigest(),
    )
    try:
        versions, found, current = pagecache.lookup(list(scopes), key)
        if (
            isinstance(found, tuple)
            and len(found) == 3
            and found[0] == versions
            and current(found[1])
        ):
            # A page being cached around this fragment depends on what it does.
            pagecache.served_from_entry(pagecache._loaded(found[1]))
            return _safe(found[2])
    except Exception:
        logger.warning("fragment cache unavailable", exc_info=True)
        # Built without its versions: a page around it must not be stored either.
        pagecache.cannot_store()
        return _safe(build())
    with pagecache.building_entry() as built:
        fragments = _safe(build())
    dependencies = pagecache.entry_dependencies(built)
    if dependencies is not None:
        try:
            entry = (
                versions,
                pagecache._stored(dependencies),
                {k: str(v) for k, v in fragments.items()},
            )
            pagecache._cache().set(key, entry, seconds)
        except Exception:
            logger.warning("fragment cache unavailable", exc_info=True)
        else:
            pagecache.remember(key, dependencies)
    return fragments


def _safe(fragments: Mapping[str, str]) -> Fragments:
    # Rendered by our own templates, which escaped what they show.
    return {name: mark_safe(html) for name, html in fragments.items()}  # noqa: S308
