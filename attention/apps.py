from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttentionConfig(AppConfig):
    name = "attention"
    verbose_name = _("Attention queue")

    def ready(self) -> None:
        from accounts import registry

        from .services import attention_data_erase, attention_data_export

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
