"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_asgi_application()

from config.checks import raise_if_not_ready  # noqa: E402  (needs Django set up)

raise_if_not_ready()
