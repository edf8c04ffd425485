from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community reports and data rights")

    def ready(self) -> None:
        from accounts import registry

        from .selectors import community_data_export, community_recipient_export
        from .services.retention import community_data_erase

        history = (
            "the officials' handling of a report or a request (statuses, their notes), "
            "audit-logged; an official's deleted account leaves the row without them"
        )
        registry.register_personal_data(
            app_label="community",
            export=community_data_export,
            erase=community_data_erase,
            models=("community.Referral", "community.Concern"),
            exempt={
                "community.History": history,
                "community.RightsRequest": "a request made for an elderly person by them or "
                "their family, who have no account: the person's data (their access export), "
                "kept as the proof that the right was served",
            },
        )
        registry.register_personal_data(
            app_label="community",
            subject=registry.Subject.RECIPIENT,
            export=community_recipient_export,
            models=("community.Referral", "community.Concern", "community.RightsRequest"),
            exempt={"community.History": history},
        )
