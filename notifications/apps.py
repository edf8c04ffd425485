from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from accounts import registry

        from .selectors import notifications_data_export
        from .services import account_mail_enqueue, notifications_data_erase

        registry.register_account_mail_sender(account_mail_enqueue)
        registry.register_personal_data(
            app_label="notifications",
            export=notifications_data_export,
            erase=notifications_data_erase,
            models=("notifications.Notification", "notifications.Preference"),
        )
