from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = _("Outcome figures")

    def ready(self) -> None:
        from portal import registry

        from .selectors.public import latest_impact_summary

        # The home page shows the latest figures and links to /dampak/ for the rest.
        registry.register_impact_summary(latest_impact_summary)
