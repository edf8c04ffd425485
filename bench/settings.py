"""Settings of bench/public_pages.py, and of nothing else: it exists only for that benchmark.

The portal's own settings (``config.settings``, driven by the environment as usual), with two
changes a benchmark needs:

- ``ROOT_URLCONF`` is ``bench.urls``: the portal's routes plus a bare view to compare with, so
  that the project itself never grows a benchmark-only route;
- ``CONN_MAX_AGE`` comes from ``BENCH_CONN_MAX_AGE`` when it is set, so that a dev-shaped
  server can keep its database connections as production does (60 s) or open one per request
  as dev and test do (0).
"""

import os

from config.settings import *  # noqa: F403
from config.settings import DATABASES

ROOT_URLCONF = "bench.urls"

if os.environ.get("BENCH_CONN_MAX_AGE", "").strip():
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ["BENCH_CONN_MAX_AGE"])
