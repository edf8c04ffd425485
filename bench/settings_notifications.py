"""Settings of bench/notifications_bench.py, and of nothing else: it exists only for that
benchmark.

The portal's own settings (``config.settings``, driven by the environment as usual; the
benchmark runs the ``test`` shape), with two changes:

- Celery also imports ``bench.notifications_bench``, where the empty task that the outbox is
  compared with lives, so that the project itself never registers a benchmark-only task;
- WhatsApp goes to the in-memory channel whatever the shape (``BENCH_WHATSAPP_BACKEND`` may
  name another one), so that no message leaves the machine and the provider costs nothing.

And one knob for a what-if, off unless set: ``BENCH_DB_REUSE_MAX`` replaces the portal's
``CELERY_DB_REUSE_MAX`` (1,000). Celery's Django fix-up closes the worker's database connections
before and after every task (whatever ``CONN_MAX_AGE`` says) unless that setting is given; with
it, a connection serves about twice that many tasks.
"""

import os

from config.settings import *  # noqa: F403
from config.settings import NOTIFICATION_BACKENDS

CELERY_INCLUDE = ["bench.notifications_bench"]

if os.environ.get("BENCH_DB_REUSE_MAX", "").strip():
    CELERY_DB_REUSE_MAX = int(os.environ["BENCH_DB_REUSE_MAX"])

NOTIFICATION_BACKENDS = {
    **NOTIFICATION_BACKENDS,
    "whatsapp": os.environ.get(
        "BENCH_WHATSAPP_BACKEND", "notifications.channels.memory.MemoryChannel"
    ),
}
