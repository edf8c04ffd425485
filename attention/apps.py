from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttentionConfig(AppConfig):
    name = "attention"
    verbose_name = _("Attention queue")

    def ready(self) -> None:
        from accounts import registry
        from accounts.models import Role

        from .selectors import lead_reviewer_waiting
        from .services import attention_data_erase, attention_data_export

        # Escalations and overdue items are the lead reviewers' own work.
        registry.register_role_work(
            role=Role.LEAD_REVIEWER,
            url_name="attention:queue",
            title=_("Attention queue"),
            waiting=lead_reviewer_waiting,
        )

        registry.register_personal_data(
            app_label="attention",
            export=attention_data_export,
            erase=attention_data_erase,
            models=("attention.Item",),
            exempt={
                "attention.ItemTransition": "the officials' handling of an item (statuses, "
                "their notes); an official's deleted account leaves the row without them",
            },
        )
