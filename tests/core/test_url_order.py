"""The order of config/urls.py is for speed only (the public pages first: Django tries every
route before the one asked for): no route may hide another, so that moving one changes no
match. Each route is resolved from a sample of its own path (in Indonesian, the default,
whose paths carry no prefix; English only adds ``/en/`` in front of the same list)."""

import re

from django.urls import URLResolver, get_resolver

SAMPLES = {
    "int": "7",
    "str": "abcDEF123xyz",
    "slug": "a-slug",
    "path": "a/b.png",
    "uuid": "12345678-1234-5678-1234-567812345678",
}


def routes(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from routes(pattern, prefix + route)
        elif pattern.name and "(" not in route and "[" not in route:
            yield prefix + route, pattern


def sample(route: str) -> str:
    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES[m.group(1) or "str"], route)


def test_every_route_is_found_by_its_own_path_whatever_comes_before_it():
    checked, hidden = 0, []
    for route, pattern in routes(get_resolver()):
        found = get_resolver().resolve(sample(route))
        checked += 1
        if found.func is not pattern.callback and found.url_name != pattern.name:
            hidden.append((route, found.route))
    assert checked > 200 and not hidden
