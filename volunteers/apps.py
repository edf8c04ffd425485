from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Student visits")

    def ready(self) -> None:
        from accounts import registry

        from .services.bookings import account_bookings_release
        from .services.coordinators import COORDINATOR_SCHOOLS

        registry.register_coordinator_schools(COORDINATOR_SCHOOLS)
        registry.register_erasure_step(account_bookings_release)
