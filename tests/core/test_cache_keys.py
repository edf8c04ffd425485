"""The Redis cache works a key out once per process: the same key Django would make, its
warnings still given, and the memory of keys bounded (core.cache.FallbackRedisCache)."""

import pytest
from django.core.cache.backends.base import CacheKeyWarning
from django.core.cache.backends.redis import RedisCache

from core.cache import FallbackRedisCache

PARAMS = {"KEY_PREFIX": "rk-pages", "VERSION": 3, "OPTIONS": {"fallback": False}}
URL = "redis://127.0.0.1:1/0"  # never connected to: making keys needs no server


def test_a_key_is_the_one_django_makes():
    ours = FallbackRedisCache(URL, PARAMS)
    django = RedisCache(URL, {k: v for k, v in PARAMS.items() if k != "OPTIONS"})
    for key in ("public-pages:v:site", "public-page:id:abc", "x" * 200):
        for version in (None, 1, 7):
            for _ in range(2):  # worked out, then remembered
                made = ours.make_and_validate_key(key, version=version)
                assert made == django.make_and_validate_key(key, version=version)


def test_a_key_memcached_would_refuse_is_still_warned_about():
    with pytest.warns(CacheKeyWarning):
        FallbackRedisCache(URL, PARAMS).make_and_validate_key("a key with spaces")


def test_the_keys_remembered_are_bounded():
    cache = FallbackRedisCache(URL, PARAMS)
    cache.MADE_KEYS_MAX = 3
    for n in range(10):
        cache.make_and_validate_key(f"key:{n}")
        assert len(cache._made_keys) <= 3
    assert cache.make_and_validate_key("key:9") == RedisCache(URL, PARAMS).make_key("key:9")
