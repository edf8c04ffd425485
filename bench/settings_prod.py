"""Settings of the benchmarks' production shape (``--shape prod``), and of nothing else.

The benchmarks' settings (``bench.settings``: the portal's own, plus the bare view to compare
with), run with ``PORTAL_ENV=test``, DEBUG off, Celery not eager (its broker the benchmark's
own Redis) and keys the benchmark generates for the run, changed where production differs:

- the caches are production's (``redis_caches``: Redis, the default cache falling back to
  process memory, the page cache not), and anonymous pages are cached as in production;
- database connections are kept as in production (``CONN_MAX_AGE`` 60 s, health-checked).
"""

from bench.settings import *  # noqa: F403
from bench.settings import DATABASES
from config.settings import REDIS_URL, redis_caches

if not REDIS_URL:
    raise RuntimeError("the production shape needs REDIS_URL (the benchmark's own Redis)")

CACHES = redis_caches(REDIS_URL)
PUBLIC_PAGE_CACHE_SECONDS = 300
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
