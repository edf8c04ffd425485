"""The Celery application: configured from Django's settings (the CELERY_ namespace)."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("rantang_kasih")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _refuse_unsafe_production(**kwargs):
    # A worker decrypts personal data and sends mail: it must refuse what the web refuses.
    # Celery logs and swallows an Exception raised by a signal handler, and the worker would
    # stay up doing nothing; SystemExit is not swallowed.
    from django.core.exceptions import ImproperlyConfigured

    from config.checks import raise_if_not_ready

    try:
        raise_if_not_ready()
    except ImproperlyConfigured as error:
        raise SystemExit(str(error)) from None
