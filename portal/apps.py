from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Registry and public site")

    def ready(self) -> None:
        # Registers the production checks (config is not an app of its own).
        from config import checks  # noqa: F401
