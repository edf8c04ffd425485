"""What a web worker does once while it boots rather than in its first request.

Django imports the URL patterns (and with them every view), compiles their expressions and
reads the translation catalogues lazily, on the first request a process serves: about 0.7 s of
CPU there, once per worker and again after every restart. A burst that lands on freshly started
workers (the hour a visit opens) queues behind that. gunicorn's workers boot before they
accept a connection, so the same work done at import of ``config.wsgi`` costs no one a wait.
"""

from django.conf import settings
from django.urls import get_resolver
from django.utils import translation


def warm_up() -> None:
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018  (imports every urls module, and so every view)
    resolver.reverse_dict  # noqa: B018  (compiles the patterns of every namespace)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Rantang Kasih")
