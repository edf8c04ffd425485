"""Rate limits per visitor address, kept in the cache (no third-party service). Shared by
every anonymous door that costs the portal work: the report forms, and the uploads whose
cleaning decodes a picture or renders a PDF.

The visitor's address is only ever a keyed hash in a cache key that expires with its window:
the portal stores no IP address (docs/data-protection.md).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac


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
    # Keyed (under SECRET_KEY) so that the cache never holds anything an address could be
    # tested against; core sits below accounts, hence Django's HMAC and not accounts.pii.
    digest = salted_hmac("core.throttle", value, algorithm="sha256").hexdigest()[:32]
    return f"rate:{scope}:{digest}:{bucket}"


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


def address_limited(request, *, scope: str, limit: int, window_seconds: int = 3600) -> bool:
    """Whether the visitor's address has used up ``scope``'s ``limit`` in this window."""
    return rate_exceeded(
        scope=scope, value=client_address(request), limit=limit, window_seconds=window_seconds
    )


def address_spend(request, *, scope: str, window_seconds: int = 3600) -> None:
    rate_spend(scope=scope, value=client_address(request), window_seconds=window_seconds)
