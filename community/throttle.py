"""Rate limits of the public report forms, kept in the cache (no third-party service).

The visitor's address is only ever a keyed hash in a cache key that expires with its window:
the portal stores no IP address (docs/data-protection.md).
"""

import time

from django.conf import settings
from django.core.cache import cache

from accounts.pii import keyed_hash


def client_address(request) -> str:
    """The visitor's address: REMOTE_ADDR, or the address the trusted proxies saw."""
    trusted = settings.ALLAUTH_TRUSTED_PROXY_COUNT
    if trusted:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= trusted:
            return forwarded[-trusted]
    return request.META.get("REMOTE_ADDR", "")


def _key(scope: str, value: str, window: int) -> str:
    bucket = int(time.time()) // window
    return f"community:rate:{scope}:{keyed_hash(f'rate:{value}')[:32]}:{bucket}"


def rate_exceeded(*, scope: str, value: str, limit: int, window_seconds: int) -> bool:
    """Whether ``value`` has already used its ``limit`` within the current window (read
    only: a refused form spends nothing)."""
    return (cache.get(_key(scope, value, window_seconds)) or 0) >= limit


def rate_spend(*, scope: str, value: str, window_seconds: int) -> int:
    """Count one use of ``value`` in the current window; the count so far."""
    key = _key(scope, value, window_seconds)
    cache.add(key, 0, timeout=window_seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        return 1


def address_limited(request) -> bool:
    return rate_exceeded(
        scope="reports",
        value=client_address(request),
        limit=settings.COMMUNITY_REPORTS_PER_IP_PER_HOUR,
        window_seconds=3600,
    )


def address_spend(request) -> None:
    rate_spend(scope="reports", value=client_address(request), window_seconds=3600)
