"""WSGI entry point (gunicorn in production)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

from config.checks import raise_if_not_ready  # noqa: E402  (needs Django set up)

raise_if_not_ready()

from config.warmup import warm_up  # noqa: E402  (needs Django set up)

warm_up()
