"""A Redis cache that keeps the portal working while Redis is down.

docs/architecture.md, "Redis down": pages render, sign-in and sign-up work, and every rate limit
falls back to a per-process limit, never to "no limit" and never to an error page. The rate
limits (allauth's, the report forms', DRF's) and allauth's TOTP used-code marker all live in the
default cache, so the default cache is where the fallback belongs: ``FallbackRedisCache``
answers from this process's memory when Redis cannot be reached.

A circuit breaker, one per Redis address and process, stops asking Redis for
``retry_seconds`` after a failure: a Redis that times out would otherwise cost every request a
connect timeout per cache call. After that pause the next call tries Redis again; when it
answers, the cache is Redis's again (what was counted in memory meanwhile is left to expire).

With ``"fallback": False`` (the anonymous page cache) an open breaker raises
``CacheUnavailable`` at once instead: a page cached in one process's memory would not be
invalidated by a change made in another, so that caller renders instead.

Options of its own, in ``OPTIONS`` beside redis-py's: ``fallback`` (default true),
``retry_seconds`` (default 5), ``fallback_max_entries`` (default 10 000: the in-memory
cache must not cull rate-limit counters under a flood of addresses).
"""

import logging
import threading
import time
from urllib.parse import urlsplit

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

logger = logging.getLogger(__name__)

# What "Redis cannot be reached" means; a wrong command or a full memory is still an error.
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class CacheUnavailable(redis.exceptions.ConnectionError):
    """Redis failed a moment ago and is not asked again yet."""


class Breaker:
    """Whether to ask Redis now. Django makes one cache object per thread, so the state lives
    here, shared by every thread of the process (and by every alias on the same Redis)."""

    def __init__(self, address: str, retry_seconds: float):
        self.address = address
        self.retry_seconds = retry_seconds
        self._lock = threading.Lock()
        self._retry_at = 0.0
        self._down = False

    def allows(self) -> bool:
        return time.monotonic() >= self._retry_at

    def failed(self, error: BaseException) -> None:
        with self._lock:
            self._retry_at = time.monotonic() + self.retry_seconds
            first, self._down = not self._down, True
        if first:  # once per outage, not once per request
            logger.warning(
                "Redis at %s does not answer (%s): the cache falls back for now, "
                "trying again every %s s",
                self.address,
                error,
                self.retry_seconds,
            )

    def succeeded(self) -> None:
        if not self._down:
            return
        with self._lock:
            was_down, self._down, self._retry_at = self._down, False, 0.0
        if was_down:
            logger.warning("Redis at %s answers again: the cache uses it again", self.address)


_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(location: str, retry_seconds: float) -> Breaker:
    # Only host and port: the address may carry a password, and it goes into the log.
    address = ", ".join(
        f"{parts.hostname}:{parts.port or 6379}"
        for parts in (urlsplit(url) for url in location.replace(";", ",").split(","))
    )
    with _breakers_lock:
        if address not in _breakers:
            _breakers[address] = Breaker(address, retry_seconds)
        return _breakers[address]


class KeptClient(RedisCacheClient):
    """Django's Redis client builds a new ``redis.Redis`` around its connection pool for every
    cache call: a fifth of a millisecond of CPU each, more than the page cache's whole answer
    costs otherwise. A ``redis.Redis`` is safe to share (the pool hands out connections), so
    one is kept per pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, redis.Redis] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        params = {**params, "OPTIONS": dict(params.get("OPTIONS", {}))}
        own = params["OPTIONS"]
        self._fallback_enabled = bool(own.pop("fallback", True))
        retry_seconds = float(own.pop("retry_seconds", 5))
        max_entries = int(own.pop("fallback_max_entries", 10_000))
        super().__init__(server, params)
        self._class = KeptClient
        location = server if isinstance(server, str) else ",".join(server)
        self._params = params
        self.breaker = breaker_for(location, retry_seconds)
        self._fallback = LocMemCache(
            f"redis-fallback:{location}:{params.get('KEY_PREFIX', '')}",
            {
                "TIMEOUT": params.get("TIMEOUT", DEFAULT_TIMEOUT),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "OPTIONS": {"MAX_ENTRIES": max_entries},
            },
        )

    # Django makes and validates a key on every call, and the validation walks the key's
    # characters: for a cached list page's sixteen keys that was a sixth of the hit. What it
    # gives is a function of the key and version alone, so it is worked out once per process
    # (bounded: emptied past this many keys).
    MADE_KEYS_MAX = 20_000

    @cached_property
    def _made_keys(self) -> dict[tuple[str, int | None], str]:
        return {}

    def make_and_validate_key(self, key, version=None):
        made = self._made_keys.get((key, version))
        if made is None:
            made = super().make_and_validate_key(key, version=version)
            if len(self._made_keys) >= self.MADE_KEYS_MAX:
                self._made_keys.clear()
            self._made_keys[(key, version)] = made
        return made

    @cached_property
    def redis_only(self) -> RedisCache:
        """The same Redis without fallback or breaker: for the health check, which must say
        when Redis is down even though the portal keeps working."""
        return RedisCache(self._servers, self._params)  # type: ignore[attr-defined]

    def _call(self, name: str, *args, **kwargs):
        if self.breaker.allows():
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except UNREACHABLE as error:
                self.breaker.failed(error)
                if not self._fallback_enabled:
                    raise
            else:
                self.breaker.succeeded()
                return result
        elif not self._fallback_enabled:
            raise CacheUnavailable(f"Redis at {self.breaker.address} failed a moment ago")
        return getattr(self._fallback, name)(*args, **kwargs)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout=timeout, version=version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default=default, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout=timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout=timeout, version=version)

    def delete(self, key, version=None):
        return self._call("delete", key, version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version=version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta=delta, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout=timeout, version=version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version=version)

    def clear(self):
        # What was counted in memory during an outage goes too: "clear" means all of it.
        self._fallback.clear()
        return self._call("clear")
