from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from accounts import registry

        from .services import account_mail_enqueue

        registry.register_account_mail_sender(account_mail_enqueue)
