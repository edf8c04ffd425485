from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = _("Outcome figures")

    def ready(self) -> None:
        from accounts.registry import register_personal_data
        from portal import registry

        from .selectors.public import latest_impact_summary

        # The home page shows the latest figures and links to /dampak/ for the rest.
        registry.register_impact_summary(latest_impact_summary)
        register_personal_data(
            app_label="outcomes",
            exempt={
                "outcomes.OutcomeTarget": (
                    "Which official set a regency target, for accountability (an append-only "
                    "record the comparisons rely on): the link is emptied when the account is "
                    "deleted, and the audit event names the official by public_ref only."
                ),
            },
        )
