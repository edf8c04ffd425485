"""Settings of bench/soak.py, and of nothing else: it exists only for that soak.

The portal's own settings (``config.settings``, driven by the environment as usual; the soak
runs the ``test`` shape with DEBUG off and Celery not eager), changed where the soak needs the
production shape or must count what left the machine:

- the caches are production's (``redis_caches``: Redis, the default cache falling back to
  process memory, the page cache not), and anonymous pages are cached as in production;
- e-mail is written to files in ``SOAK_MAIL_DIR`` (Django's file backend), one message per
  send, so that the soak counts every receipt that was sent, repeats included, across the
  worker processes it kills;
- database connections are kept as in production (``CONN_MAX_AGE`` 60 s, health-checked), so
  that a restart of PostgreSQL is met by the same reconnects as in production.
"""

import os

from config.settings import *  # noqa: F403
from config.settings import DATABASES, REDIS_URL, redis_caches

CACHES = redis_caches(REDIS_URL)
PUBLIC_PAGE_CACHE_SECONDS = 300

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["SOAK_MAIL_DIR"]

DATABASES["default"]["CONN_MAX_AGE"] = 60
